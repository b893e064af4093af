// bench/membw.cpp: memory read bandwidth with 1 and 2 threads (best of several passes over a buffer far larger
// than the last-level cache): the ceiling for decode, which streams every weight once per token.
// Usage: snug_membw [MiB=1024] [passes=8]
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

namespace {

// Sums the buffer with 8 independent accumulators so loads, not the add chain, limit the speed.
uint64_t read_sum(const uint64_t* p, size_t n) {
    uint64_t a[8] = {};
    for (size_t i = 0; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; ++j) a[j] += p[i + j];
    uint64_t s = 0;
    for (uint64_t v : a) s += v;
    return s;
}

double pass_gbps(const uint64_t* buf, size_t n, int n_threads) {
    std::vector<std::thread> threads;
    std::vector<uint64_t> sums(static_cast<size_t>(n_threads));
    const size_t per = n / static_cast<size_t>(n_threads) / 8 * 8;
    const auto t0 = std::chrono::steady_clock::now();
    for (int t = 0; t < n_threads; ++t)
        threads.emplace_back(
            [&, t] { sums[static_cast<size_t>(t)] = read_sum(buf + static_cast<size_t>(t) * per, per); });
    for (auto& th : threads) th.join();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    volatile uint64_t sink = 0;
    for (uint64_t v : sums) sink = sink + v;
    return static_cast<double>(per * static_cast<size_t>(n_threads) * 8) / s * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
    const size_t mib = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 1024;
    const int passes = argc > 2 ? std::atoi(argv[2]) : 8;
    const size_t n = mib * (1u << 20) / 8;
    std::vector<uint64_t> buf(n);
    for (size_t i = 0; i < n; ++i) buf[i] = i * 0x9e3779b97f4a7c15ull;
    std::printf("read bandwidth over %zu MiB, best of %d passes\n", mib, passes);
    for (int threads : {1, 2}) {
        double best = 0;
        for (int p = 0; p < passes; ++p) best = std::max(best, pass_gbps(buf.data(), n, threads));
        std::printf("  %d thread%s: %6.1f GB/s\n", threads, threads > 1 ? "s" : " ", best);
    }
    return 0;
}
