// cli/cmd_store.cpp: the model store commands besides pull: create, list, show, cp, rm. Each is a thin view over
// store::Store; `snug show` prints the same fields POST /api/show returns.
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "base/error.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "store/store.h"

namespace snug::cli {
namespace {

store::Store open_store() { return store::Store(store::Store::default_root()); }

std::string size_text(int64_t b) {
    char buf[32];
    if (b >= 1000000000) std::snprintf(buf, sizeof buf, "%.1f GB", static_cast<double>(b) / 1e9);
    else if (b >= 1000000) std::snprintf(buf, sizeof buf, "%.0f MB", static_cast<double>(b) / 1e6);
    else if (b >= 1000) std::snprintf(buf, sizeof buf, "%.0f KB", static_cast<double>(b) / 1e3);
    else std::snprintf(buf, sizeof buf, "%lld B", static_cast<long long>(b));
    return buf;
}

std::string ago_text(int64_t unix_ns) {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    const int64_t s = std::chrono::duration_cast<std::chrono::seconds>(now).count() - unix_ns / 1000000000;
    const auto unit = [](int64_t n, const char* u) {
        return std::to_string(n) + " " + u + (n == 1 ? "" : "s") + " ago";
    };
    if (s < 60) return "just now";
    if (s < 3600) return unit(s / 60, "minute");
    if (s < 86400) return unit(s / 3600, "hour");
    if (s < 86400 * 30) return unit(s / 86400, "day");
    return unit(s / (86400 * 30), "month");
}

void row(const char* key, const nlohmann::json& v) {
    if (v.is_null()) return;
    std::printf("    %-20s %s\n", key, v.is_string() ? v.get<std::string>().c_str() : v.dump().c_str());
}

void section(const char* title, const std::string& text) {
    if (text.empty()) return;
    std::printf("\n  %s\n", title);
    size_t start = 0;
    while (start <= text.size()) {
        const size_t nl = std::min(text.find('\n', start), text.size());
        std::printf("    %s\n", text.substr(start, nl - start).c_str());
        start = nl + 1;
    }
}

}  // namespace

int cmd_create(const Argv& argv) {
    const Args a(argv, {"--file"}, {}, {{"-f", "--file"}});
    if (a.positionals().size() != 1) throw Error("usage: snug create NAME [-f Modelfile]");
    const std::string path = a.value_or("--file", "Modelfile");
    const store::ModelSpec spec = store::parse_modelfile(read_text_file(path));
    const std::string dir = std::filesystem::absolute(path).parent_path().string();
    open_store().create(a.positionals()[0], spec, dir, [](const nlohmann::json& p) {
        std::fprintf(stderr, "%s\n", p.value("status", "").c_str());
    });
    return 0;
}

int cmd_list(const Argv& argv) {
    const Args a(argv, {}, {});
    if (!a.positionals().empty()) throw Error("usage: snug list");
    const auto models = open_store().list();
    std::printf("%-40s %-14s %-10s %s\n", "NAME", "ID", "SIZE", "MODIFIED");
    for (const auto& m : models)
        std::printf("%-40s %-14s %-10s %s\n", m.name.display().c_str(), m.digest.substr(0, 12).c_str(),
                    size_text(m.size).c_str(), ago_text(m.modified_ns).c_str());
    return 0;
}

int cmd_show(const Argv& argv) {
    const Args a(argv, {}, {"--modelfile", "--parameters", "--template", "--system", "--license", "--verbose"});
    if (a.positionals().size() != 1)
        throw Error("usage: snug show NAME [--modelfile|--parameters|--template|--system|--license] [--verbose]");
    const auto j = open_store().show_json(a.positionals()[0], a.flag("--verbose"));
    for (const char* field : {"modelfile", "parameters", "template", "system", "license"})
        if (a.flag(std::string("--") + field)) {
            std::printf("%s\n", j.value(field, "").c_str());
            return 0;
        }
    const auto& d = j["details"];
    const auto& info = j["model_info"];
    const std::string arch = d.value("family", "");
    std::printf("  Model\n");
    row("architecture", d["family"]);
    row("parameters", d["parameter_size"]);
    row("context length", info.value(arch + ".context_length", nlohmann::json()));
    row("embedding length", info.value(arch + ".embedding_length", nlohmann::json()));
    row("quantization", d["quantization_level"]);
    if (j.contains("projector_info")) row("projector", j["projector_info"].value("general.architecture", "yes"));
    std::string caps;
    for (const auto& c : j["capabilities"]) caps += (caps.empty() ? "" : "\n") + c.get<std::string>();
    section("Capabilities", caps);
    section("Parameters", j.value("parameters", ""));
    section("System", j.value("system", ""));
    const std::string license = j.value("license", "");
    section("License", license.substr(0, license.find('\n')));  // its first line; --license prints it all
    return 0;
}

int cmd_cp(const Argv& argv) {
    const Args a(argv, {}, {});
    if (a.positionals().size() != 2) throw Error("usage: snug cp SOURCE DESTINATION");
    open_store().copy(a.positionals()[0], a.positionals()[1]);
    std::printf("copied '%s' to '%s'\n", a.positionals()[0].c_str(), a.positionals()[1].c_str());
    return 0;
}

int cmd_rm(const Argv& argv) {
    const Args a(argv, {}, {});
    if (a.positionals().empty()) throw Error("usage: snug rm NAME...");
    auto st = open_store();
    for (const auto& name : a.positionals()) {
        st.remove(name);
        std::printf("deleted '%s'\n", name.c_str());
    }
    return 0;
}

}  // namespace snug::cli
