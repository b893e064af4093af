// backends/cuda/cuda_check.h: turns CUDA runtime and cuBLAS failures into snug::Error naming the call and the code.
#pragma once
#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <string>

#include "base/error.h"

namespace snug::cuda {

[[noreturn]] inline void fail(const char* what, const std::string& why) {
    throw Error(std::string("CUDA: ") + what + " failed: " + why);
}
inline void check(cudaError_t e, const char* what) {
    if (e != cudaSuccess) fail(what, std::string(cudaGetErrorName(e)) + " (" + cudaGetErrorString(e) + ")");
}
inline void check(cublasStatus_t s, const char* what) {
    if (s != CUBLAS_STATUS_SUCCESS) fail(what, "cuBLAS status " + std::to_string(static_cast<int>(s)));
}
// After a kernel launch: a bad configuration shows up here, a fault in the kernel at the next synchronisation.
inline void check_launch(const char* kernel) { check(cudaGetLastError(), kernel); }

}  // namespace snug::cuda
