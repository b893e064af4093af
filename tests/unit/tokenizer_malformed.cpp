// tests/unit/tokenizer_malformed.cpp: small vocabularies built in memory, valid and broken. Broken metadata must give
// a snug::Error naming the key (where llama.cpp would abort or misbehave); odd but usable tokens (empty, not UTF-8)
// must load and tokenize without crashing. Run under SNUG_SANITIZE these also prove the absence of bad reads.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/error.h"
#include "gguf/gguf.h"
#include "gguf/gguf_writer.h"
#include "tokenizer/tokenizer.h"

namespace snug {
namespace {

using gguf::Value;
using gguf::ValueType;
using gguf::Writer;

// A SentencePiece vocabulary: <unk> <s> </s>, the 256 byte tokens, then a few pieces.
struct SpmVocab {
    std::vector<std::string> tokens;
    std::vector<float> scores;
    std::vector<int32_t> types;
    SpmVocab() {
        add("<unk>", 0, 2);
        add("<s>", 0, 3);
        add("</s>", 0, 3);
        for (int b = 0; b < 256; ++b) {
            char name[8];
            std::snprintf(name, sizeof name, "<0x%02X>", b);
            add(name, 0, 6);
        }
        add("\xE2\x96\x81", -1, 1);  // ▁
        add("a", -2, 1);
        add("b", -3, 1);
        add("\xE2\x96\x81" "a", -1.5f, 1);
        add("ab", -0.5f, 1);
    }
    void add(std::string t, float s, int32_t type) {
        tokens.push_back(std::move(t));
        scores.push_back(s);
        types.push_back(type);
    }
    void write(Writer& w) const {
        w.set_string("tokenizer.ggml.model", "llama");
        w.set_strings("tokenizer.ggml.tokens", tokens);
        w.set_f32s("tokenizer.ggml.scores", scores);
        w.set_i32s("tokenizer.ggml.token_type", types);
        w.set_u32("tokenizer.ggml.bos_token_id", 1);
        w.set_u32("tokenizer.ggml.eos_token_id", 2);
    }
};

// Builds a GGUF from a valid SPM vocabulary changed by `edit`, and loads a tokenizer from it.
struct Built {
    std::vector<uint8_t> bytes;
    std::unique_ptr<gguf::File> file;
    std::unique_ptr<Tokenizer> tok;
};

Built build(const std::function<void(SpmVocab&, Writer&)>& edit) {
    SpmVocab v;
    Writer w;
    edit(v, w);  // may change the vocabulary before it is written ...
    v.write(w);
    edit(v, w);  // ... and override keys after
    Built b;
    b.bytes = w.bytes();
    b.file = gguf::File::parse(b.bytes);
    b.tok = Tokenizer::from_gguf(*b.file);
    return b;
}

// Runs `edit` once and expects loading to fail with a message that mentions `needle`.
void expect_error(const std::function<void(Writer&)>& edit, const std::string& needle) {
    SpmVocab v;
    Writer w;
    v.write(w);
    edit(w);
    const std::vector<uint8_t> bytes = w.bytes();
    const auto file = gguf::File::parse(bytes);
    try {
        Tokenizer::from_gguf(*file);
        ADD_FAILURE() << "expected an error mentioning '" << needle << "'";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
}

Value array_of(ValueType elem, std::vector<Value> items) {
    Value v;
    v.type = ValueType::ARRAY;
    v.elem_type = elem;
    v.arr = std::move(items);
    return v;
}

TEST(TokenizerMalformed, ValidSmallVocabWorks) {
    const Built b = build([](SpmVocab&, Writer&) {});
    EXPECT_EQ(b.tok->n_vocab(), 264);
    EXPECT_EQ(b.tok->bos(), 1);
    const std::vector<int32_t> ids = b.tok->encode("ab a", true, false);
    // " ab a" -> ▁ ab ▁a; "ab" outscores "▁a" + "b".
    EXPECT_EQ(ids, (std::vector<int32_t>{1, 259, 263, 262}));
    EXPECT_EQ(b.tok->decode(ids), " ab a");
    // Unknown characters fall back to byte tokens.
    EXPECT_EQ(b.tok->encode("z", false, false), (std::vector<int32_t>{259, 3 + 'z'}));
}

TEST(TokenizerMalformed, SpecialIdPastVocab) {
    expect_error([](Writer& w) { w.set_u32("tokenizer.ggml.bos_token_id", 264); }, "bos_token_id");
    expect_error([](Writer& w) { w.set_u32("tokenizer.ggml.eos_token_id", 1000000); }, "eos_token_id");
    expect_error([](Writer& w) { w.set_i32("tokenizer.ggml.unknown_token_id", -7); }, "unknown_token_id");
    expect_error([](Writer& w) { w.set_string("tokenizer.ggml.bos_token_id", "1"); }, "bos_token_id");
    // "None" as converters write it keeps the default, as llama.cpp does (stories260K has such keys).
    const Built b = build([](SpmVocab&, Writer& w) { w.set_u32("tokenizer.ggml.seperator_token_id", 0xFFFFFFFF); });
    EXPECT_EQ(b.tok->sep(), -1);
}

TEST(TokenizerMalformed, MismatchedArrayLengths) {
    expect_error([](Writer& w) { w.set_f32s("tokenizer.ggml.scores", {0.0f, 1.0f}); }, "tokenizer.ggml.scores");
    expect_error([](Writer& w) { w.set_i32s("tokenizer.ggml.token_type", {1, 1, 1}); }, "tokenizer.ggml.token_type");
    expect_error([](Writer& w) { w.set_strings("tokenizer.ggml.tokens", {}); }, "tokenizer.ggml.tokens");
}

TEST(TokenizerMalformed, WrongTypes) {
    expect_error([](Writer& w) { w.set_i32s("tokenizer.ggml.tokens", {1, 2, 3}); }, "tokenizer.ggml.tokens");
    expect_error([](Writer& w) { w.set_string("tokenizer.ggml.tokens", "abc"); }, "tokenizer.ggml.tokens");
    expect_error(
        [](Writer& w) {
            SpmVocab v;
            w.set_strings("tokenizer.ggml.scores", v.tokens);
        },
        "tokenizer.ggml.scores");
    expect_error(
        [](Writer& w) {
            SpmVocab v;
            w.set_f32s("tokenizer.ggml.token_type", v.scores);
        },
        "tokenizer.ggml.token_type");
    expect_error([](Writer& w) { w.set_u32("tokenizer.ggml.model", 1); }, "tokenizer.ggml.model");
    expect_error([](Writer& w) { w.set_u32("tokenizer.ggml.add_bos_token", 1); }, "add_bos_token");
    // Arrays of arrays are not token lists.
    expect_error(
        [](Writer& w) {
            w.set_value("tokenizer.ggml.tokens", array_of(ValueType::ARRAY, {array_of(ValueType::UINT8, {})}));
        },
        "tokenizer.ggml.tokens");
}

TEST(TokenizerMalformed, MissingOrUnknownModel) {
    {
        Writer w;
        w.set_strings("tokenizer.ggml.tokens", {"a"});
        const auto bytes = w.bytes();
        const auto f = gguf::File::parse(bytes);
        EXPECT_THROW(Tokenizer::from_gguf(*f), Error);
    }
    expect_error([](Writer& w) { w.set_string("tokenizer.ggml.model", "t5"); }, "t5");
    expect_error([](Writer& w) { w.set_string("tokenizer.ggml.model", "gpt2"); }, "tokenizer.ggml.merges");
    expect_error(
        [](Writer& w) {
            w.set_string("tokenizer.ggml.model", "gpt2");
            w.set_string("tokenizer.ggml.pre", "no-such-pre");
            w.set_strings("tokenizer.ggml.merges", {});
        },
        "no-such-pre");
    expect_error(
        [](Writer& w) {
            w.set_string("tokenizer.ggml.model", "gpt2");
            w.set_i32s("tokenizer.ggml.merges", {1});
        },
        "tokenizer.ggml.merges");
}

TEST(TokenizerMalformed, DuplicateToken) {
    expect_error(
        [](Writer& w) {
            SpmVocab v;
            v.tokens[263] = "a";
            w.set_strings("tokenizer.ggml.tokens", v.tokens);
        },
        "duplicate");
}

TEST(TokenizerMalformed, AddBosWithoutBos) {
    // A byte-level BPE vocabulary too small for the default BOS id 11, yet asking for a BOS.
    expect_error(
        [](Writer& w) {
            w.set_string("tokenizer.ggml.model", "gpt2");
            w.set_strings("tokenizer.ggml.tokens", {"a", "b", "ab"});
            w.set_f32s("tokenizer.ggml.scores", {0, 0, 0});
            w.set_i32s("tokenizer.ggml.token_type", {1, 1, 1});
            w.set_strings("tokenizer.ggml.merges", {"a b"});
            w.set_u32("tokenizer.ggml.bos_token_id", 0xFFFFFFFF);
            w.set_u32("tokenizer.ggml.eos_token_id", 0xFFFFFFFF);
            w.set_bool("tokenizer.ggml.add_bos_token", true);
        },
        "add_bos_token");
}

TEST(TokenizerMalformed, EmptyAndInvalidUtf8TokensAreUsable) {
    const Built b = build([](SpmVocab& v, Writer&) {
        v.tokens[260] = "";              // "a": an empty token
        v.tokens[261] = "\xFF\xFE";      // "b": not UTF-8
        v.types[262] = 99;               // an unknown token type
        v.tokens[4] = "<0x";             // a byte token whose text is cut short
    });
    EXPECT_EQ(b.tok->token_text(260), "[EMPTY_260]");  // llama.cpp's placeholder
    EXPECT_EQ(b.tok->token_to_piece(261), "\xFF\xFE");
    EXPECT_EQ(b.tok->token_to_piece(262), "");         // undefined type renders as nothing
    EXPECT_EQ(b.tok->token_to_piece(4), "");
    for (const std::string text : {"", "a", "ab", "\xFF\xFE", "\xFF", "[EMPTY_260]", "a b\xC3"}) {
        const std::vector<int32_t> ids = b.tok->encode(text, true, true);
        for (int32_t id : ids) {
            EXPECT_GE(id, 0);
            EXPECT_LT(id, b.tok->n_vocab());
        }
        EXPECT_NO_THROW(b.tok->decode(ids));
        StreamDecoder dec(*b.tok);
        for (int32_t id : ids) dec.feed(id);
        dec.flush();
    }
}

TEST(TokenizerMalformed, BpeWithoutByteTokensDropsUnknownBytes) {
    // A toy byte-level vocabulary; characters outside it vanish (llama.cpp behaves the same).
    Writer w;
    w.set_string("tokenizer.ggml.model", "gpt2");
    w.set_string("tokenizer.ggml.pre", "gpt-2");
    w.set_strings("tokenizer.ggml.tokens", {"a", "b", "ab", "\xC4\xA0", "\xC4\xA0" "ab"});
    w.set_strings("tokenizer.ggml.merges", {"a b", "\xC4\xA0 ab", "malformed"});
    const auto bytes = w.bytes();
    const auto f = gguf::File::parse(bytes);
    const auto tok = Tokenizer::from_gguf(*f);
    EXPECT_EQ(tok->bos(), -1);  // the default id 11 is past this vocabulary
    EXPECT_EQ(tok->encode("ab ab", false, false), (std::vector<int32_t>{2, 4}));
    EXPECT_EQ(tok->encode("zab", false, false), (std::vector<int32_t>{2}));
    EXPECT_EQ(tok->decode(std::vector<int32_t>{2, 4}), "ab ab");
}

}  // namespace
}  // namespace snug
