// chat/go_template_ast.h: internals of the Go template interpreter (go_template.h): the parse tree, the values a
// template computes with, and the helpers the parser, the executor and Ollama's data model share.
#pragma once
#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace snug::chat::gotpl {

struct Pos {
    int line = 1, col = 1;
};
std::string where(Pos p);  // "line L col C"

// ---- values: the reflect.Value kinds Ollama's data and the builtins produce ----

struct Value;
using List = std::vector<Value>;
using Fields = std::vector<std::pair<std::string, Value>>;

enum class Kind { NIL, BOOL, INT, FLOAT, STRING, LIST, MAP, STRUCT };

struct Value {
    Kind kind = Kind::NIL;
    bool b = false;
    int64_t i = 0;
    double f = 0;
    std::shared_ptr<const std::string> s;  // STRING
    std::shared_ptr<const List> list;      // LIST
    std::shared_ptr<const Fields> fields;  // MAP entries (in range/print order) or STRUCT fields (declared order)
    // STRUCT: how encoding/json writes it (Go field tags, omitempty applied), used by json and by stringers.
    std::shared_ptr<const nlohmann::ordered_json> marshal;
    std::string type_name;      // STRUCT: Go type name for error messages
    bool stringer = false;      // prints as its JSON (the Go type has a String() method that marshals it)
    bool always_true = false;   // a Go struct in disguise (ToolCallFunctionArguments): true even when empty
    bool nil_slice = false;     // LIST: a nil Go slice, marshalled as null

    static Value nil() { return {}; }
    static Value boolean(bool v) { Value x; x.kind = Kind::BOOL; x.b = v; return x; }
    static Value integer(int64_t v) { Value x; x.kind = Kind::INT; x.i = v; return x; }
    static Value number(double v) { Value x; x.kind = Kind::FLOAT; x.f = v; return x; }
    static Value string(std::string v) {
        Value x;
        x.kind = Kind::STRING;
        x.s = std::make_shared<const std::string>(std::move(v));
        return x;
    }
    static Value make_list(List v) {
        Value x;
        x.kind = Kind::LIST;
        x.list = std::make_shared<const List>(std::move(v));
        return x;
    }
    static Value make_map(Fields v, bool sort_keys);  // sort_keys: a Go map; else an ordered map
    static Value make_struct(std::string type, Fields v, nlohmann::ordered_json marshal);

    const std::string& str() const;  // STRING only
};

// A JSON value as Go's encoding/json decodes it into `any`: objects are maps (keys sorted), integers stay integers.
Value from_json(const nlohmann::ordered_json& j);

bool truth(const Value& v);                 // Go's isTrue: empty string/list/map, 0, false and nil are false
std::string kind_name(const Value& v);      // Go-ish type name for messages: string, int, []interface {}, ...
std::string print_value(const Value& v, bool top = true);  // fmt.Sprint; a top-level nil is "<no value>"
std::string go_float(double v);             // fmt's %v for float64
void write_json(std::string& out, const Value& v);  // encoding/json.Marshal: HTML-safe, no spaces
void write_json(std::string& out, const nlohmann::ordered_json& j);

// ---- parse tree ----

struct Pipe;

struct Arg {
    enum Type { FIELD, VARIABLE, DOT, NIL, BOOL, INT, FLOAT, STRING, IDENT, PIPE } type = NIL;
    std::string text;                  // VARIABLE: "$x"; IDENT: function name; STRING: the value
    std::vector<std::string> chain;    // field names after the term (.A.B)
    int64_t i = 0;
    double f = 0;
    bool b = false;
    std::shared_ptr<const Pipe> pipe;  // PIPE: a parenthesized pipeline
    Pos pos;
};

struct Command {
    std::vector<Arg> args;
    Pos pos;
};

struct Pipe {
    std::vector<std::string> decl;  // variables declared ($x :=) or assigned ($x =)
    bool is_assign = false;
    std::vector<Command> cmds;
    Pos pos;
};

struct Node;
using NodeList = std::vector<std::shared_ptr<const Node>>;

struct Node {
    enum Type { LIST, TEXT, ACTION, IF, RANGE, WITH, BREAK, CONTINUE } type = LIST;
    std::string text;                  // TEXT
    std::shared_ptr<const Pipe> pipe;  // ACTION, IF, RANGE, WITH
    NodeList list;                     // LIST: children; IF/RANGE/WITH: the body
    NodeList else_list;
    bool has_else = false;
    Pos pos;
};

std::shared_ptr<const Node> parse(std::string_view source);
bool is_builtin(std::string_view name);

struct ExecLimits {
    size_t max_output_bytes;
    size_t max_iterations;
    std::function<std::time_t()> now;
};
std::string execute(const Node& root, const Value& data, const ExecLimits& limits);

}  // namespace snug::chat::gotpl
