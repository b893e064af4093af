// tests/cuda/cuda_attention_test.cpp: the CUDA KV ops against the CPU scalar reference, for every KV type:
//  - kv_store writes the same bytes as ref::kv_store into scrambled paged blocks (two sequences in one step);
//  - attention over the same stored cache matches ref::attention: GQA groups 1..16, head dims 8..256, full and
//    sliding windows, softcap, odd block sizes, prompts and decodes, contexts long enough for split-K (up to 2000),
//    and a step holding two sequences with different block tables. Outputs are poisoned with NaN first.
#include <algorithm>

#include "backends/cpu/attention_common.h"
#include "backends/cpu/ref/kernels_ref.h"
#include "cuda/cuda_test_util.h"

namespace snug {
namespace {

using test::normal_values;

constexpr DType KV_TYPES[] = {DType::F32, DType::F16, DType::Q8_0, DType::Q4_0};

struct Case {
    int n_heads, n_kv_heads, head_dim, block_size, n_tokens, first_pos, window;
    float softcap;
    int end_pos() const { return first_pos + n_tokens; }
};

const Case CASES[] = {
    {1, 1, 64, 32, 1, 0, 0, 0.0f},        {4, 2, 64, 32, 7, 0, 0, 0.0f},       {8, 8, 128, 16, 2, 29, 0, 0.0f},
    {16, 2, 128, 32, 3, 30, 0, 0.0f},     {8, 1, 256, 32, 1, 254, 64, 0.0f},   {4, 4, 64, 32, 5, 250, 0, 30.0f},
    {48, 3, 64, 32, 3, 30, 0, 0.0f},      {6, 3, 64, 5, 17, 0, 10, 0.0f},      {14, 2, 96, 7, 9, 200, 0, 0.0f},
    {8, 2, 128, 32, 1, 1999, 0, 0.0f},    // a long decode: split-K
    {8, 4, 256, 32, 1, 1500, 512, 50.0f}, // long, windowed, softcapped: split-K over the window only
    {16, 8, 64, 32, 40, 600, 0, 0.0f},    // a prompt chunk late in a context
    {1, 1, 8, 4, 1, 0, 0, 0.0f},          {6, 3, 24, 5, 17, 0, 10, 0.0f},      {4, 4, 40, 3, 2, 61, 0, 30.0f},
};

bool holds(DType t, int head_dim) { return t == DType::F32 || t == DType::F16 || head_dim % 32 == 0; }

// Blocks of one layer on both devices, in a scrambled physical order (a wrong table lookup cannot pass).
struct TwinCache {
    std::vector<std::vector<uint8_t>> kmem, vmem;  // host blocks
    std::vector<std::unique_ptr<test::DeviceBytes>> kdev, vdev;
    std::vector<void*> kptr, vptr, kdptr, vdptr;
    std::vector<int32_t> table;
    KvLayer host, dev;

    TwinCache(DType t, int n_kv_heads, int head_dim, int block_size, int n_blocks) {
        const size_t bytes = row_bytes(t, int64_t(n_kv_heads) * head_dim) * static_cast<size_t>(block_size);
        kmem.assign(static_cast<size_t>(n_blocks), std::vector<uint8_t>(bytes, 0xCD));
        vmem.assign(static_cast<size_t>(n_blocks), std::vector<uint8_t>(bytes, 0xCD));
        for (int b = 0; b < n_blocks; ++b) {
            table.push_back((n_blocks + 2 - b) % n_blocks);
            kptr.push_back(kmem[static_cast<size_t>(b)].data());
            vptr.push_back(vmem[static_cast<size_t>(b)].data());
            kdev.push_back(std::make_unique<test::DeviceBytes>(kmem[static_cast<size_t>(b)].data(), bytes));
            vdev.push_back(std::make_unique<test::DeviceBytes>(vmem[static_cast<size_t>(b)].data(), bytes));
            kdptr.push_back(kdev.back()->p);
            vdptr.push_back(vdev.back()->p);
        }
        host = KvLayer{t, block_size, n_kv_heads, head_dim, kptr.data(), vptr.data()};
        dev = KvLayer{t, block_size, n_kv_heads, head_dim, kdptr.data(), vdptr.data()};
    }
    // Device blocks := host blocks (after the host cache was filled by the reference).
    void mirror() {
        for (size_t b = 0; b < kmem.size(); ++b) {
            cudaMemcpy(kdptr[b], kmem[b].data(), kmem[b].size(), cudaMemcpyHostToDevice);
            cudaMemcpy(vdptr[b], vmem[b].data(), vmem[b].size(), cudaMemcpyHostToDevice);
        }
    }
    SeqSlice seq(int begin, int end, int first_block = 0, int n = -1) const {
        return SeqSlice{begin, end, table.data() + first_block, n < 0 ? static_cast<int>(table.size()) : n};
    }
};

std::vector<int32_t> iota_positions(int n) {
    std::vector<int32_t> p(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) p[static_cast<size_t>(i)] = i;
    return p;
}

class CudaAttention : public test::CudaTest {};

TEST_F(CudaAttention, KvStoreWritesTheReferenceBytes) {
    std::mt19937 rng(11);
    for (DType t : KV_TYPES) {
        SCOPED_TRACE(std::string(dtype_name(t)));
        const int heads = 4, dim = 64, bs = 16, n_blocks = 8;
        TwinCache c(t, heads, dim, bs, n_blocks);
        // Two sequences in one step: tokens 0..19 are sequence A at positions 3..22 (table entries 0..3), tokens
        // 20..24 sequence B at positions 16..20 (entries 4..7: its second block).
        std::vector<int32_t> positions;
        for (int i = 0; i < 20; ++i) positions.push_back(3 + i);
        for (int i = 0; i < 5; ++i) positions.push_back(bs + i);
        const std::vector<SeqSlice> seqs = {c.seq(0, 20, 0, 4), c.seq(20, 25, 4, 4)};
        const int64_t n = 25;
        const auto ks = normal_values(static_cast<size_t>(n * heads * dim), rng);
        const auto vs = normal_values(static_cast<size_t>(n * heads * dim), rng);
        Tensor hk(DType::F32, {n, heads, dim}, const_cast<float*>(ks.data()));
        Tensor hv(DType::F32, {n, heads, dim}, const_cast<float*>(vs.data()));
        for (const auto& s : seqs) ref::kv_store(c.host, s, positions, hk, hv);
        gpu().kv_store(c.dev, seqs, positions, to_device(ks, {n, heads, dim}), to_device(vs, {n, heads, dim}));
        gpu().synchronize();
        for (size_t b = 0; b < c.kmem.size(); ++b) {
            ASSERT_EQ(c.kdev[b]->read(), c.kmem[b]) << "K block " << b;
            ASSERT_EQ(c.vdev[b]->read(), c.vmem[b]) << "V block " << b;
        }
    }
}

std::vector<float> ref_attention(const KvLayer& kv, const SeqSlice& seq, std::span<const int32_t> positions,
                                 const std::vector<float>& q, int n_rows, int n_heads, int head_dim,
                                 const AttnParams& p) {
    std::vector<float> out(static_cast<size_t>(n_rows) * n_heads * head_dim, NAN);
    std::vector<std::byte> scratch(attention_scratch_bytes(head_dim) + 64);
    void* aligned = scratch.data() + (64 - reinterpret_cast<uintptr_t>(scratch.data()) % 64) % 64;
    Tensor qt(DType::F32, {n_rows, n_heads, head_dim}, const_cast<float*>(q.data()));
    Tensor ot(DType::F32, {n_rows, n_heads * head_dim}, out.data());
    ref::attention(ot, qt, kv, seq, positions, p, 0, int64_t(seq.end - seq.begin) * n_heads, aligned);
    return out;
}

TEST_F(CudaAttention, MatchesTheReferenceForEveryKvType) {
    std::mt19937 rng(12);
    int checked = 0;
    for (DType t : KV_TYPES)
        for (const Case& c : CASES) {
            if (!holds(t, c.head_dim)) continue;
            SCOPED_TRACE(std::string(dtype_name(t)) + ": heads " + std::to_string(c.n_heads) + "/" +
                         std::to_string(c.n_kv_heads) + " dim " + std::to_string(c.head_dim) + " context " +
                         std::to_string(c.end_pos()));
            gpu().reset_scratch();
            const int n_blocks = (c.end_pos() + c.block_size - 1) / c.block_size;
            TwinCache cache(t, c.n_kv_heads, c.head_dim, c.block_size, n_blocks);
            const auto positions = iota_positions(c.end_pos());
            const int64_t row = int64_t(c.n_kv_heads) * c.head_dim;
            auto ks = normal_values(static_cast<size_t>(row * c.end_pos()), rng);
            auto vs = normal_values(static_cast<size_t>(row * c.end_pos()), rng);
            ref::kv_store(cache.host, cache.seq(0, c.end_pos()), positions,
                          Tensor(DType::F32, {c.end_pos(), row}, ks.data()), Tensor(DType::F32, {c.end_pos(), row}, vs.data()));
            cache.mirror();
            // Rows [first_pos, end_pos) of a batch of end_pos rows are the queries.
            const auto q = normal_values(static_cast<size_t>(c.end_pos()) * c.n_heads * c.head_dim, rng);
            const AttnParams p{1.0f / std::sqrt(static_cast<float>(c.head_dim)), c.window, c.softcap};
            const SeqSlice seq = cache.seq(c.first_pos, c.end_pos());
            const auto want = ref_attention(cache.host, seq, positions, q, c.end_pos(), c.n_heads, c.head_dim, p);
            Tensor out = poisoned({c.end_pos(), int64_t(c.n_heads) * c.head_dim});
            const std::vector<SeqSlice> seqs = {seq};
            gpu().attention(out, to_device(q, {c.end_pos(), c.n_heads, c.head_dim}), cache.dev, seqs, positions, p);
            const auto got = to_host(out);
            const size_t first = static_cast<size_t>(c.first_pos) * c.n_heads * c.head_dim;
            // q8_0/q4_0 keys: the same 8-bit query, but the GPU sums block products in float, the CPU in integers.
            const float rel = t == DType::Q8_0 || t == DType::Q4_0 ? 1e-3f : 1e-4f;
            for (size_t i = first; i < want.size(); ++i)
                ASSERT_NEAR(got[i], want[i], 1e-4f + rel * std::fabs(want[i])) << "element " << i;
            ++checked;
        }
    EXPECT_EQ(checked, 4 * 12 + 2 * 3);
}

TEST_F(CudaAttention, TwoSequencesInOneStep) {
    std::mt19937 rng(13);
    const int heads = 8, kv_heads = 2, dim = 128, bs = 32, n_blocks = 6;
    TwinCache cache(DType::F16, kv_heads, dim, bs, n_blocks);
    // Sequence A: 70 positions in table entries 0..2, its last 4 tokens in the step; B: 50 positions in entries
    // 3..5, its last token in the step. Step rows: A's 4 then B's 1.
    const int64_t row = int64_t(kv_heads) * dim;
    auto ka = normal_values(static_cast<size_t>(70 * row), rng), va = normal_values(ka.size(), rng);
    auto kb = normal_values(static_cast<size_t>(50 * row), rng), vb = normal_values(kb.size(), rng);
    const SeqSlice a_all = cache.seq(0, 70, 0, 3), b_all = cache.seq(0, 50, 3, 3);
    ref::kv_store(cache.host, a_all, iota_positions(70), Tensor(DType::F32, {70, row}, ka.data()),
                  Tensor(DType::F32, {70, row}, va.data()));
    ref::kv_store(cache.host, b_all, iota_positions(50), Tensor(DType::F32, {50, row}, kb.data()),
                  Tensor(DType::F32, {50, row}, vb.data()));
    cache.mirror();
    const std::vector<int32_t> positions = {66, 67, 68, 69, 49};
    const auto q = normal_values(static_cast<size_t>(5 * heads * dim), rng);
    const AttnParams p{0.088f, 0, 0.0f};
    const std::vector<SeqSlice> seqs = {cache.seq(0, 4, 0, 3), cache.seq(4, 5, 3, 3)};
    std::vector<float> want(q.size(), NAN);
    for (const auto& s : seqs) {
        const auto part = ref_attention(cache.host, s, positions, q, 5, heads, dim, p);
        for (size_t i = static_cast<size_t>(s.begin) * heads * dim; i < static_cast<size_t>(s.end) * heads * dim; ++i)
            want[i] = part[i];
    }
    Tensor out = poisoned({5, heads * dim});
    gpu().attention(out, to_device(q, {5, heads, dim}), cache.dev, seqs, positions, p);
    const auto got = to_host(out);
    for (size_t i = 0; i < want.size(); ++i) ASSERT_NEAR(got[i], want[i], 1e-4f + 1e-4f * std::fabs(want[i])) << i;
}

}  // namespace
}  // namespace snug
