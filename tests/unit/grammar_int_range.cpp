// tests/unit/grammar_int_range.cpp: integer_range against plain integer comparison, exhaustively over small ranges
// and at the edges of the 18-digit limit; only canonical spellings may match.
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>

#include "grammar/int_range.h"
#include "grammar/matcher.h"

namespace snug::grammar {
namespace {

std::shared_ptr<const Grammar> range_grammar(int64_t lo, int64_t hi) {
    GrammarBuilder b;
    const uint32_t root = b.add("root", integer_range(lo, hi));
    return std::make_shared<Grammar>(b.build(root));
}

bool matches(const std::shared_ptr<const Grammar>& g, const std::string& text) {
    Matcher m(g);
    return m.accept(text) && m.is_complete();
}

void expect_exact(int64_t lo, int64_t hi, int64_t from, int64_t to) {
    const auto g = range_grammar(lo, hi);
    for (int64_t v = from; v <= to; ++v) {
        ASSERT_EQ(matches(g, std::to_string(v)), v >= lo && v <= hi) << "[" << lo << ", " << hi << "] value " << v;
    }
}

TEST(GrammarIntRange, SmallRangesExhaustively) {
    const int64_t cases[][2] = {{0, 0},       {0, 9},        {1, 9},     {0, 10},    {7, 7},    {5, 123},
                                {10, 99},     {19, 91},      {100, 999}, {-5, 5},    {-1, 0},   {-120, -3},
                                {-999, -100}, {-1000, 1000}, {37, 1204}, {-307, 48}, {99, 100}, {0, 1999}};
    for (const auto& c : cases) expect_exact(c[0], c[1], -2100, 2100);
}

TEST(GrammarIntRange, RandomRanges) {
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<int64_t> pick(-1500, 1500);
    for (int i = 0; i < 40; ++i) {
        int64_t a = pick(rng);
        int64_t b = pick(rng);
        if (a > b) std::swap(a, b);
        expect_exact(a, b, -1600, 1600);
    }
}

TEST(GrammarIntRange, NonCanonicalSpellingsAreRefused) {
    const auto g = range_grammar(-50, 50);
    for (const char* s : {"007", "00", "-0", "+5", "05", "-05", "", "-"}) EXPECT_FALSE(matches(g, s)) << s;
    EXPECT_TRUE(matches(g, "0"));
}

TEST(GrammarIntRange, LargeBounds) {
    const int64_t max = MAX_INT_MAGNITUDE;
    const auto all = range_grammar(-max, max);
    EXPECT_TRUE(matches(all, std::to_string(max)));
    EXPECT_TRUE(matches(all, std::to_string(-max)));
    EXPECT_FALSE(matches(all, std::to_string(max) + "0"));

    const int64_t lo = 123'456'789'012;
    const int64_t hi = 987'654'321'098'765;
    const auto g = range_grammar(lo, hi);
    for (int64_t v : {lo, lo + 1, hi - 1, hi, int64_t{500'000'000'000}, int64_t{99'999'999'999'999}}) {
        EXPECT_TRUE(matches(g, std::to_string(v))) << v;
    }
    for (int64_t v : {lo - 1, hi + 1, int64_t{0}, int64_t{99'999'999'999}, int64_t{1'000'000'000'000'000}}) {
        EXPECT_FALSE(matches(g, std::to_string(v))) << v;
    }
}

}  // namespace
}  // namespace snug::grammar
