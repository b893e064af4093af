// models/gemma3.cpp: Gemma 3 text decoder. Sliding-window attention on 5 of every 6 layers (their own rope base,
// no rope scaling), QK-norm, norms before and after both attention and FFN, embeddings scaled by sqrt(n_embd),
// GELU(tanh)-gated FFN, tied output. GGUF norm weights already hold Gemma's (1 + w).
// ref: llama.cpp src/models/gemma3.cpp and llama-model.cpp (swa pattern 6, rope base 10000 on sliding layers)
#include <cmath>

#include "base/error.h"
#include "gguf/gguf.h"
#include "models/blocks.h"

namespace snug {
namespace {

constexpr int SWA_PATTERN = 6;  // layer il slides when il % 6 < 5; absent from real files' metadata
constexpr float SWA_ROPE_BASE = 10000.0f;

struct Gemma3Layer {
    Tensor attn_norm;       // [n_embd]
    AttnWeights attn;       // with q/k norms
    Tensor post_attn_norm;  // [n_embd]
    Tensor ffn_norm;        // [n_embd]
    FfnWeights ffn;
    Tensor post_ffn_norm;   // [n_embd]
    AttnOptions opt;        // per layer: window and rope differ between sliding and global layers
};

class Gemma3 final : public Model {
public:
    explicit Gemma3(const gguf::File& f) {
        cfg_ = read_decoder_config(f, "gemma3");
        const WeightBinder b(f);
        tok_embd_ = b.require("token_embd.weight", {cfg_.n_vocab, cfg_.n_embd});
        output_norm_ = b.require_f32("output_norm.weight", {cfg_.n_embd});
        output_ = b.optional("output.weight", {cfg_.n_vocab, cfg_.n_embd});
        if (output_.empty()) output_ = tok_embd_;
        const int window = static_cast<int>(f.get_int("gemma3.attention.sliding_window", 4096));
        if (window <= 0) throw Error("gemma3.attention.sliding_window must be positive, got " + std::to_string(window));
        const int pattern = static_cast<int>(f.get_int("gemma3.attention.sliding_window_pattern", SWA_PATTERN));
        if (pattern <= 0) throw Error("gemma3.attention.sliding_window_pattern must be positive");
        AttnOptions global;
        global.rope.style = RopeStyle::NEOX;
        global.rope.n_rot = static_cast<int>(f.get_int("gemma3.rope.dimension_count", cfg_.head_dim));
        global.rope.freq_base = static_cast<float>(f.get_float("gemma3.rope.freq_base", 1000000.0));
        if (f.get_string("gemma3.rope.scaling.type") == "linear") {
            const double factor = f.get_float("gemma3.rope.scaling.factor", 1.0);
            if (!(factor > 0.0)) throw Error("gemma3.rope.scaling.factor must be positive");
            global.rope.freq_scale = static_cast<float>(1.0 / factor);
        }
        // Gemma 3 27B scales queries by 1/sqrt(n_embd / n_heads) instead of 1/sqrt(head_dim) (query_pre_attn_scalar).
        const float q_dim = cfg_.n_layers == 62 ? float(cfg_.n_embd) / float(cfg_.n_heads) : float(cfg_.head_dim);
        global.attn.scale = 1.0f / std::sqrt(q_dim);
        AttnOptions sliding = global;
        sliding.rope.freq_base = static_cast<float>(f.get_float("gemma3.rope.freq_base_swa", SWA_ROPE_BASE));
        sliding.rope.freq_scale = 1.0f;
        sliding.attn.window = window;
        for (int il = 0; il < cfg_.n_layers; ++il) {
            auto n = [&](const char* s) { return WeightBinder::layer_name(il, s); };
            Gemma3Layer l;
            l.attn_norm = b.require_f32(n("attn_norm.weight"), {cfg_.n_embd});
            l.attn = bind_attention(b, cfg_, il, false, true);
            l.post_attn_norm = b.require_f32(n("post_attention_norm.weight"), {cfg_.n_embd});
            l.ffn_norm = b.require_f32(n("ffn_norm.weight"), {cfg_.n_embd});
            l.ffn = bind_ffn(b, cfg_, il);
            l.post_ffn_norm = b.require_f32(n("post_ffw_norm.weight"), {cfg_.n_embd});
            const bool slides = il % pattern < pattern - 1;
            l.opt = slides ? sliding : global;
            cfg_.layer_window[static_cast<size_t>(il)] = slides ? window : 0;
            layers_.push_back(l);
        }
    }

    void forward(Ops& ops, const StepInput& step, Tensor logits) const override {
        const auto n = static_cast<int64_t>(step.tokens.size());
        Tensor x = ops.alloc({n, cfg_.n_embd});  // [n_tokens, n_embd] residual stream
        Tensor h = ops.alloc({n, cfg_.n_embd});  // [n_tokens, n_embd]
        ops.get_rows(x, tok_embd_, step.tokens);
        ops.scale(x, x, std::sqrt(static_cast<float>(cfg_.n_embd)));
        DeviceCrossing dev(ops, step);
        for (int il = 0; il < cfg_.n_layers; ++il) {
            const Gemma3Layer& l = layers_[static_cast<size_t>(il)];
            Ops& lo = dev.enter_layer(il, x, h);
            lo.rms_norm(h, x, l.attn_norm, cfg_.norm_eps);
            Tensor a = attention_block(lo, step, il, cfg_, h, l.attn, l.opt);
            lo.rms_norm(a, a, l.post_attn_norm, cfg_.norm_eps);
            lo.add(x, x, a);
            lo.rms_norm(h, x, l.ffn_norm, cfg_.norm_eps);
            Tensor m = ffn_block(lo, h, l.ffn, Activation::GELU_TANH);
            lo.rms_norm(m, m, l.post_ffn_norm, cfg_.norm_eps);
            lo.add(x, x, m);
        }
        output_head(dev.enter_output(x), step, x, output_norm_, cfg_.norm_eps, output_, logits);
    }

private:
    Tensor tok_embd_;     // [n_vocab, n_embd]
    Tensor output_norm_;  // [n_embd]
    Tensor output_;       // [n_vocab, n_embd]
    std::vector<Gemma3Layer> layers_;
};

}  // namespace

std::unique_ptr<Model> make_gemma3(const gguf::File& f) { return std::make_unique<Gemma3>(f); }

}  // namespace snug
