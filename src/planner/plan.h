// planner/plan.h: the memory plan — what goes on which device, what it costs, whether it fits, and how fast it should
// run. plan_model() is the fit: start with everything on the GPUs; if that does not fit, take the steps the request
// orders (shrink a context the user did not set, quantize a KV type the user did not set, move whole layers to the
// CPU from the first layer on, keeping the output head on a GPU) until it fits or nothing is left to try.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "engine/dry_run.h"
#include "planner/devices.h"
#include "planner/kv_budget.h"
#include "planner/model_info.h"

namespace snug::planner {

enum class FitStep : uint8_t { CTX, KV, LAYERS };
// "ctx,kv,layers" in any order, any subset; throws snug::Error naming an unknown step.
std::vector<FitStep> parse_fit_order(const std::string& s);
// The order: shrink the context, then quantize the KV cache, then move layers to the CPU.
std::vector<FitStep> default_fit_order();

struct PlanRequest {
    int ctx = 0;                   // 0: the engine's default (the trained context, at most DEFAULT_CTX), shrinkable
    int parallel = 1;              // sequences decoding at once, each with its own context
    std::optional<DType> kv_type;  // unset: f16 (the engine's default, as llama.cpp's), then quantizable
    // A kv_type this model's heads cannot hold (q8_0/q4_0 need head_dim % 32 == 0) falls back to f16 with a note
    // (plan_local's LocalPlan::note) instead of an error: for a server-wide setting, as Ollama's OLLAMA_KV_CACHE_TYPE.
    bool kv_type_fallback = false;
    int batch = 512;               // tokens per prompt-processing step
    int threads = 0;               // CPU threads (0: one per core); the scratch grows with them
    int kv_block_size = 32;        // the engine's KV block
    bool require_gpu = false;      // refuse rather than put anything on the CPU
    std::vector<FitStep> order = default_fit_order();
    double margin_fraction = 0.05;                // of each device's free memory, kept unplanned
    uint64_t min_margin_bytes = uint64_t(64) << 20;
    static constexpr int DEFAULT_CTX = 4096;      // engine/engine.h's default
    static constexpr int MIN_AUTO_CTX = 2048;     // a default context is never shrunk below this
};

// Bytes one device holds, by component (the JSON's `components`).
struct Components {
    uint64_t weights = 0;
    uint64_t kv = 0;
    uint64_t vision = 0;     // the projector file's encoder (v.*)
    uint64_t projector = 0;  // the projector file's mm.* tensors and one image's embeddings
    uint64_t compute = 0;    // step scratch (+ logits and sampler buffers on the CPU)
    uint64_t overhead = 0;   // backend context, process baseline, parsed metadata and tokenizer, mapped header
    uint64_t total() const { return weights + kv + vision + projector + compute + overhead; }
};

struct DevicePlan {
    DeviceSpec device;
    Components used;
    uint64_t margin_bytes = 0;  // kept free
    int n_layers = 0;           // repeating layers placed here
    bool has_output = false;
    bool has_projector = false;
    uint64_t usable_bytes() const;  // free - margin, 0 when the margin is larger
};

struct Plan {
    std::string verdict;  // "gpu", "hybrid", "cpu", "none"
    std::string reason;
    std::vector<std::string> steps;  // what the fit changed, in order ("context 4096 -> 2048", ...)
    int n_layers = 0;
    int n_layers_gpu = 0;
    int ctx = 0;
    bool ctx_user_set = false;
    int parallel = 0;
    int batch = 0;
    DType kv_type = DType::F16;
    std::vector<DevicePlan> devices;  // the GPUs in the order given, then the CPU
    std::vector<int> layer_device;    // [n_layers] index into devices
    int output_device = -1;
    int projector_device = -1;        // -1 without a projector
    KvBudget kv;
    ComputeMeasure compute;
    int image_tokens = 0;             // one image's cost in the context (0 without a projector)
    uint64_t image_bytes = 0;         // one image's embeddings
    double predicted_tg_tok_s = 0;
    double predicted_pp_tok_s = 0;
    uint64_t gpu_bytes() const;       // planned on GPUs
    uint64_t cpu_bytes() const;       // planned on the CPU: what `snug run` should show as peak RSS
};

// Inputs of the fit. measure(n_tokens, n_seqs) runs (or fakes, in tests) the dry run; plan_model calls it once per
// distinct step shape.
struct PlanInputs {
    const ModelInfo* model = nullptr;
    const ProjectorInfo* projector = nullptr;  // null: text only
    std::vector<DeviceSpec> gpus;
    DeviceSpec cpu;
    PlanRequest request;
    std::function<ComputeMeasure(int n_tokens, int n_seqs)> measure;
};

// A request no plan can satisfy whatever the memory: a context beyond the model's limit, non-positive sizes, a KV type
// the cache cannot hold. Servers answer it as the client's error.
class PlanRequestError : public Error {
public:
    using Error::Error;
};

// Throws PlanRequestError for an impossible request (context beyond the model's limit, non-positive sizes, a KV type the
// cache cannot hold); a model that does not fit is a plan with verdict "none" and the reason.
Plan plan_model(const PlanInputs& in);

// The one line `snug run` / `snug serve` print: "plan: gpu, 34/34 layers on rtx4090, ctx 4096, kv f16, 5.1 GiB GPU +
// 0.6 GiB CPU, ~95 tok/s".
std::string plan_line(const Plan& p);

}  // namespace snug::planner
