// planner/model_info.h: what a model and a vision projector weigh, from the GGUF tensor table alone: bytes per
// tensor, per repeating layer ("blk.N." / "v.blk.N."), for the input embedding and the output head; and the host
// memory the runtime keeps beside them (parsed metadata, tokenizer), measured by building them. Shapes and windows
// come from the registered model's own loader, so no architecture is described twice.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/dtype.h"
#include "models/model.h"

namespace snug::planner {

class ModelHeader;

struct TensorCost {
    std::string name;
    DType dtype = DType::F32;
    int64_t n_elements = 0;
    uint64_t bytes = 0;
    int layer = -1;  // N of "blk.N.", -1 for the others
};

struct ModelInfo {
    std::string source;         // path or URL
    std::string name;           // general.name, or the file name
    ModelConfig config;         // n_layers, dimensions, per-layer attention windows
    int max_ctx = 0;            // longest context the file supports (see context_limit)
    std::string max_ctx_why;    // "trained context 131072", "yarn rope scaling x4 of 32768"
    uint64_t file_bytes = 0;
    uint64_t header_bytes = 0;  // metadata + tensor table: mapped and read at load

    std::vector<TensorCost> tensors;
    std::vector<uint64_t> layer_bytes;   // [n_layers]
    std::vector<int64_t> layer_params;   // [n_layers] elements of matrices (>= 2 dims), for FLOP counts
    uint64_t input_bytes = 0;            // token_embd.weight: read one row per token, stays in host memory
    uint64_t output_bytes = 0;           // output norm + output matrix + the rest (rope factors); not a tied embedding
    int64_t output_params = 0;           // elements the output head multiplies by (the embedding's, when tied)
    bool tied_output = false;            // no output.weight: the head reads token_embd, so a GPU head needs a copy
    uint64_t output_bytes_on(bool gpu) const { return output_bytes + (tied_output && gpu ? input_bytes : 0); }

    uint64_t metadata_heap_bytes = 0;    // parsed metadata (every array element is a gguf::Value)
    uint64_t tokenizer_heap_bytes = 0;   // the tokenizer built from it
    // Host memory the runtime holds for this model besides weights: metadata + tokenizer + mapped header by default.
    // A fresh process (snug fit) replaces it by its resident-memory growth over opening and analyzing the model: the
    // same steps the engine takes at load, with the same freed-and-reused heap, so closer to what `snug run` shows.
    uint64_t host_bytes = 0;
    uint64_t weights_bytes() const;      // every tensor once
};

// Builds the model (weights bound, nothing read) and the tokenizer to measure them. Throws snug::Error for an
// architecture snug cannot run or a file its loader rejects.
struct LoadedModel {
    ModelInfo info;
    std::unique_ptr<Model> model;  // bound to the header's image: for dry runs only
};
LoadedModel analyze_model(const ModelHeader& header);

// The context limit: context_length, or context_length x factor when the file carries rope scaling (yarn/linear)
// with rope.scaling.original_context_length equal to it (the context was not already extended).
int context_limit(const ModelHeader& header, const std::string& arch, std::string& why);

struct ProjectorInfo {
    std::string source;
    std::string projector_type;  // clip.projector_type ("gemma3", "mlp", ...)
    std::vector<TensorCost> tensors;
    uint64_t encoder_bytes = 0;    // v.*: the vision tower
    uint64_t projector_bytes = 0;  // mm.* and anything else: into the language model's embedding space
    int64_t encoder_params = 0;
    int image_size = 0;            // pixels per side the encoder takes
    int patch_size = 0;
    int n_patches = 0;             // (image_size / patch_size)^2
    int tokens_per_image = 0;      // what one image costs in the context
    std::string tokens_why;        // how tokens_per_image was found
    uint64_t metadata_heap_bytes = 0;
    uint64_t image_embedding_bytes(int n_embd) const {  // one image's embeddings, f32, handed to the language model
        return static_cast<uint64_t>(tokens_per_image) * static_cast<uint64_t>(n_embd) * sizeof(float);
    }
};
// Throws snug::Error when the file is not a CLIP-style projector (no clip.vision.* keys).
ProjectorInfo analyze_projector(const ModelHeader& header);

}  // namespace snug::planner
