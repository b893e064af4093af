// jinja/repr.cpp: Python's str(), repr() and json.dumps() for template values. Float formatting follows
// CPython's float_repr_style 'short': the shortest digits that round-trip, in fixed notation for decimal exponents
// -4 <= e < 16 and in scientific notation (at least two exponent digits) elsewhere.
#include "jinja/repr.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <vector>

#include "base/error.h"
#include "jinja/text.h"

namespace snug::jinja {

namespace {

constexpr int MAX_NESTING = 512;  // a namespace can hold itself; Python reports recursion, we report this

void check_depth(int depth) {
    if (depth > MAX_NESTING) throw Error("value nests deeper than " + std::to_string(MAX_NESTING) + " levels");
}

void repr_into(std::string& out, const Value& v, int depth);

void repr_items(std::string& out, const Value& v, int depth) {
    const bool tuple = v.seq_kind() == SeqKind::TUPLE;
    out += tuple ? '(' : '[';
    const List& items = v.items();
    for (size_t i = 0; i < items.size(); ++i) {
        if (i) out += ", ";
        repr_into(out, items[i], depth + 1);
    }
    if (tuple && items.size() == 1) out += ',';
    out += tuple ? ')' : ']';
}

void repr_dict(std::string& out, const Dict& d, int depth) {
    out += '{';
    bool first = true;
    for (const auto& [k, e] : d.entries) {
        if (!first) out += ", ";
        first = false;
        repr_into(out, k, depth + 1);
        out += ": ";
        repr_into(out, e, depth + 1);
    }
    out += '}';
}

void repr_into(std::string& out, const Value& v, int depth) {
    check_depth(depth);
    switch (v.type()) {
        case Type::UNDEFINED: out += "Undefined"; return;
        case Type::STRING: out += py_string_repr(v.str()); return;
        case Type::LIST:
            if (v.is_generator()) {
                out += "<generator object>";
                return;
            }
            repr_items(out, v, depth);
            return;
        case Type::DICT:
            if (v.map_kind() == MapKind::NAMESPACE) {
                out += "<Namespace ";
                repr_dict(out, v.dict_ref(), depth);
                out += '>';
            } else if (v.map_kind() == MapKind::LOOP) {
                const Value* index = v.dict_ref().find("index");
                const Value* length = v.dict_ref().find("length");
                out += "<LoopContext " + (index ? py_str(*index) : "?") + "/" + (length ? py_str(*length) : "?") + ">";
            } else {
                repr_dict(out, v.dict_ref(), depth);
            }
            return;
        default: out += py_str(v); return;
    }
}

void json_string(std::string& out, std::string_view s, bool ensure_ascii) {
    out += '"';
    const std::u32string cps = to_code_points(s);
    char buf[16];
    for (char32_t c : cps) {
        switch (c) {
            case '"': out += "\\\""; continue;
            case '\\': out += "\\\\"; continue;
            case '\n': out += "\\n"; continue;
            case '\r': out += "\\r"; continue;
            case '\t': out += "\\t"; continue;
            case '\b': out += "\\b"; continue;
            case '\f': out += "\\f"; continue;
            default: break;
        }
        if (c < 0x20 || (ensure_ascii && c > 0x7E)) {
            if (c >= 0x10000) {  // a surrogate pair, as json.dumps writes astral characters under ensure_ascii
                const char32_t u = c - 0x10000;
                std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(0xD800 + (u >> 10)));
                out += buf;
                std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(0xDC00 + (u & 0x3FF)));
            } else {
                std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
            }
            out += buf;
        } else {
            append_utf8(out, c);
        }
    }
    out += '"';
}

std::string json_key(const Value& k) {
    switch (k.type()) {
        case Type::STRING: return k.str();
        case Type::NONE: return "null";
        case Type::BOOL: return k.as_bool() ? "true" : "false";
        case Type::INT:
        case Type::FLOAT: return py_str(k);
        default: throw Error("keys must be str, int, float, bool or None, not " + k.type_name());
    }
}

void json_into(std::string& out, const Value& v, const JsonStyle& st, int depth) {
    check_depth(depth);
    const auto newline = [&](int level) {
        if (!st.indent) return;
        out += '\n';
        for (int i = 0; i < level; ++i) out += *st.indent;
    };
    switch (v.type()) {
        case Type::NONE: out += "null"; return;
        case Type::BOOL: out += v.as_bool() ? "true" : "false"; return;
        case Type::INT: out += std::to_string(v.as_int()); return;
        case Type::FLOAT: {
            const double f = v.as_double();
            out += std::isnan(f) ? "NaN" : std::isinf(f) ? (f > 0 ? "Infinity" : "-Infinity") : py_float_repr(f);
            return;
        }
        case Type::STRING: json_string(out, v.str(), st.ensure_ascii); return;
        case Type::LIST: {
            if (v.is_generator()) break;
            const List& items = v.items();
            if (items.empty()) {
                out += "[]";
                return;
            }
            out += '[';
            for (size_t i = 0; i < items.size(); ++i) {
                if (i) out += st.item_separator;
                newline(depth + 1);
                json_into(out, items[i], st, depth + 1);
            }
            newline(depth);
            out += ']';
            return;
        }
        case Type::DICT: {
            if (v.map_kind() != MapKind::DICT) break;
            std::vector<std::pair<std::string, const Value*>> entries;
            for (const auto& [k, e] : v.dict_ref().entries) entries.emplace_back(json_key(k), &e);
            if (entries.empty()) {
                out += "{}";
                return;
            }
            if (st.sort_keys)
                std::stable_sort(entries.begin(), entries.end(),
                                 [](const auto& a, const auto& b) { return to_code_points(a.first) < to_code_points(b.first); });
            out += '{';
            for (size_t i = 0; i < entries.size(); ++i) {
                if (i) out += st.item_separator;
                newline(depth + 1);
                json_string(out, entries[i].first, st.ensure_ascii);
                out += st.key_separator;
                json_into(out, *entries[i].second, st, depth + 1);
            }
            newline(depth);
            out += '}';
            return;
        }
        default: break;
    }
    throw Error("Object of type " + v.type_name() + " is not JSON serializable");
}

}  // namespace

std::string py_float_repr(double f) {
    if (std::isnan(f)) return "nan";
    if (std::isinf(f)) return f > 0 ? "inf" : "-inf";
    char buf[64];
    // Shortest round-trip digits in scientific form, e.g. "1.5e+20"; we re-lay them out the way Python does.
    const auto res = std::to_chars(buf, buf + sizeof buf, f, std::chars_format::scientific);
    const std::string sci(buf, res.ptr);
    const size_t e_pos = sci.find('e');
    std::string mantissa = sci.substr(0, e_pos);
    const int exponent = std::stoi(sci.substr(e_pos + 1));
    const bool negative = mantissa[0] == '-';
    if (negative) mantissa.erase(0, 1);
    std::string digits;
    for (char c : mantissa)
        if (c != '.') digits += c;
    std::string out = negative ? "-" : "";
    if (exponent < -4 || exponent >= 16) {
        out += digits.substr(0, 1);
        if (digits.size() > 1) out += "." + digits.substr(1);
        char ebuf[16];
        std::snprintf(ebuf, sizeof ebuf, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
        return out + ebuf;
    }
    if (exponent < 0) return out + "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
    const size_t int_len = static_cast<size_t>(exponent) + 1;
    if (digits.size() <= int_len) return out + digits + std::string(int_len - digits.size(), '0') + ".0";
    return out + digits.substr(0, int_len) + "." + digits.substr(int_len);
}

std::string py_string_repr(std::string_view s) {
    const bool has_single = s.find('\'') != std::string_view::npos;
    const bool has_double = s.find('"') != std::string_view::npos;
    const char quote = has_single && !has_double ? '"' : '\'';
    std::string out(1, quote);
    char buf[16];
    for (char32_t c : to_code_points(s)) {
        if (c == static_cast<char32_t>(quote) || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (is_py_printable(c)) {
            append_utf8(out, c);
        } else {
            const char* fmt = c < 0x100 ? "\\x%02x" : c < 0x10000 ? "\\u%04x" : "\\U%08x";
            std::snprintf(buf, sizeof buf, fmt, static_cast<unsigned>(c));
            out += buf;
        }
    }
    out += quote;
    return out;
}

std::string html_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&#34;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

std::string py_str(const Value& v) {
    switch (v.type()) {
        case Type::UNDEFINED: return "";
        case Type::NONE: return "None";
        case Type::BOOL: return v.as_bool() ? "True" : "False";
        case Type::INT: return std::to_string(v.as_int());
        case Type::FLOAT: return py_float_repr(v.as_double());
        case Type::STRING: return v.str();
        case Type::CALLABLE: return v.fn().repr;
        default: {
            std::string out;
            repr_into(out, v, 0);
            return out;
        }
    }
}

std::string py_repr(const Value& v) {
    std::string out;
    repr_into(out, v, 0);
    return out;
}

std::string to_json(const Value& v, const JsonStyle& style) {
    std::string out;
    json_into(out, v, style, 0);
    return out;
}

}  // namespace snug::jinja
