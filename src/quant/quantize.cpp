// quant/quantize.cpp: round-to-nearest reference quantizers for the 32-element formats and the float types, and
// the quantize_row_ref dispatch. Each follows ggml's quantize_row_*_ref (ggml/src/ggml-quants.c) operation for
// operation, so the bytes match what llama-quantize writes without an importance matrix. K-quants and IQ4 are
// in quantize_k.cpp.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "base/error.h"
#include "quant/quant.h"
#include "quant/quant_internal.h"

namespace snug::quant {
namespace {

using detail::store_block;
using detail::to_half;

// Largest |x| and the signed value that has it (the first one, on ties).
struct AbsMax {
    float amax = 0.0f;
    float max = 0.0f;
};

AbsMax abs_max(const float* x, int n) {
    AbsMax r;
    for (int j = 0; j < n; ++j) {
        if (r.amax < std::fabs(x[j])) {
            r.amax = std::fabs(x[j]);
            r.max = x[j];
        }
    }
    return r;
}

// Symmetric formats scale so that the largest-magnitude value maps to the most negative level (-8 or -16),
// which gains one level over mapping it to +7 / +15.
void quantize_q4_0(const float* x, void* dst, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, x += QK4_0) {
        const float d = abs_max(x, QK4_0).max / -8;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        BlockQ4_0 b{};
        b.d = to_half(d);
        for (int j = 0; j < QK4_0 / 2; ++j) {
            // truncation of a value in [0.5, 16.5] == round(x * id) + 8, with 16 clipped to 15
            const int q0 = std::min(15, static_cast<int>(x[j] * id + 8.5f));
            const int q1 = std::min(15, static_cast<int>(x[j + QK4_0 / 2] * id + 8.5f));
            b.qs[j] = static_cast<uint8_t>(q0 | (q1 << 4));
        }
        store_block(dst, i, b);
    }
}

struct MinMax {
    float min, max;
};

MinMax min_max(const float* x, int n) {
    MinMax r{std::numeric_limits<float>::max(), -std::numeric_limits<float>::max()};
    for (int j = 0; j < n; ++j) {
        if (x[j] < r.min) r.min = x[j];
        if (x[j] > r.max) r.max = x[j];
    }
    return r;
}

void quantize_q4_1(const float* x, void* dst, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, x += QK4_1) {
        const MinMax mm = min_max(x, QK4_1);
        const float d = (mm.max - mm.min) / 15;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        BlockQ4_1 b{};
        b.d = to_half(d);
        b.m = to_half(mm.min);
        for (int j = 0; j < QK4_1 / 2; ++j) {
            const int q0 = std::min(15, static_cast<int>((x[j] - mm.min) * id + 0.5f));
            const int q1 = std::min(15, static_cast<int>((x[j + QK4_1 / 2] - mm.min) * id + 0.5f));
            b.qs[j] = static_cast<uint8_t>(q0 | (q1 << 4));
        }
        store_block(dst, i, b);
    }
}

// Splits 5-bit values q[0..32) into Q5's nibbles and fifth-bit word.
template <class Block>
void pack_q5(const int* q, Block& b) {
    uint32_t qh = 0;
    for (int j = 0; j < 16; ++j) {
        b.qs[j] = static_cast<uint8_t>((q[j] & 0xF) | ((q[j + 16] & 0xF) << 4));
        qh |= static_cast<uint32_t>((q[j] >> 4) & 1) << j;
        qh |= static_cast<uint32_t>((q[j + 16] >> 4) & 1) << (j + 16);
    }
    std::memcpy(b.qh, &qh, sizeof(qh));
}

void quantize_q5_0(const float* x, void* dst, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, x += QK5_0) {
        const float d = abs_max(x, QK5_0).max / -16;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        BlockQ5_0 b{};
        b.d = to_half(d);
        int q[QK5_0];
        for (int j = 0; j < QK5_0; ++j) q[j] = std::min(31, static_cast<int>(x[j] * id + 16.5f));
        pack_q5(q, b);
        store_block(dst, i, b);
    }
}

void quantize_q5_1(const float* x, void* dst, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, x += QK5_1) {
        const MinMax mm = min_max(x, QK5_1);
        const float d = (mm.max - mm.min) / 31;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        BlockQ5_1 b{};
        b.d = to_half(d);
        b.m = to_half(mm.min);
        int q[QK5_1];
        // NOTE: ggml does not clip to 31 here; (x - min) * id <= 31 up to rounding, so + 0.5 truncates to <= 31.
        for (int j = 0; j < QK5_1; ++j) q[j] = static_cast<int>((x[j] - mm.min) * id + 0.5f);
        pack_q5(q, b);
        store_block(dst, i, b);
    }
}

// Scale so the largest magnitude maps to +-127 (symmetric: no -128).
float q8_scale(const float* x, int n) {
    float amax = 0.0f;
    for (int j = 0; j < n; ++j) amax = std::max(amax, std::fabs(x[j]));
    return amax / 127;
}

void quantize_q8_0(const float* x, void* dst, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, x += QK8_0) {
        const float d = q8_scale(x, QK8_0);
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        BlockQ8_0 b{};
        b.d = to_half(d);
        for (int j = 0; j < QK8_0; ++j) b.qs[j] = static_cast<int8_t>(std::round(x[j] * id));
        store_block(dst, i, b);
    }
}

void quantize_q8_1(const float* x, void* dst, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, x += QK8_1) {
        const float d = q8_scale(x, QK8_1);
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        BlockQ8_1 b{};
        b.d = to_half(d);
        int sum = 0;
        for (int j = 0; j < QK8_1; ++j) {
            b.qs[j] = static_cast<int8_t>(std::round(x[j] * id));
            sum += b.qs[j];
        }
        b.s = to_half(sum * d);  // from the unrounded d, as ggml
        store_block(dst, i, b);
    }
}

void quantize_half_row(const float* x, void* dst, int64_t n, uint16_t (*convert)(float)) {
    auto* p = static_cast<uint8_t*>(dst);
    for (int64_t i = 0; i < n; ++i) {
        const uint16_t h = convert(x[i]);
        std::memcpy(p + 2 * i, &h, 2);
    }
}

}  // namespace

bool can_quantize(DType t) {
    switch (t) {
    case DType::F32: case DType::F16: case DType::BF16: case DType::Q4_0: case DType::Q4_1: case DType::Q5_0:
    case DType::Q5_1: case DType::Q8_0: case DType::Q8_1: case DType::Q2_K: case DType::Q3_K: case DType::Q4_K:
    case DType::Q5_K: case DType::Q6_K: case DType::Q8_K: case DType::IQ4_NL: case DType::IQ4_XS: return true;
    default: return false;
    }
}

void quantize_row_ref(DType t, const float* src, void* dst, int64_t n) {
    const DTypeInfo& info = dtype_info(t);
    if (n < 0 || n % info.block_elems != 0)
        throw Error("quantize_row_ref: " + std::to_string(n) + " elements is not a whole number of " +
                    std::string(info.name) + " blocks of " + std::to_string(info.block_elems));
    if (n == 0) return;
    const int64_t nb = n / info.block_elems;
    switch (t) {
    case DType::F32: std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float)); return;
    case DType::F16: quantize_half_row(src, dst, n, fp32_to_fp16); return;
    case DType::BF16: quantize_half_row(src, dst, n, fp32_to_bf16); return;
    case DType::Q4_0: quantize_q4_0(src, dst, nb); return;
    case DType::Q4_1: quantize_q4_1(src, dst, nb); return;
    case DType::Q5_0: quantize_q5_0(src, dst, nb); return;
    case DType::Q5_1: quantize_q5_1(src, dst, nb); return;
    case DType::Q8_0: quantize_q8_0(src, dst, nb); return;
    case DType::Q8_1: quantize_q8_1(src, dst, nb); return;
    case DType::Q2_K: detail::quantize_q2_k(src, dst, nb); return;
    case DType::Q3_K: detail::quantize_q3_k(src, dst, nb); return;
    case DType::Q4_K: detail::quantize_q4_k(src, dst, nb); return;
    case DType::Q5_K: detail::quantize_q5_k(src, dst, nb); return;
    case DType::Q6_K: detail::quantize_q6_k(src, dst, nb); return;
    case DType::Q8_K: detail::quantize_q8_k(src, dst, nb); return;
    case DType::IQ4_NL: detail::quantize_iq4_nl(src, dst, nb); return;
    case DType::IQ4_XS: detail::quantize_iq4_xs(src, dst, nb); return;
    default: break;
    }
    throw Error("quantize_row_ref: no quantizer for dtype " + std::string(info.name));
}

}  // namespace snug::quant
