// jinja/tests.cpp: jinja2's `is` tests. Their Python definitions decide the corner cases: a bool is a number
// but not an integer, a dict is a sequence (it has len and []), an undefined value is iterable (and empty).
#include <array>

#include "jinja/interpreter.h"
#include "jinja/repr.h"
#include "jinja/str_ops.h"
#include "jinja/text.h"

namespace snug::jinja {

namespace {

constexpr std::array<const char*, 34> TEST_NAMES = {
    "defined", "undefined", "none",  "string", "number", "integer",   "float",       "boolean", "mapping",
    "iterable", "sequence", "true",  "false",  "odd",    "even",      "divisibleby", "in",      "lower",
    "upper",   "callable",  "sameas", "escaped", "equalto", "eq",     "==",          "ne",      "!=",
    "lt",      "<",         "le",    "<=",     "gt",     ">",         "ge"};

int64_t int_for_test(const Value& v, const char* test) {
    if (v.is_undefined()) fail_undefined(v);
    if (!v.is_number()) throw Error(std::string("'") + test + "' test needs a number, got " + v.type_name());
    return v.is_float() ? static_cast<int64_t>(v.as_double()) : v.as_int();
}

}  // namespace

bool has_test(const std::string& name) {
    for (const char* t : TEST_NAMES)
        if (name == t) return true;
    return name == ">=";
}

bool apply_test(Interpreter&, const std::string& name, const Value& v, CallArgs& a) {
    const Value other = arg(a, 0, "value", Value());
    if (name == "defined") return !v.is_undefined();
    if (name == "undefined") return v.is_undefined();
    if (name == "none") return v.is_none();
    if (name == "string") return v.is_string();
    if (name == "number") return v.is_number();
    if (name == "integer") return v.type() == Type::INT;
    if (name == "float") return v.is_float();
    if (name == "boolean") return v.is_bool();
    if (name == "true") return v.is_bool() && v.as_bool();
    if (name == "false") return v.is_bool() && !v.as_bool();
    if (name == "mapping") return v.is_plain_dict();
    if (name == "iterable") return v.is_undefined() || v.is_string() || v.is_list() || v.is_plain_dict();
    if (name == "sequence") return v.is_undefined() || v.is_string() || (v.is_list() && !v.is_generator()) || v.is_plain_dict();
    if (name == "callable") return v.is_callable();
    if (name == "escaped") return v.is_markup();
    if (name == "odd" || name == "even") {
        const int64_t r = int_for_test(v, name.c_str()) % 2;
        return name == "odd" ? r != 0 : r == 0;
    }
    if (name == "divisibleby") {
        const int64_t d = int_for_test(other, "divisibleby");
        if (d == 0) throw Error("integer division or modulo by zero");
        if (v.is_float()) return std::fmod(v.as_double(), static_cast<double>(d)) == 0.0;
        return d == -1 || int_for_test(v, "divisibleby") % d == 0;
    }
    if (name == "in") return contains(other, v);
    if (name == "lower" || name == "upper") {
        const std::string s = py_str(v);
        bool any = false;
        for (char32_t c : to_code_points(s)) {
            const bool is_lower = to_py_upper(c) != c, is_upper = to_py_lower(c) != c;
            any = any || is_lower || is_upper;
            if (name == "lower" ? is_upper : is_lower) return false;
        }
        return any;
    }
    if (name == "sameas") {
        if (v.type() != other.type()) return false;
        if (v.is_none() || v.is_undefined()) return true;
        if (v.is_bool()) return v.as_bool() == other.as_bool();
        return values_equal(v, other) && (v.is_int() || v.is_string());
    }
    if (name == "equalto" || name == "eq" || name == "==") return values_equal(v, other);
    if (name == "ne" || name == "!=") return !values_equal(v, other);
    if (name == "lt" || name == "<") return less_than(v, other);
    if (name == "le" || name == "<=") return !less_than(other, v);
    if (name == "gt" || name == ">") return less_than(other, v);
    if (name == "ge" || name == ">=") return !less_than(v, other);
    throw Error("no test named '" + name + "'");
}

}  // namespace snug::jinja
