// server/api_store.h: registers the model store's Ollama endpoints — pull, create, blobs, copy, delete — over the
// catalog's store::Store (docs/server.md lists their shapes and statuses).
#pragma once
#include <string>

namespace httplib {
class Server;
}

namespace snug::server {
class ModelManager;
class Catalog;

// POST /api/pull, HEAD|POST /api/blobs/DIGEST, POST /api/create, POST /api/copy, DELETE /api/delete. Deleting or
// replacing a model unloads it from `models` first, so no stale copy keeps answering under its name.
void install_store_routes(httplib::Server& http, ModelManager& models, const Catalog& catalog);

// A blob upload (POST /api/blobs/...): its body is streamed to disk, so the JSON body size limit does not apply.
bool is_blob_upload(const std::string& method, const std::string& path);

}  // namespace snug::server
