#ifndef IMPRINT_CPROTOBUFC_SHIM_H
#define IMPRINT_CPROTOBUFC_SHIM_H
#include <protobuf-c/protobuf-c.h>
#endif
