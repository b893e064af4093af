// tokenizer/wordpiece.cpp: WordPiece (BERT) as llama.cpp's llm_tokenizer_wpm does it. Normalization: whitespace
// separates words; NUL, U+FFFD and control characters vanish; with strip_accents each codepoint is replaced by the
// first codepoint of its NFD and marks are dropped; lowercase; punctuation, ASCII symbols and CJK ideographs stand
// alone. Each word, prefixed with U+2581, is then cut by greedy longest match; a word with an unmatched rest is <unk>.
#include <algorithm>

#include "tokenizer/encoders.h"
#include "tokenizer/unicode.h"
#include "tokenizer/vocab.h"

namespace snug::tok {

namespace {

// The CJK ranges BERT's tokenizer isolates (0x2B920 rather than 0x2B820 follows Hugging Face's code).
bool is_chinese_char(uint32_t cp) {
    return (cp >= 0x04E00 && cp <= 0x09FFF) || (cp >= 0x03400 && cp <= 0x04DBF) || (cp >= 0x20000 && cp <= 0x2A6DF) ||
           (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF) ||
           (cp >= 0x0F900 && cp <= 0x0FAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

constexpr std::string_view WORD_START = "\xE2\x96\x81";  // U+2581

}  // namespace

std::vector<std::string> wpm_words(const Vocab& v, std::string_view text) {
    std::vector<std::string> words(1);
    for (uint32_t cp : decode_utf8(text)) {
        if (v.strip_accents) cp = nfd_first(cp);
        const uint16_t f = codepoint_flags(cp);
        if (f & CPT_WHITESPACE) {
            if (!words.back().empty()) words.emplace_back();
            continue;
        }
        if (cp == 0 || cp == REPLACEMENT_CHAR || (f & CPT_CONTROL)) continue;
        if (v.strip_accents && (f & CPT_MARK)) continue;
        std::string s;
        append_utf8(v.lowercase ? to_lower(cp) : cp, s);
        if ((f & CPT_PUNCTUATION) || (cp < 0x7F && (f & CPT_SYMBOL)) || is_chinese_char(cp)) {
            if (!words.back().empty()) words.emplace_back();
            words.back() = std::move(s);
            words.emplace_back();
        } else {
            words.back() += s;
        }
    }
    if (words.back().empty()) words.pop_back();
    return words;
}

void wpm_tokenize(const Vocab& v, std::string_view text, std::vector<int32_t>& out) {
    for (const std::string& word : wpm_words(v, text)) {
        if (word.empty()) continue;
        const std::string w = std::string(WORD_START) + word;
        const size_t n = w.size();
        const size_t start_size = out.size();
        for (size_t i = 0; i < n; ++i) {
            bool matched = false;
            for (size_t j = std::min(n, i + v.max_token_len + 1); j > i; --j) {
                const int32_t id = v.find(std::string_view(w).substr(i, j - i));
                if (id >= 0) {
                    out.push_back(id);
                    matched = true;
                    i = j - 1;
                    break;
                }
            }
            if (!matched) {  // the whole word becomes <unk>
                out.resize(start_size);
                break;
            }
        }
        if (out.size() == start_size && v.unk >= 0) out.push_back(v.unk);
    }
}

}  // namespace snug::tok
