// backends/cpu/matmul_formats.h: the layouts the fast matmul works in, and the per-ISA kernel table.
// Owns: quantized-activation formats, prepared-weight formats, the kernel signatures. Not the kernels.
//
// Every quantized matmul runs in three steps (driver in matmul.cpp):
//   1. quantize each activation row of x once (ActQ8x32 or ActQ8K groups, or bf16),
//   2. "prepare" a few weight rows at a time into an L1/L2-resident buffer: blocks unpacked to one byte per weight
//      plus float or integer scales (PrepQ32 / PrepK), so the dot kernels are shared by every weight type,
//   3. integer dot products of prepared rows with activation rows, scaled to float.
// All formats work in groups of GROUP = 256 elements; rows of 32-block types whose length is not a multiple of
// 256 are zero-padded to whole groups (zero scales, zero quants).
// NOTE: these structs are only ever read from buffers the matmul writes itself (64-byte aligned scratch).
#pragma once
#include <cstddef>
#include <cstdint>

namespace snug::mm {

constexpr int GROUP = 256;

inline int64_t n_groups(int64_t k) { return (k + GROUP - 1) / GROUP; }

// Activations for weight types with 32-element blocks. Element 32j + i of the group is d[j] * qs[32j + i].
struct ActQ8x32 {
    int8_t qs[GROUP];  // in [-127, 127]
    float d[8];        // per-block scale: max |x| / 127
    float s[8];        // d[j] * sum of the block's qs, for weight offsets
};
static_assert(sizeof(ActQ8x32) == 320);

// Activations for K-quants and IQ4_XS: one scale per 256 and sums per 16 (as ggml's Q8_K).
struct ActQ8K {
    int8_t qs[GROUP];    // in [-127, 127]
    int16_t bsums[16];   // sum of qs[16g .. 16g + 16)
    float d;             // max |x| / 127
    uint8_t pad[28];
};
static_assert(sizeof(ActQ8K) == 320);

// A group of 8 weight blocks of 32. The group's dot with an ActQ8x32 group a is
//   sum_j d[j] * a.d[j] * (sum_i q[32j + i] * a.qs[32j + i]) + m[j] * a.s[j].
// q holds unsigned values for maddubs/dpbusd (Q4_0: the nibble, with m = -8 d), or, for types whose values are
// signed (Q8_0, IQ4_NL), either signed values (sign trick) or value + 128 with m = -128 d (VNNI), per the ISA.
struct PrepQ32 {
    uint8_t q[GROUP];
    float d[8];
    float m[8];
};
static_assert(sizeof(PrepQ32) == 320);

// A K-quant super-block of 256 unpacked. Its dot with an ActQ8K group a is
//   a.d * (d * sum_g sc[g] * (sum_{i in g} q[i] * a.qs[i]) + dmin * sum_g mn[g] * a.bsums[g]),  g = 16-element group.
// q is unsigned (Q4_K: the nibble, mn = sub-block min, dmin = -super-min) except for IQ4_XS (signed levels).
struct PrepK {
    uint8_t q[GROUP];
    int16_t sc[16];
    int16_t mn[16];
    float d;
    float dmin;
    uint8_t pad[56];
};
static_assert(sizeof(PrepK) == 384);

enum class ActFormat : uint8_t { NONE, F32, BF16, Q8X32, Q8K };

// Bytes of one activation row of k elements in format f (F32 reads x in place: 0).
size_t act_row_bytes(ActFormat f, int64_t k);

// One tile of work: y[t * y_stride + r] = dot(weight row r, activation row t), r < n_rows, t < n_tok.
struct GemmArgs {
    const uint8_t* w = nullptr;  // n_rows rows, prepared (PrepQ32/PrepK groups) or raw, w_stride bytes apart
    size_t w_stride = 0;
    int64_t n_rows = 0;
    const uint8_t* x = nullptr;  // n_tok activation rows in the type's ActFormat (F32: floats), x_stride bytes apart
    size_t x_stride = 0;
    int64_t n_tok = 0;
    float* y = nullptr;
    int64_t y_stride = 0;
    int64_t k = 0;  // elements per row
    size_t group_raw_bytes = 0;  // gemv only: bytes of one 256-element group of a raw weight row
};

using PrepareFn = void (*)(const uint8_t* w_row, void* dst, int64_t k);

// The kernels for one weight type on one ISA. gemm == nullptr: no fast kernel (the driver falls back to scalar).
struct MatmulTypeKernels {
    ActFormat act = ActFormat::NONE;
    void (*quantize_act)(const float* x, void* dst, int64_t k) = nullptr;  // one row; null for ActFormat::F32
    size_t prep_group_bytes = 0;                                         // 0: gemm reads raw weight rows
    PrepareFn prepare = nullptr;  // one row into n_groups(k) groups
    void (*gemm)(const GemmArgs& a) = nullptr;
    // Decode path (few tokens): a.w holds raw rows; each 256-element group is prepared into a stack buffer and
    // consumed at once, so the weight stream from memory never pauses. Null: use prepare + gemm.
    void (*gemv)(const GemmArgs& a, PrepareFn prepare) = nullptr;
};

constexpr int N_DTYPE_SLOTS = 40;  // DType ids are < 40

struct MatmulIsaTable {
    const char* name = "";
    MatmulTypeKernels types[N_DTYPE_SLOTS];
};

}  // namespace snug::mm
