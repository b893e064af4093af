#include "server/model_manager.h"

#include <cmath>
#include <cstdio>

#include "gguf/gguf.h"
#include "server/constraint.h"

namespace snug::server {
namespace {
int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}
constexpr int N_CACHED = 4;  // finished sequences kept per model for prefix reuse
}  // namespace

std::chrono::nanoseconds parse_keep_alive(const nlohmann::json& v) {
    using namespace std::chrono;
    if (v.is_number()) {
        const double s = v.get<double>();
        if (!std::isfinite(s)) throw Error("keep_alive must be finite");
        if (s < 0) return nanoseconds(-1);
        if (s > 1e9) throw Error("keep_alive is too large: " + v.dump());
        return duration_cast<nanoseconds>(duration<double>(s));
    }
    if (!v.is_string()) throw Error("keep_alive must be a number of seconds or a duration like \"5m\", got " + v.dump());
    const std::string str = v.get<std::string>();
    if (str.empty()) throw Error("keep_alive is an empty string");
    size_t i = 0;
    bool negative = false;
    if (str[0] == '-') negative = true, i = 1;
    double total = 0;
    bool any = false;
    while (i < str.size()) {
        size_t j = i;
        while (j < str.size() && (std::isdigit(static_cast<unsigned char>(str[j])) || str[j] == '.')) ++j;
        if (j == i) throw Error("keep_alive \"" + str + "\" is not a duration (like 30s, 5m, 1h)");
        const double n = std::stod(str.substr(i, j - i));
        size_t k = j;
        while (k < str.size() && std::isalpha(static_cast<unsigned char>(str[k]))) ++k;
        const std::string unit = str.substr(j, k - j);
        double scale;
        if (unit == "ns") scale = 1e-9;
        else if (unit == "us" || unit == "µs") scale = 1e-6;
        else if (unit == "ms") scale = 1e-3;
        else if (unit == "s" || (unit.empty() && k == str.size() && !any)) scale = 1;  // a bare number: seconds
        else if (unit == "m") scale = 60;
        else if (unit == "h") scale = 3600;
        else throw Error("keep_alive \"" + str + "\" has an unknown unit \"" + unit + "\"");
        total += n * scale;
        any = true;
        i = k;
    }
    if (negative) return nanoseconds(-1);
    if (total > 1e9) throw Error("keep_alive \"" + str + "\" is too large");
    return duration_cast<nanoseconds>(duration<double>(total));
}

std::shared_ptr<const TokenVocabulary> LoadedModel::vocabulary() {
    std::call_once(vocab_once_, [this] { vocab_ = index_vocabulary(runner->engine().tokenizer()); });
    return vocab_;
}

ModelManager::ModelManager(Resolver resolver, ManagerOptions opt) : resolver_(std::move(resolver)), opt_(opt) {
    if (opt_.max_loaded <= 0) throw Error("SNUG_MAX_LOADED_MODELS must be at least 1");
    reaper_ = std::thread([this] { reap_loop(); });
}

ModelManager::~ModelManager() {
    {
        std::lock_guard lk(m_);
        stopping_ = true;
    }
    cv_.notify_all();
    reaper_.join();
    std::lock_guard lk(m_);
    models_.clear();
}

std::shared_ptr<LoadedModel> ModelManager::load(const ModelSource& src, const LoadOptions& load, std::string& why) {
    EngineOptions eo;
    eo.n_threads = load.num_thread.value_or(opt_.n_threads);
    if (load.num_ctx) eo.n_ctx = *load.num_ctx;
    if (load.num_batch) eo.n_batch = *load.num_batch;
    eo.max_sequences = opt_.n_parallel + N_CACHED;
    eo.max_full_contexts = opt_.n_parallel;  // the cap; blocks are taken only as sequences grow
    eo.kv_type = opt_.kv_type;
    const int64_t t0 = now_ns();
    planner::PlanRequest req = planner::request_for(eo);
    req.kv_type_fallback = true;  // the server-wide SNUG_KV_CACHE_TYPE yields to a model whose heads it cannot hold
    planner::LocalPlan plan;
    try {
        plan = planner::plan_local(src.gguf_path, req, opt_.baseline_bytes);
    } catch (const planner::PlanRequestError& e) {
        throw BadRequest(e.what());  // the request's options; a malformed file stays a server error
    }
    why = planner::refusal(plan, src.name);
    if (!why.empty()) return nullptr;
    planner::follow_plan(plan.plan, eo);
    if (!plan.note.empty()) std::fprintf(stderr, "snug: %s: %s\n", src.name.c_str(), plan.note.c_str());
    std::fprintf(stderr, "snug: loading %s, %s\n", src.name.c_str(), planner::plan_line(plan.plan).c_str());
    auto m = std::make_shared<LoadedModel>();
    m->source = src;
    m->plan = std::move(plan);
    std::unique_ptr<Engine> engine = Engine::load(src.gguf_path, eo);
    for (const auto& t : engine->file().tensors()) m->weights_bytes += t.n_bytes;
    m->chat = std::make_unique<ChatFormat>(ChatFormat::for_model(*engine, src.chat_template));
    m->engine_options = eo;
    m->runner = std::make_unique<Runner>(std::move(engine), RunnerOptions{opt_.n_parallel, opt_.max_queue, N_CACHED});
    m->load_ns = now_ns() - t0;
    return m;
}

Acquired ModelManager::acquire(const std::string& name, const LoadOptions& lo,
                               std::optional<std::chrono::nanoseconds> keep_alive) {
    const ModelSource src = resolver_(name);
    Acquired out;
    std::lock_guard load_lock(load_m_);
    std::unique_lock lk(m_);
    auto it = models_.find(src.name);
    const auto matches = [&](const LoadedModel& m) {
        return (!lo.num_ctx || m.runner->engine().n_ctx() == *lo.num_ctx) &&
               (!lo.num_batch || m.engine_options.n_batch == *lo.num_batch);
    };
    if (it != models_.end() && !matches(*it->second)) {
        // Another context size: reload once the requests using the old one are done (they hold references).
        std::shared_ptr<LoadedModel> old = it->second;
        models_.erase(it);
        it = models_.end();
        // use_count drops when a handler's reference goes, which nothing signals: poll.
        while (old.use_count() > 1 && !stopping_) cv_.wait_for(lk, std::chrono::milliseconds(20));
    }
    if (it == models_.end()) {
        evict_for_room(lk);
        std::shared_ptr<LoadedModel> m;
        for (;;) {  // when the plan does not fit, unload the least recently used model and plan again
            lk.unlock();
            std::string why;
            m = load(src, lo, why);
            lk.lock();
            if (m) break;
            if (!evict_lru(lk)) throw Error(why);
        }
        out.load_ns = m->load_ns;
        it = models_.emplace(src.name, std::move(m)).first;
    }
    LoadedModel& m = *it->second;
    const auto ka = keep_alive.value_or(opt_.default_keep_alive);
    m.unload_requested = ka.count() == 0;
    m.expires_at = ka.count() < 0 ? std::chrono::system_clock::time_point::max()
                                  : std::chrono::system_clock::now() + std::chrono::duration_cast<std::chrono::system_clock::duration>(ka);
    m.last_used_ns = now_ns();
    out.model = it->second;
    return out;
}

void ModelManager::release(const std::shared_ptr<LoadedModel>& m) {
    {
        std::lock_guard lk(m_);
        m->last_used_ns = now_ns();
    }
    cv_.notify_all();
}

bool ModelManager::unload(const std::string& name) {
    std::string key;
    try {
        key = resolver_(name).name;
    } catch (const Error&) {
        key = name;
    }
    std::lock_guard lk(m_);
    auto it = models_.find(key);
    if (it == models_.end()) return false;
    models_.erase(it);  // running requests keep it alive until they finish
    return true;
}

void ModelManager::evict_for_room(std::unique_lock<std::mutex>& lk) {
    while (static_cast<int>(models_.size()) >= opt_.max_loaded) evict_lru(lk);
}

bool ModelManager::evict_lru(std::unique_lock<std::mutex>& lk) {
    if (models_.empty()) return false;
    // Least recently used first; a model in use is waited for rather than pulled from under its requests.
    auto lru = models_.begin();
    for (auto it = models_.begin(); it != models_.end(); ++it)
        if (it->second->last_used_ns < lru->second->last_used_ns) lru = it;
    std::shared_ptr<LoadedModel> victim = lru->second;
    models_.erase(lru);
    while (victim.use_count() > 1 && !stopping_) cv_.wait_for(lk, std::chrono::milliseconds(20));
    lk.unlock();
    victim.reset();  // its memory is returned before the caller measures what is free
    lk.lock();
    return true;
}

std::vector<std::shared_ptr<LoadedModel>> ModelManager::loaded() const {
    std::lock_guard lk(m_);
    std::vector<std::shared_ptr<LoadedModel>> v;
    for (const auto& [name, m] : models_) v.push_back(m);
    return v;
}

void ModelManager::reap_loop() {
    std::unique_lock lk(m_);
    while (!stopping_) {
        cv_.wait_for(lk, std::chrono::milliseconds(250));
        const auto now = std::chrono::system_clock::now();
        for (auto it = models_.begin(); it != models_.end();) {
            const bool idle = it->second.use_count() == 1;
            if (idle && (it->second->unload_requested || it->second->expires_at <= now)) {
                std::shared_ptr<LoadedModel> victim = std::move(it->second);
                it = models_.erase(it);
                lk.unlock();
                victim.reset();  // joins the runner's thread: outside the lock
                lk.lock();
                it = models_.begin();  // the map may have changed meanwhile
            } else {
                ++it;
            }
        }
    }
}

}  // namespace snug::server
