#include "server/chat_format.h"

#include "base/error.h"
#include "engine/engine.h"
#include "gguf/gguf.h"
#include "jinja/template.h"
#include "tokenizer/tokenizer.h"

namespace snug::server {

ChatFormat ChatFormat::for_model(const Engine& engine, const std::string& template_override) {
    ChatFormat f;
    f.source_ = template_override;
    if (f.source_.empty())
        if (const gguf::Value* v = engine.file().find("tokenizer.chat_template"); v && v->type == gguf::ValueType::STRING)
            f.source_ = std::string(v->str);
    const Tokenizer& tok = engine.tokenizer();
    if (tok.bos() >= 0) f.bos_ = std::string(tok.token_text(tok.bos()));
    if (tok.eos() >= 0) f.eos_ = std::string(tok.token_text(tok.eos()));
    f.strip_bos_ = tok.add_bos() && !f.bos_.empty();
    if (!f.source_.empty()) {
        try {
            if (chat::GoTemplate::looks_like_go(f.source_))
                f.go_ = std::make_shared<const chat::GoTemplate>(chat::GoTemplate::parse(f.source_));
            else
                f.jinja_ = std::make_shared<const jinja::Template>(jinja::Template::parse(f.source_));
        } catch (const Error&) {
            // A template the interpreter cannot parse: fall back to the family its markers name.
            f.jinja_ = nullptr;
        }
        f.family_ = detect_chat_family(f.source_);
        f.tool_format_ = chat::detect_tool_call_format(f.source_);
    }
    return f;
}

std::string ChatFormat::render(const nlohmann::ordered_json& messages, const nlohmann::ordered_json& tools,
                               bool add_generation_prompt) const {
    std::string text;
    if (go_) {
        try {
            text = go_->render_chat(messages, tools);  // Ollama's templates always end ready for the reply
        } catch (const Error& e) {
            throw Error(std::string("the model's chat template failed: ") + e.what());
        }
    } else if (jinja_) {
        nlohmann::ordered_json ctx = nlohmann::ordered_json::object();
        ctx["messages"] = messages;
        if (!tools.is_null() && !tools.empty()) ctx["tools"] = tools;
        ctx["add_generation_prompt"] = add_generation_prompt;
        ctx["bos_token"] = bos_;
        ctx["eos_token"] = eos_;
        try {
            text = jinja_->render(ctx);
        } catch (const Error& e) {
            throw Error(std::string("the model's chat template failed: ") + e.what());
        }
    } else {
        std::vector<ChatMessage> msgs;
        for (const auto& m : messages) {
            const auto& c = m.value("content", nlohmann::ordered_json(""));
            msgs.push_back(ChatMessage{m.value("role", std::string("user")), c.is_string() ? c.get<std::string>() : c.dump()});
        }
        text = format_chat(family_, msgs, add_generation_prompt);
    }
    if (strip_bos_ && text.compare(0, bos_.size(), bos_) == 0) text.erase(0, bos_.size());
    return text;
}

}  // namespace snug::server
