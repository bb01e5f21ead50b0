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

#define ALWAYS_INLINE static inline __attribute__((always_inline))

// Random123's Philox4x32 constants (as DeviceSimulation's Philox4x32).
#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

// Philox and Box–Muller for vectors of LANES blocks (gaussian_lanes.h, included once per width):
// eight for a row's last step (sixteen normals, sixteen columns: a 16-column step wastes no blocks
// on a 16-channel convolution) and sixteen for its other steps; LANES_WIDE for a direct
// convolution's positions, wide enough that the
// independent halves of every operation sit next to each other and the CPU overlaps their latency
// chains (the logarithm's division and both polynomials) instead of waiting on one.
#define LANES 8
#include "gaussian_lanes.h"
#undef LANES
#define LANES 16
#include "gaussian_lanes.h"
#undef LANES
#define LANES_WIDE 32
#define LANES LANES_WIDE
#include "gaussian_lanes.h"
#undef LANES

// The normals of eight blocks in column order: block i gives columns 2i and 2i + 1.
ALWAYS_INLINE void box_muller16(const u32x8 *w0, const u32x8 *w1, const u32x8 *w2, f32x16 *normals) {
    f32x8 first, second;
    normal_pairs_8(*w0, *w1, *w2, &first, &second);
    *normals = __builtin_shufflevector(first, second, 0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
}

// Sixteen columns from `j` on (the first n ≤ 16 when fewer are left): out += sqrt(s) · z where
// s = spread + plus > 0.
ALWAYS_INLINE void noisy_columns16(float *out, const float *spread, float plus, f32x16 z, long n) {
    if (n >= 16) {
        f32x16 sp, cur;
        memcpy(&sp, spread, sizeof sp);
        memcpy(&cur, out, sizeof cur);
        sp = sp + plus;
        f32x16 noisy = cur + __builtin_elementwise_sqrt(sp) * z;
        i32x16 positive = sp > 0.0f;
        i32x16 nb, cb;
        memcpy(&nb, &noisy, sizeof nb);
        memcpy(&cb, &cur, sizeof cb);
        i32x16 kept = (nb & positive) | (cb & ~positive);
        memcpy(out, &kept, sizeof kept);
    } else {
        float normals[16];
        memcpy(normals, &z, sizeof normals);
        for (long t = 0; t < n; t++) {
            float sv = spread[t] + plus;
            if (sv > 0) out[t] += __builtin_sqrtf(sv) * normals[t];
        }
    }
}

// Thirty-two columns (sixteen blocks) a step while they last, then sixteen (eight blocks).
ALWAYS_INLINE void add_noise_row(float *out, const float *spread, float plus, long columns,
                                 uint32_t sample, uint32_t place, uint32_t key0, uint32_t key1) {
    const u64x16 lanes16 = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    uint32_t block = 0;
    long j = 0;
    for (; j + 32 <= columns; j += 32, block += 16) {
        u32x16 w0, w1, w2;
        philox_16(lanes16 + block, sample, (u64x16){} + place, key0, key1, &w0, &w1, &w2);
        f32x16 first, second;
        normal_pairs_16(w0, w1, w2, &first, &second);
        f32x16 low = __builtin_shufflevector(first, second, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        f32x16 high = __builtin_shufflevector(first, second, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15,
                                              31);
        noisy_columns16(out + j, spread + j, plus, low, 16);
        noisy_columns16(out + j + 16, spread + j + 16, plus, high, 16);
    }
    const u64x8 lanes = {0, 1, 2, 3, 4, 5, 6, 7};
    for (; j < columns; j += 16, block += 8) {
        u32x8 w0, w1, w2;
        philox_8(lanes + block, sample, (u64x8){} + place, key0, key1, &w0, &w1, &w2);
        f32x16 z;
        box_muller16(&w0, &w1, &w2, &z);
        noisy_columns16(out + j, spread + j, plus, z, columns - j);
    }
}

// The direct products' epilogue (CKernels.h) on sixteen values of channel c, as `imprint_epilogue_value`
// computes one; `res` the first of their residual values, or NULL.
ALWAYS_INLINE f32x16 epilogue16(f32x16 v, const imprint_direct_epilogue *e, int c, const float *res) {
    if (!e) return v;
    if (e->gain) v = v * e->gain[c];
    if (e->scale) v = e->scale[c] * v + e->shift[c];
    v = v + e->bias[c];
    if (res) {
        f32x16 r;
        memcpy(&r, res, sizeof r);
        v = v + r;
    }
    if (e->relu) {
        i32x16 positive = v > 0.0f, bits;
        memcpy(&bits, &v, sizeof bits);
        bits &= positive;
        memcpy(&v, &bits, sizeof v);
    }
    return v;
}

// One row of sixteen positions (the first `n`): the row kernel's noise with nothing added to the
// variance (s + 0 is s for every s > 0, and nothing else is used), then the epilogue (`res`: the
// row's residual values there, or NULL).
ALWAYS_INLINE void noisy_row16(float *y, const float *var, f32x16 z, long n, const imprint_direct_epilogue *e,
                               int c, const float *res) {
    noisy_columns16(y, var, 0.0f, z, n);
    if (!e) return;
    if (n >= 16) {
        f32x16 cur;
        memcpy(&cur, y, sizeof cur);
        cur = epilogue16(cur, e, c, res);
        memcpy(y, &cur, sizeof cur);
    } else {
        for (long t = 0; t < n; t++) y[t] = imprint_epilogue_value(y[t], e, c, res ? res + t : 0);
    }
}

// CKernels.h, imprint_direct_read_noise: per channel pair, LANES_WIDE positions' blocks at a time
// (one block per position), whose first normals go to the even channel and second normals to the
// odd one.
ALWAYS_INLINE void direct_noise(float *y, long y_stride, const float *var, long var_stride, long first,
                                int channels, long count, uint32_t sample, uint32_t place, uint32_t place_step,
                                uint32_t key0, uint32_t key1, const imprint_direct_epilogue *e) {
    u64x32 lanes;
    for (int i = 0; i < LANES_WIDE; i++) lanes[i] = (uint64_t)i;
    for (long pair = first / 2; 2 * pair < first + channels; pair++) {
        long even = 2 * pair - first, odd = even + 1;   // rows; even may be −1, odd may be `channels`
        for (long p = 0; p < count; p += LANES_WIDE) {
            u32x32 w0, w1, w2;
            philox_32((u64x32){} + (uint64_t)pair, sample, (lanes + (uint64_t)p) * place_step + place, key0, key1,
                      &w0, &w1, &w2);
            f32x32 z[2];
            normal_pairs_32(w0, w1, w2, &z[0], &z[1]);
            for (int k = 0; k < 2; k++) {
                long row = k == 0 ? even : odd;
                if (row < 0 || row >= channels) continue;
                float *yr = y + row * y_stride + p;
                const float *vr = var + row * var_stride + p;
                f32x16 low = __builtin_shufflevector(z[k], z[k], 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
                f32x16 high = __builtin_shufflevector(z[k], z[k], 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28,
                                                      29, 30, 31);
                const float *rr = imprint_epilogue_residual(e, (int)row, y_stride, p);
                noisy_row16(yr, vr, low, count - p, e, (int)row, rr);
                if (count - p > 16) noisy_row16(yr + 16, vr + 16, high, count - p - 16, e, (int)row, rr ? rr + 16 : 0);
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

// The widest variant, found once (the row kernel runs once per output row of a tile).
static int widest(void) {
    static int cached = -1;
    int w = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (w < 0) {
        int v = imprint_read_noise_variants();
        w = v & 2 ? 2 : v & 1;
        __atomic_store_n(&cached, w, __ATOMIC_RELAXED);
    }
    return w;
}

// A variant this CPU has (the public entry points check).
static void add_noise_row_variant(int variant, float *out, const float *spread, float plus, long columns,
                                  uint32_t sample, uint32_t place, uint32_t key0, uint32_t key1) {
    switch (variant) {
#if defined(__x86_64__)
    case 2: add_noise_row_avx512(out, spread, plus, columns, sample, place, key0, key1); break;
    case 1: add_noise_row_avx2(out, spread, plus, columns, sample, place, key0, key1); break;
#endif
    default: add_noise_row_portable(out, spread, plus, columns, sample, place, key0, key1); break;
    }
}

int imprint_add_read_noise_row_variant(int variant, float *out, const float *spread, float plus, long columns,
                                       uint32_t sample, uint32_t place, uint32_t key0, uint32_t key1) {
    if (!has_variant(variant)) return 0;
    add_noise_row_variant(variant, out, spread, plus, columns, sample, place, key0, key1);
    return 1;
}

void imprint_add_read_noise_row(float *out, const float *spread, float plus, long columns,
                                uint32_t sample, uint32_t place, uint32_t key0, uint32_t key1) {
    add_noise_row_variant(widest(), out, spread, plus, columns, sample, place, key0, key1);
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
