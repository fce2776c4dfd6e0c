/* stream.c — TCP or TLS byte streams with a timeout on every call (see stream.h). */
#include "stream.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "tls.h"

struct stream {
	int fd;
	SSL *ssl;
	char peer[64];
	char err[200];
};

static long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void set_timeouts(int fd, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (ms <= 0)
		tv.tv_usec = 1000;	/* zero would mean "block forever" */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

void stream_fd_peer(int fd, char *out, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[INET6_ADDRSTRLEN] = "?";
	int port = 0;

	if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *a = (struct sockaddr_in *)&ss;
			inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
			port = ntohs(a->sin_port);
		} else if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
			inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
			port = ntohs(a->sin6_port);
		}
	}
	snprintf(out, len, "%s:%d", host, port);
}

static void note_peer(struct stream *s)
{
	stream_fd_peer(s->fd, s->peer, sizeof(s->peer));
}

static struct stream *wrap(int fd, SSL *ssl)
{
	struct stream *s = calloc(1, sizeof(*s));

	if (!s) {
		if (ssl)
			SSL_free(ssl);
		close(fd);
		return NULL;
	}
	s->fd = fd;
	s->ssl = ssl;
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));	/* packets go out as written */
	note_peer(s);
	return s;
}

struct stream *stream_connect(const char *host, int port, int tls, const char *sni, int timeout_ms,
			      char *detail, size_t len, int *unreachable)
{
	struct tls_target t = { .host = host, .port = port, .sni = sni, .timeout_ms = timeout_ms };
	enum tls_result r;
	int fd;

	*unreachable = 0;
	if (tls) {
		SSL *ssl = tls_session_open(&t, detail, len, &r);

		if (!ssl) {
			*unreachable = r == TLS_UNREACHABLE;
			return NULL;
		}
		return stream_from_ssl(ssl);
	}
	if ((fd = tls_tcp_connect(&t, detail, len, &r)) < 0) {
		*unreachable = 1;
		return NULL;
	}
	snprintf(detail, len, "TCP connected");
	return wrap(fd, NULL);
}

struct stream *stream_from_ssl(void *ssl)
{
	return wrap(SSL_get_fd(ssl), ssl);
}

struct stream *stream_from_fd(int fd)
{
	return wrap(fd, NULL);
}

int stream_write(struct stream *s, const void *buf, size_t len, int timeout_ms)
{
	const char *p = buf;
	long t0 = mono_ms();

	while (len > 0) {
		long left = timeout_ms - (mono_ms() - t0);
		ssize_t n;

		if (left <= 0) {
			snprintf(s->err, sizeof(s->err), "the peer took no more data within %d ms", timeout_ms);
			return -1;
		}
		set_timeouts(s->fd, (int)left);
		errno = 0;
		if (s->ssl) {
			int r = SSL_write(s->ssl, p, len > (1u << 30) ? 1 << 30 : (int)len);
			if (r <= 0) {
				tls_error_text(s->err, sizeof(s->err), "TLS write");
				return -1;
			}
			n = r;
		} else {
			n = send(s->fd, p, len, MSG_NOSIGNAL);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				snprintf(s->err, sizeof(s->err), "write: %s",
					 errno == EAGAIN ? "the peer takes no more data" : strerror(errno));
				return -1;
			}
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t stream_read(struct stream *s, void *buf, size_t len, int timeout_ms)
{
	errno = 0;
	if (s->ssl) {
		int r;

		if (!SSL_pending(s->ssl))
			set_timeouts(s->fd, timeout_ms);
		ERR_clear_error();
		r = SSL_read(s->ssl, buf, len > (1u << 30) ? 1 << 30 : (int)len);
		if (r > 0)
			return r;
		switch (SSL_get_error(s->ssl, r)) {
		case SSL_ERROR_ZERO_RETURN:
			snprintf(s->err, sizeof(s->err), "closed (TLS close_notify)");
			return STREAM_CLOSED;
		case SSL_ERROR_WANT_READ:
		case SSL_ERROR_WANT_WRITE:
			snprintf(s->err, sizeof(s->err), "nothing within %d ms", timeout_ms);
			return STREAM_TIMEOUT;
		case SSL_ERROR_SYSCALL:
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				snprintf(s->err, sizeof(s->err), "nothing within %d ms", timeout_ms);
				return STREAM_TIMEOUT;
			}
			if (errno == 0) {
				snprintf(s->err, sizeof(s->err), "closed");
				return STREAM_CLOSED;
			}
			snprintf(s->err, sizeof(s->err), "%s", strerror(errno));
			return STREAM_ERROR;
		default:
			tls_error_text(s->err, sizeof(s->err), "TLS read");
			return STREAM_ERROR;
		}
	}
	struct pollfd pf = { .fd = s->fd, .events = POLLIN };
	int pr = poll(&pf, 1, timeout_ms < 0 ? 0 : timeout_ms);
	if (pr == 0) {
		snprintf(s->err, sizeof(s->err), "nothing within %d ms", timeout_ms);
		return STREAM_TIMEOUT;
	}
	ssize_t n = pr < 0 ? -1 : recv(s->fd, buf, len, 0);
	if (n > 0)
		return n;
	if (n == 0) {
		snprintf(s->err, sizeof(s->err), "closed");
		return STREAM_CLOSED;
	}
	snprintf(s->err, sizeof(s->err), "%s", strerror(errno));
	return STREAM_ERROR;
}

ssize_t stream_read_full(struct stream *s, void *buf, size_t len, int timeout_ms)
{
	long t0 = mono_ms();
	size_t got = 0;

	while (got < len) {
		long left = timeout_ms - (mono_ms() - t0);
		ssize_t n;

		if (left <= 0) {
			snprintf(s->err, sizeof(s->err), "only %zu of %zu bytes within %d ms", got, len, timeout_ms);
			return STREAM_TIMEOUT;
		}
		n = stream_read(s, (char *)buf + got, len - got, (int)left);
		if (n <= 0)
			return n;
		got += (size_t)n;
	}
	return (ssize_t)len;
}

const char *stream_error(const struct stream *s)
{
	return s->err[0] ? s->err : "no error";
}

int stream_listen(const char *addr, int port, char *detail, size_t len)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICHOST }, *res = NULL;
	char ps[16];
	int fd, one = 1;

	snprintf(ps, sizeof(ps), "%d", port);
	if (getaddrinfo(addr, ps, &hints, &res) != 0 || !res) {
		snprintf(detail, len, "'%s' is not a numeric address to listen on", addr);
		return -1;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 16) < 0) {
		snprintf(detail, len, "cannot listen on %s:%d: %s", addr, port, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

static int any_cert(int ok, X509_STORE_CTX *x)
{
	(void)ok;
	(void)x;
	return 1;	/* a client certificate counts as presented; its validity is not this side's test */
}

struct stream *stream_accept(int lfd, void *ssl_ctx, int timeout_ms, char *detail, size_t len, int *accepted)
{
	struct pollfd pf = { .fd = lfd, .events = POLLIN };
	int fd;
	SSL *ssl;

	*accepted = 0;
	if (poll(&pf, 1, timeout_ms) <= 0) {
		snprintf(detail, len, "no connection within %d ms", timeout_ms);
		return NULL;
	}
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0) {
		snprintf(detail, len, "accept: %s", strerror(errno));
		return NULL;
	}
	*accepted = 1;
	if (!ssl_ctx) {
		snprintf(detail, len, "TCP connection");
		return wrap(fd, NULL);
	}
	set_timeouts(fd, timeout_ms);
	/* A client that speaks the protocol in plain text where TLS was expected is a finding of
	 * its own: look at the first byte (22: a TLS handshake record) before shaking hands. */
	unsigned char b0;
	struct pollfd cp = { .fd = fd, .events = POLLIN };
	if (poll(&cp, 1, timeout_ms) <= 0) {
		snprintf(detail, len, "the client connected but sent nothing within %d ms", timeout_ms);
		*accepted = 2;
		close(fd);
		return NULL;
	}
	if (recv(fd, &b0, 1, MSG_PEEK) == 1 && b0 != 0x16) {
		snprintf(detail, len, "no TLS: the client's first byte is 0x%02x", b0);
		return wrap(fd, NULL);
	}
	if (!(ssl = SSL_new(ssl_ctx))) {
		snprintf(detail, len, "SSL_new failed");
		close(fd);
		return NULL;
	}
	SSL_set_verify(ssl, SSL_VERIFY_PEER, any_cert);
	SSL_set_fd(ssl, fd);
	errno = 0;
	ERR_clear_error();
	if (SSL_accept(ssl) != 1) {
		tls_error_text(detail, len, "the client ended the handshake");
		SSL_free(ssl);
		close(fd);
		return NULL;
	}
	snprintf(detail, len, "%s with %s", SSL_get_version(ssl), SSL_get_cipher_name(ssl));
	return wrap(fd, ssl);
}

int stream_is_tls(const struct stream *s)
{
	return s->ssl != NULL;
}

const char *stream_peer(const struct stream *s)
{
	return s->peer;
}

int stream_peer_has_cert(const struct stream *s)
{
	X509 *c;

	if (!s->ssl || !(c = SSL_get_peer_certificate(s->ssl)))
		return 0;
	X509_free(c);
	return 1;
}

void stream_close(struct stream *s)
{
	if (!s)
		return;
	if (s->ssl) {
		SSL_shutdown(s->ssl);
		SSL_free(s->ssl);
	}
	close(s->fd);
	free(s);
}
