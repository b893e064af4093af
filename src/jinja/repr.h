// jinja/repr.h: how values turn into text, byte for byte as Python does it: str() for {{ }} output and the
// `string` filter, repr() inside containers, and json.dumps() for the `tojson` filter.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "jinja/value.h"

namespace snug::jinja {

std::string py_str(const Value& v);
std::string py_repr(const Value& v);
std::string py_float_repr(double f);              // repr(float): shortest round-trip, 1e-05, 1e+16, 2.0
std::string py_string_repr(std::string_view s);   // repr(str): quotes chosen like Python, escapes non-printables

// json.dumps() options as Hugging Face's tojson passes them (ensure_ascii defaults to False there).
struct JsonStyle {
    bool ensure_ascii = false;
    std::optional<std::string> indent;  // absent: one line; else the unit of indentation (int n -> n spaces)
    std::string item_separator = ", ";
    std::string key_separator = ": ";
    bool sort_keys = false;
};

std::string html_escape(std::string_view s);  // markupsafe.escape: & < > " ' as entities

// Throws snug::Error for what json.dumps rejects (generators, undefined, namespaces, functions, cycles).
std::string to_json(const Value& v, const JsonStyle& style);

}  // namespace snug::jinja
