#include "engine/chat_prompt.h"

namespace snug {

ChatFamily detect_chat_family(const std::string& t) {
    if (t.empty()) return ChatFamily::NONE;
    if (t.find("<|im_start|>") != std::string::npos) return ChatFamily::CHATML;
    if (t.find("<|start_header_id|>") != std::string::npos) return ChatFamily::LLAMA3;
    if (t.find("<start_of_turn>") != std::string::npos) return ChatFamily::GEMMA;
    if (t.find("<|assistant|>") != std::string::npos && t.find("<|end|>") != std::string::npos) return ChatFamily::PHI3;
    if (t.find("[INST]") != std::string::npos) return ChatFamily::LLAMA2;
    return ChatFamily::NONE;
}

const char* chat_family_name(ChatFamily f) {
    switch (f) {
        case ChatFamily::NONE: return "none";
        case ChatFamily::CHATML: return "chatml";
        case ChatFamily::LLAMA3: return "llama3";
        case ChatFamily::GEMMA: return "gemma";
        case ChatFamily::LLAMA2: return "llama2";
        case ChatFamily::PHI3: return "phi3";
    }
    return "?";
}

std::string format_chat(ChatFamily family, const std::vector<ChatMessage>& messages, bool add_generation_prompt) {
    std::string out;
    switch (family) {
        case ChatFamily::NONE:
            for (const auto& m : messages) out += m.content;
            return out;
        case ChatFamily::CHATML:
            for (const auto& m : messages) out += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n";
            if (add_generation_prompt) out += "<|im_start|>assistant\n";
            return out;
        case ChatFamily::LLAMA3:
            for (const auto& m : messages)
                out += "<|start_header_id|>" + m.role + "<|end_header_id|>\n\n" + m.content + "<|eot_id|>";
            if (add_generation_prompt) out += "<|start_header_id|>assistant<|end_header_id|>\n\n";
            return out;
        case ChatFamily::GEMMA: {
            // Gemma has no system role: a system message is prepended to the first user turn.
            std::string pending_system;
            for (const auto& m : messages) {
                if (m.role == "system") {
                    pending_system += m.content + "\n\n";
                    continue;
                }
                const std::string role = m.role == "assistant" ? "model" : m.role;
                out += "<start_of_turn>" + role + "\n" + pending_system + m.content + "<end_of_turn>\n";
                pending_system.clear();
            }
            if (add_generation_prompt) out += "<start_of_turn>model\n";
            return out;
        }
        case ChatFamily::LLAMA2: {
            std::string system;
            for (const auto& m : messages) {
                if (m.role == "system") system = "<<SYS>>\n" + m.content + "\n<</SYS>>\n\n";
                else if (m.role == "user") {
                    out += "[INST] " + system + m.content + " [/INST]";
                    system.clear();
                } else {
                    out += " " + m.content + "</s>";
                }
            }
            return out;
        }
        case ChatFamily::PHI3:
            for (const auto& m : messages) out += "<|" + m.role + "|>\n" + m.content + "<|end|>\n";
            if (add_generation_prompt) out += "<|assistant|>\n";
            return out;
    }
    return out;
}

}  // namespace snug
