// tests/unit/grammar_matcher.cpp: hand-built grammars through the matcher: classes, repetition bounds, UTF-8 split
// across accept() calls, invalid UTF-8, completion and dead ends, and the grammar checks done at build time.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>

#include "base/error.h"
#include "grammar/matcher.h"

namespace snug::grammar {
namespace {

std::shared_ptr<const Grammar> build(GrammarBuilder& b, uint32_t root) {
    return std::make_shared<Grammar>(b.build(root));
}

// Whole-string match: accepted byte by byte and complete at the end.
bool matches(const std::shared_ptr<const Grammar>& g, std::string_view text) {
    Matcher m(g);
    for (char c : text) {
        if (!m.accept(std::string_view(&c, 1))) return false;
    }
    return m.is_complete();
}

TEST(GrammarMatcher, LiteralAndClasses) {
    GrammarBuilder b;
    const uint32_t root = b.add("root", Expr::seq({Expr::literal("ab"), Expr::chars_of(CharSet::range('0', '9')),
                                                   Expr::chars_of(CharSet::single('x').complement())}));
    const auto g = build(b, root);
    EXPECT_TRUE(matches(g, "ab7y"));
    EXPECT_TRUE(matches(g, "ab0\xC3\xA9"));  // é is not 'x'
    EXPECT_FALSE(matches(g, "ab7x"));
    EXPECT_FALSE(matches(g, "ab7"));  // incomplete
    EXPECT_FALSE(matches(g, "abcy"));
    EXPECT_FALSE(matches(g, "ab7yy"));
}

TEST(GrammarMatcher, BoundedAndUnboundedRepetition) {
    GrammarBuilder b;
    const Expr a = Expr::literal("a");
    const uint32_t root =
        b.add("root", Expr::seq({Expr::repeat(a, 2, 4), Expr::literal("-"), Expr::star(Expr::literal("bc"))}));
    const auto g = build(b, root);
    EXPECT_FALSE(matches(g, "a-"));
    EXPECT_TRUE(matches(g, "aa-"));
    EXPECT_TRUE(matches(g, "aaaa-bcbc"));
    EXPECT_FALSE(matches(g, "aaaaa-"));
    EXPECT_FALSE(matches(g, "aa-bcb"));
    std::string long_tail = "aaa-";
    for (int i = 0; i < 5000; ++i) long_tail += "bc";  // right recursion must not grow without bound or slow down
    EXPECT_TRUE(matches(g, long_tail));
}

TEST(GrammarMatcher, Utf8SplitAcrossCalls) {
    GrammarBuilder b;
    const uint32_t root = b.add("root", Expr::plus(Expr::chars_of(CharSet::range(0x3000, 0x9FFF))));  // CJK-ish block
    const auto g = std::make_shared<Grammar>(b.build(root));
    Matcher m(g);
    const std::string text = "\xE6\x97\xA5\xE6\x9C\xAC";  // 日本
    EXPECT_TRUE(m.accept(text.substr(0, 1)));
    EXPECT_FALSE(m.is_complete());  // mid-character never completes
    EXPECT_TRUE(m.accept(text.substr(1, 3)));
    EXPECT_FALSE(m.is_complete());
    EXPECT_TRUE(m.accept(text.substr(4)));
    EXPECT_TRUE(m.is_complete());
    // A lead byte of a character outside the class range is refused as soon as no completion could fit.
    EXPECT_FALSE(m.can_accept("\xC3"));      // 2-byte characters are all below U+0800
    EXPECT_FALSE(m.can_accept("\xE2\x82"));  // U+2080..U+20BF, below the block
    EXPECT_TRUE(m.can_accept("\xE3"));       // U+3000..U+3FFF overlaps it
    EXPECT_FALSE(m.can_accept("a"));
}

TEST(GrammarMatcher, InvalidUtf8IsRefused) {
    GrammarBuilder b;
    const uint32_t root = b.add("root", Expr::star(Expr::chars_of(CharSet::any())));
    const auto g = build(b, root);
    Matcher m(g);
    EXPECT_TRUE(m.can_accept("\xF0\x9F\x98\x80"));  // U+1F600
    EXPECT_FALSE(m.can_accept("\x80"));             // stray continuation
    EXPECT_FALSE(m.can_accept("\xC0\xAF"));         // overlong '/'
    EXPECT_FALSE(m.can_accept("\xE0\x80"));         // overlong 3-byte prefix
    EXPECT_FALSE(m.can_accept("\xED\xA0"));         // surrogate U+D800..
    EXPECT_FALSE(m.can_accept("\xF4\x90"));         // past U+10FFFF
    EXPECT_FALSE(
        m.can_accept("\xC3"
                     "a"));  // lead byte then ASCII
    EXPECT_FALSE(m.can_accept("\xFF"));
    EXPECT_TRUE(m.accept("\xC3"));
    EXPECT_FALSE(m.is_complete());
}

TEST(GrammarMatcher, RefusedBytesLeaveStateUnchanged) {
    GrammarBuilder b;
    const uint32_t root = b.add("root", Expr::literal("hello"));
    Matcher m(build(b, root));
    EXPECT_TRUE(m.accept("he"));
    EXPECT_FALSE(m.accept("lx"));  // the 'l' alone would be fine, the pair is not: nothing is consumed
    EXPECT_TRUE(m.accept("llo"));
    EXPECT_TRUE(m.is_complete());
    EXPECT_TRUE(m.is_dead_end());
    EXPECT_TRUE(m.accept(""));
    m.reset();
    EXPECT_FALSE(m.is_complete());
    EXPECT_TRUE(m.accept("hello"));
}

TEST(GrammarMatcher, CopiesAreIndependent) {
    GrammarBuilder b;
    const uint32_t root = b.add("root", Expr::alt({Expr::literal("cat"), Expr::literal("cow")}));
    Matcher m(build(b, root));
    ASSERT_TRUE(m.accept("c"));
    Matcher copy = m;
    EXPECT_TRUE(copy.accept("at"));
    EXPECT_FALSE(m.can_accept("at!"));
    EXPECT_TRUE(m.accept("ow"));
    EXPECT_TRUE(m.is_complete());
    EXPECT_TRUE(copy.is_complete());
}

TEST(GrammarMatcher, CompletionBeforeTheEnd) {
    GrammarBuilder b;
    const uint32_t root = b.add("root", Expr::seq({Expr::literal("1"), Expr::opt(Expr::literal("23"))}));
    Matcher m(build(b, root));
    ASSERT_TRUE(m.accept("1"));
    EXPECT_TRUE(m.is_complete());
    EXPECT_FALSE(m.is_dead_end());  // may stop, may go on
    ASSERT_TRUE(m.accept("2"));
    EXPECT_FALSE(m.is_complete());
}

TEST(GrammarMatcher, MutualRecursionNests) {
    GrammarBuilder b;
    const uint32_t list = b.declare("list");  // list ::= "(" item* ")", item ::= "x" | list
    const uint32_t item = b.add("item", Expr::alt({Expr::literal("x"), Expr::ref(list)}));
    b.define(list, Expr::seq({Expr::literal("("), Expr::star(Expr::ref(item)), Expr::literal(")")}));
    const auto g = build(b, list);
    EXPECT_TRUE(matches(g, "(x(x())x)"));
    EXPECT_FALSE(matches(g, "(x(x()x)"));
    std::string deep(3000, '(');
    deep += std::string(3000, ')');
    EXPECT_TRUE(matches(g, deep));
}

TEST(GrammarMatcher, LeftRecursionIsRejected) {
    GrammarBuilder b;
    const uint32_t expr = b.declare("expr");  // expr ::= expr "+" "1" | "1"
    b.define(expr, Expr::alt({Expr::seq({Expr::ref(expr), Expr::literal("+1")}), Expr::literal("1")}));
    try {
        (void)b.build(expr);
        FAIL() << "left recursion accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("left recursion"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("expr"), std::string::npos) << e.what();
    }
    // Also through a nullable prefix and through another rule.
    GrammarBuilder c;
    const uint32_t a = c.declare("a");
    const uint32_t d = c.add("d", Expr::seq({Expr::opt(Expr::literal("q")), Expr::ref(a)}));
    c.define(a, Expr::alt({Expr::seq({Expr::ref(d), Expr::literal("z")}), Expr::literal("z")}));
    EXPECT_THROW((void)c.build(a), Error);
}

TEST(GrammarMatcher, StarOverNullableIsRejected) {
    GrammarBuilder b;
    const uint32_t root = b.add("root", Expr::star(Expr::opt(Expr::literal("a"))));
    EXPECT_THROW((void)b.build(root), Error);
}

TEST(GrammarMatcher, UndefinedRuleAndUnmatchableGrammar) {
    GrammarBuilder b;
    const uint32_t missing = b.declare("missing");
    const uint32_t root = b.add("root", Expr::ref(missing));
    EXPECT_THROW((void)b.build(root), Error);

    GrammarBuilder c;
    const uint32_t forever = c.declare("forever");  // forever ::= "a" forever: no finite text
    c.define(forever, Expr::seq({Expr::literal("a"), Expr::ref(forever)}));
    EXPECT_THROW((void)c.build(forever), Error);
}

TEST(GrammarMatcher, AlternativesThatCannotFinishArePruned) {
    GrammarBuilder b;
    const uint32_t forever = b.declare("forever");
    b.define(forever, Expr::seq({Expr::literal("a"), Expr::ref(forever)}));
    const uint32_t root = b.add("root", Expr::alt({Expr::ref(forever), Expr::literal("b"), Expr::nothing()}));
    Matcher m(build(b, root));
    EXPECT_FALSE(m.can_accept("a"));  // would trap the output in a branch that never ends
    EXPECT_TRUE(m.accept("b"));
    EXPECT_TRUE(m.is_complete());
}

TEST(GrammarMatcher, AmbiguityIsBoundedOrReported) {
    GrammarBuilder b;
    // (a|a)(a|a)...: many derivations of one string, but the set of parse positions stays small.
    const Expr aa = Expr::alt({Expr::literal("a"), Expr::literal("a")});
    const uint32_t root = b.add("root", Expr::repeat(aa, 0, 200));
    const auto g = build(b, root);
    EXPECT_TRUE(matches(g, std::string(200, 'a')));
    EXPECT_FALSE(matches(g, std::string(201, 'a')));
}

TEST(GrammarMatcher, CacheStaysBoundedOnLongCountedRepetition) {
    // Every character of a long counted repetition is a new parse state: the cache must be rebuilt, not grow.
    GrammarBuilder b;
    const uint32_t root = b.add("root", Expr::repeat(Expr::chars_of(CharSet::range('a', 'z')), 0, 90000));
    Matcher m(std::make_shared<Grammar>(b.build(root)));
    size_t peak = 0;
    for (int i = 0; i < 90000; ++i) {
        ASSERT_TRUE(m.accept(std::string(1, char('a' + i % 26))));
        peak = std::max(peak, m.cache_bytes());
    }
    EXPECT_TRUE(m.is_complete());
    EXPECT_TRUE(m.is_dead_end());
    EXPECT_LE(peak, Automaton::FLUSH_BYTES + (1u << 20));
}

TEST(GrammarMatcher, ToStringListsRules) {
    GrammarBuilder b;
    const uint32_t root =
        b.add("root", Expr::seq({Expr::literal("a"), Expr::opt(Expr::chars_of(CharSet::range('0', '9')))}));
    const std::string text = b.build(root).to_string();
    EXPECT_NE(text.find("root ::= [a]"), std::string::npos) << text;
    EXPECT_NE(text.find("[0-9]"), std::string::npos) << text;
}

}  // namespace
}  // namespace snug::grammar
