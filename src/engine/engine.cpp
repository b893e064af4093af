#include "engine/engine.h"

#include <algorithm>
#include <numeric>

#include "backends/cpu/cpu_backend.h"
#include "base/error.h"
#include "gguf/gguf.h"
#include "tokenizer/tokenizer.h"

namespace snug {

std::unique_ptr<Engine> Engine::load(const std::string& path, const EngineOptions& opt) {
    std::unique_ptr<Engine> e(new Engine());
    e->opt_ = opt;
    e->file_ = gguf::File::open(path);
    e->tokenizer_ = Tokenizer::from_gguf(*e->file_);
    e->model_ = load_model(*e->file_);
    const ModelConfig& c = e->model_->config();
    if (e->tokenizer_->n_vocab() > c.n_vocab)
        throw Error("tokenizer has " + std::to_string(e->tokenizer_->n_vocab()) + " tokens but the embedding only " +
                    std::to_string(c.n_vocab));
    if (opt.n_ctx < 0) throw Error("context size must be positive, got " + std::to_string(opt.n_ctx));
    if (opt.n_batch <= 0) throw Error("batch size must be positive, got " + std::to_string(opt.n_batch));
    e->n_ctx_ = opt.n_ctx > 0 ? opt.n_ctx : std::min(c.n_ctx_train, EngineOptions::DEFAULT_CTX);
    KvCacheConfig kc;
    for (int il = 0; il < c.n_layers; ++il)
        kc.layers.push_back(KvLayerSpec{c.n_kv_heads, c.head_dim, c.layer_window[static_cast<size_t>(il)]});
    kc.dtype = DType::F32;
    kc.block_size = opt.kv_block_size;
    kc.max_positions = e->n_ctx_;
    kc.max_sequences = opt.max_sequences;
    e->kv_ = std::make_unique<KvCache>(kc);
    e->backend_ = std::make_unique<CpuBackend>(opt.n_threads);
    return e;
}

Engine::~Engine() = default;

int Engine::n_threads() const { return backend_->n_threads(); }
size_t Engine::scratch_bytes() const { return backend_->scratch_high_water(); }

int Engine::new_sequence() {
    const int s = kv_->add_sequence();
    if (static_cast<size_t>(s) >= seq_len_.size()) seq_len_.resize(static_cast<size_t>(s) + 1, 0);
    seq_len_[static_cast<size_t>(s)] = 0;
    return s;
}

void Engine::free_sequence(int seq) {
    kv_->remove_sequence(seq);
    seq_len_[static_cast<size_t>(seq)] = 0;
}

void Engine::clear_sequence(int seq) {
    kv_->clear_sequence(seq);
    seq_len_[static_cast<size_t>(seq)] = 0;
}

std::span<const float> Engine::eval(int seq, std::span<const int32_t> tokens, Logits want) {
    const int start = seq_len_[static_cast<size_t>(seq)];
    const auto n = static_cast<int64_t>(tokens.size());
    if (start + n > n_ctx_)
        throw Error("the sequence needs " + std::to_string(start + n) + " positions but the context size is " +
                    std::to_string(n_ctx_));
    for (int32_t t : tokens)
        if (t < 0 || t >= n_vocab())
            throw Error("token id " + std::to_string(t) + " is outside the vocabulary of " + std::to_string(n_vocab()));
    const int64_t V = n_vocab();
    std::vector<float>& logits = logits_;
    logits.resize(want == Logits::ALL ? static_cast<size_t>(n * V) : want == Logits::LAST && n > 0 ? static_cast<size_t>(V) : 0);
    for (int64_t b = 0; b < n; b += opt_.n_batch) {
        const int64_t m = std::min<int64_t>(opt_.n_batch, n - b);
        rows_.clear();
        if (want == Logits::ALL) {
            rows_.resize(static_cast<size_t>(m));
            std::iota(rows_.begin(), rows_.end(), 0);
        } else if (want == Logits::LAST && b + m == n) {
            rows_.push_back(static_cast<int32_t>(m - 1));
        }
        float* out = rows_.empty() ? nullptr : (want == Logits::ALL ? logits.data() + b * V : logits.data());
        step(seq, tokens.subspan(static_cast<size_t>(b), static_cast<size_t>(m)), static_cast<int32_t>(start + b),
             rows_, out);
        seq_len_[static_cast<size_t>(seq)] = static_cast<int>(start + b + m);
    }
    return logits;
}

void Engine::step(int seq, std::span<const int32_t> tokens, int32_t first_pos, std::span<const int32_t> output_rows,
                  float* logits) {
    const auto n = static_cast<int32_t>(tokens.size());
    if (!kv_->prepare(seq, first_pos, first_pos + n))
        throw Error("KV cache is full: no free block for " + std::to_string(n) + " more tokens");
    positions_.resize(static_cast<size_t>(n));
    std::iota(positions_.begin(), positions_.end(), first_pos);
    const ModelConfig& c = model_->config();
    StepInput& in = step_;  // reused: after the first step its vectors have their capacity
    in.tokens = tokens;
    in.positions = positions_;
    in.kv_layers.resize(static_cast<size_t>(c.n_layers));
    in.kv_slices.resize(static_cast<size_t>(c.n_layers));
    for (int il = 0; il < c.n_layers; ++il) {
        in.kv_layers[static_cast<size_t>(il)] = kv_->layer(il);
        auto& slices = in.kv_slices[static_cast<size_t>(il)];
        slices.clear();
        slices.push_back(kv_->slice(seq, il, 0, n));
    }
    in.output_rows = output_rows;  // empty: no logits wanted, the model skips its output head
    backend_->reset_scratch();
    Tensor out;
    if (logits) out = Tensor(DType::F32, {static_cast<int64_t>(output_rows.size()), c.n_vocab}, logits);
    model_->forward(*backend_, in, out);
}

}  // namespace snug
