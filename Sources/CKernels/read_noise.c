// Per-read noise rows (CKernels.h) in 8-block vectors for AVX2 and AVX-512 CPUs, chosen at run time.
//
// Why C: Swift compiles for baseline x86-64 (SSE2) and has no per-function target attribute, so
// its 4-wide Philox and Box–Muller (GaussianQuads) took 60 % of a per-read verify evaluation of
// the bundled CNN (perf). Every operation below is an integer operation or one correctly rounded
// IEEE float operation per lane, in the order `GaussianQuads` uses, with contraction into fused
// multiply-adds switched off, so every variant gives the Swift code's bits on every CPU.

#include "CKernels.h"
#include "cpu.h"
#include <string.h>

#if defined(__x86_64__)

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

// Philox4x32-10 for eight counters (first_block + lane, sample, place, 0): words 0, 1 and 2
// (word 3 is unused by the normals).
ALWAYS_INLINE void philox8(uint32_t first_block, uint32_t sample, uint32_t place, uint32_t key0, uint32_t key1,
                           u32x8 *w0, u32x8 *w1, u32x8 *w2) {
    const u64x8 lanes = {0, 1, 2, 3, 4, 5, 6, 7};
    u64x8 c0 = lanes + first_block, c1 = (u64x8){} + sample, c2 = (u64x8){} + place, c3 = (u64x8){};
    c0 &= 0xFFFFFFFFu;   // word 0 wraps at 2³², as UInt32 arithmetic does
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

// GaussianQuads.normals for eight blocks' words, column order: block i gives columns 2i and
// 2i + 1 (the first and second normal).
ALWAYS_INLINE void box_muller16(const u32x8 *words0, const u32x8 *words1, const u32x8 *words2, f32x16 *normals) {
    u32x8 w0 = *words0, w1 = *words1, w2 = *words2;
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
    f32x8 first = r * select_f((quadrant == 1) | (quadrant == 2), -a, a);
    f32x8 second = r * select_f(quadrant >= 2, -b, b);
    *normals = __builtin_shufflevector(first, second, 0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
}

ALWAYS_INLINE void add_noise_row(float *out, const float *spread, float plus, long columns,
                                 uint32_t sample, uint32_t place, uint32_t key0, uint32_t key1) {
    uint32_t block = 0;
    for (long j = 0; j < columns; j += 16, block += 8) {
        u32x8 w0, w1, w2;
        philox8(block, sample, place, key0, key1, &w0, &w1, &w2);
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

#define VARIANT(suffix, isa)                                                                              \
    __attribute__((target(isa))) static void add_noise_row_##suffix(                                      \
        float *out, const float *spread, float plus, long columns, uint32_t sample, uint32_t place,        \
        uint32_t key0, uint32_t key1) {                                                                   \
        add_noise_row(out, spread, plus, columns, sample, place, key0, key1);                             \
    }                                                                                                     \
    __attribute__((target(isa))) static void normals_##suffix(const uint32_t *w0, const uint32_t *w1,    \
                                                               const uint32_t *w2, float *normals) {      \
        u32x8 a, b, c;                                                                                    \
        memcpy(&a, w0, sizeof a);                                                                         \
        memcpy(&b, w1, sizeof b);                                                                         \
        memcpy(&c, w2, sizeof c);                                                                         \
        f32x16 z;                                                                                         \
        box_muller16(&a, &b, &c, &z);                                                                     \
        memcpy(normals, &z, sizeof z);                                                                    \
    }
VARIANT(avx2, "avx2")
VARIANT(avx512, "avx512f")

#else
// No wide variants elsewhere: the Swift path runs.
#define add_noise_row_avx512(...) ((void)0)
#define add_noise_row_avx2(...) ((void)0)
#define normals_avx512(...) ((void)0)
#define normals_avx2(...) ((void)0)
#endif

int imprint_read_noise_variants(void) {
    return imprint_cpu_features() & (IMPRINT_CPU_AVX2 | IMPRINT_CPU_AVX512F);
}

int imprint_add_read_noise_row_variant(int variant, float *out, const float *spread, float plus, long columns,
                                       uint32_t sample, uint32_t place, uint32_t key0, uint32_t key1) {
    if (!(imprint_read_noise_variants() & variant)) return 0;
    if (variant == 2) add_noise_row_avx512(out, spread, plus, columns, sample, place, key0, key1);
    else if (variant == 1) add_noise_row_avx2(out, spread, plus, columns, sample, place, key0, key1);
    else return 0;
    return 1;
}

int imprint_add_read_noise_row(float *out, const float *spread, float plus, long columns,
                               uint32_t sample, uint32_t place, uint32_t key0, uint32_t key1) {
    int v = imprint_read_noise_variants();
    return imprint_add_read_noise_row_variant(v & 2 ? 2 : v & 1, out, spread, plus, columns, sample, place, key0, key1);
}

int imprint_read_noise_normals_variant(int variant, const uint32_t *w0, const uint32_t *w1, const uint32_t *w2,
                                       float *normals) {
    if (!(imprint_read_noise_variants() & variant)) return 0;
    if (variant == 2) normals_avx512(w0, w1, w2, normals);
    else if (variant == 1) normals_avx2(w0, w1, w2, normals);
    else return 0;
    return 1;
}
