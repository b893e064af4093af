// backends/cpu/attention_impl.h: the paged attention loop shared by the SIMD kernels, included by avx2/attention.cpp
// and avx512/attention.cpp; each supplies an Isa struct of vector primitives and compiles this with its own flags.
// Same contract and math as ref::attention, reorganised for speed:
//  - The query heads that share a KV head run together, so each key and value row is read (and decoded) once.
//  - Keys go in chunks of up to CHUNK positions of one block: all scores first, then one max and one rescale of the
//    accumulators per chunk (online softmax across chunks) and the exponentials eight or sixteen at a time.
//  - q8_0/q4_0 keys: the query is quantized to 8 bits once per query head and dotted in integers, 32 values per
//    multiply-add instruction, instead of widening every key to floats: the query's cost is paid once, the keys'
//    at every step, and at long contexts the keys are most of the work. (llama.cpp's CPU path does the same.)
//  - Values are decoded on the fly, eight or sixteen at a time, and added to every head of the run from registers.
// Isa provides, for each KV dtype T as the tag Kv<T>: dot(Kv<T>, q, q8, k, n) -> q·k over n values;
// axpy(Kv<T>, acc, e, e_stride, nh, v, n): acc[j * n + i] += e[j * e_stride] * v[i] for heads j < nh, decoding v once;
// and scale(acc, c, n): acc *= c; exp_sum(s, n, m): s[i] = exp(s[i] - m) for i < n (n <= CHUNK), returns their sum.
//
// NOTE: this is compiled once per ISA folder, so it calls no std:: algorithm (std::fill, std::max_element, ...): an
// instantiation is one weak symbol program-wide, the compiler may vectorise its loop with the folder's ISA, and the
// linker could keep the AVX-512 copy for a caller on a CPU without AVX-512. Loops here are templates on Isa instead.
#pragma once
#include <cassert>
#include <cmath>
#include <cstring>
#include <limits>
#include <span>

#include "backends/cpu/attention_common.h"

namespace snug::attn {

template <DType T>
struct Kv {
    static constexpr DType type = T;
    static constexpr bool quantized = T == DType::Q8_0 || T == DType::Q4_0;
};

constexpr int CHUNK = 32;  // keys scored before their softmax update: bounds the score array on the stack

// Head g's keys or values at position pos (kv_head_at, spelled out here: see the NOTE above).
template <class Isa>
const uint8_t* head_at(void* const* blocks, const KvLayer& kv, const KvRowLayout& l, const SeqSlice& seq, int32_t pos,
                       int g) {
    return static_cast<const uint8_t*>(blocks[seq.block_table[pos / kv.block_size]]) +
           static_cast<size_t>(pos % kv.block_size) * l.pos_bytes + static_cast<size_t>(g) * l.head_bytes;
}

// One query token's run of nh heads sharing a KV head, and its online-softmax state. (A template on Isa only so its
// constructor is compiled per folder, as the NOTE above asks.)
template <class Isa>
struct HeadRun {
    int nh = 0;
    int head_dim = 0;
    const float* q = nullptr;             // [nh, head_dim]
    const AttnQ8Block* q8 = nullptr;      // [nh, head_dim / 32] (quantized key types only)
    float* acc = nullptr;                 // [nh, head_dim] Σ e * v so far
    float m[ATTENTION_ACC_HEADS] = {};    // running max score per head
    float l[ATTENTION_ACC_HEADS] = {};    // running Σ e per head
};

// s[j][i] = the scaled (and soft-capped) score of head j against key i, for the n keys at k (rows pos_bytes apart).
template <class Isa, DType T>
void score_chunk(const HeadRun<Isa>& r, const uint8_t* k, size_t pos_bytes, int n, const AttnParams& p,
                 float (*s)[CHUNK]) {
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < r.nh; ++j) {
            float x = Isa::dot(Kv<T>{}, r.q + j * r.head_dim, r.q8 + j * (r.head_dim / ATTENTION_Q8_BLOCK),
                               k + i * pos_bytes, r.head_dim) * p.scale;
            if (p.softcap > 0.0f) x = p.softcap * std::tanh(x / p.softcap);
            s[j][i] = x;
        }
}

// Online softmax over one chunk: a new max rescales the head's sums once; s becomes the chunk's exp(s - max).
template <class Isa>
void softmax_chunk(HeadRun<Isa>& r, int n, float (*s)[CHUNK]) {
    for (int j = 0; j < r.nh; ++j) {
        float mx = s[j][0];
        for (int i = 1; i < n; ++i) mx = s[j][i] > mx ? s[j][i] : mx;
        if (mx > r.m[j]) {
            const float c = std::exp(r.m[j] - mx);
            if (r.l[j] > 0.0f) Isa::scale(r.acc + j * r.head_dim, c, r.head_dim);
            r.l[j] *= c;
            r.m[j] = mx;
        }
        r.l[j] += Isa::exp_sum(s[j], n, r.m[j]);
    }
}

// acc[j] += s[j][i] * v_i for the n values at v.
template <class Isa, DType T>
void add_values_chunk(HeadRun<Isa>& r, const uint8_t* v, size_t pos_bytes, int n, const float (*s)[CHUNK]) {
    for (int i = 0; i < n; ++i) Isa::axpy(Kv<T>{}, r.acc, &s[0][i], CHUNK, r.nh, v + i * pos_bytes, r.head_dim);
}

template <class Isa, DType T>
void attention_typed(Tensor out, Tensor q, const KvLayer& kv, const SeqSlice& seq, std::span<const int32_t> positions,
                     const AttnParams& p, int64_t w0, int64_t w1, void* scratch) {
    const int n_heads = static_cast<int>(q.dim(1));
    const int head_dim = static_cast<int>(q.dim(2));
    const int group = n_heads / kv.n_kv_heads;
    const KvRowLayout layout(kv);
    const AttentionScratch sc = carve_attention_scratch(scratch, head_dim);
    alignas(64) float s[ATTENTION_ACC_HEADS][CHUNK];  // scores, then their exponentials
    for (int64_t w = w0; w < w1;) {
        // The run of heads from w that share token t and KV head g (at most ATTENTION_ACC_HEADS, never past w1).
        const int t = seq.begin + static_cast<int>(w / n_heads);
        const int h0 = static_cast<int>(w % n_heads);
        const int g = h0 / group;
        int64_t run = static_cast<int64_t>(g + 1) * group - h0;
        if (run > ATTENTION_ACC_HEADS) run = ATTENTION_ACC_HEADS;
        if (run > w1 - w) run = w1 - w;
        HeadRun<Isa> r;
        r.nh = static_cast<int>(run);
        r.head_dim = head_dim;
        r.q = q.f32() + (static_cast<int64_t>(t) * n_heads + h0) * head_dim;
        r.q8 = sc.q8;
        r.acc = sc.acc;
        if constexpr (Kv<T>::quantized)
            for (int j = 0; j < r.nh; ++j)
                quantize_query_q8(r.q + j * head_dim, sc.q8 + j * (head_dim / ATTENTION_Q8_BLOCK), head_dim);
        for (int j = 0; j < r.nh; ++j) r.m[j] = -std::numeric_limits<float>::infinity();
        std::memset(sc.acc, 0, sizeof(float) * static_cast<size_t>(r.nh) * head_dim);

        const int32_t pos = positions[static_cast<size_t>(t)];
        const int32_t lo = p.window > 0 && pos - p.window + 1 > 0 ? pos - p.window + 1 : 0;
        for (int32_t c0 = lo; c0 <= pos;) {
            // Keys [c0, c1): consecutive rows of one block.
            const int32_t block_end = (c0 / kv.block_size + 1) * kv.block_size;
            int32_t c1 = pos + 1 < block_end ? pos + 1 : block_end;
            if (c1 > c0 + CHUNK) c1 = c0 + CHUNK;
            score_chunk<Isa, T>(r, head_at<Isa>(kv.k_blocks, kv, layout, seq, c0, g), layout.pos_bytes, c1 - c0, p, s);
            softmax_chunk<Isa>(r, c1 - c0, s);
            add_values_chunk<Isa, T>(r, head_at<Isa>(kv.v_blocks, kv, layout, seq, c0, g), layout.pos_bytes, c1 - c0,
                                     s);
            c0 = c1;
        }
        for (int j = 0; j < r.nh; ++j) {
            float* o = out.f32() + (static_cast<int64_t>(t) * n_heads + h0 + j) * head_dim;
            const float inv = 1.0f / r.l[j];
            for (int i = 0; i < head_dim; ++i) o[i] = sc.acc[j * head_dim + i] * inv;
        }
        w += r.nh;
    }
}

// The entry point each ISA's attention() forwards to: one instantiation per KV dtype.
template <class Isa>
void attention(Tensor out, Tensor q, const KvLayer& kv, const SeqSlice& seq, std::span<const int32_t> positions,
               const AttnParams& p, int64_t w0, int64_t w1, void* scratch) {
    switch (kv.dtype) {
    case DType::F16: return attention_typed<Isa, DType::F16>(out, q, kv, seq, positions, p, w0, w1, scratch);
    case DType::Q8_0: return attention_typed<Isa, DType::Q8_0>(out, q, kv, seq, positions, p, w0, w1, scratch);
    case DType::Q4_0: return attention_typed<Isa, DType::Q4_0>(out, q, kv, seq, positions, p, w0, w1, scratch);
    default:
        assert(kv.dtype == DType::F32 && "the KV cache stores only kv_types.h's types");
        return attention_typed<Isa, DType::F32>(out, q, kv, seq, positions, p, w0, w1, scratch);
    }
}

}  // namespace snug::attn
