// tests/unit/sampling_penalties.cpp: repeat, frequency and presence penalties change logits by hand-computed amounts
// over the right window, and sample() feeds its own tokens back into that window.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <vector>

#include "sampling/rng.h"
#include "sampling/sampler.h"

namespace snug {
namespace {

SamplingParams penalty_params(int32_t last_n) {
    SamplingParams p;
    p.repeat_penalty = 2.0f;
    p.presence_penalty = 0.5f;
    p.frequency_penalty = 0.25f;
    p.repeat_last_n = last_n;
    p.seed = 3;
    return p;
}

const std::vector<float> LOGITS = {2.0f, -1.0f, 0.5f, 3.0f, -0.5f, 0.0f};
const std::vector<int32_t> HISTORY = {0, 1, 0, 3, 0, 5};

std::vector<float> penalized(const SamplingParams& p, const std::vector<int32_t>& history) {
    Sampler sampler(p, static_cast<int32_t>(LOGITS.size()));
    for (int32_t t : history) sampler.accept(t);
    std::vector<float> logits = LOGITS;
    sampler.apply_penalties(logits);
    return logits;
}

TEST(SamplingPenalties, HandComputed) {
    // Counts: token 0 x3, 1 x1, 3 x1, 5 x1.
    //   0:  2.0 / 2 = 1.0,  - 3 * 0.25 - 0.5 = -0.25
    //   1: -1.0 * 2 = -2.0, - 0.25 - 0.5      = -2.75   (negative logits are multiplied)
    //   3:  3.0 / 2 = 1.5,  - 0.25 - 0.5      =  0.75
    //   5:  0.0 * 2 = 0.0,  - 0.25 - 0.5      = -0.75
    const std::vector<float> expected = {-0.25f, -2.75f, 0.5f, 0.75f, -0.5f, -0.75f};
    EXPECT_EQ(penalized(penalty_params(64), HISTORY), expected);
    EXPECT_EQ(penalized(penalty_params(-1), HISTORY), expected);
}

TEST(SamplingPenalties, OnlyTheLastNTokensCount) {
    // Window {3, 0, 5}: 0: 1.0 - 0.25 - 0.5 = 0.25; 1 is out of the window.
    const std::vector<float> expected = {0.25f, -1.0f, 0.5f, 0.75f, -0.5f, -0.75f};
    EXPECT_EQ(penalized(penalty_params(3), HISTORY), expected);
}

TEST(SamplingPenalties, DisabledByZeroWindowOrNeutralValues) {
    EXPECT_EQ(penalized(penalty_params(0), HISTORY), LOGITS);
    SamplingParams p = penalty_params(64);
    p.repeat_penalty = 1.0f;
    p.presence_penalty = 0.0f;
    p.frequency_penalty = 0.0f;
    EXPECT_EQ(penalized(p, HISTORY), LOGITS);
}

TEST(SamplingPenalties, EachKindAlone) {
    SamplingParams p = penalty_params(64);
    p.presence_penalty = 0.0f;
    p.frequency_penalty = 0.0f;
    EXPECT_EQ(penalized(p, HISTORY), (std::vector<float>{1.0f, -2.0f, 0.5f, 1.5f, -0.5f, 0.0f}));
    p.repeat_penalty = 1.0f;
    p.frequency_penalty = 1.0f;  // subtracts the count
    EXPECT_EQ(penalized(p, HISTORY), (std::vector<float>{-1.0f, -2.0f, 0.5f, 2.0f, -0.5f, -1.0f}));
    p.frequency_penalty = 0.0f;
    p.presence_penalty = 1.0f;  // subtracts once, whatever the count
    EXPECT_EQ(penalized(p, HISTORY), (std::vector<float>{1.0f, -2.0f, 0.5f, 2.0f, -0.5f, -1.0f}));
}

TEST(SamplingPenalties, WholeContextWindowKeepsEverything) {
    SamplingParams p = penalty_params(-1);
    p.repeat_penalty = 1.0f;
    p.presence_penalty = 0.0f;
    p.frequency_penalty = 0.01f;
    std::vector<int32_t> history(100, 2);
    EXPECT_FLOAT_EQ(penalized(p, history)[2], 0.5f - 100 * 0.01f);
    p.repeat_last_n = 64;
    EXPECT_FLOAT_EQ(penalized(p, history)[2], 0.5f - 64 * 0.01f);
}

// The ring buffer and incremental counts must agree with recounting the last n tokens from scratch.
TEST(SamplingPenalties, IncrementalCountsMatchRecount) {
    constexpr int32_t N_VOCAB = 8;
    Rng rng(99);
    for (int32_t last_n : {-1, 1, 2, 5, 16}) {
        SamplingParams p = penalty_params(last_n);
        p.repeat_penalty = 1.0f;
        p.presence_penalty = 0.0f;
        p.frequency_penalty = 1.0f;  // logit 0 becomes -count
        Sampler sampler(p, N_VOCAB);
        std::vector<int32_t> history;
        for (int step = 0; step < 200; ++step) {
            const auto token = static_cast<int32_t>(rng.next_u64() % N_VOCAB);
            sampler.accept(token);
            history.push_back(token);
            std::vector<float> logits(N_VOCAB, 0.0f);
            sampler.apply_penalties(logits);
            const size_t window = last_n < 0 ? history.size() : std::min(history.size(), static_cast<size_t>(last_n));
            std::vector<float> expected(N_VOCAB, 0.0f);
            for (size_t i = history.size() - window; i < history.size(); ++i) {
                expected[static_cast<size_t>(history[i])] -= 1.0f;
            }
            ASSERT_EQ(logits, expected) << "last_n " << last_n << " step " << step;
        }
    }
}

TEST(SamplingPenalties, SampleRecordsItsOwnTokens) {
    // Greedy with repeat_penalty 1.5 over logits {1.0, 0.9}:
    //   step 1: picks 0; step 2: 0 -> 1.0 / 1.5 = 0.667 < 0.9, picks 1; step 3: 0.667 vs 0.9 / 1.5 = 0.6, picks 0.
    SamplingParams p;
    p.temperature = 0.0f;
    p.repeat_penalty = 1.5f;
    Sampler sampler(p, 2);
    const std::vector<float> logits = {1.0f, 0.9f};
    EXPECT_EQ(sampler.sample(logits), 0);
    EXPECT_EQ(sampler.sample(logits), 1);
    EXPECT_EQ(sampler.sample(logits), 0);
    sampler.reset();
    EXPECT_EQ(sampler.sample(logits), 0);
}

TEST(SamplingPenalties, AcceptedPromptTokensSteerGreedy) {
    SamplingParams p;
    p.temperature = 0.0f;
    p.repeat_penalty = 1.5f;
    Sampler sampler(p, 3);
    sampler.accept(0);
    EXPECT_EQ(sampler.sample(std::vector<float>{1.0f, 0.9f, 0.1f}), 1);
    const auto dist = sampler.distribution(std::vector<float>{1.0f, 0.1f, 0.9f});  // 0: 0.667, 1: 0.1 / 1.5, 2: 0.9
    ASSERT_EQ(dist.size(), 1u);
    EXPECT_EQ(dist[0].id, 2);
}

TEST(SamplingPenalties, PenalizedTokenIsDrawnLessOften) {
    // Two equal logits; token 0 penalized by presence 1.0: p(0) = e^-1 / (1 + e^-1) = 0.26894.
    SamplingParams p;
    p.temperature = 1.0f;
    p.top_k = 0;
    p.top_p = 1.0f;
    p.repeat_penalty = 1.0f;
    p.presence_penalty = 1.0f;
    p.seed = 5;
    Sampler sampler(p, 2);
    sampler.accept(0);
    const auto dist = sampler.distribution(std::vector<float>{0.0f, 0.0f});
    std::map<int32_t, float> probs;
    for (const Candidate& c : dist) probs[c.id] = c.p;
    EXPECT_NEAR(probs[0], 0.26894, 1e-5);
    EXPECT_NEAR(probs[1], 0.73106, 1e-5);
}

}  // namespace
}  // namespace snug
