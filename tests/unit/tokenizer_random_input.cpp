// tests/unit/tokenizer_random_input.cpp: arbitrary bytes (malformed UTF-8, NULs, control and special-token text) on
// every kind of vocabulary: encode gives ids inside the vocabulary, decode and the stream decoder agree, nothing
// throws or crashes. Under SNUG_SANITIZE this doubles as a small fuzz run.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "common/test_data.h"
#include "gguf/gguf.h"
#include "tokenizer/tokenizer.h"

namespace snug {
namespace {

std::string random_bytes(std::mt19937& rng, size_t n) {
    static const std::vector<std::string> words = {"<s>", "</s>", "<|endoftext|>", "[CLS]", "<unk>", " ", "  ", "\n",
                                                   "'s", "\xE2\x96\x81", "\xC3\xA9", "\xE4\xBD\xA0", "123", "a"};
    std::string s;
    while (s.size() < n) {
        if (rng() % 3 == 0) {
            s += words[rng() % words.size()];
        } else {
            s += static_cast<char>(rng() & 0xFF);
        }
    }
    return s;
}

class RandomInput : public ::testing::TestWithParam<std::string> {};

TEST_P(RandomInput, EncodeDecodeNeverFail) {
    const std::string path = test::data_path("vocab/ggml-vocab-" + GetParam() + ".gguf");
    SNUG_REQUIRE_DATA(path);
    const auto file = gguf::File::open(path);
    const auto tok = Tokenizer::from_gguf(*file);
    std::mt19937 rng(7);
    for (int round = 0; round < 200; ++round) {
        const std::string text = random_bytes(rng, 1 + rng() % 64);
        for (const bool parse_special : {false, true}) {
            const std::vector<int32_t> ids = tok->encode(text, true, parse_special);
            for (int32_t id : ids) ASSERT_TRUE(id >= 0 && id < tok->n_vocab()) << id;
            const std::string decoded = tok->decode(ids);
            StreamDecoder dec(*tok);
            std::string streamed;
            for (int32_t id : ids) streamed += dec.feed(id);
            streamed += dec.flush();
            ASSERT_EQ(streamed, decoded);
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Vocabs, RandomInput,
                         ::testing::Values("llama-spm", "bert-bge", "gpt-2", "falcon", "deepseek-coder",
                                           "deepseek-llm", "refact"),
                         [](const auto& info) {
                             std::string n = info.param;
                             for (char& c : n) {
                                 if (c == '-') c = '_';
                             }
                             return n;
                         });

}  // namespace
}  // namespace snug
