// models/llama.cpp: Llama 2/3. GQA, tied or separate output, NORMAL (interleaved-pair) rope with llama-3 frequency
// factors from rope_freqs.weight. The layer stack is the shared pre-norm decoder.
#include "models/prenorm_decoder.h"

namespace snug {

std::unique_ptr<Model> make_llama(const gguf::File& f) {
    return std::make_unique<PreNormDecoder>(f, PreNormVariant{"llama", RopeStyle::NORMAL, 10000.0f, false, false});
}

}  // namespace snug
