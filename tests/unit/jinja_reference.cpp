// tests/unit/jinja_reference.cpp: renders the 55 real chat templates in ../shared/templates with the five reference
// conversations and compares byte for byte with what Python's jinja2 3.1 produced inside transformers
// (../shared/reference/templates/*.json). A reference case holding "error" must fail in snug too.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>

#include "base/error.h"
#include "common/test_data.h"
#include "jinja/template.h"

namespace snug::jinja {
namespace {

using json = nlohmann::ordered_json;

// The reference inputs are not stored with the renderings; these were reconstructed from them (the tools list and
// the tool call as the templates that tojson them print them, the tool result as the templates that echo
// tool_call_id show it) and reproduce every rendering.
const char* const CASES = R"json({
  "single_user": {
    "messages": [{"role": "user", "content": "Hello!"}],
    "add_generation_prompt": true
  },
  "system_multi_turn": {
    "messages": [
      {"role": "system", "content": "You are a helpful assistant."},
      {"role": "user", "content": "What is 2+2?"},
      {"role": "assistant", "content": "4"},
      {"role": "user", "content": "And 3+3?"}
    ],
    "add_generation_prompt": true
  },
  "multi_turn_no_generation_prompt": {
    "messages": [
      {"role": "user", "content": "What is 2+2?"},
      {"role": "assistant", "content": "4"}
    ],
    "add_generation_prompt": false
  },
  "unicode_and_markup": {
    "messages": [
      {"role": "system", "content": "Translate English to Simplified Chinese (zh-Hans). Output only the translation."},
      {"role": "user", "content": "Good morning — \"quotes\", <tags>, {{braces}} & emoji 🚀\n  indented line"}
    ],
    "add_generation_prompt": true
  },
  "tool_call_round_trip": {
    "messages": [
      {"role": "user", "content": "What's the weather in Paris?"},
      {"role": "assistant", "content": "", "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}
      ]},
      {"role": "tool", "tool_call_id": "call_1", "content": "{\"temperature_c\": 21}"}
    ],
    "tools": [{"type": "function", "function": {
      "name": "get_weather",
      "description": "Get the current weather for a city",
      "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}},
                     "required": ["city"]}
    }}],
    "add_generation_prompt": true
  }
})json";

std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

// The references froze Python's datetime.now() at 2025-01-15 10:30:00 local time.
std::time_t frozen_now() {
    std::tm tm{};
    tm.tm_year = 2025 - 1900;
    tm.tm_mon = 0;
    tm.tm_mday = 15;
    tm.tm_hour = 10;
    tm.tm_min = 30;
    tm.tm_isdst = -1;
    return std::mktime(&tm);
}

TEST(JinjaReference, AllTemplatesRenderLikeJinja2) {
    const std::string ref_dir = test::data_path("reference/templates");
    SNUG_REQUIRE_DATA(ref_dir + "/Qwen-Qwen2.5-7B-Instruct.json");
    const json cases = json::parse(CASES);
    Options options;
    options.now = frozen_now;

    std::vector<std::string> files;
    for (const auto& entry : std::filesystem::directory_iterator(ref_dir))
        if (entry.path().extension() == ".json") files.push_back(entry.path().string());
    std::sort(files.begin(), files.end());
    ASSERT_EQ(files.size(), 55u);

    int n_cases = 0, n_passed = 0;
    for (const std::string& file : files) {
        const json ref = json::parse(read_file(file));
        const std::string name = ref.at("template").get<std::string>();
        const std::string source = read_file(test::data_path("templates/" + name));
        ASSERT_FALSE(source.empty()) << name;
        std::optional<Template> tpl;
        ASSERT_NO_THROW(tpl = Template::parse(source)) << name;
        for (const json& result : ref.at("results")) {
            const std::string case_name = result.at("case").get<std::string>();
            json context = cases.at(case_name);
            for (const auto& [k, v] : ref.at("special_tokens").items()) context[k] = v;
            ++n_cases;
            if (result.contains("error")) {
                bool threw = false;
                try {
                    tpl->render(context, options);
                } catch (const Error&) {
                    threw = true;
                }
                EXPECT_TRUE(threw) << name << " / " << case_name << " should fail like jinja2: "
                                   << result.at("error").get<std::string>();
                n_passed += threw;
                continue;
            }
            std::string rendered;
            try {
                rendered = tpl->render(context, options);
            } catch (const Error& e) {
                ADD_FAILURE() << name << " / " << case_name << " threw: " << e.what();
                continue;
            }
            const std::string expected = result.at("rendered").get<std::string>();
            EXPECT_EQ(rendered, expected) << name << " / " << case_name;
            n_passed += rendered == expected;
        }
    }
    EXPECT_EQ(n_cases, 273);
    std::printf("jinja reference: %d/%d cases match\n", n_passed, n_cases);
}

}  // namespace
}  // namespace snug::jinja
