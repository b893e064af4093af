// tests/unit/jinja_robustness.cpp: templates come from model files, so any input must either render or throw
// snug::Error: never crash, hang or grow without bound. Mutates the 55 real chat templates (deterministic seed:
// deleted, inserted and duplicated characters, truncation) and runs hand-written hostile templates. Meant to run
// under ASan/UBSan too.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "base/error.h"
#include "common/test_data.h"
#include "jinja/template.h"

namespace snug::jinja {
namespace {

using json = nlohmann::ordered_json;

const json& context() {
    static const json ctx = json::parse(R"json({
      "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What's the weather in Paris?"},
        {"role": "assistant", "content": "", "tool_calls": [
          {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "{\"temperature_c\": 21}"},
        {"role": "assistant", "content": "<think>warm</think>It is 21 °C."}
      ],
      "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather",
                 "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}],
      "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>"
    })json");
    return ctx;
}

// Small limits keep hostile templates cheap; real chat templates stay far below them.
Options tight_options() {
    Options o;
    o.now = [] { return std::time_t{1736937000}; };
    o.max_output_bytes = 1 << 20;
    o.max_loop_iterations = 200000;
    o.max_call_depth = 64;
    return o;
}

// Parses and renders; returns false when snug::Error was thrown. Anything else escapes and fails the test.
bool survives(const std::string& source) {
    try {
        const Template t = Template::parse(source);
        t.render(context(), tight_options());
        return true;
    } catch (const Error&) {
        return false;
    }
}

std::vector<std::string> real_templates() {
    std::vector<std::string> out;
    const std::string dir = test::data_path("templates");
    if (!std::filesystem::is_directory(dir)) return out;
    std::vector<std::filesystem::path> paths;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        if (e.path().extension() == ".jinja") paths.push_back(e.path());
    std::sort(paths.begin(), paths.end());
    for (const auto& p : paths) {
        std::ifstream f(p, std::ios::binary);
        std::stringstream ss;
        ss << f.rdbuf();
        out.push_back(ss.str());
    }
    return out;
}

// splitmix64: a fixed generator, so every run mutates the same way on every platform.
uint64_t next_random(uint64_t& state) {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

std::string mutate(std::string s, uint64_t& rng) {
    static const std::string INSERTS[] = {"{", "}", "%", "-", "+", "(", ")", "[", "]", "\"", "'", "|", " ", "\n",
                                          ".", ",", "=", "x", "0", "not ", "if ", "~", "*", "/", "{{", "%}",
                                          "{%", "}}", "{#", "#}", "loop.", "ns.", " is ", " in ", "**9"};
    const int n_edits = 1 + static_cast<int>(next_random(rng) % 4);
    for (int i = 0; i < n_edits && !s.empty(); ++i) {
        const size_t pos = next_random(rng) % s.size();
        switch (next_random(rng) % 4) {
            case 0: s.erase(pos, 1 + next_random(rng) % 8); break;
            case 1: s.insert(pos, INSERTS[next_random(rng) % std::size(INSERTS)]); break;
            case 2: {
                const size_t len = std::min<size_t>(1 + next_random(rng) % 40, s.size() - pos);
                s.insert(pos, s.substr(pos, len));
                break;
            }
            default: s.resize(pos); break;
        }
    }
    return s;
}

TEST(JinjaRobustness, MutatedRealTemplatesRenderOrThrow) {
    SNUG_REQUIRE_DATA(test::data_path("templates/Qwen-Qwen2.5-7B-Instruct.jinja"));
    const std::vector<std::string> templates = real_templates();
    ASSERT_EQ(templates.size(), 55u);
    uint64_t rng = 20250115;
    int rendered = 0, rejected = 0;
    for (int i = 0; i < 3000; ++i) {
        const std::string& base = templates[next_random(rng) % templates.size()];
        (survives(mutate(base, rng)) ? rendered : rejected)++;
    }
    // Both outcomes must occur, or the mutations are not exercising anything.
    EXPECT_GT(rendered, 100);
    EXPECT_GT(rejected, 100);
}

TEST(JinjaRobustness, UnmutatedTemplatesRender) {
    for (const std::string& t : real_templates()) EXPECT_NO_THROW(Template::parse(t));
}

TEST(JinjaRobustness, HostileTemplatesHitLimits) {
    const std::vector<std::string> hostile = {
        std::string(5000, '(') + "1" + std::string(5000, ')'),          // expression nesting
        "{{ " + std::string(5000, '[') + " }}",
        std::string(3000, '-') + "1",                                     // unary chain
        [] {
            std::string s;
            for (int i = 0; i < 2000; ++i) s += "{% if true %}";
            return s;
        }(),                                                              // block nesting
        "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",         // unbounded recursion
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",  // loop budget
        "{% set ns = namespace(s='xx') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
        "{% set ns = namespace(s='xx') %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}{% endfor %}",
        "{% set ns = namespace(l=[1]) %}{% for i in range(64) %}{% set ns.l = ns.l + ns.l %}{% endfor %}",
        "{% for i in range(100000) %}{% set x = 'a'.center(1000000) %}{% endfor %}",  // total building budget
        "{{ ('x' * 500000)|replace('', 'y' * 500000) }}",
        "{{ 'a'.center(4611686018427387904) }}{{ 'a'.zfill(4611686018427387904) }}",
        "{{ 'x' * 9223372036854775807 }}",
        "{{ [1, 2] * 4611686018427387904 }}",
        "{{ 'ab'|replace('', 'ab' * 400000) }}",
        "{{ range(9223372036854775807)|list }}",
        "{{ 9223372036854775807 + 1 }} {{ -9223372036854775807 - 2 }} {{ 2 ** 64 }}",
        "{{ (-9223372036854775807 - 1) // -1 }}",
        "{{ 'x'.center(9223372036854775807) }}",
        "{{ '%999999999s' % 'a' }}",
        "{% set ns = namespace() %}{% set ns.me = ns %}{{ ns }}",         // a cycle: repr must stop
        "{% set ns = namespace() %}{% set ns.me = ns %}{{ ns|tojson }}",
        "{{ l[::-9223372036854775807] }} {{ 'abc'[9223372036854775807:] }}",
        "{{ 'a'|indent(-5) }}{{ 1|round(-400) }}{{ 'x'|tojson(indent=-3) }}",
        "{% for a, b in [1] %}{% endfor %}",
        "{{ caller() }}",
        "{% raw %}",
        "{{ '\\U0011ffff' }}",
        "\xff\xfe{{ '\xc3' }}\xe2\x82",                                   // invalid UTF-8 passes through
    };
    for (const std::string& t : hostile) survives(t);
}

}  // namespace
}  // namespace snug::jinja
