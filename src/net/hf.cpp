// net/hf.cpp: the Hugging Face resolver. The listing's shape is the hub's model-info answer:
// {"siblings": [{"rfilename": "x.gguf", "size": 123, "lfs": {"sha256": "...", "size": 123}}, ...]} (sizes and
// hashes only with ?blobs=true), ref: https://huggingface.co/docs/hub/api (GET /api/models/{repo_id}).
#include "net/hf.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace snug::net {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// Owner and repository names as the hub allows them: letters, digits, '.', '_', '-'; no leading '.'/'-', no "..".
void check_repo_part(std::string_view part, std::string_view what, std::string_view ref) {
    const auto bad = [&](const std::string& why) {
        return Error("'" + std::string(ref) + "': the " + std::string(what) + " " + why);
    };
    if (part.empty()) throw bad("is missing (expected hf.co/OWNER/REPO[:QUANT])");
    if (part.size() > 96) throw bad("is longer than 96 characters");
    if (part[0] == '.' || part[0] == '-') throw bad("must not start with '.' or '-'");
    if (part.find("..") != std::string_view::npos) throw bad("must not contain '..'");
    for (char c : part)
        if (!is_alnum(c) && c != '.' && c != '_' && c != '-')
            throw bad("has a character outside [A-Za-z0-9._-]");
}

// True when `name` (lowercase) carries `q` (lowercase) with no letter or digit before it and no letter, digit or
// '_' after it: "q4_k" is not in "q4_k_m", "q4_0" is not in "iq4_0", but "q4_k_m" is in "x_q4_k_m.gguf".
bool carries(std::string_view name, std::string_view q) {
    for (size_t at = name.find(q); at != std::string_view::npos; at = name.find(q, at + 1)) {
        const bool left = at == 0 || !is_alnum(name[at - 1]);
        const size_t end = at + q.size();
        const bool right = end == name.size() || (!is_alnum(name[end]) && name[end] != '_');
        if (left && right) return true;
    }
    return false;
}

bool is_split_part(std::string_view lname) {  // "...-00001-of-00003.gguf"
    if (!ends_with(lname, ".gguf") || lname.size() < 20) return false;
    const std::string_view s = lname.substr(lname.size() - 5 - 15, 15);
    const auto digits = [](std::string_view d) {
        return std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    return s[0] == '-' && digits(s.substr(1, 5)) && s.substr(6, 4) == "-of-" && digits(s.substr(10, 5));
}

bool safe_repo_path(const std::string& name) {  // no absolute path, no "..", no control characters
    if (name.empty() || name[0] == '/' || name.size() > 1024) return false;
    for (char c : name)
        if (static_cast<unsigned char>(c) < 0x20 || c == '\\' || c == 0x7f) return false;
    size_t start = 0;
    while (start <= name.size()) {
        const size_t slash = std::min(name.find('/', start), name.size());
        const std::string_view seg(name.data() + start, slash - start);
        if (seg.empty() || seg == "." || seg == "..") return false;
        start = slash + 1;
    }
    return true;
}

// The authority of a URL (host[:port], lowercase, no user info), "" when it has no "scheme://".
std::string authority_of(const std::string& url) {
    const size_t scheme = url.find("://");
    if (scheme == std::string::npos) return "";
    const size_t begin = scheme + 3;
    const size_t end = std::min(url.find_first_of("/?#", begin), url.size());
    std::string auth = lower(std::string_view(url).substr(begin, end - begin));
    if (const size_t at = auth.rfind('@'); at != std::string::npos) auth = auth.substr(at + 1);
    return auth;
}

std::string list_of(const std::vector<std::string>& names) {
    std::string out;
    for (size_t i = 0; i < names.size() && i < 12; ++i) out += (i ? ", " : "") + names[i];
    if (names.size() > 12) out += ", ...";
    return out;
}

}  // namespace

std::optional<HfRef> parse_hf_ref(std::string_view s) {
    std::string_view rest;
    for (std::string_view host : {"hf.co/", "huggingface.co/"})
        if (lower(s.substr(0, host.size())) == host) rest = s.substr(host.size());
    if (rest.data() == nullptr) return std::nullopt;
    HfRef ref;
    if (const size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
        ref.quant = std::string(rest.substr(colon + 1));
        rest = rest.substr(0, colon);
        if (ref.quant.empty() || ref.quant.size() > 64 ||
            !std::all_of(ref.quant.begin(), ref.quant.end(),
                         [](char c) { return is_alnum(c) || c == '.' || c == '_' || c == '-'; }))
            throw Error("'" + std::string(s) + "': the quant after ':' must be 1-64 characters of [A-Za-z0-9._-]");
    }
    const size_t slash = rest.find('/');
    ref.owner = std::string(rest.substr(0, slash));
    ref.repo = slash == std::string_view::npos ? "" : std::string(rest.substr(slash + 1));
    check_repo_part(ref.owner, "owner", s);
    if (ref.repo.find('/') != std::string::npos)
        throw Error("'" + std::string(s) + "': expected hf.co/OWNER/REPO[:QUANT], not a deeper path");
    check_repo_part(ref.repo, "repository", s);
    return ref;
}

std::string hf_endpoint() {
    std::string base = "https://huggingface.co";
    for (const char* var : {"SNUG_HF_ENDPOINT", "HF_ENDPOINT"})
        if (const char* v = std::getenv(var); v && *v) {
            base = v;
            if (base.rfind("http://", 0) != 0 && base.rfind("https://", 0) != 0)
                throw Error(std::string(var) + " must start with http:// or https://, got '" + base + "'");
            break;
        }
    while (!base.empty() && base.back() == '/') base.pop_back();
    return base;
}

std::string hf_file_url(const HfRef& ref, const std::string& file) {
    static const char* HEX = "0123456789ABCDEF";
    std::string path;
    for (unsigned char c : file) {
        if (is_alnum(static_cast<char>(c)) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
            path += static_cast<char>(c);
        } else {
            path += '%';
            path += HEX[c >> 4];
            path += HEX[c & 15];
        }
    }
    return hf_endpoint() + "/" + ref.repo_id() + "/resolve/main/" + path;
}

std::vector<HfFile> hf_list_files(const HfRef& ref, const HttpOptions& opts) {
    const std::string url = hf_endpoint() + "/api/models/" + ref.repo_id() + "?blobs=true";
    nlohmann::json info;
    try {
        info = get_json(url, opts);
    } catch (const HttpError& e) {
        if (e.status() == 401 || e.status() == 403 || e.status() == 404)
            throw HttpError("hf.co/" + ref.repo_id() +
                                ": no such repository, or it is private or gated (set HF_TOKEN) [" + e.what() + "]",
                            e.status());
        throw;
    }
    if (!info.is_object() || !info.contains("siblings") || !info["siblings"].is_array())
        throw Error("GET " + url + ": the answer has no \"siblings\" list");
    std::vector<HfFile> files;
    for (const auto& s : info["siblings"]) {
        if (!s.is_object() || !s.contains("rfilename") || !s["rfilename"].is_string()) continue;
        HfFile f;
        f.name = s["rfilename"].get<std::string>();
        if (!safe_repo_path(f.name)) continue;  // never selectable: it could not name a file in the repository
        if (s.contains("size") && s["size"].is_number_integer()) f.size = s["size"].get<int64_t>();
        if (s.contains("lfs") && s["lfs"].is_object()) {
            const auto& lfs = s["lfs"];
            if (lfs.contains("sha256") && lfs["sha256"].is_string()) {
                const std::string h = lower(lfs["sha256"].get<std::string>());
                if (h.size() == 64 && std::all_of(h.begin(), h.end(), [](char c) { return std::isxdigit(c); }))
                    f.sha256 = h;
            }
            if (f.size < 0 && lfs.contains("size") && lfs["size"].is_number_integer())
                f.size = lfs["size"].get<int64_t>();
        }
        f.url = hf_file_url(ref, f.name);
        files.push_back(std::move(f));
    }
    return files;
}

HfSelection hf_pick_files(const HfRef& ref, const std::vector<HfFile>& files) {
    const std::string quant = ref.quant.empty() ? HF_DEFAULT_QUANT : ref.quant;
    const std::string q = lower(quant);
    const std::string where = "hf.co/" + ref.repo_id();
    std::vector<const HfFile*> models, projectors, matches;
    std::vector<std::string> model_names;
    for (const auto& f : files) {
        const std::string n = lower(f.name);
        if (!ends_with(n, ".gguf")) continue;
        if (n.find("mmproj") != std::string::npos) {
            projectors.push_back(&f);
            continue;
        }
        models.push_back(&f);
        model_names.push_back(f.name);
        if (carries(n, q)) matches.push_back(&f);
    }
    if (matches.empty() && ref.quant.empty() && models.size() == 1) matches = models;
    if (matches.empty()) {
        if (models.empty()) throw Error(where + " has no GGUF file");
        throw Error(where + " has no GGUF file for quant " + quant + "; its GGUF files: " + list_of(model_names));
    }
    std::vector<const HfFile*> whole;
    std::copy_if(matches.begin(), matches.end(), std::back_inserter(whole),
                 [](const HfFile* f) { return !is_split_part(lower(f->name)); });
    if (whole.empty())
        throw Error(where + ":" + quant + " is a GGUF split into parts (" + matches[0]->name +
                    "); multi-part GGUF files are not supported yet");
    if (whole.size() > 1) {
        std::vector<const HfFile*> exact;
        for (const HfFile* f : whole) {
            const std::string n = lower(f->name);
            const std::string tail = q + ".gguf";
            if (ends_with(n, tail) && (n.size() == tail.size() || !is_alnum(n[n.size() - tail.size() - 1])))
                exact.push_back(f);
        }
        if (exact.size() != 1) {
            std::vector<std::string> names;
            for (const HfFile* f : whole) names.push_back(f->name);
            throw Error(where + ": quant " + quant + " matches several files (" + list_of(names) +
                        "); name one with a longer quant");
        }
        whole = exact;
    }
    HfSelection sel;
    sel.model = *whole[0];
    if (!projectors.empty()) {
        std::sort(projectors.begin(), projectors.end(),
                  [](const HfFile* a, const HfFile* b) { return a->name < b->name; });
        const HfFile* pick = projectors[0];
        const auto find = [&](std::string_view tag) -> const HfFile* {
            for (const HfFile* f : projectors)
                if (carries(lower(f->name), tag)) return f;
            return nullptr;
        };
        if (projectors.size() > 1) {
            if (const HfFile* f = find(q)) pick = f;
            else if (const HfFile* f16 = find("f16")) pick = f16;
        }
        sel.projector = *pick;
    }
    return sel;
}

HfSelection hf_resolve(const HfRef& ref, const HttpOptions& opts) {
    return hf_pick_files(ref, hf_list_files(ref, opts));
}

std::optional<std::string> hf_auth_header(const std::string& url) {
    const char* token = std::getenv("HF_TOKEN");
    if (!token || !*token) return std::nullopt;
    const std::string auth = authority_of(url);
    if (auth.empty()) return std::nullopt;
    const size_t port = auth[0] == '[' ? auth.find("]:") : auth.rfind(':');  // "[::1]:8080" or "host:8080"
    const std::string host = port == std::string::npos ? auth : auth.substr(0, auth[0] == '[' ? port + 1 : port);
    bool hub = host == "huggingface.co" || host == "hf.co" || ends_with(host, ".huggingface.co") ||
               ends_with(host, ".hf.co");
    if (!hub) {
        try {
            hub = auth == authority_of(hf_endpoint());
        } catch (const Error&) {
            hub = false;  // a malformed endpoint variable gets no token
        }
    }
    if (!hub) return std::nullopt;
    return "Authorization: Bearer " + std::string(token);
}

}  // namespace snug::net
