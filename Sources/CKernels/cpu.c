// CPUID leaves 1 and 7 and the OS's saved register state (XGETBV): AVX2 and FMA need XMM and YMM
// state saved, AVX-512F also the opmask and ZMM state.

#include "cpu.h"

#if defined(__x86_64__)
#include <cpuid.h>

static int detect(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27))) return 0;   // OSXSAVE
    int fma = (c & (1u << 12)) ? IMPRINT_CPU_FMA : 0;
    unsigned lo, hi;
    __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 0x6) != 0x6 || !__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    int features = fma | ((b & (1u << 5)) ? IMPRINT_CPU_AVX2 : 0);
    if ((b & (1u << 16)) && (lo & 0xE6) == 0xE6) features |= IMPRINT_CPU_AVX512F;
    return features;
}
#else
static int detect(void) { return 0; }
#endif

int imprint_cpu_features(void) {
    static int cached = -1;
    int v = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (v < 0) {
        v = detect();
        __atomic_store_n(&cached, v, __ATOMIC_RELAXED);
    }
    return v;
}
