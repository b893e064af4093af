// net/http.cpp: libcurl behind net/http.h. Callbacks never let an exception cross libcurl's C frames: they store it
// and abort the transfer, and it is rethrown once curl_easy_perform() has returned.
#include "net/http.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <exception>
#include <mutex>
#include <new>

#include "net/hf.h"

namespace snug::net {
namespace {

void global_init() {
    static std::once_flag once;  // curl_global_init is not thread-safe; every handle goes through here first
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

class Easy {
public:
    Easy() {
        global_init();
        h_ = curl_easy_init();
        if (!h_) throw Error("libcurl: cannot create a transfer handle");
    }
    ~Easy() {
        curl_easy_cleanup(h_);
        curl_slist_free_all(headers_);
    }
    Easy(const Easy&) = delete;
    Easy& operator=(const Easy&) = delete;
    CURL* get() const { return h_; }
    void add_header(const std::string& line) {
        curl_slist* n = curl_slist_append(headers_, line.c_str());
        if (!n) throw std::bad_alloc();
        headers_ = n;
    }
    curl_slist* headers() const { return headers_; }

private:
    CURL* h_ = nullptr;
    curl_slist* headers_ = nullptr;
};

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (size_t i = 0; i < prefix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i])))
            return false;
    return true;
}

int64_t parse_int(std::string_view s) {  // digits at the start of s, -1 when none or absurdly many
    int64_t v = 0;
    size_t i = 0;
    while (i < s.size() && s[i] == ' ') ++i;
    const size_t first = i;
    for (; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i) {
        if (i - first >= 18) return -1;
        v = v * 10 + (s[i] - '0');
    }
    return i == first ? -1 : v;
}

// One transfer's state, shared with the callbacks. The header fields describe the latest response of a redirect
// chain: a new status line resets them.
struct Transfer {
    const std::string* url = nullptr;
    int64_t requested_offset = 0;
    const OnBody* on_body = nullptr;
    const std::function<bool(const char*, size_t)>* on_data = nullptr;  // false: stop, the caller has enough

    long status = 0;
    int64_t range_start = -1, range_total = -1, content_length = -1;
    bool started = false;
    bool stopped = false;
    bool stalled = false;
    int stall_timeout_s = 0;
    curl_off_t last_bytes = -1;
    std::chrono::steady_clock::time_point last_activity = std::chrono::steady_clock::now();
    int64_t received = 0;       // body bytes of the final response
    std::string error_body;     // the start of a non-2xx body, for the message
    std::exception_ptr error;   // thrown by a callback

    bool ok_status() const { return status >= 200 && status < 300; }

    void start() {
        started = true;
        BodyInfo info;
        if (status == 206) {
            info.offset = range_start >= 0 ? range_start : requested_offset;
            info.total = range_total;
            if (info.offset != requested_offset)
                throw Error("GET " + *url + ": the server sent bytes from " + std::to_string(info.offset) +
                            " but " + std::to_string(requested_offset) + " were asked for");
        } else {
            info.total = content_length;
        }
        if (on_body && *on_body) (*on_body)(info);
    }
};

size_t on_header(char* p, size_t size, size_t n, void* user) {
    auto& t = *static_cast<Transfer*>(user);
    t.last_activity = std::chrono::steady_clock::now();
    const std::string_view line(p, size * n);
    if (starts_with_nocase(line, "HTTP/")) {
        const size_t sp = line.find(' ');
        t.status = sp == std::string_view::npos ? 0 : static_cast<long>(parse_int(line.substr(sp + 1)));
        t.range_start = t.range_total = t.content_length = -1;
    } else if (starts_with_nocase(line, "content-length:")) {
        t.content_length = parse_int(line.substr(15));
    } else if (starts_with_nocase(line, "content-range:")) {
        // "bytes START-END/TOTAL", TOTAL may be "*"
        std::string_view v = line.substr(14);
        const size_t b = v.find("bytes");
        if (b != std::string_view::npos) {
            v = v.substr(b + 5);
            t.range_start = parse_int(v);
            const size_t slash = v.find('/');
            if (slash != std::string_view::npos) t.range_total = parse_int(v.substr(slash + 1));
        }
    }
    return size * n;
}

size_t on_write(char* p, size_t size, size_t n, void* user) {
    auto& t = *static_cast<Transfer*>(user);
    const size_t bytes = size * n;
    try {
        if (!t.ok_status()) {
            t.error_body.append(p, std::min(bytes, size_t(300) - std::min(size_t(300), t.error_body.size())));
            return bytes;
        }
        if (!t.started) t.start();
        t.received += static_cast<int64_t>(bytes);
        if (t.on_data && *t.on_data && !(*t.on_data)(p, bytes)) {
            t.stopped = true;
            return 0;  // makes curl stop with CURLE_WRITE_ERROR, which perform() then ignores
        }
        return bytes;
    } catch (...) {
        t.error = std::current_exception();
        return 0;
    }
}

// libcurl's own low-speed limit averages over several seconds, so a burst followed by silence takes far longer
// than its limit to trip; this watches for "no new byte for stall_timeout_s" directly. libcurl calls it at least
// once a second, also while waiting for the answer.
int on_progress(void* user, curl_off_t, curl_off_t dl_now, curl_off_t, curl_off_t) {
    auto& t = *static_cast<Transfer*>(user);
    const auto now = std::chrono::steady_clock::now();
    if (dl_now != t.last_bytes) {
        t.last_bytes = dl_now;
        t.last_activity = now;
    } else if (t.stall_timeout_s > 0 && now - t.last_activity >= std::chrono::seconds(t.stall_timeout_s)) {
        t.stalled = true;
        return 1;  // aborts the transfer
    }
    return 0;
}

std::string printable(std::string s) {
    for (char& c : s)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
}

void configure(Easy& e, const std::string& url, const HttpOptions& opts, char* errbuf) {
    CURL* h = e.get();
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM for timeouts: we run in threads
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
    // Only the web: a pull source like file:///etc/shadow must not be readable through us.
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_USERAGENT, "snug/0.1");
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, static_cast<long>(std::max(1, opts.connect_timeout_s)));
    if (opts.total_timeout_s > 0) curl_easy_setopt(h, CURLOPT_TIMEOUT, static_cast<long>(opts.total_timeout_s));
    // libcurl drops a custom Authorization header when a redirect leaves the original host (signed CDN URLs need
    // none), so the token stays with the hub.
    if (const auto auth = hf_auth_header(url)) e.add_header(*auth);
    for (const auto& hdr : opts.headers) e.add_header(hdr);
    if (e.headers()) curl_easy_setopt(h, CURLOPT_HTTPHEADER, e.headers());
}

// Runs the transfer and turns every failure into an exception naming the URL.
void perform(Easy& e, Transfer& t, const std::string& what, const HttpOptions& opts, const char* errbuf) {
    curl_easy_setopt(e.get(), CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e.get(), CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(e.get(), CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(e.get(), CURLOPT_WRITEDATA, &t);
    t.stall_timeout_s = opts.stall_timeout_s;
    curl_easy_setopt(e.get(), CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(e.get(), CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(e.get(), CURLOPT_XFERINFODATA, &t);
    const CURLcode rc = curl_easy_perform(e.get());
    if (t.error) std::rethrow_exception(t.error);
    if (t.stopped) return;
    const std::string prefix = what + " " + *t.url + ": ";
    if (rc != CURLE_OK) {
        const std::string detail = errbuf[0] ? std::string(errbuf) : std::string(curl_easy_strerror(rc));
        if (t.stalled)
            throw Error(prefix + "no data for " + std::to_string(opts.stall_timeout_s) +
                        " s, the server stalled (after " + std::to_string(t.received) + " bytes of the body)");
        if (rc == CURLE_PARTIAL_FILE)
            throw Error(prefix + "the connection closed after " + std::to_string(t.received) + " bytes of the body (" +
                        detail + ")");
        throw Error(prefix + detail);
    }
    if (!t.ok_status()) {
        std::string msg = prefix + "HTTP " + std::to_string(t.status);
        if (const std::string body = printable(t.error_body); !body.empty()) msg += " (" + body + ")";
        throw HttpError(msg, t.status);
    }
    if (!t.started) t.start();  // an empty body still reports where it starts
}

void run_get(const std::string& url, int64_t offset, int64_t end, const OnBody& on_body,
             const std::function<bool(const char*, size_t)>& on_data, const HttpOptions& opts) {
    Easy e;
    char errbuf[CURL_ERROR_SIZE] = {0};
    configure(e, url, opts, errbuf);
    std::string range;
    if (offset > 0 || end > 0) {
        range = std::to_string(offset) + "-" + (end > 0 ? std::to_string(end - 1) : "");
        curl_easy_setopt(e.get(), CURLOPT_RANGE, range.c_str());
    }
    Transfer t;
    t.url = &url;
    t.requested_offset = offset;
    t.on_body = &on_body;
    t.on_data = &on_data;
    perform(e, t, "GET", opts, errbuf);
}

}  // namespace

void get_stream(const std::string& url, int64_t offset, const OnBody& on_body, const OnData& on_data,
                const HttpOptions& opts) {
    const std::function<bool(const char*, size_t)> sink = [&](const char* p, size_t n) {
        if (on_data) on_data(p, n);
        return true;
    };
    run_get(url, std::max<int64_t>(offset, 0), 0, on_body, sink, opts);
}

std::string get_string(const std::string& url, const HttpOptions& opts, size_t max_bytes) {
    std::string body;
    const std::function<bool(const char*, size_t)> sink = [&](const char* p, size_t n) {
        if (body.size() + n > max_bytes)
            throw Error("GET " + url + ": the answer is larger than " + std::to_string(max_bytes) + " bytes");
        body.append(p, n);
        return true;
    };
    run_get(url, 0, 0, {}, sink, opts);
    return body;
}

nlohmann::json get_json(const std::string& url, const HttpOptions& opts) {
    HttpOptions o = opts;
    o.headers.push_back("Accept: application/json");
    const std::string body = get_string(url, o);
    auto j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded()) throw Error("GET " + url + ": the answer is not JSON: " + printable(body.substr(0, 120)));
    return j;
}

int64_t content_length(const std::string& url, const HttpOptions& opts) {
    Easy e;
    char errbuf[CURL_ERROR_SIZE] = {0};
    configure(e, url, opts, errbuf);
    curl_easy_setopt(e.get(), CURLOPT_NOBODY, 1L);
    Transfer t;
    t.url = &url;
    perform(e, t, "HEAD", opts, errbuf);
    return t.content_length;
}

std::string fetch_range(const std::string& url, int64_t offset, int64_t length, const HttpOptions& opts) {
    std::string out;
    if (length <= 0 || offset < 0) return out;
    int64_t body_offset = 0;  // resource offset of the next byte the sink receives
    const OnBody on_body = [&](const BodyInfo& b) { body_offset = b.offset; };
    const std::function<bool(const char*, size_t)> sink = [&](const char* p, size_t n) {
        int64_t skip = std::max<int64_t>(0, offset - body_offset);  // a server ignoring the range starts at 0
        body_offset += static_cast<int64_t>(n);
        if (skip >= static_cast<int64_t>(n)) return true;
        const size_t want = static_cast<size_t>(length) - out.size();
        out.append(p + skip, std::min(n - static_cast<size_t>(skip), want));
        return out.size() < static_cast<size_t>(length);
    };
    try {
        run_get(url, offset, offset + length, on_body, sink, opts);
    } catch (const HttpError& e) {
        if (e.status() != 416) throw;  // 416: the range starts at or past the end of the resource
    }
    return out;
}

}  // namespace snug::net
