// models/qwen3.cpp: Qwen3 (dense): the pre-norm decoder with per-head RMS norms on q and k (QK-norm), no biases,
// NeoX rope.
#include "models/prenorm_decoder.h"

namespace snug {

std::unique_ptr<Model> make_qwen3(const gguf::File& f) {
    return std::make_unique<PreNormDecoder>(f, PreNormVariant{"qwen3", RopeStyle::NEOX, 1000000.0f, false, true});
}

}  // namespace snug
