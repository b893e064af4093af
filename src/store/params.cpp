// store/params.cpp: the typed model options a Modelfile or /api/create may set. Types follow Ollama's Options and
// Runner structs (api/types.go); ranges are left to the sampler and engine, which check them when the model runs.
#include <charconv>
#include <cmath>
#include <cstdio>

#include "base/error.h"
#include "store/modelfile.h"

namespace snug::store {
namespace {

enum class Kind { INT, FLOAT, BOOL, STRING_LIST };

struct ParamInfo {
    std::string_view name;
    Kind kind;
    bool legacy;  // Ollama once had it; old Modelfiles still set it, so it is checked and then ignored
};

constexpr ParamInfo PARAMS[] = {
    {"num_ctx", Kind::INT, false},        {"num_batch", Kind::INT, false},     {"num_gpu", Kind::INT, false},
    {"main_gpu", Kind::INT, false},       {"num_thread", Kind::INT, false},    {"num_keep", Kind::INT, false},
    {"seed", Kind::INT, false},           {"num_predict", Kind::INT, false},   {"top_k", Kind::INT, false},
    {"repeat_last_n", Kind::INT, false},  {"temperature", Kind::FLOAT, false}, {"top_p", Kind::FLOAT, false},
    {"min_p", Kind::FLOAT, false},        {"typical_p", Kind::FLOAT, false},   {"repeat_penalty", Kind::FLOAT, false},
    {"presence_penalty", Kind::FLOAT, false}, {"frequency_penalty", Kind::FLOAT, false},
    {"use_mmap", Kind::BOOL, false},      {"stop", Kind::STRING_LIST, false},
    {"mirostat", Kind::INT, true},        {"mirostat_tau", Kind::FLOAT, true}, {"mirostat_eta", Kind::FLOAT, true},
    {"tfs_z", Kind::FLOAT, true},         {"penalize_newline", Kind::BOOL, true}, {"numa", Kind::BOOL, true},
    {"low_vram", Kind::BOOL, true},       {"f16_kv", Kind::BOOL, true},        {"vocab_only", Kind::BOOL, true},
    {"use_mlock", Kind::BOOL, true},      {"logits_all", Kind::BOOL, true},
};

const ParamInfo& find_param(std::string_view key) {
    for (const auto& p : PARAMS)
        if (p.name == key) return p;
    std::string known;
    for (const auto& p : PARAMS)
        if (!p.legacy) known += (known.empty() ? "" : ", ") + std::string(p.name);
    throw Error("unknown parameter '" + std::string(key.substr(0, 64)) + "' (known: " + known + ")");
}

Error bad_value(std::string_view key, std::string_view expected, std::string_view got) {
    return Error("parameter " + std::string(key) + ": expected " + std::string(expected) + ", got '" +
                 std::string(got.substr(0, 64)) + "'");
}

nlohmann::json parse_text(const ParamInfo& p, std::string_view v) {
    switch (p.kind) {
        case Kind::INT: {
            int64_t x = 0;
            const char* first = v.data() + (!v.empty() && v[0] == '+');
            const auto [end, ec] = std::from_chars(first, v.data() + v.size(), x);
            if (v.empty() || ec != std::errc() || end != v.data() + v.size()) throw bad_value(p.name, "an integer", v);
            return x;
        }
        case Kind::FLOAT: {
            double x = 0;
            const char* first = v.data() + (!v.empty() && v[0] == '+');
            const auto [end, ec] = std::from_chars(first, v.data() + v.size(), x);
            if (v.empty() || ec != std::errc() || end != v.data() + v.size() || !std::isfinite(x))
                throw bad_value(p.name, "a finite number", v);
            return x;
        }
        case Kind::BOOL: {
            std::string l(v);
            for (char& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            if (l == "true" || l == "1") return true;
            if (l == "false" || l == "0") return false;
            throw bad_value(p.name, "true or false", v);
        }
        case Kind::STRING_LIST:
            if (v.empty()) throw bad_value(p.name, "a non-empty string", v);
            return std::string(v);
    }
    return nullptr;
}

nlohmann::json check_json(const ParamInfo& p, const nlohmann::json& v) {
    const std::string shown = v.dump().substr(0, 64);
    switch (p.kind) {
        case Kind::INT:
            if (v.is_number_integer()) return v.get<int64_t>();
            // JavaScript clients may send 4096.0; an integral float in int64 range is accepted as that integer
            if (v.is_number_float()) {
                const double d = v.get<double>();
                if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9.2e18) return static_cast<int64_t>(d);
            }
            throw bad_value(p.name, "an integer", shown);
        case Kind::FLOAT:
            if (v.is_number() && std::isfinite(v.get<double>())) return v.get<double>();
            throw bad_value(p.name, "a finite number", shown);
        case Kind::BOOL:
            if (v.is_boolean()) return v;
            throw bad_value(p.name, "true or false", shown);
        case Kind::STRING_LIST: {
            nlohmann::json out = nlohmann::json::array();
            if (v.is_string() && !v.get<std::string>().empty()) return nlohmann::json::array({v});
            if (!v.is_array()) throw bad_value(p.name, "a string or a list of strings", shown);
            for (const auto& s : v) {
                if (!s.is_string() || s.get<std::string>().empty())
                    throw bad_value(p.name, "a list of non-empty strings", shown);
                out.push_back(s);
            }
            return out;
        }
    }
    return nullptr;
}

}  // namespace

std::optional<nlohmann::json> parse_parameter(std::string_view key, std::string_view value) {
    const ParamInfo& p = find_param(key);
    nlohmann::json v = parse_text(p, value);
    if (p.legacy) return std::nullopt;
    return v;
}

nlohmann::json check_parameters(const nlohmann::json& params, std::vector<std::string>* ignored) {
    if (params.is_null()) return nlohmann::json::object();
    if (!params.is_object()) throw Error("parameters must be a JSON object, got " + params.dump().substr(0, 64));
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, value] : params.items()) {
        const ParamInfo& p = find_param(key);
        nlohmann::json v = check_json(p, value);
        if (p.legacy) {
            if (ignored) ignored->push_back(key);
            continue;
        }
        out[key] = std::move(v);
    }
    return out;
}

std::string format_parameters(const nlohmann::json& params) {
    std::string out;
    const auto line = [&](const std::string& key, const nlohmann::json& v) {
        char pad[64];
        std::snprintf(pad, sizeof pad, "%-30s ", key.c_str());
        out += (out.empty() ? "" : "\n") + std::string(pad) + v.dump();
    };
    for (const auto& [key, value] : params.items()) {
        if (value.is_array())
            for (const auto& v : value) line(key, v);
        else
            line(key, value);
    }
    return out;
}

}  // namespace snug::store
