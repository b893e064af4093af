// chat/go_template_value.cpp: the values of the Go template interpreter as Go prints them: fmt's %v (Sprint),
// encoding/json's Marshal (HTML-safe escaping, shortest floats), Go truthiness, and JSON decoded like Go's `any`.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "chat/go_template_ast.h"

namespace snug::chat::gotpl {

Value Value::make_map(Fields v, bool sort_keys) {
    if (sort_keys)
        std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    Value x;
    x.kind = Kind::MAP;
    x.fields = std::make_shared<const Fields>(std::move(v));
    return x;
}

Value Value::make_struct(std::string type, Fields v, nlohmann::ordered_json marshal) {
    Value x;
    x.kind = Kind::STRUCT;
    x.type_name = std::move(type);
    x.fields = std::make_shared<const Fields>(std::move(v));
    x.marshal = std::make_shared<const nlohmann::ordered_json>(std::move(marshal));
    return x;
}

const std::string& Value::str() const {
    static const std::string empty;
    return s ? *s : empty;
}

Value from_json(const nlohmann::ordered_json& j) {
    switch (j.type()) {
        case nlohmann::json::value_t::boolean: return Value::boolean(j.get<bool>());
        case nlohmann::json::value_t::number_integer: return Value::integer(j.get<int64_t>());
        case nlohmann::json::value_t::number_unsigned: {
            const uint64_t u = j.get<uint64_t>();
            return u > static_cast<uint64_t>(INT64_MAX) ? Value::number(static_cast<double>(u))
                                                        : Value::integer(static_cast<int64_t>(u));
        }
        case nlohmann::json::value_t::number_float: return Value::number(j.get<double>());
        case nlohmann::json::value_t::string: return Value::string(j.get<std::string>());
        case nlohmann::json::value_t::array: {
            List l;
            for (const auto& e : j) l.push_back(from_json(e));
            return Value::make_list(std::move(l));
        }
        case nlohmann::json::value_t::object: {
            Fields f;
            for (const auto& [k, v] : j.items()) f.emplace_back(k, from_json(v));
            return Value::make_map(std::move(f), true);
        }
        default: return Value::nil();
    }
}

bool truth(const Value& v) {
    switch (v.kind) {
        case Kind::NIL: return false;
        case Kind::BOOL: return v.b;
        case Kind::INT: return v.i != 0;
        case Kind::FLOAT: return v.f != 0;
        case Kind::STRING: return !v.str().empty();
        case Kind::LIST: return !v.list->empty();
        case Kind::MAP: return v.always_true || !v.fields->empty();
        case Kind::STRUCT: return true;  // Go: struct values are always true
    }
    return false;
}

std::string kind_name(const Value& v) {
    switch (v.kind) {
        case Kind::NIL: return "nil";
        case Kind::BOOL: return "bool";
        case Kind::INT: return "int";
        case Kind::FLOAT: return "float64";
        case Kind::STRING: return "string";
        case Kind::LIST: return "[]interface {}";
        case Kind::MAP: return "map[string]interface {}";
        case Kind::STRUCT: return v.type_name;
    }
    return "?";
}

namespace {

// Shortest round-trip digits of a finite non-zero |v| and the decimal exponent of the first digit.
void shortest_digits(double v, std::string* digits, int* exp10) {
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, std::fabs(v), std::chars_format::scientific);
    const std::string_view s(buf, static_cast<size_t>(r.ptr - buf));
    const size_t e = s.find('e');
    digits->clear();
    for (char c : s.substr(0, e))
        if (c != '.') *digits += c;
    while (digits->size() > 1 && digits->back() == '0') digits->pop_back();
    *exp10 = std::atoi(std::string(s.substr(e + 1)).c_str());
}

std::string e_form(const std::string& d, int exp, bool min_two_digits) {
    std::string out(1, d[0]);
    if (d.size() > 1) out += "." + d.substr(1);
    out += exp < 0 ? "e-" : "e+";
    const std::string n = std::to_string(std::abs(exp));
    if (min_two_digits && n.size() < 2) out += '0';
    return out + n;
}

std::string f_form(const std::string& d, int exp) {
    const int dp = exp + 1;  // digits before the decimal point
    const int nd = static_cast<int>(d.size());
    if (dp <= 0) return "0." + std::string(static_cast<size_t>(-dp), '0') + d;
    if (dp >= nd) return d + std::string(static_cast<size_t>(dp - nd), '0');
    return d.substr(0, static_cast<size_t>(dp)) + "." + d.substr(static_cast<size_t>(dp));
}

std::string json_float(double v) {
    if (!std::isfinite(v)) return "null";  // Go's Marshal fails here; Ollama ignores the error and prints ""
    if (v == 0) return std::signbit(v) ? "-0" : "0";
    std::string d;
    int exp = 0;
    shortest_digits(v, &d, &exp);
    const double a = std::fabs(v);
    const std::string body = a < 1e-6 || a >= 1e21 ? e_form(d, exp, false) : f_form(d, exp);
    return v < 0 ? "-" + body : body;
}

void json_string(std::string& out, std::string_view s) {
    static const char* hex = "0123456789abcdef";
    out += '"';
    for (size_t k = 0; k < s.size();) {
        const unsigned char c = static_cast<unsigned char>(s[k]);
        if (c < 0x80) {
            switch (c) {
                case '"': out += "\\\""; break;
                case '\\': out += "\\\\"; break;
                case '\n': out += "\\n"; break;
                case '\r': out += "\\r"; break;
                case '\t': out += "\\t"; break;
                case '\b': out += "\\b"; break;
                case '\f': out += "\\f"; break;
                case '<':
                case '>':
                case '&':
                    out += "\\u00";
                    out += hex[c >> 4];
                    out += hex[c & 15];
                    break;
                default:
                    if (c < 0x20) {
                        out += "\\u00";
                        out += hex[c >> 4];
                        out += hex[c & 15];
                    } else {
                        out += static_cast<char>(c);
                    }
            }
            ++k;
            continue;
        }
        // a UTF-8 sequence: copied when valid, else U+FFFD for the one bad byte, as Go does
        const size_t n = c >= 0xF0 && c < 0xF5 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
        bool ok = n > 0 && k + n <= s.size();
        uint32_t cp = n == 2 ? c & 0x1F : n == 3 ? c & 0x0F : c & 0x07;
        for (size_t m = 1; ok && m < n; ++m) {
            const unsigned char cc = static_cast<unsigned char>(s[k + m]);
            ok = (cc & 0xC0) == 0x80;
            cp = (cp << 6) | (cc & 0x3F);
        }
        if (ok) ok = !(n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) && !(n == 4 && (cp < 0x10000 || cp > 0x10FFFF));
        if (!ok) {
            out += "\\ufffd";
            ++k;
        } else if (cp == 0x2028 || cp == 0x2029) {
            out += cp == 0x2028 ? "\\u2028" : "\\u2029";
            k += n;
        } else {
            out.append(s.substr(k, n));
            k += n;
        }
    }
    out += '"';
}

}  // namespace

std::string go_float(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    if (v == 0) return std::signbit(v) ? "-0" : "0";
    std::string d;
    int exp = 0;
    shortest_digits(v, &d, &exp);
    // %v is %g with the shortest digits: exponent form when exp < -4 or exp >= 6 (strconv's eprec for shortest)
    const std::string body = exp < -4 || exp >= 6 ? e_form(d, exp, true) : f_form(d, exp);
    return v < 0 ? "-" + body : body;
}

void write_json(std::string& out, const nlohmann::ordered_json& j) {
    switch (j.type()) {
        case nlohmann::json::value_t::null:
        case nlohmann::json::value_t::discarded: out += "null"; break;
        case nlohmann::json::value_t::boolean: out += j.get<bool>() ? "true" : "false"; break;
        case nlohmann::json::value_t::number_integer: out += std::to_string(j.get<int64_t>()); break;
        case nlohmann::json::value_t::number_unsigned: out += std::to_string(j.get<uint64_t>()); break;
        case nlohmann::json::value_t::number_float: out += json_float(j.get<double>()); break;
        case nlohmann::json::value_t::string: json_string(out, j.get_ref<const std::string&>()); break;
        case nlohmann::json::value_t::array: {
            out += '[';
            bool first = true;
            for (const auto& e : j) {
                if (!first) out += ',';
                first = false;
                write_json(out, e);
            }
            out += ']';
            break;
        }
        case nlohmann::json::value_t::object: {
            out += '{';
            bool first = true;
            for (const auto& [k, v] : j.items()) {
                if (!first) out += ',';
                first = false;
                json_string(out, k);
                out += ':';
                write_json(out, v);
            }
            out += '}';
            break;
        }
        default: out += "null";
    }
}

void write_json(std::string& out, const Value& v) {
    switch (v.kind) {
        case Kind::NIL: out += "null"; break;
        case Kind::BOOL: out += v.b ? "true" : "false"; break;
        case Kind::INT: out += std::to_string(v.i); break;
        case Kind::FLOAT: out += json_float(v.f); break;
        case Kind::STRING: json_string(out, v.str()); break;
        case Kind::LIST:
            if (v.nil_slice && v.list->empty()) {
                out += "null";
                break;
            }
            out += '[';
            for (size_t k = 0; k < v.list->size(); ++k) {
                if (k) out += ',';
                write_json(out, (*v.list)[k]);
            }
            out += ']';
            break;
        case Kind::MAP:
            out += '{';
            for (size_t k = 0; k < v.fields->size(); ++k) {
                if (k) out += ',';
                json_string(out, (*v.fields)[k].first);
                out += ':';
                write_json(out, (*v.fields)[k].second);
            }
            out += '}';
            break;
        case Kind::STRUCT: write_json(out, *v.marshal); break;
    }
}

std::string print_value(const Value& v, bool top) {
    if (v.stringer) {
        std::string out;
        write_json(out, v);
        return out;
    }
    switch (v.kind) {
        case Kind::NIL: return top ? "<no value>" : "<nil>";
        case Kind::BOOL: return v.b ? "true" : "false";
        case Kind::INT: return std::to_string(v.i);
        case Kind::FLOAT: return go_float(v.f);
        case Kind::STRING: return v.str();
        case Kind::LIST: {
            std::string out = "[";
            for (size_t k = 0; k < v.list->size(); ++k) out += (k ? " " : "") + print_value((*v.list)[k], false);
            return out + "]";
        }
        case Kind::MAP: {
            std::string out = "map[";
            for (size_t k = 0; k < v.fields->size(); ++k)
                out += (k ? " " : "") + (*v.fields)[k].first + ":" + print_value((*v.fields)[k].second, false);
            return out + "]";
        }
        case Kind::STRUCT: {
            std::string out = "{";
            for (size_t k = 0; k < v.fields->size(); ++k) out += (k ? " " : "") + print_value((*v.fields)[k].second, false);
            return out + "}";
        }
    }
    return "";
}

}  // namespace snug::chat::gotpl
