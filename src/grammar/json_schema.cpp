// grammar/json_schema.cpp: the compiler's entry point and dispatch: booleans, $ref, anyOf/oneOf, enum/const, then
// one alternative per allowed type. Keywords that constrain values but are not implemented are errors (the output
// would otherwise break the schema silently); annotations and unknown keywords are ignored, as JSON Schema says.
#include "grammar/json_schema.h"

#include <array>
#include <set>

#include "base/error.h"

namespace snug::grammar {
namespace {

const std::set<std::string> CONSTRAINT_KEYWORDS = {"type",
                                                   "enum",
                                                   "const",
                                                   "anyOf",
                                                   "oneOf",
                                                   "allOf",
                                                   "$ref",
                                                   "nullable",
                                                   "properties",
                                                   "required",
                                                   "additionalProperties",
                                                   "items",
                                                   "prefixItems",
                                                   "additionalItems",
                                                   "minItems",
                                                   "maxItems",
                                                   "minLength",
                                                   "maxLength",
                                                   "pattern",
                                                   "format",
                                                   "minimum",
                                                   "maximum",
                                                   "exclusiveMinimum",
                                                   "exclusiveMaximum"};

const std::set<std::string> UNSUPPORTED_KEYWORDS = {"not",
                                                    "if",
                                                    "then",
                                                    "else",
                                                    "patternProperties",
                                                    "propertyNames",
                                                    "dependentRequired",
                                                    "dependentSchemas",
                                                    "dependencies",
                                                    "unevaluatedProperties",
                                                    "unevaluatedItems",
                                                    "contains",
                                                    "minContains",
                                                    "maxContains",
                                                    "multipleOf",
                                                    "minProperties",
                                                    "maxProperties",
                                                    "$dynamicRef",
                                                    "$recursiveRef"};

constexpr std::array<const char*, 7> TYPE_NAMES = {"object", "array", "string", "number", "integer", "boolean", "null"};

// The types a schema admits: "type" when given, else those its keywords imply, else all of them.
std::set<std::string> type_set(const ojson& schema, const std::string& path) {
    std::set<std::string> types;
    const auto it = schema.find("type");
    if (it != schema.end()) {
        const ojson list = it->is_array() ? *it : ojson::array({*it});
        for (const ojson& t : list) {
            const std::string name = t.is_string() ? t.get<std::string>() : t.dump();
            if (std::find(TYPE_NAMES.begin(), TYPE_NAMES.end(), name) == TYPE_NAMES.end()) {
                SchemaCompiler::fail(path + "/type", "unknown type " + (t.is_string() ? "'" + name + "'" : name));
            }
            types.insert(name);
        }
        return types;
    }
    for (const char* k : {"properties", "required", "additionalProperties"}) {
        if (schema.contains(k)) types.insert("object");
    }
    for (const char* k : {"items", "prefixItems", "additionalItems", "minItems", "maxItems"}) {
        if (schema.contains(k)) types.insert("array");
    }
    for (const char* k : {"minLength", "maxLength", "pattern", "format"}) {
        if (schema.contains(k)) types.insert("string");
    }
    for (const char* k : {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}) {
        if (schema.contains(k)) types.insert("number");
    }
    if (types.empty()) types.insert(TYPE_NAMES.begin(), TYPE_NAMES.end());
    return types;
}

bool value_has_type(const ojson& v, const std::set<std::string>& types) {
    if (v.is_object()) return types.count("object") > 0;
    if (v.is_array()) return types.count("array") > 0;
    if (v.is_string()) return types.count("string") > 0;
    if (v.is_boolean()) return types.count("boolean") > 0;
    if (v.is_null()) return types.count("null") > 0;
    const bool integral =
        v.is_number_integer() || (v.is_number_float() && v.get<double>() == std::floor(v.get<double>()));
    return types.count("number") > 0 || (integral && types.count("integer") > 0);
}

}  // namespace

bool is_constraint_keyword(const std::string& key) { return CONSTRAINT_KEYWORDS.count(key) > 0; }

bool has_constraints(const ojson& schema) {
    if (!schema.is_object()) return !schema.is_boolean() || !schema.get<bool>();
    for (const auto& [key, value] : schema.items()) {
        if (is_constraint_keyword(key)) return true;
    }
    return false;
}

uint32_t count_keyword(const ojson& schema, const char* key, uint32_t fallback, const std::string& path) {
    const auto it = schema.find(key);
    if (it == schema.end()) return fallback;
    const bool integral =
        it->is_number_unsigned() || (it->is_number_integer() && it->get<int64_t>() >= 0) ||
        (it->is_number_float() && it->get<double>() >= 0 && it->get<double>() == std::floor(it->get<double>()));
    if (!integral) SchemaCompiler::fail(path + "/" + key, "must be a non-negative integer, got " + it->dump());
    if (it->get<double>() > SchemaCompiler::MAX_COUNT) {
        SchemaCompiler::fail(path + "/" + key,
                             it->dump() + " is above the supported " + std::to_string(SchemaCompiler::MAX_COUNT));
    }
    return static_cast<uint32_t>(it->get<double>());
}

void SchemaCompiler::fail(const std::string& path, const std::string& what) {
    throw Error("JSON schema at " + path + ": " + what);
}

Grammar SchemaCompiler::compile() {
    const uint32_t root = b_.declare("root");
    Expr body = compile_schema(root_, "#", 0);
    while (!pending_refs_.empty()) {
        const auto [rule, ref] = pending_refs_.back();
        pending_refs_.pop_back();
        b_.define(rule, compile_schema(lookup_ref(ref, ref), ref, 1));
    }
    b_.define(root, Expr::seq({json_.ws(), std::move(body)}));
    try {
        return b_.build(root);
    } catch (const Error& e) {
        if (std::string(e.what()).starts_with("no finite text")) {
            throw Error(
                "JSON schema: no JSON value satisfies it (contradictory keywords such as an enum without "
                "values of the allowed type, or a required property that recurses forever)");
        }
        throw Error(std::string("JSON schema: ") + e.what());
    }
}

Expr SchemaCompiler::schema_rule(const ojson& schema, const std::string& path, int depth) {
    const uint32_t rule = b_.declare(path);
    b_.define(rule, compile_schema(schema, path, depth + 1));
    return Expr::ref(rule);
}

Expr SchemaCompiler::ref_rule(const std::string& ref, const std::string& path) {
    lookup_ref(ref, path);  // fails here, naming where the bad $ref is written
    auto [it, added] = ref_rules_.try_emplace(ref, 0);
    if (added) {
        it->second = b_.declare(ref);
        pending_refs_.push_back({it->second, ref});
    }
    return Expr::ref(it->second);
}

Expr SchemaCompiler::compile_schema(const ojson& schema, const std::string& path, int depth) {
    if (depth > MAX_DEPTH) fail(path, "nested deeper than " + std::to_string(MAX_DEPTH) + " levels");
    if (++n_compiled_ > MAX_SCHEMAS) fail(path, "more than " + std::to_string(MAX_SCHEMAS) + " subschemas to compile");
    if (schema.is_boolean()) return schema.get<bool>() ? json_.value() : Expr::nothing();
    if (!schema.is_object()) fail(path, "a schema must be an object or a boolean, got " + schema.dump());
    for (const auto& [key, value] : schema.items()) {
        if (UNSUPPORTED_KEYWORDS.count(key) > 0) fail(path, "unsupported keyword '" + key + "'");
        if (key == "uniqueItems" && !(value.is_boolean() && !value.get<bool>())) {
            fail(path, "unsupported keyword 'uniqueItems'");
        }
    }

    const auto nullable = schema.find("nullable");  // OpenAPI 3.0: null is allowed as well
    if (nullable != schema.end() && nullable->is_boolean() && nullable->get<bool>()) {
        ojson rest = schema;
        rest.erase("nullable");
        return Expr::alt({compile_schema(rest, path, depth + 1), json_.null()});
    }
    if (schema.contains("$ref") || schema.contains("allOf")) {
        ojson others = schema;
        others.erase("$ref");
        if (!schema.contains("allOf") && !has_constraints(others)) {
            const ojson& ref = schema.at("$ref");
            if (!ref.is_string()) fail(path + "/$ref", "must be a string");
            return ref_rule(ref.get<std::string>(), path);
        }
        return compile_schema(resolve(schema, path, depth + 1), path, depth + 1);
    }
    if (schema.contains("anyOf") || schema.contains("oneOf")) return compile_alternatives(schema, path, depth);
    if (schema.contains("const") || schema.contains("enum")) return compile_enum(schema, path);
    return compile_types(schema, path, depth);
}

// anyOf and oneOf both become alternatives (oneOf's "exactly one" is not enforced). Keywords beside them apply to
// every alternative, so each is merged with them; alone, each alternative is its own rule.
Expr SchemaCompiler::compile_alternatives(const ojson& schema, const std::string& path, int depth) {
    ojson siblings = schema;
    std::vector<std::pair<ojson, std::string>> options;  // (schema, path)
    for (const char* key : {"anyOf", "oneOf"}) {
        const auto it = schema.find(key);
        if (it == schema.end()) continue;
        siblings.erase(key);
        if (!it->is_array() || it->empty()) fail(path + "/" + key, "must be a non-empty array");
        std::vector<std::pair<ojson, std::string>> next;
        for (size_t i = 0; i < it->size(); ++i) {
            const std::string sub_path = path + "/" + key + "/" + std::to_string(i);
            if (options.empty()) next.push_back({(*it)[i], sub_path});
            for (const auto& [prev, prev_path] : options) {
                ojson both = ojson::object();
                both["allOf"] = ojson::array({prev, (*it)[i]});
                next.push_back({std::move(both), sub_path});
            }
        }
        options = std::move(next);
        if (options.size() > 256) fail(path, "anyOf x oneOf has more than 256 combinations");
    }
    std::vector<Expr> alts;
    for (const auto& [option, option_path] : options) {
        if (!has_constraints(siblings)) {
            alts.push_back(schema_rule(option, option_path, depth));
        } else {
            ojson combined = siblings;
            combined["allOf"] = ojson::array({option});
            alts.push_back(compile_schema(resolve(combined, option_path, depth + 1), option_path, depth + 1));
        }
    }
    return Expr::alt(std::move(alts));
}

// Each allowed value as its compact JSON text; with "type" present, values of other types are dropped.
Expr SchemaCompiler::compile_enum(const ojson& schema, const std::string& path) {
    ojson values = ojson::array();
    if (schema.contains("const")) {
        values.push_back(schema.at("const"));
        if (schema.contains("enum") && std::find(schema.at("enum").begin(), schema.at("enum").end(),
                                                 schema.at("const")) == schema.at("enum").end()) {
            values.clear();
        }
    } else {
        values = schema.at("enum");
        if (!values.is_array()) fail(path + "/enum", "must be an array");
    }
    const std::set<std::string> types = type_set(schema, path);
    std::vector<Expr> alts;
    for (const ojson& v : values) {
        if (schema.contains("type") && !value_has_type(v, types)) continue;
        alts.push_back(Expr::literal(v.dump()));
    }
    return Expr::alt(std::move(alts));  // none left: this branch matches nothing (an error if nothing else does)
}

Expr SchemaCompiler::compile_types(const ojson& schema, const std::string& path, int depth) {
    const std::set<std::string> types = type_set(schema, path);
    std::vector<Expr> alts;
    for (const char* t : TYPE_NAMES) {
        if (types.count(t) == 0) continue;
        const std::string type = t;
        if (type == "object") alts.push_back(compile_object(schema, path, depth));
        if (type == "array") alts.push_back(compile_array(schema, path, depth));
        if (type == "string") alts.push_back(compile_string(schema, path));
        if (type == "number") alts.push_back(json_.number());  // minimum/maximum not enforced for "number"
        if (type == "integer" && types.count("number") == 0) alts.push_back(compile_integer(schema, path));
        if (type == "boolean") alts.push_back(json_.boolean());
        if (type == "null") alts.push_back(json_.null());
    }
    return Expr::alt(std::move(alts));
}

Grammar Grammar::from_json_schema(const nlohmann::ordered_json& schema) {
    try {
        return SchemaCompiler(schema).compile();
    } catch (const nlohmann::json::exception& e) {  // e.g. a string with invalid UTF-8 in an enum
        throw Error(std::string("JSON schema: ") + e.what());
    }
}

Grammar Grammar::from_json_schema_text(std::string_view schema_json) {
    ojson schema;
    try {
        schema = ojson::parse(schema_json);
    } catch (const nlohmann::json::exception& e) {
        throw Error(std::string("JSON schema does not parse: ") + e.what());
    }
    return from_json_schema(schema);
}

}  // namespace snug::grammar
