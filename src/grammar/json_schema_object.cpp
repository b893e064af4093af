// grammar/json_schema_object.cpp: objects and arrays. Declared properties come in their declared order, required
// ones always, optional ones possibly skipped; extra properties (when additionalProperties allows them) follow the
// declared ones and use names that differ from every declared name, so the output never repeats a key.
#include <map>

#include "grammar/json_schema.h"

namespace snug::grammar {
namespace {

constexpr size_t MAX_KEY_CHARS = 1024;
constexpr size_t MAX_PREFIX_ITEMS = 1024;

Expr lit(std::string_view s) { return Expr::literal(s); }

struct Property {
    std::string name;
    ojson schema;
    std::string path;
    bool required;
};

}  // namespace

Expr SchemaCompiler::compile_object(const ojson& schema, const std::string& path, int depth) {
    const ojson props = schema.contains("properties") ? schema.at("properties") : ojson::object();
    const ojson required = schema.contains("required") ? schema.at("required") : ojson::array();
    if (!props.is_object()) fail(path + "/properties", "must be an object");
    if (!required.is_array()) fail(path + "/required", "must be an array of strings");

    // Structured-output convention: with properties listed and additionalProperties absent, only those appear.
    ojson extra = props.empty() ? ojson(true) : ojson(false);
    if (schema.contains("additionalProperties")) extra = schema.at("additionalProperties");
    const bool extras_allowed = !(extra.is_boolean() && !extra.get<bool>());

    std::vector<Property> declared;
    for (const auto& [name, sub] : props.items()) {
        const bool req = std::find(required.begin(), required.end(), ojson(name)) != required.end();
        declared.push_back({name, sub, path + "/properties/" + name, req});
    }
    for (const ojson& name : required) {
        if (!name.is_string()) fail(path + "/required", "must be an array of strings, got " + name.dump());
        if (props.contains(name.get<std::string>())) continue;
        if (!extras_allowed) {
            fail(path + "/required", "property '" + name.get<std::string>() +
                                         "' is required but not in properties, and additionalProperties is false");
        }
        declared.push_back({name.get<std::string>(), extra, path + "/additionalProperties", true});
    }

    const Expr ws = json_.ws();
    std::optional<Expr> extra_member;
    if (extras_allowed) {
        std::vector<std::string> names;
        for (const Property& p : declared) names.push_back(p.name);
        extra_member = Expr::seq(
            {key_not_in(names, path), ws, lit(":"), ws, schema_rule(extra, path + "/additionalProperties", depth), ws});
    }

    // Built from the last property back: after_i = properties i.. when one is already written (so each starts with
    // a comma), first_i = properties i.. when none is written yet. Both are rules, so each member appears once.
    Expr after = extras_allowed ? Expr::star(Expr::seq({lit(","), ws, *extra_member})) : Expr::empty();
    Expr first = extras_allowed ? Expr::opt(Expr::seq({*extra_member, after})) : Expr::empty();
    for (size_t i = declared.size(); i-- > 0;) {
        const Property& p = declared[i];
        const Expr member =
            Expr::seq({lit(ojson(p.name).dump()), ws, lit(":"), ws, schema_rule(p.schema, p.path, depth), ws});
        const uint32_t after_rule = b_.add(p.path + "#after", std::move(after));
        const uint32_t first_rule = b_.add(p.path + "#first", std::move(first));
        const Expr with_comma = Expr::seq({lit(","), ws, member});
        if (p.required) {
            after = Expr::seq({with_comma, Expr::ref(after_rule)});
            first = Expr::seq({member, Expr::ref(after_rule)});
        } else {
            after = Expr::seq({Expr::opt(with_comma), Expr::ref(after_rule)});
            first = Expr::alt({Expr::seq({member, Expr::ref(after_rule)}), Expr::ref(first_rule)});
        }
    }
    return Expr::seq({lit("{"), ws, std::move(first), lit("}")});
}

// A JSON string whose value is none of names: it follows the names' character trie, and either stops where no
// name ends or leaves the trie with a raw character no name continues with (an escape there could spell a name's
// character, so escapes are only allowed after leaving).
Expr SchemaCompiler::key_not_in(const std::vector<std::string>& names, const std::string& path) {
    struct Node {
        bool terminal = false;
        std::map<uint32_t, size_t> children;
    };
    std::vector<Node> trie(1);
    for (const std::string& name : names) {
        const std::vector<uint32_t> cps = decode_utf8(name, "property name");
        if (cps.size() > MAX_KEY_CHARS)
            fail(path, "property name longer than " + std::to_string(MAX_KEY_CHARS) + " characters");
        size_t node = 0;
        for (uint32_t c : cps) {
            auto [it, added] = trie[node].children.try_emplace(c, trie.size());
            if (added) trie.emplace_back();
            node = it->second;
        }
        trie[node].terminal = true;
    }
    const CharSet raw = CharSet::any().minus(CharSet::range(0, 0x1F).add('"', '"').add('\\', '\\'));
    const Expr rest = json_.string_rest();
    // Bottom-up over the trie (children always have larger indices), each node a rule.
    std::vector<uint32_t> rule_of(trie.size());
    for (size_t n = trie.size(); n-- > 0;) {
        std::vector<Expr> alts;
        if (!trie[n].terminal) alts.push_back(lit("\""));
        CharSet continued;
        for (const auto& [c, child] : trie[n].children) {
            alts.push_back(Expr::seq({JsonRules::encoded_char(CharSet::single(c)), Expr::ref(rule_of[child])}));
            continued.add(c, c);
        }
        const CharSet leave = raw.minus(continued);
        if (!leave.empty()) alts.push_back(Expr::seq({Expr::chars_of(leave), rest}));
        rule_of[n] = b_.add(path + "#key" + std::to_string(n), Expr::alt(std::move(alts)));
    }
    return Expr::seq({lit("\""), Expr::ref(rule_of[0])});
}

// Items i < prefix.size() follow prefixItems[i] (or a draft 4-7 "items" array); later ones the rest schema.
Expr SchemaCompiler::compile_array(const ojson& schema, const std::string& path, int depth) {
    ojson prefix = ojson::array();
    ojson rest = true;
    std::string prefix_key = "prefixItems";
    std::string rest_key = "items";
    if (schema.contains("prefixItems")) {
        prefix = schema.at("prefixItems");
        if (schema.contains("items")) rest = schema.at("items");
    } else if (schema.contains("items") && schema.at("items").is_array()) {
        prefix = schema.at("items");
        prefix_key = "items";
        rest_key = "additionalItems";
        if (schema.contains("additionalItems")) rest = schema.at("additionalItems");
    } else if (schema.contains("items")) {
        rest = schema.at("items");
    }
    if (!prefix.is_array()) fail(path + "/" + prefix_key, "must be an array");
    if (prefix.size() > MAX_PREFIX_ITEMS)
        fail(path + "/" + prefix_key, "more than " + std::to_string(MAX_PREFIX_ITEMS) + " entries");
    const uint32_t k = static_cast<uint32_t>(prefix.size());
    const bool rest_allowed = !(rest.is_boolean() && !rest.get<bool>());
    const uint32_t lo = count_keyword(schema, "minItems", 0, path);
    uint32_t hi = count_keyword(schema, "maxItems", Expr::UNBOUNDED, path);
    if (!rest_allowed) hi = std::min(hi, k);
    if (lo > hi)
        fail(path, "minItems " + std::to_string(lo) + " is above the most items allowed (" + std::to_string(hi) + ")");

    const Expr ws = json_.ws();
    std::vector<Expr> items;  // items[i] for i < k, then the rest schema
    for (uint32_t i = 0; i < k; ++i) {
        items.push_back(
            Expr::seq({schema_rule(prefix[i], path + "/" + prefix_key + "/" + std::to_string(i), depth), ws}));
    }
    if (rest_allowed) items.push_back(Expr::seq({schema_rule(rest, path + "/" + rest_key, depth), ws}));
    const auto item = [&](uint32_t i) { return items[std::min(i, k)]; };

    // Items from index i on, each after a comma: fixed positions one by one, then the rest as one repetition.
    Expr tail = Expr::empty();
    if (rest_allowed && hi > k) {
        const uint32_t from = std::max(k, 1u);
        const uint32_t min = lo > from ? lo - from : 0;
        const uint32_t max = hi == Expr::UNBOUNDED ? Expr::UNBOUNDED : hi - from;
        tail = Expr::repeat(Expr::seq({lit(","), ws, item(from)}), min, max);
    }
    for (uint32_t i = std::min(k, hi); i-- > 1;) {
        Expr one = Expr::seq({lit(","), ws, item(i), std::move(tail)});
        tail = i < lo ? std::move(one) : Expr::opt(std::move(one));
    }
    if (hi == 0) return Expr::seq({lit("["), ws, lit("]")});
    Expr body = Expr::seq({item(0), std::move(tail)});
    if (lo == 0) body = Expr::opt(std::move(body));
    return Expr::seq({lit("["), ws, std::move(body), lit("]")});
}

}  // namespace snug::grammar
