// tests/unit/grammar_schema.cpp: hand-written JSON schemas and texts that must be accepted or refused in full.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "grammar/matcher.h"

namespace snug::grammar {
namespace {

class SchemaCase {
public:
    explicit SchemaCase(std::string_view schema)
        : g_(std::make_shared<Grammar>(Grammar::from_json_schema_text(schema))) {}
    explicit SchemaCase(Grammar g) : g_(std::make_shared<Grammar>(std::move(g))) {}

    bool accepts(std::string_view text) const {
        Matcher m(g_);
        return m.accept(text) && m.is_complete();
    }

private:
    std::shared_ptr<const Grammar> g_;
};

#define EXPECT_ACCEPTS(c, text) EXPECT_TRUE((c).accepts(text)) << text
#define EXPECT_REFUSES(c, text) EXPECT_FALSE((c).accepts(text)) << text

TEST(GrammarSchema, ObjectPropertiesInOrderRequiredAndOptional) {
    const SchemaCase c(R"({"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"},
                           "email": {"type": "string"}}, "required": ["name", "age"]})");
    EXPECT_ACCEPTS(c, R"({"name":"Bob","age":3})");
    EXPECT_ACCEPTS(c, R"({"name": "Bob", "age": 3, "email": "b@x.org"})");
    EXPECT_ACCEPTS(c, "{\n  \"name\": \"Bob\",\n  \"age\": -3\n}");
    EXPECT_ACCEPTS(c, R"( {"name":"","age":0})");          // a leading space, as SentencePiece pieces start with one
    EXPECT_REFUSES(c, R"({"age":3,"name":"Bob"})");        // declared order
    EXPECT_REFUSES(c, R"({"name":"Bob"})");                // missing required
    EXPECT_REFUSES(c, R"({"name":"Bob","age":3,"x":1})");  // additionalProperties absent: only declared ones
    EXPECT_REFUSES(c, R"({"name":"Bob","age":3.5})");
    EXPECT_REFUSES(c, R"({"name":"Bob","age":3,})");
    EXPECT_REFUSES(c, R"({"name":"Bob","age":3} )");  // nothing after the value
}

TEST(GrammarSchema, OptionalPropertiesAnySubset) {
    const SchemaCase c(
        R"({"properties": {"a": {"type": "integer"}, "b": {"type": "integer"}, "c": {"type": "integer"}}})");
    for (const char* ok : {"{}", R"({"a":1})", R"({"b":1})", R"({"c":1})", R"({"a":1,"c":3})", R"({"b":2,"c":3})",
                           R"({"a":1,"b":2,"c":3})", "{ }"}) {
        EXPECT_ACCEPTS(c, ok);
    }
    for (const char* bad : {R"({,"a":1})", R"({"a":1,})", R"({"b":1,"a":2})", R"({"a":1 "b":2})"})
        EXPECT_REFUSES(c, bad);
}

TEST(GrammarSchema, WhitespaceIsBounded) {
    const SchemaCase c(R"({"type": "object", "properties": {"a": {"type": "integer"}}})");
    EXPECT_ACCEPTS(c, "{\n\t\t\"a\" : 1\n}");
    EXPECT_REFUSES(c, R"({  "a":1})");   // two spaces
    EXPECT_REFUSES(c, "{\n\n\"a\":1}");  // two newlines
    EXPECT_REFUSES(c, "{\n" + std::string(33, ' ') + "\"a\":1}");
    EXPECT_ACCEPTS(c, "{\n" + std::string(32, ' ') + "\"a\":1}");
}

TEST(GrammarSchema, AdditionalPropertiesNeverRepeatADeclaredKey) {
    const SchemaCase c(R"({"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"],
                           "additionalProperties": true})");
    EXPECT_ACCEPTS(c, R"({"name":"a","nam":1,"names":[true],"":null,"x\"y":{}})");
    // An escape could spell a declared name's character, so none is allowed while the key still follows one.
    EXPECT_REFUSES(c, R"({"name":"a","\u006eame":1})");
    EXPECT_ACCEPTS(c, R"({"name":"a","x\u006eame":1})");
    EXPECT_REFUSES(c, R"({"name":"a","name":"b"})");
    EXPECT_REFUSES(c, R"({"x":1,"name":"a"})");  // extras come after the declared properties
    const SchemaCase typed(R"({"type": "object", "additionalProperties": {"type": "number"}})");
    EXPECT_ACCEPTS(typed, R"({"a":1,"b":2.5e3})");
    EXPECT_REFUSES(typed, R"({"a":"1"})");
    const SchemaCase any(R"({"type": "object"})");
    EXPECT_ACCEPTS(any, R"({"k":[1,{"z":null}],"j":"\n"})");
}

TEST(GrammarSchema, RequiredPropertyNotDeclared) {
    const SchemaCase c(R"({"type": "object", "required": ["id"], "additionalProperties": {"type": "integer"}})");
    EXPECT_ACCEPTS(c, R"({"id":5})");
    EXPECT_ACCEPTS(c, R"({"id":5,"other":6})");
    EXPECT_REFUSES(c, R"({"other":6})");
}

TEST(GrammarSchema, Arrays) {
    const SchemaCase c(R"({"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 3})");
    EXPECT_ACCEPTS(c, "[1]");
    EXPECT_ACCEPTS(c, "[1, 2,\n 3]");
    EXPECT_REFUSES(c, "[]");
    EXPECT_REFUSES(c, "[1,2,3,4]");
    EXPECT_REFUSES(c, "[1,]");
    const SchemaCase tuple(R"({"prefixItems": [{"type": "string"}, {"type": "boolean"}], "items": false})");
    EXPECT_ACCEPTS(tuple, "[]");
    EXPECT_ACCEPTS(tuple, R"(["a"])");
    EXPECT_ACCEPTS(tuple, R"(["a",true])");
    EXPECT_REFUSES(tuple, R"(["a",true,1])");
    EXPECT_REFUSES(tuple, R"([true])");
    const SchemaCase rest(R"({"prefixItems": [{"const": 0}], "items": {"type": "string"}, "minItems": 3})");
    EXPECT_ACCEPTS(rest, R"([0,"a","b"])");
    EXPECT_ACCEPTS(rest, R"([0,"a","b","c"])");
    EXPECT_REFUSES(rest, R"([0,"a"])");
    EXPECT_REFUSES(rest, R"([0,1,"b"])");
    const SchemaCase old_tuple(R"({"items": [{"type": "null"}], "additionalItems": {"type": "integer"}})");
    EXPECT_ACCEPTS(old_tuple, "[null,1,2]");
    EXPECT_REFUSES(old_tuple, "[1]");
    const SchemaCase any(R"({"type": "array"})");
    EXPECT_ACCEPTS(any, R"([1,"x",[],{}])");
}

TEST(GrammarSchema, StringLengthCountsCharactersNotBytes) {
    const SchemaCase c(R"({"type": "string", "minLength": 2, "maxLength": 3})");
    EXPECT_ACCEPTS(c, R"("ab")");
    EXPECT_ACCEPTS(c, "\"\xE6\x97\xA5\xE6\x9C\xAC\"");  // 日本: 2 characters, 6 bytes
    EXPECT_ACCEPTS(c, R"("\n\u00e9\"")");               // three escaped characters
    EXPECT_ACCEPTS(c, R"("\ud83d\ude00a")");            // a surrogate pair is one character
    EXPECT_REFUSES(c, R"("a")");
    EXPECT_REFUSES(c, R"("abcd")");
}

TEST(GrammarSchema, StringEscapes) {
    const SchemaCase c(R"({"type": "string"})");
    EXPECT_ACCEPTS(c, R"("a\"b\\c\/d\b\f\n\r\t\u0041\uFFFF")");
    EXPECT_REFUSES(c, R"("\ud800")");        // lone surrogate: JSON parsers refuse it
    EXPECT_REFUSES(c, R"("\ude00\ud83d")");  // pair in the wrong order
    EXPECT_REFUSES(c, R"("\x41")");
    EXPECT_REFUSES(c, "\"a\nb\"");  // raw control character
    EXPECT_REFUSES(c, R"("\u12")");
}

TEST(GrammarSchema, PatternAndFormats) {
    const SchemaCase c(R"({"type": "string", "pattern": "^[A-Z]{2}-\\d+$"})");
    EXPECT_ACCEPTS(c, R"("AB-12")");
    EXPECT_REFUSES(c, R"("ab-12")");
    const SchemaCase quote(R"({"type": "string", "pattern": "^a\"\\\\b$"})");  // a"\b: both need escaping in JSON
    EXPECT_ACCEPTS(quote, R"("a\"\\b")");
    EXPECT_REFUSES(quote, R"("a"\b")");
    const SchemaCase unanchored(R"({"type": "string", "pattern": "cat"})");
    EXPECT_ACCEPTS(unanchored, R"("a cat!")");
    EXPECT_REFUSES(unanchored, R"("a dog")");
    const SchemaCase date(R"({"type": "string", "format": "date"})");
    EXPECT_ACCEPTS(date, R"("2024-02-29")");
    EXPECT_REFUSES(date, R"("2024-13-01")");
    const SchemaCase time(R"({"type": "string", "format": "time"})");
    EXPECT_ACCEPTS(time, R"("23:59:60.123Z")");
    EXPECT_ACCEPTS(time, R"("08:00:00+05:30")");
    EXPECT_REFUSES(time, R"("24:00:00Z")");
    const SchemaCase dt(R"({"type": "string", "format": "date-time"})");
    EXPECT_ACCEPTS(dt, R"("2025-01-15T10:30:00Z")");
    EXPECT_REFUSES(dt, R"("2025-01-15 10:30:00Z")");
    const SchemaCase uuid(R"({"type": "string", "format": "uuid"})");
    EXPECT_ACCEPTS(uuid, R"("123e4567-e89b-12d3-a456-426614174000")");
    EXPECT_REFUSES(uuid, R"("123e4567e89b12d3a456426614174000")");
    const SchemaCase email(R"({"type": "string", "format": "email"})");  // not enforced: an annotation
    EXPECT_ACCEPTS(email, R"("anything")");
}

TEST(GrammarSchema, Numbers) {
    const SchemaCase num(R"({"type": "number"})");
    for (const char* ok : {"0", "-0", "1.5", "-12.25e-3", "1E+10", "123456789012345678"}) EXPECT_ACCEPTS(num, ok);
    for (const char* bad : {"01", "1.", ".5", "+1", "1e", "NaN", "1234567890123456789", "1e123"})
        EXPECT_REFUSES(num, bad);
    const SchemaCase integer(R"({"type": "integer"})");
    EXPECT_ACCEPTS(integer, "-42");
    EXPECT_REFUSES(integer, "4.0");
    const SchemaCase bounded(R"({"type": "integer", "minimum": -3, "exclusiveMaximum": 100})");
    EXPECT_ACCEPTS(bounded, "-3");
    EXPECT_ACCEPTS(bounded, "99");
    EXPECT_REFUSES(bounded, "100");
    EXPECT_REFUSES(bounded, "-4");
    const SchemaCase draft4(R"({"type": "integer", "minimum": 0, "exclusiveMinimum": true, "maximum": 10.5})");
    EXPECT_REFUSES(draft4, "0");
    EXPECT_ACCEPTS(draft4, "1");
    EXPECT_ACCEPTS(draft4, "10");
    EXPECT_REFUSES(draft4, "11");
}

TEST(GrammarSchema, EnumConstTypesAndNullable) {
    const SchemaCase e(R"({"enum": ["red", 3, null, {"a": [1]}, "caf\u00e9"]})");
    for (const char* ok : {R"("red")", "3", "null", R"({"a":[1]})", "\"caf\xC3\xA9\""}) EXPECT_ACCEPTS(e, ok);
    EXPECT_REFUSES(e, R"("blue")");
    const SchemaCase filtered(R"({"type": "string", "enum": ["a", 1]})");
    EXPECT_REFUSES(filtered, "1");
    // An alternative left without values only drops out; the others still work.
    const SchemaCase dropped(R"({"type": "string", "anyOf": [{"enum": [1]}, {"maxLength": 1}]})");
    EXPECT_ACCEPTS(dropped, R"("x")");
    EXPECT_REFUSES(dropped, "1");
    const SchemaCase k(R"({"const": true})");
    EXPECT_ACCEPTS(k, "true");
    EXPECT_REFUSES(k, "false");
    const SchemaCase types(R"({"type": ["string", "null"]})");
    EXPECT_ACCEPTS(types, "null");
    EXPECT_ACCEPTS(types, R"("x")");
    EXPECT_REFUSES(types, "1");
    const SchemaCase nullable(R"({"type": "integer", "nullable": true})");
    EXPECT_ACCEPTS(nullable, "null");
    EXPECT_ACCEPTS(nullable, "7");
    const SchemaCase any(R"({})");
    for (const char* ok : {"1", "\"s\"", "[]", "{\"a\":{}}", "true", "null"}) EXPECT_ACCEPTS(any, ok);
}

TEST(GrammarSchema, CombinatorsAndRefs) {
    const SchemaCase any_of(R"({"anyOf": [{"type": "integer"}, {"type": "string", "maxLength": 1}]})");
    EXPECT_ACCEPTS(any_of, "5");
    EXPECT_ACCEPTS(any_of, R"("a")");
    EXPECT_REFUSES(any_of, R"("ab")");
    const SchemaCase with_siblings(
        R"({"type": "object", "properties": {"kind": {"type": "string"}}, "required": ["kind"],
        "oneOf": [{"properties": {"n": {"type": "integer"}}, "required": ["n"]}, {"properties": {"s": {"type": "string"}}}]})");
    EXPECT_ACCEPTS(with_siblings, R"({"kind":"a","n":1})");
    EXPECT_ACCEPTS(with_siblings, R"({"kind":"b","s":"x"})");
    EXPECT_ACCEPTS(with_siblings, R"({"kind":"b"})");
    EXPECT_REFUSES(with_siblings, R"({"kind":"a","n":"1"})");
    const SchemaCase all_of(
        R"({"allOf": [{"$ref": "#/$defs/base"}, {"properties": {"extra": {"type": "boolean"}}, "required": ["extra"]}],
        "$defs": {"base": {"type": "object", "properties": {"id": {"type": "integer", "minimum": 1}}, "required": ["id"]}}})");
    EXPECT_ACCEPTS(all_of, R"({"id":1,"extra":false})");
    EXPECT_REFUSES(all_of, R"({"id":0,"extra":false})");
    EXPECT_REFUSES(all_of, R"({"id":1})");
    const SchemaCase tree(R"({"$ref": "#/definitions/node", "definitions": {"node": {"type": "object",
        "properties": {"v": {"type": "integer"}, "kids": {"type": "array", "items": {"$ref": "#/definitions/node"}}},
        "required": ["v"]}}})");
    EXPECT_ACCEPTS(tree, R"({"v":1,"kids":[{"v":2},{"v":3,"kids":[{"v":4,"kids":[]}]}]})");
    EXPECT_REFUSES(tree, R"({"v":1,"kids":[{"kids":[]}]})");
    const SchemaCase root_ref(R"({"type": "array", "items": {"anyOf": [{"type": "integer"}, {"$ref": "#"}]}})");
    EXPECT_ACCEPTS(root_ref, "[1,[2,[[]]],3]");
    EXPECT_REFUSES(root_ref, "[1,[\"x\"]]");
    const SchemaCase ref_siblings(
        R"({"$defs": {"s": {"type": "string"}}, "properties": {"a": {"$ref": "#/$defs/s", "maxLength": 2}}})");
    EXPECT_ACCEPTS(ref_siblings, R"({"a":"xy"})");
    EXPECT_REFUSES(ref_siblings, R"({"a":"xyz"})");
}

TEST(GrammarSchema, AnyJsonObject) {
    const SchemaCase c(Grammar::any_json_object());
    EXPECT_ACCEPTS(c, R"({"a":[1,2,{"b":null}],"c":"\u00e9","d":-1.5e3,"e":true})");
    EXPECT_ACCEPTS(c, " {}");
    EXPECT_REFUSES(c, "[]");
    EXPECT_REFUSES(c, "\"text\"");
    EXPECT_REFUSES(c, R"({"a":1}})");
    EXPECT_REFUSES(c, R"({'a':1})");
}

}  // namespace
}  // namespace snug::grammar
