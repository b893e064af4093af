// server/api_ollama.cpp: Ollama's API (docs/api.md): generate, chat, embed, embeddings, tags, show, ps, version.
// Streamed answers are NDJSON; the last object carries done, done_reason and the durations in nanoseconds.
#include "server/api_ollama.h"

#include "base/version.h"
#include "server/api_common.h"
#include "server/base64.h"
#include "server/model_info.h"

namespace snug::server {
namespace {

ordered_json stats_fields(const GenerationResult& r) {
    return ordered_json{{"total_duration", r.total_ns},
                        {"load_duration", r.load_ns},
                        {"prompt_eval_count", r.stats.prompt_tokens},
                        {"prompt_eval_duration", r.stats.prompt_ns},
                        {"eval_count", r.stats.eval_count},
                        {"eval_duration", r.stats.eval_ns}};
}

void add_truncation(ordered_json& j, const GenerationResult& r) {
    // snug's own fields: a prompt that did not fit was shortened, and the client is told how.
    if (r.truncated_messages > 0) j["truncated_messages"] = r.truncated_messages;
    if (r.truncated_tokens > 0) j["truncated_tokens"] = r.truncated_tokens;
}

ordered_json tool_calls_json(const std::vector<chat::ToolCall>& calls) {
    ordered_json a = ordered_json::array();
    for (const auto& c : calls) a.push_back({{"function", {{"name", c.name}, {"arguments", c.arguments}}}});
    return a;
}

// Checks images (base64) so that bad input is named, then refuses them: no model here has a vision encoder yet.
void reject_images(const ordered_json& images, const std::string& where) {
    if (images.is_null()) return;
    if (!images.is_array()) throw BadRequest(where + " must be an array of base64 strings");
    if (images.empty()) return;
    for (size_t i = 0; i < images.size(); ++i) {
        if (!images[i].is_string()) throw BadRequest(where + "[" + std::to_string(i) + "] must be a base64 string");
        if (!is_valid_base64(images[i].get_ref<const std::string&>()))
            throw BadRequest(where + "[" + std::to_string(i) + "] is not valid base64");
    }
    throw BadRequest("this model does not support images (no vision encoder is loaded); send text only");
}

ordered_json chat_messages(const ordered_json& body) {
    auto it = body.find("messages");
    if (it == body.end() || it->is_null()) return ordered_json::array();
    if (!it->is_array()) throw BadRequest("field 'messages' must be an array");
    ordered_json out = ordered_json::array();
    for (size_t i = 0; i < it->size(); ++i) {
        const auto& m = (*it)[i];
        const std::string where = "messages[" + std::to_string(i) + "]";
        if (!m.is_object()) throw BadRequest(where + " must be an object");
        const std::string role = get_string(m, "role");
        if (role != "system" && role != "user" && role != "assistant" && role != "tool")
            throw BadRequest(where + ".role must be system, user, assistant or tool, got \"" + role + "\"");
        ordered_json msg{{"role", role}, {"content", get_string(m, "content")}};
        reject_images(m.value("images", ordered_json()), where + ".images");
        if (auto tc = m.find("tool_calls"); tc != m.end() && !tc->is_null()) {
            if (!tc->is_array()) throw BadRequest(where + ".tool_calls must be an array");
            msg["tool_calls"] = *tc;
        }
        for (const char* k : {"tool_name", "name", "tool_call_id", "thinking"})
            if (auto f = m.find(k); f != m.end() && f->is_string()) msg[k] = *f;
        if (role == "tool" && !msg.contains("name") && msg.contains("tool_name")) msg["name"] = msg["tool_name"];
        out.push_back(std::move(msg));
    }
    return out;
}

// NDJSON when streamed, one JSON object (after whitespace probes) when not; an error is the last line.
StreamFormat ndjson_format(bool stream) {
    StreamFormat f;
    f.content_type = stream ? "application/x-ndjson" : "application/json";
    f.whitespace_probe = !stream;
    f.on_error = [](const std::string& msg) { return ordered_json{{"error", msg}}.dump() + "\n"; };
    return f;
}

GenerationRequest common_request(const ordered_json& body) {
    GenerationRequest g;
    g.model = get_string(body, "model");
    if (g.model.empty()) throw BadRequest("field 'model' is required");
    if (auto o = body.find("options"); o != body.end() && !o->is_null()) {
        if (!o->is_object()) throw BadRequest("field 'options' must be an object");
        g.options = json(*o);
    }
    if (auto f = body.find("format"); f != body.end() && !f->is_null()) {
        if (f->is_string() && f->get<std::string>() != "json" && !f->get<std::string>().empty())
            throw BadRequest("field 'format' must be \"json\" or a JSON schema object, got " + f->dump());
        if (!f->is_string() && !f->is_object()) throw BadRequest("field 'format' must be \"json\" or a JSON schema object");
        g.format = *f;
    }
    g.keep_alive = get_keep_alive(body);
    g.truncate = get_bool(body, "truncate", true);
    return g;
}

void generate(ModelManager& mm, const httplib::Request& hreq, httplib::Response& res) {
    const ordered_json body = parse_body(hreq);
    GenerationRequest g = common_request(body);
    g.prompt = get_string(body, "prompt");
    g.system = get_string(body, "system");
    g.template_override = get_string(body, "template");
    g.raw = get_bool(body, "raw", false);
    const bool stream = get_bool(body, "stream", true);
    if (!get_string(body, "suffix").empty()) throw BadRequest("suffix (fill-in-the-middle) is not supported yet");
    reject_images(body.value("images", ordered_json()), "images");
    if (g.prompt.empty()) {
        const GenerationResult r = load_only(mm, g);
        ordered_json j{{"model", r.model}, {"created_at", rfc3339(std::chrono::system_clock::now())},
                       {"response", ""}, {"done", true}, {"done_reason", r.done_reason}};
        res.set_content(j.dump(), "application/json");
        return;
    }
    auto gen = std::make_shared<Generation>(mm, g);
    const std::string model = g.model;
    StreamFormat f = ndjson_format(stream);
    f.on_piece = [stream, model](std::string_view piece) -> std::string {
        if (!stream) return "";
        ordered_json j{{"model", model}, {"created_at", rfc3339(std::chrono::system_clock::now())},
                       {"response", piece}, {"done", false}};
        return j.dump() + "\n";
    };
    f.on_done = [stream](const GenerationResult& r) {
        ordered_json j{{"model", r.model}, {"created_at", rfc3339(std::chrono::system_clock::now())},
                       {"response", stream ? "" : r.content}, {"done", true}, {"done_reason", r.done_reason},
                       {"context", r.context}};
        j.update(stats_fields(r));
        add_truncation(j, r);
        return j.dump() + "\n";
    };
    stream_generation(res, gen, std::move(f));
}

void chat(ModelManager& mm, const httplib::Request& hreq, httplib::Response& res) {
    const ordered_json body = parse_body(hreq);
    GenerationRequest g = common_request(body);
    g.chat = true;
    g.messages = chat_messages(body);
    if (auto t = body.find("tools"); t != body.end() && !t->is_null()) {
        if (!t->is_array()) throw BadRequest("field 'tools' must be an array");
        g.tools = *t;
    }
    const bool stream = get_bool(body, "stream", true);
    if (g.messages.empty()) {
        const GenerationResult r = load_only(mm, g);
        ordered_json j{{"model", r.model}, {"created_at", rfc3339(std::chrono::system_clock::now())},
                       {"message", {{"role", "assistant"}, {"content", ""}}}, {"done_reason", r.done_reason},
                       {"done", true}};
        res.set_content(j.dump(), "application/json");
        return;
    }
    auto gen = std::make_shared<Generation>(mm, g);
    const std::string model = g.model;
    StreamFormat f = ndjson_format(stream);
    f.on_piece = [stream, model](std::string_view piece) -> std::string {
        if (!stream) return "";
        ordered_json j{{"model", model}, {"created_at", rfc3339(std::chrono::system_clock::now())},
                       {"message", {{"role", "assistant"}, {"content", piece}}}, {"done", false}};
        return j.dump() + "\n";
    };
    f.on_done = [stream](const GenerationResult& r) {
        std::string out;
        ordered_json msg{{"role", "assistant"}, {"content", stream ? "" : r.content}};
        if (!r.tool_calls.empty()) {
            if (stream) {
                // As Ollama streams them: the calls in a chunk of their own, then the closing object.
                ordered_json c{{"model", r.model}, {"created_at", rfc3339(std::chrono::system_clock::now())},
                               {"message", {{"role", "assistant"}, {"content", ""}, {"tool_calls", tool_calls_json(r.tool_calls)}}},
                               {"done", false}};
                out += c.dump() + "\n";
            } else {
                msg["tool_calls"] = tool_calls_json(r.tool_calls);
            }
        }
        ordered_json j{{"model", r.model}, {"created_at", rfc3339(std::chrono::system_clock::now())},
                       {"message", msg}, {"done", true}, {"done_reason", r.done_reason}};
        j.update(stats_fields(r));
        add_truncation(j, r);
        return out + j.dump() + "\n";
    };
    stream_generation(res, gen, std::move(f));
}

std::vector<std::string> embed_inputs(const ordered_json& v, const char* field) {
    std::vector<std::string> in;
    if (v.is_string()) {
        in.push_back(v.get<std::string>());
    } else if (v.is_array()) {
        for (const auto& e : v) {
            if (!e.is_string()) throw BadRequest(std::string("field '") + field + "' must be a string or an array of strings");
            in.push_back(e.get<std::string>());
        }
    } else if (!v.is_null()) {
        throw BadRequest(std::string("field '") + field + "' must be a string or an array of strings");
    }
    return in;
}

void embed(ModelManager& mm, const httplib::Request& hreq, httplib::Response& res) {
    const ordered_json body = parse_body(hreq);
    const GenerationRequest g = common_request(body);
    const std::vector<std::string> in = embed_inputs(body.value("input", ordered_json()), "input");
    const EmbedResult r = run_embed(mm, g.model, in, g.truncate, g.options, g.keep_alive);
    ordered_json j{{"model", r.model}, {"embeddings", r.embeddings}, {"total_duration", r.total_ns},
                   {"load_duration", r.load_ns}, {"prompt_eval_count", r.prompt_tokens}};
    res.set_content(j.dump(), "application/json");
}

void embeddings_legacy(ModelManager& mm, const httplib::Request& hreq, httplib::Response& res) {
    const ordered_json body = parse_body(hreq);
    const GenerationRequest g = common_request(body);
    const std::string prompt = get_string(body, "prompt");
    if (prompt.empty()) {
        res.set_content(ordered_json{{"embedding", ordered_json::array()}}.dump(), "application/json");
        return;
    }
    const EmbedResult r = run_embed(mm, g.model, {prompt}, true, g.options, g.keep_alive);
    res.set_content(ordered_json{{"embedding", r.embeddings.at(0)}}.dump(), "application/json");
}

void ps(ModelManager& mm, httplib::Response& res) {
    ordered_json models = ordered_json::array();
    for (const auto& m : mm.loaded()) models.push_back(loaded_model_json(*m));
    res.set_content(ordered_json{{"models", models}}.dump(), "application/json");
}

}  // namespace

void install_ollama_routes(httplib::Server& http, ModelManager& mm, const Catalog& catalog) {
    const auto wrap = [](auto fn) {
        return [fn](const httplib::Request& req, httplib::Response& res) {
            try {
                fn(req, res);
            } catch (...) {
                send_error(res, ApiStyle::OLLAMA, std::current_exception());
            }
        };
    };
    http.Post("/api/generate", wrap([&mm](const auto& q, auto& r) { generate(mm, q, r); }));
    http.Post("/api/chat", wrap([&mm](const auto& q, auto& r) { chat(mm, q, r); }));
    http.Post("/api/embed", wrap([&mm](const auto& q, auto& r) { embed(mm, q, r); }));
    http.Post("/api/embeddings", wrap([&mm](const auto& q, auto& r) { embeddings_legacy(mm, q, r); }));
    http.Get("/api/ps", wrap([&mm](const auto&, auto& r) { ps(mm, r); }));
    http.Get("/api/tags", wrap([&catalog](const auto&, auto& r) {
        r.set_content(catalog.tags().dump(), "application/json");
    }));
    http.Post("/api/show", wrap([&catalog](const auto& q, auto& r) {
        const ordered_json body = parse_body(q);
        std::string name = get_string(body, "model");
        if (name.empty()) name = get_string(body, "name");  // the older field
        if (name.empty()) throw BadRequest("field 'model' is required");
        r.set_content(catalog.show(name, get_bool(body, "verbose", false)).dump(), "application/json");
    }));
    http.Get("/api/version", wrap([](const auto&, auto& r) {
        r.set_content(ordered_json{{"version", SNUG_VERSION_STRING}}.dump(), "application/json");
    }));
    const auto root = [](const httplib::Request&, httplib::Response& r) { r.set_content("snug is running", "text/plain"); };
    http.Get("/", root);
    // HEAD / is answered by httplib from the GET handler (headers only).
}

}  // namespace snug::server
