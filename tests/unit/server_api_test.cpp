// tests/unit/server_api_test.cpp: contract tests of `snug serve`'s HTTP APIs, in process, on a real model from
// ../shared/models. Outputs are checked against generate() run directly on the engine (the independent path), and
// shapes against Ollama's and OpenAI's documented fields.
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <thread>

#include "common/test_data.h"
#include "engine/engine.h"
#include "engine/generate.h"
#include "server/http_server.h"
#include "server/model_info.h"
#include "tokenizer/tokenizer.h"

namespace snug::server {
namespace {

using json = nlohmann::json;
const char* MODEL = "snug-qwen2-q4_k_m";

class Server {
public:
    explicit Server(std::string api_key = "") {
        dir_ = std::filesystem::temp_directory_path() / ("snug-server-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
        ServerConfig cfg;
        cfg.port = 0;
        cfg.api_key = std::move(api_key);
        cfg.models_dir = test::data_path("models");
        cfg.max_body_bytes = 1 << 20;
        cfg.manager.n_parallel = 4;
        cfg.manager.n_threads = 2;
        cfg.manager.max_queue = 64;
        http_ = std::make_unique<HttpServer>(cfg, std::make_shared<Catalog>((dir_ / "store").string(), cfg.models_dir));
        port_ = http_->bind();
        thread_ = std::thread([this] { http_->serve(); });
    }
    ~Server() {
        http_->stop();
        thread_.join();
        http_.reset();
        std::filesystem::remove_all(dir_);
    }
    httplib::Client client() const {
        httplib::Client c("127.0.0.1", port_);
        c.set_read_timeout(std::chrono::seconds(120));
        return c;
    }
    int port() const { return port_; }
    HttpServer& http() { return *http_; }

private:
    static inline int counter_ = 0;
    std::filesystem::path dir_;
    std::unique_ptr<HttpServer> http_;
    int port_ = 0;
    std::thread thread_;
};

json post(const Server& s, const std::string& path, const json& body, int want_status = 200) {
    auto c = s.client();
    auto r = c.Post(path.c_str(), body.dump(), "application/json");
    EXPECT_TRUE(r) << path;
    if (!r) return json();
    EXPECT_EQ(r->status, want_status) << path << ": " << r->body;
    return json::parse(r->body, nullptr, false);
}

std::vector<json> ndjson(const std::string& body) {
    std::vector<json> out;
    size_t i = 0;
    while (i < body.size()) {
        size_t j = body.find('\n', i);
        if (j == std::string::npos) j = body.size();
        if (j > i) out.push_back(json::parse(body.substr(i, j - i)));
        i = j + 1;
    }
    return out;
}

// What the engine generates for a raw prompt, greedy: the expectation every endpoint must meet.
std::string direct_greedy(const std::string& prompt, int n) {
    EngineOptions o;
    o.n_threads = 2;
    auto e = Engine::load(test::data_path(std::string("models/") + MODEL + ".gguf"), o);
    GenerateOptions g;
    g.n_predict = n;
    g.sampling.temperature = 0;
    return generate(*e, e->new_sequence(), e->tokenizer().encode(prompt, true, true), g).text;
}

const json GREEDY = {{"temperature", 0}, {"num_predict", 12}};

TEST(ServerApi, RootVersionTagsShow) {
    SNUG_REQUIRE_DATA(test::data_path(std::string("models/") + MODEL + ".gguf"));
    Server s;
    auto c = s.client();
    auto r = c.Get("/");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(c.Head("/")->status, 200);
    EXPECT_TRUE(json::parse(c.Get("/api/version")->body)["version"].is_string());
    const json tags = json::parse(c.Get("/api/tags")->body);
    bool found = false;
    for (const auto& m : tags["models"])
        if (m["name"] == std::string(MODEL) + ":latest") {
            found = true;
            EXPECT_EQ(m["details"]["format"], "gguf");
            EXPECT_EQ(m["details"]["family"], "qwen2");
            EXPECT_GT(m["size"].get<int64_t>(), 1000000);
        }
    EXPECT_TRUE(found) << tags.dump();
    const json show = post(s, "/api/show", {{"model", MODEL}});
    EXPECT_EQ(show["model_info"]["general.architecture"], "qwen2");
    EXPECT_NE(std::find(show["capabilities"].begin(), show["capabilities"].end(), "completion"), show["capabilities"].end());
    post(s, "/api/show", {{"model", "no-such-model"}}, 404);
    const json models = json::parse(c.Get("/v1/models")->body);
    EXPECT_EQ(models["object"], "list");
    EXPECT_FALSE(models["data"].empty());
}

TEST(ServerApi, GenerateMatchesTheEngineStreamedOrNot) {
    SNUG_REQUIRE_DATA(test::data_path(std::string("models/") + MODEL + ".gguf"));
    Server s;
    const std::string prompt = "Once upon a time";
    const std::string want = direct_greedy(prompt, 12);
    const json r = post(s, "/api/generate", {{"model", MODEL}, {"prompt", prompt}, {"raw", true}, {"stream", false}, {"options", GREEDY}});
    EXPECT_EQ(r["response"], want);
    EXPECT_EQ(r["done"], true);
    EXPECT_EQ(r["done_reason"], "length");
    EXPECT_EQ(r["eval_count"], 12);
    EXPECT_GT(r["prompt_eval_count"].get<int>(), 1);
    for (const char* k : {"total_duration", "load_duration", "prompt_eval_duration", "eval_duration"})
        EXPECT_TRUE(r[k].is_number_integer()) << k;
    EXPECT_GT(r["total_duration"].get<int64_t>(), r["eval_duration"].get<int64_t>());
    EXPECT_EQ(r["context"].size(), r["prompt_eval_count"].get<size_t>() + 12);

    auto c = s.client();
    auto sr = c.Post("/api/generate", json{{"model", MODEL}, {"prompt", prompt}, {"raw", true}, {"options", GREEDY}}.dump(), "application/json");
    ASSERT_TRUE(sr);
    EXPECT_EQ(sr->get_header_value("Content-Type"), "application/x-ndjson");
    const auto lines = ndjson(sr->body);
    ASSERT_GE(lines.size(), 2u);
    std::string text;
    for (size_t i = 0; i + 1 < lines.size(); ++i) {
        EXPECT_EQ(lines[i]["done"], false);
        text += lines[i]["response"].get<std::string>();
    }
    EXPECT_EQ(text, want);
    EXPECT_EQ(lines.back()["done"], true);
    EXPECT_EQ(lines.back()["eval_count"], 12);

    // OpenAI's completions on the same prompt.
    const json oc = post(s, "/v1/completions", {{"model", MODEL}, {"prompt", prompt}, {"max_tokens", 12}, {"temperature", 0}});
    EXPECT_EQ(oc["object"], "text_completion");
    EXPECT_EQ(oc["choices"][0]["text"], want);
    EXPECT_EQ(oc["choices"][0]["finish_reason"], "length");
    EXPECT_EQ(oc["usage"]["completion_tokens"], 12);
}

TEST(ServerApi, ChatBothApisAgreeAndStream) {
    SNUG_REQUIRE_DATA(test::data_path(std::string("models/") + MODEL + ".gguf"));
    Server s;
    const json msgs = json::array({{{"role", "system"}, {"content", "You are brief."}}, {{"role", "user"}, {"content", "Hello!"}}});
    const json o = post(s, "/api/chat", {{"model", MODEL}, {"messages", msgs}, {"stream", false}, {"options", GREEDY}});
    EXPECT_EQ(o["message"]["role"], "assistant");
    const std::string content = o["message"]["content"];
    const json a = post(s, "/v1/chat/completions", {{"model", MODEL}, {"messages", msgs}, {"temperature", 0}, {"max_tokens", 12}});
    EXPECT_EQ(a["object"], "chat.completion");
    EXPECT_EQ(a["choices"][0]["message"]["content"], content);
    EXPECT_EQ(a["usage"]["prompt_tokens"], o["prompt_eval_count"]);

    auto c = s.client();
    auto sr = c.Post("/v1/chat/completions",
                     json{{"model", MODEL}, {"messages", msgs}, {"temperature", 0}, {"max_tokens", 12}, {"stream", true},
                          {"stream_options", {{"include_usage", true}}}}.dump(), "application/json");
    ASSERT_TRUE(sr);
    EXPECT_EQ(sr->get_header_value("Content-Type"), "text/event-stream");
    std::string text, last;
    bool usage = false, done = false;
    for (size_t i = 0; (i = sr->body.find("data: ", i)) != std::string::npos;) {
        const size_t end = sr->body.find("\n\n", i);
        const std::string data = sr->body.substr(i + 6, end - i - 6);
        i = end;
        if (data == "[DONE]") {
            done = true;
            continue;
        }
        const json j = json::parse(data);
        if (!j["choices"].empty() && j["choices"][0]["delta"].contains("content")) text += j["choices"][0]["delta"]["content"].get<std::string>();
        if (j.contains("usage")) usage = j["usage"]["completion_tokens"].get<int>() > 0;
    }
    EXPECT_TRUE(done);
    EXPECT_TRUE(usage);
    EXPECT_EQ(text, content);
}

TEST(ServerApi, EmbeddingsAreUnitVectorsAndDeterministic) {
    SNUG_REQUIRE_DATA(test::data_path(std::string("models/") + MODEL + ".gguf"));
    Server s;
    const json e = post(s, "/api/embed", {{"model", MODEL}, {"input", {"a cat", "the stock market"}}});
    ASSERT_EQ(e["embeddings"].size(), 2u);
    double n0 = 0;
    for (double v : e["embeddings"][0]) n0 += v * v;
    EXPECT_NEAR(n0, 1.0, 1e-4);
    EXPECT_NE(e["embeddings"][0], e["embeddings"][1]);
    const json legacy = post(s, "/api/embeddings", {{"model", MODEL}, {"prompt", "a cat"}});
    ASSERT_EQ(legacy["embedding"].size(), e["embeddings"][0].size());
    for (size_t i = 0; i < legacy["embedding"].size(); ++i)
        EXPECT_NEAR(legacy["embedding"][i].get<double>(), e["embeddings"][0][i].get<double>(), 1e-5);
    const json oa = post(s, "/v1/embeddings", {{"model", MODEL}, {"input", "a cat"}});
    EXPECT_EQ(oa["data"][0]["embedding"].size(), e["embeddings"][0].size());
}

TEST(ServerApi, LoadPsAndUnload) {
    SNUG_REQUIRE_DATA(test::data_path(std::string("models/") + MODEL + ".gguf"));
    Server s;
    const json l = post(s, "/api/generate", {{"model", MODEL}, {"options", {{"num_ctx", 1024}}}});
    EXPECT_EQ(l["done_reason"], "load");
    auto c = s.client();
    const json ps = json::parse(c.Get("/api/ps")->body);
    ASSERT_EQ(ps["models"].size(), 1u);
    EXPECT_EQ(ps["models"][0]["context_length"], 1024);
    EXPECT_EQ(ps["models"][0]["size_vram"], 0);
    EXPECT_TRUE(ps["models"][0]["expires_at"].is_string());
    EXPECT_EQ(ps["models"][0]["snug"]["sequences_running"], 0);
    const json u = post(s, "/api/chat", {{"model", MODEL}, {"messages", json::array()}, {"keep_alive", 0}});
    EXPECT_EQ(u["done_reason"], "unload");
    EXPECT_TRUE(json::parse(c.Get("/api/ps")->body)["models"].empty());
}

TEST(ServerApi, StructuredOutputParses) {
    SNUG_REQUIRE_DATA(test::data_path(std::string("models/") + MODEL + ".gguf"));
    Server s;
    const json schema = {{"type", "object"},
                         {"properties", {{"name", {{"type", "string"}, {"maxLength", 12}}}, {"age", {{"type", "integer"}}}}},
                         {"required", {"name", "age"}}};
    const json r = post(s, "/api/generate", {{"model", MODEL}, {"prompt", "Describe a person."}, {"stream", false},
                                             {"format", schema}, {"options", {{"seed", 3}, {"num_predict", 2000}}}});
    EXPECT_EQ(r["done_reason"], "stop") << "the grammar ends the object and then allows only end-of-generation";
    const json out = json::parse(r["response"].get<std::string>(), nullptr, false);
    ASSERT_FALSE(out.is_discarded()) << r["response"];
    EXPECT_TRUE(out["name"].is_string());
    EXPECT_TRUE(out["age"].is_number_integer());
    const json j = post(s, "/v1/chat/completions", {{"model", MODEL}, {"messages", {{{"role", "user"}, {"content", "JSON please"}}}},
                                                    {"response_format", {{"type", "json_object"}}}, {"max_tokens", 2000}, {"seed", 1}});
    EXPECT_TRUE(json::parse(j["choices"][0]["message"]["content"].get<std::string>(), nullptr, false).is_object());
}

TEST(ServerApi, BadInputIsAnsweredClearly) {
    SNUG_REQUIRE_DATA(test::data_path(std::string("models/") + MODEL + ".gguf"));
    Server s;
    auto c = s.client();
    auto bad_json = c.Post("/api/generate", "{\"model\": ", "application/json");
    EXPECT_EQ(bad_json->status, 400);
    EXPECT_NE(json::parse(bad_json->body)["error"].get<std::string>().find("invalid JSON"), std::string::npos);
    EXPECT_EQ(post(s, "/api/generate", {{"model", "nope"}, {"prompt", "x"}}, 404)["error"], "model 'nope' not found");
    EXPECT_NE(post(s, "/api/generate", {{"model", MODEL}, {"prompt", 5}}, 400)["error"].get<std::string>().find("prompt"), std::string::npos);
    EXPECT_NE(post(s, "/api/generate", {{"model", MODEL}, {"prompt", "x"}, {"options", {{"num_predict", 1e12}}}}, 400)["error"]
                  .get<std::string>().find("num_predict"), std::string::npos);
    EXPECT_NE(post(s, "/api/generate", {{"model", MODEL}, {"prompt", "x"}, {"options", {{"top_p", -1}}}}, 400)["error"]
                  .get<std::string>().find("top_p"), std::string::npos);
    // Beyond the trained context (2048) without rope scaling: the memory planner refuses it, naming the limit.
    EXPECT_NE(post(s, "/api/generate", {{"model", MODEL}, {"prompt", "x"}, {"options", {{"num_ctx", 8192}}}}, 400)["error"]
                  .get<std::string>().find("beyond what"), std::string::npos);
    EXPECT_NE(post(s, "/api/generate", {{"model", MODEL}, {"prompt", "x"}, {"options", {{"num_ctx", -3}}}}, 400)["error"]
                  .get<std::string>().find("num_ctx"), std::string::npos);
    // Ignored options clients still send are not errors.
    post(s, "/api/generate", {{"model", MODEL}, {"prompt", "x"}, {"stream", false},
                              {"options", {{"num_predict", 1}, {"mirostat", 0}, {"numa", false}, {"penalize_newline", true}}}});
    std::string long_prompt;
    for (int i = 0; i < 300; ++i) long_prompt += "word ";
    const json o = {{"num_ctx", 128}, {"num_predict", 4}};
    post(s, "/api/generate", {{"model", MODEL}, {"prompt", long_prompt}, {"raw", true}, {"truncate", false}, {"stream", false}, {"options", o}}, 400);
    const json t = post(s, "/api/generate", {{"model", MODEL}, {"prompt", long_prompt}, {"raw", true}, {"stream", false}, {"options", o}});
    EXPECT_GT(t["truncated_tokens"].get<int>(), 0);
    json msgs = json::array({{{"role", "system"}, {"content", "Be brief."}}});
    for (int i = 0; i < 6; ++i) {
        msgs.push_back({{"role", "user"}, {"content", long_prompt.substr(0, 200)}});
        msgs.push_back({{"role", "assistant"}, {"content", "ok"}});
    }
    msgs.push_back({{"role", "user"}, {"content", "last"}});
    const json ct = post(s, "/api/chat", {{"model", MODEL}, {"messages", msgs}, {"stream", false}, {"options", o}});
    EXPECT_GT(ct["truncated_messages"].get<int>(), 0);
    const json img_bad = post(s, "/api/chat", {{"model", MODEL}, {"messages", {{{"role", "user"}, {"content", "x"}, {"images", {"%%%"}}}}}}, 400);
    EXPECT_NE(img_bad["error"].get<std::string>().find("base64"), std::string::npos);
    const json img = post(s, "/api/chat", {{"model", MODEL}, {"messages", {{{"role", "user"}, {"content", "x"}, {"images", {"aGVsbG8="}}}}}}, 400);
    EXPECT_NE(img["error"].get<std::string>().find("images"), std::string::npos);
    auto big = c.Post("/api/generate", std::string(2 << 20, ' '), "application/json");
    EXPECT_EQ(big->status, 413);
    const json oe = post(s, "/v1/chat/completions", {{"model", MODEL}, {"messages", "hi"}}, 400);
    EXPECT_TRUE(oe["error"]["message"].is_string());
    EXPECT_EQ(oe["error"]["type"], "invalid_request_error");
    EXPECT_EQ(c.Get("/api/nothing")->status, 404);
}

TEST(ServerApi, HostOriginAndKeyChecks) {
    SNUG_REQUIRE_DATA(test::data_path(std::string("models/") + MODEL + ".gguf"));
    Server s("sekret");
    auto c = s.client();
    EXPECT_EQ(c.Get("/api/tags")->status, 401);
    EXPECT_EQ(c.Get("/api/tags", {{"Authorization", "Bearer wrong"}})->status, 401);
    EXPECT_EQ(c.Get("/api/tags", {{"Authorization", "Bearer sekret"}})->status, 200);
    EXPECT_EQ(c.Get("/", {{"Host", "evil.example:11434"}})->status, 403);
    EXPECT_EQ(c.Get("/", {{"Host", "localhost:11434"}})->status, 200);
    auto ok = c.Get("/", {{"Origin", "http://localhost:3000"}});
    EXPECT_EQ(ok->get_header_value("Access-Control-Allow-Origin"), "http://localhost:3000");
    EXPECT_EQ(c.Get("/", {{"Origin", "https://evil.example"}})->status, 403);
}

TEST(ServerApi, VanishedClientFreesItsSequence) {
    SNUG_REQUIRE_DATA(test::data_path(std::string("models/") + MODEL + ".gguf"));
    Server s;
    const json opts = {{"num_predict", 100000}, {"num_ctx", 2048}};
    post(s, "/api/generate", {{"model", MODEL}, {"options", opts}});  // load
    {
        httplib::Client c("127.0.0.1", s.port());
        int chunks = 0;
        // The receiver gives up after two chunks: httplib closes the connection mid-stream.
        httplib::Request req;
        req.method = "POST";
        req.path = "/api/generate";
        req.body = json{{"model", MODEL}, {"prompt", "Once"}, {"options", opts}}.dump();
        req.set_header("Content-Type", "application/json");
        req.content_receiver = [&](const char*, size_t, uint64_t, uint64_t) { return ++chunks < 2; };
        httplib::Response res;
        httplib::Error err;
        c.send(req, res, err);
        EXPECT_EQ(chunks, 2);
    }
    auto c = s.client();
    int running = 1;
    for (int i = 0; i < 100 && running != 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        running = json::parse(c.Get("/api/ps")->body)["models"][0]["snug"]["sequences_running"];
    }
    EXPECT_EQ(running, 0);
}

}  // namespace
}  // namespace snug::server
