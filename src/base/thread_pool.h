// base/thread_pool.h: a persistent pool of worker threads for data-parallel ops. Workers spin briefly waiting for
// the next job (decode issues hundreds of small jobs per token), then sleep on a futex so an idle process burns no CPU.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

namespace snug {

class ThreadPool {
public:
    // n_threads >= 1 includes the calling thread, which always takes part in run().
    explicit ThreadPool(int n_threads);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int size() const { return n_threads_; }

    // Calls fn(ith, nth) once on every thread, ith in [0, nth), and returns when all calls have returned.
    // Not reentrant: fn must not call run().
    void run(const std::function<void(int ith, int nth)>& fn);

    // Splits [0, n) into contiguous chunks, at most one per thread, each a multiple of `grain` except the last.
    static void split(int64_t n, int ith, int nth, int64_t& begin, int64_t& end, int64_t grain = 1);

private:
    void worker_loop(int ith);

    int n_threads_;
    std::vector<std::thread> workers_;
    const std::function<void(int, int)>* job_ = nullptr;
    alignas(64) std::atomic<uint32_t> generation_{0};
    alignas(64) std::atomic<int> pending_{0};
    alignas(64) std::atomic<bool> stop_{false};
};

// Threads to use by default: the number of cores the process may run on.
int default_thread_count();

}  // namespace snug
