// ops/ops.h: the closed op set models are written against. A backend (CPU, later CUDA) implements Ops; models never
// see kernels or devices. Adding an op is deliberate: it comes with a reference kernel and a test.
// All activations are F32 and contiguous; weights may be any computable DType. Shapes are outermost first.
#pragma once
#include <cstdint>
#include <span>

#include "tensor/tensor.h"

namespace snug {

// One layer's paged KV storage: physical block b holds keys [block_size, n_kv_heads, head_dim] at k_blocks[b]
// and values of the same shape at v_blocks[b], encoded as dtype (F32, F16, Q8_0 or Q4_0, ggml's layouts). Each
// position is row_bytes(dtype, n_kv_heads * head_dim) bytes and head g starts row_bytes(dtype, g * head_dim) into
// it: a quantized type needs head_dim to be whole blocks (kv/kv_types.h checks this when the cache is made).
struct KvLayer {
    DType dtype = DType::F32;
    int block_size = 0;
    int n_kv_heads = 0;
    int head_dim = 0;
    void* const* k_blocks = nullptr;  // indexed by physical block id
    void* const* v_blocks = nullptr;
};

// The tokens of one sequence inside a step: rows [begin, end) of the batch, and its block table for this layer.
struct SeqSlice {
    int begin = 0;
    int end = 0;
    const int32_t* block_table = nullptr;  // logical block (position / block_size) -> physical block, -1 if dropped
    int n_blocks = 0;
};

enum class RopeStyle : uint8_t { NORMAL, NEOX };  // NORMAL rotates pairs (2i, 2i+1); NEOX rotates (i, i + dim/2)

struct RopeParams {
    RopeStyle style = RopeStyle::NORMAL;
    int n_rot = 0;                 // leading dims of each head that rotate
    float freq_base = 10000.0f;
    float freq_scale = 1.0f;       // linear position scaling
    const float* freq_factors = nullptr;  // [n_rot / 2] per-frequency divisors (llama-3 rope scaling), or null
};

struct AttnParams {
    float scale = 1.0f;   // applied to q·k
    int window = 0;       // 0: full causal; else a key at p0 is seen from p1 only when p1 - p0 < window
    float softcap = 0.0f; // 0: none; else logits = softcap * tanh(logits / softcap)
};

enum class Activation : uint8_t { SILU, GELU_TANH };

class Ops {
public:
    virtual ~Ops() = default;

    // Where this backend's tensors (alloc()) live.
    virtual Device device() const { return Device::CPU; }
    // dst = src, both of F32 and the same size, one of them in this backend's memory and the other possibly on
    // another device (a GPU backend copies to and from host memory). Only the layer loop's device crossing
    // (models/blocks.h, DeviceCrossing) calls it. The default copies host memory and throws snug::Error otherwise.
    virtual void copy(Tensor dst, Tensor src);

    // Scratch for one step, valid until reset_scratch(). Never frees during a step.
    virtual Tensor alloc(std::initializer_list<int64_t> shape) = 0;  // F32
    virtual void reset_scratch() = 0;
    virtual size_t scratch_high_water() const = 0;  // bytes, for the memory planner's dry run

    // y[n, m] = x[n, k] · w[m, k]^T. w any computable dtype.
    virtual void matmul(Tensor y, Tensor x, const Tensor& w) = 0;
    // y[i, :] = row ids[i] of table[n_rows, cols], dequantized.
    virtual void get_rows(Tensor y, const Tensor& table, std::span<const int32_t> ids) = 0;
    // Each row of x (seen as [rows, w.cols()]): y = x / rms(x) * w. w is F32 [cols]. y may alias x.
    virtual void rms_norm(Tensor y, Tensor x, const Tensor& w, float eps) = 0;
    // y = a + b; b has a's shape or is one row broadcast over a's rows. y may alias a.
    virtual void add(Tensor y, Tensor a, Tensor b) = 0;
    // y = x * s. y may alias x.
    virtual void scale(Tensor y, Tensor x, float s) = 0;
    // y = act(gate) * up, all [n, n_ff]. y may alias gate.
    virtual void act_mul(Tensor y, Tensor gate, Tensor up, Activation act) = 0;
    // x [n_tokens, n_heads, head_dim] rotated in place by positions[n_tokens].
    virtual void rope(Tensor x, std::span<const int32_t> positions, const RopeParams& p) = 0;
    // Writes k, v [n_tokens, n_kv_heads, head_dim] into the cache slots of their positions, converted to kv.dtype.
    virtual void kv_store(const KvLayer& kv, std::span<const SeqSlice> seqs, std::span<const int32_t> positions,
                          Tensor k, Tensor v) = 0;
    // out [n_tokens, n_heads * head_dim]: causal attention of q [n_tokens, n_heads, head_dim] over each token's
    // sequence in the cache (positions <= its own, within the window). GQA: head h reads kv head h / (n_heads / n_kv).
    virtual void attention(Tensor out, Tensor q, const KvLayer& kv, std::span<const SeqSlice> seqs,
                           std::span<const int32_t> positions, const AttnParams& p) = 0;
};

}  // namespace snug
