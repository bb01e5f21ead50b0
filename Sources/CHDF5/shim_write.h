#ifndef IMPRINT_CHDF5_SHIM_WRITE_H
#define IMPRINT_CHDF5_SHIM_WRITE_H
#include <hdf5.h>
// Macros the HDF5 writer needs beyond shim.h (kept apart so the reader's header stays untouched).
static inline hid_t imprint_h5t_native_int8(void) { return H5T_NATIVE_INT8; }
static inline unsigned imprint_h5f_acc_excl(void) { return H5F_ACC_EXCL; }
#endif
