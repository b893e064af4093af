// jinja/parser.h: turns lexed segments into a statement tree (parser.cpp) and tag tokens into expressions
// (parse_expr.cpp), following jinja2's grammar and operator precedence.
#pragma once
#include <string>
#include <vector>

#include "jinja/ast.h"
#include "jinja/lexer.h"

namespace snug::jinja {

// Reads tokens of one tag. Errors name the line of the offending token.
class TokenStream {
public:
    explicit TokenStream(const std::vector<Token>& tokens) : tokens_(tokens) {}

    const Token& peek(size_t ahead = 0) const;
    const Token& next();
    bool at_end() const { return peek().kind == TokenKind::END; }
    bool is_op(const char* op, size_t ahead = 0) const;
    bool is_name(const char* name, size_t ahead = 0) const;
    bool accept_op(const char* op);
    bool accept_name(const char* name);
    void expect_op(const char* op);
    std::string expect_name();
    void expect_end();
    [[noreturn]] void fail(const std::string& what) const;

private:
    const std::vector<Token>& tokens_;
    size_t pos_ = 0;
};

// Expression grammar entry points (parse_expr.cpp). Nesting deeper than a fixed bound is an error, not a crash.
ExprPtr parse_expression(TokenStream& ts);          // conditional expression, no bare tuples
ExprPtr parse_tuple_or_expression(TokenStream& ts); // `a, b` becomes a tuple, as in {% set x = 1, 2 %}
ExprPtr parse_loop_iterable(TokenStream& ts);       // stops before a loop filter's `if`
ExprPtr parse_filter_chain(TokenStream& ts);        // `f(args) | g`, applied to a null object (the block's output)

Body parse_template(const std::vector<Segment>& segments);

}  // namespace snug::jinja
