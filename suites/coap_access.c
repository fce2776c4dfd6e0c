/* coap_access.c — who may see and change what on a CoAP device.
 *
 * COAP-DISC-001: /.well-known/core, asked without credentials, lists only the resources the DUT
 * description declares.  COAP-AUTH-001: unauthenticated PUT, POST, DELETE and iPATCH on every
 * resource are refused.  keur writes only the value the DUT description declares safe for a
 * resource (PUT, POST), and sends the other requests without a payload; a change is proven by
 * reading the resource back, and keur puts back what it changed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "coap.h"
#include "coap_dut.h"
#include "util.h"

static const struct dut_coap_resource *declared(const struct dut_coap *c, const char *path)
{
	for (size_t i = 0; i < c->nresources; i++)
		if (!strcmp(c->resources[i].path, path))
			return &c->resources[i];
	return NULL;
}

struct disc {
	struct keur_ctx *ctx;
	const struct dut_coap *c;
	struct keur_findings *f;
	FILE *ev;
	int n, undeclared;
	char list[1024];
};

static void one_link(void *arg, const char *path)
{
	struct disc *d = arg;
	size_t o = strlen(d->list);

	d->n++;
	if (d->ev)
		fprintf(d->ev, "%s:%d\t%s\t%s\n", d->c->host, d->c->port, path, declared(d->c, path) ? "declared" : "UNDECLARED");
	if (!strcmp(path, "/.well-known/core") || declared(d->c, path))
		return;
	d->undeclared++;
	if (o < sizeof(d->list) - 80)
		snprintf(d->list + o, sizeof(d->list) - o, "%s%s", o ? ", " : "", path);
}

/* GETs /.well-known/core; the document in r (caller frees), 0, or -1 with a finding added. */
static int well_known(struct keur_ctx *ctx, const struct kcoap_target *t, struct kcoap_reply *r,
		      struct keur_findings *f, const char *label)
{
	kcoap_request(t, KCOAP_GET, "/.well-known/core", NULL, 0, r);
	keur_note(ctx, "%s: GET /.well-known/core -> %s (%ld ms)", label, r->detail, r->ms);
	if (r->outcome != KCOAP_ANSWERED) {
		keur_find(f, FIND_OPEN, "%s: %s", label, r->detail);
		return -1;
	}
	return 0;
}

static void discovery(struct keur_ctx *ctx)
{
	const struct keur_dut *d = keur_dut(ctx);
	struct keur_findings f = { 0 };
	FILE *ev = keur_evidence(ctx, "resources.txt");

	kcoap_init();
	for (size_t i = 0; i < d->ncoap; i++) {
		const struct dut_coap *c = &d->coap[i];
		struct kcoap_target t;
		struct kcoap_reply r;
		char label[128];

		coap_dut_plain(c, &t);
		snprintf(label, sizeof(label), "coap://%s:%d", t.host, t.port);
		if (well_known(ctx, &t, &r, &f, label) < 0) {
			if (c->dtls)	/* no plain CoAP beside coaps:// is fine: nothing to see without credentials */
				keur_find(&f, FIND_GOOD, "%s: no plain CoAP answers (%s)", label, r.detail);
			continue;
		}
		if (r.code / 100 != 2) {
			keur_find(&f, FIND_GOOD, "%s: discovery refused (%d.%02d)", label, r.code / 100, r.code % 100);
			kcoap_reply_free(&r);
			continue;
		}
		struct disc dd = { .ctx = ctx, .c = c, .f = &f, .ev = ev };
		kcoap_links(r.data ? (char *)r.data : "", one_link, &dd);
		if (!dd.n && r.len) {	/* a body, but no link in it: not a discovery answer keur can judge */
			keur_find(&f, FIND_OPEN, "%s answered /.well-known/core with %zu bytes that hold no link", label, r.len);
			kcoap_reply_free(&r);
			continue;
		}
		kcoap_reply_free(&r);
		if (dd.undeclared && !c->nresources)
			keur_find(&f, FIND_BAD, "%s lists %d resource(s) and the DUT description declares none: %s", label,
				  dd.undeclared, dd.list);
		else if (dd.undeclared)
			keur_find(&f, FIND_BAD, "%s lists undeclared resource(s): %s", label, dd.list);
		else
			keur_find(&f, FIND_GOOD, "%s lists %d resource(s), all declared", label, dd.n);
	}
	if (ev)
		fclose(ev);
	keur_findings_settle(ctx, &f, "discovery shows nothing undeclared", KEUR_INCONC, "no CoAP endpoint could be asked");
	kcoap_cleanup();
}

static void writes(struct keur_ctx *ctx)
{
	static const enum kcoap_method methods[] = { KCOAP_PUT, KCOAP_POST, KCOAP_DELETE, KCOAP_IPATCH };
	const struct keur_dut *d = keur_dut(ctx);
	struct keur_findings f = { 0 };
	FILE *ev = keur_evidence(ctx, "requests.txt");

	kcoap_init();
	for (size_t i = 0; i < d->ncoap; i++) {
		const struct dut_coap *c = &d->coap[i];
		struct kcoap_target t;
		struct kcoap_reply r;
		struct coap_paths ps;
		char label[128];
		int refused = 0, tried = 0;

		coap_dut_plain(c, &t);
		snprintf(label, sizeof(label), "coap://%s:%d", t.host, t.port);
		coap_dut_paths(ctx, c, &t, 0, &ps);
		if (!ps.n) {
			keur_find(&f, FIND_OPEN, "%s: no resource found or declared to try", label);
			continue;
		}
		for (int k = 0; k < ps.n; k++) {
			const struct dut_coap_resource *res = declared(c, ps.p[k]);
			const char *value = res ? res->safe_value : NULL;
			struct kcoap_reply before = { 0 }, after = { 0 };

			if (keur_time_left_ms(ctx) < 8L * c->timeout_ms + 2000) {
				keur_find(&f, FIND_OPEN, "the deadline left no time for %s and after", ps.p[k]);
				break;
			}
			kcoap_request(&t, KCOAP_GET, ps.p[k], NULL, 0, &before);
			keur_note(ctx, "%s: GET %s (before) -> %s", label, ps.p[k], before.detail);
			for (size_t mi = 0; mi < ARRAY_SIZE(methods); mi++) {
				enum kcoap_method m = methods[mi];
				/* a patch document keur cannot know: iPATCH, like DELETE, goes without a payload */
				const char *pl = m == KCOAP_DELETE || m == KCOAP_IPATCH ? NULL : value;

				kcoap_request(&t, m, ps.p[k], pl, pl ? strlen(pl) : 0, &r);
				keur_note(ctx, "%s: %s %s%s%s%s -> %s", label, kcoap_method_name(m), ps.p[k], pl ? " \"" : "",
					  pl ? pl : "", pl ? "\"" : " (no payload)", r.detail);
				if (ev)
					fprintf(ev, "%s\t%s\t%s\t%s\n", label, kcoap_method_name(m), ps.p[k], r.detail);
				if (r.outcome != KCOAP_ANSWERED) {
					kcoap_reply_free(&r);
					continue;
				}
				tried++;
				if (r.code / 100 != 2) {
					refused++;
					kcoap_reply_free(&r);
					continue;
				}
				/* 2.xx: the change is a finding; prove it by reading back where keur knows what it wrote. */
				char proof[160] = "";
				if (pl && before.outcome == KCOAP_ANSWERED) {
					kcoap_request(&t, KCOAP_GET, ps.p[k], NULL, 0, &after);
					if (after.outcome == KCOAP_ANSWERED && after.data && !strcmp((char *)after.data, pl))
						snprintf(proof, sizeof(proof), ", and reading it back gives \"%s\"", pl);
					kcoap_reply_free(&after);
				}
				/* Put back what was there, as far as the DUT lets anyone write it. */
				if (before.outcome == KCOAP_ANSWERED && before.code / 100 == 2 && before.data &&
				    (!pl || strcmp((char *)before.data, pl))) {
					struct kcoap_reply back;
					kcoap_request(&t, KCOAP_PUT, ps.p[k], before.data, before.len, &back);
					keur_note(ctx, "%s: put back what %s held before: %s", label, ps.p[k], back.detail);
					kcoap_reply_free(&back);
				}
				keur_find(&f, FIND_BAD, "%s: unauthenticated %s %s answered %d.%02d%s", label, kcoap_method_name(m),
					  ps.p[k], r.code / 100, r.code % 100, proof);
				kcoap_reply_free(&r);
			}
			kcoap_reply_free(&before);
		}
		if (tried && refused == tried)
			keur_find(&f, FIND_GOOD, "%s refused all %d unauthenticated writes on %d resource(s)", label, tried, ps.n);
		else if (!tried)
			keur_find(&f, FIND_OPEN, "%s answered none of the writes", label);
	}
	if (ev)
		fclose(ev);
	keur_findings_settle(ctx, &f, "unauthenticated writes refused", KEUR_INCONC, "no CoAP endpoint could be tried");
	kcoap_cleanup();
}

static const struct keur_case cases[] = {
	{ .id = "COAP-DISC-001", .title = "/.well-known/core, asked without credentials, lists only declared resources",
	  .spec = "EN 303 645 5.6-2; EN 18031-1 GEC-2", .needs = NEED_COAP, .deadline_s = 60, .run = discovery },
	{ .id = "COAP-AUTH-001", .title = "unauthenticated PUT, POST, DELETE and iPATCH are refused on every resource",
	  .spec = "EN 303 645 5.5-5; EN 18031-1 ACM-1", .needs = NEED_COAP, .deadline_s = 120, .run = writes },
};

const struct keur_suite coap_access_suite = {
	.name = "coap_access",
	.title = "CoAP discovery and access control",
	.cases = cases,
	.ncases = ARRAY_SIZE(cases),
};
