/* mqtt_versions.c — which MQTT versions a broker DUT speaks, found out once per run.
 *
 * The runner runs this probe in a child of its own, like a case, before the first MQTT case.  On
 * every broker endpoint it sends one CONNECT per version (3.1, 3.1.1, 5.0), with the declared test
 * identity when there is one.  A version is spoken when the broker answers it with a CONNACK of
 * that version's kind, other than "unacceptable protocol version".  It is not spoken when the
 * broker refuses it as a version, or closes the connection (or stays silent, or answers with
 * something that is no CONNACK) while it answers another version.  Anything else leaves the
 * version undetermined, and the cases try it as before.  The MQTT cases then judge the broker on
 * the versions it speaks (mqtt_dut.h); report.xml names both sets. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "case.h"
#include "mqtt.h"
#include "mqtt_dut.h"
#include "mqtt_versions.h"
#include "util.h"

#define MARGIN_MS 1000

static const int probed[] = { 4, 5, 3 };	/* 3.1.1 first: what most brokers speak */

/* Did the broker answer version v in that version's terms? */
static int answered(const struct mqtt_connack *a, int v)
{
	return a->outcome == MQTT_ACCEPTED ||
	       (a->outcome == MQTT_REFUSED && !mqtt_connack_is_version_refusal(v, a->code));
}

/* An outcome that says nothing about versions: the endpoint itself is not there. */
static int endpoint_gone(const struct mqtt_connack *a)
{
	return a->outcome == MQTT_UNREACHABLE || a->outcome == MQTT_TLS_FAILED || a->outcome == MQTT_LOCAL_ERROR;
}

/* Sorts the outcomes of one endpoint into spoken and unspoken, with a line saying why. */
static void classify(const struct mqtt_connack *acks, const int *tried, unsigned *spoken, unsigned *unspoken,
		     struct strbuf *why)
{
	const char *answering = NULL;

	*spoken = *unspoken = 0;
	for (size_t k = 0; k < ARRAY_SIZE(probed); k++)
		if (tried[k] > 0 && answered(&acks[k], probed[k])) {
			*spoken |= mqtt_version_bit(probed[k]);
			if (!answering)
				answering = mqtt_version_name(probed[k]);
		}
	for (int v = 3; v <= 5; v++) {	/* said oldest first */
		size_t k = 0;
		while (probed[k] != v)
			k++;
		const struct mqtt_connack *a = &acks[k];
		const char *name = mqtt_version_name(probed[k]);
		unsigned bit = mqtt_version_bit(probed[k]);

		if (why->len)
			sb_addf(why, "; ");
		if (tried[k] <= 0) {
			sb_addf(why, "%s undetermined (not tried: %s)", name,
				tried[k] < 0 ? "the endpoint was not reachable" : "no time left");
		} else if (answered(a, probed[k])) {
			sb_addf(why, "%s spoken (%s)", name, a->detail);
		} else if (a->outcome == MQTT_REFUSED) {
			*unspoken |= bit;
			sb_addf(why, "%s not spoken (%s)", name, a->detail);
		} else if (!endpoint_gone(a) && answering) {
			*unspoken |= bit;
			sb_addf(why, "%s not spoken (%s, while %s is answered)", name, a->detail, answering);
		} else {
			sb_addf(why, "%s undetermined (%s)", name, a->detail);
		}
	}
}

static void probe_endpoint(struct keur_ctx *ctx, const struct dut_mqtt *m, size_t i, FILE *ev)
{
	struct mqtt_connack acks[ARRAY_SIZE(probed)];
	int tried[ARRAY_SIZE(probed)] = { 0 };	/* 1 tried, 0 no time, -1 no point */
	struct strbuf why = { 0 };
	unsigned spoken, unspoken;
	char said[32], unsaid[32];

	for (size_t k = 0; k < ARRAY_SIZE(probed); k++) {
		struct mqtt_target t;
		char cid[48], label[340];

		mqtt_dut_target(m, probed[k], &t);
		if (keur_time_left_ms(ctx) < t.timeout_ms + MARGIN_MS) {
			keur_note(ctx, "deadline: no time for MQTT %s", mqtt_version_name(probed[k]));
			continue;
		}
		snprintf(cid, sizeof(cid), "keur-v-%ld-%zu", (long)getpid(), k);
		mqtt_dut_label(m, probed[k], label, sizeof(label));
		keur_note(ctx, "%s: CONNECT (client id %s, %s)", label, cid,
			  m->username ? "the declared test identity" : "no credentials");
		mqtt_try_connect(&t, cid, m->username, m->password, mqtt_dut_log, ctx, &acks[k]);
		tried[k] = 1;
		keur_note(ctx, "  -> %s: %s (%ld ms)", mqtt_outcome_name(acks[k].outcome), acks[k].detail, acks[k].ms);
		if (endpoint_gone(&acks[k])) {
			for (size_t j = k + 1; j < ARRAY_SIZE(probed); j++)
				tried[j] = -1;
			break;
		}
	}
	classify(acks, tried, &spoken, &unspoken, &why);
	keur_note(ctx, "%s:%d: %s", m->host, m->port, why.buf ? why.buf : "");
	/* One line per endpoint for the runner: index, spoken, unspoken, why. */
	mqtt_versions_text(spoken, said, sizeof(said));
	mqtt_versions_text(unspoken, unsaid, sizeof(unsaid));
	fprintf(ev, "%zu\t%s\t%s\t%s\n", i, said, unsaid, why.buf ? why.buf : "");
	sb_release(&why);
}

static void probe(struct keur_ctx *ctx)
{
	const struct keur_dut *d = keur_dut(ctx);
	FILE *ev = keur_evidence(ctx, MQTT_VERSIONS_FILE);

	if (!ev) {
		keur_verdict(ctx, KEUR_ERROR, "cannot write the evidence file " MQTT_VERSIONS_FILE);
		return;
	}
	if (mqtt_init() < 0) {
		fclose(ev);
		keur_verdict(ctx, KEUR_ERROR, "libmosquitto did not initialise");
		return;
	}
	for (size_t i = 0; i < d->nmqtt; i++)
		if (d->mqtt[i].broker)
			probe_endpoint(ctx, &d->mqtt[i], i, ev);
	fclose(ev);
	mqtt_cleanup();
	keur_verdict(ctx, KEUR_PASS, "probed");
}

const struct keur_case mqtt_versions_probe = {
	.id = MQTT_VERSIONS_ID,
	.title = "which MQTT versions the broker speaks (once per run, before the MQTT cases)",
	.spec = "",
	.needs = NEED_MQTT_BROKER,
	.deadline_s = 0,	/* the runner sets it from the endpoints' timeouts */
	.run = probe,
};

long mqtt_versions_deadline_ms(const struct keur_dut *d)
{
	long ms = 2000;

	for (size_t i = 0; i < d->nmqtt; i++)
		if (d->mqtt[i].broker)
			ms += (long)ARRAY_SIZE(probed) * d->mqtt[i].timeout_ms + MARGIN_MS;
	return ms;
}
