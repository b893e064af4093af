// backends/cpu/dispatch.h: the table of CPU kernels, filled once from CPUID. Kernel files never test the ISA
// themselves; their folder (ref/, avx2/, avx512/) and its compile flags decide.
#pragma once
#include <cstdint>
#include <span>

#include "backends/cpu/attention_common.h"
#include "ops/ops.h"

namespace snug {

class ThreadPool;

enum class CpuIsa : uint8_t { SCALAR, AVX2, AVX512 };
const char* cpu_isa_name(CpuIsa isa);

// What this CPU supports, read with CPUID (and XGETBV for the OS's register saving).
struct CpuFeatures {
    bool avx2 = false, fma = false, f16c = false;
    bool avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false, avx512vnni = false, avx512bf16 = false;
};
CpuFeatures detect_cpu_features();

struct CpuKernels {
    CpuIsa isa = CpuIsa::SCALAR;
    // y[n, m] = x[n, k] · w[m, k]^T, parallel over the pool. scratch: caller-provided bytes, at least
    // matmul_scratch_bytes(x, w, n_threads).
    void (*matmul)(ThreadPool& pool, Tensor y, Tensor x, const Tensor& w, void* scratch) = nullptr;
    size_t (*matmul_scratch_bytes)(Tensor x, const Tensor& w, int n_threads) = nullptr;
    // Attention over (token, head) items [w0, w1) of one sequence, any KV dtype the cache stores (kv/kv_types.h);
    // scratch: attention_scratch_bytes(head_dim) bytes of this thread's own (attention_common.h).
    void (*attention)(Tensor out, Tensor q, const KvLayer& kv, const SeqSlice& seq, std::span<const int32_t> positions,
                      const AttnParams& p, int64_t w0, int64_t w1, void* scratch) = nullptr;
};

// The best kernels for this CPU (SNUG_CPU_ISA=scalar|avx2|avx512 caps the choice, for testing and benchmarks).
const CpuKernels& best_cpu_kernels();
// Kernels for one ISA; nullptr when this CPU cannot run them.
const CpuKernels* cpu_kernels_for(CpuIsa isa);

}  // namespace snug
