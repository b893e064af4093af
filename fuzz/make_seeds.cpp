// fuzz/make_seeds.cpp: writes the seed corpus for gguf_fuzz into the directory given (fuzz/corpus/ in the repo).
// Small files that between them reach every part of the reader: tensors of several block types, every value type,
// nested arrays, a non-default alignment, and a version-2 header.
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "base/dtype.h"
#include "gguf/gguf_writer.h"

namespace {

using snug::DType;
using snug::gguf::Value;
using snug::gguf::ValueType;
using snug::gguf::Writer;

void save(const std::string& dir, const std::string& name, const std::vector<uint8_t>& b) {
    std::ofstream(dir + "/" + name, std::ios::binary)
        .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

void add_filled(Writer& w, const std::string& name, DType t, std::vector<int64_t> shape) {
    int64_t n = 1;
    for (auto d : shape) n *= d;
    std::vector<uint8_t> data(snug::row_bytes(t, shape.back()) * static_cast<size_t>(n / shape.back()));
    for (size_t k = 0; k < data.size(); ++k) data[k] = static_cast<uint8_t>(k * 13);
    w.add_tensor(name, t, shape, data.data(), data.size());
}

// A tiny llama-like model: hyperparameters, a 6-token vocabulary, and f32/f16/q4_0/q8_0 tensors.
Writer tiny_model() {
    Writer w;
    w.set_string("general.architecture", "llama");
    w.set_u32("llama.block_count", 1);
    w.set_u32("llama.embedding_length", 32);
    w.set_f32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
    w.set_strings("tokenizer.ggml.tokens", {"<unk>", "<s>", "</s>", "a", "b", "ab"});
    w.set_f32s("tokenizer.ggml.scores", {0, 0, 0, -1, -2, -3});
    w.set_i32s("tokenizer.ggml.token_type", {2, 3, 3, 1, 1, 1});
    w.set_bool("tokenizer.ggml.add_bos_token", true);
    add_filled(w, "token_embd.weight", DType::F16, {6, 32});
    add_filled(w, "output_norm.weight", DType::F32, {32});
    add_filled(w, "blk.0.attn_q.weight", DType::Q4_0, {32, 32});
    add_filled(w, "blk.0.ffn_up.weight", DType::Q8_0, {2, 2, 32});
    return w;
}

Value scalar(ValueType t, uint64_t u, int64_t i, double f) {
    Value v;
    v.type = t;
    v.u = u;
    v.i = i;
    v.f = f;
    return v;
}

// One of every value type, and arrays nested three deep.
Writer all_values() {
    Writer w;
    w.set_value("u8", scalar(ValueType::UINT8, 200, 0, 0));
    w.set_value("i8", scalar(ValueType::INT8, 0, -100, 0));
    w.set_value("u16", scalar(ValueType::UINT16, 60000, 0, 0));
    w.set_value("i16", scalar(ValueType::INT16, 0, -30000, 0));
    w.set_u32("u32", 4000000000u);
    w.set_i32("i32", -2000000000);
    w.set_u64("u64", 1ull << 60);
    w.set_value("i64", scalar(ValueType::INT64, 0, -(1ll << 60), 0));
    w.set_f32("f32", 0.5f);
    w.set_value("f64", scalar(ValueType::FLOAT64, 0, 0, 0.25));
    w.set_bool("bool", false);
    w.set_string("str", "text");
    Value leaf;
    leaf.type = ValueType::ARRAY;
    leaf.elem_type = ValueType::INT16;
    leaf.arr = {scalar(ValueType::INT16, 0, 1, 0), scalar(ValueType::INT16, 0, -1, 0)};
    Value mid;
    mid.type = ValueType::ARRAY;
    mid.elem_type = ValueType::ARRAY;
    mid.arr = {leaf, leaf};
    Value top = mid;
    top.arr = {mid};
    w.set_value("nested", top);
    return w;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[1];
    save(dir, "tiny_model.gguf", tiny_model().bytes());
    auto v2 = tiny_model().bytes();
    v2[4] = 2;  // the version field: v2 has the same layout as v3
    save(dir, "tiny_model_v2.gguf", v2);
    save(dir, "all_values.gguf", all_values().bytes());
    Writer aligned(64);
    aligned.set_string("general.architecture", "test");
    add_filled(aligned, "q4_k", DType::Q4_K, {1, 256});
    add_filled(aligned, "q6_k", DType::Q6_K, {1, 256});
    add_filled(aligned, "bf16", DType::BF16, {3});
    save(dir, "aligned_64.gguf", aligned.bytes());
    Writer empty;
    save(dir, "empty.gguf", empty.bytes());
    return 0;
}
