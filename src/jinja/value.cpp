// jinja/value.cpp: construction of values (including from JSON input), truthiness, type names and Python ==.
#include "jinja/value.h"

#include "base/error.h"

namespace snug::jinja {

namespace {
constexpr int MAX_JSON_DEPTH = 512;  // deeper input would recurse without bound here and in repr/tojson
}

Value Value::undefined(std::string name) {
    Value v;
    v.s_ = std::move(name);
    return v;
}

Value Value::none() {
    Value v;
    v.type_ = Type::NONE;
    return v;
}

Value Value::boolean(bool b) {
    Value v;
    v.type_ = Type::BOOL;
    v.b_ = b;
    return v;
}

Value Value::integer(int64_t i) {
    Value v;
    v.type_ = Type::INT;
    v.i_ = i;
    return v;
}

Value Value::floating(double f) {
    Value v;
    v.type_ = Type::FLOAT;
    v.f_ = f;
    return v;
}

Value Value::string(std::string s) {
    Value v;
    v.type_ = Type::STRING;
    v.s_ = std::move(s);
    return v;
}

Value Value::markup(std::string s) {
    Value v = string(std::move(s));
    v.b_ = true;
    return v;
}

Value Value::list(List items, SeqKind kind) {
    Value v;
    v.type_ = Type::LIST;
    v.seq_kind_ = kind;
    v.list_ = std::make_shared<const List>(std::move(items));
    return v;
}

Value Value::dict(std::shared_ptr<Dict> d, MapKind kind) {
    Value v;
    v.type_ = Type::DICT;
    v.map_kind_ = kind;
    v.dict_ = std::move(d);
    return v;
}

Value Value::callable(std::string name, std::string repr, NativeFn fn) {
    Value v;
    v.type_ = Type::CALLABLE;
    v.fn_ = std::make_shared<const Callable>(Callable{std::move(name), std::move(repr), std::move(fn)});
    return v;
}

Value Value::from_json(const nlohmann::ordered_json& j, int depth) {
    if (depth > MAX_JSON_DEPTH) throw Error("template context nests deeper than " + std::to_string(MAX_JSON_DEPTH));
    switch (j.type()) {
        case nlohmann::ordered_json::value_t::null: return none();
        case nlohmann::ordered_json::value_t::boolean: return boolean(j.get<bool>());
        case nlohmann::ordered_json::value_t::number_integer: return integer(j.get<int64_t>());
        case nlohmann::ordered_json::value_t::number_unsigned: {
            const uint64_t u = j.get<uint64_t>();
            if (u > static_cast<uint64_t>(INT64_MAX)) return floating(static_cast<double>(u));
            return integer(static_cast<int64_t>(u));
        }
        case nlohmann::ordered_json::value_t::number_float: return floating(j.get<double>());
        case nlohmann::ordered_json::value_t::string: return string(j.get<std::string>());
        case nlohmann::ordered_json::value_t::array: {
            List items;
            items.reserve(j.size());
            for (const auto& e : j) items.push_back(from_json(e, depth + 1));
            return list(std::move(items));
        }
        case nlohmann::ordered_json::value_t::object: {
            auto d = make_dict();
            for (const auto& [k, e] : j.items()) d->entries.emplace_back(string(k), from_json(e, depth + 1));
            return dict(std::move(d));
        }
        default: throw Error("template context holds a JSON value of unsupported type " + std::string(j.type_name()));
    }
}

bool Value::truthy() const {
    switch (type_) {
        case Type::UNDEFINED:
        case Type::NONE: return false;
        case Type::BOOL: return b_;
        case Type::INT: return i_ != 0;
        case Type::FLOAT: return f_ != 0.0;
        case Type::STRING: return !s_.empty();
        case Type::LIST: return seq_kind_ == SeqKind::GENERATOR || !list_->empty();  // a generator is always true
        case Type::DICT: return map_kind_ != MapKind::DICT || !dict_->entries.empty();
        case Type::CALLABLE: return true;
    }
    return false;
}

std::string Value::type_name() const {
    switch (type_) {
        case Type::UNDEFINED: return "Undefined";
        case Type::NONE: return "NoneType";
        case Type::BOOL: return "bool";
        case Type::INT: return "int";
        case Type::FLOAT: return "float";
        case Type::STRING: return "str";
        case Type::LIST:
            return seq_kind_ == SeqKind::TUPLE ? "tuple" : seq_kind_ == SeqKind::GENERATOR ? "generator" : "list";
        case Type::DICT:
            return map_kind_ == MapKind::NAMESPACE ? "Namespace" : map_kind_ == MapKind::LOOP ? "LoopContext" : "dict";
        case Type::CALLABLE: return "function";
    }
    return "object";
}

const Value* Dict::find(const Value& key) const {
    for (const auto& [k, v] : entries)
        if (values_equal(k, key)) return &v;
    return nullptr;
}

const Value* Dict::find(std::string_view key) const {
    for (const auto& [k, v] : entries)
        if (k.is_string() && k.str() == key) return &v;
    return nullptr;
}

void Dict::set(const Value& key, Value value) {
    for (auto& [k, v] : entries) {
        if (values_equal(k, key)) {
            v = std::move(value);
            return;
        }
    }
    entries.emplace_back(key, std::move(value));
}

bool values_equal(const Value& a, const Value& b) {
    if (a.is_number() && b.is_number()) {
        if (a.is_float() || b.is_float()) return a.as_double() == b.as_double();
        return a.as_int() == b.as_int();
    }
    if (a.type() != b.type()) return false;
    switch (a.type()) {
        case Type::UNDEFINED:
        case Type::NONE: return true;
        case Type::STRING: return a.str() == b.str();
        case Type::LIST: {
            // Python: a list never equals a tuple; generators compare by identity.
            if (a.seq_kind() != b.seq_kind()) return false;
            if (a.is_generator()) return &a.items() == &b.items();
            const List& x = a.items();
            const List& y = b.items();
            if (x.size() != y.size()) return false;
            for (size_t i = 0; i < x.size(); ++i)
                if (!values_equal(x[i], y[i])) return false;
            return true;
        }
        case Type::DICT: {
            if (a.map_kind() != MapKind::DICT || b.map_kind() != MapKind::DICT) return &a.dict_ref() == &b.dict_ref();
            const auto& x = a.dict_ref().entries;
            const auto& y = b.dict_ref().entries;
            if (x.size() != y.size()) return false;
            for (const auto& [k, v] : x) {
                const Value* other = b.dict_ref().find(k);
                if (!other || !values_equal(v, *other)) return false;
            }
            return true;
        }
        case Type::CALLABLE: return &a.fn() == &b.fn();
        default: return false;
    }
}

std::shared_ptr<Dict> make_dict() { return std::make_shared<Dict>(); }

}  // namespace snug::jinja
