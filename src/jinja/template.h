// jinja/template.h: a Jinja2 interpreter for Hugging Face chat templates (`tokenizer.chat_template` in GGUF files).
// Renders as Python's jinja2 3.1 does inside transformers: ImmutableSandboxedEnvironment with trim_blocks,
// lstrip_blocks and the loopcontrols extension, `tojson` as json.dumps(ensure_ascii=False), and the globals
// raise_exception(msg) and strftime_now(fmt). docs/jinja.md lists the supported subset.
#pragma once
#include <nlohmann/json.hpp>

#include <cstddef>
#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace snug::jinja {

struct Options {
    std::function<std::time_t()> now;         // strftime_now's clock, read as local time; empty: the real clock
    size_t max_output_bytes = size_t{1} << 24;  // also bounds every string a template builds
    size_t max_loop_iterations = 1'000'000;     // over the whole render, all loops together
    int max_call_depth = 64;                    // nested macro calls (recursion)
};

struct Stmt;

class Template {
public:
    // Throws snug::Error naming the line for syntax errors (unclosed tags, unknown tags, bad expressions).
    static Template parse(std::string_view source);

    // context: the template's variables (messages, tools, add_generation_prompt, bos_token, ...), a JSON object
    // whose key order is kept (dicts iterate in insertion order, as in Python). Throws snug::Error for runtime
    // errors with the line (undefined values misused, type errors, raise_exception's message, exceeded limits).
    std::string render(const nlohmann::ordered_json& context, const Options& options = {}) const;

private:
    std::shared_ptr<const std::vector<std::unique_ptr<Stmt>>> body_;
};

}  // namespace snug::jinja
