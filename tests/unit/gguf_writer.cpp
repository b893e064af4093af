// tests/unit/gguf_writer.cpp: gguf::Writer. Exact bytes against a hand-assembled file, then round trips through
// File::parse for every value type, nested arrays, alignments and tensor types, and the writer's own validation.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "gguf/gguf.h"
#include "gguf/gguf_writer.h"

namespace snug::gguf {
namespace {

template <class T>
void put(std::vector<uint8_t>& b, T v) {
    uint8_t raw[sizeof(T)];
    std::memcpy(raw, &v, sizeof(T));
    b.insert(b.end(), raw, raw + sizeof(T));
}
void put_str(std::vector<uint8_t>& b, std::string_view s) {
    put<uint64_t>(b, s.size());
    b.insert(b.end(), s.begin(), s.end());
}

Value scalar(ValueType t, uint64_t u = 0, int64_t i = 0, double f = 0) {
    Value v;
    v.type = t;
    v.u = u;
    v.i = i;
    v.f = f;
    return v;
}
Value text(std::string_view s) {
    Value v;
    v.type = ValueType::STRING;
    v.str = s;
    return v;
}
Value array(ValueType elem, std::vector<Value> items) {
    Value v;
    v.type = ValueType::ARRAY;
    v.elem_type = elem;
    v.arr = std::move(items);
    return v;
}

TEST(Writer, ExactBytesOfATinyFile) {
    Writer w;
    w.set_u32("n", 7);
    const float data[2] = {1.0f, -2.0f};
    w.add_tensor("t", DType::F32, {2}, data, sizeof data);

    std::vector<uint8_t> want = {'G', 'G', 'U', 'F'};
    put<uint32_t>(want, 3);
    put<uint64_t>(want, 1);  // tensors
    put<uint64_t>(want, 1);  // metadata; no general.alignment at the default 32
    put_str(want, "n");
    put<uint32_t>(want, 4);  // uint32
    put<uint32_t>(want, 7);
    put_str(want, "t");
    put<uint32_t>(want, 1);  // dimensions
    put<uint64_t>(want, 2);
    put<uint32_t>(want, 0);  // f32
    put<uint64_t>(want, 0);  // offset
    ASSERT_EQ(want.size(), 24u + 17u + 33u);  // header, kv, tensor entry
    want.resize(96, 0);                       // padding to the next multiple of 32
    put<float>(want, 1.0f);
    put<float>(want, -2.0f);
    EXPECT_EQ(w.bytes(), want);
}

TEST(Writer, RoundTripsEveryValueType) {
    Writer w;
    w.set_value("u8", scalar(ValueType::UINT8, 255));
    w.set_value("i8", scalar(ValueType::INT8, 0, -128));
    w.set_value("u16", scalar(ValueType::UINT16, 65535));
    w.set_value("i16", scalar(ValueType::INT16, 0, -32768));
    w.set_u32("u32", 4294967295u);
    w.set_i32("i32", -2147483647 - 1);
    w.set_u64("u64", 18446744073709551615ull);
    w.set_value("i64", scalar(ValueType::INT64, 0, std::numeric_limits<int64_t>::min()));
    w.set_f32("f32", 0.1f);
    w.set_value("f64", scalar(ValueType::FLOAT64, 0, 0, 0.1));
    w.set_bool("t", true);
    w.set_bool("f", false);
    w.set_string("s", std::string_view("nul\0inside \xe2\x82\xac", 15));
    w.set_strings("ss", {"<s>", "", "\xe2\x96\x81the"});
    w.set_f32s("fs", {1.5f, -0.0f, std::numeric_limits<float>::infinity()});
    w.set_i32s("is", {0, -1, 2147483647});
    w.set_value("empty", array(ValueType::UINT64, {}));
    const auto bytes = w.bytes();
    const auto f = File::parse(bytes);

    ASSERT_EQ(f->metadata().size(), 17u);
    const std::vector<std::string> order = {"u8", "i8", "u16", "i16", "u32", "i32", "u64", "i64", "f32",
                                            "f64", "t", "f", "s", "ss", "fs", "is", "empty"};
    for (size_t k = 0; k < order.size(); ++k) EXPECT_EQ(f->metadata()[k].first, order[k]);
    EXPECT_EQ(f->find("u8")->type, ValueType::UINT8);
    EXPECT_EQ(f->find("u8")->u, 255u);
    EXPECT_EQ(f->find("i8")->i, -128);
    EXPECT_EQ(f->find("u16")->u, 65535u);
    EXPECT_EQ(f->find("i16")->i, -32768);
    EXPECT_EQ(f->find("u32")->type, ValueType::UINT32);
    EXPECT_EQ(f->find("u32")->u, 4294967295u);
    EXPECT_EQ(f->find("i32")->i, -2147483648LL);
    EXPECT_EQ(f->find("u64")->u, 18446744073709551615ull);
    EXPECT_EQ(f->find("i64")->i, std::numeric_limits<int64_t>::min());
    EXPECT_EQ(f->find("f32")->f, static_cast<double>(0.1f));  // stored as float: 0.1f, not 0.1
    EXPECT_EQ(f->find("f64")->f, 0.1);
    EXPECT_EQ(f->find("t")->type, ValueType::BOOL);
    EXPECT_TRUE(f->get_bool("t", false));
    EXPECT_FALSE(f->get_bool("f", true));
    EXPECT_EQ(f->get_string("s"), std::string("nul\0inside \xe2\x82\xac", 15));
    const Value* ss = f->find("ss");
    ASSERT_EQ(ss->arr.size(), 3u);
    EXPECT_EQ(ss->elem_type, ValueType::STRING);
    EXPECT_EQ(ss->arr[2].str, "\xe2\x96\x81the");
    EXPECT_EQ(ss->arr[1].str, "");
    const Value* fs = f->find("fs");
    ASSERT_EQ(fs->arr.size(), 3u);
    EXPECT_EQ(fs->arr[0].f, 1.5);
    EXPECT_TRUE(std::signbit(fs->arr[1].f));
    EXPECT_TRUE(std::isinf(fs->arr[2].f));
    const Value* is = f->find("is");
    EXPECT_EQ(is->elem_type, ValueType::INT32);
    EXPECT_EQ(is->arr.at(1).i, -1);
    EXPECT_EQ(is->arr.at(2).i, 2147483647);
    EXPECT_EQ(f->find("empty")->elem_type, ValueType::UINT64);
    EXPECT_TRUE(f->find("empty")->arr.empty());
}

TEST(Writer, RoundTripsNestedArrays) {
    // [[["a", "bc"], []], [["d"]]] and [[1.0, 2.0], [-3.0]] as float64
    const Value strings = array(
        ValueType::ARRAY, {array(ValueType::ARRAY, {array(ValueType::STRING, {text("a"), text("bc")}),
                                                    array(ValueType::STRING, {})}),
                           array(ValueType::ARRAY, {array(ValueType::STRING, {text("d")})})});
    const Value doubles =
        array(ValueType::ARRAY, {array(ValueType::FLOAT64, {scalar(ValueType::FLOAT64, 0, 0, 1.0),
                                                            scalar(ValueType::FLOAT64, 0, 0, 2.0)}),
                                 array(ValueType::FLOAT64, {scalar(ValueType::FLOAT64, 0, 0, -3.0)})});
    Writer w;
    w.set_value("strings", strings);
    w.set_value("doubles", doubles);
    const auto bytes = w.bytes();
    const auto f = File::parse(bytes);
    const Value* s = f->find("strings");
    ASSERT_NE(s, nullptr);
    ASSERT_EQ(s->arr.size(), 2u);
    ASSERT_EQ(s->arr[0].arr.size(), 2u);
    EXPECT_EQ(s->arr[0].arr[0].elem_type, ValueType::STRING);
    EXPECT_EQ(s->arr[0].arr[0].arr.at(1).str, "bc");
    EXPECT_TRUE(s->arr[0].arr[1].arr.empty());
    EXPECT_EQ(s->arr[1].arr.at(0).arr.at(0).str, "d");
    const Value* d = f->find("doubles");
    EXPECT_EQ(d->arr.at(0).arr.at(1).f, 2.0);
    EXPECT_EQ(d->arr.at(1).arr.at(0).f, -3.0);
}

Value nested_u8(int depth) {
    Value v = array(ValueType::UINT8, {scalar(ValueType::UINT8, 9)});
    for (int d = 1; d < depth; ++d) v = array(ValueType::ARRAY, {v});
    return v;
}

TEST(Writer, NestingDepthMatchesTheReader) {
    Writer w;
    w.set_value("deep", nested_u8(MAX_ARRAY_DEPTH));
    EXPECT_THROW(w.set_value("deeper", nested_u8(MAX_ARRAY_DEPTH + 1)), Error);
    const auto bytes = w.bytes();
    const auto f = File::parse(bytes);
    ASSERT_EQ(f->metadata().size(), 1u);
    const Value* v = f->find("deep");
    for (int d = 1; d < MAX_ARRAY_DEPTH; ++d) v = &v->arr.at(0);
    EXPECT_EQ(v->elem_type, ValueType::UINT8);
    EXPECT_EQ(v->arr.at(0).u, 9u);
}

struct Tensor {
    std::string name;
    DType dtype;
    std::vector<int64_t> shape;
    size_t n_bytes;
};

class Alignments : public ::testing::TestWithParam<uint32_t> {};

TEST_P(Alignments, TensorsLandOnMultiplesAndKeepTheirBytes) {
    const uint32_t a = GetParam();
    const std::vector<Tensor> specs = {{"f32", DType::F32, {3, 5}, 60},
                                       {"q4_0", DType::Q4_0, {2, 64}, 2 * 2 * 18},
                                       {"f16", DType::F16, {7}, 14},
                                       {"q6_K", DType::Q6_K, {1, 1, 256}, 210},
                                       {"i8", DType::I8, {1}, 1}};
    Writer w(a);
    EXPECT_EQ(w.alignment(), a);
    w.set_string("general.architecture", "test");
    std::vector<std::vector<uint8_t>> payloads;
    for (size_t k = 0; k < specs.size(); ++k) {
        payloads.emplace_back(specs[k].n_bytes);
        for (size_t j = 0; j < specs[k].n_bytes; ++j) payloads[k][j] = static_cast<uint8_t>(31 * k + j);
        w.add_tensor(specs[k].name, specs[k].dtype, specs[k].shape, payloads[k].data(), specs[k].n_bytes);
    }
    const auto bytes = w.bytes();
    const auto f = File::parse(bytes);
    EXPECT_EQ(f->alignment(), a);
    EXPECT_EQ(f->data_offset() % a, 0u);
    // general.alignment is written only when it differs from the default.
    EXPECT_EQ(f->find("general.alignment") != nullptr, a != 32);
    if (a != 32) {
        EXPECT_EQ(f->get_int("general.alignment", 0), a);
    }
    ASSERT_EQ(f->tensors().size(), specs.size());
    uint64_t end = 0;
    for (size_t k = 0; k < specs.size(); ++k) {
        const TensorInfo& t = f->tensors()[k];
        EXPECT_EQ(t.name, specs[k].name);
        EXPECT_EQ(t.dtype, specs[k].dtype);
        EXPECT_EQ(t.shape, specs[k].shape);
        EXPECT_EQ(t.n_bytes, specs[k].n_bytes);
        EXPECT_EQ(t.offset % a, 0u);
        EXPECT_EQ(t.offset, (end + a - 1) / a * a);  // packed: each starts at the first aligned offset
        end = t.offset + t.n_bytes;
        EXPECT_EQ(std::memcmp(t.data, payloads[k].data(), t.n_bytes), 0) << t.name;
    }
    EXPECT_EQ(f->data_offset() + end, bytes.size());
}

INSTANTIATE_TEST_SUITE_P(Writer, Alignments, ::testing::Values(32u, 64u, 1u, 8u, 16u, 128u, 4096u));

TEST(Writer, AlignmentThroughMetadata) {
    Writer w;
    w.set_u32("general.alignment", 64);
    EXPECT_EQ(w.alignment(), 64u);
    Writer explicit32(64);
    explicit32.set_u32("general.alignment", 32);  // explicit: written even at the default
    const auto b32 = explicit32.bytes();
    const auto f32 = File::parse(b32);
    EXPECT_EQ(f32->get_int("general.alignment", 0), 32);
    EXPECT_EQ(f32->metadata().size(), 1u);
    EXPECT_THROW(w.set_u32("general.alignment", 48), Error);
    EXPECT_THROW(w.set_u64("general.alignment", 64), Error);
    EXPECT_THROW(w.set_string("general.alignment", "64"), Error);
    EXPECT_EQ(w.alignment(), 64u);
    EXPECT_THROW(Writer(0), Error);
    EXPECT_THROW(Writer(48), Error);
    EXPECT_THROW(Writer(3), Error);
}

TEST(Writer, EveryKnownTensorTypeRoundTrips) {
    Writer w;
    std::vector<std::vector<uint8_t>> keep;
    int n = 0;
    for (uint32_t id = 0; id < 64; ++id) {
        const auto info = dtype_info(id);
        if (!info) continue;
        keep.emplace_back(2 * info->block_bytes, static_cast<uint8_t>(id));
        w.add_tensor("t" + std::to_string(id), static_cast<DType>(id), {2, info->block_elems}, keep.back().data(),
                     keep.back().size());
        ++n;
    }
    EXPECT_EQ(n, 32);
    const auto bytes = w.bytes();
    const auto f = File::parse(bytes);
    ASSERT_EQ(f->tensors().size(), 32u);
    for (const auto& t : f->tensors()) {
        const auto id = static_cast<uint32_t>(t.dtype);
        EXPECT_EQ(t.name, "t" + std::to_string(id));
        EXPECT_EQ(t.n_bytes, 2u * dtype_info(id)->block_bytes);
        EXPECT_EQ(t.data[t.n_bytes - 1], static_cast<uint8_t>(id));
    }
}

TEST(Writer, RejectsBadTensors) {
    Writer w;
    const std::vector<uint8_t> buf(4096);
    w.add_tensor("ok", DType::F32, {4}, buf.data(), 16);
    EXPECT_THROW(w.add_tensor("ok", DType::F32, {4}, buf.data(), 16), Error);  // duplicate
    EXPECT_THROW(w.add_tensor("", DType::F32, {4}, buf.data(), 16), Error);
    EXPECT_THROW(w.add_tensor("a", DType::F32, {}, buf.data(), 4), Error);
    EXPECT_THROW(w.add_tensor("a", DType::F32, {1, 1, 1, 1, 1}, buf.data(), 4), Error);
    EXPECT_THROW(w.add_tensor("a", DType::F32, {0, 4}, buf.data(), 0), Error);
    EXPECT_THROW(w.add_tensor("a", DType::F32, {-2, -2}, buf.data(), 16), Error);
    EXPECT_THROW(w.add_tensor("a", DType::F32, {4}, buf.data(), 15), Error);
    EXPECT_THROW(w.add_tensor("a", DType::Q4_0, {16}, buf.data(), 9), Error);  // row not a multiple of 32
    EXPECT_THROW(w.add_tensor("a", DType::F32, {int64_t{1} << 32, int64_t{1} << 32}, buf.data(), 16), Error);
    EXPECT_THROW(w.add_tensor("a", static_cast<DType>(4), {32}, buf.data(), 18), Error);
    EXPECT_THROW(w.add_tensor("a", DType::F32, {4}, nullptr, 16), Error);
    try {
        w.add_tensor("named", DType::F32, {4}, buf.data(), 12);
        FAIL() << "expected snug::Error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("'named'"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("12 bytes given, 16 expected"), std::string::npos) << e.what();
    }
    const auto bytes = w.bytes();
    EXPECT_EQ(File::parse(bytes)->tensors().size(), 1u);  // the rejected calls left nothing behind
}

TEST(Writer, RejectsValuesItCannotWriteFaithfully) {
    Writer w;
    EXPECT_THROW(w.set_value("a", scalar(ValueType::UINT8, 256)), Error);
    EXPECT_THROW(w.set_value("a", scalar(ValueType::INT8, 0, 128)), Error);
    EXPECT_THROW(w.set_value("a", scalar(ValueType::INT16, 0, -32769)), Error);
    EXPECT_THROW(w.set_value("a", scalar(ValueType::UINT32, uint64_t{1} << 32)), Error);
    EXPECT_THROW(w.set_value("a", scalar(ValueType::INT32, 0, int64_t{1} << 31)), Error);
    EXPECT_THROW(w.set_value("a", scalar(static_cast<ValueType>(13))), Error);
    EXPECT_THROW(w.set_value("a", array(static_cast<ValueType>(99), {})), Error);
    try {  // an array declared uint8 holding a string
        w.set_value("mixed", array(ValueType::UINT8, {scalar(ValueType::UINT8, 1), text("x")}));
        FAIL() << "expected snug::Error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("'mixed'[1] has type string in an array of uint8"), std::string::npos)
            << e.what();
    }
    EXPECT_THROW(w.set_u32("", 1), Error);
    EXPECT_THROW(w.set_u32(std::string(65536, 'k'), 1), Error);
    EXPECT_NO_THROW(w.set_u32(std::string(65535, 'k'), 1));
    const auto bytes = w.bytes();
    EXPECT_EQ(File::parse(bytes)->metadata().size(), 1u);
}

TEST(Writer, ReplacingAKeyKeepsItsPlace) {
    Writer w;
    w.set_u32("a", 1);
    w.set_string("b", "x");
    w.set_strings("a", {"p", "q"});
    const auto bytes = w.bytes();
    const auto f = File::parse(bytes);
    ASSERT_EQ(f->metadata().size(), 2u);
    EXPECT_EQ(f->metadata()[0].first, "a");
    EXPECT_EQ(f->find("a")->arr.at(1).str, "q");
}

TEST(Writer, OwnsItsStrings) {
    std::optional<Writer> copy;
    {
        Writer w;
        {
            std::string key = "k", value(40, 'v'), short_value = "sso";
            std::vector<Value> items = {text(value), text(short_value)};
            w.set_value(key, array(ValueType::STRING, items));
            w.set_string("short", short_value);
            value.assign(40, '#');  // the caller's buffers change and die: the writer kept copies
            short_value = "###";
        }
        for (int k = 0; k < 200; ++k) w.set_string("pad." + std::to_string(k), "p");  // grow and move the entries
        copy.emplace(w);
    }  // the original is gone; the copy's views must still be valid
    const auto bytes = copy->bytes();
    const auto f = File::parse(bytes);
    EXPECT_EQ(f->find("k")->arr.at(0).str, std::string(40, 'v'));
    EXPECT_EQ(f->find("k")->arr.at(1).str, "sso");
    EXPECT_EQ(f->get_string("short"), "sso");
    EXPECT_EQ(f->metadata().size(), 202u);
}

TEST(Writer, WritesFilesAtomically) {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("snug_gguf_writer_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
    std::filesystem::create_directories(dir);
    const std::string path = (dir / "m.gguf").string();
    Writer w(64);
    w.set_string("general.architecture", "llama");
    const uint16_t halves[4] = {0x3c00, 0xc000, 0x0000, 0x7bff};
    w.add_tensor("h", DType::F16, {2, 2}, halves, sizeof halves);
    w.write(path);
    EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
    {
        const auto f = File::open(path);
        EXPECT_EQ(f->alignment(), 64u);
        EXPECT_EQ(f->require_string("general.architecture"), "llama");
        const TensorInfo* h = f->find_tensor("h");
        ASSERT_NE(h, nullptr);
        uint16_t back[4];
        std::memcpy(back, h->data, sizeof back);
        EXPECT_EQ(back[3], 0x7bff);
        EXPECT_EQ(f->file_size(), std::filesystem::file_size(path));
    }
    EXPECT_THROW(w.write((dir / "no_such_dir" / "m.gguf").string()), Error);
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace snug::gguf
