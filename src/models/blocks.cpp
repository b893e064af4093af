#include "models/blocks.h"

#include <cmath>

#include "base/error.h"
#include "gguf/gguf.h"

namespace snug {

ModelConfig read_decoder_config(const gguf::File& f, const std::string& arch) {
    ModelConfig c;
    c.arch = arch;
    auto positive = [&](const std::string& key, int64_t v) {
        if (v <= 0 || v > (int64_t(1) << 24))
            throw Error("metadata " + key + " = " + std::to_string(v) + " is out of range");
        return static_cast<int>(v);
    };
    const std::string p = arch + ".";
    c.n_layers = positive(p + "block_count", f.require_int(p + "block_count"));
    c.n_embd = positive(p + "embedding_length", f.require_int(p + "embedding_length"));
    c.n_ff = positive(p + "feed_forward_length", f.require_int(p + "feed_forward_length"));
    c.n_heads = positive(p + "attention.head_count", f.require_int(p + "attention.head_count"));
    c.n_kv_heads = positive(p + "attention.head_count_kv", f.get_int(p + "attention.head_count_kv", c.n_heads));
    if (c.n_heads % c.n_kv_heads != 0)
        throw Error("attention.head_count " + std::to_string(c.n_heads) + " is not a multiple of head_count_kv " +
                    std::to_string(c.n_kv_heads));
    c.head_dim = positive(p + "attention.key_length", f.get_int(p + "attention.key_length", c.n_embd / c.n_heads));
    const int v_dim = positive(p + "attention.value_length", f.get_int(p + "attention.value_length", c.head_dim));
    if (v_dim != c.head_dim) throw Error("attention.value_length differs from key_length; snug needs them equal");
    if (c.head_dim % 2 != 0) throw Error("head dimension " + std::to_string(c.head_dim) + " is odd");
    c.n_ctx_train = positive(p + "context_length", f.get_int(p + "context_length", 2048));
    c.norm_eps = static_cast<float>(f.get_float(p + "attention.layer_norm_rms_epsilon", 1e-5));
    if (!(c.norm_eps > 0.0f && c.norm_eps < 1.0f))
        throw Error("attention.layer_norm_rms_epsilon " + std::to_string(c.norm_eps) + " is out of range");
    const gguf::TensorInfo* emb = f.find_tensor("token_embd.weight");
    if (!emb) throw Error("model is missing tensor 'token_embd.weight'");
    c.n_vocab = static_cast<int>(emb->rows());
    c.layer_window.assign(static_cast<size_t>(c.n_layers), 0);
    return c;
}

AttnWeights bind_attention(const WeightBinder& b, const ModelConfig& c, int il, bool biases, bool qk_norm) {
    const int64_t q_dim = int64_t(c.n_heads) * c.head_dim;
    const int64_t kv_dim = int64_t(c.n_kv_heads) * c.head_dim;
    auto n = [&](const char* s) { return WeightBinder::layer_name(il, s); };
    AttnWeights w;
    w.wq = b.require(n("attn_q.weight"), {q_dim, c.n_embd});
    w.wk = b.require(n("attn_k.weight"), {kv_dim, c.n_embd});
    w.wv = b.require(n("attn_v.weight"), {kv_dim, c.n_embd});
    w.wo = b.require(n("attn_output.weight"), {c.n_embd, q_dim});
    if (biases) {
        w.bq = b.require_f32(n("attn_q.bias"), {q_dim});
        w.bk = b.require_f32(n("attn_k.bias"), {kv_dim});
        w.bv = b.require_f32(n("attn_v.bias"), {kv_dim});
    }
    if (qk_norm) {
        w.q_norm = b.require_f32(n("attn_q_norm.weight"), {c.head_dim});
        w.k_norm = b.require_f32(n("attn_k_norm.weight"), {c.head_dim});
    }
    return w;
}

FfnWeights bind_ffn(const WeightBinder& b, const ModelConfig& c, int il) {
    auto n = [&](const char* s) { return WeightBinder::layer_name(il, s); };
    FfnWeights w;
    w.gate = b.require(n("ffn_gate.weight"), {c.n_ff, c.n_embd});
    w.up = b.require(n("ffn_up.weight"), {c.n_ff, c.n_embd});
    w.down = b.require(n("ffn_down.weight"), {c.n_embd, c.n_ff});
    return w;
}

Tensor attention_block(Ops& ops, const StepInput& step, int il, const ModelConfig& c, Tensor x,
                       const AttnWeights& w, const AttnOptions& opt) {
    const int64_t n = x.dim(0);
    Tensor q = ops.alloc({n, c.n_heads, c.head_dim});     // [n_tokens, n_heads, head_dim]
    Tensor k = ops.alloc({n, c.n_kv_heads, c.head_dim});  // [n_tokens, n_kv_heads, head_dim]
    Tensor v = ops.alloc({n, c.n_kv_heads, c.head_dim});
    const int64_t q_dim = int64_t(c.n_heads) * c.head_dim;
    const int64_t kv_dim = int64_t(c.n_kv_heads) * c.head_dim;
    ops.matmul(q.view({n, q_dim}), x, w.wq);
    ops.matmul(k.view({n, kv_dim}), x, w.wk);
    ops.matmul(v.view({n, kv_dim}), x, w.wv);
    if (!w.bq.empty()) {
        ops.add(q.view({n, q_dim}), q.view({n, q_dim}), w.bq);
        ops.add(k.view({n, kv_dim}), k.view({n, kv_dim}), w.bk);
        ops.add(v.view({n, kv_dim}), v.view({n, kv_dim}), w.bv);
    }
    if (!w.q_norm.empty()) {
        ops.rms_norm(q, q, w.q_norm, c.norm_eps);
        ops.rms_norm(k, k, w.k_norm, c.norm_eps);
    }
    ops.rope(q, step.positions, opt.rope);
    ops.rope(k, step.positions, opt.rope);
    const KvLayer& kv = step.kv_layers[static_cast<size_t>(il)];
    const auto& seqs = step.kv_slices[static_cast<size_t>(il)];
    ops.kv_store(kv, seqs, step.positions, k, v);
    Tensor att = ops.alloc({n, q_dim});  // [n_tokens, n_heads * head_dim]
    ops.attention(att, q, kv, seqs, step.positions, opt.attn);
    Tensor out = ops.alloc({n, c.n_embd});
    ops.matmul(out, att, w.wo);
    return out;
}

Tensor ffn_block(Ops& ops, Tensor x, const FfnWeights& w, Activation act) {
    const int64_t n = x.dim(0);
    const int64_t n_ff = w.gate.dim(0);
    Tensor g = ops.alloc({n, n_ff});  // [n_tokens, n_ff]
    Tensor u = ops.alloc({n, n_ff});
    ops.matmul(g, x, w.gate);
    ops.matmul(u, x, w.up);
    ops.act_mul(g, g, u, act);
    Tensor out = ops.alloc({n, w.down.dim(0)});  // [n_tokens, n_embd]
    ops.matmul(out, g, w.down);
    return out;
}

Ops& DeviceCrossing::move_to(Ops* next, Tensor& x, Tensor* h) {
    if (!next || next == cur_) return *cur_;
    Tensor moved = next->alloc({x.dim(0), x.cols()});  // [n_tokens, n_embd] residual stream on the new device
    // A GPU backend can reach host memory, a CPU backend cannot reach a GPU's: the non-CPU side copies.
    Ops& copier = next->device() != Device::CPU ? *next : *cur_;
    copier.copy(moved, x);
    x = moved;
    if (h) *h = next->alloc({h->dim(0), h->cols()});
    cur_ = next;
    return *cur_;
}

Ops& DeviceCrossing::enter_layer(int il, Tensor& x, Tensor& h) {
    const bool placed = static_cast<size_t>(il) < step_.layer_ops.size();
    return move_to(placed ? step_.layer_ops[static_cast<size_t>(il)] : nullptr, x, &h);
}

Ops& DeviceCrossing::enter_output(Tensor& x) { return move_to(step_.output_ops, x, nullptr); }

void output_head(Ops& ops, const StepInput& step, Tensor x, const Tensor& norm, float eps, const Tensor& output,
                 Tensor logits) {
    const int64_t n_out = static_cast<int64_t>(step.output_rows.size());
    if (n_out == 0) return;
    const int64_t n_embd = x.cols();
    Tensor rows = x;
    if (n_out != x.dim(0)) {
        rows = ops.alloc({n_out, n_embd});  // [n_out, n_embd]: a row gather, done where x lives
        ops.get_rows(rows, x, step.output_rows);
    }
    if (step.hidden_states) {
        ops.rms_norm(logits, rows, norm, eps);  // logits is [n_out, n_embd] here
        return;
    }
    Tensor normed = ops.alloc({n_out, n_embd});
    ops.rms_norm(normed, rows, norm, eps);
    ops.matmul(logits, normed, output);
}

}  // namespace snug
