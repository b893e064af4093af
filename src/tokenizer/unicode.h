// tokenizer/unicode.h: the codepoint facts tokenization needs (UTF-8 decoding as llama.cpp does it, category flags,
// lowercase, first-of-NFD) and GPT-2's byte <-> printable-codepoint mapping. Tables: unicode_data.cpp (Unicode 15.1).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace snug::tok {

// Category bits as llama.cpp's unicode tables define them: exactly one of the first eight per codepoint.
enum CodepointFlags : uint16_t {
    CPT_UNDEFINED = 0x0001,    // unassigned (Cn), and anything past U+10FFFF
    CPT_NUMBER = 0x0002,       // \p{N}
    CPT_LETTER = 0x0004,       // \p{L}
    CPT_SEPARATOR = 0x0008,    // \p{Z}
    CPT_MARK = 0x0010,         // \p{M}
    CPT_PUNCTUATION = 0x0020,  // \p{P}
    CPT_SYMBOL = 0x0040,       // \p{S}
    CPT_CONTROL = 0x0080,      // \p{C} other than Cn (controls, format, private use, surrogates)
    CPT_CATEGORY_MASK = 0x00FF,
    CPT_WHITESPACE = 0x0100,   // Unicode White_Space (not U+001C..U+001F)
};

constexpr uint32_t REPLACEMENT_CHAR = 0xFFFD;

// Byte length of the UTF-8 sequence a lead byte announces (1 for continuation bytes), as llama.cpp counts it.
inline size_t utf8_len(char lead) {
    static constexpr uint8_t k_len[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
    return k_len[static_cast<uint8_t>(lead) >> 4];
}

// Decodes like llama.cpp: no overlong or surrogate checks; a malformed byte becomes U+FFFD and decoding resumes at the
// next byte. Unlike llama.cpp (which later aborts on them), sequences past U+10FFFF are malformed too.
std::vector<uint32_t> decode_utf8(std::string_view text);
void append_utf8(uint32_t cp, std::string& out);  // cp must be <= 0x10FFFF
std::string encode_utf8(const std::vector<uint32_t>& cps);

// Length of the longest prefix of `text` made of complete UTF-8 sequences (a stream may stop mid-character). Malformed
// bytes count as complete: waiting would never make them valid.
size_t complete_utf8_prefix(std::string_view text);
bool is_valid_utf8(std::string_view text);  // strict: no overlongs, surrogates or codepoints past U+10FFFF

uint16_t codepoint_flags(uint32_t cp);  // category bit | CPT_WHITESPACE
uint32_t to_lower(uint32_t cp);        // simple lowercase mapping; cp itself when none
uint32_t nfd_first(uint32_t cp);       // first codepoint of NFD(cp); cp itself when it does not decompose

// GPT-2 byte-level BPE alphabet: every byte maps to one printable codepoint (UTF-8 encoded).
std::string_view byte_to_unicode(uint8_t byte);
int unicode_to_byte(uint32_t cp);  // the byte a codepoint of that alphabet stands for, or -1

}  // namespace snug::tok
