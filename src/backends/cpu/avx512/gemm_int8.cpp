// backends/cpu/avx512/gemm_int8.cpp: the AVX-512 integer dot kernels without VNNI (maddubs + madd).
// NOTE: GCC 12's AVX-512 headers self-initialise their "undefined" vectors and warn about it (GCC PR 105593).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include "backends/cpu/avx512/kernels.h"

namespace {
struct Ops {
    static __m512i dot4(__m512i q, __m512i a) {
        return _mm512_madd_epi16(_mm512_maddubs_epi16(q, a), _mm512_set1_epi16(1));
    }
    static __m512i acc_scaled(__m512i acc, __m512i p16, __m512i sc) {
        return _mm512_add_epi32(acc, _mm512_madd_epi16(p16, sc));
    }
};
}  // namespace

#include "backends/cpu/avx512/gemm_int8_impl.h"

namespace snug::avx512 {

void gemm_q32(const mm::GemmArgs& a) { gemm_q32_impl<Ops, false>(a); }
void gemm_q32_signed(const mm::GemmArgs& a) { gemm_q32_impl<Ops, true>(a); }
void gemm_k(const mm::GemmArgs& a) { gemm_k_impl<Ops, false>(a); }
void gemm_k_signed(const mm::GemmArgs& a) { gemm_k_impl<Ops, true>(a); }

}  // namespace snug::avx512
