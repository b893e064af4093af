// tests/unit/planner_dry_run.cpp: the dry run's scratch equals what the CPU backend's arena really reaches when the
// same step runs for real (real weights, real KV cache, every kernel), for each architecture in ../shared/models.
#include <gtest/gtest.h>

#include <numeric>

#include "backends/cpu/cpu_backend.h"
#include "base/error.h"
#include "engine/dry_run.h"
#include "kv/kv_cache.h"
#include "planner/header_source.h"
#include "planner/model_info.h"
#include "unit/planner_fixtures.h"

using namespace snug;
using namespace snug::planner;

namespace {

// One real step of n_tokens split over n_seqs fresh sequences, each wanting its last row's logits, as the engine
// builds it (engine/engine.cpp step()) over a cache of kv_type; returns the arena's high water.
size_t real_step(const Model& model, int n_tokens, int n_seqs, int n_threads, DType kv_type) {
    const ModelConfig& c = model.config();
    KvCacheConfig kc;
    kc.dtype = kv_type;
    for (int il = 0; il < c.n_layers; ++il)
        kc.layers.push_back(KvLayerSpec{c.n_kv_heads, c.head_dim, c.layer_window[static_cast<size_t>(il)]});
    kc.max_positions = n_tokens;
    kc.max_sequences = n_seqs;
    KvCache kv(kc);
    std::vector<int32_t> tokens(static_cast<size_t>(n_tokens)), positions, rows;
    for (int i = 0; i < n_tokens; ++i) tokens[static_cast<size_t>(i)] = (i * 7 + 1) % c.n_vocab;
    StepInput in;
    in.kv_layers.resize(static_cast<size_t>(c.n_layers));
    in.kv_slices.resize(static_cast<size_t>(c.n_layers));
    for (int s = 0, begin = 0; s < n_seqs; ++s) {
        const int n = n_tokens / n_seqs + (s < n_tokens % n_seqs ? 1 : 0);
        const int seq = kv.add_sequence();
        if (!kv.prepare(seq, 0, n)) throw Error("no KV blocks");
        for (int i = 0; i < n; ++i) positions.push_back(i);
        for (int il = 0; il < c.n_layers; ++il) {
            SeqSlice sl = kv.slice(seq, il, begin, begin + n);
            in.kv_slices[static_cast<size_t>(il)].push_back(sl);
        }
        rows.push_back(begin + n - 1);
        begin += n;
    }
    for (int il = 0; il < c.n_layers; ++il) in.kv_layers[static_cast<size_t>(il)] = kv.layer(il);
    in.tokens = tokens;
    in.positions = positions;
    in.output_rows = rows;
    std::vector<float> logits(rows.size() * static_cast<size_t>(c.n_vocab));
    CpuBackend backend(n_threads);
    backend.reset_scratch();
    model.forward(backend, in, Tensor(DType::F32, {static_cast<int64_t>(rows.size()), c.n_vocab}, logits.data()));
    return backend.scratch_high_water();
}

}  // namespace

TEST(PlannerDryRun, EqualsARealStep) {
    for (const char* file : {"stories260K.gguf", "snug-llama-q4_k_m.gguf", "snug-qwen2-q4_k_m.gguf",
                             "snug-qwen3-q8_0.gguf", "snug-gemma3-q4_0.gguf", "snug-gemma3-f16.gguf"}) {
        const std::string path = test::data_path(std::string("models/") + file);
        SNUG_REQUIRE_DATA(path);
        const auto h = ModelHeader::open_local(path);
        const LoadedModel lm = analyze_model(*h);
        for (const auto& [n_tokens, n_seqs, threads] : {std::tuple{1, 1, 1}, std::tuple{37, 1, 2},
                                                        std::tuple{200, 1, 2}, std::tuple{64, 3, 2}}) {
            SCOPED_TRACE(std::string(file) + " " + std::to_string(n_tokens) + " tokens, " + std::to_string(n_seqs) +
                         " sequences, " + std::to_string(threads) + " threads");
            const ComputeMeasure m = measure_compute(*lm.model, n_tokens, n_seqs, threads);
            // The dry run stores no KV: its measure must hold whatever type the real cache is.
            for (DType t : {DType::F16, DType::F32, DType::Q8_0, DType::Q4_0}) {
                if (!kv_type_holds(t, lm.model->config().head_dim)) continue;
                EXPECT_EQ(m.total_bytes, real_step(*lm.model, n_tokens, n_seqs, threads, t)) << dtype_name(t);
            }
            const uint64_t split = std::accumulate(m.layer_bytes.begin(), m.layer_bytes.end(), m.input_bytes) +
                                   m.output_bytes;
            EXPECT_EQ(split, m.total_bytes);
            EXPECT_EQ(m.logits_bytes, uint64_t(n_seqs) * uint64_t(lm.info.config.n_vocab) * 4);
            EXPECT_EQ(m.n_threads, threads);
        }
    }
}

TEST(PlannerDryRun, ScratchGrowsWithTheStep) {
    const std::string path = test::data_path("models/snug-gemma3-q4_0.gguf");
    SNUG_REQUIRE_DATA(path);
    const auto h = ModelHeader::open_local(path);
    const LoadedModel lm = analyze_model(*h);
    const ComputeMeasure one = measure_compute(*lm.model, 1, 1, 2);
    const ComputeMeasure many = measure_compute(*lm.model, 512, 1, 2);
    EXPECT_GT(many.total_bytes, 100 * one.total_bytes / 2);
    // Every layer but the last (whose rest is counted with the output head) has the same share.
    for (size_t il = 1; il + 1 < many.layer_bytes.size(); ++il) EXPECT_EQ(many.layer_bytes[il], many.layer_bytes[0]);
    EXPECT_EQ(many.layer_bytes.back(), 0u);
    EXPECT_THROW(measure_compute(*lm.model, 0, 1, 1), Error);
    EXPECT_THROW(measure_compute(*lm.model, 2, 3, 1), Error);
}
