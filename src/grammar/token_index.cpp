// grammar/token_index.cpp: the trie is laid out in pre-order with subtree ends, so the walk is a forward scan that
// skips a refused subtree in one jump, and the automaton state of each prefix is kept per depth.
#include "grammar/token_index.h"

#include <algorithm>
#include <numeric>

namespace snug::grammar {

TokenIndex::TokenIndex(std::vector<std::string> pieces, std::vector<int32_t> eog_ids)
    : pieces_(std::move(pieces)), is_eog_(pieces_.size(), 0) {
    for (int32_t id : eog_ids) {
        if (id < 0 || size_t(id) >= pieces_.size() || is_eog_[size_t(id)]) continue;
        is_eog_[size_t(id)] = 1;
        eog_ids_.push_back(id);
    }
    for (size_t id = 0; id < pieces_.size(); ++id) {
        if (!pieces_[id].empty() && !is_eog_[id]) tokens_.push_back(int32_t(id));
    }
    // std::string compares bytes as unsigned char, which is the trie's child order.
    std::stable_sort(tokens_.begin(), tokens_.end(),
                     [&](int32_t a, int32_t b) { return pieces_[size_t(a)] < pieces_[size_t(b)]; });

    nodes_.push_back({0, 0, 0});
    std::vector<uint32_t> open{0};  // open[d]: the node at depth d on the current path
    std::string_view prev;
    for (size_t t = 0; t < tokens_.size(); ++t) {
        const std::string_view p = pieces_[size_t(tokens_[t])];
        size_t common = 0;
        while (common < p.size() && common < prev.size() && p[common] == prev[common]) ++common;
        while (open.size() > common + 1) {  // leaving nodes deeper than the shared prefix: their subtrees are done
            nodes_[open.back()].subtree_end = uint32_t(nodes_.size());
            open.pop_back();
        }
        for (size_t d = common; d < p.size(); ++d) {
            open.push_back(uint32_t(nodes_.size()));
            nodes_.push_back({0, uint32_t(d + 1), static_cast<uint8_t>(p[d])});
            token_begin_.push_back(uint32_t(t));
        }
        max_depth_ = std::max(max_depth_, uint32_t(p.size()));
        prev = p;
    }
    for (uint32_t n : open) nodes_[n].subtree_end = uint32_t(nodes_.size());
    // Pieces sort before their extensions and duplicates sit together, so a node's tokens are exactly those added
    // between its creation and the next node's: token_begin_[i] is where they start.
    token_begin_.insert(token_begin_.begin(), 0);  // the root ends no piece
    token_begin_.push_back(uint32_t(tokens_.size()));
}

void allowed_tokens(const Matcher& matcher, const TokenIndex& index, std::vector<uint8_t>& allowed) {
    allowed.assign(index.n_tokens(), 0);
    matcher.compact_cache();
    Automaton& automaton = matcher.automaton_;
    std::vector<uint32_t> state_at(index.max_depth_ + 1);
    state_at[0] = matcher.state_;
    const std::vector<TokenIndex::Node>& nodes = index.nodes_;
    for (size_t i = 1; i < nodes.size();) {
        const TokenIndex::Node& node = nodes[i];
        const uint32_t s = automaton.step(state_at[node.depth - 1], node.byte);
        if (s == Automaton::DEAD) {
            i = node.subtree_end;
            continue;
        }
        state_at[node.depth] = s;
        for (uint32_t k = index.token_begin_[i]; k < index.token_begin_[i + 1]; ++k)
            allowed[size_t(index.tokens_[k])] = 1;
        ++i;
    }
    if (matcher.is_complete()) {
        for (int32_t id : index.eog_ids_) allowed[size_t(id)] = 1;
    }
}

}  // namespace snug::grammar
