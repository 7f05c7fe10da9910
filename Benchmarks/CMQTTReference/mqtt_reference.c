#include "mqtt_reference.h"

#include <mosquitto.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct lane_reference_client {
    struct mosquitto *mosq;
    char *topic;
    int qos;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    uint64_t received;
    bool connected;
    bool subscribed;
};

static void on_connect(struct mosquitto *mosq, void *context, int rc, int flags, const mosquitto_property *properties) {
    (void)mosq; (void)flags; (void)properties;
    lane_reference_client *client = context;
    pthread_mutex_lock(&client->lock);
    client->connected = rc == 0;
    pthread_cond_broadcast(&client->changed);
    pthread_mutex_unlock(&client->lock);
}

static void on_subscribe(struct mosquitto *mosq, void *context, int mid, int count, const int *granted, const mosquitto_property *properties) {
    (void)mosq; (void)mid; (void)count; (void)granted; (void)properties;
    lane_reference_client *client = context;
    pthread_mutex_lock(&client->lock);
    client->subscribed = true;
    pthread_cond_broadcast(&client->changed);
    pthread_mutex_unlock(&client->lock);
}

static void on_message(struct mosquitto *mosq, void *context, const struct mosquitto_message *message, const mosquitto_property *properties) {
    (void)mosq; (void)properties;
    lane_reference_client *client = context;
    // Copy the payload as any real consumer must before the callback returns.
    void *copy = malloc((size_t)message->payloadlen + 1);
    if (copy) memcpy(copy, message->payload, (size_t)message->payloadlen);
    free(copy);
    pthread_mutex_lock(&client->lock);
    client->received += 1;
    pthread_cond_broadcast(&client->changed);
    pthread_mutex_unlock(&client->lock);
}

static int wait_for(lane_reference_client *client, bool (*done)(lane_reference_client *, uint64_t), uint64_t target) {
    pthread_mutex_lock(&client->lock);
    while (!done(client, target)) pthread_cond_wait(&client->changed, &client->lock);
    pthread_mutex_unlock(&client->lock);
    return 0;
}

static bool is_connected(lane_reference_client *client, uint64_t target) { (void)target; return client->connected; }
static bool is_subscribed(lane_reference_client *client, uint64_t target) { (void)target; return client->subscribed; }
static bool has_received(lane_reference_client *client, uint64_t target) { return client->received >= target; }

lane_reference_client *lane_reference_connect(const char *host, int port, const char *client_id, const char *topic, int qos) {
    mosquitto_lib_init();
    lane_reference_client *client = calloc(1, sizeof(*client));
    if (!client) return NULL;
    pthread_mutex_init(&client->lock, NULL);
    pthread_cond_init(&client->changed, NULL);
    client->topic = strdup(topic);
    client->qos = qos;
    client->mosq = mosquitto_new(client_id, true, client);
    if (!client->mosq) goto fail;
    mosquitto_int_option(client->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
    mosquitto_int_option(client->mosq, MOSQ_OPT_TCP_NODELAY, 1);
    mosquitto_connect_v5_callback_set(client->mosq, on_connect);
    mosquitto_subscribe_v5_callback_set(client->mosq, on_subscribe);
    mosquitto_message_v5_callback_set(client->mosq, on_message);
    if (mosquitto_connect_bind_v5(client->mosq, host, port, 10, NULL, NULL) != MOSQ_ERR_SUCCESS) goto fail;
    if (mosquitto_loop_start(client->mosq) != MOSQ_ERR_SUCCESS) goto fail;
    wait_for(client, is_connected, 0);
    if (mosquitto_subscribe_v5(client->mosq, NULL, topic, qos, 0, NULL) != MOSQ_ERR_SUCCESS) goto fail;
    wait_for(client, is_subscribed, 0);
    return client;
fail:
    lane_reference_close(client);
    return NULL;
}

int lane_reference_round_trip(lane_reference_client *client, const void *payload, int length) {
    pthread_mutex_lock(&client->lock);
    uint64_t target = client->received + 1;
    pthread_mutex_unlock(&client->lock);
    if (mosquitto_publish_v5(client->mosq, NULL, client->topic, length, payload, client->qos, false, NULL) != MOSQ_ERR_SUCCESS) return -1;
    return wait_for(client, has_received, target);
}

int lane_reference_flood(lane_reference_client *client, int count, const void *payload, int length) {
    pthread_mutex_lock(&client->lock);
    uint64_t target = client->received + (uint64_t)count;
    pthread_mutex_unlock(&client->lock);
    for (int i = 0; i < count; i++) {
        if (mosquitto_publish_v5(client->mosq, NULL, client->topic, length, payload, client->qos, false, NULL) != MOSQ_ERR_SUCCESS) return -1;
    }
    return wait_for(client, has_received, target);
}

void lane_reference_close(lane_reference_client *client) {
    if (!client) return;
    if (client->mosq) {
        mosquitto_disconnect_v5(client->mosq, 0, NULL);
        mosquitto_loop_stop(client->mosq, false);
        mosquitto_destroy(client->mosq);
    }
    pthread_cond_destroy(&client->changed);
    pthread_mutex_destroy(&client->lock);
    free(client->topic);
    free(client);
}
