// engine/request.h: one generation request as the runner sees it, and the channel its results come back through.
// HTTP handlers and the terminal chat submit RunRequests and read RunEvents; the runner's thread is the producer.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "sampling/sampler.h"

namespace snug {

// Restricts which tokens may come next (a JSON-schema grammar, for instance). One instance per request, used only
// by the runner's thread.
class TokenConstraint {
public:
    virtual ~TokenConstraint() = default;
    virtual void mask(std::span<float> logits) = 0;  // sets disallowed tokens to -infinity
    virtual void accept(int32_t token) = 0;          // the token sampled under the mask
    virtual bool complete() const = 0;               // the constrained text may end here
    virtual bool finished() const { return false; }  // nothing but the end may follow: stop without another step
};

struct RunRequest {
    std::vector<int32_t> prompt;  // non-empty, shorter than the context
    int n_predict = -1;           // -1: until end of generation or the context is full
    SamplingParams sampling;
    std::vector<std::string> stop;
    std::unique_ptr<TokenConstraint> constraint;  // optional
    bool ignore_eog = false;
    // Control tokens are written into the text (end-of-generation ones never are): Mistral's tool calls start with
    // the control token [TOOL_CALLS], which a plain decode drops.
    bool render_special = false;
};

struct RunStats {
    std::string done_reason;  // "stop", "length", "cancel", or "error"
    int prompt_tokens = 0;
    int prompt_cached = 0;    // prompt tokens whose KV came from an earlier sequence (prefix reuse)
    int eval_count = 0;       // generated tokens
    int64_t queue_ns = 0;     // submitted -> admitted
    int64_t prompt_ns = 0;    // admitted -> first token sampled
    int64_t eval_ns = 0;      // first token -> done
    std::vector<int32_t> tokens;  // generated ids (end-of-generation token excluded)
};

struct RunEvent {
    enum Kind { TEXT, DONE, ERROR } kind = TEXT;
    std::string text;   // TEXT: whole UTF-8 characters, never part of a stop string; ERROR: the message
    RunStats stats;     // DONE
};

// The consumer's end. next() blocks until an event or the timeout; after DONE or ERROR there are no more events.
class RequestHandle {
public:
    bool next(RunEvent& ev, std::chrono::milliseconds timeout);
    void cancel() { cancelled_.store(true); }  // the runner frees the sequence at its next step
    bool cancelled() const { return cancelled_.load(); }

    // Producer side (the runner).
    void push(RunEvent ev);

private:
    std::mutex m_;
    std::condition_variable cv_;
    std::deque<RunEvent> events_;
    std::atomic<bool> cancelled_{false};
};

}  // namespace snug
