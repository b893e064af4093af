// bench/matmul_bench.cpp: matmul speed per weight type and kernel table. Decode (n = 1) is reported as GB/s of
// weights streamed (weights rotate through enough copies to defeat the caches, as a model's layers do); prefill
// (n = 512) as GFLOP/s (2 n m k). Best of several timed batches; the machine may be shared, so rerun for noise.
// Usage: snug_matmul_bench [table=best|avx2|avx512|avx512_vnni|ref] [filter: substring of "type mxk"] [--quick]
//        [--1t]   (--quick: decode only; --1t: one thread only)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "backends/cpu/matmul.h"
#include "base/thread_pool.h"
#include "quant/quant.h"

namespace snug {
namespace {

struct Aligned {
    void operator()(uint8_t* p) const { std::free(p); }
};
using Buffer = std::unique_ptr<uint8_t, Aligned>;

Buffer alloc(size_t bytes) {
    auto* p = static_cast<uint8_t*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64 + 64));
    std::memset(p, 0, bytes);
    return Buffer(p);
}

// m x k weights of type t: 64 quantized Gaussian rows, tiled (speed does not depend on the values).
Buffer make_weights(DType t, int64_t m, int64_t k, std::mt19937& rng) {
    const size_t rb = row_bytes(t, k);
    Buffer w = alloc(rb * static_cast<size_t>(m));
    std::normal_distribution<float> nd(0.0f, 0.05f);
    std::vector<float> row(static_cast<size_t>(k));
    for (int64_t r = 0; r < std::min<int64_t>(m, 64); ++r) {
        for (float& v : row) v = nd(rng);
        quant::quantize_row_ref(t, row.data(), w.get() + static_cast<size_t>(r) * rb, k);
    }
    for (int64_t r = 64; r < m; ++r)
        std::memcpy(w.get() + static_cast<size_t>(r) * rb, w.get() + static_cast<size_t>(r % 64) * rb, rb);
    return w;
}

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// Seconds per call: best over batches of calls, each batch >= min_time.
template <class F>
double time_call(F&& f, double min_time, int batches) {
    f();
    double best = 1e30;
    for (int b = 0; b < batches; ++b) {
        int calls = 0;
        const double t0 = now();
        double t1;
        do {
            f();
            ++calls;
        } while ((t1 = now()) - t0 < min_time);
        best = std::min(best, (t1 - t0) / calls);
    }
    return best;
}

struct Shape {
    int64_t m, k;
};

}  // namespace
}  // namespace snug

int main(int argc, char** argv) {
    using namespace snug;
    std::string table_name = argc > 1 ? argv[1] : "best";
    const std::string filter = argc > 2 ? argv[2] : "";
    bool quick = false, one_thread = false;
    for (int i = 1; i < argc; ++i) {
        quick |= std::strcmp(argv[i], "--quick") == 0;  // n = 1 only
        one_thread |= std::strcmp(argv[i], "--1t") == 0;
    }

    const mm::MatmulIsaTable* table = nullptr;
    for (MatmulVariant v :
         {MatmulVariant::AVX512_VNNI, MatmulVariant::AVX512, MatmulVariant::AVX2, MatmulVariant::REF}) {
        if (table_name == "best" ? matmul_table(v) != nullptr : table_name == matmul_variant_name(v)) {
            table = matmul_table(v);
            break;
        }
    }
    if (table == nullptr) {
        std::fprintf(stderr, "kernel table %s is not available on this CPU\n", table_name.c_str());
        return 1;
    }
    std::printf("kernel table: %s\n", table->name);

    const DType types[] = {DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1, DType::Q8_0, DType::IQ4_NL,
                           DType::Q2_K, DType::Q3_K, DType::Q4_K, DType::Q5_K, DType::Q6_K, DType::IQ4_XS,
                           DType::F16,  DType::BF16, DType::F32};
    const Shape shapes[] = {{4864, 896}, {896, 4864}, {8192, 2048}, {2048, 8192}};
    ThreadPool pool1(1), pool2(2);
    std::mt19937 rng(1);

    std::printf("%-7s %-10s | %-22s | %-24s\n", "type", "m x k", "n=1 GB/s (1T / 2T)", "n=512 GFLOP/s (1T / 2T)");
    for (DType t : types) {
        for (const Shape& s : shapes) {
            char label[64];
            std::snprintf(label, sizeof(label), "%s %lldx%lld", std::string(dtype_name(t)).c_str(),
                          static_cast<long long>(s.m), static_cast<long long>(s.k));
            if (!filter.empty() && std::string(label).find(filter) == std::string::npos) continue;
            if (s.k % dtype_info(t).block_elems != 0) continue;  // e.g. K-quants need k % 256 == 0
            const size_t wbytes = row_bytes(t, s.k) * static_cast<size_t>(s.m);
            // Enough copies that one round exceeds the caches (32 MiB L3 here): decode reads from DRAM.
            const size_t copies = std::max<size_t>(2, (256u << 20) / wbytes);
            std::vector<Buffer> ws;
            ws.push_back(make_weights(t, s.m, s.k, rng));
            for (size_t c = 1; c < copies; ++c) {
                ws.push_back(alloc(wbytes));
                std::memcpy(ws.back().get(), ws[0].get(), wbytes);
            }
            double gbps[2] = {}, gflops[2] = {};
            for (int nth : {1, 2}) {
                if (nth == 2 && one_thread) continue;
                ThreadPool& pool = nth == 1 ? pool1 : pool2;
                for (int64_t n : {int64_t{1}, int64_t{512}}) {
                    if (n > 1 && quick) continue;
                    std::vector<float> x(static_cast<size_t>(n * s.k)), y(static_cast<size_t>(n * s.m));
                    std::normal_distribution<float> nd;
                    for (float& v : x) v = nd(rng);
                    Tensor xt(DType::F32, {n, s.k}, x.data()), yt(DType::F32, {n, s.m}, y.data());
                    Tensor w0(t, {s.m, s.k}, ws[0].get());
                    Buffer scratch = alloc(matmul_table_scratch_bytes(*table, xt, w0, nth));
                    size_t next = 0;
                    const double sec = time_call(
                        [&] {
                            Tensor w(t, {s.m, s.k}, ws[n == 1 ? next++ % copies : 0].get());
                            matmul_with_table(*table, pool, yt, xt, w, scratch.get());
                        },
                        n == 1 ? 0.2 : 0.5, n == 1 ? 5 : 3);
                    if (n == 1) gbps[nth - 1] = static_cast<double>(wbytes) / sec * 1e-9;
                    else gflops[nth - 1] = 2.0 * static_cast<double>(n * s.m * s.k) / sec * 1e-9;
                }
            }
            std::printf("%-7s %-10s | %8.1f / %8.1f     | %8.1f / %8.1f\n", std::string(dtype_name(t)).c_str(),
                        label + std::string(dtype_name(t)).size() + 1, gbps[0], gbps[1], gflops[0], gflops[1]);
            std::fflush(stdout);
        }
    }
    return 0;
}
