// grammar/regex.h: JSON Schema "pattern" (ECMA-262 syntax, a subset) to a grammar expression over the decoded
// characters of a string. Supported: literals and escapes, classes with ranges and negation, \d \w \s and their
// negations, ".", groups (capturing, (?:...), (?<name>...)), alternation, the quantifiers ? * + {m} {m,} {m,n}
// (lazy forms too: laziness does not change what matches), and ^ / $ at the start / end of a top-level branch.
// Patterns match anywhere in the string, as in JSON Schema: a branch without ^ (or $) may have any text before
// (or after) it.
#pragma once
#include <string_view>

#include "grammar/grammar.h"

namespace snug::grammar {

// Throws snug::Error naming the pattern, the offending construct (lookaround, backreference, \b, \p{...}, a
// quantifier on something that can be empty, ...) and its character offset.
Expr compile_pattern(std::string_view pattern);

}  // namespace snug::grammar
