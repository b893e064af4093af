// tokenizer/pretokenize.h: splitting text into words before byte-level BPE, exactly as llama.cpp's
// unicode_regex_split does it for each `tokenizer.ggml.pre`. Owns the regex lists and the splitters; not the merges.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace snug::tok {

class RegexStep;

// What a `tokenizer.ggml.pre` name selects, with the loader defaults llama.cpp ties to it.
struct PreTokenizerConfig {
    std::string_view name;                   // the canonical name of its family (e.g. "qwen2" for "deepseek-r1-qwen")
    std::vector<std::string_view> patterns;  // applied in turn, each one within the pieces the previous one made
    bool clean_spaces = true;                // decode removes " ?", " 's" ... (llama.cpp's clean_spaces)
    bool ignore_merges = false;              // a word that is itself a token skips the merges
    bool add_bos = false;                    // default of tokenizer.ggml.add_bos_token
    bool add_sep = false;                    // default of tokenizer.ggml.add_sep_token
    bool no_default_bos = false;             // the model type's default BOS id does not apply
};

// nullptr when llama.cpp does not know `name` either. An empty name selects "default".
const PreTokenizerConfig* find_pre_tokenizer(std::string_view name);

class PreTokenizer {
public:
    // Compiles the patterns; throws snug::Error when one does not compile.
    explicit PreTokenizer(const std::vector<std::string_view>& patterns);
    ~PreTokenizer();
    PreTokenizer(const PreTokenizer&) = delete;
    PreTokenizer& operator=(const PreTokenizer&) = delete;

    // The words, as UTF-8 (malformed input bytes become U+FFFD, as in llama.cpp).
    std::vector<std::string> split(std::string_view text) const;
    // The words with every byte replaced by its GPT-2 alphabet codepoint: what the BPE merges run on.
    std::vector<std::string> split_byte_encoded(std::string_view text) const;

private:
    // Word lengths in codepoints, summing to the text's codepoint count.
    std::vector<size_t> split_offsets(const std::vector<uint32_t>& cps) const;

    enum class Kind { GPT2, LLAMA3, REGEX };
    struct Step {
        Kind kind;
        std::unique_ptr<RegexStep> regex;  // for REGEX
    };
    std::vector<Step> steps_;
};

}  // namespace snug::tok
