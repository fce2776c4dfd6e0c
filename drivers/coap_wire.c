/* coap_wire.c — CoAP messages by hand (see coap_wire.h). */
#include "coap_wire.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* An option's delta or length: the nibble, and the extended bytes it needs. */
static size_t ext(unsigned v, unsigned *nib, unsigned char *x)
{
	if (v < 13) {
		*nib = v;
		return 0;
	}
	if (v < 269) {
		*nib = 13;
		x[0] = (unsigned char)(v - 13);
		return 1;
	}
	*nib = 14;
	x[0] = (unsigned char)((v - 269) >> 8);
	x[1] = (unsigned char)((v - 269) & 0xff);
	return 2;
}

size_t coapw_build(unsigned char *out, size_t cap, int type, int code, unsigned mid, const void *token, size_t tkl,
		   const struct coapw_opt *opts, size_t nopts, const void *payload, size_t plen)
{
	size_t n = 0;
	unsigned prev = 0;

	if (tkl > 8 || cap < 4 + tkl)
		return 0;
	out[n++] = (unsigned char)(1 << 6 | (type & 3) << 4 | (unsigned)tkl);
	out[n++] = (unsigned char)code;
	out[n++] = (unsigned char)(mid >> 8);
	out[n++] = (unsigned char)(mid & 0xff);
	if (tkl)	/* an empty token may come as NULL, which memcpy must not get */
		memcpy(out + n, token, tkl);
	n += tkl;
	for (size_t i = 0; i < nopts; i++) {
		unsigned char dx[2], lx[2];
		unsigned dn, ln;
		size_t dl = ext(opts[i].num - prev, &dn, dx), ll = ext((unsigned)opts[i].len, &ln, lx);

		if (n + 1 + dl + ll + opts[i].len > cap)
			return 0;
		out[n++] = (unsigned char)(dn << 4 | ln);
		memcpy(out + n, dx, dl);
		n += dl;
		memcpy(out + n, lx, ll);
		n += ll;
		if (opts[i].len)
			memcpy(out + n, opts[i].val, opts[i].len);
		n += opts[i].len;
		prev = opts[i].num;
	}
	if (plen) {
		if (n + 1 + plen > cap)
			return 0;
		out[n++] = 0xff;
		memcpy(out + n, payload, plen);
		n += plen;
	}
	return n;
}

size_t coapw_path(const char *path, struct coapw_opt *opts, size_t max)
{
	size_t n = 0;

	for (const char *p = path; *p && n < max;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		size_t len = strcspn(p, "/");
		opts[n++] = (struct coapw_opt){ COAPW_OPT_URI_PATH, p, len };
		p += len;
	}
	return n;
}

size_t coapw_uint(unsigned char *buf, uint32_t v)
{
	size_t n = 0;
	unsigned char tmp[4];

	while (v) {
		tmp[n++] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
	for (size_t i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	return n;
}

int coapw_parse(const unsigned char *b, size_t len, struct coapw_msg *m)
{
	size_t i;
	unsigned num = 0;

	memset(m, 0, sizeof(*m));
	if (len < 4 || b[0] >> 6 != 1 || (b[0] & 0x0f) > 8 || len < 4u + (b[0] & 0x0f))
		return -1;
	m->type = (b[0] >> 4) & 3;
	m->tkl = b[0] & 0x0f;
	m->code = b[1];
	m->mid = (unsigned)b[2] << 8 | b[3];
	memcpy(m->token, b + 4, (size_t)m->tkl);
	for (i = 4 + (size_t)m->tkl; i < len && b[i] != 0xff;) {
		unsigned d = b[i] >> 4, l = b[i] & 0x0f;
		i++;
		if (d == 15 || l == 15)
			return -1;
		if (d == 13) { if (i >= len) return -1; d = 13u + b[i++]; }
		else if (d == 14) { if (i + 1 >= len) return -1; d = 269u + ((unsigned)b[i] << 8 | b[i + 1]); i += 2; }
		if (l == 13) { if (i >= len) return -1; l = 13u + b[i++]; }
		else if (l == 14) { if (i + 1 >= len) return -1; l = 269u + ((unsigned)b[i] << 8 | b[i + 1]); i += 2; }
		num += d;
		if (i + l > len)
			return -1;
		if (num == COAPW_OPT_ECHO)
			m->echo = 1;
		i += l;
	}
	if (i < len && b[i] == 0xff && i + 1 < len) {
		m->payload = b + i + 1;
		m->plen = len - i - 1;
	}
	return 0;
}

int coapw_socket(const char *host, int port)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
		sl = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
		sl = sizeof(struct sockaddr_in6);
	} else {
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&ss, sl) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

long coapw_recv(int fd, unsigned char *buf, size_t cap, int ms)
{
	struct pollfd pf = { .fd = fd, .events = POLLIN };
	ssize_t n;

	if (poll(&pf, 1, ms < 0 ? 0 : ms) <= 0)
		return 0;
	n = recv(fd, buf, cap, 0);
	return n < 0 ? -1 : (long)n;
}
