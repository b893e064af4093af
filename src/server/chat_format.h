// server/chat_format.h: turns chat messages into the prompt a model was trained on, by rendering the GGUF's
// tokenizer.chat_template (or a Modelfile's TEMPLATE) with snug's Jinja interpreter, the way Hugging Face does. A
// TEMPLATE in Ollama's Go text/template syntax (chat::GoTemplate::looks_like_go) is rendered the way Ollama does.
// Models without a template, or with one the interpreter rejects at load, get the closest known format, detected
// from its markers (engine/chat_prompt.h), and finally plain text.
#pragma once
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "chat/go_template.h"
#include "chat/tool_calls.h"
#include "engine/chat_prompt.h"

namespace snug {
class Engine;
namespace jinja {
class Template;
}
}  // namespace snug

namespace snug::server {

class ChatFormat {
public:
    static ChatFormat for_model(const Engine& engine, const std::string& template_override);

    // messages: [{role, content, tool_calls?, tool_call_id?, name?}] (tool call arguments as JSON objects);
    // tools: null or the request's tool list. Returns text for the tokenizer with special tokens written out; a
    // leading BOS the tokenizer adds itself is left out. Throws snug::Error when the template raises.
    std::string render(const nlohmann::ordered_json& messages, const nlohmann::ordered_json& tools,
                       bool add_generation_prompt) const;

    chat::ToolCallFormat tool_format() const { return tool_format_; }
    const std::string& source() const { return source_; }  // the template in use; "" when none
    bool is_jinja() const { return jinja_ != nullptr; }
    bool is_go_template() const { return go_ != nullptr; }

private:
    std::string source_;
    std::shared_ptr<const jinja::Template> jinja_;
    std::shared_ptr<const chat::GoTemplate> go_;  // set instead of jinja_ for an Ollama (Go) template
    ChatFamily family_ = ChatFamily::NONE;
    chat::ToolCallFormat tool_format_ = chat::ToolCallFormat::NONE;
    std::string bos_, eos_;
    bool strip_bos_ = false;
};

}  // namespace snug::server
