// tokenizer/special.cpp: splits special-token text out of the input before the tokenizer proper sees it, as llama.cpp's
// tokenizer_st_partition does: one special token at a time, longest first, over the raw pieces still left.
#include "tokenizer/encoders.h"
#include "tokenizer/vocab.h"

namespace snug::tok {

namespace {

bool is_ascii_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }  // C isspace in the "C" locale

}  // namespace

std::vector<Fragment> partition_special(const Vocab& v, std::string_view text, bool parse_special) {
    std::vector<Fragment> frags;
    if (text.empty()) return frags;
    frags.push_back({-1, 0, text.size()});

    std::vector<Fragment> next;
    for (int32_t id : v.special_tokens) {
        const TokenData& tok = v.tokens[static_cast<size_t>(id)];
        // Control and unknown tokens are plain text unless asked for; user-defined tokens split out regardless
        // (Hugging Face tokenizers pre-split added tokens the same way).
        if (!parse_special && (tok.attr & (ATTR_CONTROL | ATTR_UNKNOWN))) continue;
        const std::string_view needle = tok.text;

        next.clear();
        bool changed = false;
        for (const Fragment& frag : frags) {
            if (frag.token >= 0) {
                next.push_back(frag);
                continue;
            }
            size_t pos = frag.offset;
            const size_t end = frag.offset + frag.length;
            const std::string_view hay = text.substr(0, end);
            while (true) {
                const size_t match = hay.find(needle, pos);
                if (match == std::string_view::npos) {
                    if (pos < end) next.push_back({-1, pos, end - pos});
                    break;
                }
                changed = true;
                size_t left_len = match - pos;
                if (tok.attr & ATTR_LSTRIP) {
                    while (left_len > 0 && is_ascii_space(text[pos + left_len - 1])) --left_len;
                }
                if (left_len > 0) next.push_back({-1, pos, left_len});
                next.push_back({id, 0, 0});
                size_t right = match + needle.size();
                if (right >= end) break;
                if (tok.attr & ATTR_RSTRIP) {
                    while (right < end && is_ascii_space(text[right])) ++right;
                }
                pos = right;
            }
        }
        if (changed) frags.swap(next);
    }
    return frags;
}

}  // namespace snug::tok
