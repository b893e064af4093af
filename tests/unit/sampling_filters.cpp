// tests/unit/sampling_filters.cpp: top_k, top_p, min_p, typical_p and temperature keep hand-computed token sets with
// hand-computed renormalized probabilities, checked both exactly (distribution()) and empirically (sample()).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <span>
#include <vector>

#include "sampling/rng.h"
#include "sampling/sampler.h"

namespace snug {
namespace {

// Logits are log-probabilities, so the softmax of the whole vector gives back these probabilities exactly.
std::vector<float> log_of(const std::vector<double>& probs) {
    std::vector<float> logits;
    for (double p : probs) logits.push_back(static_cast<float>(std::log(p)));
    return logits;
}

// Five tokens; by probability the order is 1 (0.40), 4 (0.30), 3 (0.15), 0 (0.10), 2 (0.05).
const std::vector<float> FIVE = log_of({0.10, 0.40, 0.05, 0.15, 0.30});

// Every filter off: the tests switch on one stage at a time.
SamplingParams plain(uint64_t seed = 1) {
    SamplingParams p;
    p.temperature = 1.0f;
    p.top_k = 0;
    p.top_p = 1.0f;
    p.min_p = 0.0f;
    p.typical_p = 1.0f;
    p.repeat_penalty = 1.0f;
    p.seed = seed;
    return p;
}

using Expected = std::map<int32_t, double>;  // token id -> probability after the chain

void expect_distribution(const SamplingParams& p, const std::vector<float>& logits, const Expected& expected) {
    Sampler sampler(p, static_cast<int32_t>(logits.size()));
    const auto dist = sampler.distribution(logits);
    ASSERT_EQ(dist.size(), expected.size());
    for (const Candidate& c : dist) {
        ASSERT_TRUE(expected.count(c.id)) << "token " << c.id << " should have been filtered out";
        EXPECT_NEAR(c.p, expected.at(c.id), 1e-5) << "token " << c.id;
    }
}

// Draws 20 seeds x 1000 tokens. Only expected tokens may appear, each within 5 binomial standard deviations of its
// probability; the seeds are fixed, so the check is deterministic, and the bound is wide enough to hold for any RNG.
void expect_frequencies(SamplingParams p, const std::vector<float>& logits, const Expected& expected) {
    constexpr int N_SEEDS = 20, N_DRAWS = 1000;
    constexpr double N = N_SEEDS * N_DRAWS;
    std::map<int32_t, int> counts;
    for (uint64_t seed = 1; seed <= N_SEEDS; ++seed) {
        p.seed = seed;
        Sampler sampler(p, static_cast<int32_t>(logits.size()));
        for (int i = 0; i < N_DRAWS; ++i) counts[sampler.sample(logits)]++;
    }
    for (const auto& [id, n] : counts) ASSERT_TRUE(expected.count(id)) << "token " << id << " drawn " << n << " times";
    for (const auto& [id, prob] : expected) {
        const double tolerance = 5.0 * std::sqrt(prob * (1.0 - prob) / N);
        EXPECT_NEAR(counts[id] / N, prob, tolerance) << "token " << id;
    }
}

void expect_chain(const SamplingParams& p, const std::vector<float>& logits, const Expected& expected) {
    expect_distribution(p, logits, expected);
    expect_frequencies(p, logits, expected);
}

TEST(SamplingFilters, NoFilterKeepsEverything) {
    expect_chain(plain(), FIVE, {{0, 0.10}, {1, 0.40}, {2, 0.05}, {3, 0.15}, {4, 0.30}});
}

TEST(SamplingFilters, TopK) {
    SamplingParams p = plain();
    p.top_k = 2;  // {1, 4}: 0.4 / 0.7, 0.3 / 0.7
    expect_chain(p, FIVE, {{1, 0.4 / 0.7}, {4, 0.3 / 0.7}});
    p.top_k = 5;  // k >= n_vocab keeps all
    expect_distribution(p, FIVE, {{0, 0.10}, {1, 0.40}, {2, 0.05}, {3, 0.15}, {4, 0.30}});
}

TEST(SamplingFilters, TopP) {
    SamplingParams p = plain();
    p.top_p = 0.8f;  // cumulative 0.40, 0.70, 0.85 >= 0.8: {1, 4, 3} over 0.85
    expect_chain(p, FIVE, {{1, 0.40 / 0.85}, {4, 0.30 / 0.85}, {3, 0.15 / 0.85}});
    p.top_p = 0.0f;  // the first token always reaches the mass
    expect_chain(p, FIVE, {{1, 1.0}});
}

TEST(SamplingFilters, MinP) {
    SamplingParams p = plain();
    p.min_p = 0.2f;  // keep p >= 0.2 * 0.4 = 0.08: drops only token 2 (0.05); mass 0.95
    expect_chain(p, FIVE, {{0, 0.10 / 0.95}, {1, 0.40 / 0.95}, {3, 0.15 / 0.95}, {4, 0.30 / 0.95}});
    p.min_p = 0.5f;  // keep p >= 0.2: {1, 4}
    expect_chain(p, FIVE, {{1, 0.4 / 0.7}, {4, 0.3 / 0.7}});
}

// Probabilities 0.5, 0.2, 0.2, 0.1: entropy H = 0.5 ln 2 + 0.4 ln 5 + 0.1 ln 10 = 1.2206. Surprisals -ln p are
// 0.693, 1.609, 1.609, 2.303, at distances 0.527, 0.389, 0.389, 1.082 from H: the two 0.2 tokens are the most
// typical, ahead of the mode.
const std::vector<float> TYPICAL = log_of({0.5, 0.2, 0.2, 0.1});

TEST(SamplingFilters, TypicalPCanExcludeTheMode) {
    SamplingParams p = plain();
    p.typical_p = 0.3f;  // mass 0.2, then 0.4 > 0.3: {1, 2}
    expect_chain(p, TYPICAL, {{1, 0.5}, {2, 0.5}});
    p.typical_p = 0.85f;  // 0.2, 0.4, 0.9 > 0.85: {1, 2, 0} over 0.9
    expect_chain(p, TYPICAL, {{0, 0.5 / 0.9}, {1, 0.2 / 0.9}, {2, 0.2 / 0.9}});
}

TEST(SamplingFilters, TypicalPOnFiveTokens) {
    // H = 1.3923; distances of -ln p from H: token 4 0.188, token 1 0.476, token 3 0.505, token 0 0.910, token 2 1.603.
    SamplingParams p = plain();
    p.typical_p = 0.25f;  // token 4 alone (0.3 > 0.25), although token 1 is more probable
    expect_chain(p, FIVE, {{4, 1.0}});
    p.typical_p = 0.75f;  // 0.3, 0.7, 0.85 > 0.75: {4, 1, 3}
    expect_chain(p, FIVE, {{1, 0.40 / 0.85}, {4, 0.30 / 0.85}, {3, 0.15 / 0.85}});
}

TEST(SamplingFilters, TopPRenormalizesAfterTopK) {
    SamplingParams p = plain();
    p.top_p = 0.8f;
    p.top_k = 3;  // {1, 4, 3} renormalized: 0.4706, 0.3529, 0.1765; cumulative 0.4706, 0.8235 >= 0.8: {1, 4}
    expect_chain(p, FIVE, {{1, 0.4 / 0.7}, {4, 0.3 / 0.7}});
}

TEST(SamplingFilters, TemperatureRescalesAfterMinP) {
    SamplingParams p = plain();
    p.min_p = 0.2f;        // as in MinP: {0, 1, 3, 4}, judged on the untempered probabilities
    p.temperature = 2.0f;  // then p ~ sqrt(p): 0.31623, 0.63246, 0.38730, 0.54772; sum 1.88371
    expect_chain(p, FIVE,
                 {{0, 0.31623 / 1.88371}, {1, 0.63246 / 1.88371}, {3, 0.38730 / 1.88371}, {4, 0.54772 / 1.88371}});
    p.min_p = 0.0f;
    p.temperature = 0.5f;  // p ~ p^2: 0.01, 0.16, 0.0025, 0.0225, 0.09; sum 0.285
    expect_chain(p, FIVE,
                 {{0, 0.01 / 0.285}, {1, 0.16 / 0.285}, {2, 0.0025 / 0.285}, {3, 0.0225 / 0.285}, {4, 0.09 / 0.285}});
}

TEST(SamplingFilters, NegativeInfinityIsNeverDrawn) {
    const std::vector<float> logits = {-INFINITY, 0.0f, -INFINITY, 0.0f};
    expect_chain(plain(), logits, {{0, 0.0}, {1, 0.5}, {2, 0.0}, {3, 0.5}});
}

// The reference for the large-vocabulary tests: every token sorted by a key (ties by id) and the shortest prefix
// whose probability mass satisfies the rule, computed the slow way in double precision.
template <class Key, class Reached>
std::set<int32_t> full_sort_prefix(const std::vector<float>& logits, Key key, Reached reached) {
    double z = 0.0;
    for (float l : logits) z += std::exp(static_cast<double>(l));
    std::vector<int32_t> ids(logits.size());
    for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<int32_t>(i);
    std::stable_sort(ids.begin(), ids.end(), [&](int32_t a, int32_t b) {
        return key(logits[static_cast<size_t>(a)], z) < key(logits[static_cast<size_t>(b)], z);
    });
    std::set<int32_t> kept;
    double mass = 0.0;
    for (int32_t id : ids) {
        kept.insert(id);
        mass += std::exp(static_cast<double>(logits[static_cast<size_t>(id)])) / z;
        if (reached(mass)) break;
    }
    return kept;
}

std::set<int32_t> ids_of(std::span<const Candidate> dist) {
    std::set<int32_t> ids;
    for (const Candidate& c : dist) ids.insert(c.id);
    return ids;
}

std::vector<float> random_logits(size_t n, uint64_t seed, double scale) {
    Rng rng(seed);
    std::vector<float> logits(n);
    for (float& l : logits) l = static_cast<float>(rng.next_double() * scale);
    return logits;
}

// 50000 tokens: the histogram search for the boundary must find the same sets as a full sort.
TEST(SamplingFilters, LargeVocabularyTopPMatchesFullSort) {
    for (uint64_t seed : {1, 2, 3}) {
        const std::vector<float> logits = random_logits(50000, seed, 10.0);
        SamplingParams p = plain();
        p.top_p = 0.9f;
        Sampler sampler(p, static_cast<int32_t>(logits.size()));
        const auto expected = full_sort_prefix(
            logits, [](float l, double) { return -l; }, [](double mass) { return mass >= 0.9; });
        ASSERT_GT(expected.size(), 1000u);
        EXPECT_EQ(ids_of(sampler.distribution(logits)), expected) << "seed " << seed;
    }
}

TEST(SamplingFilters, LargeVocabularyTypicalPMatchesFullSort) {
    for (uint64_t seed : {4, 5, 6}) {
        const std::vector<float> logits = random_logits(50000, seed, 10.0);
        double z = 0.0, entropy = 0.0;
        for (float l : logits) z += std::exp(static_cast<double>(l));
        for (float l : logits) entropy -= std::exp(l) / z * (l - std::log(z));
        auto distance = [entropy](float l, double zz) { return std::fabs(-(l - std::log(zz)) - entropy); };
        SamplingParams p = plain();
        p.typical_p = 0.5f;
        Sampler sampler(p, static_cast<int32_t>(logits.size()));
        const auto expected = full_sort_prefix(logits, distance, [](double mass) { return mass > 0.5; });
        ASSERT_GT(expected.size(), 1000u);
        EXPECT_EQ(ids_of(sampler.distribution(logits)), expected) << "seed " << seed;
    }
}

// Equal logits put every token into one histogram bucket, too large to sort: the quickselect path. Ties go to the
// lowest ids, so the set is a range of ids; 0.50005 lies well between the masses of 5000 and 5001 tokens.
TEST(SamplingFilters, EqualLogitsKeepLowestIds) {
    const std::vector<float> logits(10000, 0.25f);
    std::set<int32_t> lowest;
    for (int32_t i = 0; i <= 5000; ++i) lowest.insert(i);
    SamplingParams p = plain();
    p.top_p = 0.50005f;
    EXPECT_EQ(ids_of(Sampler(p, 10000).distribution(logits)), lowest);
    p = plain();
    p.typical_p = 0.50005f;
    EXPECT_EQ(ids_of(Sampler(p, 10000).distribution(logits)), lowest);
}

// top_k takes a heap scan when k is small against the vocabulary and nth_element otherwise; both keep the k highest,
// sorted, lowest id first among ties (coarse logits make many ties).
TEST(SamplingFilters, TopKPathsAgreeWithFullSort) {
    std::vector<float> logits = random_logits(1000, 8, 1.0);
    for (float& l : logits) l = std::round(l * 20.0f);
    std::vector<int32_t> order(logits.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int32_t>(i);
    std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
        return logits[static_cast<size_t>(a)] > logits[static_cast<size_t>(b)];
    });
    for (int32_t k : {1, 7, 62, 63, 100, 999}) {
        SamplingParams p = plain();
        p.top_k = k;
        Sampler sampler(p, static_cast<int32_t>(logits.size()));
        const auto dist = sampler.distribution(logits);
        ASSERT_EQ(dist.size(), static_cast<size_t>(k));
        for (size_t i = 0; i < dist.size(); ++i) EXPECT_EQ(dist[i].id, order[i]) << "k " << k << " rank " << i;
    }
}

}  // namespace
}  // namespace snug
