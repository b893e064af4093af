// server/api_store.cpp: the model store's Ollama endpoints (docs/api.md: pull, create, blobs, copy, delete), each a
// thin layer over store::Store. Pull and create stream the store's progress objects as NDJSON; a streamed pull whose
// client goes away is cancelled. Blob uploads go from the socket to the store's tmp/ while hashed, never into memory.
#include "server/api_store.h"

#include <chrono>
#include <map>

#include "net/hf.h"
#include "server/api_common.h"
#include "server/model_info.h"
#include "store/store.h"

namespace snug::server {
namespace {

constexpr const char* BLOB_ROUTE = R"(/api/blobs/(.*))";
constexpr auto MIN_LINE_GAP = std::chrono::milliseconds(100);  // at most ~10 download lines a second per file
constexpr auto UPLOAD_MIN_AGE = std::chrono::hours(1);  // gc spares blobs this young: a create may be about to use them

// Thrown from a progress callback when the client of a streamed pull has gone. Not a snug::Error, so the store lets
// it through unchanged and keeps the partial download for the next pull to resume.
struct ClientGone : std::exception {
    const char* what() const noexcept override { return "the client went away"; }
};

std::string dump(const ordered_json& j) {  // text from the network or a file name may not be valid UTF-8
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void reply_error(httplib::Response& res, int status, const std::string& message) {
    res.status = status;
    res.set_content(dump(error_body(ApiStyle::OLLAMA, message, status)), "application/json");
}

// Statuses as Ollama answers them, plus what only a store that pulls from Hugging Face meets: a missing model here or
// upstream (the hub answers 401 for a repository that does not exist) is 404, an upstream failure 500; the rest as
// send_error maps it (BadRequest 400, others 500).
void send_store_error(httplib::Response& res, std::exception_ptr e) {
    try {
        std::rethrow_exception(e);
    } catch (const store::ModelNotFound& x) {
        reply_error(res, 404, x.what());
    } catch (const net::HttpError& x) {
        reply_error(res, x.status() == 404 || x.status() == 401 ? 404 : 500, x.what());
    } catch (...) {
        send_error(res, ApiStyle::OLLAMA, std::current_exception());
    }
}

store::Store& store_of(const Catalog& catalog) {
    store::Store* st = catalog.store();
    if (!st) throw Error("this server has no model store (SNUG_MODELS)");
    return *st;
}

std::string model_field(const ordered_json& body) {
    std::string name = get_string(body, "model");
    if (name.empty()) name = get_string(body, "name");  // the older field
    if (name.empty()) throw BadRequest("field 'model' is required");
    return name;
}

void check_name(const std::string& name) {
    try {
        store::parse_model_name(name);
    } catch (const Error& e) {
        throw BadRequest(e.what());
    }
}

// The sources Store::pull takes, checked before answering so that a bad one is a 400 rather than an error line.
void check_pull_source(const std::string& source) {
    std::optional<net::HfRef> ref;
    try {
        ref = net::parse_hf_ref(source);
    } catch (const Error& e) {
        throw BadRequest(e.what());
    }
    if (ref) return check_name("hf.co/" + ref->repo_id() + ":" + (ref->quant.empty() ? store::DEFAULT_TAG : ref->quant));
    if (source.rfind("https://", 0) == 0 || source.rfind("http://", 0) == 0) return;
    throw BadRequest("cannot pull '" + source +
                     "': snug pulls hf.co/OWNER/REPO[:QUANT] or an http(s):// URL of a GGUF file, not registry names");
}

// After a pull, create or copy wrote NAME, a loaded model of that name that no longer matches the store (other weights,
// other Modelfile settings) is unloaded, so the next request loads what the store holds; an unchanged one keeps going.
void unload_if_stale(ModelManager& mm, const std::string& name) {
    ModelSource now;
    try {
        now = mm.resolve(name);
    } catch (const Error&) {
        return;
    }
    for (const auto& m : mm.loaded()) {
        const ModelSource& was = m->source;
        if (was.name == now.name &&
            (was.gguf_path != now.gguf_path || was.projector_path != now.projector_path || was.params != now.params ||
             was.system != now.system || was.chat_template != now.chat_template))
            mm.unload(name);
    }
}

// A store operation's progress objects as NDJSON lines, written while it runs. Download lines (with "completed") are
// thinned to one per MIN_LINE_GAP per file; a thinned line is held and sent before the next different one, so the
// final count always goes out. A failed write means the client has gone: a cancellable operation (a pull) is then
// stopped with ClientGone while it is still fetching; past that it finishes, since committing takes a moment.
class ProgressLines {
public:
    ProgressLines(httplib::DataSink& sink, bool cancellable) : sink_(sink), cancellable_(cancellable) {}

    void operator()(const nlohmann::json& p) {
        ordered_json line;  // Ollama's field order
        for (const char* k : {"status", "digest", "total", "completed"})
            if (p.contains(k)) line[k] = p[k];
        const std::string status = p.value("status", "");
        const bool download = p.contains("completed");
        if (!held_.is_null() && held_.value("status", "") != status) flush_held();
        if (download && !(p.contains("total") && p["total"] == p["completed"])) {
            auto& last = last_sent_[status];
            const auto now = std::chrono::steady_clock::now();
            if (now - last < MIN_LINE_GAP) {
                held_ = std::move(line);
            } else {
                last = now;
                held_ = nullptr;
                write(line);
            }
        } else {
            held_ = nullptr;
            write(line);
        }
        if (gone_ && cancellable_ && (download || status == "pulling manifest")) throw ClientGone();
    }

    void error(const std::string& message) {
        flush_held();
        write(ordered_json{{"error", message}});
    }

private:
    void flush_held() {
        if (held_.is_null()) return;
        write(held_);
        held_ = nullptr;
    }
    void write(const ordered_json& j) {
        if (gone_) return;
        const std::string s = dump(j) + "\n";
        gone_ = !sink_.write(s.data(), s.size());
    }

    httplib::DataSink& sink_;
    bool cancellable_;
    bool gone_ = false;
    ordered_json held_;
    std::map<std::string, std::chrono::steady_clock::time_point> last_sent_;
};

using StoreOperation = std::function<void(const store::Progress&)>;

// Runs `op` while answering 200 with its progress lines; a failure is the last line, {"error": ...}.
void stream_progress(httplib::Response& res, StoreOperation op, bool cancellable) {
    auto provider = [op = std::move(op), cancellable](size_t, httplib::DataSink& sink) {
        ProgressLines lines(sink, cancellable);
        try {
            op([&lines](const nlohmann::json& p) { lines(p); });
        } catch (const ClientGone&) {
            // nobody to tell; what was downloaded stays in partial/ for the next pull
        } catch (const std::exception& e) {
            lines.error(e.what());
        } catch (...) {
            lines.error("unknown error");
        }
        sink.done();
        return true;
    };
    res.set_chunked_content_provider("application/x-ndjson", std::move(provider));
}

void reply_success(httplib::Response& res) { res.set_content(R"({"status":"success"})", "application/json"); }

void pull(ModelManager& mm, store::Store& st, const httplib::Request& req, httplib::Response& res) {
    const ordered_json body = parse_body(req);
    const std::string source = model_field(body);
    get_bool(body, "insecure", false);  // type-checked, then unused: TLS certificates are always verified
    const bool stream = get_bool(body, "stream", true);
    check_pull_source(source);
    StoreOperation op = [&mm, &st, source](const store::Progress& progress) {
        unload_if_stale(mm, st.pull(source, progress));
    };
    if (stream) return stream_progress(res, std::move(op), /*cancellable=*/true);
    op({});
    reply_success(res);
}

void create(ModelManager& mm, store::Store& st, const httplib::Request& req, httplib::Response& res) {
    const ordered_json body = parse_body(req);
    const std::string name = model_field(body);
    check_name(name);
    if (!get_string(body, "path").empty())
        throw BadRequest("field 'path' (a Modelfile on the server) is not accepted; send its text as 'modelfile'");
    const bool stream = get_bool(body, "stream", true);
    store::ModelSpec spec;
    try {
        spec = store::spec_from_create_request(json(body));
    } catch (const Error& e) {
        throw BadRequest(e.what());  // malformed fields, and "quantize"/"adapters": not supported yet
    }
    StoreOperation op = [&mm, &st, name, spec](const store::Progress& progress) {
        st.create(name, spec, /*base_dir=*/std::nullopt, progress);  // no paths: only blobs and models
        unload_if_stale(mm, name);
    };
    if (stream) return stream_progress(res, std::move(op), /*cancellable=*/false);
    try {
        op({});
    } catch (const store::ModelNotFound&) {
        throw;  // FROM a model that is not there: 404
    } catch (const Error& e) {
        throw BadRequest(e.what());  // everything create reads is named by the request: a missing blob, not a GGUF...
    }
    reply_success(res);
}

void copy(ModelManager& mm, store::Store& st, const httplib::Request& req, httplib::Response& res) {
    const ordered_json body = parse_body(req);
    const std::string source = get_string(body, "source"), destination = get_string(body, "destination");
    if (source.empty() || destination.empty()) throw BadRequest("fields 'source' and 'destination' are required");
    check_name(source);
    check_name(destination);
    try {
        st.copy(source, destination);
    } catch (const store::ModelNotFound&) {
        throw ModelNotFound("model '" + source + "' not found");
    }
    unload_if_stale(mm, destination);
    res.status = 200;  // Ollama's answer has no body
}

void remove(ModelManager& mm, store::Store& st, const httplib::Request& req, httplib::Response& res) {
    const ordered_json body = parse_body(req);
    const std::string name = model_field(body);
    check_name(name);
    bool in_store = true;
    try {
        in_store = st.exists(name);
    } catch (const Error&) {
        // a damaged manifest: remove() deletes it all the same
    }
    if (!in_store) throw ModelNotFound("model '" + name + "' not found");
    // Unloaded first, while the name still resolves: running requests finish on the files they hold open (the
    // blobs' inodes live until then), new ones no longer find the model.
    mm.unload(name);
    try {
        st.remove(name);
    } catch (const store::ModelNotFound&) {
        throw ModelNotFound("model '" + name + "' not found");  // removed meanwhile by someone else
    }
    try {
        st.gc(UPLOAD_MIN_AGE);  // remove() dropped this model's blobs; this also clears long-abandoned uploads
    } catch (const Error&) {
        // gc refuses while some manifest is damaged; the delete itself is done
    }
    res.status = 200;
}

std::string checked_digest(const std::string& text) {
    try {
        return store::parse_digest(text);  // exactly sha256:<64 hex>: nothing else ever reaches a path
    } catch (const Error& e) {
        throw BadRequest(e.what());
    }
}

void head_blob(store::Store& st, const httplib::Request& req, httplib::Response& res) {
    if (req.method != "HEAD") {  // httplib routes HEAD through GET handlers; Ollama has no GET here
        res.status = 404;        // the error handler says "no such endpoint"
        return;
    }
    const std::string digest = checked_digest(req.matches[1].str());
    if (st.has_blob(digest)) res.status = 200;
    else reply_error(res, 404, "blob " + digest + " not found");
}

// Reads a body away unused, so the connection can carry the next request.
void drain(const httplib::Request& req, const httplib::ContentReader& read) {
    const auto discard = [](const char*, size_t) { return true; };
    if (req.is_multipart_form_data()) read([](const httplib::MultipartFormData&) { return true; }, discard);
    else read(discard);
}

// POST /api/blobs/DIGEST: the body goes into tmp/ while hashed and becomes blobs/sha256-HEX only when its SHA-256 is
// DIGEST (201); a mismatch or a cut-short body leaves nothing. A blob already there is answered 200, as Ollama does.
void upload_blob(const Catalog& catalog, const httplib::Request& req, httplib::Response& res,
                 const httplib::ContentReader& read) {
    bool body_read = false;
    try {
        store::Store& st = store_of(catalog);
        if (req.is_multipart_form_data()) throw BadRequest("send the blob as the raw request body, not a multipart form");
        const std::string digest = checked_digest(req.matches[1].str());
        if (st.has_blob(digest)) {
            body_read = true;
            drain(req, read);
            res.status = 200;
            return;
        }
        const auto upload = st.begin_blob(digest);
        std::string write_error;
        body_read = true;
        const bool complete = read([&](const char* p, size_t n) {
            try {
                upload->write(p, n);
                return true;
            } catch (const std::exception& e) {
                write_error = e.what();
                return false;
            }
        });
        if (!write_error.empty()) {
            res.set_header("Connection", "close");  // the rest of the body was left unread
            throw Error("cannot store blob " + digest + ": " + write_error);
        }
        if (!complete) throw BadRequest("the upload of " + digest + " ended before its body did");
        try {
            upload->commit();
        } catch (const Error& e) {
            throw BadRequest(e.what());  // the bytes do not hash to the digest
        }
        res.status = 201;
    } catch (...) {
        if (!body_read) drain(req, read);
        send_store_error(res, std::current_exception());
    }
}

}  // namespace

bool is_blob_upload(const std::string& method, const std::string& path) {
    return method == "POST" && path.rfind("/api/blobs/", 0) == 0;
}

void install_store_routes(httplib::Server& http, ModelManager& mm, const Catalog& catalog) {
    const auto wrap = [&catalog](auto fn) {
        return [fn, &catalog](const httplib::Request& req, httplib::Response& res) {
            try {
                fn(store_of(catalog), req, res);
            } catch (...) {
                send_store_error(res, std::current_exception());
            }
        };
    };
    http.Post("/api/pull", wrap([&mm](store::Store& st, const auto& q, auto& r) { pull(mm, st, q, r); }));
    http.Post("/api/create", wrap([&mm](store::Store& st, const auto& q, auto& r) { create(mm, st, q, r); }));
    http.Post("/api/copy", wrap([&mm](store::Store& st, const auto& q, auto& r) { copy(mm, st, q, r); }));
    http.Delete("/api/delete", wrap([&mm](store::Store& st, const auto& q, auto& r) { remove(mm, st, q, r); }));
    http.Get(BLOB_ROUTE, wrap([](store::Store& st, const auto& q, auto& r) { head_blob(st, q, r); }));
    http.Post(BLOB_ROUTE, [&catalog](const httplib::Request& req, httplib::Response& res,
                                     const httplib::ContentReader& read) { upload_blob(catalog, req, res, read); });
}

}  // namespace snug::server
