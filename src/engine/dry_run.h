// engine/dry_run.h: the compute scratch of one worst-case step, measured by running the model's real forward() on a
// CPU backend in measure mode (every op takes its scratch from the real arena, no kernel runs, no weight is read).
// No per-architecture formula: whatever a model allocates is what is counted. The engine reserves this much at load
// and the planner reports it, so the two always agree.
#pragma once
#include <cstdint>
#include <vector>

#include "models/model.h"

namespace snug {

struct CpuKernels;

struct ComputeMeasure {
    int n_tokens = 0;                   // tokens in the measured step
    int n_seqs = 0;                     // sequences sharing it, each wanting its last row's logits
    int n_threads = 0;                  // matmul and attention scratch grow with threads
    uint64_t total_bytes = 0;           // the arena's high water: input + layers + output
    // The step's allocations split at each layer's KV store, the one op every layer issues once:
    uint64_t input_bytes = 0;           // embeddings and layer 0's projections, before its KV store
    std::vector<uint64_t> layer_bytes;  // [n_layers]: from layer il's KV store to layer il + 1's; the last is 0
    uint64_t output_bytes = 0;          // after the last KV store: the last layer's rest and the output head
    uint64_t logits_bytes = 0;          // the engine's logits buffer, [n_seqs, n_vocab] f32, outside the arena
};

// The step: n_tokens split evenly over n_seqs sequences (positions from 0), each asking for the logits of its last
// token, as the engine's prompt processing does. n_threads <= 0: one per available core. kernels: the CPU kernel
// table whose matmul scratch is counted (null: the one this CPU runs; tests pin one so figures do not depend on the
// machine). Throws snug::Error for non-positive sizes or n_seqs > n_tokens.
ComputeMeasure measure_compute(const Model& model, int n_tokens, int n_seqs, int n_threads,
                               const CpuKernels* kernels = nullptr);

}  // namespace snug
