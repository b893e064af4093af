// engine/gpu_backend.h: the engine's way to a GPU backend. gpu_backend.cpp loads the backend module (ops/gpu_module.h;
// libsnug_cuda.so beside the snug binary, or SNUG_CUDA_MODULE) the first time a GPU is asked for, and only when this
// machine has an NVIDIA driver: a CPU-only run never maps the CUDA libraries. Without the module (a build without
// CUDA, or CUDA's libraries missing) or a usable GPU, there is no backend and the reason says why: snug then runs on
// the CPU.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "ops/gpu_module.h"

namespace snug {

// Whether this snug was built with a GPU backend module (SNUG_CUDA).
bool built_with_cuda();
// The GPUs this build can use, in device order. Never throws; empty with *why set when there are none.
std::vector<GpuInfo> detect_gpus(std::string* why = nullptr);
// A backend on GPU 0, or null with `why` set. Never throws.
std::unique_ptr<GpuBackend> open_gpu_backend(std::string& why);

}  // namespace snug
