/* stream.h — a byte stream over TCP or TLS with a timeout on every call, for cases that speak a
 * protocol byte by byte (malformed packets) and for keur playing a server (a fake broker).
 * Used inside a case's child process only. */
#ifndef KEUR_STREAM_H
#define KEUR_STREAM_H

#include <stddef.h>
#include <sys/types.h>

struct stream;

/* Connects to host:port, with TLS (any version, the certificate not verified; sni may be NULL)
 * when tls is set.  NULL with the reason in detail; *unreachable is set when no TCP connection
 * could be made (as opposed to a failed handshake). */
struct stream *stream_connect(const char *host, int port, int tls, const char *sni, int timeout_ms,
			      char *detail, size_t len, int *unreachable);

/* A stream over a TLS session already open (an SSL *, from tls_session_open); it owns it now. */
struct stream *stream_from_ssl(void *ssl);
/* A plain stream over a connected socket (a socketpair's end, in the fuzzers); it owns fd now. */
struct stream *stream_from_fd(int fd);

/* Writes all of buf: 0, or -1 when the peer closed, reset or did not take it within timeout_ms. */
int stream_write(struct stream *s, const void *buf, size_t len, int timeout_ms);

/* Reads what is there, up to len: the count (> 0), STREAM_CLOSED, STREAM_TIMEOUT or STREAM_ERROR. */
enum { STREAM_CLOSED = 0, STREAM_TIMEOUT = -1, STREAM_ERROR = -2 };
ssize_t stream_read(struct stream *s, void *buf, size_t len, int timeout_ms);
/* Reads exactly len bytes within timeout_ms in all: len, or STREAM_CLOSED/TIMEOUT/ERROR. */
ssize_t stream_read_full(struct stream *s, void *buf, size_t len, int timeout_ms);

/* What the last failed call saw, one line ("connection reset by peer", an OpenSSL reason). */
const char *stream_error(const struct stream *s);

/* ---- keur as the server ---- */

/* A listening TCP socket on addr:port (SO_REUSEADDR): the fd, or -1 with detail. */
int stream_listen(const char *addr, int port, char *detail, size_t len);

/* Waits up to timeout_ms for a connection on lfd and, with ssl_ctx (an SSL_CTX *, server side),
 * shakes hands.  Returns the stream, or NULL: *accepted tells whether a TCP connection came at
 * all, and detail says what happened (the client's alert when it refused the handshake).  A
 * client whose first byte is no TLS record gets a plain stream (stream_is_tls() says 0); one that
 * connects and sends nothing at all within timeout_ms gives NULL with *accepted set to 2. */
struct stream *stream_accept(int lfd, void *ssl_ctx, int timeout_ms, char *detail, size_t len, int *accepted);

int stream_is_tls(const struct stream *s);
/* The peer's address as "A:P", and (TLS only) whether it sent a certificate. */
const char *stream_peer(const struct stream *s);
/* "ADDRESS:PORT" of a connected socket's peer ("?:0" when unknown). */
void stream_fd_peer(int fd, char *out, size_t len);
int stream_peer_has_cert(const struct stream *s);

void stream_close(struct stream *s);

#endif
