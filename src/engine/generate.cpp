#include "engine/generate.h"

#include <chrono>

#include "base/error.h"
#include "engine/engine.h"
#include "tokenizer/tokenizer.h"

namespace snug {
namespace {
int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}
}  // namespace

GenerateResult generate(Engine& engine, int seq, std::span<const int32_t> prompt, const GenerateOptions& opt,
                        const std::function<bool(std::string_view)>& on_text) {
    opt.sampling.validate();
    if (prompt.empty()) throw Error("the prompt is empty: at least one token is needed to generate");
    GenerateResult r;
    r.prompt_tokens = static_cast<int>(prompt.size());
    const Tokenizer& tok = engine.tokenizer();
    Sampler sampler(opt.sampling, engine.n_vocab());
    for (int32_t t : prompt) sampler.accept(t);
    StreamDecoder decoder(tok);
    StopMatcher stops(opt.stop);

    bool cancelled = false;
    bool hit_stop_string = false;
    auto emit = [&](const std::string& s) {
        if (s.empty()) return;
        r.text += s;
        if (on_text && !on_text(s)) cancelled = true;
    };

    int64_t t0 = now_ns();
    std::span<const float> logits = engine.eval(seq, prompt, Logits::LAST);
    r.prompt_ns = now_ns() - t0;
    t0 = now_ns();
    r.done_reason = "length";
    for (;;) {
        if (opt.n_predict >= 0 && static_cast<int>(r.tokens.size()) >= opt.n_predict) break;
        const int32_t next = sampler.sample(logits);
        sampler.accept(next);
        if (!opt.ignore_eog && tok.is_eog(next)) {
            r.done_reason = "stop";
            break;
        }
        r.tokens.push_back(next);
        const auto m = stops.feed(decoder.feed(next));
        emit(m.emit);
        if (m.stopped) {
            hit_stop_string = true;
            r.done_reason = "stop";
            break;
        }
        if (cancelled) {
            r.done_reason = "cancel";
            break;
        }
        if (engine.sequence_length(seq) >= engine.n_ctx()) break;
        if (opt.n_predict >= 0 && static_cast<int>(r.tokens.size()) >= opt.n_predict) break;
        logits = engine.eval(seq, std::span<const int32_t>(&next, 1), Logits::LAST);
    }
    if (!hit_stop_string) {
        // Text held back for a possible stop string or an unfinished UTF-8 character is emitted at the end.
        const auto m = stops.feed(decoder.flush());
        emit(m.emit);
        if (!m.stopped) emit(stops.flush());
    }
    r.generate_ns = now_ns() - t0;
    return r;
}

}  // namespace snug
