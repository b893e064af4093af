#include "backends/cpu/matmul.h"

#include "backends/cpu/ref/kernels_ref.h"
#include "base/thread_pool.h"

namespace snug {

size_t matmul_scalar_scratch_bytes(Tensor, const Tensor& w, int n_threads) {
    return static_cast<size_t>(w.cols()) * sizeof(float) * static_cast<size_t>(n_threads);
}

void matmul_scalar(ThreadPool& pool, Tensor y, Tensor x, const Tensor& w, void* scratch) {
    pool.run([&](int ith, int nth) {
        int64_t r0, r1;
        ThreadPool::split(w.rows(), ith, nth, r0, r1, 16);
        if (r0 < r1) ref::matmul(y, x, w, r0, r1, static_cast<float*>(scratch) + ith * w.cols());
    });
}

}  // namespace snug
