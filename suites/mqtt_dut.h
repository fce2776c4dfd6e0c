/* mqtt_dut.h — how the MQTT suites read a DUT's <mqtt> endpoint into a driver target, and the
 * transcript logger they share.  Drivers know nothing of DUT descriptions; this is the bridge. */
#ifndef KEUR_MQTT_DUT_H
#define KEUR_MQTT_DUT_H

#include <stdio.h>

#include "case.h"
#include "mqtt.h"

/* The first protocol version the endpoint declares: 4 (3.1.1) or 5. */
static inline int mqtt_dut_version(const struct dut_mqtt *m)
{
	return m->versions & MQTT_V311 ? 4 : 5;
}

/* The driver target for endpoint m, speaking version (4 or 5). */
static inline void mqtt_dut_target(const struct dut_mqtt *m, int version, struct mqtt_target *t)
{
	t->host = m->host;
	t->port = m->port;
	t->tls = m->tls;
	t->ca_file = m->ca_file;
	t->version = version;
	t->timeout_ms = m->timeout_ms;
}

/* The first message a listen brings (an mqtt_message_fn's arg): its payload, cut to fit. */
struct mqtt_first {
	char value[512];
	int got;
};

static inline void mqtt_dut_first(void *arg, const char *topic, const void *payload, int len)
{
	struct mqtt_first *m = arg;

	(void)topic;
	if (!m->got++)
		snprintf(m->value, sizeof(m->value), "%.*s", len < 511 ? (len > 0 ? len : 0) : 511, (const char *)payload);
}

/* An mqtt_log_fn that puts libmosquitto's lines into the case's transcript (arg: the ctx). */
static inline void mqtt_dut_log(void *arg, const char *line)
{
	keur_note(arg, "  libmosquitto: %s", line);
}

#endif
