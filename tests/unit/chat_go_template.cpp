// tests/unit/chat_go_template.cpp: the Go text/template interpreter (chat/go_template.h): each construct with
// outputs worked out by hand from Go's rules, three Ollama-style chat templates over one conversation with tools,
// old-style (.Prompt/.Response) templates, error messages, and truncated/mutated templates that must never crash.
#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "base/error.h"
#include "chat/go_template.h"
#include "common/test_data.h"

namespace snug::chat {
namespace {

using ojson = nlohmann::ordered_json;

std::string run(const std::string& src, const ojson& data = ojson::object()) {
    return GoTemplate::parse(src).execute(data);
}

// The error text of parsing and executing `src`, "" when it succeeds.
std::string error_of(const std::string& src, const ojson& data = ojson::object()) {
    try {
        GoTemplate::parse(src).execute(data);
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

TEST(GoTemplate, TextFieldsAndTrimMarkers) {
    EXPECT_EQ(run("plain"), "plain");
    EXPECT_EQ(run("a{{ .X }}b", {{"X", 1}}), "a1b");
    EXPECT_EQ(run("a {{- .X -}} b", {{"X", "x"}}), "axb");
    EXPECT_EQ(run("a \n\t{{- .X }} \n b", {{"X", "x"}}), "ax \n b");
    EXPECT_EQ(run("a {{ .X -}} \n\n b", {{"X", "x"}}), "a xb");
    EXPECT_EQ(run("{{.A.B}}", {{"A", {{"B", "c"}}}}), "c");
    EXPECT_EQ(run("{{ .Missing }}|{{ .A.Missing.Deeper }}", {{"A", ojson::object()}}), "<no value>|<no value>");
    EXPECT_EQ(run("x {{/* a comment */}} y"), "x  y");
    EXPECT_EQ(run("x \n {{- /* a\nmulti-line comment */ -}} \n y"), "xy");
    EXPECT_EQ(run("{{-3}}"), "-3");  // "{{-" without a space is a negative number, not a trim marker
    EXPECT_EQ(run("{{ 3 -}}  4"), "34");
    EXPECT_EQ(run("a{{\n.X\n}}b", {{"X", "m"}}), "amb");  // newlines inside an action are spaces
}

TEST(GoTemplate, Literals) {
    EXPECT_EQ(run(R"({{ "a\tb\u00e9\x41" }})"), "a\tb\xC3\xA9" "A");
    EXPECT_EQ(run("{{ `raw\\n {{x}}` }}"), "raw\\n {{x}}");
    EXPECT_EQ(run("{{ 'a' }} {{ 0x1F }} {{ 1_000 }} {{ -7 }}"), "97 31 1000 -7");
    EXPECT_EQ(run("{{ 1.5 }} {{ 2.0 }} {{ 1e6 }} {{ 123456.0 }} {{ 0.0001 }} {{ 0.00001 }}"),
              "1.5 2 1e+06 123456 0.0001 1e-05");
    EXPECT_EQ(run("{{ true }} {{ false }}"), "true false");
    EXPECT_EQ(run("{{ .F }} {{ .L }} {{ .M }}", {{"F", 0.25}, {"L", {1, "a", nullptr}}, {"M", {{"b", 1}, {"a", true}}}}),
              "0.25 [1 a <nil>] map[a:true b:1]");
}

TEST(GoTemplate, Truthiness) {
    const std::string t = "{{ if .V }}T{{ else }}F{{ end }}";
    for (const ojson& v : {ojson(""), ojson(0), ojson(0.0), ojson(false), ojson::array(), ojson::object(), ojson()})
        EXPECT_EQ(run(t, {{"V", v}}), "F") << v.dump();
    for (const ojson& v : {ojson("x"), ojson(1), ojson(-0.5), ojson(true), ojson::array({0}), ojson{{"a", 0}}})
        EXPECT_EQ(run(t, {{"V", v}}), "T") << v.dump();
    EXPECT_EQ(run("{{ if .Nope }}T{{ else }}F{{ end }}"), "F");
}

TEST(GoTemplate, IfElseChains) {
    const std::string t = R"({{ if eq .N 1 }}one{{ else if eq .N 2 }}two{{ else if gt .N 9 }}big{{ else }}some{{ end }})";
    EXPECT_EQ(run(t, {{"N", 1}}), "one");
    EXPECT_EQ(run(t, {{"N", 2}}), "two");
    EXPECT_EQ(run(t, {{"N", 10}}), "big");
    EXPECT_EQ(run(t, {{"N", 5}}), "some");
    EXPECT_EQ(run("{{ if $x := .A }}[{{ $x }}]{{ else }}[-{{ $x }}]{{ end }}", {{"A", "a"}}), "[a]");
    EXPECT_EQ(run("{{ if $x := .A }}[{{ $x }}]{{ else }}[-{{ $x }}]{{ end }}", {{"A", 0}}), "[-0]");
}

TEST(GoTemplate, WithElse) {
    const std::string t = "{{ with .A }}[{{ . }}]{{ else with .B }}({{ . }}){{ else }}none{{ end }}";
    EXPECT_EQ(run(t, {{"A", "a"}, {"B", "b"}}), "[a]");
    EXPECT_EQ(run(t, {{"A", ""}, {"B", "b"}}), "(b)");
    EXPECT_EQ(run(t, ojson::object()), "none");
    EXPECT_EQ(run("{{ with .O }}{{ .K }}-{{ $.Top }}{{ end }}", {{"O", {{"K", "k"}}}, {"Top", "t"}}), "k-t");
}

TEST(GoTemplate, Range) {
    const ojson d = {{"L", {"x", "y", "z"}}, {"M", {{"b", 2}, {"a", 1}, {"c", 3}}}, {"E", ojson::array()}, {"X", "!"}};
    EXPECT_EQ(run("{{ range .L }}<{{ . }}>{{ end }}", d), "<x><y><z>");
    EXPECT_EQ(run("{{ range $i, $e := .L }}{{ $i }}={{ $e }};{{ end }}", d), "0=x;1=y;2=z;");
    EXPECT_EQ(run("{{ range $e := .L }}{{ $e }}{{ end }}", d), "xyz");
    EXPECT_EQ(run("{{ range $k, $v := .M }}{{ $k }}={{ $v }};{{ end }}", d), "a=1;b=2;c=3;");  // Go sorts map keys
    EXPECT_EQ(run("{{ range .E }}x{{ else }}empty{{ end }}", d), "empty");
    EXPECT_EQ(run("{{ range .Nothing }}x{{ else }}nil{{ end }}", d), "nil");
    EXPECT_EQ(run("{{ range .L }}{{ $.X }}{{ end }}", d), "!!!");
    EXPECT_EQ(run("{{ range 3 }}{{ . }}{{ end }}"), "012");
    EXPECT_EQ(run("{{ range .N }}{{ if eq . 2 }}{{ continue }}{{ end }}{{ if eq . 4 }}{{ break }}{{ end }}{{ . }}{{ end }}",
                  {{"N", {1, 2, 3, 4, 5}}}),
              "13");
    EXPECT_EQ(run("{{ range .A }}{{ range . }}{{ if eq . 2 }}{{ break }}{{ end }}{{ . }}{{ end }};{{ end }}",
                  {{"A", {{1, 2, 3}, {4}}}}),
              "1;4;");  // break leaves the inner range only
}

TEST(GoTemplate, VariablesAndScopes) {
    EXPECT_EQ(run("{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}"), "2");
    EXPECT_EQ(run("{{ $x := 1 }}{{ if true }}{{ $x := 5 }}{{ $x }}{{ end }}{{ $x }}"), "51");
    EXPECT_EQ(run("{{ $ }}", ojson{{"a", 1}}), "map[a:1]");
    EXPECT_EQ(run("{{ $last := 0 }}{{ range $i, $_ := .L }}{{ $last = $i }}{{ end }}{{ $last }}", {{"L", {7, 8, 9}}}), "2");
    EXPECT_NE(error_of("{{ if true }}{{ $y := 1 }}{{ end }}{{ $y }}").find("undefined variable \"$y\""), std::string::npos);
}

TEST(GoTemplate, Pipelines) {
    EXPECT_EQ(run("{{ \"abc\" | len }}"), "3");
    EXPECT_EQ(run("{{ .S | printf \"%s!\" }}", {{"S", "hi"}}), "hi!");
    EXPECT_EQ(run("{{ 3 | printf \"%d-%s\" \"x\" }}"), "%!d(string=x)-%!s(int=3)");
    EXPECT_EQ(run("{{ .S | len | printf \"%03d\" }}", {{"S", "hello"}}), "005");
    EXPECT_EQ(run("{{ (len .S) }} {{ (index .M \"k\").Name }}", {{"S", "ab"}, {"M", {{"k", {{"Name", "n"}}}}}}), "2 n");
}

TEST(GoTemplate, Functions) {
    const ojson d = {{"L", {1, 2, 3}}, {"M", {{"a", "A"}}}, {"S", "hi"}};
    EXPECT_EQ(run("{{ and 1 0 2 }}|{{ and 1 2 }}|{{ or 0 \"\" \"x\" }}|{{ or 0 \"\" }}|{{ not 0 }}|{{ not .S }}", d),
              "0|2|x||true|false");
    EXPECT_EQ(run("{{ and .Missing .Missing.X }}"), "<no value>");  // short-circuit
    EXPECT_EQ(run("{{ len .L }} {{ len .M }} {{ len \"h\xC3\xA9\" }}", d), "3 1 3");
    EXPECT_EQ(run("{{ index .L 1 }} {{ index .M \"a\" }} {{ index .M \"zz\" }} {{ index \"abc\" 1 }}", d),
              "2 A <no value> 98");
    EXPECT_EQ(run("{{ slice \"hello\" 1 3 }} {{ slice .L 1 }} {{ slice .L }} {{ slice .L 0 0 }}", d), "el [2 3] [1 2 3] []");
    EXPECT_EQ(run("{{ eq .S \"a\" \"b\" \"hi\" }} {{ eq 1 1 }} {{ ne 1 2 }} {{ eq .Missing \"x\" }} {{ eq nil nil }}", d),
              "true true true false true");
    EXPECT_EQ(run("{{ lt 1 2 }} {{ le 2 2 }} {{ gt \"b\" \"a\" }} {{ ge 1.5 2.5 }}"), "true true true false");
    EXPECT_EQ(run("{{ print 1 2 \"a\" 3 \"b\" \"c\" }}"), "1 2a3bc");
    EXPECT_EQ(run("{{ println \"a\" 1 }}"), "a 1\n");
    EXPECT_EQ(run(R"({{ printf "%q %v %5d|%-4s|%05.1f %t %%" "x\"y" .L 42 "ab" 3.14159 true }})", d),
              "\"x\\\"y\" [1 2 3]    42|ab  |003.1 true %");
    EXPECT_EQ(run(R"({{ printf "%s %s" "a" }}|{{ printf "x" 1 }}|{{ printf "%x %X %c" 255 "hi" 65 }})"),
              "a %!s(MISSING)|x%!(EXTRA int=1)|ff 6869 A");
    EXPECT_EQ(run(R"({{ html "<a href='x'>&\"" }})"), "&lt;a href=&#39;x&#39;&gt;&amp;&#34;");
    EXPECT_EQ(run(R"({{ js "a'b\"<\n=" }})"), "a\\'b\\\"\\u003C\\u000A\\u003D");
    EXPECT_EQ(run("{{ urlquery \"a b&c=d/\xC3\xA9\" }}"), "a+b%26c%3Dd%2F%C3%A9");
    const ojson j = {{"J", {{"b", "<x>&"}, {"a", {1, 2.5, nullptr, true}}, {"c", "\xE2\x80\xA8\n"}}}};
    EXPECT_EQ(run("{{ json .J }}", j), R"({"a":[1,2.5,null,true],"b":"\u003cx\u003e\u0026","c":"\u2028\n"})");
    EXPECT_EQ(run("{{ toJson .J.a }} {{ json \"q\" }} {{ json 1e21 }} {{ json 1e-7 }} {{ json .X }}", j),
              "[1,2.5,null,true] \"q\" 1e+21 1e-7 null");
}

TEST(GoTemplate, Dates) {
    const std::time_t t = 1700000000;  // 2023-11-14T22:13:20Z
    GoTemplateOptions o;
    o.now = [t] { return t; };
    auto day = [](std::time_t x) {
        std::tm tm{};
        localtime_r(&x, &tm);
        char buf[16];
        std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
        return std::string(buf);
    };
    EXPECT_EQ(GoTemplate::parse("{{ currentDate }}|{{ yesterdayDate }}").execute(ojson::object(), o),
              day(t) + "|" + day(t - 86400));
}

TEST(GoTemplate, ParseErrorsNameThePosition) {
    EXPECT_NE(error_of("a\nb{{ foo }}").find("line 2 col 5: function \"foo\" not defined"), std::string::npos)
        << error_of("a\nb{{ foo }}");
    EXPECT_NE(error_of("x {{ .X").find("unclosed action"), std::string::npos);
    EXPECT_NE(error_of("x {{ .X }").find("unrecognized character in action: '}'"), std::string::npos);
    EXPECT_NE(error_of("{{ end }}").find("unexpected {{end}}"), std::string::npos);
    EXPECT_NE(error_of("{{ else }}").find("unexpected {{else}}"), std::string::npos);
    EXPECT_NE(error_of("{{ if .X }}a").find("line 1 col 1: unexpected EOF: {{if}} has no {{end}}"), std::string::npos);
    EXPECT_NE(error_of("{{ range .X }}{{ else }}{{ else }}{{ end }}").find("expected {{end}}"), std::string::npos);
    EXPECT_NE(error_of("{{ break }}").find("{{break}} outside {{range}}"), std::string::npos);
    EXPECT_NE(error_of("{{/* x }}").find("unclosed comment"), std::string::npos);
    EXPECT_NE(error_of("{{/* x */ .X }}").find("comment ends before closing delimiter"), std::string::npos);
    EXPECT_NE(error_of("{{ \"abc }}").find("unterminated quoted string"), std::string::npos);
    EXPECT_NE(error_of("{{ (len .X }}").find("unclosed left paren"), std::string::npos);
    EXPECT_NE(error_of("{{ }}").find("missing value for command"), std::string::npos);
    EXPECT_NE(error_of("{{ .X | 3 }}").find("non executable command in pipeline stage 2"), std::string::npos);
    EXPECT_NE(error_of("{{ template \"x\" }}").find("{{template}} is not supported"), std::string::npos);
    EXPECT_NE(error_of("{{ 12abc }}").find("bad number syntax"), std::string::npos);
    EXPECT_NE(error_of("{{ .X.Y-}}").find("bad character '-'"), std::string::npos);
    EXPECT_NE(error_of("{{ $x = 1 }}").find("undefined variable \"$x\""), std::string::npos);
    EXPECT_NE(error_of("{{ # }}").find("unrecognized character in action"), std::string::npos);
}

TEST(GoTemplate, ExecutionErrorsNameThePosition) {
    EXPECT_EQ(error_of("ab\n  {{ .A.B }}", {{"A", "s"}}),
              "Go template line 2 col 6: executing: can't evaluate field B in type string");
    EXPECT_NE(error_of("{{ index .L 5 }}", {{"L", {1}}}).find("index out of range: 5"), std::string::npos);
    EXPECT_NE(error_of("{{ len 3 }}").find("len of type int"), std::string::npos);
    EXPECT_NE(error_of("{{ len }}").find("wrong number of args for len: want 1 got 0"), std::string::npos);
    EXPECT_NE(error_of("{{ eq 1 1.0 }}").find("incompatible types for comparison"), std::string::npos);
    EXPECT_NE(error_of("{{ lt true false }}").find("invalid type for comparison"), std::string::npos);
    EXPECT_NE(error_of("{{ eq .L .L }}", {{"L", {1}}}).find("non-comparable"), std::string::npos);
    EXPECT_NE(error_of("{{ nil }}").find("nil is not a command"), std::string::npos);
    EXPECT_NE(error_of("{{ .X 1 }}", {{"X", 1}}).find("X is not a method but has arguments"), std::string::npos);
    EXPECT_NE(error_of("{{ range .S }}{{ end }}", {{"S", "abc"}}).find("range can't iterate over abc"), std::string::npos);
    EXPECT_NE(error_of("{{ slice .L 2 1 }}", {{"L", {1, 2}}}).find("invalid slice index"), std::string::npos);
    GoTemplateOptions small;
    small.max_output_bytes = 100;
    EXPECT_THROW(GoTemplate::parse("{{ range 1000 }}xx{{ end }}").execute(ojson::object(), small), Error);
    small.max_output_bytes = 1 << 20;
    small.max_iterations = 50;
    EXPECT_THROW(GoTemplate::parse("{{ range 10 }}{{ range 10 }}{{ end }}{{ end }}").execute(ojson::object(), small), Error);
}

// ---- Ollama's data model and three real-world templates over one conversation ----

const ojson& conversation() {
    static const ojson c = ojson::parse(R"([
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": "", "tool_calls": [
            {"function": {"name": "get_weather", "arguments": {"city": "Paris", "unit": "c"}}}]},
        {"role": "tool", "content": "22C", "tool_call_id": "call_1"},
        {"role": "user", "content": "Thanks!"}])");
    return c;
}

const ojson& tools() {
    static const ojson t = ojson::parse(R"([{"type": "function", "function": {"name": "get_weather",
        "description": "Get weather", "parameters": {"type": "object", "properties": {
            "city": {"type": "string", "description": "City"}, "unit": {"type": "string", "enum": ["c", "f"]}},
        "required": ["city"]}}}])");
    return t;
}

// How Ollama marshals the tool above: Go struct field order (type, required, properties), omitempty applied.
const std::string TOOL_FUNCTION =
    R"({"name":"get_weather","description":"Get weather","parameters":{"type":"object","required":["city"],)"
    R"("properties":{"city":{"type":"string","description":"City"},"unit":{"type":"string","enum":["c","f"]}}}})";
const std::string TOOL = R"({"type":"function","function":)" + TOOL_FUNCTION + "}";

TEST(GoTemplateOllama, QwenChatMLWithTools) {
    const std::string tpl = R"({{- if .Messages }}
{{- if or .System .Tools }}<|im_start|>system
{{- if .System }}
{{ .System }}
{{- end }}
{{- if .Tools }}

# Tools

You are provided with function signatures within <tools></tools> XML tags:
<tools>
{{- range .Tools }}
{"type": "function", "function": {{ .Function }}}
{{- end }}
</tools>
{{- end }}<|im_end|>
{{ end }}
{{- range $i, $_ := .Messages }}
{{- $last := eq (len (slice $.Messages $i)) 1 -}}
{{- if eq .Role "user" }}<|im_start|>user
{{ .Content }}<|im_end|>
{{ else if eq .Role "assistant" }}<|im_start|>assistant
{{ if .Content }}{{ .Content }}
{{- else if .ToolCalls }}<tool_call>
{{ range .ToolCalls }}{"name": "{{ .Function.Name }}", "arguments": {{ .Function.Arguments }}}
{{ end }}</tool_call>
{{- end }}{{ if not $last }}<|im_end|>
{{ end }}
{{- else if eq .Role "tool" }}<|im_start|>user
<tool_response>
{{ .Content }}
</tool_response><|im_end|>
{{ end }}
{{- if and (ne .Role "assistant") $last }}<|im_start|>assistant
{{ end }}
{{- end }}
{{- else }}
{{- if .System }}<|im_start|>system
{{ .System }}<|im_end|>
{{ end }}{{ if .Prompt }}<|im_start|>user
{{ .Prompt }}<|im_end|>
{{ end }}<|im_start|>assistant
{{ end }}{{ .Response }}{{ if .Response }}<|im_end|>{{ end }})";
    const std::string expected =
        "<|im_start|>system\nYou are helpful.\n\n# Tools\n\nYou are provided with function signatures within "
        "<tools></tools> XML tags:\n<tools>\n{\"type\": \"function\", \"function\": " + TOOL_FUNCTION + "}\n"
        "</tools><|im_end|>\n"
        "<|im_start|>user\nWeather in Paris?<|im_end|>\n"
        "<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\":\"Paris\",\"unit\":\"c\"}}\n"
        "</tool_call><|im_end|>\n"
        "<|im_start|>user\n<tool_response>\n22C\n</tool_response><|im_end|>\n"
        "<|im_start|>user\nThanks!<|im_end|>\n"
        "<|im_start|>assistant\n";
    const GoTemplate t = GoTemplate::parse(tpl);
    EXPECT_EQ(t.render_chat(conversation(), tools()), expected);
    // Without tools and with only a user message.
    EXPECT_EQ(t.render_chat(ojson::parse(R"([{"role": "user", "content": "hi"}])"), nullptr),
              "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n");
    EXPECT_TRUE(GoTemplate::looks_like_go(tpl));
}

TEST(GoTemplateOllama, Llama3WithTools) {
    const std::string tpl = R"({{- if or .System .Tools }}<|start_header_id|>system<|end_header_id|>
{{- if .System }}

{{ .System }}
{{- end }}
{{- if .Tools }}

You have access to the following functions:
{{- range .Tools }}
{{ json . }}
{{- end }}
{{- end }}<|eot_id|>
{{- end }}
{{- range $i, $m := .Messages }}
{{- $last := eq (len (slice $.Messages $i)) 1 }}
{{- if eq $m.Role "user" }}<|start_header_id|>user<|end_header_id|>

{{ $m.Content }}<|eot_id|>{{ if $last }}<|start_header_id|>assistant<|end_header_id|>

{{ end }}
{{- else if eq $m.Role "assistant" }}<|start_header_id|>assistant<|end_header_id|>
{{- if $m.ToolCalls }}

{{ range $m.ToolCalls }}{"name": "{{ .Function.Name }}", "parameters": {{ .Function.Arguments }}}{{ end }}
{{- else }}

{{ $m.Content }}
{{- end }}{{ if not $last }}<|eot_id|>{{ end }}
{{- else if eq $m.Role "tool" }}<|start_header_id|>ipython<|end_header_id|>

{{ $m.Content }}<|eot_id|>{{ if $last }}<|start_header_id|>assistant<|end_header_id|>

{{ end }}
{{- end }}
{{- end }})";
    const std::string expected =
        "<|start_header_id|>system<|end_header_id|>\n\nYou are helpful.\n\nYou have access to the following "
        "functions:\n" + TOOL + "<|eot_id|>"
        "<|start_header_id|>user<|end_header_id|>\n\nWeather in Paris?<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\n{\"name\": \"get_weather\", \"parameters\": "
        "{\"city\":\"Paris\",\"unit\":\"c\"}}<|eot_id|>"
        "<|start_header_id|>ipython<|end_header_id|>\n\n22C<|eot_id|>"
        "<|start_header_id|>user<|end_header_id|>\n\nThanks!<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\n";
    EXPECT_EQ(GoTemplate::parse(tpl).render_chat(conversation(), tools()), expected);
}

TEST(GoTemplateOllama, MistralWithTools) {
    const std::string tpl = R"({{- range $index, $_ := .Messages }}
{{- if eq .Role "system" }}[SYSTEM_PROMPT]{{ .Content }}[/SYSTEM_PROMPT]
{{- else if eq .Role "user" }}
{{- if and (le (len (slice $.Messages $index)) 2) $.Tools }}[AVAILABLE_TOOLS]{{ $.Tools }}[/AVAILABLE_TOOLS]
{{- end }}[INST]{{ .Content }}[/INST]
{{- else if eq .Role "assistant" }}
{{- if .Content }}{{ .Content }}
{{- if not (eq (len (slice $.Messages $index)) 1) }}</s>
{{- end }}
{{- else if .ToolCalls }}[TOOL_CALLS][
{{- range .ToolCalls }}{"name": "{{ .Function.Name }}", "arguments": {{ .Function.Arguments }}}
{{- end }}]</s>
{{- end }}
{{- else if eq .Role "tool" }}[TOOL_RESULTS]{"content": {{ .Content }}}[/TOOL_RESULTS]
{{- end }}
{{- end }})";
    const std::string expected =
        "[SYSTEM_PROMPT]You are helpful.[/SYSTEM_PROMPT][INST]Weather in Paris?[/INST]"
        "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"city\":\"Paris\",\"unit\":\"c\"}}]</s>"
        "[TOOL_RESULTS]{\"content\": 22C}[/TOOL_RESULTS]"
        "[AVAILABLE_TOOLS][" + TOOL + "][/AVAILABLE_TOOLS][INST]Thanks![/INST]";
    EXPECT_EQ(GoTemplate::parse(tpl).render_chat(conversation(), tools()), expected);
    // No tools: .Tools is a nil slice, false, and prints as JSON null.
    EXPECT_EQ(GoTemplate::parse("{{ if .Tools }}T{{ end }}{{ .Tools }}{{ range .Messages }}.{{ end }}")
                  .render_chat(conversation(), nullptr),
              "null.....");
}

TEST(GoTemplateOllama, MessagesAreCollatedAndSystemJoined) {
    const ojson msgs = ojson::parse(R"([{"role": "system", "content": "A"}, {"role": "system", "content": "B"},
        {"role": "user", "content": "u1"}, {"role": "User", "content": "u2"},
        {"role": "tool", "content": "t1"}, {"role": "tool", "content": "t2"}])");
    const GoTemplate t = GoTemplate::parse("[{{ .System }}]{{ range .Messages }}<{{ .Role }}:{{ .Content }}>{{ end }}|{{ .Prompt }}");
    EXPECT_EQ(t.render_chat(msgs, nullptr), "[A\n\nB]<system:A\n\nB><user:u1\n\nu2><tool:t1><tool:t2>|<no value>");
    const GoTemplate j = GoTemplate::parse("{{ range .Messages }}{{ json . }}{{ end }}");
    EXPECT_EQ(j.render_chat(conversation(), nullptr)
                  .find(R"({"role":"system","content":"You are helpful."}{"role":"user","content":)"),
              0u);
    EXPECT_NE(j.render_chat(conversation(), nullptr)
                  .find(R"({"role":"assistant","content":"","tool_calls":[{"function":{"index":0,"name":"get_weather",)"
                        R"("arguments":{"city":"Paris","unit":"c"}}}]})"),
              std::string::npos);
    // Properties in the order given; a property's TypeScript type (Ollama's ToolProperty.ToTypeScriptType).
    // (.Messages must be mentioned, or the template is an old-style one that sees no tools.)
    EXPECT_EQ(GoTemplate::parse("{{ $_ := .Messages }}{{ range .Tools }}{{ range $k, $v := .Function.Parameters.Properties }}{{ $k }}:"
                                "{{ $v.ToTypeScriptType }};{{ end }}{{ end }}")
                  .render_chat(conversation(), tools()),
              "city:string;unit:string;");
    EXPECT_EQ(GoTemplate::parse("{{ range .Messages }}{{ if .Thinking }}x{{ end }}{{ end }}{{ .Think }}")
                  .render_chat(conversation(), nullptr, true),
              "true");
}

TEST(GoTemplateOllama, OldStyleTemplatesRunPerTurn) {
    const ojson msgs = ojson::parse(R"([{"role": "system", "content": "S"}, {"role": "user", "content": "U1"},
        {"role": "assistant", "content": "A1"}, {"role": "user", "content": "U2"}])");
    const GoTemplate chatml = GoTemplate::parse(
        "{{ if .System }}<|im_start|>system\n{{ .System }}<|im_end|>\n{{ end }}{{ if .Prompt }}<|im_start|>user\n"
        "{{ .Prompt }}<|im_end|>\n{{ end }}<|im_start|>assistant\n{{ .Response }}<|im_end|>");
    EXPECT_EQ(chatml.render_chat(msgs, nullptr),
              "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU1<|im_end|>\n<|im_start|>assistant\nA1<|im_end|>"
              "<|im_start|>user\nU2<|im_end|>\n<|im_start|>assistant\n");
    // No .Response in the template: Ollama appends {{ .Response }}.
    const GoTemplate inst = GoTemplate::parse("[INST] {{ if .System }}{{ .System }} {{ end }}{{ .Prompt }} [/INST]");
    EXPECT_EQ(inst.render_chat(msgs, nullptr), "[INST] S U1 [/INST]A1[INST] U2 [/INST]");
    EXPECT_EQ(inst.vars(), (std::vector<std::string>{"prompt", "system"}));
    // The conversation ends with an assistant message: its text is the start of the reply.
    const ojson prefill = ojson::parse(R"([{"role": "user", "content": "U"}, {"role": "assistant", "content": "A"}])");
    EXPECT_EQ(chatml.render_chat(prefill, nullptr), "<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\nA");
}

TEST(GoTemplateOllama, DetectsGoTemplates) {
    EXPECT_TRUE(GoTemplate::looks_like_go("{{ .Prompt }}"));
    EXPECT_TRUE(GoTemplate::looks_like_go("[INST] {{- .Prompt }} [/INST]"));
    EXPECT_TRUE(GoTemplate::looks_like_go("{{ range $m := .Messages }}{{ $m.Content }}{{ end }}"));
    EXPECT_FALSE(GoTemplate::looks_like_go("{% for m in messages %}{{ m.content }}{% endfor %}"));
    EXPECT_FALSE(GoTemplate::looks_like_go("{{ bos_token }}{{ messages[0]['content'] }}"));
    EXPECT_FALSE(GoTemplate::looks_like_go("{{- .Prompt }}{# a jinja comment #}"));
    EXPECT_FALSE(GoTemplate::looks_like_go("{{ .Prompt "));  // not a valid Go template either
    EXPECT_FALSE(GoTemplate::looks_like_go("no actions at all"));
}

TEST(GoTemplateOllama, NoRealJinjaTemplateIsTakenForGo) {
    const std::string dir = test::data_path("templates");
    SNUG_REQUIRE_DATA(dir);
    size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        std::ifstream in(e.path(), std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        EXPECT_FALSE(GoTemplate::looks_like_go(ss.str())) << e.path();
        ++n;
    }
    EXPECT_GT(n, 50u);
}

TEST(GoTemplateRobustness, TruncatedAndMutatedTemplatesNeverCrash) {
    const std::string tpl = R"({{- if .Messages }}{{- range $i, $_ := .Messages }}{{- $last := eq (len (slice $.Messages $i)) 1 -}}
{{- if eq .Role "user" }}<u>{{ .Content }}{{ else if .ToolCalls }}{{ range .ToolCalls }}{{ .Function.Name }}{{ .Function.Arguments }}{{ end }}
{{- end }}{{ if $last }}<a>{{ end }}{{ end }}{{ else }}{{ .Prompt | printf "%q" }}{{ end }}{{/* c */}}{{ json .Tools }})";
    size_t ok = 0, failed = 0;
    auto attempt = [&](const std::string& src) {
        try {
            const GoTemplate t = GoTemplate::parse(src);
            t.render_chat(conversation(), tools());
            t.execute(ojson{{"Messages", 1}, {"Prompt", {1, 2}}});
            ++ok;
        } catch (const Error&) {
            ++failed;
        }
    };
    for (size_t n = 0; n <= tpl.size(); ++n) attempt(tpl.substr(0, n));
    std::mt19937 rng(7);
    const std::string alphabet = "{}-. $|()\"`'/*:=,0a\n";
    for (int k = 0; k < 3000; ++k) {
        std::string s = tpl;
        for (int m = 0; m < 3; ++m) {
            const size_t at = rng() % s.size();
            switch (rng() % 3) {
                case 0: s.erase(at, 1 + rng() % 4); break;
                case 1: s.insert(at, 1, alphabet[rng() % alphabet.size()]); break;
                default: s[at] = alphabet[rng() % alphabet.size()];
            }
            if (s.empty()) s = "x";
        }
        attempt(s);
    }
    for (const char* hostile : {"{{", "}}", "{{-", "{{- -}}", "{{/*", "{{ ( ( ( }}", "{{ $ := 1 }}", "{{ .. }}",
                                "{{ 'ab' }}", "{{ '' }}", "{{ \"\\q\" }}", "{{ 0x }}", "{{ 99999999999999999999 }}",
                                "{{ printf \"%*d\" 1 }}", "{{ printf \"%\" }}", "{{ range $a, $b, $c := . }}{{ end }}",
                                "{{ else if }}", "{{ if }}{{ end }}", "{{ with $x := 1 }}{{ $x }}{{ end }}{{ $x }}"})
        attempt(hostile);
    std::string deep;
    for (int k = 0; k < 500; ++k) deep += "{{ if 1 }}";
    attempt(deep);
    attempt(std::string(300, '(').insert(0, "{{ ") + " }}");
    EXPECT_GT(ok, 0u);
    EXPECT_GT(failed, 0u);
}

}  // namespace
}  // namespace snug::chat
