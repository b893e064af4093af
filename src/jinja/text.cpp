// jinja/text.cpp: UTF-8 decoding and the Unicode tables behind Python's str methods. Case mapping covers the
// scripts with simple one-to-one case pairs (Latin, Greek, Cyrillic, Armenian, fullwidth Latin); characters outside
// those keep their case, which matches Python for every caseless script.
#include "jinja/text.h"
#include "base/utf8.h"

namespace snug::jinja {

std::u32string to_code_points(std::string_view s) {
    std::u32string out;
    out.reserve(s.size());
    size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            out.push_back(c);
            ++i;
            continue;
        }
        const size_t len = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        bool ok = len != 0 && i + len <= s.size();
        char32_t cp = c & (0x7F >> len);
        for (size_t k = 1; ok && k < len; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            ok = (cc & 0xC0) == 0x80;
            cp = (cp << 6) | (cc & 0x3F);
        }
        static constexpr char32_t MIN_FOR_LEN[] = {0, 0, 0x80, 0x800, 0x10000};  // shorter forms are overlong
        if (!ok || cp < MIN_FOR_LEN[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            out.push_back(0xFFFD);
            ++i;
            continue;
        }
        out.push_back(cp);
        i += len;
    }
    return out;
}

void append_utf8(std::string& out, char32_t cp) { snug::append_utf8(out, static_cast<uint32_t>(cp)); }

std::string to_utf8(std::u32string_view cps) {
    std::string out;
    out.reserve(cps.size());
    for (char32_t c : cps) append_utf8(out, c);
    return out;
}

size_t count_code_points(std::string_view s) {
    size_t n = 0;
    for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return n;
}

bool is_py_space(char32_t c) {
    return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

bool is_py_printable(char32_t c) {
    if (c == ' ') return true;
    if (c < 0x20 || (c >= 0x7F && c <= 0xA0) || c == 0xAD) return false;
    if (is_py_space(c)) return false;                                  // Zs, Zl, Zp other than ' '
    if ((c >= 0x200B && c <= 0x200F) || (c >= 0x202A && c <= 0x202E)) return false;  // Cf format controls
    if ((c >= 0x2060 && c <= 0x206F) || c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFB)) return false;
    if ((c >= 0xE000 && c <= 0xF8FF) || c >= 0xF0000) return false;    // private use
    return true;
}

namespace {

// One-to-one case pairs: [lower, upper] ranges where upper = lower - delta, alternating or contiguous.
struct CaseRange {
    char32_t lo, hi;  // lowercase range
    int32_t delta;    // lower - upper
    bool alternating; // pairs like U+0100/U+0101: upper even, lower odd
};

constexpr CaseRange CASE_RANGES[] = {
    {0x61, 0x7A, 32, false},      {0xE0, 0xF6, 32, false},     {0xF8, 0xFE, 32, false},
    {0x101, 0x12F, 1, true},      {0x133, 0x137, 1, true},     {0x13A, 0x148, 1, true},
    {0x14B, 0x177, 1, true},      {0x17A, 0x17E, 1, true},     {0x3B1, 0x3C1, 32, false},
    {0x3C3, 0x3CB, 32, false},    {0x430, 0x44F, 32, false},   {0x450, 0x45F, 80, false},
    {0x461, 0x481, 1, true},      {0x48B, 0x4BF, 1, true},     {0x4D1, 0x52F, 1, true},
    {0x561, 0x586, 48, false},    {0x1E01, 0x1E95, 1, true},   {0x1EA1, 0x1EFF, 1, true},
    {0xFF41, 0xFF5A, 32, false},
};

bool in_range_lower(const CaseRange& r, char32_t c) {
    return c >= r.lo && c <= r.hi && (!r.alternating || ((c - r.lo) % 2 == 0));
}

}  // namespace

char32_t to_py_upper(char32_t c) {
    if (c < 0x80) return (c >= 'a' && c <= 'z') ? c - 32 : c;
    if (c == 0xFF) return 0x178;
    if (c == 0x3C2) return 0x3A3;  // final sigma
    for (const auto& r : CASE_RANGES)
        if (in_range_lower(r, c)) return c - r.delta;
    return c;
}

char32_t to_py_lower(char32_t c) {
    if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
    if (c == 0x178) return 0xFF;
    if (c == 0xD7 || c == 0xF7) return c;  // multiplication and division signs sit inside the Latin-1 letters
    for (const auto& r : CASE_RANGES) {
        const char32_t lower = c + r.delta;
        if (in_range_lower(r, lower)) return lower;
    }
    return c;
}

std::string py_upper(std::string_view s) {
    std::u32string cps = to_code_points(s);
    for (char32_t& c : cps) c = to_py_upper(c);
    return to_utf8(cps);
}

std::string py_lower(std::string_view s) {
    std::u32string cps = to_code_points(s);
    for (char32_t& c : cps) c = to_py_lower(c);
    return to_utf8(cps);
}

std::string py_title(std::string_view s) {
    std::u32string cps = to_code_points(s);
    bool prev_cased = false;
    for (char32_t& c : cps) {
        const bool cased = to_py_upper(c) != c || to_py_lower(c) != c;
        c = prev_cased ? to_py_lower(c) : to_py_upper(c);
        prev_cased = cased;
    }
    return to_utf8(cps);
}

std::string py_capitalize(std::string_view s) {
    std::u32string cps = to_code_points(s);
    for (size_t i = 0; i < cps.size(); ++i) cps[i] = i == 0 ? to_py_upper(cps[i]) : to_py_lower(cps[i]);
    return to_utf8(cps);
}

}  // namespace snug::jinja
