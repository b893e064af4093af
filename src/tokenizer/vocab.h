// tokenizer/vocab.h: the vocabulary as llama.cpp's loader leaves it: tokens with scores and attributes, BPE merge
// ranks, special ids, and the flags that steer tokenization. Built from GGUF metadata by load_vocab (vocab.cpp) with
// every count, id and type checked. Knows no algorithm; the tokenizers read it.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer/pretokenize.h"

namespace snug::gguf {
class File;
}

namespace snug::tok {

enum class VocabType { SPM, BPE, WPM };  // tokenizer.ggml.model "llama", "gpt2", "bert"

// llama.cpp's token attributes (llama_token_attr); a token may carry several.
enum TokenAttr : uint16_t {
    ATTR_UNDEFINED = 0,
    ATTR_UNKNOWN = 1 << 0,
    ATTR_UNUSED = 1 << 1,
    ATTR_NORMAL = 1 << 2,
    ATTR_CONTROL = 1 << 3,
    ATTR_USER_DEFINED = 1 << 4,
    ATTR_BYTE = 1 << 5,
    ATTR_LSTRIP = 1 << 7,  // special-token matching eats whitespace to its left
    ATTR_RSTRIP = 1 << 8,  // ... and to its right
};

struct TokenData {
    std::string text;
    float score = 0.0f;
    uint16_t attr = ATTR_NORMAL;
};

// Hash that lets unordered_map<std::string, ...> be searched with a string_view, without a copy.
struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using TokenIndex = std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>>;

struct Vocab {
    VocabType type = VocabType::SPM;
    std::string model_name;  // tokenizer.ggml.model
    std::string pre_name;    // tokenizer.ggml.pre as written ("" when absent)
    const PreTokenizerConfig* pre = nullptr;  // BPE only

    std::vector<TokenData> tokens;  // [n_vocab]
    TokenIndex token_to_id;
    TokenIndex merge_rank;  // "left right" -> rank (BPE only)
    size_t max_token_len = 0;  // bytes

    int32_t bos = -1, eos = -1, eot = -1, eom = -1, unk = -1, sep = -1, pad = -1, mask = -1;
    int32_t fim_pre = -1, fim_suf = -1, fim_mid = -1, fim_pad = -1, fim_rep = -1, fim_sep = -1;

    bool add_bos = false, add_eos = false, add_sep = false;
    bool add_space_prefix = false;          // SPM: a space before text that starts a fragment
    bool remove_extra_whitespaces = false;  // read for completeness; llama.cpp's SPM path ignores it too
    bool clean_spaces = false;              // decode tidies " ?", " 's" ...
    bool ignore_merges = false;             // BPE: a word that is a token is taken whole
    bool lowercase = true, strip_accents = true;  // WPM normalizer

    std::vector<int32_t> eog_ids;         // sorted
    std::vector<int32_t> special_tokens;  // control, user-defined and unknown tokens, longest text first

    int32_t n_tokens() const { return static_cast<int32_t>(tokens.size()); }
    bool valid(int32_t id) const { return id >= 0 && id < n_tokens(); }
    int32_t find(std::string_view text) const {
        const auto it = token_to_id.find(text);
        return it == token_to_id.end() ? -1 : it->second;
    }
    // Rank of merging `left` with `right`, or -1. Neither may contain a space (byte-level symbols never do).
    int32_t find_merge(std::string_view left, std::string_view right) const;
    bool has_attr(int32_t id, uint16_t attr) const { return (tokens[static_cast<size_t>(id)].attr & attr) != 0; }
};

// Reads tokenizer.ggml.* from `f`; throws snug::Error naming the key and the problem for any malformed entry.
Vocab load_vocab(const gguf::File& f);

}  // namespace snug::tok
