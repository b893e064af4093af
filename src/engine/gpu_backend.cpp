// engine/gpu_backend.cpp: finds and loads the GPU backend module. SNUG_CUDA_MODULE_FILE (set by CMake when the module
// is built) is its file name; it is looked for at $SNUG_CUDA_MODULE, then beside the running executable.
#include "engine/gpu_backend.h"

#include <dlfcn.h>
#include <unistd.h>

#include <filesystem>
#include <mutex>

namespace snug {
namespace {

#ifdef SNUG_CUDA_MODULE_FILE
constexpr const char* MODULE_FILE = SNUG_CUDA_MODULE_FILE;
#else
constexpr const char* MODULE_FILE = nullptr;
#endif

// The NVIDIA kernel driver's traces: without them no CUDA device can exist, and loading the module (about 200 MiB
// of CUDA libraries mapped and relocated) would buy nothing.
bool nvidia_driver_present() {
    return ::access("/proc/driver/nvidia/version", F_OK) == 0 || ::access("/dev/nvidiactl", F_OK) == 0;
}

std::string module_path() {
    if (const char* env = std::getenv("SNUG_CUDA_MODULE"); env && *env) return env;
    std::error_code ec;
    const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::string(MODULE_FILE) : (exe.parent_path() / MODULE_FILE).string();
}

// The module, loaded once per process; null with the reason when it cannot be.
GpuModule* load_module(std::string* why) {
    static std::once_flag once;
    static GpuModule* module = nullptr;
    static std::string failure;
    std::call_once(once, [] {
        if (!MODULE_FILE) {
            failure = "this snug was built without CUDA (SNUG_CUDA=OFF or no nvcc)";
            return;
        }
        if (!nvidia_driver_present() && !std::getenv("SNUG_CUDA_MODULE")) {
            failure = "no NVIDIA driver on this machine";
            return;
        }
        const std::string path = module_path();
        void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!handle) {
            const char* err = ::dlerror();
            failure = "cannot load the CUDA backend " + path + ": " + (err ? err : "unknown error");
            return;
        }
        auto entry = reinterpret_cast<GpuModuleEntry>(::dlsym(handle, GPU_MODULE_ENTRY));
        if (!entry) {
            failure = path + " has no " + GPU_MODULE_ENTRY;
            return;
        }
        module = entry();  // the handle stays open for the process's life: the backend's code lives in it
    });
    if (!module && why) *why = failure;
    return module;
}

}  // namespace

bool built_with_cuda() { return MODULE_FILE != nullptr; }

std::vector<GpuInfo> detect_gpus(std::string* why) {
    GpuModule* m = load_module(why);
    return m ? m->detect(why) : std::vector<GpuInfo>{};
}

std::unique_ptr<GpuBackend> open_gpu_backend(std::string& why) {
    GpuModule* m = load_module(&why);
    return m ? m->open(why) : nullptr;
}

}  // namespace snug
