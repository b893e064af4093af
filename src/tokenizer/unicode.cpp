// tokenizer/unicode.cpp: UTF-8 coding, table lookups over unicode_data.cpp, and the GPT-2 byte alphabet.
#include "tokenizer/unicode.h"
#include "base/utf8.h"

#include <algorithm>
#include <array>

#include "tokenizer/unicode_data.h"

namespace snug::tok {

namespace {

// One decoding step of llama.cpp's unicode_cpt_from_utf8; returns false on a malformed sequence.
bool decode_one(std::string_view s, size_t& pos, uint32_t& cp) {
    const auto b = [&](size_t i) { return static_cast<uint8_t>(s[pos + i]); };
    const uint8_t lead = b(0);
    const auto cont = [&](size_t i) { return pos + i < s.size() && (b(i) & 0xC0) == 0x80; };
    if (!(lead & 0x80)) {
        cp = lead;
        pos += 1;
        return true;
    }
    if (!(lead & 0x40)) return false;
    if (!(lead & 0x20)) {
        if (!cont(1)) return false;
        cp = ((lead & 0x1Fu) << 6) | (b(1) & 0x3Fu);
        pos += 2;
        return true;
    }
    if (!(lead & 0x10)) {
        if (!cont(1) || !cont(2)) return false;
        cp = ((lead & 0x0Fu) << 12) | ((b(1) & 0x3Fu) << 6) | (b(2) & 0x3Fu);
        pos += 3;
        return true;
    }
    if (!(lead & 0x08)) {
        if (!cont(1) || !cont(2) || !cont(3)) return false;
        cp = ((lead & 0x07u) << 18) | ((b(1) & 0x3Fu) << 12) | ((b(2) & 0x3Fu) << 6) | (b(3) & 0x3Fu);
        if (cp > 0x10FFFF) return false;
        pos += 4;
        return true;
    }
    return false;
}

struct ByteAlphabet {
    std::array<std::string, 256> byte_to_utf8;
    std::array<int16_t, 324> cp_to_byte;  // the alphabet's codepoints are all below 0x144
};

ByteAlphabet make_byte_alphabet() {
    ByteAlphabet a;
    a.cp_to_byte.fill(-1);
    const auto printable = [](int b) { return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE; };
    int next_extra = 256;
    for (int b = 0; b < 256; ++b) {
        const int cp = printable(b) ? b : next_extra++;
        append_utf8(static_cast<uint32_t>(cp), a.byte_to_utf8[static_cast<size_t>(b)]);
        a.cp_to_byte[static_cast<size_t>(cp)] = static_cast<int16_t>(b);
    }
    return a;
}

const ByteAlphabet& byte_alphabet() {
    static const ByteAlphabet a = make_byte_alphabet();
    return a;
}

bool is_white_space(uint32_t cp) {
    if (cp <= 0x20) return cp == 0x20 || (cp >= 0x09 && cp <= 0x0D);
    switch (cp) {
        case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
            return true;
        default:
            return cp >= 0x2000 && cp <= 0x200A;
    }
}

}  // namespace

std::vector<uint32_t> decode_utf8(std::string_view text) {
    std::vector<uint32_t> out;
    out.reserve(text.size());
    size_t pos = 0;
    while (pos < text.size()) {
        uint32_t cp = 0;
        if (decode_one(text, pos, cp)) {
            out.push_back(cp);
        } else {
            out.push_back(REPLACEMENT_CHAR);
            ++pos;
        }
    }
    return out;
}

void append_utf8(uint32_t cp, std::string& out) { snug::append_utf8(out, cp); }

std::string encode_utf8(const std::vector<uint32_t>& cps) {
    std::string out;
    out.reserve(cps.size());
    for (uint32_t cp : cps) append_utf8(cp, out);
    return out;
}

size_t complete_utf8_prefix(std::string_view text) {
    // Only the last three bytes can start an unfinished sequence.
    const size_t n = text.size();
    for (size_t back = 1; back <= 3 && back <= n; ++back) {
        const auto b = static_cast<uint8_t>(text[n - back]);
        if ((b & 0xC0) == 0x80) continue;  // continuation byte: keep looking for its lead
        if (b < 0xC0 || b > 0xF4) return n;  // ASCII or a byte no sequence starts with
        const size_t need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
        return need > back ? n - back : n;
    }
    return n;
}

bool is_valid_utf8(std::string_view text) {
    size_t pos = 0;
    while (pos < text.size()) {
        const size_t start = pos;
        uint32_t cp = 0;
        if (!decode_one(text, pos, cp)) return false;
        const size_t len = pos - start;
        const bool overlong = (len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
        if (overlong || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    }
    return true;
}

uint16_t codepoint_flags(uint32_t cp) {
    if (cp >= 0x110000) return CPT_UNDEFINED;
    const FlagRange* end = k_flag_ranges + k_n_flag_ranges;
    const FlagRange* it = std::upper_bound(k_flag_ranges, end, cp,
                                           [](uint32_t v, const FlagRange& r) { return v < r.start; });
    const uint16_t category = (it - 1)->flags;
    return static_cast<uint16_t>(category | (is_white_space(cp) ? CPT_WHITESPACE : 0));
}

uint32_t to_lower(uint32_t cp) {
    const CodepointPair* end = k_lowercase + k_n_lowercase;
    const CodepointPair* it =
        std::lower_bound(k_lowercase, end, cp, [](const CodepointPair& p, uint32_t v) { return p.from < v; });
    return it != end && it->from == cp ? it->to : cp;
}

uint32_t nfd_first(uint32_t cp) {
    const NfdRange* end = k_nfd_ranges + k_n_nfd_ranges;
    const NfdRange* it =
        std::upper_bound(k_nfd_ranges, end, cp, [](uint32_t v, const NfdRange& r) { return v < r.first; });
    if (it == k_nfd_ranges) return cp;
    --it;
    return cp <= it->last ? it->nfd : cp;
}

std::string_view byte_to_unicode(uint8_t byte) { return byte_alphabet().byte_to_utf8[byte]; }

int unicode_to_byte(uint32_t cp) {
    const auto& table = byte_alphabet().cp_to_byte;
    return cp < table.size() ? table[cp] : -1;
}

}  // namespace snug::tok
