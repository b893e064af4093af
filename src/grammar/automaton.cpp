// grammar/automaton.cpp: successor computation. UTF-8 is decoded here, byte by byte: a lead or continuation byte
// keeps the stacks whose class holds some character that the bytes so far can still become, and the last byte
// advances the stacks whose class holds the character. Left recursion is excluded when the grammar is built, so
// expansion always ends.
#include "grammar/automaton.h"

#include <algorithm>

#include "base/error.h"

namespace snug::grammar {
namespace {

using Kind = Grammar::Element::Kind;

constexpr uint32_t MIN_FOR_LEN[5] = {0, 0, 0x80, 0x800, 0x10000};  // smallest value each length may encode

uint64_t pair_key(uint32_t a, uint32_t b) { return (uint64_t{a} << 32) | b; }

uint64_t hash_state(uint32_t bits, uint8_t left, uint8_t len, const std::vector<uint32_t>& stacks) {
    uint64_t h = 0xcbf29ce484222325ull ^ (uint64_t{bits} << 16) ^ (uint64_t{left} << 8) ^ len;
    for (uint32_t s : stacks) h = (h ^ s) * 0x100000001b3ull;
    return h;
}

}  // namespace

Automaton::Automaton(const Grammar& g) : g_(&g) {
    std::vector<uint32_t> none;
    intern_state(0, 0, 0, none);  // DEAD: no stacks
    add_row(DEAD);
    std::fill(rows_.begin(), rows_.end(), DEAD);
    std::vector<uint32_t> stacks;
    seen_.clear();
    for (uint32_t alt : g.rules()[g.root()].alts) expand(alt, NO_FRAME, stacks);
    initial_ = intern_state(0, 0, 0, stacks);
}

size_t Automaton::memory_bytes() const {
    constexpr size_t MAP_ENTRY = 32;  // rough cost of one unordered_map node
    return rows_.size() * sizeof(uint32_t) + frames_.size() * (sizeof(Frame) + MAP_ENTRY) +
           states_.size() * (sizeof(State) + MAP_ENTRY) + stack_pool_.size() * sizeof(uint32_t);
}

uint32_t Automaton::add_row(uint32_t state) {
    const auto row = static_cast<uint32_t>(rows_.size() / 256);
    rows_.resize(rows_.size() + 256, UNKNOWN);
    states_[state].row = row;
    return row;
}

uint32_t Automaton::intern_frame(uint32_t pos, uint32_t parent) {
    const auto [it, added] = frame_ids_.try_emplace(pair_key(pos, parent), static_cast<uint32_t>(frames_.size()));
    if (added) frames_.push_back({pos, parent});
    return it->second;
}

uint32_t Automaton::intern_state(uint32_t bits, uint8_t left, uint8_t len, std::vector<uint32_t>& stacks) {
    std::sort(stacks.begin(), stacks.end());
    stacks.erase(std::unique(stacks.begin(), stacks.end()), stacks.end());
    if (stacks.size() > MAX_STACKS) {
        throw Error("grammar too ambiguous: more than " + std::to_string(MAX_STACKS) + " parses alive at once");
    }
    const uint64_t h = hash_state(bits, left, len, stacks);
    const auto head = state_by_hash_.find(h);
    for (uint32_t s = head == state_by_hash_.end() ? UINT32_MAX : head->second; s != UINT32_MAX;
         s = states_[s].next_same_hash) {
        const State& st = states_[s];
        if (st.utf8_bits == bits && st.utf8_left == left && st.utf8_len == len &&
            std::equal(stacks.begin(), stacks.end(), stack_pool_.begin() + st.stacks_begin,
                       stack_pool_.begin() + st.stacks_end)) {
            return s;
        }
    }
    State st{};
    st.stacks_begin = static_cast<uint32_t>(stack_pool_.size());
    stack_pool_.insert(stack_pool_.end(), stacks.begin(), stacks.end());
    st.stacks_end = static_cast<uint32_t>(stack_pool_.size());
    st.next_same_hash = head == state_by_hash_.end() ? UINT32_MAX : head->second;
    st.utf8_bits = bits;
    st.utf8_left = left;
    st.utf8_len = len;
    st.accepting = !stacks.empty() && stacks.back() == ACCEPT;  // ACCEPT sorts last
    st.can_continue = left > 0 || stacks.size() > (st.accepting ? 1u : 0u);
    const auto id = static_cast<uint32_t>(states_.size());
    states_.push_back(st);
    state_by_hash_[h] = id;
    return id;
}

void Automaton::expand(uint32_t pos, uint32_t parent, std::vector<uint32_t>& out) {
    const std::vector<Grammar::Element>& el = g_->elements();
    work_.clear();
    work_.push_back({pos, parent});
    while (!work_.empty()) {
        const auto [p, par] = work_.back();
        work_.pop_back();
        if (!seen_.insert(pair_key(p, par)).second) continue;
        switch (el[p].kind) {
            case Kind::CHARS:
                out.push_back(intern_frame(p, par));
                break;
            case Kind::END:  // the rule is done: resume below, or the whole input may end here
                if (par == NO_FRAME) {
                    out.push_back(ACCEPT);
                } else {
                    work_.push_back({frames_[par].pos, frames_[par].parent});
                }
                break;
            case Kind::RULE: {
                // A reference that ends its alternative resumes directly below (a tail call), so repetition,
                // written as right recursion, does not deepen the stack.
                const uint32_t ret = el[p + 1].kind == Kind::END ? par : intern_frame(p + 1, par);
                for (uint32_t alt : g_->rules()[el[p].index].alts) work_.push_back({alt, ret});
                break;
            }
        }
        if (out.size() > MAX_STACKS) {
            throw Error("grammar too ambiguous: more than " + std::to_string(MAX_STACKS) + " parses alive at once");
        }
    }
}

uint32_t Automaton::compute(uint32_t state, uint8_t byte) {
    const State st = states_[state];  // a copy: interning below may grow states_
    uint32_t bits = st.utf8_bits;
    uint8_t left = st.utf8_left;
    uint8_t len = st.utf8_len;
    if (left == 0) {
        if (byte < 0x80) {
            bits = byte, len = 1;
        } else if (byte >= 0xC2 && byte <= 0xDF) {
            bits = byte & 0x1F, left = 1, len = 2;
        } else if (byte >= 0xE0 && byte <= 0xEF) {
            bits = byte & 0x0F, left = 2, len = 3;
        } else if (byte >= 0xF0 && byte <= 0xF4) {
            bits = byte & 0x07, left = 3, len = 4;
        } else {
            return DEAD;  // a continuation byte, or a byte that never starts valid UTF-8
        }
    } else {
        if ((byte & 0xC0) != 0x80) return DEAD;
        bits = (bits << 6) | (byte & 0x3F);
        --left;
    }

    const std::vector<Grammar::Element>& el = g_->elements();
    const std::vector<CharSet>& sets = g_->charsets();
    next_stacks_.clear();
    if (left > 0) {
        // Unfinished: the character will lie in [lo, hi]; keep stacks whose class meets that range (overlong forms
        // and surrogates fall outside every class).
        const uint32_t lo = std::max(bits << (6 * left), MIN_FOR_LEN[len]);
        const uint32_t hi = std::min((bits << (6 * left)) | ((1u << (6 * left)) - 1), MAX_CODE_POINT);
        for (uint32_t i = st.stacks_begin; i < st.stacks_end && lo <= hi; ++i) {
            const uint32_t s = stack_pool_[i];
            if (s != ACCEPT && sets[el[frames_[s].pos].index].intersects(lo, hi)) next_stacks_.push_back(s);
        }
    } else {
        if (bits < MIN_FOR_LEN[len]) return DEAD;  // overlong
        seen_.clear();
        for (uint32_t i = st.stacks_begin; i < st.stacks_end; ++i) {
            const uint32_t s = stack_pool_[i];
            if (s == ACCEPT || !sets[el[frames_[s].pos].index].contains(bits)) continue;
            const Frame f = frames_[s];
            expand(f.pos + 1, f.parent, next_stacks_);
        }
        bits = 0, len = 0;
    }
    if (next_stacks_.empty()) return DEAD;
    return intern_state(bits, left, len, next_stacks_);
}

uint32_t Automaton::rebuild_around(uint32_t state) {
    Automaton fresh(*g_);
    const State& st = states_[state];
    std::vector<uint32_t> stacks;
    std::vector<uint32_t> chain;
    for (uint32_t i = st.stacks_begin; i < st.stacks_end; ++i) {
        uint32_t s = stack_pool_[i];
        if (s == ACCEPT) {
            stacks.push_back(ACCEPT);
            continue;
        }
        chain.clear();
        for (; s != NO_FRAME; s = frames_[s].parent) chain.push_back(frames_[s].pos);
        uint32_t frame = NO_FRAME;
        for (size_t k = chain.size(); k-- > 0;) frame = fresh.intern_frame(chain[k], frame);
        stacks.push_back(frame);
    }
    const uint32_t id = fresh.intern_state(st.utf8_bits, st.utf8_left, st.utf8_len, stacks);
    *this = std::move(fresh);
    return id;
}

}  // namespace snug::grammar
