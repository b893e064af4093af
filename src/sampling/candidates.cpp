// sampling/candidates.cpp: the chain's filters. With n_vocab = 262144 a full sort per token costs tens of
// milliseconds, so nothing here sorts more than it must: top-k selects, and the mass-based filters (top-p, typical-p)
// find their boundary with a histogram of the ranking key, sort only the bucket holding it, then filter against it.
#include "sampling/candidates.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <limits>
#include <optional>

namespace snug {
namespace {

constexpr float INF = std::numeric_limits<float>::infinity();
constexpr size_t N_BUCKETS = 1024;        // histogram resolution of find_mass_boundary
constexpr size_t SORT_BUCKET_MAX = 4096;  // a boundary bucket up to this size is sorted; a larger one is selected

bool higher_logit(const Candidate& a, const Candidate& b) {
    return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
}

float max_logit(const CandidateList& c) {
    if (c.n_sorted > 0) return c.data[0].logit;
    float m = -INF;
    for (const Candidate& x : c.live()) m = std::max(m, x.logit);
    return m;
}

// Keeps, in their current order, the candidates for which keep(x) holds. Survivors of the sorted prefix stay in
// front, and as the prefix held the highest logits they still do: they are the new sorted prefix.
// Branch-free: on a flat distribution about half the tests fail at random, and mispredictions would dominate.
template <class Keep>
void keep_if(CandidateList& c, Keep keep) {
    size_t kept = 0, kept_sorted = 0;
    for (size_t i = 0; i < c.n; ++i) {
        const bool k = keep(c.data[i]);
        c.data[kept] = c.data[i];
        kept += k;
        kept_sorted += k && i < c.n_sorted;
    }
    c.n = kept;
    c.n_sorted = kept_sorted;
}

// Orders candidates by a float rank (smaller first), then by id: a total order, so every selection is unique.
template <class Rank>
auto by_rank(Rank rank) {
    return [rank](const Candidate& a, const Candidate& b) {
        const float ra = rank(a), rb = rank(b);
        return ra < rb || (ra == rb && a.id < b.id);
    };
}

// Within s[0, n), ordered by less and preceded by candidates of mass `before`: the candidate at which the running
// mass first satisfies reached(), or the last one. A quickselect on mass: each round partitions the undecided range at
// its middle and keeps the half holding the answer, so the search is O(n).
template <class Less, class Reached>
Candidate select_by_mass(Candidate* s, size_t n, double before, Less less, Reached reached) {
    // The answer is in s[lo, hi); s[0, lo) precede that range and `before` is the mass of all that precedes it.
    size_t lo = 0, hi = n;
    while (hi - lo > 1) {
        const size_t mid = lo + (hi - lo - 1) / 2;
        std::nth_element(s + lo, s + mid, s + hi, less);
        double mass = before;
        for (size_t i = lo; i <= mid; ++i) mass += s[i].p;
        if (reached(mass)) {
            hi = mid + 1;
        } else {
            lo = mid + 1;
            before = mass;
        }
    }
    return s[lo];
}

// The last candidate, in by_rank(rank) order, of the shortest prefix whose probability mass satisfies reached(mass);
// nullopt when no prefix does. rank must be finite except for candidates of probability 0.
template <class Rank, class Reached>
std::optional<Candidate> find_mass_boundary(const CandidateList& c, Rank rank, Reached reached) {
    assert(c.scratch != nullptr);
    float lo = INF, hi = -INF;
    for (const Candidate& x : c.live()) {
        const float r = rank(x);
        if (!std::isfinite(r)) continue;
        lo = std::min(lo, r);
        hi = std::max(hi, r);
    }
    if (lo > hi) return std::nullopt;
    // Monotone in r (rounding is), so a lower bucket always means an earlier candidate. Bucket N_BUCKETS holds the
    // infinite ranks.
    const float scale = hi > lo ? static_cast<float>(N_BUCKETS - 1) / (hi - lo) : 0.0f;
    auto bucket = [&](const Candidate& x) {
        const float r = rank(x);
        return std::isfinite(r) ? std::min(static_cast<size_t>((r - lo) * scale), N_BUCKETS - 1) : N_BUCKETS;
    };
    std::array<double, N_BUCKETS + 1> mass{};
    for (const Candidate& x : c.live()) mass[bucket(x)] += x.p;
    double before = 0.0;
    size_t b = 0;
    while (b <= N_BUCKETS && !reached(before + mass[b])) before += mass[b++];
    if (b > N_BUCKETS) return std::nullopt;

    size_t n = 0;
    for (const Candidate& x : c.live()) {
        if (bucket(x) == b) c.scratch[n++] = x;
    }
    const auto less = by_rank(rank);
    if (n > SORT_BUCKET_MAX) return select_by_mass(c.scratch, n, before, less, reached);
    std::sort(c.scratch, c.scratch + n, less);
    for (size_t i = 0; i < n; ++i) {
        before += c.scratch[i].p;
        if (reached(before)) return c.scratch[i];
    }
    return c.scratch[n - 1];  // the bucket reached the mass in sum; rounding in another order may fall just short
}

// Keeps the prefix, in rank order, that ends at the mass boundary.
template <class Rank, class Reached>
void keep_mass_prefix(CandidateList& c, Rank rank, Reached reached) {
    const std::optional<Candidate> last = find_mass_boundary(c, rank, reached);
    if (!last) return;
    const auto less = by_rank(rank);
    keep_if(c, [&](const Candidate& x) { return !less(*last, x); });
}

}  // namespace

void select_top_k(std::span<const float> logits, size_t k, Candidate* out) {
    assert(k > 0 && k <= logits.size());
    for (size_t i = 0; i < k; ++i) out[i] = {static_cast<int32_t>(i), logits[i], 0.0f};
    std::make_heap(out, out + k, higher_logit);  // out[0] is the lowest-ranked of the k kept so far
    for (size_t i = k; i < logits.size(); ++i) {
        // Later ids lose ties, so only a strictly higher logit enters.
        if (!(logits[i] > out[0].logit)) continue;
        std::pop_heap(out, out + k, higher_logit);
        out[k - 1] = {static_cast<int32_t>(i), logits[i], 0.0f};
        std::push_heap(out, out + k, higher_logit);
    }
    std::sort_heap(out, out + k, higher_logit);
}

void softmax(CandidateList& c) {
    const float m = max_logit(c);
    if (!(m > -INF)) {
        for (Candidate& x : c.live()) x.p = 1.0f / static_cast<float>(c.n);
        return;
    }
    double sum = 0.0;
    for (Candidate& x : c.live()) {
        x.p = std::exp(x.logit - m);
        sum += x.p;
    }
    const auto inv_sum = static_cast<float>(1.0 / sum);
    for (Candidate& x : c.live()) x.p *= inv_sum;
}

void apply_top_k(CandidateList& c, int32_t k) {
    if (k <= 0 || static_cast<size_t>(k) >= c.n) return;
    const auto target = static_cast<size_t>(k);
    if (target > c.n_sorted) {
        Candidate* from = c.data + c.n_sorted;
        std::nth_element(from, c.data + target, c.data + c.n, higher_logit);
        std::sort(from, c.data + target, higher_logit);
    }
    c.n = c.n_sorted = target;
}

// ref: llama.cpp llama_sampler_typical_apply; Meister et al. 2022, "Locally Typical Sampling". Keeps the tokens whose
// surprisal -log p is closest to the entropy H until their mass exceeds p (strictly, as llama.cpp does).
void apply_typical_p(CandidateList& c, float p) {
    if (p >= 1.0f || c.n == 0) return;
    // With log_z = log sum exp(logit): -log p = log_z - logit and H = sum p (log_z - logit) = log_z - sum p logit, so
    // |-log p - H| = |centre - logit| where centre = sum p logit, the expected logit: no log per candidate.
    // (-inf logits have p = 0 and are skipped.)
    softmax(c);
    double centre = 0.0;
    for (const Candidate& x : c.live()) {
        if (x.p > 0.0f) centre += static_cast<double>(x.p) * x.logit;
    }
    auto distance = [centre](const Candidate& x) { return static_cast<float>(std::fabs(centre - x.logit)); };
    keep_mass_prefix(c, distance, [p](double mass) { return mass > p; });
}

// ref: llama.cpp llama_sampler_top_p_apply: the shortest descending-probability prefix whose mass reaches p.
void apply_top_p(CandidateList& c, float p) {
    if (p >= 1.0f || c.n == 0) return;
    softmax(c);
    // After top-k the list is sorted already: a scan finds the boundary.
    double mass = 0.0;
    for (size_t i = 0; i < c.n_sorted; ++i) {
        mass += c.data[i].p;
        if (mass >= p) {
            c.n = c.n_sorted = i + 1;
            return;
        }
    }
    if (c.n_sorted == c.n) return;
    keep_mass_prefix(
        c, [](const Candidate& x) { return -x.logit; }, [p](double m) { return m >= p; });
}

// ref: llama.cpp llama_sampler_min_p_apply: p_i >= p * p_max  <=>  logit_i >= max_logit + log(p).
void apply_min_p(CandidateList& c, float p) {
    if (p <= 0.0f || c.n == 0) return;
    const float threshold = max_logit(c) + std::log(p);
    keep_if(c, [threshold](const Candidate& x) { return x.logit >= threshold; });
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
