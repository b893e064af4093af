// tests/unit/grammar_regex.cpp: compiled patterns against std::regex (ECMAScript, search semantics as in JSON
// Schema) on random strings, plus the constructs that must be refused with a clear message.
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <regex>
#include <string>

#include "base/error.h"
#include "grammar/matcher.h"
#include "grammar/regex.h"

namespace snug::grammar {
namespace {

std::shared_ptr<const Grammar> pattern_grammar(std::string_view pattern) {
    GrammarBuilder b;
    const uint32_t root = b.add("root", compile_pattern(pattern));
    return std::make_shared<Grammar>(b.build(root));
}

bool matches(const std::shared_ptr<const Grammar>& g, const std::string& text) {
    Matcher m(g);
    return m.accept(text) && m.is_complete();
}

TEST(GrammarRegex, AgreesWithStdRegexOnRandomStrings) {
    const char* patterns[] = {
        "^abc$",           "abc",           "^a+b*$",     "^(ab|cd){2,3}$", "^[a-c]{1,4}x?$",
        "^\\d{3}-\\d{2}$", "^[^ab]+$",      "b.d",        "^(?:a|bc)*d$",   "^a{2}$|^b{3}$",
        "^x*$|c",          "^[\\w-]+$",     "^\\s?a\\S$", "^(a(b(c)?)?)+$", "^[a\\-c]$",
        "^\\.$",           "^a{0,3}b{1,}$", "^(?:ab)c$",  "^a+?b$",         "^[.]$",
        "^[\\d.]+$",       "^.{2}$",        "^[^\\s]+$",  "^(|a)b$",
    };
    const std::string alphabet = "abcdx1- .";
    std::mt19937 rng(11);
    for (const char* p : patterns) {
        const auto g = pattern_grammar(p);
        const std::regex re(p, std::regex::ECMAScript);
        for (int i = 0; i < 400; ++i) {
            std::string s;
            const int len = int(rng() % 8);
            for (int k = 0; k < len; ++k) s += alphabet[rng() % alphabet.size()];
            ASSERT_EQ(matches(g, s), std::regex_search(s, re)) << "pattern " << p << " on '" << s << "'";
        }
    }
}

TEST(GrammarRegex, HandPickedCases) {
    const auto phone = pattern_grammar("^\\(\\d{3}\\) \\d{3}-\\d{4}$");
    EXPECT_TRUE(matches(phone, "(555) 123-4567"));
    EXPECT_FALSE(matches(phone, "555 123-4567"));
    const auto unicode = pattern_grammar("^[\\u00e0-\\u00ff]+\\u65e5$");
    EXPECT_TRUE(matches(unicode, "\xC3\xA9\xC3\xA0\xE6\x97\xA5"));  // éà日
    EXPECT_FALSE(matches(unicode, "e\xE6\x97\xA5"));
    const auto brace = pattern_grammar("^a{b}$");  // not a quantifier: literal braces
    EXPECT_TRUE(matches(brace, "a{b}"));
    const auto named = pattern_grammar("^(?<year>\\d{4})-(?<mm>\\d\\d)$");  // names do not matter
    EXPECT_TRUE(matches(named, "2024-05"));
    EXPECT_FALSE(matches(named, "2024-5"));
    const auto dot = pattern_grammar("^.$");
    EXPECT_FALSE(matches(dot, "\n"));
    EXPECT_TRUE(matches(dot, "\xF0\x9F\x98\x80"));
}

void expect_refused(const char* pattern, const char* needle) {
    try {
        (void)compile_pattern(pattern);
        ADD_FAILURE() << "accepted " << pattern;
    } catch (const Error& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find(needle), std::string::npos) << pattern << " -> " << msg;
        EXPECT_NE(msg.find(pattern), std::string::npos) << msg;
    }
}

TEST(GrammarRegex, UnsupportedConstructsAreErrors) {
    expect_refused("a(?=b)", "lookaround");
    expect_refused("(?<!a)b", "lookaround");
    expect_refused("(a)\\1", "backreference");
    expect_refused("\\bword", "word boundar");
    expect_refused("\\p{L}+", "Unicode property");
    expect_refused("a^b", "'^'");
    expect_refused("(a$)", "'$'");
    expect_refused("a$b", "'$'");
    expect_refused("(a*)*", "empty string");
    expect_refused("*a", "nothing to repeat");
    expect_refused("a**", "quantifier");
    expect_refused("[z-a]", "out of order");
    expect_refused("[abc", "unterminated");
    expect_refused("(ab", "missing ')'");
    expect_refused("ab)", "unbalanced");
    expect_refused("a{5,2}", "m > n");
    expect_refused("a{1000000}", "repetition count");
    expect_refused("\\q", "unknown escape");
    expect_refused(std::string(100, '(').c_str(), "nested deeper");
}

}  // namespace
}  // namespace snug::grammar
