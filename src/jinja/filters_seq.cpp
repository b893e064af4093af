// jinja/filters_seq.cpp: filters over sequences and mappings, as jinja2 3.1 defines them. map, select, reject,
// selectattr, rejectattr, unique, items and reverse return generators in Python: so do they here, which makes
// `tools | map(attribute='function') | tojson` fail exactly where Python's json.dumps refuses a generator.
#include <functional>
#include <map>

#include "jinja/filters.h"
#include "jinja/repr.h"
#include "jinja/str_ops.h"
#include "jinja/text.h"

namespace snug::jinja {

namespace {

// `attribute="a.b.0"`: successive item lookups, digit parts as integers, as jinja2's make_attrgetter does.
Value attr_path(const Value& item, const Value& attribute) {
    if (!attribute.is_string()) return get_item(item, attribute);
    Value cur = item;
    for (const std::string& part : py_split(attribute.str(), std::string("."), -1, false)) {
        bool digits = !part.empty() && part.size() < 18;
        for (char c : part) digits = digits && c >= '0' && c <= '9';
        cur = get_item(cur, digits ? Value::integer(std::stoll(part)) : Value::string(part));
    }
    return cur;
}

Value fold_case(const Value& v, bool case_sensitive) {
    return !case_sensitive && v.is_string() ? Value::string(py_lower(v.str())) : v;
}

// A bottom-up merge sort: stable like Python's sorted(), and safe with any comparator (std::sort is not).
void stable_sort_by(std::vector<size_t>& order, const std::function<bool(size_t, size_t)>& less) {
    std::vector<size_t> tmp(order.size());
    for (size_t width = 1; width < order.size(); width *= 2) {
        for (size_t lo = 0; lo < order.size(); lo += 2 * width) {
            const size_t mid = std::min(lo + width, order.size()), hi = std::min(lo + 2 * width, order.size());
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) tmp[k++] = less(order[j], order[i]) ? order[j++] : order[i++];
            while (i < mid) tmp[k++] = order[i++];
            while (j < hi) tmp[k++] = order[j++];
        }
        order.swap(tmp);
    }
}

List sorted_by_keys(const List& items, const std::vector<Value>& keys, bool reverse) {
    std::vector<size_t> order(items.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    stable_sort_by(order, [&](size_t a, size_t b) { return reverse ? less_than(keys[b], keys[a]) : less_than(keys[a], keys[b]); });
    List out;
    for (size_t i : order) out.push_back(items[i]);
    return out;
}

Value generator(List items) { return Value::list(std::move(items), SeqKind::GENERATOR); }

Value f_length(const Value& v) {
    if (v.is_undefined()) return Value::integer(0);
    if (v.is_string()) return Value::integer(static_cast<int64_t>(count_code_points(v.str())));
    if (v.is_list() && !v.is_generator()) return Value::integer(static_cast<int64_t>(v.items().size()));
    if (v.is_plain_dict()) return Value::integer(static_cast<int64_t>(v.dict_ref().entries.size()));
    throw Error("object of type '" + v.type_name() + "' has no len()");
}

// select/reject/selectattr/rejectattr: args[first_test] names the test (absent: truthiness), the rest are its args.
Value select(Interpreter& in, const Value& v, CallArgs& a, bool by_attr, bool keep_when) {
    const Value attribute = by_attr ? arg(a, 0, "attribute", Value()) : Value();
    if (by_attr && attribute.is_undefined()) throw Error("selectattr/rejectattr need an attribute name");
    const size_t first_test = by_attr ? 1 : 0;
    CallArgs test_args;
    for (size_t i = first_test + 1; i < a.args.size(); ++i) test_args.args.push_back(a.args[i]);
    const bool has_test = a.args.size() > first_test;
    const std::string test = has_test ? require_string(a.args[first_test], "test name") : "";
    List out;
    if (!v.truthy()) return generator({});  // jinja2 checks `if value:` before iterating
    for (const Value& item : iterate(v)) {
        const Value x = by_attr ? attr_path(item, attribute) : item;
        CallArgs call = test_args;
        const bool pass = has_test ? apply_test(in, test, x, call) : x.truthy();
        if (pass == keep_when) out.push_back(item);
    }
    return generator(std::move(out));
}

Value f_map(Interpreter& in, const Value& v, CallArgs& a) {
    List out;
    if (!v.truthy()) return generator({});  // jinja2 checks `if value:` before iterating
    if (a.args.empty()) {
        const Value attribute = arg(a, 0, "attribute", Value());
        if (attribute.is_undefined()) throw Error("map needs a filter name or attribute=");
        const Value* fallback = nullptr;
        for (const auto& [k, d] : a.kwargs)
            if (k == "default") fallback = &d;
        for (const Value& item : iterate(v)) {
            Value x = attr_path(item, attribute);
            out.push_back(x.is_undefined() && fallback ? *fallback : x);
        }
        return generator(std::move(out));
    }
    const std::string filter = require_string(a.args[0], "filter name");
    CallArgs rest;
    rest.args.assign(a.args.begin() + 1, a.args.end());
    rest.kwargs = a.kwargs;
    for (const Value& item : iterate(v)) {
        CallArgs call = rest;
        out.push_back(apply_filter(in, filter, item, call));
    }
    return generator(std::move(out));
}

Value f_join(Interpreter& in, const Value& v, CallArgs& a) {
    const std::string sep = py_str(arg(a, 0, "d", Value::string("")));
    const Value attribute = arg(a, 1, "attribute", Value::none());
    std::string out;
    bool first = true;
    for (const Value& item : iterate(v)) {
        if (!first) out += sep;
        first = false;
        out += py_str(attribute.is_none() ? item : attr_path(item, attribute));
        in.check_size(out.size());
    }
    return Value::string(std::move(out));
}

Value min_max(const Value& v, CallArgs& a, bool want_max) {
    const bool case_sensitive = arg(a, 0, "case_sensitive", Value::boolean(false)).truthy();
    const Value attribute = arg(a, 1, "attribute", Value::none());
    const std::vector<Value> items = iterate(v);
    if (items.empty()) return Value::undefined("No aggregated item, sequence was empty.");
    size_t best = 0;
    const auto key = [&](size_t i) { return fold_case(attribute.is_none() ? items[i] : attr_path(items[i], attribute), case_sensitive); };
    for (size_t i = 1; i < items.size(); ++i)
        if (want_max ? less_than(key(best), key(i)) : less_than(key(i), key(best))) best = i;
    return items[best];
}

Value f_sort(const Value& v, CallArgs& a) {
    const bool reverse = arg(a, 0, "reverse", Value::boolean(false)).truthy();
    const bool case_sensitive = arg(a, 1, "case_sensitive", Value::boolean(false)).truthy();
    const Value attribute = arg(a, 2, "attribute", Value::none());
    const List items = iterate(v);
    std::vector<Value> keys;
    for (const Value& item : items) {
        if (attribute.is_none()) {
            keys.push_back(fold_case(item, case_sensitive));
            continue;
        }
        List parts;  // "a,b": sort by a tuple of attributes
        for (const std::string& name : py_split(py_str(attribute), std::string(","), -1, false))
            parts.push_back(fold_case(attr_path(item, Value::string(py_strip(name, std::nullopt, true, true))), case_sensitive));
        keys.push_back(parts.size() == 1 ? parts[0] : Value::list(std::move(parts), SeqKind::TUPLE));
    }
    return Value::list(sorted_by_keys(items, keys, reverse));
}

Value f_dictsort(const Value& v, CallArgs& a) {
    if (!v.is_plain_dict()) throw Error("dictsort needs a mapping, got " + v.type_name());
    const bool case_sensitive = arg(a, 0, "case_sensitive", Value::boolean(false)).truthy();
    const std::string by = py_str(arg(a, 1, "by", Value::string("key")));
    const bool reverse = arg(a, 2, "reverse", Value::boolean(false)).truthy();
    if (by != "key" && by != "value") throw Error("You can only sort by either 'key' or 'value'");
    List pairs;
    std::vector<Value> keys;
    for (const auto& [k, e] : v.dict_ref().entries) {
        pairs.push_back(Value::list({k, e}, SeqKind::TUPLE));
        keys.push_back(fold_case(by == "key" ? k : e, case_sensitive));
    }
    return Value::list(sorted_by_keys(pairs, keys, reverse));
}

Value f_unique(const Value& v, CallArgs& a) {
    const bool case_sensitive = arg(a, 0, "case_sensitive", Value::boolean(false)).truthy();
    const Value attribute = arg(a, 1, "attribute", Value::none());
    List out, seen;
    for (const Value& item : iterate(v)) {
        const Value key = fold_case(attribute.is_none() ? item : attr_path(item, attribute), case_sensitive);
        bool dup = false;
        for (const Value& s : seen) dup = dup || values_equal(s, key);
        if (dup) continue;
        seen.push_back(key);
        out.push_back(item);
    }
    return generator(std::move(out));
}

Value f_reverse(const Value& v) {
    if (v.is_string()) {
        std::u32string cps = to_code_points(v.str());
        std::reverse(cps.begin(), cps.end());
        return Value::string(to_utf8(cps));
    }
    List items = iterate(v);
    std::reverse(items.begin(), items.end());
    return v.is_generator() ? Value::list(std::move(items)) : generator(std::move(items));
}

Value f_items(const Value& v) {
    if (v.is_undefined()) return generator({});
    if (!v.is_plain_dict()) throw Error("Can only get item pairs from a mapping.");
    List out;
    for (const auto& [k, e] : v.dict_ref().entries) out.push_back(Value::list({k, e}, SeqKind::TUPLE));
    return generator(std::move(out));
}

Value f_sum(const Interpreter& in, const Value& v, CallArgs& a) {
    const Value attribute = arg(a, 0, "attribute", Value::none());
    Value total = arg(a, 1, "start", Value::integer(0));
    for (const Value& item : iterate(v)) total = binary_op("+", total, attribute.is_none() ? item : attr_path(item, attribute), in);
    return total;
}

Value f_batch(const Value& v, CallArgs& a) {
    const int64_t n = require_int(arg(a, 0, "linecount", Value()), "batch size");
    if (n <= 0) throw Error("batch size must be positive");
    const Value fill = arg(a, 1, "fill_with", Value::none());
    List out, cur;
    for (const Value& item : iterate(v)) {
        cur.push_back(item);
        if (static_cast<int64_t>(cur.size()) == n) out.push_back(Value::list(std::exchange(cur, {})));
    }
    if (!cur.empty()) {
        while (!fill.is_none() && static_cast<int64_t>(cur.size()) < n) cur.push_back(fill);
        out.push_back(Value::list(std::move(cur)));
    }
    return generator(std::move(out));
}

}  // namespace

Value apply_sequence_filter(Interpreter& in, const std::string& name, const Value& v, CallArgs& a) {
    if (name == "length" || name == "count") return f_length(v);
    if (name == "join") return f_join(in, v, a);
    if (name == "list") return Value::list(iterate(v));
    if (name == "first") {
        const List items = iterate(v);
        return items.empty() ? Value::undefined("No first item, sequence was empty.") : items.front();
    }
    if (name == "last") {
        if (v.is_generator()) throw Error("'generator' object is not reversible");
        const List items = iterate(v);
        return items.empty() ? Value::undefined("No last item, sequence was empty.") : items.back();
    }
    if (name == "items") return f_items(v);
    if (name == "map") return f_map(in, v, a);
    if (name == "select") return select(in, v, a, false, true);
    if (name == "reject") return select(in, v, a, false, false);
    if (name == "selectattr") return select(in, v, a, true, true);
    if (name == "rejectattr") return select(in, v, a, true, false);
    if (name == "unique") return f_unique(v, a);
    if (name == "sort") return f_sort(v, a);
    if (name == "dictsort") return f_dictsort(v, a);
    if (name == "reverse") return f_reverse(v);
    if (name == "min" || name == "max") return min_max(v, a, name == "max");
    if (name == "sum") return f_sum(in, v, a);
    if (name == "batch") return f_batch(v, a);
    throw Error("no filter named '" + name + "'");
}

}  // namespace snug::jinja
