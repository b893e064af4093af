// jinja/text.h: the Unicode pieces Python's str methods need: UTF-8 <-> code points, whitespace, case mapping,
// printability. Python strings index by code point, so slicing and len() go through to_code_points().
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace snug::jinja {

// Invalid UTF-8 bytes decode to U+FFFD, one per byte, so every input has a well-defined length.
std::u32string to_code_points(std::string_view s);
std::string to_utf8(std::u32string_view cps);
void append_utf8(std::string& out, char32_t cp);
size_t count_code_points(std::string_view s);

bool is_py_space(char32_t c);      // str.isspace() / str.split() / str.strip() whitespace
bool is_py_printable(char32_t c);  // str.isprintable(): what repr() leaves unescaped
char32_t to_py_upper(char32_t c);
char32_t to_py_lower(char32_t c);

std::string py_upper(std::string_view s);
std::string py_lower(std::string_view s);
std::string py_title(std::string_view s);       // str.title(): upper after a non-letter, lower elsewhere
std::string py_capitalize(std::string_view s);  // str.capitalize(): first upper, rest lower

}  // namespace snug::jinja
