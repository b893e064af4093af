// tests/unit/store_modelfile.cpp: Modelfile parsing (instructions, quoting, comments, typed parameters, errors
// with line numbers) and the writer's round trip.
#include <gtest/gtest.h>

#include <string>

#include "base/error.h"
#include "store/modelfile.h"

namespace snug::store {
namespace {

std::string parse_error(const std::string& text) {
    try {
        parse_modelfile(text);
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

TEST(Modelfile, FullExample) {
    const ModelSpec s = parse_modelfile(R"(# a comment
FROM ./model.gguf
from   llama3.2

PARAMETER temperature 0.7
PARAMETER num_ctx 4096
PARAMETER stop "<|im_end|>"
PARAMETER stop <|endoftext|>
PARAMETER use_mmap false
parameter seed -1
TEMPLATE """{{ if .System }}<|im_start|>system
{{ .System }}<|im_end|>
{{ end }}"""
SYSTEM You are Mario from "Super Mario Bros".
MESSAGE user Is Toronto in Canada?
MESSAGE assistant yes
LICENSE """
MIT License
"""
LICENSE "second license"
)");
    ASSERT_EQ(s.from.size(), 2u);
    EXPECT_EQ(s.from[0], "./model.gguf");
    EXPECT_EQ(s.from[1], "llama3.2");
    EXPECT_EQ(s.params["temperature"], 0.7);
    EXPECT_TRUE(s.params["num_ctx"].is_number_integer());
    EXPECT_EQ(s.params["num_ctx"], 4096);
    EXPECT_EQ(s.params["stop"], nlohmann::json({"<|im_end|>", "<|endoftext|>"}));
    EXPECT_EQ(s.params["use_mmap"], false);
    EXPECT_EQ(s.params["seed"], -1);
    EXPECT_EQ(*s.template_text, "{{ if .System }}<|im_start|>system\n{{ .System }}<|im_end|>\n{{ end }}");
    EXPECT_EQ(*s.system, "You are Mario from \"Super Mario Bros\".");  // a bare value keeps its inner quotes
    ASSERT_TRUE(s.messages);
    ASSERT_EQ(s.messages->size(), 2u);
    EXPECT_EQ((*s.messages)[0], (Message{"user", "Is Toronto in Canada?"}));
    EXPECT_EQ((*s.messages)[1], (Message{"assistant", "yes"}));
    ASSERT_TRUE(s.license);
    EXPECT_EQ(*s.license, (std::vector<std::string>{"\nMIT License\n", "second license"}));
}

TEST(Modelfile, QuotingAndWhitespace) {
    ModelSpec s = parse_modelfile("FROM m\r\nSYSTEM \"a \\\"quoted\\\" \\\\ word\"\r\n");
    EXPECT_EQ(*s.system, "a \"quoted\" \\ word");
    s = parse_modelfile("FROM m\nSYSTEM \"two\nlines\"\nTEMPLATE \"\"\"\"\"\"\n");
    EXPECT_EQ(*s.system, "two\nlines");
    EXPECT_EQ(*s.template_text, "");
    s = parse_modelfile("  FROM   m   \n\tSYSTEM\t  trailing spaces go   \n");
    EXPECT_EQ(s.from[0], "m");
    EXPECT_EQ(*s.system, "trailing spaces go");
    s = parse_modelfile("FROM m\nSYSTEM \"\"\"keeps \\n and \"quotes\" verbatim\"\"\"\n");
    EXPECT_EQ(*s.system, "keeps \\n and \"quotes\" verbatim");
    EXPECT_TRUE(s.params.empty());
    EXPECT_FALSE(s.messages);
}

TEST(Modelfile, LegacyParametersAreCheckedThenIgnored) {
    const ModelSpec s = parse_modelfile("FROM m\nPARAMETER mirostat 0\nPARAMETER penalize_newline true\n");
    EXPECT_TRUE(s.params.empty());
    EXPECT_EQ(s.ignored_params, (std::vector<std::string>{"mirostat", "penalize_newline"}));
    EXPECT_NE(parse_error("FROM m\nPARAMETER mirostat fast\n").find("integer"), std::string::npos);
}

TEST(Modelfile, ErrorsNameTheLineAndTheProblem) {
    struct Case {
        const char* text;
        const char* expected;  // substring of the message
    } cases[] = {
        {"SYSTEM hi\n", "no FROM"},
        {"", "no FROM"},
        {"FROM m\nADAPTER ./lora.gguf\n", "line 2: ADAPTER"},
        {"FROM m\nADAPTER ./lora.gguf\n", "not supported yet"},
        {"FROM m\n\nQUANTIZE q4\n", "line 3: unknown instruction 'QUANTIZE'"},
        {"FROM\n", "line 1: FROM needs a value"},
        {"FROM m\nPARAMETER\n", "line 2: PARAMETER needs"},
        {"FROM m\nPARAMETER num_ctx\n", "PARAMETER num_ctx needs a value"},
        {"FROM m\nPARAMETER num_ctx 4096.5\n", "num_ctx: expected an integer, got '4096.5'"},
        {"FROM m\nPARAMETER num_ctx 4k\n", "expected an integer"},
        {"FROM m\nPARAMETER temperature hot\n", "temperature: expected a finite number"},
        {"FROM m\nPARAMETER temperature nan\n", "finite number"},
        {"FROM m\nPARAMETER temperature inf\n", "finite number"},
        {"FROM m\nPARAMETER use_mmap maybe\n", "true or false"},
        {"FROM m\nPARAMETER top_q 1\n", "unknown parameter 'top_q'"},
        {"FROM m\nPARAMETER stop \"\"\n", "non-empty"},
        {"FROM m\nSYSTEM \"\"\"never closed\n", "line 2: unterminated \"\"\""},
        {"FROM m\n\nSYSTEM \"open\n", "line 3: unterminated \""},
        {"FROM m\nSYSTEM \"done\" extra\n", "unexpected text after the closing quote"},
        {"FROM m\nMESSAGE robot hi\n", "MESSAGE role must be system, user or assistant"},
        {"FROM m\nMESSAGE user\n", "MESSAGE user needs a value"},
        {"FROM m\nSYSTEM \xff\xfe\n", "not valid UTF-8"},
    };
    for (const auto& c : cases) {
        const std::string e = parse_error(c.text);
        EXPECT_NE(e.find(c.expected), std::string::npos) << "text: " << c.text << "\nerror: " << e;
    }
}

TEST(Modelfile, RequiresIsIgnored) {
    EXPECT_EQ(parse_modelfile("FROM m\nREQUIRES 0.14.0\n").from.size(), 1u);
}

TEST(Modelfile, WriterRoundTrips) {
    ModelSpec s;
    s.from = {"/store/blobs/sha256-00", " /a path/with blanks "};
    s.params = {{"num_ctx", 8192}, {"temperature", 0.25}, {"stop", {"<|im_end|>", "say \"hi\""}}, {"use_mmap", true}};
    s.template_text = "{{ .Prompt }}\nwith \"\"\" inside";
    s.system = "ends in a quote\"";
    s.messages = std::vector<Message>{{"user", "multi\nline"}, {"assistant", "back\\slash"}};
    s.license = std::vector<std::string>{"Apache-2.0", ""};
    const std::string text = format_modelfile(s, {"generated", "by a test"});
    EXPECT_EQ(text.rfind("# generated\n# by a test\n\nFROM /store/blobs/sha256-00\n", 0), 0u) << text;
    EXPECT_NE(text.find("PARAMETER stop \"say \\\"hi\\\"\"\n"), std::string::npos) << text;
    const ModelSpec back = parse_modelfile(text);
    EXPECT_EQ(back.from, s.from);
    EXPECT_EQ(back.params, s.params);
    EXPECT_EQ(back.template_text, s.template_text);
    EXPECT_EQ(back.system, s.system);
    EXPECT_EQ(back.messages, s.messages);
    EXPECT_EQ(back.license, s.license);
}

TEST(Parameters, JsonChecks) {
    std::vector<std::string> ignored;
    const auto p = check_parameters(
        {{"temperature", 1}, {"num_ctx", 2048.0}, {"stop", "END"}, {"numa", false}, {"top_k", 40}}, &ignored);
    EXPECT_EQ(p["temperature"], 1.0);
    EXPECT_TRUE(p["num_ctx"].is_number_integer());
    EXPECT_EQ(p["stop"], nlohmann::json::array({"END"}));
    EXPECT_FALSE(p.contains("numa"));
    EXPECT_EQ(ignored, std::vector<std::string>{"numa"});
    EXPECT_THROW(check_parameters({{"num_ctx", 2048.5}}), Error);
    EXPECT_THROW(check_parameters({{"num_ctx", "2048"}}), Error);
    EXPECT_THROW(check_parameters({{"temperature", "0.5"}}), Error);
    EXPECT_THROW(check_parameters({{"use_mmap", 1}}), Error);
    EXPECT_THROW(check_parameters({{"stop", {"a", 1}}}), Error);
    EXPECT_THROW(check_parameters({{"stop", nlohmann::json::object()}}), Error);
    EXPECT_THROW(check_parameters({{"bogus", 1}}), Error);
    EXPECT_THROW(check_parameters(nlohmann::json::array()), Error);
    EXPECT_EQ(check_parameters(nullptr), nlohmann::json::object());
}

TEST(CreateRequest, JsonBodyBecomesASpec) {
    const std::string digest = "sha256:" + std::string(64, 'a');
    const nlohmann::json body = {{"model", "mario"},
                                 {"from", "llama3.2"},
                                 {"files", {{"model.gguf", digest}}},
                                 {"parameters", {{"temperature", 0.3}, {"stop", {"x"}}, {"numa", true}}},
                                 {"system", "You are Mario."},
                                 {"template", "{{ .Prompt }}"},
                                 {"messages", {{{"role", "user"}, {"content", "hi"}}}},
                                 {"license", "MIT"},
                                 {"stream", false}};
    const ModelSpec s = spec_from_create_request(body);
    EXPECT_EQ(s.from, (std::vector<std::string>{"llama3.2", digest}));
    EXPECT_EQ(s.params, nlohmann::json({{"temperature", 0.3}, {"stop", {"x"}}}));
    EXPECT_EQ(s.ignored_params, std::vector<std::string>{"numa"});
    EXPECT_EQ(*s.system, "You are Mario.");
    EXPECT_EQ(*s.template_text, "{{ .Prompt }}");
    EXPECT_EQ(*s.messages, (std::vector<Message>{{"user", "hi"}}));
    EXPECT_EQ(*s.license, std::vector<std::string>{"MIT"});
    EXPECT_FALSE(spec_from_create_request({{"from", "x"}}).system);  // absent fields stay unset
    EXPECT_EQ(spec_from_create_request({{"modelfile", "FROM base\nSYSTEM hi\n"}}).from[0], "base");
}

TEST(CreateRequest, BadBodiesAreNamed) {
    const auto err = [](const nlohmann::json& body) {
        try {
            spec_from_create_request(body);
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    EXPECT_NE(err({{"model", "x"}}).find("nothing to create from"), std::string::npos);
    EXPECT_NE(err({{"from", "x"}, {"quantize", "q4_K_M"}}).find("not supported yet"), std::string::npos);
    EXPECT_NE(err({{"from", "x"}, {"adapters", {{"a.gguf", "sha256:00"}}}}).find("not supported yet"),
              std::string::npos);
    EXPECT_NE(err({{"files", {{"m.gguf", "sha256:../../etc/passwd"}}}}).find("invalid digest"), std::string::npos);
    EXPECT_NE(err({{"files", {"sha256:00"}}}).find("\"files\""), std::string::npos);
    EXPECT_NE(err({{"from", 3}}).find("\"from\" must be a string"), std::string::npos);
    EXPECT_NE(err({{"from", "x"}, {"parameters", {{"num_ctx", "big"}}}}).find("num_ctx"), std::string::npos);
    EXPECT_NE(err({{"from", "x"}, {"messages", {{{"role", "robot"}}}}}).find("role must be"), std::string::npos);
    EXPECT_NE(err({{"from", "x"}, {"license", 5}}).find("license"), std::string::npos);
    EXPECT_NE(err(nlohmann::json::array()).find("JSON object"), std::string::npos);
    EXPECT_EQ(err({{"from", "x"}, {"quantize", ""}, {"adapters", nlohmann::json::object()}}), "");
}

TEST(Parameters, ShowFormat) {
    const std::string text = format_parameters({{"num_ctx", 4096}, {"stop", {"<|eot_id|>", "x"}}});
    EXPECT_EQ(text,
              "num_ctx                        4096\n"
              "stop                           \"<|eot_id|>\"\n"
              "stop                           \"x\"");
}

}  // namespace
}  // namespace snug::store
