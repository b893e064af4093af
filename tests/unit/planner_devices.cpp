// tests/unit/planner_devices.cpp: sizes as users type them, the GPU catalog, simulated GPUs, and host memory from
// /proc/meminfo and cgroup files (fed as text, so any machine's files can be checked).
#include <gtest/gtest.h>

#include "base/error.h"
#include "planner/devices.h"
#include "planner/gpu_catalog.h"
#include "planner/host_memory.h"
#include "planner/kv_budget.h"
#include "planner/plan.h"

using namespace snug;
using namespace snug::planner;

TEST(PlannerDevices, ParseSize) {
    EXPECT_EQ(parse_size("8GiB"), uint64_t(8) << 30);
    EXPECT_EQ(parse_size("8 gib"), uint64_t(8) << 30);
    EXPECT_EQ(parse_size("8G"), uint64_t(8) << 30);
    EXPECT_EQ(parse_size("512MiB"), uint64_t(512) << 20);
    EXPECT_EQ(parse_size("8GB"), uint64_t(8000000000));
    EXPECT_EQ(parse_size("1.5TiB"), uint64_t(3) << 39);
    EXPECT_EQ(parse_size("123"), 123u);
    EXPECT_EQ(parse_size("0"), 0u);
    for (const char* bad : {"", "GiB", "8 parsecs", "1.2.3G", "-1G", ".", "99999999999999999999999999G"})
        EXPECT_THROW(parse_size(bad), Error) << bad;
}

TEST(PlannerDevices, FormatBytes) {
    EXPECT_EQ(format_bytes(0), "0 B");
    EXPECT_EQ(format_bytes(1023), "1023 B");
    EXPECT_EQ(format_bytes(uint64_t(1536) << 20), "1.50 GiB");
}

TEST(PlannerDevices, CatalogHasTheSeedGpusWithSources) {
    for (const char* id : {"rtx4090", "rtx4080-super", "rtx4070ti-super", "rtx4070", "rtx4060ti-16gb", "rtx4060ti-8gb",
                           "rtx3090", "rx7900xtx", "m2-ultra-64gb"}) {
        const GpuModel* g = find_gpu(id);
        ASSERT_NE(g, nullptr) << id;
        EXPECT_GT(g->bandwidth_gbs, 0) << id;
        EXPECT_GT(g->tflops, 0) << id;
        EXPECT_FALSE(g->source.empty()) << id;
    }
    EXPECT_EQ(find_gpu("RTX-4060-Ti-8GB"), find_gpu("rtx4060ti-8gb"));
    EXPECT_EQ(find_gpu("rtx4060ti"), nullptr);  // ambiguous: 8 or 16 GB
    EXPECT_EQ(find_gpu("rtx4090")->memory_gib, 24);
    EXPECT_EQ(find_gpu("rtx4060ti-8gb")->bandwidth_gbs, 288);
    // Every id is unique once normalized.
    for (const auto& a : gpu_catalog()) EXPECT_EQ(find_gpu(a.id), &a) << a.id;
}

TEST(PlannerDevices, GpuFromArgument) {
    const DeviceSpec g = gpu_from_arg("rtx4090");
    EXPECT_EQ(g.kind, DeviceKind::GPU);
    EXPECT_EQ(g.vendor, "nvidia");
    EXPECT_EQ(g.total_bytes, uint64_t(24) << 30);
    EXPECT_EQ(g.free_bytes, g.total_bytes);
    EXPECT_EQ(g.overhead_bytes, GPU_CONTEXT_BYTES + CUBLAS_WORKSPACE_BYTES);
    EXPECT_EQ(gpu_from_arg("h100").overhead_bytes, GPU_CONTEXT_BYTES + CUBLAS_WORKSPACE_HOPPER_BYTES);
    const DeviceSpec mac = gpu_from_arg("m2-ultra-64gb");
    EXPECT_TRUE(mac.unified);
    EXPECT_EQ(mac.free_bytes, uint64_t(48) << 30);  // 3/4 of 64 GiB
    EXPECT_EQ(mac.overhead_bytes, 0u);
    EXPECT_EQ(gpu_share_bytes(uint64_t(24) << 30), uint64_t(16) << 30);  // 2/3 up to 36 GiB
    const DeviceSpec sized = gpu_from_arg("8GiB");
    EXPECT_EQ(sized.total_bytes, uint64_t(8) << 30);
    EXPECT_EQ(sized.name, "gpu-8GiB");
    EXPECT_GT(sized.bandwidth_gbs, 0);
    try {
        gpu_from_arg("rtx9999");
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("unknown GPU 'rtx9999'"), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("rtx4090"), std::string::npos);  // lists the catalog
    }
    EXPECT_THROW(gpu_from_arg("0GiB"), Error);
}

TEST(PlannerDevices, Meminfo) {
    const HostMemory m = parse_meminfo("MemTotal:       24000000 kB\nMemFree:  100 kB\nMemAvailable:   20000000 kB\n");
    EXPECT_EQ(m.total_bytes, 24000000ull * 1024);
    EXPECT_EQ(m.available_bytes, 20000000ull * 1024);
    EXPECT_EQ(m.limited_by, "meminfo");
    EXPECT_THROW(parse_meminfo("MemTotal: 5 kB\n"), Error);
    EXPECT_THROW(parse_meminfo(""), Error);
}

TEST(PlannerDevices, CgroupLimits) {
    EXPECT_EQ(parse_cgroup_limit("max\n"), std::nullopt);
    EXPECT_EQ(parse_cgroup_limit("9223372036854771712\n"), std::nullopt);  // v1's "unlimited"
    EXPECT_EQ(parse_cgroup_limit("4294967296\n"), uint64_t(4) << 30);
    EXPECT_EQ(parse_cgroup_limit("garbage"), std::nullopt);
    HostMemory m{uint64_t(24) << 30, uint64_t(20) << 30, "meminfo"};
    apply_cgroup_limit(m, uint64_t(8) << 30, uint64_t(3) << 30, "cgroup v2 memory.max");
    EXPECT_EQ(m.total_bytes, uint64_t(8) << 30);
    EXPECT_EQ(m.available_bytes, uint64_t(5) << 30);
    EXPECT_EQ(m.limited_by, "cgroup v2 memory.max");
    apply_cgroup_limit(m, uint64_t(1) << 30, uint64_t(2) << 30, "cgroup v1 memory.limit_in_bytes");
    EXPECT_EQ(m.available_bytes, 0u);  // usage above the limit leaves nothing
}

TEST(PlannerDevices, ThisMachine) {
    const HostMemory m = read_host_memory();
    EXPECT_GT(m.total_bytes, 0u);
    EXPECT_LE(m.available_bytes, m.total_bytes);
}

TEST(PlannerDevices, KvTypesAndFitOrder) {
    EXPECT_EQ(parse_kv_type("F16"), DType::F16);
    EXPECT_EQ(parse_kv_type("q8_0"), DType::Q8_0);
    EXPECT_THROW(parse_kv_type("q4_K"), Error);
    EXPECT_EQ(parse_fit_order("layers,ctx").size(), 2u);
    EXPECT_EQ(parse_fit_order("layers,ctx")[0], FitStep::LAYERS);
    EXPECT_EQ(default_fit_order(), (std::vector<FitStep>{FitStep::CTX, FitStep::KV, FitStep::LAYERS}));
    EXPECT_THROW(parse_fit_order("ctx,ctx"), Error);
    EXPECT_THROW(parse_fit_order("ctx,vram"), Error);
}
