// quant/quant_internal.h: helpers shared by the reference (de)quantizers: alignment-safe block access, half
// conversion and the packed 6-bit scale codecs of the K-quants. Not part of quant's public API.
#pragma once
#include <cstdint>
#include <cstring>

#include "base/fp16.h"
#include "quant/blocks.h"

namespace snug::quant::detail {

// Block i of an array that may sit at any address (mapped files give no alignment promise we can rely on).
template <class Block>
inline Block load_block(const void* src, int64_t i) {
    Block b;
    std::memcpy(&b, static_cast<const uint8_t*>(src) + i * static_cast<int64_t>(sizeof(Block)), sizeof(Block));
    return b;
}

template <class Block>
inline void store_block(void* dst, int64_t i, const Block& b) {
    std::memcpy(static_cast<uint8_t*>(dst) + i * static_cast<int64_t>(sizeof(Block)), &b, sizeof(Block));
}

inline float half(uint16_t h) { return fp16_to_fp32(h); }
inline uint16_t to_half(float f) { return fp32_to_fp16(f); }

// Round to nearest, ties to even, for |x| <= 2^22: adding 1.5 * 2^23 leaves the rounded integer in the low
// mantissa bits. ggml's K-quant code rounds this way (not like lroundf, which rounds ties away from zero), and
// bit-exact quantization depends on it. Larger inputs give a wrapped value, as in ggml; callers clamp.
inline int nearest_int(float x) {
    const float v = x + 12582912.f;
    int32_t bits;
    std::memcpy(&bits, &v, sizeof(bits));
    return (bits & 0x007fffff) - 0x00400000;
}

// Q4_K / Q5_K: sub-block j's (6-bit scale, 6-bit min) from the 12 packed bytes (layout in blocks.h).
inline void get_scale_min_k4(int j, const uint8_t* q, uint8_t& sc, uint8_t& m) {
    if (j < 4) {
        sc = q[j] & 63;
        m = q[j + 4] & 63;
    } else {
        sc = static_cast<uint8_t>((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
        m = static_cast<uint8_t>((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

// Inverse of get_scale_min_k4. Writes sub-blocks in order 0..7 into zeroed bytes: j >= 4 ORs into bytes that
// j - 4 already wrote.
inline void set_scale_min_k4(int j, uint8_t sc, uint8_t m, uint8_t* q) {
    if (j < 4) {
        q[j] = sc;
        q[j + 4] = m;
    } else {
        q[j + 4] = static_cast<uint8_t>((sc & 0xF) | ((m & 0xF) << 4));
        q[j - 4] |= static_cast<uint8_t>((sc >> 4) << 6);
        q[j] |= static_cast<uint8_t>((m >> 4) << 6);
    }
}

// Q3_K: sub-block j's 6-bit scale, still biased by 32 (layout in blocks.h).
inline int get_scale_q3_k(int j, const uint8_t* scales) {
    const int low = j < 8 ? (scales[j] & 0xF) : (scales[j - 8] >> 4);
    const int high = (scales[8 + j % 4] >> (2 * (j / 4))) & 3;
    return low | (high << 4);
}

// IQ4_XS: sub-block j's 6-bit scale, still biased by 32.
inline int get_scale_iq4_xs(int j, const BlockIQ4_XS& b) {
    return ((b.scales_l[j / 2] >> (4 * (j % 2))) & 0xF) | (((b.scales_h >> (2 * j)) & 3) << 4);
}

// K-quant and IQ4 reference quantizers (quantize_k.cpp): nb blocks from x[0 .. nb * block size).
void quantize_q2_k(const float* x, void* dst, int64_t nb);
void quantize_q3_k(const float* x, void* dst, int64_t nb);
void quantize_q4_k(const float* x, void* dst, int64_t nb);
void quantize_q5_k(const float* x, void* dst, int64_t nb);
void quantize_q6_k(const float* x, void* dst, int64_t nb);
void quantize_q8_k(const float* x, void* dst, int64_t nb);
void quantize_iq4_nl(const float* x, void* dst, int64_t nb);
void quantize_iq4_xs(const float* x, void* dst, int64_t nb);

}  // namespace snug::quant::detail
