/* coap_sec.c — a CoAP device's transport security.
 *
 * COAP-SEC-001: plain CoAP does not serve what coaps:// serves (every declared or listed resource
 * is asked for over plain CoAP); DTLS 1.2 is accepted and 1.0 refused; no weak suite (NULL
 * encryption, anonymous, export, RC4, DES) is accepted, PSK or certificate; an unknown identity
 * and the declared identity with a wrong key are refused; a certificate the server presents is
 * judged as MQTT-TLS-004 judges a broker's.
 *
 * COAP-REPLAY-001: a DTLS record replayed byte for byte is not acted on.  Over a PSK session keur
 * writes a declared safe value, puts the old value back, reads it a second later (it must not
 * have changed by itself), sends the record that carried the write again unchanged, and reads
 * the resource: the safe value back means the replay was acted on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "case.h"
#include "coap.h"
#include "coap_dut.h"
#include "coap_wire.h"
#include "dtls.h"
#include "util.h"

/* Plain CoAP must not serve the resources: each one is asked for once. */
static void plain_check(struct keur_ctx *ctx, const struct dut_coap *c, struct keur_findings *f, FILE *ev)
{
	struct kcoap_target t;
	struct coap_paths ps;
	char label[128], served[512] = "";
	int nserved = 0, asked = 0, answered = 0;

	coap_dut_plain(c, &t);
	snprintf(label, sizeof(label), "coap://%s:%d", t.host, t.port);
	coap_dut_paths(ctx, c, &t, 0, &ps);
	for (int k = 0; k < ps.n; k++) {
		struct kcoap_reply r;

		if (keur_time_left_ms(ctx) < c->timeout_ms + 1000)
			break;
		kcoap_request(&t, KCOAP_GET, ps.p[k], NULL, 0, &r);
		asked++;
		keur_note(ctx, "%s: GET %s in plain -> %s", label, ps.p[k], r.detail);
		if (ev)
			fprintf(ev, "plain\t%s\tGET %s\t%s\n", label, ps.p[k], r.detail);
		if (r.outcome == KCOAP_ANSWERED)
			answered++;
		if (r.outcome == KCOAP_ANSWERED && r.code / 100 == 2) {
			size_t o = strlen(served);
			if (o < sizeof(served) - 140)
				snprintf(served + o, sizeof(served) - o, "%s%s", nserved ? ", " : "", ps.p[k]);
			nserved++;
		}
		kcoap_reply_free(&r);
		if (!answered && asked == 2)	/* nothing there: no need to ask for every resource */
			break;
	}
	if (nserved)
		keur_find(f, FIND_BAD, "%s serves %d resource(s) without DTLS: %s%s", label, nserved, served,
			  c->dtls ? "" : " (the DUT declares only plain coap://)");
	else if (!c->dtls)
		keur_find(f, FIND_OPEN, "the DUT declares only plain %s, and it served none of %d resource(s)", label, asked);
	else
		keur_find(f, FIND_GOOD, "%s serves none of %d resource(s) without DTLS", label, ps.n);
}

static void suite_found(void *arg, const char *name)
{
	struct strbuf *b = arg;
	sb_addf(b, "%s%s", b->len ? ", " : "", name);
}

static void dtls_check(struct keur_ctx *ctx, const struct dut_coap *c, struct keur_findings *f, FILE *ev)
{
	struct dtls_target t;
	char label[128], detail[256], detail12[256], findings[1024], summary[512];
	enum tls_result r12, r10;
	int psk = c->psk_key != NULL;

	coap_dut_dtls(c, &t);
	snprintf(label, sizeof(label), "coaps://%s:%d", c->host, c->port);

	/* Versions: 1.2 is the control (with the declared key, or certificate suites without one). */
	r12 = dtls_handshake(&t, DTLS_V1_2, DTLS_V1_2, NULL, detail12, sizeof(detail12), NULL);
	keur_note(ctx, "%s: %s%s -> %s", label, dtls_version_name(DTLS_V1_2), psk ? " with the declared PSK" : "", detail12);
	if (ev)
		fprintf(ev, "version\t%s\t%s\t%s\n", label, dtls_version_name(DTLS_V1_2), detail12);
	r10 = dtls_handshake(&t, DTLS_V1_0, DTLS_V1_0, NULL, detail, sizeof(detail), NULL);
	keur_note(ctx, "%s: %s -> %s", label, dtls_version_name(DTLS_V1_0), detail);
	if (ev)
		fprintf(ev, "version\t%s\t%s\t%s\n", label, dtls_version_name(DTLS_V1_0), detail);
	if (r10 == TLS_ACCEPTED)
		keur_find(f, FIND_BAD, "%s accepts DTLS 1.0", label);
	if (r12 != TLS_ACCEPTED) {
		keur_find(f, FIND_OPEN, "%s: no DTLS 1.2 handshake%s (%s)", label, psk ? " with the declared PSK" :
			  " with certificate suites; declare psk-identity and psk-key if the device uses a PSK", detail12);
		return;
	}
	if (r10 != TLS_ACCEPTED)
		keur_find(f, FIND_GOOD, "%s: DTLS 1.2 accepted, 1.0 refused", label);

	/* Weak suites, PSK and certificate. */
	for (int p = psk; p >= 0; p--) {
		struct strbuf got;
		const char *weak = dtls_weak_suites(p);
		struct dtls_target tt = t;

		if (!*weak)
			continue;
		if (!p)
			tt.psk_identity = tt.psk_key = NULL;
		sb_init(&got);
		int n = dtls_accepted_suites(&tt, weak, suite_found, &got, detail, sizeof(detail));
		keur_note(ctx, "%s: weak %s suites offered: %d accepted%s%s", label, p ? "PSK" : "certificate", n > 0 ? n : 0,
			  got.len ? ": " : "", got.len ? got.buf : "");
		if (ev)
			fprintf(ev, "weak-suites\t%s\t%s\t%s\n", label, p ? "psk" : "certificate", got.len ? got.buf : "none accepted");
		if (n > 0)
			keur_find(f, FIND_BAD, "%s accepts weak suite(s): %s", label, got.buf);
		else if (n == TLS_TIMEOUT && p)
			keur_find(f, FIND_OPEN, "%s: the weak PSK suites met no answer (%s)", label, detail);
		sb_release(&got);
	}

	/* Wrong keys. */
	struct dtls_target wrong = t;
	char key[128];
	wrong.psk_identity = "keur-unknown-identity";
	wrong.psk_key = "keur-made-up-key";
	enum tls_result ru = dtls_handshake(&wrong, DTLS_V1_2, DTLS_V1_2, "PSK", detail, sizeof(detail), NULL);
	keur_note(ctx, "%s: PSK with an unknown identity -> %s", label, detail);
	if (ru == TLS_ACCEPTED)
		keur_find(f, FIND_BAD, "%s accepts an unknown PSK identity with a made-up key", label);
	if (psk) {
		snprintf(key, sizeof(key), "%s-wrong", c->psk_key);
		wrong.psk_identity = c->psk_identity;
		wrong.psk_key = key;
		enum tls_result rw = dtls_handshake(&wrong, DTLS_V1_2, DTLS_V1_2, "PSK", detail, sizeof(detail), NULL);
		keur_note(ctx, "%s: PSK with the declared identity and a wrong key -> %s", label, detail);
		if (rw == TLS_ACCEPTED)
			keur_find(f, FIND_BAD, "%s accepts the identity '%s' with a wrong key", label, c->psk_identity);
		else if (ru != TLS_ACCEPTED)
			keur_find(f, FIND_GOOD, "%s refuses wrong PSKs", label);
	}
	memset(key, 0, sizeof(key));

	/* The certificate, when the server shows one. */
	char *pem = keur_evidence_path(ctx, "server-chain.pem");
	int rc = dtls_cert_audit(&t, c->host, c->ca_file, findings, sizeof(findings), summary, sizeof(summary), pem);
	free(pem);
	keur_note(ctx, "%s: certificate handshake -> %s", label, summary);
	if (ev)
		fprintf(ev, "certificate\t%s\t%s\t%s\n", label, summary, rc == 0 && !findings[0] ? "sound" : findings);
	if (rc == 0 && findings[0]) {
		for (char *p = findings; *p; p++)
			if (*p == '\n')
				*p = ';';
		keur_find(f, FIND_BAD, "%s: certificate: %s", label, findings);
	} else if (rc == 0) {
		keur_find(f, FIND_GOOD, "%s: the certificate is sound%s", label, c->ca_file ? " and chains to the declared CA" : "");
	}
}

static void transport(struct keur_ctx *ctx)
{
	const struct keur_dut *d = keur_dut(ctx);
	struct keur_findings f = { 0 };
	FILE *ev = keur_evidence(ctx, "transport.txt");

	kcoap_init();
	for (size_t i = 0; i < d->ncoap; i++) {
		const struct dut_coap *c = &d->coap[i];

		plain_check(ctx, c, &f, ev);
		if (c->dtls)
			dtls_check(ctx, c, &f, ev);
	}
	if (ev)
		fclose(ev);
	keur_findings_settle(ctx, &f, "CoAP is protected by sound DTLS", KEUR_INCONC, "no CoAP endpoint could be tried");
	kcoap_cleanup();
	tls_cleanup();
}

/* ---- COAP-REPLAY-001 ---- */

/* One CoAP exchange inside a DTLS session: the response code (class*100+detail) and its payload
 * in out (NUL-terminated), or -1 without an answer within ms. */
struct record {
	unsigned char b[2048];
	size_t len;
};

static int exchange(struct dtls_session *s, int code, const char *path, const char *payload, unsigned mid, int ms,
		    char *out, size_t outlen, struct record *sent)
{
	struct coapw_opt opts[16];
	unsigned char req[512], buf[2048], token[4] = { 'k', 'r', (unsigned char)(mid >> 8), (unsigned char)mid };
	size_t n = coapw_path(path, opts, 16), len;
	long deadline = (long)time_mono_ms() + ms;

	if (out)
		out[0] = '\0';
	len = coapw_build(req, sizeof(req), COAPW_CON, code, mid, token, sizeof(token), opts, n, payload,
			  payload ? strlen(payload) : 0);
	if (!len || dtls_send(s, req, len) < 0)
		return -1;
	if (sent) {	/* the datagram that carried the request, as it went on the wire */
		const unsigned char *d = dtls_last_datagram(s, &sent->len);
		memcpy(sent->b, d, sent->len);
	}
	for (;;) {
		long left = deadline - (long)time_mono_ms(), got;
		struct coapw_msg m;

		if (left <= 0 || (got = dtls_recv(s, buf, sizeof(buf), (int)left)) <= 0)
			return -1;
		if (coapw_parse(buf, (size_t)got, &m) < 0 || m.tkl != 4 || memcmp(m.token, token, 4) || m.code == 0)
			continue;	/* an empty ACK (a separate response follows) or not ours */
		if (m.type == COAPW_CON) {
			unsigned char ack[4];
			size_t al = coapw_build(ack, sizeof(ack), COAPW_ACK, 0, m.mid, NULL, 0, NULL, 0, NULL, 0);
			dtls_send(s, ack, al);
		}
		if (out)
			snprintf(out, outlen, "%.*s", (int)(m.plen < outlen ? m.plen : outlen - 1), m.payload ? (const char *)m.payload : "");
		return (m.code >> 5) * 100 + (m.code & 0x1f);
	}
}

/* The replay on one resource; 0 when judged (a finding added), -1 when this resource could not be used. */
static int replay_on(struct keur_ctx *ctx, const struct dut_coap *c, const struct dut_coap_resource *res,
		     struct keur_findings *f, FILE *ev, char *why, size_t wlen)
{
	struct dtls_target t;
	struct dtls_session *s;
	char detail[256], before[128], now[128], label[128];
	struct record record;
	unsigned mid = ((unsigned)getpid() * 7u) & 0xffff;
	int code, judged = -1;

	coap_dut_dtls(c, &t);
	snprintf(label, sizeof(label), "coaps://%s:%d%s", c->host, c->port, res->path);
	if (dtls_handshake(&t, DTLS_V1_0, DTLS_V1_2, NULL, detail, sizeof(detail), &s) != TLS_ACCEPTED) {
		snprintf(why, wlen, "%s: no DTLS session with the declared PSK (%s)", label, detail);
		return -1;
	}
	keur_note(ctx, "%s: DTLS session: %s", label, detail);
	code = exchange(s, 1, res->path, NULL, mid++, c->timeout_ms, before, sizeof(before), NULL);
	keur_note(ctx, "%s: GET -> %d \"%s\"", label, code, before);
	if (code / 100 != 2) {
		snprintf(why, wlen, "%s: an authenticated GET got %d", label, code);
		goto out;
	}
	if (!strcmp(before, res->safe_value)) {
		snprintf(why, wlen, "%s already holds the safe value \"%s\": a replayed write would not show", label, before);
		goto out;
	}
	code = exchange(s, 3, res->path, res->safe_value, mid++, c->timeout_ms, NULL, 0, &record);
	keur_note(ctx, "%s: PUT \"%s\" -> %d (the record that carried it: %zu bytes)", label, res->safe_value, code,
		  record.len);
	if (code / 100 != 2) {
		snprintf(why, wlen, "%s: an authenticated PUT of the safe value got %d", label, code);
		goto out;
	}
	code = exchange(s, 3, res->path, before, mid++, c->timeout_ms, NULL, 0, NULL);
	keur_note(ctx, "%s: PUT back \"%s\" -> %d", label, before, code);
	if (code / 100 != 2) {
		snprintf(why, wlen, "%s: putting back \"%s\" got %d", label, before, code);
		goto out;
	}
	/* The control: the value must stay put for as long as the replay's answer is waited for, or a
	 * device that drives it itself (a thermostat's relay) would look like one that took the replay. */
	usleep(1000 * 1000);
	code = exchange(s, 1, res->path, NULL, mid++, c->timeout_ms, now, sizeof(now), NULL);
	keur_note(ctx, "%s: GET a second later, before any replay (control) -> %d \"%s\"", label, code, now);
	if (code / 100 != 2 || strcmp(now, before)) {
		snprintf(why, wlen, "%s changes by itself (\"%s\" a second after keur put back \"%s\"): a replay cannot be judged on it",
			 label, now, before);
		goto out;
	}
	if (dtls_send_raw(s, record.b, record.len) < 0) {
		snprintf(why, wlen, "%s: the replay could not be sent", label);
		goto out;
	}
	unsigned char drain[2048];
	long got = dtls_recv(s, drain, sizeof(drain), 1000);	/* what the replay brought back, if anything */
	keur_note(ctx, "%s: sent the PUT's record again, unchanged: %s", label,
		  got > 0 ? "an answer came back" : got == 0 ? "no answer within 1 s" : "the session ended");
	if (got < 0) {	/* the DUT ended the session: read the value over a new one */
		dtls_close(s);
		if (dtls_handshake(&t, DTLS_V1_0, DTLS_V1_2, NULL, detail, sizeof(detail), &s) != TLS_ACCEPTED) {
			snprintf(why, wlen, "%s: after the replay no new DTLS session to read the value (%s)", label, detail);
			goto out;
		}
	}
	code = exchange(s, 1, res->path, NULL, mid++, c->timeout_ms, now, sizeof(now), NULL);
	keur_note(ctx, "%s: GET after the replay -> %d \"%s\"", label, code, now);
	if (ev)
		fprintf(ev, "%s\tbefore \"%s\"\twrote \"%s\"\tput back\treplayed %zu bytes\tafter \"%s\"\n", label, before,
			res->safe_value, record.len, now);
	if (code / 100 != 2) {
		snprintf(why, wlen, "%s: reading back after the replay got %d", label, code);
		goto out;
	}
	judged = 0;
	if (!strcmp(now, res->safe_value)) {
		keur_find(f, FIND_BAD, "%s: a replayed DTLS record was acted on (the value went back to \"%s\")", label, now);
		code = exchange(s, 3, res->path, before, mid++, c->timeout_ms, NULL, 0, NULL);
		keur_note(ctx, "%s: put back \"%s\" again -> %d", label, before, code);
	} else {
		keur_find(f, FIND_GOOD, "%s: the replayed record was not acted on", label);
	}
out:
	dtls_close(s);
	return judged;
}

static void replay(struct keur_ctx *ctx)
{
	const struct keur_dut *d = keur_dut(ctx);
	struct keur_findings f = { 0 };
	FILE *ev = keur_evidence(ctx, "replay.txt");
	int dtls = 0;

	for (size_t i = 0; i < d->ncoap; i++) {
		const struct dut_coap *c = &d->coap[i];
		char why[512] = "";
		int done = 0;

		if (!c->dtls)
			continue;
		dtls++;
		if (!c->psk_key) {
			keur_find(&f, FIND_OPEN, "coaps://%s:%d: keur replays over a PSK session; declare psk-identity and psk-key",
				  c->host, c->port);
			continue;
		}
		for (size_t k = 0; k < c->nresources && !done; k++) {
			if (!c->resources[k].safe_value)
				continue;
			if (keur_time_left_ms(ctx) < 8L * c->timeout_ms + 3000)
				break;
			done = replay_on(ctx, c, &c->resources[k], &f, ev, why, sizeof(why)) == 0;
			if (!done)
				keur_note(ctx, "%s", why);
		}
		if (!done)
			keur_find(&f, FIND_OPEN, "coaps://%s:%d: %s", c->host, c->port,
				  why[0] ? why : "no resource declared with a safe-value to write and read back");
	}
	if (ev)
		fclose(ev);
	if (!dtls)
		keur_verdict(ctx, KEUR_NA, "the DUT declares no coaps:// endpoint (nothing to replay)");
	else
		keur_findings_settle(ctx, &f, "replays are not acted on", KEUR_INCONC, "no replay could be tried");
	tls_cleanup();
}

static const struct keur_case cases[] = {
	{ .id = "COAP-SEC-001", .title = "plain CoAP does not serve what coaps:// serves; DTLS 1.2+, sound suites, wrong keys refused",
	  .spec = "EN 303 645 5.5-1; EN 18031-1 SCM-1", .needs = NEED_COAP, .deadline_s = 120, .run = transport },
	{ .id = "COAP-REPLAY-001", .title = "a DTLS record sent again unchanged is not acted on",
	  .spec = "EN 303 645 5.5-1; RFC 6347 4.1.2.6", .needs = NEED_COAP, .deadline_s = 60, .run = replay },
};

const struct keur_suite coap_sec_suite = {
	.name = "coap_sec",
	.title = "CoAP transport security",
	.cases = cases,
	.ncases = ARRAY_SIZE(cases),
};
