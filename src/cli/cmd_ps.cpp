// cli/cmd_ps.cpp: `snug ps` — the models a running `snug serve` has loaded (GET /api/ps), like `ollama ps`, plus
// snug's own columns: KV blocks in use and sequences running.
#include <httplib.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/args.h"
#include "cli/commands.h"
#include "server/http_server.h"

namespace snug::cli {
namespace {
std::string human_bytes(double b) {
    const char* units[] = {"B", "KB", "MB", "GB", "TB"};
    int u = 0;
    while (b >= 1000 && u < 4) b /= 1000, ++u;
    char buf[32];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", b, units[u]);
    return buf;
}
}  // namespace

int cmd_ps(const Argv& argv) {
    const Args a(argv, {}, {"--json"}, {});
    const server::ServerConfig cfg = server::config_from_env();
    const std::string host = cfg.host == "0.0.0.0" ? "127.0.0.1" : cfg.host;
    httplib::Client cli(host, cfg.port);
    cli.set_connection_timeout(std::chrono::seconds(3));
    if (!cfg.api_key.empty()) cli.set_bearer_token_auth(cfg.api_key.c_str());
    auto res = cli.Get("/api/ps");
    if (!res)
        throw Error("cannot reach snug serve at " + host + ":" + std::to_string(cfg.port) +
                    " (is it running? SNUG_HOST sets the address)");
    if (res->status != 200) throw Error("snug serve answered " + std::to_string(res->status) + ": " + res->body);
    const nlohmann::json j = nlohmann::json::parse(res->body, nullptr, false);
    if (j.is_discarded() || !j.contains("models")) throw Error("snug serve sent an unreadable /api/ps answer");
    if (a.flag("--json")) {
        std::printf("%s\n", j.dump(2).c_str());
        return 0;
    }
    std::printf("%-32s %-10s %-16s %-8s %-10s %-14s %s\n", "NAME", "SIZE", "PROCESSOR", "CONTEXT", "RUNNING", "KV BLOCKS",
                "UNTIL");
    for (const auto& m : j["models"]) {
        const double size = m.value("size", 0.0), vram = m.value("size_vram", 0.0);
        std::string proc = "100% CPU";
        if (size > 0 && vram >= size) proc = "100% GPU";
        else if (vram > 0) {
            const int gpu = static_cast<int>(vram * 100 / size + 0.5);
            proc = std::to_string(100 - gpu) + "%/" + std::to_string(gpu) + "% CPU/GPU";
        }
        const auto& s = m.value("snug", nlohmann::json::object());
        const std::string kv = std::to_string(s.value("kv_blocks_in_use", 0)) + "/" + std::to_string(s.value("kv_blocks_max", 0));
        std::printf("%-32s %-10s %-16s %-8d %-10d %-14s %s\n", m.value("name", "").c_str(), human_bytes(size).c_str(),
                    proc.c_str(), m.value("context_length", 0), s.value("sequences_running", 0), kv.c_str(),
                    m.value("expires_at", "").c_str());
    }
    return 0;
}

}  // namespace snug::cli
