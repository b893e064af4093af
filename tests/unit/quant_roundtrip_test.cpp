// quantize_row_ref tests: exact round trips of values on a format's grid, quantize -> dequantize error bounded
// by each format's step, invariants of the activation formats (Q8_1's s, Q8_K's bsums), and golden hashes of
// ggml's own reference quantizer output, so bit-exactness with ggml is checked without ggml in the build.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "base/dtype.h"
#include "base/fp16.h"
#include "quant/blocks.h"
#include "quant/quant.h"

namespace snug::quant {
namespace {

const DType QUANTIZABLE[] = {DType::F32,  DType::F16,  DType::BF16, DType::Q4_0, DType::Q4_1,   DType::Q5_0,
                             DType::Q5_1, DType::Q8_0, DType::Q8_1, DType::Q2_K, DType::Q3_K,   DType::Q4_K,
                             DType::Q5_K, DType::Q6_K, DType::Q8_K, DType::IQ4_NL, DType::IQ4_XS};

std::vector<uint8_t> quantize(DType t, const std::vector<float>& x) {
    std::vector<uint8_t> q(row_bytes(t, static_cast<int64_t>(x.size())), 0xcd);
    quantize_row_ref(t, x.data(), q.data(), static_cast<int64_t>(x.size()));
    return q;
}

std::vector<float> dequantize(DType t, const std::vector<uint8_t>& q, size_t n) {
    std::vector<float> y(n);
    dequantize_row_ref(t, q.data(), y.data(), static_cast<int64_t>(n));
    return y;
}

std::vector<float> round_trip(DType t, const std::vector<float>& x) { return dequantize(t, quantize(t, x), x.size()); }

// Platform-independent test signal: integer LCG, sum of four uniforms (roughly Gaussian, |x| < 2), converted
// exactly to float. `shape` adds outliers, quiet sub-blocks and an offset block, as real weights have;
// `wide` adds blocks scaled by 2^-14 and 2^8. (The tiny ones leave the range of the K-quants' half super-scales:
// Q6_K's d, amax / 4096, underflows to 0 and the block decodes as zeros, in ggml as here.)
std::vector<float> test_signal(int n, uint32_t seed, bool shape, bool wide = false) {
    std::vector<float> x(static_cast<size_t>(n));
    uint32_t s = seed;
    auto next = [&] {
        s = s * 1664525u + 1013904223u;
        return static_cast<int32_t>(s >> 12) - (1 << 19);
    };
    for (int i = 0; i < n; ++i) {
        int32_t v = next() + next() + next() + next();
        if (shape) {
            if (i % 97 == 0) v *= 5;
            if ((i / 32) % 11 == 3) v >>= 6;
            if ((i / 256) % 4 == 2) v = (v >> 2) + (1 << 18);
        }
        float scale = 1.0f / 1048576.0f;
        if (wide && (i / 256) % 8 == 5) scale /= 16384.0f;
        if (wide && (i / 256) % 8 == 7) scale *= 256.0f;
        x[static_cast<size_t>(i)] = static_cast<float>(v) * scale;
    }
    return x;
}

uint64_t fnv1a(const void* p, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; ++i) {
        h ^= static_cast<const uint8_t*>(p)[i];
        h *= 1099511628211ull;
    }
    return h;
}

// ---- exact round trips: values already on the grid come back unchanged ----

TEST(QuantRoundTrip, GridValuesAreExact) {
    std::vector<float> x(32);
    // Q4_0: d = 0.5, the block's largest magnitude is the -8 level
    for (int j = 0; j < 32; ++j) x[j] = 0.5f * ((j % 16) - 8);
    EXPECT_EQ(round_trip(DType::Q4_0, x), x);
    const auto q4 = quantize(DType::Q4_0, x);
    EXPECT_EQ(q4[0], 0x00);  // d = 0.5 = half 0x3800, little-endian
    EXPECT_EQ(q4[1], 0x38);
    for (int j = 0; j < 16; ++j) EXPECT_EQ(q4[2 + j], j * 0x11) << j;  // element j and j + 16 both hold j

    // Q5_0: d = 0.25, levels -16..15
    for (int j = 0; j < 32; ++j) x[j] = 0.25f * (j - 16);
    EXPECT_EQ(round_trip(DType::Q5_0, x), x);

    // Q4_1 / Q5_1: min -1, d 0.25 (the max is min + 15 d or min + 31 d)
    for (int j = 0; j < 32; ++j) x[j] = -1.0f + 0.25f * (j % 16);
    EXPECT_EQ(round_trip(DType::Q4_1, x), x);
    for (int j = 0; j < 32; ++j) x[j] = -1.0f + 0.25f * (31 - j);
    EXPECT_EQ(round_trip(DType::Q5_1, x), x);

    // Q8_0 / Q8_1: d = 1/8 with +-127 present
    for (int j = 0; j < 32; ++j) x[j] = 0.125f * (j == 0 ? 127 : 8 * j - 127);
    EXPECT_EQ(round_trip(DType::Q8_0, x), x);
    EXPECT_EQ(round_trip(DType::Q8_1, x), x);

    // IQ4_NL: d = 0.5 times the levels; -127 present sets the scale exactly
    const int levels[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
    for (int j = 0; j < 32; ++j) x[j] = 0.5f * levels[(j * 5) % 16];
    EXPECT_EQ(round_trip(DType::IQ4_NL, x), x);

    // Q8_K: d = 1/4, +127 present (stored as d = -1/4 and negated quants)
    std::vector<float> xk(256);
    for (int j = 0; j < 256; ++j) xk[j] = 0.25f * ((j * 37) % 255 - 127);
    EXPECT_EQ(round_trip(DType::Q8_K, xk), xk);

    // the float types: values they can represent
    const std::vector<float> f = {1.0f, -2.5f, 65504.0f, 0.0009765625f, -0.0f, 3.0e-8f};
    EXPECT_EQ(round_trip(DType::F32, f), f);
    const std::vector<float> h = {1.0f, -2.5f, 65504.0f, 0.0009765625f, -0.0f, 5.9604644775390625e-8f};
    EXPECT_EQ(round_trip(DType::F16, h), h);
    const std::vector<float> b = {1.0f, -2.5f, 3.3895313892515355e38f, -0.0f, 1.5f, 0.0078125f};
    EXPECT_EQ(round_trip(DType::BF16, b), b);
}

TEST(QuantRoundTrip, ZerosStayZeros) {
    const std::vector<float> x(512, 0.0f);
    for (DType t : QUANTIZABLE) {
        const auto y = round_trip(t, x);
        for (size_t i = 0; i < y.size(); ++i) ASSERT_EQ(y[i], 0.0f) << dtype_name(t) << " element " << i;
    }
}

// ---- error bounds ----

// Rounding error of storing v as a half: 2^-11 relative for normal halves, 2^-25 absolute for subnormal ones.
float half_error(float v) { return std::max(std::fabs(v) / 2048, 1.0f / 33554432); }

// 32-element formats: per block, |x - y| is at most half a step (a full step where the symmetric formats clip
// their +8 / +16 level), plus what storing d (and m) as halves costs: |q| * half_error(d) + half_error(min).
TEST(QuantRoundTrip, LegacyErrorWithinStep) {
    for (DType t : {DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1, DType::Q8_0, DType::Q8_1}) {
        for (uint32_t seed : {1u, 2u, 3u}) {
            const auto x = test_signal(4096, seed, seed == 3, seed == 3);
            const auto y = round_trip(t, x);
            for (size_t b = 0; b < x.size() / 32; ++b) {
                const auto first = x.begin() + static_cast<std::ptrdiff_t>(32 * b);
                const auto [mn, mx] = std::minmax_element(first, first + 32);
                const float amax = std::max(std::fabs(*mn), std::fabs(*mx));
                float step = 0, steps = 0, q_max = 0, m_err = 0;  // bound = steps * step + q_max * half_error(step)
                switch (t) {
                case DType::Q4_0: step = amax / 8, steps = 1.0f, q_max = 8; break;
                case DType::Q5_0: step = amax / 16, steps = 1.0f, q_max = 16; break;
                case DType::Q8_0: case DType::Q8_1: step = amax / 127, steps = 0.5f, q_max = 127; break;
                case DType::Q4_1: step = (*mx - *mn) / 15, steps = 0.5f, q_max = 15, m_err = half_error(*mn); break;
                case DType::Q5_1: step = (*mx - *mn) / 31, steps = 0.5f, q_max = 31, m_err = half_error(*mn); break;
                default: FAIL();
                }
                const float bound = (steps * step + q_max * half_error(step) + m_err) * 1.001f + 1e-9f;
                for (size_t i = 32 * b; i < 32 * b + 32; ++i)
                    ASSERT_LE(std::fabs(x[i] - y[i]), bound) << dtype_name(t) << " seed " << seed << " element " << i;
            }
        }
    }
}

struct Bound {
    DType t;
    double max_nrmse;       // sqrt(sum (x - y)^2 / sum x^2) over the row
    double max_err_of_amax; // max |x - y| / max |x| per 256-element block
};

// The K-quants and IQ4 fit scales heuristically, so their bounds are empirical: about 1.2-1.7x the worst that
// ggml's algorithm reaches over 200 seeds of this signal. Q8_K's max error is exact (half its step, amax / 254),
// and so are the float types' (half an ulp: 2^-11 relative for halves, 2^-8 for bfloat16).
const Bound K_BOUNDS[] = {
    {DType::Q2_K, 0.40, 0.45},   {DType::Q3_K, 0.24, 0.30},   {DType::Q4_K, 0.11, 0.14},
    {DType::Q5_K, 0.055, 0.085}, {DType::Q6_K, 0.033, 0.03},  {DType::Q8_K, 0.025, 1.0 / 254 * 1.001},
    {DType::IQ4_NL, 0.14, 0.17}, {DType::IQ4_XS, 0.14, 0.17}, {DType::F16, 0.0003, 1.0 / 2048 * 1.001},
    {DType::BF16, 0.0025, 1.0 / 256 * 1.001},
};

TEST(QuantRoundTrip, KQuantErrorBounded) {
    for (const Bound& bd : K_BOUNDS) {
        for (uint32_t seed : {11u, 12u, 13u}) {
            const auto x = test_signal(256 * 32, seed, seed == 13);
            const auto y = round_trip(bd.t, x);
            double se = 0, sx = 0, worst = 0;
            for (size_t b = 0; b < x.size() / 256; ++b) {
                float amax = 0;
                for (size_t i = 256 * b; i < 256 * b + 256; ++i) amax = std::max(amax, std::fabs(x[i]));
                for (size_t i = 256 * b; i < 256 * b + 256; ++i) {
                    const double e = static_cast<double>(x[i]) - y[i];
                    se += e * e;
                    sx += static_cast<double>(x[i]) * x[i];
                    worst = std::max(worst, std::fabs(e) / amax);
                }
            }
            EXPECT_LE(std::sqrt(se / sx), bd.max_nrmse) << dtype_name(bd.t) << " seed " << seed;
            EXPECT_LE(worst, bd.max_err_of_amax) << dtype_name(bd.t) << " seed " << seed;
        }
    }
}

// More bits never hurt: each K-quant beats the one below it on the same signal.
TEST(QuantRoundTrip, KQuantErrorShrinksWithBits) {
    const auto x = test_signal(256 * 16, 21, true);
    double prev = 1e9;
    for (DType t : {DType::Q2_K, DType::Q3_K, DType::Q4_K, DType::Q5_K, DType::Q6_K, DType::Q8_K}) {
        const auto y = round_trip(t, x);
        double se = 0;
        for (size_t i = 0; i < x.size(); ++i) se += (static_cast<double>(x[i]) - y[i]) * (x[i] - y[i]);
        EXPECT_LT(se, prev) << dtype_name(t);
        prev = se;
    }
}

// ---- activation formats' precomputed sums ----

TEST(QuantRoundTrip, Q8_1SumAndQ8_KBsums) {
    const auto x = test_signal(512, 31, true);
    const auto q1 = quantize(DType::Q8_1, x);
    for (size_t b = 0; b < 16; ++b) {
        const uint8_t* blk = q1.data() + 36 * b;
        uint16_t dh, sh;
        std::memcpy(&dh, blk, 2);
        std::memcpy(&sh, blk + 2, 2);
        int sum = 0;
        for (int j = 0; j < 32; ++j) sum += static_cast<int8_t>(blk[4 + j]);
        // s is d * sum with the unrounded d, so it is within a half's rounding of the stored d's product
        EXPECT_NEAR(fp16_to_fp32(sh), fp16_to_fp32(dh) * sum, std::fabs(fp16_to_fp32(dh) * sum) * 2e-3 + 1e-6) << b;
    }
    const auto qk = quantize(DType::Q8_K, x);
    for (size_t b = 0; b < 2; ++b) {
        const uint8_t* blk = qk.data() + 292 * b;
        for (int g = 0; g < 16; ++g) {
            int sum = 0;
            for (int j = 0; j < 16; ++j) sum += static_cast<int8_t>(blk[4 + 16 * g + j]);
            int16_t bsum;
            std::memcpy(&bsum, blk + 260 + 2 * g, 2);
            EXPECT_EQ(bsum, sum) << "block " << b << " group " << g;
        }
    }
}

// ---- bit-exactness with ggml ----

// FNV-1a of the bytes ggml's quantize_row_*_ref writes for test_signal(8192, 12345, true, true), and of the
// floats its dequantize_row_* reads back from them (0: ggml has no dequantizer for the type). Computed with ggml
// commit d99724f2, ggml-quants.c built with -ffp-contract=off.
struct Golden {
    DType t;
    uint64_t quantized;
    uint64_t dequantized;
};
const Golden GGML_GOLDEN[] = {
    {DType::Q4_0, 0x8cc07f96790eefebull, 0x187e13dac052df87ull},
    {DType::Q4_1, 0x6a8e6a571a53534cull, 0x46b1978e9d036df5ull},
    {DType::Q5_0, 0x7afdcb2e9be321b7ull, 0x76ce158d8bb76b4dull},
    {DType::Q5_1, 0x1ac37c0eddeeaf36ull, 0x93c0b1fa2b9613fdull},
    {DType::Q8_0, 0x85cf4aa26be25d8cull, 0xd87da9db82cc0390ull},
    {DType::Q8_1, 0x9c7f0b77c840aa00ull, 0},
    {DType::Q2_K, 0xb2ed389741268714ull, 0x205fece4ba47e3f7ull},
    {DType::Q3_K, 0x2a10ddd2738d06edull, 0x49b57ba15028f743ull},
    {DType::Q4_K, 0x70a3bb9a89962cd5ull, 0xf0129a8fad1e1a0eull},
    {DType::Q5_K, 0x83f058ff7453ce5full, 0xe876c35b58a49accull},
    {DType::Q6_K, 0xb50fcb79bdd17d87ull, 0xa0f703a87b6af64bull},
    {DType::Q8_K, 0xcd8548923e4a8faeull, 0xf48d42c99e4907ffull},
    {DType::IQ4_NL, 0x4782be2e527ca2a6ull, 0x14cacb37442285bdull},
    {DType::IQ4_XS, 0xc8d56c2954ec3dc7ull, 0x6e46b7b0f39a746dull},
};

TEST(QuantRoundTrip, MatchesGgmlBitForBit) {
    const auto x = test_signal(8192, 12345, true, true);
    ASSERT_EQ(fnv1a(x.data(), x.size() * sizeof(float)), 0x0031a49ba73635b2ull) << "test signal changed";
    for (const Golden& g : GGML_GOLDEN) {
        const auto q = quantize(g.t, x);
        EXPECT_EQ(fnv1a(q.data(), q.size()), g.quantized) << dtype_name(g.t) << " quantized bytes differ from ggml's";
        if (g.dequantized == 0) continue;
        const auto y = dequantize(g.t, q, x.size());
        EXPECT_EQ(fnv1a(y.data(), y.size() * sizeof(float)), g.dequantized)
            << dtype_name(g.t) << " dequantized floats differ from ggml's";
    }
}

// Quantizing writes exactly row_bytes and reads/writes through unaligned pointers safely.
TEST(QuantRoundTrip, UnalignedBuffersAndExactSize) {
    const auto x = test_signal(512, 41, false);
    for (DType t : QUANTIZABLE) {
        const size_t nbytes = row_bytes(t, 512);
        std::vector<uint8_t> buf(nbytes + 3, 0x5a);
        quantize_row_ref(t, x.data(), buf.data() + 1, 512);
        EXPECT_EQ(buf[0], 0x5a) << dtype_name(t);
        EXPECT_EQ(buf[nbytes + 1], 0x5a) << dtype_name(t);
        const auto aligned = quantize(t, x);
        EXPECT_EQ(std::memcmp(aligned.data(), buf.data() + 1, nbytes), 0) << dtype_name(t);
        std::vector<float> y(512), y_aligned(512);
        dequantize_row_ref(t, buf.data() + 1, y.data(), 512);
        dequantize_row_ref(t, aligned.data(), y_aligned.data(), 512);
        EXPECT_EQ(std::memcmp(y.data(), y_aligned.data(), 512 * sizeof(float)), 0) << dtype_name(t);
    }
}

}  // namespace
}  // namespace snug::quant
