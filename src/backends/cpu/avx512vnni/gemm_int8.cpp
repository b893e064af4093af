// backends/cpu/avx512vnni/gemm_int8.cpp: the AVX-512 integer dot kernels with VNNI: vpdpbusd for 32-blocks (all
// types prepared unsigned), maddubs + vpdpwssd for K-quants. Kernel bodies: avx512/gemm_int8_impl.h.
// NOTE: GCC 12's AVX-512 headers self-initialise their "undefined" vectors and warn about it (GCC PR 105593).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include "backends/cpu/avx512vnni/kernels.h"

namespace {
struct Ops {
    static __m512i dot4(__m512i q, __m512i a) { return _mm512_dpbusd_epi32(_mm512_setzero_si512(), q, a); }
    static __m512i acc_scaled(__m512i acc, __m512i p16, __m512i sc) { return _mm512_dpwssd_epi32(acc, p16, sc); }
};
}  // namespace

#include "backends/cpu/avx512/gemm_int8_impl.h"

namespace snug::avx512vnni {

void gemm_q32(const mm::GemmArgs& a) { gemm_q32_impl<Ops, false>(a); }
void gemm_k(const mm::GemmArgs& a) { gemm_k_impl<Ops, false>(a); }
void gemm_k_signed(const mm::GemmArgs& a) { gemm_k_impl<Ops, true>(a); }

}  // namespace snug::avx512vnni
