// server/http_server.h: `snug serve` — the HTTP front of the model manager, speaking Ollama's API (/api/...) and
// OpenAI's (/v1/...). Guards every request first: Host header against DNS rebinding, optional bearer key, CORS
// origins, body size limit.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "server/model_manager.h"

namespace httplib {
class Server;
}

namespace snug::server {

class Catalog;

struct ServerConfig {
    std::string host = "127.0.0.1";
    int port = 11434;
    std::string api_key;                 // SNUG_API_KEY: required as "Authorization: Bearer KEY" when set
    std::vector<std::string> origins;    // SNUG_ORIGINS: extra allowed CORS origins ("*" allows any)
    size_t max_body_bytes = 100u << 20;  // SNUG_MAX_BODY
    std::string models_dir;              // SNUG_MODEL_DIR: a folder of plain .gguf files served by file name
    ManagerOptions manager;
    int http_threads = 64;
};

// Reads SNUG_HOST ("host", "host:port", ":port", "[::1]:port"), SNUG_API_KEY, SNUG_ORIGINS, SNUG_MODEL_DIR,
// SNUG_NUM_PARALLEL, SNUG_MAX_QUEUE, SNUG_KEEP_ALIVE, SNUG_MAX_LOADED_MODELS, SNUG_MAX_BODY_MB. Throws snug::Error
// for a bad value. (The model store's SNUG_MODELS is read by the store.)
ServerConfig config_from_env();

class HttpServer {
public:
    HttpServer(ServerConfig cfg, std::shared_ptr<const Catalog> catalog);
    ~HttpServer();
    // Binds (port 0: any free port) and returns the port; serve() then blocks until stop().
    int bind();
    void serve();
    void stop();
    ModelManager& models() { return *models_; }
    const ServerConfig& config() const { return cfg_; }

private:
    void install_routes();
    ServerConfig cfg_;
    std::shared_ptr<const Catalog> catalog_;
    std::unique_ptr<ModelManager> models_;
    std::unique_ptr<httplib::Server> http_;
};

}  // namespace snug::server
