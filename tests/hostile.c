/* hostile.c — a device that misbehaves on purpose, for tests/76-hostile.t.
 *
 *   hostile PROTO MODE [SECONDS]
 *
 * PROTO is `mqtt` (a broker on TCP), `modbus` (a Modbus/TCP server) or `coap` (a CoAP server on
 * UDP).  It listens on 127.0.0.1, port 0, prints the port on stdout, and behaves as MODE:
 *
 *   good      answers correctly: the control, what keur says of a device that behaves
 *   noread    accepts and never reads; its receive buffer is small, so a writer blocks soon
 *   noanswer  reads everything and answers nothing
 *   trickle   answers as good does, one byte per segment, 1 ms apart (TCP only)
 *   flood     sends frames nobody asked for, as fast as the client takes them, from the start
 *   reset     answers half of its first reply, then resets the connection (TCP only)
 *   huge      answers the first request with a frame that announces and carries 100 MB
 *   hoard     holds 2000 connections of its own and accepts no more (TCP only); the port
 *             is printed once they are held
 *   garbage   answers every request with a frame that is right outside and wrong inside:
 *             the expected packet type, transaction, token and message ID, random contents
 *             (the same for the Nth connection in every run)
 *   badprop   (mqtt) as good, but answers an MQTT 5 CONNECT with a CONNACK carrying a property
 *             that does not exist, on which libmosquitto 2.0.11 asserts and aborts its client
 *
 * The good device: a broker that admits "u" (password "p") and "a" ("b"), refuses anyone else and
 * grants every subscription; a Modbus server with 100 coils and registers that refuses writes
 * (exception 01); a CoAP server with /.well-known/core and /temp that refuses writes (4.01).
 *
 * It ends by itself after SECONDS (default 300), and so does each connection's process. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "peer_io.h"

enum proto { MQTT, MODBUS, COAP };
enum mode { GOOD, NOREAD, NOANSWER, TRICKLE, FLOOD, RESET, HUGE, HOARD, GARBAGE, BADPROP };
static const char *const mode_names[] = { "good", "noread", "noanswer", "trickle", "flood", "reset",
	"huge", "hoard", "garbage", "badprop" };

#define HUGE_BYTES (100L * 1000 * 1000)

static enum proto proto;
static enum mode mode;
static long end_ms;
static uint32_t rng = 2463534242u;

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return n ? rng % n : 0;
}

static int bind_lo(int type, int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, type, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (mode == NOREAD) {
		int small = 4096;	/* inherited by accepted sockets */
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	}
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || getsockname(fd, (struct sockaddr *)&a, &len) < 0 ||
	    (type == SOCK_STREAM && listen(fd, mode == HOARD ? 1 : 128) < 0)) {
		close(fd);
		return -1;
	}
	*port = ntohs(a.sin_port);
	return fd;
}

/* ---- writing: whole, or a byte at a time (trickle) ---- */

static int put(int c, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n > 0) {
		size_t chunk = mode == TRICKLE ? 1 : n;
		ssize_t w = write(c, b, chunk);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		b += w, n -= (size_t)w;
		if (mode == TRICKLE && n > 0)
			poll(NULL, 0, 1);
	}
	return 0;
}

/* The first half of a reply, then an RST. */
static void put_reset(int c, const void *p, size_t n)
{
	struct linger lg = { 1, 0 };
	ssize_t w = write(c, p, n / 2 ? n / 2 : 1);
	(void)w;
	poll(NULL, 0, 20);
	setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(c);
	_exit(0);
}

static int reply(int c, const void *p, size_t n)
{

	if (mode == RESET)
		put_reset(c, p, n);
	return put(c, p, n);
}

/* Reads exactly n bytes, waiting up to 5 s for each part; 0, or -1 at EOF or silence. */
static int get(int c, unsigned char *b, size_t n)
{
	return read_n(c, b, n, 5000);
}

/* 100 MB after a header, in 64 KB writes, as long as the client takes them. */
static void put_huge(int c, const unsigned char *head, size_t hn)
{
	static unsigned char chunk[65536];
	long left = HUGE_BYTES;

	memset(chunk, 'A', sizeof(chunk));
	if (put(c, head, hn) < 0)
		return;
	while (left > 0 && now_ms() < end_ms) {
		size_t n = left < (long)sizeof(chunk) ? (size_t)left : sizeof(chunk);
		if (put(c, chunk, n) < 0)
			return;
		left -= (long)n;
	}
}

static size_t varint(unsigned char *o, unsigned long v)
{
	size_t n = 0;
	do {
		o[n] = (unsigned char)(v & 0x7f);
		v >>= 7;
		if (v)
			o[n] |= 0x80;
		n++;
	} while (v);
	return n;
}

/* ---- MQTT ---- */

static void garbage_packet(int c, unsigned type)
{
	unsigned char p[16];
	size_t n = rnd(7);

	p[0] = (unsigned char)(type << 4 | rnd(16));
	p[1] = (unsigned char)n;
	for (size_t i = 0; i < n; i++)
		p[2 + i] = (unsigned char)rnd(256);
	if (rnd(8) == 0)
		p[1] = (unsigned char)(n + 1 + rnd(4));	/* a length that overstates what follows */
	reply(c, p, 2 + n);
}

/* CONNECT: is it u/p, and which protocol level?  -1 when it cannot be read. */
static int connect_ok(const unsigned char *b, size_t n, int *level)
{
	size_t i, l;
	unsigned flags;

	if (n < 10)
		return -1;
	l = (size_t)b[0] << 8 | b[1];
	if (2 + l + 4 > n)
		return -1;
	i = 2 + l;
	*level = b[i];
	flags = b[i + 1];
	i += 4;
	if (*level == 5) {	/* properties */
		if (i >= n)
			return -1;
		i += 1 + b[i];
	}
	for (int f = 0; f < 1 + ((flags & 4) ? 2 : 0); f++) {	/* client id, will topic, will payload */
		if (i + 2 > n)
			return -1;
		if (f == 1 && *level == 5)
			i += 1 + b[i];
		i += 2 + ((size_t)b[i] << 8 | b[i + 1]);
	}
	char user[64] = "", pass[64] = "";
	if (flags & 0x80) {
		if (i + 2 > n || (l = (size_t)b[i] << 8 | b[i + 1]) >= sizeof(user) || i + 2 + l > n)
			return -1;
		memcpy(user, b + i + 2, l), user[l] = '\0';
		i += 2 + l;
	}
	if (flags & 0x40) {
		if (i + 2 > n || (l = (size_t)b[i] << 8 | b[i + 1]) >= sizeof(pass) || i + 2 + l > n)
			return -1;
		memcpy(pass, b + i + 2, l), pass[l] = '\0';
	}
	return (!strcmp(user, "u") && !strcmp(pass, "p")) || (!strcmp(user, "a") && !strcmp(pass, "b"));
}

static void mqtt_conn(int c)
{
	static unsigned char body[1 << 20];
	int level = 4;

	if (mode == FLOOD) {
		unsigned char p[128] = { 0x30, 0 };
		size_t n = 2;
		p[n++] = 0, p[n++] = 5;
		memcpy(p + n, "flood", 5), n += 5;
		memset(p + n, 'x', 100), n += 100;
		p[1] = (unsigned char)(n - 2);
		while (now_ms() < end_ms && put(c, p, n) == 0)
			;
		return;
	}
	for (;;) {
		unsigned char h, b;
		unsigned long len = 0, mul = 1;
		int i;

		if (get(c, &h, 1) < 0)
			return;
		for (i = 0; i < 4; i++) {
			if (get(c, &b, 1) < 0)
				return;
			len += (b & 0x7fUL) * mul, mul *= 128;
			if (!(b & 0x80))
				break;
		}
		if (i == 4 || len > sizeof(body) || get(c, body, len) < 0)
			return;
		if (mode == NOANSWER)
			continue;
		unsigned type = h >> 4;
		if (mode == HUGE) {
			unsigned char head[16] = { 0x30 };
			size_t n = 1 + varint(head + 1, (unsigned long)HUGE_BYTES);
			head[n++] = 0, head[n++] = 1, head[n++] = 't';
			put_huge(c, head, n);
			return;
		}
		if (mode == BADPROP && type == 1 && len > 6 && body[6] == 5) {	/* an MQTT 5 CONNECT */
			static const unsigned char ack[] = { 0x20, 5, 0, 0, 2, 0x75, 0 };
			reply(c, ack, sizeof(ack));
			continue;
		}
		if (mode == GARBAGE) {
			static const unsigned answers[16] = { [1] = 2, [3] = 4, [8] = 9, [10] = 11, [12] = 13, [6] = 7 };
			if (answers[type])
				garbage_packet(c, rnd(4) ? answers[type] : 1 + rnd(15));
			continue;
		}
		if (type == 1) {	/* CONNECT */
			int okay = connect_ok(body, len, &level);
			unsigned char ack[5] = { 0x20, 2, 0, 0, 0 };
			if (okay < 0)
				return;
			ack[3] = okay ? 0 : (level == 5 ? 0x87 : 5);
			if (level == 5)
				ack[1] = 3;
			if (reply(c, ack, level == 5 ? 5 : 4) < 0 || !okay)
				return;
		} else if (type == 3 && ((h >> 1) & 3) && len >= 4) {	/* PUBLISH, QoS 1 or 2 */
			size_t tl = (size_t)body[0] << 8 | body[1];
			if (tl + 4 > len)
				return;
			unsigned char ack[4] = { (h & 4) ? 0x50 : 0x40, 2, body[2 + tl], body[3 + tl] };
			reply(c, ack, 4);
		} else if (type == 8 && len >= 3) {	/* SUBSCRIBE: grant each filter QoS 0 */
			unsigned char ack[256] = { 0x90, 0, body[0], body[1] };
			size_t n = 4, i2 = 2 + (level == 5 ? 1u + body[2] : 0u);
			if (level == 5)
				ack[n++] = 0;
			while (i2 + 2 <= len && n < sizeof(ack)) {
				i2 += 2 + ((size_t)body[i2] << 8 | body[i2 + 1]) + 1;
				ack[n++] = 0;
			}
			ack[1] = (unsigned char)(n - 2);
			reply(c, ack, n);
		} else if (type == 10 && len >= 2) {	/* UNSUBSCRIBE */
			unsigned char ack[4] = { 0xb0, 2, body[0], body[1] };
			reply(c, ack, 4);
		} else if (type == 12) {
			unsigned char pong[2] = { 0xd0, 0 };
			reply(c, pong, 2);
		} else if (type == 14) {
			return;
		}
	}
}

/* ---- Modbus/TCP ---- */

static void modbus_conn(int c)
{
	unsigned char h[7], q[260], r[300];

	if (mode == FLOOD) {
		unsigned char f[] = { 0, 0, 0, 0, 0, 7, 1, 3, 4, 0, 1, 0, 2 };
		while (now_ms() < end_ms) {
			f[0] = (unsigned char)(0x80 | rnd(128)), f[1] = (unsigned char)rnd(256);	/* never keur's */
			if (put(c, f, sizeof(f)) < 0)
				return;
		}
		return;
	}
	for (;;) {
		unsigned len;
		size_t n = 0;

		if (get(c, h, 7) < 0)
			return;
		len = (unsigned)h[4] << 8 | h[5];
		if (len < 2 || len > 254 || get(c, q, len - 1) < 0)
			return;
		if (mode == NOANSWER || (h[2] | h[3]))
			continue;	/* and frames that are not Modbus (protocol id other than 0) are dropped */
		memcpy(r, h, 7);
		unsigned fc = q[0];
		if (mode == HUGE) {
			r[4] = 0xff, r[5] = 0xff;	/* an MBAP length no frame may have, then 100 MB */
			put_huge(c, r, 7);
			return;
		}
		if (mode == GARBAGE) {
			r[7 + n++] = (unsigned char)(rnd(3) ? fc : (fc | 0x80));
			size_t k = rnd(12);
			for (size_t i = 0; i < k; i++)
				r[7 + n++] = (unsigned char)rnd(256);
		} else if (fc >= 1 && fc <= 4 && len == 6) {
			unsigned addr = (unsigned)q[1] << 8 | q[2], cnt = (unsigned)q[3] << 8 | q[4];
			unsigned lim = fc <= 2 ? 2000 : 125;
			if (cnt < 1 || cnt > lim) {
				r[7 + n++] = (unsigned char)(fc | 0x80), r[7 + n++] = 3;
			} else if (addr + cnt > 100) {
				r[7 + n++] = (unsigned char)(fc | 0x80), r[7 + n++] = 2;
			} else {
				unsigned bytes = fc <= 2 ? (cnt + 7) / 8 : cnt * 2;
				r[7 + n++] = (unsigned char)fc, r[7 + n++] = (unsigned char)bytes;
				for (unsigned i = 0; i < bytes; i++)
					r[7 + n++] = (unsigned char)(fc <= 2 ? 0x55 : i);
			}
		} else if (fc >= 1 && fc <= 4) {
			r[7 + n++] = (unsigned char)(fc | 0x80), r[7 + n++] = 3;
		} else {
			r[7 + n++] = (unsigned char)(fc | 0x80), r[7 + n++] = 1;	/* writes and the rest */
		}
		r[4] = (unsigned char)((n + 1) >> 8), r[5] = (unsigned char)(n + 1);
		if (reply(c, r, 7 + n) < 0)
			return;
	}
}

/* ---- TCP: a process per connection, or 2000 held and no more ---- */

/* Fills the device with 2000 connections of its own, accepted and held: what a device that
 * other clients have saturated looks like.  The backlog of one then lets two more connects
 * complete in the kernel and wait there for good; the SYNs after them are dropped. */
static int hoard(int lfd, int port)
{
	struct rlimit rl;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
		.sin_port = htons((uint16_t)port) };
	int held = 0;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 4200) {
		rl.rlim_cur = rl.rlim_max < 4200 ? rl.rlim_max : 4200;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	for (int i = 0; i < 2000; i++) {
		int s = socket(AF_INET, SOCK_STREAM, 0), c;
		if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) < 0 || (c = accept(lfd, NULL, NULL)) < 0) {
			if (s >= 0)
				close(s);
			break;
		}
		held++;
	}
	return held;
}

static int serve_tcp(int lfd)
{
	int held[512], nheld = 0;

	if (mode == HOARD) {	/* full: accept no one */
		while (now_ms() < end_ms)
			poll(NULL, 0, 200);
		return 0;
	}
	signal(SIGCHLD, SIG_IGN);	/* connection processes reap themselves */
	for (uint32_t nconn = 1; now_ms() < end_ms;) {
		struct pollfd pf = { .fd = lfd, .events = POLLIN };
		if (poll(&pf, 1, 200) <= 0)
			continue;
		int c = accept(lfd, NULL, NULL);
		if (c < 0)
			continue;
		if (mode == NOREAD) {	/* keep it, read nothing; the oldest goes when full */
			if (nheld == 512) {
				close(held[0]);
				memmove(held, held + 1, sizeof(held[0]) * 511);
				nheld--;
			}
			held[nheld++] = c;
			continue;
		}
		pid_t pid = fork();
		if (pid == 0) {
			int one = 1;
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			close(lfd);
			rng ^= nconn * 2654435761u;
			setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			if (proto == MQTT)
				mqtt_conn(c);
			else
				modbus_conn(c);
			_exit(0);
		}
		close(c);
		nconn++;
	}
	return 0;
}

/* ---- CoAP over UDP ---- */

static void coap_serve(int fd)
{
	long flood_left = 200000;

	if (mode == NOREAD) {
		while (now_ms() < end_ms)
			poll(NULL, 0, 200);
		return;
	}
	while (now_ms() < end_ms) {
		unsigned char in[2048], out[1400];
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		size_t n, o = 0, tkl;

		if (poll(&pf, 1, 200) <= 0)
			continue;
		ssize_t r = recvfrom(fd, in, sizeof(in), 0, (struct sockaddr *)&from, &fl);
		if (r < 4 || mode == NOANSWER)
			continue;
		n = (size_t)r;
		tkl = in[0] & 0x0f;
		if (in[0] >> 6 != 1 || tkl > 8 || n < 4 + tkl || (in[0] >> 4 & 3) >= 2)
			continue;	/* not version 1, or an ACK or RST: nothing to answer */
		int con = (in[0] >> 4 & 3) == 0;
		if (mode == FLOOD) {	/* 2.05 after 2.05 with tokens and IDs of its own, none the request's */
			for (int i = 0; i < 2000 && flood_left > 0; i++, flood_left--) {
				unsigned char f[32] = { 0x58, 0x45, (unsigned char)rnd(256), (unsigned char)rnd(256) };
				for (int k = 0; k < 8; k++)
					f[4 + k] = (unsigned char)rnd(256);
				f[12] = 0xff;
				memset(f + 13, 'f', 19);
				sendto(fd, f, sizeof(f), 0, (struct sockaddr *)&from, fl);
			}
			continue;
		}
		out[o++] = (unsigned char)(0x40 | (con ? 0x20 : 0x10) | tkl);
		o++;	/* the code, below */
		out[o++] = in[2], out[o++] = in[3];
		memcpy(out + o, in + 4, tkl), o += tkl;
		if (mode == HUGE) {	/* 100 MB of answers with the request's token, 1400 bytes each */
			out[1] = 0x45;
			out[o++] = 0xff;
			memset(out + o, 'H', sizeof(out) - o);
			for (long sent = 0; sent < HUGE_BYTES && now_ms() < end_ms; sent += (long)sizeof(out))
				if (sendto(fd, out, sizeof(out), 0, (struct sockaddr *)&from, fl) < 0 && errno != ENOBUFS &&
				    errno != EAGAIN)
					break;
			continue;
		}
		if (mode == GARBAGE) {
			static const unsigned char codes[] = { 0x41, 0x44, 0x45, 0x81, 0x84, 0x8d, 0xa0, 0x00, 0xe0 };
			out[1] = codes[rnd(sizeof(codes))];
			size_t k = rnd(24);
			for (size_t i = 0; i < k; i++)
				out[o++] = (unsigned char)rnd(256);	/* options, maybe not even well formed */
		} else {
			/* the URI path, joined; 4.01 for writes, 4.04 for what is not there */
			char path[128] = "";
			size_t i = 4 + tkl, pl = 0;
			unsigned num = 0;
			while (i < n && in[i] != 0xff) {
				unsigned d = in[i] >> 4, l = in[i] & 15;
				i++;
				if (d == 13 && i < n)
					d = 13u + in[i++];
				else if (d == 14 && i + 1 < n)
					d = 269u + (in[i] << 8 | in[i + 1]), i += 2;
				if (l == 13 && i < n)
					l = 13u + in[i++];
				else if (l == 14 && i + 1 < n)
					l = 269u + (in[i] << 8 | in[i + 1]), i += 2;
				if (d >= 15 || l >= 15 + 255 + 65535 || i + l > n)
					break;
				num += d;
				if (num == 11 && pl + l + 1 < sizeof(path))
					path[pl++] = '/', memcpy(path + pl, in + i, l), pl += l, path[pl] = '\0';
				i += l;
			}
			const char *body = NULL;
			if (in[1] != 1)
				out[1] = 0x81;	/* 4.01 */
			else if (!strcmp(path, "/.well-known/core"))
				out[1] = 0x45, body = "</temp>;rt=\"temperature\"";
			else if (!strcmp(path, "/temp"))
				out[1] = 0x45, body = "21.5";
			else
				out[1] = 0x84;	/* 4.04 */
			if (body) {
				out[o++] = 0xc1, out[o++] = 0;	/* Content-Format: text/plain */
				if (!strcmp(path, "/.well-known/core"))
					out[o - 1] = 40;
				out[o++] = 0xff;
				memcpy(out + o, body, strlen(body)), o += strlen(body);
			}
		}
		sendto(fd, out, o, 0, (struct sockaddr *)&from, fl);
	}
}

int main(int argc, char **argv)
{
	int port = 0, fd, seconds = argc >= 4 ? atoi(argv[3]) : 300;
	size_t m;

	if (argc < 3)
		goto usage;
	if (!strcmp(argv[1], "mqtt"))
		proto = MQTT;
	else if (!strcmp(argv[1], "modbus"))
		proto = MODBUS;
	else if (!strcmp(argv[1], "coap"))
		proto = COAP;
	else
		goto usage;
	for (m = 0; m < sizeof(mode_names) / sizeof(mode_names[0]); m++)
		if (!strcmp(argv[2], mode_names[m]))
			break;
	if (m == sizeof(mode_names) / sizeof(mode_names[0]) || seconds < 1)
		goto usage;
	mode = (enum mode)m;
	if ((proto == COAP && (mode == TRICKLE || mode == RESET || mode == HOARD)) || (proto != MQTT && mode == BADPROP)) {
		fprintf(stderr, "hostile: %s has no meaning over UDP\n", argv[2]);
		return 2;
	}
	end_ms = now_ms() + seconds * 1000L;
	signal(SIGPIPE, SIG_IGN);
	fd = bind_lo(proto == COAP ? SOCK_DGRAM : SOCK_STREAM, &port);
	if (fd < 0) {
		perror("hostile: bind");
		return 1;
	}
	if (mode == HOARD && hoard(fd, port) < 1000) {
		fprintf(stderr, "hostile: could not hold 1000 connections\n");
		return 1;
	}
	printf("%d\n", port);
	fflush(stdout);
	if (proto == COAP)
		coap_serve(fd);
	else
		serve_tcp(fd);
	return 0;
usage:
	fprintf(stderr, "usage: hostile mqtt|modbus|coap good|noread|noanswer|trickle|flood|reset|huge|hoard|garbage"
			"|badprop [SECONDS]\n");
	return 2;
}
