#include "base/thread_pool.h"

#include <sched.h>

#include <algorithm>
#include <cassert>

namespace snug {
namespace {
// About 50 microseconds of polling: long enough to bridge the gap between two ops of one token.
constexpr int SPIN_ITERATIONS = 20000;
// The caller's wait for chunks other threads hold: spin this long, then yield, so that on a busy machine the thread
// holding the last chunk gets the core back.
constexpr int WAIT_SPIN_ITERATIONS = 2000;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}
}  // namespace

ThreadPool::ThreadPool(int n_threads) : n_threads_(std::max(1, n_threads)) {
    workers_.reserve(static_cast<size_t>(n_threads_ - 1));
    for (int i = 1; i < n_threads_; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
    stop_.store(true, std::memory_order_release);
    generation_.fetch_add(1, std::memory_order_acq_rel);
    generation_.notify_all();
    for (auto& t : workers_) t.join();
}

void ThreadPool::run_chunks(int64_t n_chunks, const ChunkFn& fn) {
    if (n_chunks <= 0) return;
    assert(n_chunks < (int64_t(1) << 32));
    if (n_threads_ == 1 || n_chunks == 1) {
        for (int64_t c = 0; c < n_chunks; ++c) fn(c, 0);
        return;
    }
    const uint32_t job = ++last_job_ == 0 ? ++last_job_ : last_job_;  // 0 is "no job yet"
    Slot& slot = slots_[job & 1];
    slot.fn.store(&fn, std::memory_order_relaxed);
    slot.n_chunks.store(n_chunks, std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
    claim_.store(static_cast<uint64_t>(job) << 32, std::memory_order_release);
    generation_.store(job, std::memory_order_release);
    generation_.notify_all();
    work(job, 0);
    for (int spins = 0; done_.load(std::memory_order_acquire) != n_chunks; ++spins) {
        if (spins < WAIT_SPIN_ITERATIONS) cpu_relax();
        else std::this_thread::yield();
    }
}

void ThreadPool::run(const std::function<void(int, int)>& fn) {
    const int nth = n_threads_;
    run_chunks(nth, [&](int64_t chunk, int) { fn(static_cast<int>(chunk), nth); });
}

void ThreadPool::work(uint32_t job, int thread) {
    const Slot& slot = slots_[job & 1];
    uint64_t v = claim_.load(std::memory_order_acquire);
    for (;;) {
        if (static_cast<uint32_t>(v >> 32) != job) return;  // a newer job: this one is finished
        const auto chunk = static_cast<int64_t>(v & 0xffffffffu);
        if (chunk >= slot.n_chunks.load(std::memory_order_relaxed)) return;
        // Winning the claim word while it still names `job` means the job is current, so its slot is intact.
        if (!claim_.compare_exchange_weak(v, v + 1, std::memory_order_acq_rel, std::memory_order_acquire)) continue;
        (*slot.fn.load(std::memory_order_relaxed))(chunk, thread);
        done_.fetch_add(1, std::memory_order_acq_rel);
        v = claim_.load(std::memory_order_acquire);
    }
}

void ThreadPool::worker_loop(int thread) {
    // Start from "no job", not from the current generation: run() may already have published a job before this
    // thread got here, and reading the counter now would skip it (harmless for correctness, costly for speed).
    uint32_t seen = 0;
    for (;;) {
        int spins = 0;
        uint32_t now;
        while ((now = generation_.load(std::memory_order_acquire)) == seen) {
            if (++spins < SPIN_ITERATIONS) {
                cpu_relax();
            } else {
                generation_.wait(seen, std::memory_order_acquire);
            }
        }
        seen = now;
        if (stop_.load(std::memory_order_acquire)) return;
        work(now, thread);
    }
}

void ThreadPool::split(int64_t n, int ith, int nth, int64_t& begin, int64_t& end, int64_t grain) {
    const int64_t blocks = (n + grain - 1) / grain;
    const int64_t per = (blocks + nth - 1) / nth;
    begin = std::min(n, ith * per * grain);
    end = std::min(n, (ith + 1) * per * grain);
}

int default_thread_count() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
    return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace snug
