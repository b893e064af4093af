// tests/models/reference_models.h: the shared test models that have llama.cpp reference outputs, and helpers.
#pragma once
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/test_data.h"
#include "engine/engine.h"

namespace snug::test {

struct RefModel {
    const char* name;
    bool exact;  // F32/F16 weights: the tight tolerances apply
    bool has_ppl;
};

inline const RefModel REFERENCE_MODELS[] = {
    {"stories260K", true, false},         {"snug-gemma3-f16", true, true},     {"snug-qwen3-f16", true, true},
    {"snug-qwen3-q8_0", false, true},     {"snug-qwen2-q4_k_m", false, true},  {"snug-llama-q4_k_m", false, true},
    {"snug-gemma3-q2_k", false, true},    {"snug-gemma3-q3_k_m", false, true}, {"snug-gemma3-q4_0", false, true},
    {"snug-gemma3-q5_0", false, true},    {"snug-gemma3-q5_k_m", false, true}, {"snug-gemma3-q6_k", false, true},
    {"snug-gemma3-iq4_nl", false, true},
};

inline nlohmann::json load_json(const std::string& path) {
    std::ifstream f(path);
    return nlohmann::json::parse(f);
}

inline std::vector<RefModel> models_with_perplexity() {
    std::vector<RefModel> v;
    for (const auto& m : REFERENCE_MODELS)
        if (m.has_ppl) v.push_back(m);
    return v;
}
inline std::string model_path(const RefModel& m) { return data_path(std::string("models/") + m.name + ".gguf"); }
inline std::string reference_path(const RefModel& m, const char* file) {
    return data_path(std::string("reference/models/") + m.name + "/" + file);
}
// The references were made with an F32 KV cache (../shared/reference/README.md), so that is the default here; the
// engine's own default is F16.
inline std::unique_ptr<Engine> load_engine(const RefModel& m, int n_ctx, DType kv_type = DType::F32) {
    EngineOptions o;
    o.n_threads = 2;
    o.n_ctx = n_ctx;
    o.kv_type = kv_type;
    return Engine::load(model_path(m), o);
}
inline std::string param_name(const RefModel& m) {
    std::string n = m.name;
    for (auto& c : n)
        if (!isalnum(static_cast<unsigned char>(c))) c = '_';
    return n;
}

}  // namespace snug::test
