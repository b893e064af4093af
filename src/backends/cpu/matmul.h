// backends/cpu/matmul.h: matrix multiplication entry points, one per ISA, with one signature (see CpuKernels),
// and the driver they share (quantize activations once, prepare weight rows, tile rows x tokens over threads).
#pragma once
#include <cstddef>

#include "backends/cpu/matmul_formats.h"
#include "ops/ops.h"

namespace snug {

class ThreadPool;

// Dequantizes each weight row (reference kernel) and dots it with every activation row; rows split across threads.
void matmul_scalar(ThreadPool& pool, Tensor y, Tensor x, const Tensor& w, void* scratch);
size_t matmul_scalar_scratch_bytes(Tensor x, const Tensor& w, int n_threads);

// y[n, m] = x[n, k] · w[m, k]^T with the kernels of `table`; a weight type the table lacks goes to matmul_scalar.
// scratch: 64-byte aligned, at least matmul_table_scratch_bytes(table, x, w, n_threads) bytes.
void matmul_with_table(const mm::MatmulIsaTable& table, ThreadPool& pool, Tensor y, Tensor x, const Tensor& w,
                       void* scratch);
size_t matmul_table_scratch_bytes(const mm::MatmulIsaTable& table, Tensor x, const Tensor& w, int n_threads);

// Kernel-table variants, for dispatch and for tests that must reach every variant this CPU can run.
enum class MatmulVariant : uint8_t { REF, AVX2, AVX512, AVX512_VNNI };
const char* matmul_variant_name(MatmulVariant v);
// nullptr when this CPU cannot run the variant. AVX512 is the plain F/BW/VL/DQ form (no VNNI, no BF16 dot).
const mm::MatmulIsaTable* matmul_table(MatmulVariant v);

// The CpuKernels entries for AVX2 and AVX-512 (the latter uses VNNI / BF16 kernels where the CPU has them).
void matmul_avx2(ThreadPool& pool, Tensor y, Tensor x, const Tensor& w, void* scratch);
size_t matmul_avx2_scratch_bytes(Tensor x, const Tensor& w, int n_threads);
void matmul_avx512(ThreadPool& pool, Tensor y, Tensor x, const Tensor& w, void* scratch);
size_t matmul_avx512_scratch_bytes(Tensor x, const Tensor& w, int n_threads);

}  // namespace snug
