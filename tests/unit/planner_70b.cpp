// tests/unit/planner_70b.cpp: a Llama-3.3-70B-shaped file (42.5 GB, sparse) planned end to end — header, tokenizer,
// dry run of a 512-token step, fit — without reading a weight. The time is printed; the bound is only a sanity check.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "backends/cpu/dispatch.h"
#include "planner/header_source.h"
#include "planner/plan.h"
#include "unit/planner_fixtures.h"

using namespace snug;
using namespace snug::planner;

TEST(Planner70B, PlansQuicklyWithoutReadingWeights) {
    const std::string path = test::synth_model("llama-3.3-70b", "Q4_K_M");
    if (path.empty()) {
        if (test::in_ci()) FAIL() << "synth_gguf.py could not generate llama-3.3-70b";
        GTEST_SKIP() << "synth_gguf.py (python3 + numpy) unavailable";
    }
    const auto t0 = std::chrono::steady_clock::now();
    const auto header = ModelHeader::open_local(path);
    const LoadedModel lm = analyze_model(*header);
    PlanInputs in;
    in.model = &lm.info;
    in.gpus = {gpu_from_arg("rtx4090")};
    in.cpu = cpu_device(uint64_t(64) << 30, uint64_t(64) << 30, 50.0, 8);
    in.request.threads = 8;
    const CpuKernels* avx2 = cpu_kernels_for(CpuIsa::AVX2);  // machine-independent figures (AVX-512 ones differ)
    const CpuKernels* kernels = avx2 ? avx2 : cpu_kernels_for(CpuIsa::SCALAR);
    in.measure = [&](int n_tokens, int n_seqs) { return measure_compute(*lm.model, n_tokens, n_seqs, 8, kernels); };
    const Plan p = plan_model(in);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("[ planner ] llama-3.3-70b Q4_K_M planned in %.3f s: %s\n", s, plan_line(p).c_str());
    EXPECT_LT(s, 30.0);

    const ModelInfo& m = lm.info;
    EXPECT_EQ(m.file_bytes, 42515829984u);
    EXPECT_EQ(m.config.n_layers, 80);
    EXPECT_FALSE(m.tied_output);
    EXPECT_EQ(m.input_bytes, 128256u * (8192u / 256u) * 144u);  // q4_K token_embd
    // q6_K output + f32 norm + llama-3's f32 rope frequency factors, one per rotated pair of a 128-wide head
    EXPECT_EQ(m.output_bytes, 128256u * (8192u / 256u) * 210u + 8192u * 4u + 64u * 4u);
    // ~39.6 GiB of weights cannot sit in 22.8 usable GiB: about 0.48 GiB of weights, 16 MiB of f16 KV (ctx 4096) and
    // ~0.18 GiB of step scratch per layer leave room for roughly 30 layers next to the 0.8 GiB output head.
    EXPECT_EQ(p.verdict, "hybrid");
    EXPECT_GE(p.n_layers_gpu, 25);
    EXPECT_LE(p.n_layers_gpu, 38);
    EXPECT_EQ(p.ctx, 4096);
    EXPECT_EQ(p.kv.max_bytes, 80u * 2 * 128 * (8u * 128 * 2 * 32));  // 80 layers x 128 blocks x K+V of 64 KiB
    EXPECT_EQ(p.output_device, 0);
}
