// tests/unit/gguf_dtype.cpp: the block geometry table in base/dtype, against sizes worked out by hand from ggml's
// block structs (e.g. block_q4_K = f16 d, f16 dmin, u8 scales[12], u8 qs[128] = 144 bytes per 256 weights).
#include <gtest/gtest.h>

#include <set>

#include "base/dtype.h"
#include "base/error.h"

namespace snug {
namespace {

struct Geometry {
    uint32_t id;
    const char* name;
    uint32_t block_elems, block_bytes;
};

// clang-format off
const Geometry EXPECTED[] = {
    {0, "f32", 1, 4},         {1, "f16", 1, 2},
    {2, "q4_0", 32, 2 + 16},  {3, "q4_1", 32, 2 + 2 + 16},
    {6, "q5_0", 32, 2 + 4 + 16}, {7, "q5_1", 32, 2 + 2 + 4 + 16},
    {8, "q8_0", 32, 2 + 32},  {9, "q8_1", 32, 2 + 2 + 32},
    {10, "q2_K", 256, 16 + 64 + 2 + 2},          {11, "q3_K", 256, 32 + 64 + 12 + 2},
    {12, "q4_K", 256, 2 + 2 + 12 + 128},         {13, "q5_K", 256, 2 + 2 + 12 + 32 + 128},
    {14, "q6_K", 256, 128 + 64 + 16 + 2},        {15, "q8_K", 256, 4 + 256 + 16 * 2},
    {16, "iq2_xxs", 256, 2 + 32 * 2},            {17, "iq2_xs", 256, 2 + 32 * 2 + 8},
    {18, "iq3_xxs", 256, 2 + 96},                {19, "iq1_s", 256, 2 + 32 + 8 * 2},
    {20, "iq4_nl", 32, 2 + 16},                  {21, "iq3_s", 256, 2 + 64 + 8 + 32 + 4},
    {22, "iq2_s", 256, 2 + 64 + 8 + 8},          {23, "iq4_xs", 256, 2 + 2 + 4 + 128},
    {24, "i8", 1, 1}, {25, "i16", 1, 2}, {26, "i32", 1, 4}, {27, "i64", 1, 8}, {28, "f64", 1, 8},
    {29, "iq1_m", 256, 32 + 16 + 8},             {30, "bf16", 1, 2},
    {34, "tq1_0", 256, 48 + 4 + 2},              {35, "tq2_0", 256, 64 + 2},
    {39, "mxfp4", 32, 1 + 16},
};
// clang-format on

TEST(DType, GeometryOfEveryKnownType) {
    for (const auto& g : EXPECTED) {
        const auto info = dtype_info(g.id);
        ASSERT_TRUE(info.has_value()) << g.name;
        EXPECT_EQ(info->name, g.name);
        EXPECT_EQ(info->block_elems, g.block_elems) << g.name;
        EXPECT_EQ(info->block_bytes, g.block_bytes) << g.name;
        EXPECT_EQ(dtype_name(static_cast<DType>(g.id)), g.name);
        EXPECT_EQ(&dtype_info(static_cast<DType>(g.id)), &dtype_info(static_cast<DType>(g.id)));
    }
}

TEST(DType, RemovedAndFutureIdsAreUnknown) {
    std::set<uint32_t> known;
    for (const auto& g : EXPECTED) known.insert(g.id);
    for (uint32_t id = 0; id < 200; ++id) EXPECT_EQ(dtype_info(id).has_value(), known.count(id) == 1) << id;
    for (uint32_t id : {4u, 5u, 31u, 32u, 33u, 36u, 37u, 38u, 40u, 0xffffffffu}) EXPECT_FALSE(dtype_info(id)) << id;
    EXPECT_THROW(dtype_info(static_cast<DType>(4)), Error);
    EXPECT_THROW(dtype_info(static_cast<DType>(1000)), Error);
}

TEST(DType, ComputableSet) {
    // What quant/ and the backends promise to handle; the rest can be read but not used.
    const std::set<std::string_view> computable = {"f32",  "f16",  "bf16", "q4_0", "q4_1", "q5_0", "q5_1",
                                                   "q8_0", "q2_K", "q3_K", "q4_K", "q5_K", "q6_K", "iq4_nl",
                                                   "iq4_xs"};
    for (const auto& g : EXPECTED) EXPECT_EQ(dtype_info(g.id)->computable, computable.count(g.name) == 1) << g.name;
}

TEST(DType, RowBytes) {
    EXPECT_EQ(row_bytes(DType::F32, 64), 256u);
    EXPECT_EQ(row_bytes(DType::F16, 7), 14u);
    EXPECT_EQ(row_bytes(DType::Q4_0, 4096), 128u * 18u);
    EXPECT_EQ(row_bytes(DType::Q4_K, 4096), 16u * 144u);
    EXPECT_EQ(row_bytes(DType::Q6_K, 256), 210u);
    EXPECT_EQ(row_bytes(DType::IQ4_NL, 64), 36u);
    EXPECT_EQ(row_bytes(DType::Q8_0, int64_t{1} << 40), (size_t{1} << 35) * 34u);
}

}  // namespace
}  // namespace snug
