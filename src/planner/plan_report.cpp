// planner/plan_report.cpp: words and numbers for a plan. Every reason names the device, the bytes needed and the bytes
// usable, so a "does not fit" can be acted on.
#include "planner/plan_report.h"

#include <cstdio>

namespace snug::planner {
namespace {

std::string join(const std::vector<std::string>& v, const char* sep) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
    return s;
}

std::string gpu_names(const Plan& p) {
    std::vector<std::string> names;
    for (const auto& d : p.devices)
        if (d.device.kind == DeviceKind::GPU && (d.n_layers > 0 || d.has_output)) names.push_back(d.device.name);
    return join(names, " + ");
}

std::string use_text(const DevicePlan& d) {
    return format_bytes(d.used.total()) + " of " + format_bytes(d.usable_bytes()) + " usable";
}

nlohmann::json components_json(const Components& c) {
    return {{"weights", c.weights}, {"kv", c.kv},           {"vision", c.vision},
            {"projector", c.projector}, {"compute", c.compute}, {"overhead", c.overhead}};
}

}  // namespace

uint64_t DevicePlan::usable_bytes() const {
    return device.free_bytes > margin_bytes ? device.free_bytes - margin_bytes : 0;
}

uint64_t Plan::gpu_bytes() const {
    uint64_t n = 0;
    for (const auto& d : devices)
        if (d.device.kind == DeviceKind::GPU) n += d.used.total();
    return n;
}

uint64_t Plan::cpu_bytes() const {
    uint64_t n = 0;
    for (const auto& d : devices)
        if (d.device.kind == DeviceKind::CPU) n += d.used.total();
    return n;
}

std::string shortfall_text(const DevicePlan& d, uint64_t largest_layer) {
    std::string s = "needs " + format_bytes(d.used.total()) + " on " + d.device.name + " but " +
                    format_bytes(d.usable_bytes()) + " is usable (" + format_bytes(d.device.free_bytes) + " free - " +
                    format_bytes(d.margin_bytes) + " margin)";
    if (largest_layer > d.usable_bytes()) s += "; not even one layer (" + format_bytes(largest_layer) + ") fits";
    return s;
}

void finish_plan(Plan& p, bool fits, const std::string& shortfall, const PlanInputs& in) {
    const std::string after = p.steps.empty() ? "" : " (after " + join(p.steps, ", ") + ")";
    const DevicePlan& cpu = p.devices.back();
    if (!fits) {
        p.verdict = "none";
        p.reason = "does not fit: " + shortfall + after;
        if (in.request.require_gpu && !in.gpus.empty()) p.reason += "; --require-gpu forbids using the CPU";
        return;
    }
    auto kind_of = [&](int d) { return p.devices[static_cast<size_t>(d)].device.kind; };
    const bool head_gpu = p.output_device >= 0 && kind_of(p.output_device) == DeviceKind::GPU;
    const bool proj_cpu = p.projector_device >= 0 && kind_of(p.projector_device) == DeviceKind::CPU;
    const std::string layers = std::to_string(p.n_layers_gpu) + " of " + std::to_string(p.n_layers) + " layers";
    if (in.gpus.empty()) {
        p.verdict = "cpu";
        p.reason = "no GPU given: all " + std::to_string(p.n_layers) + " layers on the CPU, " + use_text(cpu) + after;
    } else if (p.n_layers_gpu == 0 && !head_gpu) {
        p.verdict = "cpu";
        p.reason = "the GPU cannot hold the output head (" + format_bytes(in.model->output_bytes_on(true) +
                                                                          p.compute.output_bytes) +
                   " with its scratch) besides its context: everything on the CPU, " + use_text(cpu) + after;
    } else if (p.n_layers_gpu == p.n_layers && head_gpu && !proj_cpu) {
        p.verdict = "gpu";
        std::vector<std::string> uses;
        for (const auto& d : p.devices)
            if (d.device.kind == DeviceKind::GPU && d.used.total() > 0)
                uses.push_back(d.device.name + " " + use_text(d));
        p.reason = "everything fits on the GPU: " + join(uses, ", ") + after;
    } else {
        p.verdict = "hybrid";
        p.reason = layers + " on " + gpu_names(p) + ", " + std::to_string(p.n_layers - p.n_layers_gpu) +
                   " on the CPU" + (proj_cpu ? ", vision projector on the CPU" : "") + ": the GPU is full (" +
                   use_text(p.devices.front()) + ")" + after;
    }
}

std::string plan_line(const Plan& p) {
    char speed[64] = "";
    if (p.predicted_tg_tok_s > 0) std::snprintf(speed, sizeof speed, ", ~%.0f tok/s", p.predicted_tg_tok_s);
    std::string where = p.verdict == "gpu" || p.verdict == "hybrid"
                            ? std::to_string(p.n_layers_gpu) + "/" + std::to_string(p.n_layers) + " layers on GPU, "
                            : "";
    return "plan: " + p.verdict + ", " + where + "ctx " + std::to_string(p.ctx) + ", kv " +
           std::string(dtype_name(p.kv_type)) + ", " + format_bytes(p.gpu_bytes()) + " GPU + " +
           format_bytes(p.cpu_bytes()) + " CPU" + speed + (p.verdict == "none" ? " — " + p.reason : "");
}

nlohmann::json plan_json(const Plan& p, const ModelInfo& m, const ProjectorInfo* projector) {
    nlohmann::json j;
    j["verdict"] = p.verdict;
    j["reason"] = p.reason;
    j["steps"] = p.steps;
    j["model"] = {{"name", m.name}, {"source", m.source}, {"arch", m.config.arch}, {"file_bytes", m.file_bytes},
                  {"weights_bytes", m.weights_bytes()}, {"max_ctx", m.max_ctx}};
    j["n_layers"] = p.n_layers;
    j["n_layers_gpu"] = p.n_layers_gpu;
    j["ctx"] = p.ctx;
    j["parallel"] = p.parallel;
    j["batch"] = p.batch;
    j["kv_type"] = std::string(dtype_name(p.kv_type));
    nlohmann::json devices = nlohmann::json::array();
    for (const auto& d : p.devices)
        devices.push_back({{"name", d.device.name},
                           {"kind", d.device.kind == DeviceKind::GPU ? "gpu" : "cpu"},
                           {"total_bytes", d.device.total_bytes},
                           {"free_bytes", d.device.free_bytes},
                           {"usable_bytes", d.usable_bytes()},
                           {"planned_bytes", d.used.total()},
                           {"n_layers", d.n_layers},
                           {"output", d.has_output},
                           {"components", components_json(d.used)},
                           {"bandwidth_gbs", d.device.bandwidth_gbs},
                           {"source", d.device.source}});
    j["devices"] = devices;
    j["kv"] = {{"type", std::string(dtype_name(p.kv.type))}, {"block_size", p.kv.block_size},
               {"reserved_bytes", p.kv.reserved_bytes}, {"max_bytes", p.kv.max_bytes},
               {"per_sequence_bytes", p.kv.per_sequence_bytes}, {"full_attention_bytes", p.kv.full_bytes},
               {"sliding_window_bytes", p.kv.sliding_bytes}, {"full_attention_layers", p.kv.n_full_layers},
               {"sliding_window_layers", p.kv.n_sliding_layers}};
    j["compute"] = {{"n_tokens", p.compute.n_tokens}, {"n_seqs", p.compute.n_seqs},
                    {"n_threads", p.compute.n_threads}, {"scratch_bytes", p.compute.total_bytes},
                    {"logits_bytes", p.compute.logits_bytes}};
    if (projector)
        j["image"] = {{"source", projector->source}, {"projector_type", projector->projector_type},
                      {"tokens", p.image_tokens}, {"bytes", p.image_bytes}, {"tokens_why", projector->tokens_why}};
    j["predicted_tg_tok_s"] = p.predicted_tg_tok_s;
    j["predicted_pp_tok_s"] = p.predicted_pp_tok_s;
    j["gpu_bytes"] = p.gpu_bytes();
    j["cpu_bytes"] = p.cpu_bytes();
    return j;
}

}  // namespace snug::planner
