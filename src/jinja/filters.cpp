// jinja/filters.cpp: the filter table and the filters on single values (strings and numbers). Sequence filters
// are in filters_seq.cpp. Each follows jinja2 3.1's definition; `tojson` is the one transformers installs.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <map>

#include "jinja/filters.h"
#include "jinja/repr.h"
#include "jinja/str_ops.h"
#include "jinja/text.h"

namespace snug::jinja {

namespace {

// transformers: tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False) -> json.dumps(...)
Value f_tojson(Interpreter&, const Value& v, CallArgs& a) {
    JsonStyle st;
    st.ensure_ascii = arg(a, 0, "ensure_ascii", Value::boolean(false)).truthy();
    const Value indent = arg(a, 1, "indent", Value::none());
    if (indent.is_string()) st.indent = indent.str();
    else if (indent.is_int()) st.indent = std::string(static_cast<size_t>(std::clamp<int64_t>(indent.as_int(), 0, 64)), ' ');
    else if (!indent.is_none()) throw Error("tojson indent must be an integer or a string");
    if (st.indent) st.item_separator = ",";
    const Value seps = arg(a, 2, "separators", Value::none());
    if (!seps.is_none()) {
        const std::vector<Value> parts = iterate(seps);
        if (parts.size() != 2) throw Error("tojson separators must be a pair of strings");
        st.item_separator = require_string(parts[0], "item separator");
        st.key_separator = require_string(parts[1], "key separator");
    }
    st.sort_keys = arg(a, 3, "sort_keys", Value::boolean(false)).truthy();
    return Value::string(to_json(v, st));
}

Value f_default(Interpreter&, const Value& v, CallArgs& a) {
    const bool boolean = arg(a, 1, "boolean", Value::boolean(false)).truthy();
    if (v.is_undefined() || (boolean && !v.truthy())) return arg(a, 0, "default_value", Value::string(""));
    return v;
}

Value f_trim(Interpreter&, const Value& v, CallArgs& a) {
    const Value chars = arg(a, 0, "chars", Value::none());
    std::optional<std::string> set;
    if (!chars.is_none()) set = require_string(chars, "trim chars");
    std::string s = py_strip(py_str(v), set, true, true);
    return v.is_markup() ? Value::markup(std::move(s)) : Value::string(std::move(s));
}

Value f_replace(Interpreter& in, const Value& v, CallArgs& a) {
    const Value count = arg(a, 2, "count", Value::none());
    std::string out = py_replace(py_str(v), py_str(arg(a, 0, "old", Value())), py_str(arg(a, 1, "new", Value())),
                                 count.is_none() ? -1 : require_int(count, "replace count"), in.options().max_output_bytes);
    in.check_size(out.size());
    return Value::string(std::move(out));
}

// jinja2's title: words start after '-', whitespace or an opening bracket; each word is capitalized.
Value f_title(Interpreter&, const Value& v, CallArgs&) {
    std::u32string cps = to_code_points(py_str(v));
    bool word_start = true;
    for (char32_t& c : cps) {
        const bool boundary = c == '-' || c == '(' || c == '{' || c == '[' || c == '<' || is_py_space(c);
        if (boundary) {
            word_start = true;
            continue;
        }
        c = word_start ? to_py_upper(c) : to_py_lower(c);
        word_start = false;
    }
    return Value::string(to_utf8(cps));
}

Value f_int(Interpreter&, const Value& v, CallArgs& a) {
    const Value fallback = arg(a, 0, "default", Value::integer(0));
    if (v.is_undefined()) fail_undefined(v);
    if (v.is_int()) return Value::integer(v.as_int());
    if (v.is_float()) {
        const double f = v.as_double();
        if (!std::isfinite(f) || std::fabs(f) >= 9.2e18) return fallback;
        return Value::integer(static_cast<int64_t>(f));
    }
    if (!v.is_string()) return fallback;
    const std::string s = py_replace(py_strip(v.str(), std::nullopt, true, true), "_", "", -1);
    if (s.empty()) return fallback;
    char* end = nullptr;
    errno = 0;
    const long long i = std::strtoll(s.c_str(), &end, 10);
    if (end && *end == '\0' && errno == 0) return Value::integer(i);
    const double f = std::strtod(s.c_str(), &end);
    if (end && *end == '\0' && std::isfinite(f) && std::fabs(f) < 9.2e18) return Value::integer(static_cast<int64_t>(f));
    return fallback;
}

Value f_float(Interpreter&, const Value& v, CallArgs& a) {
    const Value fallback = arg(a, 0, "default", Value::floating(0.0));
    if (v.is_undefined()) fail_undefined(v);
    if (v.is_number()) return Value::floating(v.as_double());
    if (!v.is_string()) return fallback;
    const std::string s = py_strip(v.str(), std::nullopt, true, true);
    char* end = nullptr;
    const double f = std::strtod(s.c_str(), &end);
    if (s.empty() || !end || *end != '\0') return fallback;
    return Value::floating(f);
}

// Python's round(x, n): round half to even on the exact binary value, which the decimal string round-trip gives.
Value f_round(Interpreter&, const Value& v, CallArgs& a) {
    const int64_t precision = require_int(arg(a, 0, "precision", Value::integer(0)), "round precision");
    const std::string method = py_str(arg(a, 1, "method", Value::string("common")));
    if (!v.is_number()) throw Error("round needs a number, got " + v.type_name());
    if (v.is_int() && method == "common" && precision >= 0) return Value::integer(v.as_int());  // round(int) is int
    const double x = v.as_double();
    const double scale = std::pow(10.0, static_cast<double>(std::clamp<int64_t>(precision, -300, 300)));
    double r;
    if (method == "common") {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.*f", static_cast<int>(std::clamp<int64_t>(precision, 0, 30)), x);
        r = precision >= 0 ? std::strtod(buf, nullptr) : std::nearbyint(x * scale) / scale;
    } else if (method == "floor") {
        r = std::floor(x * scale) / scale;
    } else if (method == "ceil") {
        r = std::ceil(x * scale) / scale;
    } else {
        throw Error("method must be common, ceil or floor");
    }
    return Value::floating(r);
}

Value f_abs(Interpreter&, const Value& v, CallArgs&) {
    if (v.is_float()) return Value::floating(std::fabs(v.as_double()));
    if (v.is_int() && v.as_int() != INT64_MIN) return Value::integer(v.as_int() < 0 ? -v.as_int() : v.as_int());
    throw Error("bad operand type for abs(): '" + v.type_name() + "'");
}

Value f_escape(Interpreter&, const Value& v, CallArgs&) {
    return v.is_markup() ? v : Value::markup(html_escape(py_str(v)));
}

// jinja2's indent: the text gets a trailing newline before splitlines(), so a final empty line is kept as "".
Value f_indent(Interpreter& in, const Value& v, CallArgs& a) {
    const Value width = arg(a, 0, "width", Value::integer(4));
    const std::string pad = width.is_string() ? width.str()
                                              : std::string(static_cast<size_t>(std::clamp<int64_t>(require_int(width, "indent width"), 0, 256)), ' ');
    const bool first = arg(a, 1, "first", Value::boolean(false)).truthy();
    const bool blank = arg(a, 2, "blank", Value::boolean(false)).truthy();
    const std::vector<std::string> lines = py_splitlines(py_str(v) + "\n", false);
    std::string out;
    for (size_t i = 0; i < lines.size(); ++i) {
        if (i > 0) out += '\n';
        if (i == 0 ? first : (blank || !lines[i].empty())) out += pad;
        out += lines[i];
        in.check_size(out.size());
    }
    return Value::string(std::move(out));
}

Value f_wordcount(Interpreter&, const Value& v, CallArgs&) {
    int64_t n = 0;
    bool in_word = false;
    for (char32_t c : to_code_points(py_str(v))) {
        const bool w = c == '_' || (c >= '0' && c <= '9') || to_py_upper(c) != c || to_py_lower(c) != c || c > 0x2E80;
        if (w && !in_word) ++n;
        in_word = w;
    }
    return Value::integer(n);
}

Value f_center(Interpreter& in, const Value& v, CallArgs& a) {
    Value method;
    lookup_method(Value::string(py_str(v)), "center", method);
    CallArgs args;
    args.args.push_back(arg(a, 0, "width", Value::integer(80)));
    return in.call(method, args);
}

// Markup's upper/lower/capitalize return Markup, so the flag survives these filters.
// jinja2's format filter: `fmt|format(a, b)` is fmt % (a, b); keyword arguments make it fmt % {k: v}.
Value f_format(Interpreter& in, const Value& v, CallArgs& a) {
    if (!a.args.empty() && !a.kwargs.empty()) throw Error("can't handle positional and keyword arguments at the same time");
    Value values = Value::list(a.args, SeqKind::TUPLE);
    if (!a.kwargs.empty()) {
        auto d = make_dict();
        for (const auto& [k, x] : a.kwargs) d->set(Value::string(k), x);
        values = Value::dict(std::move(d));
    }
    std::string out = py_percent_format(py_str(v), values);
    in.check_size(out.size());
    return Value::string(std::move(out));
}

Value string_filter(Interpreter&, const Value& v, CallArgs&, std::string (*fn)(std::string_view)) {
    std::string s = fn(py_str(v));
    return v.is_markup() ? Value::markup(std::move(s)) : Value::string(std::move(s));
}

}  // namespace

Value apply_filter(Interpreter& in, const std::string& name, const Value& v, CallArgs& a) {
    using Fn = Value (*)(Interpreter&, const Value&, CallArgs&);
    static const std::map<std::string, Fn> FILTERS = {
        {"tojson", f_tojson},   {"default", f_default}, {"d", f_default},       {"trim", f_trim},
        {"replace", f_replace}, {"title", f_title},     {"int", f_int},         {"float", f_float},
        {"round", f_round},     {"abs", f_abs},         {"escape", f_escape},   {"e", f_escape},
        {"indent", f_indent},   {"wordcount", f_wordcount}, {"center", f_center}, {"format", f_format},
        {"upper", [](Interpreter& i, const Value& v, CallArgs& a) { return string_filter(i, v, a, py_upper); }},
        {"lower", [](Interpreter& i, const Value& v, CallArgs& a) { return string_filter(i, v, a, py_lower); }},
        {"capitalize", [](Interpreter& i, const Value& v, CallArgs& a) { return string_filter(i, v, a, py_capitalize); }},
        {"string", [](Interpreter&, const Value& v, CallArgs&) { return v.is_string() ? v : Value::string(py_str(v)); }},
        {"safe", [](Interpreter&, const Value& v, CallArgs&) { return Value::markup(py_str(v)); }},
        {"attr", [](Interpreter&, const Value& v, CallArgs& a) { return get_attr(v, py_str(arg(a, 0, "name", Value()))); }},
    };
    const auto it = FILTERS.find(name);
    if (it != FILTERS.end()) return it->second(in, v, a);
    return apply_sequence_filter(in, name, v, a);
}

}  // namespace snug::jinja
