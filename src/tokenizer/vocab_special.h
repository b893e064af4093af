// tokenizer/vocab_special.h: special token ids and the attribute fix-ups llama.cpp's loader applies (end-of-generation
// set, tokens recognised by their text, the special-token match list). Internal to the tokenizer library.
#pragma once

namespace snug::gguf {
class File;
}

namespace snug::tok {

struct Vocab;

// Needs the tokens read; sets ids, add_* flags, attributes, eog_ids and special_tokens. Throws snug::Error.
void apply_special_tokens(const gguf::File& f, Vocab& v);

}  // namespace snug::tok
