// planner/gpu_catalog.h: common GPUs by id — memory, bandwidth, f16 throughput, vendor — so anyone can plan for a card
// they do not have (`snug fit --gpu rtx4060ti-8gb`). Figures are the vendors' published specifications; each entry
// names its source, and docs/memory-planning.md lists them all.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

namespace snug::planner {

struct GpuModel {
    std::string_view id;       // lower case, what --gpu takes: "rtx4090", "rx7900xtx", "m2-ultra-64gb"
    std::string_view name;     // "NVIDIA GeForce RTX 4090"
    std::string_view vendor;   // "nvidia", "amd", "apple"
    double memory_gib;         // VRAM, or the machine's unified memory for Apple silicon
    double bandwidth_gbs;      // peak memory bandwidth, 1e9 bytes/s
    double tflops;             // dense f16 matrix peak (tensor/matrix cores, f32 accumulate where published)
    bool unified;              // Apple silicon: the GPU may wire only part of memory (gpu_share_bytes)
    bool hopper;               // cuBLAS wants a 32 MiB workspace on Hopper, 4 MiB elsewhere
    std::string_view source;
};

std::span<const GpuModel> gpu_catalog();
// Case-insensitive; '-', '_' and ' ' are ignored ("RTX-4060-Ti-8GB" finds rtx4060ti-8gb). nullptr when unknown.
const GpuModel* find_gpu(std::string_view id);

// What the GPU of a unified-memory machine may wire: macOS's default working-set limit, about 2/3 of memory up to
// 36 GiB and 3/4 above (Apple's recommendedMaxWorkingSetSize; `sysctl iogpu.wired_limit_mb` raises it).
uint64_t gpu_share_bytes(uint64_t unified_bytes);

// Bandwidth and throughput assumed for a GPU given only by size (`--gpu 8GiB`): an RTX 4060 Ti's, the most common
// 8-16 GiB card in the catalog, so speed predictions stay conservative.
inline constexpr double DEFAULT_GPU_BANDWIDTH_GBS = 288.0;
inline constexpr double DEFAULT_GPU_TFLOPS = 44.1;

}  // namespace snug::planner
