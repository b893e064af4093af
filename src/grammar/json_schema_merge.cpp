// grammar/json_schema_merge.cpp: folds $ref (when it has sibling keywords) and allOf into one schema object, the
// way structured-output users expect "allOf" to combine object schemas: properties and required are united, bounds
// tightened, enums intersected. A $ref target is inlined one level only (its own $refs stay references), and the
// resolution depth is bounded, so a $ref cycle cannot expand forever.
#include <algorithm>

#include "grammar/json_schema.h"

namespace snug::grammar {
namespace {

ojson as_array(const ojson& v) { return v.is_array() ? v : ojson::array({v}); }

ojson all_of(const ojson& x, const ojson& y) {
    ojson out = ojson::object();
    out["allOf"] = ojson::array({x, y});
    return out;
}

// Types of a "type" value, with integer counted as a kind of number.
ojson intersect_types(const ojson& a, const ojson& b) {
    ojson out = ojson::array();
    for (const ojson& x : as_array(a)) {
        for (const ojson& y : as_array(b)) {
            if (x == y)
                out.push_back(x);
            else if (x == "integer" && y == "number")
                out.push_back(x);
            else if (x == "number" && y == "integer")
                out.push_back(y);
        }
    }
    return out;
}

bool is_lower_bound(const std::string& key) {
    return key == "minLength" || key == "minItems" || key == "minimum" || key == "exclusiveMinimum";
}
bool is_upper_bound(const std::string& key) {
    return key == "maxLength" || key == "maxItems" || key == "maximum" || key == "exclusiveMaximum";
}

}  // namespace

const ojson& SchemaCompiler::lookup_ref(const std::string& ref, const std::string& path) const {
    if (ref.empty() || ref[0] != '#') fail(path, "only local $ref values (\"#/...\") are supported, got '" + ref + "'");
    try {
        return root_.at(ojson::json_pointer(ref.substr(1)));
    } catch (const nlohmann::json::exception&) {
        fail(path, "$ref '" + ref + "' does not point into the schema");
    }
}

ojson SchemaCompiler::resolve(const ojson& schema, const std::string& path, int depth) const {
    if (depth > MAX_DEPTH)
        fail(path, "$ref/allOf nested deeper than " + std::to_string(MAX_DEPTH) + " (a $ref cycle?)");
    if (schema.is_boolean()) return schema.get<bool>() ? ojson::object() : ojson{{"enum", ojson::array()}};
    if (!schema.is_object()) fail(path, "a schema must be an object or a boolean, got " + schema.dump());
    ojson out = schema;
    out.erase("$ref");
    out.erase("allOf");
    if (const auto ref = schema.find("$ref"); ref != schema.end()) {
        if (!ref->is_string()) fail(path + "/$ref", "must be a string");
        const std::string target = ref->get<std::string>();
        out = merge(resolve(lookup_ref(target, path), target, depth + 1), out, path);
    }
    if (const auto all = schema.find("allOf"); all != schema.end()) {
        if (!all->is_array()) fail(path + "/allOf", "must be an array");
        for (size_t i = 0; i < all->size(); ++i) {
            const std::string sub_path = path + "/allOf/" + std::to_string(i);
            out = merge(std::move(out), resolve((*all)[i], sub_path, depth + 1), sub_path);
        }
    }
    return out;
}

ojson SchemaCompiler::merge(ojson a, const ojson& b, const std::string& path) const {
    for (const auto& [key, bv] : b.items()) {
        if (!a.contains(key)) {
            a[key] = bv;
            continue;
        }
        ojson& av = a[key];
        if (av == bv || !is_constraint_keyword(key)) continue;  // annotations: the first one stays
        if (key == "type") {
            av = intersect_types(av, bv);
        } else if (key == "properties") {
            for (const auto& [name, schema] : bv.items()) {
                av[name] = av.contains(name) ? all_of(av[name], schema) : schema;
            }
        } else if (key == "required") {
            for (const ojson& name : bv) {
                if (std::find(av.begin(), av.end(), name) == av.end()) av.push_back(name);
            }
        } else if (key == "additionalProperties" || key == "items" || key == "additionalItems") {
            if (av.is_boolean() || bv.is_boolean()) {
                const bool a_false = av.is_boolean() && !av.get<bool>();
                const bool b_false = bv.is_boolean() && !bv.get<bool>();
                av = a_false || b_false ? ojson(false) : (av.is_boolean() ? bv : av);
            } else {
                av = all_of(av, bv);
            }
        } else if ((is_lower_bound(key) || is_upper_bound(key)) && av.is_number() && bv.is_number()) {
            const bool take_b =
                is_lower_bound(key) ? bv.get<double>() > av.get<double>() : bv.get<double>() < av.get<double>();
            if (take_b) av = bv;
        } else if (key == "enum" && av.is_array() && bv.is_array()) {
            ojson both = ojson::array();
            for (const ojson& v : av) {
                if (std::find(bv.begin(), bv.end(), v) != bv.end()) both.push_back(v);
            }
            av = std::move(both);
        } else if (key == "const") {
            a["enum"] = ojson::array();  // two different constants: nothing satisfies both
        } else if (key == "anyOf" || key == "oneOf") {
            ojson pairs = ojson::array();
            for (const ojson& x : av) {
                for (const ojson& y : bv) pairs.push_back(all_of(x, y));
            }
            if (pairs.size() > 256) fail(path, "allOf of '" + key + "' lists with more than 256 combinations");
            av = std::move(pairs);
        } else if (key == "nullable") {
            av = av.is_boolean() && bv.is_boolean() && av.get<bool>() && bv.get<bool>();
        } else {
            fail(path, "allOf members set '" + key + "' to different values (" + av.dump() + " and " + bv.dump() +
                           "), which cannot be combined");
        }
    }
    return a;
}

}  // namespace snug::grammar
