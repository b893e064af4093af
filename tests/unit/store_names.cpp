// tests/unit/store_names.cpp: model names and digests: what parses, how it is shown, and a table of attempts to
// escape the store (traversal, absolute paths, odd characters) that must all be refused.
#include <gtest/gtest.h>

#include <string>

#include "base/error.h"
#include "store/names.h"

namespace snug::store {
namespace {

TEST(ModelName, DefaultsAndDisplay) {
    struct Case {
        const char* text;
        const char* host;
        const char* ns;
        const char* model;
        const char* tag;
        const char* display;
    } cases[] = {
        {"qwen", "local", "library", "qwen", "latest", "qwen:latest"},
        {"qwen2.5:0.5b", "local", "library", "qwen2.5", "0.5b", "qwen2.5:0.5b"},
        {"me/my-model:v1_final", "local", "me", "my-model", "v1_final", "me/my-model:v1_final"},
        {"hf.co/bartowski/Qwen-GGUF:Q4_K_M", "hf.co", "bartowski", "Qwen-GGUF", "Q4_K_M",
         "hf.co/bartowski/Qwen-GGUF:Q4_K_M"},
        {"HuggingFace.co/o/r", "hf.co", "o", "r", "latest", "hf.co/o/r:latest"},
        {"translategemma:4b-q4_K_M", "local", "library", "translategemma", "4b-q4_K_M", "translategemma:4b-q4_K_M"},
        {"x:_private", "local", "library", "x", "_private", "x:_private"},
    };
    for (const auto& c : cases) {
        const ModelName n = parse_model_name(c.text);
        EXPECT_EQ(n.host, c.host) << c.text;
        EXPECT_EQ(n.ns, c.ns) << c.text;
        EXPECT_EQ(n.model, c.model) << c.text;
        EXPECT_EQ(n.tag, c.tag) << c.text;
        EXPECT_EQ(n.display(), c.display) << c.text;
        EXPECT_EQ(parse_model_name(n.display()), n) << "display() parses back to the same name";
    }
    EXPECT_EQ(parse_model_name("qwen").relative_path(), "local/library/qwen/latest");
}

TEST(ModelName, EscapesAndOddInputsAreRefused) {
    const std::string long_part(97, 'a');
    const char* cases[] = {
        "",             "..",            "../x",          "x/../y",        "/etc/passwd",    "x:../y",
        "x:..",         "a/b/c/d",       "a//b",          "a/",            "/a",             "x:",
        ":tag",         "x:a:b",         ".hidden",       "-dash",         "x y",            "x\\y",
        "x\ty",         "C:\\model",     "x?y",           "x*",            "x%2e%2e",        "caf\xc3\xa9",
        "x/y\n",        "a..b",          "x:t/../../z",   "h..co/n/m",     "~/model",        "x;rm -rf",
    };
    for (const char* c : cases) EXPECT_THROW(parse_model_name(c), Error) << "'" << c << "'";
    EXPECT_THROW(parse_model_name(std::string("x\0y", 3)), Error);
    EXPECT_THROW(parse_model_name(long_part), Error);
    EXPECT_THROW(parse_model_name("x:" + std::string(81, 't')), Error);
    EXPECT_THROW(parse_model_name(std::string(301, 'a')), Error);
    EXPECT_NO_THROW(parse_model_name(std::string(96, 'a')));
}

TEST(ModelName, ErrorsNameTheProblem) {
    try {
        parse_model_name("../../etc:passwd");
        FAIL();
    } catch (const Error& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("invalid model name"), std::string::npos) << m;
        EXPECT_NE(m.find("../../etc:passwd"), std::string::npos) << m;
    }
}

TEST(Digest, CanonicalForm) {
    const std::string hex = "270cba1bd5109f42aabbccddeeff00112233445566778899aabbccddeeff0011";
    EXPECT_EQ(parse_digest("sha256:" + hex), "sha256:" + hex);
    EXPECT_EQ(parse_digest("sha256-" + hex), "sha256:" + hex);
    std::string upper = hex;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_EQ(parse_digest("sha256:" + upper), "sha256:" + hex);
    EXPECT_EQ(digest_hex(parse_digest("sha256:" + hex)), hex);
}

TEST(Digest, MalformedDigestsAreRefused) {
    const std::string hex(64, 'a');
    const std::string cases[] = {
        "",
        hex,
        "sha256:" + hex.substr(1),
        "sha256:" + hex + "a",
        "sha256:" + hex.substr(0, 63) + "g",
        "sha512:" + hex,
        "sha256/" + hex,
        "sha256:../../../../etc/passwd" + hex.substr(0, 36),
        "sha256:" + hex.substr(0, 62) + "/.",
        "SHA256:" + hex,
        " sha256:" + hex,
        "sha256:" + hex.substr(0, 63) + "\n",
        "md5:d41d8cd98f00b204e9800998ecf8427e",
    };
    for (const auto& c : cases) EXPECT_THROW(parse_digest(c), Error) << "'" << c << "'";
}

}  // namespace
}  // namespace snug::store
