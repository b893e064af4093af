#include "engine/engine.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "backends/cpu/cpu_backend.h"
#include "base/error.h"
#include "engine/dry_run.h"
#include "engine/gpu_backend.h"
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
    kc.dtype = opt.kv_type;  // the cache rejects a quantized type the model's head size cannot hold
    kc.block_size = opt.kv_block_size;
    kc.max_positions = e->n_ctx_;
    kc.max_sequences = opt.max_sequences;
    kc.max_full_contexts = opt.max_full_contexts;
    e->open_gpu(opt.n_gpu_layers, kc);
    e->kv_ = std::make_unique<KvCache>(kc);
    e->backend_ = std::make_unique<CpuBackend>(opt.n_threads);
    // The largest step the runner builds: n_batch tokens shared by every running sequence, each wanting logits.
    // Reserving its dry-run measure in one piece now is what makes the memory plan's compute figure the truth.
    const int running = opt.max_full_contexts > 0 ? opt.max_full_contexts : opt.max_sequences;
    const int step = static_cast<int>(std::min<int64_t>(opt.n_batch, int64_t(e->n_ctx_) * std::max(running, 1)));
    e->backend_->reserve_scratch(
        measure_compute(*e->model_, step, std::clamp(running, 1, step), e->backend_->n_threads()).total_bytes);
    return e;
}

Engine::~Engine() {
    kv_.reset();  // its GPU blocks come from gpu_'s allocator
}

namespace {
// The layer index of "blk.N.*" tensors, or -1.
int layer_of(std::string_view name) {
    if (name.substr(0, 4) != "blk.") return -1;
    int il = 0;
    size_t i = 4;
    for (; i < name.size() && name[i] >= '0' && name[i] <= '9'; ++i) il = il * 10 + (name[i] - '0');
    return i > 4 && i < name.size() && name[i] == '.' ? il : -1;
}
}  // namespace

void Engine::open_gpu(int n_gpu_layers, KvCacheConfig& kc) {
    const int L = model_->config().n_layers;
    int n_gpu = n_gpu_layers < 0 ? L : std::min(n_gpu_layers, L);
    if (n_gpu <= 0) return;
    std::string why;
    gpu_ = open_gpu_backend(why);
    if (!gpu_) {
        std::fprintf(stderr, "snug: no GPU: %s; running every layer on the CPU\n", why.c_str());
        return;
    }
    n_gpu_layers_ = n_gpu;
    const int n_cpu = L - n_gpu;
    kc.layer_allocators.assign(static_cast<size_t>(L), nullptr);
    for (int il = n_cpu; il < L; ++il) kc.layer_allocators[static_cast<size_t>(il)] = &gpu_->kv_allocator();
    // The weights of GPU layers and of the output head, copied once now. A tied output head is the embedding table;
    // the embedding lookup itself stays on the CPU (one row per token), as the plan counts it.
    const bool tied = file_->find_tensor("output.weight") == nullptr;
    for (const auto& t : file_->tensors()) {
        const int il = layer_of(t.name);
        const bool head = t.name == "output.weight" || t.name == "output_norm.weight" ||
                          (tied && t.name == "token_embd.weight");
        if (!(il >= n_cpu || head)) continue;
        gpu_->upload_weight(t.data, t.n_bytes);
    }
}

std::string Engine::device_summary() const {
    if (!gpu_) return "cpu";
    return "cuda:" + gpu_->info().name + " (" + std::to_string(n_gpu_layers_) + "/" +
           std::to_string(model_->config().n_layers) + " layers + output)";
}

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

void Engine::check_tokens(int seq, std::span<const int32_t> tokens) const {
    if (seq < 0 || static_cast<size_t>(seq) >= seq_len_.size()) throw Error("no sequence " + std::to_string(seq));
    const int64_t end = seq_len_[static_cast<size_t>(seq)] + static_cast<int64_t>(tokens.size());
    if (end > n_ctx_)
        throw Error("the sequence needs " + std::to_string(end) + " positions but the context size is " +
                    std::to_string(n_ctx_));
    for (int32_t t : tokens)
        if (t < 0 || t >= n_vocab())
            throw Error("token id " + std::to_string(t) + " is outside the vocabulary of " + std::to_string(n_vocab()));
}

std::span<const float> Engine::eval(int seq, std::span<const int32_t> tokens, Logits want) {
    check_tokens(seq, tokens);
    const auto n = static_cast<int64_t>(tokens.size());
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
        const int start = seq_len_[static_cast<size_t>(seq)];
        if (!kv_->prepare(seq, start, static_cast<int32_t>(start + m)))
            throw Error("KV cache is full: no free block for " + std::to_string(m) + " more tokens");
        entries_.assign(1, BatchEntry{seq, tokens.subspan(static_cast<size_t>(b), static_cast<size_t>(m)), false});
        forward(rows_, out);
    }
    return logits;
}

std::span<const float> Engine::decode(std::span<const BatchEntry> entries, bool& ok) {
    ok = false;
    rows_.clear();
    int32_t row = 0;
    for (size_t i = 0; i < entries.size(); ++i) {
        const BatchEntry& e = entries[i];
        check_tokens(e.seq, e.tokens);
        if (e.tokens.empty()) throw Error("a batch entry has no tokens");
        for (size_t j = 0; j < i; ++j)
            if (entries[j].seq == e.seq) throw Error("sequence " + std::to_string(e.seq) + " appears twice in a batch");
        row += static_cast<int32_t>(e.tokens.size());
        if (e.want_logits) rows_.push_back(row - 1);
    }
    for (const BatchEntry& e : entries) {
        const int start = seq_len_[static_cast<size_t>(e.seq)];
        // Blocks taken by entries before a failing one stay with their sequences: those positions come next anyway.
        if (!kv_->prepare(e.seq, start, start + static_cast<int32_t>(e.tokens.size()))) return {};
    }
    logits_.resize(rows_.size() * static_cast<size_t>(n_vocab()));
    entries_.assign(entries.begin(), entries.end());
    forward(rows_, rows_.empty() ? nullptr : logits_.data());
    ok = true;
    return logits_;
}

int Engine::share_prefix(int src, int dst, int n) {
    if (src < 0 || static_cast<size_t>(src) >= seq_len_.size() || dst < 0 || static_cast<size_t>(dst) >= seq_len_.size())
        throw Error("share_prefix: no such sequence");
    if (seq_len_[static_cast<size_t>(dst)] != 0) throw Error("share_prefix needs an empty destination sequence");
    n = std::min(n, seq_len_[static_cast<size_t>(src)]);
    const int shared = kv_->share_prefix(src, dst, n);
    seq_len_[static_cast<size_t>(dst)] = shared;
    return shared;
}

std::vector<float> Engine::embed(std::span<const int32_t> tokens) {
    if (tokens.empty()) throw Error("nothing to embed: the input has no tokens");
    const int seq = new_sequence();
    const int64_t E = config().n_embd;
    std::vector<double> sum(static_cast<size_t>(E), 0.0);
    std::vector<float> hidden;
    try {
        check_tokens(seq, tokens);
        for (size_t b = 0; b < tokens.size(); b += static_cast<size_t>(opt_.n_batch)) {
            const size_t m = std::min<size_t>(static_cast<size_t>(opt_.n_batch), tokens.size() - b);
            const int start = seq_len_[static_cast<size_t>(seq)];
            if (!kv_->prepare(seq, start, start + static_cast<int32_t>(m)))
                throw Error("KV cache is full: no free block to embed " + std::to_string(m) + " tokens");
            rows_.resize(m);
            std::iota(rows_.begin(), rows_.end(), 0);
            hidden.resize(m * static_cast<size_t>(E));
            entries_.assign(1, BatchEntry{seq, tokens.subspan(b, m), false});
            forward(rows_, hidden.data(), /*hidden_states=*/true);
            for (size_t r = 0; r < m; ++r)
                for (int64_t i = 0; i < E; ++i) sum[static_cast<size_t>(i)] += hidden[r * static_cast<size_t>(E) + static_cast<size_t>(i)];
        }
    } catch (...) {
        free_sequence(seq);
        throw;
    }
    free_sequence(seq);
    double norm = 0;
    for (double& v : sum) v /= static_cast<double>(tokens.size()), norm += v * v;
    norm = std::sqrt(norm);
    std::vector<float> out(static_cast<size_t>(E));
    for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<float>(norm > 0 ? sum[i] / norm : 0.0);
    return out;
}

void Engine::forward(std::span<const int32_t> output_rows, float* logits, bool hidden_states) {
    const ModelConfig& c = model_->config();
    tokens_.clear();
    positions_.clear();
    for (const BatchEntry& e : entries_) {
        const int start = seq_len_[static_cast<size_t>(e.seq)];
        tokens_.insert(tokens_.end(), e.tokens.begin(), e.tokens.end());
        for (size_t i = 0; i < e.tokens.size(); ++i) positions_.push_back(start + static_cast<int32_t>(i));
    }
    StepInput& in = step_;  // reused: after the first step its vectors have their capacity
    in.tokens = tokens_;
    in.positions = positions_;
    in.kv_layers.resize(static_cast<size_t>(c.n_layers));
    in.kv_slices.resize(static_cast<size_t>(c.n_layers));
    for (int il = 0; il < c.n_layers; ++il) {
        in.kv_layers[static_cast<size_t>(il)] = kv_->layer(il);
        auto& slices = in.kv_slices[static_cast<size_t>(il)];
        slices.clear();
        int begin = 0;
        for (const BatchEntry& e : entries_) {
            const int end = begin + static_cast<int>(e.tokens.size());
            slices.push_back(kv_->slice(e.seq, il, begin, end));
            begin = end;
        }
    }
    in.output_rows = output_rows;  // empty: no logits wanted, the model skips its output head
    in.hidden_states = hidden_states;
    backend_->reset_scratch();
    if (gpu_) {
        gpu_->ops().reset_scratch();
        const int n_cpu = c.n_layers - n_gpu_layers_;
        in.layer_ops.resize(static_cast<size_t>(c.n_layers));
        for (int il = 0; il < c.n_layers; ++il)
            in.layer_ops[static_cast<size_t>(il)] = il < n_cpu ? static_cast<Ops*>(backend_.get()) : &gpu_->ops();
        in.output_ops = &gpu_->ops();
    }
    Tensor out;
    if (logits)
        out = Tensor(DType::F32, {static_cast<int64_t>(output_rows.size()), hidden_states ? c.n_embd : c.n_vocab},
                     logits);
    model_->forward(*backend_, in, out);
    for (const BatchEntry& e : entries_) seq_len_[static_cast<size_t>(e.seq)] += static_cast<int>(e.tokens.size());
}

}  // namespace snug
