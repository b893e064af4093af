// server/model_dir.h: models named by the GGUF files in a directory (SNUG_MODELS): `qwen2.5-0.5b.gguf` is the model
// `qwen2.5-0.5b` (tag `latest`). The model store (store/) resolves names first; this is the fallback for a plain
// folder of files, and for paths.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "server/model_manager.h"

namespace snug::server {

struct DirEntry {
    std::string name;  // with its tag
    std::string path;
    uint64_t size = 0;
    int64_t modified_unix_ns = 0;
};

// Files in dir ending in .gguf (not mmproj projectors), sorted by name. A missing dir lists nothing.
std::vector<DirEntry> list_model_dir(const std::string& dir);

// "name" or "name:latest" -> dir/name.gguf; a path to an existing .gguf file is accepted as is. Names may not
// contain path separators or "..": they never leave the directory. Throws ModelNotFound.
ModelSource resolve_in_dir(const std::string& dir, const std::string& name);

}  // namespace snug::server
