// gguf/gguf.h: GGUF v2/v3 reader over a memory map. Validates every count, length, offset and shape against the
// file before use; a malformed file throws snug::Error naming the field and the problem. Knows nothing of models.
// Limits beyond the spec's: 1-4 positive dimensions, keys and tensor names of 1-65535 bytes, arrays nested at most
// MAX_ARRAY_DEPTH deep, 2^24 array elements per file, tensors in the data section and not sharing bytes.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/dtype.h"

namespace snug {
class MappedFile;
}

namespace snug::gguf {

enum class ValueType : uint32_t {
    UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6,
    BOOL = 7, STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12,
};
std::string_view value_type_name(ValueType t);

// Arrays of arrays deeper than this are refused by the reader and the writer (real files nest at most one level).
inline constexpr int MAX_ARRAY_DEPTH = 8;

// A metadata value. Strings point into the file (zero-copy); arrays hold their elements, which may be arrays.
struct Value {
    ValueType type = ValueType::UINT8;
    uint64_t u = 0;            // UINT8..UINT64, BOOL
    int64_t i = 0;             // INT8..INT64
    double f = 0.0;            // FLOAT32, FLOAT64
    std::string_view str;      // STRING
    ValueType elem_type = ValueType::UINT8;  // ARRAY
    std::vector<Value> arr;    // ARRAY

    bool is_integer() const;
    bool is_float() const { return type == ValueType::FLOAT32 || type == ValueType::FLOAT64; }
    // Checked conversions: throw snug::Error naming `what` when the type does not fit.
    int64_t as_int(std::string_view what) const;
    double as_float(std::string_view what) const;  // integers convert too
    bool as_bool(std::string_view what) const;
    std::string_view as_string(std::string_view what) const;
};

struct TensorInfo {
    std::string_view name;
    DType dtype = DType::F32;
    std::vector<int64_t> shape;  // outermost first (PyTorch order): GGUF's ne reversed. [rows, cols] for matrices
    uint64_t offset = 0;         // from the start of the data section
    size_t n_bytes = 0;
    int64_t n_elements = 0;
    const uint8_t* data = nullptr;  // inside the mapping

    int64_t dim(int i) const { return shape[static_cast<size_t>(i)]; }  // i counted from the outermost
    int64_t cols() const { return shape.back(); }                        // innermost extent (GGUF ne[0])
    int64_t rows() const { return n_elements / shape.back(); }
};

class File {
public:
    // Maps and parses the file at `path`.
    static std::unique_ptr<File> open(const std::string& path);
    // Parses bytes owned by the caller, who keeps them alive as long as the File (tests, fuzzing).
    static std::unique_ptr<File> parse(std::span<const uint8_t> bytes);
    ~File();

    uint32_t version() const { return version_; }
    uint32_t alignment() const { return alignment_; }
    size_t data_offset() const { return data_offset_; }
    size_t file_size() const { return bytes_.size(); }
    const std::string& path() const { return path_; }

    const std::vector<std::pair<std::string_view, Value>>& metadata() const { return kv_; }
    const Value* find(std::string_view key) const;
    // Typed lookups with a default when absent; a present value of the wrong type throws.
    int64_t get_int(std::string_view key, int64_t def) const;
    double get_float(std::string_view key, double def) const;
    bool get_bool(std::string_view key, bool def) const;
    std::string get_string(std::string_view key, std::string_view def = {}) const;
    // Required lookups: an absent key throws "missing metadata key".
    int64_t require_int(std::string_view key) const;
    double require_float(std::string_view key) const;
    std::string require_string(std::string_view key) const;

    const std::vector<TensorInfo>& tensors() const { return tensors_; }
    const TensorInfo* find_tensor(std::string_view name) const;

private:
    File() = default;
    void parse_all();

    std::string path_;
    std::unique_ptr<MappedFile> map_;
    std::span<const uint8_t> bytes_;
    uint32_t version_ = 0;
    uint32_t alignment_ = 32;
    size_t data_offset_ = 0;
    std::vector<std::pair<std::string_view, Value>> kv_;
    std::vector<TensorInfo> tensors_;
};

}  // namespace snug::gguf
