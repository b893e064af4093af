// Hand-built blocks of the 32-element formats, the float types and Q8_K, built as raw little-endian bytes at
// ggml's offsets, with expected values worked out from each format's definition. Scales are powers of two or
// small halves so every expected value is exact.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <vector>

#include "base/dtype.h"
#include "base/error.h"
#include "quant/blocks.h"
#include "quant/quant.h"

namespace snug::quant {
namespace {

// Half bit patterns used below (sign | exponent | mantissa written out, independent of fp16.h).
constexpr uint16_t H_ONE = 0x3c00, H_HALF = 0x3800, H_QUARTER = 0x3400, H_TWO = 0x4000, H_MINUS_TWO = 0xc000,
                   H_MINUS_1_5 = 0xbe00, H_0_125 = 0x3000;

void put16(std::vector<uint8_t>& b, size_t at, uint16_t v) {
    b[at] = static_cast<uint8_t>(v & 0xff);
    b[at + 1] = static_cast<uint8_t>(v >> 8);
}

std::vector<float> dequant(DType t, const std::vector<uint8_t>& bytes, int64_t n) {
    std::vector<float> y(static_cast<size_t>(n), -12345.0f);
    dequantize_row_ref(t, bytes.data(), y.data(), n);
    return y;
}

TEST(QuantBlocks, LayoutsMatchGgml) {
    // sizes and field offsets from ggml-common.h
    EXPECT_EQ(sizeof(BlockQ4_0), 18u);
    EXPECT_EQ(offsetof(BlockQ4_0, qs), 2u);
    EXPECT_EQ(offsetof(BlockQ4_1, qs), 4u);
    EXPECT_EQ(offsetof(BlockQ5_0, qh), 2u);
    EXPECT_EQ(offsetof(BlockQ5_0, qs), 6u);
    EXPECT_EQ(offsetof(BlockQ5_1, qh), 4u);
    EXPECT_EQ(offsetof(BlockQ5_1, qs), 8u);
    EXPECT_EQ(offsetof(BlockQ8_0, qs), 2u);
    EXPECT_EQ(offsetof(BlockQ8_1, qs), 4u);
    EXPECT_EQ(offsetof(BlockQ2_K, qs), 16u);
    EXPECT_EQ(offsetof(BlockQ2_K, d), 80u);
    EXPECT_EQ(offsetof(BlockQ2_K, dmin), 82u);
    EXPECT_EQ(offsetof(BlockQ3_K, qs), 32u);
    EXPECT_EQ(offsetof(BlockQ3_K, scales), 96u);
    EXPECT_EQ(offsetof(BlockQ3_K, d), 108u);
    EXPECT_EQ(offsetof(BlockQ4_K, scales), 4u);
    EXPECT_EQ(offsetof(BlockQ4_K, qs), 16u);
    EXPECT_EQ(offsetof(BlockQ5_K, qh), 16u);
    EXPECT_EQ(offsetof(BlockQ5_K, qs), 48u);
    EXPECT_EQ(offsetof(BlockQ6_K, qh), 128u);
    EXPECT_EQ(offsetof(BlockQ6_K, scales), 192u);
    EXPECT_EQ(offsetof(BlockQ6_K, d), 208u);
    EXPECT_EQ(offsetof(BlockQ8_K, qs), 4u);
    EXPECT_EQ(offsetof(BlockQ8_K, bsums), 260u);
    EXPECT_EQ(offsetof(BlockIQ4_XS, scales_h), 2u);
    EXPECT_EQ(offsetof(BlockIQ4_XS, scales_l), 4u);
    EXPECT_EQ(offsetof(BlockIQ4_XS, qs), 8u);
    // and agree with the row geometry in base/dtype
    const std::pair<DType, size_t> sizes[] = {
        {DType::Q4_0, sizeof(BlockQ4_0)}, {DType::Q4_1, sizeof(BlockQ4_1)}, {DType::Q5_0, sizeof(BlockQ5_0)},
        {DType::Q5_1, sizeof(BlockQ5_1)}, {DType::Q8_0, sizeof(BlockQ8_0)}, {DType::Q8_1, sizeof(BlockQ8_1)},
        {DType::Q2_K, sizeof(BlockQ2_K)}, {DType::Q3_K, sizeof(BlockQ3_K)}, {DType::Q4_K, sizeof(BlockQ4_K)},
        {DType::Q5_K, sizeof(BlockQ5_K)}, {DType::Q6_K, sizeof(BlockQ6_K)}, {DType::Q8_K, sizeof(BlockQ8_K)},
        {DType::IQ4_NL, sizeof(BlockIQ4_NL)}, {DType::IQ4_XS, sizeof(BlockIQ4_XS)},
    };
    for (auto [t, size] : sizes) EXPECT_EQ(dtype_info(t).block_bytes, size) << dtype_name(t);
}

TEST(QuantBlocks, FloatTypes) {
    const float f32[3] = {1.5f, -0.0f, 3e38f};
    float y[3];
    dequantize_row_ref(DType::F32, f32, y, 3);
    EXPECT_EQ(std::memcmp(y, f32, sizeof(f32)), 0);

    std::vector<uint8_t> f16(8);
    put16(f16, 0, H_ONE);
    put16(f16, 2, H_MINUS_1_5);
    put16(f16, 4, 0x7bff);  // 65504
    put16(f16, 6, 0x0001);  // 2^-24
    const auto yh = dequant(DType::F16, f16, 4);
    EXPECT_EQ(yh[0], 1.0f);
    EXPECT_EQ(yh[1], -1.5f);
    EXPECT_EQ(yh[2], 65504.0f);
    EXPECT_EQ(yh[3], 5.9604644775390625e-8f);

    std::vector<uint8_t> bf16(6);
    put16(bf16, 0, 0x3f80);  // 1
    put16(bf16, 2, 0xc2f7);  // -123.5
    put16(bf16, 4, 0x7f7f);  // 2^127 * (2 - 2^-7)
    const auto yb = dequant(DType::BF16, bf16, 3);
    EXPECT_EQ(yb[0], 1.0f);
    EXPECT_EQ(yb[1], -123.5f);
    EXPECT_EQ(yb[2], 3.3895313892515355e38f);
}

// Q4_0: x = d * (nibble - 8); byte j: low nibble element j, high nibble element j + 16.
TEST(QuantBlocks, Q4_0) {
    std::vector<uint8_t> b(2 * 18);
    put16(b, 0, H_HALF);
    for (int j = 0; j < 16; ++j) b[2 + j] = static_cast<uint8_t>(j | ((15 - j) << 4));
    put16(b, 18, H_MINUS_TWO);  // second block: negative scale
    for (int j = 0; j < 16; ++j) b[20 + j] = 0xf0;
    const auto y = dequant(DType::Q4_0, b, 64);
    EXPECT_EQ(y[0], -4.0f);   // nibble 0
    EXPECT_EQ(y[8], 0.0f);    // nibble 8
    EXPECT_EQ(y[15], 3.5f);   // nibble 15
    EXPECT_EQ(y[16], 3.5f);   // high nibble of byte 0 = 15
    EXPECT_EQ(y[31], -4.0f);  // high nibble of byte 15 = 0
    for (int j = 0; j < 16; ++j) {
        EXPECT_EQ(y[j], 0.5f * (j - 8));
        EXPECT_EQ(y[16 + j], 0.5f * (7 - j));
        EXPECT_EQ(y[32 + j], 16.0f);       // -2 * (0 - 8)
        EXPECT_EQ(y[48 + j], -14.0f);      // -2 * (15 - 8)
    }
}

// Q4_1: x = d * nibble + m.
TEST(QuantBlocks, Q4_1) {
    std::vector<uint8_t> b(20);
    put16(b, 0, H_QUARTER);
    put16(b, 2, H_MINUS_1_5);
    for (int j = 0; j < 16; ++j) b[4 + j] = static_cast<uint8_t>((15 - j) | (j << 4));
    const auto y = dequant(DType::Q4_1, b, 32);
    EXPECT_EQ(y[0], 2.25f);    // 15 * 0.25 - 1.5
    EXPECT_EQ(y[15], -1.5f);   // 0
    EXPECT_EQ(y[16], -1.5f);
    EXPECT_EQ(y[31], 2.25f);
    for (int j = 0; j < 16; ++j) {
        EXPECT_EQ(y[j], 0.25f * (15 - j) - 1.5f);
        EXPECT_EQ(y[16 + j], 0.25f * j - 1.5f);
    }
}

// Q5_0: q = nibble | (bit k of the little-endian qh word) << 4, x = d * (q - 16).
TEST(QuantBlocks, Q5_0) {
    std::vector<uint8_t> b(22);
    put16(b, 0, H_ONE);
    const uint8_t qh[4] = {0x0f, 0xf0, 0xa5, 0x5a};  // word 0x5aa5f00f
    std::memcpy(&b[2], qh, 4);
    for (int j = 0; j < 16; ++j) b[6 + j] = static_cast<uint8_t>(((j * 7) & 0xf) | (((j * 3 + 5) & 0xf) << 4));
    const auto y = dequant(DType::Q5_0, b, 32);
    const uint32_t word = 0x5aa5f00fu;
    for (int k = 0; k < 32; ++k) {
        const int nibble = k < 16 ? (k * 7) & 0xf : ((k - 16) * 3 + 5) & 0xf;
        const int q = nibble | static_cast<int>((word >> k) & 1u) << 4;
        EXPECT_EQ(y[k], static_cast<float>(q - 16)) << k;
    }
    EXPECT_EQ(y[0], 0.0f);     // nibble 0, bit 0 of byte 0 set: q 16
    EXPECT_EQ(y[4], -4.0f);    // nibble 12, bit 4 clear: q 12
    EXPECT_EQ(y[12], 4.0f);    // nibble 4, bit 12 (byte 1, bit 4) set: q 20
    EXPECT_EQ(y[16], 5.0f);    // high nibble 5 of byte 0, bit 16 (byte 2, bit 0) set: q 21
    EXPECT_EQ(y[31], -14.0f);  // high nibble 2 of byte 15, bit 31 (byte 3, bit 7) clear: q 2
}

// Q5_1: q as Q5_0, x = d * q + m; extremes q = 0 and q = 31.
TEST(QuantBlocks, Q5_1) {
    std::vector<uint8_t> b(24);
    put16(b, 0, H_HALF);
    put16(b, 2, H_MINUS_TWO);
    const uint8_t qh[4] = {0xff, 0x00, 0x01, 0x80};  // elements 0..7, 16 and 31 have the fifth bit
    std::memcpy(&b[4], qh, 4);
    for (int j = 0; j < 16; ++j) b[8 + j] = static_cast<uint8_t>(j < 8 ? 0x0f : 0xf0);
    const auto y = dequant(DType::Q5_1, b, 32);
    for (int k = 0; k < 8; ++k) EXPECT_EQ(y[k], 13.5f);          // q 31: 15.5 - 2
    for (int k = 8; k < 16; ++k) EXPECT_EQ(y[k], -2.0f);         // q 0
    EXPECT_EQ(y[16], 6.0f);                                      // q 16
    for (int k = 17; k < 24; ++k) EXPECT_EQ(y[k], -2.0f);        // q 0
    for (int k = 24; k < 31; ++k) EXPECT_EQ(y[k], 5.5f);         // q 15
    EXPECT_EQ(y[31], 13.5f);                                     // q 31
}

TEST(QuantBlocks, Q8_0) {
    std::vector<uint8_t> b(34);
    put16(b, 0, H_0_125);
    for (int j = 0; j < 32; ++j) b[2 + j] = static_cast<uint8_t>(static_cast<int8_t>(j == 0 ? -128 : 127 - 8 * j));
    const auto y = dequant(DType::Q8_0, b, 32);
    EXPECT_EQ(y[0], -16.0f);
    EXPECT_EQ(y[1], 14.875f);
    for (int j = 1; j < 32; ++j) EXPECT_EQ(y[j], 0.125f * (127 - 8 * j));
}

TEST(QuantBlocks, Q8_1) {
    std::vector<uint8_t> b(36);
    put16(b, 0, H_TWO);
    put16(b, 2, 0x7bff);  // s is metadata for dot products; dequantization ignores it
    for (int j = 0; j < 32; ++j) b[4 + j] = static_cast<uint8_t>(static_cast<int8_t>(j - 16));
    const auto y = dequant(DType::Q8_1, b, 32);
    for (int j = 0; j < 32; ++j) EXPECT_EQ(y[j], 2.0f * (j - 16));
}

// Q8_K's scale is a float32 at offset 0.
TEST(QuantBlocks, Q8_K) {
    std::vector<uint8_t> b(292);
    const float d = -0.5f;
    std::memcpy(&b[0], &d, 4);
    for (int j = 0; j < 256; ++j) b[4 + j] = static_cast<uint8_t>(j);  // int8: 0..127 then -128..-1
    const auto y = dequant(DType::Q8_K, b, 256);
    EXPECT_EQ(y[1], -0.5f);
    EXPECT_EQ(y[127], -63.5f);
    EXPECT_EQ(y[128], 64.0f);  // -128 * -0.5
    EXPECT_EQ(y[255], 0.5f);
    for (int j = 0; j < 256; ++j) EXPECT_EQ(y[j], -0.5f * (j < 128 ? j : j - 256));
}

TEST(QuantBlocks, IQ4_NL) {
    const float levels[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
    std::vector<uint8_t> b(18);
    put16(b, 0, H_HALF);
    for (int j = 0; j < 16; ++j) b[2 + j] = static_cast<uint8_t>(j | ((15 - j) << 4));
    const auto y = dequant(DType::IQ4_NL, b, 32);
    EXPECT_EQ(y[0], -63.5f);
    EXPECT_EQ(y[15], 56.5f);
    EXPECT_EQ(y[16], 56.5f);
    EXPECT_EQ(y[31], -63.5f);
    for (int j = 0; j < 16; ++j) {
        EXPECT_EQ(y[j], 0.5f * levels[j]);
        EXPECT_EQ(y[16 + j], 0.5f * levels[15 - j]);
    }
}

// Rows spanning several blocks, read from an odd address (mapped files promise no alignment).
TEST(QuantBlocks, UnalignedMultiBlockRow) {
    std::vector<uint8_t> buf(1 + 3 * 34);
    for (int i = 0; i < 3; ++i) {
        uint8_t* blk = buf.data() + 1 + 34 * i;
        const uint16_t d = i == 0 ? H_ONE : i == 1 ? H_HALF : H_MINUS_TWO;
        blk[0] = static_cast<uint8_t>(d & 0xff);
        blk[1] = static_cast<uint8_t>(d >> 8);
        for (int j = 0; j < 32; ++j) blk[2 + j] = static_cast<uint8_t>(j + i);
    }
    std::vector<float> y(96);
    dequantize_row_ref(DType::Q8_0, buf.data() + 1, y.data(), 96);
    const float ds[3] = {1.0f, 0.5f, -2.0f};
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 32; ++j) EXPECT_EQ(y[32 * i + j], ds[i] * (j + i));
}

TEST(QuantBlocks, RejectsPartialBlocksAndUnknownTypes) {
    std::vector<uint8_t> b(64);
    float y[64];
    EXPECT_THROW(dequantize_row_ref(DType::Q4_0, b.data(), y, 31), Error);
    EXPECT_THROW(dequantize_row_ref(DType::Q4_K, b.data(), y, 32), Error);
    EXPECT_THROW(dequantize_row_ref(DType::IQ2_XXS, b.data(), y, 256), Error);
    EXPECT_THROW(quantize_row_ref(DType::Q8_0, y, b.data(), 33), Error);
    EXPECT_THROW(quantize_row_ref(DType::IQ1_S, y, b.data(), 256), Error);
    EXPECT_NO_THROW(dequantize_row_ref(DType::Q4_0, b.data(), y, 0));
}

TEST(QuantBlocks, SupportCoversEveryComputableType) {
    for (uint32_t id = 0; id < 64; ++id) {
        const auto info = dtype_info(id);
        if (!info) continue;
        const auto t = static_cast<DType>(id);
        if (info->computable) {
            EXPECT_TRUE(can_dequantize(t)) << info->name;
            EXPECT_TRUE(can_quantize(t)) << info->name;
        }
    }
    EXPECT_TRUE(can_dequantize(DType::Q8_K));
    EXPECT_TRUE(can_quantize(DType::Q8_K));
    EXPECT_FALSE(can_dequantize(DType::IQ2_XXS));
    EXPECT_FALSE(can_quantize(DType::MXFP4));
}

}  // namespace
}  // namespace snug::quant
