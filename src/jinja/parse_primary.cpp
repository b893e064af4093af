// jinja/parse_primary.cpp: the tightest-binding parts of jinja2's expression grammar: literals, names, (tuples),
// [lists], {dicts}, `.attr` / `[index]` / `[a:b:c]` / `(call)` postfixes, `| filter(args)` and `is [not] test arg`.
#include "jinja/expr_parser.h"

namespace snug::jinja {

ExprPtr ExprParser::primary() {
    const Token& t = ts_.peek();
    const int line = t.line;
    if (t.kind == TokenKind::NAME) {
        ts_.next();
        auto e = make_expr(ExprKind::LITERAL, line);
        if (t.text == "true" || t.text == "True") e->literal = Value::boolean(true);
        else if (t.text == "false" || t.text == "False") e->literal = Value::boolean(false);
        else if (t.text == "none" || t.text == "None") e->literal = Value::none();
        else {
            e->kind = ExprKind::NAME;
            e->name = t.text;
        }
        return e;
    }
    if (t.kind == TokenKind::STRING) {
        std::string s;
        while (ts_.peek().kind == TokenKind::STRING) s += ts_.next().text;  // adjacent literals concatenate
        auto e = make_expr(ExprKind::LITERAL, line);
        e->literal = Value::string(std::move(s));
        return e;
    }
    if (t.kind == TokenKind::INT || t.kind == TokenKind::FLOAT) {
        ts_.next();
        auto e = make_expr(ExprKind::LITERAL, line);
        e->literal = t.kind == TokenKind::INT ? Value::integer(t.int_value) : Value::floating(t.float_value);
        return e;
    }
    if (ts_.accept_op("(")) {
        ExprPtr e = tuple(true);
        ts_.expect_op(")");
        return e;
    }
    if (ts_.accept_op("[")) {
        auto e = make_expr(ExprKind::LIST, line);
        while (!ts_.is_op("]")) {
            if (!e->items.empty()) ts_.expect_op(",");
            if (ts_.is_op("]")) break;
            e->items.push_back(expression());
        }
        ts_.expect_op("]");
        return e;
    }
    if (ts_.accept_op("{")) {
        auto e = make_expr(ExprKind::DICT, line);
        while (!ts_.is_op("}")) {
            if (!e->items.empty()) ts_.expect_op(",");
            if (ts_.is_op("}")) break;
            e->items.push_back(expression());
            ts_.expect_op(":");
            e->items.push_back(expression());
        }
        ts_.expect_op("}");
        return e;
    }
    ts_.fail(t.kind == TokenKind::END ? "expected an expression, got the end of the tag"
                                      : "unexpected '" + t.text + "'");
}

ExprPtr ExprParser::postfix(ExprPtr node) {
    while (true) {
        if (ts_.is_op(".")) {
            const int line = ts_.next().line;
            const Token& t = ts_.next();
            if (t.kind == TokenKind::NAME) {
                auto e = make_expr(ExprKind::ATTR, line);
                e->name = t.text;
                e->object = std::move(node);
                node = std::move(e);
            } else if (t.kind == TokenKind::INT) {  // x.0 is x[0]
                auto e = make_expr(ExprKind::ITEM, line);
                e->object = std::move(node);
                auto index = make_expr(ExprKind::LITERAL, line);
                index->literal = Value::integer(t.int_value);
                e->items.push_back(std::move(index));
                node = std::move(e);
            } else {
                ts_.fail("expected an attribute name after '.'");
            }
        } else if (ts_.is_op("[")) {
            node = subscript(std::move(node));
        } else if (ts_.is_op("(")) {
            node = call(std::move(node));
        } else {
            return node;
        }
    }
}

ExprPtr ExprParser::subscript(ExprPtr object) {
    const int line = ts_.next().line;  // '['
    ExprPtr parts[3];
    bool is_slice = false;
    for (int i = 0; i < 3; ++i) {
        if (i > 0) {
            if (!ts_.accept_op(":")) break;
            is_slice = true;
        }
        if (!ts_.is_op(":") && !ts_.is_op("]")) parts[i] = i == 0 ? tuple(false) : expression();
    }
    ts_.expect_op("]");
    if (!is_slice && !parts[0]) ts_.fail("expected an index inside []");
    auto e = make_expr(is_slice ? ExprKind::SLICE : ExprKind::ITEM, line);
    e->object = std::move(object);
    for (int i = 0; i < (is_slice ? 3 : 1); ++i) e->items.push_back(std::move(parts[i]));
    return e;
}

void ExprParser::call_args(Expr& e) {
    ts_.expect_op("(");
    bool first = true;
    while (!ts_.is_op(")")) {
        if (!first) ts_.expect_op(",");
        first = false;
        if (ts_.is_op(")")) break;
        if (ts_.is_op("*") || ts_.is_op("**")) ts_.fail("*args and **kwargs in calls are not supported");
        if (ts_.peek().kind == TokenKind::NAME && ts_.is_op("=", 1)) {
            std::string key = ts_.next().text;
            ts_.next();
            e.kwargs.emplace_back(std::move(key), expression());
        } else {
            if (!e.kwargs.empty()) ts_.fail("positional argument follows keyword argument");
            e.items.push_back(expression());
        }
    }
    ts_.expect_op(")");
}

ExprPtr ExprParser::call(ExprPtr callee) {
    auto e = make_expr(ExprKind::CALL, ts_.peek().line);
    e->object = std::move(callee);
    call_args(*e);
    return e;
}

ExprPtr ExprParser::filter(ExprPtr object) {
    const int line = ts_.next().line;  // '|'
    auto e = make_expr(ExprKind::FILTER, line);
    e->object = std::move(object);
    e->name = ts_.expect_name();
    if (ts_.is_op("(")) call_args(*e);
    return e;
}

ExprPtr ExprParser::test(ExprPtr object) {
    const int line = ts_.next().line;  // 'is'
    auto e = make_expr(ExprKind::TEST, line);
    e->object = std::move(object);
    e->negated = ts_.accept_name("not");
    e->name = ts_.expect_name();
    if (ts_.is_op("(")) {
        call_args(*e);
        return e;
    }
    // jinja2 takes one bare argument when the next token starts a primary: `x is divisibleby 3`, `x is sameas none`.
    const Token& t = ts_.peek();
    const bool starts_primary = t.kind == TokenKind::STRING || t.kind == TokenKind::INT ||
                                t.kind == TokenKind::FLOAT || (t.kind == TokenKind::OP && (t.text == "[" || t.text == "{")) ||
                                (t.kind == TokenKind::NAME && t.text != "else" && t.text != "or" && t.text != "and");
    if (starts_primary) {
        if (t.kind == TokenKind::NAME && t.text == "is") ts_.fail("tests cannot be chained with 'is'");
        e->items.push_back(postfix(primary()));
    }
    return e;
}

}  // namespace snug::jinja
