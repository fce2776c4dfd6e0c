/* mqtt_tls.c — a broker DUT's transport security: no plaintext listener (MQTT-TLS-001), no TLS
 * below 1.2 (MQTT-TLS-002), no weak suites (MQTT-TLS-003), a sound certificate (MQTT-TLS-004).
 * Each TLS endpoint the DUT description declares is probed with drivers/tls.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "case.h"
#include "mqtt.h"
#include "mqtt_dut.h"
#include "tls.h"
#include "util.h"

static void target(const struct dut_mqtt *m, struct tls_target *t)
{
	t->host = m->host;
	t->port = m->port;
	t->sni = m->host;
	t->timeout_ms = m->timeout_ms;
}

static int enough_time(struct keur_ctx *ctx, const struct dut_mqtt *m, struct keur_findings *f, const char *what)
{
	if (keur_time_left_ms(ctx) > m->timeout_ms + 1500)
		return 1;
	keur_find(f, FIND_OPEN, "the case's deadline left no time for %s on %s:%d (raise --deadline-scale)", what,
	    m->host, m->port);
	return 0;
}

/* MQTT-TLS-001: does an MQTT broker answer in plaintext, declared or beside a TLS endpoint? */
static void plaintext(struct keur_ctx *ctx)
{
	const struct keur_dut *d = keur_dut(ctx);
	struct keur_findings f = { 0 };

	mqtt_init();
	for (size_t i = 0; i < d->nmqtt; i++) {
		const struct dut_mqtt *m = &d->mqtt[i];
		int ports[9], nports = 0;

		if (!m->broker)
			continue;
		if (!m->tls)
			ports[nports++] = m->port;
		for (int k = 0; k < m->nplaintext; k++)
			if (m->plaintext_ports[k] != m->port || !m->tls)
				ports[nports++] = m->plaintext_ports[k];
		for (int k = 0; k < nports; k++) {
			struct mqtt_target t = { .host = m->host, .port = ports[k], .version = mqtt_dut_version(m),
						 .timeout_ms = m->timeout_ms };
			struct mqtt_connack a;
			char cid[48];

			if (k > 0 && ports[k] == ports[0])
				continue;
			if (!enough_time(ctx, m, &f, "a plaintext probe"))
				break;
			snprintf(cid, sizeof(cid), "keur-tls001-%ld", (long)getpid());
			keur_note(ctx, "mqtt://%s:%d: plaintext CONNECT", m->host, ports[k]);
			mqtt_try_connect(&t, cid, NULL, NULL, mqtt_dut_log, ctx, &a);
			keur_note(ctx, "  -> %s: %s", mqtt_outcome_name(a.outcome), a.detail);
			switch (a.outcome) {
			case MQTT_ACCEPTED:
			case MQTT_REFUSED:
				keur_find(&f, FIND_BAD, "a plaintext MQTT listener answers at %s:%d (%s)%s", m->host, ports[k],
				    a.detail, m->tls ? "" : ", declared so in the DUT description");
				break;
			case MQTT_UNREACHABLE:
				if (!m->tls && k == 0)
					keur_find(&f, FIND_OPEN, "the declared plaintext endpoint %s:%d is not reachable (%s)",
					    m->host, ports[k], a.detail);
				else
					keur_find(&f, FIND_GOOD, "%s:%d closed", m->host, ports[k]);
				break;
			default:
				/* Something listens but speaks no MQTT in plaintext: where the DUT declares a
				 * plaintext broker, that is a broker keur cannot judge, not a closed port. */
				if (!m->tls && k == 0)
					keur_find(&f, FIND_OPEN, "the declared plaintext endpoint %s:%d does not answer as an MQTT broker (%s)",
					    m->host, ports[k], a.detail);
				else
					keur_find(&f, FIND_GOOD, "%s:%d does not speak MQTT in plaintext (%s)", m->host, ports[k],
					    a.detail);
				break;
			}
		}
	}
	if (!f.nbad && !f.nopen && !f.ngood)
		keur_find(&f, FIND_OPEN, "no port to probe");
	keur_findings_settle(ctx, &f, "no plaintext MQTT listener", KEUR_NA, "the DUT declares no MQTT broker endpoint");
	mqtt_cleanup();
}

/* MQTT-TLS-002: one handshake per version. */
static void versions(struct keur_ctx *ctx)
{
	const struct keur_dut *d = keur_dut(ctx);
	struct keur_findings f = { 0 };
	FILE *ev = keur_evidence(ctx, "versions.txt");

	for (size_t i = 0; i < d->nmqtt; i++) {
		const struct dut_mqtt *m = &d->mqtt[i];
		struct tls_target t;
		char accepted[128] = "";
		int dead = 0;

		if (!m->broker || !m->tls)
			continue;
		target(m, &t);
		for (int v = TLS_V1_0; v < TLS_NVERSIONS && !dead; v++) {
			char detail[300];
			if (!enough_time(ctx, m, &f, tls_version_name(v)))
				break;
			enum tls_result r = tls_probe(&t, v, NULL, detail, sizeof(detail));
			keur_note(ctx, "%s:%d %s: %s", m->host, m->port, tls_version_name(v), detail);
			if (ev)
				fprintf(ev, "%s:%d\t%s\t%s\t%s\n", m->host, m->port, tls_version_name(v),
					r == TLS_ACCEPTED ? "accepted" : r == TLS_REFUSED ? "refused" : "not decided", detail);
			if (r == TLS_ACCEPTED) {
				snprintf(accepted + strlen(accepted), sizeof(accepted) - strlen(accepted), "%s%s",
					 accepted[0] ? ", " : "", tls_version_name(v));
				if (v < TLS_V1_2)
					keur_find(&f, FIND_BAD, "%s:%d accepts %s (%s)", m->host, m->port, tls_version_name(v), detail);
			} else if (r == TLS_UNREACHABLE || r == TLS_TIMEOUT) {
				keur_find(&f, FIND_OPEN, "%s:%d: %s", m->host, m->port, detail);
				dead = 1;
			} else if (r == TLS_UNTESTABLE) {
				keur_find(&f, FIND_OPEN, "%s", detail);
			}
		}
		if (!dead && accepted[0])
			keur_find(&f, FIND_GOOD, "%s:%d accepts %s only", m->host, m->port, accepted);
		else if (!dead)
			keur_find(&f, FIND_OPEN, "%s:%d completed no TLS handshake in any version", m->host, m->port);
	}
	if (ev)
		fprintf(ev, "# SSL 3.0 is not probed: this OpenSSL is built without it\n");
	if (ev)
		fclose(ev);
	keur_findings_settle(ctx, &f, "TLS below 1.2 refused (SSL 3.0 not probed: this OpenSSL has none)", KEUR_NA,
			     "the DUT declares no TLS endpoint for its broker");
	tls_cleanup();
}

struct suite_log {
	struct keur_ctx *ctx;
	struct keur_findings *f;
	FILE *ev;
	const struct dut_mqtt *m;
	enum tls_version v;
	int naccepted;
};

static void suite_found(void *arg, const char *name)
{
	struct suite_log *s = arg;
	char why[64];
	int weak = tls_suite_weak(name, why, sizeof(why));

	s->naccepted++;
	if (s->ev)
		fprintf(s->ev, "%s:%d\t%s\t%s%s%s\n", s->m->host, s->m->port, tls_version_name(s->v), name,
			weak ? "\tWEAK: " : "", weak ? why : "");
	if (weak)
		keur_find(s->f, FIND_BAD, "%s:%d accepts %s in %s: %s", s->m->host, s->m->port, name,
		    tls_version_name(s->v), why);
}

/* MQTT-TLS-003: every suite of every accepted version. */
static void suites(struct keur_ctx *ctx)
{
	const struct keur_dut *d = keur_dut(ctx);
	struct keur_findings f = { 0 };
	FILE *ev = keur_evidence(ctx, "suites.txt");

	for (size_t i = 0; i < d->nmqtt; i++) {
		const struct dut_mqtt *m = &d->mqtt[i];
		struct tls_target t;
		struct suite_log log = { .ctx = ctx, .f = &f, .ev = ev, .m = m };
		int dead = 0, out_of_time = 0, versions = 0;

		if (!m->broker || !m->tls)
			continue;
		target(m, &t);
		for (int v = TLS_V1_0; v < TLS_NVERSIONS; v++) {
			char detail[300];

			/* A version takes accepted + 1 handshakes; budget generously for a slow DUT. */
			if (!enough_time(ctx, m, &f, tls_version_name(v))) {
				out_of_time = 1;
				break;
			}
			log.v = v;
			int n = tls_accepted_suites(&t, v, suite_found, &log, detail, sizeof(detail));
			keur_note(ctx, "%s:%d %s: %d suites accepted%s%s", m->host, m->port, tls_version_name(v), n < 0 ? 0 : n,
				  n <= 0 ? "; last: " : "", n <= 0 ? detail : "");
			if (n == TLS_UNREACHABLE || n == TLS_TIMEOUT) {
				keur_find(&f, FIND_OPEN, "%s:%d: %s", m->host, m->port, detail);
				dead = 1;
				break;
			}
			if (n > 0)
				versions++;
		}
		/* Nothing accepted is nothing shown: never a pass by default. */
		if (!dead && !out_of_time && !versions)
			keur_find(&f, FIND_OPEN, "%s:%d completed no TLS handshake in any version", m->host, m->port);
		else if (!dead && !out_of_time)
			keur_find(&f, FIND_GOOD, "%s:%d: %d suites accepted, none weak (list in suites.txt)", m->host, m->port,
			    log.naccepted);
	}
	if (ev)
		fclose(ev);
	keur_findings_settle(ctx, &f, "no NULL, anonymous, export, RC4, DES or 3DES suite accepted", KEUR_NA,
			     "the DUT declares no TLS endpoint for its broker");
	tls_cleanup();
}

/* MQTT-TLS-004: the broker's certificate. */
static void certificate(struct keur_ctx *ctx)
{
	const struct keur_dut *d = keur_dut(ctx);
	struct keur_findings f = { 0 };
	int nth = 0;

	for (size_t i = 0; i < d->nmqtt; i++) {
		const struct dut_mqtt *m = &d->mqtt[i];
		struct tls_target t;
		char findings[2048], summary[600], pem[64];

		if (!m->broker || !m->tls)
			continue;
		target(m, &t);
		snprintf(pem, sizeof(pem), "chain-%d.pem", nth++);
		char *path = keur_evidence_path(ctx, pem);
		int r = tls_cert_audit(&t, m->host, m->ca_file, findings, sizeof(findings), summary, sizeof(summary), path);
		free(path);
		keur_note(ctx, "%s:%d certificate: %s", m->host, m->port, summary);
		if (r < 0) {
			keur_find(&f, FIND_OPEN, "%s:%d: no certificate to look at (%s)", m->host, m->port, summary);
			continue;
		}
		if (findings[0]) {
			for (char *p = findings; *p; p++)
				if (*p == '\n')
					*p = ';';
			keur_note(ctx, "  findings: %s", findings);
			keur_find(&f, FIND_BAD, "%s:%d: %s", m->host, m->port, findings);
		} else {
			keur_find(&f, FIND_GOOD, "%s:%d: %s", m->host, m->port, summary);
		}
	}
	keur_findings_settle(ctx, &f, "certificate sound", KEUR_NA, "the DUT declares no TLS endpoint for its broker");
}

static const struct keur_case cases[] = {
	{ .id = "MQTT-TLS-001", .title = "no plaintext MQTT listener is reachable",
	  .spec = "EN 303 645 5.5-1; EN 18031-1 SCM-1, SCM-2", .needs = NEED_MQTT_BROKER, .deadline_s = 60,
	  .run = plaintext },
	{ .id = "MQTT-TLS-002", .title = "TLS below 1.2 is refused",
	  .spec = "EN 303 645 5.5-1; EN 18031-1 CRY-1", .needs = NEED_MQTT_BROKER, .deadline_s = 60, .run = versions },
	{ .id = "MQTT-TLS-003", .title = "no NULL, anonymous, export, RC4, DES or 3DES suite is accepted",
	  .spec = "EN 303 645 5.5-1; EN 18031-1 CRY-1", .needs = NEED_MQTT_BROKER, .deadline_s = 180, .run = suites },
	{ .id = "MQTT-TLS-004", .title = "the broker's certificate is sound: dates, key, signature, name, chain",
	  .spec = "EN 303 645 5.5-1; EN 18031-1 SCM-1", .needs = NEED_MQTT_BROKER, .deadline_s = 60, .run = certificate },
};

const struct keur_suite mqtt_tls_suite = {
	.name = "mqtt_tls",
	.title = "MQTT broker transport security",
	.cases = cases,
	.ncases = ARRAY_SIZE(cases),
};
