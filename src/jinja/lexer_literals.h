// jinja/lexer_literals.h: number and string literal scanning for the lexer. Internal to the jinja module.
#pragma once
#include <string>

#include "jinja/lexer.h"

namespace snug::jinja {

// Both read src from pos and return the position after the literal. allow_float is false right after a '.',
// where jinja2 reads `x.0` as an index. line is where errors are reported; lex_string advances it over newlines.
size_t lex_number(const std::string& src, size_t pos, Token& tok, bool allow_float, int line);
size_t lex_string(const std::string& src, size_t pos, Token& tok, int& line);

}  // namespace snug::jinja
