// grammar/json_schema_scalar.cpp: strings (length, pattern, format) and integers (minimum/maximum). Formats other
// than date, time, date-time and uuid are annotations in JSON Schema 2020-12 and are not enforced.
#include <cmath>

#include "base/error.h"
#include "grammar/int_range.h"
#include "grammar/json_schema.h"
#include "grammar/regex.h"

namespace snug::grammar {
namespace {

// RFC 3339 full-date and full-time (with its offset), as JSON Schema's "date", "time" and "date-time" define them.
constexpr const char* DATE = "[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])";
constexpr const char* TIME =
    "([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]{1,9})?(Z|z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])";
constexpr const char* UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

std::string format_pattern(const std::string& format) {
    if (format == "date") return std::string("^") + DATE + "$";
    if (format == "time") return std::string("^") + TIME + "$";
    if (format == "date-time") return std::string("^") + DATE + "[Tt]" + TIME + "$";
    if (format == "uuid") return std::string("^") + UUID + "$";
    return "";
}

// A numeric bound of an integer schema as the nearest integer inside it; open = the bound excludes its value.
int64_t integer_bound(const ojson& v, bool lower, bool open, const std::string& path) {
    if (!v.is_number()) SchemaCompiler::fail(path, "must be a number, got " + v.dump());
    const double x = v.get<double>();
    const auto limit = static_cast<double>(MAX_INT_MAGNITUDE);
    if (x > limit || x < -limit) {
        // Beyond the digits an integer may have: on the far side the bound excludes nothing, else everything.
        if (lower ? x < 0 : x > 0) return lower ? -MAX_INT_MAGNITUDE : MAX_INT_MAGNITUDE;
        SchemaCompiler::fail(path, v.dump() + " is beyond the supported integer range of 18 digits");
    }
    if (v.is_number_integer()) {  // exact, where a double could round
        const int64_t i = v.is_number_unsigned() ? static_cast<int64_t>(v.get<uint64_t>()) : v.get<int64_t>();
        return open ? (lower ? i + 1 : i - 1) : i;
    }
    double n = lower ? std::ceil(x) : std::floor(x);
    if (open && n == x) n += lower ? 1 : -1;
    return static_cast<int64_t>(n);
}

}  // namespace

Expr SchemaCompiler::compile_string(const ojson& schema, const std::string& path) {
    std::string pattern;
    std::string pattern_path = path + "/pattern";
    if (schema.contains("pattern")) {
        if (!schema.at("pattern").is_string()) fail(pattern_path, "must be a string");
        pattern = schema.at("pattern").get<std::string>();
    } else if (schema.contains("format") && schema.at("format").is_string()) {
        pattern = format_pattern(schema.at("format").get<std::string>());
        pattern_path = path + "/format";
    }
    if (!pattern.empty() || schema.contains("pattern")) {  // lengths are not combined with a pattern
        try {
            return Expr::seq(
                {Expr::literal("\""), JsonRules::encode_chars(compile_pattern(pattern)), Expr::literal("\"")});
        } catch (const Error& e) {
            fail(pattern_path, e.what());
        }
    }
    const uint32_t min = count_keyword(schema, "minLength", 0, path);
    const uint32_t max = count_keyword(schema, "maxLength", Expr::UNBOUNDED, path);
    if (min > max) fail(path, "minLength " + std::to_string(min) + " is above maxLength " + std::to_string(max));
    if (min == 0 && max == Expr::UNBOUNDED) return json_.string();
    return json_.string_of_length(min, max);
}

Expr SchemaCompiler::compile_integer(const ojson& schema, const std::string& path) {
    int64_t lo = -MAX_INT_MAGNITUDE;
    int64_t hi = MAX_INT_MAGNITUDE;
    bool bounded = false;
    // Draft 4 writes exclusiveMinimum/exclusiveMaximum as booleans that modify minimum/maximum.
    const auto flag = [&](const char* key) {
        return schema.contains(key) && schema.at(key).is_boolean() && schema.at(key).get<bool>();
    };
    const auto bound = [&](const char* key, bool lower, bool open) {
        if (!schema.contains(key) || schema.at(key).is_boolean()) return;
        const int64_t v = integer_bound(schema.at(key), lower, open, path + "/" + key);
        if (lower) {
            lo = std::max(lo, v);
        } else {
            hi = std::min(hi, v);
        }
        bounded = true;
    };
    bound("minimum", true, flag("exclusiveMinimum"));
    bound("maximum", false, flag("exclusiveMaximum"));
    bound("exclusiveMinimum", true, true);
    bound("exclusiveMaximum", false, true);
    if (!bounded) return json_.integer();
    if (lo > hi) fail(path, "no integer satisfies the minimum/maximum bounds");
    return integer_range(lo, hi);
}

}  // namespace snug::grammar
