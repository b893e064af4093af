// jinja/access.cpp: `obj.name`, `obj[key]` and `obj[a:b:c]` as jinja2's sandbox resolves them. `.name` tries the
// Python attribute first (so `d.items` is the method even when d has an "items" key), then the item; `[key]` tries
// the item first, then the attribute. Failed lookups give an undefined that remembers why.
#include "jinja/interpreter.h"
#include "jinja/repr.h"
#include "jinja/text.h"

namespace snug::jinja {

namespace {

Value missing(const Value& obj, const std::string& what) {
    return Value::undefined("'" + obj.type_name() + " object' has no attribute " + what);
}

// Python's PySlice_AdjustIndices: clamp start/stop for a sequence of length n and a nonzero step.
void adjust_slice(int64_t n, int64_t step, const Value& start, const Value& stop, int64_t& lo, int64_t& hi) {
    const auto clamp = [&](const Value& v, int64_t fallback) {
        if (v.is_none()) return fallback;
        int64_t i = v.as_int();
        if (i < 0) {
            i += n;
            if (i < 0) i = step < 0 ? -1 : 0;
        } else if (i >= n) {
            i = step < 0 ? n - 1 : n;
        }
        return i;
    };
    lo = clamp(start, step < 0 ? n - 1 : 0);
    hi = clamp(stop, step < 0 ? -1 : n);
}

}  // namespace

Value get_attr(const Value& obj, const std::string& name) {
    if (obj.is_undefined()) fail_undefined(obj);
    if (obj.is_dict() && obj.map_kind() != MapKind::DICT) {
        const Value* v = obj.dict_ref().find(name);
        return v ? *v : missing(obj, "'" + name + "'");
    }
    Value method;
    if (lookup_method(obj, name, method)) return method;
    if (obj.is_plain_dict()) {
        const Value* v = obj.dict_ref().find(name);
        if (v) return *v;
    }
    return missing(obj, "'" + name + "'");
}

Value get_item(const Value& obj, const Value& key) {
    if (obj.is_undefined()) fail_undefined(obj);
    if (obj.is_plain_dict()) {
        const Value* v = obj.dict_ref().find(key);
        if (v) return *v;
    } else if ((obj.is_list() && !obj.is_generator()) || obj.is_string()) {
        if (key.is_int()) {
            const bool str = obj.is_string();
            std::u32string cps;
            if (str) cps = to_code_points(obj.str());
            const auto n = static_cast<int64_t>(str ? cps.size() : obj.items().size());
            int64_t i = key.as_int();
            if (i < 0) i += n;
            if (i >= 0 && i < n) {
                if (str) return Value::string(to_utf8(std::u32string(1, cps[static_cast<size_t>(i)])));
                return obj.items()[static_cast<size_t>(i)];
            }
            return Value::undefined("'" + obj.type_name() + " object' has no element " + py_str(key));
        }
    } else if (obj.is_dict()) {
        if (key.is_string()) return get_attr(obj, key.str());
    }
    if (key.is_string()) {
        Value method;
        if (lookup_method(obj, key.str(), method)) return method;
    }
    return missing(obj, key.is_string() ? "'" + key.str() + "'" : py_repr(key));
}

Value get_slice(const Value& obj, const Value& start, const Value& stop, const Value& step) {
    if (obj.is_undefined()) fail_undefined(obj);
    const auto bad_index = [](const Value& v) { return !v.is_none() && !v.is_int(); };
    const bool sliceable = obj.is_string() || (obj.is_list() && !obj.is_generator());
    // jinja2 turns a failed subscript (TypeError, ValueError for step 0) into an undefined value.
    if (!sliceable || bad_index(start) || bad_index(stop) || bad_index(step) || (step.is_int() && step.as_int() == 0))
        return Value::undefined("'" + obj.type_name() + " object' cannot be sliced that way");
    const int64_t s = step.is_none() ? 1 : step.as_int();
    std::u32string cps;
    if (obj.is_string()) cps = to_code_points(obj.str());
    const auto n = static_cast<int64_t>(obj.is_string() ? cps.size() : obj.items().size());
    int64_t lo = 0, hi = 0;
    adjust_slice(n, s, start, stop, lo, hi);
    std::u32string out_chars;
    List out_items;
    for (int64_t i = lo; s > 0 ? i < hi : i > hi;) {
        if (obj.is_string()) out_chars.push_back(cps[static_cast<size_t>(i)]);
        else out_items.push_back(obj.items()[static_cast<size_t>(i)]);
        if (__builtin_add_overflow(i, s, &i)) break;
    }
    if (obj.is_string()) return Value::string(to_utf8(out_chars));
    return Value::list(std::move(out_items), obj.seq_kind());
}

}  // namespace snug::jinja
