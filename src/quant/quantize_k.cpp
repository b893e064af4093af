// quant/quantize_k.cpp: reference quantizers for the 256-element K-quants, Q8_K and the IQ4 formats, following
// ggml's quantize_row_*_ref (ggml/src/ggml-quants.c) operation for operation, with no importance matrix: the
// bytes equal llama-quantize's for these types. The scale searches are ggml's heuristics; changing the order of
// any float operation here changes output bytes, so the arithmetic is kept exactly as written (and the file is
// compiled with -ffp-contract=off).
#include <algorithm>
#include <cmath>

#include "quant/quant_internal.h"

namespace snug::quant::detail {
namespace {

constexpr float GROUP_MAX_EPS = 1e-15f;  // a group whose |max| is below this is treated as all zeros

int clamp_int(int v, int lo, int hi) { return std::max(lo, std::min(hi, v)); }

// Largest |x| and the signed value that has it (the first one, on ties).
void abs_max(const float* x, int n, float& amax, float& max) {
    amax = 0.0f;
    max = 0.0f;
    for (int i = 0; i < n; ++i) {
        const float ax = std::fabs(x[i]);
        if (ax > amax) {
            amax = ax;
            max = x[i];
        }
    }
}

// Symmetric fit x ~= scale * (L - nmax), L in [0, 2 nmax), weighting errors by x^2 (ggml make_qx_quants with
// rmse_type 1): start from the scale that maps the extreme to -nmax, then try 18 nearby scales and keep the
// one with the best weighted least-squares fit.
float fit_symmetric(int n, int nmax, const float* x, int8_t* L) {
    float amax, max;
    abs_max(x, n, amax, max);
    if (amax < GROUP_MAX_EPS) {
        std::fill(L, L + n, int8_t{0});
        return 0.0f;
    }
    float iscale = -nmax / max;
    float sumlx = 0, suml2 = 0;
    for (int i = 0; i < n; ++i) {
        const int l = clamp_int(nearest_int(iscale * x[i]), -nmax, nmax - 1);
        L[i] = static_cast<int8_t>(l + nmax);
        const float w = x[i] * x[i];
        sumlx += w * x[i] * l;
        suml2 += w * l * l;
    }
    float scale = suml2 != 0.0f ? sumlx / suml2 : 0.0f;
    float best = scale * sumlx;
    for (int is = -9; is <= 9; ++is) {
        if (is == 0) continue;
        iscale = -(nmax + 0.1f * is) / max;
        sumlx = suml2 = 0;
        for (int i = 0; i < n; ++i) {
            const int l = clamp_int(nearest_int(iscale * x[i]), -nmax, nmax - 1);
            const float w = x[i] * x[i];
            sumlx += w * x[i] * l;
            suml2 += w * l * l;
        }
        if (suml2 > 0 && sumlx * sumlx > best * suml2) {
            for (int i = 0; i < n; ++i)
                L[i] = static_cast<int8_t>(nmax + clamp_int(nearest_int(iscale * x[i]), -nmax, nmax - 1));
            scale = sumlx / suml2;
            best = scale * sumlx;
        }
    }
    return scale;
}

// Q3_K's symmetric fit (ggml make_q3_quants with do_rmse): a first rounding, then up to 5 passes of
// coordinate descent moving one L at a time when that improves the x^2-weighted fit. L in [0, 2 nmax).
float fit_q3(int n, int nmax, const float* x, int8_t* L) {
    float amax, max;
    abs_max(x, n, amax, max);
    if (amax < GROUP_MAX_EPS) {
        std::fill(L, L + n, int8_t{0});
        return 0.0f;
    }
    const float iscale = -nmax / max;
    float sumlx = 0, suml2 = 0;
    for (int i = 0; i < n; ++i) {
        const int l = clamp_int(nearest_int(iscale * x[i]), -nmax, nmax - 1);
        L[i] = static_cast<int8_t>(l);
        const float w = x[i] * x[i];
        sumlx += w * x[i] * l;
        suml2 += w * l * l;
    }
    for (int itry = 0; itry < 5; ++itry) {
        int n_changed = 0;
        for (int i = 0; i < n; ++i) {
            const float w = x[i] * x[i];
            float slx = sumlx - w * x[i] * L[i];
            if (slx > 0) {
                float sl2 = suml2 - w * L[i] * L[i];
                const int new_l = clamp_int(nearest_int(x[i] * sl2 / slx), -nmax, nmax - 1);
                if (new_l != L[i]) {
                    slx += w * x[i] * new_l;
                    sl2 += w * new_l * new_l;
                    if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
                        L[i] = static_cast<int8_t>(new_l);
                        sumlx = slx;
                        suml2 = sl2;
                        ++n_changed;
                    }
                }
            }
        }
        if (n_changed == 0) break;
    }
    for (int i = 0; i < n; ++i) L[i] = static_cast<int8_t>(L[i] + nmax);
    return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}

// Affine fit x ~= scale * L - neg_min, L in [0, nmax], neg_min >= 0 (ggml make_qkx2_quants): round on the full
// range, then try nstep + 1 stretched grids and solve weighted least squares for (scale, min) on each, keeping
// the grid with the smallest weighted error (absolute if use_mad, else squared).
float fit_scale_min(int n, int nmax, const float* x, const float* weights, uint8_t* L, float& neg_min,
                    float rmin, float rdelta, int nstep, bool use_mad) {
    float min = x[0], max = x[0];
    float sum_w = weights[0];
    float sum_x = sum_w * x[0];
    for (int i = 1; i < n; ++i) {
        if (x[i] < min) min = x[i];
        if (x[i] > max) max = x[i];
        const float w = weights[i];
        sum_w += w;
        sum_x += w * x[i];
    }
    if (min > 0) min = 0;
    if (max == min) {
        std::fill(L, L + n, uint8_t{0});
        neg_min = -min;
        return 0.0f;
    }
    float iscale = nmax / (max - min);
    float scale = 1 / iscale;
    float best_error = 0;
    for (int i = 0; i < n; ++i) {
        L[i] = static_cast<uint8_t>(clamp_int(nearest_int(iscale * (x[i] - min)), 0, nmax));
        float diff = scale * L[i] + min - x[i];
        diff = use_mad ? std::fabs(diff) : diff * diff;
        best_error += weights[i] * diff;
    }
    uint8_t Laux[QK_K];
    for (int is = 0; is <= nstep; ++is) {
        iscale = (rmin + rdelta * is + nmax) / (max - min);
        float sum_l = 0, sum_l2 = 0, sum_xl = 0;
        for (int i = 0; i < n; ++i) {
            const int l = clamp_int(nearest_int(iscale * (x[i] - min)), 0, nmax);
            Laux[i] = static_cast<uint8_t>(l);
            const float w = weights[i];
            sum_l += w * l;
            sum_l2 += w * l * l;
            sum_xl += w * l * x[i];
        }
        const float D = sum_w * sum_l2 - sum_l * sum_l;
        if (D > 0) {
            float this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
            float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
            if (this_min > 0) {
                this_min = 0;
                this_scale = sum_xl / sum_l2;
            }
            float cur_error = 0;
            for (int i = 0; i < n; ++i) {
                float diff = this_scale * Laux[i] + this_min - x[i];
                diff = use_mad ? std::fabs(diff) : diff * diff;
                cur_error += weights[i] * diff;
            }
            if (cur_error < best_error) {
                std::copy(Laux, Laux + n, L);
                best_error = cur_error;
                scale = this_scale;
                min = this_min;
            }
        }
    }
    neg_min = -min;
    return scale;
}

// Q2_K..Q3_K 2-bit plane: in each half of 128, byte l holds elements l, l+32, l+64, l+96 at bits 0,2,4,6.
void pack_2bit(const uint8_t* L, uint8_t* qs) {
    for (int j = 0; j < QK_K; j += 128)
        for (int l = 0; l < 32; ++l)
            qs[j / 4 + l] = static_cast<uint8_t>(L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) |
                                                 (L[j + l + 96] << 6));
}

// Q4_K/Q5_K: per 32-element sub-block, an affine fit weighted by rms(x) + |x|; scales and mins quantized to 6 bits
// against the largest of each. Fills the scale bytes, d and dmin, and returns the sub-block fits in L.
template <class Block>
void fit_k4_scales(const float* x, Block& b, int nmax, float rmin, int nstep, uint8_t* L) {
    float scales[QK_K / 32], mins[QK_K / 32];
    float max_scale = 0, max_min = 0;
    for (int j = 0; j < QK_K / 32; ++j) {
        const float* xj = x + 32 * j;
        float sum_x2 = 0;
        for (int l = 0; l < 32; ++l) sum_x2 += xj[l] * xj[l];
        const float av_x = std::sqrt(sum_x2 / 32);
        float weights[32];
        for (int l = 0; l < 32; ++l) weights[l] = av_x + std::fabs(xj[l]);
        scales[j] = fit_scale_min(32, nmax, xj, weights, L + 32 * j, mins[j], rmin, 0.1f, nstep, false);
        if (scales[j] > max_scale) max_scale = scales[j];
        if (mins[j] > max_min) max_min = mins[j];
    }
    const float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f;
    const float inv_min = max_min > 0 ? 63.f / max_min : 0.f;
    for (int j = 0; j < QK_K / 32; ++j) {
        // the uint8_t wrap before the clip is ggml's; it only matters for a negative fit
        const auto ls = std::min<uint8_t>(63, static_cast<uint8_t>(nearest_int(inv_scale * scales[j])));
        const auto lm = std::min<uint8_t>(63, static_cast<uint8_t>(nearest_int(inv_min * mins[j])));
        set_scale_min_k4(j, ls, lm, b.scales);
    }
    b.d = to_half(max_scale / 63.f);
    b.dmin = to_half(max_min / 63.f);
}

// Re-rounds each 32-element sub-block against its stored (quantized) scale and min.
template <class Block>
void requantize_k4(const float* x, const Block& b, int nmax, uint8_t* L) {
    for (int j = 0; j < QK_K / 32; ++j) {
        uint8_t sc, m;
        get_scale_min_k4(j, b.scales, sc, m);
        const float d = half(b.d) * sc;
        if (d == 0.0f) continue;
        const float dm = half(b.dmin) * m;
        for (int ii = 0; ii < 32; ++ii)
            L[32 * j + ii] = static_cast<uint8_t>(clamp_int(nearest_int((x[32 * j + ii] + dm) / d), 0, nmax));
    }
}

// Index of the IQ4_NL level nearest to x (the upper one on ties).
int best_index_iq4(float x) {
    const int8_t* val = IQ4_NL_VALUES;
    if (x <= val[0]) return 0;
    if (x >= val[15]) return 15;
    int lo = 0, hi = 15;
    while (hi - lo > 1) {
        const int mid = (lo + hi) / 2;
        if (x < val[mid]) hi = mid; else lo = mid;
    }
    return x - val[hi - 1] < val[hi] - x ? hi - 1 : hi;
}

// One 32-element IQ4 sub-block (ggml quantize_row_iq4_nl_impl's inner fit, no importance weights): start from
// the scale mapping the extreme to level -127, least-squares refine, then (ntry > 0) try 2 ntry + 1 more scales.
// Writes level indices to L and returns the scale.
float fit_iq4_block(const float* x, uint8_t* L, int ntry) {
    const int8_t* values = IQ4_NL_VALUES;
    float amax, max;
    abs_max(x, 32, amax, max);
    if (amax < GROUP_MAX_EPS) return 0.0f;  // L left as the caller set it
    float d = ntry > 0 ? -max / values[0] : max / values[0];
    float id = 1 / d;
    float sumqx = 0, sumq2 = 0;
    for (int j = 0; j < 32; ++j) {
        const int l = best_index_iq4(id * x[j]);
        L[j] = static_cast<uint8_t>(l);
        const float q = values[l];
        const float w = x[j] * x[j];
        sumqx += w * q * x[j];
        sumq2 += w * q * q;
    }
    d = sumq2 > 0 ? sumqx / sumq2 : 0.f;
    float best = d * sumqx;
    for (int itry = -ntry; itry <= ntry; ++itry) {
        id = (itry + values[0]) / max;
        sumqx = sumq2 = 0;
        for (int j = 0; j < 32; ++j) {
            const float q = values[best_index_iq4(id * x[j])];
            const float w = x[j] * x[j];
            sumqx += w * q * x[j];
            sumq2 += w * q * q;
        }
        if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
            d = sumqx / sumq2;
            best = d * sumqx;
        }
    }
    return d;
}

// IQ4 nibble order: chunk i of 16 bytes holds elements 32i + j (low) and 32i + 16 + j (high).
void pack_iq4(const uint8_t* L, int n, uint8_t* qs) {
    for (int i = 0; i < n / 32; ++i)
        for (int j = 0; j < 16; ++j) qs[16 * i + j] = static_cast<uint8_t>(L[32 * i + j] | (L[32 * i + 16 + j] << 4));
}

}  // namespace

void quantize_q2_k(const float* x, void* dst, int64_t nb) {
    constexpr float q4scale = 15.f;
    for (int64_t i = 0; i < nb; ++i, x += QK_K) {
        BlockQ2_K b{};
        uint8_t L[QK_K];
        float scales[QK_K / 16], mins[QK_K / 16];
        float max_scale = 0, max_min = 0;  // scales are positive because the min is subtracted
        for (int j = 0; j < QK_K / 16; ++j) {
            float weights[16];
            for (int l = 0; l < 16; ++l) weights[l] = std::fabs(x[16 * j + l]);
            scales[j] = fit_scale_min(16, 3, x + 16 * j, weights, L + 16 * j, mins[j], -0.5f, 0.1f, 15, true);
            if (scales[j] > max_scale) max_scale = scales[j];
            if (mins[j] > max_min) max_min = mins[j];
        }
        if (max_scale > 0) {
            const float iscale = q4scale / max_scale;
            for (int j = 0; j < QK_K / 16; ++j) b.scales[j] = static_cast<uint8_t>(nearest_int(iscale * scales[j]));
            b.d = to_half(max_scale / q4scale);
        }
        if (max_min > 0) {
            const float iscale = q4scale / max_min;
            for (int j = 0; j < QK_K / 16; ++j)
                b.scales[j] = static_cast<uint8_t>(b.scales[j] | (nearest_int(iscale * mins[j]) << 4));
            b.dmin = to_half(max_min / q4scale);
        }
        for (int j = 0; j < QK_K / 16; ++j) {
            const float d = half(b.d) * (b.scales[j] & 0xF);
            if (d == 0.0f) continue;
            const float dm = half(b.dmin) * (b.scales[j] >> 4);
            for (int ii = 0; ii < 16; ++ii)
                L[16 * j + ii] = static_cast<uint8_t>(clamp_int(nearest_int((x[16 * j + ii] + dm) / d), 0, 3));
        }
        pack_2bit(L, b.qs);
        store_block(dst, i, b);
    }
}

void quantize_q3_k(const float* x, void* dst, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, x += QK_K) {
        BlockQ3_K b{};
        int8_t L[QK_K];
        float scales[QK_K / 16];
        float max_scale = 0, amax = 0;
        for (int j = 0; j < QK_K / 16; ++j) {
            scales[j] = fit_q3(16, 4, x + 16 * j, L + 16 * j);
            const float scale = std::fabs(scales[j]);
            if (scale > amax) {
                amax = scale;
                max_scale = scales[j];
            }
        }
        if (max_scale != 0.0f) {
            const float iscale = -32.f / max_scale;
            for (int j = 0; j < QK_K / 16; ++j) {
                const int l = clamp_int(static_cast<int8_t>(nearest_int(iscale * scales[j])), -32, 31) + 32;
                if (j < 8) b.scales[j] = static_cast<uint8_t>(l & 0xF);
                else b.scales[j - 8] = static_cast<uint8_t>(b.scales[j - 8] | ((l & 0xF) << 4));
                b.scales[8 + j % 4] = static_cast<uint8_t>(b.scales[8 + j % 4] | ((l >> 4) << (2 * (j / 4))));
            }
            b.d = to_half(1 / iscale);
        }
        for (int j = 0; j < QK_K / 16; ++j) {
            const float d = half(b.d) * (get_scale_q3_k(j, b.scales) - 32);
            if (d == 0.0f) continue;
            for (int ii = 0; ii < 16; ++ii)
                L[16 * j + ii] = static_cast<int8_t>(clamp_int(nearest_int(x[16 * j + ii] / d), -4, 3) + 4);
        }
        // high bit of element k goes to bit k / 32 of hmask[k % 32]; the low 2 bits stay in L
        uint8_t low[QK_K];
        for (int k = 0; k < QK_K; ++k) {
            int l = L[k];
            if (l > 3) {
                b.hmask[k % 32] = static_cast<uint8_t>(b.hmask[k % 32] | (1 << (k / 32)));
                l -= 4;
            }
            low[k] = static_cast<uint8_t>(l);
        }
        pack_2bit(low, b.qs);
        store_block(dst, i, b);
    }
}

void quantize_q4_k(const float* x, void* dst, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, x += QK_K) {
        BlockQ4_K b{};
        uint8_t L[QK_K];
        fit_k4_scales(x, b, 15, -1.f, 20, L);
        requantize_k4(x, b, 15, L);
        for (int c = 0; c < 4; ++c)
            for (int l = 0; l < 32; ++l)
                b.qs[32 * c + l] = static_cast<uint8_t>(L[64 * c + l] | (L[64 * c + 32 + l] << 4));
        store_block(dst, i, b);
    }
}

void quantize_q5_k(const float* x, void* dst, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, x += QK_K) {
        BlockQ5_K b{};
        uint8_t L[QK_K];
        fit_k4_scales(x, b, 31, -0.5f, 15, L);
        requantize_k4(x, b, 31, L);
        for (int c = 0; c < 4; ++c) {
            for (int l = 0; l < 32; ++l) {
                const int lo = L[64 * c + l], hi = L[64 * c + 32 + l];
                b.qs[32 * c + l] = static_cast<uint8_t>((lo & 0xF) | ((hi & 0xF) << 4));
                b.qh[l] = static_cast<uint8_t>(b.qh[l] | ((lo >> 4) << (2 * c)) | ((hi >> 4) << (2 * c + 1)));
            }
        }
        store_block(dst, i, b);
    }
}

void quantize_q6_k(const float* x, void* dst, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, x += QK_K) {
        BlockQ6_K b{};
        int8_t L[QK_K];
        float scales[QK_K / 16];
        float max_scale = 0, max_abs_scale = 0;
        for (int ib = 0; ib < QK_K / 16; ++ib) {
            scales[ib] = fit_symmetric(16, 32, x + 16 * ib, L + 16 * ib);
            if (std::fabs(scales[ib]) > max_abs_scale) {
                max_abs_scale = std::fabs(scales[ib]);
                max_scale = scales[ib];
            }
        }
        if (max_abs_scale < GROUP_MAX_EPS) {  // all zeros: an all-zero block
            store_block(dst, i, b);
            continue;
        }
        const float iscale = -128.f / max_scale;
        b.d = to_half(1 / iscale);
        for (int ib = 0; ib < QK_K / 16; ++ib)
            b.scales[ib] = static_cast<int8_t>(std::min(127, nearest_int(iscale * scales[ib])));
        for (int j = 0; j < QK_K / 16; ++j) {
            const float d = half(b.d) * b.scales[j];
            if (d == 0.0f) continue;
            for (int ii = 0; ii < 16; ++ii)
                L[16 * j + ii] = static_cast<int8_t>(clamp_int(nearest_int(x[16 * j + ii] / d), -32, 31) + 32);
        }
        for (int h = 0; h < 2; ++h) {
            const int8_t* Lh = L + 128 * h;
            for (int l = 0; l < 32; ++l) {
                const int q1 = Lh[l], q2 = Lh[l + 32], q3 = Lh[l + 64], q4 = Lh[l + 96];
                b.ql[64 * h + l] = static_cast<uint8_t>((q1 & 0xF) | ((q3 & 0xF) << 4));
                b.ql[64 * h + l + 32] = static_cast<uint8_t>((q2 & 0xF) | ((q4 & 0xF) << 4));
                b.qh[32 * h + l] =
                    static_cast<uint8_t>((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6));
            }
        }
        store_block(dst, i, b);
    }
}

void quantize_q8_k(const float* x, void* dst, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, x += QK_K) {
        BlockQ8_K b{};  // NOTE: ggml leaves bsums unwritten for an all-zero block; here they are 0
        float amax, max;
        abs_max(x, QK_K, amax, max);
        if (amax != 0.0f) {
            // -127, not -128, so that the AVX paths of IQ2 dot products can negate any quant (ggml's comment)
            const float iscale = -127.f / max;
            for (int j = 0; j < QK_K; ++j) b.qs[j] = static_cast<int8_t>(std::min(127, nearest_int(iscale * x[j])));
            for (int j = 0; j < QK_K / 16; ++j) {
                int sum = 0;
                for (int ii = 0; ii < 16; ++ii) sum += b.qs[16 * j + ii];
                b.bsums[j] = static_cast<int16_t>(sum);
            }
            b.d = 1 / iscale;
        }
        store_block(dst, i, b);
    }
}

// ggml's quantize_row_iq4_nl_ref: one sub-block per block and no scale search (ntry = -1). (llama-quantize calls
// quantize_iq4_nl instead, which searches: files it writes may differ from this in some bytes.)
void quantize_iq4_nl(const float* x, void* dst, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, x += QK4_NL) {
        BlockIQ4_NL b{};
        uint8_t L[QK4_NL] = {};  // NOTE: ggml packs stale indices for an all-zero block; here index 0 (d is 0)
        b.d = to_half(fit_iq4_block(x, L, -1));
        pack_iq4(L, QK4_NL, b.qs);
        store_block(dst, i, b);
    }
}

// ggml's quantize_row_iq4_xs_ref: per-sub-block fits with a 7-step search, 6-bit scales against the largest.
void quantize_iq4_xs(const float* x, void* dst, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, x += QK_K) {
        BlockIQ4_XS b{};
        uint8_t L[QK_K] = {};
        float scales[QK_K / 32];
        float max_scale = 0, amax_scale = 0;
        for (int ib = 0; ib < QK_K / 32; ++ib) {
            scales[ib] = fit_iq4_block(x + 32 * ib, L + 32 * ib, 7);
            if (std::fabs(scales[ib]) > amax_scale) {
                amax_scale = std::fabs(scales[ib]);
                max_scale = scales[ib];
            }
        }
        const float d = -max_scale / 32;
        b.d = to_half(d);
        const float id = d != 0.0f ? 1 / d : 0.f;
        for (int ib = 0; ib < QK_K / 32; ++ib) {
            const int l = clamp_int(nearest_int(id * scales[ib]), -32, 31);
            const float dl = d * l;  // from the float d, not the stored half, as ggml
            const float idl = dl != 0.0f ? 1 / dl : 0.f;
            for (int j = 0; j < 32; ++j) L[32 * ib + j] = static_cast<uint8_t>(best_index_iq4(idl * x[32 * ib + j]));
            const int ls = l + 32;
            b.scales_l[ib / 2] = static_cast<uint8_t>(b.scales_l[ib / 2] | ((ls & 0xF) << (4 * (ib % 2))));
            b.scales_h = static_cast<uint16_t>(b.scales_h | ((ls >> 4) << (2 * ib)));
        }
        pack_iq4(L, QK_K, b.qs);
        store_block(dst, i, b);
    }
}

}  // namespace snug::quant::detail
