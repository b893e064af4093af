// jinja/str_ops.h: Python str methods over UTF-8 strings (strip, split, replace, find, splitlines, format), shared
// by the bound methods (methods.cpp) and the filters that wrap them.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jinja/value.h"

namespace snug::jinja {

// chars absent: Python whitespace; otherwise any of the code points in chars.
std::string py_strip(std::string_view s, const std::optional<std::string>& chars, bool left, bool right);
// sep absent: runs of whitespace, no empty parts; maxsplit < 0: unlimited. from_right: rsplit.
std::vector<std::string> py_split(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit,
                                  bool from_right);
std::vector<std::string> py_splitlines(std::string_view s, bool keepends);
// count < 0: all. An empty `old` inserts `repl` around every code point, as Python does. Throws snug::Error
// once the result would pass max_bytes.
std::string py_replace(std::string_view s, std::string_view old, std::string_view repl, int64_t count,
                       size_t max_bytes = SIZE_MAX);
int64_t py_find(std::string_view s, std::string_view sub, bool from_right);  // code point index or -1
int64_t py_count(std::string_view s, std::string_view sub);
// str.format with {} / {0} / {name} fields, !s/!r conversions and {{ }} escapes; format specs are not supported.
std::string py_format(std::string_view fmt, const CallArgs& args);
// printf-style `fmt % values` (the `format` filter): %s %r %d %i %f %e %g %x %o %c %% with flags, width and
// precision; values is a tuple for several conversions, or a dict for %(name)s.
std::string py_percent_format(std::string_view fmt, const Value& values);

}  // namespace snug::jinja
