// tests/unit/server_store_test.cpp: the model store's endpoints of `snug serve` — pull, blobs, create, copy, delete —
// in process. A raw-socket server (net_test_server.h) plays Hugging Face, serving a model from ../shared/models at
// the hub's paths, and fails or crawls on demand. What is checked: the NDJSON shapes of Ollama's API, the statuses,
// that a pulled or created model then serves, and that a failed or cancelled operation leaves nothing visible.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <thread>

#include "common/test_data.h"
#include "net_test_server.h"
#include "server/http_server.h"
#include "server/model_info.h"
#include "store/sha256.h"
#include "store_test_util.h"

namespace snug::server {
namespace {

using json = nlohmann::json;
using test::files_in;
using test::TestServer;
using Strings = std::vector<std::string>;

constexpr const char* LOCAL_MODEL = "snug-qwen2-q4_k_m";  // the same file, also served from the model folder
constexpr const char* HUB_FILE = "snug-qwen2-Q4_K_M.gguf";
constexpr const char* PULLED = "hf.co/owner/repo:Q4_K_M";

std::vector<json> ndjson(const std::string& body) {
    std::vector<json> out;
    for (size_t i = 0, j; i < body.size(); i = j + 1) {
        j = body.find('\n', i);
        if (j == std::string::npos) j = body.size();
        if (j > i) out.push_back(json::parse(body.substr(i, j - i)));
    }
    return out;
}

class StoreApi : public ::testing::Test {
protected:
    void SetUp() override {
        const std::string path = test::data_path(std::string("models/") + LOCAL_MODEL + ".gguf");
        SNUG_REQUIRE_DATA(path);
        model = test::read_bytes(path);
        model_sha = store::sha256_hex(model.data(), model.size());
        digest = "sha256:" + model_sha;
        hub = std::make_unique<TestServer>([this](const TestServer::Request& r) { return serve_hub(r); });
        ::setenv("SNUG_HF_ENDPOINT", hub->base().c_str(), 1);
        ServerConfig cfg;
        cfg.port = 0;
        cfg.models_dir = test::data_path("models");
        cfg.max_body_bytes = 1 << 20;  // far below the model's size: blob uploads must not be held to it
        cfg.manager.n_threads = 2;
        cfg.manager.n_parallel = 2;
        server = std::make_unique<HttpServer>(cfg, std::make_shared<Catalog>(store_root(), cfg.models_dir));
        port = server->bind();
        serving = std::thread([this] { server->serve(); });
    }
    void TearDown() override {
        if (!server) return;
        server->stop();
        serving.join();
    }

    TestServer::Reply serve_hub(const TestServer::Request& r) {
        TestServer::Reply rep;
        if (r.target == "/api/models/owner/repo?blobs=true") {
            const json file = {{"rfilename", HUB_FILE}, {"size", model.size()},
                               {"lfs", {{"sha256", model_sha}, {"size", model.size()}}}};
            rep.content_type = "application/json";
            rep.body = json{{"id", "owner/repo"}, {"siblings", {file, {{"rfilename", "README.md"}, {"size", 9}}}}}.dump();
        } else if (r.target == std::string("/owner/repo/resolve/main/") + HUB_FILE) {
            rep.status = file_status;
            rep.body = file_status == 200 ? model : "upstream trouble";
            rep.ranges = true;
            rep.chunk_delay_ms = chunk_delay_ms;
        } else {
            rep.status = 404;
            rep.body = R"({"error":"Repository not found"})";
        }
        return rep;
    }

    httplib::Client client() const {
        httplib::Client c("127.0.0.1", port);
        c.set_read_timeout(std::chrono::seconds(120));
        return c;
    }
    httplib::Result post(const std::string& path, const json& body) const {
        return client().Post(path.c_str(), body.dump(), "application/json");
    }
    httplib::Result del(const json& body) const { return client().Delete("/api/delete", body.dump(), "application/json"); }
    static int status_of(const httplib::Result& r) { return r ? r->status : -1; }
    static json body_of(const httplib::Result& r) { return r ? json::parse(r->body, nullptr, false) : json(); }

    std::string store_root() const { return dir.sub("store"); }
    Strings stored(const std::string& sub) const { return files_in(store_root() + "/" + sub); }
    json tag(const std::string& name) const {  // NAME's /api/tags entry, null when it is not listed
        const json tags = json::parse(client().Get("/api/tags")->body);
        for (const auto& m : tags["models"])
            if (m["name"] == name) return m;
        return nullptr;
    }
    bool listed(const std::string& name) const { return !tag(name).is_null(); }
    std::vector<TestServer::Request> downloads() const {
        std::vector<TestServer::Request> out;
        for (const auto& r : hub->requests())
            if (r.target.find("/resolve/main/") != std::string::npos) out.push_back(r);
        return out;
    }
    void upload_model() {
        auto r = client().Post(("/api/blobs/" + digest).c_str(), model, "application/octet-stream");
        ASSERT_EQ(status_of(r), 201) << (r ? r->body : "no answer");
    }
    void create(const std::string& name) {
        const json body = {{"model", name}, {"files", {{"model.gguf", digest}}}, {"stream", false}};
        ASSERT_EQ(status_of(post("/api/create", body)), 200);
    }

    test::TempDir dir;
    test::ScopedEnv endpoint{"SNUG_HF_ENDPOINT", std::nullopt}, hf_endpoint{"HF_ENDPOINT", std::nullopt},
        token{"HF_TOKEN", std::nullopt};
    std::string model, model_sha, digest;
    std::atomic<int> file_status{200}, chunk_delay_ms{0};
    std::unique_ptr<TestServer> hub;
    std::unique_ptr<HttpServer> server;
    int port = 0;
    std::thread serving;
};

TEST_F(StoreApi, StreamedPullReportsProgressThenTheModelServes) {
    chunk_delay_ms = 1;  // about a second of download, so progress is reported along the way
    const auto t0 = std::chrono::steady_clock::now();
    auto r = post("/api/pull", {{"model", PULLED}});
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_EQ(status_of(r), 200);
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/x-ndjson");
    const auto lines = ndjson(r->body);
    ASSERT_GE(lines.size(), 6u) << r->body;
    EXPECT_EQ(lines.front(), json({{"status", "pulling manifest"}}));
    std::vector<json> progress;
    Strings after;
    for (size_t i = 1; i < lines.size(); ++i) {
        EXPECT_FALSE(lines[i].contains("error")) << lines[i];
        if (lines[i].contains("completed")) progress.push_back(lines[i]);
        else after.push_back(lines[i]["status"]);
    }
    ASSERT_GE(progress.size(), 2u);
    int64_t previous = -1;
    for (const auto& p : progress) {
        EXPECT_EQ(p["status"], "pulling " + model_sha.substr(0, 12));
        EXPECT_EQ(p["digest"], digest);
        EXPECT_EQ(p["total"], model.size());
        EXPECT_GE(p["completed"].get<int64_t>(), previous);
        previous = p["completed"];
    }
    EXPECT_EQ(progress.back()["completed"], model.size());
    EXPECT_LE(progress.size(), static_cast<size_t>(secs * 10) + 2) << "at most ~10 progress lines a second";
    EXPECT_EQ(after, (Strings{"verifying sha256 digest", "writing manifest", "removing any unused layers", "success"}));

    const json entry = tag(PULLED);
    ASSERT_FALSE(entry.is_null()) << PULLED << " is not in /api/tags";
    EXPECT_EQ(entry["size"], model.size());
    EXPECT_EQ(entry["details"]["family"], "qwen2");
    // It generates exactly what the same file does when served from the model folder.
    const auto generate = [&](const char* name) {
        return body_of(post("/api/generate", {{"model", name}, {"prompt", "Once upon a time"}, {"raw", true},
                                              {"stream", false}, {"options", {{"temperature", 0}, {"num_predict", 8}}}}));
    };
    const json pulled = generate(PULLED), local = generate(LOCAL_MODEL);
    EXPECT_EQ(pulled["model"], PULLED);
    EXPECT_FALSE(pulled["response"].get<std::string>().empty());
    EXPECT_EQ(pulled["response"], local["response"]);
}

TEST_F(StoreApi, NonStreamedPullAnswersOnceAndReusesTheBlob) {
    auto r = post("/api/pull", {{"model", PULLED}, {"stream", false}});
    ASSERT_EQ(status_of(r), 200);
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
    EXPECT_EQ(json::parse(r->body), json({{"status", "success"}}));
    EXPECT_EQ(stored("blobs"), Strings{"sha256-" + model_sha});
    const size_t fetched = downloads().size();
    EXPECT_EQ(status_of(post("/api/pull", {{"name", PULLED}, {"stream", false}})), 200);  // the older field name
    EXPECT_EQ(downloads().size(), fetched) << "the blob was there: nothing is downloaded again";
}

TEST_F(StoreApi, PullErrorsHaveTheirStatuses) {
    auto r = post("/api/pull", {{"model", "hf.co/owner/nothing"}, {"stream", false}});
    EXPECT_EQ(status_of(r), 404);
    EXPECT_TRUE(body_of(r)["error"].is_string());
    r = post("/api/pull", {{"model", "hf.co/owner/nothing"}});
    ASSERT_EQ(status_of(r), 200);  // streamed: the error is the last line
    const auto lines = ndjson(r->body);
    EXPECT_EQ(lines.front()["status"], "pulling manifest");
    ASSERT_TRUE(lines.back().contains("error")) << r->body;
    EXPECT_EQ(lines.back().size(), 1u);
    // Not something snug can pull: 400 before anything starts, streamed or not.
    for (const json& body : {json{{"model", "llama3.2"}}, json{{"model", "hf.co/owner"}, {"stream", false}},
                             json{{"model", "file:///etc/passwd"}}, json{{"stream", false}},
                             json{{"model", PULLED}, {"insecure", "yes"}}})
        EXPECT_EQ(status_of(post("/api/pull", body)), 400) << body;
    EXPECT_TRUE(stored("manifests").empty());
    EXPECT_TRUE(downloads().empty());
}

TEST_F(StoreApi, UpstreamFailureLeavesNothingBehind) {
    file_status = 500;
    auto r = post("/api/pull", {{"model", PULLED}, {"stream", false}});
    EXPECT_EQ(status_of(r), 500);
    EXPECT_NE(body_of(r)["error"].get<std::string>().find("500"), std::string::npos) << r->body;
    r = post("/api/pull", {{"model", PULLED}});
    ASSERT_EQ(status_of(r), 200);
    EXPECT_TRUE(ndjson(r->body).back().contains("error")) << r->body;
    for (const char* sub : {"blobs", "manifests", "tmp", "partial"}) EXPECT_TRUE(stored(sub).empty()) << sub;
    EXPECT_FALSE(listed(PULLED));
    EXPECT_EQ(status_of(post("/api/show", {{"model", PULLED}})), 404);
}

TEST_F(StoreApi, ClientLeavingCancelsThePullAndTheNextOneResumes) {
    chunk_delay_ms = 20;  // the whole file would take ~18 s
    {
        httplib::Client c("127.0.0.1", port);
        httplib::Request req;
        req.method = "POST";
        req.path = "/api/pull";
        req.body = json{{"model", PULLED}}.dump();
        req.set_header("Content-Type", "application/json");
        std::string got;
        req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
            got.append(data, n);
            for (const auto& line : ndjson(got.substr(0, got.rfind('\n') + 1)))
                if (line.value("completed", int64_t(0)) > 0) return false;  // some bytes are in: leave
            return true;
        };
        httplib::Response res;
        httplib::Error err;
        c.send(req, res, err);
        ASSERT_NE(got.find("\"completed\""), std::string::npos) << got;
    }
    // The server notices at its next line and stops: the hub's byte count stops growing, far short of the file.
    int64_t sent = -1;
    for (int i = 0; i < 30; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        const int64_t now = downloads().at(0).body_bytes_sent;
        if (now == sent) break;
        sent = now;
    }
    EXPECT_LT(sent, static_cast<int64_t>(model.size() / 2));
    EXPECT_FALSE(listed(PULLED));
    for (const char* sub : {"blobs", "manifests", "tmp"}) EXPECT_TRUE(stored(sub).empty()) << sub;
    EXPECT_EQ(stored("partial"), Strings{"sha256-" + model_sha + ".partial"}) << "kept for the next pull";

    chunk_delay_ms = 0;
    ASSERT_EQ(status_of(post("/api/pull", {{"model", PULLED}, {"stream", false}})), 200);
    const auto d = downloads();
    ASSERT_EQ(d.size(), 2u);
    EXPECT_EQ(d[1].header("range").rfind("bytes=", 0), 0u) << "resumed where the cancelled pull stopped";
    EXPECT_TRUE(listed(PULLED));
    EXPECT_EQ(stored("blobs"), Strings{"sha256-" + model_sha});
}

TEST_F(StoreApi, BlobUploadIsStreamedVerifiedAndNotHeldToTheBodyLimit) {
    auto c = client();
    c.set_keep_alive(true);  // the answers below share one connection, the 413 included
    const std::string path = "/api/blobs/" + digest;
    EXPECT_EQ(status_of(c.Head(path.c_str())), 404);
    EXPECT_EQ(status_of(c.Post(path.c_str(), model, "application/octet-stream")), 201);  // 14 MB, the limit is 1 MB
    EXPECT_EQ(status_of(c.Head(path.c_str())), 200);
    EXPECT_EQ(stored("blobs"), Strings{"sha256-" + model_sha});
    EXPECT_TRUE(test::read_bytes(store_root() + "/blobs/sha256-" + model_sha) == model);
    EXPECT_EQ(status_of(c.Post(path.c_str(), model, "application/octet-stream")), 200) << "already there";

    std::string bytes(3 << 20, '\0');  // sent chunked, without a Content-Length
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7 % 251);
    const std::string chunked = "/api/blobs/sha256:" + store::sha256_hex(bytes.data(), bytes.size());
    auto r = c.Post(chunked.c_str(), [&](size_t offset, httplib::DataSink& sink) {
        const size_t n = std::min<size_t>(65536, bytes.size() - offset);
        sink.write(bytes.data() + offset, n);
        if (offset + n == bytes.size()) sink.done();
        return true;
    }, "application/octet-stream");
    EXPECT_EQ(status_of(r), 201);
    EXPECT_EQ(stored("blobs").size(), 2u);
    EXPECT_TRUE(stored("tmp").empty());

    r = c.Post("/api/generate", std::string(2 << 20, ' '), "application/json");  // JSON bodies keep the limit
    EXPECT_EQ(status_of(r), 413);
    EXPECT_NE(body_of(r)["error"].get<std::string>().find("too large"), std::string::npos);
    EXPECT_EQ(status_of(c.Head(path.c_str())), 200) << "the connection still works after the 413";
}

TEST_F(StoreApi, WrongDigestIsRefusedAndLeavesNoBlob) {
    const std::string path = "/api/blobs/sha256:" + std::string(64, 'a');
    auto r = client().Post(path.c_str(), "not what the digest says", "application/octet-stream");
    EXPECT_EQ(status_of(r), 400);
    EXPECT_NE(body_of(r)["error"].get<std::string>().find("mismatch"), std::string::npos) << r->body;
    EXPECT_EQ(status_of(client().Head(path.c_str())), 404);
    EXPECT_TRUE(stored("blobs").empty());
    EXPECT_TRUE(stored("tmp").empty());
}

TEST_F(StoreApi, MalformedDigestsNeverTouchTheFileSystem) {
    const Strings bad = {"../x", "..%2f..%2fx", "%2e%2e%2fescape", "sha256:../../../../../../../../../../../../x",
                         "sha256:" + std::string(63, 'a'), "sha256:" + std::string(65, 'a'),
                         "sha256:" + std::string(64, 'g'), "sha256:" + std::string(61, 'a') + "/.x",
                         "sha512:" + std::string(64, 'a'), "", "sha256:%00" + std::string(63, 'a')};
    const Strings before = files_in(dir.path());
    for (const auto& d : bad) {
        const std::string path = "/api/blobs/" + d;
        EXPECT_EQ(status_of(client().Head(path.c_str())), 400) << d;
        auto r = client().Post(path.c_str(), "bytes", "application/octet-stream");
        EXPECT_EQ(status_of(r), 400) << d;
        EXPECT_NE(body_of(r)["error"].get<std::string>().find("invalid digest"), std::string::npos) << r->body;
    }
    EXPECT_EQ(files_in(dir.path()), before);
    EXPECT_EQ(status_of(client().Get(("/api/blobs/" + digest).c_str())), 404) << "no GET: Ollama has none";
}

TEST_F(StoreApi, CreateFromAnUploadedBlobThenShow) {
    upload_model();
    const std::string tmpl = "{% for m in messages %}{{ m.content }}{% endfor %}";
    auto r = post("/api/create", {{"model", "me/custom"}, {"files", {{"model.gguf", digest}}}, {"template", tmpl},
                                  {"system", "You are terse."},
                                  {"parameters", {{"temperature", 0.25}, {"stop", {"END"}}, {"num_ctx", 512}}},
                                  {"messages", {{{"role", "user"}, {"content", "hi"}}, {{"role", "assistant"}, {"content", "hello"}}}},
                                  {"license", "MIT"}});
    ASSERT_EQ(status_of(r), 200);
    const auto lines = ndjson(r->body);
    for (const auto& l : lines) EXPECT_TRUE(l["status"].is_string()) << l;
    EXPECT_EQ(lines.back(), json({{"status", "success"}}));
    const json show = body_of(post("/api/show", {{"model", "me/custom"}}));
    EXPECT_EQ(show["system"], "You are terse.");
    EXPECT_EQ(show["template"], tmpl);
    EXPECT_EQ(show["license"], "MIT");
    EXPECT_EQ(show["messages"].size(), 2u);
    EXPECT_EQ(show["details"]["family"], "qwen2");
    const std::string params = show["parameters"];
    for (const char* want : {"temperature", "0.25", "\"END\"", "num_ctx", "512"})
        EXPECT_NE(params.find(want), std::string::npos) << want << " in " << params;
    EXPECT_TRUE(listed("me/custom:latest"));

    // FROM a model, changing only the system prompt: the rest is inherited.
    r = post("/api/create", {{"model", "me/child"}, {"from", "me/custom"}, {"system", "Be kind."}, {"stream", false}});
    ASSERT_EQ(status_of(r), 200);
    EXPECT_EQ(json::parse(r->body), json({{"status", "success"}}));
    const json child = body_of(post("/api/show", {{"model", "me/child"}}));
    EXPECT_EQ(child["system"], "Be kind.");
    EXPECT_EQ(child["template"], tmpl);
    EXPECT_EQ(child["details"]["parent_model"], "me/custom:latest");

    const auto refused = [&](const json& body, int status, const std::string& says) {
        auto res = post("/api/create", body);
        EXPECT_EQ(status_of(res), status) << body;
        EXPECT_NE(body_of(res)["error"].get<std::string>().find(says), std::string::npos) << res->body;
    };
    refused({{"model", "q"}, {"from", "me/custom"}, {"quantize", "q4_K_M"}}, 400, "not supported");
    refused({{"model", "q"}, {"files", {{"m.gguf", "sha256:" + std::string(64, 'b')}}}, {"stream", false}}, 400, "no such blob");
    refused({{"model", "q"}, {"from", "me/none"}, {"stream", false}}, 404, "me/none");
    refused({{"model", "q"}, {"modelfile", "FROM /etc/passwd"}, {"stream", false}}, 400, "not accepted");
    refused({{"model", "q"}, {"path", "/etc/Modelfile"}}, 400, "path");
    refused({{"model", "../evil"}, {"from", "me/custom"}}, 400, "evil");
    r = post("/api/create", {{"model", "q"}, {"files", {{"m.gguf", "sha256:" + std::string(64, 'b')}}}});
    ASSERT_EQ(status_of(r), 200);  // streamed: the error is the last line
    EXPECT_TRUE(ndjson(r->body).back().contains("error")) << r->body;
    EXPECT_FALSE(listed("q:latest"));
}

TEST_F(StoreApi, CopyAndDeleteThenTheBlobIsCollected) {
    upload_model();
    create("me/orig");
    auto r = post("/api/copy", {{"source", "me/orig"}, {"destination", "me/copy"}});
    ASSERT_EQ(status_of(r), 200);
    EXPECT_TRUE(r->body.empty());
    EXPECT_TRUE(listed("me/orig:latest") && listed("me/copy:latest"));
    r = post("/api/copy", {{"source", "me/none"}, {"destination", "x"}});
    EXPECT_EQ(status_of(r), 404);
    EXPECT_EQ(body_of(r), json({{"error", "model 'me/none' not found"}}));
    EXPECT_EQ(status_of(post("/api/copy", {{"source", "me/orig"}})), 400);
    EXPECT_EQ(status_of(post("/api/copy", {{"source", "me/orig"}, {"destination", "a/../b"}})), 400);

    EXPECT_EQ(status_of(del({{"model", "me/orig"}})), 200);
    r = del({{"model", "me/orig"}});
    EXPECT_EQ(status_of(r), 404);
    EXPECT_EQ(body_of(r), json({{"error", "model 'me/orig' not found"}}));
    EXPECT_EQ(status_of(client().Head(("/api/blobs/" + digest).c_str())), 200) << "the copy still uses it";
    EXPECT_EQ(status_of(del({{"name", "me/copy"}})), 200);  // the older field name
    EXPECT_EQ(status_of(client().Head(("/api/blobs/" + digest).c_str())), 404);
    EXPECT_TRUE(stored("blobs").empty());
    EXPECT_TRUE(stored("manifests").empty());
    EXPECT_FALSE(listed("me/copy:latest"));
    EXPECT_EQ(status_of(del({{"model", "../x"}})), 400);
    EXPECT_EQ(status_of(client().Delete("/api/delete")), 400);
}

TEST_F(StoreApi, DeletingOrReplacingALoadedModelUnloadsIt) {
    upload_model();
    create("me/loaded");
    const auto load = [&] { return body_of(post("/api/generate", {{"model", "me/loaded"}}))["done_reason"]; };
    const auto loaded = [&] { return json::parse(client().Get("/api/ps")->body)["models"]; };
    EXPECT_EQ(load(), "load");
    ASSERT_EQ(loaded().size(), 1u);
    EXPECT_EQ(loaded()[0]["name"], "me/loaded:latest");
    // Created again with the same settings: nothing changed, it stays loaded. With another system prompt: unloaded.
    create("me/loaded");
    EXPECT_EQ(loaded().size(), 1u);
    ASSERT_EQ(status_of(post("/api/create", {{"model", "me/loaded"}, {"from", "me/loaded"}, {"system", "New."}, {"stream", false}})), 200);
    EXPECT_TRUE(loaded().empty());

    EXPECT_EQ(load(), "load");
    ASSERT_EQ(loaded().size(), 1u);
    EXPECT_EQ(status_of(del({{"model", "me/loaded"}})), 200);
    EXPECT_TRUE(loaded().empty());
    EXPECT_EQ(status_of(post("/api/generate", {{"model", "me/loaded"}})), 404);
}

}  // namespace
}  // namespace snug::server
