// models/prenorm_decoder.h: the pre-norm decoder shared by Llama, Qwen2 and Qwen3 — RMSNorm, GQA attention with
// rope, residual, RMSNorm, SiLU-gated FFN, residual. The architecture files say which variant they are.
#pragma once
#include <string>

#include "models/blocks.h"

namespace snug {

struct PreNormVariant {
    std::string arch;            // GGUF key prefix
    RopeStyle rope_style = RopeStyle::NORMAL;
    float default_rope_base = 10000.0f;
    bool qkv_biases = false;     // qwen2
    bool qk_norm = false;        // qwen3
};

class PreNormDecoder final : public Model {
public:
    PreNormDecoder(const gguf::File& f, const PreNormVariant& v);
    void forward(Ops& ops, const StepInput& step, Tensor logits) const override;

private:
    struct Layer {
        Tensor attn_norm;  // [n_embd]
        AttnWeights attn;
        Tensor ffn_norm;   // [n_embd]
        FfnWeights ffn;
    };
    Tensor tok_embd_;     // [n_vocab, n_embd]
    Tensor output_norm_;  // [n_embd]
    Tensor output_;       // [n_vocab, n_embd], token_embd when tied
    Tensor rope_freqs_;   // [n_rot / 2] llama-3 frequency factors, or empty
    AttnOptions opt_;
    std::vector<Layer> layers_;
};

}  // namespace snug
