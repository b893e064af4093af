// tests/unit/chat_tool_calls_detect.cpp: detect_tool_call_format on the real chat templates in
// $SNUG_TEST_DATA/templates: JSON-in-<tool_call> families are HERMES, Llama 3.x LLAMA3_JSON, Mistral's MISTRAL,
// and templates with other tool syntaxes (XML parameters, DeepSeek markers, functionary, ...) NONE.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "chat/tool_calls.h"
#include "common/test_data.h"

namespace snug::chat {
namespace {

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

TEST(ChatToolCallsDetect, SharedTemplates) {
    SNUG_REQUIRE_DATA(snug::test::data_path("templates/Qwen-Qwen3-0.6B.jinja"));
    const std::filesystem::path dir = snug::test::data_path("templates");
    const std::map<std::string, ToolCallFormat> expected = {
        {"Qwen-Qwen2.5-7B-Instruct", ToolCallFormat::HERMES},
        {"Qwen-Qwen3-0.6B", ToolCallFormat::HERMES},
        {"Qwen-QwQ-32B", ToolCallFormat::HERMES},
        {"NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use", ToolCallFormat::HERMES},
        {"NousResearch-Hermes-3-Llama-3.1-8B-tool_use", ToolCallFormat::HERMES},
        {"MiMo-VL", ToolCallFormat::HERMES},
        {"ibm-granite-granite-4.0", ToolCallFormat::HERMES},
        {"Bielik-11B-v3.0-Instruct", ToolCallFormat::HERMES},
        {"Reka-Edge", ToolCallFormat::HERMES},
        {"meta-llama-Llama-3.1-8B-Instruct", ToolCallFormat::LLAMA3_JSON},
        {"meta-llama-Llama-3.2-3B-Instruct", ToolCallFormat::LLAMA3_JSON},
        {"meta-llama-Llama-3.3-70B-Instruct", ToolCallFormat::LLAMA3_JSON},
        {"mistralai-Mistral-Nemo-Instruct-2407", ToolCallFormat::MISTRAL},
        {"Mistral-Small-3.2-24B-Instruct-2506", ToolCallFormat::MISTRAL},
        {"mistralai-Ministral-3-14B-Reasoning-2512", ToolCallFormat::MISTRAL},
        {"unsloth-mistral-Devstral-Small-2507", ToolCallFormat::MISTRAL},
        {"Qwen3-Coder", ToolCallFormat::NONE},  // <tool_call><function=...> XML
        {"Qwen3.5-4B", ToolCallFormat::NONE},
        {"NVIDIA-Nemotron-3-Nano-30B-A3B-BF16", ToolCallFormat::NONE},
        {"GLM-4.6", ToolCallFormat::NONE},             // <tool_call>name<arg_key>...
        {"unsloth-Apriel-1.5", ToolCallFormat::NONE},  // <tool_calls>[...]
        {"meetkai-functionary-medium-v3.1", ToolCallFormat::NONE},
        {"fireworks-ai-llama-3-firefunction-v2", ToolCallFormat::NONE},
        {"deepseek-ai-DeepSeek-R1-Distill-Llama-8B", ToolCallFormat::NONE},
        {"deepseek-ai-DeepSeek-V3.1", ToolCallFormat::NONE},
        {"google-gemma-2-2b-it", ToolCallFormat::NONE},
        {"microsoft-Phi-3.5-mini-instruct", ToolCallFormat::NONE},
        {"openai-gpt-oss-120b", ToolCallFormat::NONE},
    };
    for (const auto& [name, format] : expected) {
        const std::filesystem::path p = dir / (name + ".jinja");
        ASSERT_TRUE(std::filesystem::exists(p)) << p;
        EXPECT_EQ(int(detect_tool_call_format(read_file(p))), int(format)) << name;
    }
}

TEST(ChatToolCallsDetect, InlineSnippets) {
    EXPECT_EQ(detect_tool_call_format(""), ToolCallFormat::NONE);
    EXPECT_EQ(detect_tool_call_format("{{- '<tool_call>\\n{\"name\": \"' + name }}"), ToolCallFormat::HERMES);
    EXPECT_EQ(detect_tool_call_format("{{ '[TOOL_CALLS]' }}"), ToolCallFormat::MISTRAL);
    EXPECT_EQ(detect_tool_call_format("<tool_call> is mentioned here, and only much, much later on comes {\"name\""),
              ToolCallFormat::NONE);
}

}  // namespace
}  // namespace snug::chat
