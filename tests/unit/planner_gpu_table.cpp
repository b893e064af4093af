// tests/unit/planner_gpu_table.cpp: the deployment table of ../shared/seeds/000_f2eb605ff0848589.txt
// (translategemma-4b-it = gemma-3-4b's text model + Gemma 3's vision projector) planned for each of its nine GPUs, in
// Q4_K_M and F16, at context 2048 and 8192, with and without the projector: 72 plans, each with verdict and reason.
//
// Expected verdicts, by hand (GiB = 2^30; synth_gguf.py gives the files' exact sizes; KV f16, the GPU default):
//   weights on the GPU = layers + the output head, which is tied to the 262144 x 2560 embedding and so needs its own
//     copy there: Q4_K_M 2,490,115,104-byte file -> 2.32 GiB; F16 7,767,831,584 bytes -> 7.23 GiB.
//   KV (5 full-attention layers, 29 sliding layers of window 1024, 32-position blocks of 2 x 64 KiB):
//     ctx 2048: 5 x 8 MiB + 29 x 49 blocks x 128 KiB = 217.6 MiB; ctx 8192: 160 MiB + 177.6 MiB = 337.6 MiB.
//   compute, a 512-token step: 34 layers x (q 4 + k 2 + v 2 + attention 4 + out 5 + gate 20 + up 20 + down 5 MiB)
//     = 2.07 GiB of activations, plus quantized-activation scratch: ~2.1-2.7 GiB.
//   CUDA context + cuBLAS workspace 461 MiB; projector 801.5 MiB (planner_fixtures.h) + one image 2.5 MiB.
//   usable = memory x 0.95 (5% margin): 8 GiB -> 7.6, 12 GiB -> 11.4, 16 GiB -> 15.2, 24 GiB -> 22.8; the M2 Ultra's
//     GPU may wire 3/4 of its 64 GiB -> 48 GiB -> 45.6.
// So Q4_K_M needs ~5.1-6.3 GiB and fits every card (verdict gpu, 36 cases); F16 needs ~9.9-11.1 GiB: gpu on every
// card of 12 GiB and more, and on the 8 GiB RTX 4060 Ti a hybrid with roughly (7.6 - 0.45 - 1.25 output) / ~0.24 GiB
// per layer ~ 24 of 34 layers on the GPU.
//
// Where this disagrees with the seed, and why: the seed says F16 "fails to load" on the 12 GB RTX 4070 and that the
// 8 GB RTX 4060 Ti cannot run the model at all ("OOM loading the vision module"). Its own component figures (3.2 +
// 1.8 + 0.7 + 0.9 GB = 6.6 GB "unquantized") cannot hold 3.9 B parameters at 2 bytes each (7.8 GB). By tensor
// bytes, F16 with the projector needs ~11 GiB of the 4070's 11.4 usable, and Q4_K_M with the projector ~6.3 GiB of the
// 4060 Ti's 7.6.
#include <gtest/gtest.h>

#include <chrono>
#include <map>

#include "backends/cpu/dispatch.h"
#include "planner/header_source.h"
#include "planner/plan.h"
#include "planner/plan_report.h"
#include "unit/planner_fixtures.h"

using namespace snug;
using namespace snug::planner;

namespace {

struct Loaded {
    std::unique_ptr<ModelHeader> header;
    LoadedModel model;
    std::map<std::pair<int, int>, ComputeMeasure> measured;
};

Loaded* load(const std::string& type) {
    static std::map<std::string, std::unique_ptr<Loaded>> cache;
    if (auto it = cache.find(type); it != cache.end()) return it->second.get();
    const std::string path = test::synth_model("gemma-3-4b", type);
    if (path.empty()) return nullptr;
    auto l = std::make_unique<Loaded>();
    l->header = ModelHeader::open_local(path);
    l->model = analyze_model(*l->header);
    return (cache[type] = std::move(l)).get();
}

// The AVX2 table's scratch, on AVX2 and AVX-512 machines alike, so the expected verdicts do not move with the CPU.
const CpuKernels* kernels() {
    const CpuKernels* k = cpu_kernels_for(CpuIsa::AVX2);
    return k ? k : cpu_kernels_for(CpuIsa::SCALAR);
}

const ProjectorInfo& projector() {
    static const auto header = ModelHeader::open_local(test::gemma3_mmproj());
    static const ProjectorInfo info = analyze_projector(*header);
    return info;
}

Plan plan_for(Loaded& l, const std::string& gpu, int ctx, bool with_projector, bool require_gpu = false) {
    PlanInputs in;
    in.model = &l.model.info;
    in.projector = with_projector ? &projector() : nullptr;
    in.gpus = {gpu_from_arg(gpu)};
    in.cpu = cpu_device(uint64_t(32) << 30, uint64_t(32) << 30, 50.0, 8);
    in.request.ctx = ctx;
    in.request.threads = 8;
    in.request.require_gpu = require_gpu;
    in.measure = [&l](int n_tokens, int n_seqs) {
        const auto key = std::make_pair(n_tokens, n_seqs);
        auto it = l.measured.find(key);
        if (it == l.measured.end())
            it = l.measured.emplace(key, measure_compute(*l.model.model, n_tokens, n_seqs, 8, kernels())).first;
        return it->second;
    };
    return plan_model(in);
}

#define REQUIRE_SYNTH(l)                                                                     \
    do {                                                                                     \
        if (!(l)) {                                                                          \
            if (test::in_ci()) FAIL() << "synth_gguf.py could not generate gemma-3-4b";      \
            GTEST_SKIP() << "synth_gguf.py (python3 + numpy) unavailable";                   \
        }                                                                                    \
    } while (0)

const char* const SEED_GPUS[] = {"rtx4090",        "rtx4080-super", "rtx4070ti-super", "rtx4070",      "rtx4060ti-16gb",
                                 "rtx4060ti-8gb", "rtx3090",       "rx7900xtx",       "m2-ultra-64gb"};

}  // namespace

TEST(PlannerGpuTable, ProjectorIsCountedFromItsTensorTable) {
    const ProjectorInfo& p = projector();
    EXPECT_EQ(p.projector_type, "gemma3");
    EXPECT_EQ(p.encoder_bytes, 834531264u);
    EXPECT_EQ(p.projector_bytes, 5902848u);
    EXPECT_EQ(p.n_patches, 4096);
    EXPECT_EQ(p.tokens_per_image, 256);  // Gemma 3: 256 tokens per image
    EXPECT_EQ(p.image_embedding_bytes(2560), 256u * 2560u * 4u);
}

TEST(PlannerGpuTable, SeedTable) {
    for (const std::string type : {"Q4_K_M", "F16"}) {
        Loaded* l = load(type);
        REQUIRE_SYNTH(l);
        for (const char* gpu : SEED_GPUS)
            for (int ctx : {2048, 8192})
                for (bool proj : {false, true}) {
                    SCOPED_TRACE(type + " on " + gpu + " ctx " + std::to_string(ctx) + (proj ? " + projector" : ""));
                    const Plan p = plan_for(*l, gpu, ctx, proj);
                    const bool small = std::string(gpu) == "rtx4060ti-8gb";
                    if (type == "F16" && small) {
                        EXPECT_EQ(p.verdict, "hybrid");
                        EXPECT_GE(p.n_layers_gpu, 20);
                        EXPECT_LE(p.n_layers_gpu, 27);
                        EXPECT_NE(p.reason.find(" of 34 layers on rtx4060ti-8gb"), std::string::npos) << p.reason;
                        EXPECT_EQ(p.output_device, 0);  // the output head stays on the GPU
                        if (proj) {
                            EXPECT_EQ(p.projector_device, 1) << "no room left for the projector";
                        }
                    } else {
                        EXPECT_EQ(p.verdict, "gpu") << p.reason;
                        EXPECT_EQ(p.n_layers_gpu, 34);
                        EXPECT_NE(p.reason.find("everything fits on the GPU: " + std::string(gpu)), std::string::npos)
                            << p.reason;
                        if (proj) {
                            EXPECT_EQ(p.projector_device, 0);
                        }
                    }
                    // Layers on the GPU are the last ones: a suffix of the stack.
                    for (int il = 1; il < p.n_layers; ++il)
                        EXPECT_LE(p.layer_device[il], p.layer_device[il - 1]);
                    EXPECT_EQ(p.ctx, ctx);
                    EXPECT_EQ(p.kv_type, DType::F16);
                    EXPECT_EQ(p.kv.max_bytes, ctx == 2048 ? 228196352u : 354025472u);  // 217.6 / 337.6 MiB
                    EXPECT_GT(p.predicted_tg_tok_s, 0.0);
                    EXPECT_EQ(p.image_tokens, proj ? 256 : 0);
                }
    }
}

TEST(PlannerGpuTable, GpuShareOfWeightsMatchesTheFile) {
    Loaded* l = load("Q4_K_M");
    REQUIRE_SYNTH(l);
    const ModelInfo& m = l->model.info;
    EXPECT_EQ(m.file_bytes, 2490115104u);
    EXPECT_TRUE(m.tied_output);
    EXPECT_EQ(m.input_bytes, 262144u * (2560u / 256u) * 210u);  // Q6_K embedding: 210 bytes per 256 values
    const Plan p = plan_for(*l, "rtx4090", 2048, false);
    // The GPU holds every layer and a copy of the tied embedding for the output head; the CPU the embedding itself.
    EXPECT_EQ(p.devices[0].used.weights, m.weights_bytes());
    EXPECT_EQ(p.devices[1].used.weights, m.input_bytes);
}

TEST(PlannerGpuTable, RequireGpuRefusesToSpill) {
    Loaded* l = load("F16");
    REQUIRE_SYNTH(l);
    const Plan p = plan_for(*l, "rtx4060ti-8gb", 8192, true, /*require_gpu=*/true);
    EXPECT_EQ(p.verdict, "none");
    EXPECT_NE(p.reason.find("--require-gpu"), std::string::npos) << p.reason;
    EXPECT_NE(p.reason.find("rtx4060ti-8gb needs"), std::string::npos) << p.reason;
}

TEST(PlannerGpuTable, DefaultContextIsKeptWhenSpillingIsUnavoidable) {
    Loaded* l = load("F16");
    REQUIRE_SYNTH(l);
    const Plan p = plan_for(*l, "rtx4060ti-8gb", 0, false);
    // Neither a 2048 context nor a q4_0 cache brings 7.2 GiB of weights under 7.6 GiB with the rest: the fit spills
    // layers and keeps the default context (4096) and f16 cache.
    EXPECT_EQ(p.verdict, "hybrid");
    EXPECT_EQ(p.ctx, 4096);
    EXPECT_EQ(p.kv_type, DType::F16);
    EXPECT_TRUE(p.steps.empty());
}
