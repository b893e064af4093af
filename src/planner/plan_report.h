// planner/plan_report.h: a plan's verdict and reason, and its two renderings: the table `snug fit` prints and the JSON
// object of `snug fit --json` (later the server's /api/ps reuses the same fields).
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "planner/plan.h"

namespace snug::planner {

// "needs 9.1 GiB on rtx4070 but 8.6 GiB is usable (12.0 GiB free - 614 MiB margin)"; largest_layer > 0 adds that
// not even one layer fits when it does not.
std::string shortfall_text(const DevicePlan& d, uint64_t largest_layer);

// Sets p.verdict and p.reason from the placement: "gpu" (every layer, the output head and the projector on GPUs),
// "hybrid", "cpu" (nothing on a GPU) or "none" (fits == false; shortfall says why).
void finish_plan(Plan& p, bool fits, const std::string& shortfall, const PlanInputs& in);

nlohmann::json plan_json(const Plan& p, const ModelInfo& m, const ProjectorInfo* projector);
std::string plan_table(const Plan& p, const ModelInfo& m, const ProjectorInfo* projector);

}  // namespace snug::planner
