// quant/dequantize.cpp: reference dequantizers, one per block format. Each keeps ggml's float operation order
// (ggml/src/ggml-quants.c dequantize_row_*) so results are bit-identical; the file is built with
// -ffp-contract=off so the compiler cannot fuse a*b+c into an FMA and change the rounding.
#include <string>

#include "base/error.h"
#include "quant/quant.h"
#include "quant/quant_internal.h"

namespace snug::quant {
namespace {

using detail::half;
using detail::load_block;

// Apply `fn(block, y)` to each block of a row; `fn` writes the block's elements to y.
template <class Block, int N, class Fn>
void for_each_block(const void* src, float* dst, int64_t n, Fn fn) {
    for (int64_t i = 0; i < n / N; ++i) fn(load_block<Block>(src, i), dst + i * N);
}

void dequant_q4_0(const BlockQ4_0& b, float* y) {
    const float d = half(b.d);
    for (int j = 0; j < QK4_0 / 2; ++j) {
        const int x0 = (b.qs[j] & 0x0F) - 8;
        const int x1 = (b.qs[j] >> 4) - 8;
        y[j] = x0 * d;
        y[j + QK4_0 / 2] = x1 * d;
    }
}

void dequant_q4_1(const BlockQ4_1& b, float* y) {
    const float d = half(b.d);
    const float m = half(b.m);
    for (int j = 0; j < QK4_1 / 2; ++j) {
        y[j] = (b.qs[j] & 0x0F) * d + m;
        y[j + QK4_1 / 2] = (b.qs[j] >> 4) * d + m;
    }
}

uint32_t load_qh(const uint8_t* qh) {
    uint32_t v;
    std::memcpy(&v, qh, sizeof(v));
    return v;
}

void dequant_q5_0(const BlockQ5_0& b, float* y) {
    const float d = half(b.d);
    const uint32_t qh = load_qh(b.qh);
    for (int j = 0; j < QK5_0 / 2; ++j) {
        const int hi0 = static_cast<int>((qh >> j) & 1u) << 4;
        const int hi1 = static_cast<int>((qh >> (j + 16)) & 1u) << 4;
        const int x0 = ((b.qs[j] & 0x0F) | hi0) - 16;
        const int x1 = ((b.qs[j] >> 4) | hi1) - 16;
        y[j] = x0 * d;
        y[j + QK5_0 / 2] = x1 * d;
    }
}

void dequant_q5_1(const BlockQ5_1& b, float* y) {
    const float d = half(b.d);
    const float m = half(b.m);
    const uint32_t qh = load_qh(b.qh);
    for (int j = 0; j < QK5_1 / 2; ++j) {
        const int x0 = (b.qs[j] & 0x0F) | (static_cast<int>((qh >> j) & 1u) << 4);
        const int x1 = (b.qs[j] >> 4) | (static_cast<int>((qh >> (j + 16)) & 1u) << 4);
        y[j] = x0 * d + m;
        y[j + QK5_1 / 2] = x1 * d + m;
    }
}

void dequant_q8_0(const BlockQ8_0& b, float* y) {
    const float d = half(b.d);
    for (int j = 0; j < QK8_0; ++j) y[j] = b.qs[j] * d;
}

void dequant_q8_1(const BlockQ8_1& b, float* y) {
    const float d = half(b.d);
    for (int j = 0; j < QK8_1; ++j) y[j] = b.qs[j] * d;
}

void dequant_q2_k(const BlockQ2_K& b, float* y) {
    const float d = half(b.d);
    const float dmin = half(b.dmin);
    for (int e = 0; e < QK_K; ++e) {  // e: element index; sub-block e / 16
        const int h = e / 128, s = (e % 128) / 32, l = e % 32;
        const int q = (b.qs[32 * h + l] >> (2 * s)) & 3;
        const uint8_t sc = b.scales[e / 16];
        const float dl = d * (sc & 0xF);
        const float ml = dmin * (sc >> 4);
        y[e] = dl * q - ml;
    }
}

void dequant_q3_k(const BlockQ3_K& b, float* y) {
    const float d = half(b.d);
    for (int e = 0; e < QK_K; ++e) {
        const int h = e / 128, s = (e % 128) / 32, l = e % 32;
        const int low = (b.qs[32 * h + l] >> (2 * s)) & 3;
        const bool high = (b.hmask[l] >> (e / 32)) & 1;
        const float dl = d * (detail::get_scale_q3_k(e / 16, b.scales) - 32);
        y[e] = dl * (low - (high ? 0 : 4));
    }
}

void dequant_q4_k(const BlockQ4_K& b, float* y) {
    const float d = half(b.d);
    const float dmin = half(b.dmin);
    for (int c = 0; c < 4; ++c) {  // chunk c: sub-blocks 2c (low nibbles) and 2c + 1 (high nibbles)
        uint8_t sc, m;
        detail::get_scale_min_k4(2 * c, b.scales, sc, m);
        const float d1 = d * sc, m1 = dmin * m;
        detail::get_scale_min_k4(2 * c + 1, b.scales, sc, m);
        const float d2 = d * sc, m2 = dmin * m;
        const uint8_t* q = b.qs + 32 * c;
        for (int l = 0; l < 32; ++l) y[64 * c + l] = d1 * (q[l] & 0xF) - m1;
        for (int l = 0; l < 32; ++l) y[64 * c + 32 + l] = d2 * (q[l] >> 4) - m2;
    }
}

void dequant_q5_k(const BlockQ5_K& b, float* y) {
    const float d = half(b.d);
    const float dmin = half(b.dmin);
    for (int c = 0; c < 4; ++c) {
        uint8_t sc, m;
        detail::get_scale_min_k4(2 * c, b.scales, sc, m);
        const float d1 = d * sc, m1 = dmin * m;
        detail::get_scale_min_k4(2 * c + 1, b.scales, sc, m);
        const float d2 = d * sc, m2 = dmin * m;
        const uint8_t* q = b.qs + 32 * c;
        for (int l = 0; l < 32; ++l) {
            const int hi = (b.qh[l] >> (2 * c)) & 1;
            y[64 * c + l] = d1 * ((q[l] & 0xF) + 16 * hi) - m1;
        }
        for (int l = 0; l < 32; ++l) {
            const int hi = (b.qh[l] >> (2 * c + 1)) & 1;
            y[64 * c + 32 + l] = d2 * ((q[l] >> 4) + 16 * hi) - m2;
        }
    }
}

void dequant_q6_k(const BlockQ6_K& b, float* y) {
    const float d = half(b.d);
    for (int h = 0; h < 2; ++h) {
        const uint8_t* ql = b.ql + 64 * h;
        const uint8_t* qh = b.qh + 32 * h;
        float* yh = y + 128 * h;
        for (int l = 0; l < 32; ++l) {
            const int q[4] = {
                ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32,
                ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32,
                ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32,
                ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32,
            };
            for (int s = 0; s < 4; ++s) {
                const int e = 32 * s + l;  // within the half
                // (d * scale) * q, in this order, as ggml
                yh[e] = d * b.scales[8 * h + e / 16] * q[s];
            }
        }
    }
}

void dequant_q8_k(const BlockQ8_K& b, float* y) {
    for (int j = 0; j < QK_K; ++j) y[j] = b.d * b.qs[j];
}

void dequant_iq4_nl(const BlockIQ4_NL& b, float* y) {
    const float d = half(b.d);
    for (int j = 0; j < QK4_NL / 2; ++j) {
        y[j] = d * IQ4_NL_VALUES[b.qs[j] & 0xF];
        y[j + QK4_NL / 2] = d * IQ4_NL_VALUES[b.qs[j] >> 4];
    }
}

void dequant_iq4_xs(const BlockIQ4_XS& b, float* y) {
    const float d = half(b.d);
    for (int ib = 0; ib < QK_K / 32; ++ib) {
        const float dl = d * (detail::get_scale_iq4_xs(ib, b) - 32);
        const uint8_t* qs = b.qs + 16 * ib;
        for (int j = 0; j < 16; ++j) {
            y[32 * ib + j] = dl * IQ4_NL_VALUES[qs[j] & 0xF];
            y[32 * ib + 16 + j] = dl * IQ4_NL_VALUES[qs[j] >> 4];
        }
    }
}

void dequant_half_row(const void* src, float* dst, int64_t n, float (*convert)(uint16_t)) {
    const auto* p = static_cast<const uint8_t*>(src);
    for (int64_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, p + 2 * i, 2);
        dst[i] = convert(h);
    }
}

}  // namespace

void dequantize_row_ref(DType t, const void* src, float* dst, int64_t n) {
    const DTypeInfo& info = dtype_info(t);
    if (n < 0 || n % info.block_elems != 0)
        throw Error("dequantize_row_ref: " + std::to_string(n) + " elements is not a whole number of " +
                    std::string(info.name) + " blocks of " + std::to_string(info.block_elems));
    if (n == 0) return;
    switch (t) {
    case DType::F32: std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float)); return;
    case DType::F16: dequant_half_row(src, dst, n, fp16_to_fp32); return;
    case DType::BF16: dequant_half_row(src, dst, n, bf16_to_fp32); return;
    case DType::Q4_0: for_each_block<BlockQ4_0, QK4_0>(src, dst, n, dequant_q4_0); return;
    case DType::Q4_1: for_each_block<BlockQ4_1, QK4_1>(src, dst, n, dequant_q4_1); return;
    case DType::Q5_0: for_each_block<BlockQ5_0, QK5_0>(src, dst, n, dequant_q5_0); return;
    case DType::Q5_1: for_each_block<BlockQ5_1, QK5_1>(src, dst, n, dequant_q5_1); return;
    case DType::Q8_0: for_each_block<BlockQ8_0, QK8_0>(src, dst, n, dequant_q8_0); return;
    case DType::Q8_1: for_each_block<BlockQ8_1, QK8_1>(src, dst, n, dequant_q8_1); return;
    case DType::Q2_K: for_each_block<BlockQ2_K, QK_K>(src, dst, n, dequant_q2_k); return;
    case DType::Q3_K: for_each_block<BlockQ3_K, QK_K>(src, dst, n, dequant_q3_k); return;
    case DType::Q4_K: for_each_block<BlockQ4_K, QK_K>(src, dst, n, dequant_q4_k); return;
    case DType::Q5_K: for_each_block<BlockQ5_K, QK_K>(src, dst, n, dequant_q5_k); return;
    case DType::Q6_K: for_each_block<BlockQ6_K, QK_K>(src, dst, n, dequant_q6_k); return;
    case DType::Q8_K: for_each_block<BlockQ8_K, QK_K>(src, dst, n, dequant_q8_k); return;
    case DType::IQ4_NL: for_each_block<BlockIQ4_NL, QK4_NL>(src, dst, n, dequant_iq4_nl); return;
    case DType::IQ4_XS: for_each_block<BlockIQ4_XS, QK_K>(src, dst, n, dequant_iq4_xs); return;
    default: break;
    }
    throw Error("dequantize_row_ref: no dequantizer for dtype " + std::string(info.name));
}

bool can_dequantize(DType t) {
    switch (t) {
    case DType::F32: case DType::F16: case DType::BF16: case DType::Q4_0: case DType::Q4_1: case DType::Q5_0:
    case DType::Q5_1: case DType::Q8_0: case DType::Q8_1: case DType::Q2_K: case DType::Q3_K: case DType::Q4_K:
    case DType::Q5_K: case DType::Q6_K: case DType::Q8_K: case DType::IQ4_NL: case DType::IQ4_XS: return true;
    default: return false;
    }
}

}  // namespace snug::quant
