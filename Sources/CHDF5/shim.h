#ifndef IMPRINT_CHDF5_SHIM_H
#define IMPRINT_CHDF5_SHIM_H
#include <hdf5.h>
// HDF5 exposes its native types and defaults as macros that expand to global ids
// initialised by H5open(); Swift cannot import those macros, so wrap them.
static inline hid_t imprint_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t imprint_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t imprint_h5t_native_int32(void) { return H5T_NATIVE_INT32; }
static inline hid_t imprint_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t imprint_h5t_native_uint8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t imprint_h5t_c_s1(void) { return H5T_C_S1; }
static inline hid_t imprint_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t imprint_h5s_all(void) { return H5S_ALL; }
static inline hid_t imprint_h5p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t imprint_h5p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t imprint_h5p_link_access(void) { return H5P_LINK_ACCESS; }
static inline unsigned imprint_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned imprint_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline size_t imprint_h5t_variable(void) { return H5T_VARIABLE; }
/// Turns off HDF5's automatic error-stack printing; Imprint reports errors itself.
static inline void imprint_h5_silence_errors(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
#endif
