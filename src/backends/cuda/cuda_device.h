// backends/cuda/cuda_device.h: which CUDA devices this process can use, what they hold, and the backend's own fixed
// costs on one, for the memory planner. Never throws: no driver, no device or a failing runtime is "no GPU".
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace snug::cuda {

struct DeviceInfo {
    int id = 0;
    std::string name;         // "NVIDIA H100 80GB HBM3"
    int cc_major = 0, cc_minor = 0;
    int n_sm = 0;
    uint64_t total_bytes = 0;
    uint64_t free_bytes = 0;  // cudaMemGetInfo at the time of the query
    double bandwidth_gbs = 0; // theoretical: 2 x memory clock x bus width (the driver's figures); 0 when unknown
};

// Devices of compute capability 8.0 or newer (the oldest this build has code for). Empty, with *why set, when the
// runtime finds no driver or no device.
std::vector<DeviceInfo> list_devices(std::string* why = nullptr);

// Fixed device memory the backend takes on a GPU before any weight, KV block or activation:
// - the CUDA context with this binary's kernels loaded. NOTE: not measured on a GPU yet (no GPU was lent when the
//   backend was written), so it is the same documented figure the planner uses for simulated GPUs
//   (planner/devices.h GPU_CONTEXT_BYTES: Ollama's per-GPU minimum reserve, 457 MiB); keep the two equal. Measure it
//   as cudaMemGetInfo's free before cudaFree(0) minus after, plus the module load (bench/cuda_membw prints both),
//   and replace both figures.
// - cuBLAS's workspace: the size the cuBLAS guide recommends for cublasSetWorkspace on Hopper (32 MiB; 4 MiB
//   before), which the backend sets explicitly, so this one is exact.
// - the prompt-processing tile: weights dequantized to halves for cuBLAS, at most GEMM_TILE_BYTES at a time.
inline constexpr uint64_t CONTEXT_BYTES = uint64_t(457) << 20;
inline constexpr uint64_t CUBLAS_WORKSPACE_BYTES = uint64_t(32) << 20;
inline constexpr uint64_t GEMM_TILE_BYTES = uint64_t(64) << 20;
inline constexpr uint64_t OVERHEAD_BYTES = CONTEXT_BYTES + CUBLAS_WORKSPACE_BYTES + GEMM_TILE_BYTES;

}  // namespace snug::cuda
