// tests/models/engine_batch_test.cpp: continuous batching and prefix sharing give the same logits as running each
// sequence alone — the independent expectation is Engine::eval on a fresh sequence, itself checked against
// llama.cpp in reference_models_test.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "reference_models.h"
#include "tokenizer/tokenizer.h"

namespace snug {
namespace {

using test::RefModel;

class EngineBatch : public testing::TestWithParam<RefModel> {};

// With the engine's default KV cache type, as the batched engines below.
std::vector<float> alone(const RefModel& m, std::span<const int32_t> tokens) {
    auto e = test::load_engine(m, 256, EngineOptions{}.kv_type);
    const int s = e->new_sequence();
    const auto l = e->eval(s, tokens, Logits::LAST);
    return {l.begin(), l.end()};
}

float max_abs_diff(std::span<const float> a, std::span<const float> b) {
    EXPECT_EQ(a.size(), b.size());
    float d = 0;
    for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) d = std::max(d, std::fabs(a[i] - b[i]));
    return d;
}

std::vector<int32_t> tokens_of(const Engine& e, const std::string& text) {
    return e.tokenizer().encode(text, /*add_special=*/true, /*parse_special=*/false);
}

TEST_P(EngineBatch, InterleavedSequencesMatchEachRunAlone) {
    SNUG_REQUIRE_DATA(test::model_path(GetParam()));
    EngineOptions o;
    o.n_threads = 2;
    o.n_ctx = 256;
    o.max_sequences = 3;
    auto e = Engine::load(test::model_path(GetParam()), o);
    const auto a = tokens_of(*e, "Once upon a time there was a little girl who liked to read books about the sea.");
    const auto b = tokens_of(*e, "The quick brown fox jumps over the lazy dog.");
    const auto c = tokens_of(*e, "Tom had a red ball.");
    const int sa = e->new_sequence(), sb = e->new_sequence(), sc = e->new_sequence();
    // Step 1: a's first half prefills while b prefills whole; step 2: a's rest, b's and c's one-token "decodes" and
    // c's prefill share one forward pass — the mix a scheduler produces.
    const size_t half = a.size() / 2;
    bool ok = false;
    std::vector<BatchEntry> step1 = {{sa, std::span(a).first(half), false}, {sb, std::span(b).first(b.size() - 1), false}};
    e->decode(step1, ok);
    ASSERT_TRUE(ok);
    std::vector<BatchEntry> step2 = {{sb, std::span(b).last(1), true}, {sa, std::span(a).subspan(half), true},
                                     {sc, c, true}};
    const auto l = e->decode(step2, ok);
    ASSERT_TRUE(ok);
    const size_t V = static_cast<size_t>(e->n_vocab());
    ASSERT_EQ(l.size(), 3 * V);
    const float tol = GetParam().exact ? 2e-3f : 2e-2f;
    EXPECT_LT(max_abs_diff(l.subspan(0, V), alone(GetParam(), b)), tol);
    EXPECT_LT(max_abs_diff(l.subspan(V, V), alone(GetParam(), a)), tol);
    EXPECT_LT(max_abs_diff(l.subspan(2 * V, V), alone(GetParam(), c)), tol);
    EXPECT_EQ(e->sequence_length(sa), static_cast<int>(a.size()));
    EXPECT_EQ(e->sequence_length(sc), static_cast<int>(c.size()));
}

TEST_P(EngineBatch, SharedPrefixGivesTheLogitsOfAFullRecompute) {
    SNUG_REQUIRE_DATA(test::model_path(GetParam()));
    EngineOptions o;
    o.n_threads = 2;
    o.n_ctx = 256;
    o.max_sequences = 2;
    o.kv_block_size = 16;
    auto e = Engine::load(test::model_path(GetParam()), o);
    std::string system = "You are a helpful assistant who tells short stories about animals, the sea and the stars.";
    const auto p1 = tokens_of(*e, system + " Tell me about a cat.");
    const auto p2 = tokens_of(*e, system + " Tell me about a whale that sings.");
    const int s1 = e->new_sequence();
    e->eval(s1, p1, Logits::LAST);
    size_t common = 0;
    while (common < std::min(p1.size(), p2.size()) && p1[common] == p2[common]) ++common;
    ASSERT_GT(common, 16u);
    const int s2 = e->new_sequence();
    const int shared = e->share_prefix(s1, s2, static_cast<int>(common));
    EXPECT_EQ(shared, static_cast<int>(common / 16 * 16));
    const auto l = e->eval(s2, std::span(p2).subspan(static_cast<size_t>(shared)), Logits::LAST);
    const float tol = GetParam().exact ? 2e-3f : 2e-2f;
    EXPECT_LT(max_abs_diff(l, alone(GetParam(), p2)), tol);
    // Freeing the source leaves the sharer intact.
    e->free_sequence(s1);
    const int32_t next = static_cast<int32_t>(std::max_element(l.begin(), l.end()) - l.begin());
    const auto l2 = e->eval(s2, std::span(&next, 1), Logits::LAST);
    std::vector<int32_t> full = p2;
    full.push_back(next);
    EXPECT_LT(max_abs_diff(l2, alone(GetParam(), full)), tol);
}

TEST_P(EngineBatch, FullKvCacheRefusesTheStepAndChangesNothing) {
    SNUG_REQUIRE_DATA(test::model_path(GetParam()));
    EngineOptions o;
    o.n_threads = 2;
    o.n_ctx = 64;
    o.max_sequences = 2;
    o.max_full_contexts = 1;
    o.kv_block_size = 16;
    auto e = Engine::load(test::model_path(GetParam()), o);
    std::vector<int32_t> t(48, 1);
    const int s1 = e->new_sequence(), s2 = e->new_sequence();
    e->eval(s1, t, Logits::NONE);
    bool ok = true;
    std::vector<BatchEntry> step = {{s2, std::span(t).first(20), true}};
    e->decode(step, ok);
    EXPECT_FALSE(ok);
    EXPECT_EQ(e->sequence_length(s2), 0);
    e->free_sequence(s1);
    e->decode(step, ok);
    EXPECT_TRUE(ok);
    EXPECT_EQ(e->sequence_length(s2), 20);
}

const RefModel BATCH_MODELS[] = {
    {"snug-gemma3-f16", true, true},  // sliding-window layers
    {"snug-qwen2-q4_k_m", false, true},
    {"stories260K", true, false},
};
INSTANTIATE_TEST_SUITE_P(Models, EngineBatch, testing::ValuesIn(BATCH_MODELS),
                         [](const auto& info) { return test::param_name(info.param); });

}  // namespace
}  // namespace snug
