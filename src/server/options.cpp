#include "server/options.h"

#include <cmath>
#include <string_view>

#include "base/error.h"

namespace snug::server {
namespace {

using nlohmann::json;

[[noreturn]] void bad(std::string_view name, const std::string& what, const json& v) {
    throw Error("option " + std::string(name) + " " + what + ", got " + v.dump());
}

double number(std::string_view name, const json& v) {
    if (!v.is_number()) bad(name, "must be a number", v);
    const double d = v.get<double>();
    if (!std::isfinite(d)) bad(name, "must be finite", v);
    return d;
}

int64_t integer(std::string_view name, const json& v, int64_t lo, int64_t hi) {
    if (!v.is_number()) bad(name, "must be an integer", v);
    // JSON numbers like 512.0 are integers for clients that only have doubles.
    const double d = v.get<double>();
    if (!std::isfinite(d) || d != std::floor(d)) bad(name, "must be an integer", v);
    if (d < static_cast<double>(lo) || d > static_cast<double>(hi))
        bad(name, "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]", v);
    return static_cast<int64_t>(d);
}

float in_range(std::string_view name, const json& v, double lo, double hi) {
    const double d = number(name, v);
    if (d < lo || d > hi) bad(name, "must be in [" + json(lo).dump() + ", " + json(hi).dump() + "]", v);
    return static_cast<float>(d);
}

}  // namespace

void apply_options(const json& opts, GenOptions& out) {
    if (opts.is_null()) return;
    if (!opts.is_object()) throw Error("options must be a JSON object, got " + opts.dump());
    SamplingParams& s = out.sampling;
    for (const auto& [key, v] : opts.items()) {
        if (v.is_null()) continue;  // clients send null for "use the default"
        const std::string_view k = key;
        if (k == "temperature") s.temperature = in_range(k, v, 0, 1000);
        else if (k == "top_k") s.top_k = static_cast<int32_t>(integer(k, v, -1, 1 << 30));
        else if (k == "top_p") s.top_p = in_range(k, v, 0, 1);
        else if (k == "min_p") s.min_p = in_range(k, v, 0, 1);
        else if (k == "typical_p") s.typical_p = in_range(k, v, 0, 1);
        else if (k == "repeat_penalty") {
            s.repeat_penalty = in_range(k, v, 0, 1000);
            if (s.repeat_penalty <= 0) bad(k, "must be positive", v);
        } else if (k == "repeat_last_n") s.repeat_last_n = static_cast<int32_t>(integer(k, v, -1, 1 << 20));
        else if (k == "presence_penalty") s.presence_penalty = in_range(k, v, -1000, 1000);
        else if (k == "frequency_penalty") s.frequency_penalty = in_range(k, v, -1000, 1000);
        else if (k == "seed") {
            const int64_t seed = integer(k, v, INT64_MIN / 2, INT64_MAX / 2);
            s.seed = seed < 0 ? SamplingParams::SEED_RANDOM : static_cast<uint64_t>(seed);
        } else if (k == "num_predict") out.num_predict = static_cast<int>(integer(k, v, -2, MAX_NUM_PREDICT));
        else if (k == "num_keep") out.num_keep = static_cast<int>(integer(k, v, -1, MAX_NUM_CTX));
        else if (k == "num_ctx") out.load.num_ctx = static_cast<int>(integer(k, v, 1, MAX_NUM_CTX));
        else if (k == "num_batch") out.load.num_batch = static_cast<int>(integer(k, v, 1, 1 << 16));
        else if (k == "num_thread") out.load.num_thread = static_cast<int>(integer(k, v, 0, 1024));
        else if (k == "num_gpu") out.load.num_gpu = static_cast<int>(integer(k, v, -1, 1 << 16));
        else if (k == "stop") {
            out.stop.clear();
            if (v.is_string()) {
                out.stop.push_back(v.get<std::string>());
            } else if (v.is_array()) {
                for (const auto& e : v) {
                    if (!e.is_string()) bad(k, "must be a string or an array of strings", v);
                    out.stop.push_back(e.get<std::string>());
                }
            } else {
                bad(k, "must be a string or an array of strings", v);
            }
        }
        // Anything else — retired options clients still send (numa, mirostat, penalize_newline, ...) and unknown
        // ones — is ignored, as Ollama does: clients differ, and failing their requests helps nobody.
    }
}

}  // namespace snug::server
