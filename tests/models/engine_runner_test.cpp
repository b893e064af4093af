// tests/models/engine_runner_test.cpp: continuous batching end to end. Concurrent requests must produce exactly what
// each produces alone through generate() (the single-sequence loop), with prefix reuse, preemption under KV
// pressure, cancellation and the queue bound working.
#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "engine/generate.h"
#include "engine/runner.h"
#include "reference_models.h"
#include "tokenizer/tokenizer.h"

namespace snug {
namespace {

const char* MODEL = "snug-qwen2-q4_k_m";

std::string model_path() { return test::data_path(std::string("models/") + MODEL + ".gguf"); }

SamplingParams seeded(uint64_t seed) {
    SamplingParams p;
    p.seed = seed;
    p.temperature = 0.7f;
    return p;
}

std::vector<int32_t> prompt_of(const Tokenizer& tok, const std::string& text) {
    return tok.encode(text, true, false);
}

std::string alone(const std::vector<int32_t>& prompt, uint64_t seed, int n_predict, float temperature = 0.7f) {
    EngineOptions o;
    o.n_threads = 2;
    o.n_ctx = 512;
    auto e = Engine::load(model_path(), o);
    GenerateOptions g;
    g.n_predict = n_predict;
    g.sampling = seeded(seed);
    g.sampling.temperature = temperature;
    return generate(*e, e->new_sequence(), prompt, g).text;
}

struct Collected {
    std::string text;
    RunStats stats;
    std::string error;
};

Collected collect(RequestHandle& h) {
    Collected c;
    RunEvent ev;
    while (h.next(ev, std::chrono::seconds(60))) {
        if (ev.kind == RunEvent::TEXT) c.text += ev.text;
        if (ev.kind == RunEvent::ERROR) {
            c.error = ev.text;
            return c;
        }
        if (ev.kind == RunEvent::DONE) {
            c.stats = std::move(ev.stats);
            return c;
        }
    }
    c.error = "timed out";
    return c;
}

std::unique_ptr<Runner> make_runner(RunnerOptions ro, int full_contexts = 0, int n_ctx = 512) {
    EngineOptions o;
    o.n_threads = 2;
    o.n_ctx = n_ctx;
    o.kv_block_size = 16;
    o.max_sequences = ro.n_parallel + ro.n_cached;
    o.max_full_contexts = full_contexts;
    return std::make_unique<Runner>(Engine::load(model_path(), o), ro);
}

RunRequest request(std::vector<int32_t> prompt, uint64_t seed, int n_predict) {
    RunRequest r;
    r.prompt = std::move(prompt);
    r.sampling = seeded(seed);
    r.n_predict = n_predict;
    return r;
}

const std::vector<std::string> PROMPTS = {
    "Once upon a time", "The little dog", "In a small town by the sea, there lived", "Lily wanted to",
    "Tom and Sue went to the park", "One day, a bird", "The sun was", "Max found a box"};

TEST(Runner, ConcurrentRequestsMatchEachRunAlone) {
    SNUG_REQUIRE_DATA(model_path());
    auto runner = make_runner(RunnerOptions{4, 64, 4});
    const Tokenizer& tok = runner->engine().tokenizer();
    std::vector<std::shared_ptr<RequestHandle>> hs;
    for (size_t i = 0; i < PROMPTS.size(); ++i) hs.push_back(runner->submit(request(prompt_of(tok, PROMPTS[i]), 100 + i, 24)));
    for (size_t i = 0; i < PROMPTS.size(); ++i) {
        const Collected c = collect(*hs[i]);
        ASSERT_EQ(c.error, "");
        EXPECT_EQ(c.text, alone(prompt_of(tok, PROMPTS[i]), 100 + i, 24)) << PROMPTS[i];
        EXPECT_EQ(c.stats.done_reason, c.stats.eval_count == 24 ? "length" : "stop");
        EXPECT_EQ(c.stats.prompt_tokens, static_cast<int>(prompt_of(tok, PROMPTS[i]).size()));
    }
}

TEST(Runner, SharedPrefixIsReusedAndChangesNothing) {
    SNUG_REQUIRE_DATA(model_path());
    auto runner = make_runner(RunnerOptions{2, 8, 2});
    const Tokenizer& tok = runner->engine().tokenizer();
    const std::string system = "You are a storyteller. You tell short, happy stories to small children about animals. ";
    const auto p1 = prompt_of(tok, system + "Tell me about a cat.");
    const auto p2 = prompt_of(tok, system + "Tell me about a frog.");
    const Collected c1 = collect(*runner->submit(request(p1, 7, 16)));
    const Collected c2 = collect(*runner->submit(request(p2, 8, 16)));
    EXPECT_EQ(c1.stats.prompt_cached, 0);
    EXPECT_GE(c2.stats.prompt_cached, 16);
    EXPECT_EQ(c2.text, alone(p2, 8, 16));
    // The same prompt again reuses all but its last block.
    const Collected c3 = collect(*runner->submit(request(p1, 7, 16)));
    EXPECT_EQ(c3.text, c1.text);
    EXPECT_GE(c3.stats.prompt_cached, static_cast<int>(p1.size()) - 16);
}

// A preempted request recomputes its generated tokens as one prompt chunk; the matmul kernels for one row (decode)
// and many (prefill) round differently in the last bits, which can flip a temperature draw between near-equal
// tokens, so this test decodes greedily.
TEST(Runner, PreemptionUnderKvPressureKeepsOutputs) {
    SNUG_REQUIRE_DATA(model_path());
    // Room for one full 128-token context in all: four sequences of ~60 tokens cannot all run at once.
    auto runner = make_runner(RunnerOptions{4, 64, 0}, 1, 128);
    const Tokenizer& tok = runner->engine().tokenizer();
    std::vector<std::shared_ptr<RequestHandle>> hs;
    for (size_t i = 0; i < 4; ++i) {
        RunRequest r = request(prompt_of(tok, PROMPTS[i]), 5 + i, 48);
        r.sampling.temperature = 0;
        hs.push_back(runner->submit(std::move(r)));
    }
    for (size_t i = 0; i < 4; ++i) {
        const Collected c = collect(*hs[i]);
        ASSERT_EQ(c.error, "");
        EXPECT_EQ(c.text, alone(prompt_of(tok, PROMPTS[i]), 5 + i, 48, 0.0f)) << PROMPTS[i];
    }
    EXPECT_EQ(runner->status().kv_blocks_in_use, 0);
    EXPECT_GT(runner->status().preemptions, 0);
}

TEST(Runner, CancelFreesTheSequenceAtOnce) {
    SNUG_REQUIRE_DATA(model_path());
    auto runner = make_runner(RunnerOptions{2, 8, 0});
    const Tokenizer& tok = runner->engine().tokenizer();
    auto h = runner->submit(request(prompt_of(tok, "Once upon a time"), 1, 400));
    RunEvent ev;
    ASSERT_TRUE(h->next(ev, std::chrono::seconds(30)));
    h->cancel();
    Collected c = collect(*h);
    EXPECT_EQ(c.stats.done_reason, "cancel");
    EXPECT_LT(c.stats.eval_count, 400);
    for (int i = 0; i < 100 && runner->status().kv_blocks_in_use != 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_EQ(runner->status().kv_blocks_in_use, 0);
}

// Forces the text to be one given token, then allows only end of generation.
class ForceToken final : public TokenConstraint {
public:
    ForceToken(int32_t token, int32_t eog, bool finish = false, int* masks = nullptr)
        : token_(token), eog_(eog), finish_(finish), masks_(masks) {}
    void mask(std::span<float> logits) override {
        if (masks_) ++*masks_;
        for (size_t i = 0; i < logits.size(); ++i)
            if (static_cast<int32_t>(i) != (done_ ? eog_ : token_)) logits[i] = -INFINITY;
    }
    void accept(int32_t t) override { done_ = done_ || t == token_; }
    bool complete() const override { return done_; }
    bool finished() const override { return finish_ && done_; }

private:
    int32_t token_, eog_;
    bool finish_;
    int* masks_;
    bool done_ = false;
};

TEST(Runner, ControlTokensAndConstraintsEndAsAsked) {
    // A llama vocabulary: <s> is a control token that does not end generation (qwen2's only one, <|endoftext|>, does).
    const std::string path = test::data_path("models/snug-llama-q4_k_m.gguf");
    SNUG_REQUIRE_DATA(path);
    EngineOptions o;
    o.n_threads = 2;
    o.n_ctx = 128;
    o.max_sequences = 1;
    Runner runner(Engine::load(path, o), RunnerOptions{1, 4, 0});
    const Tokenizer& tok = runner.engine().tokenizer();
    const int32_t start = tok.find_token("<s>"), end = tok.find_token("</s>");
    ASSERT_GE(start, 0);
    ASSERT_TRUE(tok.is_control(start));
    ASSERT_GE(end, 0);
    for (bool special : {false, true}) {
        RunRequest r = request(prompt_of(tok, "Once upon a time"), 1, 8);
        r.constraint = std::make_unique<ForceToken>(start, end);
        r.render_special = special;
        const Collected c = collect(*runner.submit(std::move(r)));
        ASSERT_EQ(c.error, "");
        // The end-of-generation token ends the request and is never text; the control token is text only on request.
        EXPECT_EQ(c.text, special ? "<s>" : "");
        EXPECT_EQ(c.stats.done_reason, "stop");
        EXPECT_EQ(c.stats.tokens, std::vector<int32_t>{start});
    }
    // A constraint that says nothing may follow ends the request at once: one masked step, not a second for the EOS.
    for (bool finish : {false, true}) {
        int masks = 0;
        RunRequest r = request(prompt_of(tok, "Once upon a time"), 1, 8);
        r.constraint = std::make_unique<ForceToken>(start, end, finish, &masks);
        const Collected c = collect(*runner.submit(std::move(r)));
        EXPECT_EQ(c.stats.done_reason, "stop");
        EXPECT_EQ(c.stats.tokens, std::vector<int32_t>{start});
        EXPECT_EQ(masks, finish ? 1 : 2);
    }
}

TEST(Runner, BadRequestsAndAFullQueueAreRefused) {
    SNUG_REQUIRE_DATA(model_path());
    auto runner = make_runner(RunnerOptions{1, 1, 0}, 0, 64);
    EXPECT_THROW(runner->submit(request({}, 1, 4)), Error);
    EXPECT_THROW(runner->submit(request(std::vector<int32_t>(64, 1), 1, 4)), Error);
    EXPECT_THROW(runner->submit(request({1, -5}, 1, 4)), Error);
    RunRequest bad = request({1, 2}, 1, 4);
    bad.sampling.top_p = 2;
    EXPECT_THROW(runner->submit(std::move(bad)), Error);
    // One running (after the runner picks it up) plus one waiting fill it; a third is refused.
    auto h1 = runner->submit(request({1, 2, 3}, 1, 200));
    for (int i = 0; i < 200 && runner->status().running == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    auto h2 = runner->submit(request({1, 2, 3}, 1, 4));
    EXPECT_THROW(runner->submit(request({1, 2, 3}, 1, 4)), QueueFullError);
    h1->cancel();
    EXPECT_EQ(collect(*h1).error, "");
    EXPECT_EQ(collect(*h2).error, "");
}

}  // namespace
}  // namespace snug
