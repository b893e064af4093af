#include "server/model_dir.h"

#include <algorithm>
#include <sys/stat.h>

#include <filesystem>

namespace snug::server {
namespace fs = std::filesystem;

namespace {
bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
}  // namespace

std::vector<DirEntry> list_model_dir(const std::string& dir) {
    std::vector<DirEntry> out;
    std::error_code ec;
    if (dir.empty() || !fs::is_directory(dir, ec)) return out;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        const std::string file = e.path().filename().string();
        if (!e.is_regular_file(ec) || !ends_with(file, ".gguf") || file.find("mmproj") != std::string::npos) continue;
        DirEntry d;
        d.name = file.substr(0, file.size() - 5) + ":latest";
        d.path = e.path().string();
        d.size = e.file_size(ec);
        struct stat st {};
        if (::stat(d.path.c_str(), &st) == 0)
            d.modified_unix_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
        out.push_back(std::move(d));
    }
    std::sort(out.begin(), out.end(), [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
    return out;
}

ModelSource resolve_in_dir(const std::string& dir, const std::string& name) {
    if (name.empty()) throw ModelNotFound("no model was named");
    std::error_code ec;
    if (ends_with(name, ".gguf") && fs::is_regular_file(name, ec)) {
        ModelSource s;
        s.name = name;
        s.gguf_path = name;
        return s;
    }
    std::string base = name;
    if (ends_with(base, ":latest")) base.resize(base.size() - 7);
    const bool safe = base.find('/') == std::string::npos && base.find('\\') == std::string::npos &&
                      base.find("..") == std::string::npos && base.find(':') == std::string::npos &&
                      base.find('\0') == std::string::npos && base.size() <= 255;
    if (safe && !dir.empty()) {
        const fs::path p = fs::path(dir) / (base + ".gguf");
        if (fs::is_regular_file(p, ec)) {
            ModelSource s;
            s.name = base + ":latest";
            s.gguf_path = p.string();
            return s;
        }
    }
    throw ModelNotFound("model '" + name + "' not found");
}

}  // namespace snug::server
