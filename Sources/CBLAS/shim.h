#ifndef IMPRINT_CBLAS_SHIM_H
#define IMPRINT_CBLAS_SHIM_H
#include <cblas.h>
// OpenBLAS thread control lives outside the CBLAS standard.
extern void openblas_set_num_threads(int num_threads);
extern int openblas_get_num_threads(void);
#endif
