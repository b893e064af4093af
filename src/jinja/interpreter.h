// jinja/interpreter.h: the tree-walking evaluator's state (scopes, limits, output) and the operations the
// filters, tests and methods are built from. Internal to the jinja module.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "jinja/ast.h"
#include "jinja/template.h"
#include "jinja/value.h"

namespace snug::jinja {

// A variable scope. jinja2 scopes: the template, each for-loop iteration (fresh per iteration, so a `set` in one
// iteration is gone in the next), each macro call. `if` opens none.
struct Scope {
    std::shared_ptr<Scope> parent;
    std::vector<std::pair<std::string, Value>> vars;

    const Value* find(std::string_view name) const;
    void set(const std::string& name, Value v);
};
using ScopePtr = std::shared_ptr<Scope>;

class Interpreter {
public:
    enum class Flow { NORMAL, BREAK, CONTINUE };

    explicit Interpreter(const Options& options) : options_(options) {}
    ~Interpreter();  // breaks reference cycles a template may have built through namespaces

    Flow exec(const Body& body, const ScopePtr& scope, std::string& out);
    Value eval(const Expr& e, const ScopePtr& scope);
    Value call(const Value& fn, CallArgs& args);

    void append(std::string& out, std::string_view s) const;  // out += s within max_output_bytes
    // A string or list of n bytes may be built: each is at most max_output_bytes, and all of them together at most
    // BUILD_BUDGET times that, which bounds the work of a loop that rebuilds a large string every iteration.
    void check_size(size_t n) const;
    void count_iteration();                                     // one loop iteration of the budget
    const Options& options() const { return options_; }
    void track_namespace(const std::shared_ptr<Dict>& ns) { namespaces_.push_back(ns); }

private:
    void exec_stmt(const Stmt& s, const ScopePtr& scope, std::string& out, Flow& flow);
    void exec_for(const Stmt& s, const ScopePtr& scope, std::string& out);
    void exec_set(const Stmt& s, const ScopePtr& scope);
    Value make_macro(const Stmt& s, const ScopePtr& scope, const std::string& name);
    Value eval_filter(const Expr& e, const ScopePtr& scope, const Value* input);
    Value eval_call(const Expr& e, const ScopePtr& scope);
    void eval_args(const Expr& e, const ScopePtr& scope, CallArgs& args);

    const Options& options_;
    static constexpr size_t BUILD_BUDGET = 64;
    size_t iterations_ = 0;
    mutable size_t built_bytes_ = 0;
    int call_depth_ = 0;
    std::vector<std::shared_ptr<Dict>> namespaces_;
};

// Errors raised with a line attached; inner statements' errors pass through outer ones unchanged.
class LocatedError : public Error {
public:
    using Error::Error;
};

// Binary operators (ops.cpp). op: + - * / // % ** ~ and comparison ops == != < <= > >= in notin.
Value binary_op(const std::string& op, const Value& a, const Value& b, const Interpreter& in);
bool compare_op(const std::string& op, const Value& a, const Value& b);
bool contains(const Value& container, const Value& item);
bool less_than(const Value& a, const Value& b);  // Python's <, throwing TypeError-like errors for mixed types
std::vector<Value> iterate(const Value& v);        // what `for` sees: dict keys, string characters, ...

// Attribute and item access as jinja2's sandbox does it (access.cpp).
Value get_attr(const Value& obj, const std::string& name);  // obj.name: attribute (method) first, then item
Value get_item(const Value& obj, const Value& key);         // obj[key]: item first, then attribute
Value get_slice(const Value& obj, const Value& start, const Value& stop, const Value& step);
// The Python attribute `name` of str, dict, list and tuple values as a bound method (methods.cpp). Returns false
// when Python has no such attribute; methods that would mutate give an undefined that fails as the sandbox does.
bool lookup_method(const Value& obj, const std::string& name, Value& out);

// Filters and tests (filters*.cpp, tests.cpp). Unknown names throw.
Value apply_filter(Interpreter& in, const std::string& name, const Value& input, CallArgs& args);
bool apply_test(Interpreter& in, const std::string& name, const Value& v, CallArgs& args);
bool has_test(const std::string& name);

// The global functions: range, dict, namespace, cycler, joiner, raise_exception, strftime_now (globals.cpp).
void add_globals(Scope& scope, const Options& options);

// Calls' argument helpers: the i-th positional or the named keyword argument, else fallback.
Value arg(const CallArgs& a, size_t i, const char* name, const Value& fallback);
[[noreturn]] void fail_undefined(const Value& v);  // the error jinja2 raises when an undefined value is used
std::string require_string(const Value& v, const char* what);
int64_t require_int(const Value& v, const char* what);

}  // namespace snug::jinja
