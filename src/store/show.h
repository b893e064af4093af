// store/show.h: what Ollama reports about a GGUF: "details", "model_info", capabilities, and its number and time
// formats. Pure functions over a parsed gguf::File, so the store and its tests share them.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace snug::gguf {
class File;
}

namespace snug::store {

// Ollama's parameter_size: "999", "1K" (thousands without decimals), "125M" / "494.03M" (two decimals unless
// whole), "8B" / "2.8B" (one decimal unless whole).
std::string human_number(uint64_t n);

// llama.cpp's general.file_type (enum llama_ftype) as Ollama names it: 15 -> "Q4_K_M"; "unknown" otherwise.
std::string file_type_name(int64_t file_type);

// {"parent_model": "", "format": "gguf", "family": arch, "families": [arch], "parameter_size": ...,
//  "quantization_level": ...}; parameter count from general.parameter_count, else the sum of tensor elements.
nlohmann::json gguf_details(const gguf::File& f);

// The GGUF metadata as a JSON object, without general.name and tokenizer.chat_template (Ollama leaves them out).
// Arrays of more than 5 elements are [] unless `verbose`. Strings are made valid UTF-8; float32 values are
// printed at float precision (1e-05, not 9.99999974737875e-06). Adds general.parameter_count when absent.
nlohmann::json gguf_model_info(const gguf::File& f, bool verbose);

// "completion" (or "embedding" for a model with <arch>.pooling_type), "tools" when the chat template mentions
// tools, "vision" when there is a projector.
std::vector<std::string> model_capabilities(const gguf::File& f, const std::string& template_text, bool has_projector);

// RFC 3339 with nanoseconds and the local UTC offset, as Go formats time.Time in JSON.
std::string rfc3339(int64_t unix_ns);

}  // namespace snug::store
