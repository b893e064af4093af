// tests/unit/planner_placement.cpp: the fit on a made-up model whose every cost is a round number, against simulated
// devices: one and two GPUs, spilling, the output head's place, the steps in the user's order, impossible requests.
#include <gtest/gtest.h>

#include <numeric>

#include "base/error.h"
#include "planner/plan.h"
#include "planner/plan_report.h"

using namespace snug;
using namespace snug::planner;

namespace {

constexpr uint64_t MIB = uint64_t(1) << 20;
constexpr uint64_t GIB = uint64_t(1) << 30;

// 10 layers of 100 MiB, a 50 MiB input table, a 60 MiB output head; full attention, 8 KV heads of 128: one position
// of one layer is 8 x 128 x 2 (K, V) x 2 bytes (f16) = 4 KiB, so a 4096 context is 16 MiB per layer in f16, 32 in f32.
ModelInfo fake_model() {
    ModelInfo m;
    m.name = "fake";
    m.config.arch = "llama";
    m.config.n_layers = 10;
    m.config.n_embd = 1024;
    m.config.n_heads = 8;
    m.config.n_kv_heads = 8;
    m.config.head_dim = 128;
    m.config.n_vocab = 1000;
    m.config.n_ctx_train = 32768;
    m.config.layer_window.assign(10, 0);
    m.max_ctx = 32768;
    m.max_ctx_why = "trained context 32768";
    m.layer_bytes.assign(10, 100 * MIB);
    m.layer_params.assign(10, 50'000'000);
    m.input_bytes = 50 * MIB;
    m.output_bytes = 60 * MIB;
    m.output_params = 30'000'000;
    return m;
}

// 1 MiB of scratch per layer, 2 MiB before the first and after the last.
ComputeMeasure fake_measure(int n_tokens, int n_seqs) {
    ComputeMeasure c;
    c.n_tokens = n_tokens;
    c.n_seqs = n_seqs;
    c.n_threads = 4;
    c.input_bytes = 2 * MIB;
    c.layer_bytes.assign(10, 1 * MIB);
    c.layer_bytes.back() = 0;
    c.output_bytes = 2 * MIB;
    c.total_bytes = 4 * MIB + 9 * MIB;
    c.logits_bytes = uint64_t(n_seqs) * 1000 * 4;
    return c;
}

DeviceSpec gpu(uint64_t bytes, const char* name = "g") {
    DeviceSpec d = gpu_from_arg(std::to_string(bytes));
    d.name = name;
    d.overhead_bytes = 100 * MIB;
    return d;
}

Plan fit(const ModelInfo& m, std::vector<DeviceSpec> gpus, uint64_t ram, PlanRequest r = {}) {
    PlanInputs in;
    in.model = &m;
    in.gpus = std::move(gpus);
    in.cpu = cpu_device(ram, ram, 20.0, 4);
    in.request = r;
    in.request.min_margin_bytes = 0;
    in.request.margin_fraction = 0.0;
    in.measure = fake_measure;
    return plan_model(in);
}

}  // namespace

TEST(PlannerPlacement, AllOnOneGpu) {
    const ModelInfo m = fake_model();
    const Plan p = fit(m, {gpu(4 * GIB)}, 8 * GIB);
    EXPECT_EQ(p.verdict, "gpu");
    EXPECT_EQ(p.ctx, 4096);                // the engine's default
    EXPECT_EQ(p.kv_type, DType::F16);      // with a GPU
    EXPECT_EQ(p.n_layers_gpu, 10);
    const Components& g = p.devices[0].used;
    EXPECT_EQ(g.weights, 10 * 100 * MIB + 60 * MIB);
    EXPECT_EQ(g.kv, 10 * 16 * MIB);
    EXPECT_EQ(g.compute, 2 * MIB + 9 * MIB + 2 * MIB);
    EXPECT_EQ(g.overhead, 100 * MIB);
    EXPECT_EQ(p.devices[1].used.weights, 50 * MIB);  // the input table stays in host memory
    EXPECT_EQ(p.devices[1].used.kv, 0u);
}

TEST(PlannerPlacement, CpuOnlyUsesTheEnginesF16Cache) {
    const ModelInfo m = fake_model();
    const Plan p = fit(m, {}, 8 * GIB);
    EXPECT_EQ(p.verdict, "cpu");
    EXPECT_EQ(p.kv_type, DType::F16);  // EngineOptions::kv_type's default
    EXPECT_EQ(p.devices[0].used.kv, 10 * 16 * MIB);
    EXPECT_EQ(p.devices[0].used.weights, 50 * MIB + 10 * 100 * MIB + 60 * MIB);
    EXPECT_NE(p.reason.find("no GPU given"), std::string::npos);
}

TEST(PlannerPlacement, SpillsTheFirstLayersAndKeepsTheHeadOnTheGpu) {
    const ModelInfo m = fake_model();
    PlanRequest r;
    r.ctx = 4096;
    r.kv_type = DType::F16;
    // Per layer 100 + 16 (KV) + 1 (scratch) = 117 MiB; the GPU has 700 - 100 (context) - 62 (head) = 538 MiB: 4 layers.
    const Plan p = fit(m, {gpu(700 * MIB)}, 8 * GIB, r);
    EXPECT_EQ(p.verdict, "hybrid");
    EXPECT_EQ(p.n_layers_gpu, 4);
    EXPECT_EQ(p.output_device, 0);
    for (int il = 0; il < 10; ++il) EXPECT_EQ(p.layer_device[il], il < 6 ? 1 : 0) << il;
    EXPECT_NE(p.reason.find("4 of 10 layers on g, 6 on the CPU"), std::string::npos) << p.reason;
    EXPECT_TRUE(p.steps.empty());
}

TEST(PlannerPlacement, TwoGpusShareInProportion) {
    const ModelInfo m = fake_model();
    PlanRequest r;
    r.ctx = 4096;
    const Plan p = fit(m, {gpu(2 * GIB, "a"), gpu(4 * GIB, "b")}, 8 * GIB, r);
    EXPECT_EQ(p.verdict, "gpu");
    EXPECT_EQ(p.devices[0].n_layers + p.devices[1].n_layers, 10);
    EXPECT_GE(p.devices[1].n_layers, 5);  // the bigger card takes more of the layers
    EXPECT_GE(p.devices[0].n_layers, 2);
    EXPECT_TRUE(p.devices[0].has_output);
}

TEST(PlannerPlacement, ShrinksOnlyADefaultContext) {
    ModelInfo m = fake_model();
    m.layer_bytes.assign(10, 10 * MIB);
    // At 4096 the cache is 160 MiB, at 2048 80 MiB: a GPU with 300 MiB for the model fits only the smaller one.
    const uint64_t room = 100 * MIB + 62 * MIB + 10 * 11 * MIB + 2 * MIB + 90 * MIB;
    const Plan shrunk = fit(m, {gpu(room)}, 8 * GIB);
    EXPECT_EQ(shrunk.verdict, "gpu");
    EXPECT_EQ(shrunk.ctx, 2048);
    ASSERT_EQ(shrunk.steps.size(), 1u);
    EXPECT_EQ(shrunk.steps[0], "context 4096 -> 2048");
    EXPECT_NE(shrunk.reason.find("after context 4096 -> 2048"), std::string::npos);
    PlanRequest user;
    user.ctx = 4096;
    const Plan kept = fit(m, {gpu(room)}, 8 * GIB, user);
    EXPECT_EQ(kept.ctx, 4096);  // the user's context is never shrunk: the cache is quantized instead
    EXPECT_EQ(kept.verdict, "gpu");
    EXPECT_EQ(kept.kv_type, DType::Q8_0);
    user.kv_type = DType::F16;
    const Plan spilled = fit(m, {gpu(room)}, 8 * GIB, user);
    EXPECT_EQ(spilled.verdict, "hybrid");  // neither may change: layers move
    EXPECT_EQ(spilled.kv_type, DType::F16);
    PlanRequest layers_first;
    layers_first.order = parse_fit_order("layers,ctx");
    const Plan ordered = fit(m, {gpu(room)}, 8 * GIB, layers_first);
    EXPECT_EQ(ordered.verdict, "hybrid");  // the user asked to spill before shrinking
    EXPECT_EQ(ordered.ctx, 4096);
}

TEST(PlannerPlacement, RequireGpu) {
    const ModelInfo m = fake_model();
    PlanRequest r;
    r.require_gpu = true;
    r.ctx = 4096;
    const Plan p = fit(m, {gpu(700 * MIB)}, 8 * GIB, r);
    EXPECT_EQ(p.verdict, "none");
    EXPECT_NE(p.reason.find("--require-gpu"), std::string::npos) << p.reason;
}

TEST(PlannerPlacement, GpuTooSmallForTheHead) {
    const ModelInfo m = fake_model();
    const Plan p = fit(m, {gpu(150 * MIB)}, 8 * GIB);
    EXPECT_EQ(p.verdict, "cpu");
    EXPECT_NE(p.reason.find("cannot hold the output head"), std::string::npos) << p.reason;
    EXPECT_EQ(p.devices[0].used.total(), 0u);  // an unused GPU costs nothing, not even its context
}

TEST(PlannerPlacement, ImpossibleRequests) {
    const ModelInfo m = fake_model();
    // No RAM at all.
    const Plan zero = fit(m, {}, 0);
    EXPECT_EQ(zero.verdict, "none");
    EXPECT_NE(zero.reason.find("0 B is usable"), std::string::npos) << zero.reason;
    // A budget smaller than one layer.
    const Plan tiny = fit(m, {}, 64 * MIB);
    EXPECT_EQ(tiny.verdict, "none");
    EXPECT_NE(tiny.reason.find("not even one layer"), std::string::npos) << tiny.reason;
    EXPECT_EQ(tiny.ctx, 2048);  // it tried a smaller context and a smaller cache first
    EXPECT_EQ(tiny.kv_type, DType::Q4_0);
    // A context beyond the model's.
    PlanRequest r;
    r.ctx = 65536;
    try {
        fit(m, {}, 8 * GIB, r);
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("beyond what fake supports (32768"), std::string::npos) << e.what();
    }
    r = {};
    r.parallel = 0;
    EXPECT_THROW(fit(m, {}, 8 * GIB, r), Error);
    r = {};
    r.batch = 0;
    EXPECT_THROW(fit(m, {}, 8 * GIB, r), Error);
    r = {};
    r.kv_type = DType::Q4_K;
    EXPECT_THROW(fit(m, {}, 8 * GIB, r), Error);
}

TEST(PlannerPlacement, QuantizedCacheOnlyForHeadsOfWholeBlocks) {
    ModelInfo m = fake_model();
    m.config.n_heads = m.config.n_kv_heads = 128;
    m.config.head_dim = 8;  // same cache bytes, heads too small for q8_0/q4_0's 32-value blocks
    const Plan tiny = fit(m, {}, 64 * MIB);
    EXPECT_EQ(tiny.verdict, "none");
    EXPECT_EQ(tiny.kv_type, DType::F16) << "the KV step skips types the model's heads cannot be stored in";
    PlanRequest r;
    r.kv_type = DType::Q8_0;
    EXPECT_THROW(fit(m, {}, 8 * GIB, r), Error);
}

TEST(PlannerPlacement, ParallelSequencesMultiplyTheCache) {
    const ModelInfo m = fake_model();
    PlanRequest r;
    r.ctx = 4096;
    r.parallel = 4;
    const Plan p = fit(m, {}, 8 * GIB, r);
    EXPECT_EQ(p.devices[0].used.kv, 4 * 10 * 16 * MIB);  // f16
    EXPECT_EQ(p.compute.n_seqs, 4);
    EXPECT_EQ(p.kv.per_sequence_bytes, 10 * 16 * MIB);
}

TEST(PlannerPlacement, JsonHasTheIssuesFields) {
    const ModelInfo m = fake_model();
    const Plan p = fit(m, {gpu(700 * MIB)}, 8 * GIB);
    const auto j = plan_json(p, m, nullptr);
    for (const char* k : {"verdict", "reason", "n_layers", "n_layers_gpu", "ctx", "parallel", "kv_type", "devices",
                          "predicted_tg_tok_s", "predicted_pp_tok_s"})
        EXPECT_TRUE(j.contains(k)) << k;
    ASSERT_EQ(j["devices"].size(), 2u);
    for (const auto& d : j["devices"]) {
        for (const char* k : {"name", "kind", "total_bytes", "planned_bytes", "components"})
            EXPECT_TRUE(d.contains(k)) << k;
        for (const char* k : {"weights", "kv", "vision", "projector", "compute", "overhead"})
            EXPECT_TRUE(d["components"].contains(k)) << k;
    }
    EXPECT_EQ(j["devices"][0]["kind"], "gpu");
    EXPECT_EQ(j["devices"][1]["kind"], "cpu");
    EXPECT_FALSE(plan_line(p).empty());
    EXPECT_FALSE(plan_table(p, m, nullptr).empty());
}
