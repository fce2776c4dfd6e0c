/* coap_server.c — the device's CoAP server (libcoap, OpenSSL): coap:// answers reads only;
 * writes need a DTLS session (PSK, or a client certificate from the lab CA), unless the device
 * has --flaw open-write.  Beside a coaps:// endpoint, coap:// shows only /.well-known/core and
 * answers every resource with 4.01, unless the device has --flaw no-tls or open-write (and
 * --flaw amplifier answers GET /diag there).
 *
 * Resources: /sensors/temp (GET, observable), /actuators/relay (GET, PUT 0|1), /setpoint (GET,
 * PUT °C), /config (GET, PUT "report-interval=N" or "mode=N"), /diag (GET: a short status; 1 KiB
 * with --flaw amplifier), and /.well-known/core. */
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <coap3/coap.h>

#include "server.h"

struct cosrv {
	struct simdev *d;
	coap_context_t *ctx;
	coap_resource_t *temp;
	coap_bin_const_t psk_key, admin_key;
	char *identity;
	double last_temp;
	int dtls;		/* a coaps:// endpoint is up: plain CoAP serves nothing */
};

static struct cosrv *the;	/* libcoap handlers have no user pointer of ours in 4.3.1 */

static int authenticated(coap_session_t *s)
{
	return coap_session_get_proto(s) == COAP_PROTO_DTLS;
}

/* Reads without DTLS: always without a coaps:// endpoint; beside one only on a device whose
 * flaws open plain CoAP (no-tls, open-write). */
static int plain_reads(void)
{
	return !the->dtls || has_flaw(the->d, FLAW_NO_TLS) || has_flaw(the->d, FLAW_OPEN_WRITE);
}

static int refuse(coap_session_t *s, coap_pdu_t *resp, int write)
{
	if (!simdev_local_ok(the->d)) {
		coap_pdu_set_code(resp, COAP_RESPONSE_CODE_SERVICE_UNAVAILABLE);
		return 1;
	}
	if (!authenticated(s) && ((write && !has_flaw(the->d, FLAW_OPEN_WRITE)) || (!write && !plain_reads()))) {
		coap_pdu_set_code(resp, COAP_RESPONSE_CODE_UNAUTHORIZED);
		return 1;
	}
	return 0;
}

static void reply_text(coap_pdu_t *resp, const char *text)
{
	uint8_t buf[4];

	coap_pdu_set_code(resp, COAP_RESPONSE_CODE_CONTENT);
	coap_add_option(resp, COAP_OPTION_CONTENT_FORMAT,
			coap_encode_var_safe(buf, sizeof(buf), COAP_MEDIATYPE_TEXT_PLAIN), buf);
	coap_add_data(resp, strlen(text), (const uint8_t *)text);
}

/* The request's payload as a NUL-terminated string in buf; 0, or -1 if absent or too long. */
static int payload(const coap_pdu_t *req, char *buf, size_t len)
{
	size_t n;
	const uint8_t *data;

	if (!coap_get_data(req, &n, &data) || n == 0 || n >= len)
		return -1;
	memcpy(buf, data, n);
	buf[n] = '\0';
	return 0;
}

static void set_value(coap_session_t *s, const coap_pdu_t *req, coap_pdu_t *resp, const char *name)
{
	char v[64];

	if (refuse(s, resp, 1))
		return;
	if (payload(req, v, sizeof(v)) < 0 || simdev_set(the->d, name, v) < 0) {
		coap_pdu_set_code(resp, COAP_RESPONSE_CODE_BAD_REQUEST);
		return;
	}
	coap_pdu_set_code(resp, COAP_RESPONSE_CODE_CHANGED);
}

static void get_temp(coap_resource_t *r, coap_session_t *s, const coap_pdu_t *req,
		     const coap_string_t *q, coap_pdu_t *resp)
{
	char t[32];
	(void)r; (void)req; (void)q;
	if (refuse(s, resp, 0))
		return;
	snprintf(t, sizeof(t), "%.1f", the->d->temp);
	reply_text(resp, t);
}

static void get_relay(coap_resource_t *r, coap_session_t *s, const coap_pdu_t *req,
		      const coap_string_t *q, coap_pdu_t *resp)
{
	(void)r; (void)req; (void)q;
	if (!refuse(s, resp, 0))
		reply_text(resp, the->d->relay ? "1" : "0");
}

static void put_relay(coap_resource_t *r, coap_session_t *s, const coap_pdu_t *req,
		      const coap_string_t *q, coap_pdu_t *resp)
{
	(void)r; (void)q;
	set_value(s, req, resp, "relay");
}

static void get_setpoint(coap_resource_t *r, coap_session_t *s, const coap_pdu_t *req,
			 const coap_string_t *q, coap_pdu_t *resp)
{
	char t[32];
	(void)r; (void)req; (void)q;
	if (refuse(s, resp, 0))
		return;
	snprintf(t, sizeof(t), "%.1f", the->d->setpoint);
	reply_text(resp, t);
}

static void put_setpoint(coap_resource_t *r, coap_session_t *s, const coap_pdu_t *req,
			 const coap_string_t *q, coap_pdu_t *resp)
{
	(void)r; (void)q;
	set_value(s, req, resp, "setpoint");
}

static void get_config(coap_resource_t *r, coap_session_t *s, const coap_pdu_t *req,
		       const coap_string_t *q, coap_pdu_t *resp)
{
	char t[96];
	(void)r; (void)req; (void)q;
	if (refuse(s, resp, 0))
		return;
	snprintf(t, sizeof(t), "report-interval=%d\nmode=%d", the->d->report_interval, the->d->mode);
	reply_text(resp, t);
}

static void put_config(coap_resource_t *r, coap_session_t *s, const coap_pdu_t *req,
		       const coap_string_t *q, coap_pdu_t *resp)
{
	char v[96], *eq;
	(void)r; (void)q;

	if (refuse(s, resp, 1))
		return;
	if (payload(req, v, sizeof(v)) < 0 || !(eq = strchr(v, '=')) ||
	    (*eq = '\0', strcmp(v, "report-interval") && strcmp(v, "mode")) || simdev_set(the->d, v, eq + 1) < 0) {
		coap_pdu_set_code(resp, COAP_RESPONSE_CODE_BAD_REQUEST);
		return;
	}
	coap_pdu_set_code(resp, COAP_RESPONSE_CODE_CHANGED);
}

static void get_diag(coap_resource_t *r, coap_session_t *s, const coap_pdu_t *req,
		     const coap_string_t *q, coap_pdu_t *resp)
{
	(void)r; (void)req; (void)q;
	/* the amplifier answers anyone, beside coaps:// too */
	if (refuse(s, resp, 0) && !(has_flaw(the->d, FLAW_AMPLIFIER) && simdev_local_ok(the->d)))
		return;
	if (has_flaw(the->d, FLAW_AMPLIFIER)) {
		static char big[1025];
		if (!big[0])
			for (size_t i = 0; i < sizeof(big) - 1; i++)
				big[i] = "diagnostics-"[i % 12];
		reply_text(resp, big);
	} else {
		reply_text(resp, the->d->online ? "ok online" : "ok offline");
	}
}

/* With --flaw crash-on-malformed: a Uri-Path that is not printable text, or a GET with a
 * payload, ends the device (libcoap itself drops what is malformed at the byte level). */
static int suspicious(const coap_pdu_t *req)
{
	coap_opt_iterator_t it;
	coap_opt_t *o;
	size_t n;
	const uint8_t *data;

	if (coap_pdu_get_code(req) == COAP_REQUEST_CODE_GET && coap_get_data(req, &n, &data) && n)
		return 1;
	coap_option_iterator_init(req, &it, COAP_OPT_ALL);
	while ((o = coap_option_next(&it))) {
		if (it.number != COAP_OPTION_URI_PATH)
			continue;
		const uint8_t *v = coap_opt_value(o);
		for (unsigned i = 0; i < coap_opt_length(o); i++)
			if (v[i] < 0x20 || v[i] >= 0x7f)
				return 1;
	}
	return 0;
}

static void unknown(coap_resource_t *r, coap_session_t *s, const coap_pdu_t *req,
		    const coap_string_t *q, coap_pdu_t *resp)
{
	(void)r; (void)s; (void)q;
	if (has_flaw(the->d, FLAW_CRASH_ON_MALFORMED) && suspicious(req)) {
		simdev_log("coap: malformed request, and this device has crash-on-malformed");
		abort();
	}
	coap_pdu_set_code(resp, COAP_RESPONSE_CODE_NOT_FOUND);
}

static const coap_bin_const_t *check_identity(coap_bin_const_t *id, coap_session_t *s, void *arg)
{
	struct cosrv *c = arg;
	(void)s;
	if (id->length == strlen(c->identity) && !memcmp(id->s, c->identity, id->length))
		return &c->psk_key;
	if (has_flaw(c->d, FLAW_DEFAULT_PASSWORD) && id->length == 5 && !memcmp(id->s, "admin", 5))
		return &c->admin_key;
	simdev_log("coap: DTLS identity refused");
	return NULL;
}

static void libcoap_log(coap_log_t level, const char *message)
{
	size_t n = strlen(message);

	(void)level;
	simdev_log("coap: libcoap: %.*s", (int)(n && message[n - 1] == '\n' ? n - 1 : n), message);
}

static coap_resource_t *add(coap_context_t *ctx, const char *path, const char *rt,
			    coap_method_handler_t get, coap_method_handler_t put)
{
	coap_resource_t *r = coap_resource_init(coap_make_str_const(path), 0);

	if (get)
		coap_register_handler(r, COAP_REQUEST_GET, get);
	if (put)
		coap_register_handler(r, COAP_REQUEST_PUT, put);
	if (rt)
		coap_add_attr(r, coap_make_str_const("rt"), coap_make_str_const(rt), 0);
	coap_add_resource(ctx, r);
	return r;
}

static int endpoint(coap_context_t *ctx, const char *addr, int port, coap_proto_t proto)
{
	coap_address_t a;

	coap_address_init(&a);
	a.addr.sin.sin_family = AF_INET;
	a.addr.sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &a.addr.sin.sin_addr) != 1) {
		a.addr.sin6.sin6_family = AF_INET6;
		a.addr.sin6.sin6_port = htons((uint16_t)port);
		a.size = sizeof(a.addr.sin6);
		if (inet_pton(AF_INET6, addr, &a.addr.sin6.sin6_addr) != 1)
			return -1;
	} else {
		a.size = sizeof(a.addr.sin);
	}
	return coap_new_endpoint(ctx, &a, proto) ? 0 : -1;
}

struct cosrv *cosrv_new(struct simdev *d, const struct cosrv_opts *o)
{
	struct cosrv *c = calloc(1, sizeof(*c));

	if (!c || the)
		goto bad;
	the = c;
	c->d = d;
	c->last_temp = d->temp;
	coap_startup();
	coap_set_log_level(LOG_WARNING);
	coap_set_log_handler(libcoap_log);	/* libcoap writes warnings to stdout otherwise */
	c->ctx = coap_new_context(NULL);
	if (!c->ctx)
		goto bad;
	coap_context_set_block_mode(c->ctx, COAP_BLOCK_USE_LIBCOAP | COAP_BLOCK_SINGLE_BODY);
	if (o->dtls_port) {
		static const uint8_t admin[] = "admin";
		coap_dtls_spsk_t psk;

		if (!o->psk_identity || !o->psk_key) {
			simdev_log("coap: DTLS needs --psk-identity and --psk-key-file");
			goto bad;
		}
		c->identity = strdup(o->psk_identity);
		c->psk_key.s = (const uint8_t *)strdup(o->psk_key);
		c->psk_key.length = strlen(o->psk_key);
		c->admin_key.s = admin;
		c->admin_key.length = 5;
		memset(&psk, 0, sizeof(psk));
		psk.version = COAP_DTLS_SPSK_SETUP_VERSION;
		psk.validate_id_call_back = check_identity;
		psk.id_call_back_arg = c;
		psk.psk_info.key = c->psk_key;
		if (!coap_context_set_psk2(c->ctx, &psk))
			goto bad;
		if (o->cert && o->key) {
			coap_dtls_pki_t pki;
			memset(&pki, 0, sizeof(pki));
			pki.version = COAP_DTLS_PKI_SETUP_VERSION;
			pki.verify_peer_cert = 1;	/* a client certificate from the lab CA authenticates */
			pki.check_common_ca = 1;
			pki.cert_chain_validation = 1;
			pki.cert_chain_verify_depth = 3;
			pki.pki_key.key_type = COAP_PKI_KEY_PEM;
			pki.pki_key.key.pem.public_cert = o->cert;
			pki.pki_key.key.pem.private_key = o->key;
			pki.pki_key.key.pem.ca_file = o->ca;
			if (!coap_context_set_pki(c->ctx, &pki))
				goto bad;
		}
		if (endpoint(c->ctx, o->addr, o->dtls_port, COAP_PROTO_DTLS) < 0) {
			simdev_log("coap: cannot listen on %s:%d (DTLS)", o->addr, o->dtls_port);
			goto bad;
		}
		c->dtls = 1;
	}
	if (o->port && endpoint(c->ctx, o->addr, o->port, COAP_PROTO_UDP) < 0) {
		simdev_log("coap: cannot listen on %s:%d", o->addr, o->port);
		goto bad;
	}
	c->temp = add(c->ctx, "sensors/temp", "temperature-c", get_temp, NULL);
	coap_resource_set_get_observable(c->temp, 1);
	add(c->ctx, "actuators/relay", "relay", get_relay, put_relay);
	add(c->ctx, "setpoint", "setpoint-c", get_setpoint, put_setpoint);
	add(c->ctx, "config", "config", get_config, put_config);
	add(c->ctx, "diag", NULL, get_diag, NULL);
	coap_resource_t *u = coap_resource_unknown_init(unknown);
	coap_register_handler(u, COAP_REQUEST_GET, unknown);
	coap_register_handler(u, COAP_REQUEST_POST, unknown);
	coap_register_handler(u, COAP_REQUEST_DELETE, unknown);
	coap_add_resource(c->ctx, u);
	simdev_log("coap: listening on %s, coap %d, coaps %d", o->addr, o->port, o->dtls_port);
	return c;
bad:
	cosrv_free(c);
	return NULL;
}

int cosrv_pollfds(struct cosrv *c, struct pollfd *pf, int max)
{
	if (!c || max < 1)
		return 0;
	pf[0].fd = coap_context_get_coap_fd(c->ctx);
	pf[0].events = POLLIN;
	pf[0].revents = 0;
	return pf[0].fd >= 0 ? 1 : 0;
}

void cosrv_dispatch(struct cosrv *c, const struct pollfd *pf, int n)
{
	(void)pf;
	(void)n;
	/* Also without events: libcoap's own timers (retransmits, DTLS) need a turn. */
	if (c)
		coap_io_process(c->ctx, COAP_IO_NO_WAIT);
}

void cosrv_notify(struct cosrv *c)
{
	if (c && (c->d->temp - c->last_temp > 0.1 || c->last_temp - c->d->temp > 0.1)) {
		c->last_temp = c->d->temp;
		coap_resource_notify_observers(c->temp, NULL);
	}
}

void cosrv_free(struct cosrv *c)
{
	if (!c)
		return;
	if (c->ctx)
		coap_free_context(c->ctx);
	free(c->identity);
	free((void *)c->psk_key.s);
	if (the == c)
		the = NULL;
	free(c);
	coap_cleanup();
}
