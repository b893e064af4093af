#include "server/constraint.h"

#include <limits>

#include "base/error.h"
#include "grammar/grammar.h"
#include "grammar/matcher.h"
#include "grammar/token_index.h"
#include "tokenizer/tokenizer.h"

namespace snug::server {

class TokenVocabulary {
public:
    explicit TokenVocabulary(grammar::TokenIndex idx) : index(std::move(idx)) {}
    grammar::TokenIndex index;
};

namespace {

class GrammarConstraint final : public TokenConstraint {
public:
    GrammarConstraint(std::shared_ptr<const grammar::Grammar> g, std::shared_ptr<const TokenVocabulary> vocab)
        : matcher_(std::move(g)), vocab_(std::move(vocab)) {}

    void mask(std::span<float> logits) override {
        grammar::allowed_tokens(matcher_, vocab_->index, allowed_);
        const size_t n = std::min(logits.size(), allowed_.size());
        for (size_t i = 0; i < n; ++i)
            if (!allowed_[i]) logits[i] = -std::numeric_limits<float>::infinity();
        // Tokens past the tokenizer's vocabulary (padding rows of the embedding) are never text.
        for (size_t i = n; i < logits.size(); ++i) logits[i] = -std::numeric_limits<float>::infinity();
    }
    void accept(int32_t token) override {
        if (vocab_->index.is_eog(token)) return;
        // The mask allowed only tokens the matcher accepts, so this cannot fail.
        matcher_.accept(vocab_->index.piece(token));
    }
    bool complete() const override { return matcher_.is_complete(); }
    // A closed JSON object admits no further byte: the request ends now, not after sampling the forced EOS.
    bool finished() const override { return matcher_.is_dead_end(); }

private:
    grammar::Matcher matcher_;
    std::shared_ptr<const TokenVocabulary> vocab_;
    std::vector<uint8_t> allowed_;
};

}  // namespace

std::shared_ptr<const TokenVocabulary> index_vocabulary(const Tokenizer& tok) {
    std::vector<std::string> pieces(static_cast<size_t>(tok.n_vocab()));
    std::vector<int32_t> eog;
    for (int32_t id = 0; id < tok.n_vocab(); ++id) {
        pieces[static_cast<size_t>(id)] = tok.token_to_piece(id, /*special=*/false);
        if (tok.is_eog(id)) eog.push_back(id);
    }
    return std::make_shared<const TokenVocabulary>(grammar::TokenIndex(std::move(pieces), std::move(eog)));
}

std::unique_ptr<TokenConstraint> make_constraint(const nlohmann::ordered_json& format,
                                                 std::shared_ptr<const TokenVocabulary> vocab) {
    std::shared_ptr<const grammar::Grammar> g;
    if (format.is_string() && format.get<std::string>() == "json")
        g = std::make_shared<const grammar::Grammar>(grammar::Grammar::any_json_object());
    else if (format.is_object())
        g = std::make_shared<const grammar::Grammar>(grammar::Grammar::from_json_schema(format));
    else
        throw Error("format must be \"json\" or a JSON schema object, got " + format.dump());
    return std::make_unique<GrammarConstraint>(std::move(g), std::move(vocab));
}

}  // namespace snug::server
