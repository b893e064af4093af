// chat/tool_calls.h: turns a model's generated text into content plus tool calls, for the tool-call formats of
// the common model families, and tells a streaming server how much text is surely content. Knows nothing of
// templates' rendering or of the wire formats (Ollama wants arguments as an object, OpenAI as a JSON string).
#pragma once
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace snug::chat {

enum class ToolCallFormat {
    NONE,         // no tool calls are parsed: everything is content
    HERMES,       // Qwen 2.5/3, Hermes, Granite 4...: <tool_call>\n{"name": ..., "arguments": {...}}\n</tool_call>
    LLAMA3_JSON,  // Llama 3.1-3.3: the whole reply is {"name": ..., "parameters": {...}} (";"-separated for several),
                  // optionally after <|python_tag|>
    MISTRAL,      // [TOOL_CALLS][{"name": ..., "arguments": {...}}, ...] or [TOOL_CALLS]name[ARGS]{...} (repeatable)
};

// The format a chat template teaches its model, recognised from the template's text. Templates that use another
// tool syntax (XML parameters, DeepSeek's markers, functionary, ...) give NONE.
ToolCallFormat detect_tool_call_format(std::string_view chat_template);

struct ToolCall {
    std::string id;  // "call_" + 8 characters, derived from the call: stable for the same text
    std::string name;
    nlohmann::ordered_json arguments;  // always an object; arguments given as a JSON string are parsed
};

struct ParsedOutput {
    std::string content;  // the text that is not a tool call
    std::vector<ToolCall> tool_calls;
};

// Splits finished output. A call that does not parse (bad JSON, no name, arguments not an object) stays in the
// content as written. Whitespace next to a removed call is dropped, and content on both sides of calls is joined
// with "\n". The text must include the markers the format uses (decode with special tokens rendered).
ParsedOutput parse_tool_calls(std::string_view text, ToolCallFormat format);

// For streaming: the number of leading bytes of the text so far that are surely content and can be sent now.
// Held back: anything from a tool-call marker on, a trailing partial marker ("<tool_", "[TOOL_"), trailing
// whitespace, and for LLAMA3_JSON a reply that starts like a call. The value never decreases as the text grows,
// and text[0, n) is always a prefix of parse_tool_calls(final text).content; send the rest of that content when
// generation ends.
size_t safe_content_prefix(std::string_view text, ToolCallFormat format);

}  // namespace snug::chat
