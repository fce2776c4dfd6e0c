/* coap_dut.h — what the CoAP suites share: the unauthenticated view of a DUT's <coap> endpoint
 * and the resources to try there (what discovery lists, then what the DUT description declares). */
#ifndef KEUR_COAP_DUT_H
#define KEUR_COAP_DUT_H

#include <stdio.h>
#include <string.h>

#include "case.h"
#include "coap.h"
#include "dtls.h"

/* Plain CoAP on the endpoint's port; beside a coaps:// endpoint, on its plain-port (5683). */
static inline void coap_dut_plain(const struct dut_coap *c, struct kcoap_target *t)
{
	memset(t, 0, sizeof(*t));
	t->host = c->host;
	t->port = c->dtls ? c->plain_port : c->port;
	t->timeout_ms = c->timeout_ms;
}

/* DTLS to a coaps:// endpoint with the declared PSK (none when the DUT description gives none). */
static inline void coap_dut_dtls(const struct dut_coap *c, struct dtls_target *t)
{
	memset(t, 0, sizeof(*t));
	t->host = c->host;
	t->port = c->port;
	t->psk_identity = c->psk_identity;
	t->psk_key = c->psk_key;
	t->timeout_ms = c->timeout_ms;
}

struct coap_paths {
	char p[64][128];
	int n;
};

static inline void coap_paths_add(void *arg, const char *path)
{
	struct coap_paths *ps = arg;

	if (ps->n == 64)
		return;
	for (int i = 0; i < ps->n; i++)
		if (!strcmp(ps->p[i], path))
			return;
	snprintf(ps->p[ps->n++], sizeof(ps->p[0]), "%s", path);
}

/* Fills ps with /.well-known/core (when with_core), what it lists, and the declared resources. */
static inline void coap_dut_paths(struct keur_ctx *ctx, const struct dut_coap *c, const struct kcoap_target *t,
				  int with_core, struct coap_paths *ps)
{
	struct kcoap_reply r;

	ps->n = 0;
	if (with_core)
		coap_paths_add(ps, "/.well-known/core");
	kcoap_request(t, KCOAP_GET, "/.well-known/core", NULL, 0, &r);
	keur_note(ctx, "coap://%s:%d: GET /.well-known/core -> %s", t->host, t->port, r.detail);
	if (r.outcome == KCOAP_ANSWERED && r.code / 100 == 2)
		kcoap_links(r.data ? (char *)r.data : "", coap_paths_add, ps);
	kcoap_reply_free(&r);
	for (size_t k = 0; k < c->nresources; k++)
		coap_paths_add(ps, c->resources[k].path);
	if (!with_core)	/* listed by a device about itself: not a resource to write to */
		for (int i = 0; i < ps->n; i++)
			if (!strcmp(ps->p[i], "/.well-known/core"))
				memmove(ps->p[i], ps->p[--ps->n], sizeof(ps->p[0]));
}

#endif
