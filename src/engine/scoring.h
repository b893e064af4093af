// engine/scoring.h: teacher-forced evaluation — per-position top-k logits with log-sum-exp, and perplexity computed
// the way llama.cpp's perplexity tool does (non-overlapping chunks, BOS per chunk, second half of each scored).
#pragma once
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace snug {

class Engine;

struct PositionScores {
    int pos = 0;
    double lse = 0.0;                              // log-sum-exp of the full logit vector
    std::vector<std::pair<int32_t, float>> top;    // highest logits first, ties by lower id
};

// Decodes tokens as one sequence in one pass (batches of the engine's n_batch) and scores every position.
std::vector<PositionScores> score_tokens(Engine& engine, std::span<const int32_t> tokens, int top_k);

struct PerplexityResult {
    double ppl = 0.0;
    double nll_stderr = 0.0;               // standard error of the mean negative log-likelihood
    int n_chunks = 0;
    std::vector<double> running_ppl;       // after each chunk
};

// tokens: the whole text tokenized with the model's special tokens. n_chunk_ctx tokens per chunk.
PerplexityResult perplexity(Engine& engine, std::span<const int32_t> tokens, int n_chunk_ctx);

// log of the sum of exp over the logits, in double precision.
double log_sum_exp(std::span<const float> logits);

}  // namespace snug
