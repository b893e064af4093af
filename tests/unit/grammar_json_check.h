// tests/unit/grammar_json_check.h: independent oracles for the grammar tests, written from RFC 8259 and the JSON
// Schema spec without using snug's grammar code: a JSON prefix recognizer (can this text still become valid
// JSON?), a small schema validator for the keywords the tests use, and a duplicate-key check.
#pragma once
#include <cmath>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace snug::grammar::testing {

// Whether text is a prefix of some UTF-8 text: complete sequences valid, the last one possibly unfinished.
inline bool is_utf8_prefix(std::string_view text) {
    for (size_t i = 0; i < text.size();) {
        const auto b = static_cast<unsigned char>(text[i]);
        size_t len = b < 0x80                 ? 1
                     : b >= 0xC2 && b <= 0xDF ? 2
                     : b >= 0xE0 && b <= 0xEF ? 3
                     : b >= 0xF0 && b <= 0xF4 ? 4
                                              : 0;
        if (len == 0) return false;
        uint32_t cp = len == 1 ? b : b & (0x7F >> len);
        size_t k = 1;
        for (; k < len && i + k < text.size(); ++k) {
            const auto c = static_cast<unsigned char>(text[i + k]);
            if ((c & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (c & 0x3F);
            // Second byte limits (overlongs, surrogates, > U+10FFFF), checked as soon as it is present.
            if (k == 1 && ((b == 0xE0 && c < 0xA0) || (b == 0xED && c > 0x9F) || (b == 0xF0 && c < 0x90) ||
                           (b == 0xF4 && c > 0x8F))) {
                return false;
            }
        }
        i += k;
    }
    return true;
}

// A character-level JSON recognizer that accepts exactly the prefixes of valid JSON texts (one value).
class JsonPrefix {
public:
    bool feed(unsigned char c) {
        switch (mode_) {
            case STRING:
                if (c == '"') return end_value(key_ ? COLON : AFTER);
                if (c == '\\') mode_ = ESCAPE;
                return c >= 0x20;
            case ESCAPE:
                if (c == 'u') {
                    mode_ = HEX, hex_left_ = 4;
                    return true;
                }
                mode_ = STRING;
                return std::string_view("\"\\/bfnrt").find(char(c)) != std::string_view::npos;
            case HEX:
                if (!std::isxdigit(c)) return false;
                if (--hex_left_ == 0) mode_ = STRING;
                return true;
            case LITERAL:
                if (literal_.empty() || c != static_cast<unsigned char>(literal_[0])) return false;
                literal_.erase(0, 1);
                if (literal_.empty()) end_value(AFTER);
                return true;
            case NUMBER:
                if (number_step(c)) return true;
                if (!number_complete()) return false;
                end_value(AFTER);
                return feed(c);
            default:
                break;
        }
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') return true;
        switch (mode_) {
            case ARRAY_FIRST:
                if (c == ']') return close('a');
                return start_value(c);
            case VALUE:
                return start_value(c);
            case OBJECT_FIRST:
                if (c == '}') return close('o');
                return c == '"' && start_key();
            case OBJECT_KEY:
                return c == '"' && start_key();
            case COLON:
                mode_ = VALUE;
                return c == ':';
            case AFTER:
                if (stack_.empty()) return false;
                if (c == ',') {
                    mode_ = stack_.back() == 'o' ? OBJECT_KEY : VALUE;
                    return true;
                }
                return close(c == '}' ? 'o' : c == ']' ? 'a' : 0);
            default:
                return false;
        }
    }
    bool feed(std::string_view text) {
        for (char c : text) {
            if (!feed(static_cast<unsigned char>(c))) return false;
        }
        return true;
    }

private:
    enum Mode { VALUE, ARRAY_FIRST, OBJECT_FIRST, OBJECT_KEY, COLON, AFTER, STRING, ESCAPE, HEX, NUMBER, LITERAL };
    enum Num { MINUS, ZERO, INT, DOT, FRAC, EXP_MARK, EXP_SIGN, EXP };

    bool start_value(unsigned char c) {
        switch (c) {
            case '{':
                stack_.push_back('o'), mode_ = OBJECT_FIRST;
                return true;
            case '[':
                stack_.push_back('a'), mode_ = ARRAY_FIRST;
                return true;
            case '"':
                key_ = false, mode_ = STRING;
                return true;
            case 't':
                literal_ = "rue", mode_ = LITERAL;
                return true;
            case 'f':
                literal_ = "alse", mode_ = LITERAL;
                return true;
            case 'n':
                literal_ = "ull", mode_ = LITERAL;
                return true;
            default:
                break;
        }
        if (c != '-' && !std::isdigit(c)) return false;
        mode_ = NUMBER;
        num_ = c == '-' ? MINUS : c == '0' ? ZERO : INT;
        return true;
    }
    bool start_key() {
        key_ = true, mode_ = STRING;
        return true;
    }
    bool end_value(Mode next) {
        mode_ = next;
        return true;
    }
    bool close(char kind) {
        if (kind == 0 || stack_.empty() || stack_.back() != kind) return false;
        stack_.pop_back();
        mode_ = AFTER;
        return true;
    }
    bool number_step(unsigned char c) {
        const bool digit = std::isdigit(c) != 0;
        switch (num_) {
            case MINUS:
                return digit && (num_ = c == '0' ? ZERO : INT, true);
            case ZERO:
                return (c == '.' && (num_ = DOT, true)) || ((c == 'e' || c == 'E') && (num_ = EXP_MARK, true));
            case INT:
            case FRAC:
                if (digit) return true;
                if (c == '.' && num_ == INT) return num_ = DOT, true;
                return (c == 'e' || c == 'E') && (num_ = EXP_MARK, true);
            case DOT:
                return digit && (num_ = FRAC, true);
            case EXP_MARK:
                if (c == '+' || c == '-') return num_ = EXP_SIGN, true;
                return digit && (num_ = EXP, true);
            case EXP_SIGN:
                return digit && (num_ = EXP, true);
            case EXP:
                return digit;
        }
        return false;
    }
    bool number_complete() const { return num_ == ZERO || num_ == INT || num_ == FRAC || num_ == EXP; }

    Mode mode_ = VALUE;
    std::vector<char> stack_;
    bool key_ = false;
    int hex_left_ = 0;
    std::string literal_;
    Num num_ = INT;
};

inline bool is_json_prefix(std::string_view text) { return is_utf8_prefix(text) && JsonPrefix().feed(text); }

// Whether some object in text (which must parse) repeats a key; with `only` non-empty, only those keys count.
inline bool has_duplicate_keys(const std::string& text, const std::set<std::string>& only = {}) {
    std::vector<std::set<std::string>> open;
    bool dup = false;
    const auto callback = [&](int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
        if (event == nlohmann::json::parse_event_t::object_start) open.emplace_back();
        if (event == nlohmann::json::parse_event_t::object_end) open.pop_back();
        if (event == nlohmann::json::parse_event_t::key) {
            const std::string key = parsed.get<std::string>();
            dup = dup || (!open.back().insert(key).second && (only.empty() || only.count(key) > 0));
        }
        return true;
    };
    const nlohmann::json ignored = nlohmann::json::parse(text, callback);
    return dup;
}

// UTF-8 to code points, for std::wregex (wchar_t holds a whole code point on Linux); the input is valid UTF-8.
inline std::wstring widen(const std::string& s) {
    std::wstring out;
    for (size_t i = 0; i < s.size();) {
        const auto b = static_cast<unsigned char>(s[i]);
        const size_t len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
        uint32_t cp = len == 1 ? b : b & (0x7F >> len);
        for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
        out += static_cast<wchar_t>(cp);
        i += len;
    }
    return out;
}

inline size_t count_code_points(const std::string& s) {
    size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
}

// Why value breaks schema ("" when it does not), for: boolean schemas, $ref (local), type, enum, const, anyOf,
// oneOf, allOf, properties, required, additionalProperties, items, prefixItems, minItems, maxItems, minLength,
// maxLength, pattern (std::wregex over code points), format date/uuid, minimum/maximum (+ exclusive), nullable.
inline std::string validate(const nlohmann::json& v, const nlohmann::json& s, const nlohmann::json& root) {
    using nlohmann::json;
    if (s.is_boolean()) return s.get<bool>() ? "" : "false schema";
    if (s.contains("nullable") && s["nullable"] == true && v.is_null()) return "";
    if (s.contains("$ref")) {
        const std::string err = validate(v, root.at(json::json_pointer(s["$ref"].get<std::string>().substr(1))), root);
        if (!err.empty()) return "$ref: " + err;
    }
    if (s.contains("type")) {
        const json types = s["type"].is_array() ? s["type"] : json::array({s["type"]});
        bool ok = false;
        for (const json& t : types) {
            ok = ok || (t == "object" && v.is_object()) || (t == "array" && v.is_array()) ||
                 (t == "string" && v.is_string()) || (t == "number" && v.is_number()) ||
                 (t == "boolean" && v.is_boolean()) || (t == "null" && v.is_null()) ||
                 (t == "integer" &&
                  (v.is_number_integer() || (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>())));
        }
        if (!ok) return "type " + s["type"].dump() + " vs " + v.dump();
    }
    if (s.contains("enum") && std::find(s["enum"].begin(), s["enum"].end(), v) == s["enum"].end())
        return "enum: " + v.dump();
    if (s.contains("const") && s["const"] != v) return "const: " + v.dump();
    for (const char* key : {"anyOf", "oneOf"}) {
        if (!s.contains(key)) continue;
        int n = 0;
        for (const json& sub : s[key]) n += validate(v, sub, root).empty();
        if (n == 0 || (n > 1 && std::string(key) == "oneOf")) return std::string(key) + " matched " + std::to_string(n);
    }
    if (s.contains("allOf")) {
        for (const json& sub : s["allOf"]) {
            if (std::string err = validate(v, sub, root); !err.empty()) return "allOf: " + err;
        }
    }
    if (v.is_object()) {
        const json props = s.value("properties", json::object());
        for (const json& r : s.value("required", json::array())) {
            if (!v.contains(r.get<std::string>())) return "missing " + r.get<std::string>();
        }
        for (const auto& [k, x] : v.items()) {
            const json& sub = props.contains(k) ? props[k] : s.value("additionalProperties", json(true));
            if (std::string err = validate(x, sub, root); !err.empty()) return "." + k + ": " + err;
        }
    }
    if (v.is_array()) {
        const json prefix = s.value("prefixItems", json::array());
        for (size_t i = 0; i < v.size(); ++i) {
            const json& sub = i < prefix.size() ? prefix[i] : s.value("items", json(true));
            if (std::string err = validate(v[i], sub, root); !err.empty()) return "[" + std::to_string(i) + "]: " + err;
        }
        if (v.size() < s.value("minItems", size_t{0}) || v.size() > s.value("maxItems", SIZE_MAX)) return "item count";
    }
    if (v.is_string()) {
        const std::string str = v.get<std::string>();
        const size_t n = count_code_points(str);
        if (n < s.value("minLength", size_t{0}) || n > s.value("maxLength", SIZE_MAX)) return "length of " + v.dump();
        if (s.contains("pattern") &&
            !std::regex_search(widen(str), std::wregex(widen(s["pattern"].get<std::string>())))) {
            return "pattern: " + v.dump();
        }
        const std::string format = s.value("format", "");
        if (format == "date" && !std::regex_match(str, std::regex(R"(\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]))")))
            return "date";
        if (format == "uuid" &&
            !std::regex_match(str, std::regex("[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")))
            return "uuid";
    }
    if (v.is_number()) {
        const double x = v.get<double>();
        if ((s.contains("minimum") && x < s["minimum"].get<double>()) ||
            (s.contains("maximum") && x > s["maximum"].get<double>()) ||
            (s.contains("exclusiveMinimum") && x <= s["exclusiveMinimum"].get<double>()) ||
            (s.contains("exclusiveMaximum") && x >= s["exclusiveMaximum"].get<double>())) {
            return "bounds: " + v.dump();
        }
    }
    return "";
}

}  // namespace snug::grammar::testing
