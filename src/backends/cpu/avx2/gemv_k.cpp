// backends/cpu/avx2/gemv_k.cpp: decode (1-2 tokens) for Q4_K, Q5_K and Q6_K straight from raw rows. Each 256-element
// super-block is unpacked into registers 32 elements at a time and dotted at once; the generic path (gemm_int8.cpp's
// gemv_k) writes a PrepK to the stack and reads it back, and that round trip, not memory, bounded decode. Same
// integer math as PrepK (matmul_formats.h): d * a.d * sum_16 sc_i (q . a.qs) + dmin * a.d * sum_16 mn_i bsum_i,
// so the scalar twin is ref::dot_prepared_k over ref::prepare_row, as for the prepared path.
#include <immintrin.h>

#include <cstddef>
#include <cstring>

#include "backends/cpu/avx2/k_blocks.h"
#include "backends/cpu/avx2/kernels.h"
#include "backends/cpu/simd256.h"

namespace snug::avx2 {
namespace {

using mm::ActQ8K;

using simd256::hsum;

template <class Dec, int N>
void gemv_rows(const mm::GemmArgs& a) {
    // int16 lanes 0..7 take the first scale of a chunk's pair of 16-groups, lanes 8..15 the second.
    const __m256i spread = _mm256_setr_epi8(0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 2, 3, 2, 3, 2, 3, 2, 3, 2,
                                            3, 2, 3, 2, 3, 2, 3);
    const int64_t ng = a.k / mm::GROUP;
    const ActQ8K* act[N];
    for (int t = 0; t < N; ++t) act[t] = reinterpret_cast<const ActQ8K*>(a.x + static_cast<size_t>(t) * a.x_stride);
    for (int64_t r = 0; r < a.n_rows; ++r) {
        const uint8_t* row = a.w + static_cast<size_t>(r) * a.w_stride;
        __m256 acc[N];
        for (int t = 0; t < N; ++t) acc[t] = _mm256_setzero_ps();
        for (int64_t g = 0; g < ng; ++g) {
            const uint8_t* p = row + static_cast<size_t>(g) * Dec::BYTES;
            Scales s;
            Dec::scales(p, s);
            __m256i iacc[N];
            for (int t = 0; t < N; ++t) iacc[t] = _mm256_setzero_si256();
            Dec::chunks(p, [&](int c, __m256i q) {
                int32_t pair;
                std::memcpy(&pair, s.sc + 2 * c, 4);
                const __m256i sc = _mm256_shuffle_epi8(_mm256_set1_epi32(pair), spread);
                for (int t = 0; t < N; ++t) {
                    const __m256i v = load256(reinterpret_cast<const uint8_t*>(act[t][g].qs) + 32 * c);
                    iacc[t] = _mm256_add_epi32(iacc[t], _mm256_madd_epi16(_mm256_maddubs_epi16(q, v), sc));
                }
            });
            const __m256 d = _mm256_set1_ps(s.d), dmin = _mm256_set1_ps(s.dmin);
            for (int t = 0; t < N; ++t) {
                const ActQ8K& A = act[t][g];
                const __m256 ad = _mm256_set1_ps(A.d);
                const __m256i mi = _mm256_madd_epi16(s.mn, load256(reinterpret_cast<const uint8_t*>(A.bsums)));
                acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(iacc[t]), _mm256_mul_ps(d, ad), acc[t]);
                acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(mi), _mm256_mul_ps(dmin, ad), acc[t]);
            }
        }
        for (int t = 0; t < N; ++t) a.y[t * a.y_stride + r] = hsum(acc[t]);
    }
}

template <class Dec>
void gemv(const mm::GemmArgs& a) {
    if (a.n_tok == 1) return gemv_rows<Dec, 1>(a);
    gemv_rows<Dec, 2>(a);
}

}  // namespace

void gemv_q4_k(const mm::GemmArgs& a, mm::PrepareFn) { gemv<DecQ4_K>(a); }
void gemv_q5_k(const mm::GemmArgs& a, mm::PrepareFn) { gemv<DecQ5_K>(a); }
void gemv_q6_k(const mm::GemmArgs& a, mm::PrepareFn) { gemv<DecQ6_K>(a); }

}  // namespace snug::avx2
