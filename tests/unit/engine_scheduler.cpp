// tests/unit/engine_scheduler.cpp: the continuous-batching policy, by hand-worked cases.
#include <gtest/gtest.h>

#include "engine/scheduler.h"

namespace snug {
namespace {

TEST(Scheduler, DecodesGoFirstThenPromptChunksInArrivalOrder) {
    const std::vector<SchedSeq> seqs = {{1, 700, false}, {2, 1, true}, {3, 100, false}, {4, 1, true}};
    const auto s = plan_step(seqs, 512);
    // 2 decode tokens, then 510 of sequence 1's 700-token prompt; sequence 3 waits for the next step.
    const std::vector<SchedStep> want = {{2, 1, true}, {4, 1, true}, {1, 510, false}};
    EXPECT_EQ(s, want);
}

TEST(Scheduler, APromptThatFitsWantsItsLogitsAndTheNextGetsTheRest) {
    const std::vector<SchedSeq> seqs = {{1, 190, false}, {2, 400, false}};
    const std::vector<SchedStep> want = {{1, 190, true}, {2, 322, false}};
    EXPECT_EQ(plan_step(seqs, 512), want);
}

TEST(Scheduler, DecodersAreNeverStarvedByASmallBudget) {
    const std::vector<SchedSeq> seqs = {{1, 1, true}, {2, 1, true}, {3, 1, true}, {4, 50, false}};
    const std::vector<SchedStep> want = {{1, 1, true}, {2, 1, true}, {3, 1, true}};
    EXPECT_EQ(plan_step(seqs, 2), want);
}

TEST(Scheduler, IdleSequencesAreSkipped) {
    const std::vector<SchedSeq> seqs = {{1, 0, false}, {2, 0, true}};
    EXPECT_TRUE(plan_step(seqs, 512).empty());
    EXPECT_TRUE(plan_step({}, 512).empty());
}

}  // namespace
}  // namespace snug
