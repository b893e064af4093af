#include "engine/runner.h"

#include <algorithm>
#include <future>

#include "engine/scheduler.h"
#include "sampling/stop_matcher.h"
#include "tokenizer/tokenizer.h"

namespace snug {
namespace {
int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}
size_t common_prefix(std::span<const int32_t> a, std::span<const int32_t> b) {
    size_t n = 0;
    while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
    return n;
}
}  // namespace

bool RequestHandle::next(RunEvent& ev, std::chrono::milliseconds timeout) {
    std::unique_lock lk(m_);
    if (!cv_.wait_for(lk, timeout, [&] { return !events_.empty(); })) return false;
    ev = std::move(events_.front());
    events_.pop_front();
    return true;
}

void RequestHandle::push(RunEvent ev) {
    {
        std::lock_guard lk(m_);
        events_.push_back(std::move(ev));
    }
    cv_.notify_all();
}

struct Runner::Active {
    Active(RunRequest r, std::shared_ptr<RequestHandle> h, const Tokenizer& tok, int32_t n_vocab)
        : req(std::move(r)), handle(std::move(h)), sampler(req.sampling, n_vocab), decoder(tok, req.render_special), stops(req.stop) {}
    RunRequest req;
    std::shared_ptr<RequestHandle> handle;
    Sampler sampler;
    StreamDecoder decoder;
    StopMatcher stops;
    int seq = -1;
    std::vector<int32_t> tokens;  // prompt, then every sampled token
    int n_done = 0;               // tokens of `tokens` in the KV cache
    int64_t admitted_ns = 0, first_token_ns = 0;
    std::vector<float> masked;    // [n_vocab] logits under the constraint
    RunStats stats;
    std::string finish_reason;    // set when the request is done this step
};

Runner::Runner(std::unique_ptr<Engine> engine, const RunnerOptions& opt) : engine_(std::move(engine)), opt_(opt) {
    if (opt_.n_parallel <= 0) throw Error("the number of parallel sequences must be positive");
    if (opt_.max_queue < 0 || opt_.n_cached < 0) throw Error("queue and cache sizes cannot be negative");
    if (engine_->kv().config().max_sequences < opt_.n_parallel + opt_.n_cached)
        throw Error("the engine was loaded for " + std::to_string(engine_->kv().config().max_sequences) +
                    " sequences but the runner needs " + std::to_string(opt_.n_parallel + opt_.n_cached));
    for (int g = 0; g < engine_->kv().n_groups(); ++g) status_.kv_blocks_max += engine_->kv().max_blocks(g);
    thread_ = std::thread([this] { loop(); });
}

Runner::~Runner() {
    {
        std::lock_guard lk(m_);
        stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
}

std::shared_ptr<RequestHandle> Runner::submit(RunRequest req) {
    if (req.prompt.empty()) throw Error("the prompt is empty: at least one token is needed to generate");
    if (static_cast<int>(req.prompt.size()) >= engine_->n_ctx())
        throw Error("the prompt has " + std::to_string(req.prompt.size()) + " tokens but the context holds " +
                    std::to_string(engine_->n_ctx()) + " (room is needed for at least one generated token)");
    for (int32_t t : req.prompt)
        if (t < 0 || t >= engine_->n_vocab()) throw Error("token id " + std::to_string(t) + " is outside the vocabulary");
    req.sampling.validate();
    auto handle = std::make_shared<RequestHandle>();
    {
        std::lock_guard lk(m_);
        if (stopping_) throw Error("the model is being unloaded");
        const int waiting_beyond = static_cast<int>(queue_.size()) + status_.running - opt_.n_parallel;
        if (waiting_beyond >= opt_.max_queue)
            throw QueueFullError("server busy: " + std::to_string(queue_.size()) + " requests are already waiting");
        queue_.push_back(Queued{std::move(req), handle, now_ns()});
        status_.queued = static_cast<int>(queue_.size());
    }
    cv_.notify_all();
    return handle;
}

std::vector<float> Runner::embed(std::vector<int32_t> tokens) {
    for (int32_t t : tokens)
        if (t < 0 || t >= engine_->n_vocab()) throw Error("token id " + std::to_string(t) + " is outside the vocabulary");
    if (static_cast<int>(tokens.size()) > engine_->n_ctx())
        throw Error("the input has " + std::to_string(tokens.size()) + " tokens but the context holds " +
                    std::to_string(engine_->n_ctx()));
    std::packaged_task<std::vector<float>()> task([this, &tokens] {
        // A sequence id of its own: give way a cached prefix if every id is taken.
        if (!cache_.empty() && static_cast<int>(active_.size() + cache_.size()) >= opt_.n_parallel + opt_.n_cached) {
            engine_->free_sequence(cache_.back().seq);
            cache_.pop_back();
        }
        return engine_->embed(tokens);
    });
    std::future<std::vector<float>> result = task.get_future();
    {
        std::lock_guard lk(m_);
        if (stopping_) throw Error("the model is being unloaded");
        tasks_.push_back([&task] { task(); });
    }
    cv_.notify_all();
    return result.get();
}

RunnerStatus Runner::status() const {
    std::lock_guard lk(m_);
    return status_;
}

void Runner::loop() {
    for (;;) {
        std::vector<Queued> admitted;
        {
            std::unique_lock lk(m_);
            cv_.wait(lk, [&] {
                return stopping_ || !queue_.empty() || !active_.empty() || !preempted_.empty() || !tasks_.empty();
            });
            if (stopping_) break;
            while (!tasks_.empty()) {
                std::function<void()> t = std::move(tasks_.front());
                tasks_.pop_front();
                lk.unlock();
                t();  // a packaged_task: exceptions go to its future
                lk.lock();
            }
            const auto room = [&] {
                return !memory_pressure_ &&
                       active_.size() + admitted.size() < static_cast<size_t>(opt_.n_parallel);
            };
            while (!preempted_.empty() && room()) {
                resume(std::move(preempted_.front()));
                preempted_.pop_front();
            }
            while (!queue_.empty() && room()) {
                admitted.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
        }
        try {
            for (auto& q : admitted) admit(std::move(q));
            for (size_t i = active_.size(); i-- > 0;)
                if (active_[i]->handle->cancelled()) finish(i, "cancel");
            for (auto it = preempted_.begin(); it != preempted_.end();)
                if ((*it)->handle->cancelled()) {
                    (*it)->stats.done_reason = "cancel";
                    (*it)->handle->push(RunEvent{RunEvent::DONE, {}, std::move((*it)->stats)});
                    it = preempted_.erase(it);
                } else {
                    ++it;
                }
            if (!active_.empty()) run_step();
        } catch (const std::exception& e) {
            // A failure of the step itself (not of one request's input, which submit() checked): every running
            // request gets the error, and the runner goes on with the next ones.
            for (auto& a : active_) {
                a->handle->push(RunEvent{RunEvent::ERROR, e.what(), {}});
                engine_->free_sequence(a->seq);
            }
            active_.clear();
        }
        std::lock_guard lk(m_);
        status_.running = static_cast<int>(active_.size());
        status_.queued = static_cast<int>(queue_.size());
        status_.cached = static_cast<int>(cache_.size());
        status_.kv_blocks_in_use = 0;
        for (int g = 0; g < engine_->kv().n_groups(); ++g) status_.kv_blocks_in_use += engine_->kv().blocks_in_use(g);
        status_.kv_bytes_in_use = engine_->kv().bytes_in_use();
        status_.kv_bytes_allocated = engine_->kv().bytes_allocated();
    }
    std::lock_guard lk(m_);
    for (auto& q : queue_) q.handle->push(RunEvent{RunEvent::ERROR, "the model was unloaded", {}});
    for (auto& a : active_) a->handle->push(RunEvent{RunEvent::ERROR, "the model was unloaded", {}});
    for (auto& a : preempted_) a->handle->push(RunEvent{RunEvent::ERROR, "the model was unloaded", {}});
    for (auto& t : tasks_) t();  // a task waited for must not hang: run it (the engine is still here)
}

void Runner::admit(Queued q) {
    auto a = std::make_unique<Active>(std::move(q.req), std::move(q.handle), engine_->tokenizer(), engine_->n_vocab());
    a->admitted_ns = now_ns();
    a->stats.queue_ns = a->admitted_ns - q.submitted_ns;
    a->tokens = a->req.prompt;
    a->stats.prompt_tokens = static_cast<int>(a->tokens.size());
    for (int32_t t : a->tokens) a->sampler.accept(t);
    resume(std::move(a));
}

void Runner::resume(std::unique_ptr<Active> a) {
    // Sequence ids: n_parallel running plus n_cached finished; the oldest cached one gives way.
    while (!cache_.empty() && static_cast<int>(active_.size() + cache_.size()) >= opt_.n_parallel + opt_.n_cached) {
        engine_->free_sequence(cache_.back().seq);
        cache_.pop_back();
    }
    a->seq = engine_->new_sequence();
    a->n_done = 0;
    reuse_prefix(*a);
    active_.push_back(std::move(a));
}

void Runner::reuse_prefix(Active& a) {
    // At least the prompt's last token is evaluated again: its logits give the first generated token.
    const std::span<const int32_t> want = std::span(a.tokens).first(a.tokens.size() - 1);
    int best_seq = -1;
    size_t best = 0;
    auto best_cached = cache_.end();
    for (auto it = cache_.begin(); it != cache_.end(); ++it) {
        const size_t n = common_prefix(want, it->tokens);
        if (n > best) best = n, best_seq = it->seq, best_cached = it;
    }
    for (const auto& o : active_) {
        const size_t n = common_prefix(want, std::span(o->tokens).first(static_cast<size_t>(o->n_done)));
        if (n > best) best = n, best_seq = o->seq, best_cached = cache_.end();
    }
    if (best_seq < 0 || best < static_cast<size_t>(engine_->kv().config().block_size)) return;
    a.n_done = engine_->share_prefix(best_seq, a.seq, static_cast<int>(best));
    a.stats.prompt_cached = a.n_done;
    if (best_cached != cache_.end()) cache_.splice(cache_.begin(), cache_, best_cached);  // most recently used
}

bool Runner::free_memory() {
    if (cache_.empty()) return false;
    engine_->free_sequence(cache_.back().seq);
    cache_.pop_back();
    return true;
}

bool Runner::run_step() {
    std::vector<SchedStep> plan;
    std::vector<BatchEntry> entries;
    std::span<const float> logits;
    for (;;) {
        if (active_.empty()) return false;
        std::vector<SchedSeq> seqs;
        for (size_t i = 0; i < active_.size(); ++i) {
            const Active& a = *active_[i];
            const int pending = static_cast<int>(a.tokens.size()) - a.n_done;
            seqs.push_back(SchedSeq{static_cast<int>(i), pending, pending == 1 && a.stats.eval_count > 0});
        }
        plan = plan_step(seqs, engine_->n_batch());
        if (plan.empty()) return false;
        entries.clear();
        for (const SchedStep& s : plan) {
            Active& a = *active_[static_cast<size_t>(s.id)];
            entries.push_back(BatchEntry{a.seq, std::span(a.tokens).subspan(static_cast<size_t>(a.n_done),
                                                                             static_cast<size_t>(s.n_tokens)),
                                         s.want_logits});
        }
        bool ok = false;
        logits = engine_->decode(entries, ok);
        if (ok) break;
        // Out of KV blocks: drop cached prefixes first; then preempt the newest request, which recomputes its
        // tokens when memory frees up (its output so far stays valid); a lone request that cannot fit fails.
        if (free_memory()) continue;
        memory_pressure_ = true;
        if (active_.size() == 1) {
            finish(0, "error: the KV cache cannot hold this sequence; lower num_ctx or free memory");
            return true;
        }
        std::unique_ptr<Active> victim = std::move(active_.back());
        active_.pop_back();
        engine_->free_sequence(victim->seq);
        victim->seq = -1;
        preempted_.push_front(std::move(victim));
        std::lock_guard lk(m_);
        ++status_.preemptions;
    }
    const auto V = static_cast<size_t>(engine_->n_vocab());
    size_t row = 0;
    for (const SchedStep& s : plan) {
        Active& a = *active_[static_cast<size_t>(s.id)];
        a.n_done += s.n_tokens;
        if (s.want_logits) sample(a, logits.subspan(row++ * V, V));
    }
    for (size_t i = active_.size(); i-- > 0;)
        if (!active_[i]->finish_reason.empty()) finish(i, active_[i]->finish_reason);
    return true;
}

void Runner::sample(Active& a, std::span<const float> logits) {
    const int64_t t = now_ns();
    if (a.stats.eval_count == 0 && a.first_token_ns == 0) {
        a.first_token_ns = t;
        a.stats.prompt_ns = t - a.admitted_ns;
    }
    if (a.req.constraint) {
        a.masked.assign(logits.begin(), logits.end());
        a.req.constraint->mask(a.masked);
        logits = a.masked;
    }
    const int32_t tok = a.sampler.sample(logits);
    if (a.req.constraint) a.req.constraint->accept(tok);
    if (!a.req.ignore_eog && engine_->tokenizer().is_eog(tok)) {
        a.finish_reason = "stop";
        return;
    }
    a.tokens.push_back(tok);
    a.stats.tokens.push_back(tok);
    ++a.stats.eval_count;
    const StopMatcher::Result r = a.stops.feed(a.decoder.feed(tok));
    if (!r.emit.empty()) a.handle->push(RunEvent{RunEvent::TEXT, r.emit, {}});
    if (r.stopped || (a.req.constraint && a.req.constraint->finished()))
        a.finish_reason = "stop";
    else if (a.req.n_predict >= 0 && a.stats.eval_count >= a.req.n_predict)
        a.finish_reason = "length";
    else if (static_cast<int>(a.tokens.size()) >= engine_->n_ctx())
        a.finish_reason = "length";
}

void Runner::finish(size_t index, const std::string& reason) {
    Active& a = *active_[index];
    memory_pressure_ = false;  // blocks come back (or are cached and can be evicted): admit again
    const bool error = reason.rfind("error: ", 0) == 0;
    if (error) {
        a.handle->push(RunEvent{RunEvent::ERROR, reason.substr(7), {}});
    } else {
        if (reason != "cancel" && !a.stops.stopped()) {
            // Text held back for a possible stop string or an unfinished UTF-8 character ends the output.
            const StopMatcher::Result r = a.stops.feed(a.decoder.flush());
            std::string rest = r.emit + (r.stopped ? "" : a.stops.flush());
            if (!rest.empty()) a.handle->push(RunEvent{RunEvent::TEXT, std::move(rest), {}});
        }
        a.stats.done_reason = reason;
        a.stats.eval_ns = a.first_token_ns ? now_ns() - a.first_token_ns : 0;
        a.handle->push(RunEvent{RunEvent::DONE, {}, std::move(a.stats)});
    }
    if (!error && opt_.n_cached > 0 && a.n_done > 0) {
        cache_.push_front(Cached{a.seq, std::vector<int32_t>(a.tokens.begin(), a.tokens.begin() + a.n_done)});
        while (static_cast<int>(cache_.size()) > opt_.n_cached) {
            engine_->free_sequence(cache_.back().seq);
            cache_.pop_back();
        }
    } else {
        engine_->free_sequence(a.seq);
    }
    active_.erase(active_.begin() + static_cast<std::ptrdiff_t>(index));
}

}  // namespace snug
