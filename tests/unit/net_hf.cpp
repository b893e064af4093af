// tests/unit/net_hf.cpp: the Hugging Face resolver's pure parts: reference parsing, file choice, URLs, and which
// hosts receive HF_TOKEN.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "base/error.h"
#include "net/hf.h"

namespace snug::net {
namespace {

// Sets an environment variable for one test and restores it afterwards.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const char* value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        if (value) ::setenv(name, value, 1);
        else ::unsetenv(name);
    }
    ~ScopedEnv() {
        if (old_) ::setenv(name_, old_->c_str(), 1);
        else ::unsetenv(name_);
    }

private:
    const char* name_;
    std::optional<std::string> old_;
};

TEST(HfRef, ParsesOwnerRepoAndQuant) {
    auto r = parse_hf_ref("hf.co/bartowski/Qwen2.5-0.5B-Instruct-GGUF:Q4_K_M");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->owner, "bartowski");
    EXPECT_EQ(r->repo, "Qwen2.5-0.5B-Instruct-GGUF");
    EXPECT_EQ(r->quant, "Q4_K_M");
    EXPECT_EQ(r->repo_id(), "bartowski/Qwen2.5-0.5B-Instruct-GGUF");

    r = parse_hf_ref("huggingface.co/unsloth/gemma-3-4b-it-GGUF");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->owner, "unsloth");
    EXPECT_EQ(r->quant, "");
    EXPECT_TRUE(parse_hf_ref("HF.CO/a/b:iq4_xs"));
}

TEST(HfRef, OtherSourcesAreNotHuggingFace) {
    for (const char* s : {"qwen:latest", "https://hf.co/a/b", "hf.com/a/b", "xhf.co/a/b", "./hf.co/a/b", ""})
        EXPECT_FALSE(parse_hf_ref(s)) << s;
}

TEST(HfRef, MalformedReferencesAreRejected) {
    for (const char* s : {"hf.co/", "hf.co/a", "hf.co/a/", "hf.co/a/b/c", "hf.co/../b", "hf.co/a/..", "hf.co/a/b:",
                          "hf.co/a/b:Q4 K", "hf.co/a b/c", "hf.co/.a/b", "hf.co/a/-b", "hf.co/a/b%2f..",
                          "hf.co/a/b:../../x", "hf.co/a\\b/c", "hf.co//b"}) {
        EXPECT_THROW(parse_hf_ref(s), Error) << s;
    }
    try {
        parse_hf_ref("hf.co/owner");
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("repository"), std::string::npos) << e.what();
    }
}

std::vector<HfFile> listing(const std::vector<std::string>& names) {
    std::vector<HfFile> files;
    for (const auto& n : names) files.push_back({n, 100, "", ""});
    return files;
}

std::string pick(const std::string& quant, const std::vector<std::string>& names) {
    HfRef ref{"o", "r", quant};
    return hf_pick_files(ref, listing(names)).model.name;
}

std::string pick_error(const std::string& quant, const std::vector<std::string>& names) {
    try {
        pick(quant, names);
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

const std::vector<std::string> REPO = {"README.md",           "model-Q4_K_M.gguf", "model-Q4_K_S.gguf",
                                       "model-IQ4_XS.gguf",   "model-Q8_0.gguf",   "model-f16.gguf",
                                       "mmproj-model-f16.gguf", "config.json"};

TEST(HfPick, DefaultQuantIsQ4KM) { EXPECT_EQ(pick("", REPO), "model-Q4_K_M.gguf"); }

TEST(HfPick, QuantMatchesCaseInsensitively) {
    EXPECT_EQ(pick("q8_0", REPO), "model-Q8_0.gguf");
    EXPECT_EQ(pick("F16", REPO), "model-f16.gguf");  // the projector, also "f16", is never the model
    EXPECT_EQ(pick("iq4_xs", REPO), "model-IQ4_XS.gguf");
}

TEST(HfPick, QuantMustBeAWholeToken) {
    // "Q4_K" is a prefix of Q4_K_M and Q4_K_S; "Q4_0"-style tokens must not match inside "IQ4_0".
    EXPECT_NE(pick_error("Q4_K", REPO).find("no GGUF file for quant Q4_K"), std::string::npos);
    EXPECT_NE(pick_error("Q4_0", {"m-IQ4_0.gguf"}).find("no GGUF file"), std::string::npos);
    EXPECT_EQ(pick("Q4_K_M", {"Model.Q4_K_M.gguf"}), "Model.Q4_K_M.gguf");
    EXPECT_EQ(pick("Q4_K_M", {"Q4_K_M/model_Q4_K_M.gguf"}), "Q4_K_M/model_Q4_K_M.gguf");
}

TEST(HfPick, MissingQuantListsWhatIsThere) {
    const std::string e = pick_error("Q5_K_M", REPO);
    EXPECT_NE(e.find("hf.co/o/r"), std::string::npos) << e;
    EXPECT_NE(e.find("model-Q8_0.gguf"), std::string::npos) << e;
    EXPECT_NE(pick_error("", {"README.md"}).find("no GGUF file"), std::string::npos);
}

TEST(HfPick, SingleFileRepositoryNeedsNoQuant) {
    EXPECT_EQ(pick("", {"tiny.gguf", "README.md"}), "tiny.gguf");
    EXPECT_NE(pick_error("Q8_0", {"tiny.gguf"}), "");  // an explicit quant must match
}

TEST(HfPick, SplitFilesAreNotSupported) {
    const std::string e = pick_error("Q4_K_M", {"big-Q4_K_M-00001-of-00002.gguf", "big-Q4_K_M-00002-of-00002.gguf"});
    EXPECT_NE(e.find("not supported"), std::string::npos) << e;
    EXPECT_EQ(pick("Q4_K_M", {"big-Q4_K_M-00001-of-00002.gguf", "big-Q4_K_M.gguf"}), "big-Q4_K_M.gguf");
}

TEST(HfPick, SeveralMatchesPreferTheExactSuffix) {
    EXPECT_EQ(pick("Q4_K_M", {"m-Q4_K_M-imat.gguf", "m-Q4_K_M.gguf"}), "m-Q4_K_M.gguf");
    EXPECT_NE(pick_error("Q4_K_M", {"a-Q4_K_M-x.gguf", "b-Q4_K_M-y.gguf"}).find("several files"), std::string::npos);
}

TEST(HfPick, ProjectorChoice) {
    HfRef ref{"o", "r", "Q8_0"};
    auto sel = hf_pick_files(ref, listing(REPO));
    ASSERT_TRUE(sel.projector);
    EXPECT_EQ(sel.projector->name, "mmproj-model-f16.gguf");
    sel = hf_pick_files(ref, listing({"m-Q8_0.gguf", "mmproj-BF16.gguf", "mmproj-F16.gguf", "mmproj-Q8_0.gguf"}));
    EXPECT_EQ(sel.projector->name, "mmproj-Q8_0.gguf");
    sel = hf_pick_files({"o", "r", "Q4_K_M"}, listing({"m-Q4_K_M.gguf", "mmproj-BF16.gguf", "mmproj-F16.gguf"}));
    EXPECT_EQ(sel.projector->name, "mmproj-F16.gguf");
    sel = hf_pick_files({"o", "r", ""}, listing({"m-Q4_K_M.gguf"}));
    EXPECT_FALSE(sel.projector);
}

TEST(HfUrl, EndpointAndEncoding) {
    ScopedEnv a("SNUG_HF_ENDPOINT", nullptr), b("HF_ENDPOINT", nullptr);
    const HfRef ref{"o", "r", ""};
    EXPECT_EQ(hf_endpoint(), "https://huggingface.co");
    EXPECT_EQ(hf_file_url(ref, "dir/a b+c.gguf"), "https://huggingface.co/o/r/resolve/main/dir/a%20b%2Bc.gguf");
    ScopedEnv c("HF_ENDPOINT", "https://mirror.example/");
    EXPECT_EQ(hf_endpoint(), "https://mirror.example");
    ScopedEnv d("SNUG_HF_ENDPOINT", "http://127.0.0.1:9");
    EXPECT_EQ(hf_endpoint(), "http://127.0.0.1:9");  // SNUG_HF_ENDPOINT wins
    ScopedEnv e("SNUG_HF_ENDPOINT", "ftp://x");
    EXPECT_THROW(hf_endpoint(), Error);
}

TEST(HfToken, GoesOnlyToTheHub) {
    ScopedEnv t("HF_TOKEN", "hf_secret"), a("SNUG_HF_ENDPOINT", "http://127.0.0.1:4567"), b("HF_ENDPOINT", nullptr);
    const std::string bearer = "Authorization: Bearer hf_secret";
    for (const char* url : {"https://huggingface.co/api/models/a/b", "https://hf.co/a/b/resolve/main/x.gguf",
                            "https://cdn-lfs.huggingface.co/x", "http://127.0.0.1:4567/a/b/resolve/main/x.gguf"})
        EXPECT_EQ(hf_auth_header(url).value_or(""), bearer) << url;
    for (const char* url : {"https://evil.example/x", "https://huggingface.co.evil.example/x", "https://evilhf.co/x",
                            "https://huggingface.co@evil.example/x", "http://127.0.0.1:4568/x", "not a url"})
        EXPECT_FALSE(hf_auth_header(url)) << url;
    ScopedEnv none("HF_TOKEN", nullptr);
    EXPECT_FALSE(hf_auth_header("https://huggingface.co/x"));
}

}  // namespace
}  // namespace snug::net
