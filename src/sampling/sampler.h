// sampling/sampler.h: per-sequence token sampling. Owns the parameters, the penalty history and the seeded RNG; knows
// nothing of models or tokenizers. The chain and its order follow llama.cpp's default sampler chain:
//   penalties -> top_k -> typical_p -> top_p -> min_p -> temperature -> draw from the distribution,
// and temperature <= 0 means greedy (argmax of the penalized logits, lowest id on ties).
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "sampling/candidates.h"
#include "sampling/rng.h"
#include "sampling/stop_matcher.h"  // part of this module's API: callers of the sampler filter its text with it

namespace snug {

// Defaults are Ollama's. Ranges are checked by validate(); "disables" values make a stage a no-op.
struct SamplingParams {
    static constexpr uint64_t SEED_RANDOM = UINT64_MAX;  // Ollama's seed -1: draw a fresh seed per Sampler

    float temperature = 0.8f;        // any finite value; <= 0 means greedy
    int32_t top_k = 40;              // <= 0 disables
    float top_p = 0.9f;              // [0, 1]; 1 disables
    float min_p = 0.0f;              // [0, 1]; 0 disables
    float typical_p = 1.0f;          // [0, 1]; 1 disables
    float repeat_penalty = 1.1f;     // > 0; 1 disables
    int32_t repeat_last_n = 64;      // window of the penalties in tokens: 0 disables, -1 = everything since reset()
    float presence_penalty = 0.0f;   // finite; subtracted once from every token present in the window
    float frequency_penalty = 0.0f;  // finite; subtracted once per occurrence in the window
    uint64_t seed = SEED_RANDOM;

    // Throws snug::Error naming the first out-of-range value, e.g. "top_p must be in [0, 1], got 1.5".
    void validate() const;
};

class Sampler {
public:
    // Validates p and allocates every buffer the sampler will use (O(n_vocab)); sample() then never allocates, except
    // that repeat_last_n = -1 grows the history as the sequence grows.
    explicit Sampler(const SamplingParams& p, int32_t n_vocab);

    // logits: [n_vocab] raw model output for the next token. Samples a token and records it in the history.
    int32_t sample(std::span<const float> logits);

    // Records a token (prompt or generated elsewhere) in the penalty history. Precondition: 0 <= token < n_vocab.
    void accept(int32_t token);

    // Forgets the history and restarts the RNG from the seed: a reset sampler repeats its earlier output exactly.
    void reset();

    // The distribution sample() would draw from, as (id, logit after all stages, p) over the kept tokens, without
    // drawing or recording anything. Greedy gives the single argmax with p = 1. Valid until the next call.
    std::span<const Candidate> distribution(std::span<const float> logits);

    // Applies the repeat, frequency and presence penalties of the current history to logits ([n_vocab]) in place.
    void apply_penalties(std::span<float> logits) const;

    const SamplingParams& params() const { return params_; }
    uint64_t seed() const { return seed_; }  // the seed in use, SEED_RANDOM resolved
    int32_t n_vocab() const { return n_vocab_; }

private:
    bool is_greedy() const { return params_.temperature <= 0.0f; }
    void check_logits(std::span<const float> logits) const;
    float penalize(float logit, int32_t count) const;
    void load_logits(std::span<const float> logits);
    int32_t argmax() const;
    CandidateList run_chain(std::span<const float> logits);
    void add_count(int32_t token);
    void remove_count(int32_t token);

    SamplingParams params_;
    int32_t n_vocab_;
    uint64_t seed_;
    Rng rng_;
    bool track_history_;              // false when no penalty can change a logit
    std::vector<float> logits_;       // [n_vocab] this step's logits, NaN-free and penalized
    std::vector<Candidate> cands_;    // [n_vocab] working list of the chain; [top_k] when top_k is small; [1] greedy
    std::vector<Candidate> scratch_;  // [cands_.size()] work space of top_p and typical_p; empty when unused
    std::vector<int32_t> window_;     // ring of the last repeat_last_n tokens; a growing list when repeat_last_n = -1
    size_t window_head_ = 0;          // oldest entry of a full ring
    std::vector<int32_t> counts_;     // [n_vocab] occurrences of each token in window_
    std::vector<int32_t> distinct_;   // tokens with counts_ > 0, unordered: penalties touch only these
    std::vector<int32_t> distinct_pos_;  // [n_vocab] index of a token in distinct_, valid while its count is > 0
};

}  // namespace snug
