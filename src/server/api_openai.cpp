// server/api_openai.cpp: OpenAI's API as local clients use it: chat completions and completions (SSE streaming with
// stream_options.include_usage, tools, response_format), models, embeddings; errors in OpenAI's shape. An extra
// body field num_ctx (and Ollama's other option names) sets the context size, which OpenAI's API cannot express.
#include "server/api_openai.h"

#include <atomic>
#include <random>

#include "server/api_common.h"
#include "server/base64.h"
#include "server/model_info.h"

namespace snug::server {
namespace {

std::string new_id(const char* prefix) {
    static std::atomic<uint64_t> counter{0};
    static const uint64_t salt = std::random_device{}();
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s-%012llx", prefix,
                  static_cast<unsigned long long>((salt ^ (counter.fetch_add(1) * 0x9E3779B97F4A7C15ull)) & 0xFFFFFFFFFFFFull));
    return buf;
}

std::string content_text(const ordered_json& c, const std::string& where) {
    if (c.is_null()) return "";
    if (c.is_string()) return c.get<std::string>();
    if (!c.is_array()) throw BadRequest(where + ".content must be a string or an array of parts");
    std::string text;
    for (const auto& part : c) {
        const std::string type = part.is_object() ? part.value("type", "") : "";
        if (type == "text") {
            text += get_string(part, "text");
        } else if (type == "image_url") {
            const auto& iu = part.value("image_url", ordered_json());
            const std::string url = iu.is_object() ? iu.value("url", "") : iu.is_string() ? iu.get<std::string>() : "";
            const size_t comma = url.find(',');
            if (url.rfind("data:", 0) != 0 || comma == std::string::npos || url.find(";base64") > comma ||
                !is_valid_base64(std::string_view(url).substr(comma + 1)))
                throw BadRequest(where + ": image_url must be a data: URL with valid base64 content");
            throw BadRequest("this model does not support images (no vision encoder is loaded); send text only");
        } else {
            throw BadRequest(where + ": unsupported content part type \"" + type + "\"");
        }
    }
    return text;
}

ordered_json chat_messages(const ordered_json& body) {
    auto it = body.find("messages");
    if (it == body.end() || !it->is_array() || it->empty()) throw BadRequest("'messages' must be a non-empty array");
    ordered_json out = ordered_json::array();
    for (size_t i = 0; i < it->size(); ++i) {
        const auto& m = (*it)[i];
        const std::string where = "messages[" + std::to_string(i) + "]";
        if (!m.is_object()) throw BadRequest(where + " must be an object");
        std::string role = get_string(m, "role");
        if (role == "developer") role = "system";
        if (role != "system" && role != "user" && role != "assistant" && role != "tool")
            throw BadRequest(where + ".role must be system, developer, user, assistant or tool, got \"" + role + "\"");
        ordered_json msg{{"role", role}, {"content", content_text(m.value("content", ordered_json()), where)}};
        if (auto tc = m.find("tool_calls"); tc != m.end() && tc->is_array()) {
            ordered_json calls = ordered_json::array();
            for (const auto& c : *tc) {
                ordered_json fn = c.value("function", ordered_json::object());
                // Templates index arguments as a mapping; OpenAI sends them as a JSON string.
                if (fn.contains("arguments") && fn["arguments"].is_string()) {
                    ordered_json args = ordered_json::parse(fn["arguments"].get<std::string>(), nullptr, false);
                    if (!args.is_discarded()) fn["arguments"] = args;
                }
                calls.push_back({{"id", c.value("id", "")}, {"type", "function"}, {"function", fn}});
            }
            msg["tool_calls"] = calls;
        }
        for (const char* k : {"tool_call_id", "name"})
            if (auto f = m.find(k); f != m.end() && f->is_string()) msg[k] = *f;
        out.push_back(std::move(msg));
    }
    return out;
}

// OpenAI's sampling fields, and Ollama's option names as extras, into an options object for apply_options.
json options_of(const ordered_json& body) {
    json o = json::object();
    const auto copy = [&](const char* from, const char* to) {
        if (auto it = body.find(from); it != body.end() && !it->is_null()) o[to] = json(*it);
    };
    copy("temperature", "temperature");
    copy("top_p", "top_p");
    copy("seed", "seed");
    copy("frequency_penalty", "frequency_penalty");
    copy("presence_penalty", "presence_penalty");
    copy("stop", "stop");
    copy("max_tokens", "num_predict");
    copy("max_completion_tokens", "num_predict");
    for (const char* k : {"num_ctx", "top_k", "min_p", "typical_p", "repeat_penalty", "repeat_last_n", "num_batch",
                          "num_thread", "num_keep"})
        copy(k, k);
    if (auto it = body.find("options"); it != body.end() && it->is_object()) o.update(json(*it));
    return o;
}

GenerationRequest common_request(const ordered_json& body) {
    GenerationRequest g;
    g.model = get_string(body, "model");
    if (g.model.empty()) throw BadRequest("'model' is required");
    g.options = options_of(body);
    if (auto n = body.find("n"); n != body.end() && !n->is_null() && !(n->is_number_integer() && n->get<int64_t>() == 1))
        throw BadRequest("only n = 1 is supported");
    if (auto rf = body.find("response_format"); rf != body.end() && !rf->is_null()) {
        const std::string type = rf->is_object() ? rf->value("type", "") : "";
        if (type == "json_object") {
            g.format = "json";
        } else if (type == "json_schema") {
            const auto& js = rf->value("json_schema", ordered_json());
            if (!js.is_object() || !js.contains("schema") || !js["schema"].is_object())
                throw BadRequest("response_format.json_schema.schema must be a JSON schema object");
            g.format = js["schema"];
        } else if (type != "text") {
            throw BadRequest("response_format.type must be text, json_object or json_schema");
        }
    }
    g.keep_alive = get_keep_alive(body);
    return g;
}

ordered_json usage_json(const GenerationResult& r) {
    return {{"prompt_tokens", r.stats.prompt_tokens},
            {"completion_tokens", r.stats.eval_count},
            {"total_tokens", r.stats.prompt_tokens + r.stats.eval_count}};
}

std::string finish_reason(const GenerationResult& r) {
    if (!r.tool_calls.empty()) return "tool_calls";
    return r.done_reason == "length" ? "length" : "stop";
}

ordered_json openai_tool_calls(const std::vector<chat::ToolCall>& calls, bool with_index) {
    ordered_json a = ordered_json::array();
    for (size_t i = 0; i < calls.size(); ++i) {
        ordered_json c{{"id", calls[i].id.empty() ? new_id("call") : calls[i].id},
                       {"type", "function"},
                       {"function", {{"name", calls[i].name}, {"arguments", calls[i].arguments.dump()}}}};
        if (with_index) c["index"] = i;
        a.push_back(c);
    }
    return a;
}

std::string sse(const ordered_json& j) { return "data: " + j.dump() + "\n\n"; }

// Server-sent events when streamed, one JSON object (after whitespace probes) when not; errors in OpenAI's shape.
StreamFormat sse_format(bool stream) {
    StreamFormat f;
    f.content_type = stream ? "text/event-stream" : "application/json";
    f.whitespace_probe = !stream;
    f.on_error = [stream](const std::string& msg) {
        const std::string e = error_body(ApiStyle::OPENAI, msg, 500).dump();
        return stream ? "data: " + e + "\n\n" : e;
    };
    return f;
}

bool include_usage(const ordered_json& body) {
    const auto so = body.value("stream_options", ordered_json());
    return so.is_object() && so.value("include_usage", false);
}

void chat_completions(ModelManager& mm, const httplib::Request& hreq, httplib::Response& res) {
    const ordered_json body = parse_body(hreq);
    GenerationRequest g = common_request(body);
    g.chat = true;
    g.messages = chat_messages(body);
    if (auto t = body.find("tools"); t != body.end() && !t->is_null()) {
        if (!t->is_array()) throw BadRequest("'tools' must be an array");
        if (body.value("tool_choice", ordered_json("auto")) != "none") g.tools = *t;
    }
    const bool stream = get_bool(body, "stream", false);
    const bool usage = include_usage(body);
    auto gen = std::make_shared<Generation>(mm, g);
    const std::string id = new_id("chatcmpl");
    const int64_t created = unix_seconds();
    const std::string model = g.model;
    const auto chunk = [id, created, model](ordered_json delta, ordered_json finish) {
        return ordered_json{{"id", id}, {"object", "chat.completion.chunk"}, {"created", created}, {"model", model},
                            {"system_fingerprint", "fp_snug"},
                            {"choices", {{{"index", 0}, {"delta", delta}, {"finish_reason", finish}}}}};
    };
    StreamFormat f = sse_format(stream);
    auto first = std::make_shared<bool>(true);
    f.on_piece = [stream, chunk, first](std::string_view piece) -> std::string {
        if (!stream) return "";
        ordered_json delta{{"content", piece}};
        if (*first) delta = {{"role", "assistant"}, {"content", piece}}, *first = false;
        return sse(chunk(delta, nullptr));
    };
    f.on_done = [=](const GenerationResult& r) {
        if (!stream) {
            ordered_json msg{{"role", "assistant"}, {"content", r.content}};
            if (!r.tool_calls.empty()) {
                msg["content"] = r.content.empty() ? ordered_json(nullptr) : ordered_json(r.content);
                msg["tool_calls"] = openai_tool_calls(r.tool_calls, false);
            }
            ordered_json j{{"id", id}, {"object", "chat.completion"}, {"created", created}, {"model", model},
                           {"system_fingerprint", "fp_snug"},
                           {"choices", {{{"index", 0}, {"message", msg}, {"finish_reason", finish_reason(r)}}}},
                           {"usage", usage_json(r)}};
            return j.dump();
        }
        std::string out;
        if (*first) out += sse(chunk({{"role", "assistant"}, {"content", ""}}, nullptr));
        if (!r.tool_calls.empty()) out += sse(chunk({{"tool_calls", openai_tool_calls(r.tool_calls, true)}}, nullptr));
        out += sse(chunk(ordered_json::object(), finish_reason(r)));
        if (usage) {
            ordered_json u{{"id", id}, {"object", "chat.completion.chunk"}, {"created", created}, {"model", model},
                           {"choices", ordered_json::array()}, {"usage", usage_json(r)}};
            out += sse(u);
        }
        return out + "data: [DONE]\n\n";
    };
    stream_generation(res, gen, std::move(f));
}

void completions(ModelManager& mm, const httplib::Request& hreq, httplib::Response& res) {
    const ordered_json body = parse_body(hreq);
    GenerationRequest g = common_request(body);
    g.raw = true;
    const auto& p = body.value("prompt", ordered_json());
    if (p.is_string()) g.prompt = p.get<std::string>();
    else if (p.is_array() && p.size() == 1 && p[0].is_string()) g.prompt = p[0].get<std::string>();
    else throw BadRequest("'prompt' must be a string (one prompt per request)");
    if (g.prompt.empty()) throw BadRequest("'prompt' is empty");
    if (!get_string(body, "suffix").empty()) throw BadRequest("suffix (fill-in-the-middle) is not supported yet");
    const bool stream = get_bool(body, "stream", false);
    const bool usage = include_usage(body);
    if (!body.contains("max_tokens")) g.options["num_predict"] = g.options.value("num_predict", 16);  // OpenAI's default
    auto gen = std::make_shared<Generation>(mm, g);
    const std::string id = new_id("cmpl");
    const int64_t created = unix_seconds();
    const std::string model = g.model;
    const auto chunk = [id, created, model](const std::string& text, ordered_json finish) {
        return ordered_json{{"id", id}, {"object", "text_completion"}, {"created", created}, {"model", model},
                            {"system_fingerprint", "fp_snug"},
                            {"choices", {{{"text", text}, {"index", 0}, {"logprobs", nullptr}, {"finish_reason", finish}}}}};
    };
    StreamFormat f = sse_format(stream);
    f.on_piece = [stream, chunk](std::string_view piece) -> std::string {
        return stream ? sse(chunk(std::string(piece), nullptr)) : "";
    };
    f.on_done = [=](const GenerationResult& r) {
        if (!stream) {
            ordered_json j = chunk(r.content, finish_reason(r));
            j["usage"] = usage_json(r);
            return j.dump();
        }
        std::string out = sse(chunk("", finish_reason(r)));
        if (usage) {
            ordered_json u{{"id", id}, {"object", "text_completion"}, {"created", created}, {"model", model},
                           {"choices", ordered_json::array()}, {"usage", usage_json(r)}};
            out += sse(u);
        }
        return out + "data: [DONE]\n\n";
    };
    stream_generation(res, gen, std::move(f));
}

void embeddings(ModelManager& mm, const httplib::Request& hreq, httplib::Response& res) {
    const ordered_json body = parse_body(hreq);
    const GenerationRequest g = common_request(body);
    std::vector<std::string> in;
    const auto& v = body.value("input", ordered_json());
    if (v.is_string()) in.push_back(v.get<std::string>());
    else if (v.is_array() && !v.empty() && std::all_of(v.begin(), v.end(), [](const auto& e) { return e.is_string(); }))
        for (const auto& e : v) in.push_back(e.get<std::string>());
    else throw BadRequest("'input' must be a string or a non-empty array of strings");
    const std::string encoding = get_string(body, "encoding_format", "float");
    if (encoding != "float" && encoding != "base64")
        throw BadRequest("encoding_format must be \"float\" or \"base64\", got \"" + encoding + "\"");
    const EmbedResult r = run_embed(mm, g.model, in, true, g.options, g.keep_alive);
    ordered_json data = ordered_json::array();
    for (size_t i = 0; i < r.embeddings.size(); ++i) {
        // base64: the float32 values' little-endian bytes, which the openai SDKs ask for by default.
        const auto& e = r.embeddings[i];
        const ordered_json value = encoding == "float"
            ? ordered_json(e)
            : ordered_json(encode_base64(std::string_view(reinterpret_cast<const char*>(e.data()), e.size() * sizeof(float))));
        data.push_back({{"object", "embedding"}, {"embedding", value}, {"index", i}});
    }
    ordered_json j{{"object", "list"}, {"data", data}, {"model", r.model},
                   {"usage", {{"prompt_tokens", r.prompt_tokens}, {"total_tokens", r.prompt_tokens}}}};
    res.set_content(j.dump(), "application/json");
}

ordered_json model_object(const ordered_json& tag) {
    int64_t created = unix_seconds();
    return {{"id", tag.value("name", "")}, {"object", "model"}, {"created", created}, {"owned_by", "library"}};
}

}  // namespace

void install_openai_routes(httplib::Server& http, ModelManager& mm, const Catalog& catalog) {
    const auto wrap = [](auto fn) {
        return [fn](const httplib::Request& req, httplib::Response& res) {
            try {
                fn(req, res);
            } catch (...) {
                send_error(res, ApiStyle::OPENAI, std::current_exception());
            }
        };
    };
    http.Post("/v1/chat/completions", wrap([&mm](const auto& q, auto& r) { chat_completions(mm, q, r); }));
    http.Post("/v1/completions", wrap([&mm](const auto& q, auto& r) { completions(mm, q, r); }));
    http.Post("/v1/embeddings", wrap([&mm](const auto& q, auto& r) { embeddings(mm, q, r); }));
    http.Get("/v1/models", wrap([&catalog](const auto&, auto& r) {
        ordered_json data = ordered_json::array();
        const ordered_json tags = catalog.tags();  // a named copy: iterating a temporary's member would dangle
        for (const auto& t : tags.at("models")) data.push_back(model_object(t));
        r.set_content(ordered_json{{"object", "list"}, {"data", data}}.dump(), "application/json");
    }));
    http.Get(R"(/v1/models/(.+))", wrap([&catalog](const httplib::Request& q, auto& r) {
        const std::string name = q.matches[1];
        const ordered_json tags = catalog.tags();
        for (const auto& t : tags.at("models"))
            if (t.value("name", "") == name || t.value("name", "") == name + ":latest") {
                r.set_content(model_object(t).dump(), "application/json");
                return;
            }
        throw ModelNotFound("model '" + name + "' not found");
    }));
}

}  // namespace snug::server
