// planner/speed.h: predicted generation and prompt speeds. Generation is bound by memory reads: each token reads every
// weight of the layers on a device, the output head and the KV cache it attends to, so its time is the sum over devices
// of bytes / bandwidth. Prompt processing is bound by arithmetic: 2 FLOPs per weight per token plus attention.
#pragma once
#include <cstdint>

#include "planner/model_info.h"
#include "planner/plan.h"

namespace snug::planner {

// Share of peak read bandwidth that decode reaches: snug's CPU decode measured 63-82% of this machine's read
// bandwidth (bench/RESULTS.md); GPUs are assumed to reach the same until a GPU backend measures its own.
inline constexpr double BANDWIDTH_EFFICIENCY = 0.7;
// Share of a GPU's f16 matrix peak that prompt processing reaches (assumed). The CPU's figure is already effective.
inline constexpr double GPU_MATMUL_EFFICIENCY = 0.5;
// Read bandwidth assumed when it is not measured (planning another machine with --ram): this project's machine,
// bench/RESULTS.md's snug_membw with 2 threads.
inline constexpr double DEFAULT_CPU_BANDWIDTH_GBS = 17.5;

// Fills p.predicted_tg_tok_s and p.predicted_pp_tok_s for one sequence at half the planned context. Leaves them 0
// for a plan that does not fit.
void predict_speed(Plan& p, const ModelInfo& m);

// Best of three passes reading a buffer of buffer_bytes with n_threads threads (<= 0: one per core), in GB/s. Takes
// about 0.1 s for the default 256 MiB.
double measure_read_bandwidth(int n_threads, uint64_t buffer_bytes = uint64_t(256) << 20);

}  // namespace snug::planner
