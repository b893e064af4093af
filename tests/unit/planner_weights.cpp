// tests/unit/planner_weights.cpp: weight bytes per layer, input and output, by hand from tensor shapes and type sizes
// (f32 4 bytes; q4_K 144 bytes and q6_K 210 bytes per 256 values), on real files from ../shared/models; and, for every
// model there, that the tensor table accounts for the whole file but its header and alignment padding.
#include <gtest/gtest.h>

#include <filesystem>

#include "base/error.h"
#include "gguf/gguf.h"
#include "planner/header_source.h"
#include "planner/model_info.h"
#include "unit/planner_fixtures.h"

using namespace snug;
using namespace snug::planner;

TEST(PlannerWeights, Stories260KByHand) {
    const std::string path = test::data_path("models/stories260K.gguf");
    SNUG_REQUIRE_DATA(path);
    const auto h = ModelHeader::open_local(path);
    const LoadedModel lm = analyze_model(*h);
    const ModelInfo& m = lm.info;
    // All f32. n_embd 64, n_ff 172, 8 heads / 4 KV heads of 8: q and o 64x64, k and v 32x64.
    // Per layer: 2 norms x 64 + 64x64 x 2 + 32x64 x 2 + 172x64 x 3 = 45,440 values = 181,760 bytes.
    ASSERT_EQ(m.config.n_layers, 5);
    for (uint64_t b : m.layer_bytes) EXPECT_EQ(b, 181760u);
    for (int64_t p : m.layer_params) EXPECT_EQ(p, 64 * 64 * 2 + 32 * 64 * 2 + 172 * 64 * 3);
    EXPECT_EQ(m.input_bytes, 512u * 64 * 4);             // token_embd [512, 64]
    EXPECT_FALSE(m.tied_output);
    EXPECT_EQ(m.output_bytes, 512u * 64 * 4 + 64 * 4);  // output [512, 64] + output_norm [64]
    EXPECT_EQ(m.output_bytes_on(true), m.output_bytes);  // untied: no copy of the embedding
    EXPECT_EQ(m.weights_bytes(), 5u * 181760 + 131072 + 131328);
    EXPECT_EQ(m.file_bytes, 1185376u);
    EXPECT_EQ(m.max_ctx, 2048);
#if !defined(__SANITIZE_ADDRESS__)
    EXPECT_GT(m.tokenizer_heap_bytes, 0u);  // measured with glibc's mallinfo2, which AddressSanitizer's heap bypasses
#endif
}

TEST(PlannerWeights, LlamaQ4KMByHand) {
    const std::string path = test::data_path("models/snug-llama-q4_k_m.gguf");
    SNUG_REQUIRE_DATA(path);
    const auto h = ModelHeader::open_local(path);
    const ModelInfo m = analyze_model(*h).info;
    // n_embd 256, n_ff 768, 4 heads / 2 KV heads of 64. q4_K everywhere except attn_v and ffn_down of layers 2 and 3
    // (llama.cpp's Q4_K_M "more bits" layers for 4 layers: i >= 7n/8 or (i - n/8) % 3 == 2), which are q6_K.
    // q4_K layer: q, o 256 rows + k, v 128 rows + gate, up 768 rows + down 256 rows x 3 blocks, x 144 bytes,
    // + 2 f32 norms of 256: 36,864 x 2 + 18,432 x 2 + 110,592 x 3 + 2,048 = 444,416 bytes.
    const uint64_t q4 = 444416;
    const uint64_t q6 = q4 + 128 * (210 - 144) + 256 * 3 * (210 - 144);  // attn_v and ffn_down in q6_K
    ASSERT_EQ(m.layer_bytes.size(), 4u);
    EXPECT_EQ(m.layer_bytes[0], q4);
    EXPECT_EQ(m.layer_bytes[1], q4);
    EXPECT_EQ(m.layer_bytes[2], q6);
    EXPECT_EQ(m.layer_bytes[3], q6);
    EXPECT_EQ(m.input_bytes, 32000u * 144);               // token_embd q4_K [32000, 256]
    EXPECT_EQ(m.output_bytes, 32000u * 210 + 256 * 4);    // output q6_K + output_norm f32
}

TEST(PlannerWeights, EveryModelsTableCoversItsFile) {
    const std::string dir = test::data_path("models");
    SNUG_REQUIRE_DATA(dir);
    int n = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        if (e.path().extension() != ".gguf") continue;
        SCOPED_TRACE(e.path().string());
        const auto h = ModelHeader::open_local(e.path().string());
        const ModelInfo m = analyze_model(*h).info;
        const uint64_t data = m.file_bytes - m.header_bytes;
        uint64_t sum = 0;
        for (const auto& t : m.tensors) sum += t.bytes;
        EXPECT_EQ(sum, m.weights_bytes());
        EXPECT_LE(sum, data);
        EXPECT_LT(data - sum, m.tensors.size() * h->file().alignment());  // only padding between tensors
        uint64_t grouped = m.input_bytes + m.output_bytes;
        for (uint64_t b : m.layer_bytes) grouped += b;
        EXPECT_EQ(grouped, sum);  // every tensor counted once, tied output or not
        ++n;
    }
    EXPECT_GE(n, 10);
}

TEST(PlannerWeights, RefusesWhatItCannotPlan) {
    const std::string vocab = test::data_path("vocab/ggml-vocab-llama-spm.gguf");
    SNUG_REQUIRE_DATA(vocab);
    const auto h = ModelHeader::open_local(vocab);  // a vocabulary without tensors
    EXPECT_THROW(analyze_model(*h), Error);
    EXPECT_THROW(analyze_projector(*h), Error);
    EXPECT_THROW(ModelHeader::open_local(test::planner_tmp_dir() + "/missing.gguf"), Error);
}
