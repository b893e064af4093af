// jinja/token_stream.cpp: the cursor over one tag's tokens that the statement and expression parsers share.
#include "base/error.h"
#include "jinja/parser.h"

namespace snug::jinja {

const Token& TokenStream::peek(size_t ahead) const {
    const size_t i = pos_ + ahead;
    return i < tokens_.size() ? tokens_[i] : tokens_.back();  // the last token is always END
}

const Token& TokenStream::next() {
    const Token& t = peek();
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return t;
}

bool TokenStream::is_op(const char* op, size_t ahead) const {
    const Token& t = peek(ahead);
    return t.kind == TokenKind::OP && t.text == op;
}

bool TokenStream::is_name(const char* name, size_t ahead) const {
    const Token& t = peek(ahead);
    return t.kind == TokenKind::NAME && t.text == name;
}

bool TokenStream::accept_op(const char* op) {
    if (!is_op(op)) return false;
    next();
    return true;
}

bool TokenStream::accept_name(const char* name) {
    if (!is_name(name)) return false;
    next();
    return true;
}

void TokenStream::expect_op(const char* op) {
    if (!accept_op(op)) fail(std::string("expected '") + op + "'");
}

std::string TokenStream::expect_name() {
    if (peek().kind != TokenKind::NAME) fail("expected a name");
    return next().text;
}

void TokenStream::expect_end() {
    if (!at_end()) fail("unexpected '" + peek().text + "' at the end of the tag");
}

void TokenStream::fail(const std::string& what) const {
    const Token& t = peek();
    const std::string got = t.kind == TokenKind::END ? "end of tag" : "'" + t.text + "'";
    throw Error("template syntax error at line " + std::to_string(t.line) + ": " + what + " (at " + got + ")");
}

}  // namespace snug::jinja
