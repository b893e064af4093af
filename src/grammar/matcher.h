// grammar/matcher.h: where generation stands in a grammar, fed raw bytes. Bytes may split UTF-8 characters
// anywhere (token pieces often do); the grammar's characters must be valid UTF-8 in the end.
#pragma once
#include <cstdint>
#include <memory>
#include <string_view>

#include "grammar/automaton.h"
#include "grammar/grammar.h"

namespace snug::grammar {

class TokenIndex;

// One sequence's parse state plus its own cache of computed states. Copying copies the cache (bounded by
// Automaton::FLUSH_BYTES); reset() is cheap and keeps it. Not thread-safe: one thread per Matcher at a time.
class Matcher {
public:
    explicit Matcher(std::shared_ptr<const Grammar> grammar);

    // Advances over bytes when the grammar allows all of them; otherwise returns false and leaves the state as it
    // was. accept("") is true.
    bool accept(std::string_view bytes);
    bool can_accept(std::string_view bytes) const;  // accept() without advancing
    bool is_complete() const;  // the output may end here: the grammar's root is finished (EOS allowed)
    bool is_dead_end() const;  // no byte may follow; then is_complete() holds and generation must stop
    void reset();              // back to the start of the grammar

    const Grammar& grammar() const { return *grammar_; }
    size_t cache_bytes() const { return automaton_.memory_bytes(); }  // rough; kept near Automaton::FLUSH_BYTES

private:
    friend void allowed_tokens(const Matcher&, const TokenIndex&, std::vector<uint8_t>&);
    void compact_cache() const;  // rebuilds the cache around the current state once it grew past its bound
    uint32_t run(uint32_t state, std::string_view bytes) const;

    std::shared_ptr<const Grammar> grammar_;
    mutable Automaton automaton_;  // a memo of the grammar's states: filling it does not change what is accepted
    mutable uint32_t state_;
};

}  // namespace snug::grammar
