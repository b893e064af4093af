// backends/cuda/dequant.cuh: device dequantizers for every weight type snug computes with, one 32-value segment
// ("unit") of a row at a time. Each keeps quant/dequantize.cpp's float operation order and rounds every product and
// sum separately (mul_add_rn), so a dequantized value is bit-identical to the CPU reference's.
#pragma once
#include "backends/cuda/common.cuh"
#include "base/dtype.h"
#include "quant/blocks.h"

namespace snug::cuda {

constexpr int UNIT = 32;  // values per dequant_unit call; every computable block size is 32 or 256

__device__ __forceinline__ void scale_min_k4(int j, const uint8_t* q, int& sc, int& m) {
    if (j < 4) {
        sc = q[j] & 63;
        m = q[j + 4] & 63;
    } else {
        sc = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
        m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}

__device__ __forceinline__ int scale_q3_k(int j, const uint8_t* scales) {
    const int low = j < 8 ? (scales[j] & 0xF) : (scales[j - 8] >> 4);
    const int high = (scales[8 + j % 4] >> (2 * (j / 4))) & 3;
    return low | (high << 4);
}

static __constant__ int8_t IQ4_NL_LEVELS[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

// out[0..32) = values [32 u, 32 u + 32) of the row starting at `row` (block layouts: quant/blocks.h).
template <DType T>
__device__ __forceinline__ void dequant_unit(const uint8_t* row, int64_t u, float* out) {
    using namespace snug::quant;
    if constexpr (T == DType::F32) {
        const float* p = reinterpret_cast<const float*>(row) + u * UNIT;
#pragma unroll
        for (int i = 0; i < UNIT; ++i) out[i] = p[i];
    } else if constexpr (T == DType::F16 || T == DType::BF16) {
        const uint8_t* p = row + u * UNIT * 2;
#pragma unroll
        for (int i = 0; i < UNIT; ++i) out[i] = T == DType::F16 ? half_at(p + 2 * i) : bf16_at(p + 2 * i);
    } else if constexpr (T == DType::Q4_0 || T == DType::IQ4_NL) {
        const uint8_t* b = row + u * 18;
        const float d = half_at(b);
#pragma unroll
        for (int j = 0; j < 16; ++j) {
            const int lo = b[2 + j] & 0xF, hi = b[2 + j] >> 4;
            if constexpr (T == DType::Q4_0) {
                out[j] = __fmul_rn(static_cast<float>(lo - 8), d);
                out[j + 16] = __fmul_rn(static_cast<float>(hi - 8), d);
            } else {
                out[j] = __fmul_rn(d, static_cast<float>(IQ4_NL_LEVELS[lo]));
                out[j + 16] = __fmul_rn(d, static_cast<float>(IQ4_NL_LEVELS[hi]));
            }
        }
    } else if constexpr (T == DType::Q4_1) {
        const uint8_t* b = row + u * 20;
        const float d = half_at(b), m = half_at(b + 2);
#pragma unroll
        for (int j = 0; j < 16; ++j) {
            out[j] = mul_add_rn(static_cast<float>(b[4 + j] & 0xF), d, m);
            out[j + 16] = mul_add_rn(static_cast<float>(b[4 + j] >> 4), d, m);
        }
    } else if constexpr (T == DType::Q5_0 || T == DType::Q5_1) {
        constexpr bool OFFSET = T == DType::Q5_1;
        const uint8_t* b = row + u * (OFFSET ? 24 : 22);
        const float d = half_at(b), m = OFFSET ? half_at(b + 2) : 0.0f;
        const uint32_t qh = u32_at2(b + (OFFSET ? 4 : 2));
        const uint8_t* qs = b + (OFFSET ? 8 : 6);
#pragma unroll
        for (int j = 0; j < 16; ++j) {
            const int x0 = (qs[j] & 0xF) | (static_cast<int>((qh >> j) & 1u) << 4);
            const int x1 = (qs[j] >> 4) | (static_cast<int>((qh >> (j + 16)) & 1u) << 4);
            if constexpr (OFFSET) {
                out[j] = mul_add_rn(static_cast<float>(x0), d, m);
                out[j + 16] = mul_add_rn(static_cast<float>(x1), d, m);
            } else {
                out[j] = __fmul_rn(static_cast<float>(x0 - 16), d);
                out[j + 16] = __fmul_rn(static_cast<float>(x1 - 16), d);
            }
        }
    } else if constexpr (T == DType::Q8_0) {
        const uint8_t* b = row + u * 34;
        const float d = half_at(b);
        const auto* qs = reinterpret_cast<const int8_t*>(b + 2);
#pragma unroll
        for (int j = 0; j < 32; ++j) out[j] = __fmul_rn(static_cast<float>(qs[j]), d);
    } else if constexpr (T == DType::Q2_K) {
        const uint8_t* b = row + (u / 8) * 84;
        const int sub = static_cast<int>(u % 8), h = sub / 4, s = sub % 4;
        const float d = half_at(b + 80), dmin = half_at(b + 82);
#pragma unroll
        for (int i = 0; i < 32; ++i) {
            const int q = (b[16 + 32 * h + i] >> (2 * s)) & 3;
            const int sc = b[(32 * sub + i) / 16];
            const float dl = __fmul_rn(d, static_cast<float>(sc & 0xF));
            const float ml = __fmul_rn(dmin, static_cast<float>(sc >> 4));
            out[i] = __fsub_rn(__fmul_rn(dl, static_cast<float>(q)), ml);
        }
    } else if constexpr (T == DType::Q3_K) {
        const uint8_t* b = row + (u / 8) * 110;
        const int sub = static_cast<int>(u % 8), h = sub / 4, s = sub % 4;
        const float d = half_at(b + 108);
#pragma unroll
        for (int i = 0; i < 32; ++i) {
            const int low = (b[32 + 32 * h + i] >> (2 * s)) & 3;
            const bool high = (b[i] >> sub) & 1;
            const float dl = __fmul_rn(d, static_cast<float>(scale_q3_k((32 * sub + i) / 16, b + 96) - 32));
            out[i] = __fmul_rn(dl, static_cast<float>(low - (high ? 0 : 4)));
        }
    } else if constexpr (T == DType::Q4_K || T == DType::Q5_K) {
        constexpr bool FIVE = T == DType::Q5_K;
        const uint8_t* b = row + (u / 8) * (FIVE ? 176 : 144);
        const int j = static_cast<int>(u % 8);
        const float d = half_at(b), dmin = half_at(b + 2);
        int sc, m;
        scale_min_k4(j, b + 4, sc, m);
        const float d1 = __fmul_rn(d, static_cast<float>(sc)), m1 = __fmul_rn(dmin, static_cast<float>(m));
        const uint8_t* qs = b + (FIVE ? 48 : 16) + 32 * (j / 2);
#pragma unroll
        for (int i = 0; i < 32; ++i) {
            int q = (j % 2) ? (qs[i] >> 4) : (qs[i] & 0xF);
            if constexpr (FIVE) q += 16 * ((b[16 + i] >> j) & 1);
            out[i] = __fsub_rn(__fmul_rn(d1, static_cast<float>(q)), m1);
        }
    } else if constexpr (T == DType::Q6_K) {
        const uint8_t* b = row + (u / 8) * 210;
        const int sub = static_cast<int>(u % 8), h = sub / 4, t = sub % 4;
        const float d = half_at(b + 208);
        const uint8_t* ql = b + 64 * h + 32 * (t & 1);
        const uint8_t* qh = b + 128 + 32 * h;
        const auto* scales = reinterpret_cast<const int8_t*>(b + 192);
#pragma unroll
        for (int i = 0; i < 32; ++i) {
            const int nib = t < 2 ? (ql[i] & 0xF) : (ql[i] >> 4);
            const int q = (nib | (((qh[i] >> (2 * t)) & 3) << 4)) - 32;
            const float ds = __fmul_rn(d, static_cast<float>(scales[8 * h + (32 * t + i) / 16]));
            out[i] = __fmul_rn(ds, static_cast<float>(q));
        }
    } else if constexpr (T == DType::IQ4_XS) {
        const uint8_t* b = row + (u / 8) * 136;
        const int ib = static_cast<int>(u % 8);
        const float d = half_at(b);
        const uint32_t scales_h = *reinterpret_cast<const uint16_t*>(b + 2);
        const int ls = ((b[4 + ib / 2] >> (4 * (ib % 2))) & 0xF) | (((scales_h >> (2 * ib)) & 3) << 4);
        const float dl = __fmul_rn(d, static_cast<float>(ls - 32));
        const uint8_t* qs = b + 8 + 16 * ib;
#pragma unroll
        for (int j = 0; j < 16; ++j) {
            out[j] = __fmul_rn(dl, static_cast<float>(IQ4_NL_LEVELS[qs[j] & 0xF]));
            out[j + 16] = __fmul_rn(dl, static_cast<float>(IQ4_NL_LEVELS[qs[j] >> 4]));
        }
    }
}

// Calls fn.template operator()<T>() with the DType t as a compile-time constant; false for a type without a
// device dequantizer (the host checks cuda_can_compute first).
template <class Fn>
bool dispatch_dtype(DType t, Fn&& fn) {
    switch (t) {
    case DType::F32: fn.template operator()<DType::F32>(); return true;
    case DType::F16: fn.template operator()<DType::F16>(); return true;
    case DType::BF16: fn.template operator()<DType::BF16>(); return true;
    case DType::Q4_0: fn.template operator()<DType::Q4_0>(); return true;
    case DType::Q4_1: fn.template operator()<DType::Q4_1>(); return true;
    case DType::Q5_0: fn.template operator()<DType::Q5_0>(); return true;
    case DType::Q5_1: fn.template operator()<DType::Q5_1>(); return true;
    case DType::Q8_0: fn.template operator()<DType::Q8_0>(); return true;
    case DType::Q2_K: fn.template operator()<DType::Q2_K>(); return true;
    case DType::Q3_K: fn.template operator()<DType::Q3_K>(); return true;
    case DType::Q4_K: fn.template operator()<DType::Q4_K>(); return true;
    case DType::Q5_K: fn.template operator()<DType::Q5_K>(); return true;
    case DType::Q6_K: fn.template operator()<DType::Q6_K>(); return true;
    case DType::IQ4_NL: fn.template operator()<DType::IQ4_NL>(); return true;
    case DType::IQ4_XS: fn.template operator()<DType::IQ4_XS>(); return true;
    default: return false;
    }
}

}  // namespace snug::cuda
