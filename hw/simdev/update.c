/* update.c — the update agent: offers, automatic checks, a non-blocking HTTP/1.0 download,
 * the checks that a genuine device makes (and that flaws skip), installation. */
#include "update.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kfw1.h"

#define DL_CAP (16u << 20)	/* the largest image the device takes */
#define DL_STALL_MS 15000	/* no progress for this long: the download is given up */

enum dl_kind { DL_NONE, DL_CHECK, DL_IMAGE };
enum dl_state { DL_CONNECTING, DL_SENDING, DL_RECEIVING };

static struct {
	struct update_opts o;
	enum dl_kind kind;
	enum dl_state state;
	int fd;
	char req[600];
	size_t req_len, req_off;
	uint8_t *buf;
	size_t len, cap;
	int64_t last_progress, next_check;
	char url[256];
} u = { .fd = -1 };

static void status(struct simdev *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void status(struct simdev *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->update_status, sizeof(d->update_status), fmt, ap);
	va_end(ap);
	d->status_dirty = 1;
	simdev_log("update: %s", d->update_status);
}

int update_init(struct simdev *d, const struct update_opts *o)
{
	(void)d;
	u.o = *o;
	u.fd = -1;
	u.next_check = simdev_now_ms() + 2000;
	return 0;
}

static void dl_close(void)
{
	if (u.fd >= 0)
		close(u.fd);
	u.fd = -1;
	u.kind = DL_NONE;
	u.len = 0;
}

/* Starts a GET of http://ADDRESS:PORT/PATH (numeric IPv4 address: no name lookups on a device
 * that may be offline). */
static int dl_start(struct simdev *d, enum dl_kind kind, const char *url)
{
	char host[64];
	int port = 80;
	const char *p, *path;
	struct sockaddr_in a;

	if (u.kind != DL_NONE)
		return -1;	/* one download at a time; the newer offer waits for the next */
	if (strncmp(url, "http://", 7)) {
		status(d, "refused offer: only http:// URLs (%.100s)", url);
		return -1;
	}
	p = url + 7;
	path = strchr(p, '/');
	size_t hl = strcspn(p, ":/");
	if (!path || hl == 0 || hl >= sizeof(host))
		return -1;
	memcpy(host, p, hl);
	host[hl] = '\0';
	if (p[hl] == ':')
		port = atoi(p + hl + 1);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &a.sin_addr) != 1 || port <= 0 || port > 65535) {
		status(d, "refused offer: '%.100s' is not http://IPv4:PORT/PATH", url);
		return -1;
	}
	u.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (u.fd < 0)
		return -1;
	if (connect(u.fd, (struct sockaddr *)&a, sizeof(a)) < 0 && errno != EINPROGRESS) {
		if (kind == DL_IMAGE)
			status(d, "download of %.150s failed: %s", url, strerror(errno));
		close(u.fd);
		u.fd = -1;
		return -1;
	}
	u.kind = kind;
	u.state = DL_CONNECTING;
	u.req_len = (size_t)snprintf(u.req, sizeof(u.req), "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", path, host);
	u.req_off = 0;
	u.len = 0;
	u.last_progress = simdev_now_ms();
	snprintf(u.url, sizeof(u.url), "%s", url);
	return 0;
}

/* "version=V url=U" → the URL, if V is worth fetching. */
static const char *parse_offer(const char *text, char *version, size_t vlen, char *url, size_t ulen)
{
	const char *v = strstr(text, "version="), *l = strstr(text, "url=");

	if (!v || !l)
		return NULL;
	snprintf(version, vlen, "%.*s", (int)strcspn(v + 8, " \r\n"), v + 8);
	snprintf(url, ulen, "%.*s", (int)strcspn(l + 4, " \r\n"), l + 4);
	return url;
}

void update_offer(struct simdev *d, const void *msg, size_t len)
{
	char text[512], version[32], url[256];

	if (len == 0 || len >= sizeof(text))
		return;
	memcpy(text, msg, len);
	text[len] = '\0';
	if (!parse_offer(text, version, sizeof(version), url, sizeof(url))) {
		status(d, "ignored an offer that is not 'version=V url=U'");
		return;
	}
	/* The version in the offer is only a hint; the image's own header decides. */
	if (!strcmp(version, d->firmware))
		return;
	simdev_log("update: offered %s at %s", version, url);
	dl_start(d, DL_IMAGE, url);
}

static void install(struct simdev *d, const uint8_t *buf, size_t len)
{
	struct image img;
	int v;

	if (has_flaw(d, FLAW_NO_UPDATE)) {
		status(d, "dropped a %zu-byte image: this device never installs updates", len);
		return;
	}
	if (image_parse(buf, len, &img) < 0) {
		status(d, "refused: %s", image_strerror(IMAGE_MALFORMED));
		return;
	}
	v = image_verify(buf, len, u.o.pubkey);
	if (v == IMAGE_UNSIGNED && !has_flaw(d, FLAW_ACCEPT_UNSIGNED)) {
		status(d, "refused %s: %s", img.version, image_strerror(v));
		return;
	}
	if ((v == IMAGE_BAD_SIGNATURE || v == IMAGE_NO_KEY) && !has_flaw(d, FLAW_ACCEPT_FORGED)) {
		status(d, "refused %s: %s", img.version, image_strerror(v));
		return;
	}
	int cmp = version_cmp(img.version, d->firmware);
	if (cmp == 0) {
		status(d, "%s is running already", img.version);
		return;
	}
	if (cmp < 0 && !has_flaw(d, FLAW_ACCEPT_DOWNGRADE)) {
		status(d, "refused %s: older than the running %s", img.version, d->firmware);
		return;
	}
	status(d, "installed %s (was %s; %s)", img.version, d->firmware,
	       v == IMAGE_OK ? "signature verified" : "NOT verified: this device is flawed");
	snprintf(d->firmware, sizeof(d->firmware), "%s", img.version);
	d->version_dirty = 1;
	simdev_save(d);
}

/* The download ended (EOF): check the HTTP answer and hand the body on. */
static void dl_done(struct simdev *d)
{
	uint8_t *body;
	size_t blen;
	long clen = -1;
	enum dl_kind kind = u.kind;
	char head[1024];

	body = u.buf ? memmem(u.buf, u.len, "\r\n\r\n", 4) : NULL;
	if (!body || u.len < 12 || memcmp(u.buf, "HTTP/1.", 7) || memcmp(u.buf + 9, "200", 3)) {
		if (kind == DL_IMAGE)
			status(d, "download of %.150s failed: no HTTP 200 answer", u.url);
		dl_close();
		return;
	}
	size_t hlen = (size_t)(body - u.buf);
	snprintf(head, sizeof(head), "%.*s", (int)(hlen < sizeof(head) - 1 ? hlen : sizeof(head) - 1), (char *)u.buf);
	for (char *p = head; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	char *cl = strstr(head, "content-length:");
	if (cl)
		clen = atol(cl + 15);
	body += 4;
	blen = u.len - (size_t)(body - u.buf);
	if (clen >= 0 && (size_t)clen != blen) {
		/* An interrupted download: nothing of it is used; the running version stays. */
		if (kind == DL_IMAGE)
			status(d, "download of %.150s interrupted after %zu of %ld bytes; keeping %s", u.url, blen, clen,
			       d->firmware);
		dl_close();
		return;
	}
	if (kind == DL_IMAGE) {
		install(d, body, blen);
		dl_close();
	} else {
		char text[512], version[32], url[256];
		snprintf(text, sizeof(text), "%.*s", (int)(blen < sizeof(text) - 1 ? blen : sizeof(text) - 1), (char *)body);
		dl_close();
		if (parse_offer(text, version, sizeof(version), url, sizeof(url)) && version_cmp(version, d->firmware) > 0) {
			simdev_log("update: check found %s (running %s)", version, d->firmware);
			dl_start(d, DL_IMAGE, url);
		}
	}
}

void update_tick(struct simdev *d)
{
	int64_t now = simdev_now_ms();

	if (u.kind != DL_NONE && now - u.last_progress > DL_STALL_MS) {
		if (u.kind == DL_IMAGE)
			status(d, "download of %.150s stalled for %d s; given up, keeping %s", u.url, DL_STALL_MS / 1000,
			       d->firmware);
		dl_close();
	}
	if (u.o.check_url && u.kind == DL_NONE && now >= u.next_check) {
		u.next_check = now + (int64_t)u.o.check_interval * 1000;
		dl_start(d, DL_CHECK, u.o.check_url);
	}
}

int update_pollfds(struct pollfd *pf, int max)
{
	if (u.fd < 0 || max < 1)
		return 0;
	pf[0].fd = u.fd;
	pf[0].events = u.state == DL_RECEIVING ? POLLIN : POLLOUT;
	pf[0].revents = 0;
	return 1;
}

void update_dispatch(struct simdev *d, const struct pollfd *pf, int n)
{
	if (n < 1 || u.fd < 0 || !pf[0].revents)
		return;
	if (u.state == DL_CONNECTING) {
		int err = 0;
		socklen_t el = sizeof(err);
		getsockopt(u.fd, SOL_SOCKET, SO_ERROR, &err, &el);
		if (err) {
			if (u.kind == DL_IMAGE)
				status(d, "download of %.150s failed: %s", u.url, strerror(err));
			dl_close();
			return;
		}
		u.state = DL_SENDING;
	}
	if (u.state == DL_SENDING) {
		ssize_t w = send(u.fd, u.req + u.req_off, u.req_len - u.req_off, MSG_NOSIGNAL);
		if (w < 0 && errno != EAGAIN) {
			dl_close();
			return;
		}
		if (w > 0)
			u.req_off += (size_t)w;
		if (u.req_off == u.req_len)
			u.state = DL_RECEIVING;
		return;
	}
	for (;;) {
		if (u.cap - u.len < 65536) {
			if (u.cap >= DL_CAP) {
				status(d, "download of %.150s refused: larger than %u bytes", u.url, DL_CAP);
				dl_close();
				return;
			}
			uint8_t *nb = realloc(u.buf, u.cap ? u.cap * 2 : 131072);
			if (!nb) {
				dl_close();
				return;
			}
			u.buf = nb;
			u.cap = u.cap ? u.cap * 2 : 131072;
		}
		ssize_t r = recv(u.fd, u.buf + u.len, u.cap - u.len, 0);
		if (r > 0) {
			u.len += (size_t)r;
			u.last_progress = simdev_now_ms();
			continue;
		}
		if (r == 0 || (errno != EAGAIN && errno != EINTR))
			dl_done(d);	/* EOF, or a reset: dl_done sees a short body and drops it */
		return;
	}
}

void update_free(void)
{
	dl_close();
	free(u.buf);
	u.buf = NULL;
	u.cap = 0;
}
