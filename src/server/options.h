// server/options.h: Ollama's model options (`options` object, or OpenAI's top-level fields) turned into sampling,
// generation and load settings, with every value type- and range-checked. Unknown or retired options that
// clients still send (numa, mirostat, penalize_newline, ...) are ignored, as Ollama does.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "sampling/sampler.h"

namespace snug::server {

struct LoadOptions {  // options that need the model loaded with other settings
    std::optional<int> num_ctx;
    std::optional<int> num_batch;
    std::optional<int> num_thread;
    std::optional<int> num_gpu;  // layers on the GPU; the CPU backend accepts and records it
};

struct GenOptions {
    SamplingParams sampling;
    int num_predict = -1;  // -1: until end of generation or the context is full; -2 (Ollama): fill the context
    int num_keep = -1;     // tokens at the start kept when a prompt is truncated (-1: the system prompt's)
    std::vector<std::string> stop;
    LoadOptions load;
};

constexpr int MAX_NUM_PREDICT = 1 << 20;
constexpr int MAX_NUM_CTX = 1 << 20;

// Applies `opts` (an object of option name -> value) on top of `out`. Throws snug::Error naming the option and
// what was wrong: "option top_p must be a number, got \"high\"", "option num_ctx must be in [1, 1048576], got -3".
void apply_options(const nlohmann::json& opts, GenOptions& out);

}  // namespace snug::server
