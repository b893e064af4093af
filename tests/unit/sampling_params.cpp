// tests/unit/sampling_params.cpp: SamplingParams defaults and range checks, and the Sampler's input checks.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "base/error.h"
#include "sampling/sampler.h"

namespace snug {
namespace {

// Runs validate() and returns the error message, or "" when it passes.
std::string validation_error(const SamplingParams& p) {
    try {
        p.validate();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

TEST(SamplingParams, DefaultsAreOllamas) {
    const SamplingParams p;
    EXPECT_FLOAT_EQ(p.temperature, 0.8f);
    EXPECT_EQ(p.top_k, 40);
    EXPECT_FLOAT_EQ(p.top_p, 0.9f);
    EXPECT_FLOAT_EQ(p.min_p, 0.0f);
    EXPECT_FLOAT_EQ(p.typical_p, 1.0f);
    EXPECT_FLOAT_EQ(p.repeat_penalty, 1.1f);
    EXPECT_EQ(p.repeat_last_n, 64);
    EXPECT_FLOAT_EQ(p.presence_penalty, 0.0f);
    EXPECT_FLOAT_EQ(p.frequency_penalty, 0.0f);
    EXPECT_EQ(p.seed, SamplingParams::SEED_RANDOM);
    EXPECT_EQ(validation_error(p), "");
}

TEST(SamplingParams, BoundaryValuesAreAccepted) {
    SamplingParams p;
    p.temperature = 0.0f;
    p.top_k = 0;
    p.top_p = 0.0f;
    p.min_p = 1.0f;
    p.typical_p = 0.0f;
    p.repeat_last_n = -1;
    p.presence_penalty = -2.0f;
    p.frequency_penalty = 2.0f;
    EXPECT_EQ(validation_error(p), "");
    p.temperature = -1.0f;  // greedy, as in llama.cpp
    p.top_k = -5;           // disabled
    p.top_p = 1.0f;
    p.min_p = 0.0f;
    p.typical_p = 1.0f;
    EXPECT_EQ(validation_error(p), "");
}

TEST(SamplingParams, OutOfRangeValuesAreNamed) {
    struct Case {
        void (*mutate)(SamplingParams&);
        std::string message;
    };
    const std::vector<Case> cases = {
        {[](SamplingParams& p) { p.top_p = 1.5f; }, "top_p must be in [0, 1], got 1.5"},
        {[](SamplingParams& p) { p.top_p = -0.1f; }, "top_p must be in [0, 1], got -0.1"},
        {[](SamplingParams& p) { p.min_p = 2.0f; }, "min_p must be in [0, 1], got 2"},
        {[](SamplingParams& p) { p.typical_p = -1.0f; }, "typical_p must be in [0, 1], got -1"},
        {[](SamplingParams& p) { p.typical_p = NAN; }, "typical_p must be in [0, 1], got nan"},
        {[](SamplingParams& p) { p.temperature = INFINITY; }, "temperature must be finite, got inf"},
        {[](SamplingParams& p) { p.repeat_penalty = 0.0f; }, "repeat_penalty must be finite and > 0, got 0"},
        {[](SamplingParams& p) { p.repeat_penalty = -1.1f; }, "repeat_penalty must be finite and > 0, got -1.1"},
        {[](SamplingParams& p) { p.repeat_last_n = -2; },
         "repeat_last_n must be >= -1 (0 disables, -1 = whole context), got -2"},
        {[](SamplingParams& p) { p.presence_penalty = NAN; }, "presence_penalty must be finite, got nan"},
        {[](SamplingParams& p) { p.frequency_penalty = -INFINITY; }, "frequency_penalty must be finite, got -inf"},
    };
    for (const Case& c : cases) {
        SamplingParams p;
        c.mutate(p);
        EXPECT_EQ(validation_error(p), c.message);
    }
}

TEST(SamplingParams, SamplerConstructorValidates) {
    SamplingParams p;
    p.top_p = 1.5f;
    EXPECT_THROW(Sampler(p, 10), Error);
    EXPECT_THROW(Sampler(SamplingParams{}, 0), Error);
}

TEST(SamplingParams, SamplerRejectsWrongLogitCountAndBadTokens) {
    SamplingParams p;
    p.seed = 1;
    Sampler sampler(p, 4);
    const std::vector<float> three = {0.0f, 1.0f, 2.0f};
    try {
        sampler.sample(three);
        FAIL() << "expected snug::Error";
    } catch (const Error& e) {
        EXPECT_EQ(std::string(e.what()), "logits has 3 entries but the sampler's n_vocab is 4");
    }
    EXPECT_THROW(sampler.distribution(three), Error);
    EXPECT_THROW(sampler.accept(4), Error);
    EXPECT_THROW(sampler.accept(-1), Error);
    EXPECT_NO_THROW(sampler.accept(3));
}

}  // namespace
}  // namespace snug
