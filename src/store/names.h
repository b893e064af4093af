// store/names.h: model names ("name[:tag]", "ns/name:tag", "hf.co/owner/repo:quant") and blob digests
// ("sha256:<64 hex>"), validated so that neither can ever name a path outside the store.
#pragma once
#include <string>
#include <string_view>

namespace snug::store {

inline constexpr const char* DEFAULT_HOST = "local";         // names without a host live here
inline constexpr const char* DEFAULT_NAMESPACE = "library";  // and without a namespace, here
inline constexpr const char* DEFAULT_TAG = "latest";
inline constexpr size_t MAX_NAME_LENGTH = 300;  // the whole name as written, tag included

// A parsed, validated name. Every part is non-empty, starts with a letter or digit (the tag may also start with
// '_') and holds only [A-Za-z0-9._-] (the host: [A-Za-z0-9.-], lowercased); no part contains "..". Lengths: host
// 1-253, namespace and model 1-96, tag 1-80. "huggingface.co" is written "hf.co", so both spellings are one model.
struct ModelName {
    std::string host = DEFAULT_HOST;
    std::string ns = DEFAULT_NAMESPACE;
    std::string model;
    std::string tag = DEFAULT_TAG;

    // The short form users see, Ollama's way: "qwen:latest", "me/qwen:latest", "hf.co/owner/repo:Q4_K_M".
    std::string display() const;
    // "host/ns/model/tag": the manifest's path below manifests/ (safe: parts were validated).
    std::string relative_path() const;
    bool operator==(const ModelName&) const = default;
};

// Parses "model", "ns/model" or "host/ns/model", each with an optional ":tag". Throws snug::Error naming the name
// and what is wrong with it (empty, too long, a bad character, "..", too many '/', an empty tag).
ModelName parse_model_name(std::string_view s);

// Parses "sha256:<64 hex>" (or Ollama's file spelling "sha256-<64 hex>"), any hex case, and returns the canonical
// "sha256:<lowercase hex>". Anything else throws snug::Error "invalid digest".
std::string parse_digest(std::string_view s);

// "sha256:<hex>" -> "<hex>". Precondition: `digest` came from parse_digest().
std::string digest_hex(const std::string& digest);

}  // namespace snug::store
