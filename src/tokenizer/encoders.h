// tokenizer/encoders.h: the three tokenization algorithms and the special-token split that runs before them, each
// a port of llama.cpp's behaviour (llm_tokenizer_spm / _bpe / _wpm, tokenizer_st_partition). Internal.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <algorithm>
#include <vector>

#include "tokenizer/unicode.h"

namespace snug::tok {

// A piece of text in the merge loops of SPM and BPE: a doubly linked chain over byte ranges.
struct MergeSymbol {
    int prev, next;   // neighbours in the live chain, -1 at the ends
    size_t begin, n;  // bytes of the text; n == 0 once merged into its left neighbour
};

// One symbol per UTF-8 character of text (a truncated trailing character stays one symbol), chained in order.
inline void split_utf8_symbols(std::string_view text, std::vector<MergeSymbol>& out) {
    for (size_t off = 0; off < text.size();) {
        const size_t n = std::min(utf8_len(text[off]), text.size() - off);
        const int index = static_cast<int>(out.size());
        out.push_back({index - 1, off + n == text.size() ? -1 : index + 1, off, n});
        off += n;
    }
}

struct Vocab;
class PreTokenizer;

// SentencePiece-style: merge adjacent pieces by highest score; pieces that are no token fall back to <0xXX> bytes.
// `text` must already have spaces replaced by U+2581.
void spm_tokenize(const Vocab& v, std::string_view text, std::vector<int32_t>& out);

// Byte-level BPE: pre-tokenize, then merge each word's symbols by lowest merge rank.
void bpe_tokenize(const Vocab& v, const PreTokenizer& pre, std::string_view text, std::vector<int32_t>& out);

// WordPiece: normalize and split into words, then greedy longest match with U+2581 marking a word start.
void wpm_tokenize(const Vocab& v, std::string_view text, std::vector<int32_t>& out);
std::vector<std::string> wpm_words(const Vocab& v, std::string_view text);  // the normalized words, for tests

// A piece of the input after special tokens are split out: raw text [offset, offset + length) or one token.
struct Fragment {
    int32_t token = -1;  // -1: raw text
    size_t offset = 0, length = 0;
};
// Splits out the vocabulary's special tokens, longest first. Control and unknown tokens only when parse_special;
// user-defined ones always. Honours their lstrip/rstrip attributes.
std::vector<Fragment> partition_special(const Vocab& v, std::string_view text, bool parse_special);

// The bytes of one token (see Tokenizer::token_to_piece); `id` must be valid.
std::string piece_of(const Vocab& v, int32_t id, bool special);
// llama.cpp's clean_spaces passes over detokenized text, in place.
void clean_up_spaces(std::string& text);

}  // namespace snug::tok
