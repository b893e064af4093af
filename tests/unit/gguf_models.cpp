// tests/unit/gguf_models.cpp: the real GGUF files in ../shared/models. Every expected number here was read with an
// independent throwaway Python parser (struct.unpack over the raw bytes), not with snug.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "base/error.h"
#include "common/test_data.h"
#include "gguf/gguf.h"

namespace snug::gguf {
namespace {

uint64_t fnv1a(const uint8_t* p, size_t n) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t k = 0; k < n; ++k) h = (h ^ p[k]) * 0x100000001b3ull;
    return h;
}

std::string model(const std::string& name) { return snug::test::data_path("models/" + name); }

struct FileFacts {
    const char* name;
    uint32_t version;
    size_t n_kv, n_tensors, data_offset, tensor_bytes, file_size;
    std::map<uint32_t, int> type_counts;  // GGUF type id -> tensors of that type
};

class EveryModel : public ::testing::TestWithParam<FileFacts> {};

TEST_P(EveryModel, HeaderTableAndDataBounds) {
    const FileFacts& want = GetParam();
    SNUG_REQUIRE_DATA(model(want.name));
    const auto f = File::open(model(want.name));
    EXPECT_EQ(f->version(), want.version);
    EXPECT_EQ(f->metadata().size(), want.n_kv);
    EXPECT_EQ(f->tensors().size(), want.n_tensors);
    EXPECT_EQ(f->alignment(), 32u);
    EXPECT_EQ(f->data_offset(), want.data_offset);
    EXPECT_EQ(f->file_size(), want.file_size);
    size_t total = 0, end = 0;
    std::map<uint32_t, int> counts;
    for (const auto& t : f->tensors()) {
        total += t.n_bytes;
        end = std::max<size_t>(end, f->data_offset() + t.offset + t.n_bytes);
        ++counts[static_cast<uint32_t>(t.dtype)];
        EXPECT_EQ(t.n_bytes, row_bytes(t.dtype, t.cols()) * static_cast<size_t>(t.rows())) << t.name;
    }
    EXPECT_EQ(total, want.tensor_bytes);
    EXPECT_EQ(end, want.file_size);  // the last tensor ends the file
    EXPECT_EQ(counts, want.type_counts);
}

// clang-format off
INSTANTIATE_TEST_SUITE_P(Shared, EveryModel, ::testing::Values(
    FileFacts{"stories260K.gguf", 3, 19, 48, 14176, 1171200, 1185376, {{0, 48}}},
    FileFacts{"llama-2-tiny-random.gguf", 3, 18, 12, 724416, 1026144, 1750560, {{0, 3}, {1, 9}}},
    FileFacts{"snug-gemma3-f16.gguf", 3, 24, 80, 728672, 25456640, 26185312, {{0, 37}, {1, 43}}},
    FileFacts{"snug-gemma3-iq4_nl.gguf", 3, 25, 80, 728736, 9304576, 10033312, {{0, 37}, {13, 6}, {14, 1}, {20, 36}}},
    FileFacts{"snug-gemma3-q2_k.gguf", 3, 25, 80, 728736, 8415232, 9143968,
              {{0, 37}, {10, 24}, {11, 12}, {12, 6}, {14, 1}}},
    FileFacts{"snug-gemma3-q3_k_m.gguf", 3, 25, 80, 728736, 8917760, 9646496,
              {{0, 37}, {11, 24}, {12, 16}, {13, 2}, {14, 1}}},
    FileFacts{"snug-gemma3-q4_0.gguf", 3, 25, 80, 728736, 9292288, 10021024, {{0, 37}, {2, 42}, {14, 1}}},
    FileFacts{"snug-gemma3-q5_0.gguf", 3, 25, 80, 728736, 9857536, 10586272, {{0, 37}, {6, 42}, {14, 1}}},
    FileFacts{"snug-gemma3-q5_k_m.gguf", 3, 25, 80, 728736, 9914112, 10642848, {{0, 37}, {13, 38}, {14, 5}}},
    FileFacts{"snug-gemma3-q6_k.gguf", 3, 25, 80, 728736, 10458112, 11186848, {{0, 37}, {14, 43}}},
    FileFacts{"snug-llama-q4_k_m.gguf", 3, 24, 39, 726240, 13224960, 13951200, {{0, 9}, {12, 25}, {14, 5}}},
    FileFacts{"snug-qwen2-q4_k_m.gguf", 3, 19, 50, 1769760, 12459122, 14228896, {{0, 21}, {12, 24}, {14, 5}}},
    FileFacts{"snug-qwen3-f16.gguf", 3, 18, 46, 1769600, 32034304, 33803904, {{0, 17}, {1, 29}}},
    FileFacts{"snug-qwen3-q8_0.gguf", 3, 19, 46, 1769632, 17023504, 18793152, {{0, 17}, {8, 29}}}),
    [](const auto& info) {
        std::string n = info.param.name;
        for (auto& c : n) if (!isalnum(static_cast<unsigned char>(c))) c = '_';
        return n;
    });
// clang-format on

TEST(Stories260K, Metadata) {
    SNUG_REQUIRE_DATA(model("stories260K.gguf"));
    const auto f = File::open(model("stories260K.gguf"));
    EXPECT_EQ(f->require_string("general.architecture"), "llama");
    EXPECT_EQ(f->require_string("tokenizer.ggml.model"), "llama");
    EXPECT_EQ(f->require_int("llama.context_length"), 2048);
    EXPECT_EQ(f->require_int("llama.embedding_length"), 64);
    EXPECT_EQ(f->require_int("llama.feed_forward_length"), 172);
    EXPECT_EQ(f->require_int("llama.attention.head_count"), 8);
    EXPECT_EQ(f->require_int("llama.attention.head_count_kv"), 4);
    EXPECT_EQ(f->require_int("llama.block_count"), 5);
    EXPECT_EQ(f->require_int("llama.rope.dimension_count"), 8);
    EXPECT_EQ(f->find("llama.attention.layer_norm_rms_epsilon")->type, ValueType::FLOAT32);
    EXPECT_EQ(f->require_float("llama.attention.layer_norm_rms_epsilon"), 9.999999747378752e-06);
    EXPECT_EQ(f->find("tokenizer.ggml.seperator_token_id")->type, ValueType::UINT32);
    EXPECT_EQ(f->require_int("tokenizer.ggml.seperator_token_id"), 4294967295LL);
    EXPECT_EQ(f->metadata().front().first, "tokenizer.ggml.tokens");

    const Value* tokens = f->find("tokenizer.ggml.tokens");
    ASSERT_NE(tokens, nullptr);
    EXPECT_EQ(tokens->elem_type, ValueType::STRING);
    ASSERT_EQ(tokens->arr.size(), 512u);
    EXPECT_EQ(tokens->arr[0].str, "<unk>");
    EXPECT_EQ(tokens->arr[1].str, "<s>");
    EXPECT_EQ(tokens->arr[2].str, "</s>");
    EXPECT_EQ(tokens->arr[3].str, "<0x00>");
    EXPECT_EQ(tokens->arr[511].str, "\xe2\x80\x8a");  // U+200A HAIR SPACE
    const Value* scores = f->find("tokenizer.ggml.scores");
    ASSERT_EQ(scores->arr.size(), 512u);
    EXPECT_EQ(scores->elem_type, ValueType::FLOAT32);
    EXPECT_EQ(scores->arr[511].f, -252.0);
    const Value* types = f->find("tokenizer.ggml.token_type");
    ASSERT_EQ(types->arr.size(), 512u);
    EXPECT_EQ(types->elem_type, ValueType::INT32);
    EXPECT_EQ(types->arr[0].i, 2);
    EXPECT_EQ(types->arr[1].i, 3);
    EXPECT_EQ(types->arr[511].i, 1);
}

TEST(Stories260K, Tensors) {
    SNUG_REQUIRE_DATA(model("stories260K.gguf"));
    const auto f = File::open(model("stories260K.gguf"));
    const TensorInfo* emb = f->find_tensor("token_embd.weight");
    ASSERT_NE(emb, nullptr);
    EXPECT_EQ(emb->dtype, DType::F32);
    EXPECT_EQ(emb->shape, (std::vector<int64_t>{512, 64}));
    EXPECT_EQ(emb->rows(), 512);
    EXPECT_EQ(emb->cols(), 64);
    EXPECT_EQ(emb->offset, 0u);
    EXPECT_EQ(emb->n_bytes, 131072u);
    EXPECT_EQ(fnv1a(emb->data, emb->n_bytes), 0x92105060e9e7c6f6ull);
    float first;
    std::memcpy(&first, emb->data, 4);
    EXPECT_EQ(first, -0.29474878311157227f);

    const TensorInfo* norm = f->find_tensor("output_norm.weight");
    ASSERT_NE(norm, nullptr);
    EXPECT_EQ(norm->shape, (std::vector<int64_t>{64}));
    EXPECT_EQ(norm->offset, 131072u);
    EXPECT_EQ(fnv1a(norm->data, norm->n_bytes), 0x411bf9c8787bfab5ull);

    const TensorInfo* down = f->find_tensor("blk.4.ffn_down.weight");
    ASSERT_NE(down, nullptr);
    EXPECT_EQ(down->shape, (std::vector<int64_t>{64, 172}));
    EXPECT_EQ(down->offset, 1082880u);
    EXPECT_EQ(down->n_bytes, 44032u);
    EXPECT_EQ(fnv1a(down->data, down->n_bytes), 0xe2f9a3f14f9577bbull);

    EXPECT_EQ(f->find_tensor("blk.0.attn_k.weight")->shape, (std::vector<int64_t>{32, 64}));
    EXPECT_EQ(f->tensors().front().name, "token_embd.weight");
    EXPECT_EQ(f->tensors().back().name, "blk.4.ffn_norm.weight");
}

struct TensorFacts {
    const char* file;
    const char* tensor;
    DType dtype;
    std::vector<int64_t> shape;
    uint64_t offset;
    size_t n_bytes;
    uint64_t fnv;
};

class QuantizedTensor : public ::testing::TestWithParam<TensorFacts> {};

TEST_P(QuantizedTensor, ShapeTypeAndBytes) {
    const TensorFacts& want = GetParam();
    SNUG_REQUIRE_DATA(model(want.file));
    const auto f = File::open(model(want.file));
    const TensorInfo* t = f->find_tensor(want.tensor);
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->dtype, want.dtype);
    EXPECT_EQ(t->shape, want.shape);
    EXPECT_EQ(t->offset, want.offset);
    EXPECT_EQ(t->n_bytes, want.n_bytes);
    EXPECT_EQ(fnv1a(t->data, t->n_bytes), want.fnv);
}

INSTANTIATE_TEST_SUITE_P(
    Shared, QuantizedTensor,
    ::testing::Values(
        TensorFacts{"llama-2-tiny-random.gguf", "token_embd.weight", DType::F16, {32000, 8}, 0, 512000,
                    0x400942f76171a7ddull},
        TensorFacts{"snug-llama-q4_k_m.gguf", "token_embd.weight", DType::Q4_K, {32000, 256}, 6721024, 4608000,
                    0xad8e7f56e9dba0d5ull},
        TensorFacts{"snug-llama-q4_k_m.gguf", "blk.0.ffn_down.weight", DType::Q4_K, {256, 768}, 11440640, 110592,
                    0x312791eed3d1ae5cull},
        TensorFacts{"snug-gemma3-q2_k.gguf", "token_embd.weight", DType::Q6_K, {32000, 256}, 1024, 6720000,
                    0x60b5fad990fc1309ull},
        TensorFacts{"snug-gemma3-q2_k.gguf", "blk.0.attn_q.weight", DType::Q2_K, {256, 256}, 6755840, 21504,
                    0x334886826742c2c7ull},
        TensorFacts{"snug-gemma3-q2_k.gguf", "blk.0.ffn_down.weight", DType::Q3_K, {256, 768}, 6786816, 84480,
                    0x7916186f510479d5ull},
        TensorFacts{"snug-gemma3-iq4_nl.gguf", "blk.0.attn_q.weight", DType::IQ4_NL, {256, 256}, 6768384, 36864,
                    0x1b41a86dfe531602ull},
        TensorFacts{"snug-qwen3-q8_0.gguf", "token_embd.weight", DType::Q8_0, {50257, 256}, 1024, 13669904,
                    0x28277d9715d0c62full},
        TensorFacts{"snug-qwen3-q8_0.gguf", "output_norm.weight", DType::F32, {256}, 0, 1024,
                    0x9f19e22e569e3169ull}));

TEST(SharedMetadata, QuantizedFiles) {
    SNUG_REQUIRE_DATA(model("snug-gemma3-q2_k.gguf"));
    SNUG_REQUIRE_DATA(model("snug-llama-q4_k_m.gguf"));
    SNUG_REQUIRE_DATA(model("snug-qwen3-q8_0.gguf"));
    const auto gemma = File::open(model("snug-gemma3-q2_k.gguf"));
    EXPECT_EQ(gemma->require_string("general.architecture"), "gemma3");
    EXPECT_EQ(gemma->require_int("gemma3.attention.sliding_window"), 64);
    EXPECT_EQ(gemma->require_float("gemma3.attention.layer_norm_rms_epsilon"), 9.999999974752427e-07);
    EXPECT_EQ(gemma->require_float("gemma3.rope.freq_base"), 1000000.0);
    EXPECT_EQ(gemma->require_int("general.file_type"), 10);
    EXPECT_EQ(gemma->find("tokenizer.ggml.scores")->arr.back().f, -31740.0);
    const auto llama = File::open(model("snug-llama-q4_k_m.gguf"));
    EXPECT_EQ(llama->require_string("general.name"), "snug-llama");
    EXPECT_TRUE(llama->get_bool("tokenizer.ggml.add_bos_token", false));
    EXPECT_FALSE(llama->get_bool("tokenizer.ggml.add_eos_token", true));
    EXPECT_EQ(llama->require_int("llama.vocab_size"), 32000);
    const auto qwen = File::open(model("snug-qwen3-q8_0.gguf"));
    EXPECT_EQ(qwen->require_string("tokenizer.ggml.model"), "gpt2");
    EXPECT_EQ(qwen->require_int("tokenizer.ggml.bos_token_id"), 50256);
    EXPECT_EQ(qwen->find("tokenizer.ggml.token_type")->arr.size(), 50257u);
}

std::vector<uint8_t> read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(Stories260K, TruncatedAnywhereIsAnError) {
    SNUG_REQUIRE_DATA(model("stories260K.gguf"));
    const auto whole = read_all(model("stories260K.gguf"));
    ASSERT_EQ(whole.size(), 1185376u);
    std::vector<size_t> cuts;
    for (size_t n = 0; n < 14176 + 64; n += (n < 1024 ? 1 : 37)) cuts.push_back(n);  // header and table
    for (size_t n : {14151u, 14152u, 14153u, 14175u, 14176u, 14177u, 145503u, 145504u, 145505u, 1185375u})
        cuts.push_back(n);
    for (size_t n : cuts) {
        const std::vector<uint8_t> part(whole.begin(), whole.begin() + static_cast<long>(n));
        EXPECT_THROW(File::parse(part), Error) << "cut at " << n;
    }
}

}  // namespace
}  // namespace snug::gguf
