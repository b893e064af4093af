#include "base/thread_pool.h"

#include <sched.h>

#include <algorithm>

namespace snug {
namespace {
// About 50 microseconds of polling: long enough to bridge the gap between two ops of one token.
constexpr int SPIN_ITERATIONS = 20000;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}
}  // namespace

ThreadPool::ThreadPool(int n_threads) : n_threads_(std::max(1, n_threads)) {
    workers_.reserve(n_threads_ - 1);
    for (int i = 1; i < n_threads_; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
    stop_.store(true, std::memory_order_release);
    generation_.fetch_add(1, std::memory_order_acq_rel);
    generation_.notify_all();
    for (auto& t : workers_) t.join();
}

void ThreadPool::run(const std::function<void(int, int)>& fn) {
    if (n_threads_ == 1) {
        fn(0, 1);
        return;
    }
    job_ = &fn;
    pending_.store(n_threads_ - 1, std::memory_order_release);
    generation_.fetch_add(1, std::memory_order_acq_rel);
    generation_.notify_all();
    fn(0, n_threads_);
    // Spin while the others are likely still running; yield once spinning stops paying, so that an oversubscribed
    // machine lets a descheduled worker finish instead of burning its time slice.
    for (int spins = 0; pending_.load(std::memory_order_acquire) != 0; ++spins) {
        if (spins < SPIN_ITERATIONS) cpu_relax();
        else std::this_thread::yield();
    }
    job_ = nullptr;
}

void ThreadPool::worker_loop(int ith) {
    // Start from the generation at construction, not the current one: run() may already have published a job
    // before this thread got here, and reading the counter now would skip that job and hang the caller.
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
        (*job_)(ith, n_threads_);
        pending_.fetch_sub(1, std::memory_order_acq_rel);
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
