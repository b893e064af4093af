// tests/unit/chat_tool_calls.cpp: tool calls parsed from realistic outputs of each format (several calls, nested
// arguments with unicode and escaped quotes, string-encoded arguments, malformed calls left as content), and the
// streaming rule for what may be sent as content before the output is finished.
#include <gtest/gtest.h>

#include <string>

#include "chat/tool_calls.h"

namespace snug::chat {
namespace {

using ojson = nlohmann::ordered_json;

TEST(ChatToolCalls, HermesSeveralCallsWithContent) {
    const std::string text =
        "Let me check both cities.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": "
        "\"Z\xC3\xBCrich\", "
        "\"units\": {\"temp\": \"C\", \"say\": \"he said \\\"hi\\\"\"}}}\n</tool_call>\n<tool_call>\n"
        "{\"name\": \"get_time\", \"arguments\": {\"tz\": \"\xE6\x9D\xB1\xE4\xBA\xAC\"}}\n</tool_call>";
    const ParsedOutput out = parse_tool_calls(text, ToolCallFormat::HERMES);
    EXPECT_EQ(out.content, "Let me check both cities.");
    ASSERT_EQ(out.tool_calls.size(), 2u);
    EXPECT_EQ(out.tool_calls[0].name, "get_weather");
    EXPECT_EQ(out.tool_calls[0].arguments,
              ojson::parse(R"({"city": "Zürich", "units": {"temp": "C", "say": "he said \"hi\""}})"));
    EXPECT_EQ(out.tool_calls[0].arguments.begin().key(), "city");  // argument order kept
    EXPECT_EQ(out.tool_calls[1].name, "get_time");
    EXPECT_EQ(out.tool_calls[1].arguments["tz"], "東京");
    EXPECT_EQ(out.tool_calls[0].id.rfind("call_", 0), 0u);
    EXPECT_EQ(out.tool_calls[0].id.size(), 13u);
    EXPECT_NE(out.tool_calls[0].id, out.tool_calls[1].id);
    EXPECT_EQ(parse_tool_calls(text, ToolCallFormat::HERMES).tool_calls[1].id, out.tool_calls[1].id);  // stable
}

TEST(ChatToolCalls, HermesStringArgumentsAndEdgeCases) {
    const ParsedOutput s = parse_tool_calls(
        "<tool_call>\n{\"name\": \"search\", \"arguments\": \"{\\\"q\\\": \\\"caf\xC3\xA9\\\", \\\"n\\\": "
        "3}\"}\n</tool_call>",
        ToolCallFormat::HERMES);
    ASSERT_EQ(s.tool_calls.size(), 1u);
    EXPECT_EQ(s.tool_calls[0].arguments, ojson::parse(R"({"q": "café", "n": 3})"));
    EXPECT_EQ(s.content, "");

    const ParsedOutput no_args = parse_tool_calls("<tool_call>{\"name\": \"now\"}</tool_call>", ToolCallFormat::HERMES);
    ASSERT_EQ(no_args.tool_calls.size(), 1u);
    EXPECT_EQ(no_args.tool_calls[0].arguments, ojson::object());

    // Generation stopped before the closing tag: a complete call is still a call.
    const ParsedOutput unclosed =
        parse_tool_calls("<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n", ToolCallFormat::HERMES);
    EXPECT_EQ(unclosed.tool_calls.size(), 1u);

    const ParsedOutput around = parse_tool_calls(
        "Before.\n<tool_call>{\"name\": \"a\", \"arguments\": {}}</tool_call>\n\nAfter.", ToolCallFormat::HERMES);
    EXPECT_EQ(around.content, "Before.\nAfter.");
}

TEST(ChatToolCalls, HermesMalformedCallsStayContent) {
    const std::string bad_json = "Sure.\n<tool_call>\n{\"name\": \"f\", \"arguments\": {\"x\": }\n</tool_call>";
    const ParsedOutput a = parse_tool_calls(bad_json, ToolCallFormat::HERMES);
    EXPECT_TRUE(a.tool_calls.empty());
    EXPECT_EQ(a.content, bad_json);
    const std::string truncated = "<tool_call>\n{\"name\": \"f\", \"arguments\": {\"x\": 1";
    EXPECT_EQ(parse_tool_calls(truncated, ToolCallFormat::HERMES).content, truncated);
    for (const char* body : {R"({"arguments": {}})", R"({"name": 5})", R"({"name": "f", "arguments": [1]})",
                             R"({"name": "f", "arguments": "not json"})", R"(["f"])"}) {
        const std::string text = std::string("<tool_call>") + body + "</tool_call>";
        EXPECT_TRUE(parse_tool_calls(text, ToolCallFormat::HERMES).tool_calls.empty()) << body;
    }
    // One good call among bad ones: the bad block stays in the content.
    const ParsedOutput mixed =
        parse_tool_calls("<tool_call>{oops}</tool_call>\n<tool_call>{\"name\": \"g\", \"arguments\": {}}</tool_call>",
                         ToolCallFormat::HERMES);
    ASSERT_EQ(mixed.tool_calls.size(), 1u);
    EXPECT_EQ(mixed.content, "<tool_call>{oops}</tool_call>");
}

TEST(ChatToolCalls, Llama3Json) {
    const ParsedOutput one = parse_tool_calls(
        "{\"name\": \"get_weather\", \"parameters\": {\"location\": \"S\xC3\xA3o Paulo\", \"days\": [1, 2]}}",
        ToolCallFormat::LLAMA3_JSON);
    ASSERT_EQ(one.tool_calls.size(), 1u);
    EXPECT_EQ(one.content, "");
    EXPECT_EQ(one.tool_calls[0].arguments, ojson::parse(R"({"location": "São Paulo", "days": [1, 2]})"));

    const ParsedOutput tagged = parse_tool_calls(
        "<|python_tag|>{\"name\": \"a\", \"arguments\": {\"s\": \"x}{\\\"\"}}; {\"type\": \"function\", \"name\": "
        "\"b\", "
        "\"parameters\": \"{\\\"k\\\": null}\"}",
        ToolCallFormat::LLAMA3_JSON);
    ASSERT_EQ(tagged.tool_calls.size(), 2u);
    EXPECT_EQ(tagged.tool_calls[0].arguments["s"], "x}{\"");
    EXPECT_EQ(tagged.tool_calls[1].name, "b");
    EXPECT_EQ(tagged.tool_calls[1].arguments, ojson::parse(R"({"k": null})"));

    for (const char* text : {"The answer is {\"name\": \"x\", \"parameters\": {}}",
                             "{\"name\": \"x\", \"parameters\": {}} and more", "{\"name\": \"x\", \"parameters\": {}",
                             "{\"not\": \"a call\"}", "<|python_tag|>brave_search.call(query=\"x\")", "Hello!"}) {
        const ParsedOutput out = parse_tool_calls(text, ToolCallFormat::LLAMA3_JSON);
        EXPECT_TRUE(out.tool_calls.empty()) << text;
        EXPECT_EQ(out.content, text);
    }
}

TEST(ChatToolCalls, MistralArrayForm) {
    const ParsedOutput out = parse_tool_calls(
        "[TOOL_CALLS][{\"name\": \"add\", \"arguments\": {\"a\": 1, \"b\": 2}, \"id\": \"Ab3dE5gH9\"}, "
        "{\"name\": \"echo\", \"arguments\": {\"text\": \"\xE2\x9C\x93 [ok]\"}}]",
        ToolCallFormat::MISTRAL);
    ASSERT_EQ(out.tool_calls.size(), 2u);
    EXPECT_EQ(out.content, "");
    EXPECT_EQ(out.tool_calls[0].id, "Ab3dE5gH9");  // an id the model gave is kept
    EXPECT_EQ(out.tool_calls[1].arguments["text"], "✓ [ok]");
    EXPECT_EQ(out.tool_calls[1].id.rfind("call_", 0), 0u);
}

TEST(ChatToolCalls, MistralNameArgsForm) {
    const ParsedOutput out = parse_tool_calls(
        "I'll look that up.[TOOL_CALLS]get_weather[ARGS]{\"city\": \"Paris\", \"opts\": {\"q\": \"\\\"x\\\"\"}}"
        "[TOOL_CALLS]get_time[CALL_ID]k9Zq1[ARGS]{}",
        ToolCallFormat::MISTRAL);
    ASSERT_EQ(out.tool_calls.size(), 2u);
    EXPECT_EQ(out.content, "I'll look that up.");
    EXPECT_EQ(out.tool_calls[0].name, "get_weather");
    EXPECT_EQ(out.tool_calls[0].arguments["opts"]["q"], "\"x\"");
    EXPECT_EQ(out.tool_calls[1].id, "k9Zq1");

    const std::string broken = "[TOOL_CALLS]get_weather[ARGS]{\"city\": ";
    EXPECT_EQ(parse_tool_calls(broken, ToolCallFormat::MISTRAL).content, broken);
    const std::string no_marker = "[{\"name\": \"f\", \"arguments\": {}}]";
    EXPECT_TRUE(parse_tool_calls(no_marker, ToolCallFormat::MISTRAL).tool_calls.empty());
}

TEST(ChatToolCalls, NoneFormatKeepsEverything) {
    const std::string text = "<tool_call>{\"name\": \"f\", \"arguments\": {}}</tool_call>";
    const ParsedOutput out = parse_tool_calls(text, ToolCallFormat::NONE);
    EXPECT_EQ(out.content, text);
    EXPECT_TRUE(out.tool_calls.empty());
    EXPECT_EQ(safe_content_prefix(text, ToolCallFormat::NONE), text.size());
}

TEST(ChatToolCalls, SafeContentPrefix) {
    EXPECT_EQ(safe_content_prefix("Hello wor", ToolCallFormat::HERMES), 9u);
    EXPECT_EQ(safe_content_prefix("Hello <tool_", ToolCallFormat::HERMES), 5u);  // partial marker and the space held
    EXPECT_EQ(safe_content_prefix("Hello <", ToolCallFormat::HERMES), 5u);
    EXPECT_EQ(safe_content_prefix("Hello <b>", ToolCallFormat::HERMES), 9u);
    EXPECT_EQ(safe_content_prefix("Hi.\n\n<tool_call>\n{\"na", ToolCallFormat::HERMES), 3u);
    EXPECT_EQ(safe_content_prefix("a [TOOL", ToolCallFormat::MISTRAL), 1u);
    EXPECT_EQ(safe_content_prefix("a [TOOL_CALLS]f[ARGS]{", ToolCallFormat::MISTRAL), 1u);
    EXPECT_EQ(safe_content_prefix("a [x]", ToolCallFormat::MISTRAL), 5u);
    EXPECT_EQ(safe_content_prefix("", ToolCallFormat::LLAMA3_JSON), 0u);
    EXPECT_EQ(safe_content_prefix("  {\"name\"", ToolCallFormat::LLAMA3_JSON), 0u);
    EXPECT_EQ(safe_content_prefix("<|python", ToolCallFormat::LLAMA3_JSON), 0u);
    EXPECT_EQ(safe_content_prefix("<b>old</b> ", ToolCallFormat::LLAMA3_JSON), 10u);
    EXPECT_EQ(safe_content_prefix("Sure, {x}", ToolCallFormat::LLAMA3_JSON), 9u);
}

// Streaming a whole output byte by byte: the safe prefix never shrinks and is always a prefix of the final content.
TEST(ChatToolCalls, SafePrefixIsMonotoneAndAgreesWithTheFinalParse) {
    const std::pair<ToolCallFormat, std::string> outputs[] = {
        {ToolCallFormat::HERMES,
         "Let me see.\n\n<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": 1}}\n</tool_call>"},
        {ToolCallFormat::HERMES, "No tools needed: <tool> tags < and <tool_cal are fine.  "},
        {ToolCallFormat::HERMES, "Oops <tool_call>{broken</tool_call> done"},
        {ToolCallFormat::LLAMA3_JSON, "{\"name\": \"f\", \"parameters\": {}}"},
        {ToolCallFormat::LLAMA3_JSON, "  Plain answer with {braces}.\n"},
        {ToolCallFormat::LLAMA3_JSON, "{\"not\": \"a call\"} text"},
        {ToolCallFormat::MISTRAL, "Checking. [TOOL_CALLS]f[ARGS]{\"x\": \"[TOOL_CALLS]\"}"},
        {ToolCallFormat::MISTRAL, "A [TOOLS] list and [TOOL_CALL without end"},
    };
    for (const auto& [format, text] : outputs) {
        const std::string content = parse_tool_calls(text, format).content;
        size_t prev = 0;
        for (size_t n = 0; n <= text.size(); ++n) {
            const size_t safe = safe_content_prefix(std::string_view(text).substr(0, n), format);
            ASSERT_GE(safe, prev) << text << " at " << n;
            ASSERT_LE(safe, n);
            ASSERT_EQ(content.compare(0, safe, text, 0, safe), 0)
                << text << " at " << n << ": content '" << content << "'";
            prev = safe;
        }
    }
}

}  // namespace
}  // namespace snug::chat
