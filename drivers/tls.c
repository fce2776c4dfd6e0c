/* tls.c — TLS probes with OpenSSL, each with its own security level and version range. */
#include "tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

static const int proto[TLS_NVERSIONS] = { TLS1_VERSION, TLS1_1_VERSION, TLS1_2_VERSION, TLS1_3_VERSION };

static struct {
	char **names;
	size_t n;
	int done;
} suites[TLS_NVERSIONS];

const char *tls_version_name(enum tls_version v)
{
	static const char *const names[TLS_NVERSIONS] = { "TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3" };
	return (unsigned)v < TLS_NVERSIONS ? names[v] : "?";
}

int tls_tcp_connect(const struct tls_target *t, char *detail, size_t len, enum tls_result *why)
{
	struct addrinfo hints, *res = NULL;
	char port[16];
	int fd = -1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%d", t->port);
	if (getaddrinfo(t->host, port, &hints, &res) != 0 || !res) {
		snprintf(detail, len, "cannot resolve %s", t->host);
		*why = TLS_UNREACHABLE;
		return -1;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) < 0 && errno != EINPROGRESS) {
		snprintf(detail, len, "TCP connect failed: %s", strerror(errno));
		goto bad;
	}
	struct pollfd pf = { .fd = fd, .events = POLLOUT };
	int err = 0;
	socklen_t el = sizeof(err);
	if (poll(&pf, 1, t->timeout_ms) <= 0) {
		snprintf(detail, len, "TCP connect: no answer within %d ms", t->timeout_ms);
		*why = TLS_TIMEOUT;
		close(fd);
		freeaddrinfo(res);
		return -1;
	}
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
	if (err) {
		snprintf(detail, len, "TCP connect failed: %s", strerror(err));
		goto bad;
	}
	freeaddrinfo(res);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	struct timeval tv = { t->timeout_ms / 1000, (t->timeout_ms % 1000) * 1000 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
bad:
	*why = TLS_UNREACHABLE;
	if (fd >= 0)
		close(fd);
	freeaddrinfo(res);
	return -1;
}

/* The certificate and key keur presents when a server asks for one (tls_client_identity). */
static X509 *client_cert;
static EVP_PKEY *client_key;

void tls_client_identity(void *cert, void *key)
{
	client_cert = cert;
	client_key = key;
}

/* One client context for the process: making a context costs OpenSSL 3 more than a handshake
 * on loopback, so each probe reconfigures this one (its SSL objects copy the settings when they
 * are made, and probes run one at a time). */
static SSL_CTX *base_ctx;

/* A client context for exactly version v (or v_min..v_max) at security level 0; the caller
 * frees its reference. */
static SSL_CTX *make_ctx(enum tls_version vmin, enum tls_version vmax, const char *cipher)
{
	SSL_CTX *ctx;
	char *list = NULL;

	if (!base_ctx && !(base_ctx = SSL_CTX_new(TLS_client_method())))
		return NULL;
	ctx = base_ctx;
	SSL_CTX_up_ref(ctx);
	SSL_CTX_set_security_level(ctx, 0);
	SSL_CTX_set_options(ctx, SSL_OP_LEGACY_SERVER_CONNECT);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	if (!SSL_CTX_set_min_proto_version(ctx, proto[vmin]) || !SSL_CTX_set_max_proto_version(ctx, proto[vmax]))
		goto bad;
	if (vmax < TLS_V1_3 || vmin < TLS_V1_3) {
		/* The list may name every suite there is: no fixed-size buffer. */
		if (asprintf(&list, "%s:@SECLEVEL=0", cipher && vmax < TLS_V1_3 ? cipher : "ALL:COMPLEMENTOFALL") < 0) {
			list = NULL;
			goto bad;
		}
		if (!SSL_CTX_set_cipher_list(ctx, list))
			goto bad;
		free(list);
		list = NULL;
	}
	if (vmax == TLS_V1_3 && !SSL_CTX_set_ciphersuites(ctx, cipher ? cipher : OSSL_default_ciphersuites()))
		goto bad;
	return ctx;
bad:
	free(list);
	SSL_CTX_free(ctx);
	return NULL;
}

void tls_error_text(char *detail, size_t len, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256];

	if (e) {
		ERR_error_string_n(e, buf, sizeof(buf));
		snprintf(detail, len, "%s: %s", what, buf);
	} else {
		snprintf(detail, len, "%s: %s", what, errno ? strerror(errno) : "connection closed");
	}
	ERR_clear_error();
}

/* Connects and shakes hands; *ssl_out (when given) keeps the session open for the caller. */
static enum tls_result handshake(const struct tls_target *t, SSL_CTX *ctx, char *detail, size_t len, SSL **ssl_out)
{
	enum tls_result r = TLS_REFUSED;
	int fd = tls_tcp_connect(t, detail, len, &r);
	SSL *ssl;

	if (fd < 0)
		return r;
	ssl = SSL_new(ctx);
	if (!ssl) {
		close(fd);
		snprintf(detail, len, "SSL_new failed");
		return TLS_UNTESTABLE;
	}
	SSL_set_fd(ssl, fd);
	if (client_cert && client_key && (SSL_use_certificate(ssl, client_cert) != 1 || SSL_use_PrivateKey(ssl, client_key) != 1)) {
		SSL_free(ssl);
		close(fd);
		tls_error_text(detail, len, "the client certificate");
		return TLS_UNTESTABLE;
	}
	if (t->sni)
		SSL_set_tlsext_host_name(ssl, t->sni);
	errno = 0;
	ERR_clear_error();
	int ok = SSL_connect(ssl);
	if (ok == 1) {
		snprintf(detail, len, "%s with %s", SSL_get_version(ssl), SSL_get_cipher_name(ssl));
		r = TLS_ACCEPTED;
	} else if (SSL_get_error(ssl, ok) == SSL_ERROR_WANT_READ || SSL_get_error(ssl, ok) == SSL_ERROR_WANT_WRITE ||
		   (SSL_get_error(ssl, ok) == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK))) {
		/* The socket's receive timeout surfaces as "want read" on a blocking socket. */
		snprintf(detail, len, "no handshake answer within %d ms", t->timeout_ms);
		r = TLS_TIMEOUT;
	} else {
		tls_error_text(detail, len, "refused");
		r = TLS_REFUSED;
	}
	if (ssl_out && r == TLS_ACCEPTED) {
		*ssl_out = ssl;
		return r;
	}
	if (r == TLS_ACCEPTED)
		SSL_shutdown(ssl);
	SSL_free(ssl);
	close(fd);
	return r;
}

enum tls_result tls_probe(const struct tls_target *t, enum tls_version v, const char *cipher,
			  char *detail, size_t len)
{
	SSL_CTX *ctx = make_ctx(v, v, cipher);
	enum tls_result r;

	if (!ctx) {
		snprintf(detail, len, "this OpenSSL cannot offer %s%s%s", tls_version_name(v), cipher ? " with " : "",
			 cipher ? cipher : "");
		ERR_clear_error();
		return TLS_UNTESTABLE;
	}
	r = handshake(t, ctx, detail, len, NULL);
	SSL_CTX_free(ctx);
	return r;
}

void *tls_session_open(const struct tls_target *t, char *detail, size_t len, enum tls_result *r)
{
	SSL_CTX *ctx = make_ctx(TLS_V1_0, TLS_V1_3, NULL);
	SSL *ssl = NULL;

	if (!ctx) {
		snprintf(detail, len, "cannot set up a TLS client");
		*r = TLS_UNTESTABLE;
		return NULL;
	}
	*r = handshake(t, ctx, detail, len, &ssl);
	SSL_CTX_free(ctx);	/* the session keeps its own reference */
	return *r == TLS_ACCEPTED ? ssl : NULL;
}

size_t tls_suites(enum tls_version v, const char *const **names)
{
	if (!suites[v].done) {
		SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
		suites[v].done = 1;
		if (ctx) {
			SSL_CTX_set_security_level(ctx, 0);
			SSL_CTX_set_cipher_list(ctx, "ALL:COMPLEMENTOFALL:@SECLEVEL=0");
			STACK_OF(SSL_CIPHER) *sk = SSL_CTX_get_ciphers(ctx);
			for (int i = 0; sk && i < sk_SSL_CIPHER_num(sk); i++) {
				const SSL_CIPHER *c = sk_SSL_CIPHER_value(sk, i);
				const char *name = SSL_CIPHER_get_name(c), *ver = SSL_CIPHER_get_version(c);
				int is13 = !strncmp(name, "TLS_", 4);
				if (strstr(name, "PSK") || strstr(name, "SRP"))
					continue;
				if ((v == TLS_V1_3) != is13)
					continue;
				/* Suites that need TLS 1.2 (GCM, SHA-256 MACs ...) are not offered in 1.0/1.1. */
				if (v < TLS_V1_2 && !strcmp(ver, "TLSv1.2"))
					continue;
				suites[v].names = realloc(suites[v].names, (suites[v].n + 1) * sizeof(char *));
				suites[v].names[suites[v].n++] = strdup(name);
			}
			SSL_CTX_free(ctx);
		}
	}
	*names = (const char *const *)suites[v].names;
	return suites[v].n;
}

int tls_accepted_suites(const struct tls_target *t, enum tls_version v,
			void (*found)(void *arg, const char *name), void *arg, char *detail, size_t len)
{
	const char *const *all;
	size_t n = tls_suites(v, &all), left = n, count = 0;
	char *offered = calloc(n ? n : 1, 1);	/* 1: still offered */
	char *list = NULL;

	if (!offered)
		return TLS_UNTESTABLE;
	memset(offered, 1, n);
	for (;;) {
		size_t size = 1;
		for (size_t i = 0; i < n; i++)
			if (offered[i])
				size += strlen(all[i]) + 1;
		char *nl = realloc(list, size);
		if (!nl)
			break;
		list = nl;	/* before any break: realloc may have moved it, and list is freed below */
		if (left == 0)
			break;
		list[0] = '\0';
		for (size_t i = 0; i < n; i++)
			if (offered[i]) {
				strcat(list, list[0] ? ":" : "");
				strcat(list, all[i]);
			}
		SSL_CTX *ctx = make_ctx(v, v, list);
		SSL *ssl = NULL;
		if (!ctx)
			break;
		enum tls_result r = handshake(t, ctx, detail, len, &ssl);
		SSL_CTX_free(ctx);
		if (r != TLS_ACCEPTED) {
			if (count == 0 && r != TLS_REFUSED) {
				free(list);
				free(offered);
				return r;
			}
			break;	/* the server takes none of what is left */
		}
		const char *picked = SSL_get_cipher_name(ssl);
		size_t i;
		for (i = 0; i < n && (!offered[i] || strcmp(all[i], picked)); i++)
			;
		int fd = SSL_get_fd(ssl);
		if (i < n) {
			offered[i] = 0;
			left--;
			count++;
			found(arg, all[i]);
		}
		SSL_shutdown(ssl);
		SSL_free(ssl);
		close(fd);
		if (i == n)
			break;	/* it picked something we did not offer: stop rather than loop */
	}
	free(list);
	free(offered);
	return (int)count;
}

int tls_suite_weak(const char *name, char *why, size_t len)
{
	static const struct { const char *part, *what; } weak[] = {
		{ "NULL", "no encryption (NULL)" }, { "ADH-", "anonymous (no server authentication)" },
		{ "AECDH-", "anonymous (no server authentication)" }, { "EXP", "export grade" },
		{ "RC4", "RC4" }, { "DES-CBC3", "3DES" }, { "3DES", "3DES" }, { "DES-CBC-", "single DES" },
	};

	for (size_t i = 0; i < sizeof(weak) / sizeof(weak[0]); i++)
		if (strstr(name, weak[i].part) && !(strstr(name, "3DES") && !strcmp(weak[i].part, "DES-CBC-"))) {
			snprintf(why, len, "%s", weak[i].what);
			return 1;
		}
	return 0;
}

static void asn1_time(const ASN1_TIME *t, char *buf, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	int n;

	buf[0] = '\0';
	if (!b)
		return;
	ASN1_TIME_print(b, t);
	n = BIO_read(b, buf, (int)len - 1);
	buf[n > 0 ? n : 0] = '\0';
	BIO_free(b);
}

static void add_line(char *buf, size_t len, const char *line)
{
	size_t n = strlen(buf);
	snprintf(buf + n, len - n, "%s%s", n ? "\n" : "", line);
}

int tls_cert_judge(const void *cert_, const void *chain_, const char *name, const char *ca_file,
		   char *findings, size_t flen, char *summary, size_t slen, const char *pem_out)
{
	X509 *cert = (X509 *)cert_;
	STACK_OF(X509) *chain = (STACK_OF(X509) *)chain_;
	char line[512], nb[64], na[64];

	findings[0] = summary[0] = '\0';
	if (!cert) {
		add_line(findings, flen, "the server presented no certificate");
		snprintf(summary, slen, "no certificate");
		return -1;
	}
	if (pem_out) {
		FILE *f = fopen(pem_out, "w");
		if (f && (!chain || !sk_X509_num(chain)))
			PEM_write_X509(f, cert);
		for (int i = 0; f && chain && i < sk_X509_num(chain); i++)
			PEM_write_X509(f, sk_X509_value(chain, i));
		if (f)
			fclose(f);
	}
	/* Dates. */
	asn1_time(X509_get0_notBefore(cert), nb, sizeof(nb));
	asn1_time(X509_get0_notAfter(cert), na, sizeof(na));
	if (X509_cmp_current_time(X509_get0_notAfter(cert)) < 0) {
		snprintf(line, sizeof(line), "expired: valid until %s", na);
		add_line(findings, flen, line);
	}
	if (X509_cmp_current_time(X509_get0_notBefore(cert)) > 0) {
		snprintf(line, sizeof(line), "not yet valid: valid from %s", nb);
		add_line(findings, flen, line);
	}
	/* Key. */
	EVP_PKEY *pk = X509_get0_pubkey(cert);
	int bits = pk ? EVP_PKEY_get_bits(pk) : 0, id = pk ? EVP_PKEY_get_base_id(pk) : 0;
	const char *kt = id == EVP_PKEY_RSA ? "RSA" : id == EVP_PKEY_EC ? "EC" : id == EVP_PKEY_ED25519 ? "Ed25519" :
			 id == EVP_PKEY_DSA ? "DSA" : "other";
	if ((id == EVP_PKEY_RSA && bits < 2048) || (id == EVP_PKEY_EC && bits < 256) || id == EVP_PKEY_DSA) {
		snprintf(line, sizeof(line), "weak key: %s with %d bits", kt, bits);
		add_line(findings, flen, line);
	}
	/* Signature. */
	int signid = X509_get_signature_nid(cert), mdnid = NID_undef, pknid = NID_undef;
	OBJ_find_sigid_algs(signid, &mdnid, &pknid);
	if (mdnid == NID_sha1 || mdnid == NID_md5 || mdnid == NID_md4) {
		snprintf(line, sizeof(line), "weak signature: %s", OBJ_nid2ln(signid));
		add_line(findings, flen, line);
	}
	/* Name. */
	if (name) {
		unsigned char ip[16];
		int match = inet_pton(AF_INET, name, ip) == 1 || inet_pton(AF_INET6, name, ip) == 1
				    ? X509_check_ip_asc(cert, name, 0) == 1
				    : X509_check_host(cert, name, 0, 0, NULL) == 1;
		if (!match) {
			char subj[256];
			X509_NAME_oneline(X509_get_subject_name(cert), subj, sizeof(subj));
			snprintf(line, sizeof(line), "name mismatch: issued to %s, not to the declared host %s", subj, name);
			add_line(findings, flen, line);
		}
	}
	/* Chain to the CA the DUT description names (dates are judged above, not twice). */
	if (ca_file) {
		X509_STORE *store = X509_STORE_new();
		X509_STORE_CTX *sc = X509_STORE_CTX_new();
		if (store && sc && X509_STORE_load_file(store, ca_file) == 1 && X509_STORE_CTX_init(sc, store, cert, chain) == 1) {
			X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(sc), X509_V_FLAG_NO_CHECK_TIME);
			if (X509_verify_cert(sc) != 1) {
				snprintf(line, sizeof(line), "does not chain to the declared CA: %s",
					 X509_verify_cert_error_string(X509_STORE_CTX_get_error(sc)));
				add_line(findings, flen, line);
			}
		} else {
			add_line(findings, flen, "the declared CA file could not be read");
		}
		X509_STORE_CTX_free(sc);
		X509_STORE_free(store);
		ERR_clear_error();
	}
	{
		char subj[200], iss[200];
		X509_NAME_oneline(X509_get_subject_name(cert), subj, sizeof(subj));
		X509_NAME_oneline(X509_get_issuer_name(cert), iss, sizeof(iss));
		snprintf(summary, slen, "subject %s, issuer %s, %s %d bits, %s, valid %s to %s", subj, iss, kt, bits,
			 OBJ_nid2ln(signid), nb, na);
	}
	return 0;
}

int tls_cert_audit(const struct tls_target *t, const char *name, const char *ca_file,
		   char *findings, size_t flen, char *summary, size_t slen, const char *pem_out)
{
	SSL_CTX *ctx = make_ctx(TLS_V1_0, TLS_V1_3, NULL);
	SSL *ssl = NULL;
	char detail[256];
	enum tls_result r;

	findings[0] = summary[0] = '\0';
	if (!ctx)
		return TLS_UNTESTABLE;
	r = handshake(t, ctx, detail, sizeof(detail), &ssl);
	if (r != TLS_ACCEPTED) {
		snprintf(summary, slen, "%s", detail);
		SSL_CTX_free(ctx);
		return r == TLS_REFUSED ? TLS_NO_SESSION : r;
	}
	X509 *cert = SSL_get1_peer_certificate(ssl);
	tls_cert_judge(cert, SSL_get_peer_cert_chain(ssl), name, ca_file, findings, flen, summary, slen, pem_out);
	X509_free(cert);
	SSL_shutdown(ssl);
	int fd = SSL_get_fd(ssl);
	SSL_free(ssl);
	if (fd >= 0)
		close(fd);
	SSL_CTX_free(ctx);
	return 0;
}

void tls_cleanup(void)
{
	SSL_CTX_free(base_ctx);
	base_ctx = NULL;
	for (int v = 0; v < TLS_NVERSIONS; v++) {
		for (size_t i = 0; i < suites[v].n; i++)
			free(suites[v].names[i]);
		free(suites[v].names);
		suites[v].names = NULL;
		suites[v].n = 0;
		suites[v].done = 0;
	}
}
