// cli/planned_load.cpp
#include "cli/planned_load.h"

#include "base/error.h"

namespace snug::cli {

PlannedEngine load_planned(const std::string& gguf_path, const std::string& display_name, EngineOptions eo,
                           uint64_t baseline_bytes, std::optional<int> gpu_layers) {
    planner::PlanRequest req;
    req.ctx = eo.n_ctx;
    req.parallel = eo.max_full_contexts > 0 ? eo.max_full_contexts : eo.max_sequences;
    req.batch = eo.n_batch;
    req.threads = eo.n_threads;
    req.kv_block_size = eo.kv_block_size;
    req.kv_type = eo.kv_type;  // the engine stores exactly this type (f16 unless --kv-type)
    PlannedEngine out{planner::plan_local(gguf_path, req, baseline_bytes), nullptr};
    if (const std::string why = planner::refusal(out.plan, display_name); !why.empty()) throw Error(why);
    eo.n_ctx = out.plan.plan.ctx;
    eo.n_gpu_layers = gpu_layers ? *gpu_layers : out.plan.plan.n_layers_gpu;
    out.engine = Engine::load(gguf_path, eo);
    return out;
}

}  // namespace snug::cli
