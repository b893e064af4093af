// tests/unit/tokenizer_vocab_vectors.cpp: llama.cpp's tokenizer test vectors (../shared/vocab): every string of each
// NAME.gguf.inp must encode to its line of NAME.gguf.out, with no special tokens added and none parsed.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/test_data.h"
#include "gguf/gguf.h"
#include "tokenizer/tokenizer.h"

namespace snug {
namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Each test string is followed by "\n__ggml_vocab_test__\n"; a string may itself begin or end with newlines.
std::vector<std::string> read_inputs(const std::string& path) {
    const std::string text = read_file(path);
    const std::string sep = "\n__ggml_vocab_test__\n";
    std::vector<std::string> out;
    size_t pos = 0;
    while (pos < text.size()) {
        const size_t end = text.find(sep, pos);
        if (end == std::string::npos) break;
        out.push_back(text.substr(pos, end - pos));
        pos = end + sep.size();
    }
    return out;
}

// One line of ids per test string; the empty string's line is empty.
std::vector<std::vector<int32_t>> read_outputs(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<std::vector<int32_t>> out;
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream ls(line);
        std::vector<int32_t> ids;
        for (int32_t id; ls >> id;) ids.push_back(id);
        out.push_back(std::move(ids));
    }
    return out;
}

std::string printable(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
        if (c == '\n') {
            out += "\\n";
        } else if (c < 0x20) {
            out += "\\x" + std::to_string(c);
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

class VocabVectors : public ::testing::TestWithParam<std::string> {};

TEST_P(VocabVectors, EncodeMatchesLlamaCpp) {
    const std::string base = test::data_path("vocab/ggml-vocab-" + GetParam() + ".gguf");
    SNUG_REQUIRE_DATA(base);
    const auto inputs = read_inputs(base + ".inp");
    const auto expected = read_outputs(base + ".out");
    ASSERT_EQ(inputs.size(), expected.size()) << "test strings and expected lines differ in number";
    ASSERT_GT(inputs.size(), 0u);

    const auto file = gguf::File::open(base);
    const auto tok = Tokenizer::from_gguf(*file);
    size_t passed = 0;
    for (size_t i = 0; i < inputs.size(); ++i) {
        const std::vector<int32_t> got = tok->encode(inputs[i], false, false);
        if (got == expected[i]) {
            ++passed;
        } else {
            ADD_FAILURE() << GetParam() << " string " << i << " '" << printable(inputs[i]) << "': got "
                          << ::testing::PrintToString(got) << ", want " << ::testing::PrintToString(expected[i]);
        }
    }
    std::printf("[ vectors  ] %-16s %zu/%zu (%.1f%%)\n", GetParam().c_str(), passed, inputs.size(),
                100.0 * static_cast<double>(passed) / static_cast<double>(inputs.size()));
}

INSTANTIATE_TEST_SUITE_P(AllVocabs, VocabVectors,
                         ::testing::Values("llama-spm", "phi-3", "bert-bge", "gpt-2", "falcon", "mpt", "starcoder",
                                           "refact", "deepseek-coder", "deepseek-llm"),
                         [](const auto& info) {
                             std::string n = info.param;
                             for (char& c : n) {
                                 if (c == '-') c = '_';
                             }
                             return n;
                         });

// llama-2-tiny-random.gguf carries the full Llama 2 tokenizer: it must give the llama-spm vectors too.
TEST(VocabVectorsModel, Llama2TinyRandomMatchesLlamaSpm) {
    const std::string model = test::data_path("models/llama-2-tiny-random.gguf");
    const std::string base = test::data_path("vocab/ggml-vocab-llama-spm.gguf");
    SNUG_REQUIRE_DATA(model);
    SNUG_REQUIRE_DATA(base);
    const auto inputs = read_inputs(base + ".inp");
    const auto expected = read_outputs(base + ".out");
    ASSERT_EQ(inputs.size(), expected.size());
    const auto file = gguf::File::open(model);
    const auto tok = Tokenizer::from_gguf(*file);
    for (size_t i = 0; i < inputs.size(); ++i) {
        EXPECT_EQ(tok->encode(inputs[i], false, false), expected[i]) << "string " << i << " '" << printable(inputs[i]);
    }
}

}  // namespace
}  // namespace snug
