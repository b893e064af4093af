// net/http.h: a small HTTP(S) client over libcurl: streaming GET with byte ranges (resume), size queries, whole-body
// and JSON GETs, and fetch_range() for reading a slice of a remote file. Knows nothing of models or the store.
// Proxies come from the environment (http_proxy, https_proxy, no_proxy: libcurl reads them). A request to a Hugging
// Face host carries "Authorization: Bearer $HF_TOKEN" when HF_TOKEN is set (net/hf.h says which hosts those are).
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/error.h"

namespace snug::net {

struct HttpOptions {
    std::vector<std::string> headers;  // extra request headers, "Name: value"
    int connect_timeout_s = 15;        // TCP + TLS handshake
    int stall_timeout_s = 30;          // fail when no byte arrives for this long (a stalled server); 0 = never
    int total_timeout_s = 0;           // whole request; 0 = no limit (large downloads)
};

// A non-2xx answer. The message names the URL, the status and the start of the body.
class HttpError : public Error {
public:
    HttpError(const std::string& what, long status) : Error(what), status_(status) {}
    long status() const { return status_; }

private:
    long status_;
};

// Where a response body sits within the resource.
struct BodyInfo {
    int64_t offset = 0;  // resource offset of the body's first byte: the requested offset for a 206, 0 for a 200
    int64_t total = -1;  // size of the whole resource, -1 when the server does not say
};

using OnBody = std::function<void(const BodyInfo&)>;
using OnData = std::function<void(const char* data, size_t n)>;

// GET `url` from byte `offset` on (a "Range: bytes=offset-" request when offset > 0), following redirects.
// on_body runs once, before any on_data, when a 2xx answer starts; a server that ignores the range answers 200 and
// on_body then reports offset 0, so the caller must start over. on_data receives the body in order.
// Throws HttpError for a non-2xx status and snug::Error for connection failures, timeouts and bodies cut short, each
// naming the URL. An exception thrown by a callback stops the transfer and is rethrown unchanged.
void get_stream(const std::string& url, int64_t offset, const OnBody& on_body, const OnData& on_data,
                const HttpOptions& opts = {});

// The whole body of a GET; more than max_bytes is an error (these are API answers, not files).
std::string get_string(const std::string& url, const HttpOptions& opts = {}, size_t max_bytes = size_t(64) << 20);

// get_string() parsed as JSON; a body that is not JSON throws naming the URL.
nlohmann::json get_json(const std::string& url, const HttpOptions& opts = {});

// The size of the resource at `url` from a HEAD request (redirects followed), or -1 when the server does not say.
int64_t content_length(const std::string& url, const HttpOptions& opts = {});

// Bytes [offset, offset + length) of the resource at `url`: what a reader of a remote file's header needs.
// Returns fewer bytes only when the resource ends first (none when offset is at or past its end); works against
// servers that ignore ranges too (the unwanted bytes are skipped and the transfer stops once the slice is read).
// Precondition: offset >= 0, length >= 0. Errors are those of get_stream().
std::string fetch_range(const std::string& url, int64_t offset, int64_t length, const HttpOptions& opts = {});

}  // namespace snug::net
