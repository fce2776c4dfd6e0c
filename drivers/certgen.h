/* certgen.h — certificates made on the spot (OpenSSL): server certificates for keur playing a
 * broker or another server that a client DUT connects to (self-signed, issued for another name,
 * expired, or genuine from the lab's CA), and client certificates for keur connecting to a
 * server that wants one (Modbus/TCP Security, with or without a role).  Used inside a case's
 * child process only. */
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

/* A client certificate (X509 *) and its fresh P-256 key (EVP_PKEY *), issued by the CA in spec
 * (ca_cert, ca_key), or by a throwaway CA of keur's own when ca_cert is NULL ("another CA").
 * role, when not NULL, goes into the Modbus/TCP Security role extension (OID
 * 1.3.6.1.4.1.50316.802.1, a UTF8String).  0, or -1 with the reason in detail; detail says
 * what was made.  Free with certgen_free_identity(). */
int certgen_client(const struct certgen_spec *spec, const char *role, void **cert, void **key, char *detail,
		   size_t len);
void certgen_free_identity(void *cert, void *key);

#endif
