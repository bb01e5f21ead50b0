#ifndef IMPRINT_CKERNELS_H
#define IMPRINT_CKERNELS_H

#include <stdint.h>

/// Per-read noise for one output row, wider than Swift can emit for baseline x86-64: for every
/// column c in 0..<columns, with s = spread[c] + plus, out[c] += sqrt(s) * z_c when s > 0, where
/// z_c is normal c % 2 of Philox4x32-10 block (c / 2, sample, place, 0) under key (key0, key1),
/// turned into a normal exactly as DeviceSimulation's `GaussianQuads.normals` does. Bit for bit
/// the values of `AnalogMatrixProducts.addGaussianRow` (Swift, 4-wide), which the tests check.
///
/// `imprint_read_noise_variants()` is a bit set of the variants this CPU runs (1: AVX2,
/// 2: AVX-512F); `imprint_add_read_noise_row` uses the widest, and returns 0 without touching
/// `out` when there is none. `imprint_add_read_noise_row_variant` runs one named variant, and
/// `imprint_read_noise_normals_variant` one variant's normals for eight given blocks' words 0–2
/// (16 values, block i's two normals at 2i and 2i + 1), so tests reach every branch; both return
/// 0 when this CPU lacks the variant.
int imprint_read_noise_variants(void);
int imprint_add_read_noise_row(float *out, const float *spread, float plus, long columns,
                               uint32_t sample, uint32_t place, uint32_t key0, uint32_t key1);
int imprint_add_read_noise_row_variant(int variant, float *out, const float *spread, float plus, long columns,
                                       uint32_t sample, uint32_t place, uint32_t key0, uint32_t key1);

int imprint_read_noise_normals_variant(int variant, const uint32_t *w0, const uint32_t *w1, const uint32_t *w2,
                                       float *normals);

/// A hint to the CPU that the caller is spinning on a memory location (x86 PAUSE, ARM YIELD).
static inline void imprint_spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

#endif
