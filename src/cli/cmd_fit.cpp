// cli/cmd_fit.cpp: `snug fit`: the memory plan of a model for this machine or simulated GPUs, before anything is
// loaded or downloaded: a local GGUF, a store name, or a remote file (hf.co/OWNER/REPO[:QUANT], http(s) URL) of which
// only the header is read with range requests.
#include <cstdio>
#include <filesystem>
#include <optional>

#include "base/error.h"
#include "base/thread_pool.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "net/hf.h"
#include "planner/gpu_catalog.h"
#include "planner/header_source.h"
#include "planner/host_memory.h"
#include "planner/plan_report.h"
#include "planner/speed.h"
#include "store/store.h"

namespace snug::cli {
namespace {

using namespace snug::planner;

bool is_url(const std::string& s) { return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0; }

std::unique_ptr<ModelHeader> open_header(const std::string& source) {
    if (is_url(source)) {
        const auto reader = http_range_reader(source);
        return ModelHeader::read_remote(*reader);
    }
    return ModelHeader::open_local(source);
}

// MODEL as the user wrote it -> the model's and (when the source names one) the projector's location.
std::pair<std::string, std::string> locate(const std::string& model) {
    if (is_url(model)) return {model, ""};
    if (const auto ref = net::parse_hf_ref(model)) {
        const auto sel = net::hf_resolve(*ref);
        return {sel.model.url, sel.projector ? sel.projector->url : ""};
    }
    if (std::filesystem::is_regular_file(model)) return {model, ""};
    const store::Store st(store::Store::default_root());
    const auto r = st.resolve(model);
    return {r.gguf_path, r.projector_path};
}

// Every --gpu (repeatable, or comma-separated) is taken out before the common parser, which keeps one value per option.
std::vector<std::string> take_gpus(Argv& argv) {
    std::vector<std::string> gpus;
    Argv rest;
    for (size_t i = 0; i < argv.size(); ++i) {
        std::string v;
        if (argv[i] == "--gpu") {
            if (i + 1 >= argv.size()) throw Error("option --gpu needs a value (a size such as 8GiB, a GPU id, or 0)");
            v = argv[++i];
        } else if (argv[i].rfind("--gpu=", 0) == 0) {
            v = argv[i].substr(6);
        } else {
            rest.push_back(argv[i]);
            continue;
        }
        for (size_t pos = 0; pos <= v.size();) {
            const size_t comma = std::min(v.find(',', pos), v.size());
            gpus.push_back(v.substr(pos, comma - pos));
            pos = comma + 1;
        }
    }
    argv = rest;
    return gpus;
}

void list_gpus() {
    std::printf("%-18s %-42s %8s %9s %9s\n", "id", "name", "memory", "GB/s", "f16 TF");
    for (const auto& g : gpu_catalog())
        std::printf("%-18.*s %-42.*s %5.0f GiB %9.0f %9.1f\n", int(g.id.size()), g.id.data(), int(g.name.size()),
                    g.name.data(), g.memory_gib, g.bandwidth_gbs, g.tflops);
}

}  // namespace

int cmd_fit(const Argv& argv_in) {
    const uint64_t baseline = process_resident_bytes();  // before any model is touched: this binary's own cost
    Argv argv = argv_in;
    const std::vector<std::string> gpu_args = take_gpus(argv);
    const Args a(argv,
                 {"--mmproj", "--ram", "--ctx", "--parallel", "--kv-type", "--batch", "--threads", "--fit-order"},
                 {"--require-gpu", "--json", "--no-mmproj", "--list-gpus"}, {{"-c", "--ctx"}, {"-t", "--threads"}});
    if (a.flag("--list-gpus")) {
        list_gpus();
        return 0;
    }
    if (a.positionals().size() != 1)
        throw Error("usage: snug fit MODEL [--mmproj F] [--gpu SIZE|ID ...] [--ram SIZE] [--ctx N] [--parallel N] "
                    "[--kv-type f32|f16|q8_0|q4_0] [--batch N] [--threads N] [--fit-order ctx,kv,layers] "
                    "[--require-gpu] [--json] (snug fit --list-gpus: the GPU catalog)");

    PlanRequest req;
    req.ctx = a.int_or("--ctx", 0);
    if (a.value("--ctx") && req.ctx <= 0) throw Error("--ctx must be positive, got " + std::to_string(req.ctx));
    req.parallel = a.int_or("--parallel", 1);
    req.batch = a.int_or("--batch", 512);
    req.threads = a.int_or("--threads", 0);
    if (req.threads < 0) throw Error("--threads must be positive, got " + std::to_string(req.threads));
    if (const auto t = a.value("--kv-type")) req.kv_type = parse_kv_type(*t);
    if (const auto o = a.value("--fit-order")) req.order = parse_fit_order(*o);
    req.require_gpu = a.flag("--require-gpu");

    std::vector<DeviceSpec> gpus;
    for (const auto& g : gpu_args) {
        if (g == "0") continue;
        gpus.push_back(gpu_from_arg(g));
        int same = 0;  // two cards of one kind need two names in the table and the reasons
        for (const auto& o : gpus) same += o.name == gpus.back().name || o.name.rfind(gpus.back().name + "#", 0) == 0;
        if (same > 1) gpus.back().name += "#" + std::to_string(same);
    }
    if (req.require_gpu && gpus.empty()) throw Error("--require-gpu needs a GPU (--gpu SIZE or a GPU id)");

    const int threads = req.threads > 0 ? req.threads : default_thread_count();
    uint64_t ram_total = 0, ram_free = 0;
    double bandwidth = DEFAULT_CPU_BANDWIDTH_GBS;
    std::string ram_source;
    if (const auto ram = a.value("--ram")) {
        ram_total = ram_free = parse_size(*ram);
        ram_source = "--ram " + *ram;
    } else if (!gpus.empty() && gpus.front().unified) {
        // A unified-memory GPU shares the machine's memory: what the GPU may not wire is left for the CPU side.
        ram_total = gpus.front().total_bytes;
        ram_free = ram_total - gpus.front().free_bytes;
        ram_source = "the rest of " + gpus.front().name + "'s unified memory";
    } else {
        const HostMemory h = read_host_memory();
        ram_total = h.total_bytes;
        ram_free = h.available_bytes;
        ram_source = "this machine (" + h.limited_by + ")";
        bandwidth = measure_read_bandwidth(threads);
    }
    DeviceSpec cpu = cpu_device(ram_free, ram_total, bandwidth, threads, baseline);
    cpu.source = ram_source;

    const auto [model_src, auto_projector] = locate(a.positionals()[0]);
    const uint64_t rss_before = process_resident_bytes();
    const auto header = open_header(model_src);
    LoadedModel lm = analyze_model(*header);
    // This process is as fresh as `snug run` at load: what opening and analyzing cost it, the engine's load costs too.
    if (const uint64_t rss_after = process_resident_bytes(); rss_after > rss_before)
        lm.info.host_bytes = rss_after - rss_before;
    std::string projector_src = a.flag("--no-mmproj") ? "" : a.value_or("--mmproj", auto_projector);
    std::unique_ptr<ModelHeader> projector_header;
    std::optional<ProjectorInfo> projector;
    if (!projector_src.empty()) {
        projector_header = open_header(projector_src);
        projector = analyze_projector(*projector_header);
    }

    PlanInputs in;
    in.model = &lm.info;
    in.projector = projector ? &*projector : nullptr;
    in.gpus = gpus;
    in.cpu = cpu;
    in.request = req;
    in.measure = [&](int n_tokens, int n_seqs) { return measure_compute(*lm.model, n_tokens, n_seqs, threads); };
    const Plan plan = plan_model(in);

    if (a.flag("--json")) {
        nlohmann::json j = plan_json(plan, lm.info, in.projector);
        j["bytes_fetched"] = header->bytes_fetched() + (projector_header ? projector_header->bytes_fetched() : 0);
        std::printf("%s\n", j.dump(2).c_str());
    } else {
        std::fputs(plan_table(plan, lm.info, in.projector).c_str(), stdout);
        if (header->bytes_fetched() > 0)
            std::printf("fetched   %s of the %s file's header\n", format_bytes(header->bytes_fetched()).c_str(),
                        format_bytes(header->file_bytes()).c_str());
    }
    return plan.verdict == "none" ? 3 : 0;
}

}  // namespace snug::cli
