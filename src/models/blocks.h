// models/blocks.h: building blocks shared by the decoder architectures (hyperparameters, GQA attention with paged
// KV, gated FFN, output head). Each is a few ops; architectures compose them in their forward().
#pragma once
#include <string>

#include "models/model.h"
#include "models/weights.h"

namespace snug {

// Reads the {arch}.* keys every decoder has; throws on missing or impossible values.
ModelConfig read_decoder_config(const gguf::File& f, const std::string& arch);

struct AttnWeights {
    Tensor wq;              // [n_heads * head_dim, n_embd]
    Tensor wk, wv;          // [n_kv_heads * head_dim, n_embd]
    Tensor wo;              // [n_embd, n_heads * head_dim]
    Tensor bq, bk, bv;      // [n_heads * head_dim] / [n_kv_heads * head_dim], optional (qwen2)
    Tensor q_norm, k_norm;  // [head_dim], optional (qwen3, gemma3)
};

struct FfnWeights {
    Tensor gate, up;  // [n_ff, n_embd]
    Tensor down;      // [n_embd, n_ff]
};

// Binds blk.{il}.attn_{q,k,v,output}.weight (+ biases and q/k norms when the flags ask).
AttnWeights bind_attention(const WeightBinder& b, const ModelConfig& c, int il, bool biases, bool qk_norm);
FfnWeights bind_ffn(const WeightBinder& b, const ModelConfig& c, int il);

struct AttnOptions {
    RopeParams rope;
    AttnParams attn;
};

// x [n_tokens, n_embd] (already normed) -> [n_tokens, n_embd]: projections, optional q/k norm, rope, KV store,
// paged causal attention per sequence, output projection.
Tensor attention_block(Ops& ops, const StepInput& step, int il, const ModelConfig& c, Tensor x,
                       const AttnWeights& w, const AttnOptions& opt);

// x [n_tokens, n_embd] (already normed) -> [n_tokens, n_embd]: down(act(gate x) * up x).
Tensor ffn_block(Ops& ops, Tensor x, const FfnWeights& w, Activation act);

// The one place a forward step changes device (docs/STYLE.md habit 13): layer il runs on step.layer_ops[il] and the
// output head on step.output_ops (both default to the Ops given to forward(), which embeds the tokens). When the
// backend changes, the residual stream x moves to the new one and the block-input buffer h is taken there afresh.
class DeviceCrossing {
public:
    DeviceCrossing(Ops& input_ops, const StepInput& step) : cur_(&input_ops), step_(step) {}
    Ops& enter_layer(int il, Tensor& x, Tensor& h);  // before layer il's first op
    Ops& enter_output(Tensor& x);                     // after the last layer

private:
    Ops& move_to(Ops* next, Tensor& x, Tensor* h);
    Ops* cur_;
    const StepInput& step_;
};

// Final norm and vocabulary projection of the step's output rows of x [n_tokens, n_embd] into logits.
void output_head(Ops& ops, const StepInput& step, Tensor x, const Tensor& norm, float eps, const Tensor& output,
                 Tensor logits);

}  // namespace snug
