// tests/unit/net_test_server.h: a small HTTP/1.1 server on 127.0.0.1 (a free port the kernel picks) for the net_*
// and store_* tests. Raw sockets rather than a library because the tests need to misbehave on purpose: cut a body
// midway, stall holding the connection open, send slowly, or ignore Range. Every request is recorded; each response
// closes its connection. Stalled connections are released when the server is destroyed, so no test outlives its bound.
#pragma once
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cctype>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace snug::test {

class TestServer {
public:
    struct Request {
        std::string method, target;                 // target: path and query as sent
        std::map<std::string, std::string> headers;  // names lowercased
        int64_t body_bytes_sent = 0;                 // bytes of response body written
        std::string header(const std::string& name) const {
            const auto it = headers.find(name);
            return it == headers.end() ? "" : it->second;
        }
    };
    struct Reply {
        int status = 200;
        std::string body;              // the whole resource when `ranges` is set
        std::string content_type = "application/octet-stream";
        bool ranges = false;           // answer "Range: bytes=A-[B]" with 206 / 416
        int64_t cut_after = -1;        // close the connection after this many body bytes
        int64_t stall_after = -1;      // after this many body bytes send nothing more, until the server stops
        bool declare_length = true;    // send Content-Length
        bool silent = false;           // answer nothing at all, holding the connection until the server stops
        int chunk_delay_ms = 0;        // pause before each 16 KiB body chunk: a slow server
    };
    using Handler = std::function<Reply(const Request&)>;

    explicit TestServer(Handler handler) : handler_(std::move(handler)) {
        // A developer's http_proxy must not carry the tests' requests elsewhere: 127.0.0.1 is reached directly.
        ::setenv("no_proxy", "127.0.0.1,localhost", 1);
        listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int one = 1;
        ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        socklen_t len = sizeof addr;
        if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 16) != 0 ||
            ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
            throw std::runtime_error("test server: cannot listen on 127.0.0.1");
        port_ = ntohs(addr.sin_port);
        acceptor_ = std::thread([this] { accept_loop(); });
    }

    ~TestServer() {
        stop_ = true;
        acceptor_.join();
        for (auto& t : workers_) t.join();
        ::close(listen_fd_);
    }

    int port() const { return port_; }
    std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
    std::string url(const std::string& target) const { return base() + target; }
    std::vector<Request> requests() const {
        std::lock_guard<std::mutex> g(mu_);
        return requests_;
    }

private:
    void accept_loop() {
        while (!stop_) {
            pollfd p{listen_fd_, POLLIN, 0};
            if (::poll(&p, 1, 20) <= 0) continue;
            const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd >= 0) workers_.emplace_back([this, fd] { serve(fd); });
        }
    }

    bool send_all(int fd, const char* p, size_t n) {
        while (n > 0) {
            const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
            if (w <= 0) return false;
            p += w;
            n -= static_cast<size_t>(w);
        }
        return true;
    }

    void serve(int fd) {
        std::string in;
        char buf[4096];
        while (in.find("\r\n\r\n") == std::string::npos && !stop_) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 20) <= 0) continue;
            const ssize_t r = ::recv(fd, buf, sizeof buf, 0);
            if (r <= 0) break;
            in.append(buf, static_cast<size_t>(r));
        }
        const size_t end = in.find("\r\n\r\n");
        if (end == std::string::npos) {
            ::close(fd);
            return;
        }
        Request req;
        size_t line_end = in.find("\r\n");
        const std::string first = in.substr(0, line_end);
        const size_t s1 = first.find(' '), s2 = first.find(' ', s1 + 1);
        req.method = first.substr(0, s1);
        req.target = first.substr(s1 + 1, s2 - s1 - 1);
        for (size_t pos = line_end + 2; pos < end; pos = line_end + 2) {
            line_end = in.find("\r\n", pos);
            const std::string line = in.substr(pos, line_end - pos);
            const size_t colon = line.find(':');
            std::string name = line.substr(0, colon);
            std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
            const size_t v = line.find_first_not_of(' ', colon + 1);
            req.headers[name] = v == std::string::npos ? "" : line.substr(v);
        }
        size_t index;
        {  // recorded before answering, so a client that has its answer always finds its request here
            std::lock_guard<std::mutex> g(mu_);
            index = requests_.size();
            requests_.push_back(req);
        }
        respond(fd, req, index, handler_(req));
        ::close(fd);
    }

    // Writes the response, counting body bytes in requests_[index] before they go out.
    void respond(int fd, const Request& req, size_t index, const Reply& rep) {
        while (rep.silent && !stop_) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        const int64_t size = static_cast<int64_t>(rep.body.size());
        int64_t from = 0, to = size;  // [from, to)
        int status = rep.status;
        std::string extra;
        const std::string range = req.header("range");
        if (rep.ranges && status == 200 && range.rfind("bytes=", 0) == 0) {
            const size_t dash = range.find('-');
            from = std::stoll(range.substr(6, dash - 6));
            if (dash + 1 < range.size()) to = std::min<int64_t>(size, std::stoll(range.substr(dash + 1)) + 1);
            if (from >= size) {
                status = 416;
                from = to = 0;
                extra = "Content-Range: bytes */" + std::to_string(size) + "\r\n";
            } else {
                status = 206;
                extra = "Content-Range: bytes " + std::to_string(from) + "-" + std::to_string(to - 1) + "/" +
                        std::to_string(size) + "\r\n";
            }
        }
        if (status == 416) to = from;
        std::string head = "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: " + rep.content_type +
                           "\r\nConnection: close\r\n" + extra;
        if (rep.declare_length) head += "Content-Length: " + std::to_string(to - from) + "\r\n";
        head += "\r\n";
        if (!send_all(fd, head.data(), head.size()) || req.method == "HEAD") return;
        int64_t sent = 0;
        while (from + sent < to) {
            int64_t chunk = std::min<int64_t>(to - from - sent, 16384);
            const int64_t limit = rep.cut_after >= 0 ? rep.cut_after : rep.stall_after;
            if (limit >= 0) chunk = std::min(chunk, limit - sent);
            if (chunk <= 0) break;
            if (rep.chunk_delay_ms > 0) {
                if (stop_) return;
                std::this_thread::sleep_for(std::chrono::milliseconds(rep.chunk_delay_ms));
            }
            {
                std::lock_guard<std::mutex> g(mu_);
                requests_[index].body_bytes_sent += chunk;
            }
            if (!send_all(fd, rep.body.data() + from + sent, static_cast<size_t>(chunk))) return;
            sent += chunk;
        }
        if (rep.stall_after >= 0 && sent == rep.stall_after)
            while (!stop_) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }

    Handler handler_;
    int listen_fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread acceptor_;
    std::vector<std::thread> workers_;  // touched only by the acceptor thread, then joined by the destructor
    mutable std::mutex mu_;
    std::vector<Request> requests_;
};

}  // namespace snug::test
