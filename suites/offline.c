/* offline.c — OFFLINE-LOCAL-001, OFFLINE-RECOVER-001, OFFLINE-POWER-001: the device without its
 * internet, and after an outage or a power cut.
 *
 * The DUT description declares its local functions (<function>): a CoAP GET or PUT, a Modbus
 * read or write, an MQTT exchange on a broker in the LAN, each optionally with the function
 * that reads its effect back.  LOCAL cuts the uplink, confirms the cut from the DUT's side
 * (hw_uplink_works), and exercises every function in rounds over the declared window; every
 * probe goes to probes.csv.  RECOVER plays the DUT's cloud broker (mqtt_fake.h), cuts and
 * restores the uplink, and times the DUT's way back to telemetry.  POWER switches the DUT off
 * and on and times its return: every function, the cloud session, and the values declared
 * persistent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "case.h"
#include "coap.h"
#include "modbus_dut.h"
#include "mqtt.h"
#include "mqtt_dut.h"
#include "mqtt_fake.h"
#include "util.h"

#define CUT_CONFIRM_MS 15000	/* how long a cut may take to show from the DUT's side */
#define BOOT_POLL_MS 1000	/* between rounds of probes while waiting for the DUT to return */
#define EFFECT_TRIES 6		/* an action's effect must show within EFFECT_TRIES * EFFECT_GAP_MS */
#define EFFECT_GAP_MS 500

/* ---- the declared functions ---- */

struct fn_result {
	int ok;
	char value[128];	/* what a read returned, trimmed */
	char detail[300];	/* one line */
	long ms;
};

static void trim_copy(char *dst, size_t len, const void *src, size_t n)
{
	const char *s = src;

	while (n && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	snprintf(dst, len, "%.*s", (int)(n < len ? n : len - 1), s);
	for (char *p = dst; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == ',')
			*p = ' ';	/* one CSV field, one line */
}

/* Equal as numbers when both are numbers ("22.5" and "22.50"), else as text. */
static int same_value(const char *a, const char *b)
{
	char *ea, *eb;
	double x = strtod(a, &ea), y = strtod(b, &eb);

	if (ea != a && !*ea && eb != b && !*eb)
		return (x > y ? x - y : y - x) < 1e-9;
	return !strcmp(a, b);
}

static int fn_is_action(const struct dut_function *f)
{
	return f->op == FN_PUT || f->op == FN_WRITE_COIL || f->op == FN_WRITE_REGISTER || (f->op == FN_MQTT && f->publish);
}

static void fn_coap(const struct keur_dut *d, const struct dut_function *f, struct fn_result *r)
{
	const struct dut_coap *c = &d->coap[0];
	struct kcoap_target t = { .host = c->host, .port = c->port, .dtls = c->dtls, .psk_identity = c->psk_identity,
				  .psk_key = c->psk_key, .timeout_ms = c->timeout_ms };
	struct kcoap_reply rep;

	kcoap_request(&t, f->op == FN_PUT ? KCOAP_PUT : KCOAP_GET, f->path, f->value, f->value ? strlen(f->value) : 0,
		      &rep);
	r->ok = rep.outcome == KCOAP_ANSWERED && rep.code / 100 == 2;
	if (rep.data && f->op == FN_GET)
		trim_copy(r->value, sizeof(r->value), rep.data, rep.len);
	snprintf(r->detail, sizeof(r->detail), "%s %s: %s", f->op == FN_PUT ? "PUT" : "GET", f->path, rep.detail);
	kcoap_reply_free(&rep);
}

static void fn_modbus(const struct keur_dut *d, const struct dut_function *f, struct fn_result *r)
{
	const struct dut_modbus *m = &d->modbus[0];
	struct mb_target t = mb_dut_target(m);
	static const char *const what[] = { [FN_READ_COIL] = "read coil", [FN_READ_REGISTER] = "read register",
					     [FN_WRITE_COIL] = "write coil", [FN_WRITE_REGISTER] = "write register" };
	struct mb_session *s;
	char why[200] = "";
	int exc = 0, rc = -1;

	if (mb_open(&t, &s, why, sizeof(why)) == 0) {
		uint16_t reg;
		uint8_t bit;
		switch (f->op) {
		case FN_READ_COIL:
			if ((rc = mb_read_coil(s, f->addr, &bit, &exc, why, sizeof(why))) == 0)
				snprintf(r->value, sizeof(r->value), "%u", bit);
			break;
		case FN_READ_REGISTER:
			if ((rc = mb_read_holding(s, f->addr, &reg, &exc, why, sizeof(why))) == 0)
				snprintf(r->value, sizeof(r->value), "%u", reg);
			break;
		default:
			rc = mb_write(s, f->op == FN_WRITE_COIL ? 5 : 6, f->addr, (uint16_t)atoi(f->value), &exc, why,
				      sizeof(why));
			break;
		}
		mb_close(s);
	}
	r->ok = rc == 0;
	snprintf(r->detail, sizeof(r->detail), "%s %d: %s", what[f->op], f->addr, rc == 0 ? "answered" : why);
}

/* Subscribe (when declared), publish (when declared), and wait for a message on the subscription. */
static void fn_mqtt(struct keur_ctx *ctx, const struct keur_dut *d, const struct dut_function *f, struct fn_result *r)
{
	const struct dut_mqtt *b = NULL;
	struct mqtt_target t = { .host = f->host, .port = f->port, .version = 4, .timeout_ms = 5000 };
	struct mqtt_session *s = NULL;
	struct mqtt_connack ack;
	char cid[64], why[200];
	int granted, reason;

	for (size_t i = 0; i < d->nmqtt && !f->host; i++)
		if (d->mqtt[i].broker)
			b = &d->mqtt[i];
	if (b)
		mqtt_dut_target(b, mqtt_dut_version(b), &t);
	snprintf(cid, sizeof(cid), "keur-fn-%d", (int)getpid());
	mqtt_session_open(&t, cid, b ? b->username : NULL, b ? b->password : NULL, mqtt_dut_log, ctx, &s, &ack);
	if (!s) {
		snprintf(r->detail, sizeof(r->detail), "MQTT %s:%d: %s", t.host, t.port, ack.detail);
		return;
	}
	if (f->subscribe && (mqtt_session_subscribe(s, f->subscribe, t.timeout_ms, &granted, why, sizeof(why)) < 0 ||
			     granted >= 0x80)) {
		snprintf(r->detail, sizeof(r->detail), "subscribe %s: %s", f->subscribe, granted >= 0x80 ? "refused" : why);
		goto out;
	}
	if (f->publish && (mqtt_session_publish(s, f->publish, f->value, (int)strlen(f->value), t.timeout_ms, &reason, why,
						sizeof(why)) < 0 || reason >= 0x80)) {
		snprintf(r->detail, sizeof(r->detail), "publish %s: %s", f->publish, reason >= 0x80 ? "refused" : why);
		goto out;
	}
	if (f->subscribe) {
		struct mqtt_first m = { .got = 0 };
		mqtt_session_listen(s, t.timeout_ms, 1, mqtt_dut_first, &m);
		if (!m.got) {
			snprintf(r->detail, sizeof(r->detail), "no message on %s within %d ms", f->subscribe, t.timeout_ms);
			goto out;
		}
		trim_copy(r->value, sizeof(r->value), m.value, strlen(m.value));
	}
	r->ok = 1;
	snprintf(r->detail, sizeof(r->detail), "MQTT %s%s%s%s", f->publish ? "published on " : "",
		 f->publish ? f->publish : "", f->subscribe ? (f->publish ? ", received on " : "received on ") : "",
		 f->subscribe ? f->subscribe : "");
out:
	mqtt_session_close(s);
}

static void fn_do(struct keur_ctx *ctx, const struct keur_dut *d, const struct dut_function *f, struct fn_result *r)
{
	long t0 = (long)time_mono_ms();

	memset(r, 0, sizeof(*r));
	if (f->op == FN_GET || f->op == FN_PUT)
		fn_coap(d, f, r);
	else if (f->op == FN_MQTT)
		fn_mqtt(ctx, d, f, r);
	else
		fn_modbus(d, f, r);
	r->ms = (long)time_mono_ms() - t0;
}

/* Exercises f and checks what it must show: a read its expected value; an action its effect,
 * read back by the effect function (expect, else the value it sent). */
static void fn_check(struct keur_ctx *ctx, const struct keur_dut *d, const struct dut_function *f, struct fn_result *r)
{
	fn_do(ctx, d, f, r);
	if (!r->ok)
		return;
	if (f->effect >= 0) {
		const struct dut_function *e = &d->functions[f->effect];
		const char *want = f->expect ? f->expect : f->value;
		struct fn_result er;
		/* The effect may take a moment (a relay, a control loop): read it back a few times. */
		for (int k = 0; k < EFFECT_TRIES; k++) {
			usleep(EFFECT_GAP_MS * 1000);
			fn_do(ctx, d, e, &er);
			r->ms += er.ms + EFFECT_GAP_MS;
			if (er.ok && (!want || same_value(er.value, want)))
				break;
		}
		snprintf(r->value, sizeof(r->value), "%s", er.value);
		if (!er.ok) {
			r->ok = 0;
			snprintf(r->detail, sizeof(r->detail), "the action answered, but reading its effect back ('%s') failed: %.200s",
				 e->name, er.detail);
		} else if (want && !same_value(er.value, want)) {
			r->ok = 0;
			snprintf(r->detail, sizeof(r->detail), "the action answered, but '%s' reads \"%.60s\", not \"%.60s\": no effect",
				 e->name, er.value, want);
		}
	} else if (f->expect && !fn_is_action(f) && !same_value(r->value, f->expect)) {
		r->ok = 0;
		snprintf(r->detail + strlen(r->detail), sizeof(r->detail) - strlen(r->detail), " -> \"%.60s\", not \"%.60s\"",
			 r->value, f->expect);
	}
}

/* One CSV line per probe: seconds since the phase began, phase, function, ok, value, detail, ms. */
static void probe_log(FILE *csv, long t0, const char *phase, const struct dut_function *f, const struct fn_result *r)
{
	if (!csv)
		return;
	fprintf(csv, "%.3f,%s,%s,%s,%s,", ((long)time_mono_ms() - t0) / 1000.0, phase, f->name, r->ok ? "ok" : "FAIL",
		r->value);
	for (const char *p = r->detail; *p; p++)
		fputc(*p == ',' || *p == '\n' ? ' ' : *p, csv);
	fprintf(csv, ",%ld\n", r->ms);
	fflush(csv);
}

static FILE *probes_open(struct keur_ctx *ctx)
{
	FILE *csv = keur_evidence(ctx, "probes.csv");

	if (csv)
		fprintf(csv, "# s since the phase began,phase,function,result,value,detail,ms\n");
	return csv;
}

/* Every function once (online, or before a power cycle): 0 when all work, else -1 with the
 * first that did not in why. */
static int all_work(struct keur_ctx *ctx, const struct keur_dut *d, FILE *csv, long t0, const char *phase, char *why,
		    size_t len)
{
	int bad = 0;

	for (size_t i = 0; i < d->nfunctions; i++) {
		struct fn_result r;
		fn_check(ctx, d, &d->functions[i], &r);
		probe_log(csv, t0, phase, &d->functions[i], &r);
		keur_note(ctx, "%s: %s: %s (%s)", phase, d->functions[i].name, r.ok ? "ok" : "FAILED", r.detail);
		if (!r.ok && !bad++)
			snprintf(why, len, "'%s': %.250s", d->functions[i].name, r.detail);
	}
	return bad ? -1 : 0;
}

/* ---- the uplink, seen from the DUT's side ---- */

/* Where the DUT's uplink leads: its broker (client) address and port, or NULL. */
static const char *uplink_target(const struct keur_dut *d, int *port)
{
	const struct dut_mqtt *m = client_of(d);

	if (!m || !m->broker_host)
		return NULL;
	*port = m->port ? m->port : m->tls ? 8883 : 1883;
	return m->broker_host;
}

/* Cuts the uplink and polls until the DUT's side shows it gone: 0 confirmed (how in how), or -1
 * with the inconc verdict given. */
static int cut_confirmed(struct keur_ctx *ctx, const struct keur_dut *d, char *how, size_t len)
{
	int port = 0;
	const char *host = uplink_target(d, &port);
	long end;

	if (keur_uplink_cut(ctx) < 0) {
		keur_verdict(ctx, KEUR_INCONC, "the uplink could not be cut (see fixtures.txt)");
		return -1;
	}
	end = (long)time_mono_ms() + CUT_CONFIRM_MS;
	for (;;) {
		int r = keur_uplink_works(ctx, host, port, how, len);
		if (r == 0)
			return 0;
		if (r < 0) {
			keur_verdict(ctx, KEUR_INCONC, "keur cannot confirm the cut: %s", how);
			return -1;
		}
		if ((long)time_mono_ms() >= end) {
			keur_verdict(ctx, KEUR_INCONC, "the uplink still works %d s after the cut: %s", CUT_CONFIRM_MS / 1000, how);
			return -1;
		}
		usleep(500 * 1000);
	}
}

/* ---- OFFLINE-LOCAL-001 ---- */

struct fn_tally {
	int probes, failed;
	double first_s;
	char first[300];
};

static void local(struct keur_ctx *ctx)
{
	const struct keur_dut *d = keur_dut(ctx);
	const struct dut_offline *o = &d->offline;
	struct fn_tally *tally;
	char why[600], cut[400];
	FILE *csv;
	long t0;
	int rounds = 0;

	if (d->nfunctions == 0) {
		keur_verdict(ctx, KEUR_INCONC, "the DUT description declares no <function> that must work offline");
		return;
	}
	if (keur_time_left_ms(ctx) < o->window_ms + 60000L) {
		keur_verdict(ctx, KEUR_INCONC, "the declared window (%d s) does not fit in the case's deadline (raise --deadline-scale)",
			     o->window_ms / 1000);
		return;
	}
	kcoap_init();
	mqtt_init();
	csv = probes_open(ctx);
	t0 = (long)time_mono_ms();
	/* The baseline.  A DUT still finding its way back from an earlier case (a cut, a reflash,
	 * its broker given back) gets the declared recovery time before keur calls it unready. */
	while (all_work(ctx, d, csv, t0, "online", why, sizeof(why)) < 0) {
		if ((long)time_mono_ms() - t0 >= o->recover_ms ||
		    keur_time_left_ms(ctx) < o->window_ms + 60000L + 1000) {
			keur_verdict(ctx, KEUR_INCONC, "with the uplink up, %s (still after %.0f s): nothing to compare the offline behaviour with",
				     why, (double)((long)time_mono_ms() - t0) / 1000.0);
			goto out;
		}
		usleep(1000 * 1000);
	}
	if (cut_confirmed(ctx, d, cut, sizeof(cut)) < 0)
		goto out;
	tally = xcalloc(d->nfunctions, sizeof(*tally));
	t0 = (long)time_mono_ms();
	keur_note(ctx, "the cut is confirmed (%s); %d s of probes every %.1f s", cut, o->window_ms / 1000,
		  o->interval_ms / 1000.0);
	do {
		long round = (long)time_mono_ms();
		for (size_t i = 0; i < d->nfunctions; i++) {
			struct fn_result r;
			fn_check(ctx, d, &d->functions[i], &r);
			probe_log(csv, t0, "offline", &d->functions[i], &r);
			tally[i].probes++;
			if (!r.ok && !tally[i].failed++) {
				tally[i].first_s = (round - t0) / 1000.0;
				snprintf(tally[i].first, sizeof(tally[i].first), "%s", r.detail);
				keur_note(ctx, "offline +%.1f s: '%s' failed: %s", tally[i].first_s, d->functions[i].name, r.detail);
			}
		}
		rounds++;
		long next = round + o->interval_ms, stop = t0 + o->window_ms, now = (long)time_mono_ms();
		if (next > stop)
			next = stop;
		if (next > now)
			usleep((useconds_t)(next - now) * 1000);
	} while ((long)time_mono_ms() < t0 + o->window_ms && keur_time_left_ms(ctx) > 30000);
	long held = (long)time_mono_ms() - t0;
	keur_uplink_restore(ctx);

	struct strbuf bad;
	int nbad = 0;
	sb_init(&bad);
	for (size_t i = 0; i < d->nfunctions; i++)
		if (tally[i].failed)
			sb_addf(&bad, "%s'%s' failed %d of %d probes, first at +%.1f s (%s)", nbad++ ? "; " : "",
				d->functions[i].name, tally[i].failed, tally[i].probes, tally[i].first_s, tally[i].first);
	if (nbad)
		keur_verdict(ctx, KEUR_FAIL, "with the uplink cut: %s", bad.buf);
	else if (held < o->window_ms)
		keur_verdict(ctx, KEUR_INCONC, "the deadline ended the window after %.0f of %d s (raise --deadline-scale)",
			     held / 1000.0, o->window_ms / 1000);
	else
		keur_verdict(ctx, KEUR_PASS, "all %zu functions kept working with the uplink cut: %d rounds over %.0f s (%s)",
			     d->nfunctions, rounds, held / 1000.0, cut);
	sb_release(&bad);
	free(tally);
out:
	if (csv)
		fclose(csv);
}

/* ---- OFFLINE-RECOVER-001 ---- */

struct kept {
	struct stream *s;	/* the DUT's session with keur's broker; NULL: none */
	int version;
};

/* Waits up to wait_ms for the DUT to connect to keur's broker, and then (until session_end, a
 * time_mono_ms() instant, at the latest) for its telemetry: 1 (seconds in *took), or 0.  With
 * keep, the session stays open for the caller to serve (fake_serve_one): a DUT that needs its
 * cloud to work locally must not lose it to the test. */
static int await_telemetry(struct keur_ctx *ctx, struct fake *fk, long wait_ms, long session_end, double *took,
			   struct kept *keep, char *detail, size_t len)
{
	long t0 = (long)time_mono_ms(), end = t0 + wait_ms;

	detail[0] = '\0';
	if (session_end < end)
		session_end = end;
	for (;;) {
		long left = end - (long)time_mono_ms();
		int came;
		if (left <= 0)
			return 0;
		struct stream *s = fake_accept(ctx, fk, left, &came, detail, len);
		if (!s) {
			if (!came)
				return 0;
			continue;	/* a failed handshake: the DUT may try again */
		}
		int version;
		int ok = fake_until_telemetry(ctx, s, fk->m->status_topic, session_end - (long)time_mono_ms(), &version, detail,
					      len);
		if (ok && keep) {
			keep->s = s;
			keep->version = version;
		} else {
			stream_close(s);
		}
		if (ok) {
			*took = ((long)time_mono_ms() - t0) / 1000.0;
			return 1;
		}
	}
}

/* keur takes the broker's address only once the uplink is cut: the DUT's session before the
 * outage is its own, with its real broker, and what comes back after is the DUT's own recovery. */
static void recover(struct keur_ctx *ctx)
{
	const struct keur_dut *d = keur_dut(ctx);
	const struct dut_offline *o = &d->offline;
	struct fake fk = { .lfd = -1 };
	char detail[400], cut[400], path[400];
	double took;
	int port = 0, opened = 0;
	const char *host = uplink_target(d, &port);

	if (keur_time_left_ms(ctx) < o->outage_ms + o->recover_ms + 60000L) {
		keur_verdict(ctx, KEUR_INCONC, "the declared outage and recovery (%d + %d s) do not fit in the case's deadline (raise --deadline-scale)",
			     o->outage_ms / 1000, o->recover_ms / 1000);
		return;
	}
	if (keur_uplink_works(ctx, host, port, path, sizeof(path)) == 0) {
		keur_verdict(ctx, KEUR_INCONC, "before the outage the DUT's uplink does not work already: %s", path);
		return;
	}
	if (cut_confirmed(ctx, d, cut, sizeof(cut)) < 0)
		return;
	keur_note(ctx, "the cut is confirmed (%s); the outage lasts %d s, and keur takes the broker's place", cut,
		  o->outage_ms / 1000);
	if (fake_genuine(ctx, &fk) < 0)
		return;
	opened = 1;
	usleep((useconds_t)o->outage_ms * 1000);
	if (keur_uplink_restore(ctx) < 0) {
		keur_verdict(ctx, KEUR_INCONC, "the uplink could not be restored (see fixtures.txt)");
		goto out;
	}
	if (await_telemetry(ctx, &fk, o->recover_ms, (long)time_mono_ms() + o->recover_ms, &took, NULL, detail,
			    sizeof(detail))) {
		FILE *ev = keur_evidence(ctx, "recovery.txt");
		if (ev) {
			fprintf(ev, "outage %.1f s\nback with telemetry %.1f s after the uplink returned\n", o->outage_ms / 1000.0, took);
			fclose(ev);
		}
		keur_verdict(ctx, KEUR_PASS, "after a %d s outage the DUT was back with telemetry %.1f s after the uplink returned (declared: %d s): %s",
			     o->outage_ms / 1000, took, o->recover_ms / 1000, detail);
	} else {
		keur_verdict(ctx, KEUR_FAIL, "after a %d s outage the DUT did not come back with telemetry within %d s of the uplink's return%s%s",
			     o->outage_ms / 1000, o->recover_ms / 1000, detail[0] ? ": " : "", detail);
	}
out:
	if (opened)
		fake_close(&fk);
}

/* ---- OFFLINE-POWER-001 ---- */

/* The values declared persistent, as read now (actions: performed first, read by their
 * effect).  0, or -1 with why. */
static int persistent_values(struct keur_ctx *ctx, const struct keur_dut *d, FILE *csv, long t0, const char *phase,
			     char (*val)[128], char *why, size_t len)
{
	for (size_t i = 0; i < d->nfunctions; i++) {
		const struct dut_function *f = &d->functions[i];
		struct fn_result r;
		if (!f->persistent)
			continue;
		if (fn_is_action(f) && !strcmp(phase, "before"))
			fn_check(ctx, d, f, &r);
		else
			fn_do(ctx, d, f->effect >= 0 ? &d->functions[f->effect] : f, &r);
		probe_log(csv, t0, phase, f, &r);
		if (!r.ok) {
			snprintf(why, len, "'%s': %.250s", f->name, r.detail);
			return -1;
		}
		snprintf(val[i], 128, "%s", r.value);
	}
	return 0;
}

static void power(struct keur_ctx *ctx)
{
	const struct keur_dut *d = keur_dut(ctx);
	const struct dut_offline *o = &d->offline;
	const struct dut_mqtt *cm = client_of(d);
	int cloud = cm && keur_broker(ctx);
	struct fake fk = { .lfd = -1 };
	char (*before)[128] = NULL, (*after)[128] = NULL;
	char why[600], detail[400];
	FILE *csv = NULL;
	double took;
	long t0;

	if (d->nfunctions == 0 && !cloud) {
		keur_verdict(ctx, KEUR_INCONC, "the DUT description declares no <function> and the lab no broker for it: nothing shows that it returns to service");
		return;
	}
	if (cm && !cloud) {
		keur_verdict(ctx, KEUR_INCONC, "the DUT is an MQTT client but the lab gives no broker address for it: its cloud session cannot be watched");
		return;
	}
	if (keur_time_left_ms(ctx) < o->power_off_ms + o->boot_ms + 60000L) {
		keur_verdict(ctx, KEUR_INCONC, "the declared power-off and boot times (%d + %d s) do not fit in the case's deadline (raise --deadline-scale)",
			     o->power_off_ms / 1000, o->boot_ms / 1000);
		return;
	}
	kcoap_init();
	mqtt_init();
	csv = probes_open(ctx);
	before = xcalloc(d->nfunctions + 1, sizeof(*before));
	after = xcalloc(d->nfunctions + 1, sizeof(*after));
	t0 = (long)time_mono_ms();
	/* In service first (a case before may have left it recovering): up to its boot time. */
	while (all_work(ctx, d, csv, t0, "before", why, sizeof(why)) < 0) {
		if ((long)time_mono_ms() - t0 > o->boot_ms) {
			keur_verdict(ctx, KEUR_INCONC, "before the power cycle, %s", why);
			goto out;
		}
		usleep(BOOT_POLL_MS * 1000);
	}
	if (persistent_values(ctx, d, csv, t0, "before", before, why, sizeof(why)) < 0) {
		keur_verdict(ctx, KEUR_INCONC, "before the power cycle, %s", why);
		goto out;
	}
	if (keur_power_off(ctx) < 0) {
		keur_verdict(ctx, KEUR_INCONC, "the power could not be switched off (see fixtures.txt)");
		goto out;
	}
	/* keur takes the broker's place while the DUT is off: what comes after is its own start. */
	if (cloud && fake_genuine(ctx, &fk) < 0) {
		cloud = 0;
		goto out;
	}
	usleep((useconds_t)o->power_off_ms * 1000);
	/* Off means off: the first function must have stopped answering. */
	if (d->nfunctions) {
		struct fn_result r;
		fn_do(ctx, d, &d->functions[0], &r);
		probe_log(csv, t0, "off", &d->functions[0], &r);
		if (r.ok) {
			keur_verdict(ctx, KEUR_INCONC, "'%s' still works %d s after the power was switched off: the power fixture does not reach the DUT",
				     d->functions[0].name, o->power_off_ms / 1000);
			goto out;
		}
	}
	t0 = (long)time_mono_ms();	/* times count from the switch-on, however long the fixture takes */
	if (keur_power_on(ctx) < 0) {
		keur_verdict(ctx, KEUR_INCONC, "the power could not be switched on (see fixtures.txt)");
		goto out;
	}
	long end = t0 + o->boot_ms;
	double fn_back = -1, cloud_back = cloud ? -1 : 0;
	char last[400] = "";
	struct kept session = { NULL, 4 };
	while ((long)time_mono_ms() < end && (fn_back < 0 || cloud_back < 0)) {
		long round = (long)time_mono_ms();
		if (cloud_back < 0) {
			/* A short look for the DUT on the broker between rounds of function probes. */
			if (await_telemetry(ctx, &fk, fn_back < 0 ? BOOT_POLL_MS : end - round, end, &took, &session, detail,
					    sizeof(detail)))
				cloud_back = ((long)time_mono_ms() - t0) / 1000.0;
			else if (detail[0])
				snprintf(last, sizeof(last), "cloud: %.300s", detail);
		} else if (session.s) {
			/* Its session stays up: answer its pings while the functions come back. */
			long until = (long)time_mono_ms() + BOOT_POLL_MS;
			for (long left; session.s && (left = until - (long)time_mono_ms()) > 0;)
				if (fake_serve_one(session.s, session.version, NULL, (int)left, detail, sizeof(detail)) == -1) {
					keur_note(ctx, "the DUT's session with keur's broker ended: %s", detail);
					stream_close(session.s);
					session.s = NULL;
				}
		}
		if (fn_back < 0) {
			if (all_work(ctx, d, csv, t0, "after", why, sizeof(why)) == 0)
				fn_back = ((long)time_mono_ms() - t0) / 1000.0;
			else
				snprintf(last, sizeof(last), "%.390s", why);
		}
		long now = (long)time_mono_ms();
		if (!cloud && fn_back < 0 && round + BOOT_POLL_MS > now)
			usleep((useconds_t)(round + BOOT_POLL_MS - now) * 1000);
	}
	if (fn_back < 0 || cloud_back < 0) {
		stream_close(session.s);
		keur_verdict(ctx, KEUR_FAIL, "the DUT was not back in service %d s after power-on: %s%s%s", o->boot_ms / 1000,
			     fn_back < 0 ? "its functions do not all work" : "its cloud session did not return",
			     last[0] ? "; last: " : "", last);
		goto out;
	}
	int pv = persistent_values(ctx, d, csv, t0, "after", after, why, sizeof(why));
	stream_close(session.s);
	if (pv < 0) {
		keur_verdict(ctx, KEUR_FAIL, "after the power cycle, %s", why);
		goto out;
	}
	struct strbuf msg;
	int lost = 0, kept = 0;
	sb_init(&msg);
	for (size_t i = 0; i < d->nfunctions; i++) {
		if (!d->functions[i].persistent)
			continue;
		if (same_value(before[i], after[i])) {
			kept++;
			continue;
		}
		sb_addf(&msg, "%s'%s' was \"%s\", is \"%s\"", lost++ ? "; " : "", d->functions[i].name, before[i], after[i]);
	}
	if (lost) {
		keur_verdict(ctx, KEUR_FAIL, "the DUT came back but lost its configuration: %s", msg.buf);
	} else {
		if (d->nfunctions)
			sb_addf(&msg, "every function worked after %.1f s", fn_back);
		if (cloud)
			sb_addf(&msg, "%sthe cloud session with telemetry after %.1f s", msg.len ? ", " : "", cloud_back);
		if (kept)
			sb_addf(&msg, "; %d persistent value%s kept", kept, kept == 1 ? "" : "s");
		keur_verdict(ctx, KEUR_PASS, "after %d s without power the DUT returned without help: %s", o->power_off_ms / 1000,
			     msg.buf);
	}
	sb_release(&msg);
out:
	if (cloud)
		fake_close(&fk);
	free(before);
	free(after);
	if (csv)
		fclose(csv);
}

static const struct keur_case cases[] = {
	{ .id = "OFFLINE-LOCAL-001", .title = "with the uplink cut, every declared local function keeps working for the declared window",
	  .spec = "EN 303 645 5.9-2; CSR-LABEL-iv; CRA-I-2h", .needs = NEED_FIX_UPLINK, .deadline_s = 900, .run = local },
	{ .id = "OFFLINE-RECOVER-001", .title = "after an outage of its uplink, the DUT is back on its cloud with telemetry within the declared time",
	  .spec = "EN 303 645 5.9-3; CIP-3", .needs = NEED_MQTT_CLIENT | NEED_FIX_UPLINK | NEED_FIX_BROKER,
	  .deadline_s = 900, .run = recover },
	{ .id = "OFFLINE-POWER-001", .title = "after a power cycle, the DUT returns to service without help and keeps its configuration",
	  .spec = "EN 303 645 5.9-2; CIP-3", .needs = NEED_FIX_POWER, .deadline_s = 900, .run = power },
};

const struct keur_suite offline_suite = {
	.name = "offline",
	.title = "offline functionality and recovery",
	.cases = cases,
	.ncases = ARRAY_SIZE(cases),
};
