// tests/unit/base_thread_pool_test.cpp: every thread runs each job exactly once, run() waits for all of them,
// split() covers [0, n) without overlap, and the pool survives many back-to-back jobs (the decode pattern).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "base/thread_pool.h"

namespace snug {
namespace {

TEST(ThreadPool, EveryThreadRunsEachJobOnce) {
    for (int n : {1, 2, 3, 5}) {
        ThreadPool pool(n);
        std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
        pool.run([&](int ith, int nth) {
            EXPECT_EQ(nth, n);
            hits[static_cast<size_t>(ith)].fetch_add(1);
        });
        for (auto& h : hits) EXPECT_EQ(h.load(), 1);
    }
}

TEST(ThreadPool, JobPublishedBeforeWorkersStartIsNotLost) {
    // run() right after construction, before the workers have necessarily started: each must still see the job.
    for (int trial = 0; trial < 200; ++trial) {
        ThreadPool pool(4);
        std::atomic<int> ran{0};
        pool.run([&](int, int) { ran.fetch_add(1); });
        ASSERT_EQ(ran.load(), 4) << "trial " << trial;
    }
}

TEST(ThreadPool, ManyBackToBackJobsAllComplete) {
    ThreadPool pool(3);
    std::atomic<int64_t> sum{0};
    for (int job = 0; job < 2000; ++job)
        pool.run([&](int ith, int) { sum.fetch_add(ith + 1); });
    EXPECT_EQ(sum.load(), 2000 * (1 + 2 + 3));
}

TEST(ThreadPool, SplitCoversRangeWithoutOverlap) {
    for (int64_t n : {0, 1, 7, 64, 1000, 1001}) {
        for (int nth : {1, 2, 3, 8}) {
            for (int64_t grain : {1, 16}) {
                std::vector<int> seen(static_cast<size_t>(n), 0);
                for (int ith = 0; ith < nth; ++ith) {
                    int64_t b, e;
                    ThreadPool::split(n, ith, nth, b, e, grain);
                    ASSERT_LE(b, e);
                    if (e < n && b < e) {
                        EXPECT_EQ((e - b) % grain, 0) << "chunks other than the last are whole grains";
                    }
                    for (int64_t i = b; i < e; ++i) ++seen[static_cast<size_t>(i)];
                }
                for (int64_t i = 0; i < n; ++i) ASSERT_EQ(seen[static_cast<size_t>(i)], 1) << "n " << n << " nth " << nth;
            }
        }
    }
}

TEST(ThreadPool, IdleWorkersSleepAndWakeForTheNextJob) {
    ThreadPool pool(2);
    std::atomic<int> ran{0};
    pool.run([&](int, int) { ran.fetch_add(1); });
    // Long enough for the worker to stop spinning and block on the futex.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    pool.run([&](int, int) { ran.fetch_add(1); });
    EXPECT_EQ(ran.load(), 4);
}

TEST(ThreadPool, EveryChunkRunsOnceOnAValidThread) {
    for (int n : {1, 2, 3, 5}) {
        ThreadPool pool(n);
        for (int64_t chunks : {1, 2, 7, 64, 1000}) {
            std::vector<std::atomic<int>> hits(static_cast<size_t>(chunks));
            std::atomic<int> bad_thread{0};
            pool.run_chunks(chunks, [&](int64_t c, int thread) {
                if (thread < 0 || thread >= n) bad_thread.fetch_add(1);
                hits[static_cast<size_t>(c)].fetch_add(1);
            });
            for (auto& h : hits) ASSERT_EQ(h.load(), 1) << "threads " << n << " chunks " << chunks;
            EXPECT_EQ(bad_thread.load(), 0);
        }
    }
}

TEST(ThreadPool, ChunksOfOneThreadNeverOverlapInTime) {
    // Per-thread scratch is indexed by `thread`: two chunks must never run at once under the same index.
    ThreadPool pool(4);
    std::vector<std::atomic<int>> busy(4);
    std::atomic<int> overlaps{0};
    for (int job = 0; job < 200; ++job) {
        pool.run_chunks(37, [&](int64_t, int thread) {
            if (busy[static_cast<size_t>(thread)].fetch_add(1) != 0) overlaps.fetch_add(1);
            std::this_thread::yield();  // give another thread the chance to start a chunk under this index
            busy[static_cast<size_t>(thread)].fetch_sub(1);
        });
    }
    EXPECT_EQ(overlaps.load(), 0);
}

TEST(ThreadPool, CallerFinishesTheJobWhileWorkersAreParked) {
    // More pool threads than cores, back-to-back jobs with uneven chunks: every chunk's effect is seen once the job
    // returns, whichever threads ran it (the caller takes chunks a parked worker never claimed).
    ThreadPool pool(8);
    std::vector<int64_t> out(4096);
    for (int job = 1; job <= 300; ++job) {
        pool.run_chunks(static_cast<int64_t>(out.size()) / 64, [&](int64_t c, int) {
            for (int64_t i = 64 * c; i < 64 * c + 64; ++i) out[static_cast<size_t>(i)] = job * i;
        });
        for (size_t i = 0; i < out.size(); i += 97) ASSERT_EQ(out[i], job * static_cast<int64_t>(i)) << "job " << job;
    }
}

}  // namespace
}  // namespace snug
