// bench/cuda_membw.cu: the GPU's measured memory bandwidth, the ceiling for decode (weights are read once per
// token), and the device memory a CUDA context takes. Three figures, each the median of 20 timed runs after 3
// warm-ups, timed with CUDA events over 1 GiB buffers (far beyond L2):
//   read   a kernel reading every byte (16-byte loads) and reducing them (bytes read / time) — what decode does;
//   copy   cudaMemcpy device to device (bytes read + bytes written / time), as METHOD.md's ceiling;
//   write  a kernel writing every byte.
// Usage: snug_cuda_membw [GiB] [--json]
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

void check(cudaError_t e, const char* what) {
    if (e != cudaSuccess) {
        std::fprintf(stderr, "snug_cuda_membw: %s: %s\n", what, cudaGetErrorString(e));
        std::exit(1);
    }
}

__global__ void read_kernel(const uint4* p, size_t n, unsigned* sink) {
    unsigned acc = 0;
    for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) {
        const uint4 v = p[i];
        acc ^= v.x ^ v.y ^ v.z ^ v.w;
    }
    if (acc == 0x12345678u) *sink = acc;  // keeps the loads; practically never taken
}

__global__ void write_kernel(uint4* p, size_t n) {
    for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x)
        p[i] = make_uint4(unsigned(i), 1u, 2u, 3u);
}

template <class F>
double median_ms(F&& f) {
    cudaEvent_t a, b;
    check(cudaEventCreate(&a), "event");
    check(cudaEventCreate(&b), "event");
    for (int i = 0; i < 3; ++i) f();
    std::vector<float> ms;
    for (int i = 0; i < 20; ++i) {
        check(cudaEventRecord(a), "record");
        f();
        check(cudaEventRecord(b), "record");
        check(cudaEventSynchronize(b), "sync");
        float t = 0;
        check(cudaEventElapsedTime(&t, a, b), "elapsed");
        ms.push_back(t);
    }
    check(cudaGetLastError(), "kernel");
    std::sort(ms.begin(), ms.end());
    return ms[ms.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    double gib = 1.0;
    bool json = false;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--json") == 0) json = true;
        else gib = std::atof(argv[i]);
    }
    check(cudaFree(nullptr), "context");  // create the context before reading memory
    size_t free_b = 0, total_b = 0;
    check(cudaMemGetInfo(&free_b, &total_b), "cudaMemGetInfo");
    cudaDeviceProp prop{};
    check(cudaGetDeviceProperties(&prop, 0), "properties");
    const size_t bytes = static_cast<size_t>(gib * (1 << 30)) / 16 * 16;
    void *src = nullptr, *dst = nullptr;
    unsigned* sink = nullptr;
    check(cudaMalloc(&src, bytes), "cudaMalloc");
    check(cudaMalloc(&dst, bytes), "cudaMalloc");
    check(cudaMalloc(&sink, sizeof(unsigned)), "cudaMalloc");
    check(cudaMemset(src, 1, bytes), "memset");  // not zeros only: METHOD.md
    const size_t n = bytes / 16;
    const int blocks = prop.multiProcessorCount * 8, threads = 512;
    const double read_ms = median_ms([&] { read_kernel<<<blocks, threads>>>(static_cast<const uint4*>(src), n, sink); });
    const double copy_ms = median_ms([&] { check(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToDevice), "copy"); });
    const double write_ms = median_ms([&] { write_kernel<<<blocks, threads>>>(static_cast<uint4*>(dst), n); });
    const double read_gbs = bytes / read_ms / 1e6, copy_gbs = 2.0 * bytes / copy_ms / 1e6, write_gbs = bytes / write_ms / 1e6;
    const double context_mib = double(total_b - free_b) / (1 << 20);  // on an idle GPU: context + driver reserve
    if (json) {
        std::printf("{\"device\": \"%s\", \"bytes\": %zu, \"read_gb_s\": %.1f, \"copy_gb_s\": %.1f, \"write_gb_s\": %.1f, "
                    "\"used_after_context_mib\": %.1f, \"total_mib\": %.1f}\n",
                    prop.name, bytes, read_gbs, copy_gbs, write_gbs, context_mib, double(total_b) / (1 << 20));
    } else {
        std::printf("%s, %.2f GiB buffers\n  read  %8.1f GB/s\n  copy  %8.1f GB/s (read + write)\n  write %8.1f GB/s\n"
                    "  device memory in use after creating the context: %.1f MiB of %.1f MiB\n",
                    prop.name, double(bytes) / (1 << 30), read_gbs, copy_gbs, write_gbs, context_mib,
                    double(total_b) / (1 << 20));
    }
    cudaFree(src);
    cudaFree(dst);
    cudaFree(sink);
    return 0;
}
