// tests/kernels/matmul_dispatch.cpp: the CPUID dispatch hands out the matmul entries this CPU can run, and the
// backend's matmul (scratch from its arena) through them agrees with the reference twin table.
#include <gtest/gtest.h>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/dispatch.h"
#include "matmul_test_util.h"

namespace snug {
namespace {

TEST(MatmulDispatch, TablesFollowCpuFeatures) {
    const CpuFeatures f = detect_cpu_features();
    const bool avx2 = f.avx2 && f.fma && f.f16c;
    const bool avx512 = avx2 && f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq;
    EXPECT_EQ(cpu_kernels_for(CpuIsa::AVX2) != nullptr, avx2);
    EXPECT_EQ(cpu_kernels_for(CpuIsa::AVX512) != nullptr, avx512);
    EXPECT_EQ(matmul_table(MatmulVariant::AVX512_VNNI) != nullptr, avx512 && f.avx512vnni);
    ASSERT_NE(cpu_kernels_for(CpuIsa::SCALAR), nullptr);
    const CpuIsa best = best_cpu_kernels().isa;
    if (std::getenv("SNUG_CPU_ISA") == nullptr) {
        EXPECT_EQ(best, avx512 ? CpuIsa::AVX512 : avx2 ? CpuIsa::AVX2 : CpuIsa::SCALAR);
    }
}

TEST(MatmulDispatch, BackendMatmulMatchesTwin) {
    for (CpuIsa isa : {CpuIsa::AVX2, CpuIsa::AVX512}) {
        const CpuKernels* kernels = cpu_kernels_for(isa);
        if (kernels == nullptr) {
            std::printf("skipping %s: not supported by this CPU\n", cpu_isa_name(isa));
            continue;
        }
        CpuBackend backend(2, kernels);
        ThreadPool& pool = test::test_pool(1);
        for (DType t : {DType::Q4_K, DType::Q8_0, DType::F16}) {
            for (int64_t n : {1, 5}) {
                const int64_t m = 70, k = 512;
                std::mt19937 rng(static_cast<uint32_t>(n + static_cast<int>(t)));
                const test::AlignedBuffer w = test::random_weights(t, m, k, rng, true);
                const auto xv = test::gaussian(static_cast<size_t>(n * k), rng);
                Tensor wt(t, {m, k}, w.data());
                Tensor x = backend.alloc({n, k});
                Tensor y = backend.alloc({n, m});
                std::copy(xv.begin(), xv.end(), x.f32());
                backend.matmul(y, x, wt);

                std::vector<float> y_twin(static_cast<size_t>(n * m));
                Tensor yt(DType::F32, {n, m}, y_twin.data());
                const auto& twin = *matmul_table(MatmulVariant::REF);
                test::AlignedBuffer scratch(matmul_table_scratch_bytes(twin, x, wt, pool.size()));
                matmul_with_table(twin, pool, yt, x, wt, scratch.data());
                for (int64_t i = 0; i < n * m; ++i)
                    ASSERT_NEAR(y.f32()[i], y_twin[static_cast<size_t>(i)],
                                1e-4 * (1 + std::fabs(y_twin[static_cast<size_t>(i)])))
                        << cpu_isa_name(isa) << " " << test::type_name(t) << " n=" << n << " i=" << i;
                backend.reset_scratch();
            }
        }
    }
}

}  // namespace
}  // namespace snug
