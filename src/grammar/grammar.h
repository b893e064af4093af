// grammar/grammar.h: the context-free grammar that constrains sampling. Callers describe rules with expressions
// (sequences, nested alternatives, optional/star/plus/bounded repetition, code point classes, rule references);
// GrammarBuilder lowers them to the flat form the matcher walks (alternatives of sequences of elements, an element
// being a code point class or a rule reference) and rejects grammars the matcher could not run safely.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "grammar/charset.h"

namespace snug::grammar {

// A grammar expression over code points. Plain data: build with the static helpers.
struct Expr {
    enum class Kind : uint8_t { CHARS, RULE, SEQ, ALT, REPEAT };
    static constexpr uint32_t UNBOUNDED = UINT32_MAX;

    Kind kind = Kind::SEQ;    // a default Expr is the empty sequence: it matches ""
    CharSet chars;            // CHARS: one code point from this set
    uint32_t rule = 0;        // RULE: the rule id
    std::vector<Expr> items;  // SEQ, ALT; REPEAT: items[0]
    uint32_t min = 0;         // REPEAT bounds; max may be UNBOUNDED
    uint32_t max = 0;

    static Expr empty() { return Expr{}; }
    static Expr nothing() { return alt({}); }  // matches no string at all
    static Expr chars_of(CharSet set);
    static Expr literal(std::string_view utf8);  // throws snug::Error for invalid UTF-8
    static Expr ref(uint32_t rule);
    static Expr seq(std::vector<Expr> items);
    static Expr alt(std::vector<Expr> items);
    static Expr repeat(Expr item, uint32_t min, uint32_t max);  // precondition: min <= max
    static Expr opt(Expr item) { return repeat(std::move(item), 0, 1); }
    static Expr star(Expr item) { return repeat(std::move(item), 0, UNBOUNDED); }
    static Expr plus(Expr item) { return repeat(std::move(item), 1, UNBOUNDED); }

    // Whether "" matches, counting rule references as non-empty (exact for expressions without references).
    bool can_be_empty() const;
};

class Grammar;

// Collects named rules, then lowers and checks them. Rule ids are dense from 0 in declaration order.
class GrammarBuilder {
public:
    uint32_t declare(std::string name);  // a rule to define later (lets rules refer to each other)
    void define(uint32_t rule, Expr body);
    uint32_t add(std::string name, Expr body);
    const std::string& name(uint32_t rule) const { return names_.at(rule); }

    // Lowers every rule reachable from root. Throws snug::Error when a rule is used but never defined, when no
    // finite string matches root, for left recursion (a rule that can reach itself without consuming input, which
    // would make the matcher expand forever), and for grammars past the size limit. Alternatives that can never
    // finish (e.g. a required property whose schema recurses without end) are dropped, so every prefix the matcher
    // accepts can still be completed.
    Grammar build(uint32_t root) const;

private:
    std::vector<std::string> names_;
    std::vector<std::optional<Expr>> bodies_;
};

class Grammar {
public:
    // One element of the lowered form; an alternative is a run of elements closed by END.
    struct Element {
        enum class Kind : uint8_t { END, CHARS, RULE };
        Kind kind;
        uint32_t index;  // CHARS: into charsets(); RULE: into rules(); END: unused
    };
    struct Rule {
        std::string name;
        std::vector<uint32_t> alts;  // positions in elements() where each alternative starts
    };

    static constexpr size_t MAX_ELEMENTS = 4u << 20;

    // JSON Schema -> grammar for one JSON value, optionally preceded by a little whitespace. The schema must be
    // parsed as ordered_json so that properties are generated in their declared order. Throws snug::Error naming
    // the JSON path and keyword of anything unsupported or contradictory. Semantics: docs/structured-output.md.
    static Grammar from_json_schema(const nlohmann::ordered_json& schema);
    // Deleted so that a schema parsed as nlohmann::json (keys sorted, declared order lost) cannot slip in.
    static Grammar from_json_schema(const nlohmann::json& schema) = delete;
    // As above from the schema's JSON text; throws snug::Error when it does not parse.
    static Grammar from_json_schema_text(std::string_view schema_json);
    // Any JSON object (Ollama's format "json", OpenAI's response_format json_object).
    static Grammar any_json_object();

    const std::vector<Element>& elements() const { return elements_; }
    const std::vector<Rule>& rules() const { return rules_; }
    const std::vector<CharSet>& charsets() const { return charsets_; }
    uint32_t root() const { return root_; }

    std::string to_string() const;  // GBNF-like listing of the lowered rules, for debugging and tests

private:
    friend class GrammarBuilder;
    std::vector<Element> elements_;
    std::vector<Rule> rules_;
    std::vector<CharSet> charsets_;
    uint32_t root_ = 0;
};

}  // namespace snug::grammar
