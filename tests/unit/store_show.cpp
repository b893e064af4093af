// tests/unit/store_show.cpp: Ollama's description fields: number and time formats, file-type names, and details /
// model_info / capabilities of the shared test models (expected values from ../shared/models/README.md's tables).
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <regex>

#include "common/test_data.h"
#include "gguf/gguf.h"
#include "gguf/gguf_writer.h"
#include "store/show.h"

namespace snug::store {
namespace {

TEST(Show, HumanNumber) {
    const std::pair<uint64_t, const char*> cases[] = {
        {0, "0"},           {999, "999"},           {1000, "1K"},         {1499, "1K"},          {1500, "2K"},
        {292800, "293K"},   {1000000, "1M"},        {125000000, "125M"},  {494032768, "494.03M"}, {1000000000, "1B"},
        {2800000000, "2.8B"}, {8030261248, "8.0B"}, {7615616512, "7.6B"}, {70553706496, "70.6B"},
    };
    for (const auto& [n, text] : cases) EXPECT_EQ(human_number(n), text) << n;
}

TEST(Show, FileTypeNames) {
    EXPECT_EQ(file_type_name(0), "F32");
    EXPECT_EQ(file_type_name(1), "F16");
    EXPECT_EQ(file_type_name(2), "Q4_0");
    EXPECT_EQ(file_type_name(7), "Q8_0");
    EXPECT_EQ(file_type_name(12), "Q3_K_M");
    EXPECT_EQ(file_type_name(15), "Q4_K_M");
    EXPECT_EQ(file_type_name(17), "Q5_K_M");
    EXPECT_EQ(file_type_name(18), "Q6_K");
    EXPECT_EQ(file_type_name(25), "IQ4_NL");
    EXPECT_EQ(file_type_name(30), "IQ4_XS");
    EXPECT_EQ(file_type_name(32), "BF16");
    for (int64_t removed : {-1, 4, 5, 6, 33, 1024}) EXPECT_EQ(file_type_name(removed), "unknown") << removed;
}

TEST(Show, Rfc3339) {
    const char* old = std::getenv("TZ");
    const std::string saved = old ? old : "";
    ::setenv("TZ", "UTC", 1);
    ::tzset();
    EXPECT_EQ(rfc3339(0), "1970-01-01T00:00:00.000000000Z");
    EXPECT_EQ(rfc3339(1700000000123456789), "2023-11-14T22:13:20.123456789Z");
    ::setenv("TZ", "XYZ+7", 1);  // POSIX: seven hours west of UTC
    ::tzset();
    EXPECT_EQ(rfc3339(1700000000000000000), "2023-11-14T15:13:20.000000000-07:00");
    if (old) ::setenv("TZ", saved.c_str(), 1);
    else ::unsetenv("TZ");
    ::tzset();
}

TEST(Show, DetailsOfSharedModels) {
    const std::string llama = test::data_path("models/snug-llama-q4_k_m.gguf");
    const std::string stories = test::data_path("models/stories260K.gguf");
    SNUG_REQUIRE_DATA(llama);
    SNUG_REQUIRE_DATA(stories);
    // snug-llama: vocab 32000, n_embd 256, n_ff 768, 4 layers, 4 heads / 2 KV heads of 64, separate output:
    // 2*32000*256 + 4*(2*256 + 256*256 + 2*128*256 + 256*256 + 3*768*256) + 256 = 19,532,032.
    auto d = gguf_details(*gguf::File::open(llama));
    EXPECT_EQ(d["format"], "gguf");
    EXPECT_EQ(d["family"], "llama");
    EXPECT_EQ(d["families"], nlohmann::json::array({"llama"}));
    EXPECT_EQ(d["parameter_size"], "19.53M");
    EXPECT_EQ(d["quantization_level"], "Q4_K_M");
    EXPECT_EQ(d["parent_model"], "");
    // stories260K has no general.file_type: its matrices are F32. 512 vocab, n_embd 64, n_ff 172, 5 layers,
    // 8 heads / 4 KV heads of 8: 2*512*64 + 5*(2*64 + 64*64 + 2*32*64 + 64*64 + 3*172*64) + 64 = 292,800.
    d = gguf_details(*gguf::File::open(stories));
    EXPECT_EQ(d["quantization_level"], "F32");
    EXPECT_EQ(d["parameter_size"], "293K");
}

TEST(Show, ModelInfo) {
    const std::string llama = test::data_path("models/snug-llama-q4_k_m.gguf");
    SNUG_REQUIRE_DATA(llama);
    const auto f = gguf::File::open(llama);
    const auto info = gguf_model_info(*f, false);
    EXPECT_EQ(info["general.architecture"], "llama");
    EXPECT_FALSE(info.contains("general.name"));
    EXPECT_EQ(info["general.file_type"], 15);
    EXPECT_EQ(info["general.parameter_count"], 19532032);
    EXPECT_EQ(info["llama.block_count"], 4);
    EXPECT_EQ(info["llama.attention.layer_norm_rms_epsilon"].get<double>(), 1e-5);  // float32 shown at its precision
    EXPECT_EQ(info["tokenizer.ggml.tokens"], nlohmann::json::array());
    const auto verbose = gguf_model_info(*f, true);
    EXPECT_EQ(verbose["tokenizer.ggml.tokens"].size(), 32000u);
    EXPECT_EQ(verbose["tokenizer.ggml.tokens"][1], "<s>");
    EXPECT_NO_THROW((void)verbose.dump());
}

TEST(Show, CapabilitiesAndUntrustedStrings) {
    gguf::Writer w;
    w.set_string("general.architecture", "bert");
    w.set_u32("bert.pooling_type", 1);
    w.set_string("general.description", "bad \xff utf-8");
    const float one = 1.0f;
    w.add_tensor("t", DType::F32, {1}, &one, sizeof one);
    const auto bytes = w.bytes();
    const auto f = gguf::File::parse(bytes);
    EXPECT_EQ(model_capabilities(*f, "", false), std::vector<std::string>{"embedding"});
    const auto info = gguf_model_info(*f, false);
    EXPECT_EQ(info["general.description"], "bad \xef\xbf\xbd utf-8");
    EXPECT_NO_THROW((void)info.dump());

    gguf::Writer c;
    c.set_string("general.architecture", "llama");
    c.set_string("tokenizer.chat_template", "{% if tools %}{{ tools | tojson }}{% endif %}");
    c.add_tensor("t", DType::F32, {1}, &one, sizeof one);
    const auto cb = c.bytes();
    const auto cf = gguf::File::parse(cb);
    EXPECT_EQ(model_capabilities(*cf, "", true), (std::vector<std::string>{"completion", "tools", "vision"}));
    EXPECT_EQ(model_capabilities(*cf, "{{ .Prompt }}", false), std::vector<std::string>{"completion"});
}

}  // namespace
}  // namespace snug::store
