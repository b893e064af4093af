// tokenizer/tokenizer.h: text <-> token ids from a GGUF vocabulary, reproducing llama.cpp's tokenization exactly:
// SentencePiece-style BPE ("llama"), byte-level BPE with the pre-tokenizer `tokenizer.ggml.pre` names ("gpt2") and
// WordPiece ("bert"). Owns the vocabulary; knows nothing of models or chat templates.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace snug {

namespace gguf {
class File;
}
namespace tok {
struct Vocab;
class PreTokenizer;
}  // namespace tok

class Tokenizer {
public:
    // Reads tokenizer.ggml.*; throws snug::Error naming the key for missing, mistyped or out-of-range metadata.
    static std::unique_ptr<Tokenizer> from_gguf(const gguf::File& f);
    ~Tokenizer();
    Tokenizer(const Tokenizer&) = delete;
    Tokenizer& operator=(const Tokenizer&) = delete;

    // add_special: BOS/EOS (WordPiece: CLS/SEP) as the metadata asks. parse_special: text spelling a control token
    // becomes that token; user-defined tokens are always split out first, as in llama.cpp. Any bytes are accepted
    // (malformed UTF-8 is tokenized as llama.cpp does); thread-safe.
    std::vector<int32_t> encode(std::string_view text, bool add_special, bool parse_special) const;

    // The bytes a token stands for: SentencePiece "▁" becomes a space and <0xXX> its byte, byte-level BPE symbols their
    // bytes. special = false renders control and unknown tokens as nothing. Throws snug::Error for an id outside
    // [0, n_vocab()).
    std::string token_to_piece(int32_t id, bool special = true) const;
    // llama.cpp's detokenize (remove_special false): concatenated pieces, the SentencePiece leading space of the first
    // token dropped, and for vocabs that ask for it " ?", " !", " .", " ,", " ' ", " 's" ... tidied. special as above.
    std::string decode(std::span<const int32_t> ids, bool special = false) const;

    int32_t n_vocab() const;
    int32_t bos() const;  // -1 when the vocabulary has none; likewise below
    int32_t eos() const;
    int32_t eot() const;
    int32_t eom() const;
    int32_t unk() const;
    int32_t sep() const;
    int32_t pad() const;
    bool add_bos() const;
    bool add_eos() const;
    bool add_sep() const;

    // End of generation: eos, eot, eom and the tokens llama.cpp marks by their text (<|im_end|>, <end_of_turn>, ...).
    bool is_eog(int32_t id) const;
    const std::vector<int32_t>& eog_ids() const;  // sorted
    bool is_control(int32_t id) const;
    bool is_user_defined(int32_t id) const;
    std::string_view token_text(int32_t id) const;  // the vocabulary entry as stored; throws for a bad id
    float token_score(int32_t id) const;
    int32_t find_token(std::string_view text) const;  // exact vocabulary entry, or -1

    std::string_view model_type() const;  // tokenizer.ggml.model: "llama", "gpt2" or "bert"
    std::string_view pre_type() const;    // tokenizer.ggml.pre as written, "" when absent

    const tok::Vocab& vocab() const { return *vocab_; }

private:
    Tokenizer();
    void check_id(int32_t id) const;

    std::unique_ptr<tok::Vocab> vocab_;
    std::unique_ptr<tok::PreTokenizer> pre_;  // byte-level BPE only
};

// Turns a stream of generated ids into text: the chunks concatenate to exactly Tokenizer::decode of all ids, and
// no chunk ends inside a UTF-8 character (incomplete bytes wait for the tokens that finish them; flush() gives what
// is left). Holds a reference to the tokenizer, which must outlive it.
class StreamDecoder {
public:
    explicit StreamDecoder(const Tokenizer& tokenizer, bool special = false);
    std::string feed(int32_t id);  // throws snug::Error for an id outside the vocabulary
    std::string flush();           // the rest, complete or not; the decoder then starts over
    void reset();

private:
    struct Stage {
        std::string pending;  // bytes held until the next byte decides whether a space goes
    };
    void push(char c, std::string& out);
    void push_stage2(char c, std::string& out);
    void push_stage3(char c, std::string& out);
    void finish(std::string& out);

    const Tokenizer& tok_;
    bool special_;
    bool clean_spaces_;
    bool first_ = true;
    Stage s1_, s2_, s3_;
    std::string held_;  // cleaned bytes not yet returned: an unfinished UTF-8 character
};

}  // namespace snug
