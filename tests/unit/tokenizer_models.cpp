// tests/unit/tokenizer_models.cpp: the tokenizers of the real model files against llama.cpp's own output on them
// (../shared/reference/models): tokens.json (ids with and without special tokens, pieces, detokenized text), the
// prompt ids of greedy.json and logits.json (special tokens added and parsed), and the decoded generations.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/test_data.h"
#include "gguf/gguf.h"
#include "tokenizer/tokenizer.h"

namespace snug {
namespace {

using nlohmann::json;

json load_json(const std::string& path) {
    std::ifstream in(path);
    return json::parse(in);
}

std::string hex(const std::string& bytes) {
    static constexpr char DIGITS[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        out += DIGITS[c >> 4];
        out += DIGITS[c & 15];
    }
    return out;
}

std::vector<int32_t> ids_of(const json& j) { return j.get<std::vector<int32_t>>(); }

// Every reference directory, with the model file its outputs were made from.
std::vector<std::string> reference_models() {
    std::vector<std::string> names;
    const std::string dir = test::data_path("reference/models");
    if (!std::filesystem::exists(dir)) return {"(missing)"};
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        if (e.is_directory()) names.push_back(e.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

class ModelTokenizer : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        ref_dir_ = test::data_path("reference/models/" + GetParam());
        model_path_ = test::data_path("models/" + GetParam() + ".gguf");
    }
    std::unique_ptr<Tokenizer> open_tokenizer() {
        file_ = gguf::File::open(model_path_);
        return Tokenizer::from_gguf(*file_);
    }

    std::string ref_dir_, model_path_;
    std::unique_ptr<gguf::File> file_;
};

TEST_P(ModelTokenizer, TokensJson) {
    SNUG_REQUIRE_DATA(model_path_);
    const std::string path = ref_dir_ + "/tokens.json";
    if (!std::filesystem::exists(path)) GTEST_SKIP() << "no tokens.json for " << GetParam();
    const json ref = load_json(path);
    ASSERT_FALSE(ref["parse_special"].get<bool>());
    const auto tok = open_tokenizer();
    for (const json& s : ref["strings"]) {
        const std::string text = s["text"].get<std::string>();
        for (const bool add_special : {true, false}) {
            const json& r = s[add_special ? "add_special_true" : "add_special_false"];
            const std::vector<int32_t> want = ids_of(r["ids"]);
            const std::vector<int32_t> got = tok->encode(text, add_special, false);
            EXPECT_EQ(got, want) << "text '" << text << "' add_special " << add_special;
            for (size_t i = 0; i < want.size(); ++i) {
                EXPECT_EQ(hex(tok->token_to_piece(want[i])), r["pieces_hex"][i].get<std::string>())
                    << "piece of id " << want[i];
            }
            EXPECT_EQ(tok->decode(want), r["detokenized"].get<std::string>()) << "decode of '" << text << "'";
        }
    }
}

TEST_P(ModelTokenizer, GreedyPromptsAndGenerations) {
    SNUG_REQUIRE_DATA(model_path_);
    const std::string path = ref_dir_ + "/greedy.json";
    if (!std::filesystem::exists(path)) GTEST_SKIP() << "no greedy.json for " << GetParam();
    const json ref = load_json(path);
    const auto tok = open_tokenizer();
    for (const json& r : ref["results"]) {
        const std::string prompt = r["prompt"].get<std::string>();
        EXPECT_EQ(tok->encode(prompt, true, true), ids_of(r["prompt_ids"])) << "prompt '" << prompt << "'";
        const std::vector<int32_t> gen = ids_of(r["generated_ids"]);
        for (size_t i = 0; i < gen.size(); ++i) {
            EXPECT_EQ(hex(tok->token_to_piece(gen[i])), r["generated_pieces_hex"][i].get<std::string>());
        }
        EXPECT_EQ(tok->decode(gen), r["generated_text"].get<std::string>());
    }
}

TEST_P(ModelTokenizer, LogitsPromptIds) {
    SNUG_REQUIRE_DATA(model_path_);
    const std::string path = ref_dir_ + "/logits.json";
    if (!std::filesystem::exists(path)) GTEST_SKIP() << "no logits.json for " << GetParam();
    const json ref = load_json(path);
    const auto tok = open_tokenizer();
    std::vector<int32_t> got = tok->encode(ref["text"].get<std::string>(), true, true);
    const std::vector<int32_t> want = ids_of(ref["ids"]);  // the first n_tokens only
    ASSERT_GE(got.size(), want.size());
    got.resize(want.size());
    EXPECT_EQ(got, want);
}

INSTANTIATE_TEST_SUITE_P(Reference, ModelTokenizer, ::testing::ValuesIn(reference_models()), [](const auto& info) {
    std::string n = info.param;
    for (char& c : n) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    }
    return n;
});

}  // namespace
}  // namespace snug
