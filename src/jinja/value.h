// jinja/value.h: the dynamic values a template computes with, modelled on the Python objects jinja2 sees when
// Hugging Face renders a chat template (str, int, float, bool, None, list, tuple, dict, jinja2's Undefined, ...).
// Lists and dicts are shared and never mutated once built (the environment is an ImmutableSandboxedEnvironment);
// only a namespace() object changes in place. Operators and printing live in ops.cpp and repr.cpp.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace snug::jinja {

class Value;
class Interpreter;

// Positional and keyword arguments of a call, in the order written.
struct CallArgs {
    std::vector<Value> args;
    std::vector<std::pair<std::string, Value>> kwargs;
};

using NativeFn = std::function<Value(Interpreter&, CallArgs&)>;

struct Callable {
    std::string name;
    std::string repr;  // what str() prints, e.g. "<built-in method items of dict object>"
    NativeFn fn;
};

enum class Type : uint8_t { UNDEFINED, NONE, BOOL, INT, FLOAT, STRING, LIST, DICT, CALLABLE };

// What a LIST value stands for in Python: the distinction shows in repr, tojson, len() and subscripts.
enum class SeqKind : uint8_t { LIST, TUPLE, GENERATOR };
// What a DICT value stands for: a plain dict, a namespace() or a for loop's `loop` object.
enum class MapKind : uint8_t { DICT, NAMESPACE, LOOP };

using List = std::vector<Value>;
struct Dict;

class Value {
public:
    Value() = default;  // undefined
    static Value undefined(std::string name = {});
    static Value none();
    static Value boolean(bool b);
    static Value integer(int64_t i);
    static Value floating(double f);
    static Value string(std::string s);
    static Value markup(std::string s);  // markupsafe.Markup: `+` escapes the plain str on its other side
    static Value list(List items, SeqKind kind = SeqKind::LIST);
    static Value dict(std::shared_ptr<Dict> d, MapKind kind = MapKind::DICT);
    static Value callable(std::string name, std::string repr, NativeFn fn);
    static Value from_json(const nlohmann::ordered_json& j, int depth = 0);

    Type type() const { return type_; }
    bool is_undefined() const { return type_ == Type::UNDEFINED; }
    bool is_none() const { return type_ == Type::NONE; }
    bool is_bool() const { return type_ == Type::BOOL; }
    bool is_int() const { return type_ == Type::INT || type_ == Type::BOOL; }  // Python: bool is an int
    bool is_float() const { return type_ == Type::FLOAT; }
    bool is_number() const { return is_int() || is_float(); }
    bool is_string() const { return type_ == Type::STRING; }
    bool is_markup() const { return type_ == Type::STRING && b_; }
    bool is_list() const { return type_ == Type::LIST; }
    bool is_dict() const { return type_ == Type::DICT; }
    bool is_callable() const { return type_ == Type::CALLABLE; }
    bool is_generator() const { return is_list() && seq_kind_ == SeqKind::GENERATOR; }
    bool is_plain_dict() const { return is_dict() && map_kind_ == MapKind::DICT; }

    bool as_bool() const { return b_; }
    int64_t as_int() const { return type_ == Type::BOOL ? (b_ ? 1 : 0) : i_; }
    double as_double() const { return type_ == Type::FLOAT ? f_ : static_cast<double>(as_int()); }
    const std::string& str() const { return s_; }  // the string, or the name of an undefined variable
    const List& items() const { return *list_; }
    SeqKind seq_kind() const { return seq_kind_; }
    MapKind map_kind() const { return map_kind_; }
    Dict& dict_ref() const { return *dict_; }
    const Callable& fn() const { return *fn_; }

    bool truthy() const;
    std::string type_name() const;  // Python's type name: 'str', 'dict', 'NoneType', ...

private:
    Type type_ = Type::UNDEFINED;
    SeqKind seq_kind_ = SeqKind::LIST;
    MapKind map_kind_ = MapKind::DICT;
    bool b_ = false;
    int64_t i_ = 0;
    double f_ = 0.0;
    std::string s_;
    std::shared_ptr<const List> list_;
    std::shared_ptr<Dict> dict_;
    std::shared_ptr<const Callable> fn_;
};

// An insertion-ordered dict. Keys are compared with Python's == (1, 1.0 and True are one key); dicts in chat
// templates are small, so a linear search beats hashing.
struct Dict {
    std::vector<std::pair<Value, Value>> entries;

    const Value* find(const Value& key) const;
    const Value* find(std::string_view key) const;
    void set(const Value& key, Value value);  // replaces in place, keeping the key's position
};

// Python's ==, also used for dict keys and the `in` operator.
bool values_equal(const Value& a, const Value& b);

std::shared_ptr<Dict> make_dict();

}  // namespace snug::jinja
