// Tests of base/fp16.h's half and bfloat16 conversions, which every quantized format's scales go through:
// against the F16C instructions where the CPU has them, and against exhaustive / independent rounding checks.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>

#include "base/fp16.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define SNUG_TEST_HAVE_F16C_PATH 1
#endif

namespace snug {
namespace {

bool is_nan_half(uint16_t h) { return (h & 0x7c00u) == 0x7c00u && (h & 0x3ffu) != 0; }
bool is_nan_bf16(uint16_t h) { return (h & 0x7f80u) == 0x7f80u && (h & 0x7fu) != 0; }

TEST(Fp16, KnownValues) {
    EXPECT_EQ(fp16_to_fp32(0x3c00), 1.0f);
    EXPECT_EQ(fp16_to_fp32(0xc000), -2.0f);
    EXPECT_EQ(fp16_to_fp32(0x3800), 0.5f);
    EXPECT_EQ(fp16_to_fp32(0x7bff), 65504.0f);           // largest finite half
    EXPECT_EQ(fp16_to_fp32(0x0400), std::ldexp(1.0f, -14));  // smallest normal
    EXPECT_EQ(fp16_to_fp32(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
    EXPECT_EQ(fp16_to_fp32(0x03ff), std::ldexp(1023.0f, -24));
    EXPECT_EQ(fp32_to_bits(fp16_to_fp32(0x8000)), 0x80000000u);  // -0 keeps its sign
    EXPECT_TRUE(std::isinf(fp16_to_fp32(0x7c00)));
    EXPECT_TRUE(std::isnan(fp16_to_fp32(0x7e00)));

    EXPECT_EQ(fp32_to_fp16(1.0f), 0x3c00);
    EXPECT_EQ(fp32_to_fp16(65504.0f), 0x7bff);
    EXPECT_EQ(fp32_to_fp16(65519.99f), 0x7bff);  // just under the rounding boundary to infinity
    EXPECT_EQ(fp32_to_fp16(65520.0f), 0x7c00);   // the boundary ties to even: infinity
    EXPECT_EQ(fp32_to_fp16(-1e9f), 0xfc00);
    EXPECT_EQ(fp32_to_fp16(1.0f + std::ldexp(1.0f, -11)), 0x3c00);      // tie, even stays
    EXPECT_EQ(fp32_to_fp16(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);  // tie, odd rounds up
    EXPECT_EQ(fp32_to_fp16(std::ldexp(1.0f, -25)), 0x0000);             // half of the smallest subnormal: tie to 0
    EXPECT_EQ(fp32_to_fp16(std::nextafter(std::ldexp(1.0f, -25), 1.0f)), 0x0001);
    EXPECT_EQ(fp32_to_fp16(std::ldexp(3.0f, -25)), 0x0002);             // 1.5 ulp: tie to even 2
    EXPECT_EQ(fp32_to_fp16(-0.0f), 0x8000);
    EXPECT_TRUE(is_nan_half(fp32_to_fp16(std::nanf(""))));
}

TEST(Fp16, EveryHalfRoundTrips) {
    for (uint32_t h = 0; h < 65536; ++h) {
        const auto hh = static_cast<uint16_t>(h);
        const float f = fp16_to_fp32(hh);
        if (is_nan_half(hh)) {
            EXPECT_TRUE(std::isnan(f)) << std::hex << h;
            EXPECT_TRUE(is_nan_half(fp32_to_fp16(f))) << std::hex << h;
        } else {
            ASSERT_EQ(fp32_to_fp16(f), hh) << std::hex << h;
        }
    }
}

#ifdef SNUG_TEST_HAVE_F16C_PATH
__attribute__((target("f16c"))) uint16_t hw_fp32_to_fp16(float f) {
    return static_cast<uint16_t>(_cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT));
}
__attribute__((target("f16c"))) float hw_fp16_to_fp32(uint16_t h) { return _cvtsh_ss(h); }

// CPUID leaf 1, ECX bit 29 (clang does not accept "f16c" in __builtin_cpu_supports).
bool cpu_has_f16c() {
    unsigned a = 0, b = 0, c = 0, d = 0;
    return __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 29)) != 0;
}

TEST(Fp16, EveryHalfMatchesF16c) {
    if (!cpu_has_f16c()) GTEST_SKIP() << "CPU lacks F16C";
    for (uint32_t h = 0; h < 65536; ++h) {
        const auto hh = static_cast<uint16_t>(h);
        const float want = hw_fp16_to_fp32(hh);
        const float got = fp16_to_fp32(hh);
        if (std::isnan(want)) {
            EXPECT_TRUE(std::isnan(got)) << std::hex << h;
        } else {
            ASSERT_EQ(fp32_to_bits(got), fp32_to_bits(want)) << std::hex << h;
        }
    }
}

// 2^32 floats are too many for a unit test: a stride prime to 2^32 visits every exponent and many mantissa
// patterns, plus random bit patterns and the neighbourhood of every half's rounding boundaries.
TEST(Fp16, SampledFloatsMatchF16c) {
    if (!cpu_has_f16c()) GTEST_SKIP() << "CPU lacks F16C";
    auto check = [](uint32_t bits) {
        const float f = fp32_from_bits(bits);
        const uint16_t got = fp32_to_fp16(f);
        const uint16_t want = hw_fp32_to_fp16(f);
        if (std::isnan(f)) return is_nan_half(got);
        return got == want;
    };
    int64_t n_bad = 0;
    uint32_t first_bad = 0;
    auto note = [&](uint32_t bits) {
        if (!check(bits) && n_bad++ == 0) first_bad = bits;
    };
    for (uint64_t b = 0; b < (uint64_t{1} << 32); b += 1999) note(static_cast<uint32_t>(b));  // ~2.1M
    std::mt19937 rng(20240521);
    for (int i = 0; i < 1000000; ++i) note(static_cast<uint32_t>(rng()));
    // around every half-way point between neighbouring halves (where rounding decides), both signs
    for (uint32_t h = 0; h < 0x7bff; ++h) {  // 0x7bff..inf is checked in KnownValues
        const uint32_t mid = fp32_to_bits((fp16_to_fp32(static_cast<uint16_t>(h)) +
                                           fp16_to_fp32(static_cast<uint16_t>(h + 1))) / 2);
        for (uint32_t d = 0; d < 3; ++d) {
            note(mid - 1 + d);
            note((mid - 1 + d) | 0x80000000u);
        }
    }
    EXPECT_EQ(n_bad, 0) << "first mismatch at float bits 0x" << std::hex << first_bad;
}
#endif

TEST(Bf16, KnownValues) {
    EXPECT_EQ(bf16_to_fp32(0x3f80), 1.0f);
    EXPECT_EQ(bf16_to_fp32(0xc040), -3.0f);
    EXPECT_EQ(fp32_to_bf16(1.0f), 0x3f80);
    EXPECT_EQ(fp32_to_bf16(fp32_from_bits(0x3f808000u)), 0x3f80);  // tie, even stays
    EXPECT_EQ(fp32_to_bf16(fp32_from_bits(0x3f818000u)), 0x3f82);  // tie, odd rounds up
    EXPECT_EQ(fp32_to_bf16(fp32_from_bits(0x3f808001u)), 0x3f81);  // above the tie
    EXPECT_EQ(fp32_to_bf16(fp32_from_bits(0x7f7fffffu)), 0x7f80);  // max float rounds to infinity
    EXPECT_TRUE(is_nan_bf16(fp32_to_bf16(fp32_from_bits(0x7f800001u))));  // a NaN that truncation would make inf
}

TEST(Bf16, EveryBf16RoundTrips) {
    for (uint32_t h = 0; h < 65536; ++h) {
        const auto hh = static_cast<uint16_t>(h);
        const float f = bf16_to_fp32(hh);
        ASSERT_EQ(fp32_to_bits(f), h << 16);
        if (is_nan_bf16(hh)) EXPECT_TRUE(is_nan_bf16(fp32_to_bf16(f))) << std::hex << h;
        else ASSERT_EQ(fp32_to_bf16(f), hh) << std::hex << h;
    }
}

// Value of a bf16 bit pattern, with the all-ones exponent read as 2^128 (the next step after the largest finite
// value) so that round-to-nearest can be judged at the overflow edge.
double bf16_value_extended(uint32_t bits16) {
    const double sign = (bits16 & 0x8000u) ? -1.0 : 1.0;
    const int exp = static_cast<int>((bits16 >> 7) & 0xffu);
    const double mant = static_cast<double>(bits16 & 0x7fu);
    if (exp == 0) return sign * std::ldexp(mant, -133);
    return sign * std::ldexp(128.0 + mant, exp - 134);
}

// Independent check of round-to-nearest-even: the result is whichever of the two bf16s bracketing f is nearer.
TEST(Bf16, SampledFloatsRoundToNearestEven) {
    std::mt19937 rng(7);
    int64_t n_bad = 0;
    for (int i = 0; i < 2000000; ++i) {
        const uint32_t bits = i < 1000000 ? static_cast<uint32_t>(i) * 4294u : static_cast<uint32_t>(rng());
        const float f = fp32_from_bits(bits);
        if (std::isnan(f) || std::isinf(f)) continue;
        const uint32_t lo = bits >> 16;  // toward zero
        const uint32_t hi = lo + 1;      // away from zero
        const double x = f;
        const double dlo = std::fabs(x - bf16_value_extended(lo)), dhi = std::fabs(x - bf16_value_extended(hi));
        const uint32_t want = dlo < dhi ? lo : dhi < dlo ? hi : ((lo & 1u) ? hi : lo);
        if (fp32_to_bf16(f) != want) ++n_bad;
    }
    EXPECT_EQ(n_bad, 0);
}

}  // namespace
}  // namespace snug
