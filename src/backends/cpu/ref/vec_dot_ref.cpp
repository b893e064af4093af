// backends/cpu/ref/vec_dot_ref.cpp: the scalar twin of the fast matmul. Block layouts per quant/blocks.h; the
// rounding of activations (nearest-even of x * (1 / d), d = max|x| / 127) matches the SIMD quantizers bit for bit.
#include "backends/cpu/ref/vec_dot_ref.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "base/fp16.h"
#include "quant/blocks.h"

namespace snug::ref {
namespace {

using mm::ActQ8K;
using mm::ActQ8x32;
using mm::GROUP;
using mm::PrepK;
using mm::PrepQ32;

template <class Block>
Block load_block(const uint8_t* p) {
    Block b;
    std::memcpy(&b, p, sizeof(Block));
    return b;
}

int8_t quantize_one(float x, float id) {
    const float r = std::nearbyint(x * id);
    return static_cast<int8_t>(std::clamp(r, -127.0f, 127.0f));
}

// ---- 32-block types: one block -> 32 bytes of q, d, m ----

struct Block32 {
    uint8_t q[32];
    float d = 0.0f;
    float m = 0.0f;
};

void nibbles(const uint8_t* qs, uint8_t* q) {
    for (int i = 0; i < 16; ++i) {
        q[i] = qs[i] & 15;
        q[i + 16] = qs[i] >> 4;
    }
}

void fifth_bits(const uint8_t qh_bytes[4], uint8_t* q) {
    uint32_t qh;
    std::memcpy(&qh, qh_bytes, 4);
    for (int i = 0; i < 32; ++i) q[i] = static_cast<uint8_t>(q[i] | ((qh >> i) & 1u) << 4);
}

void set_signed(Block32& o, const int8_t* v, float d, bool offset) {
    for (int i = 0; i < 32; ++i) o.q[i] = offset ? static_cast<uint8_t>(v[i] + 128) : static_cast<uint8_t>(v[i]);
    o.d = d;
    o.m = offset ? -128.0f * d : 0.0f;
}

Block32 unpack32(DType t, const uint8_t* p, bool offset) {
    Block32 o;
    switch (t) {
        case DType::Q4_0: {
            const auto b = load_block<quant::BlockQ4_0>(p);
            nibbles(b.qs, o.q);
            o.d = fp16_to_fp32(b.d);
            o.m = -8.0f * o.d;
            break;
        }
        case DType::Q4_1: {
            const auto b = load_block<quant::BlockQ4_1>(p);
            nibbles(b.qs, o.q);
            o.d = fp16_to_fp32(b.d);
            o.m = fp16_to_fp32(b.m);
            break;
        }
        case DType::Q5_0: {
            const auto b = load_block<quant::BlockQ5_0>(p);
            nibbles(b.qs, o.q);
            fifth_bits(b.qh, o.q);
            o.d = fp16_to_fp32(b.d);
            o.m = -16.0f * o.d;
            break;
        }
        case DType::Q5_1: {
            const auto b = load_block<quant::BlockQ5_1>(p);
            nibbles(b.qs, o.q);
            fifth_bits(b.qh, o.q);
            o.d = fp16_to_fp32(b.d);
            o.m = fp16_to_fp32(b.m);
            break;
        }
        case DType::Q8_0: {
            const auto b = load_block<quant::BlockQ8_0>(p);
            set_signed(o, b.qs, fp16_to_fp32(b.d), offset);
            break;
        }
        case DType::IQ4_NL: {
            const auto b = load_block<quant::BlockIQ4_NL>(p);
            uint8_t idx[32];
            nibbles(b.qs, idx);
            int8_t v[32];
            for (int i = 0; i < 32; ++i) v[i] = quant::IQ4_NL_VALUES[idx[i]];
            set_signed(o, v, fp16_to_fp32(b.d), offset);
            break;
        }
        default: break;
    }
    return o;
}

void prepare_q32(DType t, const uint8_t* w, void* dst, int64_t k, bool offset) {
    const int64_t nb = k / 32;
    const size_t bb = dtype_info(t).block_bytes;
    auto* out = static_cast<PrepQ32*>(dst);
    for (int64_t g = 0; g < mm::n_groups(k); ++g) {
        PrepQ32& o = out[g];
        std::memset(&o, 0, sizeof(o));
        for (int j = 0; j < 8; ++j) {
            const int64_t b = g * 8 + j;
            if (b >= nb) break;
            const Block32 u = unpack32(t, w + static_cast<size_t>(b) * bb, offset);
            std::memcpy(o.q + 32 * j, u.q, 32);
            o.d[j] = u.d;
            o.m[j] = u.m;
        }
    }
}

// ---- K-quants and IQ4_XS: one super-block -> PrepK ----

// Low two bits of element e in Q2_K/Q3_K's packing.
int two_bits(const uint8_t* qs, int e) {
    const int h = e / 128, s = (e % 128) / 32, l = e % 32;
    return (qs[32 * h + l] >> (2 * s)) & 3;
}

// Q4_K/Q5_K's 6-bit scale and min of sub-block j (of 32).
void scale_min_k4(const uint8_t* s, int j, int& sc, int& mn) {
    if (j < 4) {
        sc = s[j] & 63;
        mn = s[j + 4] & 63;
    } else {
        sc = (s[j + 4] & 15) | (s[j - 4] >> 6) << 4;
        mn = (s[j + 4] >> 4) | (s[j] >> 6) << 4;
    }
}

// Element e of Q4_K/Q5_K's nibble packing.
int nibble_k4(const uint8_t* qs, int e) {
    const int c = e / 64, l = e % 64;
    return l < 32 ? qs[32 * c + l] & 15 : qs[32 * c + l - 32] >> 4;
}

void unpack_k(DType t, const uint8_t* p, PrepK& o) {
    std::memset(&o, 0, sizeof(o));
    switch (t) {
        case DType::Q2_K: {
            const auto b = load_block<quant::BlockQ2_K>(p);
            for (int e = 0; e < GROUP; ++e) o.q[e] = static_cast<uint8_t>(two_bits(b.qs, e));
            for (int g = 0; g < 16; ++g) {
                o.sc[g] = static_cast<int16_t>(b.scales[g] & 15);
                o.mn[g] = static_cast<int16_t>(b.scales[g] >> 4);
            }
            o.d = fp16_to_fp32(b.d);
            o.dmin = -fp16_to_fp32(b.dmin);
            break;
        }
        case DType::Q3_K: {
            const auto b = load_block<quant::BlockQ3_K>(p);
            for (int e = 0; e < GROUP; ++e) {
                const int hbit = (b.hmask[e % 32] >> (e / 32)) & 1;
                o.q[e] = static_cast<uint8_t>(two_bits(b.qs, e) + (hbit ? 4 : 0));
            }
            for (int g = 0; g < 16; ++g) {
                const int low = g < 8 ? b.scales[g] & 15 : b.scales[g - 8] >> 4;
                const int high = (b.scales[8 + g % 4] >> (2 * (g / 4))) & 3;
                const int s = (low | high << 4) - 32;
                o.sc[g] = static_cast<int16_t>(s);
                o.mn[g] = static_cast<int16_t>(-4 * s);
            }
            o.d = fp16_to_fp32(b.d);
            o.dmin = o.d;
            break;
        }
        case DType::Q4_K:
        case DType::Q5_K: {
            const bool five = t == DType::Q5_K;
            const auto b4 = five ? quant::BlockQ4_K{} : load_block<quant::BlockQ4_K>(p);
            const auto b5 = five ? load_block<quant::BlockQ5_K>(p) : quant::BlockQ5_K{};
            const uint8_t* scales = five ? b5.scales : b4.scales;
            const uint8_t* qs = five ? b5.qs : b4.qs;
            for (int e = 0; e < GROUP; ++e) {
                int v = nibble_k4(qs, e);
                if (five) v |= ((b5.qh[e % 32] >> (e / 32)) & 1) << 4;
                o.q[e] = static_cast<uint8_t>(v);
            }
            for (int j = 0; j < 8; ++j) {
                int sc, mn;
                scale_min_k4(scales, j, sc, mn);
                o.sc[2 * j] = o.sc[2 * j + 1] = static_cast<int16_t>(sc);
                o.mn[2 * j] = o.mn[2 * j + 1] = static_cast<int16_t>(mn);
            }
            o.d = fp16_to_fp32(five ? b5.d : b4.d);
            o.dmin = -fp16_to_fp32(five ? b5.dmin : b4.dmin);
            break;
        }
        case DType::Q6_K: {
            const auto b = load_block<quant::BlockQ6_K>(p);
            for (int h = 0; h < 2; ++h) {
                for (int l = 0; l < 32; ++l) {
                    const uint8_t* ql = b.ql + 64 * h;
                    const int qh = b.qh[32 * h + l];
                    uint8_t* q = o.q + 128 * h;
                    q[l] = static_cast<uint8_t>((ql[l] & 15) | ((qh >> 0) & 3) << 4);
                    q[l + 32] = static_cast<uint8_t>((ql[l + 32] & 15) | ((qh >> 2) & 3) << 4);
                    q[l + 64] = static_cast<uint8_t>((ql[l] >> 4) | ((qh >> 4) & 3) << 4);
                    q[l + 96] = static_cast<uint8_t>((ql[l + 32] >> 4) | ((qh >> 6) & 3) << 4);
                }
            }
            for (int g = 0; g < 16; ++g) {
                o.sc[g] = b.scales[g];
                o.mn[g] = static_cast<int16_t>(-32 * b.scales[g]);
            }
            o.d = fp16_to_fp32(b.d);
            o.dmin = o.d;
            break;
        }
        case DType::IQ4_XS: {
            const auto b = load_block<quant::BlockIQ4_XS>(p);
            for (int j = 0; j < 8; ++j) {
                for (int l = 0; l < 16; ++l) {
                    const uint8_t byte = b.qs[16 * j + l];
                    o.q[32 * j + l] = static_cast<uint8_t>(quant::IQ4_NL_VALUES[byte & 15]);
                    o.q[32 * j + 16 + l] = static_cast<uint8_t>(quant::IQ4_NL_VALUES[byte >> 4]);
                }
                const int ls = ((b.scales_l[j / 2] >> (4 * (j % 2))) & 15) | ((b.scales_h >> (2 * j)) & 3) << 4;
                o.sc[2 * j] = o.sc[2 * j + 1] = static_cast<int16_t>(ls - 32);
            }
            o.d = fp16_to_fp32(b.d);
            break;
        }
        default: break;
    }
}

// ---- gemm twins ----

template <bool SIGNED>
void gemm_q32(const mm::GemmArgs& a) {
    const int64_t ng = mm::n_groups(a.k);
    for (int64_t t = 0; t < a.n_tok; ++t) {
        const auto* act = reinterpret_cast<const ActQ8x32*>(a.x + static_cast<size_t>(t) * a.x_stride);
        for (int64_t r = 0; r < a.n_rows; ++r) {
            const auto* w = reinterpret_cast<const PrepQ32*>(a.w + static_cast<size_t>(r) * a.w_stride);
            a.y[t * a.y_stride + r] = dot_prepared_q32(w, act, ng, SIGNED);
        }
    }
}

template <bool SIGNED>
void gemm_k(const mm::GemmArgs& a) {
    const int64_t ng = mm::n_groups(a.k);
    for (int64_t t = 0; t < a.n_tok; ++t) {
        const auto* act = reinterpret_cast<const ActQ8K*>(a.x + static_cast<size_t>(t) * a.x_stride);
        for (int64_t r = 0; r < a.n_rows; ++r) {
            const auto* w = reinterpret_cast<const PrepK*>(a.w + static_cast<size_t>(r) * a.w_stride);
            a.y[t * a.y_stride + r] = dot_prepared_k(w, act, ng, SIGNED);
        }
    }
}

float weight_value(DType t, const uint8_t* row, int64_t i) {
    uint16_t h;
    switch (t) {
        case DType::F32: {
            float f;
            std::memcpy(&f, row + 4 * i, 4);
            return f;
        }
        case DType::F16: std::memcpy(&h, row + 2 * i, 2); return fp16_to_fp32(h);
        default: std::memcpy(&h, row + 2 * i, 2); return bf16_to_fp32(h);
    }
}

template <DType T>
void gemm_float(const mm::GemmArgs& a) {
    for (int64_t t = 0; t < a.n_tok; ++t) {
        const auto* x = reinterpret_cast<const float*>(a.x + static_cast<size_t>(t) * a.x_stride);
        for (int64_t r = 0; r < a.n_rows; ++r) {
            const uint8_t* w = a.w + static_cast<size_t>(r) * a.w_stride;
            float sum = 0.0f;
            for (int64_t i = 0; i < a.k; ++i) sum += weight_value(T, w, i) * x[i];
            a.y[t * a.y_stride + r] = sum;
        }
    }
}

template <DType T>
void prepare_fn(const uint8_t* w, void* dst, int64_t k) {
    prepare_row(T, w, dst, k, false);
}

template <DType T>
mm::MatmulTypeKernels q32_entry() {
    return {mm::ActFormat::Q8X32, quantize_act_q8x32, sizeof(PrepQ32), prepare_fn<T>,
            is_signed_prepared(T) ? gemm_q32<true> : gemm_q32<false>};
}

template <DType T>
mm::MatmulTypeKernels k_entry() {
    return {mm::ActFormat::Q8K, quantize_act_q8k, sizeof(PrepK), prepare_fn<T>,
            is_signed_prepared(T) ? gemm_k<true> : gemm_k<false>};
}

template <DType T>
mm::MatmulTypeKernels float_entry() {
    return {mm::ActFormat::F32, nullptr, 0, nullptr, gemm_float<T>};
}

}  // namespace

void quantize_act_q8x32(const float* x, void* dst, int64_t k) {
    const int64_t nb = k / 32;
    auto* out = static_cast<ActQ8x32*>(dst);
    for (int64_t g = 0; g < mm::n_groups(k); ++g) {
        ActQ8x32& o = out[g];
        std::memset(&o, 0, sizeof(o));
        for (int j = 0; j < 8 && g * 8 + j < nb; ++j) {
            const float* xb = x + (g * 8 + j) * 32;
            float amax = 0.0f;
            for (int i = 0; i < 32; ++i) amax = std::max(amax, std::fabs(xb[i]));
            const float d = amax / 127.0f;
            const float id = d != 0.0f ? 1.0f / d : 0.0f;
            int sum = 0;
            for (int i = 0; i < 32; ++i) {
                o.qs[32 * j + i] = quantize_one(xb[i], id);
                sum += o.qs[32 * j + i];
            }
            o.d[j] = d;
            o.s[j] = d * static_cast<float>(sum);
        }
    }
}

void quantize_act_q8k(const float* x, void* dst, int64_t k) {
    auto* out = static_cast<ActQ8K*>(dst);
    for (int64_t g = 0; g < k / GROUP; ++g) {
        ActQ8K& o = out[g];
        std::memset(&o, 0, sizeof(o));
        const float* xb = x + g * GROUP;
        float amax = 0.0f;
        for (int i = 0; i < GROUP; ++i) amax = std::max(amax, std::fabs(xb[i]));
        const float d = amax / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        for (int i = 0; i < GROUP; ++i) {
            o.qs[i] = quantize_one(xb[i], id);
            o.bsums[i / 16] = static_cast<int16_t>(o.bsums[i / 16] + o.qs[i]);
        }
        o.d = d;
    }
}

void quantize_act_bf16(const float* x, void* dst, int64_t k) {
    auto* out = static_cast<uint16_t*>(dst);
    const auto n = static_cast<int64_t>(mm::act_row_bytes(mm::ActFormat::BF16, k) / 2);
    for (int64_t i = 0; i < n; ++i) out[i] = i < k ? fp32_to_bf16(x[i]) : 0;
}

bool is_k_family(DType t) {
    return t == DType::Q2_K || t == DType::Q3_K || t == DType::Q4_K || t == DType::Q5_K || t == DType::Q6_K ||
           t == DType::IQ4_XS;
}

bool is_signed_prepared(DType t) { return t == DType::Q8_0 || t == DType::IQ4_NL || t == DType::IQ4_XS; }

void prepare_row(DType t, const uint8_t* w_row, void* dst, int64_t k, bool offset_signed) {
    if (!is_k_family(t)) return prepare_q32(t, w_row, dst, k, offset_signed);
    const size_t bb = dtype_info(t).block_bytes;
    auto* out = static_cast<PrepK*>(dst);
    for (int64_t g = 0; g < k / GROUP; ++g) unpack_k(t, w_row + static_cast<size_t>(g) * bb, out[g]);
}

float dot_prepared_q32(const PrepQ32* w, const ActQ8x32* a, int64_t n_groups, bool is_signed) {
    float acc = 0.0f;
    for (int64_t g = 0; g < n_groups; ++g) {
        for (int j = 0; j < 8; ++j) {
            int32_t isum = 0;
            for (int i = 0; i < 32; ++i) {
                const uint8_t q = w[g].q[32 * j + i];
                const int wv = is_signed ? static_cast<int8_t>(q) : q;
                isum += wv * a[g].qs[32 * j + i];
            }
            acc += w[g].d[j] * a[g].d[j] * static_cast<float>(isum) + w[g].m[j] * a[g].s[j];
        }
    }
    return acc;
}

float dot_prepared_k(const PrepK* w, const ActQ8K* a, int64_t n_groups, bool is_signed) {
    float acc = 0.0f;
    for (int64_t g = 0; g < n_groups; ++g) {
        int32_t isum = 0, imin = 0;
        for (int s = 0; s < 16; ++s) {
            int32_t sub = 0;
            for (int i = 16 * s; i < 16 * s + 16; ++i) {
                const uint8_t q = w[g].q[i];
                sub += (is_signed ? static_cast<int8_t>(q) : q) * a[g].qs[i];
            }
            isum += w[g].sc[s] * sub;
            imin += w[g].mn[s] * a[g].bsums[s];
        }
        acc += static_cast<float>(isum) * (w[g].d * a[g].d) + static_cast<float>(imin) * (w[g].dmin * a[g].d);
    }
    return acc;
}

const mm::MatmulIsaTable& matmul_table() {
    static const mm::MatmulIsaTable table = [] {
        mm::MatmulIsaTable t;
        t.name = "ref";
        auto set = [&](DType d, mm::MatmulTypeKernels k) { t.types[static_cast<int>(d)] = k; };
        set(DType::F32, float_entry<DType::F32>());
        set(DType::F16, float_entry<DType::F16>());
        set(DType::BF16, float_entry<DType::BF16>());
        set(DType::Q4_0, q32_entry<DType::Q4_0>());
        set(DType::Q4_1, q32_entry<DType::Q4_1>());
        set(DType::Q5_0, q32_entry<DType::Q5_0>());
        set(DType::Q5_1, q32_entry<DType::Q5_1>());
        set(DType::Q8_0, q32_entry<DType::Q8_0>());
        set(DType::IQ4_NL, q32_entry<DType::IQ4_NL>());
        set(DType::Q2_K, k_entry<DType::Q2_K>());
        set(DType::Q3_K, k_entry<DType::Q3_K>());
        set(DType::Q4_K, k_entry<DType::Q4_K>());
        set(DType::Q5_K, k_entry<DType::Q5_K>());
        set(DType::Q6_K, k_entry<DType::Q6_K>());
        set(DType::IQ4_XS, k_entry<DType::IQ4_XS>());
        return t;
    }();
    return table;
}

}  // namespace snug::ref
