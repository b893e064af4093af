// cli/planned_load.h: how `snug run` and the interactive chat load a model — plan first (planner/local_plan.h), refuse
// a model that does not fit with the plan's reason, then load the engine with the plan's context, so the line
// printed is what the process then holds.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "engine/engine.h"
#include "planner/local_plan.h"

namespace snug::cli {

struct PlannedEngine {
    planner::LocalPlan plan;
    std::unique_ptr<Engine> engine;
};

// eo.n_ctx == 0 lets the plan choose (the engine's default, shrunk when memory is short); a set one is kept or
// refused. baseline_bytes: process_resident_bytes() read when the command started. gpu_layers: the user's
// --gpu-layers (-1: all); unset, the plan's placement (plan.n_layers_gpu, 0 without a GPU). Throws snug::Error.
PlannedEngine load_planned(const std::string& gguf_path, const std::string& display_name, EngineOptions eo,
                           uint64_t baseline_bytes, std::optional<int> gpu_layers = std::nullopt);

}  // namespace snug::cli
