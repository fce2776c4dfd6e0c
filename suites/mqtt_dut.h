/* mqtt_dut.h — how the MQTT suites read a DUT's <mqtt> endpoint into a driver target, and the
 * transcript logger they share.  Drivers know nothing of DUT descriptions; this is the bridge. */
#ifndef KEUR_MQTT_DUT_H
#define KEUR_MQTT_DUT_H

#include <stdio.h>
#include <string.h>

#include "case.h"
#include "mqtt.h"

/* The bit of protocol version v (3, 4 or 5) in a dut_mqtt's version sets. */
static inline unsigned mqtt_version_bit(int v)
{
	return v == 5 ? MQTT_V5 : v == 3 ? MQTT_V31 : MQTT_V311;
}

/* The versions endpoint m is judged on: those declared that the run did not find it unable to
 * speak; when it speaks none of the declared ones, those it was seen to speak.  A version the
 * broker does not speak is never tried, so it can neither blame the DUT description nor leave a
 * case undecided. */
static inline unsigned mqtt_dut_versions(const struct dut_mqtt *m)
{
	unsigned v = m->versions & ~m->unspoken;

	return v ? v : m->spoken ? m->spoken : m->versions;
}

/* Whether endpoint m is judged on version v (3, 4 or 5). */
static inline int mqtt_dut_judges(const struct dut_mqtt *m, int v)
{
	return !!(mqtt_dut_versions(m) & mqtt_version_bit(v));
}

/* The version a case that needs one speaks to endpoint m: 3.1.1 where it is judged on it, else
 * 5.0, else 3.1. */
static inline int mqtt_dut_version(const struct dut_mqtt *m)
{
	unsigned v = mqtt_dut_versions(m);

	return v & MQTT_V311 ? 4 : v & MQTT_V5 ? 5 : v & MQTT_V31 ? 3 : 4;
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

/* "mqtt://HOST:PORT MQTT 3.1.1": an endpoint and version, as transcripts and reasons name them. */
static inline void mqtt_dut_label(const struct dut_mqtt *m, int version, char *out, size_t len)
{
	size_t n;

	dut_mqtt_endpoint(m, out, len);
	n = strlen(out);
	snprintf(out + n, len - n, " MQTT %s", mqtt_version_name(version));
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
