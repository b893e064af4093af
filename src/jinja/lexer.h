// jinja/lexer.h: splits template source into text and tag segments, applying jinja2's whitespace control as
// Hugging Face configures it (trim_blocks, lstrip_blocks, `-`/`+` modifiers, comments, raw blocks), and tokenizes
// the inside of {{ }} and {% %} tags. Knows nothing of the grammar; parser.cpp does.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace snug::jinja {

enum class TokenKind : uint8_t { NAME, INT, FLOAT, STRING, OP, END };

struct Token {
    TokenKind kind = TokenKind::END;
    std::string text;  // the name, operator, or the decoded string literal
    int64_t int_value = 0;
    double float_value = 0.0;
    int line = 0;
};

enum class SegmentKind : uint8_t { TEXT, EXPR, STMT };

struct Segment {
    SegmentKind kind = SegmentKind::TEXT;
    std::string text;           // TEXT: output verbatim
    std::vector<Token> tokens;  // EXPR / STMT: the tag's tokens, ending in an END token
    int line = 0;               // where the segment starts
};

// Throws snug::Error naming the line for unterminated tags, comments, strings and unknown characters.
std::vector<Segment> lex(std::string_view source);

}  // namespace snug::jinja
