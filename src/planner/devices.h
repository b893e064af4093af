// planner/devices.h: the memories a plan fills — this machine's RAM and GPUs, real or simulated (`--gpu 8GiB`,
// `--gpu rtx4060ti-8gb`) — and their fixed costs. Discovering real GPUs belongs to a GPU backend: it fills the same
// DeviceSpec (free memory from the driver) and hands it to the planner; nothing here talks to a driver.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace snug::planner {

enum class DeviceKind : uint8_t { CPU, GPU };

struct DeviceSpec {
    std::string name;             // "cpu", "rtx4090", "gpu-8GiB"
    DeviceKind kind = DeviceKind::CPU;
    std::string vendor;           // "nvidia", "amd", "apple"; "" when unknown
    uint64_t total_bytes = 0;     // the device's memory
    uint64_t free_bytes = 0;      // what a plan may fill: MemAvailable (cgroup-capped) for the CPU; for a GPU its VRAM,
                                  // or the GPU's share of unified memory
    uint64_t overhead_bytes = 0;  // the backend's fixed cost on it (CUDA context + cuBLAS workspace; the CPU process)
    double bandwidth_gbs = 0;     // memory read bandwidth, 1e9 bytes/s
    double tflops = 0;            // dense f16 matrix throughput (GPU) or effective matmul throughput (CPU), 1e12/s
    bool unified = false;         // a GPU sharing the host's memory (Apple silicon)
    std::string source;           // where these numbers come from
};

// "8GiB", "512MiB", "8GB" (decimal, 8e9), "1.5TiB", "123" (bytes), "0". Throws snug::Error naming the text.
uint64_t parse_size(std::string_view text);
// 1536 MiB -> "1.50 GiB"; used in tables and reasons.
std::string format_bytes(uint64_t bytes);

// Fixed costs of a CUDA (or ROCm) device: documented constants, not measured here (this project has no GPU backend
// yet). Context: Ollama's per-GPU minimum reserve for CUDA and ROCm (discover/gpu.go, cudaMinimumMemory = 457 MiB),
// which covers the driver context and the backend's kernels. Workspace: the cuBLAS guide's recommended
// cublasSetWorkspace size, 4 MiB (32 MiB on Hopper).
inline constexpr uint64_t GPU_CONTEXT_BYTES = uint64_t(457) << 20;
inline constexpr uint64_t CUBLAS_WORKSPACE_BYTES = uint64_t(4) << 20;
inline constexpr uint64_t CUBLAS_WORKSPACE_HOPPER_BYTES = uint64_t(32) << 20;

// The `snug` process's resident memory before any model is mapped (binary, shared libraries, runtime), for library
// callers that cannot measure it: `snug fit` reads its own (process_resident_bytes(), host_memory.h), since it grows
// with every library the binary links. 12 MiB: `snug` with no arguments on this project's machine (Debian 12, gcc 12,
// release build linking the server, libcurl and OpenSSL), /usr/bin/time -f %M.
inline constexpr uint64_t CPU_PROCESS_BASELINE_BYTES = uint64_t(12) << 20;
// What running a model touches beyond that baseline whatever the model: kernel and sampler code, thread stacks, stdio
// buffers. Measured on this project's machine as the peak RSS of `snug run` on stories260K.gguf (--ctx 64, one token)
// less that plan's CPU total: 0.8 MiB.
inline constexpr uint64_t CPU_RUN_EXTRA_BYTES = uint64_t(1) << 20;

// A GPU from a `--gpu` argument: a catalog id ("rtx4090", case-insensitive, see gpu_catalog.h) or a size ("8GiB",
// then an unnamed NVIDIA-like card with the catalog's default bandwidth). "0" is not a device: the caller treats it
// as "no GPU". Throws snug::Error for an unknown id, listing the closest ones.
DeviceSpec gpu_from_arg(std::string_view arg);

// Matmul throughput of snug's CPU kernels per thread during prompt processing, measured on this project's machine
// (AVX2, Zen 5): `snug bench` pp512 on qwen2.5-0.5b Q4_K_M, 63.8 tok/s at 1 thread x 2 x 0.49e9 weights
// (bench/RESULTS.md). Only the prompt-speed prediction uses it.
inline constexpr double CPU_TFLOPS_PER_THREAD = 0.062;

// The CPU as a plan device: available_bytes to fill (host_memory.h measures it, --ram replaces it), total_bytes for
// display, bandwidth_gbs from speed.h, n_threads for the throughput estimate; baseline_bytes: the process's own
// resident memory (0: CPU_PROCESS_BASELINE_BYTES); CPU_RUN_EXTRA_BYTES is added to it.
DeviceSpec cpu_device(uint64_t available_bytes, uint64_t total_bytes, double bandwidth_gbs, int n_threads,
                      uint64_t baseline_bytes = 0);

}  // namespace snug::planner
