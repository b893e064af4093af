// jinja/methods.cpp: Python methods of str, dict, list and tuple values, bound to their object when looked up
// (`s.split` is a value; calling it splits s). Methods that mutate (list.append, dict.update, ...) exist but are
// refused, as ImmutableSandboxedEnvironment refuses them.
#include <algorithm>
#include <array>
#include <string_view>

#include "jinja/interpreter.h"
#include "jinja/repr.h"
#include "jinja/str_ops.h"
#include "jinja/text.h"

namespace snug::jinja {

namespace {

constexpr std::array<std::string_view, 5> DICT_MUTATORS = {"clear", "pop", "popitem", "setdefault", "update"};
constexpr std::array<std::string_view, 8> LIST_MUTATORS = {"append", "clear", "extend", "insert",
                                                           "pop",    "remove", "reverse", "sort"};

template <size_t N>
bool one_of(const std::array<std::string_view, N>& names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

std::optional<std::string> optional_string(const CallArgs& a, size_t i, const char* name) {
    const Value v = arg(a, i, name, Value::none());
    if (v.is_none()) return std::nullopt;
    return require_string(v, name);
}

bool affix_match(const std::string& s, const Value& affix, bool at_end) {
    const auto one = [&](const Value& v) {
        const std::string& x = require_string(v, at_end ? "endswith argument" : "startswith argument");
        if (x.size() > s.size()) return false;
        return at_end ? s.compare(s.size() - x.size(), x.size(), x) == 0 : s.compare(0, x.size(), x) == 0;
    };
    if (affix.is_list() && affix.seq_kind() == SeqKind::TUPLE) {
        for (const Value& v : affix.items())
            if (one(v)) return true;
        return false;
    }
    return one(affix);
}

// str.isupper / str.islower: at least one cased character, and every cased one in that case.
bool all_cased(const std::string& s, bool upper) {
    bool any = false;
    for (char32_t c : to_code_points(s)) {
        const bool is_lower = to_py_upper(c) != c, is_upper = to_py_lower(c) != c;
        if (is_lower || is_upper) any = true;
        if (upper ? is_lower : is_upper) return false;
    }
    return any;
}

bool all_chars(const std::string& s, bool (*pred)(char32_t)) {
    const std::u32string cps = to_code_points(s);
    return !cps.empty() && std::all_of(cps.begin(), cps.end(), pred);
}

Value pad(const std::string& s, const CallArgs& a, int where) {  // where: 0 center, -1 ljust, 1 rjust
    const int64_t width = require_int(arg(a, 0, "width", Value()), "width");
    const std::string fill = require_string(arg(a, 1, "fillchar", Value::string(" ")), "fillchar");
    const auto n = static_cast<int64_t>(count_code_points(s));
    if (width <= n) return Value::string(s);
    const int64_t total = width - n;
    // CPython's center: the odd extra fill goes left only when both the padding and the width are odd.
    const int64_t left = where < 0 ? 0 : where > 0 ? total : total / 2 + (total & width & 1);
    std::string out;
    for (int64_t i = 0; i < left; ++i) out += fill;
    out += s;
    for (int64_t i = 0; i < total - left; ++i) out += fill;
    return Value::string(std::move(out));
}

Value str_method(Interpreter& in, const std::string& s, const std::string& name, CallArgs& a) {
    if (name == "strip" || name == "lstrip" || name == "rstrip")
        return Value::string(py_strip(s, optional_string(a, 0, "chars"), name != "rstrip", name != "lstrip"));
    if (name == "split" || name == "rsplit") {
        const int64_t maxsplit = require_int(arg(a, 1, "maxsplit", Value::integer(-1)), "maxsplit");
        List parts;
        for (auto& p : py_split(s, optional_string(a, 0, "sep"), maxsplit, name == "rsplit"))
            parts.push_back(Value::string(std::move(p)));
        return Value::list(std::move(parts));
    }
    if (name == "splitlines") {
        List lines;
        for (auto& l : py_splitlines(s, arg(a, 0, "keepends", Value::boolean(false)).truthy()))
            lines.push_back(Value::string(std::move(l)));
        return Value::list(std::move(lines));
    }
    if (name == "startswith" || name == "endswith")
        return Value::boolean(affix_match(s, arg(a, 0, "prefix", Value()), name == "endswith"));
    if (name == "upper") return Value::string(py_upper(s));
    if (name == "lower" || name == "casefold") return Value::string(py_lower(s));
    if (name == "title") return Value::string(py_title(s));
    if (name == "capitalize") return Value::string(py_capitalize(s));
    if (name == "replace") {
        const std::string& old = require_string(arg(a, 0, "old", Value()), "old");
        const std::string& repl = require_string(arg(a, 1, "new", Value()), "new");
        return Value::string(py_replace(s, old, repl, require_int(arg(a, 2, "count", Value::integer(-1)), "count"),
                                        in.options().max_output_bytes));
    }
    if (name == "find" || name == "rfind" || name == "index" || name == "rindex") {
        const int64_t at = py_find(s, require_string(arg(a, 0, "sub", Value()), "sub"), name[0] == 'r');
        if (at < 0 && name.find("index") != std::string::npos) throw Error("substring not found");
        return Value::integer(at);
    }
    if (name == "count") return Value::integer(py_count(s, require_string(arg(a, 0, "sub", Value()), "sub")));
    if (name == "join") {
        std::string out;
        const std::vector<Value> items = iterate(arg(a, 0, "iterable", Value()));
        for (size_t i = 0; i < items.size(); ++i) {
            if (!items[i].is_string())
                throw Error("sequence item " + std::to_string(i) + ": expected str instance, " + items[i].type_name() + " found");
            if (i) out += s;
            out += items[i].str();
            in.check_size(out.size());
        }
        return Value::string(std::move(out));
    }
    if (name == "format") {
        std::string out = py_format(s, a);
        in.check_size(out.size());
        return Value::string(std::move(out));
    }
    if (name == "isupper" || name == "islower") return Value::boolean(all_cased(s, name == "isupper"));
    if (name == "isspace") return Value::boolean(all_chars(s, is_py_space));
    if (name == "isdigit" || name == "isnumeric" || name == "isdecimal")
        return Value::boolean(all_chars(s, [](char32_t c) { return c >= '0' && c <= '9'; }));
    if (name == "isalpha")
        return Value::boolean(all_chars(s, [](char32_t c) { return to_py_upper(c) != c || to_py_lower(c) != c; }));
    if (name == "isalnum")
        return Value::boolean(all_chars(s, [](char32_t c) {
            return (c >= '0' && c <= '9') || to_py_upper(c) != c || to_py_lower(c) != c;
        }));
    if (name == "removeprefix" || name == "removesuffix") {
        const std::string& x = require_string(arg(a, 0, "affix", Value()), "affix");
        const bool suffix = name == "removesuffix";
        if (!affix_match(s, Value::string(x), suffix)) return Value::string(s);
        return Value::string(suffix ? s.substr(0, s.size() - x.size()) : s.substr(x.size()));
    }
    if (name == "center" || name == "ljust" || name == "rjust") {
        const int64_t width = require_int(arg(a, 0, "width", Value()), "width");
        in.check_size(static_cast<size_t>(std::clamp<int64_t>(width, 0, INT32_MAX)) * 4);  // a fill char is <= 4 bytes
        return pad(s, a, name == "center" ? 0 : name == "ljust" ? -1 : 1);
    }
    if (name == "zfill") {
        const int64_t width = require_int(arg(a, 0, "width", Value()), "width");
        in.check_size(static_cast<size_t>(std::clamp<int64_t>(width, 0, INT32_MAX)));
        const auto n = static_cast<int64_t>(count_code_points(s));
        if (width <= n) return Value::string(s);
        const size_t sign = !s.empty() && (s[0] == '-' || s[0] == '+') ? 1 : 0;
        return Value::string(s.substr(0, sign) + std::string(static_cast<size_t>(width - n), '0') + s.substr(sign));
    }
    if (name == "partition" || name == "rpartition") {
        const std::string& sep = require_string(arg(a, 0, "sep", Value()), "sep");
        const size_t at = name == "partition" ? s.find(sep) : s.rfind(sep);
        if (sep.empty()) throw Error("empty separator");
        if (at == std::string::npos) {
            const Value e = Value::string("");
            return Value::list(name == "partition" ? List{Value::string(s), e, e} : List{e, e, Value::string(s)},
                               SeqKind::TUPLE);
        }
        return Value::list({Value::string(s.substr(0, at)), Value::string(sep), Value::string(s.substr(at + sep.size()))},
                           SeqKind::TUPLE);
    }
    throw Error("str." + name + " is not supported");
}

constexpr std::array<std::string_view, 29> STR_METHODS = {
    "strip",   "lstrip",  "rstrip",   "split",   "rsplit",     "splitlines",   "startswith", "endswith",
    "upper",   "lower",   "casefold", "title",   "capitalize", "replace",      "find",       "rfind",
    "index",   "rindex",  "count",    "join",    "format",     "isupper",      "islower",    "isspace",
    "isdigit", "isalpha", "isalnum",  "center",  "removeprefix"};
constexpr std::array<std::string_view, 8> STR_METHODS_MORE = {"isnumeric", "isdecimal", "removesuffix", "ljust",
                                                              "rjust",     "partition", "rpartition",   "zfill"};

Value dict_method(const Value& d, const std::string& name, CallArgs& a) {
    if (name == "get") {
        const Value* v = d.dict_ref().find(arg(a, 0, "key", Value()));
        return v ? *v : arg(a, 1, "default", Value::none());
    }
    List out;
    for (const auto& [k, v] : d.dict_ref().entries) {
        if (name == "keys") out.push_back(k);
        else if (name == "values") out.push_back(v);
        else out.push_back(Value::list({k, v}, SeqKind::TUPLE));
    }
    if (name == "copy") {
        auto copy = make_dict();
        copy->entries = d.dict_ref().entries;
        return Value::dict(std::move(copy));
    }
    return Value::list(std::move(out));
}

}  // namespace

bool lookup_method(const Value& obj, const std::string& name, Value& out) {
    const std::string type = obj.type_name();
    const auto bind = [&](NativeFn fn) {
        out = Value::callable(name, "<built-in method " + name + " of " + type + " object>", std::move(fn));
        return true;
    };
    const auto refuse = [&] {
        out = Value::undefined("access to attribute '" + name + "' of '" + type + "' object is unsafe.");
        return true;
    };
    if (obj.is_string()) {
        if (!one_of(STR_METHODS, name) && !one_of(STR_METHODS_MORE, name)) return false;
        return bind([s = obj.str(), name](Interpreter& in, CallArgs& a) { return str_method(in, s, name, a); });
    }
    if (obj.is_plain_dict()) {
        if (one_of(DICT_MUTATORS, name)) return refuse();
        if (name != "get" && name != "items" && name != "keys" && name != "values" && name != "copy") return false;
        return bind([obj, name](Interpreter&, CallArgs& a) { return dict_method(obj, name, a); });
    }
    if (obj.is_list() && !obj.is_generator()) {
        if (obj.seq_kind() == SeqKind::LIST && one_of(LIST_MUTATORS, name)) return refuse();
        if (name == "count" || name == "index") {
            return bind([obj, name](Interpreter&, CallArgs& a) {
                const Value x = arg(a, 0, "value", Value());
                int64_t n = 0;
                for (size_t i = 0; i < obj.items().size(); ++i) {
                    if (!values_equal(obj.items()[i], x)) continue;
                    if (name == "index") return Value::integer(static_cast<int64_t>(i));
                    ++n;
                }
                if (name == "index") throw Error(py_repr(x) + " is not in list");
                return Value::integer(n);
            });
        }
        if (name == "copy" && obj.seq_kind() == SeqKind::LIST)
            return bind([obj](Interpreter&, CallArgs&) { return Value::list(obj.items()); });
    }
    return false;
}

}  // namespace snug::jinja
