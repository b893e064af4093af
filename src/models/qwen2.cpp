// models/qwen2.cpp: Qwen2 / Qwen2.5: the pre-norm decoder with q/k/v biases and NeoX (half-split) rope.
#include "models/prenorm_decoder.h"

namespace snug {

std::unique_ptr<Model> make_qwen2(const gguf::File& f) {
    return std::make_unique<PreNormDecoder>(f, PreNormVariant{"qwen2", RopeStyle::NEOX, 1000000.0f, true, false});
}

}  // namespace snug
