/* coap_rob.c — a CoAP device keeps answering whatever it is sent.
 *
 * COAP-ROB-001: malformed messages, one kind at a time (bad version, token length over 8,
 * truncated options, option numbers that overflow, reserved nibbles, a payload marker with no
 * payload, Uri-Path bytes that are no text, a GET with a payload, empty messages with a token,
 * response and reserved codes sent as requests, a 60 KiB datagram, a storm of resets and stray
 * acknowledgements), then 2000 mutations of a valid request with a fixed seed.  A liveness probe
 * (GET /.well-known/core on a fresh socket: any answer will do) runs before the first and after
 * each kind, and every 50 mutations; no answer is a fail naming what came last.  A request
 * with an unknown critical option must be answered 4.02 (RFC 7252 5.4.1).
 *
 * COAP-BLOCK-001: block-wise abuse (RFC 7959): a Block1 transfer announcing 4 GiB (Size1),
 * a transfer that starts at block 5, 32 transfers opened in parallel and never finished, a
 * reserved block size, and a Block2 request for block 1 048 575.  Liveness after each; a 2.04 or
 * 2.01 to a transfer that never completed is a fail.  Block1 goes to the resource declared safe
 * to write when there is one (read before and put back after, as COAP-AUTH-001 does), else (and
 * always inside DTLS) to a path no device has.
 *
 * Both run on plain CoAP; on a device that answers no plain CoAP they run inside a DTLS-PSK
 * session when the DUT description gives the key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "case.h"
#include "coap.h"
#include "coap_dut.h"
#include "coap_wire.h"
#include "dtls.h"
#include "util.h"

#define REACT_MS 300		/* how long to listen for the reaction to one abuse */
#define MUTATIONS 2000
#define PROBE_EVERY 50
#define STORM 500

/* Where the abuse goes: a UDP socket, or a DTLS session. */
struct chan {
	const struct dut_coap *c;
	int dtls;
	int fd;
	struct dtls_session *s;
};

static int chan_open(struct chan *ch)
{
	char detail[256];

	ch->fd = -1;
	ch->s = NULL;
	if (!ch->dtls) {
		struct kcoap_target t;
		coap_dut_plain(ch->c, &t);
		return (ch->fd = coapw_socket(t.host, t.port)) < 0 ? -1 : 0;
	}
	struct dtls_target t;
	coap_dut_dtls(ch->c, &t);
	return dtls_handshake(&t, DTLS_V1_0, DTLS_V1_2, NULL, detail, sizeof(detail), &ch->s) == TLS_ACCEPTED ? 0 : -1;
}

static int chan_send(struct chan *ch, const void *b, size_t n)
{
	if (ch->s)
		return dtls_send(ch->s, b, n);
	return send(ch->fd, b, n, 0) == (ssize_t)n ? 0 : -1;
}

static long chan_recv(struct chan *ch, unsigned char *b, size_t cap, int ms)
{
	return ch->s ? dtls_recv(ch->s, b, cap, ms) : coapw_recv(ch->fd, b, cap, ms);
}

static void chan_close(struct chan *ch)
{
	dtls_close(ch->s);
	ch->s = NULL;
	if (ch->fd >= 0)
		close(ch->fd);
	ch->fd = -1;
}

static unsigned next_mid;

/* A CON request with a 4-byte token made from the message ID. */
static size_t request(unsigned char *out, size_t cap, int code, const char *path, const struct coapw_opt *extra,
		      size_t nextra, const void *payload, size_t plen, unsigned mid)
{
	struct coapw_opt opts[24];
	unsigned char token[4] = { 'k', 'b', (unsigned char)(mid >> 8), (unsigned char)mid };
	size_t n = 0, k = 0;

	/* options in ascending order: the path (11) among the extra ones */
	while (k < nextra && extra[k].num < COAPW_OPT_URI_PATH)
		opts[n++] = extra[k++];
	n += coapw_path(path, opts + n, 8);
	while (k < nextra && n < 24)
		opts[n++] = extra[k++];
	return coapw_build(out, cap, COAPW_CON, code, mid, token, 4, opts, n, payload, plen);
}

/* Liveness: a GET /.well-known/core on a fresh channel, two tries.  1 alive, 0 not. */
static int alive(struct chan *tmpl, char *detail, size_t len)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		struct chan ch = *tmpl;
		unsigned char req[64], buf[2048];
		unsigned mid = next_mid++ & 0xffff;
		size_t n = request(req, sizeof(req), 1, "/.well-known/core", NULL, 0, NULL, 0, mid);
		long deadline;

		if (chan_open(&ch) < 0) {
			snprintf(detail, len, ch.dtls ? "no DTLS session" : "no UDP socket");
			continue;
		}
		chan_send(&ch, req, n);
		deadline = (long)time_mono_ms() + ch.c->timeout_ms;
		for (;;) {
			long left = deadline - (long)time_mono_ms(), got = 0;
			struct coapw_msg m;

			if (left <= 0 || (got = chan_recv(&ch, buf, sizeof(buf), (int)left)) < 0) {
				snprintf(detail, len, left > 0 && got < 0 ? "ICMP: nothing listens there" : "no answer within %d ms",
					 ch.c->timeout_ms);
				break;
			}
			if (got == 0)
				continue;
			/* ours: an ACK or RST with our message ID, or a response with our token */
			if (coapw_parse(buf, (size_t)got, &m) == 0 &&
			    ((m.mid == mid && (m.type == COAPW_ACK || m.type == COAPW_RST) && (m.code || m.type == COAPW_RST)) ||
			     (m.code >= 64 && m.tkl == 4 && !memcmp(m.token, req + 4, 4)))) {
				snprintf(detail, len, "%d.%02d", m.code >> 5, m.code & 0x1f);
				chan_close(&ch);
				return 1;
			}
		}
		chan_close(&ch);
	}
	return 0;
}

/* What came back within ms of an abuse: "nothing", "RST", "4.02", "not CoAP (N bytes)" ...;
 * the first code seen (class*100+detail), 0 for RST, -1 for nothing. */
static int reaction(struct chan *ch, int ms, char *out, size_t len)
{
	unsigned char buf[2048];
	long deadline = (long)time_mono_ms() + ms;
	int first = -1, n = 0;

	out[0] = '\0';
	for (;;) {
		long left = deadline - (long)time_mono_ms(), got;
		struct coapw_msg m;
		char one[48];

		if (left <= 0 || (got = chan_recv(ch, buf, sizeof(buf), (int)left)) <= 0)
			break;
		int coap = coapw_parse(buf, (size_t)got, &m) == 0;
		if (!coap)
			snprintf(one, sizeof(one), "not CoAP (%ld bytes)", got);
		else if (m.type == COAPW_RST)
			snprintf(one, sizeof(one), "RST");
		else if (m.code == 0)
			snprintf(one, sizeof(one), "empty %s", m.type == COAPW_ACK ? "ACK" : "message");
		else
			snprintf(one, sizeof(one), "%d.%02d", m.code >> 5, m.code & 0x1f);
		if (first < 0 && coap)
			first = m.type == COAPW_RST ? 0 : (m.code >> 5) * 100 + (m.code & 0x1f);
		if (n++ < 4) {
			size_t o = strlen(out);
			snprintf(out + o, len - o, "%s%s", o ? ", " : "", one);
		}
		if (n >= 64)
			break;
	}
	if (!n)
		snprintf(out, len, "nothing");
	return first;
}

/* After one abuse: the liveness probe, a line in the transcript and in reactions.txt, and a
 * finding when the device answers no more.  1 while it answers. */
static int still_alive(struct keur_ctx *ctx, struct chan *ch, FILE *ev, struct keur_findings *f, const char *label,
		       const char *what, const char *react)
{
	char live[128];
	int up = alive(ch, live, sizeof(live));

	keur_note(ctx, "%s: %s -> %s; liveness: %s", label, what, react, live);
	if (ev)
		fprintf(ev, "%s\t%s\t%s\t%s\n", label, what, react, up ? live : "NO ANSWER");
	if (!up)
		keur_find(f, FIND_BAD, "%s stopped answering after %s (%s)", label, what, live);
	return up;
}

/* ---- COAP-ROB-001 ---- */

enum { R_VERSION0, R_VERSION2, R_TKL9, R_TKL15, R_SHORT, R_OPTLEN, R_EXTDELTA, R_OVERFLOW, R_NIBBLE15, R_MARKER,
       R_CRITICAL, R_BADPATH, R_GETBODY, R_EMPTYTOKEN, R_RESPONSE, R_RESERVED, R_HUGE, R_STORM, R_NKINDS };

static const char *const rob_name[R_NKINDS] = {
	"version 0", "version 2", "token length 9", "token length 15 in a short message", "a 3-byte message",
	"an option longer than the message", "an extended option delta cut off", "option numbers past 65535",
	"the reserved nibble 15 as an option delta", "a payload marker with no payload", "an unknown critical option (65001)",
	"Uri-Path bytes that are no UTF-8", "a GET with a payload", "an empty message with a token",
	"a response code (2.05) sent as a request", "a reserved code class (7.01)", "a 60 KiB datagram",
	"500 RSTs and 500 ACKs for message IDs never sent",
};

/* The bytes of abuse kind k (not the storm), in out; the length. */
static size_t rob_build(int k, unsigned char *out, size_t cap, unsigned mid)
{
	size_t n = request(out, cap, 1, "/.well-known/core", NULL, 0, NULL, 0, mid);
	struct coapw_opt o[1];

	switch (k) {
	case R_VERSION0: out[0] &= 0x3f; return n;
	case R_VERSION2: out[0] = (unsigned char)((out[0] & 0x3f) | 0x80); return n;
	case R_TKL9: out[0] = (unsigned char)((out[0] & 0xf0) | 9); return n;
	case R_TKL15: out[0] = (unsigned char)((out[0] & 0xf0) | 15); return 6;
	case R_SHORT: return 3;
	case R_OPTLEN: /* Uri-Path that says 12 bytes and has 3 */
		out[8] = 0xbc; memcpy(out + 9, "abc", 3); return 12;
	case R_EXTDELTA: out[8] = 0xd0; return 9;	/* delta 13: one more byte that never comes */
	case R_OVERFLOW:	/* four options of delta 65 804 (14 + 0xffff): numbers past 65535 */
		for (int i = 0; i < 4; i++) {
			out[8 + 3 * i] = 0xe0;
			out[9 + 3 * i] = 0xff;
			out[10 + 3 * i] = 0xff;
		}
		return 20;
	case R_NIBBLE15: out[8] = 0xf1; out[9] = 'x'; return 10;
	case R_MARKER: out[n] = 0xff; return n + 1;
	case R_CRITICAL:
		o[0] = (struct coapw_opt){ 65001, "k", 1 };
		return request(out, cap, 1, "/.well-known/core", o, 1, NULL, 0, mid);
	case R_BADPATH: {
		static const unsigned char bad[] = { 0xc3, 0x28, 0x00, 0xff, 0x1b };
		unsigned char token[4] = { 'k', 'b', (unsigned char)(mid >> 8), (unsigned char)mid };
		o[0] = (struct coapw_opt){ COAPW_OPT_URI_PATH, bad, sizeof(bad) };
		return coapw_build(out, cap, COAPW_CON, 1, mid, token, 4, o, 1, NULL, 0);
	}
	case R_GETBODY: return request(out, cap, 1, "/.well-known/core", NULL, 0, "keur", 4, mid);
	case R_EMPTYTOKEN: out[1] = 0; return 8;	/* code 0.00 with a token and no more */
	case R_RESPONSE: out[1] = 0x45; return n;
	case R_RESERVED: out[1] = 0xe1; return n;
	case R_HUGE: {
		static unsigned char body[60 * 1024];
		memset(body, 'k', sizeof(body));
		return request(out, cap, 2, "/keur-rob", NULL, 0, body, sizeof(body), mid);
	}
	}
	return 0;
}

/* The reset storm: RSTs and ACKs for message IDs keur never used. */
static void storm(struct chan *ch)
{
	unsigned char m[4];

	for (int i = 0; i < 2 * STORM; i++) {
		unsigned mid = (0x8000u + (unsigned)i * 7919u) & 0xffff;
		size_t n = coapw_build(m, sizeof(m), i < STORM ? COAPW_RST : COAPW_ACK, 0, mid, NULL, 0, NULL, 0, NULL, 0);
		chan_send(ch, m, n);
	}
}

/* A valid request with 1 to 4 bytes changed (xorshift, fixed seed: every run sends the same). */
static size_t mutate(unsigned char *out, size_t cap, unsigned mid, uint32_t *seed)
{
	size_t n = request(out, cap, 1, "/.well-known/core", NULL, 0, NULL, 0, mid);
	int flips = 1 + (int)(*seed % 4);

	for (int i = 0; i < flips; i++) {
		*seed ^= *seed << 13;
		*seed ^= *seed >> 17;
		*seed ^= *seed << 5;
		out[*seed % n] ^= (unsigned char)(1u + (*seed >> 8) % 255u);
	}
	return n;
}

/* Plain CoAP, or DTLS when plain is silent and a key is declared; 0 (and an open finding) when
 * nothing answers. */
static int pick_channel(struct keur_ctx *ctx, const struct dut_coap *c, struct chan *ch, char *label, size_t llen,
			struct keur_findings *f)
{
	char detail[128];
	struct kcoap_target t;

	coap_dut_plain(c, &t);
	memset(ch, 0, sizeof(*ch));
	ch->c = c;
	ch->fd = -1;
	snprintf(label, llen, "coap://%s:%d", t.host, t.port);
	if (alive(ch, detail, sizeof(detail))) {
		keur_note(ctx, "%s: liveness probe before: %s", label, detail);
		return 1;
	}
	keur_note(ctx, "%s: liveness probe before: %s", label, detail);
	if (c->dtls && c->psk_key) {
		ch->dtls = 1;
		snprintf(label, llen, "coaps://%s:%d", c->host, c->port);
		int ok = alive(ch, detail, sizeof(detail));
		keur_note(ctx, "%s: liveness probe before (inside DTLS): %s", label, detail);
		if (ok)
			return 1;
	}
	keur_find(f, FIND_OPEN, "%s: no answer before any abuse%s", label,
		  c->dtls && !c->psk_key ? " (declare the PSK to test inside DTLS)" : "");
	return 0;
}

static void robustness(struct keur_ctx *ctx)
{
	const struct keur_dut *d = keur_dut(ctx);
	struct keur_findings f = { 0 };
	FILE *ev = keur_evidence(ctx, "reactions.txt");
	static unsigned char msg[64 * 1024];

	next_mid = ((unsigned)getpid() * 31u) & 0xffff;
	if (ev)
		fprintf(ev, "# endpoint\tabuse\treaction\tliveness after\n");
	for (size_t i = 0; i < d->ncoap; i++) {
		const struct dut_coap *c = &d->coap[i];
		struct chan ch;
		char label[128], react[256], live[128];
		int dead = 0;

		if (!pick_channel(ctx, c, &ch, label, sizeof(label), &f))
			continue;
		for (int k = 0; k < R_NKINDS && !dead; k++) {
			if (keur_time_left_ms(ctx) < 3L * c->timeout_ms + 2000) {
				keur_find(&f, FIND_OPEN, "%s: the deadline left no time for %s and after", label, rob_name[k]);
				dead = -1;
				break;
			}
			struct chan a = ch;
			if (chan_open(&a) < 0)
				continue;
			unsigned mid = next_mid++ & 0xffff;
			int code;
			if (k == R_STORM) {
				storm(&a);
				code = reaction(&a, REACT_MS, react, sizeof(react));
			} else {
				size_t n = rob_build(k, msg, sizeof(msg), mid);
				chan_send(&a, msg, n);
				code = reaction(&a, REACT_MS, react, sizeof(react));
			}
			chan_close(&a);
			if (!still_alive(ctx, &ch, ev, &f, label, rob_name[k], react)) {
				dead = 1;
			} else if (k == R_CRITICAL && code != 402) {
				keur_find(&f, FIND_BAD, "%s answered a request with an unknown critical option with %s, not 4.02", label,
					  react);
			}
		}
		if (dead)
			continue;
		/* Mutations, with a probe every PROBE_EVERY. */
		uint32_t seed = 0x6b657572;	/* "keur" */
		struct chan a = ch;
		int sent = 0;
		int64_t t0 = time_mono_ms();
		if (chan_open(&a) == 0) {
			for (; sent < MUTATIONS && !dead; sent++) {
				if (sent % PROBE_EVERY == 0 && sent) {
					unsigned char drain[2048];
					while (chan_recv(&a, drain, sizeof(drain), 0) > 0)
						;
					if (!alive(&ch, live, sizeof(live))) {
						keur_find(&f, FIND_BAD, "%s stopped answering within mutations %d to %d of a valid GET (seed 0x6b657572)",
							  label, sent - PROBE_EVERY + 1, sent);
						dead = 1;
						break;
					}
					if (keur_time_left_ms(ctx) < 2L * c->timeout_ms + 1000)
						break;
				}
				size_t n = mutate(msg, sizeof(msg), next_mid++ & 0xffff, &seed);
				chan_send(&a, msg, n);
			}
			chan_close(&a);
		}
		long ms = (long)(time_mono_ms() - t0);
		if (!dead && !alive(&ch, live, sizeof(live))) {
			keur_find(&f, FIND_BAD, "%s stopped answering after the last mutations", label);
			dead = 1;
		}
		double rate = ms > 0 ? sent * 1000.0 / (double)ms : 0;
		keur_note(ctx, "%s: %d mutations in %ld ms (%.0f messages/s, a liveness probe every %d)", label, sent, ms, rate,
			  PROBE_EVERY);
		if (ev)
			fprintf(ev, "%s\t%d mutations of a valid GET\t%.0f messages/s, probe every %d\t%s\n", label, sent, rate,
				PROBE_EVERY, dead ? "NO ANSWER" : "answered");
		if (!dead)
			keur_find(&f, FIND_GOOD, "%s kept answering through %d kinds of malformed message and %d mutations",
				  label, R_NKINDS, sent);
	}
	if (ev)
		fclose(ev);
	keur_findings_settle(ctx, &f, "the device keeps answering", KEUR_INCONC, "no CoAP endpoint could be tried");
	tls_cleanup();
}

/* ---- COAP-BLOCK-001 ---- */

enum { B_HUGE_SIZE1, B_OUT_OF_ORDER, B_PARALLEL, B_SZX7, B_BLOCK2_FAR, B_NKINDS };

static const char *const block_name[B_NKINDS] = {
	"Block1 0/more/16 announcing 4 GiB (Size1)", "Block1 starting at block 5", "32 Block1 transfers never finished",
	"Block1 with the reserved size exponent 7", "Block2 asking for block 1048575",
};

/* A Block option value: NUM, M, SZX. */
static size_t block_val(unsigned char *b, uint32_t num, int more, int szx)
{
	return coapw_uint(b, num << 4 | (uint32_t)(more ? 8 : 0) | (uint32_t)szx);
}

static void blockwise(struct keur_ctx *ctx)
{
	const struct keur_dut *d = keur_dut(ctx);
	struct keur_findings f = { 0 };
	FILE *ev = keur_evidence(ctx, "reactions.txt");
	static const char chunk[] = "keur-block-test!";	/* 16 bytes: one block of size exponent 0 */

	kcoap_init();
	next_mid = ((unsigned)getpid() * 37u) & 0xffff;
	for (size_t i = 0; i < d->ncoap; i++) {
		const struct dut_coap *c = &d->coap[i];
		const char *wpath = "/keur-block-probe", *rpath = "/.well-known/core";
		struct chan ch;
		struct kcoap_reply before = { 0 };
		struct kcoap_target pt;
		char label[128], react[256];
		int dead = 0, writes = 0;

		if (!pick_channel(ctx, c, &ch, label, sizeof(label), &f))
			continue;
		/* A declared safe resource only on plain CoAP, where keur can read it and put it back;
		 * inside DTLS a write may be admitted, so Block1 goes nowhere real there. */
		for (size_t k = 0; k < c->nresources && !ch.dtls; k++)
			if (c->resources[k].safe_value) {
				wpath = rpath = c->resources[k].path;
				writes = 1;
				break;
			}
		keur_note(ctx, "%s: Block1 goes to %s%s", label, wpath,
			  writes ? " (declared safe to write; read now, put back after)"
				 : ch.dtls ? " (inside DTLS: a path no device has)" : " (no resource declared safe to write)");
		coap_dut_plain(c, &pt);
		if (writes)
			kcoap_request(&pt, KCOAP_GET, wpath, NULL, 0, &before);
		for (int k = 0; k < B_NKINDS && !dead; k++) {
			unsigned char opt[2][4], msg[256];
			struct coapw_opt o[2];
			struct chan a = ch;
			int code = -1, acted = 0;

			if (keur_time_left_ms(ctx) < 3L * c->timeout_ms + 2000) {
				keur_find(&f, FIND_OPEN, "%s: the deadline left no time for %s and after", label, block_name[k]);
				dead = -1;
				break;
			}
			if (chan_open(&a) < 0)
				continue;
			if (k == B_PARALLEL) {
				for (int t = 0; t < 32; t++) {
					o[0] = (struct coapw_opt){ 27, opt[0], block_val(opt[0], 0, 1, 0) };
					size_t n = request(msg, sizeof(msg), 3, wpath, o, 1, chunk, 16, next_mid++ & 0xffff);
					chan_send(&a, msg, n);
				}
				code = reaction(&a, REACT_MS, react, sizeof(react));
			} else if (k == B_BLOCK2_FAR) {
				o[0] = (struct coapw_opt){ COAPW_OPT_BLOCK2, opt[0], block_val(opt[0], 1048575, 0, 6) };
				size_t n = request(msg, sizeof(msg), 1, rpath, o, 1, NULL, 0, next_mid++ & 0xffff);
				chan_send(&a, msg, n);
				code = reaction(&a, REACT_MS, react, sizeof(react));
			} else {
				uint32_t num = k == B_OUT_OF_ORDER ? 5 : 0;
				int szx = k == B_SZX7 ? 7 : 0;
				size_t no = 0;
				o[no++] = (struct coapw_opt){ 27, opt[0], block_val(opt[0], num, 1, szx) };
				if (k == B_HUGE_SIZE1)
					o[no++] = (struct coapw_opt){ 60, opt[1], coapw_uint(opt[1], 0xffffffffu) };
				size_t n = request(msg, sizeof(msg), 3, wpath, o, no, chunk, 16, next_mid++ & 0xffff);
				chan_send(&a, msg, n);
				code = reaction(&a, REACT_MS, react, sizeof(react));
			}
			chan_close(&a);
			/* 2.01 or 2.04: the device acted on a body it never got in full. */
			acted = code == 201 || code == 204;
			if (!still_alive(ctx, &ch, ev, &f, label, block_name[k], react)) {
				dead = 1;
			} else if (acted && k != B_BLOCK2_FAR) {
				keur_find(&f, FIND_BAD, "%s acted on a transfer that never completed: %s answered %s", label,
					  block_name[k], react);
			}
		}
		/* Put back what the resource held, where keur read it. */
		if (before.outcome == KCOAP_ANSWERED && before.code / 100 == 2 && before.data) {
			struct kcoap_reply now;
			kcoap_request(&pt, KCOAP_GET, wpath, NULL, 0, &now);
			if (now.outcome == KCOAP_ANSWERED && now.data && strcmp((char *)now.data, (char *)before.data)) {
				struct kcoap_reply back;
				kcoap_request(&pt, KCOAP_PUT, wpath, before.data, before.len, &back);
				keur_note(ctx, "%s: %s changed; put back what it held: %s", label, wpath, back.detail);
				kcoap_reply_free(&back);
			}
			kcoap_reply_free(&now);
		}
		kcoap_reply_free(&before);
		if (!dead && !f.nbad)
			keur_find(&f, FIND_GOOD, "%s kept answering through %d block-wise abuses", label, B_NKINDS);
	}
	if (ev)
		fclose(ev);
	keur_findings_settle(ctx, &f, "block-wise abuse is refused and the device keeps answering", KEUR_INCONC,
			     "no CoAP endpoint could be tried");
	kcoap_cleanup();
	tls_cleanup();
}

static const struct keur_case cases[] = {
	{ .id = "COAP-ROB-001", .title = "malformed messages and 2000 mutations leave the device answering; unknown critical options get 4.02",
	  .spec = "EN 303 645 5.13-1; EN 18031-1 GEC-6; RFC 7252 5.4.1", .needs = NEED_COAP, .deadline_s = 180, .run = robustness },
	{ .id = "COAP-BLOCK-001", .title = "block-wise abuse (huge Size1, out-of-order and unfinished transfers) leaves the device answering",
	  .spec = "EN 303 645 5.13-1; EN 18031-1 RLM-1; RFC 7959", .needs = NEED_COAP, .deadline_s = 120, .run = blockwise },
};

const struct keur_suite coap_rob_suite = {
	.name = "coap_rob",
	.title = "CoAP robustness",
	.cases = cases,
	.ncases = ARRAY_SIZE(cases),
};
