// backends/cuda/cuda_device.cpp: device discovery through the runtime API, tolerant of every failure.
#include "backends/cuda/cuda_device.h"

#include <cuda_runtime_api.h>

namespace snug::cuda {

std::vector<DeviceInfo> list_devices(std::string* why) {
    std::vector<DeviceInfo> out;
    int n = 0;
    const cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess) {
        if (why) *why = std::string("no usable CUDA device (") + cudaGetErrorString(e) + ")";
        cudaGetLastError();  // clear the sticky error so later queries start clean
        return out;
    }
    for (int id = 0; id < n; ++id) {
        cudaDeviceProp p{};
        if (cudaGetDeviceProperties(&p, id) != cudaSuccess || p.major < 8) continue;
        DeviceInfo d;
        d.id = id;
        d.name = p.name;
        d.cc_major = p.major;
        d.cc_minor = p.minor;
        d.n_sm = p.multiProcessorCount;
        d.total_bytes = p.totalGlobalMem;
        int clock_khz = 0, bus_bits = 0;
        cudaDeviceGetAttribute(&clock_khz, cudaDevAttrMemoryClockRate, id);
        cudaDeviceGetAttribute(&bus_bits, cudaDevAttrGlobalMemoryBusWidth, id);
        d.bandwidth_gbs = 2.0 * clock_khz * 1e3 * (bus_bits / 8.0) / 1e9;
        size_t free_b = 0, total_b = 0;
        if (cudaSetDevice(id) == cudaSuccess && cudaMemGetInfo(&free_b, &total_b) == cudaSuccess) {
            d.free_bytes = free_b;
            d.total_bytes = total_b;
        } else {
            d.free_bytes = d.total_bytes;
        }
        out.push_back(d);
    }
    cudaGetLastError();
    if (out.empty() && why) *why = n > 0 ? "no CUDA device of compute capability 8.0 or newer" : "no CUDA device";
    return out;
}

}  // namespace snug::cuda
