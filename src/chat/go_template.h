// chat/go_template.h: Go's text/template, the subset Ollama's TEMPLATEs use, and Ollama's way of feeding it a chat
// (template.Values: .System, .Messages, .Tools, .Prompt, .Response, ...). Renders text only; knows nothing of the
// tokenizer or of Jinja (jinja/template.h renders Hugging Face templates). docs/go-template.md lists the subset.
// ref: https://pkg.go.dev/text/template and https://github.com/ollama/ollama/blob/main/template/template.go
#pragma once
#include <nlohmann/json.hpp>

#include <cstddef>
#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace snug::chat {

struct GoTemplateOptions {
    std::function<std::time_t()> now;           // currentDate/yesterdayDate's clock (local time); empty: real clock
    size_t max_output_bytes = size_t{1} << 24;  // also bounds every string a template builds
    size_t max_iterations = 1'000'000;          // range iterations over the whole render
};

namespace gotpl {
struct Node;
}

class GoTemplate {
public:
    // Throws snug::Error "Go template line L col C: ..." for syntax errors, undefined variables and unknown
    // functions (Go rejects those at parse time too). {{define}}, {{template}} and {{block}} are refused.
    static GoTemplate parse(std::string_view source);

    // Executes with `data` as dot: JSON objects are Go maps (fields look keys up, a missing key is nil and prints
    // "<no value>", ranges go in sorted key order), arrays are slices. Throws snug::Error with the line and column
    // for execution errors (bad field on a string, wrong argument types, index out of range, exceeded limits).
    std::string execute(const nlohmann::ordered_json& data, const GoTemplateOptions& options = {}) const;

    // Ollama's Template.Execute for a chat. messages: [{role, content, tool_calls?: [{function: {name, arguments}}],
    // tool_call_id?, tool_name? (or name), thinking?}]; tools: null or [{type, function: {name, description,
    // parameters}}]. A template that mentions .Messages sees .System (all system messages joined by "\n\n"),
    // .Messages (consecutive same-role messages merged, tool results kept apart), .Tools and .Think; one that does
    // not is run once per system/user/assistant turn with .System, .Prompt and .Response, and the last run stops
    // at its first {{ .Response }}. A template that mentions neither .Messages nor .Response gets
    // {{ .Response }} appended, as Ollama does.
    std::string render_chat(const nlohmann::ordered_json& messages, const nlohmann::ordered_json& tools,
                            bool think = false, const GoTemplateOptions& options = {}) const;

    // The lower-cased field and variable names the template mentions (Ollama's Template.Vars), sorted, unique.
    std::vector<std::string> vars() const;

    // Whether `source` is meant as a Go template rather than Jinja: it has no Jinja statement or comment tags
    // ("{%", "{#"), it has an action that starts with a field (".X"), a variable ("$") or one of the keywords
    // range/with/end, and it parses as a Go template. Jinja's "{{ .5 }}"-style actions do not occur in chat
    // templates, and a Jinja expression such as {{ bos_token }} is not valid Go (an unknown function).
    static bool looks_like_go(std::string_view source);

private:
    std::shared_ptr<const gotpl::Node> root_;
};

}  // namespace snug::chat
