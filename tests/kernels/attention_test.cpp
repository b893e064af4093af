// tests/kernels/attention_test.cpp: paged attention and KV storage for every KV type (f32, f16, q8_0, q4_0).
//  - Every table's kernel against the scalar twin on the same stored cache: GQA groups 1..20, head dims 8..256,
//    1, 2 and 8 KV heads, full and sliding windows, softcap, odd block sizes, context lengths 1..257 spanning many
//    blocks, and work ranges that start and end inside a KV group. Outputs are poisoned with NaN first.
//  - The scalar twin on a quantized cache against f32 attention on the same keys and values, within a tolerance
//    computed from the type's quantization step.
//  - kv_store: each position's row lands in its block and slot in the type's encoding, also when split by token.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/dispatch.h"
#include "backends/cpu/ref/kernels_ref.h"
#include "quant/quant.h"

namespace snug {
namespace {

constexpr DType KV_TYPES[] = {DType::F32, DType::F16, DType::Q8_0, DType::Q4_0};

struct Case {
    int n_heads, n_kv_heads, head_dim, block_size, n_tokens, first_pos, window;
    float softcap;
    int end_pos() const { return first_pos + n_tokens; }  // the context length the last token sees
};

// Head sizes of 64, 128 and 256 (every type) and 8, 24, 40 (f32/f16 only: q8_0/q4_0 need whole 32-value blocks).
const Case CASES[] = {
    {1, 1, 64, 32, 1, 0, 0, 0.0f},       // context of 1
    {4, 2, 64, 32, 7, 0, 0, 0.0f},       // a 7-token prompt, groups of 2
    {8, 8, 128, 16, 2, 29, 0, 0.0f},     // 31 positions, no GQA, 8 KV heads
    {16, 2, 128, 32, 3, 30, 0, 0.0f},    // 33: one position into the second block; groups of 8
    {8, 1, 256, 32, 1, 254, 64, 0.0f},   // 255 positions, a sliding window of 64
    {32, 8, 128, 32, 2, 255, 0, 0.0f},   // 257: nine blocks
    {4, 4, 64, 32, 5, 250, 0, 30.0f},    // softcap
    {48, 3, 64, 32, 3, 30, 0, 0.0f},     // groups of 16, the kernels' largest run
    {20, 1, 64, 32, 1, 256, 100, 0.0f},  // a group of 20 split into runs; window 100 over 257 positions
    {6, 3, 64, 5, 17, 0, 10, 0.0f},      // blocks of 5 positions, window 10
    {14, 2, 96, 7, 9, 200, 0, 0.0f},     // odd block count per head (3 of 32), blocks of 7
    {1, 1, 8, 4, 1, 0, 0, 0.0f},         // f32/f16 only from here
    {6, 3, 24, 5, 17, 0, 10, 0.0f},
    {4, 4, 40, 3, 2, 61, 0, 30.0f},
};

bool holds(DType t, int head_dim) { return t == DType::F32 || t == DType::F16 || head_dim % 32 == 0; }

// A cache for one case: physical blocks in scrambled order (a wrong table lookup cannot pass), filled with the
// rows k_rows / v_rows [end_pos, n_kv_heads * head_dim] through ref::kv_store.
struct PagedCache {
    std::vector<std::vector<uint8_t>> kmem, vmem;  // [n_blocks][block bytes]
    std::vector<void*> kptr, vptr;
    std::vector<int32_t> table;
    KvLayer kv;

    PagedCache(const Case& c, DType t, const std::vector<float>& k_rows, const std::vector<float>& v_rows) {
        const int n_blocks = (c.end_pos() + c.block_size - 1) / c.block_size;
        const size_t row = static_cast<size_t>(c.n_kv_heads) * c.head_dim;
        const size_t bytes = row_bytes(t, static_cast<int64_t>(row)) * c.block_size;
        kmem.assign(n_blocks, std::vector<uint8_t>(bytes, 0xCD));
        vmem.assign(n_blocks, std::vector<uint8_t>(bytes, 0xCD));
        for (int b = 0; b < n_blocks; ++b) {
            table.push_back((n_blocks + 2 - b) % n_blocks);  // reversed and rotated: a permutation
            kptr.push_back(kmem[b].data());
            vptr.push_back(vmem[b].data());
        }
        kv = KvLayer{t, c.block_size, c.n_kv_heads, c.head_dim, kptr.data(), vptr.data()};
        std::vector<int32_t> positions(static_cast<size_t>(c.end_pos()));
        for (int i = 0; i < c.end_pos(); ++i) positions[i] = i;
        const int64_t n = c.end_pos();
        Tensor k(DType::F32, {n, c.n_kv_heads, c.head_dim}, const_cast<float*>(k_rows.data()));
        Tensor v(DType::F32, {n, c.n_kv_heads, c.head_dim}, const_cast<float*>(v_rows.data()));
        ref::kv_store(kv, SeqSlice{0, c.end_pos(), table.data(), n_blocks}, positions, k, v);
    }
    SeqSlice seq(int begin, int end) const {
        return SeqSlice{begin, end, table.data(), static_cast<int>(table.size())};
    }
};

std::vector<float> normal_values(size_t n, std::mt19937& rng) {
    std::normal_distribution<float> nd(0.0f, 1.0f);
    std::vector<float> v(n);
    for (auto& x : v) x = nd(rng);
    return v;
}

// The last n_tokens positions of the case attend; q: [n_tokens, n_heads, head_dim]. Work split into three uneven
// ranges, as threads would take them.
std::vector<float> run_attention(const CpuKernels& k, const Case& c, const PagedCache& cache,
                                 const std::vector<float>& qmem) {
    std::vector<int32_t> positions(static_cast<size_t>(c.end_pos()));
    for (int i = 0; i < c.end_pos(); ++i) positions[i] = i;
    // Rows [first_pos, end_pos) of the batch are the queries: a slice over the whole position list.
    std::vector<float> qfull(static_cast<size_t>(c.end_pos()) * c.n_heads * c.head_dim, 0.0f);
    std::copy(qmem.begin(), qmem.end(), qfull.begin() + static_cast<int64_t>(c.first_pos) * c.n_heads * c.head_dim);
    Tensor q(DType::F32, {c.end_pos(), c.n_heads, c.head_dim}, qfull.data());
    std::vector<float> out(qfull.size(), NAN);
    Tensor o(DType::F32, {c.end_pos(), c.n_heads * c.head_dim}, out.data());
    const SeqSlice seq = cache.seq(c.first_pos, c.end_pos());
    const AttnParams p{1.0f / std::sqrt(static_cast<float>(c.head_dim)), c.window, c.softcap};
    std::vector<std::byte> scratch(attention_scratch_bytes(c.head_dim) + 64);
    void* aligned = scratch.data() + (64 - reinterpret_cast<uintptr_t>(scratch.data()) % 64) % 64;
    const int64_t items = static_cast<int64_t>(c.n_tokens) * c.n_heads;
    const int64_t cut1 = std::min(items, items / 3 + 1), cut2 = std::min<int64_t>(items, 2 * items / 3 + 1);
    k.attention(o, q, cache.kv, seq, positions, p, 0, cut1, aligned);
    if (cut1 < cut2) k.attention(o, q, cache.kv, seq, positions, p, cut1, cut2, aligned);
    if (cut2 < items) k.attention(o, q, cache.kv, seq, positions, p, cut2, items, aligned);
    return {out.begin() + static_cast<int64_t>(c.first_pos) * c.n_heads * c.head_dim, out.end()};
}

class AttentionKernels : public ::testing::TestWithParam<CpuIsa> {};

TEST_P(AttentionKernels, MatchTheScalarTwinForEveryKvType) {
    const CpuKernels* k = cpu_kernels_for(GetParam());
    if (!k) GTEST_SKIP() << "this CPU cannot run the " << cpu_isa_name(GetParam()) << " kernels";
    const CpuKernels& scalar = *cpu_kernels_for(CpuIsa::SCALAR);
    std::mt19937 rng(7);
    int checked = 0;
    for (DType t : KV_TYPES)
        for (const Case& c : CASES) {
            if (!holds(t, c.head_dim)) continue;
            SCOPED_TRACE(std::string(dtype_name(t)) + ": heads " + std::to_string(c.n_heads) + "/" +
                         std::to_string(c.n_kv_heads) + " dim " + std::to_string(c.head_dim) + " context " +
                         std::to_string(c.end_pos()));
            const size_t row = static_cast<size_t>(c.n_kv_heads) * c.head_dim;
            const PagedCache cache(c, t, normal_values(row * c.end_pos(), rng), normal_values(row * c.end_pos(), rng));
            const std::vector<float> q = normal_values(static_cast<size_t>(c.n_tokens) * c.n_heads * c.head_dim, rng);
            const std::vector<float> want = run_attention(scalar, c, cache, q);
            const std::vector<float> got = run_attention(*k, c, cache, q);
            for (size_t i = 0; i < want.size(); ++i)
                ASSERT_NEAR(got[i], want[i], 1e-4f + 1e-4f * std::fabs(want[i])) << "element " << i;
            ++checked;
        }
    EXPECT_EQ(checked, 4 * 11 + 2 * 3);
}

INSTANTIATE_TEST_SUITE_P(Tables, AttentionKernels, ::testing::Values(CpuIsa::SCALAR, CpuIsa::AVX2, CpuIsa::AVX512),
                         [](const auto& info) { return std::string(cpu_isa_name(info.param)); });

// Half the distance between neighbouring codes, relative to the largest magnitude they represent: f16 keeps 11
// significant bits; q8_0 and q4_0 cut a block's [-amax, amax] into steps of amax / 127 and amax / 8.
float half_step(DType t) {
    switch (t) {
    case DType::F16: return 0.5f / 1024.0f;
    case DType::Q8_0: return 0.5f / 127.0f;
    case DType::Q4_0: return 0.5f / 8.0f;
    default: return 0.0f;
    }
}
// q8_0/q4_0 keys meet the query rounded to 8 bits (quantize_query_q8); f16 keys meet it in f32.
float query_half_step(DType t) { return t == DType::Q8_0 || t == DType::Q4_0 ? half_step(DType::Q8_0) : 0.0f; }

float max_abs(const std::vector<float>& x) {
    float m = 0.0f;
    for (float v : x) m = std::max(m, std::fabs(v));
    return m;
}

// x after a round trip through type t, row by row (ggml's reference quantizer and dequantizer).
std::vector<float> round_trip(DType t, const std::vector<float>& x, size_t row) {
    std::vector<float> y(x.size());
    std::vector<uint8_t> enc(row_bytes(t, static_cast<int64_t>(row)));
    for (size_t r = 0; r < x.size() / row; ++r) {
        quant::quantize_row_ref(t, x.data() + r * row, enc.data(), static_cast<int64_t>(row));
        quant::dequantize_row_ref(t, enc.data(), y.data() + r * row, static_cast<int64_t>(row));
    }
    return y;
}

struct ErrorStats {
    float max = 0.0f, mean = 0.0f;
};
ErrorStats errors(const std::vector<float>& got, const std::vector<float>& want) {
    ErrorStats e;
    double sum = 0;
    for (size_t i = 0; i < want.size(); ++i) {
        e.max = std::max(e.max, std::fabs(got[i] - want[i]));
        sum += std::fabs(got[i] - want[i]);
    }
    e.mean = static_cast<float>(sum / static_cast<double>(want.size()));
    return e;
}

// The scalar twin on a quantized cache against f32 attention, keys, values and queries N(0, 1), scale 1/sqrt(dim).
// Errors are measured in units of (the type's half step + the query's) * max|v|: a value is off by at most
// half_step * max|v| and so is any weighted mean of values; a score moves by about the keys' and query's half steps
// (|q| * scale ~ 1), which moves an output by a similar multiple of max|v|.
//  - Against f32 attention on the same keys and values: measured max error 0.57 units (f16), 1.28 (q8_0), 0.92
//    (q4_0), mean 0.14, 0.21, 0.43 units; asserted: max 3, mean 1.
//  - Against f32 attention on the cache's own values (keys and values after a round trip through the type), which
//    leaves only the kernel's arithmetic: f16 is then exact to float rounding; q8_0/q4_0 measured max 1.23 and mean
//    0.095 half steps of the 8-bit query times max|v|; asserted: max 3, mean 0.3. A wrong block, nibble or scale would
//    err by about the output itself, several times these.
TEST(AttentionAccuracy, QuantizedCacheStaysWithinItsStepOfF32) {
    std::mt19937 rng(11);
    const CpuKernels& scalar = *cpu_kernels_for(CpuIsa::SCALAR);
    for (DType t : {DType::F16, DType::Q8_0, DType::Q4_0})
        for (const Case& c : CASES) {
            if (!holds(t, c.head_dim)) continue;
            SCOPED_TRACE(std::string(dtype_name(t)) + ": heads " + std::to_string(c.n_heads) + "/" +
                         std::to_string(c.n_kv_heads) + " dim " + std::to_string(c.head_dim) + " context " +
                         std::to_string(c.end_pos()));
            const size_t row = static_cast<size_t>(c.n_kv_heads) * c.head_dim;
            const std::vector<float> kr = normal_values(row * c.end_pos(), rng);
            const std::vector<float> vr = normal_values(row * c.end_pos(), rng);
            const std::vector<float> q = normal_values(static_cast<size_t>(c.n_tokens) * c.n_heads * c.head_dim, rng);
            const std::vector<float> got = run_attention(scalar, c, PagedCache(c, t, kr, vr), q);
            const float vmax = max_abs(vr);

            const float unit = (half_step(t) + query_half_step(t)) * vmax;
            const ErrorStats all = errors(got, run_attention(scalar, c, PagedCache(c, DType::F32, kr, vr), q));
            EXPECT_LE(all.max, 3.0f * unit);
            EXPECT_LE(all.mean, 1.0f * unit);

            const PagedCache stored(c, DType::F32, round_trip(t, kr, row), round_trip(t, vr, row));
            const ErrorStats arith = errors(got, run_attention(scalar, c, stored, q));
            const float q_unit = std::max(query_half_step(t) * vmax, 1e-5f);  // f16: float rounding only
            EXPECT_LE(arith.max, 3.0f * q_unit);
            EXPECT_LE(arith.mean, 0.3f * q_unit);
        }
}

// Each token's row lands at its position's block and slot, head by head, in the type's encoding: reading the slots
// back with the reference dequantizer gives quantize_row_ref's round trip of the row. The backend's token split
// (a step long enough to use the pool) writes the same bytes as one call.
TEST(KvStore, WritesEachRowAtItsSlotInTheCacheType) {
    std::mt19937 rng(3);
    for (DType t : KV_TYPES) {
        const Case c{4, 2, 64, 16, 150, 0, 0, 0.0f};
        const size_t row = static_cast<size_t>(c.n_kv_heads) * c.head_dim;
        const std::vector<float> kr = normal_values(row * c.end_pos(), rng), vr = normal_values(row * c.end_pos(), rng);
        const PagedCache one(c, t, kr, vr);
        PagedCache split(c, t, std::vector<float>(kr.size()), std::vector<float>(vr.size()));
        std::vector<int32_t> positions(static_cast<size_t>(c.end_pos()));
        for (int i = 0; i < c.end_pos(); ++i) positions[i] = i;
        Tensor k(DType::F32, {c.end_pos(), c.n_kv_heads, c.head_dim}, const_cast<float*>(kr.data()));
        Tensor v(DType::F32, {c.end_pos(), c.n_kv_heads, c.head_dim}, const_cast<float*>(vr.data()));
        CpuBackend backend(2);
        const SeqSlice whole = split.seq(0, c.end_pos());
        backend.kv_store(split.kv, std::span<const SeqSlice>(&whole, 1), positions, k, v);
        EXPECT_EQ(one.kmem, split.kmem) << dtype_name(t);
        EXPECT_EQ(one.vmem, split.vmem) << dtype_name(t);

        const size_t pos_bytes = row_bytes(t, static_cast<int64_t>(row));
        std::vector<uint8_t> encoded(pos_bytes);
        std::vector<float> back(row), want(row);
        for (int p = 0; p < c.end_pos(); p += 13) {
            const uint8_t* slot = one.kmem[one.table[p / c.block_size]].data() + (p % c.block_size) * pos_bytes;
            quant::quantize_row_ref(t, kr.data() + p * row, encoded.data(), static_cast<int64_t>(row));
            quant::dequantize_row_ref(t, encoded.data(), want.data(), static_cast<int64_t>(row));
            // Head by head, at row_bytes(t, g * head_dim) into the slot, as the kernels read them.
            for (int g = 0; g < c.n_kv_heads; ++g)
                quant::dequantize_row_ref(t, slot + row_bytes(t, g * c.head_dim), back.data() + g * c.head_dim,
                                          c.head_dim);
            ASSERT_EQ(back, want) << dtype_name(t) << " position " << p;
        }
    }
}

}  // namespace
}  // namespace snug
