// backends/cuda/cuda_matmul.cpp: matmul dispatch. Decode (at most MATVEC_MAX_TOKENS rows) reads the weights in
// place: 8-bit activations and dp4a for Q4_0/Q8_0/Q4_K/Q5_K/Q6_K, float activations for every other type. Prompt
// processing goes through cuBLAS: F32 weights directly (SGEMM, no TF32), F16 weights directly against halved
// activations, every other type dequantized GEMM_TILE_BYTES of rows at a time into a half (BF16: f32) tile.
#include <algorithm>

#include "backends/cuda/cuda_backend.h"
#include "backends/cuda/cuda_check.h"

namespace snug {

using cuda::check;

void CudaBackend::matmul(Tensor y, Tensor x, const Tensor& w) {
    if (w.n_dims != 2 || x.n_dims < 1 || y.n_dims < 1) throw Error("matmul: w must be a matrix, x and y tensors");
    const int64_t n = x.rows(), m = w.shape[0], k = w.shape[1];
    const size_t w_row_bytes = row_bytes(w.dtype, k);
    if (x.cols() != k || y.rows() != n || y.cols() != m)
        throw Error("matmul shapes: y " + y.shape_string() + " = x " + x.shape_string() + " w " + w.shape_string());
    if (!cuda::can_compute(w.dtype)) throw Error("the CUDA backend cannot multiply " + std::string(dtype_name(w.dtype)));
    const uint8_t* wd = weight(w);
    float* yd = output_ptr(y);
    if (n <= cuda::MATVEC_MAX_TOKENS) {
        if (cuda::matvec_q8_supports(w.dtype) && k % 32 == 0) {
            auto* xq = static_cast<cuda::ActQ8*>(arena_.alloc(sizeof(cuda::ActQ8) * static_cast<size_t>(n * (k / 32))));
            cuda::quantize_act_q8(x.f32(), n, k, xq, stream_);
            cuda::matvec_q8(w.dtype, wd, w_row_bytes, m, k, xq, n, yd, stream_);
        } else {
            cuda::matvec_f32(w.dtype, wd, w_row_bytes, m, k, x.f32(), n, yd, stream_);
        }
        check_last("matvec");
    } else {
        gemm(yd, x.f32(), wd, w.dtype, w_row_bytes, n, m, k);
    }
    finish_output(y, yd);
}

// Row-major y[n, m] = x[n, k] · w[m, k]^T is column-major y^T (m x n) = w^T' (m x k) · x^T (k x n): cuBLAS sees w
// as a k x m column-major matrix taken transposed and x as k x n.
void CudaBackend::gemm(float* y, const float* x, const uint8_t* w, DType wt, size_t w_row_bytes, int64_t n,
                       int64_t m, int64_t k) {
    const float one = 1.0f, zero = 0.0f;
    const int in = static_cast<int>(n), ik = static_cast<int>(k), im = static_cast<int>(m);
    if (wt == DType::F32) {
        check(cublasSgemm(cublas_, CUBLAS_OP_T, CUBLAS_OP_N, im, in, ik, &one, reinterpret_cast<const float*>(w), ik,
                          x, ik, &zero, y, im),
              "cublasSgemm");
        return;
    }
    if (wt == DType::BF16) {  // bf16 -> half could overflow or flush: dequantize to f32 instead
        const int64_t tile = std::max<int64_t>(1, static_cast<int64_t>(cuda::GEMM_TILE_BYTES) / (4 * k));
        auto* wf = static_cast<float*>(arena_.alloc(sizeof(float) * static_cast<size_t>(std::min(tile, m) * k)));
        for (int64_t r0 = 0; r0 < m; r0 += tile) {
            const int64_t rows = std::min(tile, m - r0);
            cuda::get_rows(wt, w, w_row_bytes, k, nullptr, r0, rows, wf, stream_);
            check(cublasSgemm(cublas_, CUBLAS_OP_T, CUBLAS_OP_N, static_cast<int>(rows), in, ik, &one, wf, ik, x, ik,
                              &zero, y + r0, im),
                  "cublasSgemm");
        }
        return;
    }
    auto* xh = static_cast<uint16_t*>(arena_.alloc(sizeof(uint16_t) * static_cast<size_t>(n * k)));
    cuda::f32_to_half(x, xh, n * k, stream_);
    check_last("f32_to_half");
    auto half_gemm = [&](const void* wh, int64_t rows, float* yc) {
        check(cublasGemmEx(cublas_, CUBLAS_OP_T, CUBLAS_OP_N, static_cast<int>(rows), in, ik, &one, wh, CUDA_R_16F, ik,
                           xh, CUDA_R_16F, ik, &zero, yc, CUDA_R_32F, im, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
              "cublasGemmEx");
    };
    if (wt == DType::F16) return half_gemm(w, m, y);
    const int64_t tile = std::max<int64_t>(1, static_cast<int64_t>(cuda::GEMM_TILE_BYTES) / (2 * k));
    auto* wh = static_cast<uint16_t*>(arena_.alloc(sizeof(uint16_t) * static_cast<size_t>(std::min(tile, m) * k)));
    for (int64_t r0 = 0; r0 < m; r0 += tile) {
        const int64_t rows = std::min(tile, m - r0);
        cuda::get_rows_half(wt, w, w_row_bytes, k, r0, rows, wh, stream_);
        check_last("get_rows_half");
        half_gemm(wh, rows, y + r0);
    }
}

}  // namespace snug
