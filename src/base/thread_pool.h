// base/thread_pool.h: a persistent pool of worker threads for data-parallel ops. Workers spin briefly waiting for
// the next job (decode issues hundreds of small jobs per token), then sleep on a futex so an idle process burns no CPU.
// A job is a number of chunks that threads claim one at a time, the caller included: when the machine is busy and a
// worker is descheduled, the threads that are running take its chunks instead of waiting for it to come back.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

namespace snug {

class ThreadPool {
public:
    // n_threads >= 1 includes the calling thread, which always takes part in a job.
    explicit ThreadPool(int n_threads);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int size() const { return n_threads_; }

    using ChunkFn = std::function<void(int64_t chunk, int thread)>;
    // Calls fn(chunk, thread) once for every chunk in [0, n_chunks) (n_chunks < 2^32) and returns when all calls
    // have returned. `thread` in [0, size()) names the thread running the call, for per-thread scratch; one thread may
    // run many chunks, and which chunks it runs is not fixed. Not reentrant: fn must not start another job.
    void run_chunks(int64_t n_chunks, const ChunkFn& fn);

    // run_chunks with one chunk per thread: fn(ith, nth) for ith in [0, nth), nth = size(). ith is unique per call
    // (usable for scratch) but need not be the executing thread.
    void run(const std::function<void(int ith, int nth)>& fn);

    // Splits [0, n) into contiguous chunks, at most one per part, each a multiple of `grain` except the last.
    static void split(int64_t n, int ith, int nth, int64_t& begin, int64_t& end, int64_t grain = 1);

private:
    // A job's description, in one of two slots by job id parity: a thread that read an older job's claim word can
    // only win its claim while that job is still current, and then its slot has not been reused.
    struct Slot {
        std::atomic<const ChunkFn*> fn{nullptr};
        std::atomic<int64_t> n_chunks{0};
    };
    void worker_loop(int thread);
    void work(uint32_t job, int thread);  // claims and runs job's chunks until none are left

    int n_threads_;
    std::vector<std::thread> workers_;
    uint32_t last_job_ = 0;
    Slot slots_[2];
    alignas(64) std::atomic<uint64_t> claim_{0};  // job id << 32 | next unclaimed chunk
    alignas(64) std::atomic<int64_t> done_{0};    // chunks of the current job that have returned
    alignas(64) std::atomic<uint32_t> generation_{0};  // the newest job id; workers sleep on it
    alignas(64) std::atomic<bool> stop_{false};
};

// Threads to use by default: the number of cores the process may run on.
int default_thread_count();

}  // namespace snug
