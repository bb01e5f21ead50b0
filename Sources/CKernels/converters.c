// A tile's converters (CKernels.h, imprint_dac_row and imprint_adc_row), for Verifier's
// PeripheralTiles: the DAC's abs-max scaling and rounding of one input vector, the ADC's clamp and
// rounding of one output vector and the digital side's rescaled sum.
//
// Why C: Swift compiles for baseline x86-64, where `Float.rounded()` is a call to libm's roundf per
// value; the default periphery's verify spent 23 % of its time in that call and 45 % in the loops
// around it.
//
// Bits: every variant rounds as C's roundf (to nearest, ties away from zero), each multiply and
// divide rounded on its own in the order the Swift code had them. The vector variants truncate and
// then step one away from zero where the dropped fraction is at least one half: for |v| < 2²³ the
// fraction v − trunc(v) is exact, from 2²³ on every float is an integer (fraction 0), so the result
// is roundf's for every float, −0 and NaN included (a step is added only where it applies, so
// −0.3 stays −0).

#include "CKernels.h"
#include "cpu.h"

#include <math.h>
#include <string.h>

#pragma clang fp contract(off)

#define ALWAYS_INLINE static inline __attribute__((always_inline))

// The abs-max of a vector as `m = |x| >= m ? |x| : m` from 0: NaN never chosen, the same value
// whatever the order (it is the largest non-NaN |x|).
static float abs_max_portable(const float *x, long n) {
    float m = 0;
    for (long i = 0; i < n; i++) {
        float a = fabsf(x[i]);
        m = a >= m ? a : m;
    }
    return m;
}

static void dac_portable(const float *row, long n, float inv, float steps, float *out) {
    for (long i = 0; i < n; i++) {
        float q = row[i] * inv;
        out[i] = steps > 0 ? roundf(q * steps) / steps : q;
    }
}

static void adc_portable(const float *yt, long n, float bound, float lsb, float s, const float *scale, float *y) {
    for (long j = 0; j < n; j++) {
        float o = yt[j];
        if (o > bound) o = bound;
        else if (o < -bound) o = -bound;
        if (lsb > 0) o = roundf(o / lsb) * lsb;
        y[j] += o * s * scale[j];
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

// Written once per width, not once with vector extensions: a width-generic version (as
// gaussian_lanes.h is for the normals) had to pad each row's last n mod LANES values through a
// variable-length copy, having no masked loads, and made a default-periphery verify of the bundled
// CNN 25 % slower (2.63 → 3.32 s at 1 thread; its first layer's DAC rows are 9 values, all tail),
// or 8 % slower with those values through the portable loops' roundf calls instead. Same bits.

// roundf, 16 lanes (see the top of the file).
__attribute__((target("avx512f"))) ALWAYS_INLINE __m512 round_avx512(__m512 v) {
    __m512 t = _mm512_roundscale_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    __m512 sign = _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(v), _mm512_set1_epi32((int)0x80000000u)));
    __m512 one = _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(_mm512_set1_ps(1)), _mm512_castps_si512(sign)));
    __mmask16 up = _mm512_cmp_ps_mask(_mm512_abs_ps(_mm512_sub_ps(v, t)), _mm512_set1_ps(0.5f), _CMP_GE_OQ);
    return _mm512_mask_add_ps(t, up, t, one);
}

__attribute__((target("avx512f"))) static float abs_max_avx512(const float *x, long n) {
    // Masked-off lanes load +0, which never exceeds m; no lane ever holds NaN, so the reduction's
    // max is the same select.
    __m512 m = _mm512_setzero_ps();
    for (long i = 0; i < n; i += 16) {
        __mmask16 k = n - i >= 16 ? 0xFFFF : (__mmask16)((1u << (n - i)) - 1);
        __m512 a = _mm512_abs_ps(_mm512_maskz_loadu_ps(k, x + i));
        m = _mm512_mask_mov_ps(m, _mm512_cmp_ps_mask(a, m, _CMP_GE_OQ), a);
    }
    return _mm512_reduce_max_ps(m);
}

__attribute__((target("avx512f"))) static void dac_avx512(const float *row, long n, float inv, float steps, float *out) {
    __m512 vi = _mm512_set1_ps(inv), vs = _mm512_set1_ps(steps);
    for (long i = 0; i < n; i += 16) {
        __mmask16 k = n - i >= 16 ? 0xFFFF : (__mmask16)((1u << (n - i)) - 1);
        __m512 q = _mm512_mul_ps(_mm512_maskz_loadu_ps(k, row + i), vi);
        if (steps > 0) q = _mm512_div_ps(round_avx512(_mm512_mul_ps(q, vs)), vs);
        _mm512_mask_storeu_ps(out + i, k, q);
    }
}

__attribute__((target("avx512f"))) static void adc_avx512(const float *yt, long n, float bound, float lsb, float s,
                                                         const float *scale, float *y) {
    __m512 hi = _mm512_set1_ps(bound), lo = _mm512_set1_ps(-bound), vl = _mm512_set1_ps(lsb), vs = _mm512_set1_ps(s);
    for (long j = 0; j < n; j += 16) {
        __mmask16 k = n - j >= 16 ? 0xFFFF : (__mmask16)((1u << (n - j)) - 1);
        __m512 o = _mm512_maskz_loadu_ps(k, yt + j);
        o = _mm512_mask_mov_ps(o, _mm512_cmp_ps_mask(o, hi, _CMP_GT_OQ), hi);
        o = _mm512_mask_mov_ps(o, _mm512_cmp_ps_mask(o, lo, _CMP_LT_OQ), lo);
        if (lsb > 0) o = _mm512_mul_ps(round_avx512(_mm512_div_ps(o, vl)), vl);
        __m512 v = _mm512_mul_ps(_mm512_mul_ps(o, vs), _mm512_maskz_loadu_ps(k, scale + j));
        _mm512_mask_storeu_ps(y + j, k, _mm512_add_ps(_mm512_maskz_loadu_ps(k, y + j), v));
    }
}

// roundf, 8 lanes.
__attribute__((target("avx2"))) ALWAYS_INLINE __m256 round_avx2(__m256 v) {
    const __m256 signBit = _mm256_set1_ps(-0.0f);
    __m256 t = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    __m256 one = _mm256_or_ps(_mm256_set1_ps(1), _mm256_and_ps(v, signBit));
    __m256 up = _mm256_cmp_ps(_mm256_andnot_ps(signBit, _mm256_sub_ps(v, t)), _mm256_set1_ps(0.5f), _CMP_GE_OQ);
    return _mm256_blendv_ps(t, _mm256_add_ps(t, one), up);
}

__attribute__((target("avx2"))) ALWAYS_INLINE __m256i tail_avx2(long left) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(left < 8 ? left : 8)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

__attribute__((target("avx2"))) static float abs_max_avx2(const float *x, long n) {
    const __m256 signBit = _mm256_set1_ps(-0.0f);
    __m256 m = _mm256_setzero_ps();
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 a = _mm256_andnot_ps(signBit, _mm256_loadu_ps(x + i));
        m = _mm256_blendv_ps(m, a, _mm256_cmp_ps(a, m, _CMP_GE_OQ));
    }
    float lanes[8];
    _mm256_storeu_ps(lanes, m);
    float r = 0;
    for (int l = 0; l < 8; l++) r = lanes[l] >= r ? lanes[l] : r;
    for (; i < n; i++) {
        float a = fabsf(x[i]);
        r = a >= r ? a : r;
    }
    return r;
}

__attribute__((target("avx2"))) static void dac_avx2(const float *row, long n, float inv, float steps, float *out) {
    __m256 vi = _mm256_set1_ps(inv), vs = _mm256_set1_ps(steps);
    for (long i = 0; i < n; i += 8) {
        __m256i k = tail_avx2(n - i);
        __m256 q = _mm256_mul_ps(_mm256_maskload_ps(row + i, k), vi);
        if (steps > 0) q = _mm256_div_ps(round_avx2(_mm256_mul_ps(q, vs)), vs);
        _mm256_maskstore_ps(out + i, k, q);
    }
}

__attribute__((target("avx2"))) static void adc_avx2(const float *yt, long n, float bound, float lsb, float s,
                                                    const float *scale, float *y) {
    __m256 hi = _mm256_set1_ps(bound), lo = _mm256_set1_ps(-bound), vl = _mm256_set1_ps(lsb), vs = _mm256_set1_ps(s);
    for (long j = 0; j < n; j += 8) {
        __m256i k = tail_avx2(n - j);
        __m256 o = _mm256_maskload_ps(yt + j, k);
        o = _mm256_blendv_ps(o, hi, _mm256_cmp_ps(o, hi, _CMP_GT_OQ));
        o = _mm256_blendv_ps(o, lo, _mm256_cmp_ps(o, lo, _CMP_LT_OQ));
        if (lsb > 0) o = _mm256_mul_ps(round_avx2(_mm256_div_ps(o, vl)), vl);
        __m256 v = _mm256_mul_ps(_mm256_mul_ps(o, vs), _mm256_maskload_ps(scale + j, k));
        _mm256_maskstore_ps(y + j, k, _mm256_add_ps(_mm256_maskload_ps(y + j, k), v));
    }
}
#endif

// The converters for a variant this CPU has (the public entry points check).
static float dac_row(int variant, const float *row, long n, float steps, float *out) {
    float m;
    switch (variant) {
#if defined(__x86_64__)
    case 2: m = abs_max_avx512(row, n); break;
    case 1: m = abs_max_avx2(row, n); break;
#endif
    default: m = abs_max_portable(row, n); break;
    }
    if (!(m > 0)) {
        memset(out, 0, (size_t)n * sizeof(float));
        return m;
    }
    float inv = 1 / m;
    switch (variant) {
#if defined(__x86_64__)
    case 2: dac_avx512(row, n, inv, steps, out); break;
    case 1: dac_avx2(row, n, inv, steps, out); break;
#endif
    default: dac_portable(row, n, inv, steps, out); break;
    }
    return m;
}

static void adc_row(int variant, const float *yt, long n, float bound, float lsb, float s, const float *scale, float *y) {
    switch (variant) {
#if defined(__x86_64__)
    case 2: adc_avx512(yt, n, bound, lsb, s, scale, y); return;
    case 1: adc_avx2(yt, n, bound, lsb, s, scale, y); return;
#endif
    default: adc_portable(yt, n, bound, lsb, s, scale, y); return;
    }
}

int imprint_dac_row_variant(int variant, const float *row, long n, float steps, float *out, float *abs_max) {
    if (!imprint_has_variant(variant)) return 0;
    *abs_max = dac_row(variant, row, n, steps, out);
    return 1;
}

float imprint_dac_row(const float *row, long n, float steps, float *out) {
    return dac_row(imprint_widest_variant(), row, n, steps, out);
}

int imprint_adc_row_variant(int variant, const float *yt, long n, float bound, float lsb, float s, const float *scale,
                            float *y) {
    if (!imprint_has_variant(variant)) return 0;
    adc_row(variant, yt, n, bound, lsb, s, scale, y);
    return 1;
}

void imprint_adc_row(const float *yt, long n, float bound, float lsb, float s, const float *scale, float *y) {
    adc_row(imprint_widest_variant(), yt, n, bound, lsb, s, scale, y);
}
