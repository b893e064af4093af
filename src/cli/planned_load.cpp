// cli/planned_load.cpp
#include "cli/planned_load.h"

#include "base/error.h"

namespace snug::cli {

PlannedEngine load_planned(const std::string& gguf_path, const std::string& display_name, EngineOptions eo,
                           uint64_t baseline_bytes, std::optional<int> gpu_layers) {
    PlannedEngine out{planner::plan_local(gguf_path, planner::request_for(eo), baseline_bytes), nullptr};
    if (const std::string why = planner::refusal(out.plan, display_name); !why.empty()) throw Error(why);
    planner::follow_plan(out.plan.plan, eo);
    if (gpu_layers) eo.n_gpu_layers = *gpu_layers;
    out.engine = Engine::load(gguf_path, eo);
    return out;
}

}  // namespace snug::cli
