// libmosquitto, as LaneMQTT uses it. mqtt_protocol.h (MQTT_PROP_*, MQTT_RC_*) is not included by
// mosquitto.h itself.
#ifndef LANE_CMOSQUITTO_SHIM_H
#define LANE_CMOSQUITTO_SHIM_H
#include <mosquitto.h>
#include <mqtt_protocol.h>
#endif
