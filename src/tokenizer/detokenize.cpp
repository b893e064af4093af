// tokenizer/detokenize.cpp: token -> bytes (llama.cpp's token_to_piece) and the clean_spaces passes of its detokenize.
#include <cstdio>
#include <cstdlib>

#include "tokenizer/encoders.h"
#include "tokenizer/unicode.h"
#include "tokenizer/vocab.h"

namespace snug::tok {

namespace {

constexpr std::string_view SPM_SPACE = "\xE2\x96\x81";  // U+2581

std::string unescape_spaces(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size();) {
        if (text.substr(i, SPM_SPACE.size()) == SPM_SPACE) {
            out += ' ';
            i += SPM_SPACE.size();
        } else {
            out += text[i++];
        }
    }
    return out;
}

// Byte-level BPE symbols back to bytes. A codepoint outside the byte alphabet is written as llama.cpp writes it:
// "[UNK_BYTE_0x<its UTF-8 in hex><the whole token text>]".
std::string decode_byte_level(std::string_view text) {
    std::string out;
    for (uint32_t cp : decode_utf8(text)) {
        const int byte = unicode_to_byte(cp);
        if (byte >= 0) {
            out += static_cast<char>(byte);
            continue;
        }
        std::string utf8;
        append_utf8(cp, utf8);
        out += "[UNK_BYTE_0x";
        for (char c : utf8) {
            char hex[3];
            std::snprintf(hex, sizeof hex, "%02x", static_cast<unsigned>(static_cast<uint8_t>(c)));
            out += hex;
        }
        out += text;
        out += ']';
    }
    return out;
}

// <0xXX> -> the byte; read like llama.cpp's strtol on characters 3 and 4.
std::string byte_token(std::string_view text) {
    if (text.size() < 4) return {};
    const std::string hex(text.substr(3, 2));
    return std::string(1, static_cast<char>(std::strtol(hex.c_str(), nullptr, 16)));
}

bool is_one_of(char c, std::string_view set) { return set.find(c) != std::string_view::npos; }

}  // namespace

std::string piece_of(const Vocab& v, int32_t id, bool special) {
    const TokenData& t = v.tokens[static_cast<size_t>(id)];
    if (!special && (t.attr & (ATTR_UNKNOWN | ATTR_CONTROL))) return {};
    if (t.attr & (ATTR_UNKNOWN | ATTR_CONTROL | ATTR_USER_DEFINED)) return t.text;
    if (t.attr & ATTR_NORMAL) return v.type == VocabType::BPE ? decode_byte_level(t.text) : unescape_spaces(t.text);
    if (t.attr & ATTR_BYTE) return byte_token(t.text);
    return {};  // unused and undefined tokens render as nothing
}

// Three passes, each over the previous one's output, written to reproduce llama.cpp's in-place loops exactly
// (including that a space dropped after " '" is read as a non-space by the next step of that pass).
void clean_up_spaces(std::string& s) {
    // 1: " ?", " !", " .", " ," lose the space.
    size_t n = s.size(), total = n ? 1 : 0;
    for (size_t i = 1; i < n; ++i) {
        const char x = s[i];
        if (s[i - 1] == ' ' && is_one_of(x, "?!.,")) --total;
        s[total++] = x;
    }
    s.resize(total);
    // 2: " ' " becomes "'".
    n = s.size();
    total = n ? 1 : 0;
    for (size_t i = 1; i < n; ++i) {
        const char x = s[i];
        if (x == '\'' && i + 1 < n && s[i - 1] == ' ' && s[i + 1] == ' ') {
            --total;
            s[++i] = '\0';
        }
        s[total++] = x;
    }
    s.resize(total);
    // 3: " 's", " 'm", " 're", " 've" lose the space (" 't", " 'd", " 'll" keep it).
    n = s.size();
    total = n ? 1 : 0;
    for (size_t i = 1; i < n; ++i) {
        const char x = s[i];
        if (s[i - 1] == ' ' && x == '\'' && i + 1 < n) {
            const char x1 = s[i + 1];
            if (x1 == 's' || x1 == 'm') {
                --total;
            } else if (x1 != 't' && x1 != 'd' && i + 2 < n) {
                const char x2 = s[i + 2];
                if ((x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e')) --total;
            }
        }
        s[total++] = x;
    }
    s.resize(total);
}

}  // namespace snug::tok
