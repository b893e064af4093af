// base/dtype.cpp: block geometry table, per ggml's type traits (ggml/src/ggml.c type_traits) and the GGUF spec.
// Ids 4, 5 and 31-33, 36-38 were removed from ggml (old Q4_2/Q4_3 and repacked layouts) and are unknown here.
#include "base/dtype.h"

#include <array>
#include <string>

#include "base/error.h"

namespace snug {
namespace {

struct Row {
    uint32_t id;
    DTypeInfo info;
};

constexpr Row TABLE[] = {
    {0, {"f32", 1, 4, true}},        {1, {"f16", 1, 2, true}},         {2, {"q4_0", 32, 18, true}},
    {3, {"q4_1", 32, 20, true}},     {6, {"q5_0", 32, 22, true}},      {7, {"q5_1", 32, 24, true}},
    {8, {"q8_0", 32, 34, true}},     {9, {"q8_1", 32, 36, false}},     {10, {"q2_K", 256, 84, true}},
    {11, {"q3_K", 256, 110, true}},  {12, {"q4_K", 256, 144, true}},   {13, {"q5_K", 256, 176, true}},
    {14, {"q6_K", 256, 210, true}},  {15, {"q8_K", 256, 292, false}},  {16, {"iq2_xxs", 256, 66, false}},
    {17, {"iq2_xs", 256, 74, false}}, {18, {"iq3_xxs", 256, 98, false}}, {19, {"iq1_s", 256, 50, false}},
    {20, {"iq4_nl", 32, 18, true}},  {21, {"iq3_s", 256, 110, false}}, {22, {"iq2_s", 256, 82, false}},
    {23, {"iq4_xs", 256, 136, true}}, {24, {"i8", 1, 1, false}},       {25, {"i16", 1, 2, false}},
    {26, {"i32", 1, 4, false}},      {27, {"i64", 1, 8, false}},       {28, {"f64", 1, 8, false}},
    {29, {"iq1_m", 256, 56, false}}, {30, {"bf16", 1, 2, true}},       {34, {"tq1_0", 256, 54, false}},
    {35, {"tq2_0", 256, 66, false}}, {39, {"mxfp4", 32, 17, false}},
};

constexpr uint32_t N_IDS = 40;

// Indexed by type id: a lookup per row_bytes() call must not scan the table.
constexpr std::array<std::optional<DTypeInfo>, N_IDS> BY_ID = [] {
    std::array<std::optional<DTypeInfo>, N_IDS> a{};
    for (const auto& r : TABLE) a[r.id] = r.info;
    return a;
}();

}  // namespace

std::optional<DTypeInfo> dtype_info(uint32_t type_id) {
    if (type_id >= N_IDS) return std::nullopt;
    return BY_ID[type_id];
}

const DTypeInfo& dtype_info(DType t) {
    const auto id = static_cast<uint32_t>(t);
    // A DType made by casting an unchecked id; failing loudly beats handing out another type's geometry.
    if (id >= N_IDS || !BY_ID[id]) throw Error("unknown DType id " + std::to_string(id));
    return *BY_ID[id];
}

}  // namespace snug
