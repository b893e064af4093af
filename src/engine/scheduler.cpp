#include "engine/scheduler.h"

#include <algorithm>

namespace snug {

std::vector<SchedStep> plan_step(std::span<const SchedSeq> seqs, int token_budget) {
    std::vector<SchedStep> steps;
    int used = 0;
    for (const SchedSeq& s : seqs)
        if (s.decoding && s.pending > 0) {
            steps.push_back(SchedStep{s.id, 1, true});
            ++used;
        }
    for (const SchedSeq& s : seqs) {
        if (s.decoding || s.pending <= 0) continue;
        const int room = token_budget - used;
        if (room <= 0) break;
        const int n = std::min(room, s.pending);
        steps.push_back(SchedStep{s.id, n, n == s.pending});
        used += n;
    }
    return steps;
}

}  // namespace snug
