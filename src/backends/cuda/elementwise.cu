// backends/cuda/elementwise.cu: rms_norm, add, scale, act_mul and rope with ops.h's semantics. Products and sums
// that the CPU reference rounds separately are rounded separately here too (the _rn intrinsics), so these agree with
// backends/cpu/ref to the last bit or within one rounding of a transcendental function.
#include <cmath>

#include "backends/cuda/common.cuh"
#include "backends/cuda/kernels.h"

namespace snug::cuda {
namespace {

constexpr int NORM_THREADS = 256;
constexpr int EW_THREADS = 256;

// One block per row. The sum of squares is kept in double, as the CPU reference does.
__global__ void rms_norm_kernel(const float* x, const float* w, float* y, int64_t k, float eps) {
    const float* xr = x + blockIdx.x * k;
    float* yr = y + blockIdx.x * k;
    double sum = 0.0;
    for (int64_t i = threadIdx.x; i < k; i += blockDim.x) sum += static_cast<double>(xr[i]) * xr[i];
    __shared__ double part[NORM_THREADS / WARP];
#pragma unroll
    for (int o = WARP / 2; o > 0; o >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, o);
    if (threadIdx.x % WARP == 0) part[threadIdx.x / WARP] = sum;
    __syncthreads();
    double total = 0.0;
    for (int i = 0; i < NORM_THREADS / WARP; ++i) total += part[i];
    const float mean = static_cast<float>(total / static_cast<double>(k));
    const float s = 1.0f / sqrtf(mean + eps);
    for (int64_t i = threadIdx.x; i < k; i += blockDim.x) yr[i] = __fmul_rn(__fmul_rn(xr[i], s), w[i]);
}

__global__ void add_kernel(const float* a, const float* b, float* y, int64_t n, int64_t nb) {
    const int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
    if (i < n) y[i] = a[i] + b[nb == n ? i : i % nb];
}

__global__ void scale_kernel(const float* x, float s, float* y, int64_t n) {
    const int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
    if (i < n) y[i] = x[i] * s;
}

__device__ __forceinline__ float silu(float x) { return __fdiv_rn(x, 1.0f + expf(-x)); }

// GELU(tanh) at half precision, as the CPU reference's table: the input rounded to a half, the result too.
__device__ __forceinline__ float gelu_tanh_half(float x) {
    if (x <= -10.0f) return 0.0f;
    if (x >= 10.0f) return x;
    constexpr float SQRT_2_OVER_PI = 0.79788456080286535587989211986876f;
    constexpr float COEF_A = 0.044715f;
    const float h = __half2float(__float2half_rn(x));
    const float inner = __fmul_rn(__fmul_rn(SQRT_2_OVER_PI, h), __fadd_rn(1.0f, __fmul_rn(__fmul_rn(COEF_A, h), h)));
    const float g = __fmul_rn(__fmul_rn(0.5f, h), __fadd_rn(1.0f, tanhf(inner)));
    return __half2float(__float2half_rn(g));
}

template <Activation A>
__global__ void act_mul_kernel(const float* gate, const float* up, float* y, int64_t n) {
    const int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
    if (i >= n) return;
    const float g = A == Activation::SILU ? silu(gate[i]) : gelu_tanh_half(gate[i]);
    y[i] = __fmul_rn(g, up[i]);
}

// One thread per (token, head, rotated pair). The angle is built by repeated multiplication, as ggml's CPU code and
// the reference do, so long positions round the same way.
__global__ void rope_kernel(float* x, const int32_t* positions, int64_t n_tokens, int n_heads, int head_dim,
                            int n_rot, bool neox, float theta_scale, float freq_scale, const float* freq_factors) {
    const int half = n_rot / 2;
    const int64_t idx = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
    if (idx >= n_tokens * n_heads * half) return;
    const int i = static_cast<int>(idx % half);
    const int64_t th = idx / half;  // token * n_heads + head
    const int64_t t = th / n_heads;
    float theta = static_cast<float>(positions[t]);
    for (int j = 0; j < i; ++j) theta = __fmul_rn(theta, theta_scale);
    const float ff = freq_factors ? freq_factors[i] : 1.0f;
    const float angle = __fmul_rn(freq_scale, __fdiv_rn(theta, ff));
    const float c = cosf(angle), s = sinf(angle);
    float* v = x + th * head_dim;
    const int a = neox ? i : 2 * i;
    const int b = neox ? i + half : 2 * i + 1;
    const float x0 = v[a], x1 = v[b];
    v[a] = __fsub_rn(__fmul_rn(x0, c), __fmul_rn(x1, s));
    v[b] = __fadd_rn(__fmul_rn(x0, s), __fmul_rn(x1, c));
}

}  // namespace

void rms_norm(const float* x, const float* w, float* y, int64_t rows, int64_t k, float eps, cudaStream_t stream) {
    if (rows <= 0) return;
    rms_norm_kernel<<<static_cast<unsigned>(rows), NORM_THREADS, 0, stream>>>(x, w, y, k, eps);
}

void add(const float* a, const float* b, float* y, int64_t n, int64_t nb, cudaStream_t stream) {
    if (n <= 0) return;
    add_kernel<<<ceil_div(n, EW_THREADS), EW_THREADS, 0, stream>>>(a, b, y, n, nb);
}

void scale(const float* x, float s, float* y, int64_t n, cudaStream_t stream) {
    if (n <= 0) return;
    scale_kernel<<<ceil_div(n, EW_THREADS), EW_THREADS, 0, stream>>>(x, s, y, n);
}

void act_mul(const float* gate, const float* up, float* y, int64_t n, Activation act, cudaStream_t stream) {
    if (n <= 0) return;
    if (act == Activation::SILU)
        act_mul_kernel<Activation::SILU><<<ceil_div(n, EW_THREADS), EW_THREADS, 0, stream>>>(gate, up, y, n);
    else
        act_mul_kernel<Activation::GELU_TANH><<<ceil_div(n, EW_THREADS), EW_THREADS, 0, stream>>>(gate, up, y, n);
}

void rope(float* x, const int32_t* positions, int64_t n_tokens, int n_heads, int head_dim, const RopeParams& p,
          const float* freq_factors, cudaStream_t stream) {
    const int64_t n = n_tokens * n_heads * (p.n_rot / 2);
    if (n <= 0) return;
    // The same float expression as the CPU reference, evaluated on the host so both use one pow.
    const float theta_scale = std::pow(p.freq_base, -2.0f / static_cast<float>(p.n_rot));
    rope_kernel<<<ceil_div(n, EW_THREADS), EW_THREADS, 0, stream>>>(x, positions, n_tokens, n_heads, head_dim, p.n_rot,
                                                                  p.style == RopeStyle::NEOX, theta_scale,
                                                                  p.freq_scale, freq_factors);
}

}  // namespace snug::cuda
