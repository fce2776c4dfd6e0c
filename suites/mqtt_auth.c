/* mqtt_auth.c — a broker DUT admits nobody without credentials (MQTT-AUTH-001) and nobody
 * with a wrong password (MQTT-AUTH-002); over every declared endpoint (TCP, TLS) and every
 * protocol version (3.1, 3.1.1, 5.0) that is declared and that the broker speaks (the run's probe,
 * suites/mqtt_versions.c: a version it does not speak is not tried).
 *
 * A broker may refuse by CONNACK code or by closing the connection.  Closing or silence is
 * only read as a refusal when the declared test identity is admitted on the same endpoint
 * (a positive control); otherwise a broken listener could pass as a secure one. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "case.h"
#include "mqtt.h"
#include "mqtt_dut.h"
#include "util.h"

struct tally {
	struct strbuf fail, inconc, pass;
	int nfail, ninconc, npass, unsupported, local_error, untried;
	int timeout_ms;		/* the longest exchange timeout among the untried */
};

#define MARGIN_MS 1500		/* kept free before the deadline for settling the verdict */

/* Is there time for one more exchange before the parent's deadline?  If not, the combination
 * is counted as untried: the case ends with a verdict that says so instead of being killed. */
static int have_time(struct keur_ctx *ctx, const struct mqtt_target *t, struct tally *tl)
{
	if (keur_time_left_ms(ctx) > t->timeout_ms + MARGIN_MS)
		return 1;
	tl->untried++;
	if (t->timeout_ms > tl->timeout_ms)
		tl->timeout_ms = t->timeout_ms;
	keur_note(ctx, "deadline: %ld ms left, an exchange may take %d ms: not tried", keur_time_left_ms(ctx),
		  t->timeout_ms);
	return 0;
}

static void tally_add(struct strbuf *sb, int *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void tally_add(struct strbuf *sb, int *n, const char *fmt, ...)
{
	va_list ap;
	char buf[600];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sb_addf(sb, "%s%s", sb->len ? "; " : "", buf);
	(*n)++;
}

/* One CONNECT, with the attempt and its outcome in the transcript (the password as ***). */
static void attempt(struct keur_ctx *ctx, const struct mqtt_target *t, const char *label,
		    const char *what, const char *user, const char *pass, struct mqtt_connack *ack)
{
	static unsigned n;
	char cid[48];

	snprintf(cid, sizeof(cid), "keur-%ld-%u", (long)getpid(), n++);
	keur_note(ctx, "%s: CONNECT %s (client id %s, user %s, password %s)", label, what, cid,
		  user ? user : "(none)", pass ? "***" : "(none)");
	mqtt_try_connect(t, cid, user, pass, mqtt_dut_log, ctx, ack);
	keur_note(ctx, "%s: -> %s: %s (%ld ms)", label, mqtt_outcome_name(ack->outcome), ack->detail, ack->ms);
}

/* The verdict of a case from its tally. */
static void settle(struct keur_ctx *ctx, struct tally *t, const char *passed)
{
	if (t->local_error)
		keur_verdict(ctx, KEUR_ERROR, "keur's MQTT client failed: %s", t->inconc.buf ? t->inconc.buf : "");
	else if (t->nfail)
		keur_verdict(ctx, KEUR_FAIL, "%s", t->fail.buf);
	else if (t->untried)
		keur_verdict(ctx, KEUR_INCONC, "the case's deadline left no time for %d endpoint/version combination(s) "
			     "(exchanges may take %d ms each): raise --deadline-scale or lower the timeout in the DUT description%s%s",
			     t->untried, t->timeout_ms, t->ninconc ? "; also: " : "", t->ninconc ? t->inconc.buf : "");
	else if (t->ninconc)
		keur_verdict(ctx, KEUR_INCONC, "%s", t->inconc.buf);
	else if (t->npass)
		keur_verdict(ctx, KEUR_PASS, "%s on %d endpoint/version combination(s): %s", passed, t->npass, t->pass.buf);
	else
		keur_verdict(ctx, KEUR_INCONC, "the broker speaks none of the declared MQTT versions (%d refused as unsupported)",
			     t->unsupported);
	sb_release(&t->fail);
	sb_release(&t->inconc);
	sb_release(&t->pass);
}

/* Outcomes after which other versions on the same endpoint are pointless. */
static int endpoint_dead(const struct mqtt_connack *a)
{
	return a->outcome == MQTT_UNREACHABLE || a->outcome == MQTT_TLS_FAILED;
}

static void target_of(const struct dut_mqtt *m, int version, struct mqtt_target *t, char *label, size_t len)
{
	mqtt_dut_target(m, version, t);
	mqtt_dut_label(m, version, label, len);
}

/* Which versions endpoint m is judged on, and why the others are not tried. */
static void note_versions(struct keur_ctx *ctx, const struct dut_mqtt *m)
{
	char judged[32], declared[32], unspoken[32];

	mqtt_versions_text(mqtt_dut_versions(m), judged, sizeof(judged));
	mqtt_versions_text(m->versions, declared, sizeof(declared));
	mqtt_versions_text(m->unspoken, unspoken, sizeof(unspoken));
	keur_note(ctx, "%s:%d: judged on MQTT %s (declared: %s; the broker does not speak: %s)", m->host, m->port, judged,
		  declared, unspoken[0] ? unspoken : "none found");
}

static void auth_anonymous(struct keur_ctx *ctx)
{
	const struct keur_dut *d = keur_dut(ctx);
	struct tally t = { 0 };

	if (mqtt_init() < 0) {
		keur_verdict(ctx, KEUR_ERROR, "libmosquitto did not initialise");
		return;
	}
	for (size_t i = 0; i < d->nmqtt; i++) {
		const struct dut_mqtt *m = &d->mqtt[i];
		if (!m->broker)
			continue;
		note_versions(ctx, m);
		for (int v = 3; v <= 5; v++) {
			struct mqtt_target tg;
			struct mqtt_connack a, c;
			char label[300];

			if (!mqtt_dut_judges(m, v))
				continue;
			target_of(m, v, &tg, label, sizeof(label));
			if (!have_time(ctx, &tg, &t))
				continue;
			attempt(ctx, &tg, label, "without credentials", NULL, NULL, &a);
			switch (a.outcome) {
			case MQTT_ACCEPTED:
				tally_add(&t.fail, &t.nfail, "%s: anonymous CONNECT accepted (%s)", label, a.detail);
				break;
			case MQTT_REFUSED:
				if (mqtt_connack_is_auth_refusal(v, a.code))
					tally_add(&t.pass, &t.npass, "%s: %s", label, a.detail);
				else if (mqtt_connack_is_version_refusal(v, a.code))
					t.unsupported++;
				else
					tally_add(&t.inconc, &t.ninconc, "%s: anonymous CONNECT refused for a reason that is not about credentials: %s",
						  label, a.detail);
				break;
			case MQTT_CLOSED:
			case MQTT_SILENT:
			case MQTT_BAD_REPLY:
				if (!m->username || !m->password) {
					tally_add(&t.inconc, &t.ninconc, "%s: anonymous CONNECT got %s, and without a test identity in the DUT description keur cannot tell a refusal from a broken listener",
						  label, a.detail);
					break;
				}
				if (!have_time(ctx, &tg, &t))
					break;
				attempt(ctx, &tg, label, "with the declared test identity (control)", m->username, m->password, &c);
				if (c.outcome == MQTT_ACCEPTED)
					tally_add(&t.pass, &t.npass, "%s: anonymous CONNECT got %s while the test identity is admitted",
						  label, a.detail);
				else
					tally_add(&t.inconc, &t.ninconc, "%s: anonymous CONNECT got %s, and the declared test identity was not admitted either (%s)",
						  label, a.detail, c.detail);
				break;
			case MQTT_UNREACHABLE:
			case MQTT_TLS_FAILED:
				tally_add(&t.inconc, &t.ninconc, "%s: %s", label, a.detail);
				break;
			case MQTT_LOCAL_ERROR:
				t.local_error = 1;
				tally_add(&t.inconc, &t.ninconc, "%s: %s", label, a.detail);
				break;
			}
			if (endpoint_dead(&a))
				break;
		}
	}
	settle(ctx, &t, "anonymous CONNECT refused");
	mqtt_cleanup();
}

/* A password that is certainly not the declared one. */
static void wrong_password(const char *right, char *out, size_t len)
{
	snprintf(out, len, "keur-wrong-%ld-%s", (long)getpid(), right && strlen(right) < 8 ? "x" : "y");
	if (right && !strcmp(out, right))
		snprintf(out, len, "keur-wrong-password-%ld", (long)getpid());
}

static void auth_wrong_password(struct keur_ctx *ctx)
{
	const struct keur_dut *d = keur_dut(ctx);
	struct tally t = { 0 };

	if (mqtt_init() < 0) {
		keur_verdict(ctx, KEUR_ERROR, "libmosquitto did not initialise");
		return;
	}
	for (size_t i = 0; i < d->nmqtt; i++) {
		const struct dut_mqtt *m = &d->mqtt[i];
		if (!m->broker)
			continue;
		if (!m->username || !m->password) {
			tally_add(&t.inconc, &t.ninconc, "IXIT incomplete: the DUT description gives no test identity (username and password) for the broker at %s:%d (line %d)",
				  m->host, m->port, m->line);
			continue;
		}
		note_versions(ctx, m);
		for (int v = 3; v <= 5; v++) {
			struct mqtt_target tg;
			struct mqtt_connack c, w;
			char label[300], bad[64];

			if (!mqtt_dut_judges(m, v))
				continue;
			target_of(m, v, &tg, label, sizeof(label));
			if (!have_time(ctx, &tg, &t))
				continue;
			attempt(ctx, &tg, label, "with the declared test identity (control)", m->username, m->password, &c);
			if (c.outcome == MQTT_REFUSED && mqtt_connack_is_version_refusal(v, c.code)) {
				t.unsupported++;
				continue;
			}
			if (c.outcome == MQTT_LOCAL_ERROR)
				t.local_error = 1;
			if (c.outcome != MQTT_ACCEPTED) {
				tally_add(&t.inconc, &t.ninconc, "%s: the declared test identity '%s' was not admitted (%s); check the DUT description",
					  label, m->username, c.detail);
				if (endpoint_dead(&c))
					break;
				continue;
			}
			wrong_password(m->password, bad, sizeof(bad));
			if (!have_time(ctx, &tg, &t))
				continue;
			attempt(ctx, &tg, label, "with a wrong password", m->username, bad, &w);
			switch (w.outcome) {
			case MQTT_ACCEPTED:
				tally_add(&t.fail, &t.nfail, "%s: a wrong password for user '%s' was accepted (%s)", label,
					  m->username, w.detail);
				break;
			case MQTT_REFUSED:
				if (mqtt_connack_is_auth_refusal(v, w.code))
					tally_add(&t.pass, &t.npass, "%s: %s", label, w.detail);
				else
					tally_add(&t.inconc, &t.ninconc, "%s: wrong password refused for a reason that is not about credentials: %s",
						  label, w.detail);
				break;
			case MQTT_CLOSED:
			case MQTT_SILENT:
			case MQTT_BAD_REPLY:
				tally_add(&t.pass, &t.npass, "%s: wrong password got %s while the right one is admitted", label, w.detail);
				break;
			case MQTT_UNREACHABLE:
			case MQTT_TLS_FAILED:
				tally_add(&t.inconc, &t.ninconc, "%s: the broker went away between control and test: %s", label, w.detail);
				break;
			case MQTT_LOCAL_ERROR:
				t.local_error = 1;
				tally_add(&t.inconc, &t.ninconc, "%s: %s", label, w.detail);
				break;
			}
		}
	}
	settle(ctx, &t, "wrong password refused");
	mqtt_cleanup();
}

static const struct keur_case cases[] = {
	{
		.id = "MQTT-AUTH-001",
		.title = "broker refuses an anonymous CONNECT",
		.spec = "EN 303 645 5.5-4, 5.5-5; EN 18031-1 ACM-1, AUM-1-1",
		.needs = NEED_MQTT_BROKER,
		.deadline_s = 60,
		.run = auth_anonymous,
	},
	{
		.id = "MQTT-AUTH-002",
		.title = "broker refuses a wrong password for a known user",
		.spec = "EN 303 645 5.5-4, 5.5-5; EN 18031-1 ACM-1, AUM-1-1",
		.needs = NEED_MQTT_BROKER,
		.deadline_s = 60,
		.run = auth_wrong_password,
	},
};

const struct keur_suite mqtt_auth_suite = {
	.name = "mqtt_auth",
	.title = "MQTT broker authentication",
	.cases = cases,
	.ncases = ARRAY_SIZE(cases),
};
