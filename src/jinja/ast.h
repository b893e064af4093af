// jinja/ast.h: the parsed template. One node type for expressions and one for statements, each with a kind and
// the few fields that kind uses, so the evaluator is a switch rather than a class hierarchy.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "jinja/value.h"

namespace snug::jinja {

enum class ExprKind : uint8_t {
    LITERAL,   // literal
    NAME,      // name
    LIST,      // items
    TUPLE,     // items
    DICT,      // items: key, value, key, value, ...
    ATTR,      // object.name
    ITEM,      // object[items[0]]
    SLICE,     // object[items[0]:items[1]:items[2]], absent parts are null
    CALL,      // object(items..., kwargs...)
    FILTER,    // object | name(items..., kwargs...); object is null inside {% filter %}
    TEST,      // object is [not] name(items...)
    NOT,       // not object
    NEG,       // -object
    POS,       // +object
    BINARY,    // items[0] name items[1]: + - * / // % ** ~ and or
    COMPARE,   // items[0] ops[0] items[1] ops[1] items[2] ... (chained, like Python)
    CONDITION  // items[0] if items[1] else items[2]; items[2] null when there is no else
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
    ExprKind kind;
    int line = 0;
    std::string name;  // NAME, ATTR, CALL callee name if any, FILTER/TEST name, BINARY operator
    Value literal;
    ExprPtr object;
    std::vector<ExprPtr> items;
    std::vector<std::pair<std::string, ExprPtr>> kwargs;
    std::vector<std::string> ops;  // COMPARE operators: == != < <= > >= in notin
    bool negated = false;          // TEST: `is not`
};

enum class StmtKind : uint8_t {
    TEXT,       // text
    OUTPUT,     // {{ expr }}
    IF,         // branches: (condition, body); else_body
    FOR,        // targets in expr [if filter]: body; else_body
    SET,        // targets = expr, or attr_object.attr = expr
    SET_BLOCK,  // {% set target %} body {% endset %}, optionally through filter_chain
    MACRO,      // name(params) body
    CALL_BLOCK, // {% call(params) expr %} body {% endcall %}
    FILTER_BLOCK,  // {% filter filter_chain %} body {% endfilter %}
    BREAK,
    CONTINUE
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

struct MacroParam {
    std::string name;
    ExprPtr default_value;  // null: required
};

struct Stmt {
    StmtKind kind;
    int line = 0;
    std::string text;                  // TEXT
    ExprPtr expr;                      // OUTPUT, FOR iterable, SET value, CALL_BLOCK call
    ExprPtr filter;                    // FOR `if` filter
    ExprPtr filter_chain;              // SET_BLOCK / FILTER_BLOCK: FILTER nodes whose innermost object is null
    std::vector<std::string> targets;  // FOR / SET / SET_BLOCK names (more than one: tuple unpacking)
    bool target_tuple = false;         // `for (a,) in` / `set a, = ...`: unpack even with one name
    std::string attr_object;           // SET: `set ns.attr = ...` assigns attr on the namespace attr_object
    std::string name;                  // MACRO name
    std::vector<MacroParam> params;    // MACRO / CALL_BLOCK parameters
    bool uses_varargs = false;         // MACRO / CALL_BLOCK: the body reads `varargs`, so extra positionals are allowed
    bool uses_kwargs = false;          // ... reads `kwargs`, so unknown keyword arguments are allowed
    bool uses_caller = false;          // ... reads `caller`, so it may be called from {% call %}
    std::vector<std::pair<ExprPtr, Body>> branches;  // IF
    Body body;
    Body else_body;
};

}  // namespace snug::jinja
