// tests/kernels/attention_test.cpp: every table's attention kernel against the scalar reference over paged KV
// blocks: GQA groups of 1..8, head dims 8..256, full and sliding windows, softcap, odd block sizes and positions,
// and work ranges that start and end inside a KV group. Outputs are poisoned with NaN first.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "backends/cpu/dispatch.h"
#include "backends/cpu/ref/kernels_ref.h"

namespace snug {
namespace {

struct Case {
    int n_heads, n_kv_heads, head_dim, block_size, n_tokens, first_pos, window;
    float softcap;
};

class AttentionKernels : public ::testing::TestWithParam<CpuIsa> {};

TEST_P(AttentionKernels, MatchReferenceOnPagedBlocks) {
    const CpuKernels* k = cpu_kernels_for(GetParam());
    if (!k) GTEST_SKIP() << "this CPU cannot run the " << cpu_isa_name(GetParam()) << " kernels";
    const Case cases[] = {
        {1, 1, 8, 4, 1, 0, 0, 0.0f},       {4, 2, 64, 32, 7, 0, 0, 0.0f},    {14, 2, 64, 16, 5, 90, 0, 0.0f},
        {8, 1, 256, 32, 3, 200, 64, 0.0f}, {32, 8, 128, 7, 9, 33, 0, 0.0f},  {6, 3, 24, 5, 17, 0, 10, 0.0f},
        {4, 4, 40, 3, 2, 61, 0, 30.0f},    {48, 3, 16, 32, 3, 10, 0, 0.0f},
    };
    std::mt19937 rng(7);
    std::normal_distribution<float> nd(0.0f, 1.0f);
    for (const Case& c : cases) {
        const int end_pos = c.first_pos + c.n_tokens;
        const int n_blocks = (end_pos + c.block_size - 1) / c.block_size;
        const size_t row = static_cast<size_t>(c.n_kv_heads) * c.head_dim;
        // Physical blocks in scrambled order, so a wrong block-table lookup cannot pass.
        std::vector<std::vector<float>> kmem(n_blocks), vmem(n_blocks);
        std::vector<void*> kptr(n_blocks), vptr(n_blocks);
        std::vector<int32_t> table(n_blocks);
        for (int b = 0; b < n_blocks; ++b) {
            const int phys = (b * 5 + 3) % n_blocks;
            table[b] = phys;
        }
        for (int b = 0; b < n_blocks; ++b) {
            kmem[b].resize(row * c.block_size);
            vmem[b].resize(row * c.block_size);
            for (auto& x : kmem[b]) x = nd(rng);
            for (auto& x : vmem[b]) x = nd(rng);
            kptr[b] = kmem[b].data();
            vptr[b] = vmem[b].data();
        }
        KvLayer kv{DType::F32, c.block_size, c.n_kv_heads, c.head_dim, kptr.data(), vptr.data()};
        std::vector<int32_t> positions(c.n_tokens);
        for (int t = 0; t < c.n_tokens; ++t) positions[t] = c.first_pos + t;
        std::vector<float> qmem(static_cast<size_t>(c.n_tokens) * c.n_heads * c.head_dim);
        for (auto& x : qmem) x = nd(rng);
        Tensor q(DType::F32, {c.n_tokens, c.n_heads, c.head_dim}, qmem.data());
        SeqSlice seq{0, c.n_tokens, table.data(), n_blocks};
        AttnParams p{1.0f / std::sqrt(static_cast<float>(c.head_dim)), c.window, c.softcap};

        std::vector<float> want(qmem.size(), NAN), got(qmem.size(), NAN);
        std::vector<float> acc(static_cast<size_t>(ATTENTION_ACC_HEADS) * c.head_dim);
        const int64_t items = static_cast<int64_t>(c.n_tokens) * c.n_heads;
        ref::attention(Tensor(DType::F32, {c.n_tokens, c.n_heads * c.head_dim}, want.data()), q, kv, seq, positions,
                       p, 0, items, acc.data());
        // Three uneven work ranges, as threads would take them.
        const int64_t cut1 = items / 3 + 1, cut2 = std::min<int64_t>(items, 2 * items / 3 + 1);
        Tensor out(DType::F32, {c.n_tokens, c.n_heads * c.head_dim}, got.data());
        k->attention(out, q, kv, seq, positions, p, 0, std::min(cut1, items), acc.data());
        if (cut1 < items) k->attention(out, q, kv, seq, positions, p, cut1, cut2, acc.data());
        if (cut2 < items) k->attention(out, q, kv, seq, positions, p, cut2, items, acc.data());
        for (size_t i = 0; i < want.size(); ++i)
            ASSERT_NEAR(got[i], want[i], 1e-4f + 1e-4f * std::fabs(want[i]))
                << "heads " << c.n_heads << "/" << c.n_kv_heads << " dim " << c.head_dim << " element " << i;
    }
}

INSTANTIATE_TEST_SUITE_P(Tables, AttentionKernels, ::testing::Values(CpuIsa::SCALAR, CpuIsa::AVX2, CpuIsa::AVX512),
                         [](const auto& info) { return std::string(cpu_isa_name(info.param)); });

}  // namespace
}  // namespace snug
