// engine/runner.h: serves many generation requests on one loaded model at once — continuous batching. A thread owns
// the Engine; each iteration it admits queued requests up to n_parallel, reuses the KV blocks of the longest
// matching prefix among running and recently finished sequences, plans one batch (engine/scheduler.h), runs it, and
// samples every sequence that produced logits. KV blocks are taken as sequences grow; finished sequences stay cached
// for prefix reuse until their blocks are needed.
#pragma once
#include <condition_variable>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <thread>

#include "engine/engine.h"
#include "base/error.h"
#include "engine/request.h"

namespace snug {

struct RunnerOptions {
    int n_parallel = 4;    // sequences generating at once
    int max_queue = 512;   // requests waiting beyond n_parallel; submit() refuses past this
    int n_cached = 4;      // finished sequences kept for prefix reuse (their blocks are freed first when needed)
};

struct RunnerStatus {
    int running = 0;
    int queued = 0;
    int cached = 0;
    int64_t kv_blocks_in_use = 0;
    int64_t kv_blocks_max = 0;
    size_t kv_bytes_in_use = 0;
    size_t kv_bytes_allocated = 0;
    int64_t preemptions = 0;  // requests paused for lack of KV blocks since start
};

class QueueFullError : public Error {
public:
    using Error::Error;
};

class Runner {
public:
    // The engine must have been loaded with max_sequences >= n_parallel + n_cached.
    Runner(std::unique_ptr<Engine> engine, const RunnerOptions& opt);
    ~Runner();  // cancels everything still queued or running

    // Validates the request (prompt within the context, sampling ranges) and queues it. Throws snug::Error for a bad
    // request and QueueFullError when max_queue requests are already waiting.
    std::shared_ptr<RequestHandle> submit(RunRequest req);

    // Runs Engine::embed on the runner's thread between steps (the engine is single-threaded) and waits for it.
    std::vector<float> embed(std::vector<int32_t> tokens);

    const Engine& engine() const { return *engine_; }
    RunnerStatus status() const;

private:
    struct Active;
    struct Cached {
        int seq;
        std::vector<int32_t> tokens;  // what its KV holds
    };
    struct Queued {
        RunRequest req;
        std::shared_ptr<RequestHandle> handle;
        int64_t submitted_ns;
    };

    void loop();
    void admit(Queued q);
    void resume(std::unique_ptr<Active> a);
    void reuse_prefix(Active& a);
    bool run_step();
    void sample(Active& a, std::span<const float> logits);
    void finish(size_t index, const std::string& reason);
    bool free_memory();

    std::unique_ptr<Engine> engine_;
    RunnerOptions opt_;
    mutable std::mutex m_;
    std::condition_variable cv_;
    std::deque<Queued> queue_;
    std::deque<std::function<void()>> tasks_;  // run on the runner's thread before the next step
    bool stopping_ = false;
    std::vector<std::unique_ptr<Active>> active_;  // runner thread only
    std::deque<std::unique_ptr<Active>> preempted_;  // runner thread only: resume before new requests
    bool memory_pressure_ = false;  // a step ran out of KV blocks: admit nothing until a sequence finishes
    std::list<Cached> cache_;                      // runner thread only; most recently used first
    RunnerStatus status_;                          // under m_: a copy for other threads
    std::thread thread_;
};

}  // namespace snug
