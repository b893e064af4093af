// tokenizer/tokenizer.cpp: the public Tokenizer: loading, the encode driver around the special-token split, and
// decode. The algorithms are in spm.cpp, bpe.cpp and wordpiece.cpp.
#include "tokenizer/tokenizer.h"

#include <algorithm>

#include "base/error.h"
#include "tokenizer/encoders.h"
#include "tokenizer/pretokenize.h"
#include "tokenizer/vocab.h"

namespace snug {

using tok::Fragment;
using tok::VocabType;

Tokenizer::Tokenizer() = default;
Tokenizer::~Tokenizer() = default;

std::unique_ptr<Tokenizer> Tokenizer::from_gguf(const gguf::File& f) {
    std::unique_ptr<Tokenizer> t(new Tokenizer());
    t->vocab_ = std::make_unique<tok::Vocab>(tok::load_vocab(f));
    if (t->vocab_->type == VocabType::BPE) t->pre_ = std::make_unique<tok::PreTokenizer>(t->vocab_->pre->patterns);
    return t;
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_special, bool parse_special) const {
    const tok::Vocab& v = *vocab_;
    std::vector<int32_t> out;
    const std::vector<Fragment> frags = tok::partition_special(v, text, parse_special);
    const auto raw = [&](const Fragment& f) { return text.substr(f.offset, f.length); };

    switch (v.type) {
        case VocabType::SPM: {
            if (add_special && v.add_bos) out.push_back(v.bos);
            bool prev_special = true;  // text at the start, or after a special token, gets the space prefix
            for (const Fragment& f : frags) {
                if (f.token >= 0) {
                    out.push_back(f.token);
                    prev_special = true;
                    continue;
                }
                std::string escaped = v.add_space_prefix && prev_special ? "\xE2\x96\x81" : "";
                for (char c : raw(f)) {
                    if (c == ' ') {
                        escaped += "\xE2\x96\x81";
                    } else {
                        escaped += c;
                    }
                }
                tok::spm_tokenize(v, escaped, out);
                prev_special = false;
            }
            if (add_special && v.add_eos) out.push_back(v.eos);
            break;
        }
        case VocabType::BPE: {
            if (add_special && v.add_bos) out.push_back(v.bos);
            for (const Fragment& f : frags) {
                if (f.token >= 0) {
                    out.push_back(f.token);
                } else {
                    tok::bpe_tokenize(v, *pre_, raw(f), out);
                }
            }
            if (add_special && v.add_eos) out.push_back(v.eos);
            break;
        }
        case VocabType::WPM: {
            // BERT wraps every input in CLS ... SEP, whatever add_bos says (llama.cpp does the same).
            if (add_special && v.bos >= 0) out.push_back(v.bos);
            for (const Fragment& f : frags) {
                if (f.token >= 0) {
                    out.push_back(f.token);
                } else {
                    tok::wpm_tokenize(v, raw(f), out);
                }
            }
            if (add_special && v.sep >= 0) out.push_back(v.sep);
            break;
        }
    }
    return out;
}

void Tokenizer::check_id(int32_t id) const {
    if (!vocab_->valid(id)) {
        throw Error("token id " + std::to_string(id) + " is outside the vocabulary of " +
                    std::to_string(vocab_->n_tokens()) + " tokens");
    }
}

std::string Tokenizer::token_to_piece(int32_t id, bool special) const {
    check_id(id);
    return tok::piece_of(*vocab_, id, special);
}

std::string Tokenizer::decode(std::span<const int32_t> ids, bool special) const {
    std::string text;
    bool strip_space = vocab_->add_space_prefix;  // only the very first piece loses its leading space
    for (int32_t id : ids) {
        check_id(id);
        std::string piece = tok::piece_of(*vocab_, id, special);
        if (strip_space && !piece.empty() && piece.front() == ' ') piece.erase(0, 1);
        strip_space = false;
        text += piece;
    }
    if (vocab_->clean_spaces) tok::clean_up_spaces(text);
    return text;
}

int32_t Tokenizer::n_vocab() const { return vocab_->n_tokens(); }
int32_t Tokenizer::bos() const { return vocab_->bos; }
int32_t Tokenizer::eos() const { return vocab_->eos; }
int32_t Tokenizer::eot() const { return vocab_->eot; }
int32_t Tokenizer::eom() const { return vocab_->eom; }
int32_t Tokenizer::unk() const { return vocab_->unk; }
int32_t Tokenizer::sep() const { return vocab_->sep; }
int32_t Tokenizer::pad() const { return vocab_->pad; }
bool Tokenizer::add_bos() const { return vocab_->add_bos; }
bool Tokenizer::add_eos() const { return vocab_->add_eos; }
bool Tokenizer::add_sep() const { return vocab_->add_sep; }

bool Tokenizer::is_eog(int32_t id) const {
    return std::binary_search(vocab_->eog_ids.begin(), vocab_->eog_ids.end(), id);
}
const std::vector<int32_t>& Tokenizer::eog_ids() const { return vocab_->eog_ids; }
bool Tokenizer::is_control(int32_t id) const { return vocab_->valid(id) && vocab_->has_attr(id, tok::ATTR_CONTROL); }
bool Tokenizer::is_user_defined(int32_t id) const {
    return vocab_->valid(id) && vocab_->has_attr(id, tok::ATTR_USER_DEFINED);
}

std::string_view Tokenizer::token_text(int32_t id) const {
    check_id(id);
    return vocab_->tokens[static_cast<size_t>(id)].text;
}
float Tokenizer::token_score(int32_t id) const {
    check_id(id);
    return vocab_->tokens[static_cast<size_t>(id)].score;
}
int32_t Tokenizer::find_token(std::string_view text) const { return vocab_->find(text); }

std::string_view Tokenizer::model_type() const { return vocab_->model_name; }
std::string_view Tokenizer::pre_type() const { return vocab_->pre_name; }

}  // namespace snug
