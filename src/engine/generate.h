// engine/generate.h: the token loop — evaluate a prompt, then sample, stream text and stop at end-of-generation
// tokens, stop strings, the token limit or the end of the context.
#pragma once
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sampling/sampler.h"

namespace snug {

class Engine;

struct GenerateOptions {
    int n_predict = -1;  // -1: until end of generation or the context is full
    SamplingParams sampling;
    std::vector<std::string> stop;
    bool ignore_eog = false;  // keep generating through end-of-generation tokens (benchmarks, references)
};

struct GenerateResult {
    std::vector<int32_t> tokens;  // generated ids, the end-of-generation token excluded
    std::string text;             // their text, cut before a stop string
    std::string done_reason;      // "stop" (eog token or stop string), "length" (n_predict or context), "cancel"
    int prompt_tokens = 0;
    int64_t prompt_ns = 0;
    int64_t generate_ns = 0;
};

// Appends prompt to seq and generates. on_text receives each new piece of text (whole UTF-8 characters, never a
// piece of a stop string) and returns false to stop early.
GenerateResult generate(Engine& engine, int seq, std::span<const int32_t> prompt, const GenerateOptions& opt,
                        const std::function<bool(std::string_view)>& on_text = {});

}  // namespace snug
