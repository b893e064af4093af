// backends/cpu/matmul.h: matrix multiplication entry points, one per ISA, with one signature (see CpuKernels).
#pragma once
#include <cstddef>

#include "ops/ops.h"

namespace snug {

class ThreadPool;

// Dequantizes each weight row (reference kernel) and dots it with every activation row; rows split across threads.
void matmul_scalar(ThreadPool& pool, Tensor y, Tensor x, const Tensor& w, void* scratch);
size_t matmul_scalar_scratch_bytes(Tensor x, const Tensor& w, int n_threads);

}  // namespace snug
