// jinja/interpreter.cpp: executes statements: output, if, for (loop variable, filter, else, break/continue),
// set (names, tuple unpacking, namespace attributes, blocks), macros and {% call %}, filter blocks.
#include "jinja/interpreter.h"

#include "jinja/repr.h"

namespace snug::jinja {

const Value* Scope::find(std::string_view name) const {
    for (const Scope* s = this; s; s = s->parent.get())
        for (const auto& [k, v] : s->vars)
            if (k == name) return &v;
    return nullptr;
}

void Scope::set(const std::string& name, Value v) {
    for (auto& [k, old] : vars) {
        if (k == name) {
            old = std::move(v);
            return;
        }
    }
    vars.emplace_back(name, std::move(v));
}

Interpreter::~Interpreter() {
    for (const auto& ns : namespaces_) ns->entries.clear();
}

void Interpreter::append(std::string& out, std::string_view s) const {
    check_size(out.size() + s.size());
    out += s;
}

void Interpreter::check_size(size_t n) const {
    if (n > options_.max_output_bytes)
        throw Error("output exceeds the limit of " + std::to_string(options_.max_output_bytes) + " bytes");
    built_bytes_ += n;
    if (built_bytes_ / BUILD_BUDGET > options_.max_output_bytes)
        throw Error("the template built more than " + std::to_string(BUILD_BUDGET) + " x " +
                    std::to_string(options_.max_output_bytes) + " bytes of strings");
}

void Interpreter::count_iteration() {
    if (++iterations_ > options_.max_loop_iterations)
        throw Error("loops ran more than " + std::to_string(options_.max_loop_iterations) + " iterations");
}

Interpreter::Flow Interpreter::exec(const Body& body, const ScopePtr& scope, std::string& out) {
    for (const StmtPtr& s : body) {
        Flow flow = Flow::NORMAL;
        try {
            exec_stmt(*s, scope, out, flow);
        } catch (const LocatedError&) {
            throw;
        } catch (const Error& e) {
            throw LocatedError("template error at line " + std::to_string(s->line) + ": " + e.what());
        }
        if (flow != Flow::NORMAL) return flow;
    }
    return Flow::NORMAL;
}

namespace {

void unpack_into(Scope& scope, const std::vector<std::string>& names, bool tuple, const Value& v) {
    if (names.size() == 1 && !tuple) {
        scope.set(names[0], v);
        return;
    }
    const std::vector<Value> items = iterate(v);
    if (items.size() != names.size()) {
        throw Error(std::string(items.size() < names.size() ? "not enough" : "too many") +
                    " values to unpack (expected " + std::to_string(names.size()) + ", got " +
                    std::to_string(items.size()) + ")");
    }
    for (size_t i = 0; i < names.size(); ++i) scope.set(names[i], items[i]);
}

}  // namespace

void Interpreter::exec_stmt(const Stmt& s, const ScopePtr& scope, std::string& out, Flow& flow) {
    switch (s.kind) {
        case StmtKind::TEXT: append(out, s.text); return;
        case StmtKind::OUTPUT: append(out, py_str(eval(*s.expr, scope))); return;
        case StmtKind::IF:
            for (const auto& [cond, body] : s.branches) {
                if (eval(*cond, scope).truthy()) {
                    flow = exec(body, scope, out);
                    return;
                }
            }
            flow = exec(s.else_body, scope, out);
            return;
        case StmtKind::FOR: exec_for(s, scope, out); return;
        case StmtKind::SET: exec_set(s, scope); return;
        case StmtKind::SET_BLOCK:
        case StmtKind::FILTER_BLOCK: {
            std::string captured;
            exec(s.body, scope, captured);
            Value v = Value::string(std::move(captured));
            if (s.filter_chain) v = eval_filter(*s.filter_chain, scope, &v);
            if (s.kind == StmtKind::SET_BLOCK) scope->set(s.targets[0], std::move(v));
            else append(out, py_str(v));
            return;
        }
        case StmtKind::MACRO: scope->set(s.name, make_macro(s, scope, s.name)); return;
        case StmtKind::CALL_BLOCK: {
            const Expr& call_expr = *s.expr;
            Value fn = eval(*call_expr.object, scope);
            CallArgs args;
            eval_args(call_expr, scope, args);
            args.kwargs.emplace_back("caller", make_macro(s, scope, "caller"));
            append(out, py_str(call(fn, args)));
            return;
        }
        case StmtKind::BREAK: flow = Flow::BREAK; return;
        case StmtKind::CONTINUE: flow = Flow::CONTINUE; return;
    }
}

void Interpreter::exec_for(const Stmt& s, const ScopePtr& scope, std::string& out) {
    std::vector<Value> items = iterate(eval(*s.expr, scope));
    if (s.filter) {  // jinja2 filters first, so loop.length and loop.last count only the kept items
        std::vector<Value> kept;
        for (Value& item : items) {
            count_iteration();
            auto probe = std::make_shared<Scope>();
            probe->parent = scope;
            unpack_into(*probe, s.targets, s.target_tuple, item);
            if (eval(*s.filter, probe).truthy()) kept.push_back(std::move(item));
        }
        items = std::move(kept);
    }
    if (items.empty()) {
        exec(s.else_body, scope, out);
        return;
    }
    const auto n = static_cast<int64_t>(items.size());
    for (int64_t i = 0; i < n; ++i) {
        count_iteration();
        auto child = std::make_shared<Scope>();
        child->parent = scope;
        unpack_into(*child, s.targets, s.target_tuple, items[i]);
        auto loop = make_dict();
        const auto put = [&](const char* k, Value v) { loop->entries.emplace_back(Value::string(k), std::move(v)); };
        put("index", Value::integer(i + 1));
        put("index0", Value::integer(i));
        put("revindex", Value::integer(n - i));
        put("revindex0", Value::integer(n - i - 1));
        put("first", Value::boolean(i == 0));
        put("last", Value::boolean(i == n - 1));
        put("length", Value::integer(n));
        put("depth", Value::integer(1));
        put("depth0", Value::integer(0));
        if (i > 0) put("previtem", items[i - 1]);
        if (i + 1 < n) put("nextitem", items[i + 1]);
        put("cycle", Value::callable("cycle", "<bound method LoopContext.cycle>", [i](Interpreter&, CallArgs& a) {
                if (a.args.empty()) throw Error("no items for cycling given");
                return a.args[static_cast<size_t>(i) % a.args.size()];
            }));
        child->set("loop", Value::dict(std::move(loop), MapKind::LOOP));
        if (exec(s.body, child, out) == Flow::BREAK) break;
    }
}

void Interpreter::exec_set(const Stmt& s, const ScopePtr& scope) {
    Value v = eval(*s.expr, scope);
    if (!s.attr_object.empty()) {
        const Value* ns = scope->find(s.attr_object);
        if (!ns || !ns->is_dict() || ns->map_kind() != MapKind::NAMESPACE)
            throw Error("cannot assign attribute on non-namespace object '" + s.attr_object + "'");
        ns->dict_ref().set(Value::string(s.targets[0]), std::move(v));
        return;
    }
    unpack_into(*scope, s.targets, s.target_tuple, v);
}

Value Interpreter::make_macro(const Stmt& s, const ScopePtr& scope, const std::string& name) {
    // A weak reference: the macro is stored in the scope it captures, and a strong one would leak that cycle.
    std::weak_ptr<Scope> weak = scope;
    const Stmt* def = &s;
    return Value::callable(name, "<Macro '" + name + "'>", [weak, def, name](Interpreter& in, CallArgs& a) {
        ScopePtr parent = weak.lock();
        if (!parent) throw Error("macro '" + name + "' was called after its scope ended");
        auto local = std::make_shared<Scope>();
        local->parent = parent;
        std::vector<bool> used(a.kwargs.size(), false);
        for (size_t i = 0; i < def->params.size(); ++i) {
            const MacroParam& p = def->params[i];
            Value v = Value::undefined("parameter '" + p.name + "' was not provided");
            bool given = i < a.args.size();
            if (given) v = a.args[i];
            for (size_t k = 0; k < a.kwargs.size() && !given; ++k) {
                if (a.kwargs[k].first == p.name) {
                    v = a.kwargs[k].second;
                    used[k] = given = true;
                }
            }
            if (!given && p.default_value) v = in.eval(*p.default_value, local);
            local->set(p.name, std::move(v));
        }
        if (a.args.size() > def->params.size() && !def->uses_varargs) {
            throw Error("macro '" + name + "' takes not more than " + std::to_string(def->params.size()) +
                        " argument(s)");
        }
        List varargs;
        for (size_t i = def->params.size(); i < a.args.size(); ++i) varargs.push_back(a.args[i]);
        auto kwargs = make_dict();
        for (size_t k = 0; k < a.kwargs.size(); ++k) {
            if (used[k]) continue;
            const std::string& key = a.kwargs[k].first;
            if (key == "caller" ? !def->uses_caller : !def->uses_kwargs)
                throw Error("macro '" + name + "' takes no keyword argument '" + key + "'");
            if (key == "caller") local->set("caller", a.kwargs[k].second);
            else kwargs->set(Value::string(key), a.kwargs[k].second);
        }
        local->set("varargs", Value::list(std::move(varargs), SeqKind::TUPLE));
        local->set("kwargs", Value::dict(std::move(kwargs)));
        std::string out;
        in.exec(def->body, local, out);
        return Value::string(std::move(out));
    });
}

}  // namespace snug::jinja
