// store/create_request.cpp: POST /api/create's JSON body as a ModelSpec, so the server only forwards it.
// ref: https://github.com/ollama/ollama/blob/main/docs/api.md#create-a-model (api.CreateRequest)
#include "base/error.h"
#include "store/modelfile.h"
#include "store/names.h"

namespace snug::store {
namespace {

std::string string_field(const nlohmann::json& body, const char* key) {
    const auto& v = body[key];
    if (!v.is_string()) throw Error(std::string("\"") + key + "\" must be a string");
    return v.get<std::string>();
}

bool present(const nlohmann::json& body, const char* key) { return body.contains(key) && !body[key].is_null(); }

}  // namespace

ModelSpec spec_from_create_request(const nlohmann::json& body) {
    if (!body.is_object()) throw Error("the request body must be a JSON object");
    for (const char* unsupported : {"adapters", "quantize"}) {
        if (!present(body, unsupported)) continue;
        const auto& v = body[unsupported];
        const bool empty = (v.is_string() && v.get<std::string>().empty()) || (v.is_object() && v.empty());
        if (!empty) throw Error(std::string("\"") + unsupported + "\" is not supported yet");
    }
    ModelSpec spec;
    if (present(body, "modelfile")) spec = parse_modelfile(string_field(body, "modelfile"));
    if (present(body, "from")) spec.from.push_back(string_field(body, "from"));
    if (present(body, "files")) {
        if (!body["files"].is_object()) throw Error("\"files\" must be an object of file name -> digest");
        for (const auto& [file, digest] : body["files"].items()) {
            if (!digest.is_string()) throw Error("\"files\": the digest of '" + file + "' must be a string");
            spec.from.push_back(parse_digest(digest.get<std::string>()));
        }
    }
    if (spec.from.empty()) throw Error("nothing to create from: give \"from\" or \"files\"");
    if (present(body, "parameters")) {
        const nlohmann::json params = check_parameters(body["parameters"], &spec.ignored_params);
        for (const auto& [key, value] : params.items()) spec.params[key] = value;
    }
    if (present(body, "template")) spec.template_text = string_field(body, "template");
    if (present(body, "system")) spec.system = string_field(body, "system");
    if (present(body, "messages")) {
        if (!body["messages"].is_array()) throw Error("\"messages\" must be a list");
        spec.messages.emplace();
        for (const auto& m : body["messages"]) {
            if (!m.is_object() || !m.contains("role") || !m["role"].is_string() ||
                (m.contains("content") && !m["content"].is_string()))
                throw Error("\"messages\": each needs a string \"role\" and \"content\"");
            const std::string role = m["role"].get<std::string>();
            if (role != "system" && role != "user" && role != "assistant")
                throw Error("\"messages\": role must be system, user or assistant, got '" + role.substr(0, 32) + "'");
            spec.messages->push_back({role, m.value("content", "")});
        }
    }
    if (present(body, "license")) {
        const auto& l = body["license"];
        spec.license.emplace();
        if (l.is_string()) spec.license->push_back(l.get<std::string>());
        else if (l.is_array())
            for (const auto& s : l) {
                if (!s.is_string()) throw Error("\"license\" must be a string or a list of strings");
                spec.license->push_back(s.get<std::string>());
            }
        else throw Error("\"license\" must be a string or a list of strings");
    }
    return spec;
}

}  // namespace snug::store
