// backends/cpu/avx2/attention.cpp: paged causal attention with an online softmax, AVX2 + FMA. Same contract and
// same math as ref::attention (kernels_ref.h); work items are (token, head) pairs of one sequence. The query heads
// that share a KV head are processed together so each key and value row is loaded once for all of them.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "backends/cpu/avx2/attention.h"

namespace snug::avx2 {
namespace {

constexpr int MAX_GROUP = 16;  // query heads per KV head handled together; larger groups are split

inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

inline float dot(const float* a, const float* b, int n) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), acc1);
    }
    for (; i + 8 <= n; i += 8) acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
    float s = hsum(_mm256_add_ps(acc0, acc1));
    for (; i < n; ++i) s += a[i] * b[i];
    return s;
}

// acc = acc * c + e * v
inline void scale_add(float* acc, float c, float e, const float* v, int n) {
    const __m256 vc = _mm256_set1_ps(c), ve = _mm256_set1_ps(e);
    int i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(acc + i, _mm256_fmadd_ps(ve, _mm256_loadu_ps(v + i), _mm256_mul_ps(vc, _mm256_loadu_ps(acc + i))));
    for (; i < n; ++i) acc[i] = acc[i] * c + e * v[i];
}

}  // namespace

void attention(Tensor out, Tensor q, const KvLayer& kv, const SeqSlice& seq, std::span<const int32_t> positions,
               const AttnParams& p, int64_t w0, int64_t w1, float* acc) {
    const int n_heads = static_cast<int>(q.dim(1));
    const int head_dim = static_cast<int>(q.dim(2));
    const int group = n_heads / kv.n_kv_heads;
    const size_t row = static_cast<size_t>(kv.n_kv_heads) * static_cast<size_t>(head_dim);
    float m[MAX_GROUP], l[MAX_GROUP], s[MAX_GROUP];
    for (int64_t w = w0; w < w1;) {
        // The run of heads from w that share token t and KV head g (at most MAX_GROUP, never past w1).
        const int t = seq.begin + static_cast<int>(w / n_heads);
        const int h0 = static_cast<int>(w % n_heads);
        const int g = h0 / group;
        const int h_end = std::min<int64_t>({static_cast<int64_t>(g + 1) * group, h0 + MAX_GROUP, h0 + (w1 - w)});
        const int nh = h_end - h0;
        const int32_t pos = positions[static_cast<size_t>(t)];
        const int32_t lo = p.window > 0 ? std::max(0, pos - p.window + 1) : 0;
        const float* qv = q.f32() + (static_cast<int64_t>(t) * n_heads + h0) * head_dim;
        for (int j = 0; j < nh; ++j) {
            m[j] = -std::numeric_limits<float>::infinity();
            l[j] = 0.0f;
        }
        std::fill(acc, acc + static_cast<size_t>(nh) * head_dim, 0.0f);
        for (int32_t p0 = lo; p0 <= pos; ++p0) {
            const int32_t block = seq.block_table[p0 / kv.block_size];
            const size_t off = static_cast<size_t>(p0 % kv.block_size) * row + static_cast<size_t>(g) * head_dim;
            const float* kr = static_cast<const float*>(kv.k_blocks[block]) + off;
            const float* vr = static_cast<const float*>(kv.v_blocks[block]) + off;
            for (int j = 0; j < nh; ++j) {
                float x = dot(qv + j * head_dim, kr, head_dim) * p.scale;
                if (p.softcap > 0.0f) x = p.softcap * std::tanh(x / p.softcap);
                s[j] = x;
            }
            for (int j = 0; j < nh; ++j) {
                float c = 1.0f;
                if (s[j] > m[j]) {
                    c = std::exp(m[j] - s[j]);
                    l[j] *= c;
                    m[j] = s[j];
                }
                const float e = std::exp(s[j] - m[j]);
                l[j] += e;
                scale_add(acc + j * head_dim, c, e, vr, head_dim);
            }
        }
        for (int j = 0; j < nh; ++j) {
            float* o = out.f32() + (static_cast<int64_t>(t) * n_heads + h0 + j) * head_dim;
            const float inv = 1.0f / l[j];
            for (int i = 0; i < head_dim; ++i) o[i] = acc[j * head_dim + i] * inv;
        }
        w += nh;
    }
}

}  // namespace snug::avx2
