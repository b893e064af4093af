// planner/local_plan.cpp: `snug fit`'s fit for a local file on this machine, for the commands that load right after.
#include "planner/local_plan.h"

#include <mutex>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "base/thread_pool.h"
#include "engine/gpu_backend.h"
#include "kv/kv_types.h"
#include "planner/header_source.h"
#include "planner/gpu_catalog.h"
#include "planner/host_memory.h"
#include "planner/speed.h"

namespace snug::planner {

namespace {

LocalPlan plan_parsed(const std::string& gguf_path, const PlanRequest& req, uint64_t baseline_bytes) {
    const HostMemory host = read_host_memory();
    const int threads = req.threads > 0 ? req.threads : default_thread_count();
    DeviceSpec cpu = cpu_device(host.available_bytes, host.total_bytes, DEFAULT_CPU_BANDWIDTH_GBS, threads,
                                baseline_bytes);
    cpu.source = "this machine (" + host.limited_by + ")";

    const auto header = ModelHeader::open_local(gguf_path);
    LoadedModel lm = analyze_model(*header);
    PlanInputs in;
    in.model = &lm.info;
    in.cpu = cpu;
    in.request = req;
    // This machine's GPU as the backend sees it: free memory from the driver (cudaMemGetInfo), the backend's own
    // fixed costs (backends/cuda/cuda_device.h). The engine drives one GPU, so the plan gets the first. None in a
    // build without CUDA or on a machine without a usable GPU: the plan is then the CPU's, as before.
    // Finding one loads the CUDA backend module and its libraries into this process (only where an NVIDIA driver
    // exists): host memory the engine will then hold too, so the CPU's fixed cost takes what that load measured.
    // The first detection in a process measures that load; later plans (a server's next model) reuse the figure.
    static std::once_flag measured;
    static uint64_t module_host_bytes = 0;
    std::call_once(measured, [] {
        const uint64_t before = process_resident_bytes();
        detect_gpus();
        const uint64_t after = process_resident_bytes();
        module_host_bytes = after > before ? after - before : 0;
    });
    const std::vector<GpuInfo> gpus = detect_gpus();
    if (!gpus.empty()) in.cpu.overhead_bytes += module_host_bytes;
    for (const GpuInfo& g : gpus) {
        DeviceSpec d;
        d.name = g.name;
        d.kind = DeviceKind::GPU;
        d.vendor = "nvidia";
        d.total_bytes = g.total_bytes;
        d.free_bytes = g.free_bytes;
        d.overhead_bytes = g.overhead_bytes;
        d.bandwidth_gbs = g.bandwidth_gbs > 0 ? g.bandwidth_gbs : DEFAULT_GPU_BANDWIDTH_GBS;
        d.tflops = DEFAULT_GPU_TFLOPS;
        d.source = "this machine (CUDA driver: free memory now)";
        in.gpus.push_back(d);
        break;
    }
    std::string note;
    const int head_dim = lm.info.config.head_dim;
    if (req.kv_type && req.kv_type_fallback && !kv_type_holds(*req.kv_type, head_dim)) {
        note = "KV cache type " + std::string(dtype_name(*req.kv_type)) + " needs a head size that is a multiple of " +
               std::to_string(dtype_info(*req.kv_type).block_elems) + ", this model's is " +
               std::to_string(head_dim) + ": using f16";
        in.request.kv_type = DType::F16;
    }
    in.measure = [&](int n_tokens, int n_seqs) { return measure_compute(*lm.model, n_tokens, n_seqs, threads); };
    LocalPlan out{plan_model(in), lm.info, note};
    // The speed shown by run and serve would rest on an assumed bandwidth: `snug fit` measures it and shows speeds.
    out.plan.predicted_tg_tok_s = out.plan.predicted_pp_tok_s = 0;
    return out;
}

}  // namespace

LocalPlan plan_local(const std::string& gguf_path, const PlanRequest& req, uint64_t baseline_bytes) {
    LocalPlan out = plan_parsed(gguf_path, req, baseline_bytes);
#ifdef __GLIBC__
    // The parsed header, tokenizer and dry-run model are freed, but glibc keeps freed heap pages resident; the engine
    // that loads next would then hold its own copies on top, and the process would exceed the plan it just printed.
    malloc_trim(0);
#endif
    return out;
}

PlanRequest request_for(const EngineOptions& eo) {
    PlanRequest req;
    req.ctx = eo.n_ctx;
    req.parallel = eo.max_full_contexts > 0 ? eo.max_full_contexts : eo.max_sequences;
    req.batch = eo.n_batch;
    req.threads = eo.n_threads;
    req.kv_block_size = eo.kv_block_size;
    req.kv_type = eo.kv_type;
    return req;
}

void follow_plan(const Plan& p, EngineOptions& eo) {
    eo.n_ctx = p.ctx;
    eo.kv_type = p.kv_type;
    eo.n_gpu_layers = p.n_layers_gpu;
}

std::string refusal(const LocalPlan& p, const std::string& model_name) {
    if (p.plan.verdict != "none") return "";
    return model_name + " does not fit in memory: " + p.plan.reason + " (" + plan_line(p.plan) +
           "; see 'snug fit " + model_name + "')";
}

}  // namespace snug::planner
