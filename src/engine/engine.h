// engine/engine.h: a loaded model ready to run — GGUF file, tokenizer, model, paged KV cache, CPU backend — and
// the step loop that evaluates a sequence's tokens in batches. No HTTP, no sampling policy.
#pragma once
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "kv/kv_cache.h"
#include "models/model.h"

namespace snug {
namespace gguf {
class File;
}
class Tokenizer;
class CpuBackend;
class GpuBackend;

struct EngineOptions {
    int n_threads = 0;      // 0: one per available core
    int n_ctx = 0;          // 0: the model's training context, capped at DEFAULT_CTX
    int n_batch = 512;      // tokens per forward step during prompt processing
    int max_sequences = 1;      // sequence ids that may exist at once (running and cached prefixes)
    int max_full_contexts = 0;  // the KV pool's cap in whole contexts (0: max_sequences); blocks are taken lazily
    int kv_block_size = 32;
    DType kv_type = DType::F16;  // the KV cache's element type: f32, f16, q8_0 or q4_0 (kv/kv_types.h), as llama.cpp's
    // Hybrid execution: the last n_gpu_layers layers and the output head run on the GPU (-1: every layer), the rest
    // on the CPU, as the memory plan places them (plan.n_layers_gpu). 0: all on the CPU. Without a usable GPU (no
    // CUDA in the build, no driver or device) everything runs on the CPU, with one line on stderr saying why.
    int n_gpu_layers = 0;
    static constexpr int DEFAULT_CTX = 4096;
};

enum class Logits { NONE, LAST, ALL };

// One sequence's part of a batched step: its next tokens, and whether the last one's logits are wanted.
struct BatchEntry {
    int seq = 0;
    std::span<const int32_t> tokens;
    bool want_logits = false;
};

class Engine {
public:
    static std::unique_ptr<Engine> load(const std::string& path, const EngineOptions& opt = {});
    ~Engine();

    const gguf::File& file() const { return *file_; }
    const Tokenizer& tokenizer() const { return *tokenizer_; }
    const Model& model() const { return *model_; }
    const ModelConfig& config() const { return model_->config(); }
    int n_ctx() const { return n_ctx_; }
    int n_vocab() const { return model_->config().n_vocab; }
    int n_threads() const;
    int n_batch() const { return opt_.n_batch; }
    const KvCache& kv() const { return *kv_; }
    size_t scratch_bytes() const;
    int n_gpu_layers() const { return n_gpu_layers_; }  // layers actually on the GPU (0 when none could be used)
    // Where the layers run, for reports: "cpu", or "cuda:NAME (22/34 layers + output)".
    std::string device_summary() const;

    int new_sequence();
    void free_sequence(int seq);
    void clear_sequence(int seq);
    int sequence_length(int seq) const { return seq_len_[static_cast<size_t>(seq)]; }

    // Appends tokens to seq and runs them through the model in batches of n_batch. Returns logits
    // [n, n_vocab] row-major: the last token's (n = 1), every token's (n = tokens.size()), or none. The view is
    // into a buffer the engine reuses: valid until the next eval(). Decoding a token allocates nothing.
    // Throws snug::Error when the sequence would exceed the context or a token id is outside the vocabulary.
    std::span<const float> eval(int seq, std::span<const int32_t> tokens, Logits want);

    // Continuous batching: appends each entry's tokens to its sequence and runs all of them in one forward step
    // (sequences distinct; the caller keeps the total near n_batch). Returns the last-token logits of the entries
    // that want them, in entry order, [n_wanted, n_vocab], valid until the next call; or false in `ok` with
    // nothing appended when the KV cache has no free block for the step (the caller frees or waits).
    std::span<const float> decode(std::span<const BatchEntry> entries, bool& ok);

    // An embedding of the tokens: the mean over positions of the final-normed hidden states, L2-normalized (as
    // Ollama's /api/embed returns). Runs on a scratch sequence of its own; needs a free sequence id.
    std::vector<float> embed(std::span<const int32_t> tokens);

    // Makes the empty sequence dst start with src's first n tokens by sharing KV blocks (whole blocks only).
    // Returns how many were shared; dst's length becomes that, and the caller evaluates the rest.
    int share_prefix(int src, int dst, int n);

private:
    Engine() = default;
    void check_tokens(int seq, std::span<const int32_t> tokens) const;
    // Opens the GPU for the last n_gpu_layers layers (-1: all), uploads their weights and the output head's, and
    // points their KV blocks at the GPU's allocator; without a usable GPU says so and leaves everything on the CPU.
    void open_gpu(int n_gpu_layers, KvCacheConfig& kc);
    // One forward step over entries_ (tokens concatenated in entry order); KV slots must be prepared.
    void forward(std::span<const int32_t> output_rows, float* logits, bool hidden_states = false);

    std::unique_ptr<gguf::File> file_;
    std::unique_ptr<Tokenizer> tokenizer_;
    std::unique_ptr<Model> model_;
    std::unique_ptr<KvCache> kv_;
    std::unique_ptr<CpuBackend> backend_;
    std::unique_ptr<GpuBackend> gpu_;  // null: CPU only
    int n_gpu_layers_ = 0;             // the last n_gpu_layers_ layers and the output head run on gpu_
    EngineOptions opt_;
    int n_ctx_ = 0;
    std::vector<int> seq_len_;
    std::vector<BatchEntry> entries_;        // the step being run
    std::vector<int32_t> tokens_, positions_, rows_;  // step buffers reused across steps
    std::vector<float> logits_;              // [n_out, n_vocab] of the last eval()
    StepInput step_;
};

}  // namespace snug
