/* coap_amp.c — COAP-AMP-001: an unauthenticated request brings back at most three times its own
 * size, unless the device first asks for an Echo (RFC 9175).  For every resource discovery lists
 * or the DUT description declares: a plain GET, a GET asking for 16-byte blocks (Block2), and a
 * GET that registers as an observer (Observe), each counted in UDP payload bytes both ways over a
 * short window.  /.well-known/core is measured and reported but not judged: it is the discovery
 * resource every CoAP device has (COAP-DISC-001 judges what it shows). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "case.h"
#include "coap.h"
#include "coap_dut.h"
#include "coap_wire.h"
#include "util.h"

#define LIMIT 3.0
#define WINDOW_MS 250		/* after the first answer, how long to keep counting */
#define OBSERVE_MS 1000

enum variant { PLAIN, BLOCK2, OBSERVE, NVARIANTS };
static const char *const variant_name[] = { "GET", "GET with Block2 (16 bytes)", "GET with Observe" };

struct measure {
	long req, resp;
	int answers, echo;
	double factor;
};

/* Sends one request for path in variant v and counts what comes back. */
static int measure(int fd, const char *path, enum variant v, unsigned mid, int timeout_ms, struct measure *out)
{
	struct coapw_opt opts[16];
	unsigned char req[512], buf[2048], token[4] = { 'k', 'a', (unsigned char)(mid >> 8), (unsigned char)mid };
	size_t n = 0, len;

	memset(out, 0, sizeof(*out));
	if (v == OBSERVE)
		opts[n++] = (struct coapw_opt){ COAPW_OPT_OBSERVE, "", 0 };	/* 0: register */
	n += coapw_path(path, opts + n, 12);
	if (v == BLOCK2)
		opts[n++] = (struct coapw_opt){ COAPW_OPT_BLOCK2, "", 0 };	/* block 0, 16 bytes */
	len = coapw_build(req, sizeof(req), COAPW_CON, 1, mid, token, sizeof(token), opts, n, NULL, 0);
	if (!len || send(fd, req, len, 0) != (ssize_t)len)
		return -1;
	out->req = (long)len;
	long t0 = (long)time_mono_ms(), first = -1, window = v == OBSERVE ? OBSERVE_MS : WINDOW_MS;
	for (;;) {
		long now = (long)time_mono_ms();
		long left = first < 0 ? timeout_ms - (now - t0) : window - (now - first);
		struct coapw_msg m;
		long got;

		if (left <= 0)
			break;
		got = coapw_recv(fd, buf, sizeof(buf), (int)left);
		if (got <= 0)
			break;
		if (coapw_parse(buf, (size_t)got, &m) < 0 || m.tkl != 4 || memcmp(m.token, token, 4))
			continue;	/* not ours */
		out->resp += got;
		out->answers++;
		out->echo |= m.echo;
		if (first < 0)
			first = (long)time_mono_ms();
		if (m.type == COAPW_CON) {	/* a notification wants an ACK; a RST ends the observation */
			unsigned char rst[4];
			size_t rl = coapw_build(rst, sizeof(rst), COAPW_RST, 0, m.mid, NULL, 0, NULL, 0, NULL, 0);
			if (send(fd, rst, rl, 0) < 0)
				break;
		}
	}
	out->factor = out->req ? (double)out->resp / (double)out->req : 0;
	return 0;
}

static void amplification(struct keur_ctx *ctx)
{
	const struct keur_dut *d = keur_dut(ctx);
	struct keur_findings f = { 0 };
	FILE *ev = keur_evidence(ctx, "amplification.txt");

	kcoap_init();
	if (ev)
		fprintf(ev, "# endpoint\tresource\trequest\tbytes sent\tbytes back\tanswers\tfactor\techo\n");
	for (size_t i = 0; i < d->ncoap; i++) {
		const struct dut_coap *c = &d->coap[i];
		struct kcoap_target t;
		struct coap_paths ps;
		char label[128], worst_what[200] = "";
		double worst = 0;
		int fd, measured = 0;
		unsigned mid = (unsigned)getpid() & 0x7fff;

		coap_dut_plain(c, &t);
		snprintf(label, sizeof(label), "coap://%s:%d", t.host, t.port);
		coap_dut_paths(ctx, c, &t, 1, &ps);
		if ((fd = coapw_socket(t.host, t.port)) < 0) {
			keur_find(&f, FIND_OPEN, "%s: no UDP socket", label);
			continue;
		}
		for (int k = 0; k < ps.n; k++) {
			for (int v = 0; v < NVARIANTS; v++) {
				struct measure mm;

				if (keur_time_left_ms(ctx) < c->timeout_ms + OBSERVE_MS + 2000) {
					keur_find(&f, FIND_OPEN, "the deadline left no time for %s and after", ps.p[k]);
					goto next;
				}
				if (measure(fd, ps.p[k], (enum variant)v, mid++, c->timeout_ms, &mm) < 0)
					continue;
				if (ev)
					fprintf(ev, "%s\t%s\t%s\t%ld\t%ld\t%d\t%.1f\t%s\n", label, ps.p[k], variant_name[v], mm.req,
						mm.resp, mm.answers, mm.factor, mm.echo ? "yes" : "no");
				keur_note(ctx, "%s: %s %s: %ld bytes for %ld (x%.1f)%s", label, variant_name[v], ps.p[k], mm.resp,
					  mm.req, mm.factor, mm.echo ? ", Echo asked" : "");
				if (!mm.answers)
					continue;
				measured++;
				if (!strcmp(ps.p[k], "/.well-known/core") || mm.echo)
					continue;
				if (mm.factor > worst) {
					worst = mm.factor;
					snprintf(worst_what, sizeof(worst_what), "%s %s: %ld bytes back for %ld", variant_name[v],
						 ps.p[k], mm.resp, mm.req);
				}
			}
		}
next:
		close(fd);
		if (!measured)
			keur_find(&f, FIND_OPEN, "%s answered no request", label);
		else if (worst > LIMIT)
			keur_find(&f, FIND_BAD, "%s amplifies by %.1f without an Echo challenge (worst: %s)", label, worst, worst_what);
		else
			keur_find(&f, FIND_GOOD, "%s: at most x%.1f (%s)", label, worst, worst_what[0] ? worst_what : "none");
	}
	if (ev)
		fclose(ev);
	keur_findings_settle(ctx, &f, "no amplification above 3", KEUR_INCONC, "no CoAP endpoint could be measured");
	kcoap_cleanup();
}

static const struct keur_case cases[] = {
	{ .id = "COAP-AMP-001", .title = "an unauthenticated request brings back at most three times its size, or an Echo challenge",
	  .spec = "CRA Annex I Part I (2)(i); RFC 7252 11.3; RFC 9175", .needs = NEED_COAP, .deadline_s = 120, .run = amplification },
};

const struct keur_suite coap_amp_suite = {
	.name = "coap_amp",
	.title = "CoAP amplification",
	.cases = cases,
	.ncases = ARRAY_SIZE(cases),
};
