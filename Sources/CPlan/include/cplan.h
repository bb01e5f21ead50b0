#ifndef IMPRINT_CPLAN_H
#define IMPRINT_CPLAN_H
/* Umbrella header of the CPlan module: protoc-c output for formats/plan.proto
   (regenerate with scripts/gen-protos.sh; never edit the generated files by hand). */
#include "plan.pb-c.h"
#endif
