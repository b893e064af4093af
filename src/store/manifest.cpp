// store/manifest.cpp: manifest <-> JSON. Reading re-validates every digest, so even a hand-edited manifest cannot
// point outside blobs/.
#include "store/manifest.h"

#include "base/error.h"
#include "store/names.h"

namespace snug::store {
namespace {

nlohmann::json blob_json(const BlobRef& b) { return {{"digest", b.digest}, {"size", b.size}}; }

BlobRef blob_from(const nlohmann::json& j, const std::string& where, const char* key) {
    if (!j.is_object() || !j.contains("digest") || !j["digest"].is_string() || !j.contains("size") ||
        !j["size"].is_number_integer() || j["size"].get<int64_t>() < 0)
        throw Error(where + ": \"" + key + "\" must be {\"digest\": \"sha256:...\", \"size\": N}");
    return {parse_digest(j["digest"].get<std::string>()), j["size"].get<int64_t>()};
}

std::string string_at(const nlohmann::json& j, const char* key, const std::string& where) {
    if (!j.contains(key)) return "";
    if (!j[key].is_string()) throw Error(where + ": \"" + key + "\" must be a string");
    return j[key].get<std::string>();
}

}  // namespace

std::vector<std::string> Manifest::blob_digests() const {
    std::vector<std::string> d{model.digest};
    if (projector) d.push_back(projector->digest);
    return d;
}

nlohmann::json manifest_to_json(const Manifest& m) {
    nlohmann::json j = {{"schema", MANIFEST_SCHEMA}, {"model", blob_json(m.model)}, {"params", m.params}};
    if (m.projector) j["projector"] = blob_json(*m.projector);
    if (!m.template_text.empty()) j["template"] = m.template_text;
    if (!m.system.empty()) j["system"] = m.system;
    if (!m.messages.empty()) {
        j["messages"] = nlohmann::json::array();
        for (const auto& msg : m.messages) j["messages"].push_back({{"role", msg.role}, {"content", msg.content}});
    }
    if (!m.license.empty()) j["license"] = m.license;
    if (!m.parent.empty()) j["parent"] = m.parent;
    if (!m.source.empty()) j["source"] = m.source;
    if (!m.details.empty()) j["details"] = m.details;
    return j;
}

Manifest manifest_from_json(const nlohmann::json& j, const std::string& where) {
    if (!j.is_object()) throw Error(where + ": not a JSON object");
    if (!j.contains("schema") || j["schema"] != MANIFEST_SCHEMA)
        throw Error(where + ": unknown manifest schema (expected " + std::to_string(MANIFEST_SCHEMA) + ")");
    Manifest m;
    if (!j.contains("model")) throw Error(where + ": no \"model\" blob");
    m.model = blob_from(j["model"], where, "model");
    if (j.contains("projector")) m.projector = blob_from(j["projector"], where, "projector");
    if (j.contains("params")) m.params = check_parameters(j["params"]);
    m.template_text = string_at(j, "template", where);
    m.system = string_at(j, "system", where);
    m.parent = string_at(j, "parent", where);
    m.source = string_at(j, "source", where);
    if (j.contains("details")) {
        if (!j["details"].is_object()) throw Error(where + ": \"details\" must be an object");
        m.details = j["details"];
    }
    if (j.contains("messages")) {
        if (!j["messages"].is_array()) throw Error(where + ": \"messages\" must be a list");
        for (const auto& msg : j["messages"])
            m.messages.push_back({string_at(msg, "role", where), string_at(msg, "content", where)});
    }
    if (j.contains("license")) {
        if (!j["license"].is_array()) throw Error(where + ": \"license\" must be a list of strings");
        for (const auto& l : j["license"]) {
            if (!l.is_string()) throw Error(where + ": \"license\" must be a list of strings");
            m.license.push_back(l.get<std::string>());
        }
    }
    return m;
}

std::string manifest_serialize(const Manifest& m) { return manifest_to_json(m).dump(2) + "\n"; }

}  // namespace snug::store
