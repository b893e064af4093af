// cli/cmd_run.cpp: `snug run MODEL -p TEXT`: load, render the prompt with the model's chat template (unless --raw),
// generate, stream to stdout. Without -p it opens the interactive chat (cmd_chat.cpp).
#include <cstdio>
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "cli/planned_load.h"
#include "server/chat_format.h"
#include "engine/engine.h"
#include "engine/generate.h"
#include "gguf/gguf.h"
#include "planner/host_memory.h"
#include "planner/plan_report.h"
#include "server/model_info.h"
#include "store/store.h"
#include "tokenizer/tokenizer.h"

namespace snug::cli {
namespace {
Argv argv_without_model(const Argv& argv, const std::string& model) {
    Argv out;
    bool dropped = false;
    for (const auto& s : argv) {
        if (!dropped && s == model) {
            dropped = true;
            continue;
        }
        out.push_back(s);
    }
    return out;
}
}  // namespace

int cmd_run(const Argv& argv) {
    const uint64_t baseline = planner::process_resident_bytes();  // before any model: the plan counts it
    const Args a(argv,
                 {"--prompt", "--n-predict", "--ctx", "--temperature", "--top-k", "--top-p", "--min-p", "--typical-p",
                  "--repeat-penalty", "--repeat-last-n", "--presence-penalty", "--frequency-penalty", "--seed",
                  "--threads", "--system", "--stop", "--batch", "--kv-type", "--gpu-layers"},
                 {"--raw", "--json", "--ignore-eos", "--verbose"},
                 {{"-p", "--prompt"}, {"-n", "--n-predict"}, {"-t", "--threads"}, {"-c", "--ctx"}, {"-s", "--seed"},
                  {"-ngl", "--gpu-layers"}});
    if (a.positionals().size() != 1) throw Error("usage: snug run MODEL [-p TEXT] [options] (see 'snug help')");
    const auto prompt = a.value("--prompt");
    if (!prompt) return cmd_chat(a.positionals()[0], argv_without_model(argv, a.positionals()[0]));
    const server::ModelSource src = server::Catalog(store::Store::default_root(), "").resolve(a.positionals()[0]);

    EngineOptions eo;
    eo.n_threads = a.int_or("--threads", 0);
    eo.n_ctx = a.int_or("--ctx", 0);
    eo.n_batch = a.int_or("--batch", 512);
    if (const auto kv = a.value("--kv-type")) eo.kv_type = parse_kv_type(*kv);
    std::optional<int> gpu_layers;  // unset: the plan's placement
    if (a.value("--gpu-layers")) gpu_layers = a.int_or("--gpu-layers", 0);
    PlannedEngine planned = load_planned(src.gguf_path, src.name, eo, baseline, gpu_layers);
    const planner::Plan& plan = planned.plan.plan;
    if (!a.flag("--json"))
        std::fprintf(stderr, "%s\n", a.flag("--verbose") ? planner::plan_table(plan, planned.plan.model, nullptr).c_str()
                                                         : planner::plan_line(plan).c_str());
    auto& engine = planned.engine;
    const Tokenizer& tok = engine->tokenizer();

    std::string text = *prompt;
    bool parse_special = true;
    if (!a.flag("--raw")) {
        nlohmann::ordered_json msgs = nlohmann::ordered_json::array();
        const std::string system = a.value("--system").value_or(src.system);
        if (!system.empty()) msgs.push_back({{"role", "system"}, {"content", system}});
        msgs.push_back({{"role", "user"}, {"content", *prompt}});
        text = server::ChatFormat::for_model(*engine, src.chat_template).render(msgs, nullptr, true);
    }
    const std::vector<int32_t> prompt_tokens = tok.encode(text, true, parse_special);
    if (static_cast<int>(prompt_tokens.size()) >= engine->n_ctx())
        throw Error("the prompt has " + std::to_string(prompt_tokens.size()) + " tokens but the context holds " +
                    std::to_string(engine->n_ctx()) + " (raise --ctx)");

    GenerateOptions go;
    go.n_predict = a.int_or("--n-predict", -1);
    go.ignore_eog = a.flag("--ignore-eos");
    auto& s = go.sampling;
    // Like llama.cpp's CLI, and unlike Ollama's API defaults, penalties are off unless asked for, so that
    // --temperature 0 is plain greedy decoding.
    s.repeat_penalty = 1.0f;
    s.temperature = static_cast<float>(a.float_or("--temperature", s.temperature));
    s.top_k = a.int_or("--top-k", s.top_k);
    s.top_p = static_cast<float>(a.float_or("--top-p", s.top_p));
    s.min_p = static_cast<float>(a.float_or("--min-p", s.min_p));
    s.typical_p = static_cast<float>(a.float_or("--typical-p", s.typical_p));
    s.repeat_penalty = static_cast<float>(a.float_or("--repeat-penalty", s.repeat_penalty));
    s.repeat_last_n = a.int_or("--repeat-last-n", s.repeat_last_n);
    s.presence_penalty = static_cast<float>(a.float_or("--presence-penalty", s.presence_penalty));
    s.frequency_penalty = static_cast<float>(a.float_or("--frequency-penalty", s.frequency_penalty));
    const int64_t seed = a.int64_or("--seed", -1);
    s.seed = seed < 0 ? SamplingParams::SEED_RANDOM : static_cast<uint64_t>(seed);
    if (const auto stop = a.value("--stop")) go.stop.push_back(*stop);

    const bool json = a.flag("--json");
    const int seq = engine->new_sequence();
    const GenerateResult r = generate(*engine, seq, prompt_tokens, go, [&](std::string_view piece) {
        if (!json) {
            std::fwrite(piece.data(), 1, piece.size(), stdout);
            std::fflush(stdout);
        }
        return true;
    });
    if (json) {
        nlohmann::json j;
        j["prompt_tokens"] = prompt_tokens;
        j["tokens"] = r.tokens;
        j["text"] = r.text;
        j["done_reason"] = r.done_reason;
        j["prompt_eval_duration_ns"] = r.prompt_ns;
        j["eval_duration_ns"] = r.generate_ns;
        j["plan"] = planner::plan_json(plan, planned.plan.model, nullptr);
        std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    } else {
        std::printf("\n");
        const double pp = r.prompt_ns > 0 ? 1e9 * r.prompt_tokens / static_cast<double>(r.prompt_ns) : 0.0;
        const double tg = r.generate_ns > 0 ? 1e9 * static_cast<double>(r.tokens.size()) / static_cast<double>(r.generate_ns) : 0.0;
        std::fprintf(stderr, "\n[%d prompt tokens at %.1f tok/s, %zu generated at %.1f tok/s, %s]\n", r.prompt_tokens,
                     pp, r.tokens.size(), tg, r.done_reason.c_str());
    }
    return 0;
}

}  // namespace snug::cli
