// tests/cuda/cuda_kernels_test.cpp: every CUDA op but the KV ones (cuda_attention_test.cpp) against the CPU scalar
// reference (backends/cpu/ref) on random inputs, outputs poisoned with NaN first:
//  - get_rows: bit-identical to quant::dequantize_row_ref for every computable weight type;
//  - matmul: decode (1..8 tokens: dp4a or float matvec) and prompt (9+ tokens: cuBLAS) against ref::matmul, for
//    every type, odd row counts, within a relative error per path;
//  - rms_norm, add (broadcast), scale, act_mul (SiLU, GELU-tanh), rope (NORMAL, NEOX, partial, freq factors and
//    scale, long positions): within float rounding of the reference;
//  - copy between host and device, and outputs written into host memory (logits).
#include <algorithm>

#include "backends/cpu/ref/kernels_ref.h"
#include "cuda/cuda_test_util.h"
#include "quant/quant.h"

namespace snug {
namespace {

using test::normal_values;
using test::rel_error;

constexpr DType WEIGHT_TYPES[] = {DType::F32,  DType::F16,  DType::BF16, DType::Q4_0, DType::Q4_1,
                                  DType::Q5_0, DType::Q5_1, DType::Q8_0, DType::Q2_K, DType::Q3_K,
                                  DType::Q4_K, DType::Q5_K, DType::Q6_K, DType::IQ4_NL, DType::IQ4_XS};

std::vector<uint8_t> quantized(DType t, const std::vector<float>& v, int64_t rows, int64_t k) {
    std::vector<uint8_t> out(row_bytes(t, k) * static_cast<size_t>(rows));
    for (int64_t r = 0; r < rows; ++r)
        quant::quantize_row_ref(t, v.data() + r * k, out.data() + static_cast<size_t>(r) * row_bytes(t, k), k);
    return out;
}

class CudaKernels : public test::CudaTest {};

TEST_F(CudaKernels, GetRowsIsBitExactForEveryWeightType) {
    std::mt19937 rng(1);
    for (DType t : WEIGHT_TYPES) {
        for (int64_t k : {int64_t(256), int64_t(768), int64_t(37)}) {
            if (k % dtype_info(t).block_elems) continue;
            SCOPED_TRACE(std::string(dtype_name(t)) + " k=" + std::to_string(k));
            const int64_t rows = 9;
            const auto bytes = quantized(t, normal_values(static_cast<size_t>(rows * k), rng), rows, k);
            test::DeviceBytes dev(bytes.data(), bytes.size());
            const Tensor table(t, {rows, k}, dev.p, Device::CUDA);
            const std::vector<int32_t> ids = {8, 0, 3, 3, 7};
            Tensor y = poisoned({5, k});
            gpu().get_rows(y, table, ids);
            const auto got = to_host(y);
            std::vector<float> want(got.size());
            for (size_t i = 0; i < ids.size(); ++i)
                quant::dequantize_row_ref(t, bytes.data() + static_cast<size_t>(ids[i]) * row_bytes(t, k),
                                          want.data() + i * static_cast<size_t>(k), k);
            ASSERT_EQ(std::memcmp(got.data(), want.data(), want.size() * sizeof(float)), 0);
        }
    }
}

// Relative error allowed per path: 8-bit activations (dp4a), float activations, halves for cuBLAS.
double matmul_tolerance(DType t, int64_t n) {
    if (n <= 8) {
        if (t == DType::Q4_0 || t == DType::Q8_0 || t == DType::Q4_K || t == DType::Q5_K || t == DType::Q6_K)
            return 2e-2;
        return 1e-5;
    }
    return t == DType::F32 || t == DType::BF16 ? 1e-5 : 5e-3;
}

TEST_F(CudaKernels, MatmulMatchesReferenceForEveryTypeAndPath) {
    std::mt19937 rng(2);
    for (DType t : WEIGHT_TYPES) {
        for (int64_t k : {int64_t(256), int64_t(1024), int64_t(37)}) {
            if (k % dtype_info(t).block_elems) continue;
            for (int64_t m : {int64_t(1), int64_t(33), int64_t(259)}) {
                const auto bytes = quantized(t, normal_values(static_cast<size_t>(m * k), rng), m, k);
                test::DeviceBytes dev(bytes.data(), bytes.size());
                const Tensor w(t, {m, k}, dev.p, Device::CUDA);
                const Tensor w_host(t, {m, k}, const_cast<uint8_t*>(bytes.data()));
                for (int64_t n : {int64_t(1), int64_t(3), int64_t(8), int64_t(9), int64_t(67)}) {
                    SCOPED_TRACE(std::string(dtype_name(t)) + " n=" + std::to_string(n) + " m=" + std::to_string(m) +
                                 " k=" + std::to_string(k));
                    gpu().reset_scratch();
                    const auto xs = normal_values(static_cast<size_t>(n * k), rng);
                    Tensor x = to_device(xs, {n, k});
                    Tensor y = poisoned({n, m});
                    gpu().matmul(y, x, w);
                    const auto got = to_host(y);
                    std::vector<float> want(static_cast<size_t>(n * m)), row(static_cast<size_t>(k));
                    ref::matmul(Tensor(DType::F32, {n, m}, want.data()),
                                Tensor(DType::F32, {n, k}, const_cast<float*>(xs.data())), w_host, 0, m, row.data());
                    ASSERT_LE(rel_error(got, want), matmul_tolerance(t, n));
                }
            }
        }
    }
}

TEST_F(CudaKernels, MatmulWritesHostOutputs) {  // the output head writes the engine's logits buffer directly
    std::mt19937 rng(3);
    const int64_t n = 2, m = 301, k = 256;
    const auto bytes = quantized(DType::Q6_K, normal_values(static_cast<size_t>(m * k), rng), m, k);
    const auto xs = normal_values(static_cast<size_t>(n * k), rng);
    std::vector<float> got(static_cast<size_t>(n * m), NAN), want(got.size()), row(static_cast<size_t>(k));
    const Tensor w_host(DType::Q6_K, {m, k}, const_cast<uint8_t*>(bytes.data()));
    gpu().upload_weight(w_host);  // as the engine does at load; the op then finds the copy by address
    gpu().matmul(Tensor(DType::F32, {n, m}, got.data()), to_device(xs, {n, k}), w_host);
    ref::matmul(Tensor(DType::F32, {n, m}, want.data()), Tensor(DType::F32, {n, k}, const_cast<float*>(xs.data())),
                w_host, 0, m, row.data());
    EXPECT_LE(rel_error(got, want), 2e-2);
}

TEST_F(CudaKernels, RmsNormAddScaleAndActivationsMatchReference) {
    std::mt19937 rng(4);
    for (int64_t k : {int64_t(37), int64_t(2560)}) {
        const int64_t rows = 5;
        const auto xs = normal_values(static_cast<size_t>(rows * k), rng, 3.0f);
        const auto ws = normal_values(static_cast<size_t>(k), rng);
        const auto bs = normal_values(static_cast<size_t>(rows * k), rng);
        std::vector<float> want(xs.size());
        Tensor hx(DType::F32, {rows, k}, const_cast<float*>(xs.data())), hw(DType::F32, {k}, const_cast<float*>(ws.data()));
        Tensor hb(DType::F32, {rows, k}, const_cast<float*>(bs.data())), hy(DType::F32, {rows, k}, want.data());
        Tensor w = to_device(ws, {k});

        Tensor x = to_device(xs, {rows, k});
        gpu().rms_norm(x, x, w, 1e-6f);  // in place, as the models do
        ref::rms_norm(hy, hx, hw, 1e-6f, 0, rows);
        EXPECT_LE(rel_error(to_host(x), want), 1e-6) << "rms_norm k=" << k;

        Tensor y = poisoned({rows, k});
        gpu().add(y, to_device(xs, {rows, k}), to_device(bs, {rows, k}));
        ref::add(hy, hx, hb, 0, rows * k);
        EXPECT_EQ(to_host(y), want) << "add";
        gpu().add(y, to_device(xs, {rows, k}), w);  // one row broadcast over every row
        ref::add(hy, hx, hw, 0, rows * k);
        EXPECT_EQ(to_host(y), want) << "add broadcast";

        gpu().scale(y, to_device(xs, {rows, k}), 0.37f);
        ref::scale(hy, hx, 0.37f, 0, rows * k);
        EXPECT_EQ(to_host(y), want) << "scale";

        for (Activation act : {Activation::SILU, Activation::GELU_TANH}) {
            Tensor g = to_device(xs, {rows, k});
            gpu().act_mul(g, g, to_device(bs, {rows, k}), act);
            ref::act_mul(hy, hx, hb, act, 0, rows * k);
            const auto got = to_host(g);
            // SiLU: expf within 2 ulp of the CPU's. GELU: both round to halves; a 1-ulp tanh difference can move
            // a value to the neighbouring half.
            const float tol = act == Activation::SILU ? 1e-6f : 2e-3f;
            for (size_t i = 0; i < want.size(); ++i)
                ASSERT_NEAR(got[i], want[i], tol * (std::fabs(want[i]) + 1e-3f)) << "act " << int(act) << " at " << i;
        }
    }
}

TEST_F(CudaKernels, RopeMatchesReference) {
    std::mt19937 rng(5);
    static std::vector<float> freq_factors;  // lives as long as the backend's copy of it (found by address)
    freq_factors = normal_values(64, rng);
    for (auto& f : freq_factors) f = 1.0f + std::fabs(f);
    struct Case {
        RopeStyle style;
        int head_dim, n_rot;
        bool factors;
        float freq_scale;
    };
    for (const Case c : {Case{RopeStyle::NORMAL, 64, 64, false, 1.0f}, Case{RopeStyle::NEOX, 128, 128, true, 1.0f},
                         Case{RopeStyle::NEOX, 256, 128, false, 0.25f}, Case{RopeStyle::NORMAL, 8, 8, false, 1.0f}}) {
        const int64_t n = 7, heads = 3;
        const std::vector<int32_t> positions = {0, 1, 2, 100, 4095, 5000, 77};
        RopeParams p;
        p.style = c.style;
        p.n_rot = c.n_rot;
        p.freq_base = 1e6f;
        p.freq_scale = c.freq_scale;
        p.freq_factors = c.factors ? freq_factors.data() : nullptr;
        auto xs = normal_values(static_cast<size_t>(n * heads * c.head_dim), rng);
        Tensor x = to_device(xs, {n, heads, c.head_dim});
        gpu().rope(x, positions, p);
        ref::rope(Tensor(DType::F32, {n, heads, c.head_dim}, xs.data()), positions, p, 0, n);
        const auto got = to_host(x);
        for (size_t i = 0; i < xs.size(); ++i) ASSERT_NEAR(got[i], xs[i], 1e-5f) << "element " << i;
    }
}

TEST_F(CudaKernels, CopyCrossesDevicesBothWays) {
    std::mt19937 rng(6);
    const auto xs = normal_values(1000, rng);
    Tensor d = to_device(xs, {10, 100});
    Tensor d2 = poisoned({10, 100});
    gpu().copy(d2, d);
    EXPECT_EQ(to_host(d2), xs);
}

}  // namespace
}  // namespace snug
