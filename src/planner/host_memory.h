// planner/host_memory.h: how much RAM this process may use — /proc/meminfo's MemAvailable, capped by the memory
// limit of the cgroup the process runs in (v2 memory.max, v1 memory.limit_in_bytes), less what that group already
// uses. The parsers take file contents so tests can feed them any machine's files.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace snug::planner {

struct HostMemory {
    uint64_t total_bytes = 0;      // MemTotal, or the cgroup limit when lower
    uint64_t available_bytes = 0;  // MemAvailable, or the cgroup's headroom when lower
    std::string limited_by;        // "meminfo", "cgroup v2 memory.max", "cgroup v1 memory.limit_in_bytes"
};

// MemTotal and MemAvailable (kB lines) from /proc/meminfo text; throws snug::Error when either is missing.
HostMemory parse_meminfo(std::string_view meminfo);
// A cgroup limit file's value: bytes, or nullopt for "max" (v2) or a v1 "unlimited" near 2^63.
std::optional<uint64_t> parse_cgroup_limit(std::string_view text);
// Caps m by a cgroup limit and current usage (both bytes); usage above the limit leaves nothing available.
void apply_cgroup_limit(HostMemory& m, uint64_t limit, uint64_t usage, const std::string& which);

// This process's resident memory now (/proc/self/statm), 0 when unreadable. Read at the start of `snug fit`, before
// any model is touched, it is the binary's own baseline (code, shared libraries, runtime) on this machine.
uint64_t process_resident_bytes();

// The whole measurement on this machine: /proc/meminfo, then the cgroup of /proc/self/cgroup (v2 unified
// hierarchy, walking up to the root for the tightest memory.max; else v1's memory controller).
HostMemory read_host_memory();

}  // namespace snug::planner
