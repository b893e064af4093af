// backends/cpu/avx512/simde_emulation.h: force-included into the AVX-512 folders only when CMake's
// SNUG_EMULATE_AVX512 is ON: maps the _mm512_* intrinsics onto SIMDe's portable versions so the AVX-512 kernels
// run (slowly) on an AVX2 machine. Fills the few intrinsics SIMDe 0.7 lacks. Never part of a release build.
#pragma once
#include <immintrin.h>
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>

inline simde__m512 snug_emu_cvtepi32_ps(simde__m512i a) {
    return simde_mm512_insertf32x8(
        simde_mm512_castps256_ps512(simde_mm256_cvtepi32_ps(simde_mm512_castsi512_si256(a))),
        simde_mm256_cvtepi32_ps(simde_mm512_extracti32x8_epi32(a, 1)), 1);
}
inline float snug_emu_reduce_add_ps(simde__m512 a) {
    float f[16];
    simde_mm512_storeu_ps(f, a);
    float s = 0.0f;
    for (int i = 0; i < 16; ++i) s += f[i];
    return s;
}
#define _mm512_cvtepi32_ps snug_emu_cvtepi32_ps
#define _mm512_reduce_add_ps snug_emu_reduce_add_ps
