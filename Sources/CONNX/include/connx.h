#ifndef IMPRINT_CONNX_H
#define IMPRINT_CONNX_H
/* Umbrella header of the CONNX module: protoc-c output for formats/onnx.proto
   (regenerate with scripts/gen-protos.sh; never edit the generated files by hand). */
#include "onnx.pb-c.h"
#endif
