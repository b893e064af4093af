// tests/unit/sampling_greedy.cpp: temperature <= 0 is argmax with the lowest id on ties, and top_k = 1 agrees with it.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "sampling/rng.h"
#include "sampling/sampler.h"

namespace snug {
namespace {

SamplingParams greedy_params() {
    SamplingParams p;
    p.temperature = 0.0f;
    p.repeat_penalty = 1.0f;
    p.seed = 7;
    return p;
}

TEST(SamplingGreedy, PicksArgmax) {
    Sampler sampler(greedy_params(), 5);
    const std::vector<float> logits = {0.1f, -3.0f, 2.5f, 2.4f, -INFINITY};
    EXPECT_EQ(sampler.sample(logits), 2);
    EXPECT_EQ(sampler.sample(logits), 2);
}

TEST(SamplingGreedy, TiesGoToLowestId) {
    Sampler sampler(greedy_params(), 6);
    EXPECT_EQ(sampler.sample(std::vector<float>{1.0f, 3.0f, 0.0f, 3.0f, 3.0f, 2.0f}), 1);
    EXPECT_EQ(sampler.sample(std::vector<float>{5.0f, 5.0f, 5.0f, 5.0f, 5.0f, 5.0f}), 0);
    EXPECT_EQ(sampler.sample(std::vector<float>{-1.0f, -2.0f, -1.0f, -7.0f, -1.0f, -1.5f}), 0);
}

TEST(SamplingGreedy, NegativeTemperatureIsGreedy) {
    SamplingParams p = greedy_params();
    p.temperature = -0.5f;
    Sampler sampler(p, 3);
    EXPECT_EQ(sampler.sample(std::vector<float>{0.0f, 1.0f, 0.5f}), 1);
}

TEST(SamplingGreedy, NanLogitsAreNeverPicked) {
    Sampler sampler(greedy_params(), 3);
    EXPECT_EQ(sampler.sample(std::vector<float>{NAN, -1.0f, NAN}), 1);
}

TEST(SamplingGreedy, DistributionIsTheSingleArgmax) {
    Sampler sampler(greedy_params(), 4);
    const auto dist = sampler.distribution(std::vector<float>{0.0f, 4.0f, 4.0f, 1.0f});
    ASSERT_EQ(dist.size(), 1u);
    EXPECT_EQ(dist[0].id, 1);
    EXPECT_FLOAT_EQ(dist[0].logit, 4.0f);
    EXPECT_FLOAT_EQ(dist[0].p, 1.0f);
}

TEST(SamplingGreedy, TopK1EqualsGreedyForAnySeed) {
    constexpr int32_t N_VOCAB = 1000;
    Rng rng(123);
    std::vector<float> logits(N_VOCAB);
    for (uint64_t seed = 0; seed < 20; ++seed) {
        // Coarse values make ties likely, which both paths must break the same way.
        for (float& l : logits) l = static_cast<float>(rng.next_u64() % 50) * 0.25f;
        SamplingParams p = greedy_params();
        Sampler greedy(p, N_VOCAB);
        p.temperature = 1.5f;
        p.top_k = 1;
        p.top_p = 0.3f;
        p.seed = seed;
        Sampler top1(p, N_VOCAB);
        EXPECT_EQ(top1.sample(logits), greedy.sample(logits)) << "seed " << seed;
    }
}

}  // namespace
}  // namespace snug
