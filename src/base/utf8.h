// base/utf8.h: UTF-8 encoding of one code point, shared by the tokenizer, the grammar, and both template languages.
#pragma once
#include <cstdint>
#include <string>

namespace snug {

// Appends cp (at most 0x10FFFF) as 1 to 4 bytes. Callers that take code points from untrusted text replace
// surrogates and out-of-range values first.
void append_utf8(std::string& out, uint32_t cp);

}  // namespace snug
