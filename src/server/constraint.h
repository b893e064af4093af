// server/constraint.h: the `format` of a request (Ollama's "json" or a JSON schema; OpenAI's response_format) as a
// TokenConstraint the runner applies at every sampling step, built on grammar/.
#pragma once
#include <memory>
#include <nlohmann/json.hpp>

#include "engine/request.h"

namespace snug {
class Tokenizer;
}

namespace snug::server {

class TokenVocabulary;  // the model's token bytes, indexed once per model for fast masking

// Builds the per-model index (cheap to share across requests).
std::shared_ptr<const TokenVocabulary> index_vocabulary(const Tokenizer& tok);

// format: "json" (any JSON object) or a JSON-schema object. Throws BadRequest-worthy snug::Error for a schema the
// compiler does not support, naming the keyword.
std::unique_ptr<TokenConstraint> make_constraint(const nlohmann::ordered_json& format,
                                                 std::shared_ptr<const TokenVocabulary> vocab);

}  // namespace snug::server
