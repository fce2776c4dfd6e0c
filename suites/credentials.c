/* credentials.c — CRED-DEFAULT-001: no well-known default login works (the Mirai list and
 * common vendor defaults, compiled in from suites/data/); CRED-BRUTE-001: a run of wrong
 * passwords meets a lockout, a refusal that changes, or a growing delay.  Login surfaces: an MQTT
 * broker's CONNECT (both cases) and a coaps:// endpoint's DTLS-PSK identity and key (defaults). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "case.h"
#include "dtls.h"
#include "mqtt.h"
#include "coap_dut.h"
#include "default_logins.h"
#include "mqtt_dut.h"
#include "util.h"


#define BRUTE_ATTEMPTS 40

static void log_line(void *arg, const char *line)
{
	(void)arg;
	(void)line;	/* one line per attempt is in the transcript; libmosquitto's would bury it */
}

static int first_broker(const struct keur_dut *d)
{
	for (size_t i = 0; i < d->nmqtt; i++)
		if (d->mqtt[i].broker)
			return (int)i;
	return -1;
}

/* Is the declared test identity admitted on t?  This is the control that lets a closed
 * connection count as a refusal: the endpoint demonstrably admits someone. */
static int control_admitted(struct keur_ctx *ctx, const struct mqtt_target *t, const struct dut_mqtt *m)
{
	struct mqtt_connack a;
	char cid[48];

	if (!m->username)
		return 0;
	snprintf(cid, sizeof(cid), "keur-cred-ctl-%ld", (long)getpid());
	mqtt_try_connect(t, cid, m->username, m->password, log_line, ctx, &a);
	keur_note(ctx, "%s:%d control: the test identity '%s' -> %s", t->host, t->port, m->username, a.detail);
	return a.outcome == MQTT_ACCEPTED;
}

/* Does this answer to a wrong login say "refused"?  A refusal code about credentials does; so
 * does a closed connection where the control showed that the endpoint admits the right login. */
static int is_refusal(const struct mqtt_target *t, const struct mqtt_connack *a, int control)
{
	if (a->outcome == MQTT_REFUSED)
		return mqtt_connack_is_auth_refusal(t->version, a->code);
	return a->outcome == MQTT_CLOSED && control;
}

/* What CRED-DEFAULT-001 found, over every login surface. */
struct tally {
	struct strbuf hits, open;
	int tried, nhits, nopen, refused;
};

static void hit(struct tally *y, const char *where, const char *user, const char *pass)
{
	if (y->nhits < 5)
		sb_addf(&y->hits, "%s%s '%s'/'%s'", y->hits.len ? ", " : "", where, user, pass);
	y->nhits++;
}

/* The MQTT broker's CONNECT.  -1 when the deadline ended the run. */
static int mqtt_defaults(struct keur_ctx *ctx, const struct dut_mqtt *m, struct tally *y)
{
	struct mqtt_target t;

	mqtt_dut_target(m, mqtt_dut_version(m), &t);
	int control = control_admitted(ctx, &t, m), unclear_run = 0;
	for (size_t l = 0; l < DEFAULT_LOGIN_LISTS; l++) {
		char user[80], pass[80], cid[48];
		for (const char *p = default_login_list(l); default_login_next(&p, user, pass);) {
			struct mqtt_connack a;

			if (keur_time_left_ms(ctx) < m->timeout_ms + 1500) {
				sb_addf(&y->open, "%sthe deadline left no time for the rest of the lists", y->open.len ? "; " : "");
				y->nopen++;
				return -1;
			}
			snprintf(cid, sizeof(cid), "keur-cred-%ld-%d", (long)getpid(), y->tried);
			mqtt_try_connect(&t, cid, user, pass, log_line, ctx, &a);
			y->tried++;
			/* Default passwords are public: the transcript names them, unlike the lab's own. */
			keur_note(ctx, "%s:%d %s '%s' / '%s': %s", m->host, m->port, default_login_names[l], user, pass, a.detail);
			if (a.outcome == MQTT_ACCEPTED) {
				hit(y, "MQTT", user, pass);
			} else if (is_refusal(&t, &a, control)) {
				y->refused++;
				unclear_run = 0;
			} else if (a.outcome == MQTT_UNREACHABLE || a.outcome == MQTT_TLS_FAILED) {
				sb_addf(&y->open, "%s%s:%d: %s", y->open.len ? "; " : "", m->host, m->port, a.detail);
				y->nopen++;
				return 0;
			} else {
				/* Not a refusal keur can read: a code that is not about credentials, a
				 * reply that is no CONNACK, silence, or a close with no control. */
				if (y->nopen++ < 3)
					sb_addf(&y->open, "%s%s:%d: '%s'/'%s' got %s, which is not a refusal of the login%s",
						y->open.len ? "; " : "", m->host, m->port, user, pass, a.detail,
						a.outcome == MQTT_CLOSED && !m->username
							? " (declare a test identity: its admission would show a close means no)" : "");
				if (++unclear_run == 3 && !y->refused) {
					sb_addf(&y->open, "; the rest not tried: this endpoint refuses no login in a way keur can read");
					return 0;
				}
			}
		}
	}
	return 0;
}

/* A coaps:// endpoint's DTLS-PSK handshake, each default login as identity and key.  An alert
 * is a refusal; so is silence once the declared PSK has shown how fast a good key is admitted
 * (a DTLS server drops a Finished it cannot decrypt without a word).  -1 when the deadline
 * ended the run. */
static int coap_defaults(struct keur_ctx *ctx, const struct dut_coap *c, struct tally *y)
{
	struct dtls_target t;
	char detail[256];
	int control = 0;

	coap_dut_dtls(c, &t);
	if (c->psk_key) {
		int64_t t0 = time_mono_ms();
		control = dtls_handshake(&t, DTLS_V1_2, DTLS_V1_2, "PSK", detail, sizeof(detail), NULL) == TLS_ACCEPTED;
		long ms = (long)(time_mono_ms() - t0);
		keur_note(ctx, "coaps://%s:%d control: the declared PSK identity -> %s (%ld ms)", c->host, c->port, detail, ms);
		/* A wrong key gets no answer: wait long enough for a right one, not the whole timeout. */
		if (control && 20 * ms + 500 < t.timeout_ms)
			t.timeout_ms = (int)(20 * ms + 500);
	}
	for (size_t l = 0; l < DEFAULT_LOGIN_LISTS; l++) {
		char user[80], pass[80];
		for (const char *p = default_login_list(l); default_login_next(&p, user, pass);) {
			if (keur_time_left_ms(ctx) < t.timeout_ms + 1500) {
				sb_addf(&y->open, "%sthe deadline left no time for the rest of the lists", y->open.len ? "; " : "");
				y->nopen++;
				return -1;
			}
			if (!user[0])	/* DTLS-PSK has no empty identity to try */
				continue;
			t.psk_identity = user;
			t.psk_key = pass;
			enum tls_result r = dtls_handshake(&t, DTLS_V1_2, DTLS_V1_2, "PSK", detail, sizeof(detail), NULL);
			y->tried++;
			keur_note(ctx, "coaps://%s:%d %s PSK '%s' / '%s': %s", c->host, c->port, default_login_names[l], user, pass,
				  detail);
			if (r == TLS_ACCEPTED) {
				hit(y, "DTLS-PSK", user, pass);
			} else if (r == TLS_REFUSED || (r == TLS_TIMEOUT && control)) {
				y->refused++;
			} else if (r == TLS_UNREACHABLE || r == TLS_UNTESTABLE) {
				sb_addf(&y->open, "%scoaps://%s:%d: %s", y->open.len ? "; " : "", c->host, c->port, detail);
				y->nopen++;
				return 0;
			} else {
				sb_addf(&y->open, "%scoaps://%s:%d: '%s' got %s, which is not a refusal keur can read%s",
					y->open.len ? "; " : "", c->host, c->port, user, detail,
					c->psk_key ? "" : " (declare the device's PSK: its admission would show that silence means no)");
				y->nopen++;
				return 0;
			}
		}
	}
	return 0;
}

static void defaults(struct keur_ctx *ctx)
{
	const struct keur_dut *d = keur_dut(ctx);
	struct tally y = { 0 };
	int surfaces = 0;

	sb_init(&y.hits);
	sb_init(&y.open);
	mqtt_init();
	for (size_t e = 0; e < d->nmqtt; e++) {
		if (!d->mqtt[e].broker)
			continue;
		surfaces++;
		if (mqtt_defaults(ctx, &d->mqtt[e], &y) < 0)
			goto done;	/* the deadline */
	}
	for (size_t e = 0; e < d->ncoap; e++) {
		if (!d->coap[e].dtls)
			continue;
		surfaces++;
		if (coap_defaults(ctx, &d->coap[e], &y) < 0)
			goto done;
	}
done:
	if (!surfaces)
		keur_verdict(ctx, KEUR_NA, "no login surface keur can try: no MQTT broker, no coaps:// endpoint");
	else if (y.nhits)
		keur_verdict(ctx, KEUR_FAIL, "%d well-known default login(s) accepted, e.g. %s", y.nhits, y.hits.buf);
	else if (y.nopen)
		keur_verdict(ctx, KEUR_INCONC, "not every default login met a refusal keur can read: %s", y.open.buf);
	else if (!y.refused)
		keur_verdict(ctx, KEUR_INCONC, "the DUT answered none of %d default logins with a refusal", y.tried);
	else
		keur_verdict(ctx, KEUR_PASS, "all %d well-known default logins refused (Mirai list and vendor defaults)", y.tried);
	sb_release(&y.hits);
	sb_release(&y.open);
	mqtt_cleanup();
	tls_cleanup();
}

static void brute(struct keur_ctx *ctx)
{
	const struct keur_dut *d = keur_dut(ctx);
	int e = first_broker(d);
	const struct dut_mqtt *m;
	struct mqtt_target t;
	long ms[BRUTE_ATTEMPTS];
	int n = 0, changed = -1;
	enum mqtt_outcome first = MQTT_LOCAL_ERROR;
	const char *user;
	char first_detail[256] = "", changed_detail[256] = "";

	m = &d->mqtt[e];
	user = m->username ? m->username : "admin";
	mqtt_dut_target(m, mqtt_dut_version(m), &t);
	mqtt_init();
	int control = control_admitted(ctx, &t, m);
	int64_t t0 = time_now_ms();
	for (; n < BRUTE_ATTEMPTS; n++) {
		struct mqtt_connack a;
		char cid[48], pw[48];

		if (keur_time_left_ms(ctx) < m->timeout_ms + 1500)
			break;
		snprintf(cid, sizeof(cid), "keur-brute-%ld-%d", (long)getpid(), n);
		snprintf(pw, sizeof(pw), "keur-wrong-%d-%ld", n, (long)getpid());
		mqtt_try_connect(&t, cid, user, pw, log_line, ctx, &a);
		ms[n] = a.ms;
		keur_note(ctx, "attempt %d: user '%s', wrong password: %s (%ld ms)", n + 1, user, a.detail, a.ms);
		if (a.outcome == MQTT_ACCEPTED) {
			keur_verdict(ctx, KEUR_FAIL, "a wrong password for '%s' was accepted (attempt %d): no authentication to guess", user, n + 1);
			mqtt_cleanup();
			return;
		}
		if (n == 0) {
			first = a.outcome;
			snprintf(first_detail, sizeof(first_detail), "%s", a.detail);
			if (first == MQTT_UNREACHABLE || first == MQTT_TLS_FAILED || first == MQTT_SILENT) {
				keur_verdict(ctx, KEUR_INCONC, "%s:%d: %s", m->host, m->port, a.detail);
				mqtt_cleanup();
				return;
			}
			if (!is_refusal(&t, &a, control)) {
				/* Counting attempts against something that does not say "wrong password"
				 * would measure nothing. */
				keur_verdict(ctx, KEUR_INCONC, "%s:%d answers a wrong password with %s, which is not a refusal of the login%s",
					     m->host, m->port, a.detail,
					     a.outcome == MQTT_CLOSED ? " (declare a test identity: its admission would show a close means no)" : "");
				mqtt_cleanup();
				return;
			}
		} else if (changed < 0 && (a.outcome != first || strcmp(a.detail, first_detail))) {
			/* A lockout, a ban or a rate limit: the answer is no longer the plain refusal. */
			changed = n + 1;
			snprintf(changed_detail, sizeof(changed_detail), "%s", a.detail);
			n++;
			break;
		}
	}
	double secs = (double)(time_now_ms() - t0) / 1000.0;
	double rate = secs > 0 ? n / secs : n;
	if (changed > 0) {
		keur_verdict(ctx, KEUR_PASS, "after %d wrong passwords the broker answered differently (%s, first: %s)",
			     changed - 1, changed_detail, first_detail);
	} else if (n >= 20) {
		/* Throttling often starts after three to five tries: the first five are the baseline.
		 * A delay counts when the last ten take five times as long and at least 50 ms more. */
		long head[5], tail[10];
		memcpy(head, ms, sizeof(head));
		memcpy(tail, ms + n - 10, sizeof(tail));
		long h = median_long(head, 5), tl = median_long(tail, 10);
		if (tl >= 1000 || (tl >= 5 * (h + 1) && tl - h >= 50))
			keur_verdict(ctx, KEUR_PASS, "the broker slows down wrong logins: median %ld ms at first, %ld ms after %d attempts",
				     h, tl, n);
		else
			keur_verdict(ctx, KEUR_FAIL, "%d wrong passwords for '%s' in %.3f s (%.0f attempts/s): no lockout, no change of answer, no growing delay (median %ld ms first, %ld ms last)",
				     n, user, secs, rate, h, tl);
	} else {
		keur_verdict(ctx, KEUR_INCONC, "only %d attempts fitted in the deadline: too few to judge throttling (raise --deadline-scale)", n);
	}
	mqtt_cleanup();
}

static const struct keur_case cases[] = {
	{ .id = "CRED-DEFAULT-001", .title = "well-known default logins (Mirai list, vendor defaults) are refused: MQTT, DTLS-PSK",
	  .spec = "EN 303 645 5.1-1; EN 18031-1 AUM-5-1; CIP-3", .needs = NEED_MQTT_BROKER | NEED_COAP, .flags = KEUR_NEEDS_ANY,
	  .deadline_s = 120, .run = defaults },
	{ .id = "CRED-BRUTE-001", .title = "repeated wrong passwords meet a lockout, a refusal that changes, or a growing delay",
	  .spec = "EN 303 645 5.1-5; EN 18031-1 AUM-6", .needs = NEED_MQTT_BROKER, .deadline_s = 120, .run = brute },
};

const struct keur_suite credentials_suite = {
	.name = "credentials",
	.title = "Default and guessable credentials",
	.cases = cases,
	.ncases = ARRAY_SIZE(cases),
};
