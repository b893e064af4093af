// gguf/gguf_writer.h: builds GGUF v3 files (tests make their own small models with it; quantize/convert will too).
// Everything is validated as it is added, so bytes() always yields a file that File::parse accepts.
#pragma once
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/dtype.h"
#include "gguf/gguf.h"

namespace snug::gguf {

class Writer {
public:
    // alignment: a power of two (else snug::Error). Tensor data offsets are multiples of it; it is written as
    // general.alignment when it is not GGUF's default of 32.
    explicit Writer(uint32_t alignment = 32);

    // Setting a key again replaces its value in place. Keys must be 1 to 65535 bytes. Setting general.alignment
    // (only as a uint32 power of two) changes the alignment, and it is then always written.
    void set_u32(std::string_view key, uint32_t v);
    void set_i32(std::string_view key, int32_t v);
    void set_u64(std::string_view key, uint64_t v);
    void set_f32(std::string_view key, float v);
    void set_bool(std::string_view key, bool v);
    void set_string(std::string_view key, std::string_view v);
    void set_strings(std::string_view key, const std::vector<std::string>& v);
    void set_f32s(std::string_view key, const std::vector<float>& v);
    void set_i32s(std::string_view key, const std::vector<int32_t>& v);
    // Any value, arrays of arrays included. Its strings are copied. Throws snug::Error when an integer does not fit
    // its type, an array element's type differs from elem_type, a type is unknown, or arrays nest deeper than
    // MAX_ARRAY_DEPTH.
    void set_value(std::string_view key, const Value& v);

    // shape is outermost first, as in TensorInfo; data holds row_bytes(dtype, cols) * rows bytes. Names are unique,
    // 1 to 65535 bytes; 1 to 4 positive dimensions; cols a multiple of the dtype's block.
    void add_tensor(std::string_view name, DType dtype, const std::vector<int64_t>& shape, const void* data,
                    size_t n_bytes);

    uint32_t alignment() const { return alignment_; }
    std::vector<uint8_t> bytes() const;
    void write(const std::string& path) const;  // atomically: temp file then rename

private:
    struct Tensor {
        std::string name;
        DType dtype;
        std::vector<int64_t> shape;
        std::vector<uint8_t> data;
    };
    struct Entry {
        std::string key;
        Value value;  // its strings live in strings_
    };
    void store(std::string_view key, const Value& v);
    Value interned(const Value& v);

    uint32_t alignment_;
    bool alignment_explicit_ = false;
    std::vector<Entry> kv_;
    std::vector<Tensor> tensors_;
    // Backing for the string_views inside kv_. A deque never moves its elements, and copies of a Writer share it,
    // so the views of every copy stay valid.
    std::shared_ptr<std::deque<std::string>> strings_;
};

}  // namespace snug::gguf
