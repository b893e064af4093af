// tests/unit/planner_local.cpp: plan_local, the plan `snug run` and `snug serve` load with, on real files: a KV type
// the model's heads cannot hold is an error when asked for explicitly, and falls back to f16 with a note when it is
// a server-wide setting (SNUG_KV_CACHE_TYPE, as Ollama's OLLAMA_KV_CACHE_TYPE).
#include <gtest/gtest.h>

#include "base/error.h"
#include "planner/local_plan.h"
#include "unit/planner_fixtures.h"

using namespace snug;
using namespace snug::planner;

TEST(PlannerLocal, KvTypeTheHeadsCannotHoldFallsBackOnlyWhenAllowed) {
    const std::string tiny = test::data_path("models/stories260K.gguf");  // head_dim 8: no whole 32-value block
    const std::string llama = test::data_path("models/snug-llama-q4_k_m.gguf");
    SNUG_REQUIRE_DATA(tiny);
    SNUG_REQUIRE_DATA(llama);
    PlanRequest req;
    req.ctx = 256;
    req.kv_type = DType::Q8_0;

    try {
        plan_local(tiny, req);
        ADD_FAILURE() << "q8_0 accepted for head size 8";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("q8_0"), std::string::npos) << e.what();
    }

    req.kv_type_fallback = true;
    const LocalPlan fell_back = plan_local(tiny, req);
    EXPECT_EQ(fell_back.plan.kv_type, DType::F16);
    EXPECT_NE(fell_back.note.find("q8_0"), std::string::npos) << fell_back.note;
    EXPECT_NE(fell_back.note.find("f16"), std::string::npos) << fell_back.note;

    // A model whose heads hold it keeps the type, with no note.
    ASSERT_EQ(plan_local(llama, req).model.config.head_dim % 32, 0);
    const LocalPlan kept = plan_local(llama, req);
    EXPECT_EQ(kept.plan.kv_type, DType::Q8_0);
    EXPECT_TRUE(kept.note.empty()) << kept.note;
}
