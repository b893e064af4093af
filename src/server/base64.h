// server/base64.h: strict standard base64 (RFC 4648, padding optional, no whitespace) for images in requests.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace snug::server {

bool is_valid_base64(std::string_view s);
std::optional<std::string> decode_base64(std::string_view s);  // nullopt when invalid
std::string encode_base64(std::string_view bytes);              // with padding

}  // namespace snug::server
