// grammar/matcher.cpp: a thin layer over the automaton that keeps its cache bounded.
#include "grammar/matcher.h"

#include <cassert>

namespace snug::grammar {

Matcher::Matcher(std::shared_ptr<const Grammar> grammar)
    : grammar_(std::move(grammar)), automaton_(*grammar_), state_(automaton_.initial()) {
    assert(grammar_ != nullptr);
}

uint32_t Matcher::run(uint32_t state, std::string_view bytes) const {
    for (char c : bytes) {
        state = automaton_.step(state, static_cast<uint8_t>(c));
        if (state == Automaton::DEAD) break;
    }
    return state;
}

bool Matcher::accept(std::string_view bytes) {
    compact_cache();
    const uint32_t next = run(state_, bytes);
    if (next == Automaton::DEAD) return false;
    state_ = next;
    return true;
}

bool Matcher::can_accept(std::string_view bytes) const {
    compact_cache();
    return run(state_, bytes) != Automaton::DEAD;
}

bool Matcher::is_complete() const { return automaton_.is_accepting(state_); }

bool Matcher::is_dead_end() const { return !automaton_.can_continue(state_); }

void Matcher::reset() {
    compact_cache();
    state_ = automaton_.initial();
}

void Matcher::compact_cache() const {
    if (automaton_.memory_bytes() > Automaton::FLUSH_BYTES) state_ = automaton_.rebuild_around(state_);
}

}  // namespace snug::grammar
