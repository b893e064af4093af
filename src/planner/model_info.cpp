// planner/model_info.cpp: grouping the tensor table by what it is for. A tensor's bytes are the table's own
// (rows x row bytes of its type); nothing is read from the data section.
#include "planner/model_info.h"

#include <algorithm>
#include <charconv>

#include "base/error.h"
#include "gguf/gguf.h"
#include "planner/header_source.h"
#include "tokenizer/tokenizer.h"

namespace snug::planner {
namespace {

// N of "prefix N." at the start of name, or -1.
int layer_of(std::string_view name, std::string_view prefix) {
    if (name.substr(0, prefix.size()) != prefix) return -1;
    name.remove_prefix(prefix.size());
    int n = -1;
    const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), n);
    if (ec != std::errc() || end == name.data() + name.size() || *end != '.' || n < 0) return -1;
    return n;
}

TensorCost cost_of(const gguf::TensorInfo& t, std::string_view layer_prefix) {
    return TensorCost{std::string(t.name), t.dtype, t.n_elements, t.n_bytes, layer_of(t.name, layer_prefix)};
}

std::string file_name(const std::string& source) {
    const size_t slash = source.find_last_of('/');
    return slash == std::string::npos ? source : source.substr(slash + 1);
}

}  // namespace

uint64_t ModelInfo::weights_bytes() const {
    uint64_t n = 0;
    for (const auto& t : tensors) n += t.bytes;
    return n;
}

int context_limit(const ModelHeader& header, const std::string& arch, std::string& why) {
    const gguf::File& f = header.file();
    const std::string p = arch + ".";
    const int64_t trained = f.get_int(p + "context_length", 2048);
    why = "trained context " + std::to_string(trained);
    const std::string type = f.get_string(p + "rope.scaling.type");
    const double factor = f.get_float(p + "rope.scaling.factor", 1.0);
    const int64_t original = f.get_int(p + "rope.scaling.original_context_length", 0);
    if ((type == "yarn" || type == "linear") && factor > 1.0 && original == trained) {
        const double scaled = static_cast<double>(trained) * factor;
        if (scaled < double(1 << 24)) {
            why = type + " rope scaling x" + std::to_string(factor).substr(0, 4) + " of " + std::to_string(trained);
            return static_cast<int>(scaled);
        }
    }
    return static_cast<int>(std::min<int64_t>(trained, 1 << 24));
}

LoadedModel analyze_model(const ModelHeader& header) {
    const gguf::File& f = header.file();
    LoadedModel r;
    try {
        r.model = load_model(f);
    } catch (const Error& e) {
        throw Error("'" + header.source() + "': " + e.what());
    }
    ModelInfo& m = r.info;
    m.config = r.model->config();
    m.source = header.source();
    m.name = f.get_string("general.name", file_name(header.source()));
    m.max_ctx = context_limit(header, m.config.arch, m.max_ctx_why);
    m.file_bytes = header.file_bytes();
    m.header_bytes = f.data_offset();
    m.layer_bytes.assign(static_cast<size_t>(m.config.n_layers), 0);
    m.layer_params.assign(static_cast<size_t>(m.config.n_layers), 0);
    m.tied_output = f.find_tensor("output.weight") == nullptr;
    for (const auto& t : f.tensors()) {
        TensorCost c = cost_of(t, "blk.");
        const bool matrix = t.shape.size() >= 2;
        if (c.layer >= m.config.n_layers)
            throw Error("tensor '" + c.name + "' belongs to layer " + std::to_string(c.layer) + " but the model has " +
                        std::to_string(m.config.n_layers) + " layers");
        if (c.layer >= 0) {
            m.layer_bytes[static_cast<size_t>(c.layer)] += c.bytes;
            if (matrix) m.layer_params[static_cast<size_t>(c.layer)] += c.n_elements;
        } else if (c.name == "token_embd.weight") {
            m.input_bytes += c.bytes;
            if (m.tied_output) m.output_params += c.n_elements;  // the output head multiplies by it
        } else {
            m.output_bytes += c.bytes;  // output norm, output matrix, rope factors: small or used once per step
            if (matrix) m.output_params += c.n_elements;
        }
        m.tensors.push_back(std::move(c));
    }
    m.metadata_heap_bytes = header.metadata_heap_bytes();
    const uint64_t heap0 = heap_bytes_in_use();
    {
        const auto tok = Tokenizer::from_gguf(f);
        m.tokenizer_heap_bytes = heap_bytes_in_use() - std::min(heap0, heap_bytes_in_use());
    }
    m.host_bytes = m.metadata_heap_bytes + m.tokenizer_heap_bytes + m.header_bytes;
    return r;
}

ProjectorInfo analyze_projector(const ModelHeader& header) {
    const gguf::File& f = header.file();
    ProjectorInfo p;
    p.source = header.source();
    if (!f.find("clip.vision.image_size") || !f.find("clip.vision.patch_size"))
        throw Error("'" + header.source() + "' is not a vision projector (no clip.vision.image_size / patch_size)");
    p.projector_type = f.get_string("clip.projector_type", "mlp");
    const int64_t image = f.get_int("clip.vision.image_size", 0);
    const int64_t patch = f.get_int("clip.vision.patch_size", 0);
    if (image <= 0 || patch <= 0 || image % patch != 0 || image > 16384)
        throw Error("vision projector image size " + std::to_string(image) + " and patch size " +
                    std::to_string(patch) + " do not make a whole grid of patches");
    p.image_size = static_cast<int>(image);
    p.patch_size = static_cast<int>(patch);
    const int side = static_cast<int>(image / patch);
    p.n_patches = side * side;
    if (p.projector_type == "gemma3") {
        // Gemma 3 average-pools the encoder's patch grid 4 x 4 before projecting: 64 x 64 patches -> 256 tokens
        // (mm_tokens_per_image in the model's config; ref: llama.cpp tools/mtmd/clip.cpp, PROJECTOR_TYPE_GEMMA3).
        constexpr int POOL = 4;
        if (side % POOL != 0)
            throw Error("gemma3 projector patch grid " + std::to_string(side) + " is not a multiple of 4");
        p.tokens_per_image = (side / POOL) * (side / POOL);
        p.tokens_why = "gemma3: " + std::to_string(side) + "x" + std::to_string(side) + " patches pooled 4x4";
    } else {
        p.tokens_per_image = p.n_patches;
        const std::string grid = std::to_string(side) + "x" + std::to_string(side);
        p.tokens_why = p.projector_type + ": one token per patch (" + grid + ")";
    }
    for (const auto& t : f.tensors()) {
        TensorCost c = cost_of(t, "v.blk.");
        if (c.name.rfind("v.", 0) == 0) {
            p.encoder_bytes += c.bytes;
            if (t.shape.size() >= 2) p.encoder_params += c.n_elements;
        } else {
            p.projector_bytes += c.bytes;
        }
        p.tensors.push_back(std::move(c));
    }
    p.metadata_heap_bytes = header.metadata_heap_bytes();
    return p;
}

}  // namespace snug::planner
