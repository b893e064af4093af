// backends/cpu/matmul.cpp: the matmul driver shared by every kernel table, and the tables themselves.
// Per call: (1) activation rows are quantized into scratch (by the caller when there are one or two, across the pool
// otherwise); (2) the weight rows (or the tokens, when rows are few) are cut into several chunks per thread that the
// pool's threads claim as they go, so a thread the OS has parked costs its current chunk, not a fixed share. Each
// thread prepares a few rows at a time into its own scratch slice and runs the table's gemm over all the chunk's
// tokens. Nothing is allocated.
#include "backends/cpu/matmul.h"

#include <algorithm>

#include "backends/cpu/avx2/kernels.h"
#include "backends/cpu/avx512/kernels.h"
#include "backends/cpu/avx512bf16/kernels.h"
#include "backends/cpu/avx512vnni/kernels.h"
#include "backends/cpu/dispatch.h"
#include "backends/cpu/ref/kernels_ref.h"
#include "backends/cpu/ref/vec_dot_ref.h"
#include "base/thread_pool.h"

namespace snug {

size_t mm::act_row_bytes(ActFormat f, int64_t k) {
    switch (f) {
        case ActFormat::NONE:
        case ActFormat::F32: return 0;
        case ActFormat::BF16: return static_cast<size_t>((k + 31) / 32 * 64);
        case ActFormat::Q8X32: return static_cast<size_t>(n_groups(k)) * sizeof(ActQ8x32);
        case ActFormat::Q8K: return static_cast<size_t>(n_groups(k)) * sizeof(ActQ8K);
    }
    return 0;
}

size_t matmul_scalar_scratch_bytes(Tensor, const Tensor& w, int n_threads) {
    return static_cast<size_t>(w.cols()) * sizeof(float) * static_cast<size_t>(n_threads);
}

void matmul_scalar(ThreadPool& pool, Tensor y, Tensor x, const Tensor& w, void* scratch) {
    pool.run([&](int ith, int nth) {
        int64_t r0, r1;
        ThreadPool::split(w.rows(), ith, nth, r0, r1, 16);
        if (r0 < r1) ref::matmul(y, x, w, r0, r1, static_cast<float*>(scratch) + ith * w.cols());
    });
}

namespace {

constexpr size_t ALIGN = 64;
constexpr size_t DECODE_CHUNK_BYTES = 16 << 10;   // prepared rows per round when decoding: stays in L1
constexpr size_t PREFILL_CHUNK_BYTES = 128 << 10;  // prepared rows reused by every token tile: L2
constexpr int64_t MAX_CHUNK_ROWS = 64;
constexpr int64_t SERIAL_QUANTIZE_ROWS = 2;  // up to this many activation rows the caller quantizes them alone
constexpr int64_t CHUNKS_PER_THREAD = 8;     // work pieces per thread: load balance against per-claim cost

size_t round_up(size_t v, size_t a) { return (v + a - 1) / a * a; }

struct Plan {
    const mm::MatmulTypeKernels* kt = nullptr;  // null: no kernel in this table, use matmul_scalar
    int64_t n = 0, m = 0, k = 0;
    size_t act_row = 0;         // bytes per quantized activation row; 0: x is read in place
    size_t prep_row = 0;        // bytes per prepared weight row; 0: the gemm reads raw rows
    int64_t chunk_rows = 1;     // weight rows per prepare + gemm round
    bool split_tokens = false;  // threads split tokens rather than rows (few rows, many tokens)
    bool fused = false;         // decode: the table's gemv prepares group by group, no prepared rows in scratch
    size_t act_bytes = 0;       // scratch for all activation rows
    size_t prep_bytes = 0;      // scratch for one thread's prepared chunk
};

Plan make_plan(const mm::MatmulIsaTable& table, const Tensor& x, const Tensor& w, int nth) {
    Plan p;
    const auto id = static_cast<uint32_t>(w.dtype);
    if (id >= mm::N_DTYPE_SLOTS || table.types[id].gemm == nullptr) return p;
    p.kt = &table.types[id];
    p.n = x.rows();
    p.m = w.rows();
    p.k = w.cols();
    p.act_row = round_up(mm::act_row_bytes(p.kt->act, p.k), ALIGN);
    p.fused = p.kt->gemv != nullptr && p.n <= avx2::GEMV_MAX_TOKENS;
    p.prep_row = p.fused ? 0 : p.kt->prep_group_bytes * static_cast<size_t>(mm::n_groups(p.k));
    const size_t row_bytes = std::max<size_t>(1, p.prep_row ? p.prep_row : w.row_bytes());
    const size_t target = p.n <= 2 ? DECODE_CHUNK_BYTES : PREFILL_CHUNK_BYTES;
    p.chunk_rows = std::clamp<int64_t>(static_cast<int64_t>(target / row_bytes), 1, MAX_CHUNK_ROWS);
    // Raw (float) rows are read in k-blocks by the gemm: the working set is a slice of each row, so take many rows.
    if (p.prep_row == 0 && p.n > 2) p.chunk_rows = MAX_CHUNK_ROWS;
    p.split_tokens = nth > 1 && p.m < 16 * nth && p.n >= 4 * nth;
    p.act_bytes = round_up(p.act_row * static_cast<size_t>(p.n), ALIGN);
    p.prep_bytes = round_up(p.prep_row * static_cast<size_t>(p.chunk_rows), ALIGN);
    return p;
}

}  // namespace

size_t matmul_table_scratch_bytes(const mm::MatmulIsaTable& table, Tensor x, const Tensor& w, int n_threads) {
    const Plan p = make_plan(table, x, w, n_threads);
    if (!p.kt) return matmul_scalar_scratch_bytes(x, w, n_threads);
    return p.act_bytes + p.prep_bytes * static_cast<size_t>(n_threads);
}

void matmul_with_table(const mm::MatmulIsaTable& table, ThreadPool& pool, Tensor y, Tensor x, const Tensor& w,
                       void* scratch) {
    const Plan p = make_plan(table, x, w, pool.size());
    if (!p.kt) return matmul_scalar(pool, y, x, w, scratch);
    uint8_t* act = static_cast<uint8_t*>(scratch);
    uint8_t* prep = act + p.act_bytes;
    const bool quantize = p.kt->act != mm::ActFormat::F32;
    const float* xs = x.f32();
    float* ys = y.f32();
    if (quantize) {
        auto quantize_row = [&](int64_t t, int) {
            p.kt->quantize_act(xs + t * p.k, act + static_cast<size_t>(t) * p.act_row, p.k);
        };
        if (p.n <= SERIAL_QUANTIZE_ROWS) {
            for (int64_t t = 0; t < p.n; ++t) quantize_row(t, 0);
        } else {
            pool.run_chunks(p.n, quantize_row);
        }
    }
    // Chunks: token ranges (whole rows each), or row ranges of whole prepare rounds (4 rows when fused).
    const int64_t items = p.split_tokens ? p.n : p.m;
    const int64_t grain = p.split_tokens ? 1 : p.fused ? 4 : p.chunk_rows;
    const int64_t n_chunks =
        std::max<int64_t>(1, std::min((items + grain - 1) / grain, CHUNKS_PER_THREAD * pool.size()));
    pool.run_chunks(n_chunks, [&](int64_t chunk, int thread) {
        int64_t r0 = 0, r1 = p.m, t0 = 0, t1 = p.n;
        if (p.split_tokens) {
            ThreadPool::split(p.n, static_cast<int>(chunk), static_cast<int>(n_chunks), t0, t1);
        } else {
            ThreadPool::split(p.m, static_cast<int>(chunk), static_cast<int>(n_chunks), r0, r1, grain);
        }
        if (r0 >= r1 || t0 >= t1) return;
        mm::GemmArgs g;
        g.x = quantize ? act + static_cast<size_t>(t0) * p.act_row : reinterpret_cast<const uint8_t*>(xs + t0 * p.k);
        g.x_stride = quantize ? p.act_row : static_cast<size_t>(p.k) * sizeof(float);
        g.n_tok = t1 - t0;
        g.y_stride = p.m;
        g.k = p.k;
        if (p.fused) {
            g.w = w.row_ptr(r0);
            g.w_stride = w.row_bytes();
            g.n_rows = r1 - r0;
            g.group_raw_bytes = row_bytes(w.dtype, mm::GROUP);
            g.y = ys + t0 * p.m + r0;
            return p.kt->gemv(g, p.kt->prepare);
        }
        uint8_t* buf = prep + static_cast<size_t>(thread) * p.prep_bytes;
        for (int64_t c0 = r0; c0 < r1; c0 += p.chunk_rows) {
            g.n_rows = std::min(p.chunk_rows, r1 - c0);
            if (p.prep_row) {
                for (int64_t r = 0; r < g.n_rows; ++r)
                    p.kt->prepare(w.row_ptr(c0 + r), buf + static_cast<size_t>(r) * p.prep_row, p.k);
                g.w = buf;
                g.w_stride = p.prep_row;
            } else {
                g.w = w.row_ptr(c0);
                g.w_stride = w.row_bytes();
            }
            g.y = ys + t0 * p.m + c0;
            p.kt->gemm(g);
        }
    });
}

// ---- tables ----

namespace {

using Gemm = void (*)(const mm::GemmArgs&);
using Prepare = mm::PrepareFn;
using Gemv = void (*)(const mm::GemmArgs&, mm::PrepareFn);

mm::MatmulTypeKernels floats(Gemm gemm) { return {mm::ActFormat::F32, nullptr, 0, nullptr, gemm, nullptr}; }
// Decode uses the AVX2 gemvs in every table: it is bound by memory, not by vector width.
mm::MatmulTypeKernels q32(Prepare prep, Gemm gemm, Gemv gemv) {
    return {mm::ActFormat::Q8X32, avx2::quantize_act_q8x32, sizeof(mm::PrepQ32), prep, gemm, gemv};
}
mm::MatmulTypeKernels kq(Prepare prep, Gemm gemm, Gemv gemv) {
    return {mm::ActFormat::Q8K, avx2::quantize_act_q8k, sizeof(mm::PrepK), prep, gemm, gemv};
}

// The weight-type -> kernel map every SIMD table shares; gemms per ISA.
struct IsaGemms {
    Gemm f32, f16, bf16, q32, q32_signed, k, k_signed;
    bool offset_signed;  // Q8_0 / IQ4_NL prepared as value + 128 for q32 (VNNI)
};

mm::MatmulIsaTable make_table(const char* name, const IsaGemms& g) {
    mm::MatmulIsaTable t;
    t.name = name;
    auto set = [&](DType d, mm::MatmulTypeKernels k) { t.types[static_cast<int>(d)] = k; };
    set(DType::F32, floats(g.f32));
    set(DType::F16, floats(g.f16));
    set(DType::BF16, floats(g.bf16));
    set(DType::Q4_0, q32(avx2::prepare_q4_0, g.q32, avx2::gemv_q4_0));
    set(DType::Q4_1, q32(avx2::prepare_q4_1, g.q32, avx2::gemv_q4_1));
    set(DType::Q5_0, q32(avx2::prepare_q5_0, g.q32, avx2::gemv_q5_0));
    set(DType::Q5_1, q32(avx2::prepare_q5_1, g.q32, avx2::gemv_q5_1));
    if (g.offset_signed) {
        set(DType::Q8_0, q32(avx2::prepare_q8_0_offset, g.q32, avx2::gemv_q8_0));
        set(DType::IQ4_NL, q32(avx2::prepare_iq4_nl_offset, g.q32, avx2::gemv_iq4_nl));
    } else {
        set(DType::Q8_0, q32(avx2::prepare_q8_0, g.q32_signed, avx2::gemv_q8_0));
        set(DType::IQ4_NL, q32(avx2::prepare_iq4_nl, g.q32_signed, avx2::gemv_iq4_nl));
    }
    set(DType::Q2_K, kq(avx2::prepare_q2_k, g.k, avx2::gemv_k));
    set(DType::Q3_K, kq(avx2::prepare_q3_k, g.k, avx2::gemv_k));
    set(DType::Q4_K, kq(avx2::prepare_q4_k, g.k, avx2::gemv_q4_k));
    set(DType::Q5_K, kq(avx2::prepare_q5_k, g.k, avx2::gemv_q5_k));
    set(DType::Q6_K, kq(avx2::prepare_q6_k, g.k, avx2::gemv_q6_k));
    set(DType::IQ4_XS, kq(avx2::prepare_iq4_xs, g.k_signed, avx2::gemv_k_signed));
    return t;
}

const CpuFeatures& features() {
    static const CpuFeatures f = detect_cpu_features();
    return f;
}

bool has_avx2() { return features().avx2 && features().fma && features().f16c; }
bool has_avx512() {
    const CpuFeatures& f = features();
    return has_avx2() && f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq;
}

}  // namespace

const char* matmul_variant_name(MatmulVariant v) {
    switch (v) {
        case MatmulVariant::REF: return "ref";
        case MatmulVariant::AVX2: return "avx2";
        case MatmulVariant::AVX512: return "avx512";
        case MatmulVariant::AVX512_VNNI: return "avx512_vnni";
    }
    return "?";
}

const mm::MatmulIsaTable* matmul_table(MatmulVariant v) {
    switch (v) {
        case MatmulVariant::REF: return &ref::matmul_table();
        case MatmulVariant::AVX2: {
            if (!has_avx2()) return nullptr;
            static const mm::MatmulIsaTable t =
                make_table("avx2", {avx2::gemm_f32, avx2::gemm_f16, avx2::gemm_bf16, avx2::gemm_q32,
                                    avx2::gemm_q32_signed, avx2::gemm_k, avx2::gemm_k_signed, false});
            return &t;
        }
        case MatmulVariant::AVX512: {
            if (!has_avx512()) return nullptr;
            static const mm::MatmulIsaTable t =
                make_table("avx512", {avx512::gemm_f32, avx512::gemm_f16, avx512::gemm_bf16, avx512::gemm_q32,
                                      avx512::gemm_q32_signed, avx512::gemm_k, avx512::gemm_k_signed, false});
            return &t;
        }
        case MatmulVariant::AVX512_VNNI: {
            if (!has_avx512() || !features().avx512vnni) return nullptr;
            static const mm::MatmulIsaTable t = [] {
                mm::MatmulIsaTable table = make_table(
                    "avx512_vnni", {avx512::gemm_f32, avx512::gemm_f16, avx512::gemm_bf16, avx512vnni::gemm_q32,
                                    nullptr, avx512vnni::gemm_k, avx512vnni::gemm_k_signed, true});
                if (features().avx512bf16) {
                    table.types[static_cast<int>(DType::BF16)] = {
                        mm::ActFormat::BF16, avx512bf16::quantize_act_bf16, 0, nullptr, avx512bf16::gemm_bf16, nullptr};
                }
                return table;
            }();
            return &t;
        }
    }
    return nullptr;
}

void matmul_avx2(ThreadPool& pool, Tensor y, Tensor x, const Tensor& w, void* scratch) {
    static const mm::MatmulIsaTable* t = matmul_table(MatmulVariant::AVX2);
    matmul_with_table(*t, pool, y, x, w, scratch);
}

size_t matmul_avx2_scratch_bytes(Tensor x, const Tensor& w, int n_threads) {
    static const mm::MatmulIsaTable* t = matmul_table(MatmulVariant::AVX2);
    return matmul_table_scratch_bytes(*t, x, w, n_threads);
}

namespace {
const mm::MatmulIsaTable* best_avx512_table() {
    static const mm::MatmulIsaTable* t = [] {
        const mm::MatmulIsaTable* vnni = matmul_table(MatmulVariant::AVX512_VNNI);
        return vnni ? vnni : matmul_table(MatmulVariant::AVX512);
    }();
    return t;
}
}  // namespace

void matmul_avx512(ThreadPool& pool, Tensor y, Tensor x, const Tensor& w, void* scratch) {
    matmul_with_table(*best_avx512_table(), pool, y, x, w, scratch);
}

size_t matmul_avx512_scratch_bytes(Tensor x, const Tensor& w, int n_threads) {
    return matmul_table_scratch_bytes(*best_avx512_table(), x, w, n_threads);
}

}  // namespace snug
