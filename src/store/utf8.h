// store/utf8.h: UTF-8 checks for text that ends up in JSON (nlohmann::json refuses to serialise invalid UTF-8).
#pragma once
#include <string>
#include <string_view>

namespace snug::store {

// True when `s` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool is_valid_utf8(std::string_view s);

// `s` with every ill-formed sequence replaced by U+FFFD; GGUF metadata is untrusted and shown as JSON.
std::string to_valid_utf8(std::string_view s);

}  // namespace snug::store
