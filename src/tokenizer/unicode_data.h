// tokenizer/unicode_data.h: the generated codepoint tables (unicode_data.cpp, made by tools/gen_unicode_data.cpp).
// Only tokenizer/unicode.cpp reads them; everything else asks unicode.h.
#pragma once
#include <cstddef>
#include <cstdint>

namespace snug::tok {

struct FlagRange {
    uint32_t start;  // the flags hold for [start, next entry's start)
    uint16_t flags;  // one category bit (unicode.h CodepointFlags), never the whitespace bit
};
struct CodepointPair {
    uint32_t from, to;
};
struct NfdRange {
    uint32_t first, last;  // inclusive
    uint32_t nfd;          // first codepoint of the NFD decomposition of every codepoint in [first, last]
};

extern const FlagRange k_flag_ranges[];  // sorted; last entry starts at 0x110000
extern const size_t k_n_flag_ranges;
extern const CodepointPair k_lowercase[];  // sorted by .from
extern const size_t k_n_lowercase;
extern const NfdRange k_nfd_ranges[];  // sorted, disjoint
extern const size_t k_n_nfd_ranges;

}  // namespace snug::tok
