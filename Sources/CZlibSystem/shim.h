#ifndef IMPRINT_CZLIB_SHIM_H
#define IMPRINT_CZLIB_SHIM_H
#include <zlib.h>
// inflateInit2 is a macro over inflateInit2_; Swift cannot call function-like macros.
static inline int imprint_inflate_init_gzip(z_stream *s) { return inflateInit2(s, 16 + MAX_WBITS); }
#endif
