// grammar/token_index.h: a vocabulary's token pieces as a byte trie in pre-order, built once per model and shared
// (read-only) by every constrained sequence, and the per-step mask of the tokens a grammar allows next.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "grammar/matcher.h"

namespace snug::grammar {

class TokenIndex {
public:
    // pieces[id]: the bytes token id stands for, as the model writes them (Tokenizer::token_to_piece(id, false):
    // control tokens render as nothing). eog_ids: end-of-generation tokens, allowed exactly when the grammar is
    // complete, whatever their piece. Other tokens with empty pieces are never allowed. Ids outside
    // [0, pieces.size()) in eog_ids are ignored.
    TokenIndex(std::vector<std::string> pieces, std::vector<int32_t> eog_ids);

    size_t n_tokens() const { return pieces_.size(); }
    std::string_view piece(int32_t id) const { return pieces_.at(size_t(id)); }
    bool is_eog(int32_t id) const { return id >= 0 && size_t(id) < is_eog_.size() && is_eog_[size_t(id)]; }
    const std::vector<int32_t>& eog_ids() const { return eog_ids_; }

private:
    friend void allowed_tokens(const Matcher&, const TokenIndex&, std::vector<uint8_t>&);

    struct Node {
        uint32_t subtree_end;  // first node after this node's subtree
        uint32_t depth;        // bytes from the root; the root is node 0 at depth 0
        uint8_t byte;          // the byte from the parent
    };
    std::vector<Node> nodes_;            // pre-order, children in byte order
    std::vector<uint32_t> token_begin_;  // [n_nodes + 1]: node i ends the pieces of tokens_[token_begin_[i], [i+1])
    std::vector<int32_t> tokens_;        // token ids sorted by piece
    uint32_t max_depth_ = 0;
    std::vector<std::string> pieces_;
    std::vector<int32_t> eog_ids_;
    std::vector<uint8_t> is_eog_;
};

// Sets allowed (resized to index.n_tokens()) to 1 for every token the matcher can accept next and 0 elsewhere: a
// token whose whole piece the grammar accepts from here, or an end-of-generation token when the matcher is
// complete. One pass over the trie that prunes at the first refused byte; it reads and fills the matcher's cache
// but leaves its position unchanged.
void allowed_tokens(const Matcher& matcher, const TokenIndex& index, std::vector<uint8_t>& allowed);

}  // namespace snug::grammar
