/* coap.c — CoAP requests on libcoap (see coap.h). */
#include "coap.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <coap3/coap.h>

#define REPLY_MAX (256u * 1024u)	/* a bigger answer is cut: keur reads, it does not collect */

/* libcoap 4.3.1's handlers get no user pointer of ours: requests run one at a time per process. */
static struct kcoap_reply *pending;
static int done, foreign;
static uint8_t pending_token[8];
static size_t pending_tlen;

static long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int kcoap_init(void)
{
	coap_startup();
	coap_set_log_level(LOG_EMERG);
	coap_dtls_set_log_level(LOG_EMERG);
	return 0;
}

void kcoap_cleanup(void)
{
	coap_cleanup();
}

const char *kcoap_method_name(enum kcoap_method m)
{
	switch (m) {
	case KCOAP_GET: return "GET";
	case KCOAP_POST: return "POST";
	case KCOAP_PUT: return "PUT";
	case KCOAP_DELETE: return "DELETE";
	case KCOAP_IPATCH: return "iPATCH";
	}
	return "?";
}

static coap_response_t on_response(coap_session_t *s, const coap_pdu_t *sent, const coap_pdu_t *got, const coap_mid_t mid)
{
	const uint8_t *data;
	size_t len, off, total;
	coap_pdu_code_t code = coap_pdu_get_code(got);

	(void)s;
	(void)sent;
	(void)mid;
	if (!pending || done)
		return COAP_RESPONSE_OK;
	coap_bin_const_t tok = coap_pdu_get_token(got);
	if (tok.length != pending_tlen || (tok.length && memcmp(tok.s, pending_token, tok.length))) {
		foreign++;	/* an answer for another request (or a device that mixes tokens up): not ours */
		return COAP_RESPONSE_OK;
	}
	pending->outcome = KCOAP_ANSWERED;
	pending->code = (int)COAP_RESPONSE_CLASS(code) * 100 + (code & 0x1f);
	if (coap_get_data_large(got, &len, &data, &off, &total) && len) {
		size_t take = len < REPLY_MAX ? len : REPLY_MAX;
		free(pending->data);
		if ((pending->data = malloc(take + 1))) {
			memcpy(pending->data, data, take);
			pending->data[take] = '\0';
			pending->len = take;
		}
	}
	done = 1;
	return COAP_RESPONSE_OK;
}

static void on_nack(coap_session_t *s, const coap_pdu_t *sent, const coap_nack_reason_t reason, const coap_mid_t mid)
{
	(void)s;
	(void)sent;
	(void)mid;
	if (!pending || done)
		return;
	if (reason == COAP_NACK_RST) {
		pending->outcome = KCOAP_RESET;
	} else if (reason == COAP_NACK_TLS_FAILED) {
		pending->outcome = KCOAP_DTLS_FAILED;
	} else if (reason == COAP_NACK_ICMP_ISSUE || reason == COAP_NACK_NOT_DELIVERABLE) {
		pending->outcome = KCOAP_UNREACHABLE;
	} else {
		pending->outcome = KCOAP_SILENT;
	}
	done = 1;
}

void kcoap_reply_free(struct kcoap_reply *r)
{
	free(r->data);
	r->data = NULL;
	r->len = 0;
}

static int resolve(const struct kcoap_target *t, coap_address_t *dst)
{
	coap_address_init(dst);
	if (inet_pton(AF_INET, t->host, &dst->addr.sin.sin_addr) == 1) {
		dst->addr.sin.sin_family = AF_INET;
		dst->addr.sin.sin_port = htons((uint16_t)t->port);
		dst->size = sizeof(dst->addr.sin);
		return 0;
	}
	if (inet_pton(AF_INET6, t->host, &dst->addr.sin6.sin6_addr) == 1) {
		dst->addr.sin6.sin6_family = AF_INET6;
		dst->addr.sin6.sin6_port = htons((uint16_t)t->port);
		dst->size = sizeof(dst->addr.sin6);
		return 0;
	}
	return -1;
}

int kcoap_request(const struct kcoap_target *t, enum kcoap_method m, const char *path, const void *payload,
		  size_t plen, struct kcoap_reply *r)
{
	coap_context_t *ctx = NULL;
	coap_session_t *s = NULL;
	coap_pdu_t *pdu;
	coap_address_t dst;
	coap_optlist_t *opts = NULL;
	unsigned char pathbuf[512];
	size_t buflen = sizeof(pathbuf);
	long t0 = mono_ms();

	memset(r, 0, sizeof(*r));
	r->outcome = KCOAP_LOCAL_ERROR;
	if (resolve(t, &dst) < 0) {
		snprintf(r->detail, sizeof(r->detail), "'%s' is not a numeric address", t->host);
		return -1;
	}
	if (!(ctx = coap_new_context(NULL))) {
		snprintf(r->detail, sizeof(r->detail), "cannot make a CoAP context");
		return -1;
	}
	coap_context_set_block_mode(ctx, COAP_BLOCK_USE_LIBCOAP | COAP_BLOCK_SINGLE_BODY);
	coap_register_response_handler(ctx, on_response);
	coap_register_nack_handler(ctx, on_nack);
	if (t->dtls) {
		coap_dtls_cpsk_t psk;
		memset(&psk, 0, sizeof(psk));
		psk.version = COAP_DTLS_CPSK_SETUP_VERSION;
		psk.psk_info.identity.s = (const uint8_t *)(t->psk_identity ? t->psk_identity : "");
		psk.psk_info.identity.length = t->psk_identity ? strlen(t->psk_identity) : 0;
		psk.psk_info.key.s = (const uint8_t *)(t->psk_key ? t->psk_key : "");
		psk.psk_info.key.length = t->psk_key ? strlen(t->psk_key) : 0;
		s = coap_new_client_session_psk2(ctx, NULL, &dst, COAP_PROTO_DTLS, &psk);
	} else {
		s = coap_new_client_session(ctx, NULL, &dst, COAP_PROTO_UDP);
	}
	if (!s) {
		snprintf(r->detail, sizeof(r->detail), "cannot open a CoAP%s session", t->dtls ? "s (DTLS)" : "");
		goto out;
	}
	/* One try per timeout: a slow DUT gets its full timeout, not libcoap's retransmission plan. */
	coap_session_set_max_retransmit(s, 0);
	coap_session_set_ack_timeout(s, (coap_fixed_point_t){ (uint16_t)(t->timeout_ms / 1000), (uint16_t)(t->timeout_ms % 1000) });
	pdu = coap_pdu_init(COAP_MESSAGE_CON, (coap_pdu_code_t)m, coap_new_message_id(s), coap_session_max_pdu_size(s));
	if (!pdu) {
		snprintf(r->detail, sizeof(r->detail), "cannot make a CoAP message");
		goto out;
	}
	uint8_t token[8];
	size_t tlen;
	coap_session_new_token(s, &tlen, token);
	coap_add_token(pdu, tlen, token);
	memcpy(pending_token, token, tlen);
	pending_tlen = tlen;
	foreign = 0;
	const char *p = path[0] == '/' ? path + 1 : path;
	if (*p) {
		int n = coap_split_path((const uint8_t *)p, strlen(p), pathbuf, &buflen);
		unsigned char *b = pathbuf;
		while (n--) {
			coap_insert_optlist(&opts, coap_new_optlist(COAP_OPTION_URI_PATH, coap_opt_length(b), coap_opt_value(b)));
			b += coap_opt_size(b);
		}
		coap_add_optlist_pdu(pdu, &opts);
	}
	if (payload && plen)
		coap_add_data_large_request(s, pdu, plen, payload, NULL, NULL);
	pending = r;
	done = 0;
	r->outcome = KCOAP_SILENT;
	if (coap_send(s, pdu) == COAP_INVALID_MID) {
		snprintf(r->detail, sizeof(r->detail), "the request could not be sent");
		r->outcome = KCOAP_LOCAL_ERROR;
		goto out;
	}
	while (!done) {
		long left = t->timeout_ms - (mono_ms() - t0);
		if (left <= 0)
			break;
		if (coap_io_process(ctx, (uint32_t)(left < 100 ? left : 100)) < 0)
			break;
	}
	r->ms = mono_ms() - t0;
	if (r->outcome == KCOAP_ANSWERED)
		snprintf(r->detail, sizeof(r->detail), "%d.%02d%s%.*s%s", r->code / 100, r->code % 100,
			 r->len ? " \"" : "", r->len > 60 ? 60 : (int)r->len, r->data ? (char *)r->data : "",
			 r->len ? (r->len > 60 ? "...\"" : "\"") : "");
	else
		snprintf(r->detail, sizeof(r->detail), "%s",
			 r->outcome == KCOAP_RESET ? "reset (RST)"
			 : r->outcome == KCOAP_DTLS_FAILED ? "DTLS handshake failed"
			 : r->outcome == KCOAP_UNREACHABLE ? "unreachable (ICMP: nothing listens there)"
			 : foreign ? "no answer within the timeout (only answers with another token)"
			 : "no answer within the timeout");
out:
	pending = NULL;
	coap_delete_optlist(opts);
	if (s)
		coap_session_release(s);
	coap_free_context(ctx);
	return r->outcome == KCOAP_LOCAL_ERROR ? -1 : 0;
}

void kcoap_links(const char *doc, void (*fn)(void *arg, const char *path), void *arg)
{
	for (const char *p = doc; p && (p = strchr(p, '<'));) {
		const char *e = strchr(p, '>');
		char path[256];

		if (!e)
			return;
		snprintf(path, sizeof(path), "%.*s", (int)(e - p - 1 < 255 ? e - p - 1 : 255), p + 1);
		if (path[0])
			fn(arg, path);
		/* to the next entry: after the next comma outside quotes */
		int q = 0;
		for (p = e; *p && (q || *p != ','); p++)
			if (*p == '"')
				q = !q;
	}
}
