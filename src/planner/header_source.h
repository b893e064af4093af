// planner/header_source.h: a GGUF's header — metadata and tensor table — without its tensor data, from a local path
// (memory-mapped: only the header's pages are ever touched) or from a remote file read by HTTP range requests (the
// first few MB, more only if the header is bigger). Knows nothing of models.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

namespace snug::gguf {
class File;
}

namespace snug::planner {

// Random access to a file's bytes.
class RangeReader {
public:
    virtual ~RangeReader() = default;
    virtual uint64_t size() = 0;  // the whole file, in bytes
    // Bytes [offset, offset + length), fewer only when the file ends first.
    virtual std::string read(uint64_t offset, uint64_t length) = 0;
    virtual std::string describe() const = 0;  // path or URL, for messages
};

// A local file read with pread (tests use it to count bytes), or a URL read with net/http.h's fetch_range.
std::unique_ptr<RangeReader> file_range_reader(const std::string& path);
std::unique_ptr<RangeReader> http_range_reader(const std::string& url);

// Heap bytes this process has in use (glibc mallinfo2: small blocks + mmapped blocks), for measuring what parsed
// metadata and a tokenizer cost. Under AddressSanitizer, whose allocator glibc does not see, differences read 0.
uint64_t heap_bytes_in_use();

// A parsed header whose tensors point into a read-only image of the file: the header's bytes copied in, the rest a
// zero-filled anonymous mapping that is never committed. Models bind their weights to it exactly as to a real file
// (a present tensor has a non-null address), but nothing may compute with them: the planner only measures.
class ModelHeader {
public:
    // A local GGUF, memory-mapped (gguf::File::open).
    static std::unique_ptr<ModelHeader> open_local(const std::string& path);
    // Reads first_read bytes, parses, and doubles the prefix until the whole header is inside it (at most
    // MAX_HEADER_BYTES). Throws snug::Error naming the source for a malformed file or an oversized header.
    static std::unique_ptr<ModelHeader> read_remote(RangeReader& reader, uint64_t first_read = DEFAULT_FIRST_READ);
    ~ModelHeader();

    static constexpr uint64_t DEFAULT_FIRST_READ = uint64_t(4) << 20;
    static constexpr uint64_t MAX_HEADER_BYTES = uint64_t(256) << 20;

    const gguf::File& file() const { return *file_; }
    const std::string& source() const { return source_; }
    uint64_t file_bytes() const { return file_bytes_; }
    uint64_t bytes_fetched() const { return bytes_fetched_; }   // remote: bytes read over the network; local: 0
    uint64_t metadata_heap_bytes() const { return heap_bytes_; } // what the parsed metadata holds on the heap

private:
    ModelHeader() = default;
    struct Image;
    std::string source_;
    uint64_t file_bytes_ = 0;
    uint64_t bytes_fetched_ = 0;
    uint64_t heap_bytes_ = 0;
    std::unique_ptr<Image> image_;  // before file_: the File's views point into it
    std::unique_ptr<gguf::File> file_;
};

}  // namespace snug::planner
