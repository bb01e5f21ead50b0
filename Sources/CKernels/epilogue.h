// The direct products' epilogue (CKernels.h) on one value, private to CKernels: the arithmetic
// every vector variant matches, operation by operation (never contracted into a fused
// multiply-add, whatever the includer's setting).
#ifndef IMPRINT_CKERNELS_EPILOGUE_H
#define IMPRINT_CKERNELS_EPILOGUE_H

#include "CKernels.h"

static inline __attribute__((always_inline)) float imprint_epilogue_value(float v, const imprint_direct_epilogue *e,
                                                                          int c) {
#pragma clang fp contract(off)
    if (!e) return v;
    if (e->gain) v = v * e->gain[c];
    if (e->scale) v = e->scale[c] * v + e->shift[c];
    v = v + e->bias[c];
    if (e->relu) v = v > 0 ? v : 0;
    return v;
}

#endif
