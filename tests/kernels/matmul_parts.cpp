// tests/kernels/matmul_parts.cpp: the pieces of each SIMD matmul table against their scalar twins, byte for byte:
// activation quantizers (ActQ8x32, ActQ8K, bf16) and weight prepares (PrepQ32, PrepK) for every quantized type.
#include <gtest/gtest.h>

#include "backends/cpu/ref/vec_dot_ref.h"
#include "matmul_test_util.h"

namespace snug {
namespace {

using test::AlignedBuffer;

class MatmulParts : public ::testing::TestWithParam<MatmulVariant> {
protected:
    void SetUp() override {
        table = matmul_table(GetParam());
        if (table == nullptr)
            GTEST_SKIP() << "this CPU cannot run the " << matmul_variant_name(GetParam()) << " kernels";
    }
    const mm::MatmulIsaTable* table = nullptr;
};

std::vector<float> test_activations(int64_t k, std::mt19937& rng) {
    auto x = test::gaussian(static_cast<size_t>(k), rng);
    std::fill(x.begin(), x.begin() + 32, 0.0f);  // an all-zero block: d = 0
    x[static_cast<size_t>(k - 1)] = -1000.0f;  // an outlier
    for (int64_t i = 64; i < std::min<int64_t>(k, 96); ++i)
        x[static_cast<size_t>(i)] = 0.5f * static_cast<float>(i % 3);  // ties
    return x;
}

TEST_P(MatmulParts, ActivationQuantizersMatchTwin) {
    std::mt19937 rng(7);
    for (int64_t k : {256, 288, 512, 2304}) {
        const auto x = test_activations(k, rng);
        {
            const auto& kt = table->types[static_cast<int>(DType::Q4_0)];
            ASSERT_EQ(kt.act, mm::ActFormat::Q8X32);
            const size_t bytes = mm::act_row_bytes(mm::ActFormat::Q8X32, k);
            AlignedBuffer simd(bytes, 0x5a), twin(bytes, 0xa5);
            kt.quantize_act(x.data(), simd.data(), k);
            ref::quantize_act_q8x32(x.data(), twin.data(), k);
            EXPECT_EQ(std::memcmp(simd.data(), twin.data(), bytes), 0) << "q8x32 k=" << k;
        }
        if (k % 256 == 0) {
            const auto& kt = table->types[static_cast<int>(DType::Q4_K)];
            ASSERT_EQ(kt.act, mm::ActFormat::Q8K);
            const size_t bytes = mm::act_row_bytes(mm::ActFormat::Q8K, k);
            AlignedBuffer simd(bytes, 0x5a), twin(bytes, 0xa5);
            kt.quantize_act(x.data(), simd.data(), k);
            ref::quantize_act_q8k(x.data(), twin.data(), k);
            for (int64_t g = 0; g < k / 256; ++g) {
                const auto* a = reinterpret_cast<const mm::ActQ8K*>(simd.data()) + g;
                const auto* b = reinterpret_cast<const mm::ActQ8K*>(twin.data()) + g;
                EXPECT_EQ(std::memcmp(a->qs, b->qs, sizeof(a->qs)), 0) << "q8k qs k=" << k << " group " << g;
                EXPECT_EQ(std::memcmp(a->bsums, b->bsums, sizeof(a->bsums)), 0)
                    << "q8k bsums k=" << k << " group " << g;
                EXPECT_EQ(a->d, b->d) << "q8k d k=" << k << " group " << g;
            }
        }
        const auto& bf = table->types[static_cast<int>(DType::BF16)];
        if (bf.act == mm::ActFormat::BF16) {
            const size_t bytes = mm::act_row_bytes(mm::ActFormat::BF16, k);
            AlignedBuffer simd(bytes, 0x5a), twin(bytes, 0xa5);
            bf.quantize_act(x.data(), simd.data(), k);
            ref::quantize_act_bf16(x.data(), twin.data(), k);
            EXPECT_EQ(std::memcmp(simd.data(), twin.data(), bytes), 0) << "bf16 k=" << k;
        }
    }
}

TEST_P(MatmulParts, PreparesMatchTwin) {
    // VNNI tables prepare Q8_0 / IQ4_NL as value + 128 (see matmul_formats.h).
    const bool offset = GetParam() == MatmulVariant::AVX512_VNNI;
    for (DType t : test::matmul_weight_types()) {
        const auto& kt = table->types[static_cast<int>(t)];
        if (kt.prepare == nullptr) continue;
        for (int64_t k : test::test_ks(t)) {
            std::mt19937 rng(static_cast<uint32_t>(k + static_cast<int>(t)));
            for (bool from_floats : {false, true}) {
                const int64_t m = 3;
                const AlignedBuffer w = test::random_weights(t, m, k, rng, from_floats);
                const size_t bytes = kt.prep_group_bytes * static_cast<size_t>(mm::n_groups(k));
                for (int64_t r = 0; r < m; ++r) {
                    const uint8_t* row = w.data() + static_cast<size_t>(r) * row_bytes(t, k);
                    AlignedBuffer simd(bytes, 0x5a), twin(bytes, 0xa5);
                    kt.prepare(row, simd.data(), k);
                    ref::prepare_row(t, row, twin.data(), k, offset && (t == DType::Q8_0 || t == DType::IQ4_NL));
                    const std::string where =
                        test::type_name(t) + " k=" + std::to_string(k) + " row " + std::to_string(r);
                    if (!ref::is_k_family(t)) {
                        EXPECT_EQ(std::memcmp(simd.data(), twin.data(), bytes), 0) << where;
                        continue;
                    }
                    for (int64_t g = 0; g < k / 256; ++g) {
                        const auto* a = reinterpret_cast<const mm::PrepK*>(simd.data()) + g;
                        const auto* b = reinterpret_cast<const mm::PrepK*>(twin.data()) + g;
                        EXPECT_EQ(std::memcmp(a->q, b->q, sizeof(a->q)), 0) << where << " q, group " << g;
                        EXPECT_EQ(std::memcmp(a->sc, b->sc, sizeof(a->sc)), 0) << where << " sc, group " << g;
                        EXPECT_EQ(std::memcmp(a->mn, b->mn, sizeof(a->mn)), 0) << where << " mn, group " << g;
                        EXPECT_EQ(a->d, b->d) << where;
                        EXPECT_EQ(a->dmin, b->dmin) << where;
                    }
                }
            }
        }
    }
}

std::string variant_name(const ::testing::TestParamInfo<MatmulVariant>& info) {
    return matmul_variant_name(info.param);
}

INSTANTIATE_TEST_SUITE_P(AllTables, MatmulParts, ::testing::ValuesIn(test::matmul_simd_variants()), variant_name);

}  // namespace
}  // namespace snug
