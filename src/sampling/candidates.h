// sampling/candidates.h: the filters of the sampler chain (top-k, typical-p, top-p, min-p, temperature), each editing
// a candidate list in place. Semantics follow llama.cpp's samplers (src/llama-sampling.cpp). Nothing here allocates;
// penalties and the random draw live in sampler.cpp.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

namespace snug {

struct Candidate {
    int32_t id;
    float logit;
    float p;  // probability; valid after softmax() until the logits change
};

// A view over caller-owned buffers. data[0, n) are the live candidates. data[0, n_sorted) are the n_sorted highest
// logits in descending order (ascending id on ties); filters keep that invariant so later ones reuse the sorting.
// Ties always break by id and filters keep survivors in their previous order, so the list's order never depends on
// how the standard library implements nth_element: a seed draws the same token under any library.
struct CandidateList {
    Candidate* data = nullptr;
    size_t n = 0;
    size_t n_sorted = 0;
    Candidate* scratch = nullptr;  // [>= n] work space of apply_top_p and apply_typical_p; unused by the others

    std::span<Candidate> live() const { return {data, n}; }
};

// Fills out[0, k) with the k highest logits ([n]) as candidates, sorted, without building the other n - k: a heap of
// k is one comparison per logit for most of them. Precondition: 0 < k <= n and no logit is NaN.
void select_top_k(std::span<const float> logits, size_t k, Candidate* out);

// Fills p with softmax(logit) over the live candidates. All logits at -inf give a uniform distribution, not NaNs.
void softmax(CandidateList& c);

void apply_top_k(CandidateList& c, int32_t k);      // keeps the k highest logits; k <= 0 disables
void apply_typical_p(CandidateList& c, float p);    // locally typical sampling; p >= 1 disables
void apply_top_p(CandidateList& c, float p);        // nucleus: shortest prefix with mass >= p; p >= 1 disables
void apply_min_p(CandidateList& c, float p);        // keeps prob >= p * max prob; p <= 0 disables
void apply_temperature(CandidateList& c, float t);  // logit /= t; t must be > 0

// Picks a candidate by inverse CDF over p, with u uniform in [0, 1). Precondition: c.n > 0 and softmax() is current.
int32_t pick_by_probability(const CandidateList& c, double u);

}  // namespace snug
