// Direct convolution products (CKernels.h): up to eight output channels over a run of positions
// of the engine's input planes, one fused multiply-add per tap in tap order; their placing into
// NCHW planes; the row copies that fill the planes; dense products without packing.
//
// Why C: Swift compiles for baseline x86-64 (SSE2, no FMA) and has no per-function target
// attribute. Why not OpenBLAS: a small convolution's GEMM (the bundled CNN's first layer has
// k = 9, n = 16) runs in OpenBLAS's small-matrix path after an im2col copy and before a scatter
// back into planes, together 80 % of the CNN's time; here the planes are read in place and
// the products land in planes.
//
// Bits: every variant computes each output as acc = fma(x_t, w_t, acc) for t = 0, 1, … from
// acc = +0, the portable one with C's fmaf, so every CPU gives the same bits.

#include "CKernels.h"
#include "cpu.h"
#include "epilogue.h"

#include <math.h>
#include <string.h>

// The epilogue's multiplies and adds stay separately rounded, as Swift's are (the products'
// fused multiply-adds are explicit).
#pragma clang fp contract(off)

#define ALWAYS_INLINE static inline __attribute__((always_inline))

// One channel's rows into its output plane (CKernels.h, imprint_direct_place), plain C for the
// vectoriser, compiled once per instruction set below. `v >= m ? v : m` is a select, so every
// variant gives the same bits.
ALWAYS_INLINE float window_max(const float *r0, const float *r1) {
    float m = -__builtin_inff(), v;
    v = r0[0]; m = v >= m ? v : m;
    v = r0[1]; m = v >= m ? v : m;
    v = r1[0]; m = v >= m ? v : m;
    v = r1[1]; m = v >= m ? v : m;
    return m;
}

ALWAYS_INLINE void place(const float *row, int pool, long out_height, long out_width, long row_width, float *out) {
    if (pool) {
        long ph = out_height / 2, pw = out_width / 2;
        for (long py = 0; py < ph; py++) {
            const float *r0 = row + 2 * py * row_width, *r1 = r0 + row_width;
            for (long q = 0; q < pw; q++) out[py * pw + q] = window_max(r0 + 2 * q, r1 + 2 * q);
        }
    } else {
        for (long y = 0; y < out_height; y++)
            for (long x = 0; x < out_width; x++) out[y * out_width + x] = row[y * row_width + x];
    }
}

ALWAYS_INLINE void place_sum(const float *row, long out_height, long out_width, long row_width, const float *residual,
                             int relu, float *out) {
    for (long y = 0; y < out_height; y++) {
        for (long x = 0; x < out_width; x++) {
            float v = row[y * row_width + x] + residual[y * out_width + x];
            out[y * out_width + x] = relu ? (v > 0 ? v : 0) : v;
        }
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

// The epilogue (CKernels.h) of channel c's values, as `imprint_epilogue_value` computes one;
// `res` the first of their residual values, or NULL.
__attribute__((target("avx512f"))) ALWAYS_INLINE __m512 epilogue_avx512(__m512 r, const imprint_direct_epilogue *e,
                                                                       int c, const float *res) {
    if (!e) return r;
    if (e->gain) r = _mm512_mul_ps(r, _mm512_set1_ps(e->gain[c]));
    if (e->scale) r = _mm512_add_ps(_mm512_mul_ps(_mm512_set1_ps(e->scale[c]), r), _mm512_set1_ps(e->shift[c]));
    r = _mm512_add_ps(r, _mm512_set1_ps(e->bias[c]));
    if (res) r = _mm512_add_ps(r, _mm512_loadu_ps(res));
    if (e->relu) r = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(r, _mm512_setzero_ps(), _CMP_GT_OQ), r);
    return r;
}

// `pv` vectors of 16 positions × 8 channels (pv = 3: 24 accumulators of the 32 registers; per tap
// 3 loads and 8 broadcasts feed 24 FMAs). Inlined with a constant `pv`, so the loops unroll.
// With `edges` (CKernels.h) the taps come in threes, kernel columns 0, 1, 2: the first and last
// load under the step's edge masks, made once per step and kept in mask registers (read per tap
// from memory they cost 8 % of the products; kept, nothing measurable).
__attribute__((target("avx512f"))) ALWAYS_INLINE void tap_avx512(__m512 a[3][8], const float *xt,
                                                                const float *const *w, long wt, int pv,
                                                                const __mmask16 *mask) {
    __m512 x[3];
    for (int v = 0; v < pv; v++) x[v] = mask ? _mm512_maskz_loadu_ps(mask[v], xt + 16 * v) : _mm512_loadu_ps(xt + 16 * v);
#pragma clang loop unroll(full)
    for (int c = 0; c < 8; c++) {
        __m512 wc = _mm512_set1_ps(w[c][wt]);
        for (int v = 0; v < pv; v++) a[v][c] = _mm512_fmadd_ps(x[v], wc, a[v][c]);
    }
}

__attribute__((target("avx512f"))) ALWAYS_INLINE void step_avx512(const float *xp, const int32_t *offsets, long taps,
                                                                 const float *const *w, long tap_stride, float *y,
                                                                 long y_stride, const imprint_direct_epilogue *e,
                                                                 int channels, int pv, long p, const uint16_t *edges) {
    __m512 a[3][8];
    for (int v = 0; v < pv; v++)
        for (int c = 0; c < 8; c++) a[v][c] = _mm512_setzero_ps();
    if (edges) {
        __mmask16 first[3], last[3];
        for (int v = 0; v < pv; v++) {
            first[v] = (__mmask16)edges[2 * (p / 16 + v)];
            last[v] = (__mmask16)edges[2 * (p / 16 + v) + 1];
        }
        for (long t = 0; t < taps; t += 3) {
            tap_avx512(a, xp + offsets[t], w, t * tap_stride, pv, first);
            tap_avx512(a, xp + offsets[t + 1], w, (t + 1) * tap_stride, pv, NULL);
            tap_avx512(a, xp + offsets[t + 2], w, (t + 2) * tap_stride, pv, last);
        }
    } else {
        for (long t = 0; t < taps; t++) tap_avx512(a, xp + offsets[t], w, t * tap_stride, pv, NULL);
    }
    // Unrolled, so every accumulator is named by constants and stays a register: with a loop to
    // `channels` the array lived in memory, zeroed by a memset per step (1.6 % of a ResNet-50-sized run).
#pragma clang loop unroll(full)
    for (int c = 0; c < 8; c++) {
        if (c < channels) {
            for (int v = 0; v < pv; v++) {
                const float *res = imprint_epilogue_residual(e, c, y_stride, p + 16 * v);
                _mm512_storeu_ps(y + c * y_stride + 16 * v, epilogue_avx512(a[v][c], e, c, res));
            }
        }
    }
}

// One channel (a depthwise convolution's group): `pv` vectors of 16 positions, one broadcast per tap;
// with `edges`, a tap's masks read from the table (up to 16 of them: more than the mask registers).
__attribute__((target("avx512f"))) ALWAYS_INLINE void step1_avx512(const float *xp, const int32_t *offsets, long taps,
                                                                  const float *w, long tap_stride, float *y,
                                                                  const imprint_direct_epilogue *e, int pv, long p,
                                                                  const uint16_t *edges) {
    __m512 a[8];
    for (int v = 0; v < pv; v++) a[v] = _mm512_setzero_ps();
    for (long t = 0; t < taps; t++) {
        const float *xt = xp + offsets[t];
        __m512 wt = _mm512_set1_ps(w[t * tap_stride]);
        int j = edges ? (int)(t % 3) : 1;
        for (int v = 0; v < pv; v++) {
            __m512 x = j == 1 ? _mm512_loadu_ps(xt + 16 * v)
                              : _mm512_maskz_loadu_ps((__mmask16)edges[2 * (p / 16 + v) + j / 2], xt + 16 * v);
            a[v] = _mm512_fmadd_ps(x, wt, a[v]);
        }
    }
    for (int v = 0; v < pv; v++) {
        _mm512_storeu_ps(y + 16 * v, epilogue_avx512(a[v], e, 0, imprint_epilogue_residual(e, 0, 0, p + 16 * v)));
    }
}

__attribute__((target("avx512f"))) static void products_avx512(const float *x, const int32_t *offsets, long taps,
                                                             const float *const *w, long tap_stride, long positions,
                                                             float *y, long y_stride, const imprint_direct_epilogue *e,
                                                             int channels, const uint16_t *edges) {
    positions = (positions + IMPRINT_DIRECT_STEP - 1) / IMPRINT_DIRECT_STEP * IMPRINT_DIRECT_STEP;
    long p = 0;
    if (channels == 1) {
        // Eight channels' step would compute seven more for nothing.
        for (; p + 128 <= positions; p += 128) step1_avx512(x + p, offsets, taps, w[0], tap_stride, y + p, e, 8, p, edges);
        for (; p < positions; p += 16) step1_avx512(x + p, offsets, taps, w[0], tap_stride, y + p, e, 1, p, edges);
        return;
    }
    for (; p + 48 <= positions; p += 48)
        step_avx512(x + p, offsets, taps, w, tap_stride, y + p, y_stride, e, channels, 3, p, edges);
    if (p + 32 <= positions) step_avx512(x + p, offsets, taps, w, tap_stride, y + p, y_stride, e, channels, 2, p, edges);
    else if (p < positions) step_avx512(x + p, offsets, taps, w, tap_stride, y + p, y_stride, e, channels, 1, p, edges);
}

// The epilogue (CKernels.h) of channel c's eight values; `res` their residual values, or NULL.
__attribute__((target("avx2,fma"))) ALWAYS_INLINE __m256 epilogue_avx2(__m256 r, const imprint_direct_epilogue *e, int c,
                                                                      const float *res) {
    if (!e) return r;
    if (e->gain) r = _mm256_mul_ps(r, _mm256_set1_ps(e->gain[c]));
    if (e->scale) r = _mm256_add_ps(_mm256_mul_ps(_mm256_set1_ps(e->scale[c]), r), _mm256_set1_ps(e->shift[c]));
    r = _mm256_add_ps(r, _mm256_set1_ps(e->bias[c]));
    if (res) r = _mm256_add_ps(r, _mm256_loadu_ps(res));
    if (e->relu) r = _mm256_and_ps(r, _mm256_cmp_ps(r, _mm256_setzero_ps(), _CMP_GT_OQ));
    return r;
}

// Edge mask `k` (0: kernel column 0, 1: column 2) of the eight positions from q, as lanes of all
// ones or zeros to AND with the values read.
__attribute__((target("avx2,fma"))) ALWAYS_INLINE __m256 edge_mask_avx2(const uint16_t *edges, int k, long q) {
    const __m256i lane = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    __m256i bits = _mm256_set1_epi32((int)(edges[2 * (q / 16) + k] >> (q % 16)));
    return _mm256_castsi256_ps(_mm256_cmpeq_epi32(_mm256_and_si256(bits, lane), lane));
}

// One channel (a depthwise convolution's group): `pv` vectors of 8 positions, one broadcast per
// tap (eight channels' step, four at a time, would compute three more for nothing).
__attribute__((target("avx2,fma"))) ALWAYS_INLINE void step1_avx2(const float *xp, const int32_t *offsets, long taps,
                                                                 const float *w, long tap_stride, float *y,
                                                                 const imprint_direct_epilogue *e, int pv, long p,
                                                                 const uint16_t *edges) {
    __m256 a[8], masks[2][8];
    for (int v = 0; v < pv; v++) a[v] = _mm256_setzero_ps();
    if (edges)
        for (int k = 0; k < 2; k++)
            for (int v = 0; v < pv; v++) masks[k][v] = edge_mask_avx2(edges, k, p + 8 * v);
    for (long t = 0; t < taps; t++) {
        const float *xt = xp + offsets[t];
        __m256 wt = _mm256_broadcast_ss(w + t * tap_stride);
        int j = edges ? (int)(t % 3) : 1;
        for (int v = 0; v < pv; v++) {
            __m256 x = _mm256_loadu_ps(xt + 8 * v);
            if (j != 1) x = _mm256_and_ps(x, masks[j / 2][v]);
            a[v] = _mm256_fmadd_ps(x, wt, a[v]);
        }
    }
    for (int v = 0; v < pv; v++)
        _mm256_storeu_ps(y + 8 * v, epilogue_avx2(a[v], e, 0, imprint_epilogue_residual(e, 0, 0, p + 8 * v)));
}

// 16 registers: `pv` vectors of 8 positions × 4 channels (pv = 3: 12 accumulators), the eight
// channels in two passes.
__attribute__((target("avx2,fma"))) ALWAYS_INLINE void step_avx2(const float *xp, const int32_t *offsets, long taps,
                                                                const float *const *w, long tap_stride, float *y,
                                                                long y_stride, const imprint_direct_epilogue *e,
                                                                int channels, int pv, long p, const uint16_t *edges) {
    // With `edges`: the step's masks as lanes of all ones or zeros, ANDed with the loads (the
    // registers are full: they are read from here).
    __m256 masks[2][3];
    if (edges)
        for (int k = 0; k < 2; k++)
            for (int v = 0; v < pv; v++) masks[k][v] = edge_mask_avx2(edges, k, p + 8 * v);
    for (int half = 0; half < 2 && half * 4 < channels; half++) {
        __m256 a[3][4];
        for (int v = 0; v < pv; v++)
            for (int c = 0; c < 4; c++) a[v][c] = _mm256_setzero_ps();
        for (long t = 0; t < taps; t++) {
            const float *xt = xp + offsets[t];
            __m256 x[3];
            int j = edges ? (int)(t % 3) : 1;
            for (int v = 0; v < pv; v++) {
                x[v] = _mm256_loadu_ps(xt + 8 * v);
                if (j != 1) x[v] = _mm256_and_ps(x[v], masks[j / 2][v]);
            }
            long wt = t * tap_stride;
#pragma clang loop unroll(full)
            for (int c = 0; c < 4; c++) {
                __m256 wc = _mm256_broadcast_ss(w[half * 4 + c] + wt);
                for (int v = 0; v < pv; v++) a[v][c] = _mm256_fmadd_ps(x[v], wc, a[v][c]);
            }
        }
#pragma clang loop unroll(full)
        for (int c = 0; c < 4; c++) {
            int k = half * 4 + c;
            if (k >= channels) continue;
            for (int v = 0; v < pv; v++) {
                const float *res = imprint_epilogue_residual(e, k, y_stride, p + 8 * v);
                _mm256_storeu_ps(y + k * y_stride + 8 * v, epilogue_avx2(a[v][c], e, k, res));
            }
        }
    }
}

__attribute__((target("avx2,fma"))) static void products_avx2(const float *x, const int32_t *offsets, long taps,
                                                            const float *const *w, long tap_stride, long positions,
                                                            float *y, long y_stride, const imprint_direct_epilogue *e,
                                                            int channels, const uint16_t *edges) {
    positions = (positions + IMPRINT_DIRECT_STEP - 1) / IMPRINT_DIRECT_STEP * IMPRINT_DIRECT_STEP;
    long p = 0;
    if (channels == 1) {
        for (; p + 64 <= positions; p += 64) step1_avx2(x + p, offsets, taps, w[0], tap_stride, y + p, e, 8, p, edges);
        for (; p < positions; p += 8) step1_avx2(x + p, offsets, taps, w[0], tap_stride, y + p, e, 1, p, edges);
        return;
    }
    for (; p + 24 <= positions; p += 24)
        step_avx2(x + p, offsets, taps, w, tap_stride, y + p, y_stride, e, channels, 3, p, edges);
    if (p + 16 <= positions) step_avx2(x + p, offsets, taps, w, tap_stride, y + p, y_stride, e, channels, 2, p, edges);
    else if (p < positions) step_avx2(x + p, offsets, taps, w, tap_stride, y + p, y_stride, e, channels, 1, p, edges);
}

// Sixteen windows per step: two masked 16-wide loads per image row, split into the windows'
// left and right values by two permutes, and a masked store (the vectoriser left rows of 14 or
// 6 pooled values, the bundled CNN's, to its scalar remainder loop).
// Rows of a few tens of values, 16 at a time with a masked tail: the vectoriser left the 7- and
// 14-wide rows of side-by-side samples to its scalar remainder loop.
__attribute__((target("avx512f"))) static void copy_out_avx512(const float *row, long out_height, long out_width,
                                                             long row_width, float *out) {
    long full = out_width / 16 * 16;
    __mmask16 tail = (__mmask16)((1u << (out_width - full)) - 1);
    for (long y = 0; y < out_height; y++) {
        const float *r = row + y * row_width;
        float *o = out + y * out_width;
        for (long x = 0; x < full; x += 16) _mm512_storeu_ps(o + x, _mm512_loadu_ps(r + x));
        if (tail) _mm512_mask_storeu_ps(o + full, tail, _mm512_maskz_loadu_ps(tail, r + full));
    }
}

__attribute__((target("avx512f"))) static void place_avx512(const float *row, int pool, long out_height,
                                                          long out_width, long row_width, float *out) {
    if (!pool) {
        copy_out_avx512(row, out_height, out_width, row_width, out);
        return;
    }
    long ph = out_height / 2, pw = out_width / 2;
    const __m512i left = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i right = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    // Column steps outside, rows inside: a step's masks are made once for all its rows (a map of
    // up to 32 columns has one step; made per row they were a third of the work).
    for (long q = 0; q < pw; q += 16) {
        long n = pw - q < 16 ? pw - q : 16;
        __mmask16 store = (__mmask16)((1u << n) - 1);
        __mmask16 low = (__mmask16)(n >= 8 ? 0xFFFF : (1u << (2 * n)) - 1);
        __mmask16 high = (__mmask16)(n > 8 ? (1u << (2 * n - 16)) - 1 : 0);
        for (long py = 0; py < ph; py++) {
            const float *r0 = row + 2 * py * row_width + 2 * q, *r1 = r0 + row_width;
            __m512 a0 = _mm512_maskz_loadu_ps(low, r0), a1 = _mm512_maskz_loadu_ps(high, r0 + 16);
            __m512 b0 = _mm512_maskz_loadu_ps(low, r1), b1 = _mm512_maskz_loadu_ps(high, r1 + 16);
            __m512 m = _mm512_set1_ps(-__builtin_inff());
            __m512 v[4] = {_mm512_permutex2var_ps(a0, left, a1), _mm512_permutex2var_ps(a0, right, a1),
                           _mm512_permutex2var_ps(b0, left, b1), _mm512_permutex2var_ps(b0, right, b1)};
            for (int i = 0; i < 4; i++) m = _mm512_mask_mov_ps(m, _mm512_cmp_ps_mask(v[i], m, _CMP_GE_OQ), v[i]);
            _mm512_mask_storeu_ps(out + py * pw + q, store, m);
        }
    }
}

__attribute__((target("avx2,fma"))) static void place_avx2(const float *row, int pool, long out_height,
                                                         long out_width, long row_width, float *out) {
    place(row, pool, out_height, out_width, row_width, out);
}

// As `place_sum`, 16 values at a time with a masked tail (ReLU as its `v > 0 ? v : 0`: NaN and
// −0 become +0).
__attribute__((target("avx512f"))) static void place_sum_avx512(const float *row, long out_height, long out_width,
                                                              long row_width, const float *residual, int relu,
                                                              float *out) {
    for (long y = 0; y < out_height; y++) {
        const float *r = row + y * row_width, *res = residual + y * out_width;
        float *o = out + y * out_width;
        for (long x = 0; x < out_width; x += 16) {
            __mmask16 k = out_width - x >= 16 ? 0xFFFF : (__mmask16)((1u << (out_width - x)) - 1);
            __m512 v = _mm512_add_ps(_mm512_maskz_loadu_ps(k, r + x), _mm512_maskz_loadu_ps(k, res + x));
            if (relu) v = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_GT_OQ), v);
            _mm512_mask_storeu_ps(o + x, k, v);
        }
    }
}

__attribute__((target("avx2,fma"))) static void place_sum_avx2(const float *row, long out_height, long out_width,
                                                             long row_width, const float *residual, int relu,
                                                             float *out) {
    place_sum(row, out_height, out_width, row_width, residual, relu, out);
}

#endif

// The reference every variant matches: C's fmaf is one correctly rounded fused multiply-add.
static void products_portable(const float *x, const int32_t *offsets, long taps, const float *const *w,
                              long tap_stride, long positions, float *y, long y_stride,
                              const imprint_direct_epilogue *e, int channels, const uint16_t *edges) {
    long end = (positions + IMPRINT_DIRECT_STEP - 1) / IMPRINT_DIRECT_STEP * IMPRINT_DIRECT_STEP;
    for (int c = 0; c < channels; c++) {
        for (long p = 0; p < end; p++) {
            float acc = 0.0f;
            // Whether column 0's and column 2's reads at p lie in the image (with `edges`).
            int first = edges ? (edges[2 * (p / 16)] >> (p % 16)) & 1 : 1;
            int last = edges ? (edges[2 * (p / 16) + 1] >> (p % 16)) & 1 : 1;
            for (long t = 0; t < taps; t++) {
                int j = edges ? (int)(t % 3) : 1;
                float v = (j == 0 && !first) || (j == 2 && !last) ? 0.0f : x[p + offsets[t]];
                acc = fmaf(v, w[c][t * tap_stride], acc);
            }
            y[c * y_stride + p] = imprint_epilogue_value(acc, e, c, imprint_epilogue_residual(e, c, y_stride, p));
        }
    }
}

int imprint_direct_variants(void) {
    int f = imprint_cpu_features();
    return ((f & IMPRINT_CPU_AVX2) && (f & IMPRINT_CPU_FMA) ? 1 : 0) | (f & IMPRINT_CPU_AVX512F ? 2 : 0);
}

// Whether this CPU runs `variant` (0, the portable C, always), for the `_variant` entry points
// here and in converters.c.
int imprint_has_variant(int variant) {
    return variant == 0 || ((variant == 1 || variant == 2) && (imprint_direct_variants() & variant));
}

// The variant the unnamed entry points run (here and in converters.c): the widest this CPU has,
// found once (the converters run it once per vector of a tile).
int imprint_widest_variant(void) {
    static int cached = -1;
    int w = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (w < 0) {
        int v = imprint_direct_variants();
        w = (v & 2) ? 2 : (v & 1) ? 1 : 0;
        __atomic_store_n(&cached, w, __ATOMIC_RELAXED);
    }
    return w;
}

int imprint_direct_products_variant(int variant, const float *x, const int32_t *offsets, long taps,
                                    const float *w, long channel_stride, long tap_stride, int channels,
                                    long positions, float *y, long y_stride, const imprint_direct_epilogue *e,
                                    const uint16_t *edges) {
    if (!imprint_has_variant(variant)) return 0;
    if (channels < 1 || channels > 8 || (edges && taps % 3 != 0)) return 0;
    // Channels past the last read the last one's weights: computed, never stored.
    const float *rows[8];
    for (int c = 0; c < 8; c++) rows[c] = w + (c < channels ? c : channels - 1) * channel_stride;
    switch (variant) {
#if defined(__x86_64__)
    case 2: products_avx512(x, offsets, taps, rows, tap_stride, positions, y, y_stride, e, channels, edges); return 1;
    case 1: products_avx2(x, offsets, taps, rows, tap_stride, positions, y, y_stride, e, channels, edges); return 1;
#endif
    case 0: products_portable(x, offsets, taps, rows, tap_stride, positions, y, y_stride, e, channels, edges); return 1;
    default: return 0;
    }
}

void imprint_direct_products(const float *x, const int32_t *offsets, long taps, const float *w, long channel_stride,
                             long tap_stride, int channels, long positions, float *y, long y_stride,
                             const imprint_direct_epilogue *e, const uint16_t *edges) {
    imprint_direct_products_variant(imprint_widest_variant(), x, offsets, taps, w, channel_stride, tap_stride,
                                    channels, positions, y, y_stride, e, edges);
}

static void place_portable(const float *row, int pool, long out_height, long out_width, long row_width, float *out) {
    place(row, pool, out_height, out_width, row_width, out);
}

int imprint_direct_place_variant(int variant, const float *row, int pool, long out_height, long out_width,
                                 long row_width, float *out) {
    if (!imprint_has_variant(variant)) return 0;
    switch (variant) {
#if defined(__x86_64__)
    case 2: place_avx512(row, pool, out_height, out_width, row_width, out); return 1;
    case 1: place_avx2(row, pool, out_height, out_width, row_width, out); return 1;
#endif
    case 0: place_portable(row, pool, out_height, out_width, row_width, out); return 1;
    default: return 0;
    }
}

void imprint_direct_place(const float *row, int pool, long out_height, long out_width, long row_width, float *out) {
    imprint_direct_place_variant(imprint_widest_variant(), row, pool, out_height, out_width, row_width, out);
}

int imprint_direct_place_sum_variant(int variant, const float *row, long out_height, long out_width, long row_width,
                                     const float *residual, int relu, float *out) {
    if (!imprint_has_variant(variant)) return 0;
    switch (variant) {
#if defined(__x86_64__)
    case 2: place_sum_avx512(row, out_height, out_width, row_width, residual, relu, out); return 1;
    case 1: place_sum_avx2(row, out_height, out_width, row_width, residual, relu, out); return 1;
#endif
    case 0: place_sum(row, out_height, out_width, row_width, residual, relu, out); return 1;
    default: return 0;
    }
}

void imprint_direct_place_sum(const float *row, long out_height, long out_width, long row_width,
                              const float *residual, int relu, float *out) {
    imprint_direct_place_sum_variant(imprint_widest_variant(), row, out_height, out_width, row_width, residual, relu, out);
}

// One dispatch for all channels (a call per channel cost as much as placing a 7 × 7 channel).
#if defined(__x86_64__)
#define PLACE_EACH(call512, call2, call0)                                                                     \
    switch (imprint_widest_variant()) {                                                                        \
    case 2: for (long c = 0; c < channels; c++) { call512; } return;                                           \
    case 1: for (long c = 0; c < channels; c++) { call2; } return;                                             \
    default: for (long c = 0; c < channels; c++) { call0; } return;                                           \
    }
#else
#define PLACE_EACH(call512, call2, call0) for (long c = 0; c < channels; c++) { call0; }
#endif

void imprint_direct_place_channels(const float *row, long row_stride, long channels, int pool, long out_height,
                                   long out_width, long row_width, float *out, long out_stride) {
    PLACE_EACH(place_avx512(row + c * row_stride, pool, out_height, out_width, row_width, out + c * out_stride),
               place_avx2(row + c * row_stride, pool, out_height, out_width, row_width, out + c * out_stride),
               place_portable(row + c * row_stride, pool, out_height, out_width, row_width, out + c * out_stride))
}

void imprint_direct_place_sum_channels(const float *row, long row_stride, long channels, long out_height,
                                       long out_width, long row_width, const float *residual, int relu, float *out,
                                       long out_stride) {
    PLACE_EACH(place_sum_avx512(row + c * row_stride, out_height, out_width, row_width, residual + c * out_stride, relu,
                                out + c * out_stride),
               place_sum_avx2(row + c * row_stride, out_height, out_width, row_width, residual + c * out_stride, relu,
                              out + c * out_stride),
               place_sum(row + c * row_stride, out_height, out_width, row_width, residual + c * out_stride, relu,
                         out + c * out_stride))
}

// ---- Dense products (CKernels.h, imprint_dense_products) ----
//
// A GEMM without packing: each output row's columns accumulate acc = fma(x[m][t], w[t][n], acc)
// in t order, vectorised over n (the crossbar's rows are contiguous over columns), `mr` rows of
// x broadcast per step. Blocks only change which outputs share a step, never an output's sum.

static void dense_portable(const float *x, long x_stride, long rows, const float *w, long w_stride, long taps,
                           long columns, float *y, long y_stride) {
    for (long m = 0; m < rows; m++) {
        for (long n = 0; n < columns; n++) {
            float acc = 0.0f;
            for (long t = 0; t < taps; t++) acc = fmaf(x[m * x_stride + t], w[t * w_stride + n], acc);
            y[m * y_stride + n] = acc;
        }
    }
}

#if defined(__x86_64__)
// Up to 6 rows × 4 vectors of 16 columns = 24 accumulators; per tap 4 loads and 6 broadcasts.
__attribute__((target("avx512f"))) ALWAYS_INLINE void dense_step_avx512(const float *x, long x_stride, const float *w,
                                                                       long w_stride, long taps, float *y,
                                                                       long y_stride, int mr, int nv, __mmask16 last) {
    __m512 a[6][4];
    for (int i = 0; i < mr; i++)
        for (int v = 0; v < nv; v++) a[i][v] = _mm512_setzero_ps();
    for (long t = 0; t < taps; t++) {
        __m512 b[4];
        for (int v = 0; v < nv; v++) b[v] = _mm512_maskz_loadu_ps(v == nv - 1 ? last : 0xFFFF, w + t * w_stride + 16 * v);
        for (int i = 0; i < mr; i++) {
            __m512 xi = _mm512_set1_ps(x[i * x_stride + t]);
            for (int v = 0; v < nv; v++) a[i][v] = _mm512_fmadd_ps(xi, b[v], a[i][v]);
        }
    }
    for (int i = 0; i < mr; i++)
        for (int v = 0; v < nv; v++) _mm512_mask_storeu_ps(y + i * y_stride + 16 * v, v == nv - 1 ? last : 0xFFFF, a[i][v]);
}

#define DENSE_ROWS_512(MR)                                                                                   \
    switch (nv) {                                                                                            \
    case 1: dense_step_avx512(xm, x_stride, wn, w_stride, taps, ym, y_stride, MR, 1, last); break;           \
    case 2: dense_step_avx512(xm, x_stride, wn, w_stride, taps, ym, y_stride, MR, 2, last); break;           \
    case 3: dense_step_avx512(xm, x_stride, wn, w_stride, taps, ym, y_stride, MR, 3, last); break;           \
    default: dense_step_avx512(xm, x_stride, wn, w_stride, taps, ym, y_stride, MR, 4, last); break;          \
    }

__attribute__((target("avx512f"))) static void dense_avx512(const float *x, long x_stride, long rows, const float *w,
                                                          long w_stride, long taps, long columns, float *y,
                                                          long y_stride) {
    for (long n = 0; n < columns; n += 64) {
        long width = columns - n < 64 ? columns - n : 64;
        int nv = (int)((width + 15) / 16);
        long tail = width - 16 * (nv - 1);
        __mmask16 last = (__mmask16)(tail == 16 ? 0xFFFF : (1u << tail) - 1);
        const float *wn = w + n;
        for (long m = 0; m < rows; m += 6) {
            const float *xm = x + m * x_stride;
            float *ym = y + m * y_stride + n;
            switch (rows - m < 6 ? rows - m : 6) {
            case 1: DENSE_ROWS_512(1) break;
            case 2: DENSE_ROWS_512(2) break;
            case 3: DENSE_ROWS_512(3) break;
            case 4: DENSE_ROWS_512(4) break;
            case 5: DENSE_ROWS_512(5) break;
            default: DENSE_ROWS_512(6) break;
            }
        }
    }
}

// Up to 4 rows × 3 vectors of 8 columns = 12 accumulators of the 16 registers.
__attribute__((target("avx2,fma"))) ALWAYS_INLINE void dense_step_avx2(const float *x, long x_stride, const float *w,
                                                                      long w_stride, long taps, float *y,
                                                                      long y_stride, int mr, int nv, __m256i last) {
    const __m256i all = _mm256_set1_epi32(-1);
    __m256 a[4][3];
    for (int i = 0; i < mr; i++)
        for (int v = 0; v < nv; v++) a[i][v] = _mm256_setzero_ps();
    for (long t = 0; t < taps; t++) {
        __m256 b[3];
        for (int v = 0; v < nv; v++) b[v] = _mm256_maskload_ps(w + t * w_stride + 8 * v, v == nv - 1 ? last : all);
        for (int i = 0; i < mr; i++) {
            __m256 xi = _mm256_broadcast_ss(x + i * x_stride + t);
            for (int v = 0; v < nv; v++) a[i][v] = _mm256_fmadd_ps(xi, b[v], a[i][v]);
        }
    }
    for (int i = 0; i < mr; i++)
        for (int v = 0; v < nv; v++) _mm256_maskstore_ps(y + i * y_stride + 8 * v, v == nv - 1 ? last : all, a[i][v]);
}

#define DENSE_ROWS_256(MR)                                                                                   \
    switch (nv) {                                                                                            \
    case 1: dense_step_avx2(xm, x_stride, wn, w_stride, taps, ym, y_stride, MR, 1, last); break;             \
    case 2: dense_step_avx2(xm, x_stride, wn, w_stride, taps, ym, y_stride, MR, 2, last); break;             \
    default: dense_step_avx2(xm, x_stride, wn, w_stride, taps, ym, y_stride, MR, 3, last); break;            \
    }

__attribute__((target("avx2,fma"))) static void dense_avx2(const float *x, long x_stride, long rows, const float *w,
                                                         long w_stride, long taps, long columns, float *y,
                                                         long y_stride) {
    for (long n = 0; n < columns; n += 24) {
        long width = columns - n < 24 ? columns - n : 24;
        int nv = (int)((width + 7) / 8);
        long tail = width - 8 * (nv - 1);
        __m256i last = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)tail), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        const float *wn = w + n;
        for (long m = 0; m < rows; m += 4) {
            const float *xm = x + m * x_stride;
            float *ym = y + m * y_stride + n;
            switch (rows - m < 4 ? rows - m : 4) {
            case 1: DENSE_ROWS_256(1) break;
            case 2: DENSE_ROWS_256(2) break;
            case 3: DENSE_ROWS_256(3) break;
            default: DENSE_ROWS_256(4) break;
            }
        }
    }
}
#endif

int imprint_dense_products_variant(int variant, const float *x, long x_stride, long rows, const float *w,
                                   long w_stride, long taps, long columns, float *y, long y_stride) {
    if (!imprint_has_variant(variant)) return 0;
    switch (variant) {
#if defined(__x86_64__)
    case 2: dense_avx512(x, x_stride, rows, w, w_stride, taps, columns, y, y_stride); return 1;
    case 1: dense_avx2(x, x_stride, rows, w, w_stride, taps, columns, y, y_stride); return 1;
#endif
    case 0: dense_portable(x, x_stride, rows, w, w_stride, taps, columns, y, y_stride); return 1;
    default: return 0;
    }
}

void imprint_dense_products(const float *x, long x_stride, long rows, const float *w, long w_stride, long taps,
                            long columns, float *y, long y_stride) {
    imprint_dense_products_variant(imprint_widest_variant(), x, x_stride, rows, w, w_stride, taps, columns, y,
                                   y_stride);
}

// ---- Row copies for the direct convolution's planes (CKernels.h, imprint_copy_rows) ----

static void copy_rows_portable(const float *src, long src_stride, long step, float *dst, long dst_stride, long rows,
                               long count) {
    for (long r = 0; r < rows; r++) {
        if (step == 1) {
            memcpy(dst + r * dst_stride, src + r * src_stride, (size_t)count * sizeof(float));
        } else {
            for (long k = 0; k < count; k++) dst[r * dst_stride + k] = src[r * src_stride + k * step];
        }
    }
}

#if defined(__x86_64__)
// Rows of tens of values: masked 16-wide moves, no call per row; every other value (a stride of
// 2) from two loads and one permute.
__attribute__((target("avx512f"))) static void copy_rows_avx512(const float *src, long src_stride, long step,
                                                               float *dst, long dst_stride, long rows, long count) {
    long full = count / 16 * 16, rest = count - full;
    __mmask16 tail = (__mmask16)((1u << rest) - 1);
    if (step == 1) {
        for (long r = 0; r < rows; r++) {
            const float *s = src + r * src_stride;
            float *d = dst + r * dst_stride;
            for (long k = 0; k < full; k += 16) _mm512_storeu_ps(d + k, _mm512_loadu_ps(s + k));
            if (tail) _mm512_mask_storeu_ps(d + full, tail, _mm512_maskz_loadu_ps(tail, s + full));
        }
        return;
    }
    if (step != 2) {
        copy_rows_portable(src, src_stride, step, dst, dst_stride, rows, count);
        return;
    }
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    // The last value read is 2·(count − 1): the tail's loads stop there.
    long tailValues = rest ? 2 * rest - 1 : 0;
    __mmask16 low = (__mmask16)(tailValues >= 16 ? 0xFFFF : (1u << tailValues) - 1);
    __mmask16 high = (__mmask16)(tailValues > 16 ? (1u << (tailValues - 16)) - 1 : 0);
    for (long r = 0; r < rows; r++) {
        const float *s = src + r * src_stride;
        float *d = dst + r * dst_stride;
        long k = 0;
        for (; k < full; k += 16) {
            // 31 values are read for 16 outputs; the 32nd only when it lies in the row.
            __mmask16 last = (k + 16 < count) ? 0xFFFF : 0x7FFF;
            __m512 a = _mm512_loadu_ps(s + 2 * k), b = _mm512_maskz_loadu_ps(last, s + 2 * k + 16);
            _mm512_storeu_ps(d + k, _mm512_permutex2var_ps(a, even, b));
        }
        if (tail) {
            __m512 a = _mm512_maskz_loadu_ps(low, s + 2 * k), b = _mm512_maskz_loadu_ps(high, s + 2 * k + 16);
            _mm512_mask_storeu_ps(d + k, tail, _mm512_permutex2var_ps(a, even, b));
        }
    }
}
#endif

void imprint_copy_rows(const float *src, long src_stride, long step, float *dst, long dst_stride, long rows,
                       long count) {
    const imprint_copy_job job = {0, src_stride, step, 0, dst_stride, rows, count};
    imprint_copy_planes(src, 0, dst, 0, 1, &job, 1);
}

#if defined(__x86_64__)
// A job for every channel before the next job: its masks and strides are made once, and a row of
// up to 8 or 16 values is one masked load and store (a 256-bit one up to 8: half the store traffic
// of a 512-bit masked store, and the store is what these copies wait on). Rows of ≤ 16 values made
// the small ResNet's 7 × 7 and 14 × 14 planes 2.4 → 1.5 ns a row (C harness). They stay apart from
// `copy_rows_avx512`'s general loop: folded into it (one job loop with its masks hoisted) they
// took 1.7–1.8 ns a row, strided ones 2.4–2.7 against 1.8.
__attribute__((target("avx512f"))) static void copy_planes_avx512(const float *src, long src_channel_stride, float *dst,
                                                                 long dst_channel_stride, long channels,
                                                                 const imprint_copy_job *jobs, long job_count) {
    for (long k = 0; k < job_count; k++) {
        const imprint_copy_job *j = jobs + k;
        const float *s0 = src + j->src_offset;
        float *d0 = dst + j->dst_offset;
        long rows = j->rows, ss = j->src_stride, ds = j->dst_stride, count = j->count;
        if (j->step == 1 && count <= 8) {
            __m256i m = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
            for (long c = 0; c < channels; c++) {
                const float *s = s0 + c * src_channel_stride;
                float *d = d0 + c * dst_channel_stride;
                for (long r = 0; r < rows; r++) _mm256_maskstore_ps(d + r * ds, m, _mm256_maskload_ps(s + r * ss, m));
            }
        } else if (j->step == 1 && count <= 16) {
            __mmask16 m = (__mmask16)((1u << count) - 1);
            for (long c = 0; c < channels; c++) {
                const float *s = s0 + c * src_channel_stride;
                float *d = d0 + c * dst_channel_stride;
                for (long r = 0; r < rows; r++) _mm512_mask_storeu_ps(d + r * ds, m, _mm512_maskz_loadu_ps(m, s + r * ss));
            }
        } else if (j->step == 2 && count <= 16) {
            // Every other value: 2·count − 1 values read, from two loads and one permute.
            const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            long read = 2 * count - 1;
            __mmask16 low = (__mmask16)(read >= 16 ? 0xFFFF : (1u << read) - 1);
            __mmask16 high = (__mmask16)(read > 16 ? (1u << (read - 16)) - 1 : 0);
            __mmask16 m = (__mmask16)((1u << count) - 1);
            for (long c = 0; c < channels; c++) {
                const float *s = s0 + c * src_channel_stride;
                float *d = d0 + c * dst_channel_stride;
                for (long r = 0; r < rows; r++) {
                    __m512 a = _mm512_maskz_loadu_ps(low, s + r * ss), b = _mm512_maskz_loadu_ps(high, s + r * ss + 16);
                    _mm512_mask_storeu_ps(d + r * ds, m, _mm512_permutex2var_ps(a, even, b));
                }
            }
        } else {
            for (long c = 0; c < channels; c++)
                copy_rows_avx512(s0 + c * src_channel_stride, ss, j->step, d0 + c * dst_channel_stride, ds, rows, count);
        }
    }
}
#endif

void imprint_copy_planes(const float *src, long src_channel_stride, float *dst, long dst_channel_stride,
                         long channels, const imprint_copy_job *jobs, long job_count) {
#if defined(__x86_64__)
    if (imprint_direct_variants() & 2) {
        copy_planes_avx512(src, src_channel_stride, dst, dst_channel_stride, channels, jobs, job_count);
        return;
    }
#endif
    for (long c = 0; c < channels; c++) {
        const float *s = src + c * src_channel_stride;
        float *d = dst + c * dst_channel_stride;
        for (long k = 0; k < job_count; k++) {
            const imprint_copy_job *j = jobs + k;
            copy_rows_portable(s + j->src_offset, j->src_stride, j->step, d + j->dst_offset, j->dst_stride, j->rows,
                               j->count);
        }
    }
}
