// store/store.h: the content-addressed model store under SNUG_MODELS (default ~/.snug/models): pull, create,
// list, show, copy, remove, garbage collection, blob upload, and resolve(name) for `snug run` and the server.
// Layout and guarantees are in docs/model-store.md. In short:
//   blobs/sha256-<hex>                 immutable content, named by its SHA-256
//   manifests/<host>/<ns>/<model>/<tag> JSON manifest (store/manifest.h)
//   partial/<key>.partial              resumable downloads, never inside blobs/
//   tmp/                               files being written; they become visible only by rename
//   .lock                              flock: every change to blobs/ and manifests/ holds it
// A Store holds only paths, so one object may be shared by threads; processes coordinate through the lock.
#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "net/http.h"
#include "store/manifest.h"
#include "store/modelfile.h"
#include "store/names.h"

namespace snug::store {

// Receives Ollama-shaped progress objects: {"status": ...} and, while downloading,
// {"status": "pulling <12 hex>", "digest": "sha256:...", "total": N, "completed": M} ("total" only when known).
// It may throw to cancel the operation; the exception propagates and nothing half-done becomes visible.
using Progress = std::function<void(const nlohmann::json&)>;

// A name that is valid but has no manifest (the server answers 404).
class ModelNotFound : public Error {
public:
    using Error::Error;
};

struct PullOptions {
    std::string name;       // store name for a URL source; default: the file name without ".gguf", tag "latest"
    net::HttpOptions http;  // timeouts and extra headers
};

struct ModelEntry {
    ModelName name;
    Manifest manifest;
    std::string digest;      // sha256 hex of the manifest file (what /api/tags calls "digest")
    int64_t size = 0;        // bytes of the model and projector blobs
    int64_t modified_ns = 0; // manifest mtime, ns since the epoch
};

// Everything needed to run a model, whether it came from the store or is a plain GGUF path.
struct ResolvedModel {
    std::string name;            // display name ("qwen:latest"), or the path as given for a plain file
    std::string gguf_path;
    std::string projector_path;  // "" when none
    nlohmann::json params = nlohmann::json::object();  // Modelfile PARAMETERs, typed ("stop" is a list)
    std::string template_text;   // "" = the GGUF's own chat template
    std::string system;
    std::vector<Message> messages;
    std::vector<std::string> license;
};

struct GcResult {
    int n_blobs = 0;
    int64_t bytes = 0;
};

class Store;

// A blob streamed in (POST /api/blobs/:digest): write() the bytes, then commit() checks their SHA-256 against the
// digest and moves them into blobs/. Destroyed without a successful commit(), it leaves nothing behind.
class BlobUpload {
public:
    ~BlobUpload();
    void write(const void* data, size_t n);
    void commit();  // throws snug::Error on a digest mismatch (and the bytes are dropped)
    int64_t size() const { return size_; }

private:
    friend class Store;
    BlobUpload(const Store& store, std::string digest);
    struct Impl;
    std::unique_ptr<Impl> impl_;
    int64_t size_ = 0;
};

class Store {
public:
    // Opens (creating the folders of) the store at `root`.
    explicit Store(std::string root);
    // $SNUG_MODELS, else $HOME/.snug/models.
    static std::string default_root();
    const std::string& root() const { return root_; }

    // SOURCE: an http(s):// URL of a GGUF file, or hf.co/OWNER/REPO[:QUANT] (see net/hf.h). Downloads resume from
    // partial/, are SHA-256 verified (against the hub's listing when it gives one) and must parse as GGUF before
    // the manifest is written. Returns the display name stored.
    std::string pull(const std::string& source, const Progress& progress = {}, const PullOptions& opts = {});

    // Creates or replaces `name` from `spec` (store/modelfile.h). A FROM that is a GGUF path is imported (relative
    // to base_dir); base_dir = nullopt refuses paths (requests from the network may only name blobs and models).
    void create(const std::string& name, const ModelSpec& spec, const std::optional<std::string>& base_dir,
                const Progress& progress = {});

    std::vector<ModelEntry> list() const;  // newest first; unreadable manifests are skipped
    Manifest get(const std::string& name) const;  // throws ModelNotFound, or Error for a bad name or manifest
    bool exists(const std::string& name) const;
    void copy(const std::string& source, const std::string& destination);  // throws ModelNotFound
    // Deletes the manifest and the blobs no other manifest uses. Throws ModelNotFound.
    void remove(const std::string& name);
    // Deletes blobs no manifest references and stray temporary files, both when older than min_age (a blob uploaded
    // for a create that has not happened yet is young). Partial downloads are kept for resuming.
    GcResult gc(std::chrono::seconds min_age = std::chrono::seconds(0));

    bool has_blob(const std::string& digest) const;  // throws for an invalid digest
    std::string blob_path(const std::string& digest) const;
    std::unique_ptr<BlobUpload> begin_blob(const std::string& digest) const;

    // A readable GGUF file path (containing '/' or ending in ".gguf") as is, else a model name in the store.
    ResolvedModel resolve(const std::string& name_or_path) const;

    // Ollama's bodies: GET /api/tags and POST /api/show (docs/model-store.md lists the fields).
    nlohmann::json tags_json() const;
    nlohmann::json show_json(const std::string& name, bool verbose = false) const;

private:
    friend class BlobUpload;
    std::string manifest_path(const ModelName& n) const;
    std::optional<Manifest> read_manifest(const ModelName& n) const;
    // With the lock held: writes the manifest, then deletes blobs the replaced manifest used that nothing uses now.
    void write_manifest_locked(const ModelName& n, const Manifest& m);
    void drop_unreferenced_locked(const std::vector<std::string>& digests);
    std::vector<std::string> referenced_locked() const;  // sorted digests of every manifest
    std::string lock_path() const { return root_ + "/.lock"; }

    std::string root_, blobs_, manifests_, partial_, tmp_;
};

}  // namespace snug::store
