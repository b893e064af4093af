// grammar/json_rules.cpp: RFC 8259 token grammar. Whitespace and digit runs are bounded so that a constrained
// model always has to make progress towards closing the value.
#include "grammar/json_rules.h"

#include <cstdio>

namespace snug::grammar {
namespace {

Expr lit(std::string_view s) { return Expr::literal(s); }
Expr cls(CharSet s) { return Expr::chars_of(std::move(s)); }
CharSet ascii_set(std::string_view chars) {
    CharSet s;
    for (char c : chars) s.add(uint8_t(c), uint8_t(c));
    return s;
}

Expr hex() { return cls(CharSet::range('0', '9').add('a', 'f').add('A', 'F')); }
Expr digit() { return cls(CharSet::range('0', '9')); }

// The integer part: 0, or up to MAX_NUMBER_DIGITS digits without a leading zero.
Expr integer_part() {
    return Expr::alt(
        {lit("0"), Expr::seq({cls(CharSet::range('1', '9')), Expr::repeat(digit(), 0, MAX_NUMBER_DIGITS - 1)})});
}

constexpr uint32_t FIRST_CONTROL = 0x00;
constexpr uint32_t LAST_CONTROL = 0x1F;

const char* short_escape(uint32_t c) {
    switch (c) {
        case '\b':
            return "\\b";
        case '\f':
            return "\\f";
        case '\n':
            return "\\n";
        case '\r':
            return "\\r";
        case '\t':
            return "\\t";
        default:
            return nullptr;
    }
}

}  // namespace

Expr JsonRules::rule(std::optional<uint32_t>& slot, const char* name, Expr (JsonRules::*body)()) {
    if (!slot) {
        slot = b_.declare(name);  // declared before its body is built: value refers to itself through object
        b_.define(*slot, (this->*body)());
    }
    return Expr::ref(*slot);
}

Expr JsonRules::ws() { return rule(ws_, "ws", &JsonRules::ws_body); }
Expr JsonRules::string() { return rule(string_, "string", &JsonRules::string_body); }
Expr JsonRules::number() { return rule(number_, "number", &JsonRules::number_body); }
Expr JsonRules::integer() { return rule(integer_, "integer", &JsonRules::integer_body); }
Expr JsonRules::boolean() { return Expr::alt({lit("true"), lit("false")}); }
Expr JsonRules::null() { return lit("null"); }
Expr JsonRules::value() { return rule(value_, "value", &JsonRules::value_body); }
Expr JsonRules::object() { return rule(object_, "object", &JsonRules::object_body); }
Expr JsonRules::array() { return rule(array_, "array", &JsonRules::array_body); }

Expr JsonRules::string_of_length(uint32_t min, uint32_t max) {
    return Expr::seq({lit("\""), Expr::repeat(rule(char_, "char", &JsonRules::char_body), min, max), lit("\"")});
}

Expr JsonRules::string_rest() { return Expr::seq({Expr::star(rule(char_, "char", &JsonRules::char_body)), lit("\"")}); }

Expr JsonRules::ws_body() {
    const Expr indent = Expr::repeat(cls(ascii_set(" \t")), 0, MAX_INDENT);
    return Expr::opt(Expr::alt({lit(" "), Expr::seq({lit("\n"), indent})}));
}

Expr JsonRules::char_body() {
    const CharSet raw = CharSet::any().minus(CharSet::range(FIRST_CONTROL, LAST_CONTROL).add(ascii_set("\"\\")));
    // \uXXXX must name a scalar value, or be a high surrogate followed by a low one: JSON parsers reject the rest.
    const Expr d = cls(ascii_set("dD"));
    const Expr plain_unit = Expr::alt({Expr::seq({cls(ascii_set("0123456789abcABCefEF")), hex(), hex(), hex()}),
                                       Expr::seq({d, cls(CharSet::range('0', '7')), hex(), hex()})});
    const Expr pair =
        Expr::seq({d, cls(ascii_set("89abAB")), hex(), hex(), lit("\\u"), d, cls(ascii_set("cdefCDEF")), hex(), hex()});
    const Expr escape = Expr::alt({cls(ascii_set("\"\\/bfnrt")), Expr::seq({lit("u"), Expr::alt({plain_unit, pair})})});
    return Expr::alt({cls(raw), Expr::seq({lit("\\"), escape})});
}

Expr JsonRules::string_body() { return string_of_length(0, Expr::UNBOUNDED); }

Expr JsonRules::number_body() {
    const Expr fraction = Expr::seq({lit("."), Expr::repeat(digit(), 1, MAX_NUMBER_DIGITS)});
    const Expr exponent =
        Expr::seq({cls(ascii_set("eE")), Expr::opt(cls(ascii_set("+-"))), Expr::repeat(digit(), 1, 2)});
    return Expr::seq({Expr::opt(lit("-")), integer_part(), Expr::opt(fraction), Expr::opt(exponent)});
}

Expr JsonRules::integer_body() { return Expr::seq({Expr::opt(lit("-")), integer_part()}); }

Expr JsonRules::value_body() { return Expr::alt({object(), array(), string(), number(), boolean(), null()}); }

Expr JsonRules::object_body() {
    const Expr member = Expr::seq({string(), ws(), lit(":"), ws(), value(), ws()});
    return Expr::seq(
        {lit("{"), ws(), Expr::opt(Expr::seq({member, Expr::star(Expr::seq({lit(","), ws(), member}))})), lit("}")});
}

Expr JsonRules::array_body() {
    const Expr item = Expr::seq({value(), ws()});
    return Expr::seq(
        {lit("["), ws(), Expr::opt(Expr::seq({item, Expr::star(Expr::seq({lit(","), ws(), item}))})), lit("]")});
}

Expr JsonRules::encoded_char(const CharSet& decoded) {
    const CharSet controls = CharSet::range(FIRST_CONTROL, LAST_CONTROL);
    std::vector<Expr> alts;
    const CharSet raw = decoded.minus(CharSet(controls).add('"', '"').add('\\', '\\'));
    if (!raw.empty()) alts.push_back(cls(raw));
    if (decoded.contains('"')) alts.push_back(lit("\\\""));
    if (decoded.contains('\\')) alts.push_back(lit("\\\\"));
    const bool all_controls = controls.minus(decoded).empty();
    for (uint32_t c = FIRST_CONTROL; c <= LAST_CONTROL; ++c) {
        if (!decoded.contains(c)) continue;
        if (const char* esc = short_escape(c)) {
            alts.push_back(lit(esc));
        } else if (!all_controls) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
            alts.push_back(lit(buf));
        }
    }
    if (all_controls) alts.push_back(Expr::seq({lit("\\u00"), cls(CharSet::range('0', '1')), hex()}));
    return Expr::alt(std::move(alts));
}

Expr JsonRules::encode_chars(const Expr& decoded) {
    if (decoded.kind == Expr::Kind::CHARS) return encoded_char(decoded.chars);
    Expr out = decoded;
    for (Expr& item : out.items) item = encode_chars(item);
    return out;
}

Grammar Grammar::any_json_object() {
    GrammarBuilder b;
    JsonRules json(b);
    const uint32_t root = b.declare("root");
    b.define(root, Expr::seq({json.ws(), json.object()}));
    return b.build(root);
}

}  // namespace snug::grammar
