// Per-read noise (CKernels.h): rows of outputs (dense and GEMM products) and a direct
// convolution's output planes, in 8-block vectors, compiled for AVX2 and AVX-512 CPUs and for any
// other (portable), chosen at run time.
//
// Why C: Swift compiles for baseline x86-64 (SSE2) and has no per-function target attribute, so
// its 4-wide Philox and Box–Muller (GaussianQuads) took 60 % of a per-read verify evaluation of
// the bundled CNN (perf). Every operation below is an integer operation or one correctly rounded
// IEEE float operation per lane, in the order `GaussianQuads` uses, with contraction into fused
// multiply-adds switched off, so every variant gives the Swift code's bits on every CPU.

#include "CKernels.h"
#include "cpu.h"
#include "epilogue.h"
#include <string.h>

#pragma clang fp contract(off)
// The 512- and 1024-bit vector helpers are always inlined into the target-specific functions
// below, so no vector ever crosses a call and the ABI warnings do not apply.
#pragma clang diagnostic ignored "-Wpsabi"

// Eight blocks per step (sixteen normals, sixteen columns): one 512-bit register of 64-bit lanes
// for Philox's products, and a 16-column step wastes no blocks on a 16-channel convolution.
typedef uint64_t u64x8 __attribute__((vector_size(64)));
typedef uint32_t u32x8 __attribute__((vector_size(32)));
typedef int32_t i32x8 __attribute__((vector_size(32)));
typedef float f32x8 __attribute__((vector_size(32)));
typedef float f32x16 __attribute__((vector_size(64)));
typedef int32_t i32x16 __attribute__((vector_size(64)));

#define ALWAYS_INLINE static inline __attribute__((always_inline))

// Random123's Philox4x32 constants (as DeviceSimulation's Philox4x32).
#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

ALWAYS_INLINE f32x8 select_f(i32x8 mask, f32x8 a, f32x8 b) {
    i32x8 ai, bi;
    memcpy(&ai, &a, sizeof ai);
    memcpy(&bi, &b, sizeof bi);
    i32x8 r = (ai & mask) | (bi & ~mask);
    f32x8 f;
    memcpy(&f, &r, sizeof f);
    return f;
}

ALWAYS_INLINE f32x8 splat(float x) { return (f32x8){} + x; }

// GaussianQuads.naturalLog.
ALWAYS_INLINE f32x8 natural_log(f32x8 u) {
    u32x8 bits;
    memcpy(&bits, &u, sizeof bits);
    i32x8 exponent = (i32x8)(bits >> 23) - 127;
    u32x8 mantissa = (bits & 0x7FFFFFu) | 0x3F800000u;
    f32x8 m;
    memcpy(&m, &mantissa, sizeof m);
    i32x8 high = m > 1.4142135f;
    m = select_f(high, m * 0.5f, m);
    exponent = (exponent & ~high) | ((exponent + 1) & high);
    f32x8 t = (m - 1.0f) / (m + 1.0f), t2 = t * t;
    f32x8 p = splat(1.0f / 9.0f);
    p = p * t2 + 1.0f / 7.0f;
    p = p * t2 + 1.0f / 5.0f;
    p = p * t2 + 1.0f / 3.0f;
    p = p * t2 + 1.0f;
    return __builtin_convertvector(exponent, f32x8) * 0.69314718f + 2.0f * t * p;
}

// GaussianQuads.quarterTurnCosSin.
ALWAYS_INLINE void quarter_turn_cos_sin(f32x8 phi, f32x8 *cos, f32x8 *sin) {
    f32x8 x2 = phi * phi;
    f32x8 c = splat(1.0f / 479001600.0f);
    c = c * x2 - 1.0f / 3628800.0f;
    c = c * x2 + 1.0f / 40320.0f;
    c = c * x2 - 1.0f / 720.0f;
    c = c * x2 + 1.0f / 24.0f;
    c = c * x2 - 1.0f / 2.0f;
    c = c * x2 + 1.0f;
    f32x8 s = splat(1.0f / 6227020800.0f);
    s = s * x2 - 1.0f / 39916800.0f;
    s = s * x2 + 1.0f / 362880.0f;
    s = s * x2 - 1.0f / 5040.0f;
    s = s * x2 + 1.0f / 120.0f;
    s = s * x2 - 1.0f / 6.0f;
    *cos = c;
    *sin = phi + phi * x2 * s;
}

// Philox4x32-10 for eight counters (c0, sample, c2, 0), c0 and c2 per lane (taken mod 2³²):
// words 0, 1 and 2 (word 3 is unused by the normals).
ALWAYS_INLINE void philox8(u64x8 c0, uint32_t sample, u64x8 c2, uint32_t key0, uint32_t key1,
                           u32x8 *w0, u32x8 *w1, u32x8 *w2) {
    u64x8 c1 = (u64x8){} + sample, c3 = (u64x8){};
    c0 &= 0xFFFFFFFFu;   // words wrap at 2³², as UInt32 arithmetic does
    c2 &= 0xFFFFFFFFu;
    uint32_t k0 = key0, k1 = key1;
#pragma clang loop unroll(full)
    for (int round = 0; round < 10; round++) {
        if (round > 0) { k0 += PHILOX_W0; k1 += PHILOX_W1; }
        // 32 × 32 → 64 bits; the masks (no-ops) let the compiler use vpmuludq, not a 64-bit product.
        u64x8 a = (c0 & 0xFFFFFFFFu) * PHILOX_M0, b = (c2 & 0xFFFFFFFFu) * PHILOX_M1;
        u64x8 n0 = (b >> 32) ^ c1 ^ k0;
        u64x8 n2 = (a >> 32) ^ c3 ^ k1;
        c1 = b & 0xFFFFFFFFu;
        c3 = a & 0xFFFFFFFFu;
        c0 = n0;
        c2 = n2;
    }
    *w0 = __builtin_convertvector(c0, u32x8);
    *w1 = __builtin_convertvector(c1, u32x8);
    *w2 = __builtin_convertvector(c2, u32x8);
}

// GaussianQuads.normals for eight blocks' words: block i's first and second normal.
ALWAYS_INLINE void normal_pairs(u32x8 w0, u32x8 w1, u32x8 w2, f32x8 *first, f32x8 *second) {
    f32x8 coarse = __builtin_convertvector((i32x8)(w0 >> 9), f32x8);
    f32x8 fine = __builtin_convertvector((i32x8)(w1 >> 9), f32x8);
    f32x8 u = select_f(coarse == 0.0f, (fine + 0.5f) * 0x1p-46f, (coarse + 0.5f) * 0x1p-23f);
    f32x8 r = __builtin_elementwise_sqrt(-2.0f * natural_log(u));
    i32x8 quadrant = (i32x8)(w2 >> 30);
    f32x8 steps = __builtin_convertvector((i32x8)((w2 >> 7) & 0x7FFFFFu), f32x8);
    // 0x1p-23 · Float.pi / 2, Swift's Float.pi being π rounded toward zero (0x1.921fb4p+1).
    f32x8 c, s;
    quarter_turn_cos_sin((steps + 0.5f) * (0x1p-24f * 0x1.921fb4p+1f), &c, &s);
    i32x8 odd = (quadrant & 1) != 0;
    f32x8 a = select_f(odd, s, c), b = select_f(odd, c, s);
    *first = r * select_f((quadrant == 1) | (quadrant == 2), -a, a);
    *second = r * select_f(quadrant >= 2, -b, b);
}

// The normals of eight blocks in column order: block i gives columns 2i and 2i + 1.
ALWAYS_INLINE void box_muller16(const u32x8 *w0, const u32x8 *w1, const u32x8 *w2, f32x16 *normals) {
    f32x8 first, second;
    normal_pairs(*w0, *w1, *w2, &first, &second);
    *normals = __builtin_shufflevector(first, second, 0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
}

ALWAYS_INLINE void add_noise_row(float *out, const float *spread, float plus, long columns,
                                 uint32_t sample, uint32_t place, uint32_t key0, uint32_t key1) {
    const u64x8 lanes = {0, 1, 2, 3, 4, 5, 6, 7};
    uint32_t block = 0;
    for (long j = 0; j < columns; j += 16, block += 8) {
        u32x8 w0, w1, w2;
        philox8(lanes + block, sample, (u64x8){} + place, key0, key1, &w0, &w1, &w2);
        f32x16 z;
        box_muller16(&w0, &w1, &w2, &z);
        if (j + 16 <= columns) {
            f32x16 sp, cur;
            memcpy(&sp, spread + j, sizeof sp);
            memcpy(&cur, out + j, sizeof cur);
            sp = sp + plus;
            f32x16 noisy = cur + __builtin_elementwise_sqrt(sp) * z;
            i32x16 positive = sp > 0.0f;
            i32x16 n, c;
            memcpy(&n, &noisy, sizeof n);
            memcpy(&c, &cur, sizeof c);
            i32x16 kept = (n & positive) | (c & ~positive);
            memcpy(out + j, &kept, sizeof kept);
        } else {
            float normals[16];
            memcpy(normals, &z, sizeof normals);
            for (long t = 0; t < columns - j; t++) {
                float sv = spread[j + t] + plus;
                if (sv > 0) out[j + t] += __builtin_sqrtf(sv) * normals[t];
            }
        }
    }
}

// The direct products' epilogue (CKernels.h) on sixteen values of channel c, as `imprint_epilogue_value`
// computes one.
ALWAYS_INLINE f32x16 epilogue16(f32x16 v, const imprint_direct_epilogue *e, int c) {
    if (!e) return v;
    if (e->gain) v = v * e->gain[c];
    if (e->scale) v = e->scale[c] * v + e->shift[c];
    v = v + e->bias[c];
    if (e->relu) {
        i32x16 positive = v > 0.0f, bits;
        memcpy(&bits, &v, sizeof bits);
        bits &= positive;
        memcpy(&v, &bits, sizeof v);
    }
    return v;
}

// One row of sixteen positions (the first `n`): v = y; v += sqrt(s) · z where s = var > 0; then
// the epilogue. The row kernel's arithmetic with nothing added to the variance.
ALWAYS_INLINE void noisy_row16(float *y, const float *var, f32x16 z, long n, const imprint_direct_epilogue *e,
                               int c) {
    if (n >= 16) {
        f32x16 s, cur;
        memcpy(&s, var, sizeof s);
        memcpy(&cur, y, sizeof cur);
        f32x16 noisy = cur + __builtin_elementwise_sqrt(s) * z;
        i32x16 positive = s > 0.0f, nb, cb;
        memcpy(&nb, &noisy, sizeof nb);
        memcpy(&cb, &cur, sizeof cb);
        i32x16 kept = (nb & positive) | (cb & ~positive);
        memcpy(&cur, &kept, sizeof cur);
        cur = epilogue16(cur, e, c);
        memcpy(y, &cur, sizeof cur);
    } else {
        float normals[16];
        memcpy(normals, &z, sizeof normals);
        for (long t = 0; t < n; t++) {
            float v = y[t], sv = var[t];
            if (sv > 0) v += __builtin_sqrtf(sv) * normals[t];
            y[t] = imprint_epilogue_value(v, e, c);
        }
    }
}

// CKernels.h, imprint_direct_read_noise: per channel pair, sixteen positions' blocks at a time
// (two 8-block Philox runs, one block per position), whose first normals go to the even channel
// and second normals to the odd one.
ALWAYS_INLINE void direct_noise(float *y, long y_stride, const float *var, long var_stride, long first,
                                int channels, long count, uint32_t sample, uint32_t place, uint32_t place_step,
                                uint32_t key0, uint32_t key1, const imprint_direct_epilogue *e) {
    const u64x8 lanes = {0, 1, 2, 3, 4, 5, 6, 7};
    for (long pair = first / 2; 2 * pair < first + channels; pair++) {
        long even = 2 * pair - first, odd = even + 1;   // rows; even may be −1, odd may be `channels`
        for (long p = 0; p < count; p += 16) {
            u32x8 a0, a1, a2, b0, b1, b2;
            u64x8 places = (lanes + (uint64_t)p) * place_step + place;
            philox8((u64x8){} + (uint64_t)pair, sample, places, key0, key1, &a0, &a1, &a2);
            philox8((u64x8){} + (uint64_t)pair, sample, places + 8 * (uint64_t)place_step, key0, key1, &b0, &b1, &b2);
            f32x8 fa, sa, fb, sb;
            normal_pairs(a0, a1, a2, &fa, &sa);
            normal_pairs(b0, b1, b2, &fb, &sb);
            long n = count - p;
            if (even >= 0) {
                f32x16 z = __builtin_shufflevector(fa, fb, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
                noisy_row16(y + even * y_stride + p, var + even * var_stride + p, z, n, e, (int)even);
            }
            if (odd < channels) {
                f32x16 z = __builtin_shufflevector(sa, sb, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
                noisy_row16(y + odd * y_stride + p, var + odd * var_stride + p, z, n, e, (int)odd);
            }
        }
    }
}

// Each kernel once per instruction set: AVX2, AVX-512F and none (any CPU, any architecture).
#define VARIANT(suffix, attributes)                                                                      \
    attributes static void add_noise_row_##suffix(float *out, const float *spread, float plus, long columns, \
                                                  uint32_t sample, uint32_t place, uint32_t key0,        \
                                                  uint32_t key1) {                                       \
        add_noise_row(out, spread, plus, columns, sample, place, key0, key1);                            \
    }                                                                                                    \
    attributes static void normals_##suffix(const uint32_t *w0, const uint32_t *w1, const uint32_t *w2,  \
                                            float *normals) {                                            \
        u32x8 a, b, c;                                                                                   \
        memcpy(&a, w0, sizeof a);                                                                        \
        memcpy(&b, w1, sizeof b);                                                                        \
        memcpy(&c, w2, sizeof c);                                                                        \
        f32x16 z;                                                                                        \
        box_muller16(&a, &b, &c, &z);                                                                    \
        memcpy(normals, &z, sizeof z);                                                                   \
    }                                                                                                    \
    attributes static void direct_noise_##suffix(float *y, long y_stride, const float *var, long var_stride, \
                                                 long first, int channels, long count, uint32_t sample,  \
                                                 uint32_t place, uint32_t place_step, uint32_t key0,     \
                                                 uint32_t key1, const imprint_direct_epilogue *e) {      \
        direct_noise(y, y_stride, var, var_stride, first, channels, count, sample, place, place_step, key0, \
                     key1, e);                                                                           \
    }
VARIANT(portable, )
#if defined(__x86_64__)
VARIANT(avx2, __attribute__((target("avx2"))))
VARIANT(avx512, __attribute__((target("avx512f"))))
#endif

int imprint_read_noise_variants(void) {
    return imprint_cpu_features() & (IMPRINT_CPU_AVX2 | IMPRINT_CPU_AVX512F);
}

// 0 (portable) always; 1 and 2 where this CPU has them.
static int has_variant(int variant) {
    return variant == 0 || ((variant == 1 || variant == 2) && (imprint_read_noise_variants() & variant));
}

static int widest(void) {
    int v = imprint_read_noise_variants();
    return v & 2 ? 2 : v & 1;
}

int imprint_add_read_noise_row_variant(int variant, float *out, const float *spread, float plus, long columns,
                                       uint32_t sample, uint32_t place, uint32_t key0, uint32_t key1) {
    if (!has_variant(variant)) return 0;
    switch (variant) {
#if defined(__x86_64__)
    case 2: add_noise_row_avx512(out, spread, plus, columns, sample, place, key0, key1); break;
    case 1: add_noise_row_avx2(out, spread, plus, columns, sample, place, key0, key1); break;
#endif
    default: add_noise_row_portable(out, spread, plus, columns, sample, place, key0, key1); break;
    }
    return 1;
}

void imprint_add_read_noise_row(float *out, const float *spread, float plus, long columns,
                                uint32_t sample, uint32_t place, uint32_t key0, uint32_t key1) {
    imprint_add_read_noise_row_variant(widest(), out, spread, plus, columns, sample, place, key0, key1);
}

int imprint_read_noise_normals_variant(int variant, const uint32_t *w0, const uint32_t *w1, const uint32_t *w2,
                                       float *normals) {
    if (!has_variant(variant)) return 0;
    switch (variant) {
#if defined(__x86_64__)
    case 2: normals_avx512(w0, w1, w2, normals); break;
    case 1: normals_avx2(w0, w1, w2, normals); break;
#endif
    default: normals_portable(w0, w1, w2, normals); break;
    }
    return 1;
}

int imprint_direct_read_noise_variant(int variant, float *y, long y_stride, const float *var, long var_stride,
                                      long first, int channels, long count, uint32_t sample, uint32_t place,
                                      uint32_t place_step, uint32_t key0, uint32_t key1,
                                      const imprint_direct_epilogue *e) {
    if (!has_variant(variant) || first < 0 || channels < 1 || channels > 8) return 0;
    switch (variant) {
#if defined(__x86_64__)
    case 2: direct_noise_avx512(y, y_stride, var, var_stride, first, channels, count, sample, place, place_step, key0, key1, e); break;
    case 1: direct_noise_avx2(y, y_stride, var, var_stride, first, channels, count, sample, place, place_step, key0, key1, e); break;
#endif
    default: direct_noise_portable(y, y_stride, var, var_stride, first, channels, count, sample, place, place_step, key0, key1, e); break;
    }
    return 1;
}

void imprint_direct_read_noise(float *y, long y_stride, const float *var, long var_stride, long first, int channels,
                               long count, uint32_t sample, uint32_t place, uint32_t place_step, uint32_t key0,
                               uint32_t key1, const imprint_direct_epilogue *e) {
    imprint_direct_read_noise_variant(widest(), y, y_stride, var, var_stride, first, channels, count, sample, place,
                                      place_step, key0, key1, e);
}
