// server/api_openai.h: registers OpenAI's endpoints (/v1/...) on the HTTP server.
#pragma once

namespace httplib {
class Server;
}

namespace snug::server {
class ModelManager;
class Catalog;
void install_openai_routes(httplib::Server& http, ModelManager& models, const Catalog& catalog);
}  // namespace snug::server
