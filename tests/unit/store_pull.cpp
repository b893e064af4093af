// tests/unit/store_pull.cpp: Store::pull through a local server that serves ../shared/models at Hugging Face paths
// (/api/models/OWNER/REPO listing with lfs.sha256, /OWNER/REPO/resolve/main/FILE with ranges), then misbehaves:
// cuts a download (resumed with Range), corrupts one, answers 404/500, stalls, ignores Range.
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>

#include "common/test_data.h"
#include "net_test_server.h"
#include "store/sha256.h"
#include "store/store.h"
#include "store_test_util.h"

namespace snug::store {
namespace {

using test::files_in;
using test::TestServer;

constexpr const char* LLAMA_SHA_PREFIX = "364fa98be7e614b8";  // ../shared/models/README.md

class Pull : public ::testing::Test {
protected:
    void SetUp() override {
        const std::string llama_path = test::data_path("models/snug-llama-q4_k_m.gguf");
        SNUG_REQUIRE_DATA(llama_path);
        llama = test::read_bytes(llama_path);
        llama_sha = sha256_hex(llama.data(), llama.size());
        ASSERT_EQ(llama_sha.substr(0, 16), LLAMA_SHA_PREFIX);
        files = {{"snug-llama-Q4_K_M.gguf", llama}, {"README.md", "# test repo\n"}};
        hub = std::make_unique<TestServer>([this](const TestServer::Request& r) { return serve(r); });
        st = std::make_unique<Store>(dir.sub("store"));
    }

    TestServer::Reply serve(const TestServer::Request& r) {
        std::lock_guard<std::mutex> g(mu);
        TestServer::Reply rep;
        if (r.target == "/api/models/owner/repo?blobs=true") {
            if (api_status != 200) return {api_status, R"({"error":"Repository not found"})"};
            nlohmann::json siblings = nlohmann::json::array();
            for (const auto& [name, bytes] : files) {
                const std::string sha = name == "README.md" ? "" : sha256_hex(bytes.data(), bytes.size());
                nlohmann::json s = {{"rfilename", name}, {"size", bytes.size()}};
                if (!sha.empty()) s["lfs"] = {{"sha256", listed_sha.value_or(sha)}, {"size", bytes.size()}};
                siblings.push_back(s);
            }
            rep.body = nlohmann::json({{"id", "owner/repo"}, {"siblings", siblings}}).dump();
            return rep;
        }
        const std::string prefix = "/owner/repo/resolve/main/";
        if (r.target.rfind(prefix, 0) == 0 && files.count(r.target.substr(prefix.size()))) {
            rep.body = files[r.target.substr(prefix.size())];
            rep.ranges = ranges;
            if (tweak) tweak(rep);
            return rep;
        }
        return {404, "not found"};
    }

    std::string pull(const std::string& source, const PullOptions& opts = {}) {
        progress.clear();
        return st->pull(source, [&](const nlohmann::json& p) { progress.push_back(p); }, opts);
    }
    std::string pull_error(const std::string& source, const PullOptions& opts = {}) {
        try {
            pull(source, opts);
        } catch (const std::exception& e) {
            return e.what();
        }
        return "";
    }
    std::vector<TestServer::Request> downloads() const {
        std::vector<TestServer::Request> out;
        for (const auto& r : hub->requests())
            if (r.target.find("/resolve/main/") != std::string::npos) out.push_back(r);
        return out;
    }
    // Nothing half-done may be visible: no blob, no manifest, no temporary file.
    void expect_store_clean() {
        EXPECT_EQ(files_in(st->root() + "/blobs"), std::vector<std::string>{});
        EXPECT_EQ(files_in(st->root() + "/manifests"), std::vector<std::string>{});
        EXPECT_EQ(files_in(st->root() + "/tmp"), std::vector<std::string>{});
        EXPECT_TRUE(st->list().empty());
    }

    test::TempDir dir;
    std::mutex mu;
    std::map<std::string, std::string> files;
    std::optional<std::string> listed_sha;
    int api_status = 200;
    bool ranges = true;
    std::function<void(TestServer::Reply&)> tweak;
    std::string llama, llama_sha;
    std::unique_ptr<TestServer> hub;
    std::unique_ptr<Store> st;
    std::vector<nlohmann::json> progress;
    test::ScopedEnv endpoint{"SNUG_HF_ENDPOINT", std::nullopt}, hf_endpoint{"HF_ENDPOINT", std::nullopt},
        token{"HF_TOKEN", std::nullopt};
    void point_at_hub() { ::setenv("SNUG_HF_ENDPOINT", hub->base().c_str(), 1); }
};

TEST_F(Pull, FullPullFromTheHub) {
    point_at_hub();
    EXPECT_EQ(pull("hf.co/owner/repo:q4_k_m"), "hf.co/owner/repo:q4_k_m");
    EXPECT_EQ(progress.front(), nlohmann::json({{"status", "pulling manifest"}}));
    const auto& last_bytes = *std::find_if(progress.rbegin(), progress.rend(),
                                           [](const nlohmann::json& p) { return p.contains("completed"); });
    EXPECT_EQ(last_bytes["status"], "pulling " + llama_sha.substr(0, 12));
    EXPECT_EQ(last_bytes["digest"], "sha256:" + llama_sha);
    EXPECT_EQ(last_bytes["total"], llama.size());
    EXPECT_EQ(last_bytes["completed"], llama.size());
    std::vector<std::string> tail;
    for (size_t i = progress.size() - 4; i < progress.size(); ++i) tail.push_back(progress[i]["status"]);
    EXPECT_EQ(tail, (std::vector<std::string>{"verifying sha256 digest", "writing manifest",
                                              "removing any unused layers", "success"}));

    EXPECT_EQ(files_in(st->root() + "/blobs"), std::vector<std::string>{"sha256-" + llama_sha});
    EXPECT_EQ(files_in(st->root() + "/partial"), std::vector<std::string>{});
    const ResolvedModel r = st->resolve("hf.co/owner/repo:q4_k_m");
    EXPECT_EQ(test::read_bytes(r.gguf_path), llama);
    EXPECT_EQ(st->tags_json()["models"][0]["details"]["quantization_level"], "Q4_K_M");
    EXPECT_EQ(hub->requests().at(0).target, "/api/models/owner/repo?blobs=true");
    ASSERT_EQ(downloads().size(), 1u);
    EXPECT_EQ(downloads()[0].header("range"), "");

    EXPECT_EQ(pull("huggingface.co/owner/repo:q4_k_m"), "hf.co/owner/repo:q4_k_m");  // the blob is already there
    EXPECT_EQ(downloads().size(), 1u);
    EXPECT_EQ(pull("hf.co/owner/repo"), "hf.co/owner/repo:latest");  // default quant Q4_K_M, same blob
    EXPECT_EQ(files_in(st->root() + "/blobs").size(), 1u);
}

TEST_F(Pull, InterruptedThenResumedWithRange) {
    point_at_hub();
    tweak = [](TestServer::Reply& rep) { rep.cut_after = 5000000; };
    const std::string e = pull_error("hf.co/owner/repo");
    EXPECT_NE(e.find("resumes"), std::string::npos) << e;
    EXPECT_TRUE(st->list().empty());
    EXPECT_EQ(files_in(st->root() + "/blobs"), std::vector<std::string>{});
    const std::string partial = st->root() + "/partial/sha256-" + llama_sha + ".partial";
    EXPECT_EQ(std::filesystem::file_size(partial), 5000000u);

    tweak = nullptr;
    EXPECT_EQ(pull("hf.co/owner/repo"), "hf.co/owner/repo:latest");
    const auto d = downloads();
    ASSERT_EQ(d.size(), 2u);
    EXPECT_EQ(d[1].header("range"), "bytes=5000000-");
    EXPECT_EQ(d[1].body_bytes_sent, static_cast<int64_t>(llama.size()) - 5000000);
    EXPECT_EQ(test::read_bytes(st->resolve("hf.co/owner/repo").gguf_path), llama);
    EXPECT_FALSE(std::filesystem::exists(partial));
}

TEST_F(Pull, ResumeAgainstAServerIgnoringRangeStartsOver) {
    point_at_hub();
    tweak = [](TestServer::Reply& rep) { rep.cut_after = 3000000; };
    EXPECT_NE(pull_error("hf.co/owner/repo"), "");
    tweak = nullptr;
    ranges = false;
    EXPECT_EQ(pull("hf.co/owner/repo"), "hf.co/owner/repo:latest");
    EXPECT_EQ(downloads()[1].body_bytes_sent, static_cast<int64_t>(llama.size()));
    EXPECT_EQ(test::read_bytes(st->resolve("hf.co/owner/repo").gguf_path), llama);
}

TEST_F(Pull, CorruptedDownloadIsRejected) {
    point_at_hub();
    tweak = [](TestServer::Reply& rep) { rep.body[rep.body.size() / 2] ^= 0x40; };
    const std::string e = pull_error("hf.co/owner/repo");
    EXPECT_NE(e.find("sha256 mismatch"), std::string::npos) << e;
    EXPECT_NE(e.find(llama_sha), std::string::npos) << e;
    expect_store_clean();
    EXPECT_EQ(files_in(st->root() + "/partial"), std::vector<std::string>{});  // bad bytes are not kept to resume
}

TEST_F(Pull, MissingRepositoryAndServerErrors) {
    point_at_hub();
    api_status = 404;
    std::string e = pull_error("hf.co/owner/repo");
    EXPECT_NE(e.find("no such repository"), std::string::npos) << e;
    api_status = 200;
    e = pull_error("hf.co/owner/other");
    EXPECT_NE(e.find("404"), std::string::npos) << e;
    tweak = [](TestServer::Reply& rep) { rep.status = 500, rep.body = "upstream exploded"; };
    e = pull_error("hf.co/owner/repo");
    EXPECT_NE(e.find("HTTP 500"), std::string::npos) << e;
    EXPECT_NE(e.find("upstream exploded"), std::string::npos) << e;
    e = pull_error("hf.co/owner/repo:Q8_0");
    EXPECT_NE(e.find("no GGUF file for quant Q8_0"), std::string::npos) << e;
    expect_store_clean();
    EXPECT_EQ(files_in(st->root() + "/partial"), std::vector<std::string>{});
}

TEST_F(Pull, StalledServerFailsQuickly) {
    point_at_hub();
    tweak = [](TestServer::Reply& rep) { rep.stall_after = 100000; };
    PullOptions opts;
    opts.http.stall_timeout_s = 1;
    const auto t0 = std::chrono::steady_clock::now();
    const std::string e = pull_error("hf.co/owner/repo", opts);
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 8.0);
    EXPECT_NE(e.find("stalled"), std::string::npos) << e;
    expect_store_clean();
}

TEST_F(Pull, TokenGoesToTheHubOnly) {
    point_at_hub();
    ::setenv("HF_TOKEN", "hf_abc123", 1);
    pull("hf.co/owner/repo");
    for (const auto& r : hub->requests()) EXPECT_EQ(r.header("authorization"), "Bearer hf_abc123") << r.target;
    TestServer other([&](const TestServer::Request&) { return TestServer::Reply{200, llama}; });
    pull(other.url("/files/Other-Model.Q4_K_M.gguf?sig=secret"));
    EXPECT_EQ(other.requests().at(0).header("authorization"), "");
}

TEST_F(Pull, PlainUrlsNamesAndBadSources) {
    const std::string stories = test::read_bytes(test::data_path("models/stories260K.gguf"));
    TestServer web([&](const TestServer::Request& r) {
        if (r.target == "/m/stories260K.gguf") return TestServer::Reply{200, stories};
        return TestServer::Reply{200, "<html>login page</html>"};
    });
    EXPECT_EQ(pull(web.url("/m/stories260K.gguf")), "stories260k:latest");
    EXPECT_EQ(progress[1]["status"], "pulling stories260K.gguf");
    EXPECT_FALSE(progress[1].contains("digest"));
    PullOptions named;
    named.name = "me/tiny:v1";
    EXPECT_EQ(pull(web.url("/m/stories260K.gguf"), named), "me/tiny:v1");
    EXPECT_EQ(st->get("me/tiny:v1").source, web.url("/m/stories260K.gguf"));
    EXPECT_EQ(files_in(st->root() + "/blobs").size(), 1u);

    std::string e = pull_error(web.url("/page.gguf"));
    EXPECT_NE(e.find("not a usable GGUF"), std::string::npos) << e;
    for (const char* bad : {"qwen2.5", "file:///etc/passwd", "ftp://x/y.gguf", "hf.co/owner"})
        EXPECT_NE(pull_error(bad), "") << bad;
    EXPECT_NE(pull_error("file:///etc/passwd").find("expected an http(s):// URL"), std::string::npos);
    named.name = "../../escape";
    EXPECT_NE(pull_error(web.url("/m/stories260K.gguf"), named).find("invalid model name"), std::string::npos);
    EXPECT_EQ(st->list().size(), 2u);
    EXPECT_EQ(files_in(st->root() + "/partial"), std::vector<std::string>{});
}

TEST_F(Pull, SplitFilesAreRefusedBeforeDownloading) {
    point_at_hub();
    files = {{"big-Q4_K_M-00001-of-00002.gguf", "a"}, {"big-Q4_K_M-00002-of-00002.gguf", "b"}};
    EXPECT_NE(pull_error("hf.co/owner/repo").find("not supported"), std::string::npos);
    EXPECT_TRUE(downloads().empty());
}

TEST_F(Pull, ProgressCallbackCanCancel) {
    point_at_hub();
    const std::string e = [&] {
        try {
            st->pull("hf.co/owner/repo", [](const nlohmann::json& p) {
                if (p.value("completed", int64_t(0)) > 0) throw std::runtime_error("client went away");
            });
        } catch (const std::runtime_error& ex) {
            return std::string(ex.what());
        }
        return std::string();
    }();
    EXPECT_EQ(e, "client went away");
    EXPECT_TRUE(st->list().empty());
    EXPECT_EQ(files_in(st->root() + "/blobs"), std::vector<std::string>{});
}

}  // namespace
}  // namespace snug::store
