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

// --- Read-side helpers (HDF5Support). Version-dependent API names are resolved here, in C. ---
#include <string.h>

/// Link kind of `name` below `loc`: H5L_TYPE_HARD, _SOFT or _EXTERNAL, or -1 if absent/unreadable.
/// `val_size` receives the size of a soft/external link's value (0 for hard links).
static inline int imprint_h5_link_info(hid_t loc, const char *name, hid_t lapl, size_t *val_size) {
    H5L_info_t info;
    if (H5Lget_info(loc, name, &info, lapl) < 0) return -1;
    *val_size = (info.type == H5L_TYPE_HARD) ? 0 : info.u.val_size;
    return (int)info.type;
}
static inline int imprint_h5l_type_hard(void) { return (int)H5L_TYPE_HARD; }
static inline int imprint_h5l_type_soft(void) { return (int)H5L_TYPE_SOFT; }
static inline int imprint_h5l_type_external(void) { return (int)H5L_TYPE_EXTERNAL; }

/// Kind of the object `name` below `loc`: 1 group, 2 dataset, 0 other, -1 missing/unreadable.
static inline int imprint_h5_object_kind(hid_t loc, const char *name, hid_t lapl) {
    hid_t obj = H5Oopen(loc, name, lapl);
    if (obj < 0) return -1;
    H5I_type_t t = H5Iget_type(obj);
    H5Oclose(obj);
    return t == H5I_GROUP ? 1 : (t == H5I_DATASET ? 2 : 0);
}

/// Defence in depth behind Imprint's own link checks: HDF5 calls this before following any external
/// link (also ones inside other files); absolute targets and `..` are refused, access stays read-only.
static herr_t imprint_h5_elink_guard(const char *parent_file_name, const char *parent_group_name,
                                     const char *child_file_name, const char *child_object_name,
                                     unsigned *acc_flags, hid_t fapl_id, void *op_data) {
    (void)parent_file_name; (void)parent_group_name; (void)child_object_name; (void)fapl_id; (void)op_data;
    if (child_file_name == NULL || child_file_name[0] == '/' || strstr(child_file_name, "..") != NULL) return -1;
    *acc_flags = H5F_ACC_RDONLY;
    return 0;
}
static inline herr_t imprint_h5p_set_elink_guard(hid_t lapl) { return H5Pset_elink_cb(lapl, imprint_h5_elink_guard, NULL); }
static inline hid_t imprint_h5p_dataset_access(void) { return H5P_DATASET_ACCESS; }
static inline int imprint_h5d_layout_virtual(void) { return (int)H5D_VIRTUAL; }
static inline int imprint_h5d_layout_contiguous(void) { return (int)H5D_CONTIGUOUS; }

/// Frees variable-length strings HDF5 allocated during a read (H5Treclaim from 1.12 on).
static inline herr_t imprint_h5_vlen_reclaim(hid_t type, hid_t space, void *buf) {
#if H5_VERSION_GE(1, 12, 0)
    return H5Treclaim(type, space, H5P_DEFAULT, buf);
#else
    return H5Dvlen_reclaim(type, space, H5P_DEFAULT, buf);
#endif
}
#endif
