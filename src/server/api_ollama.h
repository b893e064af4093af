// server/api_ollama.h: registers Ollama's endpoints (/api/...) on the HTTP server.
#pragma once

namespace httplib {
class Server;
}

namespace snug::server {
class ModelManager;
class Catalog;
void install_ollama_routes(httplib::Server& http, ModelManager& models, const Catalog& catalog);
}  // namespace snug::server
