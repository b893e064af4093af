// models/model.h: what every architecture provides — hyperparameters, bound weights and forward() — and the step
// input the engine builds for it. Models are written against ops/ops.h only: no kernels, no devices, no KV manager.
#pragma once
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "ops/ops.h"

namespace snug {
namespace gguf {
class File;
}

struct ModelConfig {
    std::string arch;
    int n_layers = 0;
    int n_embd = 0;
    int n_ff = 0;
    int n_heads = 0;
    int n_kv_heads = 0;
    int head_dim = 0;
    int n_vocab = 0;
    int n_ctx_train = 0;
    float norm_eps = 1e-5f;
    std::vector<int> layer_window;  // [n_layers] 0 = full attention, else the sliding window
};

// One forward step over a batch of tokens from one or more sequences.
struct StepInput {
    std::span<const int32_t> tokens;       // [n_tokens]
    std::span<const int32_t> positions;    // [n_tokens]
    std::vector<KvLayer> kv_layers;        // [n_layers]
    std::vector<std::vector<SeqSlice>> kv_slices;  // [n_layers][n_seqs]: rows and block tables per sequence
    std::span<const int32_t> output_rows;  // batch rows whose logits are wanted, ascending
    bool hidden_states = false;  // write the final-normed hidden states [n_out, n_embd] instead of logits
    // Hybrid execution (engine/engine.cpp fills these from the memory plan): the backend of each layer and of the
    // output head. Empty / null: everything runs on the Ops given to forward(), which also embeds the tokens.
    // Models never read these directly: blocks.h's DeviceCrossing does, at the one place devices change.
    std::vector<Ops*> layer_ops;  // [n_layers]
    Ops* output_ops = nullptr;
};

class Model {
public:
    virtual ~Model() = default;
    const ModelConfig& config() const { return cfg_; }
    // logits [output_rows.size(), n_vocab] = scores of the next token after each output row (empty: none wanted);
    // with step.hidden_states, [output_rows.size(), n_embd] final-normed hidden states (for embeddings).
    virtual void forward(Ops& ops, const StepInput& step, Tensor logits) const = 0;

protected:
    ModelConfig cfg_;
};

// Builds the model registered for the file's general.architecture; throws snug::Error naming what is wrong
// (unknown architecture, missing tensor, wrong shape or type).
std::unique_ptr<Model> load_model(const gguf::File& file);
std::vector<std::string> registered_architectures();

}  // namespace snug
