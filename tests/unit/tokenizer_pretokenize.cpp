// tests/unit/tokenizer_pretokenize.cpp: pre-tokenizer splits worked out by hand from the patterns (Llama 3 and Qwen2
// have test vectors but no vocab file here), and the hand-written GPT-2 / Llama-3 splitters against PCRE2 running the
// same patterns on random text.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "tokenizer/pretokenize.h"
#include "tokenizer/regex_step.h"
#include "tokenizer/unicode.h"

namespace snug::tok {
namespace {

using Words = std::vector<std::string>;

Words split_with(std::string_view pre_name, std::string_view text) {
    const PreTokenizerConfig* cfg = find_pre_tokenizer(pre_name);
    EXPECT_NE(cfg, nullptr) << pre_name;
    if (!cfg) return {};
    return PreTokenizer(cfg->patterns).split(text);
}

TEST(PreTokenizeLlama3, HandComputed) {
    EXPECT_EQ(split_with("llama-bpe", "Hello world"), (Words{"Hello", " world"}));
    EXPECT_EQ(split_with("llama-bpe", "I'm here, don't"), (Words{"I", "'m", " here", ",", " don", "'t"}));
    EXPECT_EQ(split_with("llama-bpe", "x'S 'LL"), (Words{"x", "'S", " '", "LL"}));  // contractions ignore case
    EXPECT_EQ(split_with("llama-bpe", "1234567"), (Words{"123", "456", "7"}));
    EXPECT_EQ(split_with("llama-bpe", "3.14"), (Words{"3", ".", "14"}));
    EXPECT_EQ(split_with("llama-bpe", "  Hello"), (Words{" ", " Hello"}));
    EXPECT_EQ(split_with("llama-bpe", "hello   world  "), (Words{"hello", "  ", " world", "  "}));
    EXPECT_EQ(split_with("llama-bpe", "Hello\n\nworld"), (Words{"Hello", "\n\n", "world"}));
    EXPECT_EQ(split_with("llama-bpe", "a  \n b"), (Words{"a", "  \n", " b"}));
    EXPECT_EQ(split_with("llama-bpe", "!!!\n\nabc"), (Words{"!!!\n\n", "abc"}));
    EXPECT_EQ(split_with("llama-bpe", " ?!"), (Words{" ?!"}));
    EXPECT_EQ(split_with("llama-bpe", "\xC3\x80" "B's"), (Words{"\xC3\x80" "B", "'s"}));           // ÀB's
    EXPECT_EQ(split_with("llama-bpe", "\xF0\x9F\xA6\x99 llama"), (Words{"\xF0\x9F\xA6\x99", " llama"}));  // 🦙
    EXPECT_EQ(split_with("llama-bpe", "(x)"), (Words{"(x", ")"}));  // one non-letter may lead a word
}

TEST(PreTokenizeQwen2, HandComputed) {
    EXPECT_EQ(split_with("qwen2", "1234"), (Words{"1", "2", "3", "4"}));  // single digits, unlike Llama 3
    EXPECT_EQ(split_with("qwen2", "Hello world"), (Words{"Hello", " world"}));
    EXPECT_EQ(split_with("qwen2", "I'M ok"), (Words{"I", "'M", " ok"}));
    EXPECT_EQ(split_with("qwen2", "  Hello"), (Words{" ", " Hello"}));
    EXPECT_EQ(split_with("qwen2", "a\n\n b"), (Words{"a", "\n\n", " b"}));
    EXPECT_EQ(split_with("qwen2", "x  "), (Words{"x", "  "}));
    EXPECT_EQ(split_with("qwen2", "abc, def"), (Words{"abc", ",", " def"}));
    EXPECT_EQ(split_with("qwen2", "\xE4\xBD\xA0\xE5\xA5\xBD!"), (Words{"\xE4\xBD\xA0\xE5\xA5\xBD", "!"}));  // 你好!
    EXPECT_EQ(split_with("qwen2", "\xC3\xA9" "12"), (Words{"\xC3\xA9", "1", "2"}));
    EXPECT_EQ(split_with("qwen2", "x = 1;\n"), (Words{"x", " =", " ", "1", ";\n"}));
}

TEST(PreTokenizeGpt2, HandComputed) {
    EXPECT_EQ(split_with("gpt-2", "Hello world"), (Words{"Hello", " world"}));
    EXPECT_EQ(split_with("gpt-2", "  Hello"), (Words{" ", " Hello"}));
    EXPECT_EQ(split_with("gpt-2", "I'm 123 456"), (Words{"I", "'m", " 123", " 456"}));
    EXPECT_EQ(split_with("gpt-2", "a\n\nb"), (Words{"a", "\n", "\n", "b"}));
    EXPECT_EQ(split_with("gpt-2", "x\t "), (Words{"x", "\t "}));
}

TEST(PreTokenizeOthers, HandComputed) {
    // StarCoder isolates every digit before the GPT-2 pattern runs.
    EXPECT_EQ(split_with("starcoder", "ab 123"), (Words{"ab", " ", "1", "2", "3"}));
    // DeepSeek Coder: newlines alone, letters and punctuation runs with one optional leading space.
    EXPECT_EQ(split_with("deepseek-coder", "a.b\nc"), (Words{"a", ".", "b", "\n", "c"}));
    // Falcon keeps punctuation runs apart, then groups digits by three.
    EXPECT_EQ(split_with("falcon", "1234567"), (Words{"123", "456", "7"}));
}

TEST(PreTokenize, NamesAndDefaults) {
    EXPECT_EQ(find_pre_tokenizer(""), find_pre_tokenizer("default"));
    EXPECT_EQ(find_pre_tokenizer("llama3"), find_pre_tokenizer("llama-bpe"));
    EXPECT_EQ(find_pre_tokenizer("no-such-pre-tokenizer"), nullptr);
    const PreTokenizerConfig* qwen = find_pre_tokenizer("qwen2");
    ASSERT_NE(qwen, nullptr);
    EXPECT_FALSE(qwen->clean_spaces);
    const PreTokenizerConfig* llama3 = find_pre_tokenizer("llama-bpe");
    ASSERT_NE(llama3, nullptr);
    EXPECT_TRUE(llama3->ignore_merges);
    EXPECT_TRUE(llama3->add_bos);
    // Every listed pattern compiles.
    for (std::string_view name : {"default", "llama3", "dbrx", "deepseek-llm", "deepseek-coder", "deepseek-v3",
                                  "falcon", "starcoder", "gpt-2", "qwen2", "qwen35", "poro-chat", "viking",
                                  "chatglm-bpe", "tekken", "gpt-4o", "seed-coder", "bailingmoe"}) {
        const PreTokenizerConfig* cfg = find_pre_tokenizer(name);
        ASSERT_NE(cfg, nullptr) << name;
        EXPECT_NO_THROW(PreTokenizer p(cfg->patterns)) << name;
    }
}

TEST(PreTokenize, CollapsedPattern) {
    EXPECT_EQ(RegexStep::collapse_pattern("\\p{N}"), "[\xD1" "0-9]");
    EXPECT_EQ(RegexStep::collapse_pattern("[^\\s\\p{L}]"), "[^\\s\xD2" "A-Za-z]");
    EXPECT_EQ(RegexStep::collapse_pattern("\\[\\p{M}"), "\\[[\xD4]");  // an escaped bracket opens no class
    EXPECT_TRUE(RegexStep::uses_categories("a\\p{Lu}"));
    EXPECT_FALSE(RegexStep::uses_categories("[0-9]"));
}

// Random text over an alphabet that exercises every branch: letters, digits, apostrophes, spaces, newlines,
// punctuation, non-ASCII letters, digits and spaces, unassigned and control codepoints, and malformed bytes.
std::string random_text(std::mt19937& rng, size_t n) {
    static const std::vector<std::string> pieces = {
        "a", "Z", "s", "t", "r", "e", "l", "'", " ", " ", "\n", "\r", "\t", "1", "9", ".", ",", "!", "?", "(",
        "\xC3\xA9", "\xD9\xA3", "\xE3\x80\x80", "\xC2\xA0", "\xE2\x80\x83", "\xF0\x9F\xA6\x99", "\xCD\xB8", "\x01",
        "\xE4\xBD\xA0", "\xCC\x81", "\xFF", "\x80", "\xC2\x85", "$", "\xE2\x80\xA6"};
    std::uniform_int_distribution<size_t> pick(0, pieces.size() - 1);
    std::string s;
    for (size_t i = 0; i < n; ++i) s += pieces[pick(rng)];
    return s;
}

void expect_same_split(std::string_view custom_pattern, std::string_view text, std::string_view what) {
    // Wrapping the pattern in a group keeps it from being recognised, so PCRE2 runs it.
    const std::string wrapped = "(?:" + std::string(custom_pattern) + ")";
    const PreTokenizer custom({custom_pattern});
    const PreTokenizer regex({std::string_view(wrapped)});
    EXPECT_EQ(custom.split(text), regex.split(text)) << what << " on '" << text << "'";
}

TEST(PreTokenize, CustomSplittersAgreeWithRegex) {
    const std::string_view gpt2 = find_pre_tokenizer("gpt-2")->patterns.front();
    const std::string_view llama3 = find_pre_tokenizer("llama-bpe")->patterns.front();
    std::mt19937 rng(1234);
    for (int i = 0; i < 3000; ++i) {
        const std::string text = random_text(rng, 1 + static_cast<size_t>(i % 24));
        expect_same_split(gpt2, text, "gpt-2");
        expect_same_split(llama3, text, "llama3");
        if (HasFailure()) break;
    }
}

TEST(PreTokenize, ByteEncodingAndMalformedInput) {
    const PreTokenizer p(find_pre_tokenizer("gpt-2")->patterns);
    EXPECT_EQ(p.split_byte_encoded(" a"), (Words{"\xC4\xA0" "a"}));  // space is U+0120
    EXPECT_EQ(p.split_byte_encoded("\n"), (Words{"\xC4\x8A"}));      // newline is U+010A
    // A malformed byte is read as U+FFFD, as llama.cpp does.
    EXPECT_EQ(p.split("\xFF"), (Words{"\xEF\xBF\xBD"}));
    // Long inputs do not exhaust any stack.
    const std::string long_word(200000, 'a');
    EXPECT_EQ(PreTokenizer(find_pre_tokenizer("qwen2")->patterns).split(long_word).size(), 1u);
    EXPECT_EQ(PreTokenizer(find_pre_tokenizer("deepseek-llm")->patterns).split(long_word).size(), 1u);
}

}  // namespace
}  // namespace snug::tok
