// planner/devices.cpp: sizes as users write them, GPUs from the catalog or a bare size, and the CPU device.
#include "planner/devices.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <string>

#include "base/error.h"
#include "planner/gpu_catalog.h"

namespace snug::planner {

uint64_t parse_size(std::string_view text) {
    const std::string shown(text);
    size_t i = 0;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
    const std::string number(text.substr(0, i));
    std::string unit;
    for (char c : text.substr(i))
        if (c != ' ') unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (number.empty() || number.size() > 24 || number.find('.') != number.rfind('.') || number == ".")
        throw Error("size '" + shown + "' does not start with a number (try 8GiB, 512MiB or 16GB)");
    struct Unit {
        const char* name;
        double factor;
    };
    static constexpr Unit UNITS[] = {
        {"", 1},          {"b", 1},          {"k", 1024.0},     {"kib", 1024.0},   {"kb", 1e3},
        {"m", 1048576.0}, {"mib", 1048576.0}, {"mb", 1e6},       {"g", 1073741824.0}, {"gib", 1073741824.0},
        {"gb", 1e9},      {"t", 1099511627776.0}, {"tib", 1099511627776.0}, {"tb", 1e12},
    };
    for (const auto& u : UNITS) {
        if (unit != u.name) continue;
        const double v = std::stod(number) * u.factor;
        if (!(v < 18e18)) throw Error("size '" + shown + "' is too large");
        return static_cast<uint64_t>(std::llround(v));
    }
    throw Error("size '" + shown + "' has an unknown unit '" + unit + "' (use B, KiB, MiB, GiB, TiB, KB, MB, GB, TB)");
}

std::string format_bytes(uint64_t bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = static_cast<double>(bytes);
    int u = 0;
    while (v >= 1024.0 && u < 4) {
        v /= 1024.0;
        ++u;
    }
    char buf[32];
    if (u == 0) std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
    else std::snprintf(buf, sizeof buf, "%.2f %s", v, units[u]);
    return buf;
}

DeviceSpec gpu_from_arg(std::string_view arg) {
    DeviceSpec d;
    d.kind = DeviceKind::GPU;
    if (const GpuModel* g = find_gpu(arg)) {
        d.name = std::string(g->id);
        d.vendor = std::string(g->vendor);
        d.total_bytes = static_cast<uint64_t>(g->memory_gib * 1073741824.0);
        d.unified = g->unified;
        d.free_bytes = g->unified ? gpu_share_bytes(d.total_bytes) : d.total_bytes;
        d.bandwidth_gbs = g->bandwidth_gbs;
        d.tflops = g->tflops;
        // Metal has no separate context to reserve; CUDA and ROCm do.
        d.overhead_bytes = g->vendor == "apple" ? 0
                                                : GPU_CONTEXT_BYTES + (g->hopper ? CUBLAS_WORKSPACE_HOPPER_BYTES
                                                                                 : CUBLAS_WORKSPACE_BYTES);
        d.source = std::string(g->name) + ": " + std::string(g->source);
        return d;
    }
    if (arg.empty() || !std::isdigit(static_cast<unsigned char>(arg[0]))) {
        std::string ids;
        for (const auto& g : gpu_catalog()) ids += (ids.empty() ? "" : ", ") + std::string(g.id);
        throw Error("unknown GPU '" + std::string(arg) + "': give a size such as 8GiB or one of: " + ids);
    }
    d.total_bytes = parse_size(arg);
    if (d.total_bytes == 0) throw Error("a GPU of 0 bytes is no GPU: use --gpu 0 alone to plan without one");
    d.name = "gpu-" + std::string(arg);
    d.free_bytes = d.total_bytes;
    d.bandwidth_gbs = DEFAULT_GPU_BANDWIDTH_GBS;
    d.tflops = DEFAULT_GPU_TFLOPS;
    d.overhead_bytes = GPU_CONTEXT_BYTES + CUBLAS_WORKSPACE_BYTES;
    d.source = "size given on the command line; CUDA-like overheads, RTX 4060 Ti bandwidth assumed";
    return d;
}

DeviceSpec cpu_device(uint64_t available_bytes, uint64_t total_bytes, double bandwidth_gbs, int n_threads,
                      uint64_t baseline_bytes) {
    DeviceSpec d;
    d.name = "cpu";
    d.kind = DeviceKind::CPU;
    d.total_bytes = total_bytes;
    d.free_bytes = available_bytes;
    d.overhead_bytes = (baseline_bytes ? baseline_bytes : CPU_PROCESS_BASELINE_BYTES) + CPU_RUN_EXTRA_BYTES;
    d.bandwidth_gbs = bandwidth_gbs;
    d.tflops = CPU_TFLOPS_PER_THREAD * std::max(1, n_threads);
    d.source = "system RAM";
    return d;
}

}  // namespace snug::planner
