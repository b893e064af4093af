// engine/chat_prompt.h: turns a user prompt into model input with the chat format the GGUF's
// tokenizer.chat_template names. Recognizes the common families by their markers (ChatML, Llama 3, Gemma,
// Llama 2/Mistral [INST], Phi-3); a model without a template gets the raw text.
#pragma once
#include <string>
#include <vector>

namespace snug {

struct ChatMessage {
    std::string role;  // system, user, assistant
    std::string content;
};

enum class ChatFamily { NONE, CHATML, LLAMA3, GEMMA, LLAMA2, PHI3 };

ChatFamily detect_chat_family(const std::string& chat_template);
const char* chat_family_name(ChatFamily f);

// Renders messages and, when add_generation_prompt, the opening of the assistant's turn. The BOS token is not
// written: the tokenizer adds it.
std::string format_chat(ChatFamily family, const std::vector<ChatMessage>& messages, bool add_generation_prompt);

}  // namespace snug
