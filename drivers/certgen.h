/* certgen.h — server certificates made on the spot (OpenSSL), for keur playing a broker or
 * another server that a client DUT connects to: self-signed, issued for another name, expired,
 * or genuine (from the lab's CA).  Used inside a case's child process only. */
#ifndef KEUR_CERTGEN_H
#define KEUR_CERTGEN_H

#include <stddef.h>

struct certgen_spec {
	const char *name;	/* put in the CN and the subjectAltName (IP: or DNS:) */
	long not_before_s;	/* validity, as seconds from now (negative: in the past) */
	long not_after_s;
	const char *ca_cert;	/* PEM file of the issuing CA; NULL: self-signed */
	const char *ca_key;
};

/* A TLS server context (an SSL_CTX *) with a fresh P-256 key and a certificate made to spec,
 * TLS 1.2 and up; NULL with the reason in detail.  Free with certgen_free(). */
void *certgen_server_ctx(const struct certgen_spec *spec, char *detail, size_t len);
void certgen_free(void *ssl_ctx);

#endif
