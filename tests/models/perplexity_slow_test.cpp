// tests/models/perplexity_slow_test.cpp: perplexity on ../shared/reference/models/eval.txt (chunks of 128 tokens,
// as llama-perplexity -c 128) within 0.5% (F32/F16) or 1.5% (quantized) of llama.cpp's. Labelled slow.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/scoring.h"
#include "models/reference_models.h"
#include "tokenizer/tokenizer.h"

namespace snug {
namespace {

class ReferencePerplexity : public ::testing::TestWithParam<test::RefModel> {};

TEST_P(ReferencePerplexity, WithinTolerance) {
    SNUG_REQUIRE_DATA(test::model_path(GetParam()));
    SNUG_REQUIRE_DATA(test::reference_path(GetParam(), "ppl.json"));
    SNUG_REQUIRE_DATA(test::data_path("reference/models/eval.txt"));
    const auto ref = test::load_json(test::reference_path(GetParam(), "ppl.json"));
    auto engine = test::load_engine(GetParam(), 128);
    std::ifstream f(test::data_path("reference/models/eval.txt"), std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    const auto ids = engine->tokenizer().encode(text, true, true);
    const PerplexityResult r = perplexity(*engine, ids, 128);
    const double want = ref["ppl"];
    EXPECT_EQ(r.n_chunks, static_cast<int>(ref["n_chunks"]));
    const double rel = std::fabs(r.ppl - want) / want;
    EXPECT_LE(rel, GetParam().exact ? 0.005 : 0.015) << "ppl " << r.ppl << " vs reference " << want;
    std::printf("[ %s ] perplexity %.4f vs %.4f (%.3f%%)\n", GetParam().name, r.ppl, want, 100.0 * rel);
}

INSTANTIATE_TEST_SUITE_P(Models, ReferencePerplexity, ::testing::ValuesIn(test::models_with_perplexity()),
                         [](const auto& info) { return test::param_name(info.param); });

}  // namespace
}  // namespace snug
