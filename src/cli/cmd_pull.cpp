// cli/cmd_pull.cpp: `snug pull SOURCE`: a terminal progress bar (bytes, rate, ETA) over the store's Ollama-shaped
// progress objects; plain lines (every 10%) when stderr is not a terminal.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "base/error.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "store/store.h"

namespace snug::cli {
namespace {

std::string bytes_text(double b) {  // decimal units, as Ollama prints them
    const char* units[] = {"B", "KB", "MB", "GB", "TB"};
    int u = 0;
    while (b >= 1000.0 && u < 4) b /= 1000.0, ++u;
    char buf[32];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", b, units[u]);
    return buf;
}

std::string duration_text(double s) {
    char buf[32];
    if (s < 60) std::snprintf(buf, sizeof buf, "%.0fs", s);
    else if (s < 3600) std::snprintf(buf, sizeof buf, "%dm%02ds", int(s) / 60, int(s) % 60);
    else std::snprintf(buf, sizeof buf, "%dh%02dm", int(s) / 3600, int(s) % 3600 / 60);
    return buf;
}

class ProgressView {
public:
    explicit ProgressView(bool tty) : tty_(tty) {}
    ~ProgressView() { end_line(); }

    void update(const nlohmann::json& p) {
        const std::string status = p.value("status", "");
        if (!p.contains("completed")) {
            end_line();
            std::fprintf(stderr, "%s\n", status.c_str());
            return;
        }
        const int64_t done = p["completed"].get<int64_t>();
        const int64_t total = p.contains("total") ? p["total"].get<int64_t>() : -1;
        const auto now = std::chrono::steady_clock::now();
        if (status != key_) {
            end_line();
            key_ = status;
            start_ = now;
            start_bytes_ = done;
            last_decile_ = -1;
        }
        const double secs = std::chrono::duration<double>(now - start_).count();
        const double rate = secs > 0.2 ? static_cast<double>(done - start_bytes_) / secs : 0.0;
        const int pct = total > 0 ? static_cast<int>(100 * done / total) : -1;
        if (tty_) {
            std::string line = status + "  ";
            if (pct >= 0) {
                const int width = 25, fill = pct * width / 100;
                line += std::to_string(pct) + "% [" + std::string(fill, '#') + std::string(width - fill, ' ') + "] ";
            }
            line += bytes_text(static_cast<double>(done));
            if (total >= 0) line += "/" + bytes_text(static_cast<double>(total));
            if (rate > 0) {
                line += "  " + bytes_text(rate) + "/s";
                if (total > done) line += "  " + duration_text(static_cast<double>(total - done) / rate) + " left";
            }
            std::fprintf(stderr, "\r%s\033[K", line.c_str());
            open_line_ = true;
        } else if (pct < 0 || pct / 10 != last_decile_) {
            last_decile_ = pct < 0 ? last_decile_ : pct / 10;
            std::fprintf(stderr, "%s: %s%s%s\n", status.c_str(), pct >= 0 ? (std::to_string(pct) + "% ").c_str() : "",
                         bytes_text(static_cast<double>(done)).c_str(),
                         total >= 0 ? (" of " + bytes_text(static_cast<double>(total))).c_str() : "");
        }
        std::fflush(stderr);
    }

private:
    void end_line() {
        if (open_line_) std::fputc('\n', stderr);
        open_line_ = false;
    }

    bool tty_;
    bool open_line_ = false;
    std::string key_;
    std::chrono::steady_clock::time_point start_;
    int64_t start_bytes_ = 0;
    int last_decile_ = -1;
};

}  // namespace

int cmd_pull(const Argv& argv) {
    const Args a(argv, {"--name"}, {});
    if (a.positionals().size() != 1)
        throw Error("usage: snug pull SOURCE [--name NAME]   (SOURCE: hf.co/OWNER/REPO[:QUANT] or an http(s) URL)");
    store::Store st(store::Store::default_root());
    store::PullOptions opts;
    opts.name = a.value_or("--name", "");
    std::string name;
    {
        ProgressView view(::isatty(STDERR_FILENO) != 0);
        name = st.pull(a.positionals()[0], [&](const nlohmann::json& p) { view.update(p); }, opts);
    }
    std::printf("%s\n", name.c_str());
    return 0;
}

}  // namespace snug::cli
