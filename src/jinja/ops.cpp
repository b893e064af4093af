// jinja/ops.cpp: Python's binary operators, comparisons, `in` and iteration over template values. Integers are
// 64-bit; where Python would grow a big integer we raise an error instead of wrapping.
#include <cmath>

#include "jinja/interpreter.h"
#include "jinja/repr.h"
#include "jinja/str_ops.h"
#include "jinja/text.h"

namespace snug::jinja {

namespace {

[[noreturn]] void unsupported(const std::string& op, const Value& a, const Value& b) {
    throw Error("unsupported operand type(s) for " + op + ": '" + a.type_name() + "' and '" + b.type_name() + "'");
}

template <typename F>
Value checked_int(F op_with_overflow, int64_t x, int64_t y, const std::string& op) {
    int64_t r = 0;
    if (op_with_overflow(x, y, &r)) throw Error("integer overflow in " + op);
    return Value::integer(r);
}

Value repeat(const Value& seq, int64_t n, const Interpreter& in) {
    if (n <= 0) return seq.is_string() ? Value::string("") : Value::list({}, seq.seq_kind());
    const size_t unit = seq.is_string() ? seq.str().size() : seq.items().size() * sizeof(Value);
    if (unit != 0 && static_cast<uint64_t>(n) > in.options().max_output_bytes / unit + 1) in.check_size(SIZE_MAX);
    in.check_size(unit * static_cast<size_t>(n));
    if (seq.is_string()) {
        std::string out;
        for (int64_t i = 0; i < n; ++i) out += seq.str();
        in.check_size(out.size());
        return Value::string(std::move(out));
    }
    List out;
    for (int64_t i = 0; i < n; ++i) out.insert(out.end(), seq.items().begin(), seq.items().end());
    return Value::list(std::move(out), seq.seq_kind());
}

bool is_sequence_value(const Value& v) { return v.is_string() || (v.is_list() && !v.is_generator()); }

Value arithmetic(const std::string& op, const Value& a, const Value& b) {
    const bool ints = a.is_int() && b.is_int();
    const int64_t x = a.as_int(), y = b.as_int();
    const double fx = a.as_double(), fy = b.as_double();
    const auto add = [](int64_t p, int64_t q, int64_t* r) { return __builtin_add_overflow(p, q, r); };
    const auto sub = [](int64_t p, int64_t q, int64_t* r) { return __builtin_sub_overflow(p, q, r); };
    const auto mul = [](int64_t p, int64_t q, int64_t* r) { return __builtin_mul_overflow(p, q, r); };
    if (op == "+") return ints ? checked_int(add, x, y, op) : Value::floating(fx + fy);
    if (op == "-") return ints ? checked_int(sub, x, y, op) : Value::floating(fx - fy);
    if (op == "*") return ints ? checked_int(mul, x, y, op) : Value::floating(fx * fy);
    if (op == "/") {
        if (fy == 0.0) throw Error("division by zero");
        return Value::floating(fx / fy);
    }
    if (op == "//" || op == "%") {
        if (ints ? y == 0 : fy == 0.0) throw Error(op == "%" ? "modulo by zero" : "integer division or modulo by zero");
        if (ints) {
            if (x == INT64_MIN && y == -1) throw Error("integer overflow in " + op);
            int64_t q = x / y, m = x % y;
            if (m != 0 && ((m < 0) != (y < 0))) {  // Python floors toward negative infinity
                --q;
                m += y;
            }
            return Value::integer(op == "//" ? q : m);
        }
        // CPython's float_divmod, so results agree to the last bit.
        double m = std::fmod(fx, fy);
        double div = (fx - m) / fy;
        if (m != 0.0 && ((fy < 0) != (m < 0))) {
            m += fy;
            div -= 1.0;
        }
        double q = std::floor(div);
        if (div - q > 0.5) q += 1.0;
        return Value::floating(op == "//" ? q : m);
    }
    // **
    if (ints && y >= 0) {
        int64_t result = 1, base = x;
        for (int64_t e = y; e > 0; e >>= 1) {
            if ((e & 1) && __builtin_mul_overflow(result, base, &result)) throw Error("integer overflow in **");
            if (e > 1 && __builtin_mul_overflow(base, base, &base)) throw Error("integer overflow in **");
        }
        return Value::integer(result);
    }
    if (fx == 0.0 && fy < 0) throw Error("0.0 cannot be raised to a negative power");
    return Value::floating(std::pow(fx, fy));
}

}  // namespace

Value binary_op(const std::string& op, const Value& a, const Value& b, const Interpreter& in) {
    if (op == "~") {
        std::string s = py_str(a);
        const std::string t = py_str(b);
        in.check_size(s.size() + t.size());
        return Value::string(s + t);
    }
    if (a.is_undefined()) fail_undefined(a);
    if (b.is_undefined()) fail_undefined(b);
    if (a.is_number() && b.is_number()) return arithmetic(op, a, b);
    if (op == "+") {
        if (a.is_string() && b.is_string()) {
            in.check_size(a.str().size() + b.str().size());
            if (a.is_markup() || b.is_markup()) {  // Markup.__add__ / __radd__ escape the plain side
                return Value::markup((a.is_markup() ? a.str() : html_escape(a.str())) +
                                     (b.is_markup() ? b.str() : html_escape(b.str())));
            }
            return Value::string(a.str() + b.str());
        }
        if (a.is_list() && b.is_list() && !a.is_generator() && a.seq_kind() == b.seq_kind()) {
            in.check_size((a.items().size() + b.items().size()) * sizeof(Value));
            List out = a.items();
            out.insert(out.end(), b.items().begin(), b.items().end());
            return Value::list(std::move(out), a.seq_kind());
        }
        if (a.is_string() || (a.is_list() && !a.is_generator())) {
            throw Error("can only concatenate " + a.type_name() + " (not \"" + b.type_name() + "\") to " + a.type_name());
        }
        unsupported(op, a, b);
    }
    if (op == "*") {
        if (is_sequence_value(a) && b.is_int()) return repeat(a, b.as_int(), in);
        if (a.is_int() && is_sequence_value(b)) return repeat(b, a.as_int(), in);
    }
    if (op == "%" && a.is_string()) return Value::string(py_percent_format(a.str(), b));
    unsupported(op, a, b);
}

bool less_than(const Value& a, const Value& b) {
    if (a.is_undefined()) fail_undefined(a);
    if (b.is_undefined()) fail_undefined(b);
    if (a.is_number() && b.is_number()) {
        if (a.is_float() || b.is_float()) return a.as_double() < b.as_double();
        return a.as_int() < b.as_int();
    }
    if (a.is_string() && b.is_string()) return a.str() < b.str();  // UTF-8 byte order is code point order
    if (a.is_list() && b.is_list() && !a.is_generator() && a.seq_kind() == b.seq_kind()) {
        const List& x = a.items();
        const List& y = b.items();
        for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
            if (values_equal(x[i], y[i])) continue;
            return less_than(x[i], y[i]);
        }
        return x.size() < y.size();
    }
    throw Error("'<' not supported between instances of '" + a.type_name() + "' and '" + b.type_name() + "'");
}

bool compare_op(const std::string& op, const Value& a, const Value& b) {
    if (op == "==") return values_equal(a, b);
    if (op == "!=") return !values_equal(a, b);
    if (op == "<") return less_than(a, b);
    if (op == ">") return less_than(b, a);
    if (op == "<=") return !less_than(b, a);
    if (op == ">=") return !less_than(a, b);
    if (op == "in") return contains(b, a);
    return !contains(b, a);  // notin
}

bool contains(const Value& container, const Value& item) {
    switch (container.type()) {
        case Type::UNDEFINED: return false;
        case Type::STRING:
            if (!item.is_string())
                throw Error("'in <string>' requires string as left operand, not " + item.type_name());
            return container.str().find(item.str()) != std::string::npos;
        case Type::LIST:
            for (const Value& v : container.items())
                if (values_equal(v, item)) return true;
            return false;
        case Type::DICT:
            if (container.map_kind() == MapKind::DICT) return container.dict_ref().find(item) != nullptr;
            break;
        default: break;
    }
    throw Error("argument of type '" + container.type_name() + "' is not iterable");
}

std::vector<Value> iterate(const Value& v) {
    switch (v.type()) {
        case Type::UNDEFINED: return {};
        case Type::LIST: return v.items();
        case Type::STRING: {
            std::vector<Value> chars;
            for (char32_t c : to_code_points(v.str())) chars.push_back(Value::string(to_utf8(std::u32string(1, c))));
            return chars;
        }
        case Type::DICT:
            if (v.map_kind() == MapKind::DICT) {
                std::vector<Value> keys;
                for (const auto& [k, e] : v.dict_ref().entries) keys.push_back(k);
                return keys;
            }
            break;
        default: break;
    }
    throw Error("'" + v.type_name() + "' object is not iterable");
}

}  // namespace snug::jinja
