// chat/go_template_parse.cpp: lexer and parser of Go's text/template (go_template.h), following text/template/parse:
// trim markers "{{- " and " -}}", comments "{{/* */}}", keywords, pipelines, declarations, and the parse-time
// checks Go makes (undefined variables and functions, break outside range, non-executable pipeline stages).
#include <algorithm>
#include "base/utf8.h"
#include <charconv>
#include <cstdlib>

#include "base/error.h"
#include "chat/go_template_ast.h"

namespace snug::chat::gotpl {

std::string where(Pos p) { return "line " + std::to_string(p.line) + " col " + std::to_string(p.col); }

namespace {

constexpr int MAX_DEPTH = 100;  // nested control structures and parentheses

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}
bool is_alnum(char c) { return is_alpha(c) || (c >= '0' && c <= '9'); }

struct Tok {
    enum Type { TEXT, LEFT, RIGHT, SPACE, FIELD, VARIABLE, DOT, IDENT, STRING, NUMBER, CHAR, BOOL, NIL,
                LPAREN, RPAREN, PIPE, DECLARE, ASSIGN, COMMA, END_OF_INPUT } type;
    std::string text;  // STRING, CHAR: the decoded value; FIELD: the name without '.'; others: as written
    Pos pos;
};

const char* tok_name(Tok::Type t) {
    static const char* const names[] = {"text", "{{", "}}", "space", "field", "variable", ".", "identifier",
                                        "string", "number", "character constant", "bool", "nil", "(", ")", "|",
                                        ":=", "=", ",", "end of input"};
    return names[t];
}

void append_utf8(std::string& out, uint32_t cp) {
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;  // escapes in a template are untrusted
    snug::append_utf8(out, cp);
}

class Lexer {
public:
    explicit Lexer(std::string_view src) : src_(src) {}

    std::vector<Tok> run() {
        while (p_ < src_.size()) lex_text();
        out_.push_back({Tok::END_OF_INPUT, "", pos_at(p_)});
        return std::move(out_);
    }

private:
    std::string_view src_;
    size_t p_ = 0;
    size_t line_start_ = 0;  // offset of the line holding line_off_
    size_t line_off_ = 0;
    int line_ = 1;
    int paren_depth_ = 0;
    std::vector<Tok> out_;

    Pos pos_at(size_t off) {  // offsets are asked for in increasing order
        for (; line_off_ < off && line_off_ < src_.size(); ++line_off_)
            if (src_[line_off_] == '\n') ++line_, line_start_ = line_off_ + 1;
        return {line_, off >= line_start_ ? static_cast<int>(off - line_start_) + 1 : 1};
    }
    [[noreturn]] void fail(size_t off, const std::string& msg) {
        throw Error("Go template " + where(pos_at(off)) + ": " + msg);
    }
    void emit(Tok::Type t, size_t start, std::string text) { out_.push_back({t, std::move(text), pos_at(start)}); }
    bool starts(size_t off, std::string_view s) const { return src_.substr(std::min(off, src_.size())).starts_with(s); }
    // "}}" or " -}}" at off: returns the length of the delimiter (0 if none) and whether it trims.
    size_t right_delim(size_t off, bool* trim) const {
        if (starts(off, "}}")) return *trim = false, 2;
        if (off + 1 < src_.size() && is_space(src_[off]) && src_[off + 1] == '-' && starts(off + 2, "}}"))
            return *trim = true, 4;
        return 0;
    }
    void skip_space() {
        while (p_ < src_.size() && is_space(src_[p_])) ++p_;
    }

    void lex_text() {
        const size_t q = src_.find("{{", p_);
        if (q == std::string_view::npos) {
            emit(Tok::TEXT, p_, std::string(src_.substr(p_)));
            p_ = src_.size();
            return;
        }
        const bool trim = q + 3 < src_.size() && src_[q + 2] == '-' && is_space(src_[q + 3]);
        size_t end = q;
        if (trim)
            while (end > p_ && is_space(src_[end - 1])) --end;
        if (end > p_) emit(Tok::TEXT, p_, std::string(src_.substr(p_, end - p_)));
        emit(Tok::LEFT, q, "{{");
        p_ = q + (trim ? 4 : 2);
        if (starts(p_, "/*")) return lex_comment();
        lex_action();
    }

    void lex_comment() {
        const size_t close = src_.find("*/", p_ + 2);
        if (close == std::string_view::npos) fail(p_, "unclosed comment");
        bool trim = false;
        const size_t n = right_delim(close + 2, &trim);
        if (n == 0) fail(close, "comment ends before closing delimiter");
        out_.pop_back();  // the comment leaves no action behind
        p_ = close + 2 + n;
        if (trim) skip_space();
    }

    void lex_action() {
        for (;;) {
            bool trim = false;
            if (const size_t n = right_delim(p_, &trim)) {
                if (paren_depth_ > 0) fail(p_, "unclosed left paren");
                emit(Tok::RIGHT, p_, "}}");
                p_ += n;
                if (trim) skip_space();
                return;
            }
            if (p_ >= src_.size()) fail(p_, "unclosed action");
            const size_t start = p_;
            const char c = src_[p_];
            if (is_space(c)) {
                while (p_ < src_.size() && is_space(src_[p_]) && right_delim(p_, &trim) == 0) ++p_;
                emit(Tok::SPACE, start, " ");
            } else if (c == '=') {
                ++p_, emit(Tok::ASSIGN, start, "=");
            } else if (c == ':') {
                if (!starts(p_, ":=")) fail(p_, "expected :=");
                p_ += 2, emit(Tok::DECLARE, start, ":=");
            } else if (c == '|') {
                ++p_, emit(Tok::PIPE, start, "|");
            } else if (c == ',') {
                ++p_, emit(Tok::COMMA, start, ",");
            } else if (c == '(') {
                ++p_, ++paren_depth_, emit(Tok::LPAREN, start, "(");
            } else if (c == ')') {
                if (--paren_depth_ < 0) fail(p_, "unexpected right paren");
                ++p_, emit(Tok::RPAREN, start, ")");
            } else if (c == '"') {
                emit(Tok::STRING, start, lex_quoted('"'));
            } else if (c == '\'') {
                emit(Tok::CHAR, start, lex_quoted('\''));
            } else if (c == '`') {
                const size_t close = src_.find('`', p_ + 1);
                if (close == std::string_view::npos) fail(p_, "unterminated raw quoted string");
                emit(Tok::STRING, start, std::string(src_.substr(p_ + 1, close - p_ - 1)));
                p_ = close + 1;
            } else if (c == '$') {
                ++p_;
                while (p_ < src_.size() && is_alnum(src_[p_])) ++p_;
                emit(Tok::VARIABLE, start, std::string(src_.substr(start, p_ - start)));
                check_terminator();
            } else if (c == '.' && p_ + 1 < src_.size() && src_[p_ + 1] >= '0' && src_[p_ + 1] <= '9') {
                lex_number();
            } else if (c == '.') {
                ++p_;
                while (p_ < src_.size() && is_alnum(src_[p_])) ++p_;
                if (p_ == start + 1) emit(Tok::DOT, start, ".");
                else emit(Tok::FIELD, start, std::string(src_.substr(start + 1, p_ - start - 1)));
                check_terminator();
            } else if (c == '+' || c == '-' || (c >= '0' && c <= '9')) {
                lex_number();
            } else if (is_alpha(c)) {
                while (p_ < src_.size() && is_alnum(src_[p_])) ++p_;
                std::string word(src_.substr(start, p_ - start));
                const Tok::Type t = word == "true" || word == "false" ? Tok::BOOL : word == "nil" ? Tok::NIL : Tok::IDENT;
                emit(t, start, std::move(word));
                check_terminator();
            } else {
                fail(p_, std::string("unrecognized character in action: '") + c + "'");
            }
        }
    }

    void check_terminator() {
        if (p_ >= src_.size()) return;
        const char c = src_[p_];
        bool trim = false;
        if (is_space(c) || c == '.' || c == ',' || c == '|' || c == ':' || c == ')' || c == '(' || c == '=' ||
            right_delim(p_, &trim) != 0)
            return;
        fail(p_, std::string("bad character '") + c + "'");
    }

    void lex_number() {
        const size_t start = p_;
        if (src_[p_] == '+' || src_[p_] == '-') ++p_;
        while (p_ < src_.size() && (is_alnum(src_[p_]) || src_[p_] == '.' ||
                                    ((src_[p_] == '+' || src_[p_] == '-') && p_ > start &&
                                     (src_[p_ - 1] == 'e' || src_[p_ - 1] == 'E' || src_[p_ - 1] == 'p' ||
                                      src_[p_ - 1] == 'P'))))
            ++p_;
        emit(Tok::NUMBER, start, std::string(src_.substr(start, p_ - start)));
        check_terminator();
    }

    // A Go string or rune literal starting at p_ with its escapes decoded.
    std::string lex_quoted(char quote) {
        const size_t start = p_;
        std::string out;
        ++p_;
        for (;;) {
            if (p_ >= src_.size() || src_[p_] == '\n')
                fail(start, quote == '"' ? "unterminated quoted string" : "unterminated character constant");
            const char c = src_[p_++];
            if (c == quote) break;
            if (c != '\\') {
                out += c;
                continue;
            }
            if (p_ >= src_.size()) continue;
            const char e = src_[p_++];
            auto hex = [&](int n) {
                uint32_t v = 0;
                for (int k = 0; k < n; ++k, ++p_) {
                    const char h = p_ < src_.size() ? src_[p_] : 0;
                    const int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10
                                  : h >= 'A' && h <= 'F'  ? h - 'A' + 10 : -1;
                    if (d < 0) fail(p_, "invalid escape in quoted string");
                    v = v * 16 + static_cast<uint32_t>(d);
                }
                return v;
            };
            switch (e) {
                case 'a': out += '\a'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'v': out += '\v'; break;
                case '\\': out += '\\'; break;
                case '"':
                case '\'':
                    if (e != quote) fail(p_ - 2, "invalid escape in quoted string");
                    out += e;
                    break;
                case 'x': out += static_cast<char>(hex(2)); break;
                case 'u': append_utf8(out, hex(4)); break;
                case 'U': append_utf8(out, hex(8)); break;
                default:
                    if (e >= '0' && e <= '7' && p_ + 1 < src_.size()) {
                        const int v = (e - '0') * 64 + (src_[p_] - '0') * 8 + (src_[p_ + 1] - '0');
                        p_ += 2;
                        out += static_cast<char>(v & 0xFF);
                    } else {
                        fail(p_ - 2, "invalid escape in quoted string");
                    }
            }
        }
        return out;
    }
};

bool is_keyword(std::string_view w) {
    return w == "if" || w == "else" || w == "end" || w == "range" || w == "with" || w == "break" ||
           w == "continue" || w == "define" || w == "template" || w == "block";
}

enum class Term { END_OF_INPUT, END, ELSE };

class Parser {
public:
    explicit Parser(std::vector<Tok> toks) : t_(std::move(toks)) {}

    std::shared_ptr<const Node> run() {
        auto root = std::make_shared<Node>();
        root->type = Node::LIST;
        Term term;
        root->list = parse_list(&term, 0);
        if (term == Term::END) fail(last_, "unexpected {{end}}");
        if (term == Term::ELSE) fail(last_, "unexpected {{else}}");
        return root;
    }

private:
    std::vector<Tok> t_;
    size_t i_ = 0;
    Pos last_;
    std::vector<std::string> vars_{"$"};
    int range_depth_ = 0;

    [[noreturn]] void fail(Pos p, const std::string& msg) { throw Error("Go template " + where(p) + ": " + msg); }
    const Tok& next() {
        const Tok& t = t_[std::min(i_, t_.size() - 1)];
        if (i_ < t_.size()) ++i_;
        last_ = t.pos;
        return t;
    }
    const Tok& peek() const { return t_[std::min(i_, t_.size() - 1)]; }
    const Tok& next_non_space() {
        while (peek().type == Tok::SPACE) next();
        return next();
    }
    const Tok& peek_non_space() {
        while (peek().type == Tok::SPACE) next();
        return peek();
    }
    void expect_right(const char* context) {
        const Tok& t = next_non_space();
        if (t.type != Tok::RIGHT) fail(t.pos, std::string("unexpected ") + tok_name(t.type) + " in " + context);
    }

    NodeList parse_list(Term* term, int depth) {
        NodeList list;
        for (;;) {
            const Tok& t = next();
            if (t.type == Tok::END_OF_INPUT) {
                *term = Term::END_OF_INPUT;
                return list;
            }
            if (t.type == Tok::TEXT) {
                auto n = std::make_shared<Node>();
                n->type = Node::TEXT, n->text = t.text, n->pos = t.pos;
                list.push_back(std::move(n));
                continue;
            }
            const Pos action_pos = t.pos;  // a LEFT: the lexer emits nothing else outside actions
            const Tok& k = peek_non_space();
            if (k.type == Tok::IDENT && is_keyword(k.text)) {
                const std::string word = next().text;
                if (word == "end" || word == "else") {
                    if (word == "end") expect_right("end");
                    *term = word == "end" ? Term::END : Term::ELSE;
                    return list;
                }
                if (word == "break" || word == "continue") {
                    if (range_depth_ == 0) fail(action_pos, "{{" + word + "}} outside {{range}}");
                    expect_right(word.c_str());
                    auto n = std::make_shared<Node>();
                    n->type = word == "break" ? Node::BREAK : Node::CONTINUE, n->pos = action_pos;
                    list.push_back(std::move(n));
                    continue;
                }
                if (word == "define" || word == "template" || word == "block")
                    fail(action_pos, "{{" + word + "}} is not supported");
                list.push_back(parse_control(word, action_pos, depth + 1));
                continue;
            }
            auto n = std::make_shared<Node>();
            n->type = Node::ACTION, n->pos = action_pos;
            n->pipe = parse_pipeline("command", false, depth);
            list.push_back(std::move(n));
        }
    }

    std::shared_ptr<const Node> parse_control(const std::string& word, Pos pos, int depth) {
        if (depth > MAX_DEPTH) fail(pos, "control structures nested too deeply");
        const size_t n_vars = vars_.size();
        auto n = std::make_shared<Node>();
        n->type = word == "if" ? Node::IF : word == "range" ? Node::RANGE : Node::WITH;
        n->pos = pos;
        n->pipe = parse_pipeline(word.c_str(), word == "range", depth);
        if (n->type == Node::RANGE) ++range_depth_;
        Term term;
        n->list = parse_list(&term, depth);
        if (n->type == Node::RANGE) --range_depth_;
        if (term == Term::END_OF_INPUT) fail(pos, "unexpected EOF: {{" + word + "}} has no {{end}}");
        if (term == Term::ELSE) {
            n->has_else = true;
            const Tok& k = peek_non_space();
            if (k.type == Tok::IDENT && (k.text == "if" || k.text == "with") && n->type != Node::RANGE) {
                // {{else if x}} is {{else}}{{if x}}...{{end}}{{end}} with the inner control taking the one {{end}}
                const Tok& kw = next();
                n->else_list.push_back(parse_control(kw.text, kw.pos, depth + 1));
            } else {
                expect_right("else");
                Term term2;
                n->else_list = parse_list(&term2, depth);
                if (term2 == Term::END_OF_INPUT) fail(pos, "unexpected EOF: {{" + word + "}} has no {{end}}");
                if (term2 == Term::ELSE) fail(last_, "expected {{end}}; found {{else}}");
            }
        }
        vars_.resize(n_vars);
        return n;
    }

    // After the opening keyword (or "{{"): declarations, then commands up to "}}" (or ")" when parenthesized).
    std::shared_ptr<const Pipe> parse_pipeline(const char* context, bool is_range, int depth, bool paren = false) {
        if (depth > MAX_DEPTH) fail(peek().pos, "pipeline nested too deeply");
        auto pipe = std::make_shared<Pipe>();
        pipe->pos = peek_non_space().pos;
        for (;;) {  // declarations: $x :=, $x =, and for range $i, $e :=
            if (peek_non_space().type != Tok::VARIABLE) break;
            const size_t save = i_;
            const Tok& v = next();
            const Tok& after = peek_non_space();
            if (after.type == Tok::DECLARE || after.type == Tok::ASSIGN) {
                pipe->is_assign = after.type == Tok::ASSIGN;
                next();
                pipe->decl.push_back(v.text);
                if (pipe->is_assign && std::find(vars_.begin(), vars_.end(), v.text) == vars_.end())
                    fail(v.pos, "undefined variable \"" + v.text + "\"");
                if (!pipe->is_assign) vars_.push_back(v.text);
                break;
            }
            if (after.type == Tok::COMMA && is_range && pipe->decl.empty()) {
                next();
                pipe->decl.push_back(v.text);
                vars_.push_back(v.text);
                if (peek_non_space().type != Tok::VARIABLE) fail(peek().pos, "expected a variable after ','");
                continue;
            }
            if (after.type == Tok::COMMA) fail(after.pos, std::string("too many declarations in ") + context);
            if (!pipe->decl.empty()) fail(after.pos, "expected := after range variables");
            i_ = save;
            break;
        }
        for (;;) {
            const Tok& t = peek_non_space();
            if ((!paren && t.type == Tok::RIGHT) || (paren && t.type == Tok::RPAREN)) {
                next();
                if (pipe->cmds.empty()) fail(t.pos, std::string("missing value for ") + context);
                for (size_t c = 1; c < pipe->cmds.size(); ++c) {
                    const Arg::Type a = pipe->cmds[c].args[0].type;
                    if (a == Arg::BOOL || a == Arg::DOT || a == Arg::NIL || a == Arg::INT || a == Arg::FLOAT ||
                        a == Arg::STRING)
                        fail(pipe->cmds[c].pos, "non executable command in pipeline stage " + std::to_string(c + 1));
                }
                return pipe;
            }
            pipe->cmds.push_back(parse_command(depth));
            if (peek().type == Tok::PIPE) {
                next();
                const Tok& after = peek_non_space();
                if (after.type == Tok::RIGHT || after.type == Tok::RPAREN) fail(after.pos, "missing command after |");
            }
        }
    }

    Command parse_command(int depth) {
        Command cmd;
        cmd.pos = peek_non_space().pos;
        for (;;) {
            peek_non_space();
            const Tok& t = peek();
            if (t.type == Tok::RIGHT || t.type == Tok::RPAREN || t.type == Tok::PIPE) break;
            cmd.args.push_back(parse_operand(depth));
            const Tok& after = peek();
            if (after.type == Tok::SPACE) continue;
            if (after.type == Tok::RIGHT || after.type == Tok::RPAREN || after.type == Tok::PIPE) break;
            fail(after.pos, std::string("unexpected ") + tok_name(after.type) + " in operand");
        }
        if (cmd.args.empty()) fail(cmd.pos, "empty command");
        return cmd;
    }

    Arg parse_operand(int depth) {
        Arg a = parse_term(depth);
        while (peek().type == Tok::FIELD) {
            const Tok& f = next();
            if (a.type != Arg::FIELD && a.type != Arg::VARIABLE && a.type != Arg::PIPE)
                fail(f.pos, "unexpected ." + f.text + " after term");
            a.chain.push_back(f.text);
        }
        return a;
    }

    Arg parse_term(int depth) {
        const Tok& t = next();
        Arg a;
        a.pos = t.pos;
        switch (t.type) {
            case Tok::IDENT:
                if (is_keyword(t.text)) fail(t.pos, "unexpected <" + t.text + "> in operand");
                if (!is_builtin(t.text)) fail(t.pos, "function \"" + t.text + "\" not defined");
                a.type = Arg::IDENT, a.text = t.text;
                return a;
            case Tok::DOT: a.type = Arg::DOT; return a;
            case Tok::NIL: a.type = Arg::NIL; return a;
            case Tok::BOOL: a.type = Arg::BOOL, a.b = t.text == "true"; return a;
            case Tok::STRING: a.type = Arg::STRING, a.text = t.text; return a;
            case Tok::FIELD: a.type = Arg::FIELD, a.chain.push_back(t.text); return a;
            case Tok::VARIABLE:
                if (std::find(vars_.begin(), vars_.end(), t.text) == vars_.end())
                    fail(t.pos, "undefined variable \"" + t.text + "\"");
                a.type = Arg::VARIABLE, a.text = t.text;
                return a;
            case Tok::CHAR: {
                // the rune's code point: decode the UTF-8 of the literal
                const std::string& s = t.text;
                if (s.empty()) fail(t.pos, "empty character constant");
                uint32_t cp = static_cast<unsigned char>(s[0]);
                const size_t n = cp < 0x80 ? 1 : cp < 0xE0 ? 2 : cp < 0xF0 ? 3 : 4;
                if (n > 1) {
                    cp &= (0x7F >> n);
                    for (size_t k = 1; k < n && k < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[k]) & 0x3F);
                }
                if (s.size() != n) fail(t.pos, "character constant has more than one character");
                a.type = Arg::INT, a.i = cp;
                return a;
            }
            case Tok::NUMBER: return parse_number(t);
            case Tok::LPAREN:
                a.type = Arg::PIPE;
                a.pipe = parse_pipeline("parenthesized pipeline", false, depth + 1, true);
                return a;
            default: fail(t.pos, std::string("unexpected ") + tok_name(t.type) + " in operand");
        }
    }

    Arg parse_number(const Tok& t) {
        Arg a;
        a.pos = t.pos;
        std::string s;
        for (char c : t.text)
            if (c != '_') s += c;
        const bool neg = !s.empty() && s[0] == '-';
        std::string body = !s.empty() && (s[0] == '-' || s[0] == '+') ? s.substr(1) : s;
        int base = 10;
        if (body.size() > 1 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X')) base = 16;
        else if (body.size() > 1 && body[0] == '0' && (body[1] == 'o' || body[1] == 'O')) base = 8;
        else if (body.size() > 1 && body[0] == '0' && (body[1] == 'b' || body[1] == 'B')) base = 2;
        const bool is_float = base == 10 && body.find_first_of(".eE") != std::string::npos;
        if (!is_float) {
            const std::string digits = base == 10 ? body : body.substr(2);
            uint64_t v = 0;
            const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
            if (digits.empty() || r.ec != std::errc() || r.ptr != digits.data() + digits.size())
                fail(t.pos, "bad number syntax: " + t.text);
            if (v > (neg ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1)) fail(t.pos, "number out of range: " + t.text);
            a.type = Arg::INT;
            a.i = neg ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
            return a;
        }
        double v = 0;
        const auto r = std::from_chars(body.data(), body.data() + body.size(), v);
        if (body.empty() || r.ec != std::errc() || r.ptr != body.data() + body.size())
            fail(t.pos, "bad number syntax: " + t.text);
        a.type = Arg::FLOAT, a.f = neg ? -v : v;
        return a;
    }
};

}  // namespace

std::shared_ptr<const Node> parse(std::string_view source) {
    return Parser(Lexer(source).run()).run();
}

}  // namespace snug::chat::gotpl
