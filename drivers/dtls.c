/* dtls.c — DTLS client on OpenSSL (see dtls.h). */
#include "dtls.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "coap_wire.h"	/* coapw_socket */
#include "util.h"

static const int proto[DTLS_NVERSIONS] = { DTLS1_VERSION, DTLS1_2_VERSION };

struct dtls_session {
	SSL *ssl;
	SSL_CTX *ctx;
	int fd;
	const struct dtls_target *t;
	unsigned char last[2048];
	size_t last_len;
};

const char *dtls_version_name(enum dtls_version v)
{
	return v == DTLS_V1_0 ? "DTLS 1.0" : "DTLS 1.2";
}

/* Keeps a copy of every datagram the session writes (the last one wins). */
static long capture(BIO *b, int oper, const char *argp, size_t len, int argi, long argl, int ret, size_t *processed)
{
	struct dtls_session *s = (struct dtls_session *)BIO_get_callback_arg(b);

	(void)argi;
	(void)argl;
	if (oper == (BIO_CB_WRITE | BIO_CB_RETURN) && ret > 0 && s && processed) {
		size_t n = *processed < sizeof(s->last) ? *processed : sizeof(s->last);
		(void)len;
		memcpy(s->last, argp, n);
		s->last_len = n;
	}
	return ret;
}

static unsigned int psk_cb(SSL *ssl, const char *hint, char *identity, unsigned int max_id, unsigned char *psk,
			   unsigned int max_psk)
{
	const struct dtls_session *s = SSL_get_app_data(ssl);
	size_t il, kl;

	(void)hint;
	if (!s || !s->t->psk_identity || !s->t->psk_key)
		return 0;
	il = strlen(s->t->psk_identity);
	kl = strlen(s->t->psk_key);
	if (il + 1 > max_id || kl > max_psk)
		return 0;
	memcpy(identity, s->t->psk_identity, il + 1);
	memcpy(psk, s->t->psk_key, kl);
	return (unsigned int)kl;
}

void dtls_close(struct dtls_session *s)
{
	if (!s)
		return;
	if (s->ssl)
		SSL_free(s->ssl);	/* no close_notify: a probe does not linger */
	SSL_CTX_free(s->ctx);
	if (s->fd >= 0)
		close(s->fd);
	free(s);
	ERR_clear_error();
}

/* A session with its socket and SSL, hands not yet shaken, in *out: 0, or TLS_UNREACHABLE (no
 * socket) or TLS_UNTESTABLE (OpenSSL cannot offer that) with detail. */
static int session_new(const struct dtls_target *t, enum dtls_version vmin, enum dtls_version vmax,
		       const char *ciphers, char *detail, size_t len, struct dtls_session **out)
{
	struct dtls_session *s = xcalloc(1, sizeof(*s));
	struct sockaddr_storage peer;
	socklen_t pl = sizeof(peer);
	BIO *bio;
	char *list = NULL;
	int why = TLS_UNTESTABLE;

	*out = NULL;
	s->t = t;
	s->fd = coapw_socket(t->host, t->port);
	if (s->fd < 0 || getpeername(s->fd, (struct sockaddr *)&peer, &pl) < 0) {
		snprintf(detail, len, "no UDP socket to %s:%d", t->host, t->port);
		why = TLS_UNREACHABLE;
		goto bad;
	}
	fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) | O_NONBLOCK);
	if (!(s->ctx = SSL_CTX_new(DTLS_client_method())))
		goto openssl;
	SSL_CTX_set_security_level(s->ctx, 0);
	SSL_CTX_set_verify(s->ctx, SSL_VERIFY_NONE, NULL);
	if (!SSL_CTX_set_min_proto_version(s->ctx, proto[vmin]) || !SSL_CTX_set_max_proto_version(s->ctx, proto[vmax]))
		goto openssl;
	if (!ciphers)
		ciphers = t->psk_key ? "PSK" : "ALL:!PSK";
	if (asprintf(&list, "%s:@SECLEVEL=0", ciphers) < 0) {
		list = NULL;
		goto openssl;
	}
	if (!SSL_CTX_set_cipher_list(s->ctx, list)) {
		snprintf(detail, len, "this OpenSSL cannot offer %s", ciphers);
		ERR_clear_error();
		free(list);
		goto bad;
	}
	free(list);
	if (!(s->ssl = SSL_new(s->ctx)) || !(bio = BIO_new_dgram(s->fd, BIO_NOCLOSE)))
		goto openssl;
	BIO_ADDR *ba = BIO_ADDR_new();
	if (ba) {
		if (peer.ss_family == AF_INET)
			BIO_ADDR_rawmake(ba, AF_INET, &((struct sockaddr_in *)&peer)->sin_addr, 4,
					 ((struct sockaddr_in *)&peer)->sin_port);
		else
			BIO_ADDR_rawmake(ba, AF_INET6, &((struct sockaddr_in6 *)&peer)->sin6_addr, 16,
					 ((struct sockaddr_in6 *)&peer)->sin6_port);
		BIO_ctrl_set_connected(bio, ba);
		BIO_ADDR_free(ba);
	}
	BIO_set_callback_ex(bio, capture);
	BIO_set_callback_arg(bio, (char *)s);
	SSL_set_bio(s->ssl, bio, bio);
	SSL_set_app_data(s->ssl, s);
	if (t->psk_key)
		SSL_set_psk_client_callback(s->ssl, psk_cb);
	*out = s;
	return 0;
openssl:
	tls_error_text(detail, len, "OpenSSL");
bad:
	dtls_close(s);
	return why;
}

/* Drives SSL_connect to the end or to the deadline. */
static enum tls_result connect_loop(struct dtls_session *s, char *detail, size_t len)
{
	long deadline = (long)time_mono_ms() + s->t->timeout_ms;

	errno = 0;
	ERR_clear_error();
	for (;;) {
		int rc = SSL_connect(s->ssl), e = SSL_get_error(s->ssl, rc);

		if (rc == 1) {
			snprintf(detail, len, "%s with %s", SSL_get_version(s->ssl), SSL_get_cipher_name(s->ssl));
			return TLS_ACCEPTED;
		}
		if (e == SSL_ERROR_SYSCALL && errno == ECONNREFUSED) {
			snprintf(detail, len, "unreachable (ICMP: nothing listens on %s:%d)", s->t->host, s->t->port);
			ERR_clear_error();
			return TLS_UNREACHABLE;
		}
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE &&
		    !(e == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK || errno == 0))) {
			tls_error_text(detail, len, "refused");
			return TLS_REFUSED;
		}
		long left = deadline - (long)time_mono_ms();
		if (left <= 0) {
			snprintf(detail, len, "no handshake answer within %d ms", s->t->timeout_ms);
			return TLS_TIMEOUT;
		}
		struct timeval tv;
		int wait = (int)left;
		if (DTLSv1_get_timeout(s->ssl, &tv)) {
			long t = (long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
			if (t < wait)
				wait = (int)t;
		}
		struct pollfd pf = { .fd = s->fd, .events = POLLIN };
		int pr = poll(&pf, 1, wait < 1 ? 1 : wait);
		if (pr == 0 && DTLSv1_handle_timeout(s->ssl) < 0) {
			tls_error_text(detail, len, "retransmission failed");
			return TLS_REFUSED;
		}
		errno = 0;
	}
}

enum tls_result dtls_handshake(const struct dtls_target *t, enum dtls_version vmin, enum dtls_version vmax,
			       const char *ciphers, char *detail, size_t len, struct dtls_session **out)
{
	struct dtls_session *s;
	enum tls_result r;
	int rc = session_new(t, vmin, vmax, ciphers, detail, len, &s);

	if (out)
		*out = NULL;
	if (rc)
		return (enum tls_result)rc;
	r = connect_loop(s, detail, len);
	if (r == TLS_ACCEPTED && out)
		*out = s;
	else
		dtls_close(s);
	return r;
}

int dtls_accepted_suites(const struct dtls_target *t, const char *list, void (*found)(void *arg, const char *name),
			 void *arg, char *detail, size_t len)
{
	char *offer = xstrdup(list);
	int count = 0;

	for (int round = 0; offer[0] && round < 64; round++) {
		struct dtls_session *s;
		enum tls_result r = dtls_handshake(t, DTLS_V1_0, DTLS_V1_2, offer, detail, len, &s);

		if (r != TLS_ACCEPTED) {
			free(offer);
			if (r == TLS_REFUSED || r == TLS_UNTESTABLE || count)
				return count;
			return (int)r;
		}
		const char *picked = dtls_session_cipher(s);
		found(arg, picked);
		count++;
		/* take the picked suite out of the offer */
		size_t pl = strlen(picked);
		char *p = offer;
		while ((p = strstr(p, picked))) {
			if ((p == offer || p[-1] == ':') && (p[pl] == ':' || !p[pl])) {
				memmove(p, p + pl + (p[pl] == ':'), strlen(p + pl + (p[pl] == ':')) + 1);
				break;
			}
			p += pl;
		}
		size_t ol = strlen(offer);
		if (ol && offer[ol - 1] == ':')
			offer[ol - 1] = '\0';
		dtls_close(s);
		if (!p)	/* the server picked something not offered: stop rather than loop */
			break;
	}
	free(offer);
	return count;
}

const char *dtls_weak_suites(int psk)
{
	static char lists[2][4096];
	static int done[2];
	char *list = lists[!!psk];
	size_t cap = sizeof(lists[0]);

	if (done[!!psk])
		return list;
	done[!!psk] = 1;
	SSL_CTX *ctx = SSL_CTX_new(DTLS_client_method());
	SSL *ssl = NULL;
	if (ctx && SSL_CTX_set_cipher_list(ctx, "ALL:COMPLEMENTOFALL:@SECLEVEL=0") && (ssl = SSL_new(ctx))) {
		SSL_set_psk_client_callback(ssl, psk_cb);	/* PSK suites count as supported only with one */
		STACK_OF(SSL_CIPHER) *sk = SSL_get1_supported_ciphers(ssl);
		size_t off = 0;
		for (int i = 0; sk && i < sk_SSL_CIPHER_num(sk); i++) {
			const char *n = SSL_CIPHER_get_name(sk_SSL_CIPHER_value(sk, i));
			char why[64];
			if (!strstr(n, "PSK") == !psk && !strstr(n, "SRP") && tls_suite_weak(n, why, sizeof(why)) &&
			    off + strlen(n) + 2 < cap)
				off += (size_t)snprintf(list + off, cap - off, "%s%s", off ? ":" : "", n);
		}
		sk_SSL_CIPHER_free(sk);
	}
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return list;
}

int dtls_cert_audit(const struct dtls_target *t, const char *name, const char *ca_file, char *findings, size_t flen,
		    char *summary, size_t slen, const char *pem_out)
{
	struct dtls_target nopsk = *t;
	char detail[256];
	struct dtls_session *s;
	int rc;

	findings[0] = summary[0] = '\0';
	nopsk.psk_identity = nopsk.psk_key = NULL;
	if ((rc = session_new(&nopsk, DTLS_V1_0, DTLS_V1_2, NULL, detail, sizeof(detail), &s))) {
		snprintf(summary, slen, "%s", detail);
		return rc;
	}
	enum tls_result r = connect_loop(s, detail, sizeof(detail));
	X509 *cert = SSL_get1_peer_certificate(s->ssl);
	if (!cert) {
		snprintf(summary, slen, "%s", detail);
		dtls_close(s);
		return r == TLS_REFUSED || r == TLS_ACCEPTED ? TLS_NO_SESSION : r;
	}
	rc = tls_cert_judge(cert, SSL_get_peer_cert_chain(s->ssl), name, ca_file, findings, flen, summary, slen, pem_out);
	X509_free(cert);
	dtls_close(s);
	return rc;
}

const char *dtls_session_cipher(const struct dtls_session *s)
{
	return SSL_get_cipher_name(s->ssl);
}

int dtls_send(struct dtls_session *s, const void *buf, size_t len)
{
	return SSL_write(s->ssl, buf, (int)len) == (int)len ? 0 : -1;
}

long dtls_recv(struct dtls_session *s, void *buf, size_t cap, int ms)
{
	long deadline = (long)time_mono_ms() + ms;

	for (;;) {
		int n = SSL_read(s->ssl, buf, (int)cap), e = SSL_get_error(s->ssl, n);

		if (n > 0)
			return n;
		if (e != SSL_ERROR_WANT_READ && !(e == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == 0))) {
			ERR_clear_error();
			return -1;
		}
		long left = deadline - (long)time_mono_ms();
		if (left <= 0)
			return 0;
		struct pollfd pf = { .fd = s->fd, .events = POLLIN };
		if (poll(&pf, 1, (int)left) == 0)
			return 0;
		errno = 0;
	}
}

const unsigned char *dtls_last_datagram(const struct dtls_session *s, size_t *len)
{
	*len = s->last_len;
	return s->last;
}

int dtls_send_raw(struct dtls_session *s, const void *buf, size_t len)
{
	return send(s->fd, buf, len, 0) == (ssize_t)len ? 0 : -1;
}
