#include "backends/cpu/cpu_backend.h"

#include <algorithm>
#include <cassert>

#include "backends/cpu/ref/kernels_ref.h"

namespace snug {
namespace {
// Elementwise work below this many elements runs on the calling thread: waking the pool costs more.
constexpr int64_t MIN_PARALLEL_ELEMENTS = 1 << 14;
}  // namespace

CpuBackend::CpuBackend(int n_threads, const CpuKernels* kernels, bool measure_only)
    : pool_(n_threads > 0 ? n_threads : default_thread_count()),
      kernels_(kernels ? kernels : &best_cpu_kernels()),
      measure_only_(measure_only) {}

Tensor CpuBackend::alloc(std::initializer_list<int64_t> shape) {
    Tensor t(DType::F32, shape, nullptr);
    t.data = arena_.alloc(static_cast<size_t>(t.n_elements()) * sizeof(float));
    return t;
}

void CpuBackend::matmul(Tensor y, Tensor x, const Tensor& w) {
    assert(x.cols() == w.cols() && y.rows() == x.rows() && y.cols() == w.rows());
    void* scratch = arena_.alloc(kernels_->matmul_scratch_bytes(x, w, pool_.size()));
    if (measure_only_) return;
    kernels_->matmul(pool_, y, x, w, scratch);
}

void CpuBackend::get_rows(Tensor y, const Tensor& table, std::span<const int32_t> ids) {
    if (measure_only_) return;
    const auto n = static_cast<int64_t>(ids.size());
    ref::get_rows(y, table, ids, 0, n);
}

void CpuBackend::rms_norm(Tensor y, Tensor x, const Tensor& w, float eps) {
    if (measure_only_) return;
    const int64_t rows = x.n_elements() / w.cols();
    if (x.n_elements() < MIN_PARALLEL_ELEMENTS) return ref::rms_norm(y, x, w, eps, 0, rows);
    pool_.run([&](int ith, int nth) {
        int64_t r0, r1;
        ThreadPool::split(rows, ith, nth, r0, r1);
        ref::rms_norm(y, x, w, eps, r0, r1);
    });
}

void CpuBackend::add(Tensor y, Tensor a, Tensor b) {
    if (measure_only_) return;
    const int64_t n = a.n_elements();
    if (n < MIN_PARALLEL_ELEMENTS) return ref::add(y, a, b, 0, n);
    pool_.run([&](int ith, int nth) {
        int64_t e0, e1;
        ThreadPool::split(n, ith, nth, e0, e1, 64);
        ref::add(y, a, b, e0, e1);
    });
}

void CpuBackend::scale(Tensor y, Tensor x, float s) {
    if (!measure_only_) ref::scale(y, x, s, 0, x.n_elements());
}

void CpuBackend::act_mul(Tensor y, Tensor gate, Tensor up, Activation act) {
    if (measure_only_) return;
    const int64_t n = gate.n_elements();
    if (n < MIN_PARALLEL_ELEMENTS) return ref::act_mul(y, gate, up, act, 0, n);
    pool_.run([&](int ith, int nth) {
        int64_t e0, e1;
        ThreadPool::split(n, ith, nth, e0, e1, 64);
        ref::act_mul(y, gate, up, act, e0, e1);
    });
}

void CpuBackend::rope(Tensor x, std::span<const int32_t> positions, const RopeParams& p) {
    if (measure_only_) return;
    const int64_t n = x.dim(0);
    if (x.n_elements() < MIN_PARALLEL_ELEMENTS) return ref::rope(x, positions, p, 0, n);
    pool_.run([&](int ith, int nth) {
        int64_t t0, t1;
        ThreadPool::split(n, ith, nth, t0, t1);
        ref::rope(x, positions, p, t0, t1);
    });
}

void CpuBackend::kv_store(const KvLayer& kv, std::span<const SeqSlice> seqs, std::span<const int32_t> positions,
                          Tensor k, Tensor v) {
    if (measure_only_) return;
    // Converting to f16/q8_0/q4_0 costs a few ns a value: a prompt step's rows are split across the pool by token.
    for (const auto& s : seqs) {
        const int64_t values = static_cast<int64_t>(s.end - s.begin) * kv.n_kv_heads * kv.head_dim;
        if (kv.dtype == DType::F32 || values < MIN_PARALLEL_ELEMENTS) {
            ref::kv_store(kv, s, positions, k, v);
            continue;
        }
        pool_.run([&](int ith, int nth) {
            int64_t t0, t1;
            ThreadPool::split(s.end - s.begin, ith, nth, t0, t1);
            SeqSlice part = s;
            part.begin = s.begin + static_cast<int>(t0);
            part.end = s.begin + static_cast<int>(t1);
            ref::kv_store(kv, part, positions, k, v);
        });
    }
}

void CpuBackend::attention(Tensor out, Tensor q, const KvLayer& kv, std::span<const SeqSlice> seqs,
                           std::span<const int32_t> positions, const AttnParams& p) {
    const int64_t n_heads = q.dim(1);
    // The same bytes whatever kv.dtype is, so the planner's dry run (an F32 view) measures what a real step takes.
    const size_t per_thread = attention_scratch_bytes(static_cast<int>(q.dim(2)));
    auto* scratch = static_cast<std::byte*>(arena_.alloc(per_thread * static_cast<size_t>(pool_.size())));
    if (measure_only_) return;
    // Work items are (token, head) pairs; a few chunks per thread so a descheduled thread holds up little of it.
    for (const auto& s : seqs) {
        const int64_t items = static_cast<int64_t>(s.end - s.begin) * n_heads;
        const int64_t n_chunks = std::min<int64_t>(items, 4 * static_cast<int64_t>(pool_.size()));
        pool_.run_chunks(n_chunks, [&](int64_t chunk, int thread) {
            int64_t w0, w1;
            ThreadPool::split(items, static_cast<int>(chunk), static_cast<int>(n_chunks), w0, w1);
            kernels_->attention(out, q, kv, s, positions, p, w0, w1,
                                scratch + per_thread * static_cast<size_t>(thread));
        });
    }
}

}  // namespace snug
