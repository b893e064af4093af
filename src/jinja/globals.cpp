// jinja/globals.cpp: the functions every template sees: jinja2's range, dict, namespace and joiner, and the two
// transformers adds, raise_exception(msg) and strftime_now(fmt). Also the argument helpers the builtins share.
#include <ctime>

#include "jinja/interpreter.h"
#include "jinja/repr.h"

namespace snug::jinja {

Value arg(const CallArgs& a, size_t i, const char* name, const Value& fallback) {
    for (const auto& [k, v] : a.kwargs)
        if (k == name) return v;
    return i < a.args.size() ? a.args[i] : fallback;
}

void fail_undefined(const Value& v) { throw Error(v.str().empty() ? "value is undefined" : v.str()); }

std::string require_string(const Value& v, const char* what) {
    if (v.is_undefined()) fail_undefined(v);
    if (!v.is_string()) throw Error(std::string(what) + " must be a string, not " + v.type_name());
    return v.str();
}

int64_t require_int(const Value& v, const char* what) {
    if (v.is_undefined()) fail_undefined(v);
    if (!v.is_int()) throw Error(std::string(what) + " must be an integer, not " + v.type_name());
    return v.as_int();
}

namespace {

constexpr int64_t MAX_RANGE = 100000;  // jinja2's sandbox refuses longer ranges with this same limit

Value range_fn(Interpreter&, CallArgs& a) {
    if (a.args.empty() || a.args.size() > 3 || !a.kwargs.empty()) throw Error("range expects 1 to 3 positional arguments");
    int64_t start = 0, stop = 0, step = 1;
    if (a.args.size() == 1) {
        stop = require_int(a.args[0], "range argument");
    } else {
        start = require_int(a.args[0], "range argument");
        stop = require_int(a.args[1], "range argument");
        if (a.args.size() == 3) step = require_int(a.args[2], "range argument");
    }
    if (step == 0) throw Error("range() arg 3 must not be zero");
    List items;
    for (int64_t i = start; step > 0 ? i < stop : i > stop;) {
        if (static_cast<int64_t>(items.size()) >= MAX_RANGE)
            throw Error("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
        items.push_back(Value::integer(i));
        if (__builtin_add_overflow(i, step, &i)) break;
    }
    return Value::list(std::move(items));
}

// dict(mapping_or_pairs, **kwargs) and namespace(...) take the same arguments.
std::shared_ptr<Dict> dict_from_args(const CallArgs& a, const char* fn) {
    auto d = make_dict();
    if (a.args.size() > 1) throw Error(std::string(fn) + " expected at most 1 positional argument");
    if (!a.args.empty()) {
        const Value& src = a.args[0];
        if (src.is_dict()) {
            for (const auto& [k, v] : src.dict_ref().entries) d->set(k, v);
        } else {
            for (const Value& pair : iterate(src)) {
                const std::vector<Value> kv = iterate(pair);
                if (kv.size() != 2) throw Error(std::string(fn) + " sequence elements must have length 2");
                d->set(kv[0], kv[1]);
            }
        }
    }
    for (const auto& [k, v] : a.kwargs) d->set(Value::string(k), v);
    return d;
}

// Python's datetime.strftime: %f, %z and %Z are datetime's own (a naive datetime gives "" for the zones and our
// clock has whole seconds); everything else goes to the C library in the "C" locale, as CPython passes it on.
std::string format_time(const std::string& fmt, std::time_t t) {
    std::string prepared;
    for (size_t i = 0; i < fmt.size(); ++i) {
        if (fmt[i] == '%' && i + 1 < fmt.size()) {
            const char d = fmt[i + 1];
            if (d == 'f') prepared += "000000";
            else if (d != 'z' && d != 'Z') prepared += fmt.substr(i, 2);
            ++i;
            continue;
        }
        prepared += fmt[i];
    }
    if (prepared.empty()) return "";
    std::tm tm{};
    localtime_r(&t, &tm);
    // A marker character keeps an empty expansion (e.g. "%p" in some locales) apart from a too-small buffer.
    prepared += '\x01';
    for (size_t cap = 256; cap <= (size_t{1} << 20); cap *= 4) {
        std::string buf(cap, '\0');
        const size_t n = std::strftime(buf.data(), buf.size(), prepared.c_str(), &tm);
        if (n > 0) return buf.substr(0, n - 1);
    }
    throw Error("strftime_now format expands too far");
}

}  // namespace

void add_globals(Scope& scope, const Options& options) {
    scope.set("range", Value::callable("range", "<class 'range'>", range_fn));
    scope.set("dict", Value::callable("dict", "<class 'dict'>", [](Interpreter&, CallArgs& a) {
                  return Value::dict(dict_from_args(a, "dict"));
              }));
    scope.set("namespace", Value::callable("namespace", "<class 'jinja2.utils.Namespace'>", [](Interpreter& in, CallArgs& a) {
                  auto d = dict_from_args(a, "namespace");
                  in.track_namespace(d);
                  return Value::dict(std::move(d), MapKind::NAMESPACE);
              }));
    scope.set("joiner", Value::callable("joiner", "<class 'jinja2.utils.Joiner'>", [](Interpreter&, CallArgs& a) {
                  auto used = std::make_shared<bool>(false);
                  const std::string sep = require_string(arg(a, 0, "sep", Value::string(", ")), "sep");
                  return Value::callable("joiner", "<jinja2.utils.Joiner object>", [used, sep](Interpreter&, CallArgs&) {
                      const bool first = !*used;
                      *used = true;
                      return Value::string(first ? "" : sep);
                  });
              }));
    scope.set("raise_exception", Value::callable("raise_exception", "<function raise_exception>", [](Interpreter&, CallArgs& a) -> Value {
                  throw Error(py_str(arg(a, 0, "message", Value::string("raise_exception() was called"))));
              }));
    const auto now = options.now;
    scope.set("strftime_now", Value::callable("strftime_now", "<function strftime_now>", [now](Interpreter&, CallArgs& a) {
                  const std::string fmt = require_string(arg(a, 0, "format", Value()), "strftime_now format");
                  return Value::string(format_time(fmt, now ? now() : std::time(nullptr)));
              }));
}

}  // namespace snug::jinja
