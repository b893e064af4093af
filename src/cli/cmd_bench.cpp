// cli/cmd_bench.cpp: `snug bench`, like llama-bench: prompt processing and generation speed per thread count,
// mean ± sd over repetitions, the effective weight bandwidth of generation and the peak resident memory.
#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <numeric>
#include <random>

#include "base/error.h"
#include "base/thread_pool.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "engine/engine.h"
#include "gguf/gguf.h"

namespace snug::cli {
namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

struct Stat {
    double mean = 0, sd = 0;
};
Stat stats(const std::vector<double>& v) {
    Stat s;
    if (v.empty()) return s;
    s.mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
    double ss = 0;
    for (double x : v) ss += (x - s.mean) * (x - s.mean);
    s.sd = v.size() > 1 ? std::sqrt(ss / static_cast<double>(v.size() - 1)) : 0.0;
    return s;
}

// Bytes of weights one generated token reads: every tensor but the embedding table, of which a decode step reads
// one row — unless the output projection is tied to it, in which case all of it.
size_t weight_bytes_per_token(const gguf::File& f) {
    size_t total = 0;
    const bool tied = f.find_tensor("output.weight") == nullptr;
    for (const auto& t : f.tensors()) {
        if (t.name == "token_embd.weight" && !tied) {
            total += t.n_bytes / static_cast<size_t>(t.rows());
            continue;
        }
        total += t.n_bytes;
    }
    return total;
}

// Bytes of the layers [0, n_cpu) (blk.N.* tensors): what a token reads from host memory in a hybrid run, whose other
// layers and output head are on the GPU. The hybrid speed prediction of scripts/verify_cuda.sh rests on it.
size_t cpu_layer_bytes(const gguf::File& f, int n_cpu) {
    size_t total = 0;
    for (const auto& t : f.tensors()) {
        int il = -1;
        if (t.name.substr(0, 4) == "blk.") il = std::atoi(std::string(t.name.substr(4)).c_str());
        if (il >= 0 && il < n_cpu) total += t.n_bytes;
    }
    return total;
}

size_t peak_rss_bytes() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<size_t>(u.ru_maxrss) * 1024;
}

}  // namespace

int cmd_bench(const Argv& argv) {
    const Args a(argv, {"-p", "-n", "-t", "-r", "--batch", "--gpu-layers"}, {"--json"}, {{"-ngl", "--gpu-layers"}});
    if (a.positionals().size() != 1)
        throw Error("usage: snug bench MODEL.gguf [-p 512] [-n 128] [-t 1,2] [-r 3] [-ngl N (-1: all)] [--json]");
    const std::string path = a.positionals()[0];
    const int n_prompt = a.int_or("-p", 512);
    const int n_gen = a.int_or("-n", 128);
    const int reps = a.int_or("-r", 3);
    const std::vector<int> threads = a.int_list_or("-t", {default_thread_count()});
    if (n_prompt < 0 || n_gen < 0 || reps < 1) throw Error("-p and -n must be >= 0 and -r >= 1");
    for (int t : threads)
        if (t < 1 || t > 1024) throw Error("thread count " + std::to_string(t) + " is out of range");
    const bool json = a.flag("--json");
    if (!json)
        std::printf("| model | threads | test | t/s | GB/s (tg) |\n|---|---:|---|---:|---:|\n");

    for (int nt : threads) {
        EngineOptions eo;
        eo.n_threads = nt;
        eo.n_ctx = std::max(n_prompt + n_gen, 16);
        eo.n_batch = a.int_or("--batch", 512);
        eo.n_gpu_layers = a.int_or("--gpu-layers", 0);  // the last N layers and the output head on the GPU
        auto engine = Engine::load(path, eo);
        const size_t bytes_per_token = weight_bytes_per_token(engine->file());
        std::mt19937 rng(1234);
        std::uniform_int_distribution<int32_t> pick(0, engine->n_vocab() - 1);
        std::vector<int32_t> prompt(static_cast<size_t>(n_prompt));
        for (auto& t : prompt) t = pick(rng);
        // One untimed warm-up pass brings the weights into the page cache and sizes the scratch arena.
        {
            const int seq = engine->new_sequence();
            engine->eval(seq, std::vector<int32_t>{pick(rng), pick(rng)}, Logits::LAST);
            engine->free_sequence(seq);
        }
        std::vector<double> pp, tg;
        for (int r = 0; r < reps; ++r) {
            if (n_prompt > 0) {
                const int seq = engine->new_sequence();
                const auto t0 = std::chrono::steady_clock::now();
                engine->eval(seq, prompt, Logits::LAST);
                pp.push_back(n_prompt / seconds_since(t0));
                engine->free_sequence(seq);
            }
            if (n_gen > 0) {
                const int seq = engine->new_sequence();
                int32_t tok = pick(rng);
                const auto t0 = std::chrono::steady_clock::now();
                for (int i = 0; i < n_gen; ++i) {
                    engine->eval(seq, std::span<const int32_t>(&tok, 1), Logits::LAST);
                    tok = pick(rng);
                }
                tg.push_back(n_gen / seconds_since(t0));
                engine->free_sequence(seq);
            }
        }
        const Stat ps = stats(pp), ts = stats(tg);
        const double gbs = ts.mean * static_cast<double>(bytes_per_token) / 1e9;
        if (json) {
            nlohmann::json j{{"model", path},          {"threads", nt},         {"n_prompt", n_prompt},
                             {"n_gen", n_gen},         {"reps", reps},          {"pp_tok_s", ps.mean},
                             {"pp_tok_s_sd", ps.sd},   {"tg_tok_s", ts.mean},   {"tg_tok_s_sd", ts.sd},
                             {"tg_gb_s", gbs},         {"weight_bytes_per_token", bytes_per_token},
                             {"peak_rss_bytes", peak_rss_bytes()}, {"kv_bytes", engine->kv().bytes_allocated()},
                             {"scratch_bytes", engine->scratch_bytes()}, {"device", engine->device_summary()},
                             {"n_gpu_layers", engine->n_gpu_layers()}, {"n_layers", engine->config().n_layers},
                             {"cpu_weight_bytes_per_token",
                              engine->n_gpu_layers() > 0
                                  ? cpu_layer_bytes(engine->file(), engine->config().n_layers - engine->n_gpu_layers())
                                  : bytes_per_token}};
            std::printf("%s\n", j.dump().c_str());
        } else {
            // The model column names the device when any layer ran on a GPU.
            const std::string shown = engine->n_gpu_layers() > 0 ? path + " [" + engine->device_summary() + "]" : path;
            if (n_prompt > 0) std::printf("| %s | %d | pp%d | %.2f ± %.2f | |\n", shown.c_str(), nt, n_prompt, ps.mean, ps.sd);
            if (n_gen > 0)
                std::printf("| %s | %d | tg%d | %.2f ± %.2f | %.1f |\n", shown.c_str(), nt, n_gen, ts.mean, ts.sd, gbs);
        }
        std::fflush(stdout);
    }
    if (!json) std::printf("peak RSS %.1f MiB\n", static_cast<double>(peak_rss_bytes()) / (1 << 20));
    return 0;
}

}  // namespace snug::cli
