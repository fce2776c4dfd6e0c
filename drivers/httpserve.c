/* httpserve.c — the update service keur plays (httpserve.h): one thread accepts, one thread per
 * connection answers (at most MAX_CONN at a time; more get 503). */
#include "httpserve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "stream.h"
#include "util.h"

#define MAX_FILES 16
#define MAX_CONN 8
#define IO_TIMEOUT_S 10		/* a peer that neither sends its request nor takes bytes for this long */
#define CHUNK 16384

struct body {
	unsigned char *data;
	size_t len;
	struct body *next;	/* every body ever put, freed at stop (an answer may still send it) */
};

struct file {
	char path[256];
	struct body *body;	/* NULL: free slot */
	long hold_after;
	struct httpserve_stats st;
};

struct conn {
	struct httpserve *h;
	pthread_t thread;
	int fd;			/* -1: free slot */
	int done;		/* the thread has ended and may be joined */
	char peer[64];
};

struct httpserve {
	int lfd, port, wake[2];
	FILE *log;
	long t0;
	pthread_t acceptor;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stopping;
	unsigned release_gen;
	struct file files[MAX_FILES];
	struct body *bodies;
	struct conn conns[MAX_CONN];
};

static void logf_locked(struct httpserve *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void logf_locked(struct httpserve *h, const char *fmt, ...)
{
	va_list ap;

	if (!h->log)
		return;
	fprintf(h->log, "%8.3f ", (double)(time_mono_ms() - h->t0) / 1000.0);
	va_start(ap, fmt);
	vfprintf(h->log, fmt, ap);
	va_end(ap);
	fputc('\n', h->log);
	fflush(h->log);
}

static int send_all(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	while (len) {
		ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Reads the request head; the path in path.  0, or -1. */
static int read_request(int fd, char *path, size_t plen)
{
	char req[4096];
	size_t n = 0;

	while (n < sizeof(req) - 1) {
		ssize_t r = recv(fd, req + n, sizeof(req) - 1 - n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		n += (size_t)r;
		req[n] = '\0';
		if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
			break;
	}
	req[n] = '\0';
	if (strncmp(req, "GET /", 5))
		return -1;
	size_t l = strcspn(req + 4, " \r\n");
	snprintf(path, plen, "%.*s", (int)l, req + 4);
	return 0;
}

static struct file *find(struct httpserve *h, const char *path)
{
	for (int i = 0; i < MAX_FILES; i++)
		if (h->files[i].body && !strcmp(h->files[i].path, path))
			return &h->files[i];
	return NULL;
}

static void answer(struct conn *c)
{
	struct httpserve *h = c->h;
	char path[256] = "", head[200];
	struct file *f = NULL;
	struct body *b = NULL;
	long hold = -1;
	size_t sent = 0;
	const char *how = "complete";

	if (read_request(c->fd, path, sizeof(path)) < 0) {
		static const char bad[] = "HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
		send_all(c->fd, bad, sizeof(bad) - 1);
		pthread_mutex_lock(&h->mu);
		logf_locked(h, "%s: no GET request: 400", c->peer);
		pthread_mutex_unlock(&h->mu);
		return;
	}
	pthread_mutex_lock(&h->mu);
	f = find(h, path);
	if (f) {
		b = f->body;
		hold = f->hold_after;
		f->st.requests++;
	}
	pthread_mutex_unlock(&h->mu);
	if (!f) {
		static const char nf[] = "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n";
		send_all(c->fd, nf, sizeof(nf) - 1);
		pthread_mutex_lock(&h->mu);
		logf_locked(h, "%s: GET %s: 404", c->peer, path);
		pthread_mutex_unlock(&h->mu);
		return;
	}
	int hl = snprintf(head, sizeof(head),
			  "HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %zu\r\n\r\n", b->len);
	size_t stop_at = hold >= 0 && (size_t)hold < b->len ? (size_t)hold : b->len;
	if (send_all(c->fd, head, (size_t)hl) < 0) {
		how = "the peer went away before the body";
	} else {
		while (sent < stop_at) {
			size_t n = stop_at - sent < CHUNK ? stop_at - sent : CHUNK;
			if (send_all(c->fd, b->data + sent, n) < 0) {
				how = "the peer stopped taking bytes";
				break;
			}
			sent += n;
			pthread_mutex_lock(&h->mu);
			if (sent > f->st.most)
				f->st.most = sent;
			pthread_mutex_unlock(&h->mu);
		}
	}
	pthread_mutex_lock(&h->mu);
	if (sent == b->len) {
		f->st.complete++;
	} else if (stop_at < b->len && sent == stop_at) {
		/* Hold the answer open until released, then close it unfinished. */
		unsigned gen = h->release_gen;
		f->st.held++;
		logf_locked(h, "%s: GET %s: 200, holding after %zu of %zu bytes", c->peer, path, sent, b->len);
		while (!h->stopping && h->release_gen == gen)
			pthread_cond_wait(&h->cv, &h->mu);
		f->st.held--;
		how = "closed unfinished on purpose";
	}
	logf_locked(h, "%s: GET %s: 200, %zu of %zu bytes sent, %s", c->peer, path, sent, b->len, how);
	pthread_mutex_unlock(&h->mu);
}

static void *conn_main(void *arg)
{
	struct conn *c = arg;
	struct timeval tv = { IO_TIMEOUT_S, 0 };

	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	answer(c);
	shutdown(c->fd, SHUT_WR);	/* HTTP/1.0: the end of the answer is the end of the stream */
	pthread_mutex_lock(&c->h->mu);
	c->done = 1;
	pthread_mutex_unlock(&c->h->mu);
	return NULL;
}

/* Joins connection threads that have ended; with all, every one (after shutting their sockets). */
static void reap(struct httpserve *h, int all)
{
	for (int i = 0; i < MAX_CONN; i++) {
		struct conn *c = &h->conns[i];
		pthread_mutex_lock(&h->mu);
		int join = c->fd >= 0 && (c->done || all);
		if (join && all && !c->done)
			shutdown(c->fd, SHUT_RDWR);
		pthread_mutex_unlock(&h->mu);
		if (!join)
			continue;
		pthread_join(c->thread, NULL);
		close(c->fd);
		c->fd = -1;
		c->done = 0;
	}
}

static void *acceptor_main(void *arg)
{
	struct httpserve *h = arg;

	for (;;) {
		struct pollfd pf[2] = { { .fd = h->lfd, .events = POLLIN }, { .fd = h->wake[0], .events = POLLIN } };
		if (poll(pf, 2, 1000) < 0 && errno != EINTR)
			break;
		reap(h, 0);
		if (pf[1].revents)
			break;
		if (!(pf[0].revents & POLLIN))
			continue;
		int fd = accept4(h->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		struct conn *c = NULL;
		for (int i = 0; i < MAX_CONN && !c; i++)
			if (h->conns[i].fd < 0)
				c = &h->conns[i];
		char peer[64];
		stream_fd_peer(fd, peer, sizeof(peer));
		if (!c) {
			static const char busy[] = "HTTP/1.0 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n";
			send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
			close(fd);
			pthread_mutex_lock(&h->mu);
			logf_locked(h, "%s: 503 (already %d connections)", peer, MAX_CONN);
			pthread_mutex_unlock(&h->mu);
			continue;
		}
		c->h = h;
		c->fd = fd;
		c->done = 0;
		snprintf(c->peer, sizeof(c->peer), "%s", peer);
		if (pthread_create(&c->thread, NULL, conn_main, c) != 0) {
			close(fd);
			c->fd = -1;
		}
	}
	reap(h, 1);
	return NULL;
}

struct httpserve *httpserve_start(const char *addr, int port, FILE *log, char *why, size_t len)
{
	struct httpserve *h = xcalloc(1, sizeof(*h));
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	h->lfd = stream_listen(addr, port, why, len);
	if (h->lfd < 0) {
		free(h);
		return NULL;
	}
	if (pipe2(h->wake, O_CLOEXEC) < 0) {
		snprintf(why, len, "pipe: %s", strerror(errno));
		close(h->lfd);
		free(h);
		return NULL;
	}
	if (getsockname(h->lfd, (struct sockaddr *)&ss, &sl) == 0)
		h->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
							 : ((struct sockaddr_in *)&ss)->sin_port);
	h->log = log;
	h->t0 = time_mono_ms();
	for (int i = 0; i < MAX_CONN; i++)
		h->conns[i].fd = -1;
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	if (pthread_create(&h->acceptor, NULL, acceptor_main, h) != 0) {
		snprintf(why, len, "cannot start the server thread");
		close(h->lfd);
		close(h->wake[0]);
		close(h->wake[1]);
		free(h);
		return NULL;
	}
	return h;
}

int httpserve_port(const struct httpserve *h)
{
	return h->port;
}

void httpserve_put(struct httpserve *h, const char *path, const void *body, size_t len, long hold_after)
{
	struct body *b = xcalloc(1, sizeof(*b));

	b->data = xmalloc(len ? len : 1);
	memcpy(b->data, body, len);
	b->len = len;
	pthread_mutex_lock(&h->mu);
	b->next = h->bodies;
	h->bodies = b;
	struct file *f = find(h, path);
	for (int i = 0; i < MAX_FILES && !f; i++)
		if (!h->files[i].body) {
			f = &h->files[i];
			memset(f, 0, sizeof(*f));
			snprintf(f->path, sizeof(f->path), "%s", path);
		}
	if (f) {
		f->body = b;
		f->hold_after = hold_after;
	}
	pthread_mutex_unlock(&h->mu);
}

void httpserve_stats(struct httpserve *h, const char *path, struct httpserve_stats *st)
{
	pthread_mutex_lock(&h->mu);
	struct file *f = find(h, path);
	if (f)
		*st = f->st;
	else
		memset(st, 0, sizeof(*st));
	pthread_mutex_unlock(&h->mu);
}

void httpserve_release(struct httpserve *h)
{
	pthread_mutex_lock(&h->mu);
	h->release_gen++;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

void httpserve_stop(struct httpserve *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->mu);
	h->stopping = 1;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
	if (write(h->wake[1], "x", 1) < 0)
		(void)0;	/* the acceptor also wakes every second */
	pthread_join(h->acceptor, NULL);
	close(h->lfd);
	close(h->wake[0]);
	close(h->wake[1]);
	while (h->bodies) {
		struct body *b = h->bodies;
		h->bodies = b->next;
		free(b->data);
		free(b);
	}
	pthread_mutex_destroy(&h->mu);
	pthread_cond_destroy(&h->cv);
	free(h);
}
