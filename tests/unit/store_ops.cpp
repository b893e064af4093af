// tests/unit/store_ops.cpp: create / list / show / copy / remove round trips on a private store, resolve(), and the
// exact JSON shapes of /api/tags and /api/show.
#include <gtest/gtest.h>

#include <regex>

#include "common/test_data.h"
#include "store/sha256.h"
#include "store/store.h"
#include "store_test_util.h"

namespace snug::store {
namespace {

using test::files_in;

// The sha256 of stories260K.gguf begins so (../shared/models/README.md).
constexpr const char* STORIES_SHA_PREFIX = "270cba1bd5109f42";

class StoreOps : public ::testing::Test {
protected:
    void SetUp() override {
        stories = test::data_path("models/stories260K.gguf");
        SNUG_REQUIRE_DATA(stories);
        st = std::make_unique<Store>(dir.sub("store"));
    }
    // Creates `name` from a Modelfile whose relative paths are relative to the temp dir.
    void create(const std::string& name, const std::string& modelfile) {
        st->create(name, parse_modelfile(modelfile), dir.path(),
                   [&](const nlohmann::json& p) { statuses.push_back(p); });
    }
    std::string stories_digest() const {
        return "sha256:" + sha256_file_hex(stories);
    }

    test::TempDir dir;
    std::string stories;
    std::unique_ptr<Store> st;
    std::vector<nlohmann::json> statuses;
};

TEST_F(StoreOps, CreateListShowResolve) {
    create("tiny", "FROM " + stories + "\nPARAMETER temperature 0.5\nPARAMETER stop <|end|>\nSYSTEM Be brief.\n"
                   "TEMPLATE {{ .Prompt }}\nMESSAGE user hi\nLICENSE MIT\n");
    EXPECT_EQ(statuses.front()["status"], "parsing GGUF");
    EXPECT_EQ(statuses.back()["status"], "success");
    const std::string digest = stories_digest();
    EXPECT_EQ(digest.substr(7, 16), STORIES_SHA_PREFIX);
    EXPECT_EQ(files_in(st->root() + "/blobs"), std::vector<std::string>{"sha256-" + digest.substr(7)});
    EXPECT_EQ(files_in(st->root() + "/tmp"), std::vector<std::string>{});

    const auto models = st->list();
    ASSERT_EQ(models.size(), 1u);
    EXPECT_EQ(models[0].name.display(), "tiny:latest");
    EXPECT_EQ(models[0].size, 1185376);
    EXPECT_EQ(models[0].manifest.model.digest, digest);

    const ResolvedModel r = st->resolve("tiny");
    EXPECT_EQ(r.name, "tiny:latest");
    EXPECT_EQ(r.gguf_path, st->blob_path(digest));
    EXPECT_EQ(test::read_bytes(r.gguf_path), test::read_bytes(stories));
    EXPECT_EQ(r.projector_path, "");
    EXPECT_EQ(r.params, nlohmann::json({{"temperature", 0.5}, {"stop", {"<|end|>"}}}));
    EXPECT_EQ(r.system, "Be brief.");
    EXPECT_EQ(r.template_text, "{{ .Prompt }}");
    EXPECT_EQ(r.messages, (std::vector<Message>{{"user", "hi"}}));
    EXPECT_EQ(r.license, std::vector<std::string>{"MIT"});
    EXPECT_EQ(st->resolve("tiny:latest").gguf_path, r.gguf_path);
}

TEST_F(StoreOps, TagsJsonShape) {
    create("tiny", "FROM " + stories + "\n");
    const auto tags = st->tags_json();
    ASSERT_EQ(tags["models"].size(), 1u);
    const auto& m = tags["models"][0];
    std::vector<std::string> keys;
    for (const auto& [k, v] : m.items()) keys.push_back(k);
    EXPECT_EQ(keys, (std::vector<std::string>{"details", "digest", "model", "modified_at", "name", "size"}));
    EXPECT_EQ(m["name"], "tiny:latest");
    EXPECT_EQ(m["model"], "tiny:latest");
    EXPECT_EQ(m["size"], 1185376);
    const std::string manifest = test::read_bytes(st->root() + "/manifests/local/library/tiny/latest");
    EXPECT_EQ(m["digest"], sha256_hex(manifest.data(), manifest.size()));
    EXPECT_TRUE(std::regex_match(m["modified_at"].get<std::string>(),
                                 std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}(Z|[+-]\d\d:\d\d))")))
        << m["modified_at"];
    EXPECT_EQ(m["details"], nlohmann::json({{"parent_model", ""}, {"format", "gguf"}, {"family", "llama"},
                                            {"families", {"llama"}}, {"parameter_size", "293K"},
                                            {"quantization_level", "F32"}}));
}

TEST_F(StoreOps, ShowJsonShape) {
    create("tiny", "FROM " + stories + "\nPARAMETER num_ctx 256\nSYSTEM sys\nLICENSE L1\nLICENSE L2\n");
    const auto s = st->show_json("tiny");
    for (const char* key : {"modelfile", "parameters", "system", "license", "details", "model_info", "capabilities",
                            "modified_at"})
        EXPECT_TRUE(s.contains(key)) << key;
    EXPECT_FALSE(s.contains("template"));  // neither the manifest nor the GGUF has one
    EXPECT_FALSE(s.contains("projector_info"));
    EXPECT_EQ(s["license"], "L1\nL2");
    EXPECT_EQ(s["parameters"], "num_ctx                        256");
    EXPECT_EQ(s["capabilities"], nlohmann::json::array({"completion"}));
    EXPECT_EQ(s["model_info"]["general.architecture"], "llama");
    EXPECT_EQ(s["model_info"]["llama.block_count"], 5);
    // The generated Modelfile recreates the same model.
    const ModelSpec back = parse_modelfile(s["modelfile"].get<std::string>());
    ASSERT_EQ(back.from.size(), 1u);
    EXPECT_EQ(back.from[0], st->blob_path(stories_digest()));
    EXPECT_THROW(st->create("again", back, std::nullopt), Error);  // a request from the network names no paths
    st->create("again", back, dir.path());
    EXPECT_EQ(st->get("again").params, st->get("tiny").params);
    EXPECT_EQ(st->get("again").system, "sys");
    EXPECT_THROW(st->show_json("missing"), ModelNotFound);
}

TEST_F(StoreOps, CreateFromModelAndDigest) {
    create("base", "FROM " + stories + "\nPARAMETER temperature 0.1\nPARAMETER top_k 5\nSYSTEM old\n");
    create("child", "FROM base\nPARAMETER temperature 0.9\nSYSTEM new\n");
    const Manifest c = st->get("child");
    EXPECT_EQ(c.params, nlohmann::json({{"temperature", 0.9}, {"top_k", 5}}));
    EXPECT_EQ(c.system, "new");
    EXPECT_EQ(c.parent, "base:latest");
    EXPECT_EQ(st->tags_json()["models"][0]["details"]["parent_model"].is_string(), true);
    EXPECT_EQ(st->show_json("child")["details"]["parent_model"], "base:latest");
    const std::string digest = stories_digest();
    create("by-digest", "FROM " + digest + "\n");
    create("by-at-digest", "FROM @" + digest + "\n");
    EXPECT_EQ(st->get("by-digest").model.digest, digest);
    EXPECT_EQ(files_in(st->root() + "/blobs").size(), 1u);  // one blob shared by four models
    EXPECT_EQ(st->list().size(), 4u);
}

TEST_F(StoreOps, RelativePathsAndBadSources) {
    std::filesystem::create_directories(dir.sub("models"));
    std::filesystem::copy_file(stories, dir.sub("models/s.gguf"));
    create("rel", "FROM ./models/s.gguf\n");
    EXPECT_TRUE(st->exists("rel"));
    const auto err = [&](const std::string& modelfile, const std::optional<std::string>& base) {
        try {
            st->create("bad", parse_modelfile(modelfile), base);
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    EXPECT_NE(err("FROM ./models/nothere.gguf\n", dir.path()).find("not a GGUF file, a blob digest or a model"),
              std::string::npos);
    EXPECT_NE(err("FROM nosuchmodel\n", dir.path()).find("no such file or model"), std::string::npos);
    EXPECT_NE(err("FROM " + stories + "\n", std::nullopt).find("file paths are not accepted"), std::string::npos);
    EXPECT_NE(err("FROM sha256:" + std::string(64, '0') + "\n", dir.path()).find("no such blob"), std::string::npos);
    EXPECT_NE(err("FROM sha256:../../etc/passwd\n", dir.path()).find("invalid digest"), std::string::npos);
    EXPECT_NE(err("FROM ./models\n", dir.path()).find("is a directory"), std::string::npos);
    test::write_bytes(dir.sub("models/text.gguf"), "this is not a GGUF file at all");
    EXPECT_NE(err("FROM ./models/text.gguf\n", dir.path()).find("not a valid GGUF"), std::string::npos);
    EXPECT_NE(err("FROM rel\nPARAMETER num_ctx x\n", dir.path()).find("expected an integer"), std::string::npos);
    EXPECT_THROW(st->create("../escape", parse_modelfile("FROM rel\n"), dir.path()), Error);
    // Nothing from the failures is visible: one blob, one model, no temporary files.
    EXPECT_EQ(files_in(st->root() + "/blobs").size(), 1u);
    EXPECT_EQ(st->list().size(), 1u);
    EXPECT_EQ(files_in(st->root() + "/tmp"), std::vector<std::string>{});
}

TEST_F(StoreOps, CopyRemoveAndCleanup) {
    create("tiny", "FROM " + stories + "\n");
    st->copy("tiny", "me/tiny:v2");
    EXPECT_EQ(st->get("me/tiny:v2").model, st->get("tiny").model);
    EXPECT_EQ(st->list().size(), 2u);
    EXPECT_THROW(st->copy("missing", "x"), ModelNotFound);
    EXPECT_THROW(st->copy("tiny", "bad/../name"), Error);

    st->remove("tiny");
    EXPECT_FALSE(st->exists("tiny"));
    EXPECT_EQ(files_in(st->root() + "/blobs").size(), 1u);  // still used by me/tiny:v2
    st->remove("me/tiny:v2");
    EXPECT_EQ(files_in(st->root() + "/blobs"), std::vector<std::string>{});
    EXPECT_TRUE(std::filesystem::is_empty(st->root() + "/manifests"));  // empty folders tidied away
    EXPECT_THROW(st->remove("tiny"), ModelNotFound);
    EXPECT_THROW(st->resolve("tiny"), ModelNotFound);
}

TEST_F(StoreOps, ReplacingAModelDropsItsOldBlob) {
    create("m", "FROM " + stories + "\n");
    const std::string llama = test::data_path("models/llama-2-tiny-random.gguf");
    SNUG_REQUIRE_DATA(llama);
    create("m", "FROM " + llama + "\n");
    EXPECT_EQ(files_in(st->root() + "/blobs"), std::vector<std::string>{"sha256-" + sha256_file_hex(llama)});
}

TEST_F(StoreOps, ResolvePlainPathsAndBadNames) {
    EXPECT_EQ(st->resolve(stories).gguf_path, stories);
    EXPECT_EQ(st->resolve(stories).name, stories);
    const auto err = [&](const std::string& s) {
        try {
            st->resolve(s);
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    EXPECT_NE(err("missing.gguf").find("cannot open 'missing.gguf': no such file"), std::string::npos);
    EXPECT_NE(err("./nothere/x.gguf").find("no such file"), std::string::npos);
    EXPECT_NE(err("qwen2.5:7b").find("not found"), std::string::npos);
    EXPECT_NE(err("bad name").find("invalid model name"), std::string::npos);
}

TEST_F(StoreOps, DamagedManifestIsSkippedByListAndNamedByGet) {
    create("good", "FROM " + stories + "\n");
    std::filesystem::create_directories(st->root() + "/manifests/local/library/broken");
    test::write_bytes(st->root() + "/manifests/local/library/broken/latest", "{not json");
    EXPECT_EQ(st->list().size(), 1u);
    try {
        st->get("broken");
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("not JSON"), std::string::npos);
    }
    EXPECT_THROW(st->gc(), Error);  // never guesses which blobs a damaged manifest used
    st->remove("broken");
    EXPECT_EQ(st->gc().n_blobs, 0);
    EXPECT_TRUE(st->exists("good"));
}

}  // namespace
}  // namespace snug::store
