// jinja/expr_parser.h: the expression parser's class, shared by parse_expr.cpp (operators, by precedence) and
// parse_primary.cpp (literals, names, postfix, calls, filters, tests). Internal to the jinja module.
#pragma once
#include "jinja/parser.h"

namespace snug::jinja {

class ExprParser {
public:
    explicit ExprParser(TokenStream& ts) : ts_(ts) {}

    ExprPtr expression();
    ExprPtr tuple(bool parenthesized);  // comma-separated; more than one (or a trailing comma) makes a tuple
    ExprPtr filter_tail(ExprPtr object);
    ExprPtr or_tuple();      // a for loop's iterable: like tuple(false) but without `a if c else b`
    ExprPtr filter_chain();  // `f(args) | g` of {% filter %} and {% set x | f %}: FILTER nodes over a null object

private:
    struct Guard {
        explicit Guard(ExprParser& p);
        ~Guard() { --p_.depth_; }
        ExprParser& p_;
    };

    ExprPtr binary(const char* op, int line, ExprPtr l, ExprPtr r);
    ExprPtr parse_or();
    ExprPtr parse_and();
    ExprPtr parse_not();
    ExprPtr parse_compare();
    ExprPtr parse_math1();
    ExprPtr parse_concat();
    ExprPtr parse_math2();
    ExprPtr parse_pow();
    ExprPtr parse_unary(bool with_filter);
    ExprPtr primary();
    ExprPtr postfix(ExprPtr node);
    ExprPtr subscript(ExprPtr object);
    ExprPtr call(ExprPtr callee);
    void call_args(Expr& e);
    ExprPtr filter(ExprPtr object);
    ExprPtr test(ExprPtr object);

    TokenStream& ts_;
    int depth_ = 0;
};

ExprPtr make_expr(ExprKind kind, int line);

}  // namespace snug::jinja
