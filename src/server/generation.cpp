#include "server/generation.h"

#include <algorithm>

#include "server/constraint.h"
#include "tokenizer/tokenizer.h"

namespace snug::server {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

GenOptions merged_options(const ModelSource& src, const json& request_options) {
    GenOptions o;
    try {
        apply_options(src.params, o);
    } catch (const Error& e) {
        throw Error("the model's stored parameters are invalid: " + std::string(e.what()));
    }
    try {
        apply_options(request_options, o);
    } catch (const Error& e) {
        throw BadRequest(e.what());
    }
    return o;
}

// Tokens kept free for the answer when a prompt must be shortened.
int generation_reserve(int n_ctx, int num_predict) {
    const int r = num_predict > 0 ? std::min(num_predict, n_ctx / 2) : std::min(256, n_ctx / 4);
    return std::max(1, r);
}

std::vector<int32_t> tokenize(const Tokenizer& tok, const std::string& text) {
    return tok.encode(text, /*add_special=*/true, /*parse_special=*/true);
}

struct Prompt {
    std::vector<int32_t> tokens;
    int dropped_messages = 0;
    int dropped_tokens = 0;
};

// Renders the chat; when it does not fit, drops the oldest turns after the system messages, one at a time, and
// never the newest message.
Prompt chat_prompt(const LoadedModel& m, const GenerationRequest& req, const ordered_json& messages, int limit) {
    const Tokenizer& tok = m.runner->engine().tokenizer();
    ordered_json msgs = messages;
    Prompt p;
    for (;;) {
        p.tokens = tokenize(tok, m.chat->render(msgs, req.tools, /*add_generation_prompt=*/true));
        if (static_cast<int>(p.tokens.size()) <= limit) return p;
        if (!req.truncate)
            throw BadRequest("the prompt has " + std::to_string(p.tokens.size()) + " tokens, more than the " +
                             std::to_string(limit) + " that fit the context (num_ctx " +
                             std::to_string(m.runner->engine().n_ctx()) + "); truncate is false");
        size_t first = 0;
        while (first < msgs.size() && msgs[first].value("role", "") == "system") ++first;
        if (first + 1 >= msgs.size())
            throw BadRequest("the prompt has " + std::to_string(p.tokens.size()) +
                             " tokens and does not fit the context (num_ctx " +
                             std::to_string(m.runner->engine().n_ctx()) +
                             ") even with only the system prompt and the last message; raise num_ctx");
        msgs.erase(msgs.begin() + static_cast<std::ptrdiff_t>(first));
        ++p.dropped_messages;
    }
}

// A raw prompt that does not fit keeps its first num_keep tokens and its newest ones, as llama.cpp does.
Prompt generate_prompt(const LoadedModel& m, const GenerationRequest& req, const std::string& text, int limit,
                       int num_keep) {
    Prompt p;
    p.tokens = tokenize(m.runner->engine().tokenizer(), text);
    const int n = static_cast<int>(p.tokens.size());
    if (n <= limit) return p;
    if (!req.truncate)
        throw BadRequest("the prompt has " + std::to_string(n) + " tokens, more than the " + std::to_string(limit) +
                         " that fit the context; truncate is false");
    const int keep = std::clamp(num_keep < 0 ? 0 : num_keep, 0, limit / 2);
    std::vector<int32_t> t(p.tokens.begin(), p.tokens.begin() + keep);
    t.insert(t.end(), p.tokens.end() - (limit - keep), p.tokens.end());
    p.dropped_tokens = n - limit;
    p.tokens = std::move(t);
    return p;
}

ordered_json with_system(const ordered_json& messages, const std::string& system) {
    if (system.empty()) return messages;
    for (const auto& m : messages)
        if (m.value("role", "") == "system") return messages;
    ordered_json out = ordered_json::array();
    out.push_back(ordered_json{{"role", "system"}, {"content", system}});
    for (const auto& m : messages) out.push_back(m);
    return out;
}

}  // namespace

GenerationResult load_only(ModelManager& models, const GenerationRequest& req) {
    const int64_t t0 = now_ns();
    GenerationResult r;
    const bool unloaded = req.keep_alive && req.keep_alive->count() == 0;
    if (unloaded) {
        r.model = models.resolve(req.model).name;
        models.unload(req.model);
    } else {
        GenOptions o = merged_options(models.resolve(req.model), req.options);
        Acquired a = models.acquire(req.model, o.load, req.keep_alive);
        r.model = a.model->source.name;
        r.load_ns = a.load_ns;
        models.release(a.model);
    }
    r.done_reason = unloaded ? "unload" : "load";
    r.total_ns = now_ns() - t0;
    return r;
}

Generation::Generation(ModelManager& models, const GenerationRequest& req) : models_(models), req_(req), t0_(now_ns()) {
    const ModelSource src = models.resolve(req.model);
    GenOptions o = merged_options(src, req.options);
    acq_ = models.acquire(req.model, o.load, req.keep_alive);
    try {
        LoadedModel& m = *acq_.model;
        const int n_ctx = m.runner->engine().n_ctx();
        const int limit = n_ctx - generation_reserve(n_ctx, o.num_predict);
        r_.model = src.name;
        r_.load_ns = acq_.load_ns;
        Prompt p;
        if (req.chat) {
            p = chat_prompt(m, req, with_system(req.messages, src.system), limit);
        } else if (req.raw) {
            p = generate_prompt(m, req, req.prompt, limit, o.num_keep);
        } else {
            ordered_json msgs = ordered_json::array();
            const std::string system = req.system.empty() ? src.system : req.system;
            if (!system.empty()) msgs.push_back(ordered_json{{"role", "system"}, {"content", system}});
            msgs.push_back(ordered_json{{"role", "user"}, {"content", req.prompt}});
            p = generate_prompt(m, req, m.chat->render(msgs, nullptr, true), limit, o.num_keep);
        }
        r_.truncated_messages = p.dropped_messages;
        r_.truncated_tokens = p.dropped_tokens;
        prompt_ = p.tokens;

        RunRequest run;
        run.prompt = p.tokens;
        run.sampling = o.sampling;
        run.stop = o.stop;
        run.n_predict = o.num_predict == -2 ? -1 : o.num_predict;
        run.render_special = !req.tools.is_null() && !req.tools.empty() &&
                             m.chat->tool_format() != chat::ToolCallFormat::NONE;
        if (!req.format.is_null() && !(req.format.is_string() && req.format.get<std::string>().empty())) {
            try {
                run.constraint = make_constraint(req.format, m.vocabulary());
            } catch (const Error& e) {
                throw BadRequest(std::string("format: ") + e.what());
            }
        }
        try {
            handle_ = m.runner->submit(std::move(run));
        } catch (const QueueFullError&) {
            throw;
        } catch (const Error& e) {
            throw BadRequest(e.what());
        }
    } catch (...) {
        models_.release(acq_.model);
        throw;
    }
}

Generation::~Generation() {
    if (handle_) handle_->cancel();  // no-op when it finished; frees the sequence when run() never completed
    models_.release(acq_.model);
}

GenerationResult Generation::run(const TextSink& on_text) {
    LoadedModel& m = *acq_.model;
    // With tools, text that may be the start of a tool call is held back until it is known not to be one.
    const bool tools = !req_.tools.is_null() && !req_.tools.empty() && m.chat->tool_format() != chat::ToolCallFormat::NONE;
    std::string all;
    size_t sent = 0;
    bool client_gone = false;
    const auto send = [&](size_t upto) {
        if (upto <= sent || client_gone) return;
        if (!on_text(std::string_view(all).substr(sent, upto - sent))) {
            client_gone = true;
            handle_->cancel();
        }
        sent = upto;
    };
    RunEvent ev;
    for (;;) {
        if (!handle_->next(ev, std::chrono::milliseconds(200))) {
            if (!client_gone && !on_text({})) {
                client_gone = true;
                handle_->cancel();
            }
            continue;
        }
        if (ev.kind == RunEvent::ERROR) throw Error(ev.text);
        if (ev.kind == RunEvent::TEXT) {
            all += ev.text;
            send(tools ? chat::safe_content_prefix(all, m.chat->tool_format()) : all.size());
            continue;
        }
        r_.stats = std::move(ev.stats);
        break;
    }
    r_.cancelled = client_gone || r_.stats.done_reason == "cancel";
    r_.done_reason = r_.stats.done_reason;
    if (tools) {
        chat::ParsedOutput parsed = chat::parse_tool_calls(all, m.chat->tool_format());
        r_.tool_calls = std::move(parsed.tool_calls);
        r_.content = r_.tool_calls.empty() ? all : parsed.content;
        if (r_.tool_calls.empty()) {
            send(all.size());  // what was held back is not a tool call after all
        } else if (r_.content.size() > sent && !client_gone && !on_text(std::string_view(r_.content).substr(sent))) {
            client_gone = true;  // content after the calls: what was sent is always a prefix of the final content
        }
    } else {
        r_.content = std::move(all);
    }
    if (!req_.chat) {
        r_.context = prompt_;
        r_.context.insert(r_.context.end(), r_.stats.tokens.begin(), r_.stats.tokens.end());
    }
    r_.total_ns = now_ns() - t0_;
    return std::move(r_);
}

EmbedResult run_embed(ModelManager& models, const std::string& model, const std::vector<std::string>& inputs,
                      bool truncate, const json& options, std::optional<std::chrono::nanoseconds> keep_alive) {
    const int64_t t0 = now_ns();
    const ModelSource src = models.resolve(model);
    GenOptions o = merged_options(src, options);
    Acquired acq = models.acquire(model, o.load, keep_alive);
    struct Release {
        ModelManager& mm;
        std::shared_ptr<LoadedModel> m;
        ~Release() { mm.release(m); }
    } release{models, acq.model};
    EmbedResult r;
    r.model = src.name;
    r.load_ns = acq.load_ns;
    const Engine& engine = acq.model->runner->engine();
    for (const std::string& text : inputs) {
        std::vector<int32_t> t = tokenize(engine.tokenizer(), text);
        if (static_cast<int>(t.size()) > engine.n_ctx()) {
            if (!truncate)
                throw BadRequest("the input has " + std::to_string(t.size()) + " tokens, more than the context (" +
                                 std::to_string(engine.n_ctx()) + "); truncate is false");
            t.resize(static_cast<size_t>(engine.n_ctx()));
        }
        r.prompt_tokens += static_cast<int>(t.size());
        r.embeddings.push_back(acq.model->runner->embed(std::move(t)));
    }
    r.total_ns = now_ns() - t0;
    return r;
}

}  // namespace snug::server
