// net/hf.h: Hugging Face resolver: "hf.co/OWNER/REPO[:QUANT]" -> the repository's GGUF file for QUANT (and a vision
// projector), found through the hub's file list and downloaded from /resolve/main/FILE. Knows nothing of the store.
//
// Reading a remote GGUF's header (what a memory planner needs) takes two calls:
//     const auto sel = net::hf_resolve(*net::parse_hf_ref("hf.co/owner/repo:Q4_K_M"));
//     const std::string head = net::fetch_range(sel.model.url, 0, 1 << 20);  // net/http.h
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/http.h"

namespace snug::net {

inline constexpr const char* HF_DEFAULT_QUANT = "Q4_K_M";

struct HfRef {
    std::string owner;           // [A-Za-z0-9._-], 1-96 characters, not starting with '.' or '-'
    std::string repo;            // same rules
    std::string quant;           // as written after ':', or "" when none was given
    std::string repo_id() const { return owner + "/" + repo; }
};

// Parses "hf.co/OWNER/REPO[:QUANT]" or "huggingface.co/OWNER/REPO[:QUANT]" (host case-insensitive, no scheme:
// "https://..." is a plain URL).
// Returns nullopt when `s` does not start with one of those hosts; throws snug::Error naming the part that is wrong
// when it does but is malformed (missing repository, odd characters, "..", a deeper path, an empty quant).
std::optional<HfRef> parse_hf_ref(std::string_view s);

// The hub's base URL, no trailing slash: $SNUG_HF_ENDPOINT, else $HF_ENDPOINT, else https://huggingface.co.
std::string hf_endpoint();

struct HfFile {
    std::string name;    // path inside the repository (siblings[].rfilename), may contain '/'
    int64_t size = -1;   // bytes, -1 when the listing does not say
    std::string sha256;  // lowercase hex of the file's content (siblings[].lfs.sha256), "" when not listed
    std::string url;     // download URL, {endpoint}/OWNER/REPO/resolve/main/NAME (set by hf_list_files)
};

// GET {endpoint}/api/models/OWNER/REPO?blobs=true and returns its `siblings`. A missing repository (HTTP 401/404)
// throws HttpError saying so; a listing without `siblings` throws naming the URL.
std::vector<HfFile> hf_list_files(const HfRef& ref, const HttpOptions& opts = {});

struct HfSelection {
    HfFile model;
    std::optional<HfFile> projector;  // an "mmproj" GGUF of the same repository, when it has one
};

// Picks the files to pull from a repository listing (pure: no network).
// Model: the .gguf (not mmproj) whose name carries the quant (ref.quant, else Q4_K_M) case-insensitively, with no
// letter, digit or '_' on either side ("Q4_K" does not pick "Q4_K_M"). Without an explicit quant and with no Q4_K_M
// file, a repository holding a single GGUF gives that one. A match split into parts ("-00001-of-00003.gguf") throws
// "not supported"; several matches prefer the one ending in QUANT.gguf, else throw listing them; no match throws
// listing the quants that are there.
// Projector: the single mmproj .gguf, or among several the one carrying the quant, else F16, else the first by name.
HfSelection hf_pick_files(const HfRef& ref, const std::vector<HfFile>& files);

// hf_list_files() then hf_pick_files(): the files `ref` stands for, with their download URLs.
HfSelection hf_resolve(const HfRef& ref, const HttpOptions& opts = {});

// {endpoint}/OWNER/REPO/resolve/main/FILE, each path segment of FILE percent-encoded.
std::string hf_file_url(const HfRef& ref, const std::string& file);

// "Authorization: Bearer $HF_TOKEN" when HF_TOKEN is set and `url`'s host is huggingface.co, hf.co, a subdomain of
// either, or the host (and port) of hf_endpoint(); nullopt otherwise, so the token never goes anywhere else.
std::optional<std::string> hf_auth_header(const std::string& url);

}  // namespace snug::net
