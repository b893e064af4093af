// tests/models/cli_test.cpp: the `snug` binary's command forms that later work and benchmarks rely on, run as a
// user would, their JSON checked against llama.cpp's reference outputs; bad input gives exit 1 and a clear message.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include "common/test_data.h"

namespace snug {
namespace {

struct Result {
    int exit_code = -1;
    std::string out;  // stdout and stderr together
};

std::string quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

Result run_snug(const std::string& args) {
    Result r;
    const std::string cmd = std::string(SNUG_BINARY) + " " + args + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return r;
    std::array<char, 4096> buf;
    size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
    const int status = pclose(p);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

nlohmann::json load_json(const std::string& path) {
    std::ifstream f(path);
    return nlohmann::json::parse(f);
}

const std::string QWEN2 = "models/snug-qwen2-q4_k_m.gguf";

TEST(Cli, TokenizeMatchesReferenceWithAndWithoutSpecialTokens) {
    SNUG_REQUIRE_DATA(test::data_path("models/snug-gemma3-f16.gguf"));
    const auto ref = load_json(test::data_path("reference/models/snug-gemma3-f16/tokens.json"));
    for (const auto& s : ref["strings"]) {
        const std::string text = s["text"];
        const auto with = run_snug("tokenize " + quote(test::data_path("models/snug-gemma3-f16.gguf")) + " --text " +
                                   quote(text) + " --json");
        ASSERT_EQ(with.exit_code, 0) << with.out;
        EXPECT_EQ(nlohmann::json::parse(with.out)["tokens"], s["add_special_true"]["ids"]) << text;
        const auto without = run_snug("tokenize " + quote(test::data_path("models/snug-gemma3-f16.gguf")) +
                                      " --text " + quote(text) + " --no-special --json");
        ASSERT_EQ(without.exit_code, 0) << without.out;
        EXPECT_EQ(nlohmann::json::parse(without.out)["tokens"], s["add_special_false"]["ids"]) << text;
    }
}

TEST(Cli, TokenizeWorksOnAVocabOnlyFile) {
    SNUG_REQUIRE_DATA(test::data_path("vocab/ggml-vocab-gpt-2.gguf"));
    const auto r = run_snug("tokenize " + quote(test::data_path("vocab/ggml-vocab-gpt-2.gguf")) +
                            " --text 'Hello world' --no-special --json");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_EQ(nlohmann::json::parse(r.out)["tokens"], (std::vector<int>{15496, 995}));
}

TEST(Cli, GreedyRunMatchesReferenceContinuation) {
    SNUG_REQUIRE_DATA(test::data_path(QWEN2));
    const auto ref = load_json(test::data_path("reference/models/snug-qwen2-q4_k_m/greedy.json"));
    const auto& first = ref["results"][0];
    const auto r = run_snug("run " + quote(test::data_path(QWEN2)) + " -p " + quote(first["prompt"]) +
                            " -n 16 --temperature 0 --raw --ignore-eos --json --threads 2");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["prompt_tokens"], first["prompt_ids"]);
    const std::vector<int> want = first["generated_ids"];
    const std::vector<float> margins = first["margin_top1_top2"];
    const std::vector<int> got = j["tokens"];
    ASSERT_EQ(got.size(), 16u);
    for (size_t i = 0; i < got.size() && margins[i] >= 0.3f; ++i) EXPECT_EQ(got[i], want[i]) << "step " << i;
    EXPECT_TRUE(j["text"].is_string());
}

TEST(Cli, LogitsJsonHasTopKAndLogSumExp) {
    SNUG_REQUIRE_DATA(test::data_path("models/stories260K.gguf"));
    const auto ref = load_json(test::data_path("reference/models/stories260K/logits.json"));
    const std::string text_file = ::testing::TempDir() + "/snug_cli_logits.txt";
    std::ofstream(text_file) << std::string(ref["text"]);
    const auto r = run_snug("logits " + quote(test::data_path("models/stories260K.gguf")) + " --text-file " +
                            quote(text_file) + " --top 5 --n-tokens 96 --json");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["tokens"], ref["ids"]);
    ASSERT_EQ(j["positions"].size(), ref["positions"].size());
    for (size_t p = 0; p < j["positions"].size(); ++p) {
        const auto& ours = j["positions"][p];
        const auto& theirs = ref["positions"][p];
        EXPECT_EQ(ours["pos"], static_cast<int>(p));
        EXPECT_NEAR(ours["lse"].get<double>(), theirs["logsumexp"].get<double>(), 0.02);
        ASSERT_EQ(ours["top"].size(), 5u);
        EXPECT_EQ(ours["top"][0][0], theirs["top"][0][0]);
        EXPECT_NEAR(ours["top"][0][1].get<double>(), theirs["top"][0][1].get<double>(), 0.02);
    }
}

TEST(Cli, PerplexityJson) {
    SNUG_REQUIRE_DATA(test::data_path("models/snug-llama-q4_k_m.gguf"));
    const auto ref = load_json(test::data_path("reference/models/snug-llama-q4_k_m/ppl.json"));
    const auto r = run_snug("perplexity " + quote(test::data_path("models/snug-llama-q4_k_m.gguf")) + " " +
                            quote(test::data_path("reference/models/eval.txt")) + " --ctx 128 --json");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["chunks"], ref["n_chunks"]);
    EXPECT_NEAR(j["ppl"].get<double>(), ref["ppl"].get<double>(), 0.015 * ref["ppl"].get<double>());
}

TEST(Cli, InspectDescribesTheModel) {
    SNUG_REQUIRE_DATA(test::data_path("models/snug-gemma3-q4_0.gguf"));
    const auto r = run_snug("inspect " + quote(test::data_path("models/snug-gemma3-q4_0.gguf")));
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find("gemma3: 6 layers"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("5 of 6 layers use a sliding window of 64"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("q4_0"), std::string::npos);
}

TEST(Cli, BadInputIsAClearErrorNotACrash) {
    const std::string junk = ::testing::TempDir() + "/snug_cli_junk.gguf";
    std::ofstream(junk) << "GGUF\x03\x00\x00\x00 truncated";
    auto r = run_snug("run " + quote(junk) + " -p hi");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.out.find("truncated"), std::string::npos) << r.out;

    r = run_snug("run /nonexistent/model.gguf -p hi");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.out.find("cannot open '/nonexistent/model.gguf'"), std::string::npos) << r.out;

    r = run_snug("frobnicate");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.out.find("unknown command 'frobnicate'"), std::string::npos) << r.out;

    if (test::file_exists(test::data_path(QWEN2))) {
        r = run_snug("run " + quote(test::data_path(QWEN2)) + " -p " + quote(std::string(300, 'x') + " long") +
                     " --ctx 16 --raw");
        EXPECT_EQ(r.exit_code, 1);
        EXPECT_NE(r.out.find("context holds 16"), std::string::npos) << r.out;
        r = run_snug("run " + quote(test::data_path(QWEN2)) + " -p hi --top-p 1.5");
        EXPECT_EQ(r.exit_code, 1);
        EXPECT_NE(r.out.find("top_p"), std::string::npos) << r.out;
        r = run_snug("run " + quote(test::data_path(QWEN2)) + " -p hi -n abc");
        EXPECT_EQ(r.exit_code, 1);
        EXPECT_NE(r.out.find("not an integer"), std::string::npos) << r.out;
    }
}

}  // namespace
}  // namespace snug
