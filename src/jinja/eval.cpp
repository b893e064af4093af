// jinja/eval.cpp: evaluates expressions. Undefined values follow jinja2's default Undefined: they print as "",
// iterate as empty and are false, but reading an attribute or item of one, calling one or doing arithmetic with one
// raises the error that explains where it came from.
#include "jinja/interpreter.h"

namespace snug::jinja {

void Interpreter::eval_args(const Expr& e, const ScopePtr& scope, CallArgs& args) {
    for (const ExprPtr& a : e.items) args.args.push_back(eval(*a, scope));
    for (const auto& [k, a] : e.kwargs) args.kwargs.emplace_back(k, eval(*a, scope));
}

Value Interpreter::call(const Value& fn, CallArgs& args) {
    if (fn.is_undefined()) fail_undefined(fn);
    if (!fn.is_callable()) throw Error("'" + fn.type_name() + "' object is not callable");
    if (call_depth_ >= options_.max_call_depth)
        throw Error("calls nest deeper than " + std::to_string(options_.max_call_depth) + " (runaway recursion?)");
    ++call_depth_;
    struct Leave {
        int& depth;
        ~Leave() { --depth; }
    } leave{call_depth_};
    return fn.fn().fn(*this, args);
}

Value Interpreter::eval_filter(const Expr& e, const ScopePtr& scope, const Value* input) {
    Value v;
    if (!e.object) v = *input;
    else if (e.object->kind == ExprKind::FILTER) v = eval_filter(*e.object, scope, input);
    else v = eval(*e.object, scope);
    CallArgs args;
    eval_args(e, scope, args);
    return apply_filter(*this, e.name, v, args);
}

Value Interpreter::eval_call(const Expr& e, const ScopePtr& scope) {
    Value fn = eval(*e.object, scope);
    CallArgs args;
    eval_args(e, scope, args);
    return call(fn, args);
}

namespace {

Value negate(const Value& v) {
    if (v.is_undefined()) fail_undefined(v);
    if (v.is_float()) return Value::floating(-v.as_double());
    if (v.is_int()) {
        if (v.as_int() == INT64_MIN) throw Error("integer overflow in unary -");
        return Value::integer(-v.as_int());
    }
    throw Error("bad operand type for unary -: '" + v.type_name() + "'");
}

}  // namespace

Value Interpreter::eval(const Expr& e, const ScopePtr& scope) {
    switch (e.kind) {
        case ExprKind::LITERAL: return e.literal;
        case ExprKind::NAME: {
            const Value* v = scope->find(e.name);
            return v ? *v : Value::undefined("'" + e.name + "' is undefined");
        }
        case ExprKind::LIST:
        case ExprKind::TUPLE: {
            List items;
            items.reserve(e.items.size());
            for (const ExprPtr& item : e.items) items.push_back(eval(*item, scope));
            return Value::list(std::move(items), e.kind == ExprKind::TUPLE ? SeqKind::TUPLE : SeqKind::LIST);
        }
        case ExprKind::DICT: {
            auto d = make_dict();
            for (size_t i = 0; i + 1 < e.items.size(); i += 2) d->set(eval(*e.items[i], scope), eval(*e.items[i + 1], scope));
            return Value::dict(std::move(d));
        }
        case ExprKind::ATTR: {
            Value obj = eval(*e.object, scope);
            if (obj.is_undefined()) fail_undefined(obj);
            return get_attr(obj, e.name);
        }
        case ExprKind::ITEM: {
            Value obj = eval(*e.object, scope);
            if (obj.is_undefined()) fail_undefined(obj);
            return get_item(obj, eval(*e.items[0], scope));
        }
        case ExprKind::SLICE: {
            Value obj = eval(*e.object, scope);
            if (obj.is_undefined()) fail_undefined(obj);
            Value parts[3];
            for (int i = 0; i < 3; ++i) parts[i] = e.items[i] ? eval(*e.items[i], scope) : Value::none();
            return get_slice(obj, parts[0], parts[1], parts[2]);
        }
        case ExprKind::CALL: return eval_call(e, scope);
        case ExprKind::FILTER: return eval_filter(e, scope, nullptr);
        case ExprKind::TEST: {
            Value v = eval(*e.object, scope);
            CallArgs args;
            eval_args(e, scope, args);
            return Value::boolean(apply_test(*this, e.name, v, args) != e.negated);
        }
        case ExprKind::NOT: return Value::boolean(!eval(*e.object, scope).truthy());
        case ExprKind::NEG: return negate(eval(*e.object, scope));
        case ExprKind::POS: {
            Value v = eval(*e.object, scope);
            if (v.is_undefined()) fail_undefined(v);
            if (!v.is_number()) throw Error("bad operand type for unary +: '" + v.type_name() + "'");
            return v.is_bool() ? Value::integer(v.as_int()) : v;
        }
        case ExprKind::BINARY: {
            Value l = eval(*e.items[0], scope);
            if (e.name == "and") return l.truthy() ? eval(*e.items[1], scope) : l;
            if (e.name == "or") return l.truthy() ? l : eval(*e.items[1], scope);
            return binary_op(e.name, l, eval(*e.items[1], scope), *this);
        }
        case ExprKind::COMPARE: {
            Value left = eval(*e.items[0], scope);
            for (size_t i = 0; i < e.ops.size(); ++i) {
                Value right = eval(*e.items[i + 1], scope);
                if (!compare_op(e.ops[i], left, right)) return Value::boolean(false);
                left = std::move(right);
            }
            return Value::boolean(true);
        }
        case ExprKind::CONDITION: {
            if (eval(*e.items[1], scope).truthy()) return eval(*e.items[0], scope);
            if (e.items[2]) return eval(*e.items[2], scope);
            return Value::undefined("the inline if-expression on line " + std::to_string(e.line) +
                                    " evaluated to false and no else section was defined.");
        }
    }
    return Value();
}

}  // namespace snug::jinja
