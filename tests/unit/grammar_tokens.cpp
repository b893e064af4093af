// tests/unit/grammar_tokens.cpp: the token index and the allowed-token mask: partial UTF-8 pieces, end-of-generation
// only when complete, empty pieces never, duplicate pieces, and the mask's speed on a 150k-token vocabulary
// (printed, not asserted: machines differ).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "grammar/charset.h"
#include "grammar/token_index.h"

namespace snug::grammar {
namespace {

std::vector<int32_t> allowed_ids(const Matcher& m, const TokenIndex& index) {
    std::vector<uint8_t> mask;
    allowed_tokens(m, index, mask);
    EXPECT_EQ(mask.size(), index.n_tokens());
    std::vector<int32_t> ids;
    for (size_t i = 0; i < mask.size(); ++i) {
        if (mask[i]) ids.push_back(int32_t(i));
    }
    return ids;
}

TEST(GrammarTokens, MaskFollowsTheGrammar) {
    GrammarBuilder b;
    const uint32_t root =
        b.add("root", Expr::seq({Expr::literal("caf\xC3\xA9"), Expr::opt(Expr::literal("!"))}));  // café!?
    const auto g = std::make_shared<Grammar>(b.build(root));
    //                          0     1      2     3       4          5       6       7    8   9 (eog)
    const TokenIndex index({"c", "ca", "caf", "f\xC3", "\xA9", "\xC3\xA9!", "x", "", "ca", "</s>"}, {9});
    Matcher m(g);
    EXPECT_EQ(allowed_ids(m, index), (std::vector<int32_t>{0, 1, 2, 8}));  // duplicate pieces both allowed
    ASSERT_TRUE(m.accept("ca"));
    EXPECT_EQ(allowed_ids(m, index), (std::vector<int32_t>{3}));  // ends inside é
    ASSERT_TRUE(m.accept("f\xC3"));
    EXPECT_EQ(allowed_ids(m, index), (std::vector<int32_t>{4}));
    ASSERT_TRUE(m.accept("\xA9"));
    EXPECT_EQ(allowed_ids(m, index), (std::vector<int32_t>{9}));  // complete: end of generation; "!" has no token
    const TokenIndex with_bang({"!", "!!", ""}, {2});
    EXPECT_EQ(allowed_ids(m, with_bang), (std::vector<int32_t>{0, 2}));
    ASSERT_TRUE(m.accept("!"));
    EXPECT_TRUE(m.is_dead_end());
    EXPECT_EQ(allowed_ids(m, with_bang), (std::vector<int32_t>{2}));
}

TEST(GrammarTokens, NoEogBeforeCompletion) {
    const auto g = std::make_shared<Grammar>(Grammar::any_json_object());
    const TokenIndex index({"{", "}", "{}", " ", "x", ""}, {5, 99, -1});  // out-of-range ids are ignored
    Matcher m(g);
    EXPECT_EQ(allowed_ids(m, index), (std::vector<int32_t>{0, 2, 3}));
    ASSERT_TRUE(m.accept("{"));
    EXPECT_EQ(allowed_ids(m, index), (std::vector<int32_t>{1, 3}));
    ASSERT_TRUE(m.accept("}"));
    EXPECT_EQ(allowed_ids(m, index), (std::vector<int32_t>{5}));
    EXPECT_EQ(index.eog_ids(), (std::vector<int32_t>{5}));
}

// A vocabulary shaped like a real 150k one: words with and without a leading space, punctuation runs, numbers,
// CJK characters (some cut mid-character) and the 256 single bytes.
std::vector<std::string> large_vocabulary(size_t n) {
    std::mt19937 rng(42);
    std::vector<std::string> pieces;
    for (int b = 0; b < 256; ++b) pieces.emplace_back(1, char(b));
    const std::string punct = "{}[]\":,.!?;-_()'/\\ \n";
    while (pieces.size() < n) {
        std::string p;
        switch (rng() % 6) {
            case 0:
            case 1:
                if (rng() % 2) p += ' ';
                for (int k = 0, len = 2 + int(rng() % 9); k < len; ++k) p += char('a' + rng() % 26);
                break;
            case 2:
                for (int k = 0, len = 1 + int(rng() % 4); k < len; ++k) p += punct[rng() % punct.size()];
                break;
            case 3:
                p = std::to_string(rng() % 1000);
                break;
            case 4:
                for (int k = 0, len = 1 + int(rng() % 3); k < len; ++k) append_utf8(p, 0x4E00 + rng() % 0x5000);
                if (rng() % 3 == 0) p.pop_back();
                break;
            default:
                p = "\"" + std::string(1, char('a' + rng() % 26)) + (rng() % 2 ? "\":" : "\",");
                break;
        }
        pieces.push_back(p);
    }
    return pieces;
}

double time_mask_ms(const Matcher& m, const TokenIndex& index, int reps, size_t* n_allowed) {
    std::vector<uint8_t> mask;
    const auto t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < reps; ++r) allowed_tokens(m, index, mask);
    const auto t1 = std::chrono::steady_clock::now();
    *n_allowed = 0;
    for (uint8_t a : mask) *n_allowed += a;
    return std::chrono::duration<double, std::milli>(t1 - t0).count() / reps;
}

TEST(GrammarTokens, MaskSpeedOn150kVocabulary) {
    std::vector<std::string> pieces = large_vocabulary(150'000);
    pieces.push_back("");
    const TokenIndex index(std::move(pieces), {150'000});
    const auto g = std::make_shared<Grammar>(Grammar::from_json_schema_text(
        R"({"type": "object", "properties": {"title": {"type": "string"}, "count": {"type": "integer"},
            "extra": {"type": "object"}}, "required": ["title", "count", "extra"]})"));
    struct Point {
        const char* where;
        const char* prefix;
    };
    const Point points[] = {{"start", ""},
                            {"in a free string", "{\"title\": \"The quick"},
                            {"after a colon", "{\"title\": \"x\", \"count\":"},
                            {"in an integer", "{\"title\": \"x\", \"count\": 12"},
                            {"any-JSON object", "{\"title\": \"x\", \"count\": 1, \"extra\": {\"k\": [1, {"}};
    std::mt19937 rng(3);
    for (const Point& p : points) {
        Matcher m(g);
        ASSERT_TRUE(m.accept(p.prefix)) << p.prefix;
        size_t n_allowed = 0;
        const double cold = time_mask_ms(m, index, 1, &n_allowed);
        const double warm = time_mask_ms(m, index, 20, &n_allowed);
        std::printf("[ mask     ] %-18s cold %7.2f ms, warm %6.2f ms, %zu of %zu tokens allowed\n", p.where, cold, warm,
                    n_allowed, index.n_tokens());
        std::vector<uint8_t> mask;
        allowed_tokens(m, index, mask);
        for (int k = 0; k < 3000; ++k) {  // spot-check the mask against the matcher itself
            const auto id = int32_t(rng() % (index.n_tokens() - 1));
            ASSERT_EQ(bool(mask[size_t(id)]), m.can_accept(index.piece(id)))
                << p.where << " token '" << index.piece(id) << "'";
        }
    }
}

}  // namespace
}  // namespace snug::grammar
