// json-c, as the wire codec uses it. Include through <json-c/...> only: json-c.pc adds
// -I/usr/include/json-c, which exposes generic header names (debug.h, printbuf.h).
#ifndef LANE_CJSONC_SHIM_H
#define LANE_CJSONC_SHIM_H
#include <json-c/json.h>
#endif
