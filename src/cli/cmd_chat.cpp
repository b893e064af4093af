// cli/cmd_chat.cpp: `snug run MODEL` without -p — an interactive chat in the terminal, like `ollama run`. The
// history is rendered with the model's chat template every turn and runs on the same runner the server uses, so
// each turn reuses the KV blocks of the conversation so far instead of recomputing it.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/planned_load.h"
#include "engine/runner.h"
#include "planner/host_memory.h"
#include "server/chat_format.h"
#include "server/model_info.h"
#include "store/store.h"
#include "tokenizer/tokenizer.h"

namespace snug::cli {
namespace {

constexpr const char* HELP = R"(commands:
  /bye      leave
  /clear    forget the conversation
  /?        this text
Multi-line input: start and end it with """
)";

// One user turn: a line, or several between """ ... """. Returns false at end of input.
bool read_turn(std::string& out) {
    out.clear();
    std::string line;
    if (!std::getline(std::cin, line)) return false;
    if (line.rfind("\"\"\"", 0) != 0) {
        out = line;
        return true;
    }
    line.erase(0, 3);
    for (;;) {
        const size_t end = line.find("\"\"\"");
        if (end != std::string::npos) {
            out += line.substr(0, end);
            return true;
        }
        out += line + "\n";
        std::fputs("... ", stdout);
        std::fflush(stdout);
        if (!std::getline(std::cin, line)) return true;
    }
}

}  // namespace

int cmd_chat(const std::string& model, const Argv& argv) {
    const uint64_t baseline = planner::process_resident_bytes();
    const Args a(argv, {"--ctx", "--threads", "--temperature", "--seed", "--system", "--kv-type"}, {},
                 {{"-c", "--ctx"}, {"-t", "--threads"}});
    const server::Catalog catalog(store::Store::default_root(), "");
    const server::ModelSource src = catalog.resolve(model);
    EngineOptions eo;
    eo.n_ctx = a.int_or("--ctx", 0);
    eo.n_threads = a.int_or("--threads", 0);
    eo.max_sequences = 2;
    eo.max_full_contexts = 1;
    if (const auto kv = a.value("--kv-type")) eo.kv_type = parse_kv_type(*kv);
    PlannedEngine planned = load_planned(src.gguf_path, src.name, eo, baseline);
    std::fprintf(stderr, "%s\n", planner::plan_line(planned.plan.plan).c_str());
    auto engine = std::move(planned.engine);
    const server::ChatFormat chat = server::ChatFormat::for_model(*engine, src.chat_template);
    const Tokenizer& tok = engine->tokenizer();
    const int n_ctx = engine->n_ctx();
    Runner runner(std::move(engine), RunnerOptions{1, 4, 1});

    SamplingParams sp;
    server::GenOptions defaults;
    server::apply_options(src.params, defaults);
    sp = defaults.sampling;
    sp.temperature = static_cast<float>(a.float_or("--temperature", sp.temperature));
    const int64_t seed = a.int64_or("--seed", -1);
    if (seed >= 0) sp.seed = static_cast<uint64_t>(seed);

    nlohmann::ordered_json history = nlohmann::ordered_json::array();
    const std::string system = a.value("--system").value_or(src.system);
    if (!system.empty()) history.push_back({{"role", "system"}, {"content", system}});
    const size_t n_system = history.size();
    std::fprintf(stderr, "snug: %s, context %d. /? for help, /bye to leave.\n", src.name.c_str(), n_ctx);
    std::string input;
    for (;;) {
        std::fputs(">>> ", stdout);
        std::fflush(stdout);
        if (!read_turn(input)) break;
        if (input == "/bye") break;
        if (input == "/?" || input == "/help") {
            std::fputs(HELP, stdout);
            continue;
        }
        if (input == "/clear") {
            history.erase(history.begin() + static_cast<std::ptrdiff_t>(n_system), history.end());
            std::puts("(conversation cleared)");
            continue;
        }
        if (input.empty()) continue;
        history.push_back({{"role", "user"}, {"content", input}});
        std::vector<int32_t> prompt = tok.encode(chat.render(history, nullptr, true), true, true);
        // Keep the newest turns that fit with room to answer; the system prompt always stays.
        while (static_cast<int>(prompt.size()) > n_ctx * 3 / 4 && history.size() > n_system + 1) {
            history.erase(history.begin() + static_cast<std::ptrdiff_t>(n_system));
            prompt = tok.encode(chat.render(history, nullptr, true), true, true);
        }
        RunRequest req;
        req.prompt = std::move(prompt);
        req.sampling = sp;
        req.stop = defaults.stop;
        req.n_predict = defaults.num_predict;
        std::shared_ptr<RequestHandle> h;
        try {
            h = runner.submit(std::move(req));
        } catch (const Error& e) {
            std::fprintf(stderr, "error: %s\n", e.what());
            history.erase(history.end() - 1);
            continue;
        }
        std::string answer;
        RunEvent ev;
        while (h->next(ev, std::chrono::hours(24))) {
            if (ev.kind == RunEvent::TEXT) {
                answer += ev.text;
                std::fwrite(ev.text.data(), 1, ev.text.size(), stdout);
                std::fflush(stdout);
            } else {
                if (ev.kind == RunEvent::ERROR) std::fprintf(stderr, "\nerror: %s", ev.text.c_str());
                break;
            }
        }
        std::puts("\n");
        history.push_back({{"role", "assistant"}, {"content", answer}});
    }
    return 0;
}

}  // namespace snug::cli
