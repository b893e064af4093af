// planner/gpu_catalog.cpp: the catalog. Memory and bandwidth are the vendors' product specifications; f16 throughput
// is the dense (non-sparse) tensor/matrix peak from the architecture whitepapers (NVIDIA Ampere GA102, Ada, Blackwell
// RTX; Hopper and Ampere A100 datasheets), AMD's product pages (RDNA 3/4 "peak half precision", Instinct datasheets)
// and, for Apple GPUs, cores x 128 ALUs x 2 x clock (Apple publishes no figure). The first nine entries are the GPUs of
// the deployment table in ../shared/seeds/000_f2eb605ff0848589.txt (verdicts: tests/unit/planner_gpu_table.cpp).
#include "planner/gpu_catalog.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace snug::planner {
namespace {

constexpr const char* NV_ADA = "NVIDIA GeForce RTX 40 specifications + Ada architecture whitepaper";
constexpr const char* NV_AMPERE = "NVIDIA GeForce RTX 30 specifications + GA102 whitepaper";
constexpr const char* NV_BLACKWELL = "NVIDIA GeForce RTX 50 specifications + Blackwell RTX whitepaper";
constexpr const char* NV_DC = "NVIDIA data-center datasheet";
constexpr const char* AMD_RDNA = "AMD Radeon product specifications (peak half precision)";
constexpr const char* AMD_DC = "AMD Instinct datasheet";
constexpr const char* APPLE = "Apple tech specs (memory, bandwidth); f16 = GPU cores x 128 x 2 x clock";

constexpr GpuModel CATALOG[] = {
    // id                 name                                   vendor   GiB    GB/s    TFLOPS unified hopper source
    {"rtx4090", "NVIDIA GeForce RTX 4090", "nvidia", 24, 1008, 165.2, false, false, NV_ADA},
    {"rtx4080-super", "NVIDIA GeForce RTX 4080 SUPER", "nvidia", 16, 736, 104.4, false, false, NV_ADA},
    {"rtx4070ti-super", "NVIDIA GeForce RTX 4070 Ti SUPER", "nvidia", 16, 672, 88.2, false, false, NV_ADA},
    {"rtx4070", "NVIDIA GeForce RTX 4070", "nvidia", 12, 504, 58.3, false, false, NV_ADA},
    {"rtx4060ti-16gb", "NVIDIA GeForce RTX 4060 Ti 16GB", "nvidia", 16, 288, 44.1, false, false, NV_ADA},
    {"rtx4060ti-8gb", "NVIDIA GeForce RTX 4060 Ti 8GB", "nvidia", 8, 288, 44.1, false, false, NV_ADA},
    {"rtx3090", "NVIDIA GeForce RTX 3090", "nvidia", 24, 936, 71.0, false, false, NV_AMPERE},
    {"rx7900xtx", "AMD Radeon RX 7900 XTX", "amd", 24, 960, 122.8, false, false, AMD_RDNA},
    {"m2-ultra-64gb", "Apple M2 Ultra (60-core GPU, 64 GB)", "apple", 64, 800, 21.5, true, false, APPLE},
    // Other GeForce cards.
    {"rtx4080", "NVIDIA GeForce RTX 4080", "nvidia", 16, 716.8, 97.5, false, false, NV_ADA},
    {"rtx4070ti", "NVIDIA GeForce RTX 4070 Ti", "nvidia", 12, 504, 80.2, false, false, NV_ADA},
    {"rtx4070-super", "NVIDIA GeForce RTX 4070 SUPER", "nvidia", 12, 504, 71.0, false, false, NV_ADA},
    {"rtx4060", "NVIDIA GeForce RTX 4060", "nvidia", 8, 272, 30.2, false, false, NV_ADA},
    {"rtx3090ti", "NVIDIA GeForce RTX 3090 Ti", "nvidia", 24, 1008, 80.0, false, false, NV_AMPERE},
    {"rtx3080", "NVIDIA GeForce RTX 3080 10GB", "nvidia", 10, 760, 59.5, false, false, NV_AMPERE},
    {"rtx3060", "NVIDIA GeForce RTX 3060 12GB", "nvidia", 12, 360, 25.6, false, false, NV_AMPERE},
    {"rtx5090", "NVIDIA GeForce RTX 5090", "nvidia", 32, 1792, 209.5, false, false, NV_BLACKWELL},
    {"rtx5080", "NVIDIA GeForce RTX 5080", "nvidia", 16, 960, 112.6, false, false, NV_BLACKWELL},
    {"rtx5070ti", "NVIDIA GeForce RTX 5070 Ti", "nvidia", 16, 896, 87.9, false, false, NV_BLACKWELL},
    {"rtx5070", "NVIDIA GeForce RTX 5070", "nvidia", 12, 672, 61.7, false, false, NV_BLACKWELL},
    {"rtx5060ti-16gb", "NVIDIA GeForce RTX 5060 Ti 16GB", "nvidia", 16, 448, 47.4, false, false, NV_BLACKWELL},
    // Workstation and data-center NVIDIA.
    {"rtx6000-ada", "NVIDIA RTX 6000 Ada Generation", "nvidia", 48, 960, 364.2, false, false, NV_DC},
    {"l4", "NVIDIA L4", "nvidia", 24, 300, 121.0, false, false, NV_DC},
    {"t4", "NVIDIA T4", "nvidia", 16, 320, 65.0, false, false, NV_DC},
    {"a10", "NVIDIA A10", "nvidia", 24, 600, 125.0, false, false, NV_DC},
    {"l40s", "NVIDIA L40S", "nvidia", 48, 864, 362.0, false, false, NV_DC},
    {"a100-40gb", "NVIDIA A100 40GB (SXM)", "nvidia", 40, 1555, 312.0, false, false, NV_DC},
    {"a100-80gb", "NVIDIA A100 80GB (SXM)", "nvidia", 80, 2039, 312.0, false, false, NV_DC},
    {"h100-pcie", "NVIDIA H100 PCIe 80GB", "nvidia", 80, 2000, 756.0, false, true, NV_DC},
    {"h100", "NVIDIA H100 SXM 80GB", "nvidia", 80, 3350, 989.0, false, true, NV_DC},
    {"h200", "NVIDIA H200 SXM 141GB", "nvidia", 141, 4800, 989.0, false, true, NV_DC},
    // AMD.
    {"rx7900xt", "AMD Radeon RX 7900 XT", "amd", 20, 800, 103.0, false, false, AMD_RDNA},
    {"rx7800xt", "AMD Radeon RX 7800 XT", "amd", 16, 624, 74.6, false, false, AMD_RDNA},
    {"rx7600", "AMD Radeon RX 7600", "amd", 8, 288, 43.5, false, false, AMD_RDNA},
    {"rx9070xt", "AMD Radeon RX 9070 XT", "amd", 16, 640, 97.3, false, false, AMD_RDNA},
    {"mi250x", "AMD Instinct MI250X", "amd", 128, 3277, 383.0, false, false, AMD_DC},
    {"mi300x", "AMD Instinct MI300X", "amd", 192, 5300, 1307.4, false, false, AMD_DC},
    // Apple silicon (unified memory).
    {"m1-max-64gb", "Apple M1 Max (32-core GPU, 64 GB)", "apple", 64, 400, 10.4, true, false, APPLE},
    {"m2-ultra-192gb", "Apple M2 Ultra (76-core GPU, 192 GB)", "apple", 192, 800, 27.2, true, false, APPLE},
    {"m3-max-128gb", "Apple M3 Max (40-core GPU, 128 GB)", "apple", 128, 400, 16.4, true, false, APPLE},
    {"m3-ultra-512gb", "Apple M3 Ultra (80-core GPU, 512 GB)", "apple", 512, 819, 28.3, true, false, APPLE},
    {"m4-pro-48gb", "Apple M4 Pro (20-core GPU, 48 GB)", "apple", 48, 273, 8.1, true, false, APPLE},
    {"m4-max-128gb", "Apple M4 Max (40-core GPU, 128 GB)", "apple", 128, 546, 16.2, true, false, APPLE},
};

std::string normalized(std::string_view s) {
    std::string r;
    for (char c : s)
        if (c != '-' && c != '_' && c != ' ') r += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return r;
}

}  // namespace

std::span<const GpuModel> gpu_catalog() { return CATALOG; }

const GpuModel* find_gpu(std::string_view id) {
    const std::string want = normalized(id);
    for (const auto& g : CATALOG)
        if (normalized(g.id) == want) return &g;
    return nullptr;
}

uint64_t gpu_share_bytes(uint64_t unified_bytes) {
    constexpr uint64_t GIB = uint64_t(1) << 30;
    return unified_bytes <= 36 * GIB ? unified_bytes / 3 * 2 : unified_bytes / 4 * 3;
}

}  // namespace snug::planner
