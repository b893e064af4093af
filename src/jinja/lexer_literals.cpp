// jinja/lexer_literals.cpp: number and string literals inside tags, as jinja2's lexer reads them: digit groups
// with underscores, floats with a fraction or exponent, and Python string escapes (unicode-escape).
#include "jinja/lexer_literals.h"

#include <cstdint>
#include <cstdlib>

#include "base/error.h"
#include "jinja/text.h"

namespace snug::jinja {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

[[noreturn]] void fail(int line, const std::string& what) {
    throw Error("template syntax error at line " + std::to_string(line) + ": " + what);
}

}  // namespace

size_t lex_number(const std::string& src, size_t pos, Token& tok, bool allow_float, int line) {
    const auto digits = [&](size_t p) {  // digit groups with single underscores between them: 1_000
        while (p < src.size() && (is_digit(src[p]) || (src[p] == '_' && p + 1 < src.size() && is_digit(src[p + 1]))))
            ++p;
        return p;
    };
    size_t end = digits(pos);
    bool is_float = false;
    if (allow_float && end + 1 < src.size() && src[end] == '.' && is_digit(src[end + 1])) {
        end = digits(end + 1);
        is_float = true;
    }
    if (allow_float && end < src.size() && (src[end] == 'e' || src[end] == 'E')) {
        size_t p = end + 1;
        if (p < src.size() && (src[p] == '+' || src[p] == '-')) ++p;
        if (p < src.size() && is_digit(src[p])) {
            end = digits(p);
            is_float = true;
        }
    }
    std::string text;
    for (size_t i = pos; i < end; ++i)
        if (src[i] != '_') text += src[i];
    tok.text = text;
    if (is_float) {
        tok.kind = TokenKind::FLOAT;
        tok.float_value = std::strtod(text.c_str(), nullptr);
    } else {
        tok.kind = TokenKind::INT;
        for (char d : text) {
            if (__builtin_mul_overflow(tok.int_value, 10, &tok.int_value) ||
                __builtin_add_overflow(tok.int_value, d - '0', &tok.int_value))
                fail(line, "integer literal " + text + " is too large");
        }
    }
    return end;
}

// Python string literal escapes, as jinja2 decodes them (unicode-escape); unknown escapes keep their backslash.
size_t lex_string(const std::string& src, size_t pos, Token& tok, int& line) {
    const char quote = src[pos++];
    tok.kind = TokenKind::STRING;
    std::string& out = tok.text;
    const auto hex = [&](size_t p, int n) -> long {
        if (p + n > src.size()) return -1;
        long v = 0;
        for (int i = 0; i < n; ++i) {
            const char h = src[p + i];
            const int d = is_digit(h) ? h - '0' : (h >= 'a' && h <= 'f') ? h - 'a' + 10 : (h >= 'A' && h <= 'F') ? h - 'A' + 10 : -1;
            if (d < 0) return -1;
            v = v * 16 + d;
        }
        return v;
    };
    while (true) {
        if (pos >= src.size()) fail(tok.line, "unterminated string literal");
        const char c = src[pos];
        if (c == quote) return pos + 1;
        if (c == '\n') ++line;
        if (c != '\\' || pos + 1 >= src.size()) {
            out += c;
            ++pos;
            continue;
        }
        const char e = src[pos + 1];
        pos += 2;
        switch (e) {
            case 'n': out += '\n'; break;
            case 't': out += '\t'; break;
            case 'r': out += '\r'; break;
            case '\\': out += '\\'; break;
            case '\'': out += '\''; break;
            case '"': out += '"'; break;
            case 'a': out += '\a'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'v': out += '\v'; break;
            case '\n': ++line; break;  // a backslash-newline continues the line
            case 'x':
            case 'u':
            case 'U': {
                const int n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                const long cp = hex(pos, n);
                if (cp < 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                    fail(tok.line, std::string("bad \\") + e + " escape in string literal");
                append_utf8(out, static_cast<char32_t>(cp));
                pos += n;
                break;
            }
            default:
                if (e >= '0' && e <= '7') {
                    int v = e - '0';
                    for (int i = 0; i < 2 && pos < src.size() && src[pos] >= '0' && src[pos] <= '7'; ++i)
                        v = v * 8 + (src[pos++] - '0');
                    append_utf8(out, static_cast<char32_t>(v));
                } else {
                    out += '\\';
                    out += e;
                }
        }
    }
}

}  // namespace snug::jinja
