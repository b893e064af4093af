#include "server/http_server.h"

#include <httplib.h>

#include <algorithm>
#include <cstdlib>

#include "server/api_common.h"
#include "server/api_ollama.h"
#include "server/api_openai.h"
#include "server/api_store.h"
#include "server/model_info.h"
#include "store/store.h"

namespace snug::server {
namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

int env_int(const char* name, int def, int lo, int hi) {
    const std::string v = env(name);
    if (v.empty()) return def;
    char* end = nullptr;
    const long n = std::strtol(v.c_str(), &end, 10);
    if (*end != '\0' || n < lo || n > hi)
        throw Error(std::string(name) + " must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                    "], got \"" + v + "\"");
    return static_cast<int>(n);
}

bool is_loopback_host(const std::string& h) {
    return h == "localhost" || h == "::1" || h == "[::1]" || h.rfind("127.", 0) == 0 ||
           (h.size() > 10 && h.compare(h.size() - 10, 10, ".localhost") == 0);
}

// The host part of a Host header ("example.com:11434" -> "example.com", "[::1]:80" -> "[::1]").
std::string host_name(const std::string& host_header) {
    if (!host_header.empty() && host_header[0] == '[') return host_header.substr(0, host_header.find(']') + 1);
    return host_header.substr(0, host_header.find(':'));
}

bool origin_allowed(const std::string& origin, const std::vector<std::string>& extra) {
    for (const std::string& o : extra) {
        if (o == "*" || o == origin) return true;
        if (!o.empty() && o.back() == '*' && origin.compare(0, o.size() - 1, o, 0, o.size() - 1) == 0) return true;
    }
    for (const char* scheme : {"app://", "file://", "tauri://", "vscode-webview://"})
        if (origin.rfind(scheme, 0) == 0) return true;
    for (const char* scheme : {"http://", "https://"}) {
        const std::string s = scheme;
        if (origin.rfind(s, 0) != 0) continue;
        return is_loopback_host(host_name(origin.substr(s.size())));
    }
    return false;
}

ApiStyle style_of(const httplib::Request& req) {
    return req.path.rfind("/v1/", 0) == 0 ? ApiStyle::OPENAI : ApiStyle::OLLAMA;
}

void reject(httplib::Response& res, const httplib::Request& req, int status, const std::string& msg) {
    res.status = status;
    res.set_content(error_body(style_of(req), msg, status).dump(), "application/json");
}

// Where a request whose body is over the limit is sent to have that body read away (see install_routes).
constexpr const char* BODY_TOO_LARGE_PATH = "/_snug/body-too-large";

bool body_over_limit(const httplib::Request& req, size_t limit) {
    const bool has_body = req.method == "POST" || req.method == "PUT" || req.method == "PATCH" || req.method == "DELETE";
    return has_body && req.has_header("Content-Length") && !is_blob_upload(req.method, req.path) &&
           req.get_header_value<uint64_t>("Content-Length") > limit;
}

}  // namespace

ServerConfig config_from_env() {
    ServerConfig c;
    std::string host = env("SNUG_HOST");
    if (host.rfind("http://", 0) == 0) host = host.substr(7);
    std::string port;
    if (!host.empty() && host[0] == '[') {  // [::1]:11434
        const size_t close = host.find(']');
        if (close == std::string::npos) throw Error("SNUG_HOST has an unclosed '[': \"" + host + "\"");
        if (close + 1 < host.size() && host[close + 1] == ':') port = host.substr(close + 2);
        host = host.substr(1, close - 1);
    } else if (std::count(host.begin(), host.end(), ':') == 1) {
        port = host.substr(host.find(':') + 1);
        host = host.substr(0, host.find(':'));
    }
    if (!port.empty()) {
        char* end = nullptr;
        const long p = std::strtol(port.c_str(), &end, 10);
        if (*end != '\0' || p < 0 || p > 65535) throw Error("SNUG_HOST has a bad port: \"" + port + "\"");
        c.port = static_cast<int>(p);
    }
    if (!host.empty()) c.host = host;
    c.api_key = env("SNUG_API_KEY");
    const std::string origins = env("SNUG_ORIGINS");
    for (size_t i = 0; i < origins.size();) {
        size_t j = origins.find(',', i);
        if (j == std::string::npos) j = origins.size();
        std::string o = origins.substr(i, j - i);
        while (!o.empty() && o.front() == ' ') o.erase(0, 1);
        while (!o.empty() && o.back() == ' ') o.pop_back();
        if (!o.empty()) c.origins.push_back(o);
        i = j + 1;
    }
    c.models_dir = env("SNUG_MODEL_DIR");
    if (const std::string kv = env("SNUG_KV_CACHE_TYPE"); !kv.empty()) {  // as OLLAMA_KV_CACHE_TYPE
        try {
            c.manager.kv_type = parse_kv_type(kv);
        } catch (const Error& e) {
            throw Error(std::string("SNUG_KV_CACHE_TYPE: ") + e.what());
        }
    }
    c.max_body_bytes = static_cast<size_t>(env_int("SNUG_MAX_BODY_MB", 100, 1, 4096)) << 20;
    c.manager.n_parallel = env_int("SNUG_NUM_PARALLEL", 4, 1, 256);
    c.manager.max_queue = env_int("SNUG_MAX_QUEUE", 512, 0, 1 << 20);
    c.manager.max_loaded = env_int("SNUG_MAX_LOADED_MODELS", 3, 1, 64);
    if (const std::string ka = env("SNUG_KEEP_ALIVE"); !ka.empty()) {
        const bool numeric = ka.find_first_not_of("-0123456789.") == std::string::npos;
        c.manager.default_keep_alive =
            parse_keep_alive(numeric ? nlohmann::json(std::stod(ka)) : nlohmann::json(ka));
    }
    c.http_threads = std::max(16, c.manager.n_parallel * 4 + 8);
    return c;
}

HttpServer::HttpServer(ServerConfig cfg, std::shared_ptr<const Catalog> catalog)
    : cfg_(std::move(cfg)),
      catalog_(std::move(catalog)),
      models_(std::make_unique<ModelManager>([c = catalog_](const std::string& n) { return c->resolve(n); },
                                             cfg_.manager)),
      http_(std::make_unique<httplib::Server>()) {
    install_routes();
    install_ollama_routes(*http_, *models_, *catalog_);
    install_store_routes(*http_, *models_, *catalog_);
    install_openai_routes(*http_, *models_, *catalog_);
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::install_routes() {
    httplib::Server& s = *http_;
    const int threads = cfg_.http_threads;
    s.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
    // httplib 0.11 has a single body limit for the whole server, but blob uploads (gigabytes, streamed to disk) must
    // not be held to the limit meant for JSON bodies. So httplib's own limit stays off (its default) and the
    // pre-routing handler applies max_body_bytes to every other request that declares a Content-Length. Such a body
    // is still read, by the route below, and thrown away: answering without reading it would reset the connection
    // under a client still sending, which would then see a write error instead of its 413.
    const auto discard_body = [](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& read) {
        const auto discard = [](const char*, size_t) { return true; };
        if (req.is_multipart_form_data()) read([](const httplib::MultipartFormData&) { return true; }, discard);
        else read(discard);
        res.status = 413;  // the pre-routing handler wrote the error body
    };
    s.Post(BODY_TOO_LARGE_PATH, discard_body);
    s.Put(BODY_TOO_LARGE_PATH, discard_body);
    s.Patch(BODY_TOO_LARGE_PATH, discard_body);
    s.Delete(BODY_TOO_LARGE_PATH, discard_body);
    s.set_read_timeout(std::chrono::seconds(60));
    s.set_write_timeout(std::chrono::seconds(60));
    // Clients (undici, requests, Go) drop an idle pooled connection one second before the Keep-Alive hint this sends;
    // a client stalled past that margin reuses a socket the server just closed, and a POST on it fails without
    // retry. A long idle timeout makes that window rare; the high count stops forcing reconnects every 5 requests.
    s.set_keep_alive_timeout(30);
    s.set_keep_alive_max_count(1000);
    const bool public_bind = !is_loopback_host(cfg_.host);
    s.set_pre_routing_handler([this, public_bind](const httplib::Request& req, httplib::Response& res) {
        // DNS rebinding: a page on evil.example that resolves to 127.0.0.1 sends its own Host header.
        if (!public_bind && req.has_header("Host")) {
            const std::string h = host_name(req.get_header_value("Host"));
            if (!is_loopback_host(h) && h != cfg_.host && h != "0.0.0.0") {
                reject(res, req, 403, "forbidden host \"" + h + "\"");
                return httplib::Server::HandlerResponse::Handled;
            }
        }
        if (req.has_header("Origin")) {
            const std::string origin = req.get_header_value("Origin");
            if (!origin_allowed(origin, cfg_.origins)) {
                reject(res, req, 403, "origin \"" + origin + "\" is not allowed (set SNUG_ORIGINS)");
                return httplib::Server::HandlerResponse::Handled;
            }
            res.set_header("Access-Control-Allow-Origin", origin);
            res.set_header("Vary", "Origin");
            if (req.method == "OPTIONS") {
                res.set_header("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, HEAD, OPTIONS");
                res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type, User-Agent, Accept, X-Requested-With");
                res.status = 204;
                return httplib::Server::HandlerResponse::Handled;
            }
        }
        if (!cfg_.api_key.empty() && req.path != "/") {
            const std::string auth = req.get_header_value("Authorization");
            const std::string want = "Bearer " + cfg_.api_key;
            // Constant time in the key's length: no timing hint of how much of a guess was right.
            unsigned diff = auth.size() != want.size();
            for (size_t i = 0; i < want.size(); ++i) diff |= static_cast<unsigned>(want[i] ^ (i < auth.size() ? auth[i] : 0));
            if (diff != 0) {
                reject(res, req, 401, "missing or wrong API key (Authorization: Bearer ...)");
                return httplib::Server::HandlerResponse::Handled;
            }
        }
        if (req.path == BODY_TOO_LARGE_PATH) {  // not an endpoint: only the rewrite below may lead there
            reject(res, req, 404, "no such endpoint: " + req.method + " " + req.path);
            return httplib::Server::HandlerResponse::Handled;
        }
        if (body_over_limit(req, cfg_.max_body_bytes)) {
            reject(res, req, 413, "request body too large (over SNUG_MAX_BODY_MB = " +
                                      std::to_string(cfg_.max_body_bytes >> 20) + ")");
            // The request is httplib's own non-const object, handed over as const: re-routing it to the discarding
            // route is the only way this httplib version offers to read a body away before answering.
            const_cast<httplib::Request&>(req).path = BODY_TOO_LARGE_PATH;
        }
        return httplib::Server::HandlerResponse::Unhandled;
    });
    s.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return;
        const std::string msg = res.status == 404   ? "no such endpoint: " + req.method + " " + req.path
                                : res.status == 413 ? "request body too large"
                                                    : "HTTP " + std::to_string(res.status);
        res.set_content(error_body(style_of(req), msg, res.status).dump(), "application/json");
    });
    s.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr e) {
        send_error(res, style_of(req), e);
    });
}

int HttpServer::bind() {
    const int port = cfg_.port == 0 ? http_->bind_to_any_port(cfg_.host) : (http_->bind_to_port(cfg_.host, cfg_.port) ? cfg_.port : -1);
    if (port < 0) throw Error("cannot listen on " + cfg_.host + ":" + std::to_string(cfg_.port) + " (in use, or not an address here)");
    return port;
}

void HttpServer::serve() { http_->listen_after_bind(); }

void HttpServer::stop() {
    if (http_) http_->stop();
}

}  // namespace snug::server
