// backends/cpu/cpu_backend.h: the CPU implementation of the op set. Splits each op across the thread pool and
// calls the kernels chosen once at start-up (dispatch.h). Owns the step's scratch arena.
#pragma once
#include <memory>

#include "backends/cpu/dispatch.h"
#include "backends/cpu/scratch_arena.h"
#include "base/thread_pool.h"
#include "ops/ops.h"

namespace snug {

class CpuBackend final : public Ops {
public:
    // n_threads <= 0 means one per available core. measure_only: every op takes its scratch exactly as when computing
    // but runs no kernel and reads no weight, so scratch_high_water() after a forward() is that step's real arena size
    // (the memory planner's dry run, planner/dry_run.cpp).
    explicit CpuBackend(int n_threads, const CpuKernels* kernels = nullptr, bool measure_only = false);

    int n_threads() const { return pool_.size(); }
    const CpuKernels& kernels() const { return *kernels_; }

    Tensor alloc(std::initializer_list<int64_t> shape) override;
    void reset_scratch() override { arena_.reset(); }
    // Takes `bytes` of scratch in one piece now (the planner's dry-run measure of the largest step), so no step grows
    // the arena piece by piece: pieces small enough for the malloc heap stay resident after they are merged, which
    // otherwise costs up to the arena's size again in RSS.
    void reserve_scratch(size_t bytes) {
        arena_.alloc(bytes);
        arena_.reset();
    }
    size_t scratch_high_water() const override { return arena_.high_water(); }

    void matmul(Tensor y, Tensor x, const Tensor& w) override;
    void get_rows(Tensor y, const Tensor& table, std::span<const int32_t> ids) override;
    void rms_norm(Tensor y, Tensor x, const Tensor& w, float eps) override;
    void add(Tensor y, Tensor a, Tensor b) override;
    void scale(Tensor y, Tensor x, float s) override;
    void act_mul(Tensor y, Tensor gate, Tensor up, Activation act) override;
    void rope(Tensor x, std::span<const int32_t> positions, const RopeParams& p) override;
    void kv_store(const KvLayer& kv, std::span<const SeqSlice> seqs, std::span<const int32_t> positions, Tensor k,
                  Tensor v) override;
    void attention(Tensor out, Tensor q, const KvLayer& kv, std::span<const SeqSlice> seqs,
                   std::span<const int32_t> positions, const AttnParams& p) override;

private:
    ThreadPool pool_;
    const CpuKernels* kernels_;
    ScratchArena arena_;
    bool measure_only_ = false;
};

}  // namespace snug
