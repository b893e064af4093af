// tests/models/reference_models.h: the shared test models that have llama.cpp reference outputs, and helpers.
#pragma once
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/test_data.h"
#include "engine/engine.h"
#include "gguf/gguf.h"

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
// Where the reference tests run, from SNUG_TEST_DEVICE: unset or "cpu", the CPU; "cuda", every layer on the GPU;
// "hybrid", a quarter of the layers (at least one) on the CPU and the rest with the output head on the GPU.
// tests/CMakeLists.txt registers the GPU runs under the label `cuda`.
inline int test_gpu_layers(const std::string& path) {
    const char* env = std::getenv("SNUG_TEST_DEVICE");
    const std::string device = env ? env : "cpu";
    if (device == "cpu" || device.empty()) return 0;
    if (device == "cuda") return -1;
    if (device != "hybrid") throw std::runtime_error("SNUG_TEST_DEVICE must be cpu, cuda or hybrid, not " + device);
    const auto f = gguf::File::open(path);
    const auto n_layers = static_cast<int>(f->require_int(f->get_string("general.architecture") + ".block_count"));
    return n_layers - std::max(1, n_layers / 4);
}

// The references were made with an F32 KV cache (../shared/reference/README.md), so that is the default here; the
// engine's own default is F16.
inline std::unique_ptr<Engine> load_engine(const RefModel& m, int n_ctx, DType kv_type = DType::F32) {
    EngineOptions o;
    o.n_threads = 2;
    o.n_ctx = n_ctx;
    o.kv_type = kv_type;
    o.n_gpu_layers = test_gpu_layers(model_path(m));
    auto e = Engine::load(model_path(m), o);
    // A GPU run that fell back to the CPU would pass without testing the GPU: fail it instead.
    if (o.n_gpu_layers != 0 && e->n_gpu_layers() == 0)
        throw std::runtime_error("SNUG_TEST_DEVICE asks for the GPU but the engine found none (see the note above)");
    return e;
}
inline std::string param_name(const RefModel& m) {
    std::string n = m.name;
    for (auto& c : n)
        if (!isalnum(static_cast<unsigned char>(c))) c = '_';
    return n;
}

}  // namespace snug::test
