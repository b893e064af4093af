// tests/kernels/matmul_test_util.h: shared helpers of the matmul kernel tests: random weights of every type
// (random bytes with sane fp16 scales, or quantize_row_ref of Gaussian data), aligned buffers, variant names.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "backends/cpu/matmul.h"
#include "base/dtype.h"
#include "base/fp16.h"
#include "base/thread_pool.h"
#include "quant/blocks.h"
#include "quant/quant.h"

namespace snug::test {

inline const std::vector<DType>& matmul_weight_types() {
    static const std::vector<DType> types = {DType::F32,  DType::F16,  DType::BF16, DType::Q4_0,   DType::Q4_1,
                                             DType::Q5_0, DType::Q5_1, DType::Q8_0, DType::Q2_K,   DType::Q3_K,
                                             DType::Q4_K, DType::Q5_K, DType::Q6_K, DType::IQ4_NL, DType::IQ4_XS};
    return types;
}

inline const std::vector<MatmulVariant>& matmul_simd_variants() {
    static const std::vector<MatmulVariant> v = {MatmulVariant::AVX2, MatmulVariant::AVX512,
                                                 MatmulVariant::AVX512_VNNI};
    return v;
}

struct AlignedBuffer {
    struct Free {
        void operator()(uint8_t* p) const { std::free(p); }
    };
    std::unique_ptr<uint8_t, Free> mem;
    size_t size = 0;
    explicit AlignedBuffer(size_t n, uint8_t fill = 0) : size(n) {
        const size_t rounded = (n + 63) / 64 * 64 + 64;
        mem.reset(static_cast<uint8_t*>(std::aligned_alloc(64, rounded)));
        std::memset(mem.get(), fill, rounded);
    }
    uint8_t* data() const { return mem.get(); }
};

inline void put_half(uint8_t* p, float v) {
    const uint16_t h = fp32_to_fp16(v);
    std::memcpy(p, &h, 2);
}

// Overwrites the fp16 scale fields of one block with values of magnitude ~0.01 (either sign for d).
inline void sane_scales(DType t, uint8_t* b, std::mt19937& rng) {
    std::uniform_real_distribution<float> u(0.002f, 0.02f);
    std::bernoulli_distribution neg(0.3);
    auto d = [&] { return neg(rng) ? -u(rng) : u(rng); };
    switch (t) {
        case DType::Q4_0: put_half(b + offsetof(quant::BlockQ4_0, d), d()); break;
        case DType::Q4_1:
            put_half(b + offsetof(quant::BlockQ4_1, d), d());
            put_half(b + offsetof(quant::BlockQ4_1, m), d());
            break;
        case DType::Q5_0: put_half(b + offsetof(quant::BlockQ5_0, d), d()); break;
        case DType::Q5_1:
            put_half(b + offsetof(quant::BlockQ5_1, d), d());
            put_half(b + offsetof(quant::BlockQ5_1, m), d());
            break;
        case DType::Q8_0: put_half(b + offsetof(quant::BlockQ8_0, d), d()); break;
        case DType::IQ4_NL: put_half(b + offsetof(quant::BlockIQ4_NL, d), d()); break;
        case DType::Q2_K:
            put_half(b + offsetof(quant::BlockQ2_K, d), d());
            put_half(b + offsetof(quant::BlockQ2_K, dmin), u(rng));
            break;
        case DType::Q3_K: put_half(b + offsetof(quant::BlockQ3_K, d), d()); break;
        case DType::Q4_K:
            put_half(b + offsetof(quant::BlockQ4_K, d), d());
            put_half(b + offsetof(quant::BlockQ4_K, dmin), u(rng));
            break;
        case DType::Q5_K:
            put_half(b + offsetof(quant::BlockQ5_K, d), d());
            put_half(b + offsetof(quant::BlockQ5_K, dmin), u(rng));
            break;
        case DType::Q6_K: put_half(b + offsetof(quant::BlockQ6_K, d), d()); break;
        case DType::IQ4_XS: put_half(b + offsetof(quant::BlockIQ4_XS, d), d()); break;
        default: break;
    }
}

inline std::vector<float> gaussian(size_t n, std::mt19937& rng, float sigma = 1.0f) {
    std::normal_distribution<float> nd(0.0f, sigma);
    std::vector<float> v(n);
    for (auto& f : v) f = nd(rng);
    return v;
}

// [m, k] weights of type t. from_floats: quantize_row_ref of Gaussian rows where supported; else random bytes.
inline AlignedBuffer random_weights(DType t, int64_t m, int64_t k, std::mt19937& rng, bool from_floats) {
    const size_t rb = row_bytes(t, k);
    AlignedBuffer buf(rb * static_cast<size_t>(m));
    if (t == DType::F32 || t == DType::F16 || t == DType::BF16) {
        const auto v = gaussian(static_cast<size_t>(m * k), rng, 0.05f);
        for (size_t i = 0; i < v.size(); ++i) {
            if (t == DType::F32) std::memcpy(buf.data() + 4 * i, &v[i], 4);
            const uint16_t h = t == DType::F16 ? fp32_to_fp16(v[i]) : fp32_to_bf16(v[i]);
            if (t != DType::F32) std::memcpy(buf.data() + 2 * i, &h, 2);
        }
        return buf;
    }
    if (from_floats && quant::can_quantize(t)) {
        for (int64_t r = 0; r < m; ++r) {
            const auto v = gaussian(static_cast<size_t>(k), rng, 0.05f);
            quant::quantize_row_ref(t, v.data(), buf.data() + static_cast<size_t>(r) * rb, k);
        }
        return buf;
    }
    std::uniform_int_distribution<int> byte(0, 255);
    for (size_t i = 0; i < buf.size; ++i) buf.data()[i] = static_cast<uint8_t>(byte(rng));
    const auto& info = dtype_info(t);
    for (size_t b = 0; b < buf.size / info.block_bytes; ++b) sane_scales(t, buf.data() + b * info.block_bytes, rng);
    return buf;
}

// Smallest and a few larger row lengths that are whole blocks of t.
inline std::vector<int64_t> test_ks(DType t) {
    const int64_t block = dtype_info(t).block_elems;
    if (block == 256) return {256, 512, 768, 2304};
    if (block == 32) return {32, 96, 256, 288, 512, 2304};
    return {1, 7, 33, 256, 512, 2304};
}

// Pools of 1, 2 and 3 threads, created once.
inline ThreadPool& test_pool(int n_threads) {
    static ThreadPool* pools = new ThreadPool[3]{ThreadPool(1), ThreadPool(2), ThreadPool(3)};
    return pools[n_threads - 1];
}

inline std::string type_name(DType t) { return std::string(dtype_name(t)); }

}  // namespace snug::test
