// store/create.cpp: Store::create. FROM entries become blobs (GGUF files are copied in while hashed; digests must
// already be blobs) or a base manifest (a model name). A GGUF whose architecture is "clip" (llama.cpp's mmproj
// files) is the vision projector. Imports are written to tmp/ first and committed together with the manifest under
// the store lock, so a failed create leaves nothing visible.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "gguf/gguf.h"
#include "store/fs_util.h"
#include "store/sha256.h"
#include "store/show.h"
#include "store/store.h"

namespace fs = std::filesystem;

namespace snug::store {
namespace {

struct Import {
    std::unique_ptr<TempFile> tmp;  // null when the bytes are already a blob
    BlobRef blob;
};

bool is_projector(const gguf::File& f) {
    return f.get_string("general.architecture") == "clip" || f.get_string("general.type") == "mmproj";
}

std::string expand_path(const std::string& p, const std::string& base_dir) {
    if (p.rfind("~/", 0) == 0)
        if (const char* home = std::getenv("HOME")) return std::string(home) + p.substr(1);
    if (fs::path(p).is_absolute() || base_dir.empty()) return p;
    return (fs::path(base_dir) / p).string();
}

// Copies `path` into a temporary file in `tmp_dir`, hashing it on the way.
Import import_file(const std::string& path, const std::string& tmp_dir) {
    std::FILE* in = std::fopen(path.c_str(), "rb");
    if (!in) throw Error("FROM " + path + ": cannot open: " + std::strerror(errno));
    Import im;
    im.tmp = std::make_unique<TempFile>(tmp_dir);
    Sha256 hash;
    std::vector<char> buf(size_t(1) << 20);
    size_t n;
    try {
        while ((n = std::fread(buf.data(), 1, buf.size(), in)) > 0) {
            im.tmp->write(buf.data(), n);
            hash.update(buf.data(), n);
            im.blob.size += static_cast<int64_t>(n);
        }
    } catch (...) {
        std::fclose(in);
        throw;
    }
    const bool failed = std::ferror(in) != 0;
    std::fclose(in);
    if (failed) throw Error("FROM " + path + ": read error");
    im.blob.digest = "sha256:" + hash.hex_final();
    return im;
}

}  // namespace

void Store::create(const std::string& name_text, const ModelSpec& spec, const std::optional<std::string>& base_dir,
                   const Progress& progress) {
    const auto emit = [&](const std::string& status) {
        if (progress) progress({{"status", status}});
    };
    const ModelName name = parse_model_name(name_text);
    if (spec.from.empty()) throw Error("create " + name.display() + ": nothing to create FROM");
    std::optional<Manifest> base;
    std::optional<Import> model, projector;
    nlohmann::json details;
    std::string model_from;  // the FROM text that named the model GGUF
    for (const std::string& from : spec.from) {
        if (from.empty()) throw Error("FROM needs a value");
        Import im;
        std::string gguf_path;
        const std::string digest_text = from[0] == '@' ? from.substr(1) : from;  // Ollama wrote "@sha256:..."
        if (digest_text.rfind("sha256:", 0) == 0 || digest_text.rfind("sha256-", 0) == 0) {
            im.blob.digest = parse_digest(digest_text);
            gguf_path = blob_path(im.blob.digest);
            if (!fs::is_regular_file(gguf_path))
                throw Error("FROM " + im.blob.digest + ": no such blob (upload it first)");
            im.blob.size = static_cast<int64_t>(fs::file_size(gguf_path));
        } else if (const std::string path = expand_path(from, base_dir.value_or(""));
                   base_dir && (fs::is_regular_file(path) || fs::is_directory(path))) {
            if (fs::is_directory(path))
                throw Error("FROM " + from +
                            " is a directory; only GGUF files can be imported (convert safetensors first)");
            emit("parsing GGUF");
            im = import_file(path, tmp_);
            gguf_path = im.tmp->path();
        } else if (!base_dir && (from[0] == '/' || from[0] == '.' || from[0] == '~')) {
            throw Error("FROM " + from +
                        ": file paths are not accepted here; upload the file as a blob and use its digest");
        } else {
            ModelName base_name;
            try {
                base_name = parse_model_name(from);
            } catch (const Error&) {
                throw Error("FROM " + from + ": not a GGUF file, a blob digest or a model name");
            }
            if (base) throw Error("FROM names two models (" + base->parent + ", " + base_name.display() + ")");
            base = read_manifest(base_name);
            if (!base) throw ModelNotFound("FROM " + from + ": no such file or model");
            base->parent = base_name.display();
            continue;
        }
        std::unique_ptr<gguf::File> file;
        try {
            file = gguf::File::open(gguf_path);
        } catch (const Error& e) {
            throw Error("FROM " + from + " is not a valid GGUF file: " + e.what());
        }
        const bool proj = is_projector(*file);
        if (proj ? projector.has_value() : model.has_value())
            throw Error(std::string("FROM names two ") + (proj ? "projector" : "model") + " GGUF files");
        if (!proj) details = gguf_details(*file), model_from = from;
        (proj ? projector : model) = std::move(im);
    }

    Manifest m;
    if (base) m = std::move(*base);
    if (!base && !model) throw Error("create " + name.display() + ": FROM names no model GGUF, only a projector");
    if (model) {
        m.model = model->blob;
        m.details = details;
        m.source = model_from;
    }
    if (projector) m.projector = projector->blob;
    for (const auto& [key, value] : spec.params.items()) m.params[key] = value;
    for (const auto& p : spec.ignored_params) emit("ignoring parameter " + p + " (not used by snug)");
    if (spec.template_text) m.template_text = *spec.template_text;
    if (spec.system) m.system = *spec.system;
    if (spec.messages) m.messages = *spec.messages;
    if (spec.license) m.license = *spec.license;
    m.params = check_parameters(m.params);

    FileLock lock(lock_path());
    for (auto* im : {&model, &projector}) {
        if (!*im) continue;
        const std::string dest = blob_path((*im)->blob.digest);
        if ((*im)->tmp && !fs::exists(dest)) {
            emit("creating new layer " + (*im)->blob.digest);
            (*im)->tmp->commit(dest);
        } else {
            emit("using existing layer " + (*im)->blob.digest);
        }
    }
    emit("writing manifest");
    write_manifest_locked(name, m);
    emit("success");
}

}  // namespace snug::store
