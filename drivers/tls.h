/* tls.h — keur's TLS prober (OpenSSL): one handshake per protocol version, or per version and
 * cipher suite, including legacy versions and suites that the system's OpenSSL policy switches
 * off (each probe sets its own security level and version range), and a look at the server's
 * certificate.  Protocol-neutral: MQTT, CoAP over DTLS and Modbus/TCP Security share it.
 * Used inside a case's child process only. */
#ifndef KEUR_TLS_H
#define KEUR_TLS_H

#include <stddef.h>

enum tls_version { TLS_V1_0, TLS_V1_1, TLS_V1_2, TLS_V1_3, TLS_NVERSIONS };

struct tls_target {
	const char *host;	/* numeric address or name to connect to */
	int port;
	const char *sni;	/* server name to send; NULL: none */
	int timeout_ms;		/* connect plus handshake */
};

enum tls_result {
	TLS_ACCEPTED = 1,	/* the handshake completed */
	TLS_REFUSED = 0,	/* the server refused it (an alert, or it closed) */
	TLS_UNREACHABLE = -1,	/* no TCP connection */
	TLS_TIMEOUT = -2,	/* no answer within the timeout */
	TLS_UNTESTABLE = -3,	/* this OpenSSL cannot offer what was asked */
	TLS_NO_SESSION = -4,	/* (tls_cert_audit) the server completed no handshake */
};

const char *tls_version_name(enum tls_version v);

/* A TCP connection to t within its timeout, left blocking with that timeout on reads and writes:
 * the fd, or -1 with detail and *why (TLS_UNREACHABLE or TLS_TIMEOUT).  Used for plain streams too. */
int tls_tcp_connect(const struct tls_target *t, char *detail, size_t len, enum tls_result *why);

/* One handshake with exactly version v; cipher is one suite (OpenSSL name) or NULL for all
 * that the version allows.  detail gets a short description of what happened. */
enum tls_result tls_probe(const struct tls_target *t, enum tls_version v, const char *cipher,
			  char *detail, size_t len);

/* The suites this OpenSSL can offer for version v (PSK and SRP suites left out: they need
 * shared secrets).  Returns how many; names stay valid until tls_cleanup(). */
size_t tls_suites(enum tls_version v, const char *const **names);
/* Every suite of version v the server accepts, found by offering all that remain and taking
 * out the one it picks until it picks none (accepted + 1 handshakes, not one per suite).
 * Calls found(arg, name) for each.  The number found, or a negative enum tls_result when the
 * first handshake could not be decided (unreachable, timeout). */
int tls_accepted_suites(const struct tls_target *t, enum tls_version v,
			void (*found)(void *arg, const char *name), void *arg, char *detail, size_t len);

/* Is this suite weak: NULL encryption, anonymous, export, RC4, DES or 3DES?  The reason in why. */
int tls_suite_weak(const char *name, char *why, size_t len);

/* What is wrong with the server's certificate (never judged without a completed handshake): expired or not yet valid, RSA under 2048 or EC
 * under 256 bits, SHA-1 or MD5 signature, not issued for name, not chaining to ca_file (when
 * given).  Each finding is one line in findings (empty when sound); summary describes the
 * certificate.  pem_out, when not NULL, receives the chain in PEM.
 * 0 when a certificate was seen, or a negative enum tls_result (TLS_NO_SESSION when the server
 * refused every handshake). */
int tls_cert_audit(const struct tls_target *t, const char *name, const char *ca_file,
		   char *findings, size_t flen, char *summary, size_t slen, const char *pem_out);

/* The same judgement on a certificate already in hand (an X509 * and its STACK_OF(X509) *, as
 * void * so that callers need no OpenSSL headers): used for DTLS.  0, or -1 without a certificate. */
int tls_cert_judge(const void *cert, const void *chain, const char *name, const char *ca_file,
		   char *findings, size_t flen, char *summary, size_t slen, const char *pem_out);

/* A TLS session to t with any version the server picks, the certificate not verified: for
 * cases that test what comes after the handshake.  Returns an SSL * (as void *, so callers need
 * no OpenSSL headers) on TLS_ACCEPTED, else NULL with *r and detail saying why. */
void *tls_session_open(const struct tls_target *t, char *detail, size_t len, enum tls_result *r);

/* The certificate (X509 *) and key (EVP_PKEY *) that every later handshake presents when the
 * server asks for one (Modbus/TCP Security); NULL, NULL: none.  The caller keeps them alive. */
void tls_client_identity(void *cert, void *key);

/* "what: REASON" from OpenSSL's error queue (or errno), which it then clears. */
void tls_error_text(char *detail, size_t len, const char *what);

void tls_cleanup(void);

#endif
