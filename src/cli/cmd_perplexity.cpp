// cli/cmd_perplexity.cpp: `snug perplexity`: llama.cpp-compatible perplexity of a text file.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "engine/engine.h"
#include "engine/scoring.h"
#include "tokenizer/tokenizer.h"

namespace snug::cli {

int cmd_perplexity(const Argv& argv) {
    const Args a(argv, {"--ctx", "--threads", "--batch", "--kv-type"}, {"--json"},
                 {{"-c", "--ctx"}, {"-t", "--threads"}});
    if (a.positionals().size() != 2)
        throw Error("usage: snug perplexity MODEL.gguf FILE [--ctx N] [--kv-type f32|f16|q8_0|q4_0] [--json]");
    const int chunk = a.int_or("--ctx", 512);
    if (chunk < 2) throw Error("--ctx must be at least 2, got " + std::to_string(chunk));
    EngineOptions eo;
    eo.n_threads = a.int_or("--threads", 0);
    eo.n_ctx = chunk;
    eo.n_batch = a.int_or("--batch", chunk);
    if (const auto kv = a.value("--kv-type")) eo.kv_type = parse_kv_type(*kv);
    auto engine = Engine::load(a.positionals()[0], eo);
    const std::string text = read_text_file(a.positionals()[1]);
    const std::vector<int32_t> ids = engine->tokenizer().encode(text, true, true);
    const PerplexityResult r = perplexity(*engine, ids, chunk);
    if (a.flag("--json")) {
        nlohmann::json j{{"ppl", r.ppl}, {"chunks", r.n_chunks}, {"n_tokens", ids.size()}, {"ctx", chunk},
                         {"nll_stderr", r.nll_stderr}, {"running_ppl", r.running_ppl}};
        std::printf("%s\n", j.dump().c_str());
    } else {
        for (size_t c = 0; c < r.running_ppl.size(); ++c) std::printf("[%zu]%.4f ", c + 1, r.running_ppl[c]);
        std::printf("\nperplexity: %.4f over %d chunks of %d tokens\n", r.ppl, r.n_chunks, chunk);
    }
    return 0;
}

}  // namespace snug::cli
