// grammar/json_schema.h: internal to snug_grammar. The JSON Schema compiler behind Grammar::from_json_schema; its
// parts live in json_schema*.cpp (dispatch, merging of $ref/allOf, objects and arrays, strings and numbers).
// Paths in messages are JSON pointers into the schema, "#" being its root.
#pragma once
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "grammar/grammar.h"
#include "grammar/json_rules.h"

namespace snug::grammar {

using ojson = nlohmann::ordered_json;

class SchemaCompiler {
public:
    static constexpr int MAX_DEPTH = 64;            // nesting of subschemas, and of $ref/allOf resolution
    static constexpr size_t MAX_SCHEMAS = 100'000;  // subschemas compiled in all (bounds combinatorial merges)
    static constexpr uint32_t MAX_COUNT = 100'000;  // largest minLength/maxLength/minItems/maxItems accepted

    explicit SchemaCompiler(const ojson& root) : root_(root), json_(b_) {}
    Grammar compile();

    [[noreturn]] static void fail(const std::string& path, const std::string& what);

private:
    // json_schema.cpp
    Expr compile_schema(const ojson& schema, const std::string& path, int depth);
    Expr schema_rule(const ojson& schema, const std::string& path, int depth);  // compile_schema as a named rule
    Expr compile_alternatives(const ojson& schema, const std::string& path, int depth);
    Expr compile_enum(const ojson& schema, const std::string& path);
    Expr compile_types(const ojson& schema, const std::string& path, int depth);
    Expr ref_rule(const std::string& ref, const std::string& path);

    // json_schema_merge.cpp
    const ojson& lookup_ref(const std::string& ref, const std::string& path) const;
    ojson resolve(const ojson& schema, const std::string& path, int depth) const;  // $ref and allOf folded in
    ojson merge(ojson a, const ojson& b, const std::string& path) const;

    // json_schema_object.cpp
    Expr compile_object(const ojson& schema, const std::string& path, int depth);
    Expr compile_array(const ojson& schema, const std::string& path, int depth);
    Expr key_not_in(const std::vector<std::string>& names, const std::string& path);

    // json_schema_scalar.cpp
    Expr compile_string(const ojson& schema, const std::string& path);
    Expr compile_integer(const ojson& schema, const std::string& path);

    const ojson& root_;
    GrammarBuilder b_;
    JsonRules json_;
    std::map<std::string, uint32_t> ref_rules_;                   // $ref target -> its rule
    std::vector<std::pair<uint32_t, std::string>> pending_refs_;  // rules declared for a $ref, not yet defined
    size_t n_compiled_ = 0;
};

// Helpers shared by the compiler's files.
bool is_constraint_keyword(const std::string& key);  // a keyword the compiler acts on (not an annotation)
bool has_constraints(const ojson& schema);           // any such keyword present
// A non-negative integer keyword no larger than SchemaCompiler::MAX_COUNT, or fallback when absent.
uint32_t count_keyword(const ojson& schema, const char* key, uint32_t fallback, const std::string& path);

}  // namespace snug::grammar
