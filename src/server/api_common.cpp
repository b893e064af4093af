#include "server/api_common.h"

#include <ctime>

#include "engine/runner.h"

namespace snug::server {

ordered_json parse_body(const httplib::Request& req) {
    if (req.body.empty()) throw BadRequest("the request body is empty; a JSON object is expected");
    ordered_json j = ordered_json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
        // Parse again for the position of the error: the message names where the JSON breaks.
        try {
            const ordered_json again = ordered_json::parse(req.body);
            (void)again;
        } catch (const nlohmann::json::parse_error& e) {
            throw BadRequest(std::string("invalid JSON in the request body: ") + e.what());
        }
        throw BadRequest("invalid JSON in the request body");
    }
    if (!j.is_object()) throw BadRequest("the request body must be a JSON object, got " + std::string(j.type_name()));
    return j;
}

std::string get_string(const ordered_json& o, const char* key, const std::string& def) {
    auto it = o.find(key);
    if (it == o.end() || it->is_null()) return def;
    if (!it->is_string()) throw BadRequest(std::string("field '") + key + "' must be a string, got " + it->dump());
    return it->get<std::string>();
}

bool get_bool(const ordered_json& o, const char* key, bool def) {
    auto it = o.find(key);
    if (it == o.end() || it->is_null()) return def;
    if (!it->is_boolean()) throw BadRequest(std::string("field '") + key + "' must be true or false, got " + it->dump());
    return it->get<bool>();
}

std::optional<std::chrono::nanoseconds> get_keep_alive(const ordered_json& o) {
    auto it = o.find("keep_alive");
    if (it == o.end() || it->is_null()) return std::nullopt;
    try {
        return parse_keep_alive(json(*it));
    } catch (const BadRequest&) {
        throw;
    } catch (const Error& e) {
        throw BadRequest(e.what());
    }
}

std::string rfc3339(std::chrono::system_clock::time_point t) {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
    const std::time_t secs = static_cast<std::time_t>(ns / 1'000'000'000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    char out[96];
    std::snprintf(out, sizeof out, "%s.%09lldZ", buf, static_cast<long long>(ns % 1'000'000'000));
    return out;
}

int64_t unix_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

json error_body(ApiStyle style, const std::string& message, int status) {
    if (style == ApiStyle::OLLAMA) return json{{"error", message}};
    const char* type = status == 404 ? "not_found_error"
                       : status == 400 ? "invalid_request_error"
                       : status == 401 ? "authentication_error"
                       : status == 503 ? "server_overloaded"
                                       : "api_error";
    return json{{"error", {{"message", message}, {"type", type}, {"param", nullptr}, {"code", nullptr}}}};
}

void send_error(httplib::Response& res, ApiStyle style, std::exception_ptr e) {
    int status = 500;
    std::string msg;
    try {
        std::rethrow_exception(e);
    } catch (const BadRequest& x) {
        status = 400, msg = x.what();
    } catch (const ModelNotFound& x) {
        status = 404, msg = x.what();
    } catch (const QueueFullError& x) {
        status = 503, msg = x.what();
    } catch (const std::bad_alloc&) {
        msg = "out of memory";
    } catch (const std::exception& x) {
        msg = x.what();
    }
    res.status = status;
    res.set_content(error_body(style, msg, status).dump(), "application/json");
}

void stream_generation(httplib::Response& res, std::shared_ptr<Generation> gen, StreamFormat fmt) {
    auto f = std::make_shared<StreamFormat>(std::move(fmt));
    res.set_chunked_content_provider(f->content_type, [gen, f](size_t, httplib::DataSink& sink) {
        auto last_write = std::chrono::steady_clock::now();
        const auto write = [&](const std::string& s) {
            if (s.empty()) return true;
            last_write = std::chrono::steady_clock::now();
            return sink.write(s.data(), s.size());
        };
        try {
            GenerationResult r = gen->run([&](std::string_view piece) {
                if (!piece.empty()) return write(f->on_piece(piece));
                if (f->whitespace_probe && std::chrono::steady_clock::now() - last_write > std::chrono::seconds(1))
                    return write(" ");
                return sink.is_writable();
            });
            if (!r.cancelled) write(f->on_done(r));
        } catch (const std::exception& e) {
            write(f->on_error(e.what()));
        }
        sink.done();
        return true;
    });
}

}  // namespace snug::server
