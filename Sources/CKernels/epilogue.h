// The direct products' epilogue (CKernels.h) on one value, private to CKernels: the arithmetic
// every vector variant matches, operation by operation (never contracted into a fused
// multiply-add, whatever the includer's setting).
#ifndef IMPRINT_CKERNELS_EPILOGUE_H
#define IMPRINT_CKERNELS_EPILOGUE_H

#include "CKernels.h"

/// `residual`: the residual value of this output (e->residual's element), or NULL when e has none.
static inline __attribute__((always_inline)) float imprint_epilogue_value(float v, const imprint_direct_epilogue *e,
                                                                          int c, const float *residual) {
#pragma clang fp contract(off)
    if (!e) return v;
    if (e->gain) v = v * e->gain[c];
    if (e->scale) v = e->scale[c] * v + e->shift[c];
    v = v + e->bias[c];
    if (residual) v = v + *residual;
    if (e->relu) v = v > 0 ? v : 0;
    return v;
}

/// Where output (c, p) of a call writing rows `y_stride` apart finds its residual value.
static inline __attribute__((always_inline)) const float *imprint_epilogue_residual(const imprint_direct_epilogue *e,
                                                                                     int c, long y_stride, long p) {
    return e && e->residual ? e->residual + c * y_stride + p : 0;
}

#endif
