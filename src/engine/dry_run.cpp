// engine/dry_run.cpp: a pass-through Ops that notes the measuring backend's arena at every KV store, so the step's
// scratch can be split by layer for placement. KV views carry marker addresses, one per layer, instead of blocks.
#include "engine/dry_run.h"

#include <cstdint>
#include <string>

#include "backends/cpu/cpu_backend.h"
#include "base/error.h"

namespace snug {
namespace {

class LayerTrace final : public Ops {
public:
    LayerTrace(CpuBackend& inner, void* const* markers, int n_layers)
        : inner_(inner), markers_(markers), at_store_(static_cast<size_t>(n_layers), 0) {}

    const std::vector<uint64_t>& at_store() const { return at_store_; }

    Tensor alloc(std::initializer_list<int64_t> shape) override { return inner_.alloc(shape); }
    void reset_scratch() override { inner_.reset_scratch(); }
    size_t scratch_high_water() const override { return inner_.scratch_high_water(); }
    void matmul(Tensor y, Tensor x, const Tensor& w) override { inner_.matmul(y, x, w); }
    void get_rows(Tensor y, const Tensor& table, std::span<const int32_t> ids) override {
        inner_.get_rows(y, table, ids);
    }
    void rms_norm(Tensor y, Tensor x, const Tensor& w, float eps) override { inner_.rms_norm(y, x, w, eps); }
    void add(Tensor y, Tensor a, Tensor b) override { inner_.add(y, a, b); }
    void scale(Tensor y, Tensor x, float s) override { inner_.scale(y, x, s); }
    void act_mul(Tensor y, Tensor gate, Tensor up, Activation act) override { inner_.act_mul(y, gate, up, act); }
    void rope(Tensor x, std::span<const int32_t> positions, const RopeParams& p) override {
        inner_.rope(x, positions, p);
    }
    void kv_store(const KvLayer& kv, std::span<const SeqSlice> seqs, std::span<const int32_t> positions, Tensor k,
                  Tensor v) override {
        // The marker's address says which layer this is (compared as integers: the view may come from elsewhere).
        const auto at = reinterpret_cast<uintptr_t>(kv.k_blocks), base = reinterpret_cast<uintptr_t>(markers_);
        const size_t il = (at - base) / sizeof(void*);
        if (at >= base && il < at_store_.size()) at_store_[il] = inner_.scratch_high_water();
        inner_.kv_store(kv, seqs, positions, k, v);
    }
    void attention(Tensor out, Tensor q, const KvLayer& kv, std::span<const SeqSlice> seqs,
                   std::span<const int32_t> positions, const AttnParams& p) override {
        inner_.attention(out, q, kv, seqs, positions, p);
    }

private:
    CpuBackend& inner_;
    void* const* markers_;
    std::vector<uint64_t> at_store_;  // [n_layers] arena bytes when layer il stored its K and V
};

}  // namespace

ComputeMeasure measure_compute(const Model& model, int n_tokens, int n_seqs, int n_threads, const CpuKernels* kernels) {
    const ModelConfig& c = model.config();
    if (n_tokens <= 0 || n_seqs <= 0 || n_seqs > n_tokens)
        throw Error("a dry run needs 1 <= sequences <= tokens, got " + std::to_string(n_seqs) + " sequences and " +
                    std::to_string(n_tokens) + " tokens");
    ComputeMeasure m;
    m.n_tokens = n_tokens;
    m.n_seqs = n_seqs;
    CpuBackend backend(n_threads, kernels, /*measure_only=*/true);
    m.n_threads = backend.n_threads();

    std::vector<int32_t> tokens(static_cast<size_t>(n_tokens), 0);
    std::vector<int32_t> positions(static_cast<size_t>(n_tokens));
    std::vector<int32_t> rows;
    std::vector<SeqSlice> slices;
    for (int s = 0, begin = 0; s < n_seqs; ++s) {
        const int end = begin + n_tokens / n_seqs + (s < n_tokens % n_seqs ? 1 : 0);
        for (int i = begin; i < end; ++i) positions[static_cast<size_t>(i)] = i - begin;
        slices.push_back(SeqSlice{begin, end, nullptr, 0});
        rows.push_back(end - 1);
        begin = end;
    }
    std::vector<void*> markers(static_cast<size_t>(c.n_layers), nullptr);
    StepInput in;
    in.tokens = tokens;
    in.positions = positions;
    in.output_rows = rows;
    for (int il = 0; il < c.n_layers; ++il) {
        KvLayer kv;
        kv.dtype = DType::F32;
        kv.block_size = 32;
        kv.n_kv_heads = c.n_kv_heads;
        kv.head_dim = c.head_dim;
        kv.k_blocks = markers.data() + il;
        kv.v_blocks = markers.data() + il;
        in.kv_layers.push_back(kv);
        in.kv_slices.push_back(slices);
    }
    // The logits are the engine's own buffer; only their address is needed, nothing is written in measure mode.
    std::vector<float> logits_probe(1);
    const Tensor logits(DType::F32, {static_cast<int64_t>(rows.size()), c.n_vocab}, logits_probe.data());
    LayerTrace trace(backend, markers.data(), c.n_layers);
    model.forward(trace, in, logits);

    m.total_bytes = backend.scratch_high_water();
    const auto& at = trace.at_store();
    m.layer_bytes.assign(static_cast<size_t>(c.n_layers), 0);
    if (c.n_layers > 0) {
        m.input_bytes = at[0];
        for (size_t il = 0; il + 1 < at.size(); ++il) m.layer_bytes[il] = at[il + 1] - at[il];
        m.output_bytes = m.total_bytes - at.back();
    } else {
        m.input_bytes = m.total_bytes;
    }
    m.logits_bytes = static_cast<uint64_t>(rows.size()) * static_cast<uint64_t>(c.n_vocab) * sizeof(float);
    return m;
}

}  // namespace snug
