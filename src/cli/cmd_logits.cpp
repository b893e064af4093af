// cli/cmd_logits.cpp: `snug logits`: teacher-forced scores of a text, decoded in one pass.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "engine/engine.h"
#include "engine/scoring.h"
#include "tokenizer/tokenizer.h"

namespace snug::cli {

std::string read_text_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw Error("cannot read '" + path + "'");
    return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

int cmd_logits(const Argv& argv) {
    const Args a(argv, {"--text-file", "--text", "--top", "--n-tokens", "--threads", "--ctx"}, {"--json"},
                 {{"-t", "--threads"}});
    if (a.positionals().size() != 1) throw Error("usage: snug logits MODEL.gguf --text-file F [--top K] --json");
    std::string text;
    if (const auto f = a.value("--text-file")) text = read_text_file(*f);
    else if (const auto t = a.value("--text")) text = *t;
    else throw Error("missing --text-file F");
    const int top = a.int_or("--top", 10);
    if (top < 1) throw Error("--top must be at least 1");
    EngineOptions eo;
    eo.n_threads = a.int_or("--threads", 0);
    eo.n_ctx = a.int_or("--ctx", 0);
    auto engine = Engine::load(a.positionals()[0], eo);
    std::vector<int32_t> ids = engine->tokenizer().encode(text, true, true);
    const int limit = a.int_or("--n-tokens", 0);
    if (limit < 0) throw Error("--n-tokens must not be negative");
    if (limit > 0 && static_cast<int>(ids.size()) > limit) ids.resize(static_cast<size_t>(limit));
    if (static_cast<int>(ids.size()) > engine->n_ctx())
        throw Error("the text has " + std::to_string(ids.size()) + " tokens but the context holds " +
                    std::to_string(engine->n_ctx()) + " (raise --ctx or use --n-tokens)");
    const auto scores = score_tokens(*engine, ids, top);
    nlohmann::json j;
    j["tokens"] = ids;
    auto& positions = j["positions"] = nlohmann::json::array();
    for (const auto& s : scores) {
        nlohmann::json top_list = nlohmann::json::array();
        for (const auto& [id, logit] : s.top) top_list.push_back({id, logit});
        positions.push_back({{"pos", s.pos}, {"lse", s.lse}, {"top", top_list}});
    }
    std::printf("%s\n", j.dump().c_str());
    return 0;
}

}  // namespace snug::cli
