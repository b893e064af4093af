// gguf/gguf.cpp: the parser. Every read goes through Cursor, which refuses to pass the end of the bytes; every count
// is bounded by the bytes left before anything is allocated for it; error text is built only when a check fails.
#include "gguf/gguf.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <unordered_set>

#include "base/error.h"
#include "base/mapped_file.h"

namespace snug::gguf {
namespace {

constexpr uint32_t MAX_DIMS = 4;
constexpr uint64_t MAX_NAME_BYTES = 65535;  // the spec's limit on keys; applied to tensor names too
// Each decoded array element costs sizeof(Value) (~80 bytes) however small it is in the file, so the total is capped:
// 16M elements is over ten times the metadata of the largest real vocabularies (262k tokens, scores, types, merges).
constexpr uint64_t MAX_ARRAY_ELEMENTS = uint64_t{1} << 24;
// Counts come from the file; never reserve more than this up front (vectors grow as real entries are read).
constexpr size_t MAX_RESERVE = 4096;

// The fewest bytes a metadata entry / a tensor-table entry can take (a name of at least 1 byte).
constexpr size_t MIN_KV_BYTES = 8 + 1 + 4 + 1;
constexpr size_t MIN_TENSOR_INFO_BYTES = 8 + 1 + 4 + 8 + 4 + 8;

// Bytes a value of type t takes in the file: exact for scalars, a lower bound for strings and arrays.
size_t min_value_bytes(ValueType t) {
    switch (t) {
        case ValueType::UINT8: case ValueType::INT8: case ValueType::BOOL: return 1;
        case ValueType::UINT16: case ValueType::INT16: return 2;
        case ValueType::UINT32: case ValueType::INT32: case ValueType::FLOAT32: return 4;
        case ValueType::UINT64: case ValueType::INT64: case ValueType::FLOAT64: return 8;
        case ValueType::STRING: return 8;  // its length field
        case ValueType::ARRAY: return 12;  // its element type and count
    }
    return 1;
}

bool known_value_type(uint32_t t) { return t <= static_cast<uint32_t>(ValueType::FLOAT64); }

// A name read from the file, made safe for a message: control bytes escaped, long names cut short.
std::string printable(std::string_view s) {
    constexpr size_t MAX_SHOWN = 80;
    std::string out;
    for (size_t k = 0; k < s.size() && k < MAX_SHOWN; ++k) {
        const auto ch = static_cast<unsigned char>(s[k]);
        if (ch < 0x20 || ch == 0x7f || ch == '\\') {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", ch);
            out += buf;
        } else {
            out += static_cast<char>(ch);
        }
    }
    if (s.size() > MAX_SHOWN) out += "...(" + std::to_string(s.size()) + " bytes)";
    return out;
}

// Names the field being read, e.g. "metadata 'tokenizer.ggml.tokens'[17]". Only turned into text on failure, so a
// 262k-entry vocabulary costs no string building.
struct Where {
    std::string_view field;
    std::string_view part = {};                   // " element count", " type", ...
    const std::vector<uint64_t>* path = nullptr;  // indices into nested arrays

    std::string str() const {
        std::string s(field);
        if (path)
            for (uint64_t k : *path) s += "[" + std::to_string(k) + "]";
        s += part;
        return s;
    }
    Where with(std::string_view p) const { return {field, p, path}; }
};

class Cursor {
public:
    explicit Cursor(std::span<const uint8_t> b) : b_(b) {}
    size_t pos() const { return pos_; }
    size_t left() const { return b_.size() - pos_; }

    void need(size_t n, const Where& w) const {
        if (n > left())
            throw Error("GGUF truncated: " + w.str() + " needs " + std::to_string(n) + " bytes at offset " +
                        std::to_string(pos_) + " but only " + std::to_string(left()) + " remain");
    }
    template <class T>
    T read(const Where& w) {
        need(sizeof(T), w);
        T v;
        std::memcpy(&v, b_.data() + pos_, sizeof(T));
        pos_ += sizeof(T);
        return v;
    }
    std::string_view read_string(const Where& w, uint64_t max_len) {
        const uint64_t n = read<uint64_t>(w);
        if (n > left())
            throw Error("GGUF " + w.str() + ": string length " + std::to_string(n) +
                        " runs past the end of the file (" + std::to_string(left()) + " bytes remain)");
        if (n > max_len)
            throw Error("GGUF " + w.str() + ": length " + std::to_string(n) + " exceeds the limit of " +
                        std::to_string(max_len) + " bytes");
        std::string_view s(reinterpret_cast<const char*>(b_.data() + pos_), static_cast<size_t>(n));
        pos_ += static_cast<size_t>(n);
        return s;
    }

private:
    std::span<const uint8_t> b_;
    size_t pos_ = 0;
};

// Reading state shared by all values of one file.
class ValueReader {
public:
    explicit ValueReader(Cursor& c) : c_(c) {}
    Value read(ValueType type, std::string_view what);

private:
    void read_array(Value& v, const Where& w);

    Cursor& c_;
    uint64_t elements_left_ = MAX_ARRAY_ELEMENTS;
    std::vector<uint64_t> path_;  // where we are inside nested arrays
};

Value ValueReader::read(ValueType type, std::string_view what) {
    const Where w{what, {}, &path_};
    Value v;
    v.type = type;
    switch (type) {
        case ValueType::UINT8: v.u = c_.read<uint8_t>(w); break;
        case ValueType::INT8: v.i = c_.read<int8_t>(w); break;
        case ValueType::UINT16: v.u = c_.read<uint16_t>(w); break;
        case ValueType::INT16: v.i = c_.read<int16_t>(w); break;
        case ValueType::UINT32: v.u = c_.read<uint32_t>(w); break;
        case ValueType::INT32: v.i = c_.read<int32_t>(w); break;
        case ValueType::UINT64: v.u = c_.read<uint64_t>(w); break;
        case ValueType::INT64: v.i = c_.read<int64_t>(w); break;
        case ValueType::FLOAT32: v.f = c_.read<float>(w); break;
        case ValueType::FLOAT64: v.f = c_.read<double>(w); break;
        case ValueType::BOOL: {
            const uint8_t b = c_.read<uint8_t>(w);
            if (b > 1) throw Error("GGUF " + w.str() + ": bool value " + std::to_string(b) + " is neither 0 nor 1");
            v.u = b;
            break;
        }
        case ValueType::STRING: v.str = c_.read_string(w, UINT64_MAX); break;
        case ValueType::ARRAY: read_array(v, w); break;
    }
    return v;
}

void ValueReader::read_array(Value& v, const Where& w) {
    if (path_.size() >= static_cast<size_t>(MAX_ARRAY_DEPTH))
        throw Error("GGUF " + w.str() + ": arrays nested deeper than " + std::to_string(MAX_ARRAY_DEPTH));
    const uint32_t et = c_.read<uint32_t>(w.with(" element type"));
    if (!known_value_type(et))
        throw Error("GGUF " + w.str() + ": unknown array element type " + std::to_string(et));
    v.elem_type = static_cast<ValueType>(et);
    const uint64_t n = c_.read<uint64_t>(w.with(" element count"));
    if (n > c_.left() / min_value_bytes(v.elem_type))
        throw Error("GGUF " + w.str() + ": array of " + std::to_string(n) + " " +
                    std::string(value_type_name(v.elem_type)) + " elements cannot fit in the " +
                    std::to_string(c_.left()) + " bytes left");
    if (n > elements_left_)
        throw Error("GGUF " + w.str() + ": array of " + std::to_string(n) + " elements exceeds the limit of " +
                    std::to_string(MAX_ARRAY_ELEMENTS) + " array elements per file");
    elements_left_ -= n;
    v.arr.reserve(static_cast<size_t>(std::min<uint64_t>(n, MAX_RESERVE)));
    path_.push_back(0);
    for (uint64_t k = 0; k < n; ++k) {
        path_.back() = k;
        v.arr.push_back(read(v.elem_type, w.field));
    }
    path_.pop_back();
}

void read_metadata(Cursor& c, uint64_t n_kv, std::vector<std::pair<std::string_view, Value>>& kv) {
    kv.reserve(static_cast<size_t>(std::min<uint64_t>(n_kv, MAX_RESERVE)));
    std::unordered_set<std::string_view> keys;
    ValueReader values(c);
    for (uint64_t k = 0; k < n_kv; ++k) {
        const std::string idx = "metadata entry " + std::to_string(k);
        const std::string_view key = c.read_string({idx, " key"}, MAX_NAME_BYTES);
        if (key.empty()) throw Error("GGUF " + idx + ": empty key");
        const std::string what = "metadata '" + printable(key) + "'";
        const uint32_t t = c.read<uint32_t>({what, " type"});
        if (!known_value_type(t)) throw Error("GGUF " + what + ": unknown value type " + std::to_string(t));
        Value v = values.read(static_cast<ValueType>(t), what);
        if (!keys.insert(key).second) throw Error("GGUF " + what + ": duplicate key");
        kv.emplace_back(key, std::move(v));
    }
}

uint32_t alignment_of(const Value* a) {
    if (!a) return 32;  // the spec's default
    if (a->type != ValueType::UINT32)
        throw Error("GGUF general.alignment has type " + std::string(value_type_name(a->type)) + ", expected uint32");
    if (a->u == 0 || (a->u & (a->u - 1)) != 0)
        throw Error("GGUF general.alignment " + std::to_string(a->u) + " is not a power of two");
    return static_cast<uint32_t>(a->u);
}

// One tensor-table entry; its data is placed (and bounds-checked) once the data section's start is known.
TensorInfo read_tensor_info(Cursor& c, uint64_t k, uint32_t alignment) {
    const std::string idx = "tensor " + std::to_string(k);
    TensorInfo t;
    t.name = c.read_string({idx, " name"}, MAX_NAME_BYTES);
    if (t.name.empty()) throw Error("GGUF " + idx + ": empty name");
    const std::string what = "tensor '" + printable(t.name) + "'";
    const uint32_t n_dims = c.read<uint32_t>({what, " dimension count"});
    if (n_dims == 0 || n_dims > MAX_DIMS)
        throw Error("GGUF " + what + ": " + std::to_string(n_dims) + " dimensions (must be 1 to 4)");
    int64_t ne[MAX_DIMS] = {};
    int64_t n = 1;
    bool overflow = false;
    for (uint32_t d = 0; d < n_dims; ++d) {
        const uint64_t e = c.read<uint64_t>({what, " dimension"});
        if (e == 0 || e > static_cast<uint64_t>(INT64_MAX))
            throw Error("GGUF " + what + ": dimension " + std::to_string(d) + " is " + std::to_string(e) +
                        " (must be positive)");
        ne[d] = static_cast<int64_t>(e);
        overflow = overflow || __builtin_mul_overflow(n, ne[d], &n);
    }
    t.shape.assign(std::rbegin(ne) + (MAX_DIMS - n_dims), std::rend(ne));
    if (overflow) {
        std::string dims;
        for (auto d : t.shape) dims += (dims.empty() ? "" : ", ") + std::to_string(d);
        throw Error("GGUF " + what + ": shape [" + dims + "] has more elements than fit in 64 bits");
    }
    const uint32_t type_id = c.read<uint32_t>({what, " type"});
    const auto info = dtype_info(type_id);
    if (!info) throw Error("GGUF " + what + ": unknown tensor type " + std::to_string(type_id));
    if (ne[0] % info->block_elems != 0)
        throw Error("GGUF " + what + ": row length " + std::to_string(ne[0]) + " is not a multiple of " +
                    std::string(info->name) + "'s block of " + std::to_string(info->block_elems));
    t.dtype = static_cast<DType>(type_id);
    t.offset = c.read<uint64_t>({what, " offset"});
    if (t.offset % alignment != 0)
        throw Error("GGUF " + what + ": offset " + std::to_string(t.offset) + " is not a multiple of the alignment " +
                    std::to_string(alignment));
    int64_t n_bytes;
    if (__builtin_mul_overflow(n / info->block_elems, static_cast<int64_t>(info->block_bytes), &n_bytes))
        throw Error("GGUF " + what + ": size in bytes overflows 64 bits");
    t.n_bytes = static_cast<size_t>(n_bytes);
    t.n_elements = n;
    return t;
}

// Points every tensor into the data section, which must hold it, and refuses tensors that share bytes.
void place_tensors(std::vector<TensorInfo>& tensors, std::span<const uint8_t> bytes, size_t data_offset) {
    const uint64_t data_size = bytes.size() - data_offset;
    std::vector<const TensorInfo*> by_offset;
    by_offset.reserve(tensors.size());
    for (auto& t : tensors) {
        if (t.offset > data_size || t.n_bytes > data_size - t.offset)
            throw Error("GGUF tensor '" + printable(t.name) + "': data [" + std::to_string(t.offset) + ", +" +
                        std::to_string(t.n_bytes) + ") runs past the end of the file (the data section holds " +
                        std::to_string(data_size) + " bytes)");
        t.data = bytes.data() + data_offset + t.offset;
        by_offset.push_back(&t);
    }
    std::sort(by_offset.begin(), by_offset.end(),
              [](const TensorInfo* a, const TensorInfo* b) { return a->offset < b->offset; });
    for (size_t k = 1; k < by_offset.size(); ++k) {
        const TensorInfo* a = by_offset[k - 1];
        const TensorInfo* b = by_offset[k];
        if (a->offset + a->n_bytes > b->offset)
            throw Error("GGUF tensors '" + printable(a->name) + "' and '" + printable(b->name) +
                        "' overlap in the data section (bytes " + std::to_string(b->offset) + " to " +
                        std::to_string(std::min(a->offset + a->n_bytes, b->offset + b->n_bytes)) + ")");
    }
}

uint32_t byte_swapped(uint32_t v) { return __builtin_bswap32(v); }

}  // namespace

std::string_view value_type_name(ValueType t) {
    static constexpr std::string_view NAMES[] = {"uint8", "int8",   "uint16", "int16", "uint32", "int32", "float32",
                                                 "bool",  "string", "array",  "uint64", "int64", "float64"};
    const auto i = static_cast<uint32_t>(t);
    return i < std::size(NAMES) ? NAMES[i] : std::string_view("unknown");
}

bool Value::is_integer() const {
    switch (type) {
        case ValueType::UINT8: case ValueType::INT8: case ValueType::UINT16: case ValueType::INT16:
        case ValueType::UINT32: case ValueType::INT32: case ValueType::UINT64: case ValueType::INT64: return true;
        default: return false;
    }
}

int64_t Value::as_int(std::string_view what) const {
    switch (type) {
        case ValueType::UINT8: case ValueType::UINT16: case ValueType::UINT32: return static_cast<int64_t>(u);
        case ValueType::UINT64:
            if (u > static_cast<uint64_t>(INT64_MAX))
                throw Error("metadata " + std::string(what) + ": value " + std::to_string(u) + " is too large");
            return static_cast<int64_t>(u);
        case ValueType::INT8: case ValueType::INT16: case ValueType::INT32: case ValueType::INT64: return i;
        default:
            throw Error("metadata " + std::string(what) + " has type " + std::string(value_type_name(type)) +
                        ", expected an integer");
    }
}

double Value::as_float(std::string_view what) const {
    if (is_float()) return f;
    if (is_integer()) return static_cast<double>(as_int(what));
    throw Error("metadata " + std::string(what) + " has type " + std::string(value_type_name(type)) +
                ", expected a number");
}

bool Value::as_bool(std::string_view what) const {
    if (type == ValueType::BOOL) return u != 0;
    throw Error("metadata " + std::string(what) + " has type " + std::string(value_type_name(type)) +
                ", expected a bool");
}

std::string_view Value::as_string(std::string_view what) const {
    if (type == ValueType::STRING) return str;
    throw Error("metadata " + std::string(what) + " has type " + std::string(value_type_name(type)) +
                ", expected a string");
}

File::~File() = default;

std::unique_ptr<File> File::open(const std::string& path) {
    std::unique_ptr<File> f(new File());
    f->path_ = path;
    f->map_ = std::make_unique<MappedFile>(path);
    f->bytes_ = std::span<const uint8_t>(f->map_->data(), f->map_->size());
    try {
        f->parse_all();
    } catch (const Error& e) {
        throw Error("'" + path + "': " + e.what());
    }
    return f;
}

std::unique_ptr<File> File::parse(std::span<const uint8_t> bytes) {
    std::unique_ptr<File> f(new File());
    f->bytes_ = bytes;
    f->parse_all();
    return f;
}

void File::parse_all() {
    Cursor c(bytes_);
    c.need(4, {"magic"});
    if (std::memcmp(bytes_.data(), "GGUF", 4) != 0)
        throw Error("not a GGUF file: bad magic '" +
                    printable({reinterpret_cast<const char*>(bytes_.data()), 4}) + "' (expected 'GGUF')");
    c.read<uint32_t>({"magic"});
    version_ = c.read<uint32_t>({"version"});
    if (version_ != 2 && version_ != 3) {
        const uint32_t swapped = byte_swapped(version_);
        if (swapped == 2 || swapped == 3)
            throw Error("GGUF version field reads as big-endian version " + std::to_string(swapped) +
                        ": big-endian files are not supported");
        throw Error("unsupported GGUF version " + std::to_string(version_) + " (snug reads versions 2 and 3)");
    }
    const uint64_t n_tensors = c.read<uint64_t>({"tensor count"});
    const uint64_t n_kv = c.read<uint64_t>({"metadata count"});
    if (n_kv > c.left() / MIN_KV_BYTES)
        throw Error("GGUF metadata count " + std::to_string(n_kv) + " is impossible for a file of " +
                    std::to_string(bytes_.size()) + " bytes");
    if (n_tensors > c.left() / MIN_TENSOR_INFO_BYTES)
        throw Error("GGUF tensor count " + std::to_string(n_tensors) + " is impossible for a file of " +
                    std::to_string(bytes_.size()) + " bytes");

    read_metadata(c, n_kv, kv_);
    alignment_ = alignment_of(find("general.alignment"));

    tensors_.reserve(static_cast<size_t>(std::min<uint64_t>(n_tensors, MAX_RESERVE)));
    std::unordered_set<std::string_view> names;
    for (uint64_t k = 0; k < n_tensors; ++k) {
        tensors_.push_back(read_tensor_info(c, k, alignment_));
        if (!names.insert(tensors_.back().name).second)
            throw Error("GGUF tensor '" + printable(tensors_.back().name) + "': duplicate tensor name");
    }

    // The data section starts at the next multiple of the alignment. A file without tensors needs none.
    const size_t header_end = c.pos();
    data_offset_ = header_end + (alignment_ - header_end % alignment_) % alignment_;
    if (data_offset_ > bytes_.size()) {
        if (n_tensors > 0)
            throw Error("GGUF truncated: the data section would start at offset " + std::to_string(data_offset_) +
                        " but the file has " + std::to_string(bytes_.size()) + " bytes");
        data_offset_ = bytes_.size();
    }
    place_tensors(tensors_, bytes_, data_offset_);
}

const Value* File::find(std::string_view key) const {
    for (const auto& [k, v] : kv_)
        if (k == key) return &v;
    return nullptr;
}

int64_t File::get_int(std::string_view key, int64_t def) const {
    const Value* v = find(key);
    return v ? v->as_int(key) : def;
}
double File::get_float(std::string_view key, double def) const {
    const Value* v = find(key);
    return v ? v->as_float(key) : def;
}
bool File::get_bool(std::string_view key, bool def) const {
    const Value* v = find(key);
    return v ? v->as_bool(key) : def;
}
std::string File::get_string(std::string_view key, std::string_view def) const {
    const Value* v = find(key);
    return std::string(v ? v->as_string(key) : def);
}

namespace {
[[noreturn]] void missing(std::string_view key) { throw Error("missing metadata key '" + std::string(key) + "'"); }
}  // namespace

int64_t File::require_int(std::string_view key) const {
    const Value* v = find(key);
    if (!v) missing(key);
    return v->as_int(key);
}
double File::require_float(std::string_view key) const {
    const Value* v = find(key);
    if (!v) missing(key);
    return v->as_float(key);
}
std::string File::require_string(std::string_view key) const {
    const Value* v = find(key);
    if (!v) missing(key);
    return std::string(v->as_string(key));
}

const TensorInfo* File::find_tensor(std::string_view name) const {
    for (const auto& t : tensors_)
        if (t.name == name) return &t;
    return nullptr;
}

}  // namespace snug::gguf
