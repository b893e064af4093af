// planner/local_plan.h: the plan `snug run` and `snug serve` load with — the same fit as `snug fit`, for a local GGUF
// on this machine's devices (its RAM today; GPUs once a GPU backend reports them). The engine then takes the plan's
// context and KV type, so what it allocates is what was planned and printed.
#pragma once
#include <cstdint>
#include <string>

#include "engine/engine.h"
#include "planner/plan.h"

namespace snug::planner {

struct LocalPlan {
    Plan plan;
    ModelInfo model;
    std::string note;  // what the plan changed from the request (a KV type fallback), or ""
};

// Plans the GGUF at gguf_path for req on this machine. baseline_bytes: the process's resident memory before any model
// (process_resident_bytes() read at start-up; 0 uses CPU_PROCESS_BASELINE_BYTES). The CPU's bandwidth is the
// planner's default rather than measured: measuring would cost a large buffer in the very process whose memory the
// plan predicts. Throws snug::Error for a malformed file or an impossible request (plan_model's errors).
LocalPlan plan_local(const std::string& gguf_path, const PlanRequest& req, uint64_t baseline_bytes = 0);

// The plan request for an engine about to load with eo: its context (0: the planner's default), sequences (the KV
// pool's cap in whole contexts), batch, threads, KV block and KV type (kept exactly: the engine stores that type).
PlanRequest request_for(const EngineOptions& eo);
// eo as the plan has it: the plan's context, KV type and GPU layers, so that what loads is what was planned.
void follow_plan(const Plan& p, EngineOptions& eo);

// The refusal when a plan does not fit: "MODEL does not fit in memory: REASON (PLAN LINE)"; "" when it fits.
std::string refusal(const LocalPlan& p, const std::string& model_name);

}  // namespace snug::planner
