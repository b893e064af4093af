// fuzz/gguf_fuzz.cpp: libFuzzer target for the GGUF reader. Parses the input, reads every metadata value and every
// byte of every tensor (so ASan flags any view that escapes the input), then checks that the writer reproduces
// what was read. Anything but a snug::Error from parse() is a finding.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>

#include "base/error.h"
#include "gguf/gguf.h"
#include "gguf/gguf_writer.h"

namespace {

using snug::gguf::File;
using snug::gguf::Value;
using snug::gguf::ValueType;

volatile uint64_t g_sink;  // keeps the reads below from being optimised away

void check(bool ok) {
    if (!ok) std::abort();
}

bool inside(const void* p, size_t n, std::span<const uint8_t> in) {
    const auto* q = static_cast<const uint8_t*>(p);
    return q >= in.data() && n <= in.size() && q - in.data() <= static_cast<std::ptrdiff_t>(in.size() - n);
}

uint64_t touch(const Value& v, std::span<const uint8_t> in) {
    uint64_t h = static_cast<uint64_t>(v.type) + v.u + static_cast<uint64_t>(v.i);
    if (v.type == ValueType::STRING) {
        check(v.str.empty() || inside(v.str.data(), v.str.size(), in));
        for (char c : v.str) h = h * 31 + static_cast<uint8_t>(c);
    }
    for (const auto& e : v.arr) {
        check(e.type == v.elem_type);
        h += touch(e, in);
    }
    return h;
}

bool same_value(const Value& a, const Value& b) {
    if (a.type != b.type || a.u != b.u || a.i != b.i || a.str != b.str) return false;
    if (a.is_float() && !(a.f == b.f || (std::isnan(a.f) && std::isnan(b.f)))) return false;
    if (a.type != ValueType::ARRAY) return true;
    if (a.elem_type != b.elem_type || a.arr.size() != b.arr.size()) return false;
    for (size_t k = 0; k < a.arr.size(); ++k)
        if (!same_value(a.arr[k], b.arr[k])) return false;
    return true;
}

// Whatever the reader accepts, the writer must accept and write back so that it reads the same.
void round_trip(const File& f) {
    if (f.alignment() > 65536) return;  // valid, but the writer would pad to it: too big for a fuzz iteration
    snug::gguf::Writer w(f.alignment());
    for (const auto& [key, value] : f.metadata()) w.set_value(key, value);
    for (const auto& t : f.tensors()) w.add_tensor(t.name, t.dtype, t.shape, t.data, t.n_bytes);
    const auto bytes = w.bytes();
    const auto g = File::parse(bytes);
    check(g->alignment() == f.alignment());
    check(g->metadata().size() == f.metadata().size());
    for (const auto& [key, value] : f.metadata()) {
        const Value* back = g->find(key);
        check(back && same_value(*back, value));
    }
    check(g->tensors().size() == f.tensors().size());
    for (const auto& t : f.tensors()) {
        const auto* u = g->find_tensor(t.name);
        check(u && u->dtype == t.dtype && u->shape == t.shape && u->n_bytes == t.n_bytes);
        check(std::memcmp(u->data, t.data, t.n_bytes) == 0);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::span<const uint8_t> in(data, size);
    std::unique_ptr<File> f;
    try {
        f = File::parse(in);
    } catch (const snug::Error&) {
        return 0;
    }
    uint64_t h = f->version() + f->alignment();
    check(f->data_offset() <= size);
    for (const auto& [key, value] : f->metadata()) {
        check(!key.empty() && inside(key.data(), key.size(), in));
        h += touch(value, in);
        try {  // the typed accessors must only ever throw snug::Error
            h += static_cast<uint64_t>(f->get_int(key, 0));
        } catch (const snug::Error&) {
        }
        try {
            const double d = f->get_float(key, 0);
            uint64_t bits;
            std::memcpy(&bits, &d, sizeof bits);
            h += bits;
        } catch (const snug::Error&) {
        }
        try {
            h += f->get_string(key).size() + f->get_bool(key, false);
        } catch (const snug::Error&) {
        }
    }
    for (const auto& t : f->tensors()) {
        check(t.n_bytes > 0 && inside(t.data, t.n_bytes, in));
        check(t.data - data >= static_cast<std::ptrdiff_t>(f->data_offset()));
        check(!t.shape.empty() && t.shape.size() <= 4 && t.rows() * t.cols() == t.n_elements);
        check(t.n_bytes == snug::row_bytes(t.dtype, t.cols()) * static_cast<size_t>(t.rows()));
        for (size_t k = 0; k < t.n_bytes; ++k) h += t.data[k];
    }
    g_sink = h;
    round_trip(*f);
    return 0;
}
