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

struct EngineOptions {
    int n_threads = 0;      // 0: one per available core
    int n_ctx = 0;          // 0: the model's training context, capped at DEFAULT_CTX
    int n_batch = 512;      // tokens per forward step during prompt processing
    int max_sequences = 1;
    int kv_block_size = 32;
    static constexpr int DEFAULT_CTX = 4096;
};

enum class Logits { NONE, LAST, ALL };

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
    const KvCache& kv() const { return *kv_; }
    size_t scratch_bytes() const;

    int new_sequence();
    void free_sequence(int seq);
    void clear_sequence(int seq);
    int sequence_length(int seq) const { return seq_len_[static_cast<size_t>(seq)]; }

    // Appends tokens to seq and runs them through the model in batches of n_batch. Returns logits
    // [n, n_vocab] row-major: the last token's (n = 1), every token's (n = tokens.size()), or none. The view is
    // into a buffer the engine reuses: valid until the next eval(). Decoding a token allocates nothing.
    // Throws snug::Error when the sequence would exceed the context or a token id is outside the vocabulary.
    std::span<const float> eval(int seq, std::span<const int32_t> tokens, Logits want);

private:
    Engine() = default;
    void step(int seq, std::span<const int32_t> tokens, int32_t first_pos, std::span<const int32_t> output_rows,
              float* logits);

    std::unique_ptr<gguf::File> file_;
    std::unique_ptr<Tokenizer> tokenizer_;
    std::unique_ptr<Model> model_;
    std::unique_ptr<KvCache> kv_;
    std::unique_ptr<CpuBackend> backend_;
    EngineOptions opt_;
    int n_ctx_ = 0;
    std::vector<int> seq_len_;
    std::vector<int32_t> positions_, rows_;  // step buffers reused across steps
    std::vector<float> logits_;              // [n_out, n_vocab] of the last eval()
    StepInput step_;
};

}  // namespace snug
