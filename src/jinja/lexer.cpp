// jinja/lexer.cpp: jinja2's lexer rules for Hugging Face's environment. Whitespace control, in jinja2's order:
// the text before a tag loses its trailing whitespace for `{%-` (any tag kind), or, with lstrip_blocks, the spaces
// between the last line start and a `{%`/`{#` tag unless it is written `{%+`; the text after a tag loses all leading
// whitespace for `-%}`/`-}}`/`-#}`, or one newline after `%}`/`#}` (trim_blocks) unless written `+%}`.
// Newlines are normalized to \n and one trailing newline is dropped (keep_trailing_newline=False).
#include "jinja/lexer.h"
#include "jinja/lexer_literals.h"

#include <cstring>

#include "base/error.h"

namespace snug::jinja {

namespace {

enum class Trail { NONE, ALL_SPACE, ONE_NEWLINE };

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }
bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

[[noreturn]] void fail(int line, const std::string& what) {
    throw Error("template syntax error at line " + std::to_string(line) + ": " + what);
}

std::string normalize_newlines(std::string_view src) {
    std::string out;
    out.reserve(src.size());
    for (size_t i = 0; i < src.size(); ++i) {
        if (src[i] == '\r') {
            out += '\n';
            if (i + 1 < src.size() && src[i + 1] == '\n') ++i;
        } else {
            out += src[i];
        }
    }
    if (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

class Lexer {
public:
    explicit Lexer(std::string_view src) : src_(normalize_newlines(src)) {}

    std::vector<Segment> run();

private:
    void advance_to(size_t pos);
    void emit_text(std::string text, char tag_sign, bool tag_strippable);
    void apply_trail(std::string& text);
    Trail lex_tag(Segment& seg, size_t start, bool block);
    void lex_comment(size_t start);
    void lex_raw_body();
    size_t lex_token(size_t pos, Segment& seg, int& depth);

    std::string src_;
    size_t pos_ = 0;
    int line_ = 1;
    bool line_starting_ = true;  // the next text starts a line: lstrip_blocks may strip its first line
    Trail trail_ = Trail::NONE;
    std::vector<Segment> out_;
};

void Lexer::advance_to(size_t pos) {
    for (size_t i = pos_; i < pos && i < src_.size(); ++i) line_ += src_[i] == '\n';
    pos_ = pos;
}

void Lexer::apply_trail(std::string& text) {
    size_t cut = 0;
    if (trail_ == Trail::ALL_SPACE) {
        while (cut < text.size() && is_space(text[cut])) ++cut;
    } else if (trail_ == Trail::ONE_NEWLINE && !text.empty() && text[0] == '\n') {
        cut = 1;
    }
    if (cut > 0 && text[cut - 1] == '\n') line_starting_ = true;
    text.erase(0, cut);
    trail_ = Trail::NONE;
}

// tag_sign: '-', '+' or 0 after the opening delimiter; tag_strippable: a block or comment (lstrip_blocks applies).
void Lexer::emit_text(std::string text, char tag_sign, bool tag_strippable) {
    const int start_line = line_;
    apply_trail(text);
    if (tag_sign == '-') {
        size_t end = text.size();
        while (end > 0 && is_space(text[end - 1])) --end;
        text.resize(end);
    } else if (tag_sign != '+' && tag_strippable) {
        const size_t nl = text.rfind('\n');
        const size_t line_pos = nl == std::string::npos ? 0 : nl + 1;
        if (line_pos > 0 || line_starting_) {
            bool blank = line_pos < text.size();
            for (size_t i = line_pos; i < text.size(); ++i) blank = blank && is_space(text[i]);
            if (blank) text.resize(line_pos);
        }
    }
    line_starting_ = false;
    if (!text.empty()) out_.push_back(Segment{SegmentKind::TEXT, std::move(text), {}, start_line});
}

std::vector<Segment> Lexer::run() {
    while (pos_ <= src_.size()) {
        size_t tag = src_.find('{', pos_);
        while (tag != std::string::npos && tag + 1 < src_.size() && std::strchr("{%#", src_[tag + 1]) == nullptr)
            tag = src_.find('{', tag + 1);
        if (tag == std::string::npos || tag + 1 >= src_.size()) {
            emit_text(src_.substr(pos_), 0, false);
            break;
        }
        const char kind = src_[tag + 1];
        const char sign = tag + 2 < src_.size() && (src_[tag + 2] == '-' || src_[tag + 2] == '+') ? src_[tag + 2] : 0;
        std::string text = src_.substr(pos_, tag - pos_);
        const int text_line = line_;
        advance_to(tag);
        const int tag_line = line_;
        line_ = text_line;  // emit_text reports where the text started
        emit_text(std::move(text), sign, kind != '{');
        line_ = tag_line;
        const size_t body = tag + 2 + (sign ? 1 : 0);
        if (kind == '#') {
            lex_comment(body);
            continue;
        }
        Segment seg{kind == '{' ? SegmentKind::EXPR : SegmentKind::STMT, {}, {}, line_};
        trail_ = lex_tag(seg, body, kind == '%');
        const bool raw = seg.kind == SegmentKind::STMT && seg.tokens.size() == 2 &&
                         seg.tokens[0].kind == TokenKind::NAME && seg.tokens[0].text == "raw";
        if (raw) {
            if (trail_ == Trail::ONE_NEWLINE) trail_ = Trail::NONE;  // jinja2 does not trim after {% raw %}
            lex_raw_body();
        } else {
            out_.push_back(std::move(seg));
        }
    }
    return std::move(out_);
}

void Lexer::lex_comment(size_t start) {
    const size_t end = src_.find("#}", start);
    if (end == std::string::npos) fail(line_, "unclosed comment");
    const char sign = end > start && (src_[end - 1] == '-' || src_[end - 1] == '+') ? src_[end - 1] : 0;
    advance_to(end + 2);
    trail_ = sign == '-' ? Trail::ALL_SPACE : sign == '+' ? Trail::NONE : Trail::ONE_NEWLINE;
}

// After {% raw %}: everything up to {% endraw %} is text, still subject to that tag's whitespace control.
void Lexer::lex_raw_body() {
    size_t search = pos_;
    while (true) {
        const size_t tag = src_.find("{%", search);
        if (tag == std::string::npos) fail(line_, "missing {% endraw %}");
        size_t p = tag + 2;
        const char sign = p < src_.size() && (src_[p] == '-' || src_[p] == '+') ? src_[p] : 0;
        if (sign) ++p;
        while (p < src_.size() && is_space(src_[p])) ++p;
        if (src_.compare(p, 6, "endraw") != 0) {
            search = tag + 2;
            continue;
        }
        p += 6;
        while (p < src_.size() && is_space(src_[p])) ++p;
        const char end_sign = p < src_.size() && (src_[p] == '-' || src_[p] == '+') ? src_[p] : 0;
        if (end_sign) ++p;
        if (src_.compare(p, 2, "%}") != 0) fail(line_, "malformed {% endraw %}");
        std::string text = src_.substr(pos_, tag - pos_);
        emit_text(std::move(text), sign, true);
        advance_to(p + 2);
        trail_ = end_sign == '-' ? Trail::ALL_SPACE : end_sign == '+' ? Trail::NONE : Trail::ONE_NEWLINE;
        return;
    }
}

Trail Lexer::lex_tag(Segment& seg, size_t pos, bool block) {
    int depth = 0;  // open brackets: an end delimiter inside them belongs to the expression (`{{ {'a': {}} }}`)
    const char close = block ? '%' : '}';
    while (true) {
        while (pos < src_.size() && is_space(src_[pos])) {
            line_ += src_[pos] == '\n';
            ++pos;
        }
        if (pos >= src_.size()) fail(line_, block ? "unclosed {% tag" : "unclosed {{ tag");
        if (depth == 0) {
            Trail trail = Trail::NONE;
            size_t end = 0;
            if ((src_[pos] == '-' || src_[pos] == '+') && src_.compare(pos + 1, 2, std::string{close, '}'}) == 0) {
                trail = src_[pos] == '-' ? Trail::ALL_SPACE : Trail::NONE;
                end = pos + 3;
            } else if (src_.compare(pos, 2, std::string{close, '}'}) == 0) {
                trail = block ? Trail::ONE_NEWLINE : Trail::NONE;
                end = pos + 2;
            }
            if (end) {
                seg.tokens.push_back(Token{TokenKind::END, {}, 0, 0.0, line_});
                pos_ = end;
                return trail;
            }
        }
        pos = lex_token(pos, seg, depth);
    }
}

size_t Lexer::lex_token(size_t pos, Segment& seg, int& depth) {
    Token tok;
    tok.line = line_;
    const char c = src_[pos];
    if (is_name_start(c)) {
        size_t end = pos;
        while (end < src_.size() && (is_name_start(src_[end]) || is_digit(src_[end]))) ++end;
        tok.kind = TokenKind::NAME;
        tok.text = src_.substr(pos, end - pos);
        pos = end;
    } else if (is_digit(c)) {
        // After a dot, digits are an attribute index (`x.0`), never a float: jinja2's float rule has (?<!\.).
        const bool after_dot = !seg.tokens.empty() && seg.tokens.back().kind == TokenKind::OP && seg.tokens.back().text == ".";
        pos = lex_number(src_, pos, tok, !after_dot, line_);
    } else if (c == '\'' || c == '"') {
        pos = lex_string(src_, pos, tok, line_);
    } else {
        static const char* const TWO[] = {"//", "**", "==", "!=", "<=", ">="};
        tok.kind = TokenKind::OP;
        for (const char* op : TWO)
            if (src_.compare(pos, 2, op) == 0) tok.text = op;
        if (tok.text.empty()) {
            if (std::strchr("+-*/%~<>=()[]{},.:|", c) == nullptr || c == 0)
                fail(line_, std::string("unexpected character '") + c + "'");
            tok.text = std::string(1, c);
        }
        if (c == '(' || c == '[' || c == '{') ++depth;
        if ((c == ')' || c == ']' || c == '}') && depth > 0) --depth;
        pos += tok.text.size();
    }
    seg.tokens.push_back(std::move(tok));
    return pos;
}

}  // namespace

std::vector<Segment> lex(std::string_view source) { return Lexer(source).run(); }

}  // namespace snug::jinja
