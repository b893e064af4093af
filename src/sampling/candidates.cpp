// sampling/candidates.cpp: the chain's filters. Every filter that needs an order sorts lazily, only as far as the
// kept prefix reaches: with n_vocab = 262144 and top_k disabled, a full sort per token would cost milliseconds.
#include "sampling/candidates.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace snug {
namespace {

// The first lazy sort covers this many candidates; each further one doubles the sorted prefix.
constexpr size_t FIRST_SORT_CHUNK = 256;

bool higher_logit(const Candidate& a, const Candidate& b) {
    return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
}

// Precondition: c[0, from) already hold, in order, the `from` first elements under `less`. Afterwards c[0, to) do.
template <class Less>
void extend_sorted(std::span<Candidate> c, size_t from, size_t to, Less less) {
    to = std::min(to, c.size());
    if (to <= from) return;
    if (to < c.size()) std::nth_element(c.begin() + from, c.begin() + to, c.end(), less);
    std::sort(c.begin() + from, c.begin() + to, less);
}

size_t next_sort_target(size_t sorted) { return std::max(2 * sorted, FIRST_SORT_CHUNK); }

float max_logit(const CandidateList& c) {
    if (c.n_sorted > 0) return c.data[0].logit;
    float m = -std::numeric_limits<float>::infinity();
    for (const Candidate& x : c.live()) m = std::max(m, x.logit);
    return m;
}

}  // namespace

void sort_by_logit(CandidateList& c, size_t k) {
    const size_t target = std::min(k, c.n);
    if (target <= c.n_sorted) return;
    extend_sorted(c.live(), c.n_sorted, target, higher_logit);
    c.n_sorted = target;
}

double softmax(CandidateList& c) {
    const float m = max_logit(c);
    if (!(m > -std::numeric_limits<float>::infinity())) {
        for (Candidate& x : c.live()) x.p = 1.0f / static_cast<float>(c.n);
        return 0.0;
    }
    double sum = 0.0;
    for (Candidate& x : c.live()) {
        x.p = std::exp(x.logit - m);
        sum += x.p;
    }
    for (Candidate& x : c.live()) x.p = static_cast<float>(x.p / sum);
    return m + std::log(sum);
}

void apply_top_k(CandidateList& c, int32_t k) {
    if (k <= 0 || static_cast<size_t>(k) >= c.n) return;
    sort_by_logit(c, static_cast<size_t>(k));
    c.n = static_cast<size_t>(k);
}

// ref: llama.cpp llama_sampler_typical_apply; Meister et al. 2022, "Locally Typical Sampling". Keeps the tokens whose
// surprisal -log p is closest to the entropy H, in that order, until their mass exceeds p (strictly, as llama.cpp).
void apply_typical_p(CandidateList& c, float p) {
    if (p >= 1.0f || c.n == 0) return;
    const double log_z = softmax(c);
    double entropy = 0.0;
    for (const Candidate& x : c.live()) {
        if (x.p > 0.0f) entropy -= x.p * std::log(static_cast<double>(x.p));
    }
    // |-log p - H| = |(log_z - H) - logit|: ordering by distance from one centre needs no log per comparison.
    const double centre = log_z - entropy;
    auto more_typical = [centre](const Candidate& a, const Candidate& b) {
        const double da = std::fabs(centre - a.logit), db = std::fabs(centre - b.logit);
        return da < db || (da == db && a.id < b.id);
    };
    std::span<Candidate> live = c.live();
    size_t sorted = 0;
    double mass = 0.0;
    for (size_t i = 0; i < c.n; ++i) {
        if (i == sorted) {
            extend_sorted(live, sorted, next_sort_target(sorted), more_typical);
            sorted = std::min(next_sort_target(sorted), c.n);
        }
        mass += c.data[i].p;
        if (mass > p) {
            c.n = i + 1;
            break;
        }
    }
    c.n_sorted = 0;  // now in typicality order, not logit order
}

// ref: llama.cpp llama_sampler_top_p_apply: the shortest descending-probability prefix whose mass reaches p.
void apply_top_p(CandidateList& c, float p) {
    if (p >= 1.0f || c.n == 0) return;
    softmax(c);
    double mass = 0.0;
    for (size_t i = 0; i < c.n; ++i) {
        if (i == c.n_sorted) sort_by_logit(c, next_sort_target(c.n_sorted));
        mass += c.data[i].p;
        if (mass >= p) {
            c.n = i + 1;
            break;
        }
    }
}

// ref: llama.cpp llama_sampler_min_p_apply: p_i >= p * p_max  <=>  logit_i >= max_logit + log(p).
void apply_min_p(CandidateList& c, float p) {
    if (p <= 0.0f || c.n == 0) return;
    const float threshold = max_logit(c) + std::log(p);
    size_t kept = 0;
    for (size_t i = 0; i < c.n; ++i) {
        if (c.data[i].logit >= threshold) c.data[kept++] = c.data[i];
    }
    // The sorted prefix holds the highest logits, so the filter removes its tail only once it removes everything
    // after it; compaction keeps order, hence the surviving sorted elements are still the leading ones.
    c.n = kept;
    c.n_sorted = std::min(c.n_sorted, kept);
}

void apply_temperature(CandidateList& c, float t) {
    assert(t > 0.0f);
    for (Candidate& x : c.live()) x.logit /= t;
}

int32_t pick_by_probability(const CandidateList& c, double u) {
    assert(c.n > 0);
    double total = 0.0;
    for (const Candidate& x : c.live()) total += x.p;
    const double target = u * total;
    double mass = 0.0;
    for (const Candidate& x : c.live()) {
        mass += x.p;
        if (target < mass) return x.id;
    }
    // Only reached when u * total rounds up to total: take the last candidate that has any probability.
    for (size_t i = c.n; i-- > 0;) {
        if (c.data[i].p > 0.0f) return c.data[i].id;
    }
    return c.data[c.n - 1].id;
}

}  // namespace snug
