// store/show.cpp: Ollama's model description fields computed from GGUF metadata.
// ref: https://github.com/ollama/ollama/blob/main/docs/api.md#show-model-information
#include "store/show.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>

#include "gguf/gguf.h"
#include "store/utf8.h"

namespace snug::store {
namespace {

std::string fixed(double v, int decimals, const char* suffix) {
    char buf[48];
    if (v == std::floor(v)) std::snprintf(buf, sizeof buf, "%.0f%s", v, suffix);
    else std::snprintf(buf, sizeof buf, "%.*f%s", decimals, v, suffix);
    return buf;
}

// A float32 at its own precision: the shortest decimal that reads back as the same float, as a double.
double float32_value(double v) {
    const float f = static_cast<float>(v);
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, f);
    double out = v;
    std::from_chars(buf, r.ptr, out);
    return out;
}

nlohmann::json value_json(const gguf::Value& v, bool verbose) {
    using gguf::ValueType;
    switch (v.type) {
        case ValueType::STRING: return to_valid_utf8(v.str);
        case ValueType::BOOL: return v.u != 0;
        case ValueType::FLOAT32: return float32_value(v.f);
        case ValueType::FLOAT64: return std::isfinite(v.f) ? nlohmann::json(v.f) : nlohmann::json(nullptr);
        case ValueType::UINT8: case ValueType::UINT16: case ValueType::UINT32: case ValueType::UINT64: return v.u;
        case ValueType::INT8: case ValueType::INT16: case ValueType::INT32: case ValueType::INT64: return v.i;
        case ValueType::ARRAY: {
            nlohmann::json arr = nlohmann::json::array();
            if (!verbose && v.arr.size() > 5) return arr;  // token lists and merges are huge and rarely wanted
            for (const auto& e : v.arr) arr.push_back(value_json(e, verbose));
            return arr;
        }
    }
    return nullptr;
}

uint64_t parameter_count(const gguf::File& f) {
    if (const auto* v = f.find("general.parameter_count"); v && v->is_integer() && v->as_int("") > 0)
        return static_cast<uint64_t>(v->as_int(""));
    uint64_t n = 0;
    for (const auto& t : f.tensors()) n += static_cast<uint64_t>(t.n_elements);
    return n;
}

std::string quantization_level(const gguf::File& f) {
    if (const auto* v = f.find("general.file_type"); v && v->is_integer()) {
        const std::string name = file_type_name(v->as_int("general.file_type"));
        if (name != "unknown") return name;
    }
    // No (or an unknown) file type: name the type holding most of the matrix bytes, as the file's "quantization".
    std::map<std::string, size_t> bytes;
    for (const auto& t : f.tensors())
        if (t.shape.size() >= 2) bytes[std::string(dtype_name(t.dtype))] += t.n_bytes;
    std::string best = "unknown";
    size_t most = 0;
    for (const auto& [type, n] : bytes)
        if (n > most) most = n, best = type;
    for (char& c : best) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return best;
}

}  // namespace

std::string human_number(uint64_t n) {
    if (n >= 1000000000ull) return fixed(static_cast<double>(n) / 1e9, 1, "B");
    if (n >= 1000000ull) return fixed(static_cast<double>(n) / 1e6, 2, "M");
    if (n >= 1000ull) return fixed(std::floor(static_cast<double>(n) / 1e3 + 0.5), 0, "K");
    return std::to_string(n);
}

std::string file_type_name(int64_t file_type) {
    static const char* const NAMES[] = {
        "F32",    "F16",    "Q4_0",   "Q4_1",   nullptr,  nullptr,  nullptr,   "Q8_0",    "Q5_0",   "Q5_1",
        "Q2_K",   "Q3_K_S", "Q3_K_M", "Q3_K_L", "Q4_K_S", "Q4_K_M", "Q5_K_S",  "Q5_K_M",  "Q6_K",   "IQ2_XXS",
        "IQ2_XS", "Q2_K_S", "IQ3_XS", "IQ3_XXS", "IQ1_S", "IQ4_NL", "IQ3_S",   "IQ3_M",   "IQ2_S",  "IQ2_M",
        "IQ4_XS", "IQ1_M",  "BF16",   nullptr,  nullptr,  nullptr,  "TQ1_0",   "TQ2_0",   "MXFP4",
    };
    // ref: llama.cpp include/llama.h, enum llama_ftype (4-6 and 33-35 were removed from GGUF files)
    constexpr int64_t N = static_cast<int64_t>(sizeof NAMES / sizeof NAMES[0]);
    if (file_type < 0 || file_type >= N || !NAMES[file_type]) return "unknown";
    return NAMES[file_type];
}

nlohmann::json gguf_details(const gguf::File& f) {
    const std::string arch = to_valid_utf8(f.get_string("general.architecture"));
    return {{"parent_model", ""},
            {"format", "gguf"},
            {"family", arch},
            {"families", arch.empty() ? nlohmann::json(nullptr) : nlohmann::json::array({arch})},
            {"parameter_size", human_number(parameter_count(f))},
            {"quantization_level", quantization_level(f)}};
}

nlohmann::json gguf_model_info(const gguf::File& f, bool verbose) {
    nlohmann::json info = nlohmann::json::object();
    for (const auto& [key, value] : f.metadata()) {
        if (key == "general.name" || key == "tokenizer.chat_template") continue;
        info[to_valid_utf8(key)] = value_json(value, verbose);
    }
    if (!info.contains("general.parameter_count")) info["general.parameter_count"] = parameter_count(f);
    return info;
}

std::vector<std::string> model_capabilities(const gguf::File& f, const std::string& template_text, bool has_projector) {
    std::vector<std::string> caps;
    const std::string arch = f.get_string("general.architecture");
    caps.push_back(f.find(arch + ".pooling_type") ? "embedding" : "completion");
    const std::string tmpl = template_text.empty() ? f.get_string("tokenizer.chat_template") : template_text;
    if (tmpl.find("tools") != std::string::npos) caps.push_back("tools");
    if (has_projector) caps.push_back("vision");
    return caps;
}

std::string rfc3339(int64_t unix_ns) {
    const std::time_t secs = static_cast<std::time_t>(unix_ns / 1000000000);
    const long nanos = static_cast<long>(unix_ns % 1000000000);
    std::tm tm{};
    localtime_r(&secs, &tm);
    char date[40];
    std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    const long off = tm.tm_gmtoff / 60;  // minutes east of UTC
    char out[80];
    if (off == 0)
        std::snprintf(out, sizeof out, "%s.%09ldZ", date, nanos);
    else
        std::snprintf(out, sizeof out, "%s.%09ld%c%02ld:%02ld", date, nanos, off < 0 ? '-' : '+', std::labs(off) / 60,
                      std::labs(off) % 60);
    return out;
}

}  // namespace snug::store
