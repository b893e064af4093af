// gguf/gguf_writer.cpp: validation on the way in, serialisation in bytes(). Mirrors the reader's limits so that
// whatever the writer accepts, the reader reads back unchanged.
#include "gguf/gguf_writer.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>

#include "base/error.h"

namespace snug::gguf {
namespace {

constexpr uint32_t DEFAULT_ALIGNMENT = 32;
constexpr size_t MAX_NAME_BYTES = 65535;
constexpr std::string_view ALIGNMENT_KEY = "general.alignment";

template <class T>
void put(std::vector<uint8_t>& out, T v) {
    const auto* p = reinterpret_cast<const uint8_t*>(&v);
    out.insert(out.end(), p, p + sizeof(T));
}

void put_string(std::vector<uint8_t>& out, std::string_view s) {
    put<uint64_t>(out, s.size());
    out.insert(out.end(), s.begin(), s.end());
}

void put_value(std::vector<uint8_t>& out, const Value& v) {
    switch (v.type) {
        case ValueType::UINT8: put<uint8_t>(out, static_cast<uint8_t>(v.u)); break;
        case ValueType::INT8: put<int8_t>(out, static_cast<int8_t>(v.i)); break;
        case ValueType::UINT16: put<uint16_t>(out, static_cast<uint16_t>(v.u)); break;
        case ValueType::INT16: put<int16_t>(out, static_cast<int16_t>(v.i)); break;
        case ValueType::UINT32: put<uint32_t>(out, static_cast<uint32_t>(v.u)); break;
        case ValueType::INT32: put<int32_t>(out, static_cast<int32_t>(v.i)); break;
        case ValueType::UINT64: put<uint64_t>(out, v.u); break;
        case ValueType::INT64: put<int64_t>(out, v.i); break;
        case ValueType::FLOAT32: put<float>(out, static_cast<float>(v.f)); break;
        case ValueType::FLOAT64: put<double>(out, v.f); break;
        case ValueType::BOOL: put<uint8_t>(out, v.u ? 1 : 0); break;
        case ValueType::STRING: put_string(out, v.str); break;
        case ValueType::ARRAY:
            put<uint32_t>(out, static_cast<uint32_t>(v.elem_type));
            put<uint64_t>(out, v.arr.size());
            for (const auto& e : v.arr) put_value(out, e);
            break;
    }
}

bool is_power_of_two(uint64_t a) { return a != 0 && (a & (a - 1)) == 0; }

void check_name(std::string_view name, const char* what) {
    if (name.empty()) throw Error(std::string("gguf::Writer: empty ") + what);
    if (name.size() > MAX_NAME_BYTES)
        throw Error(std::string("gguf::Writer: ") + what + " of " + std::to_string(name.size()) +
                    " bytes exceeds the limit of 65535");
}

template <class T>
void check_fits(int64_t i, uint64_t u, bool is_signed, const std::string& what, ValueType t) {
    const bool fits = is_signed ? (i >= std::numeric_limits<T>::min() && i <= std::numeric_limits<T>::max())
                                : (u <= std::numeric_limits<T>::max());
    if (!fits)
        throw Error("gguf::Writer: " + what + ": value " + (is_signed ? std::to_string(i) : std::to_string(u)) +
                    " does not fit " + std::string(value_type_name(t)));
}

// Refuses what the writer could not serialise faithfully or the reader would refuse. depth counts enclosing arrays.
void check_value(const Value& v, const std::string& what, int depth) {
    switch (v.type) {
        case ValueType::UINT8: check_fits<uint8_t>(v.i, v.u, false, what, v.type); break;
        case ValueType::INT8: check_fits<int8_t>(v.i, v.u, true, what, v.type); break;
        case ValueType::UINT16: check_fits<uint16_t>(v.i, v.u, false, what, v.type); break;
        case ValueType::INT16: check_fits<int16_t>(v.i, v.u, true, what, v.type); break;
        case ValueType::UINT32: check_fits<uint32_t>(v.i, v.u, false, what, v.type); break;
        case ValueType::INT32: check_fits<int32_t>(v.i, v.u, true, what, v.type); break;
        case ValueType::UINT64: case ValueType::INT64: case ValueType::FLOAT32: case ValueType::FLOAT64:
        case ValueType::BOOL: case ValueType::STRING: break;
        case ValueType::ARRAY:
            if (depth >= MAX_ARRAY_DEPTH)
                throw Error("gguf::Writer: " + what + ": arrays nested deeper than " + std::to_string(MAX_ARRAY_DEPTH));
            if (static_cast<uint32_t>(v.elem_type) > static_cast<uint32_t>(ValueType::FLOAT64))
                throw Error("gguf::Writer: " + what + ": unknown array element type " +
                            std::to_string(static_cast<uint32_t>(v.elem_type)));
            for (size_t k = 0; k < v.arr.size(); ++k) {
                const std::string at = what + "[" + std::to_string(k) + "]";
                if (v.arr[k].type != v.elem_type)
                    throw Error("gguf::Writer: " + at + " has type " + std::string(value_type_name(v.arr[k].type)) +
                                " in an array of " + std::string(value_type_name(v.elem_type)));
                check_value(v.arr[k], at, depth + 1);
            }
            break;
        default:
            throw Error("gguf::Writer: " + what + ": unknown value type " +
                        std::to_string(static_cast<uint32_t>(v.type)));
    }
}

Value scalar(ValueType t) {
    Value v;
    v.type = t;
    return v;
}

Value array_of(ValueType elem_type) {
    Value v;
    v.type = ValueType::ARRAY;
    v.elem_type = elem_type;
    return v;
}

}  // namespace

Writer::Writer(uint32_t alignment)
    : alignment_(alignment), strings_(std::make_shared<std::deque<std::string>>()) {
    if (!is_power_of_two(alignment))
        throw Error("gguf::Writer: alignment " + std::to_string(alignment) + " is not a power of two");
}

Value Writer::interned(const Value& v) {
    Value out = v;
    if (v.type == ValueType::STRING) out.str = strings_->emplace_back(v.str);
    for (auto& e : out.arr) e = interned(e);
    return out;
}

void Writer::store(std::string_view key, const Value& v) {
    check_name(key, "metadata key");
    const std::string what = "metadata '" + std::string(key) + "'";
    check_value(v, what, 0);
    if (key == ALIGNMENT_KEY) {
        if (v.type != ValueType::UINT32 || !is_power_of_two(v.u))
            throw Error("gguf::Writer: general.alignment must be a uint32 power of two");
        alignment_ = static_cast<uint32_t>(v.u);
        alignment_explicit_ = true;
        return;  // written by bytes() from alignment_
    }
    Value stored = interned(v);
    for (auto& e : kv_)
        if (e.key == key) {
            e.value = std::move(stored);
            return;
        }
    kv_.push_back(Entry{std::string(key), std::move(stored)});
}

void Writer::set_u32(std::string_view key, uint32_t v) {
    Value x = scalar(ValueType::UINT32);
    x.u = v;
    store(key, x);
}
void Writer::set_i32(std::string_view key, int32_t v) {
    Value x = scalar(ValueType::INT32);
    x.i = v;
    store(key, x);
}
void Writer::set_u64(std::string_view key, uint64_t v) {
    Value x = scalar(ValueType::UINT64);
    x.u = v;
    store(key, x);
}
void Writer::set_f32(std::string_view key, float v) {
    Value x = scalar(ValueType::FLOAT32);
    x.f = v;
    store(key, x);
}
void Writer::set_bool(std::string_view key, bool v) {
    Value x = scalar(ValueType::BOOL);
    x.u = v ? 1 : 0;
    store(key, x);
}
void Writer::set_string(std::string_view key, std::string_view v) {
    Value x = scalar(ValueType::STRING);
    x.str = v;
    store(key, x);
}
void Writer::set_strings(std::string_view key, const std::vector<std::string>& v) {
    Value x = array_of(ValueType::STRING);
    for (const auto& s : v) {
        x.arr.push_back(scalar(ValueType::STRING));
        x.arr.back().str = s;
    }
    store(key, x);
}
void Writer::set_f32s(std::string_view key, const std::vector<float>& v) {
    Value x = array_of(ValueType::FLOAT32);
    for (float f : v) {
        x.arr.push_back(scalar(ValueType::FLOAT32));
        x.arr.back().f = f;
    }
    store(key, x);
}
void Writer::set_i32s(std::string_view key, const std::vector<int32_t>& v) {
    Value x = array_of(ValueType::INT32);
    for (int32_t i : v) {
        x.arr.push_back(scalar(ValueType::INT32));
        x.arr.back().i = i;
    }
    store(key, x);
}
void Writer::set_value(std::string_view key, const Value& v) { store(key, v); }

void Writer::add_tensor(std::string_view name, DType dtype, const std::vector<int64_t>& shape, const void* data,
                        size_t n_bytes) {
    check_name(name, "tensor name");
    const std::string what = "gguf::Writer: tensor '" + std::string(name) + "'";
    for (const auto& t : tensors_)
        if (t.name == name) throw Error(what + ": duplicate tensor name");
    if (shape.empty() || shape.size() > 4)
        throw Error(what + ": " + std::to_string(shape.size()) + " dimensions (must be 1 to 4)");
    const auto info = dtype_info(static_cast<uint32_t>(dtype));
    if (!info) throw Error(what + ": unknown dtype " + std::to_string(static_cast<uint32_t>(dtype)));
    int64_t n = 1;
    for (auto d : shape) {
        if (d <= 0) throw Error(what + ": dimension " + std::to_string(d) + " is not positive");
        if (__builtin_mul_overflow(n, d, &n)) throw Error(what + ": element count overflows 64 bits");
    }
    if (shape.back() % info->block_elems != 0)
        throw Error(what + ": row length " + std::to_string(shape.back()) + " is not a multiple of " +
                    std::string(info->name) + "'s block of " + std::to_string(info->block_elems));
    int64_t expect;
    if (__builtin_mul_overflow(n / info->block_elems, static_cast<int64_t>(info->block_bytes), &expect))
        throw Error(what + ": size in bytes overflows 64 bits");
    if (static_cast<uint64_t>(expect) != n_bytes)
        throw Error(what + ": " + std::to_string(n_bytes) + " bytes given, " + std::to_string(expect) + " expected");
    if (!data) throw Error(what + ": no data");
    const auto* p = static_cast<const uint8_t*>(data);
    tensors_.push_back(Tensor{std::string(name), dtype, shape, std::vector<uint8_t>(p, p + n_bytes)});
}

std::vector<uint8_t> Writer::bytes() const {
    const auto align_up = [a = uint64_t{alignment_}](uint64_t x) { return (x + a - 1) / a * a; };
    std::vector<uint8_t> out;
    out.insert(out.end(), {'G', 'G', 'U', 'F'});
    put<uint32_t>(out, 3);
    put<uint64_t>(out, tensors_.size());
    const bool write_alignment = alignment_explicit_ || alignment_ != DEFAULT_ALIGNMENT;
    put<uint64_t>(out, kv_.size() + (write_alignment ? 1 : 0));
    if (write_alignment) {
        put_string(out, ALIGNMENT_KEY);
        put<uint32_t>(out, static_cast<uint32_t>(ValueType::UINT32));
        put<uint32_t>(out, alignment_);
    }
    for (const auto& e : kv_) {
        put_string(out, e.key);
        put<uint32_t>(out, static_cast<uint32_t>(e.value.type));
        put_value(out, e.value);
    }
    uint64_t offset = 0;
    std::vector<uint64_t> offsets;
    for (const auto& t : tensors_) {
        put_string(out, t.name);
        put<uint32_t>(out, static_cast<uint32_t>(t.shape.size()));
        for (auto it = t.shape.rbegin(); it != t.shape.rend(); ++it) put<uint64_t>(out, static_cast<uint64_t>(*it));
        put<uint32_t>(out, static_cast<uint32_t>(t.dtype));
        put<uint64_t>(out, offset);
        offsets.push_back(offset);
        offset = align_up(offset + t.data.size());
    }
    out.resize(align_up(out.size()), 0);
    const size_t base = out.size();
    for (size_t k = 0; k < tensors_.size(); ++k) {
        out.resize(base + offsets[k], 0);
        out.insert(out.end(), tensors_[k].data.begin(), tensors_[k].data.end());
    }
    return out;
}

void Writer::write(const std::string& path) const {
    const auto b = bytes();
    const std::string tmp = path + ".tmp";
    {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        if (!f) throw Error("cannot create '" + tmp + "'");
        f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
        f.close();
        if (!f) {
            std::remove(tmp.c_str());
            throw Error("cannot write '" + tmp + "'");
        }
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        std::remove(tmp.c_str());
        throw Error("cannot rename '" + tmp + "' to '" + path + "'");
    }
}

}  // namespace snug::gguf
