// libpq, PostgreSQL's client library, as LanePostgres uses it (Debian's libpq-dev; the include
// folder comes from pkg-config's libpq).
#ifndef LANE_CLIBPQ_SHIM_H
#define LANE_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
