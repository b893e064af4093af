// store/store.cpp: the store's folders, manifests, listing, copy, removal, garbage collection and blob uploads.
// Every change to blobs/ or manifests/ happens with the store lock held; readers take no lock because every file
// they read appears by an atomic rename.
#include "store/store.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "store/fs_util.h"
#include "store/sha256.h"

namespace fs = std::filesystem;

namespace snug::store {
namespace {

int64_t mtime_ns(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return 0;
    return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

Store::Store(std::string root) : root_(std::move(root)) {
    if (root_.empty()) throw Error("the model store path is empty");
    while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
    blobs_ = root_ + "/blobs";
    manifests_ = root_ + "/manifests";
    partial_ = root_ + "/partial";
    tmp_ = root_ + "/tmp";
    for (const auto* dir : {&root_, &blobs_, &manifests_, &partial_, &tmp_}) make_dirs(*dir);
}

std::string Store::default_root() {
    if (const char* env = std::getenv("SNUG_MODELS"); env && *env) return env;
    const char* home = std::getenv("HOME");
    if (!home || !*home) throw Error("cannot locate the model store: set SNUG_MODELS (or HOME)");
    return std::string(home) + "/.snug/models";
}

std::string Store::manifest_path(const ModelName& n) const { return manifests_ + "/" + n.relative_path(); }

std::string Store::blob_path(const std::string& digest) const {
    return blobs_ + "/sha256-" + digest_hex(parse_digest(digest));
}

bool Store::has_blob(const std::string& digest) const { return fs::is_regular_file(blob_path(digest)); }

std::optional<Manifest> Store::read_manifest(const ModelName& n) const {
    const std::string path = manifest_path(n);
    if (!fs::is_regular_file(path)) return std::nullopt;
    const auto j = nlohmann::json::parse(read_file(path), nullptr, false);
    if (j.is_discarded()) throw Error("manifest of " + n.display() + " (" + path + ") is not JSON");
    return manifest_from_json(j, "manifest of " + n.display());
}

Manifest Store::get(const std::string& name) const {
    const ModelName n = parse_model_name(name);
    auto m = read_manifest(n);
    if (!m) throw ModelNotFound("model '" + n.display() + "' not found");
    return *m;
}

bool Store::exists(const std::string& name) const { return read_manifest(parse_model_name(name)).has_value(); }

std::vector<ModelEntry> Store::list() const {
    std::vector<ModelEntry> out;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(manifests_, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        if (it.depth() != 3 || !it->is_regular_file()) continue;  // host/ns/model/tag
        const fs::path rel = fs::relative(it->path(), manifests_);
        std::vector<std::string> parts(rel.begin(), rel.end());
        try {
            const ModelName n = parse_model_name(parts[0] + "/" + parts[1] + "/" + parts[2] + ":" + parts[3]);
            const std::string bytes = read_file(it->path().string());
            const auto j = nlohmann::json::parse(bytes, nullptr, false);
            if (j.is_discarded()) continue;
            ModelEntry e{n, manifest_from_json(j, n.display()), sha256_hex(bytes.data(), bytes.size()), 0,
                         mtime_ns(it->path().string())};
            e.size = e.manifest.model.size + (e.manifest.projector ? e.manifest.projector->size : 0);
            out.push_back(std::move(e));
        } catch (const Error&) {
            continue;  // a stray or damaged file is not a model; get() reports it when asked for by name
        }
    }
    std::sort(out.begin(), out.end(), [](const ModelEntry& a, const ModelEntry& b) {
        return a.modified_ns != b.modified_ns ? a.modified_ns > b.modified_ns : a.name.display() < b.name.display();
    });
    return out;
}

std::vector<std::string> Store::referenced_locked() const {
    std::vector<std::string> refs;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(manifests_, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        if (!it->is_regular_file()) continue;
        // A manifest that cannot be read might still hold blobs: refuse to guess rather than delete them.
        const auto j = nlohmann::json::parse(read_file(it->path().string()), nullptr, false);
        if (j.is_discarded()) throw Error("cannot collect garbage: " + it->path().string() + " is not JSON");
        for (auto& d : manifest_from_json(j, it->path().string()).blob_digests()) refs.push_back(d);
    }
    if (ec) throw Error("cannot list " + manifests_ + ": " + ec.message());
    std::sort(refs.begin(), refs.end());
    return refs;
}

void Store::drop_unreferenced_locked(const std::vector<std::string>& digests) {
    if (digests.empty()) return;
    std::vector<std::string> refs;
    try {
        refs = referenced_locked();
    } catch (const Error&) {
        return;  // a damaged manifest might use them: keep the blobs (gc() reports the damage)
    }
    for (const auto& d : digests)
        if (!std::binary_search(refs.begin(), refs.end(), d)) fs::remove(blob_path(d));
    fsync_dir(blobs_);
}

void Store::write_manifest_locked(const ModelName& n, const Manifest& m) {
    for (const auto& d : m.blob_digests())
        if (!has_blob(d)) throw Error("cannot write the manifest of " + n.display() + ": blob " + d + " is missing");
    std::vector<std::string> replaced;
    try {
        if (auto old = read_manifest(n)) replaced = old->blob_digests();
    } catch (const Error&) {
        // a damaged manifest is simply replaced; its blobs are left for gc()
    }
    const std::string path = manifest_path(n);
    make_dirs(fs::path(path).parent_path().string());
    write_file_atomic(path, manifest_serialize(m), tmp_);
    drop_unreferenced_locked(replaced);
}

void Store::copy(const std::string& source, const std::string& destination) {
    const ModelName src = parse_model_name(source), dst = parse_model_name(destination);
    FileLock lock(lock_path());
    auto m = read_manifest(src);
    if (!m) throw ModelNotFound("model '" + src.display() + "' not found");
    write_manifest_locked(dst, *m);
}

void Store::remove(const std::string& name) {
    const ModelName n = parse_model_name(name);
    FileLock lock(lock_path());
    std::vector<std::string> digests;
    const std::string path = manifest_path(n);
    if (!fs::is_regular_file(path)) throw ModelNotFound("model '" + n.display() + "' not found");
    try {
        digests = read_manifest(n)->blob_digests();
    } catch (const Error&) {
        // removing a damaged manifest is allowed; its blobs are left for gc()
    }
    fs::remove(path);
    // Tidy the now-empty model/namespace/host folders (remove() refuses non-empty ones).
    std::error_code ec;
    for (fs::path dir = fs::path(path).parent_path(); dir != fs::path(manifests_); dir = dir.parent_path())
        if (!fs::remove(dir, ec)) break;
    fsync_dir(manifests_);
    drop_unreferenced_locked(digests);
}

GcResult Store::gc(std::chrono::seconds min_age) {
    FileLock lock(lock_path());
    const auto refs = referenced_locked();
    const int64_t now = now_ns();
    const auto old_enough = [&](const std::string& p, std::chrono::seconds age) {
        return now - mtime_ns(p) >= std::chrono::duration_cast<std::chrono::nanoseconds>(age).count();
    };
    GcResult r;
    for (const auto& e : fs::directory_iterator(blobs_)) {
        const std::string file = e.path().filename().string();
        if (file.rfind("sha256-", 0) != 0 || !e.is_regular_file()) continue;
        std::string digest;
        try {
            digest = parse_digest(file);
        } catch (const Error&) {
            continue;  // not a blob name: not ours to delete
        }
        if (std::binary_search(refs.begin(), refs.end(), digest) || !old_enough(e.path().string(), min_age)) continue;
        const auto bytes = static_cast<int64_t>(e.file_size());
        if (fs::remove(e.path())) ++r.n_blobs, r.bytes += bytes;
    }
    // A temporary file older than an hour belongs to a process that died; a younger one may still be written.
    for (const auto& e : fs::directory_iterator(tmp_))
        if (old_enough(e.path().string(), std::max(min_age, std::chrono::seconds(3600)))) fs::remove(e.path());
    fsync_dir(blobs_);
    return r;
}

struct BlobUpload::Impl {
    const Store* store;
    std::string digest;
    TempFile tmp;
    Sha256 hash;
    Impl(const Store* s, std::string d, const std::string& tmp_dir) : store(s), digest(std::move(d)), tmp(tmp_dir) {}
};

BlobUpload::BlobUpload(const Store& store, std::string digest)
    : impl_(std::make_unique<Impl>(&store, parse_digest(digest), store.tmp_)) {}

BlobUpload::~BlobUpload() = default;

void BlobUpload::write(const void* data, size_t n) {
    impl_->tmp.write(data, n);
    impl_->hash.update(data, n);
    size_ += static_cast<int64_t>(n);
}

void BlobUpload::commit() {
    const std::string got = "sha256:" + impl_->hash.hex_final();
    if (got != impl_->digest)
        throw Error("blob digest mismatch: expected " + impl_->digest + ", the " + std::to_string(size_) +
                    " bytes received hash to " + got);
    FileLock lock(impl_->store->lock_path());
    if (!impl_->store->has_blob(impl_->digest)) impl_->tmp.commit(impl_->store->blob_path(impl_->digest));
}

std::unique_ptr<BlobUpload> Store::begin_blob(const std::string& digest) const {
    return std::unique_ptr<BlobUpload>(new BlobUpload(*this, digest));
}

}  // namespace snug::store
