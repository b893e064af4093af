// server/generation.h: one text generation as both APIs need it — resolve and load the model, merge its Modelfile
// defaults with the request's options, build the prompt (chat template or raw), fit it into the context (dropping
// the oldest turns, never the system prompt), constrain the output to a JSON schema if asked, run it on the
// model's runner while streaming text, and pull tool calls out of the result. HTTP shapes live in api_*.cpp.
#pragma once
#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chat/tool_calls.h"
#include "engine/request.h"
#include "server/model_manager.h"

namespace snug::server {

struct GenerationRequest {
    std::string model;
    bool chat = false;
    nlohmann::ordered_json messages = nlohmann::ordered_json::array();  // chat: role/content/tool_calls...
    nlohmann::ordered_json tools;                                        // chat: null or the tool list
    std::string prompt;        // generate
    std::string system;        // generate: overrides the Modelfile's
    std::string template_override;
    bool raw = false;          // generate: the prompt is sent as is
    nlohmann::ordered_json format;  // null, "json", or a JSON schema (key order kept: properties come out in it)
    nlohmann::json options = nlohmann::json::object();  // Ollama option names
    bool truncate = true;      // false: a prompt longer than the context is an error
    std::optional<std::chrono::nanoseconds> keep_alive;
};

struct GenerationResult {
    std::string content;                     // the text, tool calls taken out
    std::vector<chat::ToolCall> tool_calls;
    RunStats stats;
    std::string done_reason;                 // stop, length
    int64_t load_ns = 0;
    int64_t total_ns = 0;
    int truncated_messages = 0;              // chat turns dropped to fit the context
    int truncated_tokens = 0;                // prompt tokens dropped (generate)
    std::vector<int32_t> context;            // generate: prompt + generated tokens (Ollama's `context`)
    std::string model;                       // the canonical name
    bool cancelled = false;
};

// Receives text as it is generated; returns false when the client is gone (the generation is cancelled). An empty
// piece is a probe, sent about every 200 ms while nothing is generated, so a vanished client is noticed.
using TextSink = std::function<bool(std::string_view)>;

// A generation in two phases, so HTTP can answer with the right status before it starts streaming: the
// constructor loads the model, builds and fits the prompt and queues the request, throwing ModelNotFound,
// BadRequest (the request's fault: 400), QueueFullError (503) or snug::Error (500); run() then streams.
class Generation {
public:
    Generation(ModelManager& models, const GenerationRequest& req);
    ~Generation();
    // Throws snug::Error when the model fails mid-generation (the HTTP layer turns it into a final error line).
    GenerationResult run(const TextSink& on_text);

private:
    ModelManager& models_;
    GenerationRequest req_;
    Acquired acq_;
    std::shared_ptr<RequestHandle> handle_;
    GenerationResult r_;
    int64_t t0_;
    std::vector<int32_t> prompt_;
};

// Ollama's "load only" request (empty prompt or no messages): loads or, with keep_alive 0, unloads.
GenerationResult load_only(ModelManager& models, const GenerationRequest& req);  // done_reason: load or unload

// Embeddings of each input string (OpenAI/Ollama embed), with the token count used.
struct EmbedResult {
    std::vector<std::vector<float>> embeddings;
    int prompt_tokens = 0;
    int64_t load_ns = 0, total_ns = 0;
    std::string model;
};
EmbedResult run_embed(ModelManager& models, const std::string& model, const std::vector<std::string>& inputs,
                      bool truncate, const nlohmann::json& options, std::optional<std::chrono::nanoseconds> keep_alive);

}  // namespace snug::server
