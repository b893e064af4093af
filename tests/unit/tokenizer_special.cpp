// tests/unit/tokenizer_special.cpp: special tokens on the real vocabularies: parse_special splitting, user-defined
// tokens split out even without it, Phi-3's whitespace-eating chat tokens, the end-of-generation sets llama.cpp
// derives, and encode from several threads at once.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "common/test_data.h"
#include "gguf/gguf.h"
#include "tokenizer/tokenizer.h"

namespace snug {
namespace {

struct Loaded {
    std::unique_ptr<gguf::File> file;
    std::unique_ptr<Tokenizer> tok;
};

Loaded load(const std::string& name) {
    Loaded l;
    l.file = gguf::File::open(test::data_path("vocab/ggml-vocab-" + name + ".gguf"));
    l.tok = Tokenizer::from_gguf(*l.file);
    return l;
}

bool contains(const std::vector<int32_t>& ids, int32_t id) { return std::find(ids.begin(), ids.end(), id) != ids.end(); }

TEST(TokenizerSpecial, Gpt2ParsesEndOfText) {
    SNUG_REQUIRE_DATA(test::data_path("vocab/ggml-vocab-gpt-2.gguf"));
    const Loaded l = load("gpt-2");
    const Tokenizer& tok = *l.tok;
    const std::string text = "Hello<|endoftext|>world";
    const int32_t eot = tok.find_token("<|endoftext|>");
    ASSERT_EQ(eot, 50256);
    EXPECT_EQ(tok.encode(text, false, true),
              (std::vector<int32_t>{tok.encode("Hello", false, false)[0], eot, tok.encode("world", false, false)[0]}));
    const std::vector<int32_t> plain = tok.encode(text, false, false);
    EXPECT_FALSE(contains(plain, eot));
    EXPECT_EQ(tok.decode(plain), text);
    EXPECT_EQ(tok.decode(tok.encode(text, false, true)), "Helloworld");  // control tokens render as nothing ...
    EXPECT_EQ(tok.decode(tok.encode(text, false, true), true), text);    // ... unless asked for
    EXPECT_TRUE(tok.is_control(eot));
    EXPECT_FALSE(tok.is_control(tok.find_token("Hello")));
    EXPECT_EQ(tok.eog_ids(), (std::vector<int32_t>{eot}));
    EXPECT_FALSE(tok.add_bos());  // gpt-2 adds nothing
    EXPECT_EQ(tok.encode("Hello", true, false), tok.encode("Hello", false, false));
}

TEST(TokenizerSpecial, SpmBosAndSpacePrefix) {
    SNUG_REQUIRE_DATA(test::data_path("vocab/ggml-vocab-llama-spm.gguf"));
    const Loaded l = load("llama-spm");
    const Tokenizer& tok = *l.tok;
    EXPECT_EQ(tok.bos(), 1);
    EXPECT_EQ(tok.eos(), 2);
    EXPECT_TRUE(tok.add_bos());
    EXPECT_FALSE(tok.add_eos());
    // Text after a special token gets the SentencePiece space prefix again.
    const std::vector<int32_t> hi = tok.encode("Hi", false, false);
    std::vector<int32_t> want{1, 1};
    want.insert(want.end(), hi.begin(), hi.end());
    EXPECT_EQ(tok.encode("<s>Hi", true, true), want);
    EXPECT_FALSE(contains(tok.encode("<s>Hi", false, false), 1));
    EXPECT_EQ(tok.eog_ids(), (std::vector<int32_t>{2}));
    EXPECT_TRUE(tok.is_eog(2));
    EXPECT_FALSE(tok.is_eog(1));
    EXPECT_EQ(tok.model_type(), "llama");
    EXPECT_EQ(tok.pre_type(), "default");
}

TEST(TokenizerSpecial, UserDefinedTokensSplitWithoutParseSpecial) {
    SNUG_REQUIRE_DATA(test::data_path("vocab/ggml-vocab-mpt.gguf"));
    const Loaded l = load("mpt");
    const Tokenizer& tok = *l.tok;
    const int32_t spaces24 = tok.find_token(std::string(24, ' '));
    ASSERT_GE(spaces24, 0);
    EXPECT_TRUE(tok.is_user_defined(spaces24));
    EXPECT_EQ(tok.encode("a" + std::string(24, ' ') + "b", false, false),
              (std::vector<int32_t>{tok.find_token("a"), spaces24, tok.find_token("b")}));
}

TEST(TokenizerSpecial, Phi3ChatTokensEatFollowingWhitespace) {
    SNUG_REQUIRE_DATA(test::data_path("vocab/ggml-vocab-phi-3.gguf"));
    const Loaded l = load("phi-3");
    const Tokenizer& tok = *l.tok;
    const int32_t user = tok.find_token("<|user|>"), end = tok.find_token("<|end|>");
    const int32_t assistant = tok.find_token("<|assistant|>");
    ASSERT_GE(user, 0);
    ASSERT_GE(end, 0);
    ASSERT_GE(assistant, 0);
    // llama.cpp gives Phi-3's special tokens rstrip: the newlines after them vanish, and "Hello" follows a special
    // token, so it gets the space prefix.
    EXPECT_EQ(tok.encode("<|user|>\nHello<|end|>\n<|assistant|>", false, true),
              (std::vector<int32_t>{user, tok.find_token("\xE2\x96\x81Hello"), end, assistant}));
    EXPECT_EQ(tok.eos(), 32000);
    EXPECT_TRUE(tok.is_eog(32000));
    EXPECT_TRUE(tok.is_eog(end));
    EXPECT_TRUE(tok.is_eog(2));      // "</s>" is an end-of-generation text for llama.cpp
    EXPECT_TRUE(tok.is_control(2));  // and so becomes a control token, though stored as user-defined
    EXPECT_FALSE(tok.is_eog(user));
}

TEST(TokenizerSpecial, EndOfGenerationSets) {
    SNUG_REQUIRE_DATA(test::data_path("vocab/ggml-vocab-starcoder.gguf"));
    // StarCoder: eos <|endoftext|> plus <fim_pad> (found by its text as the FIM pad token).
    const Loaded sc = load("starcoder");
    EXPECT_EQ(sc.tok->eog_ids(), (std::vector<int32_t>{0, sc.tok->find_token("<fim_pad>")}));
    // BERT has no EOS; [PAD] is taken for the FIM pad token and so ends generation, as in llama.cpp.
    const Loaded bert = load("bert-bge");
    EXPECT_EQ(bert.tok->eos(), -1);
    EXPECT_EQ(bert.tok->eog_ids(), (std::vector<int32_t>{0}));
    EXPECT_EQ(bert.tok->bos(), 101);
    EXPECT_EQ(bert.tok->sep(), 102);
    const std::vector<int32_t> ids = bert.tok->encode("Hello", true, false);
    ASSERT_EQ(ids.size(), 3u);
    EXPECT_EQ(ids.front(), 101);
    EXPECT_EQ(ids.back(), 102);
}

TEST(TokenizerSpecial, EncodeFromManyThreads) {
    SNUG_REQUIRE_DATA(test::data_path("vocab/ggml-vocab-deepseek-llm.gguf"));
    const Loaded l = load("deepseek-llm");
    const std::string text = "Multi-threaded tokenization: 3.14159, \xE4\xBD\xA0\xE5\xA5\xBD, caf\xC3\xA9!\n  ok";
    const std::vector<int32_t> want = l.tok->encode(text, true, true);
    std::vector<std::thread> threads;
    std::vector<int> ok(4, 0);
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 50; ++i) ok[static_cast<size_t>(t)] += l.tok->encode(text, true, true) == want;
        });
    }
    for (auto& th : threads) th.join();
    for (int n : ok) EXPECT_EQ(n, 50);
}

}  // namespace
}  // namespace snug
