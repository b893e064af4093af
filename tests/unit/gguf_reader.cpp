// tests/unit/gguf_reader.cpp: the reader on well-formed GGUF v2/v3 bytes assembled by hand (not by gguf::Writer),
// so that reader and writer cannot share a misreading of the format. Malformed files: gguf_malformed.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "base/error.h"
#include "gguf/gguf.h"

namespace snug::gguf {
namespace {

// Little-endian byte assembly.
struct Bytes {
    std::vector<uint8_t> b;
    template <class T>
    Bytes& put(T v) {
        uint8_t raw[sizeof(T)];
        std::memcpy(raw, &v, sizeof(T));
        b.insert(b.end(), raw, raw + sizeof(T));
        return *this;
    }
    Bytes& str(std::string_view s) {
        put<uint64_t>(s.size());
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
        b.resize((b.size() + alignment - 1) / alignment * alignment, 0);
        return *this;
    }
};

Bytes header(uint32_t version, uint64_t n_tensors, uint64_t n_kv) {
    Bytes h;
    h.b = {'G', 'G', 'U', 'F'};
    return h.put<uint32_t>(version).put<uint64_t>(n_tensors).put<uint64_t>(n_kv);
}

bool inside(const void* p, const std::vector<uint8_t>& b, size_t n = 1) {
    const auto* q = static_cast<const uint8_t*>(p);
    return q >= b.data() && q + n <= b.data() + b.size();
}

// One of every scalar type, with extreme values, then string and array forms.
std::vector<uint8_t> every_type_file(uint32_t version) {
    Bytes f = header(version, 0, 16);
    f.kv("u8", ValueType::UINT8).put<uint8_t>(255);
    f.kv("i8", ValueType::INT8).put<int8_t>(-128);
    f.kv("u16", ValueType::UINT16).put<uint16_t>(65535);
    f.kv("i16", ValueType::INT16).put<int16_t>(-32768);
    f.kv("u32", ValueType::UINT32).put<uint32_t>(4000000000u);
    f.kv("i32", ValueType::INT32).put<int32_t>(std::numeric_limits<int32_t>::min());
    f.kv("u64", ValueType::UINT64).put<uint64_t>(std::numeric_limits<uint64_t>::max());
    f.kv("i64", ValueType::INT64).put<int64_t>(std::numeric_limits<int64_t>::min());
    f.kv("f32", ValueType::FLOAT32).put<float>(-1.5f);
    f.kv("f64", ValueType::FLOAT64).put<double>(1e300);
    f.kv("yes", ValueType::BOOL).put<uint8_t>(1);
    f.kv("no", ValueType::BOOL).put<uint8_t>(0);
    f.kv("s", ValueType::STRING).str(std::string_view("a\0b\xc3\xa9", 5));
    f.kv("empty", ValueType::STRING).str("");
    f.array("toks", ValueType::STRING, 3).str("<s>").str("").str("hello");
    // [[1, -2], [], [3]] as int16
    f.array("nested", ValueType::ARRAY, 3);
    f.put<uint32_t>(3).put<uint64_t>(2).put<int16_t>(1).put<int16_t>(-2);
    f.put<uint32_t>(3).put<uint64_t>(0);
    f.put<uint32_t>(3).put<uint64_t>(1).put<int16_t>(3);
    return f.b;
}

class EveryType : public ::testing::TestWithParam<uint32_t> {};

TEST_P(EveryType, ReadsEachScalarStringAndArray) {
    const auto bytes = every_type_file(GetParam());
    const auto f = File::parse(bytes);
    EXPECT_EQ(f->version(), GetParam());
    EXPECT_EQ(f->alignment(), 32u);
    ASSERT_EQ(f->metadata().size(), 16u);
    EXPECT_EQ(f->metadata()[0].first, "u8");
    EXPECT_EQ(f->metadata()[15].first, "nested");
    EXPECT_TRUE(f->tensors().empty());

    EXPECT_EQ(f->find("u8")->type, ValueType::UINT8);
    EXPECT_EQ(f->get_int("u8", 0), 255);
    EXPECT_EQ(f->get_int("i8", 0), -128);
    EXPECT_EQ(f->get_int("u16", 0), 65535);
    EXPECT_EQ(f->get_int("i16", 0), -32768);
    EXPECT_EQ(f->get_int("u32", 0), 4000000000LL);
    EXPECT_EQ(f->get_int("i32", 0), -2147483648LL);
    EXPECT_EQ(f->find("u64")->u, std::numeric_limits<uint64_t>::max());
    EXPECT_EQ(f->get_int("i64", 0), std::numeric_limits<int64_t>::min());
    EXPECT_EQ(f->find("f32")->type, ValueType::FLOAT32);
    EXPECT_EQ(f->get_float("f32", 0), -1.5);
    EXPECT_EQ(f->get_float("f64", 0), 1e300);
    EXPECT_TRUE(f->get_bool("yes", false));
    EXPECT_FALSE(f->get_bool("no", true));
    EXPECT_EQ(f->get_string("s"), std::string("a\0b\xc3\xa9", 5));
    EXPECT_EQ(f->find("empty")->type, ValueType::STRING);
    EXPECT_EQ(f->get_string("empty", "default"), "");

    const Value* toks = f->find("toks");
    ASSERT_NE(toks, nullptr);
    EXPECT_EQ(toks->type, ValueType::ARRAY);
    EXPECT_EQ(toks->elem_type, ValueType::STRING);
    ASSERT_EQ(toks->arr.size(), 3u);
    EXPECT_EQ(toks->arr[0].str, "<s>");
    EXPECT_EQ(toks->arr[1].str, "");
    EXPECT_EQ(toks->arr[2].str, "hello");

    const Value* nested = f->find("nested");
    ASSERT_NE(nested, nullptr);
    EXPECT_EQ(nested->elem_type, ValueType::ARRAY);
    ASSERT_EQ(nested->arr.size(), 3u);
    EXPECT_EQ(nested->arr[0].elem_type, ValueType::INT16);
    ASSERT_EQ(nested->arr[0].arr.size(), 2u);
    EXPECT_EQ(nested->arr[0].arr[0].i, 1);
    EXPECT_EQ(nested->arr[0].arr[1].i, -2);
    EXPECT_TRUE(nested->arr[1].arr.empty());
    ASSERT_EQ(nested->arr[2].arr.size(), 1u);
    EXPECT_EQ(nested->arr[2].arr[0].i, 3);
}

TEST_P(EveryType, StringsPointIntoTheBuffer) {
    const auto bytes = every_type_file(GetParam());
    const auto f = File::parse(bytes);
    EXPECT_TRUE(inside(f->find("s")->str.data(), bytes, 5));
    EXPECT_TRUE(inside(f->find("toks")->arr[2].str.data(), bytes, 5));
    EXPECT_TRUE(inside(f->metadata()[3].first.data(), bytes, 3));
}

INSTANTIATE_TEST_SUITE_P(Versions, EveryType, ::testing::Values(2u, 3u));

// Two tensors, explicit alignment; layout computed by hand below.
std::vector<uint8_t> tensor_file(uint32_t version, uint32_t alignment) {
    Bytes f = header(version, 3, 2);
    f.kv("general.alignment", ValueType::UINT32).put<uint32_t>(alignment);
    f.kv("general.architecture", ValueType::STRING).str("llama");
    const uint64_t second = (24 + alignment - 1) / alignment * alignment;  // after 24 bytes of f16
    const uint64_t third = (second + 36 * 2 + alignment - 1) / alignment * alignment;
    f.tensor("norm", {12}, 1, 0);                        // f16 [12]: 24 bytes
    f.tensor("blk.0.w", {32, 2}, 8, second);             // q8_0 [2, 32]: 2 blocks of 34 bytes
    f.tensor("x", {3, 1, 2, 1}, 0, third);               // f32 [1, 2, 1, 3]: 24 bytes
    f.pad_to(alignment);
    const size_t data = f.b.size();
    f.b.resize(data + third + 24, 0);
    for (size_t k = 0; k < f.b.size() - data; ++k) f.b[data + k] = static_cast<uint8_t>(k * 7 + 1);
    return f.b;
}

struct Layout {
    uint32_t version, alignment;
};
class TensorTable : public ::testing::TestWithParam<Layout> {};

TEST_P(TensorTable, ShapesOffsetsAndDataPointers) {
    const auto [version, alignment] = GetParam();
    const auto bytes = tensor_file(version, alignment);
    const auto f = File::parse(bytes);
    EXPECT_EQ(f->version(), version);
    EXPECT_EQ(f->alignment(), alignment);
    // header 24 + alignment kv (8+17+4+4) + arch kv (8+20+4+8+5) + tensors (8+4+4+8+4+8) + (8+7+4+16+4+8) + (8+1+4+32+4+8)
    const size_t header_end = 24 + 33 + 45 + 36 + 47 + 57;
    EXPECT_EQ(f->data_offset(), (header_end + alignment - 1) / alignment * alignment);
    EXPECT_EQ(f->data_offset() % alignment, 0u);
    ASSERT_EQ(f->tensors().size(), 3u);

    const TensorInfo* norm = f->find_tensor("norm");
    ASSERT_NE(norm, nullptr);
    EXPECT_EQ(norm->dtype, DType::F16);
    EXPECT_EQ(norm->shape, (std::vector<int64_t>{12}));
    EXPECT_EQ(norm->n_bytes, 24u);
    EXPECT_EQ(norm->data, bytes.data() + f->data_offset());

    const TensorInfo* w = f->find_tensor("blk.0.w");
    ASSERT_NE(w, nullptr);
    EXPECT_EQ(w->dtype, DType::Q8_0);
    EXPECT_EQ(w->shape, (std::vector<int64_t>{2, 32}));
    EXPECT_EQ(w->n_elements, 64);
    EXPECT_EQ(w->n_bytes, 68u);
    EXPECT_EQ(w->rows(), 2);
    EXPECT_EQ(w->cols(), 32);
    EXPECT_EQ(w->offset % alignment, 0u);
    EXPECT_EQ(w->data, bytes.data() + f->data_offset() + w->offset);
    EXPECT_EQ(w->data[0], static_cast<uint8_t>(w->offset * 7 + 1));

    const TensorInfo* x = f->find_tensor("x");
    ASSERT_NE(x, nullptr);
    EXPECT_EQ(x->shape, (std::vector<int64_t>{1, 2, 1, 3}));
    EXPECT_EQ(x->dim(0), 1);
    EXPECT_EQ(x->dim(1), 2);
    EXPECT_EQ(x->rows(), 2);
    EXPECT_EQ(x->cols(), 3);
    EXPECT_EQ(x->n_bytes, 24u);
    EXPECT_EQ(x->data + x->n_bytes, bytes.data() + bytes.size());  // the last tensor ends the file
    EXPECT_EQ(f->find_tensor("nope"), nullptr);
    EXPECT_EQ(f->file_size(), bytes.size());
}

INSTANTIATE_TEST_SUITE_P(Alignments, TensorTable,
                         ::testing::Values(Layout{3, 32}, Layout{2, 32}, Layout{3, 1}, Layout{3, 8}, Layout{3, 64},
                                           Layout{2, 64}, Layout{3, 4096}));

TEST(Reader, NoTensorsNeedsNoPadding) {
    Bytes f = header(3, 0, 1);
    f.kv("k", ValueType::UINT8).put<uint8_t>(7);  // ends at 38, not a multiple of 32
    const auto file = File::parse(f.b);
    EXPECT_EQ(file->data_offset(), f.b.size());
    EXPECT_EQ(file->get_int("k", 0), 7);
}

TEST(Reader, EmptyFileIsMalformedNotACrash) {
    EXPECT_THROW(File::parse({}), Error);
}

TEST(Values, CheckedConversions) {
    const auto bytes = every_type_file(3);
    const auto f = File::parse(bytes);
    // uint64 max does not fit int64: named error, not a wrapped negative number.
    try {
        f->get_int("u64", 0);
        FAIL() << "expected snug::Error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("u64"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("18446744073709551615"), std::string::npos) << e.what();
    }
    EXPECT_EQ(f->get_float("u16", 0), 65535.0);  // integers convert to float
    EXPECT_THROW(f->get_float("s", 0), Error);
    EXPECT_THROW(f->get_int("f32", 0), Error);
    EXPECT_THROW(f->get_bool("u8", false), Error);  // no integer-to-bool guessing
    EXPECT_THROW(f->get_string("u8"), Error);
    EXPECT_THROW(f->get_int("toks", 0), Error);
    EXPECT_TRUE(f->find("u8")->is_integer());
    EXPECT_FALSE(f->find("f64")->is_integer());
    EXPECT_TRUE(f->find("f64")->is_float());
    EXPECT_FALSE(f->find("yes")->is_integer());
}

TEST(Values, DefaultsAndRequired) {
    const auto bytes = every_type_file(3);
    const auto f = File::parse(bytes);
    EXPECT_EQ(f->find("absent"), nullptr);
    EXPECT_EQ(f->get_int("absent", -7), -7);
    EXPECT_EQ(f->get_float("absent", 2.5), 2.5);
    EXPECT_TRUE(f->get_bool("absent", true));
    EXPECT_EQ(f->get_string("absent", "dflt"), "dflt");
    EXPECT_EQ(f->require_int("i16"), -32768);
    EXPECT_EQ(f->require_float("f64"), 1e300);
    EXPECT_EQ(f->require_string("s"), std::string("a\0b\xc3\xa9", 5));
    try {
        f->require_int("llama.block_count");
        FAIL() << "expected snug::Error";
    } catch (const Error& e) {
        EXPECT_STREQ(e.what(), "missing metadata key 'llama.block_count'");
    }
    try {
        f->require_string("u32");
        FAIL() << "expected snug::Error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("u32"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("expected a string"), std::string::npos) << e.what();
    }
}

TEST(Values, TypeNames) {
    EXPECT_EQ(value_type_name(ValueType::UINT8), "uint8");
    EXPECT_EQ(value_type_name(ValueType::STRING), "string");
    EXPECT_EQ(value_type_name(ValueType::ARRAY), "array");
    EXPECT_EQ(value_type_name(ValueType::FLOAT64), "float64");
    EXPECT_EQ(value_type_name(static_cast<ValueType>(13)), "unknown");
}

class TempDir : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("snug_gguf_reader_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::string write(const std::string& name, const std::vector<uint8_t>& b) {
        const auto p = (dir_ / name).string();
        std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(b.data()),
                                                 static_cast<std::streamsize>(b.size()));
        return p;
    }
    std::filesystem::path dir_;
};

TEST_F(TempDir, OpenMapsTheFile) {
    const auto bytes = tensor_file(3, 32);
    const auto path = write("t.gguf", bytes);
    const auto f = File::open(path);
    EXPECT_EQ(f->path(), path);
    EXPECT_EQ(f->file_size(), bytes.size());
    const TensorInfo* w = f->find_tensor("blk.0.w");
    ASSERT_NE(w, nullptr);
    EXPECT_EQ(std::memcmp(w->data, bytes.data() + f->data_offset() + w->offset, w->n_bytes), 0);
    EXPECT_EQ(f->get_string("general.architecture"), "llama");
}

TEST_F(TempDir, OpenErrorsNameThePath) {
    const auto missing = (dir_ / "missing.gguf").string();
    try {
        File::open(missing);
        FAIL() << "expected snug::Error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
    }
    auto bytes = tensor_file(3, 32);
    bytes.resize(bytes.size() - 1);
    const auto cut = write("cut.gguf", bytes);
    try {
        File::open(cut);
        FAIL() << "expected snug::Error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(cut), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("'x'"), std::string::npos) << e.what();  // the tensor that is cut
    }
    const auto empty = write("empty.gguf", {});
    EXPECT_THROW(File::open(empty), Error);
    EXPECT_THROW(File::open(dir_.string()), Error);  // a directory
}

}  // namespace
}  // namespace snug::gguf
