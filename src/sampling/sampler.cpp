// sampling/sampler.cpp: the penalty history, the chain driver and the draw. The filters are in candidates.cpp.
#include "sampling/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>

#include "base/error.h"

namespace snug {
namespace {

uint64_t resolve_seed(uint64_t seed) {
    if (seed != SamplingParams::SEED_RANDOM) return seed;
    std::random_device device;  // only for picking a seed; the stream itself always comes from Rng
    const uint64_t drawn = (static_cast<uint64_t>(device()) << 32) ^ device();
    // SEED_RANDOM itself would read as "random" if the caller reported and reused it; a different fixed value keeps
    // the reported seed reproducible.
    return drawn == SamplingParams::SEED_RANDOM ? 0 : drawn;
}

// A NaN logit would break the strict ordering std::sort relies on; treat it as "never pick".
float sanitize(float logit) { return std::isnan(logit) ? -std::numeric_limits<float>::infinity() : logit; }

// For a small k, select_top_k scans the logits with a heap and never builds the full candidate list (which alone
// writes 3 MiB at n_vocab = 262144); for a large one, nth_element over the full list is cheaper.
bool uses_heap_top_k(int32_t top_k, size_t n_vocab) { return top_k > 0 && static_cast<size_t>(top_k) * 16 <= n_vocab; }

}  // namespace

Sampler::Sampler(const SamplingParams& p, int32_t n_vocab)
    : params_(p), n_vocab_(n_vocab), seed_(resolve_seed(p.seed)) {
    params_.validate();
    if (n_vocab <= 0) throw Error("sampler n_vocab must be > 0, got " + std::to_string(n_vocab));
    rng_.reseed(seed_);
    const bool any_penalty = p.repeat_penalty != 1.0f || p.presence_penalty != 0.0f || p.frequency_penalty != 0.0f;
    track_history_ = any_penalty && p.repeat_last_n != 0;
    const auto n = static_cast<size_t>(n_vocab);
    logits_.resize(n);
    cands_.resize(is_greedy() ? 1 : uses_heap_top_k(p.top_k, n) ? static_cast<size_t>(p.top_k) : n);
    if (!is_greedy() && (p.top_p < 1.0f || p.typical_p < 1.0f)) scratch_.resize(cands_.size());
    if (track_history_) {
        counts_.assign(n, 0);
        distinct_pos_.assign(n, 0);
        const size_t expected = p.repeat_last_n > 0 ? static_cast<size_t>(p.repeat_last_n) : 1024;
        distinct_.reserve(expected);
        window_.reserve(expected);
    }
}

void Sampler::check_logits(std::span<const float> logits) const {
    if (logits.size() != static_cast<size_t>(n_vocab_)) {
        throw Error("logits has " + std::to_string(logits.size()) + " entries but the sampler's n_vocab is " +
                    std::to_string(n_vocab_));
    }
}

// ref: llama.cpp llama_sampler_penalties_apply. Dividing a negative logit would raise it, hence the multiply.
float Sampler::penalize(float logit, int32_t count) const {
    logit = logit <= 0.0f ? logit * params_.repeat_penalty : logit / params_.repeat_penalty;
    return logit - static_cast<float>(count) * params_.frequency_penalty - params_.presence_penalty;
}

void Sampler::apply_penalties(std::span<float> logits) const {
    check_logits(logits);
    for (int32_t t : distinct_) {
        const auto i = static_cast<size_t>(t);
        logits[i] = penalize(logits[i], counts_[i]);
    }
}

void Sampler::load_logits(std::span<const float> logits) {
    for (size_t i = 0; i < logits.size(); ++i) logits_[i] = sanitize(logits[i]);
    for (int32_t t : distinct_) {
        const auto i = static_cast<size_t>(t);
        logits_[i] = penalize(logits_[i], counts_[i]);
    }
}

// The strict > keeps the lowest id among equal maxima.
int32_t Sampler::argmax() const {
    size_t best = 0;
    for (size_t i = 1; i < logits_.size(); ++i) {
        if (logits_[i] > logits_[best]) best = i;
    }
    return static_cast<int32_t>(best);
}

CandidateList Sampler::run_chain(std::span<const float> logits) {
    load_logits(logits);
    CandidateList c{cands_.data(), 0, 0, scratch_.data()};
    if (uses_heap_top_k(params_.top_k, logits_.size())) {
        c.n = c.n_sorted = static_cast<size_t>(params_.top_k);
        select_top_k(logits_, c.n, c.data);
    } else {
        c.n = logits_.size();
        for (size_t i = 0; i < c.n; ++i) c.data[i] = {static_cast<int32_t>(i), logits_[i], 0.0f};
        apply_top_k(c, params_.top_k);
    }
    apply_typical_p(c, params_.typical_p);
    apply_top_p(c, params_.top_p);
    apply_min_p(c, params_.min_p);
    apply_temperature(c, params_.temperature);
    softmax(c);
    return c;
}

std::span<const Candidate> Sampler::distribution(std::span<const float> logits) {
    check_logits(logits);
    if (is_greedy()) {
        load_logits(logits);
        const int32_t best = argmax();
        cands_[0] = {best, logits_[static_cast<size_t>(best)], 1.0f};
        return {cands_.data(), 1};
    }
    const CandidateList c = run_chain(logits);
    return {c.data, c.n};
}

int32_t Sampler::sample(std::span<const float> logits) {
    check_logits(logits);
    int32_t token;
    if (is_greedy()) {
        load_logits(logits);
        token = argmax();
    } else {
        const CandidateList c = run_chain(logits);
        token = pick_by_probability(c, rng_.next_double());
    }
    accept(token);
    return token;
}

void Sampler::add_count(int32_t token) {
    const auto t = static_cast<size_t>(token);
    if (counts_[t]++ == 0) {
        distinct_pos_[t] = static_cast<int32_t>(distinct_.size());
        distinct_.push_back(token);
    }
}

// Swap-remove keeps distinct_ dense in O(1).
void Sampler::remove_count(int32_t token) {
    const auto t = static_cast<size_t>(token);
    if (--counts_[t] > 0) return;
    const auto pos = static_cast<size_t>(distinct_pos_[t]);
    const int32_t moved = distinct_.back();
    distinct_[pos] = moved;
    distinct_pos_[static_cast<size_t>(moved)] = static_cast<int32_t>(pos);
    distinct_.pop_back();
}

void Sampler::accept(int32_t token) {
    if (token < 0 || token >= n_vocab_) {
        const std::string vocab = "[0, " + std::to_string(n_vocab_) + ")";
        throw Error("token id " + std::to_string(token) + " is outside the vocabulary " + vocab);
    }
    if (!track_history_) return;
    const bool ring_full = params_.repeat_last_n > 0 && window_.size() == static_cast<size_t>(params_.repeat_last_n);
    if (ring_full) {
        const int32_t evicted = window_[window_head_];
        window_[window_head_] = token;
        window_head_ = (window_head_ + 1) % window_.size();
        remove_count(evicted);
    } else {
        window_.push_back(token);
    }
    add_count(token);
}

void Sampler::reset() {
    for (int32_t t : distinct_) counts_[static_cast<size_t>(t)] = 0;
    distinct_.clear();
    window_.clear();
    window_head_ = 0;
    rng_.reseed(seed_);
}

}  // namespace snug
