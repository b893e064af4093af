// tests/unit/grammar_schema_errors.cpp: schemas that cannot be compiled must fail fast with a message naming the
// keyword and JSON path; none may hang, crash or recurse without end ($ref cycles included).
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "base/error.h"
#include "grammar/matcher.h"
#include "grammar/regex.h"

namespace snug::grammar {
namespace {

void expect_error(std::string_view schema, std::initializer_list<const char*> needles) {
    try {
        (void)Grammar::from_json_schema_text(schema);
        ADD_FAILURE() << "compiled: " << schema;
    } catch (const Error& e) {
        const std::string msg = e.what();
        for (const char* n : needles) EXPECT_NE(msg.find(n), std::string::npos) << "'" << n << "' not in: " << msg;
    }
}

TEST(GrammarSchemaErrors, UnsupportedKeywordsNameTheirPath) {
    expect_error(R"({"properties": {"x": {"not": {"type": "string"}}}})", {"#/properties/x", "'not'"});
    expect_error(R"({"type": "array", "items": {"type": "integer"}, "uniqueItems": true})", {"#", "uniqueItems"});
    expect_error(R"({"patternProperties": {"^a": {}}})", {"patternProperties"});
    expect_error(R"({"type": "number", "multipleOf": 2})", {"multipleOf"});
    expect_error(R"({"if": {}, "then": {}})", {"'if'"});
}

TEST(GrammarSchemaErrors, BadValues) {
    expect_error(R"({"type": "strin"})", {"#/type", "unknown type 'strin'"});
    expect_error(R"({"type": "string", "minLength": 5, "maxLength": 2})", {"minLength 5", "maxLength 2"});
    expect_error(R"({"type": "string", "maxLength": -1})", {"#/maxLength", "non-negative integer"});
    expect_error(R"({"type": "string", "maxLength": 10000000})", {"#/maxLength", "above the supported"});
    expect_error(R"({"type": "array", "minItems": 3, "maxItems": 1})", {"minItems 3"});
    expect_error(R"({"prefixItems": [{}], "items": false, "minItems": 2})", {"minItems 2"});
    expect_error(R"({"type": "integer", "minimum": 5, "maximum": 4})", {"no integer"});
    expect_error(R"({"type": "integer", "minimum": 1e30})", {"#/minimum", "18 digits"});
    expect_error(R"j({"properties": {"code": {"type": "string", "pattern": "(?=x)"}}})j",
                 {"#/properties/code/pattern", "lookaround"});
    expect_error(R"({"type": "string", "enum": [1, 2]})", {"no JSON value satisfies"});
    expect_error(R"(42)", {"must be an object or a boolean"});
    expect_error(R"({"anyOf": []})", {"#/anyOf", "non-empty array"});
    expect_error(R"({"type": "object", "properties": {"a": {}}, "required": ["b"]})", {"'b'", "additionalProperties"});
    expect_error(R"({"allOf": [{"type": "string", "pattern": "a"}, {"pattern": "b"}]})",
                 {"pattern", "cannot be combined"});
    expect_error(R"({"type": )", {"does not parse"});
}

TEST(GrammarSchemaErrors, RefProblems) {
    expect_error(R"({"$ref": "#/$defs/missing"})", {"#/$defs/missing", "does not point"});
    expect_error(R"({"$ref": "https://example.com/schema.json"})", {"only local $ref"});
    // A rule that is only itself matches nothing; one that may also be something else is left-recursive. Both
    // are refused instead of expanded forever.
    expect_error(R"({"$defs": {"a": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"})", {"no JSON value satisfies"});
    expect_error(R"({"$defs": {"a": {"anyOf": [{"$ref": "#/$defs/a"}, {"type": "null"}]}}, "$ref": "#/$defs/a"})",
                 {"left recursion"});
    // Cycles through allOf / $ref with siblings would be inlined forever: the resolution depth stops them.
    expect_error(R"({"$defs": {"a": {"allOf": [{"$ref": "#/$defs/a"}]}}, "$ref": "#/$defs/a"})", {"deeper than"});
    expect_error(
        R"({"$defs": {"a": {"$ref": "#/$defs/a", "minLength": 1}}, "properties": {"x": {"$ref": "#/$defs/a"}}})",
        {"deeper than"});
    // Every value would have to contain another one: no finite JSON text.
    expect_error(
        R"({"$defs": {"n": {"type": "object", "properties": {"next": {"$ref": "#/$defs/n"}}, "required": ["next"]}}, "$ref": "#/$defs/n"})",
        {"no JSON value satisfies"});
}

TEST(GrammarSchemaErrors, ImpossibleOrTooDeep) {
    expect_error("false", {"no JSON value satisfies"});
    std::string deep;
    for (int i = 0; i < 100; ++i) deep += R"({"type": "array", "items": )";
    deep += "{}";
    for (int i = 0; i < 100; ++i) deep += "}";
    expect_error(deep, {"nested deeper than 64"});
}

// Random patterns and random schemas built from keyword fragments: each either compiles (and then a matcher
// starts on it) or throws snug::Error; nothing else may happen.
TEST(GrammarSchemaErrors, RandomInputsCompileOrThrowError) {
    std::mt19937 rng(5);
    int n_patterns = 0;
    int n_schemas = 0;
    const std::string meta = "ab()[]{}|*+?.^$\\-,0129dwsu:=!<>";
    for (int i = 0; i < 3000; ++i) {
        std::string p;
        for (int k = 0, n = int(rng() % 12); k < n; ++k) p += meta[rng() % meta.size()];
        try {
            GrammarBuilder b;
            const uint32_t root = b.add("root", compile_pattern(p));
            Matcher m(std::make_shared<Grammar>(b.build(root)));
            (void)m.can_accept("ab");
            ++n_patterns;
        } catch (const Error&) {
        }
    }
    EXPECT_GT(n_patterns, 300);  // both outcomes occur
    const std::vector<std::string> fragments = {
        R"("type": "object")",
        R"("type": ["array", "null"])",
        R"("properties": {"a": {"$ref": "#"}, "b": {}})",
        R"("required": ["a"])",
        R"("additionalProperties": false)",
        R"("items": {"$ref": "#/$defs/x"})",
        R"("$defs": {"x": {"anyOf": [{"type": "integer"}, {"$ref": "#/$defs/x"}]}})",
        R"("minItems": 2)",
        R"("allOf": [{"$ref": "#"}])",
        R"("enum": [1, "a", null])",
        R"("pattern": "^a+$")",
        R"("maxLength": 3)",
        R"("oneOf": [{"type": "string"}, {"$ref": "#/$defs/x"}])",
        R"("nullable": true)",
        R"("const": {"k": [1]})",
        R"("prefixItems": [{"type": "boolean"}])",
        R"("minimum": 3)",
        R"("maximum": -3)",
        R"("format": "date")"};
    for (int i = 0; i < 1500; ++i) {
        std::string schema = "{";
        for (int k = 0, n = 1 + int(rng() % 4); k < n; ++k)
            schema += (k ? ", " : "") + fragments[rng() % fragments.size()];
        schema += "}";
        try {
            Matcher m(std::make_shared<Grammar>(Grammar::from_json_schema_text(schema)));
            (void)m.can_accept("[{\"a\": 1}]");
            ++n_schemas;
        } catch (const Error&) {
        }
    }
    EXPECT_GT(n_schemas, 300);
    EXPECT_LT(n_schemas, 1500);
}

TEST(GrammarSchemaErrors, HarmlessKeywordsAreIgnored) {
    EXPECT_NO_THROW((void)Grammar::from_json_schema_text(
        R"({"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "x", "title": "T", "description": "d",
            "type": "object", "properties": {"a": {"type": "string", "format": "email", "examples": ["q"], "default": "z",
            "x-vendor": 1}}, "uniqueItems": false})"));
}

}  // namespace
}  // namespace snug::grammar
