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
        simde_mm256_cvtepi32_ps(simde_mm512_extracti64x4_epi64(a, 1)), 1);
}
inline float snug_emu_reduce_add_ps(simde__m512 a) {
    float f[16];
    simde_mm512_storeu_ps(f, a);
    float s = 0.0f;
    for (int i = 0; i < 16; ++i) s += f[i];
    return s;
}
#undef _mm512_madd_epi16  // SIMDe 0.7.4 aliases it with the wrong arity
#define _mm512_madd_epi16 simde_mm512_madd_epi16
#define _mm512_cvtepi32_ps snug_emu_cvtepi32_ps
#define _mm512_reduce_add_ps snug_emu_reduce_add_ps

// Masked loads must not touch masked-off memory: element by element.
inline simde__m512 snug_emu_maskz_loadu_ps(simde__mmask16 m, const void* p) {
    float f[16] = {};
    for (int i = 0; i < 16; ++i)
        if ((m >> i) & 1) __builtin_memcpy(&f[i], static_cast<const char*>(p) + 4 * i, 4);
    return simde_mm512_loadu_ps(f);
}
inline simde__m256i snug_emu_maskz_loadu_epi16_256(simde__mmask16 m, const void* p) {
    short h[16] = {};
    for (int i = 0; i < 16; ++i)
        if ((m >> i) & 1) __builtin_memcpy(&h[i], static_cast<const char*>(p) + 2 * i, 2);
    return simde_mm256_loadu_si256(h);
}
inline simde__m512i snug_emu_maskz_loadu_epi16_512(simde__mmask32 m, const void* p) {
    short h[32] = {};
    for (int i = 0; i < 32; ++i)
        if ((m >> i) & 1) __builtin_memcpy(&h[i], static_cast<const char*>(p) + 2 * i, 2);
    return simde_mm512_loadu_si512(h);
}
#define _mm512_maskz_loadu_ps snug_emu_maskz_loadu_ps
#define _mm256_maskz_loadu_epi16 snug_emu_maskz_loadu_epi16_256
#define _mm512_maskz_loadu_epi16 snug_emu_maskz_loadu_epi16_512
inline simde__m256i snug_emu_cvtepi32_epi16(simde__m512i a) {
    int v[16];
    short h[16];
    simde_mm512_storeu_si512(v, a);
    for (int i = 0; i < 16; ++i) h[i] = static_cast<short>(v[i]);
    return simde_mm256_loadu_si256(h);
}
inline simde__m512 snug_emu_cvtph_ps(simde__m256i a) {
    // The emulated folders are built with F16C: convert each half natively.
    __m128i lo, hi;
    __builtin_memcpy(&lo, &a, 16);
    __builtin_memcpy(&hi, reinterpret_cast<const char*>(&a) + 16, 16);
    float f[16];
    _mm256_storeu_ps(f, _mm256_cvtph_ps(lo));
    _mm256_storeu_ps(f + 8, _mm256_cvtph_ps(hi));
    return simde_mm512_loadu_ps(f);
}
#define _mm512_cvtepi32_epi16 snug_emu_cvtepi32_epi16
#define _mm512_cvtph_ps snug_emu_cvtph_ps
inline simde__m512i snug_emu_cvtepu16_epi32(simde__m256i a) {
    unsigned short h[16];
    int v[16];
    simde_mm256_storeu_si256(h, a);
    for (int i = 0; i < 16; ++i) v[i] = h[i];
    return simde_mm512_loadu_si512(v);
}
#define _mm512_cvtepu16_epi32 snug_emu_cvtepu16_epi32
inline simde__m512i snug_emu_cvtepi8_epi32(simde__m128i a) {
    signed char b[16];
    int v[16];
    simde_mm_storeu_si128(b, a);
    for (int i = 0; i < 16; ++i) v[i] = b[i];
    return simde_mm512_loadu_si512(v);
}
inline simde__m512i snug_emu_cvtepu8_epi32(simde__m128i a) {
    unsigned char b[16];
    int v[16];
    simde_mm_storeu_si128(b, a);
    for (int i = 0; i < 16; ++i) v[i] = b[i];
    return simde_mm512_loadu_si512(v);
}
inline simde__m512i snug_emu_cvtps_epi32(simde__m512 a) {  // round to nearest even, as the default MXCSR
    float f[16];
    int v[16];
    simde_mm512_storeu_ps(f, a);
    for (int i = 0; i < 16; ++i) v[i] = static_cast<int>(__builtin_nearbyintf(f[i]));
    return simde_mm512_loadu_si512(v);
}
#define _mm512_cvtepi8_epi32 snug_emu_cvtepi8_epi32
#define _mm512_cvtepu8_epi32 snug_emu_cvtepu8_epi32
#define _mm512_cvtps_epi32 snug_emu_cvtps_epi32
