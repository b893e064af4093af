// planner/plan_table.cpp: the human-readable plan of `snug fit`: one column per device, one row per component, then
// the verdict, the predicted speeds and the KV and image details.
#include <cstdio>

#include "planner/plan_report.h"

namespace snug::planner {
namespace {

std::string cell(uint64_t bytes) { return bytes ? format_bytes(bytes) : "-"; }

std::string row(const std::string& label, const std::vector<std::string>& cells) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "  %-14s", label.c_str());
    std::string s = buf;
    for (const auto& c : cells) {
        std::snprintf(buf, sizeof buf, " %16s", c.c_str());
        s += buf;
    }
    return s + "\n";
}

template <class F>
std::vector<std::string> per_device(const Plan& p, F f) {
    std::vector<std::string> v;
    for (const auto& d : p.devices) v.push_back(f(d));
    return v;
}

}  // namespace

std::string plan_table(const Plan& p, const ModelInfo& m, const ProjectorInfo* projector) {
    std::string s;
    char buf[512];
    std::snprintf(buf, sizeof buf, "model     %s (%s, %d layers, %s of weights, trained context %d)\n", m.name.c_str(),
                  m.config.arch.c_str(), m.config.n_layers, format_bytes(m.weights_bytes()).c_str(),
                  m.config.n_ctx_train);
    s += buf;
    if (projector) {
        std::snprintf(buf, sizeof buf, "projector %s (%s, %s): %d tokens per image (%s)\n", projector->source.c_str(),
                      projector->projector_type.c_str(),
                      format_bytes(projector->encoder_bytes + projector->projector_bytes).c_str(),
                      projector->tokens_per_image, projector->tokens_why.c_str());
        s += buf;
    }
    std::snprintf(buf, sizeof buf, "request   ctx %d%s, parallel %d, KV %s, batch %d, %d CPU threads\n\n", p.ctx,
                  p.ctx_user_set ? "" : " (default)", p.parallel, std::string(dtype_name(p.kv_type)).c_str(), p.batch,
                  p.compute.n_threads);
    s += buf;
    s += row("", per_device(p, [](const DevicePlan& d) { return d.device.name; }));
    s += row("weights", per_device(p, [](const DevicePlan& d) { return cell(d.used.weights); }));
    s += row("kv cache", per_device(p, [](const DevicePlan& d) { return cell(d.used.kv); }));
    if (projector) {
        s += row("vision", per_device(p, [](const DevicePlan& d) { return cell(d.used.vision); }));
        s += row("projector", per_device(p, [](const DevicePlan& d) { return cell(d.used.projector); }));
    }
    s += row("compute", per_device(p, [](const DevicePlan& d) { return cell(d.used.compute); }));
    s += row("overhead", per_device(p, [](const DevicePlan& d) { return cell(d.used.overhead); }));
    s += row("total", per_device(p, [](const DevicePlan& d) { return cell(d.used.total()); }));
    s += row("usable", per_device(p, [](const DevicePlan& d) { return format_bytes(d.usable_bytes()); }));
    s += row("of memory", per_device(p, [](const DevicePlan& d) { return format_bytes(d.device.total_bytes); }));
    s += row("layers", per_device(p, [](const DevicePlan& d) {
        return std::to_string(d.n_layers) + (d.has_output ? " + output" : "");
    }));
    s += "\nverdict   " + p.verdict + ": " + p.reason + "\n";
    if (p.predicted_tg_tok_s > 0) {
        std::snprintf(buf, sizeof buf,
                      "speed     ~%.1f tok/s generating, ~%.0f tok/s reading the prompt (predicted from bandwidth "
                      "and throughput at half the context)\n",
                      p.predicted_tg_tok_s, p.predicted_pp_tok_s);
        s += buf;
    }
    std::snprintf(buf, sizeof buf,
                  "kv        %s at full context (%d full-attention layers %s, %d sliding-window layers %s), %s per "
                  "sequence; %s reserved at start: blocks of %d positions are taken as sequences grow\n",
                  format_bytes(p.kv.max_bytes).c_str(), p.kv.n_full_layers, format_bytes(p.kv.full_bytes).c_str(),
                  p.kv.n_sliding_layers, format_bytes(p.kv.sliding_bytes).c_str(),
                  format_bytes(p.kv.per_sequence_bytes).c_str(), format_bytes(p.kv.reserved_bytes).c_str(),
                  p.kv.block_size);
    s += buf;
    std::snprintf(buf, sizeof buf,
                  "compute   %s of step scratch for %d tokens in %d sequence%s (measured by a dry run)\n",
                  format_bytes(p.compute.total_bytes).c_str(), p.compute.n_tokens, p.compute.n_seqs,
                  p.compute.n_seqs > 1 ? "s" : "");
    s += buf;
    if (projector) {
        std::snprintf(buf, sizeof buf, "image     %d tokens of the context and %s of embeddings each\n", p.image_tokens,
                      format_bytes(p.image_bytes).c_str());
        s += buf;
    }
    return s;
}

}  // namespace snug::planner
