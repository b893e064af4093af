// cli/cmd_serve.cpp: `snug serve` — the HTTP server until SIGINT/SIGTERM. Settings come from the environment
// (SNUG_HOST, SNUG_MODELS, ...; see docs/server.md); flags override the common ones.
#include <csignal>
#include <cstdio>
#include <thread>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "cli/args.h"
#include "cli/commands.h"
#include "planner/host_memory.h"
#include "server/http_server.h"
#include "server/model_info.h"
#include "store/store.h"

namespace snug::cli {
namespace {
volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }
}  // namespace

int cmd_serve(const Argv& argv) {
#ifdef __GLIBC__
    // One malloc arena for every thread: with one per HTTP worker, what a request's parsing and tokenization free in
    // a worker's arena stays resident there while the runner's KV blocks grow in another, 1 MiB or more per worker
    // beyond the memory plan. Nothing allocates on the decode path, so the shared arena costs no speed.
    mallopt(M_ARENA_MAX, 1);
#endif
    const uint64_t baseline = planner::process_resident_bytes();  // before any model: every plan counts it
    const Args a(argv, {"--host", "--port", "--model-dir", "--parallel"}, {}, {});
    if (!a.positionals().empty()) throw Error("usage: snug serve [--host H] [--port P] [--model-dir DIR] [--parallel N]");
    server::ServerConfig cfg = server::config_from_env();
    if (const auto h = a.value("--host")) cfg.host = *h;
    cfg.port = a.int_or("--port", cfg.port);
    if (const auto d = a.value("--model-dir")) cfg.models_dir = *d;
    cfg.manager.n_parallel = a.int_or("--parallel", cfg.manager.n_parallel);
    if (cfg.manager.n_parallel < 1) throw Error("--parallel must be at least 1");
    cfg.manager.baseline_bytes = baseline + server::SERVE_EXTRA_BYTES;
    auto catalog = std::make_shared<server::Catalog>(store::Store::default_root(), cfg.models_dir);
    server::HttpServer http(cfg, catalog);
    const int port = http.bind();
    std::fprintf(stderr, "snug serve: listening on http://%s:%d (store %s%s%s), %d parallel sequences per model\n",
                 cfg.host.c_str(), port, store::Store::default_root().c_str(), cfg.models_dir.empty() ? "" : ", files in ",
                 cfg.models_dir.c_str(), cfg.manager.n_parallel);
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::signal(SIGPIPE, SIG_IGN);  // a vanished client is a failed write, not the end of the server
    std::thread watcher([&http] {
        while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
        http.stop();
    });
    http.serve();
    g_stop = 1;
    watcher.join();
    std::fprintf(stderr, "snug serve: stopped\n");
    return 0;
}

}  // namespace snug::cli
