// grammar/automaton.h: the engine under Matcher, a lazily built DFA over bytes. A parse state is the set of stacks
// of grammar positions still alive (the stack-set recognizer of llama.cpp's grammar sampler) plus the bits of an
// unfinished UTF-8 character. Stacks are interned as linked frames and states as sorted stack sets, so a state is
// a number, and the successor of a state on a byte is computed once, then looked up in a 256-entry row. Walking a
// token trie is then mostly table lookups: inside a free-text string every character leads back to the same state.
#pragma once
#include <cstdint>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "grammar/grammar.h"

namespace snug::grammar {

class Automaton {
public:
    static constexpr uint32_t DEAD = 0;              // the state no byte leaves; every step from it stays there
    static constexpr size_t MAX_STACKS = 4096;       // live stacks per state before the grammar counts as too ambiguous
    static constexpr size_t FLUSH_BYTES = 32 << 20;  // cache size past which Matcher rebuilds around its state

    explicit Automaton(const Grammar& g);

    uint32_t initial() const { return initial_; }

    // The state after one more byte, DEAD when the grammar does not allow it. Throws snug::Error only when a state
    // would need more than MAX_STACKS stacks.
    uint32_t step(uint32_t state, uint8_t byte) {
        uint32_t row = states_[state].row;
        if (row == NO_ROW) row = add_row(state);
        const size_t slot = size_t{row} * 256 + byte;
        if (rows_[slot] == UNKNOWN) rows_[slot] = compute(state, byte);  // compute never adds rows
        return rows_[slot];
    }

    bool is_accepting(uint32_t state) const { return states_[state].accepting; }
    bool can_continue(uint32_t state) const { return states_[state].can_continue; }
    size_t memory_bytes() const;

    // Replaces the cache by a fresh one holding only `state`; returns the state's id there.
    uint32_t rebuild_around(uint32_t state);

private:
    static constexpr uint32_t NO_ROW = UINT32_MAX;
    static constexpr uint32_t UNKNOWN = UINT32_MAX;
    static constexpr uint32_t NO_FRAME = UINT32_MAX;    // parent of a bottom frame
    static constexpr uint32_t ACCEPT = UINT32_MAX - 1;  // the empty stack: the root rule has finished

    struct Frame {
        uint32_t pos;     // a grammar element: a class for a stack's top frame, else where to resume
        uint32_t parent;  // frame below, or NO_FRAME
    };
    struct State {
        uint32_t stacks_begin, stacks_end;  // [begin, end) in stack_pool_: sorted top-frame ids (ACCEPT included)
        uint32_t next_same_hash;            // chain of states sharing a hash, or UINT32_MAX
        uint32_t row = NO_ROW;
        uint32_t utf8_bits;  // payload bits of an unfinished character so far
        uint8_t utf8_left;   // continuation bytes still expected; 0 at a character boundary
        uint8_t utf8_len;    // total length of that character
        bool accepting;
        bool can_continue;
    };

    uint32_t add_row(uint32_t state);
    uint32_t compute(uint32_t state, uint8_t byte);
    uint32_t intern_frame(uint32_t pos, uint32_t parent);
    uint32_t intern_state(uint32_t utf8_bits, uint8_t utf8_left, uint8_t utf8_len, std::vector<uint32_t>& stacks);
    // Adds to `out` the stacks reachable from resuming at (pos, parent) without consuming input.
    void expand(uint32_t pos, uint32_t parent, std::vector<uint32_t>& out);

    const Grammar* g_;
    std::vector<Frame> frames_;
    std::unordered_map<uint64_t, uint32_t> frame_ids_;  // (pos, parent) -> frame
    std::vector<uint32_t> stack_pool_;
    std::vector<State> states_;
    std::unordered_map<uint64_t, uint32_t> state_by_hash_;  // first state with that hash
    std::vector<uint32_t> rows_;  // [n_rows * 256] next state per byte, UNKNOWN until computed
    uint32_t initial_ = DEAD;

    // Scratch of compute/expand, kept to avoid allocating per transition.
    std::vector<uint32_t> next_stacks_;
    std::vector<std::pair<uint32_t, uint32_t>> work_;
    std::unordered_set<uint64_t> seen_;
};

}  // namespace snug::grammar
