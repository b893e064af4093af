// store/manifest.h: what a model name points to: the GGUF blob, an optional vision projector blob, and the text
// settings a Modelfile gives (params, template, system, messages, license). Stored as canonical JSON (sorted keys)
// under manifests/HOST/NAMESPACE/MODEL/TAG; the JSON layout is documented in docs/model-store.md.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "store/modelfile.h"

namespace snug::store {

inline constexpr int MANIFEST_SCHEMA = 1;

struct BlobRef {
    std::string digest;  // "sha256:<hex>", validated
    int64_t size = 0;
    bool operator==(const BlobRef&) const = default;
};

struct Manifest {
    BlobRef model;
    std::optional<BlobRef> projector;
    nlohmann::json params = nlohmann::json::object();  // typed as check_parameters() returns them
    std::string template_text;                          // "" = use the GGUF's tokenizer.chat_template
    std::string system;
    std::vector<Message> messages;
    std::vector<std::string> license;
    std::string parent;  // the model it was created FROM, "" if none (Ollama's details.parent_model)
    std::string source;  // where the weights came from: URL, "hf.co/..." reference or imported path (informational)
    // Ollama's "details" (format, family, families, parameter_size, quantization_level), read from the GGUF when
    // the manifest is written so that listing models opens no model file.
    nlohmann::json details = nlohmann::json::object();

    std::vector<std::string> blob_digests() const;  // model, then projector
};

nlohmann::json manifest_to_json(const Manifest& m);
// Validates everything a manifest holds (schema, digests, sizes, types); throws snug::Error naming `where`.
Manifest manifest_from_json(const nlohmann::json& j, const std::string& where);
std::string manifest_serialize(const Manifest& m);  // the bytes written to disk (and hashed for the tags digest)

}  // namespace snug::store
