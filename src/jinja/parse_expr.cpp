// jinja/parse_expr.cpp: jinja2's expression grammar by precedence, lowest first:
//   a if c else b  <  or  <  and  <  not  <  comparisons (==, in, not in, chained)  <  + -  <  ~  <  * / // %
//   <  **  <  unary - +  <  primary with postfix (.attr [index] (call)) and then filters `|` and tests `is`.
// So `-x|abs` is abs(-x), `a ~ b|upper` upper-cases only b, and `-2**2` is 4, all as in jinja2.
#include <array>

#include "jinja/expr_parser.h"

namespace snug::jinja {

namespace {
constexpr int MAX_NESTING = 100;  // deeper expressions are rejected before they can exhaust the stack
}

ExprPtr make_expr(ExprKind kind, int line) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->line = line;
    return e;
}

ExprParser::Guard::Guard(ExprParser& p) : p_(p) {
    if (++p_.depth_ > MAX_NESTING) p_.ts_.fail("expression nests too deeply");
}

ExprPtr ExprParser::expression() {
    Guard g(*this);
    ExprPtr e = parse_or();
    while (ts_.is_name("if")) {
        const int line = ts_.next().line;
        auto cond = make_expr(ExprKind::CONDITION, line);
        cond->items.push_back(std::move(e));
        cond->items.push_back(parse_or());
        cond->items.push_back(ts_.accept_name("else") ? expression() : nullptr);
        e = std::move(cond);
    }
    return e;
}

ExprPtr ExprParser::tuple(bool parenthesized) {
    const int line = ts_.peek().line;
    std::vector<ExprPtr> items;
    bool is_tuple = false;
    while (true) {
        if (!items.empty()) ts_.expect_op(",");
        if (ts_.at_end() || ts_.is_op(")") || ts_.is_op("]")) break;
        items.push_back(expression());
        if (!ts_.is_op(",")) break;
        is_tuple = true;
    }
    if (!is_tuple) {
        if (!items.empty()) return std::move(items[0]);
        if (!parenthesized) ts_.fail("expected an expression");
    }
    auto t = make_expr(ExprKind::TUPLE, line);
    t->items = std::move(items);
    return t;
}

ExprPtr ExprParser::or_tuple() {
    const int line = ts_.peek().line;
    ExprPtr first = parse_or();
    if (!ts_.is_op(",")) return first;
    auto t = make_expr(ExprKind::TUPLE, line);
    t->items.push_back(std::move(first));
    while (ts_.accept_op(",")) {
        if (ts_.at_end() || ts_.is_name("if")) break;
        t->items.push_back(parse_or());
    }
    return t;
}

ExprPtr ExprParser::filter_chain() {
    auto e = make_expr(ExprKind::FILTER, ts_.peek().line);
    e->name = ts_.expect_name();
    if (ts_.is_op("(")) call_args(*e);
    ExprPtr chain = std::move(e);
    while (ts_.is_op("|")) chain = filter(std::move(chain));
    return chain;
}

ExprPtr ExprParser::filter_tail(ExprPtr object) {
    while (true) {
        if (ts_.is_op("|")) {
            object = filter(std::move(object));
        } else if (ts_.is_name("is")) {
            object = test(std::move(object));
        } else if (ts_.is_op("(")) {
            object = call(std::move(object));
        } else {
            return object;
        }
    }
}

ExprPtr ExprParser::binary(const char* op, int line, ExprPtr l, ExprPtr r) {
    auto e = make_expr(ExprKind::BINARY, line);
    e->name = op;
    e->items.push_back(std::move(l));
    e->items.push_back(std::move(r));
    return e;
}

ExprPtr ExprParser::parse_or() {
    ExprPtr l = parse_and();
    while (ts_.is_name("or")) {
        const int line = ts_.next().line;
        l = binary("or", line, std::move(l), parse_and());
    }
    return l;
}

ExprPtr ExprParser::parse_and() {
    ExprPtr l = parse_not();
    while (ts_.is_name("and")) {
        const int line = ts_.next().line;
        l = binary("and", line, std::move(l), parse_not());
    }
    return l;
}

ExprPtr ExprParser::parse_not() {
    Guard g(*this);
    if (ts_.is_name("not")) {
        auto e = make_expr(ExprKind::NOT, ts_.next().line);
        e->object = parse_not();
        return e;
    }
    return parse_compare();
}

ExprPtr ExprParser::parse_compare() {
    const int line = ts_.peek().line;
    auto cmp = make_expr(ExprKind::COMPARE, line);
    cmp->items.push_back(parse_math1());
    while (true) {
        static constexpr std::array<const char*, 6> OPS = {"==", "!=", "<", "<=", ">", ">="};
        std::string op;
        for (const char* o : OPS)
            if (ts_.is_op(o)) op = o;
        if (!op.empty()) {
            ts_.next();
        } else if (ts_.is_name("in")) {
            ts_.next();
            op = "in";
        } else if (ts_.is_name("not") && ts_.is_name("in", 1)) {
            ts_.next();
            ts_.next();
            op = "notin";
        } else {
            break;
        }
        cmp->ops.push_back(op);
        cmp->items.push_back(parse_math1());
    }
    if (cmp->ops.empty()) return std::move(cmp->items[0]);
    return cmp;
}

ExprPtr ExprParser::parse_math1() {
    ExprPtr l = parse_concat();
    while (ts_.is_op("+") || ts_.is_op("-")) {
        const Token& t = ts_.next();
        l = binary(t.text == "+" ? "+" : "-", t.line, std::move(l), parse_concat());
    }
    return l;
}

ExprPtr ExprParser::parse_concat() {
    ExprPtr l = parse_math2();
    while (ts_.is_op("~")) {
        const int line = ts_.next().line;
        l = binary("~", line, std::move(l), parse_math2());
    }
    return l;
}

ExprPtr ExprParser::parse_math2() {
    ExprPtr l = parse_pow();
    while (true) {
        static constexpr std::array<const char*, 4> OPS = {"*", "/", "//", "%"};
        const char* op = nullptr;
        for (const char* o : OPS)
            if (ts_.is_op(o)) op = o;
        if (!op) return l;
        const int line = ts_.next().line;
        l = binary(op, line, std::move(l), parse_pow());
    }
}

ExprPtr ExprParser::parse_pow() {
    ExprPtr l = parse_unary(true);
    while (ts_.is_op("**")) {
        const int line = ts_.next().line;
        l = binary("**", line, std::move(l), parse_unary(true));
    }
    return l;
}

ExprPtr ExprParser::parse_unary(bool with_filter) {
    Guard g(*this);
    ExprPtr node;
    if (ts_.is_op("-") || ts_.is_op("+")) {
        const Token& t = ts_.next();
        node = make_expr(t.text == "-" ? ExprKind::NEG : ExprKind::POS, t.line);
        node->object = parse_unary(false);
    } else {
        node = primary();
    }
    node = postfix(std::move(node));
    return with_filter ? filter_tail(std::move(node)) : std::move(node);
}

ExprPtr parse_expression(TokenStream& ts) { return ExprParser(ts).expression(); }
ExprPtr parse_tuple_or_expression(TokenStream& ts) { return ExprParser(ts).tuple(false); }
ExprPtr parse_loop_iterable(TokenStream& ts) { return ExprParser(ts).or_tuple(); }
ExprPtr parse_filter_chain(TokenStream& ts) { return ExprParser(ts).filter_chain(); }

}  // namespace snug::jinja
