#include "server/model_info.h"

#include <set>

#include "engine/engine.h"
#include "gguf/gguf.h"
#include "server/api_common.h"
#include "server/model_dir.h"
#include "store/show.h"
#include "store/store.h"

namespace snug::server {

Catalog::Catalog(const std::string& store_root, std::string model_dir) : model_dir_(std::move(model_dir)) {
    if (!store_root.empty()) store_ = std::make_unique<store::Store>(store_root);
}

Catalog::~Catalog() = default;

ModelSource Catalog::resolve(const std::string& name) const {
    if (store_) {
        try {
            const store::ResolvedModel r = store_->resolve(name);
            ModelSource s;
            s.name = r.name;
            s.gguf_path = r.gguf_path;
            s.projector_path = r.projector_path;
            s.params = r.params;
            s.system = r.system;
            s.chat_template = r.template_text;
            return s;
        } catch (const store::ModelNotFound&) {
            // not in the store: the folder of plain files may have it
        } catch (const Error& e) {
            if (model_dir_.empty()) throw ModelNotFound(e.what());
        }
    }
    return resolve_in_dir(model_dir_, name);
}

nlohmann::ordered_json Catalog::tags() const {
    nlohmann::ordered_json models = nlohmann::ordered_json::array();
    std::set<std::string> seen;
    const auto stored = store_ ? store_->tags_json() : decltype(store_->tags_json()){{"models", nlohmann::json::array()}};
    for (const auto& m : stored.at("models")) {  // a named object: a loop over a temporary's member would dangle
        seen.insert(m.value("name", ""));
        models.push_back(nlohmann::ordered_json::parse(m.dump()));  // keep the store's field order
    }
    for (const DirEntry& d : list_model_dir(model_dir_)) {
        if (seen.count(d.name)) continue;
        nlohmann::ordered_json details = nlohmann::ordered_json::object();
        try {
            details = store::gguf_details(*gguf::File::open(d.path));
        } catch (const Error&) {
            continue;  // not a readable GGUF: not a model
        }
        models.push_back({{"name", d.name}, {"model", d.name}, {"modified_at", store::rfc3339(d.modified_unix_ns)},
                          {"size", d.size}, {"digest", ""}, {"details", details}});
    }
    return {{"models", models}};
}

nlohmann::ordered_json Catalog::show(const std::string& name, bool verbose) const {
    if (store_) {
        try {
            return nlohmann::ordered_json::parse(store_->show_json(name, verbose).dump());
        } catch (const store::ModelNotFound&) {
        } catch (const Error& e) {
            if (model_dir_.empty()) throw ModelNotFound(e.what());
        }
    }
    const ModelSource src = resolve_in_dir(model_dir_, name);
    const auto f = gguf::File::open(src.gguf_path);
    std::string tmpl;
    if (const gguf::Value* v = f->find("tokenizer.chat_template"); v && v->type == gguf::ValueType::STRING) tmpl = v->str;
    nlohmann::ordered_json j;
    j["modelfile"] = "FROM " + src.gguf_path + "\n";
    j["parameters"] = "";
    j["template"] = tmpl;
    j["details"] = store::gguf_details(*f);
    j["model_info"] = store::gguf_model_info(*f, verbose);
    j["capabilities"] = store::model_capabilities(*f, tmpl, false);
    return j;
}

nlohmann::ordered_json loaded_model_json(const LoadedModel& m) {
    const Engine& e = m.runner->engine();
    const RunnerStatus st = m.runner->status();
    // Ollama's size is its estimate of the model's memory; snug's is the plan it loaded with, which the engine keeps.
    const uint64_t size = m.plan.plan.cpu_bytes() + m.plan.plan.gpu_bytes();
    nlohmann::ordered_json j;
    j["name"] = m.source.name;
    j["model"] = m.source.name;
    j["size"] = size;
    j["digest"] = "";
    j["details"] = store::gguf_details(e.file());
    j["expires_at"] = m.expires_at == std::chrono::system_clock::time_point::max()
                          ? std::string("2318-01-01T00:00:00Z")  // "forever", as Ollama reports keep_alive -1
                          : rfc3339(m.expires_at);
    j["size_vram"] = m.plan.plan.gpu_bytes();
    j["context_length"] = e.n_ctx();
    j["snug"] = {{"parallel", m.engine_options.max_full_contexts},
                 {"sequences_running", st.running},
                 {"requests_queued", st.queued},
                 {"prefixes_cached", st.cached},
                 {"kv_blocks_in_use", st.kv_blocks_in_use},
                 {"kv_blocks_max", st.kv_blocks_max},
                 {"kv_bytes_in_use", st.kv_bytes_in_use},
                 {"kv_bytes_reserved", st.kv_bytes_allocated},
                 {"weights_bytes", m.weights_bytes},
                 {"plan", planner::plan_line(m.plan.plan)},
                 {"preemptions", st.preemptions}};
    return j;
}

}  // namespace snug::server
