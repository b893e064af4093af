// server/model_manager.h: the models the server has loaded. Loads a model by name on first use (with the context
// size a request asks for), keeps it for its keep_alive, unloads it when that expires or when another model needs
// the room (least recently used first, at most max_loaded at once). A request holds a shared_ptr to its model,
// so unloading never pulls a model from under a running request: it waits for it.
#pragma once
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engine/runner.h"
#include "planner/local_plan.h"
#include "server/chat_format.h"
#include "server/options.h"

namespace snug::server {

// What a model name stands for: its files and the defaults a Modelfile gave it.
struct ModelSource {
    std::string name;          // canonical, e.g. "qwen2.5:0.5b" or "snug-qwen2-q4_k_m:latest"
    std::string gguf_path;
    std::string projector_path;
    nlohmann::json params = nlohmann::json::object();  // default options
    std::string system;        // default system prompt
    std::string chat_template; // overrides the GGUF's tokenizer.chat_template when set
};

class ModelNotFound : public Error {
public:
    using Error::Error;
};

// The request's fault (HTTP 400): a bad field, or load options the memory planner refuses (a context beyond the
// model's trained length).
class BadRequest : public Error {
public:
    using Error::Error;
};

// Throws ModelNotFound for an unknown name.
using Resolver = std::function<ModelSource(const std::string& name)>;

struct ManagerOptions {
    int n_parallel = 4;
    int max_queue = 512;
    int max_loaded = 3;
    std::chrono::nanoseconds default_keep_alive = std::chrono::minutes(5);
    int n_threads = 0;
    uint64_t baseline_bytes = 0;  // the server's resident memory before any model, which each plan counts
    DType kv_type = DType::F16;   // every model's KV cache (SNUG_KV_CACHE_TYPE)
};

// What serving touches beyond `snug run` whatever the model: the HTTP workers' stacks and buffers, request bodies and
// their tokenization. Measured on this project's machine as the peak RSS of `snug serve` (one sequence, one request
// filling a 4096 context of llama-2-tiny-random) less `snug run`'s plan for the same: 2 MiB (bench/RESULTS.md).
inline constexpr uint64_t SERVE_EXTRA_BYTES = uint64_t(2) << 20;

class TokenVocabulary;

struct LoadedModel {
    ModelSource source;
    EngineOptions engine_options;
    planner::LocalPlan plan;                  // what it was loaded with: /api/ps reports it
    std::unique_ptr<Runner> runner;
    std::unique_ptr<ChatFormat> chat;
    int64_t load_ns = 0;                      // how long loading took
    size_t weights_bytes = 0;                 // the GGUF's tensor data
    std::chrono::system_clock::time_point expires_at;  // max() while kept forever
    int64_t last_used_ns = 0;
    bool unload_requested = false;            // keep_alive 0: unload as soon as no request holds it

    // The token index structured output masks with, built on the first request that needs it.
    std::shared_ptr<const TokenVocabulary> vocabulary();

private:
    std::once_flag vocab_once_;
    std::shared_ptr<const TokenVocabulary> vocab_;
};

struct Acquired {
    std::shared_ptr<LoadedModel> model;
    int64_t load_ns = 0;  // 0 when it was already loaded
};

class ModelManager {
public:
    ModelManager(Resolver resolver, ManagerOptions opt);
    ~ModelManager();

    ModelSource resolve(const std::string& name) const { return resolver_(name); }

    // Loads (or reloads with another context size) and returns the model. keep_alive: how long to keep it after
    // this request (nullopt: the default; negative: forever; zero: unload when the request ends).
    Acquired acquire(const std::string& name, const LoadOptions& load,
                     std::optional<std::chrono::nanoseconds> keep_alive);
    // A request is done with the model: restarts its keep_alive clock.
    void release(const std::shared_ptr<LoadedModel>& m);
    // Unloads a model now (keep_alive: 0 with no prompt); false if it was not loaded.
    bool unload(const std::string& name);

    std::vector<std::shared_ptr<LoadedModel>> loaded() const;
    const ManagerOptions& options() const { return opt_; }

private:
    void reap_loop();
    void evict_for_room(std::unique_lock<std::mutex>& lk);
    // Plans, then loads with the plan's context; nullptr when the plan says it does not fit (why: the refusal).
    std::shared_ptr<LoadedModel> load(const ModelSource& src, const LoadOptions& load, std::string& why);
    bool evict_lru(std::unique_lock<std::mutex>& lk);  // false when nothing is loaded

    Resolver resolver_;
    ManagerOptions opt_;
    mutable std::mutex m_;
    std::condition_variable cv_;
    std::map<std::string, std::shared_ptr<LoadedModel>> models_;
    std::mutex load_m_;  // one load at a time: loads are memory- and disk-bound
    bool stopping_ = false;
    std::thread reaper_;
};

// Parses Ollama's keep_alive: a number of seconds, or a duration string like "5m", "1h30m", "10s", "-1".
std::chrono::nanoseconds parse_keep_alive(const nlohmann::json& v);

}  // namespace snug::server
