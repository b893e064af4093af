// backends/cpu/ref/kernels_ref.cpp: plain loops in the order of ggml's CPU code where that order changes the
// floats (rms_norm sums in double, rope angles by repeated multiplication), so the reference tracks llama.cpp.
#include "backends/cpu/ref/kernels_ref.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "base/fp16.h"
#include "quant/quant.h"

namespace snug::ref {

float silu(float x) { return x / (1.0f + std::exp(-x)); }

namespace {
float gelu_tanh_exact(float x) {
    constexpr float SQRT_2_OVER_PI = 0.79788456080286535587989211986876f;
    constexpr float COEF_A = 0.044715f;
    return 0.5f * x * (1.0f + std::tanh(SQRT_2_OVER_PI * x * (1.0f + COEF_A * x * x)));
}

// GELU at half precision: ggml's CPU backend evaluates it through a table indexed by the fp16 input and stores
// fp16 outputs, and the reference outputs we match were made that way; the difference is visible in Gemma's logits.
struct GeluTable {
    std::vector<uint16_t> out;  // [65536] fp16 GELU of each fp16 input
    GeluTable() : out(65536) {
        for (uint32_t h = 0; h < 65536; ++h) out[h] = fp32_to_fp16(gelu_tanh_exact(fp16_to_fp32(static_cast<uint16_t>(h))));
    }
};
}  // namespace

float gelu_tanh(float x) {
    static const GeluTable table;
    if (x <= -10.0f) return 0.0f;
    if (x >= 10.0f) return x;
    return fp16_to_fp32(table.out[fp32_to_fp16(x)]);
}

void matmul(Tensor y, Tensor x, const Tensor& w, int64_t r0, int64_t r1, float* row_buf) {
    const int64_t k = w.cols();
    const int64_t n = x.rows();
    const int64_t m = w.rows();
    const float* xs = x.f32();
    float* ys = y.f32();
    for (int64_t r = r0; r < r1; ++r) {
        quant::dequantize_row_ref(w.dtype, w.row_ptr(r), row_buf, k);
        for (int64_t t = 0; t < n; ++t) {
            const float* xr = xs + t * k;
            float sum = 0.0f;
            for (int64_t i = 0; i < k; ++i) sum += xr[i] * row_buf[i];
            ys[t * m + r] = sum;
        }
    }
}

void get_rows(Tensor y, const Tensor& table, std::span<const int32_t> ids, int64_t i0, int64_t i1) {
    const int64_t k = table.cols();
    for (int64_t i = i0; i < i1; ++i)
        quant::dequantize_row_ref(table.dtype, table.row_ptr(ids[static_cast<size_t>(i)]), y.f32() + i * k, k);
}

void rms_norm(Tensor y, Tensor x, const Tensor& w, float eps, int64_t r0, int64_t r1) {
    const int64_t k = w.cols();
    const float* ws = w.f32();
    for (int64_t r = r0; r < r1; ++r) {
        const float* xr = x.f32() + r * k;
        float* yr = y.f32() + r * k;
        double sum = 0.0;
        for (int64_t i = 0; i < k; ++i) sum += static_cast<double>(xr[i]) * xr[i];
        const float mean = static_cast<float>(sum / static_cast<double>(k));
        const float s = 1.0f / std::sqrt(mean + eps);
        for (int64_t i = 0; i < k; ++i) yr[i] = xr[i] * s * ws[i];
    }
}

void add(Tensor y, Tensor a, Tensor b, int64_t e0, int64_t e1) {
    const int64_t nb = b.n_elements();
    const bool broadcast = nb != a.n_elements();
    const float* as = a.f32();
    const float* bs = b.f32();
    float* ys = y.f32();
    for (int64_t e = e0; e < e1; ++e) ys[e] = as[e] + bs[broadcast ? e % nb : e];
}

void scale(Tensor y, Tensor x, float s, int64_t e0, int64_t e1) {
    for (int64_t e = e0; e < e1; ++e) y.f32()[e] = x.f32()[e] * s;
}

void act_mul(Tensor y, Tensor gate, Tensor up, Activation act, int64_t e0, int64_t e1) {
    const float* g = gate.f32();
    const float* u = up.f32();
    float* ys = y.f32();
    if (act == Activation::SILU) {
        for (int64_t e = e0; e < e1; ++e) ys[e] = silu(g[e]) * u[e];
    } else {
        for (int64_t e = e0; e < e1; ++e) ys[e] = gelu_tanh(g[e]) * u[e];
    }
}

void rope(Tensor x, std::span<const int32_t> positions, const RopeParams& p, int64_t t0, int64_t t1) {
    const int64_t n_heads = x.dim(1);
    const int64_t head_dim = x.dim(2);
    const float theta_scale = std::pow(p.freq_base, -2.0f / static_cast<float>(p.n_rot));
    const int half = p.n_rot / 2;
    for (int64_t t = t0; t < t1; ++t) {
        float theta = static_cast<float>(positions[static_cast<size_t>(t)]);
        for (int i = 0; i < half; ++i) {
            const float ff = p.freq_factors ? p.freq_factors[i] : 1.0f;
            const float angle = p.freq_scale * (theta / ff);
            const float c = std::cos(angle), s = std::sin(angle);
            for (int64_t h = 0; h < n_heads; ++h) {
                float* v = x.f32() + (t * n_heads + h) * head_dim;
                const int a = p.style == RopeStyle::NORMAL ? 2 * i : i;
                const int b = p.style == RopeStyle::NORMAL ? 2 * i + 1 : i + half;
                const float x0 = v[a], x1 = v[b];
                v[a] = x0 * c - x1 * s;
                v[b] = x0 * s + x1 * c;
            }
            theta *= theta_scale;
        }
    }
}

}  // namespace snug::ref
