// server/api_common.h: what the Ollama and OpenAI handlers share — JSON body parsing with clear errors, error
// responses in each API's shape, timestamps, and the streaming plumbing between a Generation and an HTTP response.
#pragma once
#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "server/generation.h"

namespace snug::server {

using nlohmann::json;
using nlohmann::ordered_json;

// The request body as a JSON object; throws BadRequest for malformed JSON or a non-object.
ordered_json parse_body(const httplib::Request& req);

// Field accessors that throw BadRequest naming the field and the expected type.
std::string get_string(const ordered_json& o, const char* key, const std::string& def = "");
bool get_bool(const ordered_json& o, const char* key, bool def);
std::optional<std::chrono::nanoseconds> get_keep_alive(const ordered_json& o);

// RFC 3339 with nanoseconds in UTC, as Ollama writes created_at/expires_at.
std::string rfc3339(std::chrono::system_clock::time_point t);
int64_t unix_seconds();

enum class ApiStyle { OLLAMA, OPENAI };
// Maps an exception to a status and body: BadRequest 400, ModelNotFound 404, QueueFullError 503, others 500.
void send_error(httplib::Response& res, ApiStyle style, std::exception_ptr e);
json error_body(ApiStyle style, const std::string& message, int status);

// Streams a prepared Generation through a chunked response. on_piece formats each text piece as a chunk; on_done
// formats the final chunk(s) from the result. A failure mid-stream becomes on_error's chunk. keepalive_probe: for
// non-streamed answers, whitespace written while the generation runs (JSON allows it before the value), which is
// how a vanished client is noticed and its generation cancelled.
struct StreamFormat {
    std::string content_type;
    std::function<std::string(std::string_view piece)> on_piece;  // "" = send nothing for this piece
    std::function<std::string(const GenerationResult&)> on_done;
    std::function<std::string(const std::string& message)> on_error;
    bool whitespace_probe = false;
};
void stream_generation(httplib::Response& res, std::shared_ptr<Generation> gen, StreamFormat fmt);

}  // namespace snug::server
