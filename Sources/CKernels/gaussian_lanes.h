// Philox4x32-10 and GaussianQuads' Box–Muller for vectors of LANES blocks, private to
// read_noise.c, which includes this once per width with LANES defined (no include guard on
// purpose). Every name ends in the width (u32x8, philox_32, …); the arithmetic is the same
// at every width, lane by lane, so every width gives the same bits.

#define LANE_CAT_(a, b) a##_##b
#define LANE_CAT(a, b) LANE_CAT_(a, b)
#define LANED(name) LANE_CAT(name, LANES)
#define LANE_TYPE_(a, b) a##b
#define LANE_TYPE(a, b) LANE_TYPE_(a, b)
#define U64 LANE_TYPE(u64x, LANES)
#define U32 LANE_TYPE(u32x, LANES)
#define I32 LANE_TYPE(i32x, LANES)
#define F32 LANE_TYPE(f32x, LANES)

typedef uint64_t U64 __attribute__((vector_size(8 * LANES)));
typedef uint32_t U32 __attribute__((vector_size(4 * LANES)));
typedef int32_t I32 __attribute__((vector_size(4 * LANES)));
typedef float F32 __attribute__((vector_size(4 * LANES)));

ALWAYS_INLINE F32 LANED(select_f)(I32 mask, F32 a, F32 b) {
    I32 ai, bi;
    memcpy(&ai, &a, sizeof ai);
    memcpy(&bi, &b, sizeof bi);
    I32 r = (ai & mask) | (bi & ~mask);
    F32 f;
    memcpy(&f, &r, sizeof f);
    return f;
}

ALWAYS_INLINE F32 LANED(splat)(float x) { return (F32){} + x; }

// GaussianQuads.naturalLog.
ALWAYS_INLINE F32 LANED(natural_log)(F32 u) {
    U32 bits;
    memcpy(&bits, &u, sizeof bits);
    I32 exponent = (I32)(bits >> 23) - 127;
    U32 mantissa = (bits & 0x7FFFFFu) | 0x3F800000u;
    F32 m;
    memcpy(&m, &mantissa, sizeof m);
    I32 high = m > 1.4142135f;
    m = LANED(select_f)(high, m * 0.5f, m);
    exponent = (exponent & ~high) | ((exponent + 1) & high);
    F32 t = (m - 1.0f) / (m + 1.0f), t2 = t * t;
    F32 p = LANED(splat)(1.0f / 9.0f);
    p = p * t2 + 1.0f / 7.0f;
    p = p * t2 + 1.0f / 5.0f;
    p = p * t2 + 1.0f / 3.0f;
    p = p * t2 + 1.0f;
    return __builtin_convertvector(exponent, F32) * 0.69314718f + 2.0f * t * p;
}

// GaussianQuads.quarterTurnCosSin.
ALWAYS_INLINE void LANED(quarter_turn_cos_sin)(F32 phi, F32 *cos, F32 *sin) {
    F32 x2 = phi * phi;
    F32 c = LANED(splat)(1.0f / 479001600.0f);
    c = c * x2 - 1.0f / 3628800.0f;
    c = c * x2 + 1.0f / 40320.0f;
    c = c * x2 - 1.0f / 720.0f;
    c = c * x2 + 1.0f / 24.0f;
    c = c * x2 - 1.0f / 2.0f;
    c = c * x2 + 1.0f;
    F32 s = LANED(splat)(1.0f / 6227020800.0f);
    s = s * x2 - 1.0f / 39916800.0f;
    s = s * x2 + 1.0f / 362880.0f;
    s = s * x2 - 1.0f / 5040.0f;
    s = s * x2 + 1.0f / 120.0f;
    s = s * x2 - 1.0f / 6.0f;
    *cos = c;
    *sin = phi + phi * x2 * s;
}

// Philox4x32-10 for LANES counters (c0, sample, c2, 0), c0 and c2 per lane (taken mod 2³²):
// words 0, 1 and 2 (word 3 is unused by the normals).
ALWAYS_INLINE void LANED(philox)(U64 c0, uint32_t sample, U64 c2, uint32_t key0, uint32_t key1,
                                 U32 *w0, U32 *w1, U32 *w2) {
    U64 c1 = (U64){} + sample, c3 = (U64){};
    c0 &= 0xFFFFFFFFu;   // words wrap at 2³², as UInt32 arithmetic does
    c2 &= 0xFFFFFFFFu;
    uint32_t k0 = key0, k1 = key1;
#pragma clang loop unroll(full)
    for (int round = 0; round < 10; round++) {
        if (round > 0) { k0 += PHILOX_W0; k1 += PHILOX_W1; }
        // 32 × 32 → 64 bits; the masks (no-ops) let the compiler use vpmuludq, not a 64-bit product.
        U64 a = (c0 & 0xFFFFFFFFu) * PHILOX_M0, b = (c2 & 0xFFFFFFFFu) * PHILOX_M1;
        U64 n0 = (b >> 32) ^ c1 ^ k0;
        U64 n2 = (a >> 32) ^ c3 ^ k1;
        c1 = b & 0xFFFFFFFFu;
        c3 = a & 0xFFFFFFFFu;
        c0 = n0;
        c2 = n2;
    }
    *w0 = __builtin_convertvector(c0, U32);
    *w1 = __builtin_convertvector(c1, U32);
    *w2 = __builtin_convertvector(c2, U32);
}

// GaussianQuads.normals for LANES blocks' words: block i's first and second normal.
ALWAYS_INLINE void LANED(normal_pairs)(U32 w0, U32 w1, U32 w2, F32 *first, F32 *second) {
    F32 coarse = __builtin_convertvector((I32)(w0 >> 9), F32);
    F32 fine = __builtin_convertvector((I32)(w1 >> 9), F32);
    F32 u = LANED(select_f)(coarse == 0.0f, (fine + 0.5f) * 0x1p-46f, (coarse + 0.5f) * 0x1p-23f);
    F32 r = __builtin_elementwise_sqrt(-2.0f * LANED(natural_log)(u));
    I32 quadrant = (I32)(w2 >> 30);
    F32 steps = __builtin_convertvector((I32)((w2 >> 7) & 0x7FFFFFu), F32);
    // 0x1p-23 · Float.pi / 2, Swift's Float.pi being π rounded toward zero (0x1.921fb4p+1).
    F32 c, s;
    LANED(quarter_turn_cos_sin)((steps + 0.5f) * (0x1p-24f * 0x1.921fb4p+1f), &c, &s);
    I32 odd = (quadrant & 1) != 0;
    F32 a = LANED(select_f)(odd, s, c), b = LANED(select_f)(odd, c, s);
    *first = r * LANED(select_f)((quadrant == 1) | (quadrant == 2), -a, a);
    *second = r * LANED(select_f)(quadrant >= 2, -b, b);
}

#undef U64
#undef U32
#undef I32
#undef F32
#undef LANED
#undef LANE_CAT
#undef LANE_CAT_
#undef LANE_TYPE
#undef LANE_TYPE_
