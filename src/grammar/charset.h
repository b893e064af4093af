// grammar/charset.h: sets of Unicode scalar values (sorted, disjoint inclusive ranges) and the UTF-8 helpers the
// grammar and the matcher share. Surrogates (U+D800..U+DFFF) are never members: valid UTF-8 cannot encode them, so
// "any character" and negated classes mean every scalar value that UTF-8 can carry.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace snug::grammar {

inline constexpr uint32_t MAX_CODE_POINT = 0x10FFFF;

class CharSet {
public:
    struct Range {
        uint32_t lo, hi;  // inclusive
        bool operator==(const Range&) const = default;
        auto operator<=>(const Range&) const = default;
    };

    CharSet() = default;  // empty
    static CharSet single(uint32_t cp) { return range(cp, cp); }
    static CharSet range(uint32_t lo, uint32_t hi) { return CharSet().add(lo, hi); }
    static CharSet any() { return range(0, MAX_CODE_POINT); }

    // Adds [lo, hi] minus the surrogates; lo > hi adds nothing. Precondition: hi <= MAX_CODE_POINT.
    CharSet& add(uint32_t lo, uint32_t hi);
    CharSet& add(const CharSet& other);
    CharSet complement() const;  // every scalar value not in this set
    CharSet minus(const CharSet& other) const;

    bool contains(uint32_t cp) const;
    bool intersects(uint32_t lo, uint32_t hi) const;  // some member in [lo, hi]
    bool empty() const { return ranges_.empty(); }
    const std::vector<Range>& ranges() const { return ranges_; }
    bool operator==(const CharSet&) const = default;
    auto operator<=>(const CharSet&) const = default;

    std::string to_string() const;  // GBNF-like class, e.g. [a-z\u00e9], for grammar dumps

private:
    std::vector<Range> ranges_;  // sorted, disjoint, not adjacent, no surrogates
};

// Appends the UTF-8 encoding of a scalar value.
void append_utf8(std::string& out, uint32_t cp);

// Decodes strict UTF-8 (no overlongs, surrogates or values past U+10FFFF); throws snug::Error naming `what` and the
// byte offset of the first bad sequence.
std::vector<uint32_t> decode_utf8(std::string_view text, std::string_view what);

}  // namespace snug::grammar
