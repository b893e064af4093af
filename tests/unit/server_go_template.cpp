// tests/unit/server_go_template.cpp: a model created with an Ollama (Go text/template) TEMPLATE renders its chat
// prompts through that template, in process: the prompt's token count follows the Go template, and an execution
// error of the template comes back as the request's error.
#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "common/test_data.h"
#include "server/http_server.h"
#include "server/model_info.h"
#include "store/sha256.h"
#include "store_test_util.h"

namespace snug::server {
namespace {

using json = nlohmann::json;

class GoTemplateServer : public ::testing::Test {
protected:
    void SetUp() override {
        const std::string path = test::data_path("models/snug-qwen2-q4_k_m.gguf");
        SNUG_REQUIRE_DATA(path);
        model = test::read_bytes(path);
        digest = "sha256:" + store::sha256_hex(model.data(), model.size());
        ServerConfig cfg;
        cfg.port = 0;
        cfg.models_dir = test::data_path("models");
        cfg.manager.n_threads = 2;
        cfg.manager.n_parallel = 1;
        server = std::make_unique<HttpServer>(cfg, std::make_shared<Catalog>(dir.sub("store"), cfg.models_dir));
        port = server->bind();
        serving = std::thread([this] { server->serve(); });
        auto r = client().Post(("/api/blobs/" + digest).c_str(), model, "application/octet-stream");
        ASSERT_TRUE(r && r->status == 201);
    }
    void TearDown() override {
        if (!server) return;
        server->stop();
        serving.join();
    }
    httplib::Client client() const {
        httplib::Client c("127.0.0.1", port);
        c.set_read_timeout(std::chrono::seconds(120));
        return c;
    }
    httplib::Result post(const std::string& path, const json& body) const {
        return client().Post(path.c_str(), body.dump(), "application/json");
    }
    void create(const std::string& name, const std::string& tmpl) {
        json body = {{"model", name}, {"files", {{"model.gguf", digest}}}, {"stream", false}};
        if (!tmpl.empty()) body["template"] = tmpl;
        auto r = post("/api/create", body);
        ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
    }
    httplib::Result chat(const std::string& name) const {
        return post("/api/chat", {{"model", name}, {"messages", {{{"role", "user"}, {"content", "hi"}}}},
                                  {"stream", false}, {"options", {{"num_predict", 1}, {"temperature", 0}}}});
    }

    test::TempDir dir;
    std::string model, digest;
    std::unique_ptr<HttpServer> server;
    int port = 0;
    std::thread serving;
};

TEST_F(GoTemplateServer, ChatPromptFollowsTheGoTemplate) {
    create("go/prompt", "{{ .Prompt }}");
    create("go/messages", "{{ range .Messages }}<{{ .Role }}>{{ .Content }}{{ end }}");
    create("go/preamble", "Answer every question in one short sentence, politely and in English.\n{{ .Prompt }}");
    auto count = [&](const std::string& name) {
        auto r = chat(name);
        EXPECT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
        return r ? json::parse(r->body).value("prompt_eval_count", -1) : -1;
    };
    const int bare = count("go/prompt");         // just "hi"
    const int roles = count("go/messages");      // "<user>hi"
    const int preamble = count("go/preamble");  // a sentence, then "hi"
    EXPECT_GE(bare, 1);
    EXPECT_LE(bare, 2);
    EXPECT_GT(roles, bare);
    EXPECT_GT(preamble, bare + 8);
}

TEST_F(GoTemplateServer, TemplateErrorsAreTheRequestsError) {
    create("go/broken", "{{ range .Messages }}{{ .Content.X }}{{ end }}");
    auto r = chat("go/broken");
    ASSERT_TRUE(r);
    EXPECT_GE(r->status, 400);
    EXPECT_NE(r->body.find("can't evaluate field X in type string"), std::string::npos) << r->body;
}

}  // namespace
}  // namespace snug::server
