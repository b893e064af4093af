// server/model_info.h: the models the server can name — the model store (store/) first, then a plain folder of
// GGUF files — and their descriptions in Ollama's shapes (/api/tags, /api/show, /api/ps).
#pragma once
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "server/model_manager.h"

namespace snug::store {
class Store;
}

namespace snug::server {

class Catalog {
public:
    // store_root: the store (created if missing; "" for none); model_dir: a folder of .gguf files ("" for none).
    Catalog(const std::string& store_root, std::string model_dir);
    ~Catalog();

    ModelSource resolve(const std::string& name) const;  // throws ModelNotFound
    nlohmann::ordered_json tags() const;
    nlohmann::ordered_json show(const std::string& name, bool verbose) const;  // throws ModelNotFound
    store::Store* store() const { return store_.get(); }

private:
    std::unique_ptr<store::Store> store_;
    std::string model_dir_;
};

// One /api/ps entry, with snug's own fields (KV blocks, sequences).
nlohmann::ordered_json loaded_model_json(const LoadedModel& m);

}  // namespace snug::server
