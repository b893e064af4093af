// grammar/int_range.h: the decimal integers of a closed range as a grammar expression, so that a schema's
// minimum/maximum on an integer is enforced while the model writes the digits.
#pragma once
#include <cstdint>

#include "grammar/grammar.h"

namespace snug::grammar {

// Largest magnitude integer_range accepts for a bound: 18 digits, so every bound fits int64 with room to spare.
inline constexpr int64_t MAX_INT_MAGNITUDE = 999'999'999'999'999'999;

// Canonical decimal integers n with lo <= n <= hi: no leading zeros, no "+", no "-0". Preconditions: lo <= hi and
// both within [-MAX_INT_MAGNITUDE, MAX_INT_MAGNITUDE] (callers pass those limits for an open side).
Expr integer_range(int64_t lo, int64_t hi);

}  // namespace snug::grammar
