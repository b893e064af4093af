// store/pull.cpp: Store::pull. Each file is downloaded into partial/<key>.partial under a per-file flock (so two
// pulls of one file take turns and the second finds the blob), resumed with a Range request from the bytes already
// there, SHA-256 verified and parsed as GGUF; only then, under the store lock, renamed into blobs/ and named by a
// manifest. A failed digest or parse discards the partial file; an interrupted transfer keeps it for the next pull.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "gguf/gguf.h"
#include "net/hf.h"
#include "store/fs_util.h"
#include "store/sha256.h"
#include "store/show.h"
#include "store/store.h"

namespace fs = std::filesystem;

namespace snug::store {
namespace {

struct Item {
    std::string url;
    std::string file;          // shown in messages
    std::string expected_hex;  // "" when the source does not say
    int64_t size = -1;
};

// A verified file waiting to be committed: a partial file (whose lock `fd` holds) or an existing blob.
struct Fetched {
    std::string digest;
    int64_t size = 0;
    std::string partial;  // "" when the blob was already in the store
    int fd = -1;
    Fetched() = default;
    Fetched(Fetched&& o) noexcept : digest(std::move(o.digest)), size(o.size), partial(std::move(o.partial)), fd(o.fd) {
        o.fd = -1;
    }
    ~Fetched() {
        if (fd >= 0) ::close(fd);
    }
};

Error sys_error(const std::string& what, const std::string& path) {
    return Error(what + " '" + path + "': " + std::strerror(errno));
}

// Opens and flocks `path`, retrying when the file was renamed or removed while we waited for its lock.
int open_locked(const std::string& path) {
    for (int attempt = 0; attempt < 64; ++attempt) {
        const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) throw sys_error("cannot open", path);
        int rc;
        do rc = ::flock(fd, LOCK_EX);
        while (rc != 0 && errno == EINTR);
        struct stat held {}, now {};
        if (rc == 0 && ::fstat(fd, &held) == 0 && ::stat(path.c_str(), &now) == 0 && held.st_ino == now.st_ino &&
            held.st_dev == now.st_dev)
            return fd;
        ::close(fd);
    }
    throw Error("cannot lock '" + path + "': it keeps being replaced");
}

void write_all(int fd, const char* p, size_t n, const std::string& path) {
    while (n > 0) {
        const ssize_t w = ::write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) throw sys_error("cannot write", path);
        p += w;
        n -= static_cast<size_t>(w);
    }
}

// Feeds the bytes already in the partial file to the hash; returns their count (the file position ends there).
int64_t rehash(int fd, Sha256& hash, const std::string& path) {
    std::vector<char> buf(size_t(1) << 20);
    int64_t n = 0;
    if (::lseek(fd, 0, SEEK_SET) < 0) throw sys_error("cannot seek", path);
    for (;;) {
        const ssize_t r = ::read(fd, buf.data(), buf.size());
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) throw sys_error("cannot read", path);
        if (r == 0) return n;
        hash.update(buf.data(), static_cast<size_t>(r));
        n += r;
    }
}

void restart(int fd, Sha256& hash, int64_t& have, const std::string& path) {
    if (::ftruncate(fd, 0) != 0 || ::lseek(fd, 0, SEEK_SET) < 0) throw sys_error("cannot truncate", path);
    hash.reset();
    have = 0;
}

Fetched fetch(const Store& store, const std::string& partial_dir, const Item& it, const Progress& progress,
              const net::HttpOptions& http) {
    const std::string expected = it.expected_hex.empty() ? "" : "sha256:" + it.expected_hex;
    int64_t total = it.size, have = 0;
    const auto report = [&](int64_t done) {
        if (!progress) return;
        nlohmann::json p = {{"status", "pulling " + (expected.empty() ? it.file : it.expected_hex.substr(0, 12))},
                            {"completed", done}};
        if (!expected.empty()) p["digest"] = expected;
        if (total >= 0) p["total"] = total;
        progress(p);
    };
    const auto existing = [&]() -> std::optional<Fetched> {
        if (expected.empty() || !store.has_blob(expected)) return std::nullopt;
        Fetched f;
        f.digest = expected;
        f.size = static_cast<int64_t>(fs::file_size(store.blob_path(expected)));
        total = f.size;
        report(f.size);
        return f;
    };
    if (auto f = existing()) return std::move(*f);

    Fetched f;
    f.partial = partial_dir + "/" + (expected.empty() ? "url-" + sha256_hex(it.url.data(), it.url.size()).substr(0, 32)
                                                      : "sha256-" + it.expected_hex) + ".partial";
    f.fd = open_locked(f.partial);
    if (auto done = existing()) {  // another pull finished it while we waited for the lock
        ::unlink(f.partial.c_str());
        return std::move(*done);
    }
    Sha256 hash;
    have = rehash(f.fd, hash, f.partial);
    if (total >= 0 && have > total) restart(f.fd, hash, have, f.partial);
    auto last = std::chrono::steady_clock::now();
    const auto download = [&] {
        net::get_stream(
            it.url, have,
            [&](const net::BodyInfo& b) {
                if (b.offset == 0 && have > 0) restart(f.fd, hash, have, f.partial);  // the server ignored the range
                if (b.total >= 0 && total >= 0 && b.total != total) {
                    restart(f.fd, hash, have, f.partial);  // a changed file: what we hold is worthless
                    throw Error(it.file + ": the server sends " + std::to_string(b.total) +
                                " bytes but the listing says " + std::to_string(total));
                }
                if (b.total >= 0) total = b.total;
            },
            [&](const char* p, size_t n) {
                write_all(f.fd, p, n, f.partial);
                hash.update(p, n);
                have += static_cast<int64_t>(n);
                if (const auto now = std::chrono::steady_clock::now(); now - last >= std::chrono::milliseconds(200)) {
                    last = now;
                    report(have);
                }
            },
            http);
    };
    if (total < 0 || have < total) {
        try {
            report(have);
            try {
                download();
            } catch (const net::HttpError& e) {
                if (e.status() != 416 || have == 0) throw;
                restart(f.fd, hash, have, f.partial);  // our bytes are no prefix of what the server has now
                download();
            }
        } catch (const net::HttpError&) {
            if (have == 0) ::unlink(f.partial.c_str());
            throw;
        } catch (const Error& e) {
            if (have == 0) {
                ::unlink(f.partial.c_str());
                throw;
            }
            throw Error(std::string(e.what()) + "; the " + std::to_string(have) +
                        " bytes received are kept and the next pull resumes from there");
        } catch (...) {  // cancelled by the progress callback: keep what we have for next time, unless nothing
            if (have == 0) ::unlink(f.partial.c_str());
            throw;
        }
    }
    report(have);
    if (::fsync(f.fd) != 0) throw sys_error("cannot flush", f.partial);
    f.digest = "sha256:" + hash.hex_final();
    f.size = have;
    std::string problem;
    if (!expected.empty() && f.digest != expected)
        problem = "sha256 mismatch: expected " + expected + ", got " + f.digest;
    else if (total >= 0 && have != total)
        problem = "got " + std::to_string(have) + " bytes, expected " + std::to_string(total);
    if (!problem.empty()) {
        ::unlink(f.partial.c_str());
        throw Error(it.file + ": " + problem + "; the download was discarded, pull again");
    }
    return f;
}

// The store name for a URL source: the file name without ".gguf", in the characters a name allows.
std::string name_from_url(const std::string& url) {
    std::string path = url.substr(0, url.find_first_of("?#"));
    std::string file = path.substr(path.rfind('/') + 1);
    if (file.size() > 5 && fs::path(file).extension() == ".gguf") file.resize(file.size() - 5);
    std::string out;
    for (char c : file) {
        char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (!((l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') || l == '.' || l == '_' || l == '-')) l = '-';
        if (out.empty() && !((l >= 'a' && l <= 'z') || (l >= '0' && l <= '9'))) continue;  // must start alnum
        out += l;
    }
    while (out.find("..") != std::string::npos) out.replace(out.find(".."), 2, ".");
    if (out.size() > 96) out.resize(96);
    return (out.empty() ? "model" : out) + ":latest";
}

}  // namespace

std::string Store::pull(const std::string& source, const Progress& progress, const PullOptions& opts) {
    const auto emit = [&](const std::string& status) {
        if (progress) progress({{"status", status}});
    };
    emit("pulling manifest");
    std::vector<Item> items;
    ModelName name;
    std::string origin;
    if (const auto ref = net::parse_hf_ref(source)) {
        name = parse_model_name("hf.co/" + ref->repo_id() + ":" + (ref->quant.empty() ? DEFAULT_TAG : ref->quant));
        const auto sel = net::hf_resolve(*ref, opts.http);
        items.push_back({sel.model.url, sel.model.name, sel.model.sha256, sel.model.size});
        if (const auto& p = sel.projector) items.push_back({p->url, p->name, p->sha256, p->size});
        origin = "hf.co/" + ref->repo_id() + "/" + sel.model.name;
    } else if (source.rfind("https://", 0) == 0 || source.rfind("http://", 0) == 0) {
        name = parse_model_name(opts.name.empty() ? name_from_url(source) : opts.name);
        origin = source.substr(0, source.find_first_of("?#"));  // a query may hold a signature: not kept
        if (const size_t at = origin.find('@'), slash = origin.find('/', origin.find("://") + 3);
            at != std::string::npos && at < slash)
            origin = origin.substr(0, origin.find("://") + 3) + origin.substr(at + 1);  // nor user:password@
        items.push_back({source, origin.substr(origin.rfind('/') + 1), "", -1});
    } else {
        throw Error("cannot pull '" + source +
                    "': expected an http(s):// URL of a GGUF file or hf.co/OWNER/REPO[:QUANT]");
    }

    std::vector<Fetched> fetched;
    for (const auto& it : items) fetched.push_back(fetch(*this, partial_, it, progress, opts.http));
    emit("verifying sha256 digest");
    Manifest m;
    for (size_t i = 0; i < fetched.size(); ++i) {
        const std::string path = fetched[i].partial.empty() ? blob_path(fetched[i].digest) : fetched[i].partial;
        try {
            const auto file = gguf::File::open(path);
            if (i == 0) m.details = gguf_details(*file);
        } catch (const Error& e) {
            if (!fetched[i].partial.empty()) ::unlink(fetched[i].partial.c_str());
            throw Error(items[i].file + " is not a usable GGUF file (" + e.what() + "); the download was discarded");
        }
        (i == 0 ? m.model : m.projector.emplace()) = {fetched[i].digest, fetched[i].size};
    }
    m.source = origin;

    FileLock lock(lock_path());
    for (auto& f : fetched) {
        if (f.partial.empty()) continue;
        const std::string dest = blob_path(f.digest);
        if (fs::exists(dest)) ::unlink(f.partial.c_str());
        else if (::rename(f.partial.c_str(), dest.c_str()) != 0) throw sys_error("cannot move into the store", dest);
    }
    fsync_dir(blobs_);
    emit("writing manifest");
    write_manifest_locked(name, m);
    emit("removing any unused layers");
    emit("success");
    return name.display();
}

}  // namespace snug::store
