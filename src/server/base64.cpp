#include "server/base64.h"

#include <algorithm>
#include <cstdint>

namespace snug::server {
namespace {
int value_of(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}
}  // namespace

std::optional<std::string> decode_base64(std::string_view s) {
    size_t n = s.size();
    size_t pad = 0;
    while (n > 0 && s[n - 1] == '=' && pad < 2) --n, ++pad;
    if (pad > 0 && (n + pad) % 4 != 0) return std::nullopt;  // padding only completes a quantum
    if (n % 4 == 1) return std::nullopt;                       // 6 bits cannot end a byte
    std::string out;
    out.reserve(n * 3 / 4);
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; ++i) {
        const int v = value_of(s[i]);
        if (v < 0) return std::nullopt;
        acc = (acc << 6) | static_cast<uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xFF));
        }
    }
    if ((acc & ((1u << bits) - 1)) != 0) return std::nullopt;  // leftover bits must be zero (canonical)
    return out;
}

std::string encode_base64(std::string_view bytes) {
    static constexpr char ALPHABET[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (size_t i = 0; i < bytes.size(); i += 3) {
        const size_t n = std::min<size_t>(3, bytes.size() - i);
        uint32_t v = 0;
        for (size_t k = 0; k < 3; ++k) v = (v << 8) | (k < n ? static_cast<uint8_t>(bytes[i + k]) : 0u);
        for (size_t k = 0; k < 4; ++k) out.push_back(k <= n ? ALPHABET[(v >> (18 - 6 * k)) & 63] : '=');
    }
    return out;
}

bool is_valid_base64(std::string_view s) { return !s.empty() && decode_base64(s).has_value(); }

}  // namespace snug::server
