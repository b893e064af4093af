// quant/blocks.h: the byte layouts of ggml's quantized block formats, as they sit in GGUF files.
// Owns layouts and constants only; (de)quantization is in quant.h. Fields named d/m/dmin/s hold IEEE half bits
// (read with fp16_to_fp32). Element k of a block means the k-th float of the row segment the block encodes.
//
// Alignment: files place blocks at 2-byte (sometimes odd, for Q8_K) offsets, so code never dereferences a
// Block* into mapped memory: it memcpys a block into a local (load_block in quant_internal.h). Multi-byte fields
// are little-endian, as on every machine snug targets.
#pragma once
#include <cstdint>

namespace snug::quant {

constexpr int QK4_0 = 32, QK4_1 = 32, QK5_0 = 32, QK5_1 = 32, QK8_0 = 32, QK8_1 = 32, QK4_NL = 32;
constexpr int QK_K = 256;         // elements in a K-quant super-block
constexpr int K_SCALE_SIZE = 12;  // bytes holding 8 six-bit scales + 8 six-bit mins (Q4_K, Q5_K)

// Q4_0: 32 elements, 4.5 bits each. qs[j] low nibble = element j, high nibble = element j + 16.
// x = d * (q - 8), q in [0, 15].
struct BlockQ4_0 {
    uint16_t d;              // fp16 scale
    uint8_t qs[QK4_0 / 2];   // nibbles
};
static_assert(sizeof(BlockQ4_0) == 18);

// Q4_1: like Q4_0 with an offset instead of the -8. x = d * q + m, q in [0, 15].
struct BlockQ4_1 {
    uint16_t d;              // fp16 scale
    uint16_t m;              // fp16 min (added)
    uint8_t qs[QK4_1 / 2];   // nibbles, same order as Q4_0
};
static_assert(sizeof(BlockQ4_1) == 20);

// Q5_0: 5-bit q = nibble | (bit << 4). Nibbles as Q4_0; qh is a little-endian uint32 whose bit k is the fifth
// bit of element k (bits 0..15 for elements 0..15, bits 16..31 for elements 16..31). x = d * (q - 16).
struct BlockQ5_0 {
    uint16_t d;              // fp16 scale
    uint8_t qh[4];           // fifth bits, element k at bit k
    uint8_t qs[QK5_0 / 2];   // low nibbles
};
static_assert(sizeof(BlockQ5_0) == 22);

// Q5_1: Q5_0's bits with Q4_1's offset. x = d * q + m, q in [0, 31].
struct BlockQ5_1 {
    uint16_t d;              // fp16 scale
    uint16_t m;              // fp16 min (added)
    uint8_t qh[4];           // fifth bits, element k at bit k
    uint8_t qs[QK5_1 / 2];   // low nibbles
};
static_assert(sizeof(BlockQ5_1) == 24);

// Q8_0: x = d * qs[k].
struct BlockQ8_0 {
    uint16_t d;              // fp16 scale
    int8_t qs[QK8_0];
};
static_assert(sizeof(BlockQ8_0) == 34);

// Q8_1: activation format for dot products with Q4_1/Q5_1. x = d * qs[k]; s = d * sum(qs) precomputed.
struct BlockQ8_1 {
    uint16_t d;              // fp16 scale
    uint16_t s;              // fp16 of d * sum(qs)
    int8_t qs[QK8_1];
};
static_assert(sizeof(BlockQ8_1) == 36);

// Q2_K: 256 elements in 16 sub-blocks of 16. scales[j] low nibble = scale of sub-block j, high nibble = its min.
// qs packs 2-bit q in two halves of 128 elements; in half h, byte qs[32h + l] holds elements 128h + 32s + l at
// bits 2s..2s+1 (s = 0..3, l = 0..31). x = d * (scales[j] & 15) * q - dmin * (scales[j] >> 4), j = element / 16.
struct BlockQ2_K {
    uint8_t scales[QK_K / 16];  // 4-bit scale | 4-bit min << 4, per sub-block of 16
    uint8_t qs[QK_K / 4];       // 2-bit quants
    uint16_t d;                 // fp16 super-scale of the scales
    uint16_t dmin;              // fp16 super-scale of the mins
};
static_assert(sizeof(BlockQ2_K) == 84);

// Q3_K: 256 elements in 16 sub-blocks of 16, 3-bit q = low 2 bits (qs, packed as Q2_K) + high bit (hmask:
// element k's bit is bit k / 32 of hmask[k % 32]). The stored high bit SET means q in [0, 3], CLEAR means q - 4.
// 16 six-bit scales s_j (biased by 32) in 12 bytes: low 4 bits in scales[j] (j < 8, low nibble) or scales[j - 8]
// (j >= 8, high nibble); high 2 bits at bits 2*(j / 4) of scales[8 + j % 4].
// x = d * (s_j - 32) * (q2 - (hbit ? 0 : 4)).
struct BlockQ3_K {
    uint8_t hmask[QK_K / 8];   // high bits
    uint8_t qs[QK_K / 4];      // low 2 bits
    uint8_t scales[12];        // 16 six-bit scales
    uint16_t d;                // fp16 super-scale
};
static_assert(sizeof(BlockQ3_K) == 110);

// Q4_K: 256 elements in 8 sub-blocks of 32, each with a 6-bit scale sc_j and 6-bit min m_j packed in 12 bytes:
// j < 4: sc_j = scales[j] & 63, m_j = scales[j + 4] & 63;
// j >= 4: sc_j = (scales[j + 4] & 15) | (scales[j - 4] >> 6) << 4, m_j = (scales[j + 4] >> 4) | (scales[j] >> 6) << 4.
// qs: 4 chunks of 32 bytes; chunk c's byte l holds element 64c + l (low nibble) and 64c + 32 + l (high nibble).
// x = d * sc_j * q - dmin * m_j.
struct BlockQ4_K {
    uint16_t d;                       // fp16 super-scale of the scales
    uint16_t dmin;                    // fp16 super-scale of the mins
    uint8_t scales[K_SCALE_SIZE];     // 6-bit scales and mins
    uint8_t qs[QK_K / 2];             // 4-bit quants
};
static_assert(sizeof(BlockQ4_K) == 144);

// Q5_K: Q4_K plus a fifth bit: element 64c + l's bit is bit 2c of qh[l], element 64c + 32 + l's is bit 2c + 1.
// x = d * sc_j * (nibble + 16 * bit) - dmin * m_j.
struct BlockQ5_K {
    uint16_t d;                       // fp16 super-scale of the scales
    uint16_t dmin;                    // fp16 super-scale of the mins
    uint8_t scales[K_SCALE_SIZE];     // 6-bit scales and mins, as Q4_K
    uint8_t qh[QK_K / 8];             // fifth bits
    uint8_t qs[QK_K / 2];             // low 4 bits, as Q4_K
};
static_assert(sizeof(BlockQ5_K) == 176);

// Q6_K: 256 elements in 16 sub-blocks of 16, int8 scale each. Two halves of 128 (h = 0, 1); within half h, for
// l = 0..31: element 128h + l        = ql[64h + l] low nibble      | (qh[32h + l] >> 0 & 3) << 4
//            element 128h + 32 + l   = ql[64h + 32 + l] low nibble | (qh[32h + l] >> 2 & 3) << 4
//            element 128h + 64 + l   = ql[64h + l] high nibble     | (qh[32h + l] >> 4 & 3) << 4
//            element 128h + 96 + l   = ql[64h + 32 + l] high nibble| (qh[32h + l] >> 6 & 3) << 4
// x = d * scales[element / 16] * (q - 32), q in [0, 63].
struct BlockQ6_K {
    uint8_t ql[QK_K / 2];       // low 4 bits
    uint8_t qh[QK_K / 4];       // high 2 bits
    int8_t scales[QK_K / 16];   // per sub-block of 16
    uint16_t d;                 // fp16 super-scale
};
static_assert(sizeof(BlockQ6_K) == 210);

// Q8_K: activation format for K-quant dot products. x = d * qs[k], d a float32 (not a half).
struct BlockQ8_K {
    float d;                    // scale
    int8_t qs[QK_K];
    int16_t bsums[QK_K / 16];   // sum of qs in each group of 16
};
static_assert(sizeof(BlockQ8_K) == 292);

// IQ4_NL's 16 non-uniform levels; a 4-bit index selects one.
constexpr int8_t IQ4_NL_VALUES[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

// IQ4_NL: nibbles as Q4_0 (qs[j] low = element j, high = element j + 16). x = d * IQ4_NL_VALUES[nibble].
struct BlockIQ4_NL {
    uint16_t d;               // fp16 scale
    uint8_t qs[QK4_NL / 2];   // indices into IQ4_NL_VALUES
};
static_assert(sizeof(BlockIQ4_NL) == 18);

// IQ4_XS: 256 elements in 8 sub-blocks of 32 with a 6-bit scale ls_j: low 4 bits = nibble (j % 2) of
// scales_l[j / 2], high 2 bits = bits 2j..2j+1 of scales_h. qs: 8 chunks of 16 bytes, chunk j's byte l holds
// element 32j + l (low nibble) and 32j + 16 + l (high nibble). x = d * (ls_j - 32) * IQ4_NL_VALUES[nibble].
struct BlockIQ4_XS {
    uint16_t d;                   // fp16 super-scale
    uint16_t scales_h;            // high 2 bits of the 8 sub-block scales
    uint8_t scales_l[QK_K / 64];  // low 4 bits of the 8 sub-block scales
    uint8_t qs[QK_K / 2];         // indices into IQ4_NL_VALUES
};
static_assert(sizeof(BlockIQ4_XS) == 136);

}  // namespace snug::quant
