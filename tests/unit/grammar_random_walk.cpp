// tests/unit/grammar_random_walk.cpp: the property test. Over a synthetic vocabulary (every single byte plus a few
// hundred multi-byte pieces, partial UTF-8 among them), a seeded walk keeps picking a random allowed token until
// it picks end-of-generation. At every step the mask must agree with can_accept, every allowed token must leave
// text that can still become valid JSON (an independent recognizer checks), and the final text must parse and
// validate against the schema (an independent validator checks), with no declared key repeated. (Keys that are not
// declared may repeat: JSON allows it and a context-free grammar cannot rule it out.)
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "grammar/token_index.h"
#include "grammar_json_check.h"

namespace snug::grammar {
namespace {

using nlohmann::json;

std::vector<std::string> synthetic_vocabulary(uint32_t seed) {
    std::vector<std::string> pieces;
    for (int b = 0; b < 256; ++b) pieces.emplace_back(1, char(b));
    const std::vector<std::string> base = {
        "{\"",     "\":",     "\": ", "\", \"", "\",\"", "\"}",    "}}",       "]}",       "}]",          "[{",
        "[]",      "{}",      "\"]",  "[\"",    ", ",    ",\n  ",  "\n",       "\n  ",     "\n    ",      "  ",
        " ",       "\t",      "true", "false",  "null",  " true",  "0",        "12",       "345",         "-1",
        "0.",      ".5",      "e-",   "E+",     "99",    "2024",   "-01",      "-15",      "T10",         ":30",
        ":00Z",    "name",    "age",  "email",  "tags",  "id",     "kids",     "v",        "city",        "zip",
        "hello",   " world",  "the",  "é",      "\xC3",  "\xA9",   "\xE6\x97", "\xA5\xE6", "\x9C\xAC",    "日本",
        "本",      "日",      "α",    "β",      "\\\"",  "\\\\",   "\\n",      "\\u00",    "e9",          "\\ud83d",
        "\\ude00", "abc",     "xyz",  "1f",     "-4",    "a-",     "\"name\"", "\"age\":", "\"tags\": [", "\"kids\":[",
        "\"v\":",  "\"id\":", "@",    "x.org",  "ok",    "\": \"", "\": {",    "\": [",
    };
    pieces.insert(pieces.end(), base.begin(), base.end());
    std::mt19937 rng(seed);
    for (int i = 0; i < 300; ++i) {  // random glue of the above: tokens spanning several grammar positions
        std::string p;
        const int parts = 2 + int(rng() % 3);
        for (int k = 0; k < parts; ++k) p += base[rng() % base.size()];
        pieces.push_back(p);
    }
    pieces.push_back("");  // a control token: renders as nothing, never allowed
    pieces.push_back("");  // end of generation
    return pieces;
}

struct Walk {
    std::string text;
    bool finished = false;
};

// One seeded walk; returns the text and whether it ended by choosing end-of-generation within the step cap.
Walk random_walk(const std::shared_ptr<const Grammar>& g, const TokenIndex& index, int32_t eog, std::mt19937& rng) {
    Matcher m(g);
    Walk w;
    std::vector<uint8_t> mask;
    std::vector<int32_t> ok;
    std::vector<int32_t> closers;
    for (int step = 0; step < 3000; ++step) {
        allowed_tokens(m, index, mask);
        ok.clear();
        closers.clear();
        for (int32_t id = 0; id < int32_t(index.n_tokens()); ++id) {
            const std::string_view piece = index.piece(id);
            const bool can = !piece.empty() && m.can_accept(piece);
            EXPECT_EQ(bool(mask[size_t(id)]), can || (id == eog && m.is_complete()))
                << "token " << id << " after " << w.text;
            if (!mask[size_t(id)]) continue;
            ok.push_back(id);
            if (id == eog) continue;
            EXPECT_TRUE(testing::is_json_prefix(w.text + std::string(piece))) << w.text << " + " << piece;
            if (piece.find_first_of("\"]}") != std::string_view::npos) closers.push_back(id);
        }
        if (ok.empty() || ::testing::Test::HasFailure()) return w;
        if (m.is_complete() && (m.is_dead_end() || rng() % 3 == 0)) {
            EXPECT_TRUE(mask[size_t(eog)]);
            w.finished = true;
            return w;
        }
        // Past a soft length, favour tokens that close strings and containers so every walk ends.
        const std::vector<int32_t>& pool = step > 120 && !closers.empty() && rng() % 4 != 0 ? closers : ok;
        int32_t id = pool[rng() % pool.size()];
        if (id == eog) id = ok[0] == eog && ok.size() > 1 ? ok[1] : ok[0];
        if (id == eog) continue;
        EXPECT_TRUE(m.accept(index.piece(id)));
        w.text += index.piece(id);
    }
    return w;
}

// check_keys: whether to look for repeated keys; unique_keys: the keys that must not repeat (empty: all of them).
void check_schema_walks(const json& schema, int n_walks, uint32_t seed, bool check_keys = true,
                        const std::set<std::string>& unique_keys = {}) {
    const auto g = std::make_shared<Grammar>(Grammar::from_json_schema(nlohmann::ordered_json::parse(schema.dump())));
    std::vector<std::string> pieces = synthetic_vocabulary(seed);
    const auto eog = int32_t(pieces.size() - 1);
    const TokenIndex index(std::move(pieces), {eog});
    std::mt19937 rng(seed);
    for (int i = 0; i < n_walks; ++i) {
        const Walk w = random_walk(g, index, eog, rng);
        ASSERT_FALSE(::testing::Test::HasFailure()) << "walk " << i << ": " << w.text;
        ASSERT_TRUE(w.finished) << "walk " << i << " did not complete: " << w.text;
        json value;
        ASSERT_NO_THROW(value = json::parse(w.text)) << w.text;
        EXPECT_EQ(testing::validate(value, schema, schema), "") << w.text;
        if (check_keys) {
            EXPECT_FALSE(testing::has_duplicate_keys(w.text, unique_keys)) << w.text;
        }
    }
}

TEST(GrammarRandomWalk, PersonRecord) {
    check_schema_walks(json::parse(R"({"type": "object", "properties": {
        "name": {"type": "string", "maxLength": 12},
        "age": {"type": "integer", "minimum": 0, "maximum": 150},
        "email": {"type": "string", "pattern": "^[a-z]+@[a-z]+\\.org$"},
        "tags": {"type": "array", "items": {"enum": ["a", "b", "日本"]}, "maxItems": 4},
        "address": {"type": "object", "properties": {"city": {"type": "string", "minLength": 1, "maxLength": 8},
                                                      "zip": {"type": "string", "pattern": "^\\d{5}$"}},
                    "required": ["city"]},
        "active": {"type": "boolean"},
        "score": {"type": ["number", "null"]}},
        "required": ["name", "age", "active"]})"),
                       40, 1);
}

TEST(GrammarRandomWalk, AnyJsonObject) { check_schema_walks(json::parse(R"({"type": "object"})"), 40, 2, false); }

TEST(GrammarRandomWalk, RecursiveTreeThroughDefs) {
    check_schema_walks(json::parse(R"({"$ref": "#/$defs/node", "$defs": {"node": {"type": "object",
        "properties": {"v": {"type": "integer", "minimum": -9, "maximum": 99},
                       "kids": {"type": "array", "items": {"$ref": "#/$defs/node"}, "maxItems": 2}},
        "required": ["v"]}}})"),
                       40, 3);
}

TEST(GrammarRandomWalk, AlternativesAndTuples) {
    check_schema_walks(json::parse(R"({"type": "array", "prefixItems": [
        {"oneOf": [{"type": "string", "maxLength": 5}, {"type": "array", "items": {"type": "integer"}, "maxItems": 3},
                   {"type": "null"}]},
        {"type": "string", "pattern": "^[a-zé日本]{1,6}$"},
        {"enum": ["α", "β", 12]}], "items": false, "minItems": 2})"),
                       40, 4);
}

TEST(GrammarRandomWalk, ExtraPropertiesAndFormats) {
    check_schema_walks(json::parse(R"({"type": "object", "properties": {
        "id": {"type": "string", "format": "uuid"}, "day": {"type": "string", "format": "date"}},
        "required": ["id"], "additionalProperties": {"type": "boolean"}})"),
                       40, 5, true, {"id", "day"});
}

}  // namespace
}  // namespace snug::grammar
