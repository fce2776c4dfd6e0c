/* dtls.h — keur's DTLS client (OpenSSL) for CoAP over DTLS: handshakes with a chosen version
 * range and suite list, at security level 0 so that legacy versions and weak suites can be
 * offered on purpose; a pre-shared key or none (certificate suites); the server's certificate;
 * application data both ways; and the last datagram sent, kept byte for byte so that it can be
 * sent again unchanged (COAP-REPLAY-001).  Used inside a case's child process only. */
#ifndef KEUR_DTLS_H
#define KEUR_DTLS_H

#include <stddef.h>

#include "tls.h"	/* enum tls_result */

enum dtls_version { DTLS_V1_0, DTLS_V1_2, DTLS_NVERSIONS };

struct dtls_target {
	const char *host;	/* numeric address */
	int port;
	const char *psk_identity, *psk_key;	/* the key as the bytes of the string (as libcoap takes it) */
	int timeout_ms;		/* the whole handshake; each read */
};

struct dtls_session;

const char *dtls_version_name(enum dtls_version v);

/* One handshake with a version in vmin..vmax offering ciphers (an OpenSSL list; NULL: every
 * PSK suite when t has a key, else every suite that is not PSK).  TLS_ACCEPTED leaves the
 * session in *out when out is not NULL; otherwise what happened is in detail. */
enum tls_result dtls_handshake(const struct dtls_target *t, enum dtls_version vmin, enum dtls_version vmax,
			       const char *ciphers, char *detail, size_t len, struct dtls_session **out);

/* Every suite in list (colon-separated) that the server accepts, found by offering what remains
 * and taking out the one it picks.  found(arg, name) for each; the number found, or a negative
 * enum tls_result when the first handshake could not be decided. */
int dtls_accepted_suites(const struct dtls_target *t, const char *list, void (*found)(void *arg, const char *name),
			 void *arg, char *detail, size_t len);

/* The suites this OpenSSL can offer over DTLS that tls_suite_weak() calls weak: the PSK ones
 * (psk) or the others; colon-separated, "" if none. */
const char *dtls_weak_suites(int psk);

/* The server's certificate on a certificate handshake, judged as tls_cert_judge() does; the
 * handshake may fail after the certificate arrived (a server that wants a client certificate).
 * 0 when a certificate was seen, else a negative enum tls_result (TLS_NO_SESSION: none came). */
int dtls_cert_audit(const struct dtls_target *t, const char *name, const char *ca_file, char *findings, size_t flen,
		    char *summary, size_t slen, const char *pem_out);

const char *dtls_session_cipher(const struct dtls_session *s);
/* Application data: 0 or -1. */
int dtls_send(struct dtls_session *s, const void *buf, size_t len);
/* One record's data within ms: its length, 0 on timeout, -1 when the session ended. */
long dtls_recv(struct dtls_session *s, void *buf, size_t cap, int ms);
/* The last datagram the session sent, as it went on the wire. */
const unsigned char *dtls_last_datagram(const struct dtls_session *s, size_t *len);
/* Sends bytes on the session's socket as they are, bypassing DTLS: 0 or -1. */
int dtls_send_raw(struct dtls_session *s, const void *buf, size_t len);
void dtls_close(struct dtls_session *s);

#endif
