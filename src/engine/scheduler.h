// engine/scheduler.h: the iteration-level batch policy of continuous batching, as a pure function over sequence
// states so that it is tested without a model. Every step, each decoding sequence advances by its one sampled token
// (decode latency first), and the rest of the token budget goes to prompt chunks in arrival order, so a long prompt is
// prefilled across several steps while other sequences keep decoding.
#pragma once
#include <span>
#include <vector>

namespace snug {

struct SchedSeq {
    int id = 0;       // the caller's handle
    int pending = 0;  // tokens known but not yet in the KV cache (prompt rest, or the one sampled token)
    bool decoding = false;  // pending is the single token sampled last step
};

struct SchedStep {
    int id = 0;
    int n_tokens = 0;
    bool want_logits = false;  // the chunk reaches the end of the pending tokens: the next token is sampled
    bool operator==(const SchedStep&) const = default;
};

// seqs in arrival order; token_budget > 0. Sequences with nothing pending are skipped. A decoding sequence is never
// starved: all of them run even when their count exceeds the budget.
std::vector<SchedStep> plan_step(std::span<const SchedSeq> seqs, int token_budget);

}  // namespace snug
