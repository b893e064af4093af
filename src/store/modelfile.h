// store/modelfile.h: Ollama's Modelfile (FROM, PARAMETER, TEMPLATE, SYSTEM, MESSAGE, LICENSE) parsed into a
// ModelSpec, the same spec POST /api/create builds from its JSON; and the writer behind `snug show --modelfile`.
// ref: https://github.com/ollama/ollama/blob/main/docs/modelfile.mdx
//
// Syntax: one instruction per line (case-insensitive), "# comment" lines, blank lines. A value is the rest of the
// line, or "..." (may span lines; \" and \\ are its only escapes), or """...""" (verbatim, may span lines). Nothing
// may follow a closing quote on its line. ADAPTER is refused ("not supported yet"); REQUIRES is accepted and ignored.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace snug::store {

struct Message {
    std::string role;  // system, user or assistant
    std::string content;
    bool operator==(const Message&) const = default;
};

// What a model is created from and with. Unset optionals inherit from a FROM model (or stay empty).
struct ModelSpec {
    std::vector<std::string> from;  // each: a GGUF path, a blob digest ("sha256:..."), or (one) model name
    nlohmann::json params = nlohmann::json::object();  // typed, validated; "stop" is an array of strings
    std::optional<std::string> template_text;
    std::optional<std::string> system;
    std::optional<std::vector<Message>> messages;
    std::optional<std::vector<std::string>> license;
    std::vector<std::string> ignored_params;  // legacy Ollama options accepted but not used (mirostat, numa, ...)
};

// Throws snug::Error "Modelfile line N: ..." for unknown instructions, missing values, unterminated quotes, text
// after a closing quote, bad MESSAGE roles, unknown or mistyped parameters, ADAPTER, and a missing FROM.
ModelSpec parse_modelfile(std::string_view text);

// One PARAMETER value, typed like Ollama's options: integers (num_ctx, num_predict, num_keep, seed, top_k,
// repeat_last_n, num_batch, num_gpu, main_gpu, num_thread), finite floats (temperature, top_p, min_p, typical_p,
// repeat_penalty, presence_penalty, frequency_penalty), booleans (use_mmap: true/false/1/0) and strings (stop).
// Returns nullopt for a legacy option that is accepted and ignored. Throws naming the parameter and the value.
std::optional<nlohmann::json> parse_parameter(std::string_view key, std::string_view value);

// The same checks for JSON parameters (POST /api/create "parameters"): returns the typed object, "stop" as an
// array of strings (a single string is accepted), legacy options dropped and their names added to `ignored`.
nlohmann::json check_parameters(const nlohmann::json& params, std::vector<std::string>* ignored = nullptr);

// The spec of a POST /api/create body: "from" (a model name) and "files" ({file name: digest}, each file a blob
// uploaded through /api/blobs) become FROM entries; "parameters", "template", "system", "messages" and "license"
// (a string or a list) as in a Modelfile; a legacy "modelfile" text is parsed. "adapters" and "quantize" throw
// "not supported yet"; wrong types throw naming the field.
ModelSpec spec_from_create_request(const nlohmann::json& body);

// A Modelfile that parse_modelfile() reads back into `spec` (FROM lines first, then TEMPLATE, SYSTEM, PARAMETER,
// MESSAGE, LICENSE), after the comment lines in `header` (each prefixed with "# ").
std::string format_modelfile(const ModelSpec& spec, const std::vector<std::string>& header = {});

// Ollama's "parameters" text for /api/show: one "key<padded to 30> value" line per value, strings quoted.
std::string format_parameters(const nlohmann::json& params);

}  // namespace snug::store
