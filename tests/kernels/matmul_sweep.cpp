// tests/kernels/matmul_sweep.cpp: every weight type x every matmul kernel table this CPU can run x odd shapes x
// 1-3 threads, against (a) the scalar twin of the same quantized-activation math (ref table through the same
// driver), tight tolerance, and (b) matmul_scalar (dequantize + float dot), within the activation quantization
// error. Tables the CPU lacks are reported as skipped.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>

#include "base/thread_pool.h"
#include "matmul_test_util.h"

namespace snug {
namespace {

using test::AlignedBuffer;

struct Result {
    double max_abs_err = 0, rms_ref = 0, nmse = 0;
    int64_t non_finite = 0;
};

Result compare(const std::vector<float>& y, const std::vector<float>& ref) {
    Result r;
    double err2 = 0, ref2 = 0;
    for (size_t i = 0; i < y.size(); ++i) {
        if (!std::isfinite(y[i])) {
            ++r.non_finite;
            continue;
        }
        const double e = static_cast<double>(y[i]) - ref[i];
        err2 += e * e;
        ref2 += static_cast<double>(ref[i]) * ref[i];
        r.max_abs_err = std::max(r.max_abs_err, std::fabs(e));
    }
    r.rms_ref = std::sqrt(ref2 / static_cast<double>(y.size()));
    r.nmse = ref2 > 0 ? err2 / ref2 : err2;
    return r;
}

// Aggregate bound on NMSE against dequantize + float dot, from how activations are rounded (checked on outputs
// of at least 256 values, where the statistic is stable).
double nmse_bound(mm::ActFormat f) {
    switch (f) {
        case mm::ActFormat::F32: return 1e-9;
        case mm::ActFormat::BF16: return 1e-4;
        default: return 5e-3;  // 8-bit activations: ~3e-4 (Gaussian weights) to ~1e-3 (random bytes, with offsets)
    }
}

// Squared norm of the rounding error of activation row x in format f: each element moves at most half a step.
double act_error_norm2(mm::ActFormat f, const float* x, int64_t k) {
    double e2 = 0;
    const int64_t block = f == mm::ActFormat::Q8K ? 256 : 32;
    switch (f) {
        case mm::ActFormat::F32: return 0;
        case mm::ActFormat::BF16:
            for (int64_t i = 0; i < k; ++i) e2 += std::pow(std::fabs(x[i]) / 256.0, 2);  // |dx| <= 2^-9 |x|
            return e2;
        default:
            for (int64_t b = 0; b < k / block; ++b) {
                float amax = 0;
                for (int64_t i = 0; i < block; ++i) amax = std::max(amax, std::fabs(x[b * block + i]));
                e2 += static_cast<double>(block) * std::pow(amax / 127.0 / 2.0, 2);
            }
            return e2;
    }
}

// Per output: |y - y_scalar| <= ||w_r|| * ||dx_t|| (Cauchy-Schwarz) + float rounding slack on sum |w x|.
// Returns the number of outputs beyond it.
int64_t beyond_rigorous_bound(DType t, const AlignedBuffer& w, int64_t m, int64_t k, const std::vector<float>& x,
                              int64_t n, mm::ActFormat f, const std::vector<float>& y, std::string& first) {
    std::vector<float> wd(static_cast<size_t>(m * k));
    for (int64_t r = 0; r < m; ++r)
        quant::dequantize_row_ref(t, w.data() + static_cast<size_t>(r) * row_bytes(t, k), wd.data() + r * k, k);
    int64_t bad = 0;
    for (int64_t tok = 0; tok < n; ++tok) {
        const float* xt = x.data() + tok * k;
        const double dx = std::sqrt(act_error_norm2(f, xt, k));
        for (int64_t r = 0; r < m; ++r) {
            const float* wr = wd.data() + r * k;
            double dot = 0, abs_sum = 0, w2 = 0;
            for (int64_t i = 0; i < k; ++i) {
                dot += static_cast<double>(wr[i]) * xt[i];
                abs_sum += std::fabs(static_cast<double>(wr[i]) * xt[i]);
                w2 += static_cast<double>(wr[i]) * wr[i];
            }
            const double tol = std::sqrt(w2) * dx * 1.001 + 1e-5 * abs_sum + 1e-30;
            const double err = std::fabs(y[static_cast<size_t>(tok * m + r)] - dot);
            if (err > tol && bad++ == 0)
                first = "t=" + std::to_string(tok) + " r=" + std::to_string(r) + " err " + std::to_string(err) +
                        " > bound " + std::to_string(tol);
        }
    }
    return bad;
}

std::vector<float> run(const mm::MatmulIsaTable* table, ThreadPool& pool, DType t, const AlignedBuffer& w, int64_t m,
                       int64_t k, const std::vector<float>& x, int64_t n) {
    std::vector<float> xs = x, y(static_cast<size_t>(n * m), std::numeric_limits<float>::quiet_NaN());
    Tensor wt(t, {m, k}, w.data()), xt(DType::F32, {n, k}, xs.data()), yt(DType::F32, {n, m}, y.data());
    if (table == nullptr) {  // matmul_scalar
        AlignedBuffer scratch(matmul_scalar_scratch_bytes(xt, wt, pool.size()), 0xa5);
        matmul_scalar(pool, yt, xt, wt, scratch.data());
    } else {
        AlignedBuffer scratch(matmul_table_scratch_bytes(*table, xt, wt, pool.size()), 0xa5);
        matmul_with_table(*table, pool, yt, xt, wt, scratch.data());
    }
    return y;
}

class MatmulSweep : public ::testing::TestWithParam<std::tuple<MatmulVariant, DType>> {};

TEST_P(MatmulSweep, MatchesTwinAndScalar) {
    const auto [variant, t] = GetParam();
    const mm::MatmulIsaTable* table = matmul_table(variant);
    if (table == nullptr) GTEST_SKIP() << "this CPU cannot run the " << matmul_variant_name(variant) << " kernels";
    const mm::MatmulIsaTable* twin = matmul_table(MatmulVariant::REF);
    const mm::ActFormat act = table->types[static_cast<int>(t)].act;
    ASSERT_NE(act, mm::ActFormat::NONE) << "no kernel for " << dtype_name(t);

    int shape = 0;
    double worst_a = 0, worst_nmse = 0;
    for (int64_t k : test::test_ks(t)) {
        for (int64_t m : {1, 7, 31, 33, 255, 257}) {
            for (int64_t n : {1, 2, 3, 7, 8, 9, 33}) {
                ++shape;
                std::mt19937 rng(static_cast<uint32_t>(static_cast<int>(t) * 1000003 + k * 7919 + m * 131 + n));
                const AlignedBuffer w = test::random_weights(t, m, k, rng, shape % 2 == 1);
                std::vector<float> x = test::gaussian(static_cast<size_t>(n * k), rng);
                if (shape % 5 == 0) std::fill(x.begin(), x.begin() + std::min<int64_t>(k, 32), 0.0f);
                if (shape % 7 == 0) x[static_cast<size_t>(k / 2)] = 40.0f;  // an outlier
                // The twin sees the activations as the kernel will (bf16 kernels round them first).
                std::vector<float> x_twin = x;
                if (act == mm::ActFormat::BF16)
                    for (float& v : x_twin) v = bf16_to_fp32(fp32_to_bf16(v));

                ThreadPool& pool = test::test_pool(shape % 3 + 1);
                const auto y = run(table, pool, t, w, m, k, x, n);
                const auto y_twin = run(twin, test::test_pool(2), t, w, m, k, x_twin, n);
                const auto y_scalar = run(nullptr, test::test_pool(2), t, w, m, k, x, n);

                const Result a = compare(y, y_twin), b = compare(y, y_scalar);
                const std::string where = std::string(matmul_variant_name(variant)) + " " + test::type_name(t) +
                                          " n=" + std::to_string(n) + " m=" + std::to_string(m) +
                                          " k=" + std::to_string(k) + " threads=" + std::to_string(pool.size());
                ASSERT_EQ(a.non_finite, 0) << where << ": outputs left unwritten or not finite";
                // (a) same integer math, float sums in another order.
                const double tol_a = 2e-6 * a.rms_ref * std::sqrt(static_cast<double>(k)) + 1e-30;
                ASSERT_LE(a.max_abs_err, tol_a) << where << " vs twin (rms " << a.rms_ref << ")";
                // (b) against dequantize + float dot (in double): a rigorous bound per output, NMSE overall.
                std::string first;
                ASSERT_EQ(beyond_rigorous_bound(t, w, m, k, x, n, act, y, first), 0) << where << ": " << first;
                if (n * m >= 256) {
                    ASSERT_LE(b.nmse, nmse_bound(act)) << where << " vs matmul_scalar";
                }
                worst_a = std::max(worst_a, a.max_abs_err / (a.rms_ref + 1e-30));
                if (n * m >= 256) worst_nmse = std::max(worst_nmse, b.nmse);
            }
        }
    }
    RecordProperty("worst_rel_err_vs_twin", std::to_string(worst_a));
    RecordProperty("worst_nmse_vs_scalar", std::to_string(worst_nmse));
    std::printf("%-12s %-7s %d shapes: max |y - twin| / rms %.2e, NMSE vs scalar %.2e\n", matmul_variant_name(variant),
                test::type_name(t).c_str(), shape, worst_a, worst_nmse);
}

// The twin itself, through the same driver, against dequantize + float dot: validates the twin's decoding of
// every block layout (the SIMD kernels are then held to the twin).
TEST(MatmulTwin, MatchesScalar) {
    ThreadPool& pool = test::test_pool(2);
    const mm::MatmulIsaTable* twin = matmul_table(MatmulVariant::REF);
    for (DType t : test::matmul_weight_types()) {
        for (int64_t k : test::test_ks(t)) {
            std::mt19937 rng(static_cast<uint32_t>(k * 31 + static_cast<int>(t)));
            for (bool from_floats : {false, true}) {
                const int64_t m = 19, n = 5;
                const AlignedBuffer w = test::random_weights(t, m, k, rng, from_floats);
                const auto x = test::gaussian(static_cast<size_t>(n * k), rng);
                const Result r = compare(run(twin, pool, t, w, m, k, x, n), run(nullptr, pool, t, w, m, k, x, n));
                EXPECT_EQ(r.non_finite, 0);
                EXPECT_LE(r.nmse, nmse_bound(twin->types[static_cast<int>(t)].act) / 5)
                    << test::type_name(t) << " k=" << k << " from_floats=" << from_floats;
            }
        }
    }
}

std::string param_name(const ::testing::TestParamInfo<std::tuple<MatmulVariant, DType>>& info) {
    return std::string(matmul_variant_name(std::get<0>(info.param))) + "_" +
           test::type_name(std::get<1>(info.param));
}

INSTANTIATE_TEST_SUITE_P(AllTypes, MatmulSweep,
                         ::testing::Combine(::testing::ValuesIn(test::matmul_simd_variants()),
                                            ::testing::ValuesIn(test::matmul_weight_types())),
                         param_name);

}  // namespace
}  // namespace snug
