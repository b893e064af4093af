// chat/go_template_eval.cpp: executes a parsed Go template (text/template's exec.go semantics): pipelines,
// variables and their scopes, if/with/range with else and break/continue, and the builtin functions (Go's plus
// Ollama's json/toJson, currentDate, yesterdayDate).
#include <cmath>
#include <cstdio>
#include <ctime>

#include "base/error.h"
#include "chat/go_template_ast.h"

namespace snug::chat::gotpl {

namespace {

const char* const BUILTINS[] = {"and",  "or",   "not",     "len",      "index",   "slice",  "eq",
                                "ne",   "lt",   "le",      "gt",       "ge",      "print",  "printf",
                                "println", "html", "js",   "urlquery", "json",    "toJson", "currentDate",
                                "yesterdayDate"};

std::string utf8_char(int64_t cp) {
    std::string out;
    const uint32_t c = cp < 0 || cp > 0x10FFFF ? 0xFFFD : static_cast<uint32_t>(cp);
    if (c < 0x80) out += static_cast<char>(c);
    else if (c < 0x800) out += {static_cast<char>(0xC0 | (c >> 6)), static_cast<char>(0x80 | (c & 0x3F))};
    else if (c < 0x10000)
        out += {static_cast<char>(0xE0 | (c >> 12)), static_cast<char>(0x80 | ((c >> 6) & 0x3F)),
                static_cast<char>(0x80 | (c & 0x3F))};
    else
        out += {static_cast<char>(0xF0 | (c >> 18)), static_cast<char>(0x80 | ((c >> 12) & 0x3F)),
                static_cast<char>(0x80 | ((c >> 6) & 0x3F)), static_cast<char>(0x80 | (c & 0x3F))};
    return out;
}

// strconv.Quote, for printf's %q: printable text kept, the rest escaped.
std::string go_quote(std::string_view s) {
    static const char* hex = "0123456789abcdef";
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\a': out += "\\a"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\v': out += "\\v"; break;
            default:
                if (c < 0x20 || c == 0x7F) out += std::string("\\x") + hex[c >> 4] + hex[c & 15];
                else out += static_cast<char>(c);
        }
    }
    return out + "\"";
}

size_t rune_count(std::string_view s) {
    size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
}

std::string bad_verb(char verb, const Value& v) {
    if (v.kind == Kind::NIL) return std::string("%!") + verb + "(<nil>)";
    return std::string("%!") + verb + "(" + kind_name(v) + "=" + print_value(v, false) + ")";
}

// fmt.Sprintf for the verbs templates use: %v %s %d %q %t %f %e %g %x %X %c %% with flags, width and precision.
std::string go_sprintf(std::string_view fmt, const std::vector<Value>& args) {
    std::string out;
    size_t next = 0;
    for (size_t k = 0; k < fmt.size(); ++k) {
        if (fmt[k] != '%') {
            out += fmt[k];
            continue;
        }
        bool minus = false, plus = false, zero = false, space = false;
        for (++k; k < fmt.size(); ++k) {
            const char c = fmt[k];
            if (c == '-') minus = true;
            else if (c == '+') plus = true;
            else if (c == '0') zero = true;
            else if (c == ' ') space = true;
            else if (c != '#') break;
        }
        int width = -1, prec = -1;
        for (; k < fmt.size() && fmt[k] >= '0' && fmt[k] <= '9'; ++k) width = std::max(width, 0) * 10 + (fmt[k] - '0');
        if (k < fmt.size() && fmt[k] == '.') {
            prec = 0;
            for (++k; k < fmt.size() && fmt[k] >= '0' && fmt[k] <= '9'; ++k) prec = prec * 10 + (fmt[k] - '0');
        }
        width = std::min(width, 1 << 16), prec = std::min(prec, 1 << 10);
        if (k >= fmt.size()) {
            out += "%!(NOVERB)";
            break;
        }
        const char verb = fmt[k];
        if (verb == '%') {
            out += '%';
            continue;
        }
        if (next >= args.size()) {
            out += std::string("%!") + verb + "(MISSING)";
            continue;
        }
        const Value& a = args[next++];
        std::string s;
        bool numeric = false;
        char buf[1200];
        switch (verb) {
            case 'v': s = a.kind == Kind::NIL ? "<nil>" : print_value(a, false); numeric = a.kind == Kind::INT || a.kind == Kind::FLOAT; break;
            case 's':
                if (a.kind == Kind::STRING || a.kind == Kind::LIST || a.kind == Kind::MAP || a.kind == Kind::STRUCT || a.stringer)
                    s = print_value(a, false);
                else
                    s = bad_verb(verb, a);
                if (prec >= 0 && a.kind == Kind::STRING) s = s.substr(0, static_cast<size_t>(prec));
                break;
            case 'd':
                if (a.kind == Kind::INT) s = std::to_string(a.i), numeric = true;
                else s = bad_verb(verb, a);
                break;
            case 'q':
                if (a.kind == Kind::STRING) s = go_quote(a.str());
                else if (a.kind == Kind::INT) s = "'" + utf8_char(a.i) + "'";
                else s = bad_verb(verb, a);
                break;
            case 't': s = a.kind == Kind::BOOL ? (a.b ? "true" : "false") : bad_verb(verb, a); break;
            case 'c': s = a.kind == Kind::INT ? utf8_char(a.i) : bad_verb(verb, a); break;
            case 'f': case 'F': case 'e': case 'E': case 'g': case 'G':
                if (a.kind != Kind::FLOAT) {
                    s = bad_verb(verb, a);
                } else if ((verb == 'g' || verb == 'G') && prec < 0) {
                    s = go_float(a.f), numeric = true;
                } else {
                    const char spec[] = {'%', '.', '*', verb == 'F' ? 'f' : verb, 0};
                    std::snprintf(buf, sizeof buf, spec, prec < 0 ? 6 : prec, a.f);
                    s = buf, numeric = true;
                }
                break;
            case 'x': case 'X':
                if (a.kind == Kind::INT) {
                    std::snprintf(buf, sizeof buf, verb == 'x' ? "%llx" : "%llX",
                                  static_cast<unsigned long long>(a.i < 0 ? -a.i : a.i));
                    s = (a.i < 0 ? "-" : "") + std::string(buf), numeric = true;
                } else if (a.kind == Kind::STRING) {
                    const char* hex = verb == 'x' ? "0123456789abcdef" : "0123456789ABCDEF";
                    for (unsigned char c : a.str()) s += std::string{hex[c >> 4], hex[c & 15]};
                } else {
                    s = bad_verb(verb, a);
                }
                break;
            default: s = bad_verb(verb, a);
        }
        if (numeric && (plus || space) && !s.empty() && s[0] != '-') s = (plus ? "+" : " ") + s;
        const size_t n = rune_count(s);
        if (width > 0 && n < static_cast<size_t>(width)) {
            const size_t pad = static_cast<size_t>(width) - n;
            if (minus) s += std::string(pad, ' ');
            else if (zero && numeric) s.insert(s[0] == '-' || s[0] == '+' ? 1 : 0, std::string(pad, '0'));
            else s.insert(0, std::string(pad, ' '));
        }
        out += s;
    }
    if (next < args.size()) {
        out += "%!(EXTRA ";
        for (size_t k = next; k < args.size(); ++k)
            out += (k > next ? ", " : "") + kind_name(args[k]) + "=" + print_value(args[k], false);
        out += ")";
    }
    return out;
}

std::string sprint(const std::vector<Value>& args, bool ln) {
    std::string out;
    for (size_t k = 0; k < args.size(); ++k) {
        const bool is_str = args[k].kind == Kind::STRING;
        if (k > 0 && (ln || (!is_str && args[k - 1].kind != Kind::STRING))) out += ' ';
        out += args[k].kind == Kind::NIL ? "<nil>" : print_value(args[k], false);
    }
    return ln ? out + "\n" : out;
}

// The text html/js/urlquery escape: a lone string as is, anything else as fmt.Sprint prints it.
std::string escaper_input(const std::vector<Value>& args) {
    if (args.size() == 1 && args[0].kind == Kind::STRING) return args[0].str();
    return sprint(args, false);
}

std::string html_escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '"': out += "&#34;"; break;
            case '\'': out += "&#39;"; break;
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '\0': out += "\xEF\xBF\xBD"; break;
            default: out += c;
        }
    }
    return out;
}

std::string js_escape(std::string_view s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        switch (c) {
            case '\\': out += "\\\\"; break;
            case '\'': out += "\\'"; break;
            case '"': out += "\\\""; break;
            case '<': out += "\\u003C"; break;
            case '>': out += "\\u003E"; break;
            case '&': out += "\\u0026"; break;
            case '=': out += "\\u003D"; break;
            case '`': out += "\\u0060"; break;
            default:
                if (c < 0x20) out += std::string("\\u00") + hex[c >> 4] + hex[c & 15];
                else out += static_cast<char>(c);
        }
    }
    return out;
}

std::string url_query_escape(std::string_view s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
            c == '.' || c == '~')
            out += static_cast<char>(c);
        else if (c == ' ')
            out += '+';
        else
            out += std::string("%") + hex[c >> 4] + hex[c & 15];
    }
    return out;
}

// Ollama's ToolProperty.ToTypeScriptType, from the property's JSON.
std::string typescript_type(const nlohmann::ordered_json& p) {
    auto map_one = [](const std::string& t) -> std::string {
        if (t == "string") return "string";
        if (t == "number" || t == "integer") return "number";
        if (t == "boolean") return "boolean";
        if (t == "array") return "any[]";
        if (t == "object") return "Record<string, any>";
        if (t == "null") return "null";
        return "any";
    };
    std::string out;
    if (p.contains("anyOf") && p["anyOf"].is_array() && !p["anyOf"].empty()) {
        for (const auto& a : p["anyOf"]) out += (out.empty() ? "" : " | ") + typescript_type(a);
        return out;
    }
    const auto t = p.find("type");
    if (t == p.end()) return "any";
    if (t->is_string()) return map_one(t->get<std::string>());
    if (!t->is_array() || t->empty()) return "any";
    for (const auto& e : *t) out += (out.empty() ? "" : " | ") + map_one(e.is_string() ? e.get<std::string>() : "");
    return out;
}

class Exec {
public:
    Exec(const ExecLimits& lim, const Value& root) : lim_(lim) { vars_.emplace_back("$", root); }

    std::string run(const Node& root, const Value& dot) {
        walk(dot, root.list);
        return std::move(out_);
    }

private:
    enum class Flow { NORMAL, BREAK, CONTINUE };
    const ExecLimits& lim_;
    std::string out_;
    std::vector<std::pair<std::string, Value>> vars_;
    size_t iterations_ = 0;

    [[noreturn]] static void fail(Pos p, const std::string& msg) {
        throw Error("Go template " + where(p) + ": executing: " + msg);
    }
    void emit(const std::string& s, Pos p) {
        if (out_.size() + s.size() > lim_.max_output_bytes)
            fail(p, "output longer than " + std::to_string(lim_.max_output_bytes) + " bytes");
        out_ += s;
    }
    Value checked(Value v, Pos p) const {
        if (v.kind == Kind::STRING && v.str().size() > lim_.max_output_bytes)
            fail(p, "string longer than " + std::to_string(lim_.max_output_bytes) + " bytes");
        return v;
    }

    Flow walk(const Value& dot, const NodeList& list) {
        for (const auto& n : list) {
            const Flow f = walk_node(dot, *n);
            if (f != Flow::NORMAL) return f;
        }
        return Flow::NORMAL;
    }

    Flow walk_node(const Value& dot, const Node& n) {
        switch (n.type) {
            case Node::LIST: return walk(dot, n.list);
            case Node::TEXT: emit(n.text, n.pos); return Flow::NORMAL;
            case Node::ACTION: {
                const Value v = eval_pipeline(dot, *n.pipe, true);
                if (n.pipe->decl.empty()) emit(print_value(v, true), n.pos);
                return Flow::NORMAL;
            }
            case Node::IF:
            case Node::WITH: {
                const size_t mark = vars_.size();
                const Value v = eval_pipeline(dot, *n.pipe, true);
                Flow f = Flow::NORMAL;
                if (truth(v)) f = walk(n.type == Node::WITH ? v : dot, n.list);
                else if (n.has_else) f = walk(dot, n.else_list);
                vars_.resize(mark);
                return f;
            }
            case Node::RANGE: walk_range(dot, n); return Flow::NORMAL;
            case Node::BREAK: return Flow::BREAK;
            case Node::CONTINUE: return Flow::CONTINUE;
        }
        return Flow::NORMAL;
    }

    void walk_range(const Value& dot, const Node& n) {
        const size_t mark = vars_.size();
        const Pipe& p = *n.pipe;
        const Value v = eval_pipeline(dot, p, false);
        for (const auto& name : p.decl) vars_.emplace_back(name, v);
        bool any = false;
        auto one = [&](const Value& key, const Value& elem) {
            if (++iterations_ > lim_.max_iterations)
                fail(n.pos, "more than " + std::to_string(lim_.max_iterations) + " range iterations");
            any = true;
            if (p.decl.size() == 1) vars_[mark].second = elem;
            if (p.decl.size() == 2) vars_[mark].second = key, vars_[mark + 1].second = elem;
            const size_t inner = vars_.size();
            const Flow f = walk(elem, n.list);
            vars_.resize(inner);
            return f != Flow::BREAK;
        };
        switch (v.kind) {
            case Kind::NIL: break;  // Go: an invalid value (a nil map, say) ranges zero times
            case Kind::LIST:
                for (size_t k = 0; k < v.list->size(); ++k)
                    if (!one(Value::integer(static_cast<int64_t>(k)), (*v.list)[k])) break;
                break;
            case Kind::MAP:
                for (const auto& [key, elem] : *v.fields)
                    if (!one(Value::string(key), elem)) break;
                break;
            case Kind::INT:
                if (p.decl.size() > 1) fail(n.pos, "can't use two variables to range over an integer");
                for (int64_t k = 0; k < v.i; ++k)
                    if (!one(Value::integer(k), Value::integer(k))) break;
                break;
            default: fail(n.pos, "range can't iterate over " + print_value(v, false));
        }
        if (!any && n.has_else) walk(dot, n.else_list);
        vars_.resize(mark);
    }

    Value lookup_var(const std::string& name, Pos p) const {
        for (size_t k = vars_.size(); k-- > 0;)
            if (vars_[k].first == name) return vars_[k].second;
        fail(p, "undefined variable: " + name);
    }

    Value eval_pipeline(const Value& dot, const Pipe& p, bool declare) {
        Value v;
        bool have = false;
        for (const Command& c : p.cmds) {
            v = eval_command(dot, c, have ? &v : nullptr);
            have = true;
        }
        if (!declare) return v;
        for (const auto& name : p.decl) {
            if (!p.is_assign) {
                vars_.emplace_back(name, v);
                continue;
            }
            for (size_t k = vars_.size(); k-- > 0;)
                if (vars_[k].first == name) {
                    vars_[k].second = v;
                    break;
                }
        }
        return v;
    }

    Value field(const Value& recv, const std::string& name, Pos p, bool has_args) const {
        if (has_args) fail(p, name + " is not a method but has arguments");
        switch (recv.kind) {
            case Kind::NIL: return Value::nil();  // missingkey=zero: fields of nothing are nothing
            case Kind::MAP:
                for (const auto& [k, v] : *recv.fields)
                    if (k == name) return v;
                return Value::nil();
            case Kind::STRUCT:
                for (const auto& [k, v] : *recv.fields)
                    if (k == name) return v;
                if (recv.type_name == "ToolProperty" && name == "ToTypeScriptType")
                    return Value::string(typescript_type(*recv.marshal));
                fail(p, "can't evaluate field " + name + " in type " + recv.type_name);
            default: fail(p, "can't evaluate field " + name + " in type " + kind_name(recv));
        }
    }

    Value chain(Value v, const std::vector<std::string>& names, Pos p, bool has_args) const {
        for (size_t k = 0; k < names.size(); ++k) v = field(v, names[k], p, has_args && k + 1 == names.size());
        return v;
    }

    Value eval_command(const Value& dot, const Command& c, const Value* final) {
        const Arg& a = c.args[0];
        const bool has_args = c.args.size() > 1 || final != nullptr;
        switch (a.type) {
            case Arg::FIELD: return chain(dot, a.chain, a.pos, has_args);
            case Arg::VARIABLE:
            case Arg::PIPE: {
                Value v = a.type == Arg::VARIABLE ? lookup_var(a.text, a.pos) : eval_pipeline(dot, *a.pipe, true);
                if (a.chain.empty() && has_args)
                    fail(a.pos, "can't give argument to non-function " + (a.type == Arg::VARIABLE ? a.text : "(pipeline)"));
                return chain(std::move(v), a.chain, a.pos, has_args);
            }
            case Arg::IDENT: return call(dot, a.text, c.args, 1, final, a.pos);
            case Arg::NIL: fail(a.pos, "nil is not a command");
            default:
                if (has_args) fail(a.pos, "can't give argument to non-function " + print_value(eval_arg(dot, a), false));
                return eval_arg(dot, a);
        }
    }

    Value eval_arg(const Value& dot, const Arg& a) {
        switch (a.type) {
            case Arg::FIELD: return chain(dot, a.chain, a.pos, false);
            case Arg::VARIABLE: return chain(lookup_var(a.text, a.pos), a.chain, a.pos, false);
            case Arg::PIPE: return chain(eval_pipeline(dot, *a.pipe, true), a.chain, a.pos, false);
            case Arg::IDENT: return call(dot, a.text, {}, 0, nullptr, a.pos);
            case Arg::DOT: return dot;
            case Arg::NIL: return Value::nil();
            case Arg::BOOL: return Value::boolean(a.b);
            case Arg::INT: return Value::integer(a.i);
            case Arg::FLOAT: return Value::number(a.f);
            case Arg::STRING: return Value::string(a.text);
        }
        return Value::nil();
    }

    Value call(const Value& dot, const std::string& name, const std::vector<Arg>& argv, size_t first,
               const Value* final, Pos p) {
        const size_t n = argv.size() - std::min(first, argv.size()) + (final ? 1 : 0);
        auto arg = [&](size_t k) { return k + first < argv.size() ? eval_arg(dot, argv[k + first]) : *final; };
        auto want = [&](size_t lo, size_t hi) {
            if (n < lo || n > hi)
                fail(p, "wrong number of args for " + name + ": want " + std::to_string(lo) +
                            (hi != lo ? (hi == SIZE_MAX ? " or more" : "-" + std::to_string(hi)) : "") + " got " +
                            std::to_string(n));
        };
        if (name == "and" || name == "or") {  // short-circuit: the first false (true) argument, or the last
            want(1, SIZE_MAX);
            Value v;
            for (size_t k = 0; k < n; ++k) {
                v = arg(k);
                if (truth(v) != (name == "and")) break;
            }
            return v;
        }
        std::vector<Value> args;
        for (size_t k = 0; k < n; ++k) args.push_back(arg(k));
        if (name == "not") return want(1, 1), Value::boolean(!truth(args[0]));
        if (name == "len") {
            want(1, 1);
            const Value& v = args[0];
            if (v.kind == Kind::STRING) return Value::integer(static_cast<int64_t>(v.str().size()));
            if (v.kind == Kind::LIST) return Value::integer(static_cast<int64_t>(v.list->size()));
            if (v.kind == Kind::MAP) return Value::integer(static_cast<int64_t>(v.fields->size()));
            fail(p, "error calling len: len of " + (v.kind == Kind::NIL ? std::string("nil") : "type " + kind_name(v)));
        }
        if (name == "index") return want(1, SIZE_MAX), index(args, p);
        if (name == "slice") return want(1, 4), slice(args, p);
        if (name == "eq") {
            want(2, SIZE_MAX);
            for (size_t k = 1; k < n; ++k)
                if (compare(args[0], args[k], true, p) == 0) return Value::boolean(true);
            return Value::boolean(false);
        }
        if (name == "ne") return want(2, 2), Value::boolean(compare(args[0], args[1], true, p) != 0);
        if (name == "lt" || name == "le" || name == "gt" || name == "ge") {
            want(2, 2);
            const int c = compare(args[0], args[1], false, p);
            return Value::boolean(name == "lt" ? c < 0 : name == "le" ? c <= 0 : name == "gt" ? c > 0 : c >= 0);
        }
        if (name == "print" || name == "println") return checked(Value::string(sprint(args, name == "println")), p);
        if (name == "printf") {
            want(1, SIZE_MAX);
            if (args[0].kind != Kind::STRING) fail(p, "error calling printf: format is " + kind_name(args[0]) + ", not a string");
            return checked(Value::string(go_sprintf(args[0].str(), {args.begin() + 1, args.end()})), p);
        }
        if (name == "html") return checked(Value::string(html_escape(escaper_input(args))), p);
        if (name == "js") return checked(Value::string(js_escape(escaper_input(args))), p);
        if (name == "urlquery") return checked(Value::string(url_query_escape(escaper_input(args))), p);
        if (name == "json" || name == "toJson") {
            want(1, 1);
            std::string out;
            write_json(out, args[0]);
            return checked(Value::string(std::move(out)), p);
        }
        if (name == "currentDate" || name == "yesterdayDate") {
            want(0, 0);
            std::time_t t = lim_.now ? lim_.now() : std::time(nullptr);
            if (name == "yesterdayDate") t -= 24 * 60 * 60;
            std::tm tm{};
            localtime_r(&t, &tm);
            char buf[32];
            std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
            return Value::string(buf);
        }
        fail(p, "function \"" + name + "\" not defined");
    }

    static Value index(const std::vector<Value>& args, Pos p) {
        Value v = args[0];
        for (size_t k = 1; k < args.size(); ++k) {
            const Value& ix = args[k];
            if (v.kind == Kind::LIST || v.kind == Kind::STRING) {
                if (ix.kind != Kind::INT) fail(p, "error calling index: cannot index slice/array with type " + kind_name(ix));
                const size_t len = v.kind == Kind::LIST ? v.list->size() : v.str().size();
                if (ix.i < 0 || static_cast<uint64_t>(ix.i) >= len)
                    fail(p, "error calling index: index out of range: " + std::to_string(ix.i));
                v = v.kind == Kind::LIST ? (*v.list)[static_cast<size_t>(ix.i)]
                                         : Value::integer(static_cast<unsigned char>(v.str()[static_cast<size_t>(ix.i)]));
            } else if (v.kind == Kind::MAP) {
                if (ix.kind != Kind::STRING) fail(p, "error calling index: value has type " + kind_name(ix) + "; should be string");
                Value found;
                for (const auto& [key, e] : *v.fields)
                    if (key == ix.str()) found = e;
                v = found;
            } else if (v.kind == Kind::NIL) {
                fail(p, "error calling index: index of untyped nil");
            } else {
                fail(p, "error calling index: can't index item of type " + kind_name(v));
            }
        }
        return v;
    }

    static Value slice(const std::vector<Value>& args, Pos p) {
        const Value& v = args[0];
        if (v.kind != Kind::LIST && v.kind != Kind::STRING)
            fail(p, "error calling slice: can't slice item of type " + kind_name(v));
        if (v.kind == Kind::STRING && args.size() > 3) fail(p, "error calling slice: cannot 3-index slice a string");
        const int64_t len = static_cast<int64_t>(v.kind == Kind::LIST ? v.list->size() : v.str().size());
        int64_t ix[2] = {0, len};
        for (size_t k = 1; k < args.size() && k < 3; ++k) {
            if (args[k].kind != Kind::INT) fail(p, "error calling slice: cannot index slice/array with type " + kind_name(args[k]));
            ix[k - 1] = args[k].i;
        }
        if (ix[0] < 0 || ix[1] > len || ix[0] > ix[1])
            fail(p, "error calling slice: invalid slice index: " + std::to_string(ix[0]) + " > " + std::to_string(ix[1]));
        if (v.kind == Kind::STRING)
            return Value::string(v.str().substr(static_cast<size_t>(ix[0]), static_cast<size_t>(ix[1] - ix[0])));
        return Value::make_list(List(v.list->begin() + ix[0], v.list->begin() + ix[1]));
    }

    // Go's eq/lt rules: basic kinds only; a nil against anything else is unequal; int vs float is an error.
    static int compare(const Value& a, const Value& b, bool equality, Pos p) {
        auto basic = [](Kind k) { return k == Kind::BOOL || k == Kind::INT || k == Kind::FLOAT || k == Kind::STRING; };
        const std::string fn = equality ? "eq" : "lt";
        if (a.kind != b.kind) {
            if (equality && (a.kind == Kind::NIL || b.kind == Kind::NIL)) return 1;
            if (!basic(a.kind) || !basic(b.kind))
                fail(p, "error calling " + fn + ": " + (equality ? "incompatible types for comparison" : "invalid type for comparison"));
            fail(p, "error calling " + fn + ": incompatible types for comparison");
        }
        switch (a.kind) {
            case Kind::NIL:
                if (!equality) fail(p, "error calling lt: invalid type for comparison");
                return 0;
            case Kind::BOOL:
                if (!equality) fail(p, "error calling lt: invalid type for comparison");
                return a.b == b.b ? 0 : 1;
            case Kind::INT: return a.i < b.i ? -1 : a.i > b.i ? 1 : 0;
            case Kind::FLOAT: return a.f < b.f ? -1 : a.f > b.f ? 1 : a.f == b.f ? 0 : 2;
            case Kind::STRING: return a.str().compare(b.str()) < 0 ? -1 : a.str() == b.str() ? 0 : 1;
            default:
                fail(p, "error calling " + fn + ": " + (equality ? "non-comparable type " + kind_name(a)
                                                                 : std::string("invalid type for comparison")));
        }
    }
};

}  // namespace

bool is_builtin(std::string_view name) {
    for (const char* b : BUILTINS)
        if (name == b) return true;
    return false;
}

std::string execute(const Node& root, const Value& data, const ExecLimits& limits) {
    return Exec(limits, data).run(root, data);
}

}  // namespace snug::chat::gotpl
