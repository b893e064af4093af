// planner/speed.cpp: the speed model and a quick read-bandwidth measurement (the same 8-accumulator read loop as
// bench/membw.cpp, shortened to a fraction of a second).
#include "planner/speed.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include "base/thread_pool.h"

namespace snug::planner {
namespace {

// Positions one token's attention reads in a layer at position `pos`.
int64_t visible(int window, int64_t pos) { return window > 0 ? std::min<int64_t>(window, pos) : pos; }

uint64_t read_sum(const uint64_t* p, size_t n) {
    uint64_t a[8] = {};
    for (size_t i = 0; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; ++j) a[j] += p[i + j];
    uint64_t s = 0;
    for (uint64_t v : a) s += v;
    return s;
}

}  // namespace

void predict_speed(Plan& p, const ModelInfo& m) {
    p.predicted_tg_tok_s = 0;
    p.predicted_pp_tok_s = 0;
    if (p.verdict == "none" || p.devices.empty()) return;
    const ModelConfig& c = m.config;
    const int64_t pos = std::max(1, p.ctx / 2);
    const uint64_t kv_row = row_bytes(p.kv_type, int64_t(c.n_kv_heads) * c.head_dim);
    std::vector<double> bytes(p.devices.size(), 0.0), flops(p.devices.size(), 0.0);
    for (int il = 0; il < c.n_layers; ++il) {
        const auto d = static_cast<size_t>(p.layer_device[static_cast<size_t>(il)]);
        const int window = c.layer_window.empty() ? 0 : c.layer_window[static_cast<size_t>(il)];
        const int64_t seen = visible(window, pos);
        bytes[d] += static_cast<double>(m.layer_bytes[static_cast<size_t>(il)]) + 2.0 * double(kv_row) * double(seen);
        // q.k and p.v: 2 FLOPs each per head dimension per visible position per head.
        flops[d] += 2.0 * double(m.layer_params[static_cast<size_t>(il)]) +
                    4.0 * double(c.n_heads) * double(c.head_dim) * double(seen);
    }
    if (p.output_device >= 0) {
        const auto d = static_cast<size_t>(p.output_device);
        bytes[d] += static_cast<double>(m.output_bytes + (m.tied_output ? m.input_bytes : 0));
        flops[d] += 2.0 * double(m.output_params);
    }
    double t_tg = 0, t_pp = 0;
    for (size_t d = 0; d < p.devices.size(); ++d) {
        const DeviceSpec& dev = p.devices[d].device;
        if (bytes[d] > 0 && dev.bandwidth_gbs > 0) t_tg += bytes[d] / (dev.bandwidth_gbs * 1e9 * BANDWIDTH_EFFICIENCY);
        const double eff = dev.kind == DeviceKind::GPU ? GPU_MATMUL_EFFICIENCY : 1.0;
        if (flops[d] > 0 && dev.tflops > 0) t_pp += flops[d] / (dev.tflops * 1e12 * eff);
    }
    p.predicted_tg_tok_s = t_tg > 0 ? 1.0 / t_tg : 0;
    p.predicted_pp_tok_s = t_pp > 0 ? 1.0 / t_pp : 0;
}

double measure_read_bandwidth(int n_threads, uint64_t buffer_bytes) {
    const int nth = n_threads > 0 ? n_threads : default_thread_count();
    const size_t n = static_cast<size_t>(buffer_bytes / 8) / 8 * 8;
    if (n < 64) return 0;
    std::vector<uint64_t> buf(n);
    for (size_t i = 0; i < n; ++i) buf[i] = i;
    const size_t per = n / static_cast<size_t>(nth) / 8 * 8;
    double best = 0;
    for (int pass = 0; pass < 3; ++pass) {
        std::vector<uint64_t> sums(static_cast<size_t>(nth));
        std::vector<std::thread> threads;
        const auto t0 = std::chrono::steady_clock::now();
        for (int t = 0; t < nth; ++t)
            threads.emplace_back([&, t] {
                sums[static_cast<size_t>(t)] = read_sum(buf.data() + static_cast<size_t>(t) * per, per);
            });
        for (auto& th : threads) th.join();
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        volatile uint64_t sink = 0;
        for (uint64_t v : sums) sink = sink + v;
        if (s > 0) best = std::max(best, double(per * static_cast<size_t>(nth) * 8) / s * 1e-9);
    }
    return best;
}

}  // namespace snug::planner
