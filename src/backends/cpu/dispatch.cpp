// backends/cpu/dispatch.cpp: the single place where CPUID picks kernels.
#include "backends/cpu/dispatch.h"

#include <cpuid.h>

#include <cstdlib>
#include <cstring>

#include "backends/cpu/avx2/attention.h"
#include "backends/cpu/avx512/attention.h"
#include "backends/cpu/matmul.h"
#include "backends/cpu/ref/kernels_ref.h"

namespace snug {

const char* cpu_isa_name(CpuIsa isa) {
    switch (isa) {
        case CpuIsa::SCALAR: return "scalar";
        case CpuIsa::AVX2: return "avx2";
        case CpuIsa::AVX512: return "avx512";
    }
    return "?";
}

CpuFeatures detect_cpu_features() {
    CpuFeatures f;
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
    const bool osxsave = (c >> 27) & 1;
    const bool fma = (c >> 12) & 1;
    const bool f16c = (c >> 29) & 1;
    if (!osxsave) return f;
    unsigned xlo, xhi;
    __asm__("xgetbv" : "=a"(xlo), "=d"(xhi) : "c"(0));
    const bool ymm_saved = (xlo & 0x6) == 0x6;
    const bool zmm_saved = (xlo & 0xe6) == 0xe6;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return f;
    f.fma = fma && ymm_saved;
    f.f16c = f16c && ymm_saved;
    f.avx2 = ((b >> 5) & 1) && ymm_saved;
    f.avx512f = ((b >> 16) & 1) && zmm_saved;
    f.avx512dq = ((b >> 17) & 1) && zmm_saved;
    f.avx512bw = ((b >> 30) & 1) && zmm_saved;
    f.avx512vl = ((b >> 31) & 1) && zmm_saved;
    f.avx512vnni = ((c >> 11) & 1) && zmm_saved;
    unsigned a1, b1, c1, d1;
    if (__get_cpuid_count(7, 1, &a1, &b1, &c1, &d1)) f.avx512bf16 = ((a1 >> 5) & 1) && zmm_saved;
#ifdef SNUG_EMULATE_AVX512  // test builds only: AVX-512 kernels compiled through SIMDe run on AVX2
    f.avx512f = f.avx512bw = f.avx512vl = f.avx512dq = f.avx512vnni = f.avx512bf16 = f.avx2;
#endif
    return f;
}

const CpuKernels* cpu_kernels_for(CpuIsa isa) {
    // matmul_table() checks the CPU features each table needs (AVX2: avx2+fma+f16c; AVX-512: f, bw, vl, dq;
    // VNNI and BF16 kernels are picked inside the AVX-512 entry by feature).
    static const CpuKernels scalar{CpuIsa::SCALAR, matmul_scalar, matmul_scalar_scratch_bytes, ref::attention};
    static const CpuKernels avx2{CpuIsa::AVX2, matmul_avx2, matmul_avx2_scratch_bytes, avx2::attention};
    static const CpuKernels avx512{CpuIsa::AVX512, matmul_avx512, matmul_avx512_scratch_bytes, avx512::attention};
    switch (isa) {
        case CpuIsa::SCALAR: return &scalar;
        case CpuIsa::AVX2: return matmul_table(MatmulVariant::AVX2) ? &avx2 : nullptr;
        case CpuIsa::AVX512: return matmul_table(MatmulVariant::AVX512) ? &avx512 : nullptr;
    }
    return nullptr;
}

const CpuKernels& best_cpu_kernels() {
    static const CpuKernels* best = [] {
        CpuIsa cap = CpuIsa::AVX512;
        if (const char* env = std::getenv("SNUG_CPU_ISA")) {
            if (std::strcmp(env, "scalar") == 0) cap = CpuIsa::SCALAR;
            else if (std::strcmp(env, "avx2") == 0) cap = CpuIsa::AVX2;
        }
        for (int i = static_cast<int>(cap); i >= 0; --i)
            if (const CpuKernels* k = cpu_kernels_for(static_cast<CpuIsa>(i))) return k;
        return cpu_kernels_for(CpuIsa::SCALAR);
    }();
    return *best;
}

}  // namespace snug
