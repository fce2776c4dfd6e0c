/* mqtt_acl.c — MQTT-ACL-002: the broker's own state ($SYS/#) is hidden from anonymous and
 * low-privilege clients.  Both identities keur has (none, and the DUT description's test
 * identity, which a lab gives the least rights) subscribe to $SYS/# and listen. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "case.h"
#include "mqtt.h"
#include "mqtt_dut.h"
#include "util.h"

#define LISTEN_MS 3000

struct seen {
	int n;
	char version[128];
	char first[160];
};

static void got(void *arg, const char *topic, const void *payload, int len)
{
	struct seen *s = arg;

	if (!s->first[0])
		snprintf(s->first, sizeof(s->first), "%s", topic);
	if (!strcmp(topic, "$SYS/broker/version"))
		snprintf(s->version, sizeof(s->version), "%.*s", len < 120 ? len : 120, (const char *)payload);
	s->n++;
}

static void sys_topics(struct keur_ctx *ctx)
{
	const struct keur_dut *d = keur_dut(ctx);
	struct keur_findings f = { 0 };

	mqtt_init();
	for (size_t i = 0; i < d->nmqtt; i++) {
		const struct dut_mqtt *m = &d->mqtt[i];
		struct mqtt_target t;

		if (!m->broker)
			continue;
		mqtt_dut_target(m, mqtt_dut_version(m), &t);
		for (int who = 0; who < 2; who++) {
			const char *user = who ? m->username : NULL, *pass = who ? m->password : NULL;
			char label[160], cid[48], why[256];
			struct mqtt_session *s;
			struct mqtt_connack a;
			struct seen seen = { 0 };
			int granted;

			if (who && !user)
				continue;
			if (keur_time_left_ms(ctx) < 2 * m->timeout_ms + LISTEN_MS + 1500) {
				keur_find(&f, FIND_OPEN, "the deadline left no time for %s:%d", m->host, m->port);
				break;
			}
			snprintf(label, sizeof(label), "%s:%d as %s%s%s", m->host, m->port, who ? "the test identity '" : "anonymous",
				 who ? user : "", who ? "'" : "");
			snprintf(cid, sizeof(cid), "keur-acl2-%ld-%d", (long)getpid(), who);
			mqtt_session_open(&t, cid, user, pass, NULL, NULL, &s, &a);
			keur_note(ctx, "%s: CONNECT -> %s", label, a.detail);
			if (!s) {
				if (a.outcome == MQTT_UNREACHABLE || a.outcome == MQTT_TLS_FAILED) {
					keur_find(&f, FIND_OPEN, "%s: %s", label, a.detail);
				}
				continue;	/* not admitted: it reads nothing */
			}
			if (mqtt_session_subscribe(s, "$SYS/#", m->timeout_ms, &granted, why, sizeof(why)) < 0) {
				keur_note(ctx, "%s: %s", label, why);
				keur_find(&f, FIND_GOOD, "%s: %s", label, why);
			} else if (granted >= 0x80) {
				keur_note(ctx, "%s: SUBSCRIBE $SYS/# refused (0x%02x)", label, granted);
				keur_find(&f, FIND_GOOD, "%s: subscription refused", label);
			} else {
				int n = mqtt_session_listen(s, LISTEN_MS, 50, got, &seen);
				keur_note(ctx, "%s: SUBSCRIBE $SYS/# granted (QoS %d); %d message(s) in %d ms%s%s", label, granted,
					  n < 0 ? seen.n : n, LISTEN_MS, seen.version[0] ? "; version: " : "", seen.version);
				if (seen.n > 0) {
					keur_find(&f, FIND_BAD, "%s reads $SYS/# (%d message(s), e.g. %s)%s%s%s", label, seen.n,
						  seen.first, seen.version[0] ? "; the broker says it is '" : "", seen.version,
						  seen.version[0] ? "'" : "");
				} else {
					keur_find(&f, FIND_GOOD, "%s: granted, but nothing delivered in %d s", label, LISTEN_MS / 1000);
				}
			}
			mqtt_session_close(s);
		}
	}
	keur_findings_settle(ctx, &f, "$SYS hidden", KEUR_INCONC,
			     "neither anonymous nor a test identity was admitted: no one to read $SYS/# with (declare a test identity)");
	mqtt_cleanup();
}

static const struct keur_case cases[] = {
	{ .id = "MQTT-ACL-002", .title = "$SYS/# is hidden from anonymous and low-privilege clients",
	  .spec = "EN 303 645 5.6-2; EN 18031-1 ACM-2", .needs = NEED_MQTT_BROKER, .deadline_s = 60, .run = sys_topics },
};

const struct keur_suite mqtt_acl_suite = {
	.name = "mqtt_acl",
	.title = "MQTT broker access control",
	.cases = cases,
	.ncases = ARRAY_SIZE(cases),
};
