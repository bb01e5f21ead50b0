// What this CPU and OS run, for the kernels' run-time choice of variant (private to CKernels).
#ifndef IMPRINT_CKERNELS_CPU_H
#define IMPRINT_CKERNELS_CPU_H

#define IMPRINT_CPU_AVX2 1
#define IMPRINT_CPU_AVX512F 2
#define IMPRINT_CPU_FMA 4

/// A bit set of the above, each only when the OS also saves the registers it needs (XGETBV);
/// 0 on other architectures. Detected once.
int imprint_cpu_features(void);

/// Whether this CPU runs kernel variant `variant` (0: portable C, always; 1: AVX2 with FMA;
/// 2: AVX-512F), as `imprint_direct_variants()` reports them.
int imprint_has_variant(int variant);

/// The widest kernel variant this CPU runs (2: AVX-512F, 1: AVX2 with FMA, 0: portable C), as
/// `imprint_direct_variants()` reports them; found once.
int imprint_widest_variant(void);

#endif
