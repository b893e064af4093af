// tests/unit/planner_remote.cpp: planning a remote 7.8 GB model by its header alone, over HTTP range requests, against
// a local server that counts the body bytes it sends; and the header reader's growth over a counting file reader.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "base/error.h"
#include "gguf/gguf.h"
#include "planner/header_source.h"
#include "planner/model_info.h"
#include "planner/plan.h"
#include "unit/planner_fixtures.h"

using namespace snug;
using namespace snug::planner;

namespace {

// Serves one file at any path: HEAD, GET and "Range: bytes=A-[B]" (206), one request per connection.
class FileServer {
public:
    explicit FileServer(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
        struct stat st {};
        ::fstat(fd_, &st);
        size_ = static_cast<uint64_t>(st.st_size);
        listen_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        if (::bind(listen_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_, 8) != 0 ||
            ::getsockname(listen_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
            throw std::runtime_error("cannot listen");
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~FileServer() {
        stop_ = true;
        ::shutdown(listen_, SHUT_RDWR);
        ::close(listen_);
        thread_.join();
        ::close(fd_);
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/model.gguf"; }
    uint64_t body_bytes() const { return sent_; }

private:
    void serve() {
        while (!stop_) {
            const int c = ::accept4(listen_, nullptr, nullptr, SOCK_CLOEXEC);
            if (c < 0) continue;
            handle(c);
            ::close(c);
        }
    }
    void handle(int c) {
        std::string req;
        char buf[4096];
        while (req.find("\r\n\r\n") == std::string::npos) {
            const ssize_t n = ::recv(c, buf, sizeof buf, 0);
            if (n <= 0) return;
            req.append(buf, static_cast<size_t>(n));
        }
        const bool head = req.rfind("HEAD ", 0) == 0;
        uint64_t from = 0, to = size_ - 1;
        bool ranged = false;
        if (const size_t r = req.find("Range: bytes="); r != std::string::npos) {
            ranged = true;
            from = std::stoull(req.substr(r + 13));
            const size_t dash = req.find('-', r + 13);
            if (dash + 1 < req.size() && std::isdigit(static_cast<unsigned char>(req[dash + 1])))
                to = std::min(to, static_cast<uint64_t>(std::stoull(req.substr(dash + 1))));
        }
        const uint64_t len = to + 1 - from;
        std::string h = std::string(ranged ? "HTTP/1.1 206 Partial Content\r\n" : "HTTP/1.1 200 OK\r\n") +
                        "Content-Length: " + std::to_string(len) + "\r\nAccept-Ranges: bytes\r\nConnection: close\r\n";
        if (ranged)
            h += "Content-Range: bytes " + std::to_string(from) + "-" + std::to_string(to) + "/" +
                 std::to_string(size_) + "\r\n";
        h += "\r\n";
        if (::send(c, h.data(), h.size(), MSG_NOSIGNAL) < 0 || head) return;
        for (uint64_t off = from; off <= to;) {
            const auto want = static_cast<size_t>(std::min<uint64_t>(sizeof buf, to + 1 - off));
            const ssize_t n = ::pread(fd_, buf, want, static_cast<off_t>(off));
            if (n <= 0) return;
            const ssize_t w = ::send(c, buf, static_cast<size_t>(n), MSG_NOSIGNAL);
            if (w <= 0) return;  // the client hung up: it has what it asked for
            sent_ += static_cast<uint64_t>(w);
            off += static_cast<uint64_t>(w);
        }
    }
    int fd_ = -1, listen_ = -1;
    uint16_t port_ = 0;
    uint64_t size_ = 0;
    std::atomic<uint64_t> sent_{0};
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

// Counts what a reader hands out.
class CountingReader final : public RangeReader {
public:
    explicit CountingReader(std::unique_ptr<RangeReader> r) : r_(std::move(r)) {}
    uint64_t size() override { return r_->size(); }
    std::string read(uint64_t o, uint64_t n) override {
        ++reads;
        auto s = r_->read(o, n);
        bytes += s.size();
        return s;
    }
    std::string describe() const override { return r_->describe(); }
    uint64_t bytes = 0;
    int reads = 0;

private:
    std::unique_ptr<RangeReader> r_;
};

}  // namespace

TEST(PlannerRemote, PlansAMultiGigabyteModelFromItsHeader) {
    const std::string path = test::synth_model("gemma-3-4b", "F16");
    if (path.empty()) {
        if (test::in_ci()) FAIL() << "synth_gguf.py could not generate gemma-3-4b";
        GTEST_SKIP() << "synth_gguf.py (python3 + numpy) unavailable";
    }
    FileServer server(path);
    const auto reader = http_range_reader(server.url());
    const auto remote = ModelHeader::read_remote(*reader);
    const auto local = ModelHeader::open_local(path);
    EXPECT_EQ(remote->file_bytes(), 7767831584u);
    EXPECT_EQ(remote->file().tensors().size(), local->file().tensors().size());
    EXPECT_EQ(remote->file().data_offset(), local->file().data_offset());
    // The 262144-token vocabulary makes a ~9 MB header: two reads (4 MB, then 4 more), a few MB of 7.8 GB.
    EXPECT_LE(server.body_bytes(), uint64_t(16) << 20);
    EXPECT_GE(server.body_bytes(), remote->file().data_offset());
    const auto served = static_cast<unsigned long long>(server.body_bytes());
    std::printf("[ planner ] %llu bytes served for a %llu-byte model\n", served,
                static_cast<unsigned long long>(remote->file_bytes()));

    // The same plan as from the local file.
    const LoadedModel a = analyze_model(*remote), b = analyze_model(*local);
    EXPECT_EQ(a.info.weights_bytes(), b.info.weights_bytes());
    EXPECT_EQ(a.info.layer_bytes, b.info.layer_bytes);
    EXPECT_EQ(a.info.tied_output, b.info.tied_output);
    const ComputeMeasure ca = measure_compute(*a.model, 512, 1, 2), cb = measure_compute(*b.model, 512, 1, 2);
    EXPECT_EQ(ca.total_bytes, cb.total_bytes);
}

TEST(PlannerRemote, HeaderGrowsUntilComplete) {
    const std::string path = test::data_path("models/snug-qwen2-q4_k_m.gguf");  // a 50k-token vocabulary
    SNUG_REQUIRE_DATA(path);
    const auto local = ModelHeader::open_local(path);
    const uint64_t header = local->file().data_offset();
    CountingReader r(file_range_reader(path));
    const auto h = ModelHeader::read_remote(r, 4096);
    EXPECT_EQ(h->file().data_offset(), header);
    EXPECT_GE(r.reads, 3);                // 4 KiB, 8 KiB, ... until the header is inside
    EXPECT_LT(r.bytes, 2 * header + 4096);  // doubling never reads more than twice the header
    EXPECT_EQ(h->bytes_fetched(), r.bytes);
    EXPECT_EQ(analyze_model(*h).info.weights_bytes(), analyze_model(*local).info.weights_bytes());
}

TEST(PlannerRemote, MalformedAndMissing) {
    const std::string bad = test::planner_tmp_dir() + "/not-gguf.bin";
    {
        std::string junk(100000, 'x');
        FILE* f = std::fopen(bad.c_str(), "wb");
        std::fwrite(junk.data(), 1, junk.size(), f);
        std::fclose(f);
    }
    CountingReader r(file_range_reader(bad));
    try {
        ModelHeader::read_remote(r, 4096);
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("bad magic"), std::string::npos) << e.what();
    }
    EXPECT_THROW(file_range_reader(test::planner_tmp_dir() + "/missing.gguf"), Error);
    EXPECT_THROW(ModelHeader::read_remote(*http_range_reader("http://127.0.0.1:1/none.gguf")), Error);
}
