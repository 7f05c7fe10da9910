// A minimal C client on libmosquitto: the reference the Swift client (LaneMQTT) is measured
// against in MQTTBenchmarks. It connects with MQTT 5, subscribes to one topic, and publishes to
// that topic, waiting for its own messages to come back through the broker.
#ifndef LANE_MQTT_REFERENCE_H
#define LANE_MQTT_REFERENCE_H

#include <stdint.h>

typedef struct lane_reference_client lane_reference_client;

/// Connects to host:port, subscribes to `topic` at `qos` and starts the network thread; NULL on failure.
lane_reference_client *lane_reference_connect(const char *host, int port, const char *client_id, const char *topic, int qos);

/// Publishes `length` bytes to the topic and waits until the message comes back; 0, or -1 on failure.
int lane_reference_round_trip(lane_reference_client *client, const void *payload, int length);

/// Publishes `count` messages without waiting, then waits until all `count` have come back; 0, or -1 on failure.
int lane_reference_flood(lane_reference_client *client, int count, const void *payload, int length);

/// Disconnects, stops the network thread and frees the client.
void lane_reference_close(lane_reference_client *client);

#endif
