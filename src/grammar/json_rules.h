// grammar/json_rules.h: JSON's building blocks (bounded whitespace, strings, numbers, any value) as rules of a
// GrammarBuilder, each declared on first use and then shared. Used by the schema compiler and the "json" mode.
#pragma once
#include <cstdint>
#include <optional>

#include "grammar/grammar.h"

namespace snug::grammar {

// Digits allowed in a number's integer part and fraction: enough for any int64 or double, few enough that a model
// cannot loop on digits forever.
inline constexpr uint32_t MAX_NUMBER_DIGITS = 18;
// Spaces or tabs allowed after a newline between tokens: room for deeply indented pretty-printing.
inline constexpr uint32_t MAX_INDENT = 32;

class JsonRules {
public:
    explicit JsonRules(GrammarBuilder& b) : b_(b) {}

    Expr ws();      // nothing, one space, or a newline followed by up to MAX_INDENT spaces or tabs
    Expr string();  // any JSON string, escapes included (\u escapes only as valid scalar values or surrogate pairs)
    Expr number();
    Expr integer();
    Expr boolean();
    Expr null();
    Expr value();  // any JSON value
    Expr object();
    Expr array();
    // What may follow a string's opening quote: any characters, then the closing quote.
    Expr string_rest();
    // A string of min..max characters (an escape counts as the one character it stands for); max may be UNBOUNDED.
    Expr string_of_length(uint32_t min, uint32_t max);

    // One character of a string body, given as a set of decoded characters: the raw character where JSON allows
    // it, else its escape (\" \\ \n ... \u00XX), so that the decoded string holds exactly a member of the set.
    static Expr encoded_char(const CharSet& decoded);
    // The same applied to every class of an expression over decoded characters (e.g. a compiled pattern).
    static Expr encode_chars(const Expr& decoded);

private:
    Expr rule(std::optional<uint32_t>& slot, const char* name, Expr (JsonRules::*body)());
    Expr ws_body();
    Expr char_body();
    Expr string_body();
    Expr number_body();
    Expr integer_body();
    Expr value_body();
    Expr object_body();
    Expr array_body();

    GrammarBuilder& b_;
    std::optional<uint32_t> ws_, char_, string_, number_, integer_, value_, object_, array_;
};

}  // namespace snug::grammar
