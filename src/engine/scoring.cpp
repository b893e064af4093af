#include "engine/scoring.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "base/error.h"
#include "engine/engine.h"
#include "tokenizer/tokenizer.h"

namespace snug {

double log_sum_exp(std::span<const float> logits) {
    float mx = -INFINITY;
    for (float v : logits) mx = std::max(mx, v);
    double sum = 0.0;
    for (float v : logits) sum += std::exp(static_cast<double>(v) - mx);
    return mx + std::log(sum);
}

std::vector<PositionScores> score_tokens(Engine& engine, std::span<const int32_t> tokens, int top_k) {
    const int seq = engine.new_sequence();
    std::span<const float> logits;
    try {
        logits = engine.eval(seq, tokens, Logits::ALL);
    } catch (...) {
        engine.free_sequence(seq);
        throw;
    }
    engine.free_sequence(seq);
    const int V = engine.n_vocab();
    const int k = std::min(top_k, V);
    std::vector<PositionScores> out;
    std::vector<int32_t> ids(static_cast<size_t>(V));
    for (size_t p = 0; p < tokens.size(); ++p) {
        const std::span<const float> row(logits.data() + p * static_cast<size_t>(V), static_cast<size_t>(V));
        PositionScores s;
        s.pos = static_cast<int>(p);
        s.lse = log_sum_exp(row);
        std::iota(ids.begin(), ids.end(), 0);
        std::partial_sort(ids.begin(), ids.begin() + k, ids.end(), [&](int32_t a, int32_t b) {
            return row[static_cast<size_t>(a)] > row[static_cast<size_t>(b)] ||
                   (row[static_cast<size_t>(a)] == row[static_cast<size_t>(b)] && a < b);
        });
        for (int i = 0; i < k; ++i) s.top.emplace_back(ids[static_cast<size_t>(i)], row[static_cast<size_t>(ids[static_cast<size_t>(i)])]);
        out.push_back(std::move(s));
    }
    return out;
}

PerplexityResult perplexity(Engine& engine, std::span<const int32_t> tokens, int n_chunk_ctx) {
    if (n_chunk_ctx < 2) throw Error("perplexity chunk size must be at least 2, got " + std::to_string(n_chunk_ctx));
    if (n_chunk_ctx > engine.n_ctx())
        throw Error("perplexity chunk size " + std::to_string(n_chunk_ctx) + " exceeds the context size " +
                    std::to_string(engine.n_ctx()));
    const int n_chunks = static_cast<int>(tokens.size()) / n_chunk_ctx;
    if (n_chunks == 0)
        throw Error("the text has " + std::to_string(tokens.size()) + " tokens, fewer than one chunk of " +
                    std::to_string(n_chunk_ctx));
    const Tokenizer& tok = engine.tokenizer();
    const bool add_bos = tok.add_bos() && tok.bos() >= 0;
    const int first = n_chunk_ctx / 2;
    const int V = engine.n_vocab();
    PerplexityResult r;
    r.n_chunks = n_chunks;
    double nll = 0.0, nll2 = 0.0;
    int64_t count = 0;
    std::vector<int32_t> chunk(static_cast<size_t>(n_chunk_ctx));
    const int seq = engine.new_sequence();
    for (int c = 0; c < n_chunks; ++c) {
        std::copy_n(tokens.begin() + static_cast<ptrdiff_t>(c) * n_chunk_ctx, n_chunk_ctx, chunk.begin());
        if (add_bos) chunk[0] = tok.bos();
        engine.clear_sequence(seq);
        const std::span<const float> logits = engine.eval(seq, chunk, Logits::ALL);
        // Position j predicts token j + 1; only the second half of the chunk, which has enough context, counts.
        for (int j = first; j < n_chunk_ctx - 1; ++j) {
            const std::span<const float> row(logits.data() + static_cast<size_t>(j) * V, static_cast<size_t>(V));
            const int32_t target = tokens[static_cast<size_t>(c) * n_chunk_ctx + j + 1];
            const double lp = static_cast<double>(row[static_cast<size_t>(target)]) - log_sum_exp(row);
            nll -= lp;
            nll2 += lp * lp;
            ++count;
        }
        r.running_ppl.push_back(std::exp(nll / static_cast<double>(count)));
    }
    engine.free_sequence(seq);
    const double mean = nll / static_cast<double>(count);
    const double var = nll2 / static_cast<double>(count) - mean * mean;
    r.ppl = std::exp(mean);
    r.nll_stderr = count > 1 ? std::sqrt(std::max(0.0, var) / static_cast<double>(count - 1)) : 0.0;
    return r;
}

}  // namespace snug
