// planner/header_source.cpp: readers and the header image. The image is one read-only anonymous mapping of the whole
// file's size (MAP_NORESERVE: a 40 GB model costs address space, not memory) with the fetched prefix copied over
// its start, so gguf::File::parse sees a file of the right size and places every tensor without any data.
#include "planner/header_source.h"

#include <fcntl.h>
#include <malloc.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/error.h"
#include "gguf/gguf.h"
#include "net/http.h"

namespace snug::planner {
namespace {

class FileReader final : public RangeReader {
public:
    explicit FileReader(const std::string& path) : path_(path) {
        fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0) throw Error("cannot open '" + path + "': " + std::strerror(errno));
        struct stat st {};
        if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
            ::close(fd_);
            throw Error("'" + path + "' is not a regular file");
        }
        size_ = static_cast<uint64_t>(st.st_size);
    }
    ~FileReader() override { ::close(fd_); }
    uint64_t size() override { return size_; }
    std::string read(uint64_t offset, uint64_t length) override {
        if (offset >= size_) return {};
        std::string out(static_cast<size_t>(std::min(length, size_ - offset)), '\0');
        size_t done = 0;
        while (done < out.size()) {
            const ssize_t n = ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) throw Error("reading '" + path_ + "' at offset " + std::to_string(offset + done) + " failed");
            done += static_cast<size_t>(n);
        }
        return out;
    }
    std::string describe() const override { return path_; }

private:
    std::string path_;
    int fd_ = -1;
    uint64_t size_ = 0;
};

class HttpReader final : public RangeReader {
public:
    explicit HttpReader(const std::string& url) : url_(url) {}
    uint64_t size() override {
        if (size_ < 0) size_ = net::content_length(url_);
        if (size_ < 0) throw Error("'" + url_ + "' does not report its size, so its header cannot be planned");
        return static_cast<uint64_t>(size_);
    }
    std::string read(uint64_t offset, uint64_t length) override {
        return net::fetch_range(url_, static_cast<int64_t>(offset), static_cast<int64_t>(length));
    }
    std::string describe() const override { return url_; }

private:
    std::string url_;
    int64_t size_ = -1;
};

}  // namespace

std::unique_ptr<RangeReader> file_range_reader(const std::string& path) { return std::make_unique<FileReader>(path); }
std::unique_ptr<RangeReader> http_range_reader(const std::string& url) { return std::make_unique<HttpReader>(url); }

uint64_t heap_bytes_in_use() {
    const struct mallinfo2 m = mallinfo2();
    return static_cast<uint64_t>(m.uordblks) + static_cast<uint64_t>(m.hblkhd);
}

struct ModelHeader::Image {
    void* base = MAP_FAILED;
    size_t size = 0;

    Image(const std::string& head, uint64_t file_size) {
        if (file_size > static_cast<uint64_t>(SIZE_MAX / 2))
            throw Error("file size " + std::to_string(file_size) + " is too large");
        size = static_cast<size_t>(file_size);
        // Read-only private anonymous memory is neither committed nor charged until written, so this holds for any
        // model size; only the header's pages are then made writable, filled and sealed again.
        base = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (base == MAP_FAILED)
            throw Error("cannot reserve " + std::to_string(size) + " bytes of address space for the header");
        const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
        const size_t head_span = (head.size() + page - 1) / page * page;
        if (head_span > 0) {
            void* w = ::mmap(base, head_span, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (w == MAP_FAILED) {
                ::munmap(base, size);
                throw Error("cannot map " + std::to_string(head_span) + " bytes for the header");
            }
            std::memcpy(base, head.data(), head.size());
            ::mprotect(base, head_span, PROT_READ);
        }
    }
    ~Image() {
        if (base != MAP_FAILED) ::munmap(base, size);
    }
};

ModelHeader::~ModelHeader() {
    file_.reset();  // its views point into image_
}

std::unique_ptr<ModelHeader> ModelHeader::open_local(const std::string& path) {
    std::unique_ptr<ModelHeader> h(new ModelHeader());
    h->source_ = path;
    const uint64_t heap0 = heap_bytes_in_use();
    h->file_ = gguf::File::open(path);
    h->heap_bytes_ = heap_bytes_in_use() - std::min(heap0, heap_bytes_in_use());
    h->file_bytes_ = h->file_->file_size();
    return h;
}

std::unique_ptr<ModelHeader> ModelHeader::read_remote(RangeReader& reader, uint64_t first_read) {
    std::unique_ptr<ModelHeader> h(new ModelHeader());
    h->source_ = reader.describe();
    h->file_bytes_ = reader.size();
    if (h->file_bytes_ == 0) throw Error("'" + h->source_ + "' is empty");
    const uint64_t cap = std::min(h->file_bytes_, MAX_HEADER_BYTES);
    std::string head = reader.read(0, std::min(std::max<uint64_t>(first_read, 64), cap));
    h->bytes_fetched_ = head.size();
    // A wrong magic needs no more bytes to be wrong.
    if (head.size() < 4 || std::memcmp(head.data(), "GGUF", 4) != 0)
        throw Error("'" + h->source_ + "': not a GGUF file (bad magic)");
    while (true) {
        auto image = std::make_unique<Image>(head, h->file_bytes_);
        const uint64_t heap0 = heap_bytes_in_use();
        std::string failure;
        try {
            auto file = gguf::File::parse({static_cast<const uint8_t*>(image->base), image->size});
            // The parse is only to be trusted when it ended inside the bytes actually fetched: past them the image
            // reads as zeros, which can look like empty strings.
            if (file->data_offset() <= head.size() || head.size() == h->file_bytes_) {
                h->heap_bytes_ = heap_bytes_in_use() - std::min(heap0, heap_bytes_in_use());
                h->image_ = std::move(image);
                h->file_ = std::move(file);
                return h;
            }
        } catch (const Error& e) {
            failure = e.what();
        }
        if (head.size() >= cap) {
            if (head.size() == h->file_bytes_) throw Error("'" + h->source_ + "': " + failure);
            throw Error("'" + h->source_ + "': no complete GGUF header in its first " + std::to_string(cap) +
                        " bytes" + (failure.empty() ? "" : " (" + failure + ")"));
        }
        const uint64_t want = std::min<uint64_t>(cap, head.size() * 2);
        const std::string more = reader.read(head.size(), want - head.size());
        if (more.empty()) throw Error("'" + h->source_ + "' ended at " + std::to_string(head.size()) + " bytes");
        h->bytes_fetched_ += more.size();
        head += more;
    }
}

}  // namespace snug::planner
