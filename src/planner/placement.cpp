// planner/placement.cpp: the fit. place() lays out one configuration (context, KV type, whether anything may go to
// the CPU); plan_model() walks the request's steps over configurations until one fits.
#include <algorithm>
#include <map>

#include "base/error.h"
#include "planner/plan.h"
#include "planner/plan_report.h"
#include "planner/speed.h"

namespace snug::planner {
namespace {

// Per sequence, the sampler (sampling/sampler.cpp) keeps a copy of the logits (4 bytes per vocabulary entry) and,
// with the repeat penalty on as it is by default (1.1, as Ollama), two int32 tables (counts_, distinct_pos_). Its
// candidate list holds top_k entries (default 40), so it is not per vocabulary entry. A request that turns top_k
// off (0, or above n_vocab / 16) holds n_vocab candidates (12 bytes each, 24 with top_p) more while it runs: 3.6 MB
// for a 150k vocabulary, which the plan's margin absorbs rather than every sequence reserving it.
constexpr uint64_t SAMPLER_BYTES_PER_VOCAB = 4 + 4 + 4;

struct Config {
    int ctx = 0;
    DType kv = DType::F16;
    bool spill = false;  // may anything go to the CPU
};

struct Attempt {
    Plan plan;
    bool fits = false;
    std::string shortfall;  // why it does not fit
};

class Placer {
public:
    explicit Placer(const PlanInputs& in) : in_(in), m_(*in.model) {}

    Attempt place(const Config& cfg) {
        Attempt a;
        Plan& p = a.plan;
        const PlanRequest& r = in_.request;
        p.ctx = cfg.ctx;
        p.kv_type = cfg.kv;
        p.parallel = r.parallel;
        p.batch = r.batch;
        p.n_layers = m_.config.n_layers;
        const int n_tokens = static_cast<int>(std::min<int64_t>(r.batch, int64_t(cfg.ctx) * r.parallel));
        p.kv = kv_budget(m_.config, cfg.kv, cfg.ctx, r.parallel, std::min(r.batch, cfg.ctx), r.kv_block_size);
        p.compute = measured(n_tokens, std::min(r.parallel, n_tokens));
        for (const auto& g : in_.gpus) p.devices.push_back(device_plan(g));
        p.devices.push_back(device_plan(in_.cpu));
        const size_t cpu = p.devices.size() - 1;
        host_costs(p, p.devices[cpu].used);

        const int L = p.n_layers;
        std::vector<uint64_t> cost(static_cast<size_t>(L));
        for (int il = 0; il < L; ++il) cost[static_cast<size_t>(il)] = layer_cost(p, il);
        const uint64_t out_gpu = m_.output_bytes_on(true) + p.compute.output_bytes;
        const bool head_on_gpu = !in_.gpus.empty() && out_gpu <= capacity(p.devices[0]);
        const std::vector<int> where = assign_gpus(p, cost, out_gpu);
        p.layer_device.assign(static_cast<size_t>(L), static_cast<int>(cpu));
        for (int il = 0; il < L; ++il) {
            const int d = where[static_cast<size_t>(il)];
            add_layer(p, il, d >= 0 ? static_cast<size_t>(d) : cpu, cost);
            if (d >= 0) ++p.n_layers_gpu;
        }
        const size_t head = head_on_gpu ? 0 : cpu;
        p.output_device = static_cast<int>(head);
        p.devices[head].used.weights += m_.output_bytes_on(head_on_gpu);
        p.devices[head].used.compute += p.compute.output_bytes;
        p.devices[head].has_output = true;
        for (size_t d = 0; d < cpu; ++d)
            if (in_use(p.devices[d])) p.devices[d].used.overhead += p.devices[d].device.overhead_bytes;
        place_projector(p, cpu);

        a.fits = true;
        for (const DevicePlan& dp : p.devices)
            if (dp.used.total() > dp.usable_bytes()) {
                a.fits = false;
                const bool cpu_dev = dp.device.kind == DeviceKind::CPU;
                a.shortfall = shortfall_text(dp, cpu_dev ? *std::max_element(cost.begin(), cost.end()) : 0);
                break;
            }
        const bool on_cpu = p.n_layers_gpu < L || !head_on_gpu || p.projector_device == static_cast<int>(cpu);
        if (a.fits && !in_.gpus.empty() && on_cpu && !cfg.spill) {
            a.fits = false;
            a.shortfall = gpu_shortfall_text(p, cost, out_gpu);
        }
        return a;
    }

private:
    ComputeMeasure measured(int n_tokens, int n_seqs) {
        const auto key = std::make_pair(n_tokens, n_seqs);
        auto it = cache_.find(key);
        if (it == cache_.end()) it = cache_.emplace(key, in_.measure(n_tokens, n_seqs)).first;
        return it->second;
    }

    DevicePlan device_plan(const DeviceSpec& d) const {
        DevicePlan p;
        p.device = d;
        const double frac = static_cast<double>(d.free_bytes) * in_.request.margin_fraction;
        p.margin_bytes = std::max<uint64_t>(in_.request.min_margin_bytes, static_cast<uint64_t>(frac));
        return p;
    }

    static bool in_use(const DevicePlan& d) { return d.n_layers > 0 || d.has_output || d.has_projector; }

    // Bytes a GPU may still take: usable, less its context when nothing is on it yet, less what is on it.
    static uint64_t capacity(const DevicePlan& d) {
        const uint64_t taken = d.used.total() + (in_use(d) ? 0 : d.device.overhead_bytes);
        return d.usable_bytes() > taken ? d.usable_bytes() - taken : 0;
    }

    // What stays in host memory whatever the placement: the process, parsed metadata, tokenizer, the mapped header,
    // the input embedding table (read one row per token), logits and sampler buffers.
    void host_costs(const Plan& p, Components& c) const {
        c.overhead += in_.cpu.overhead_bytes + m_.host_bytes;
        if (in_.projector) c.overhead += in_.projector->metadata_heap_bytes;
        c.weights += m_.input_bytes;
        c.compute += p.compute.logits_bytes +
                     SAMPLER_BYTES_PER_VOCAB * static_cast<uint64_t>(m_.config.n_vocab) * uint64_t(p.parallel);
    }

    // A layer's weights, its KV at full context and its share of the step's scratch (layer 0 also carries the input
    // segment: embeddings run where the first layer does).
    uint64_t layer_cost(const Plan& p, int il) const {
        const auto i = static_cast<size_t>(il);
        const uint64_t input = il == 0 ? p.compute.input_bytes : 0;
        return m_.layer_bytes[i] + p.kv.layer_bytes[i] + p.compute.layer_bytes[i] + input;
    }

    void add_layer(Plan& p, int il, size_t d, const std::vector<uint64_t>& cost) const {
        const auto i = static_cast<size_t>(il);
        p.layer_device[i] = static_cast<int>(d);
        DevicePlan& dp = p.devices[d];
        dp.used.weights += m_.layer_bytes[i];
        dp.used.kv += p.kv.layer_bytes[i];
        dp.used.compute += cost[i] - m_.layer_bytes[i] - p.kv.layer_bytes[i];
        ++dp.n_layers;
    }

    // GPU index per layer (-1: CPU). The output head sits on GPU 0; layers from the last down fill GPU 0, then the
    // next, each up to `factor` of what it can take. When every layer fits, the smallest factor that still places them
    // all is used, so several GPUs are filled in proportion to their memory.
    std::vector<int> assign_gpus(const Plan& p, const std::vector<uint64_t>& cost, uint64_t out_gpu) const {
        const int L = p.n_layers;
        std::vector<int> where(static_cast<size_t>(L), -1);
        if (in_.gpus.empty() || out_gpu > capacity(p.devices[0])) return where;
        std::vector<double> cap;
        for (size_t g = 0; g < in_.gpus.size(); ++g) cap.push_back(double(capacity(p.devices[g])));
        auto fill = [&](double factor, std::vector<int>& out) {
            std::vector<double> used(cap.size(), 0.0);
            used[0] = double(out_gpu);
            size_t g = 0;
            for (int il = L - 1; il >= 0; --il) {
                const double c = double(cost[static_cast<size_t>(il)]);
                while (g < cap.size() && used[g] + c > factor * cap[g]) ++g;
                if (g == cap.size()) return il + 1;
                used[g] += c;
                out[static_cast<size_t>(il)] = static_cast<int>(g);
            }
            return 0;
        };
        if (fill(1.0, where) == 0 && cap.size() > 1) {
            double lo = 0.0, hi = 1.0;
            for (int it = 0; it < 40; ++it) {
                std::vector<int> trial(static_cast<size_t>(L), -1);
                const double mid = (lo + hi) / 2;
                (fill(mid, trial) == 0 ? hi : lo) = mid;
            }
            std::fill(where.begin(), where.end(), -1);
            fill(hi, where);
        }
        return where;
    }

    // The vision encoder and projector go to the first GPU with room left after the layers, else to the CPU: they run
    // once per image, the layers once per token.
    void place_projector(Plan& p, size_t cpu) const {
        if (!in_.projector) return;
        const ProjectorInfo& pr = *in_.projector;
        p.image_tokens = pr.tokens_per_image;
        p.image_bytes = pr.image_embedding_bytes(m_.config.n_embd);
        const uint64_t need = pr.encoder_bytes + pr.projector_bytes + p.image_bytes;
        size_t d = cpu;
        for (size_t g = 0; g < cpu && d == cpu; ++g)
            if (need <= capacity(p.devices[g])) d = g;
        p.projector_device = static_cast<int>(d);
        if (d != cpu && !in_use(p.devices[d])) p.devices[d].used.overhead += p.devices[d].device.overhead_bytes;
        p.devices[d].used.vision += pr.encoder_bytes;
        p.devices[d].used.projector += pr.projector_bytes + p.image_bytes;
        p.devices[d].has_projector = true;
    }

    std::string gpu_shortfall_text(const Plan& p, const std::vector<uint64_t>& cost, uint64_t out_gpu) const {
        uint64_t need = out_gpu, usable = 0;
        for (uint64_t c : cost) need += c;
        if (in_.projector) need += in_.projector->encoder_bytes + in_.projector->projector_bytes + p.image_bytes;
        for (size_t g = 0; g < in_.gpus.size(); ++g) {
            need += p.devices[g].device.overhead_bytes;
            usable += p.devices[g].usable_bytes();
        }
        return "everything on " + std::string(in_.gpus.size() > 1 ? "the GPUs" : in_.gpus[0].name) + " needs " +
               format_bytes(need) + " but " + format_bytes(usable) + " is usable";
    }

    const PlanInputs& in_;
    const ModelInfo& m_;
    std::map<std::pair<int, int>, ComputeMeasure> cache_;
};

const DType KV_LADDER[] = {DType::F32, DType::F16, DType::Q8_0, DType::Q4_0};

std::string kv_name(DType t) { return std::string(dtype_name(t)); }

}  // namespace

std::vector<FitStep> default_fit_order() { return parse_fit_order("ctx,kv,layers"); }

std::vector<FitStep> parse_fit_order(const std::string& s) {
    std::vector<FitStep> order;
    size_t pos = 0;
    while (pos <= s.size()) {
        const size_t comma = std::min(s.find(',', pos), s.size());
        const std::string w = s.substr(pos, comma - pos);
        const FitStep step = w == "ctx" ? FitStep::CTX : w == "kv" ? FitStep::KV : w == "layers" ? FitStep::LAYERS
                           : throw Error("unknown fit step '" + w + "' (use ctx, kv and layers, comma-separated)");
        if (std::find(order.begin(), order.end(), step) != order.end()) throw Error("fit step '" + w + "' given twice");
        order.push_back(step);
        pos = comma + 1;
    }
    return order;
}

Plan plan_model(const PlanInputs& in) {
    if (!in.model || !in.measure) throw Error("plan_model needs a model and a dry-run measure");
    const ModelInfo& m = *in.model;
    const PlanRequest& r = in.request;
    if (r.parallel <= 0) throw PlanRequestError("--parallel must be at least 1, got " + std::to_string(r.parallel));
    if (r.batch <= 0) throw PlanRequestError("--batch must be at least 1, got " + std::to_string(r.batch));
    if (r.ctx < 0) throw PlanRequestError("--ctx must be positive, got " + std::to_string(r.ctx));
    if (r.ctx > m.max_ctx)
        throw PlanRequestError("context " + std::to_string(r.ctx) + " is beyond what " + m.name + " supports (" +
                    std::to_string(m.max_ctx) + ": " + m.max_ctx_why + "); longer contexts need rope scaling the file "
                    "does not declare");
    if (r.kv_type && !is_kv_type(*r.kv_type))
        throw PlanRequestError("a KV cache cannot be stored as " + kv_name(*r.kv_type) + " (use f32, f16, q8_0 or q4_0)");
    if (m.config.n_layers <= 0) throw Error("the model has no layers");

    Placer placer(in);
    const bool cpu_only = in.gpus.empty();
    // Unset, the cache is f16 on every device: the CPU engine's default (EngineOptions::kv_type), as llama.cpp's.
    const Config start{r.ctx > 0 ? r.ctx : std::min(m.config.n_ctx_train, PlanRequest::DEFAULT_CTX),
                       r.kv_type.value_or(DType::F16), cpu_only};
    Config reduced = start;
    std::vector<std::string> steps;
    Attempt a = placer.place(start);
    auto reduce_ctx = [&] {
        while (!a.fits && r.ctx == 0 && reduced.ctx > PlanRequest::MIN_AUTO_CTX) {
            const int next = std::max(PlanRequest::MIN_AUTO_CTX, reduced.ctx / 2);
            steps.push_back("context " + std::to_string(reduced.ctx) + " -> " + std::to_string(next));
            reduced.ctx = next;
            a = placer.place(reduced);
        }
    };
    auto reduce_kv = [&] {
        const auto* at = std::find(std::begin(KV_LADDER), std::end(KV_LADDER), reduced.kv);
        for (auto* t = at + 1; !a.fits && !r.kv_type && at != std::end(KV_LADDER) && t != std::end(KV_LADDER); ++t) {
            if (!kv_type_holds(*t, m.config.head_dim)) continue;  // q8_0/q4_0 need heads of whole 32-value blocks
            steps.push_back("KV cache " + kv_name(reduced.kv) + " -> " + kv_name(*t));
            reduced.kv = *t;
            a = placer.place(reduced);
        }
    };
    for (FitStep step : r.order) {
        if (a.fits) break;
        if (step == FitStep::CTX) reduce_ctx();
        if (step == FitStep::KV) reduce_kv();
        if (step == FitStep::LAYERS && !cpu_only && !r.require_gpu) {
            // Spilling is worth more context and cache precision than it costs: try it with the starting context
            // and KV type first, keeping any earlier reduction only when that alone does not fit.
            reduced.spill = true;
            Attempt full = placer.place(Config{start.ctx, start.kv, true});
            if (full.fits) {
                a = std::move(full);
                steps.clear();
                reduced = Config{start.ctx, start.kv, true};
            } else {
                a = placer.place(reduced);
            }
        }
    }
    Plan p = std::move(a.plan);
    p.ctx_user_set = r.ctx > 0;
    p.steps = steps;
    finish_plan(p, a.fits, a.shortfall, in);
    predict_speed(p, m);
    return p;
}

}  // namespace snug::planner
