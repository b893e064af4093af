// planner/host_memory.cpp: MemAvailable and cgroup limits. Containers often show the host's MemAvailable while a
// cgroup caps the process far lower; planning against MemAvailable alone would promise memory the OOM killer takes.
#include "planner/host_memory.h"

#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>

#include "base/error.h"

namespace snug::planner {
namespace {

std::optional<std::string> read_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) return std::nullopt;
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) s.remove_suffix(1);
    return s;
}

std::optional<uint64_t> to_u64(std::string_view s) {
    s = trim(s);
    uint64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return v;
}

// "MemAvailable:   123456 kB" -> bytes.
std::optional<uint64_t> meminfo_field(std::string_view text, std::string_view key) {
    size_t pos = 0;
    while (pos < text.size()) {
        const size_t eol = std::min(text.find('\n', pos), text.size());
        const std::string_view line = text.substr(pos, eol - pos);
        pos = eol + 1;
        if (line.substr(0, key.size()) != key || line.size() <= key.size() || line[key.size()] != ':') continue;
        std::string_view v = trim(line.substr(key.size() + 1));
        uint64_t mult = 1;
        if (v.size() > 2 && v.substr(v.size() - 2) == "kB") {
            mult = 1024;
            v = trim(v.substr(0, v.size() - 2));
        }
        const auto n = to_u64(v);
        if (!n || *n > UINT64_MAX / mult) return std::nullopt;
        return *n * mult;
    }
    return std::nullopt;
}

// v2: "0::/user.slice/x.scope" -> "/user.slice/x.scope"; v1: the path of the line naming the memory controller.
std::optional<std::string> cgroup_path(std::string_view self_cgroup, bool v2) {
    size_t pos = 0;
    while (pos < self_cgroup.size()) {
        const size_t eol = std::min(self_cgroup.find('\n', pos), self_cgroup.size());
        const std::string_view line = self_cgroup.substr(pos, eol - pos);
        pos = eol + 1;
        const size_t c1 = line.find(':');
        const size_t c2 = c1 == std::string_view::npos ? c1 : line.find(':', c1 + 1);
        if (c2 == std::string_view::npos) continue;
        const std::string_view controllers = line.substr(c1 + 1, c2 - c1 - 1);
        if (v2 ? (line.substr(0, c1) == "0" && controllers.empty())
               : (controllers == "memory" || controllers.find("memory,") == 0 ||
                  controllers.find(",memory") != std::string_view::npos))
            return std::string(line.substr(c2 + 1));
    }
    return std::nullopt;
}

}  // namespace

HostMemory parse_meminfo(std::string_view meminfo) {
    const auto total = meminfo_field(meminfo, "MemTotal");
    const auto avail = meminfo_field(meminfo, "MemAvailable");
    if (!total || !avail) throw Error("cannot read MemTotal and MemAvailable from /proc/meminfo");
    return HostMemory{*total, std::min(*avail, *total), "meminfo"};
}

std::optional<uint64_t> parse_cgroup_limit(std::string_view text) {
    text = trim(text);
    if (text == "max") return std::nullopt;
    const auto v = to_u64(text);
    // cgroup v1 writes "no limit" as the largest page-aligned signed 64-bit value.
    if (!v || *v >= (uint64_t(1) << 62)) return std::nullopt;
    return v;
}

void apply_cgroup_limit(HostMemory& m, uint64_t limit, uint64_t usage, const std::string& which) {
    const uint64_t headroom = usage >= limit ? 0 : limit - usage;
    if (limit < m.total_bytes) m.total_bytes = limit;
    if (headroom < m.available_bytes) {
        m.available_bytes = headroom;
        m.limited_by = which;
    }
}

uint64_t process_resident_bytes() {
    const auto statm = read_file("/proc/self/statm");
    if (!statm) return 0;
    const size_t space = statm->find(' ');
    if (space == std::string::npos) return 0;
    const size_t end = statm->find(' ', space + 1);
    const auto pages = to_u64(std::string_view(*statm).substr(space + 1, end - space - 1));
    return pages ? *pages * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE)) : 0;
}

HostMemory read_host_memory() {
    const auto meminfo = read_file("/proc/meminfo");
    if (!meminfo) throw Error("cannot read /proc/meminfo (pass --ram SIZE to plan without it)");
    HostMemory m = parse_meminfo(*meminfo);
    const auto self = read_file("/proc/self/cgroup");
    if (!self) return m;
    // A parent group's limit binds too, so each hierarchy is walked from the process's group up to its root. Hybrid
    // machines mount both: v2 at /sys/fs/cgroup (or .../unified) and v1's memory controller at .../memory.
    auto walk = [&](std::string p, const std::string& root, const char* limit_file, const char* usage_file,
                    const std::string& which) {
        while (true) {
            const std::string dir = root + (p == "/" ? std::string() : p);
            const auto lim = read_file(dir + "/" + limit_file);
            const auto use = read_file(dir + "/" + usage_file);
            const auto limit = lim && use ? parse_cgroup_limit(*lim) : std::nullopt;
            if (limit) apply_cgroup_limit(m, *limit, to_u64(*use).value_or(0), which);
            if (p == "/" || p.empty()) break;
            const size_t slash = p.rfind('/');
            p = slash == 0 || slash == std::string::npos ? "/" : p.substr(0, slash);
        }
    };
    if (const auto v2 = cgroup_path(*self, true)) {
        walk(*v2, "/sys/fs/cgroup", "memory.max", "memory.current", "cgroup v2 memory.max");
        walk(*v2, "/sys/fs/cgroup/unified", "memory.max", "memory.current", "cgroup v2 memory.max");
    }
    if (const auto v1 = cgroup_path(*self, false))
        walk(*v1, "/sys/fs/cgroup/memory", "memory.limit_in_bytes", "memory.usage_in_bytes",
             "cgroup v1 memory.limit_in_bytes");
    return m;
}

}  // namespace snug::planner
