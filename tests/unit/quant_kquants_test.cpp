// Hand-built K-quant and IQ4_XS blocks. Packed 6-bit scale bytes are written out literally (worked by hand from
// the layouts in quant/blocks.h), and expected values come from the format formulas, computed by walking each
// byte to the elements it holds (the opposite direction to the dequantizers, which gather per element). Every
// sub-block gets a distinct scale so a wrong scale index shows, and all values are exact in float.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "quant/quant.h"

namespace snug::quant {
namespace {

constexpr uint16_t H_ONE = 0x3c00, H_HALF = 0x3800, H_QUARTER = 0x3400, H_MINUS_ONE = 0xbc00;
constexpr float F_HALF = 0.5f, F_QUARTER = 0.25f;

void put16(std::vector<uint8_t>& b, size_t at, uint16_t v) {
    b[at] = static_cast<uint8_t>(v & 0xff);
    b[at + 1] = static_cast<uint8_t>(v >> 8);
}

// Deterministic byte patterns that hit every nibble and bit value across a block.
uint8_t pattern(int i, int salt) { return static_cast<uint8_t>(i * 37 + salt * 101 + (i >> 3) * 11); }

std::vector<float> dequant(DType t, const std::vector<uint8_t>& bytes, int64_t n) {
    std::vector<float> y(static_cast<size_t>(n), -12345.0f);
    dequantize_row_ref(t, bytes.data(), y.data(), n);
    return y;
}

// Q4_K / Q5_K scale bytes and the (scale, min) pairs they encode. j >= 4 use their high bits.
const uint8_t K4_SCALE_BYTES[12] = {0x41, 0x8a, 0xdf, 0xfe, 0xc7, 0x00, 0xad, 0x4c, 0xf0, 0x01, 0x02, 0x1f};
const int K4_SC[8] = {1, 10, 31, 62, 16, 33, 50, 63};
const int K4_M[8] = {7, 0, 45, 12, 63, 0, 32, 17};

// ---- Q2_K: 84 bytes: scales[16] @0, qs[64] @16, d @80, dmin @82 ----

TEST(QuantKQuants, Q2_K) {
    std::vector<uint8_t> b(2 * 84);
    for (int blk = 0; blk < 2; ++blk) {
        const size_t o = 84 * blk;
        for (int j = 0; j < 16; ++j) b[o + j] = static_cast<uint8_t>(j | ((15 - j) << 4));  // sc j, min 15 - j
        for (int i = 0; i < 64; ++i) b[o + 16 + i] = pattern(i, blk);
        put16(b, o + 80, blk == 0 ? H_HALF : H_ONE);
        put16(b, o + 82, H_QUARTER);
    }
    b[16 + 40] = 0x30;  // byte 40 (second half, l = 8): q 3 only at shift 4, i.e. element 128 + 64 + 8 = 200
    const auto y = dequant(DType::Q2_K, b, 512);

    std::vector<float> want(512);
    for (int blk = 0; blk < 2; ++blk) {
        const float d = blk == 0 ? 0.5f : 1.0f;
        for (int byte = 0; byte < 64; ++byte) {
            for (int s = 0; s < 4; ++s) {
                const int e = 128 * (byte / 32) + 32 * s + byte % 32;
                const int q = (b[84 * blk + 16 + byte] >> (2 * s)) & 3;
                const int j = e / 16;
                want[256 * blk + e] = d * j * q - F_QUARTER * (15 - j);
            }
        }
    }
    for (int e = 0; e < 512; ++e) ASSERT_EQ(y[e], want[e]) << "element " << e;
    EXPECT_EQ(y[0], -3.75f);    // sub-block 0: scale 0, min 15
    EXPECT_EQ(y[200], 17.25f);  // sub-block 12: 0.5 * 12 * 3 - 0.25 * 3
    EXPECT_EQ(y[136], -1.75f);  // byte 40 at shift 0: q 0, sub-block 8 min 7
}

// ---- Q3_K: 110 bytes: hmask[32] @0, qs[64] @32, scales[12] @96, d @108 ----

// 16 six-bit scales (biased by 32) and their packing, worked by hand.
const int Q3_S[16] = {0, 63, 32, 31, 1, 62, 16, 48, 33, 15, 47, 5, 40, 24, 60, 8};
const uint8_t Q3_SCALE_BYTES[12] = {0x10, 0xff, 0xf0, 0x5f, 0x81, 0x8e, 0xc0, 0x80, 0xa0, 0x4f, 0xe6, 0x0d};

TEST(QuantKQuants, Q3_K) {
    std::vector<uint8_t> b(110);
    for (int i = 0; i < 32; ++i) b[i] = pattern(i, 3);
    for (int i = 0; i < 64; ++i) b[32 + i] = pattern(i, 4);
    std::memcpy(&b[96], Q3_SCALE_BYTES, 12);
    put16(b, 108, H_QUARTER);
    // spot elements: 5 (q2 0, high clear), 133 (q2 3, high set), 255 (q2 3, high clear), 31 (q2 1, high clear)
    b[5] = 0x10;         // hmask[5]: only element 32 * 4 + 5 = 133 has its high bit
    b[32 + 5] = 0x00;    // qs[5]: elements 5, 37, 69, 101 -> q2 0
    b[32 + 37] = 0x03;   // qs[37]: element 133 -> q2 3
    b[31] = 0x00;        // hmask[31]: no high bits for 31, 63, ..., 255
    b[32 + 63] = 0xc0;   // qs[63]: element 255 -> q2 3
    b[32 + 31] = 0x01;   // qs[31]: element 31 -> q2 1
    const auto y = dequant(DType::Q3_K, b, 256);

    for (int byte = 0; byte < 64; ++byte) {
        for (int s = 0; s < 4; ++s) {
            const int e = 128 * (byte / 32) + 32 * s + byte % 32;
            const int q2 = (b[32 + byte] >> (2 * s)) & 3;
            const bool high = (b[e % 32] >> (e / 32)) & 1;
            const float want = F_QUARTER * (Q3_S[e / 16] - 32) * (q2 - (high ? 0 : 4));
            ASSERT_EQ(y[e], want) << "element " << e;
        }
    }
    EXPECT_EQ(y[5], 32.0f);     // 0.25 * (0 - 32) * (0 - 4)
    EXPECT_EQ(y[37], 0.0f);     // sub-block 2: scale 32 - 32 = 0
    EXPECT_EQ(y[133], 0.75f);   // 0.25 * (33 - 32) * 3
    EXPECT_EQ(y[255], 6.0f);    // 0.25 * (8 - 32) * (3 - 4)
    EXPECT_EQ(y[31], -23.25f);  // 0.25 * (63 - 32) * (1 - 4)
}

// ---- Q4_K: 144 bytes: d @0, dmin @2, scales[12] @4, qs[128] @16 ----

TEST(QuantKQuants, Q4_K) {
    std::vector<uint8_t> b(2 * 144);
    for (int blk = 0; blk < 2; ++blk) {
        const size_t o = 144 * blk;
        put16(b, o, blk == 0 ? H_HALF : H_MINUS_ONE);
        put16(b, o + 2, H_QUARTER);
        std::memcpy(&b[o + 4], K4_SCALE_BYTES, 12);
        for (int i = 0; i < 128; ++i) b[o + 16 + i] = pattern(i, blk + 5);
    }
    b[16 + 0] = 0xf0;  // element 0: q 0; element 32: q 15
    const auto y = dequant(DType::Q4_K, b, 512);

    for (int blk = 0; blk < 2; ++blk) {
        const float d = blk == 0 ? 0.5f : -1.0f;
        for (int byte = 0; byte < 128; ++byte) {
            const int c = byte / 32, l = byte % 32;
            const uint8_t v = b[144 * blk + 16 + byte];
            const int e_lo = 64 * c + l, e_hi = 64 * c + 32 + l;
            ASSERT_EQ(y[256 * blk + e_lo], d * K4_SC[2 * c] * (v & 0xf) - F_QUARTER * K4_M[2 * c])
                << blk << " " << e_lo;
            ASSERT_EQ(y[256 * blk + e_hi], d * K4_SC[2 * c + 1] * (v >> 4) - F_QUARTER * K4_M[2 * c + 1])
                << blk << " " << e_hi;
        }
    }
    EXPECT_EQ(y[0], -1.75f);   // 0.5 * 1 * 0 - 0.25 * 7
    EXPECT_EQ(y[32], 75.0f);   // 0.5 * 10 * 15 - 0
}

// ---- Q5_K: 176 bytes: d @0, dmin @2, scales[12] @4, qh[32] @16, qs[128] @48 ----

TEST(QuantKQuants, Q5_K) {
    std::vector<uint8_t> b(176);
    put16(b, 0, H_HALF);
    put16(b, 2, H_QUARTER);
    std::memcpy(&b[4], K4_SCALE_BYTES, 12);
    for (int i = 0; i < 32; ++i) b[16 + i] = pattern(i, 7);
    for (int i = 0; i < 128; ++i) b[48 + i] = pattern(i, 8);
    b[16 + 3] = 0x80;   // qh[3]: only bit 7 -> element 64 * 3 + 32 + 3 = 227 gets 16
    b[48 + 96 + 3] = 0xf0;  // qs[99]: element 195 nibble 0, element 227 nibble 15 -> q 31
    const auto y = dequant(DType::Q5_K, b, 256);

    for (int byte = 0; byte < 128; ++byte) {
        const int c = byte / 32, l = byte % 32;
        const uint8_t v = b[48 + byte];
        const int hi_lo = (b[16 + l] >> (2 * c)) & 1, hi_hi = (b[16 + l] >> (2 * c + 1)) & 1;
        const int e_lo = 64 * c + l, e_hi = 64 * c + 32 + l;
        ASSERT_EQ(y[e_lo], F_HALF * K4_SC[2 * c] * ((v & 0xf) + 16 * hi_lo) - F_QUARTER * K4_M[2 * c]) << e_lo;
        ASSERT_EQ(y[e_hi], F_HALF * K4_SC[2 * c + 1] * ((v >> 4) + 16 * hi_hi) - F_QUARTER * K4_M[2 * c + 1]) << e_hi;
    }
    EXPECT_EQ(y[195], -8.0f);    // sub-block 6: 0.5 * 50 * 0 - 0.25 * 32
    EXPECT_EQ(y[227], 972.25f);  // sub-block 7: 0.5 * 63 * 31 - 0.25 * 17
}

// ---- Q6_K: 210 bytes: ql[128] @0, qh[64] @128, scales[16] (int8) @192, d @208 ----

const int Q6_SC[16] = {1, -1, 2, -3, 5, -8, 13, -21, 34, -55, 89, -128, 127, 0, 7, -7};

TEST(QuantKQuants, Q6_K) {
    std::vector<uint8_t> b(210);
    for (int i = 0; i < 128; ++i) b[i] = pattern(i, 9);
    for (int i = 0; i < 64; ++i) b[128 + i] = pattern(i, 10);
    for (int j = 0; j < 16; ++j) b[192 + j] = static_cast<uint8_t>(static_cast<int8_t>(Q6_SC[j]));
    put16(b, 208, H_QUARTER);
    b[0] = 0x21;
    b[32] = 0x0f;
    b[128] = 0xe4;  // 0b11'10'01'00: high bits 0, 1, 2, 3 for elements 0, 32, 64, 96
    const auto y = dequant(DType::Q6_K, b, 256);

    std::vector<int> q(256, -1);
    for (int h = 0; h < 2; ++h) {
        for (int l = 0; l < 32; ++l) {
            const uint8_t a = b[64 * h + l], c = b[64 * h + 32 + l], hb = b[128 + 32 * h + l];
            q[128 * h + l] = (a & 0xf) | ((hb & 3) << 4);
            q[128 * h + 32 + l] = (c & 0xf) | (((hb >> 2) & 3) << 4);
            q[128 * h + 64 + l] = (a >> 4) | (((hb >> 4) & 3) << 4);
            q[128 * h + 96 + l] = (c >> 4) | (((hb >> 6) & 3) << 4);
        }
    }
    for (int e = 0; e < 256; ++e) ASSERT_EQ(y[e], F_QUARTER * Q6_SC[e / 16] * (q[e] - 32)) << "element " << e;
    EXPECT_EQ(y[0], -7.75f);   // q 1: 0.25 * 1 * -31
    EXPECT_EQ(y[32], -0.5f);   // q 15 | 1 << 4 = 31: 0.25 * 2 * -1
    EXPECT_EQ(y[64], 2.5f);    // q 2 | 2 << 4 = 34: 0.25 * 5 * 2
    EXPECT_EQ(y[96], 52.0f);   // q 0 | 3 << 4 = 48: 0.25 * 13 * 16
}

// ---- IQ4_XS: 136 bytes: d @0, scales_h (uint16) @2, scales_l[4] @4, qs[128] @8 ----

TEST(QuantKQuants, IQ4_XS) {
    const float levels[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
    const int ls[8] = {0, 63, 32, 33, 31, 1, 48, 16};
    std::vector<uint8_t> b(136);
    put16(b, 0, H_HALF);
    put16(b, 2, 0x71ac);  // high 2 bits of ls: 0, 3, 2, 2, 1, 0, 3, 1
    const uint8_t scales_l[4] = {0xf0, 0x10, 0x1f, 0x00};
    std::memcpy(&b[4], scales_l, 4);
    for (int i = 0; i < 128; ++i) b[8 + i] = pattern(i, 11);
    b[8 + 16] = 0xf0;  // chunk 1, byte 0: element 32 -> level 0 (-127), element 48 -> level 15 (113)
    const auto y = dequant(DType::IQ4_XS, b, 256);

    for (int byte = 0; byte < 128; ++byte) {
        const int j = byte / 16, l = byte % 16;
        const uint8_t v = b[8 + byte];
        ASSERT_EQ(y[32 * j + l], F_HALF * (ls[j] - 32) * levels[v & 0xf]) << j << " " << l;
        ASSERT_EQ(y[32 * j + 16 + l], F_HALF * (ls[j] - 32) * levels[v >> 4]) << j << " " << l;
    }
    EXPECT_EQ(y[32], -1968.5f);  // 0.5 * 31 * -127
    EXPECT_EQ(y[48], 1751.5f);   // 0.5 * 31 * 113
}

}  // namespace
}  // namespace snug::quant
