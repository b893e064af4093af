// tests/unit/tokenizer_decode.cpp: detokenization. Pieces and round trips on the real vocabularies, llama.cpp's
// clean_spaces rules on hand-made cases, and the streaming decoder: its chunks concatenate to decode() of all ids and
// no chunk boundary falls inside a UTF-8 character, for the test strings and for random id sequences.
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "base/error.h"
#include "common/test_data.h"
#include "gguf/gguf.h"
#include "tokenizer/encoders.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/unicode.h"

namespace snug {
namespace {

struct Loaded {
    std::unique_ptr<gguf::File> file;
    std::unique_ptr<Tokenizer> tok;
};

Loaded load_vocab_file(const std::string& name) {
    Loaded l;
    l.file = gguf::File::open(test::data_path("vocab/ggml-vocab-" + name + ".gguf"));
    l.tok = Tokenizer::from_gguf(*l.file);
    return l;
}

std::vector<std::string> read_inputs(const std::string& name) {
    std::ifstream in(test::data_path("vocab/ggml-vocab-" + name + ".gguf.inp"), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str(), sep = "\n__ggml_vocab_test__\n";
    std::vector<std::string> out;
    for (size_t pos = 0, end; (end = text.find(sep, pos)) != std::string::npos; pos = end + sep.size()) {
        out.push_back(text.substr(pos, end - pos));
    }
    return out;
}

// Byte ranges of the well-formed multi-byte characters in `s`.
std::vector<std::pair<size_t, size_t>> utf8_chars(const std::string& s) {
    std::vector<std::pair<size_t, size_t>> out;
    for (size_t i = 0; i < s.size();) {
        const auto b = static_cast<uint8_t>(s[i]);
        const size_t len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC2 ? 2 : 1;
        if (len > 1 && i + len <= s.size() && tok::is_valid_utf8(std::string_view(s).substr(i, len))) {
            out.emplace_back(i, i + len);
            i += len;
        } else {
            ++i;
        }
    }
    return out;
}

// Feeds ids one by one; checks the chunks against decode() and that no chunk splits a character.
void check_stream(const Tokenizer& tok, const std::vector<int32_t>& ids, const std::string& what) {
    const std::string want = tok.decode(ids);
    StreamDecoder dec(tok);
    std::string got;
    std::vector<size_t> cuts;
    for (int32_t id : ids) {
        got += dec.feed(id);
        cuts.push_back(got.size());
    }
    got += dec.flush();
    ASSERT_EQ(got, want) << what;
    for (const auto& [begin, end] : utf8_chars(got)) {
        for (size_t cut : cuts) {
            ASSERT_FALSE(cut > begin && cut < end) << what << ": a chunk ends inside the character at byte " << begin;
        }
    }
}

class DecodeVocab : public ::testing::TestWithParam<std::string> {};

TEST_P(DecodeVocab, StreamMatchesDecodeOnTestStrings) {
    SNUG_REQUIRE_DATA(test::data_path("vocab/ggml-vocab-" + GetParam() + ".gguf"));
    const Loaded l = load_vocab_file(GetParam());
    for (const std::string& text : read_inputs(GetParam())) {
        check_stream(*l.tok, l.tok->encode(text, true, false), GetParam() + " '" + text + "'");
    }
}

TEST_P(DecodeVocab, StreamMatchesDecodeOnRandomIds) {
    SNUG_REQUIRE_DATA(test::data_path("vocab/ggml-vocab-" + GetParam() + ".gguf"));
    const Loaded l = load_vocab_file(GetParam());
    const Tokenizer& tok = *l.tok;
    // Ids of pieces that drive the clean-up rules and of multi-byte characters, mixed with any ids at all.
    std::vector<int32_t> interesting;
    for (const char* text : {" ", "'", " '", "s", "re", "ve", "m", "t", "?", " ?", ".", ",", "!", "\xC3\xA9",
                             "\xE4\xBD\xA0", "\xF0\x9F\xA6\x99", "\n"}) {
        for (int32_t id : tok.encode(text, false, false)) interesting.push_back(id);
    }
    std::mt19937 rng(42);
    std::uniform_int_distribution<int32_t> any(0, tok.n_vocab() - 1);
    std::uniform_int_distribution<size_t> pick(0, interesting.size() - 1);
    for (int round = 0; round < 300; ++round) {
        std::vector<int32_t> ids;
        for (int i = 0; i < 20; ++i) ids.push_back(rng() % 3 == 0 ? any(rng) : interesting[pick(rng)]);
        check_stream(tok, ids, GetParam() + " random round " + std::to_string(round));
        if (HasFatalFailure()) return;
    }
}

TEST_P(DecodeVocab, DecodeInvertsEncodeOnPlainText) {
    SNUG_REQUIRE_DATA(test::data_path("vocab/ggml-vocab-" + GetParam() + ".gguf"));
    const Loaded l = load_vocab_file(GetParam());
    if (l.tok->model_type() == "bert") GTEST_SKIP() << "WordPiece lowercases and drops spacing";
    const std::string text = "Hello world, this is a test of 3 tokenizers: caf\xC3\xA9 \xE4\xBD\xA0\xE5\xA5\xBD\n";
    EXPECT_EQ(l.tok->decode(l.tok->encode(text, false, false)), text);
}

INSTANTIATE_TEST_SUITE_P(Vocabs, DecodeVocab,
                         ::testing::Values("llama-spm", "phi-3", "bert-bge", "gpt-2", "falcon", "mpt", "starcoder",
                                           "deepseek-llm"),
                         [](const auto& info) {
                             std::string n = info.param;
                             for (char& c : n) {
                                 if (c == '-') c = '_';
                             }
                             return n;
                         });

std::string cleaned(std::string s) {
    tok::clean_up_spaces(s);
    return s;
}

TEST(DecodeCleanSpaces, LlamaCppRules) {
    EXPECT_EQ(cleaned("Hello , world . Yes ! No ?"), "Hello, world. Yes! No?");
    EXPECT_EQ(cleaned("a ' b"), "a'b");
    EXPECT_EQ(cleaned("it 's we 're they 've I 'm"), "it's we're they've I'm");
    EXPECT_EQ(cleaned("don 't I 'd we 'll"), "don 't I 'd we 'll");  // these keep their space
    EXPECT_EQ(cleaned(" ' ' x"), "'' x");  // the space dropped after the first match does not start another
    EXPECT_EQ(cleaned(" 'r"), " 'r");      // "re" incomplete at the end
    EXPECT_EQ(cleaned(" ?"), "?");
    EXPECT_EQ(cleaned(""), "");
}

TEST(DecodeSpm, PiecesAndLeadingSpace) {
    SNUG_REQUIRE_DATA(test::data_path("vocab/ggml-vocab-llama-spm.gguf"));
    const Loaded l = load_vocab_file("llama-spm");
    const Tokenizer& tok = *l.tok;
    EXPECT_EQ(tok.token_to_piece(tok.find_token("<0x0A>")), "\n");
    EXPECT_EQ(tok.token_to_piece(tok.find_token("\xE2\x96\x81Hello")), " Hello");
    EXPECT_EQ(tok.token_to_piece(tok.bos()), "<s>");
    EXPECT_EQ(tok.token_to_piece(tok.bos(), false), "");
    const std::vector<int32_t> ids = tok.encode("Hello world", true, false);
    EXPECT_EQ(tok.decode(ids), " Hello world");  // llama.cpp keeps the space when a BOS comes first
    EXPECT_EQ(tok.decode(ids, true), "<s> Hello world");
    EXPECT_EQ(tok.decode(std::vector<int32_t>(ids.begin() + 1, ids.end())), "Hello world");
    EXPECT_THROW(tok.token_to_piece(tok.n_vocab()), Error);
    EXPECT_THROW(tok.decode(std::vector<int32_t>{-1}), Error);
    StreamDecoder dec(tok);
    EXPECT_THROW(dec.feed(1 << 30), Error);
}

TEST(DecodeBpe, ByteLevelPieces) {
    SNUG_REQUIRE_DATA(test::data_path("vocab/ggml-vocab-gpt-2.gguf"));
    const Loaded l = load_vocab_file("gpt-2");
    const Tokenizer& tok = *l.tok;
    EXPECT_EQ(tok.token_to_piece(tok.find_token("\xC4\xA0world")), " world");  // Ġworld
    // The llama emoji is several byte tokens in GPT-2: streaming holds the bytes until the character is whole.
    const std::string llama = "\xF0\x9F\xA6\x99";
    const std::vector<int32_t> ids = tok.encode(llama, false, false);
    ASSERT_GE(ids.size(), 2u);
    EXPECT_EQ(tok.token_to_piece(ids[0]), llama.substr(0, tok.token_to_piece(ids[0]).size()));
    StreamDecoder dec(tok);
    for (size_t i = 0; i + 1 < ids.size(); ++i) EXPECT_EQ(dec.feed(ids[i]), "");
    EXPECT_EQ(dec.feed(ids.back()), llama);
    EXPECT_EQ(dec.flush(), "");
    // An unfinished character comes out at flush, as decode() would give it.
    EXPECT_EQ(dec.feed(ids[0]), "");
    EXPECT_EQ(dec.flush(), tok.token_to_piece(ids[0]));
}

}  // namespace
}  // namespace snug
