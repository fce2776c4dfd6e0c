/* coap.h — keur's CoAP client on libcoap (OpenSSL for DTLS): one request, one answer, within a
 * timeout; plain UDP or DTLS with a pre-shared key.  Used inside a case's child process only
 * (kcoap_init() initialises libcoap).  Prefix kcoap_: libcoap owns coap_. */
#ifndef KEUR_COAP_H
#define KEUR_COAP_H

#include <stddef.h>

struct kcoap_target {
	const char *host;	/* numeric address */
	int port;
	int dtls;
	const char *psk_identity, *psk_key;	/* DTLS-PSK; NULL: plain (or DTLS without a key) */
	int timeout_ms;
};

enum kcoap_method { KCOAP_GET = 1, KCOAP_POST = 2, KCOAP_PUT = 3, KCOAP_DELETE = 4, KCOAP_IPATCH = 7 };

enum kcoap_outcome {
	KCOAP_ANSWERED,		/* a response (code in .code) */
	KCOAP_RESET,		/* the server sent RST */
	KCOAP_SILENT,		/* nothing within the timeout */
	KCOAP_UNREACHABLE,	/* the network said no (ICMP port unreachable ...) */
	KCOAP_DTLS_FAILED,	/* the DTLS handshake failed */
	KCOAP_LOCAL_ERROR,
};

struct kcoap_reply {
	enum kcoap_outcome outcome;
	int code;		/* class * 100 + detail: 205 is 2.05 Content; 0 without an answer */
	unsigned char *data;	/* the payload (all blocks), NUL-terminated; free with kcoap_reply_free() */
	size_t len;
	long ms;
	char detail[200];	/* one line for transcripts */
};

int kcoap_init(void);
void kcoap_cleanup(void);

/* Sends one confirmable request (payload may be NULL) and waits for the answer; block-wise
 * transfers are reassembled.  Always fills *r; returns 0, or -1 on KCOAP_LOCAL_ERROR. */
int kcoap_request(const struct kcoap_target *t, enum kcoap_method m, const char *path, const void *payload,
		  size_t plen, struct kcoap_reply *r);
void kcoap_reply_free(struct kcoap_reply *r);

const char *kcoap_method_name(enum kcoap_method m);

/* Calls fn for each resource path in a link-format document (RFC 6690): "</a/b>;rt=..,</c>". */
void kcoap_links(const char *doc, void (*fn)(void *arg, const char *path), void *arg);

#endif
