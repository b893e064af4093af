#include "models/prenorm_decoder.h"

#include <cmath>

#include "base/error.h"

#include "gguf/gguf.h"

namespace snug {

PreNormDecoder::PreNormDecoder(const gguf::File& f, const PreNormVariant& v) {
    cfg_ = read_decoder_config(f, v.arch);
    const std::string p = v.arch + ".";
    const WeightBinder b(f);
    tok_embd_ = b.require("token_embd.weight", {cfg_.n_vocab, cfg_.n_embd});
    output_norm_ = b.require_f32("output_norm.weight", {cfg_.n_embd});
    output_ = b.optional("output.weight", {cfg_.n_vocab, cfg_.n_embd});
    if (output_.empty()) output_ = tok_embd_;
    opt_.rope.style = v.rope_style;
    opt_.rope.n_rot = static_cast<int>(f.get_int(p + "rope.dimension_count", cfg_.head_dim));
    if (opt_.rope.n_rot <= 0 || opt_.rope.n_rot > cfg_.head_dim || opt_.rope.n_rot % 2 != 0)
        throw Error("rope.dimension_count " + std::to_string(opt_.rope.n_rot) + " does not fit head dimension " +
                    std::to_string(cfg_.head_dim));
    opt_.rope.freq_base = static_cast<float>(f.get_float(p + "rope.freq_base", v.default_rope_base));
    if (f.get_string(p + "rope.scaling.type") == "linear") {
        const double factor = f.get_float(p + "rope.scaling.factor", 1.0);
        if (!(factor > 0.0)) throw Error(p + "rope.scaling.factor must be positive");
        opt_.rope.freq_scale = static_cast<float>(1.0 / factor);
    }
    rope_freqs_ = b.optional_f32("rope_freqs.weight", {opt_.rope.n_rot / 2});
    opt_.rope.freq_factors = rope_freqs_.empty() ? nullptr : rope_freqs_.f32();
    opt_.attn.scale = 1.0f / std::sqrt(static_cast<float>(cfg_.head_dim));
    for (int il = 0; il < cfg_.n_layers; ++il) {
        Layer l;
        l.attn_norm = b.require_f32(WeightBinder::layer_name(il, "attn_norm.weight"), {cfg_.n_embd});
        l.attn = bind_attention(b, cfg_, il, v.qkv_biases, v.qk_norm);
        l.ffn_norm = b.require_f32(WeightBinder::layer_name(il, "ffn_norm.weight"), {cfg_.n_embd});
        l.ffn = bind_ffn(b, cfg_, il);
        layers_.push_back(l);
    }
}

void PreNormDecoder::forward(Ops& ops, const StepInput& step, Tensor logits) const {
    const auto n = static_cast<int64_t>(step.tokens.size());
    Tensor x = ops.alloc({n, cfg_.n_embd});  // [n_tokens, n_embd] residual stream
    Tensor h = ops.alloc({n, cfg_.n_embd});  // [n_tokens, n_embd] normed input of each block
    ops.get_rows(x, tok_embd_, step.tokens);
    DeviceCrossing dev(ops, step);
    for (int il = 0; il < cfg_.n_layers; ++il) {
        const Layer& l = layers_[static_cast<size_t>(il)];
        Ops& lo = dev.enter_layer(il, x, h);
        lo.rms_norm(h, x, l.attn_norm, cfg_.norm_eps);
        lo.add(x, x, attention_block(lo, step, il, cfg_, h, l.attn, opt_));
        lo.rms_norm(h, x, l.ffn_norm, cfg_.norm_eps);
        lo.add(x, x, ffn_block(lo, h, l.ffn, Activation::SILU));
    }
    output_head(dev.enter_output(x), step, x, output_norm_, cfg_.norm_eps, output_, logits);
}

}  // namespace snug
