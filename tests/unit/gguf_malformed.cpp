// tests/unit/gguf_malformed.cpp: hostile GGUF bytes. Each must give a snug::Error naming the field and the problem;
// run under ASan/UBSan (SNUG_SANITIZE) these also prove there is no out-of-bounds read or oversized allocation.
#include <gtest/gtest.h>

#include <cstring>
#include <initializer_list>
#include <limits>
#include <string>
#include <vector>

#include "base/error.h"
#include "gguf/gguf.h"

namespace snug::gguf {
namespace {

// Little-endian byte assembly, independent of gguf::Writer. `marks` records where every field starts.
struct Bytes {
    std::vector<uint8_t> b;
    std::vector<size_t> marks;
    template <class T>
    Bytes& put(T v) {
        marks.push_back(b.size());
        uint8_t raw[sizeof(T)];
        std::memcpy(raw, &v, sizeof(T));
        b.insert(b.end(), raw, raw + sizeof(T));
        return *this;
    }
    Bytes& str(std::string_view s) {
        put<uint64_t>(s.size());
        marks.push_back(b.size());
        b.insert(b.end(), s.begin(), s.end());
        return *this;
    }
    Bytes& kv(std::string_view key, ValueType t) { return str(key).put<uint32_t>(static_cast<uint32_t>(t)); }
    Bytes& array(std::string_view key, ValueType elem, uint64_t n) {
        return kv(key, ValueType::ARRAY).put<uint32_t>(static_cast<uint32_t>(elem)).put<uint64_t>(n);
    }
    Bytes& tensor(std::string_view name, std::vector<uint64_t> ne, uint32_t type, uint64_t offset) {
        str(name).put<uint32_t>(static_cast<uint32_t>(ne.size()));
        for (auto e : ne) put<uint64_t>(e);
        return put<uint32_t>(type).put<uint64_t>(offset);
    }
    Bytes& pad_to(size_t alignment) {
        marks.push_back(b.size());
        b.resize((b.size() + alignment - 1) / alignment * alignment, 0);
        return *this;
    }
    Bytes& data(size_t n) {
        marks.push_back(b.size());
        for (size_t k = 0; k < n; ++k) b.push_back(static_cast<uint8_t>(k));
        return *this;
    }
};

Bytes header(uint64_t n_tensors, uint64_t n_kv, uint32_t version = 3) {
    Bytes h;
    h.b = {'G', 'G', 'U', 'F'};
    h.marks = {0};
    return h.put<uint32_t>(version).put<uint64_t>(n_tensors).put<uint64_t>(n_kv);
}

constexpr uint32_t F32 = 0, F16 = 1, Q4_0 = 2, Q4_K = 12;

// A small model-like file: every section present, tensor data ending the file.
Bytes small_model() {
    Bytes f = header(2, 4);
    f.kv("general.architecture", ValueType::STRING).str("llama");
    f.kv("llama.block_count", ValueType::UINT32).put<uint32_t>(1);
    f.array("tokenizer.ggml.tokens", ValueType::STRING, 2).str("<s>").str("hi");
    f.kv("flag", ValueType::BOOL).put<uint8_t>(1);
    f.tensor("token_embd.weight", {4, 2}, F32, 0);
    f.tensor("output_norm.weight", {4}, F16, 32);
    f.pad_to(32).data(32 + 8);
    return f;
}

// Parses a heap copy of exactly these bytes (so ASan sees any over-read) and returns the error text, or fails.
std::string error_of(const std::vector<uint8_t>& bytes) {
    const std::vector<uint8_t> exact(bytes.begin(), bytes.end());
    try {
        File::parse(exact);
    } catch (const Error& e) {
        return e.what();
    }
    ADD_FAILURE() << "expected snug::Error for " << bytes.size() << " bytes";
    return {};
}

void expect_error(const std::vector<uint8_t>& bytes, std::initializer_list<std::string_view> parts) {
    const std::string msg = error_of(bytes);
    for (auto p : parts) EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' not in: " << msg;
}

bool is_truncation_message(const std::string& msg) {
    return msg.find("truncated") != std::string::npos || msg.find("runs past the end") != std::string::npos ||
           msg.find("impossible for a file of") != std::string::npos ||
           msg.find("cannot fit in the") != std::string::npos;
}

TEST(Truncation, SmallModelIsValidWhole) {
    const auto f = small_model();
    const auto file = File::parse(f.b);
    EXPECT_EQ(file->tensors().size(), 2u);
    EXPECT_EQ(file->get_string("general.architecture"), "llama");
}

TEST(Truncation, AtEveryByte) {
    const auto f = small_model();
    for (size_t n = 0; n < f.b.size(); ++n) {
        const std::string msg = error_of({f.b.begin(), f.b.begin() + static_cast<std::ptrdiff_t>(n)});
        EXPECT_TRUE(is_truncation_message(msg)) << "cut at " << n << ": " << msg;
    }
}

TEST(Truncation, AtEverySectionBoundaryNamesTheField) {
    const auto f = small_model();
    ASSERT_GT(f.marks.size(), 40u);
    const auto cut = [&](size_t n) { return std::vector<uint8_t>(f.b.begin(), f.b.begin() + static_cast<long>(n)); };
    expect_error(cut(0), {"magic"});
    expect_error(cut(4), {"truncated", "version"});
    expect_error(cut(8), {"truncated", "tensor count"});
    expect_error(cut(16), {"truncated", "metadata count"});
    expect_error(cut(24), {"metadata count 4 is impossible"});
    for (size_t m : f.marks)
        if (m > 0) {
            EXPECT_TRUE(is_truncation_message(error_of(cut(m)))) << "cut at field start " << m;
        }
    // Named fields, past the point where the counts alone rule the cut file out. Layout: header 24, architecture
    // kv 24..69, block_count 69..102, tokens 102..168 (count at 139, "<s>" at 147, "hi" at 158), flag 168..185,
    // token_embd.weight 185..242 (dims at 214, type at 230, offset at 234), output_norm.weight 242..292, data 320.
    expect_error(cut(98), {"truncated", "metadata 'llama.block_count' needs 4 bytes"});
    expect_error(cut(150), {"metadata 'tokenizer.ggml.tokens'", "array of 2 string elements cannot fit"});
    expect_error(cut(163), {"truncated", "metadata 'tokenizer.ggml.tokens'[1] needs 8 bytes"});
    expect_error(cut(167), {"metadata 'tokenizer.ggml.tokens'[1]", "string length 2 runs past"});
    expect_error(cut(184), {"truncated", "metadata 'flag' needs 1 bytes"});
    expect_error(cut(222), {"truncated", "tensor 'token_embd.weight' dimension"});
    expect_error(cut(230), {"truncated", "tensor 'token_embd.weight' type"});
    expect_error(cut(234), {"truncated", "tensor 'token_embd.weight' offset"});
    expect_error(cut(292), {"truncated", "data section would start at offset 320"});
}

TEST(Truncation, DataSectionNamesTheTensor) {
    const auto f = small_model();
    const size_t data = f.marks.back();
    ASSERT_EQ(data % 32, 0u);
    expect_error({f.b.begin(), f.b.begin() + static_cast<long>(data) - 1}, {"data section would start"});
    expect_error({f.b.begin(), f.b.begin() + static_cast<long>(data) + 31}, {"'token_embd.weight'", "runs past"});
    expect_error({f.b.begin(), f.b.end() - 1},
                 {"'output_norm.weight'", "runs past"});
}

TEST(Header, BadMagicAndVersions) {
    auto f = small_model();
    f.b[3] = 'G';
    expect_error(f.b, {"bad magic 'GGUG'", "expected 'GGUF'"});
    expect_error(header(0, 0, 1).b, {"version 1"});
    expect_error(header(0, 0, 4).b, {"version 4"});
    expect_error(header(0, 0, 0xffffffffu).b, {"version 4294967295"});
    expect_error(header(0, 0, 0x03000000u).b, {"big-endian"});
    EXPECT_NO_THROW(File::parse(header(0, 0, 2).b));
    EXPECT_NO_THROW(File::parse(header(0, 0, 3).b));
}

TEST(Header, AbsurdCounts) {
    for (uint64_t n : {uint64_t{1} << 40, std::numeric_limits<uint64_t>::max(), uint64_t{1} << 63}) {
        expect_error(header(n, 0).b, {"tensor count", "impossible"});
        expect_error(header(0, n).b, {"metadata count", "impossible"});
    }
    // Barely too many for the bytes present: the count check must not be off by one.
    Bytes f = header(0, 2);
    f.kv("a", ValueType::UINT8).put<uint8_t>(1);  // 14 bytes: room for exactly one minimal entry
    expect_error(f.b, {"metadata count 2 is impossible"});
    Bytes g = header(1, 0);
    g.tensor("t", {1}, F32, 0).pad_to(32);  // 33 bytes of table, no data: the table parses, the data does not fit
    expect_error(g.b, {"tensor 't'", "runs past"});
    Bytes h = header(2, 0);
    h.tensor("t", {1}, F32, 0);
    expect_error(h.b, {"tensor count 2 is impossible"});
}

TEST(Metadata, StringLengthsPastTheEnd) {
    Bytes key = header(0, 1);
    key.put<uint64_t>(1000).data(20);
    expect_error(key.b, {"metadata entry 0 key", "string length 1000 runs past"});
    Bytes value = header(0, 1);
    value.kv("name", ValueType::STRING).put<uint64_t>(std::numeric_limits<uint64_t>::max());
    expect_error(value.b, {"metadata 'name'", "string length 18446744073709551615 runs past"});
    Bytes in_array = header(0, 1);
    in_array.array("toks", ValueType::STRING, 2).str("ok").put<uint64_t>(3).b.push_back('x');
    expect_error(in_array.b, {"metadata 'toks'[1]", "runs past"});
    Bytes name = header(1, 0);
    name.put<uint64_t>(uint64_t{1} << 62).put<uint64_t>(0).put<uint64_t>(0).put<uint64_t>(0).put<uint64_t>(0);
    expect_error(name.b, {"tensor 0 name", "runs past"});
}

TEST(Metadata, KeysAndNamesAreBounded) {
    const std::string long_key(65536, 'k');
    Bytes f = header(0, 1);
    f.kv(long_key, ValueType::UINT8).put<uint8_t>(0);
    expect_error(f.b, {"metadata entry 0 key", "length 65536 exceeds the limit of 65535"});
    Bytes ok = header(0, 1);
    ok.kv(std::string(65535, 'k'), ValueType::UINT8).put<uint8_t>(0);
    EXPECT_NO_THROW(File::parse(ok.b));
    Bytes empty = header(0, 1);
    empty.kv("", ValueType::UINT8).put<uint8_t>(0).data(8);
    expect_error(empty.b, {"metadata entry 0", "empty key"});
    Bytes t = header(1, 0);
    t.tensor("", {1}, F32, 0).pad_to(32).data(4);
    expect_error(t.b, {"tensor 0", "empty name"});
}

TEST(Metadata, UnknownTypes) {
    for (uint32_t t : {13u, 100u, 0xffffffffu}) {
        Bytes f = header(0, 1);
        f.kv("k", static_cast<ValueType>(t)).put<uint64_t>(0);
        expect_error(f.b, {"metadata 'k'", "unknown value type " + std::to_string(t)});
        Bytes a = header(0, 1);
        a.array("arr", static_cast<ValueType>(t), 1).put<uint64_t>(0);
        expect_error(a.b, {"metadata 'arr'", "unknown array element type " + std::to_string(t)});
    }
    Bytes b = header(0, 1);
    b.kv("flag", ValueType::BOOL).put<uint8_t>(2);
    expect_error(b.b, {"metadata 'flag'", "bool value 2"});
}

TEST(Metadata, ArrayElementTypeConfusion) {
    // Declared uint8, holds strings: the string bytes are taken as uint8s and the rest no longer parses.
    Bytes u8_holding_strings = header(0, 2);
    u8_holding_strings.array("toks", ValueType::UINT8, 2).str("ab").str("cd");
    u8_holding_strings.kv("next", ValueType::UINT32).put<uint32_t>(1);
    expect_error(u8_holding_strings.b, {"GGUF"});
    // Declared string, holds uint32s: two uint32s read as one string length of 5 + 6 * 2^32.
    Bytes strings_holding_u32 = header(0, 1);
    strings_holding_u32.array("ids", ValueType::STRING, 2).put<uint32_t>(5).put<uint32_t>(6);
    strings_holding_u32.put<uint32_t>(7).put<uint32_t>(8);
    expect_error(strings_holding_u32.b, {"metadata 'ids'[0]", "string length 25769803781 runs past"});
    // Declared array of arrays, holds int32s.
    Bytes arrays_holding_i32 = header(0, 1);
    arrays_holding_i32.array("nest", ValueType::ARRAY, 1).put<int32_t>(-1).put<int32_t>(0).put<uint64_t>(0);
    expect_error(arrays_holding_i32.b, {"metadata 'nest'[0]", "unknown array element type 4294967295"});
    // Element count larger than the bytes could hold, for each element size.
    for (auto [t, per] : {std::pair{ValueType::UINT8, 1}, {ValueType::UINT16, 2}, {ValueType::FLOAT64, 8},
                          {ValueType::STRING, 8}, {ValueType::ARRAY, 12}}) {
        Bytes f = header(0, 1);
        f.array("big", t, 4).data(static_cast<size_t>(4 * per - 1));
        expect_error(f.b, {"metadata 'big'", "array of 4", "cannot fit"});
    }
}

// An array of arrays `depth` levels deep, the innermost holding one uint8.
Bytes nested(int depth) {
    Bytes f = header(0, 1);
    f.array("bomb", depth > 1 ? ValueType::ARRAY : ValueType::UINT8, 1);
    for (int d = 1; d < depth; ++d)
        f.put<uint32_t>(static_cast<uint32_t>(d + 1 < depth ? ValueType::ARRAY : ValueType::UINT8)).put<uint64_t>(1);
    f.put<uint8_t>(42);
    return f;
}

TEST(Metadata, NestedArrayBombs) {
    const auto deepest = nested(MAX_ARRAY_DEPTH).b;
    const auto ok = File::parse(deepest);
    const Value* v = ok->find("bomb");
    for (int d = 1; d < MAX_ARRAY_DEPTH; ++d) v = &v->arr.at(0);
    EXPECT_EQ(v->arr.at(0).u, 42u);
    expect_error(nested(MAX_ARRAY_DEPTH + 1).b, {"metadata 'bomb'[0][0][0][0][0][0][0][0]", "nested deeper than 8"});
    expect_error(nested(1000).b, {"nested deeper than 8"});
    // Wide rather than deep: 2^40 inner arrays claimed.
    Bytes wide = header(0, 1);
    wide.array("wide", ValueType::ARRAY, uint64_t{1} << 40).put<uint32_t>(0).put<uint64_t>(0);
    expect_error(wide.b, {"metadata 'wide'", "cannot fit"});
}

TEST(Metadata, TotalArrayElementsAreCapped) {
    // Each uint8 element becomes a Value of ~80 bytes, so one byte of file must not buy unbounded memory.
    const uint64_t n = (uint64_t{1} << 24) + 1;
    Bytes f = header(0, 1);
    f.array("blob", ValueType::UINT8, n);
    f.b.resize(f.b.size() + n, 0);
    expect_error(f.b, {"metadata 'blob'", "array of 16777217 elements exceeds the limit"});
}

TEST(Metadata, DuplicateKeys) {
    Bytes f = header(0, 3);
    f.kv("a", ValueType::UINT8).put<uint8_t>(1);
    f.kv("b", ValueType::UINT8).put<uint8_t>(2);
    f.kv("a", ValueType::STRING).str("again");
    expect_error(f.b, {"metadata 'a'", "duplicate key"});
}

TEST(Metadata, NamesInMessagesAreEscapedAndCut) {
    Bytes f = header(0, 2);
    f.kv("\x1b[2J", ValueType::UINT8).put<uint8_t>(1);
    f.kv("\x1b[2J", ValueType::UINT8).put<uint8_t>(1);
    const std::string msg = error_of(f.b);
    EXPECT_NE(msg.find("'\\x1b[2J'"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\x1b'), std::string::npos) << msg;
    Bytes g = header(0, 1);
    g.kv(std::string(5000, 'k'), ValueType::UINT8).put<uint8_t>(7);
    const std::string long_msg = error_of(std::vector<uint8_t>(g.b.begin(), g.b.end() - 1));
    EXPECT_NE(long_msg.find("(5000 bytes)"), std::string::npos) << long_msg;
    EXPECT_LT(long_msg.size(), 400u);
}

// A one-tensor file with the given alignment kv (written as `type`) and tensor offset.
Bytes aligned_file(ValueType type, uint64_t alignment, uint64_t offset, size_t data) {
    Bytes f = header(1, 1);
    f.kv("general.alignment", type);
    if (type == ValueType::UINT64) f.put<uint64_t>(alignment);
    else f.put<uint32_t>(static_cast<uint32_t>(alignment));
    f.tensor("t", {8}, F32, offset).pad_to(alignment > 0 && alignment < 1024 ? alignment : 32).data(data);
    return f;
}

TEST(Alignment, BadValues) {
    for (uint64_t a : {0u, 3u, 48u, 96u, 0xffffffffu})
        expect_error(aligned_file(ValueType::UINT32, a, 0, 64).b, {"general.alignment " + std::to_string(a),
                                                                   "not a power of two"});
    expect_error(aligned_file(ValueType::UINT64, 32, 0, 64).b, {"general.alignment has type uint64"});
    Bytes s = header(0, 1);
    s.kv("general.alignment", ValueType::STRING).str("32");
    expect_error(s.b, {"general.alignment has type string"});
    expect_error(aligned_file(ValueType::UINT32, 64, 32, 96).b, {"tensor 't'", "offset 32", "alignment 64"});
    EXPECT_NO_THROW(File::parse(aligned_file(ValueType::UINT32, 64, 64, 96).b));
    EXPECT_NO_THROW(File::parse(aligned_file(ValueType::UINT32, 1, 3, 35).b));
    // A valid but enormous alignment puts the data section far past the end of a small file.
    expect_error(aligned_file(ValueType::UINT32, uint64_t{1} << 31, 0, 64).b, {"data section would start"});
}

// A file with one tensor described by the arguments and `data` bytes of data.
Bytes one_tensor(std::vector<uint64_t> ne, uint32_t type, uint64_t offset, size_t data) {
    Bytes f = header(1, 0);
    f.tensor("w", std::move(ne), type, offset).pad_to(32).data(data);
    return f;
}

TEST(Tensors, Dimensions) {
    expect_error(one_tensor({}, F32, 0, 64).b, {"tensor 'w'", "0 dimensions (must be 1 to 4)"});
    expect_error(one_tensor({1, 1, 1, 1, 1}, F32, 0, 64).b, {"tensor 'w'", "5 dimensions"});
    expect_error(one_tensor({4, 0}, F32, 0, 64).b, {"tensor 'w'", "dimension 1 is 0"});
    expect_error(one_tensor({uint64_t{1} << 63}, F32, 0, 64).b, {"dimension 0 is 9223372036854775808"});
    expect_error(one_tensor({uint64_t{1} << 32, uint64_t{1} << 32}, F32, 0, 64).b,
                 {"tensor 'w'", "shape [4294967296, 4294967296]", "64 bits"});
    expect_error(one_tensor({2, 3, 1u << 31, 1u << 31}, F32, 0, 64).b, {"64 bits"});
    // 2^62 f32 elements: the count fits int64, the byte size does not.
    expect_error(one_tensor({uint64_t{1} << 31, uint64_t{1} << 31}, F32, 0, 64).b, {"size in bytes overflows"});
    // Huge but representable: caught by the data bounds instead.
    expect_error(one_tensor({uint64_t{1} << 40}, F32, 0, 64).b, {"tensor 'w'", "runs past the end"});
    const auto four_dims = one_tensor({4, 1, 2, 1}, F32, 0, 32).b;
    const auto ok = File::parse(four_dims);
    EXPECT_EQ(ok->tensors()[0].shape, (std::vector<int64_t>{1, 2, 1, 4}));
}

TEST(Tensors, Types) {
    for (uint32_t t : {4u, 5u, 31u, 33u, 36u, 40u, 1000u, 0xffffffffu})
        expect_error(one_tensor({32}, t, 0, 256).b, {"tensor 'w'", "unknown tensor type " + std::to_string(t)});
    expect_error(one_tensor({16}, Q4_0, 0, 64).b, {"tensor 'w'", "row length 16", "q4_0's block of 32"});
    expect_error(one_tensor({255, 2}, Q4_K, 0, 512).b, {"row length 255", "q4_K's block of 256"});
    // The block rule applies to the innermost extent only: [33 rows, 32 cols] of q4_0 is fine.
    const auto q4_0 = one_tensor({32, 33}, Q4_0, 0, 33 * 18).b;
    const auto ok = File::parse(q4_0);
    EXPECT_EQ(ok->tensors()[0].n_bytes, 33u * 18u);
}

TEST(Tensors, DataOutsideTheFile) {
    expect_error(one_tensor({8}, F32, 0, 31).b, {"tensor 'w'", "data [0, +32)", "holds 31 bytes"});
    expect_error(one_tensor({8}, F32, 32, 63).b, {"tensor 'w'", "data [32, +32)"});
    expect_error(one_tensor({8}, F32, uint64_t{1} << 62, 64).b, {"tensor 'w'", "runs past the end"});
    expect_error(one_tensor({8}, F32, std::numeric_limits<uint64_t>::max() - 31, 64).b, {"runs past the end"});
    EXPECT_NO_THROW(File::parse(one_tensor({8}, F32, 32, 64).b));
}

TEST(Tensors, OverlapAndDuplicates) {
    Bytes same = header(2, 0);
    same.tensor("a", {16}, F32, 0).tensor("b", {8}, F32, 0).pad_to(32).data(64);
    expect_error(same.b, {"'a'", "'b'", "overlap"});
    Bytes partial = header(2, 0);
    partial.tensor("a", {16}, F32, 32).tensor("b", {16}, F32, 0).pad_to(32).data(96);
    expect_error(partial.b, {"tensors 'b' and 'a' overlap", "bytes 32 to 64"});
    Bytes inside = header(3, 0);
    inside.tensor("big", {64}, F32, 0).tensor("x", {8}, F32, 224).tensor("y", {8}, F32, 128).pad_to(32).data(256);
    expect_error(inside.b, {"overlap"});
    Bytes adjacent = header(2, 0);
    adjacent.tensor("a", {8}, F32, 0).tensor("b", {8}, F32, 32).pad_to(32).data(64);
    EXPECT_NO_THROW(File::parse(adjacent.b));
    Bytes dup = header(2, 0);
    dup.tensor("w", {8}, F32, 0).tensor("w", {8}, F32, 32).pad_to(32).data(64);
    expect_error(dup.b, {"tensor 'w'", "duplicate tensor name"});
}

TEST(Tensors, FlippedBytesNeverCrash) {
    // Every byte of the small model set to a few hostile values: errors are fine, crashes and ASan reports are not.
    const auto f = small_model();
    for (size_t k = 0; k < f.b.size(); ++k)
        for (uint8_t v : {uint8_t{0x00}, uint8_t{0x01}, uint8_t{0x7f}, uint8_t{0x80}, uint8_t{0xff}}) {
            auto b = f.b;
            b[k] = v;
            try {
                const auto file = File::parse(b);
                for (const auto& t : file->tensors()) {
                    ASSERT_GE(t.data, b.data() + file->data_offset());
                    ASSERT_LE(t.data + t.n_bytes, b.data() + b.size());
                }
            } catch (const Error&) {
            }
        }
}

}  // namespace
}  // namespace snug::gguf
