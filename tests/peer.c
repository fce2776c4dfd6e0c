/* peer.c — small test helpers that tests start and stop by PID.
 *
 *   peer freeport                 print a port free right now for TCP and UDP on 127.0.0.1, below
 *                                 the ephemeral range (see free_port)
 *   peer wait-port PORT MS        poll until 127.0.0.1:PORT accepts a connection (exit 0) or MS pass (1)
 *   peer serve MODE [SECONDS]     listen on 127.0.0.1:0, print the port, then behave as MODE:
 *        silent   accept and never read or answer
 *        close    accept and close at once
 *        lockout  an MQTT 3.1.1 broker in its simplest form: CONNACK "not authorised" to the first
 *                 five 3.1.1 CONNECTs, then it closes every connection at once (a login lockout);
 *                 a CONNECT of another version it closes at once, without counting it
 *        slow     the same refusal, 150 ms later for every CONNECT after the fifth (a growing delay)
 *        fragile  a minimal broker (CONNACK 0, PUBACK, PUBREC) that dies on a malformed remaining
 *                 length, as a broker with a parser bug would
 *        wedge    the same, but on a malformed remaining length it stops answering and stays up
 *        garbage  answers every connection with bytes that are no MQTT packet, then closes
 *        badcode  CONNACK with return code 0x42, which no MQTT version defines
 *        flood    CONNACK 0, then PUBLISH after PUBLISH as fast as the client takes them (10 s at most)
 *   peer mqtt-only LEVELS UPSTREAM [SECONDS]
 *                                 a broker that speaks only some MQTT versions: listens on
 *                                 127.0.0.1:0 (the port is printed), reads each connection's first
 *                                 packet, closes it without a CONNACK unless it is a CONNECT of a
 *                                 protocol level in LEVELS ("3,4": 3.1 and 3.1.1), and otherwise
 *                                 relays the connection to the broker at 127.0.0.1:UPSTREAM, which
 *                                 does the rest (passwords, ACLs)
 *   peer udp-free PORT            exit 0 if UDP 127.0.0.1:PORT can be bound right now
 *   peer coap MODE [SECONDS]      a CoAP "device" on UDP 127.0.0.1:0 (the port is printed) as MODE:
 *        silent     reads every message and answers none
 *        garbage    answers every message with bytes that are no CoAP message
 *        wrongtoken answers every request 2.05 with the right message ID and another token
 *        flood      answers every request with 50 responses (10 000 at most in all)
 *        wedge      a minimal server (2.05 to GET, 4.01 to writes, 4.02 to unknown critical
 *                   options) that stops answering for good after one message it cannot parse
 *   peer coap-rtt PORT N          N CoAP GET /.well-known/core round trips to 127.0.0.1:PORT, one
 *                                 after another on one socket (1 s per answer at most); prints
 *                                 "answered/N seconds rate_per_s"
 *   peer modbus MODE [SECONDS]    a Modbus TCP "device" on 127.0.0.1:0 (the port is printed) that
 *                                 lies in one way, as MODE:
 *        wrongtid   answers every request correctly but with the next transaction id
 *        wrongunit  the same with another unit id
 *        truncated  a reply header announcing 5 bytes, then 2 of them, then nothing
 *        exception  exception 04 (server device failure) to everything
 *        flood      answers each request with 5000 replies for other transactions, then the right one
 *   A serving peer ends by itself after SECONDS (default 120), so nothing outlives a test. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "peer_io.h"

static int listen_any(int *port)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 64) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(a.sin_port);
	return fd;
}

/* A port that TCP and UDP on 127.0.0.1 can both bind right now, for a peer the caller starts
 * next.  Drawn at random below the kernel's ephemeral range (ip_local_port_range starts at 32768
 * by default), so that no outgoing connection of the test files running beside this one takes
 * it in the meantime, as a port from bind(0) could be. */
static int free_port(void)
{
	struct timespec ts;
	unsigned seed;

	clock_gettime(CLOCK_REALTIME, &ts);
	seed = (unsigned)ts.tv_nsec ^ ((unsigned)getpid() << 16);
	for (int tries = 0; tries < 500; tries++) {
		int port = 15000 + (int)(rand_r(&seed) % (32768 - 15000)), ok = 1;
		for (int type = 0; type < 2 && ok; type++) {
			struct sockaddr_in a;
			int fd = socket(AF_INET, type ? SOCK_DGRAM : SOCK_STREAM, 0);
			memset(&a, 0, sizeof(a));
			a.sin_family = AF_INET;
			a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			a.sin_port = htons((uint16_t)port);
			ok = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
			if (fd >= 0)
				close(fd);
		}
		if (ok)
			return port;
	}
	return -1;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int wait_port(int port, long ms)
{
	long end = now_ms() + ms;

	while (now_ms() < end) {
		struct sockaddr_in a;
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		memset(&a, 0, sizeof(a));
		a.sin_family = AF_INET;
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a.sin_port = htons((unsigned short)port);
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0) {
			close(fd);
			return 0;
		}
		close(fd);
		poll(NULL, 0, 20);
	}
	return 1;
}

static void put(int c, const unsigned char *b, size_t n)
{
	ssize_t w = write(c, b, n);
	(void)w;
}

/* Reads one MQTT packet whole into b (at most cap bytes): its length, with *body where its body
 * starts; -1 at the end, after 3 s of silence or for a packet over cap; PACKET_MALFORMED when a
 * fifth remaining-length byte came (four is the most MQTT allows). */
enum { PACKET_MALFORMED = -2 };

static long read_packet(int c, unsigned char *b, size_t cap, size_t *body)
{
	size_t n = 1, len = 0, mul = 1;

	if (cap < 5 || read_n(c, b, 1, 3000) < 0)
		return -1;
	for (int i = 0;; i++) {
		if (read_n(c, b + n, 1, 3000) < 0)
			return -1;
		if (i == 4)
			return PACKET_MALFORMED;
		len += (b[n] & 0x7fu) * mul;
		mul *= 128;
		if (!(b[n++] & 0x80))
			break;
	}
	if (len > cap - n || read_n(c, b + n, len, 3000) < 0)
		return -1;
	*body = n;
	return (long)(n + len);
}

/* The protocol level of a packet read by read_packet() if it is a CONNECT, or -1. */
static int connect_level(const unsigned char *b, long n, size_t body)
{
	if (n < 0 || b[0] != 0x10 || (long)body + 2 > n)
		return -1;
	long name = (long)b[body] << 8 | b[body + 1];
	return (long)body + 2 + name < n ? b[body + 2 + name] : -1;
}

/* The minimal broker of fragile and wedge: returns 1 when a malformed packet came. */
static int mini_broker(int c)
{
	unsigned char pk[5 + 4096];

	for (;;) {
		size_t off;
		long n = read_packet(c, pk, sizeof(pk), &off);
		if (n == PACKET_MALFORMED)
			return 1;	/* where the parser bug bites: a fifth length byte */
		if (n < 0)
			return 0;
		unsigned char first = pk[0], *body = pk + off;
		size_t len = (size_t)n - off;
		if (first >> 4 == 1) {
			static const unsigned char ok[] = { 0x20, 0x02, 0x00, 0x00 };
			put(c, ok, sizeof(ok));
		} else if (first >> 4 == 3 && (first & 6) && len >= 4) {
			size_t tl = (size_t)body[0] << 8 | body[1];
			if (tl + 4 <= len) {
				unsigned char ack[] = { (first & 4) ? 0x50 : 0x40, 0x02, body[2 + tl], body[3 + tl] };
				put(c, ack, sizeof(ack));
			}
		}
	}
}

static void answer(int c, const char *mode, long end)
{
	unsigned char buf[1024];
	struct pollfd cp = { .fd = c, .events = POLLIN };

	if (!strcmp(mode, "garbage")) {
		static const unsigned char junk[] = "\xff\xfe\x00HTTP/1.1 400 Bad Request\r\n\r\n\x9c\x00\x01";
		if (poll(&cp, 1, 1000) > 0 && read(c, buf, sizeof(buf)) > 0)
			put(c, junk, sizeof(junk) - 1);
	} else if (!strcmp(mode, "badcode")) {
		static const unsigned char odd[] = { 0x20, 0x02, 0x00, 0x42 };
		if (poll(&cp, 1, 1000) > 0 && read(c, buf, sizeof(buf)) > 0)
			put(c, odd, sizeof(odd));
		poll(NULL, 0, 200);
	} else if (!strcmp(mode, "flood")) {
		static const unsigned char ok[] = { 0x20, 0x02, 0x00, 0x00 };
		unsigned char pub[64] = { 0x30, 0, 0, 5, 'f', 'l', 'o', 'o', 'd' };
		size_t n = 9;
		memset(pub + n, 'x', 40);
		n += 40;
		pub[1] = (unsigned char)(n - 2);
		if (poll(&cp, 1, 1000) > 0 && read(c, buf, sizeof(buf)) > 0) {
			put(c, ok, sizeof(ok));
			long stop = now_ms() + 10000;
			while (now_ms() < stop && now_ms() < end && write(c, pub, n) == (ssize_t)n)
				;
		}
	}
	close(c);
}

/* A serving peer's start: listen on 127.0.0.1:0 and print the port; the fd, or -1. */
static int listen_announce(void)
{
	int port, fd = listen_any(&port);

	if (fd < 0) {
		perror("peer: listen");
		return -1;
	}
	printf("%d\n", port);
	fflush(stdout);
	signal(SIGPIPE, SIG_IGN);
	return fd;
}

/* The next connection on fd before end (ms, polled every 200 ms), or -1 once end has come. */
static int accept_before(int fd, long end)
{
	while (now_ms() < end) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		int c;
		if (poll(&pf, 1, 200) > 0 && (c = accept(fd, NULL, NULL)) >= 0)
			return c;
	}
	return -1;
}

static int serve(const char *mode, int seconds)
{
	int fd = listen_announce(), held[256], nheld = 0;
	long end = now_ms() + seconds * 1000L;

	if (fd < 0)
		return 1;
	for (int c; (c = accept_before(fd, end)) >= 0;) {
		if (!strcmp(mode, "lockout") || !strcmp(mode, "slow")) {
			static int n;
			static const unsigned char refused[] = { 0x20, 0x02, 0x00, 0x05 };
			unsigned char buf[1024];
			size_t off = 0;
			long len = read_packet(c, buf, sizeof(buf), &off);
			/* It speaks 3.1.1 only: another version's CONNECT is closed and not counted. */
			if (connect_level(buf, len, off) != 4) {
				close(c);
				continue;
			}
			n++;
			if (n <= 5 || !strcmp(mode, "slow")) {
				if (n > 5)
					poll(NULL, 0, 150);
				ssize_t w = write(c, refused, sizeof(refused));
				(void)w;
			}
			close(c);
			continue;
		}
		if (!strcmp(mode, "fragile") || !strcmp(mode, "wedge")) {
			int bad = mini_broker(c);
			close(c);
			if (bad && !strcmp(mode, "fragile"))
				return 3;	/* "crashed" */
			while (bad && now_ms() < end)
				poll(NULL, 0, 200);	/* wedged: up, listening, answering no one */
			continue;
		}
		if (!strcmp(mode, "garbage") || !strcmp(mode, "badcode") || !strcmp(mode, "flood")) {
			answer(c, mode, end);
			continue;
		}
		if (!strcmp(mode, "close")) {
			close(c);
		} else {
			/* silent: keep it open, read nothing; when full, the oldest goes, never the newest */
			if (nheld == 256) {
				close(held[0]);
				memmove(held, held + 1, sizeof(held[0]) * 255);
				nheld--;
			}
			held[nheld++] = c;
		}
	}
	for (int i = 0; i < nheld; i++)
		close(held[i]);
	return 0;
}

/* ---- A broker that speaks only some MQTT versions (a relay in front of a real one) ---- */

/* Copies both ways between a and b until either side ends. */
static void relay(int a, int b)
{
	unsigned char buf[16384];

	for (;;) {
		struct pollfd pf[2] = { { .fd = a, .events = POLLIN }, { .fd = b, .events = POLLIN } };
		if (poll(pf, 2, -1) < 0)
			return;
		for (int i = 0; i < 2; i++) {
			if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t r = read(pf[i].fd, buf, sizeof(buf));
			if (r <= 0 || write(pf[i ? 0 : 1].fd, buf, (size_t)r) != r)
				return;
		}
	}
}

static void only_one(int c, const char *levels, int upstream)
{
	unsigned char first[65536];
	size_t off = 0;
	long n = read_packet(c, first, sizeof(first), &off);
	int level = connect_level(first, n, off), u;
	char want[8];
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)upstream),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	snprintf(want, sizeof(want), "%d", level);
	if (level < 0 || !strstr(levels, want))
		return;		/* not a version we speak: close, no CONNACK */
	u = socket(AF_INET, SOCK_STREAM, 0);
	if (u < 0 || connect(u, (struct sockaddr *)&a, sizeof(a)) < 0 || write(u, first, (size_t)n) != n)
		return;
	relay(c, u);
	close(u);
}

static int mqtt_only(const char *levels, int upstream, int seconds)
{
	int fd = listen_announce();
	long end = now_ms() + seconds * 1000L;
	pid_t self = getpid();

	if (fd < 0)
		return 1;
	signal(SIGCHLD, SIG_IGN);	/* no zombies from the connections' children */
	for (int c; (c = accept_before(fd, end)) >= 0;) {
		if (fork() == 0) {
			/* A connection's child goes with the peer the test stops by PID, and by its end. */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != self)
				_exit(0);
			alarm((unsigned)(end - now_ms()) / 1000 + 1);
			close(fd);
			only_one(c, levels, upstream);
			_exit(0);
		}
		close(c);
	}
	return 0;
}

/* ---- CoAP over UDP ---- */

static int udp_bind(int *port)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)*port);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(a.sin_port);
	return fd;
}

/* Is this a CoAP message this peer understands (version 1, TKL <= 8, options well formed)?
 * The answer code for a request: 205, 401 for writes, 402 for an unknown critical option. */
static int coap_judge(const unsigned char *b, size_t n)
{
	size_t i, tkl;
	unsigned num = 0;

	if (n < 4 || b[0] >> 6 != 1 || (tkl = b[0] & 0x0f) > 8 || n < 4 + tkl)
		return -1;
	for (i = 4 + tkl; i < n && b[i] != 0xff;) {
		unsigned d = b[i] >> 4, l = b[i] & 0x0f;
		i++;
		if (d == 15 || l == 15)
			return -1;
		if (d == 13) { if (i >= n) return -1; d = 13u + b[i++]; }
		else if (d == 14) { if (i + 1 >= n) return -1; d = 269u + (b[i] << 8 | b[i + 1]); i += 2; }
		if (l == 13) { if (i >= n) return -1; l = 13u + b[i++]; }
		else if (l == 14) { if (i + 1 >= n) return -1; l = 269u + (b[i] << 8 | b[i + 1]); i += 2; }
		num += d;
		if (i + l > n || num > 65535)
			return -1;
		i += l;
		if ((num & 1) && num != 11 && num != 15 && num != 1 && num != 3 && num != 5 && num != 35 && num != 39)
			return 402;	/* a critical option this peer does not know */
	}
	if (i < n && i + 1 == n)
		return -1;	/* a payload marker with no payload */
	return b[1] == 1 ? 205 : b[1] >= 2 && b[1] <= 7 ? 401 : -1;
}

static int coap_serve(const char *mode, int seconds)
{
	int port = 0, fd = udp_bind(&port), wedged = 0;
	long end = now_ms() + seconds * 1000L, total = 0;

	if (fd < 0)
		return 1;
	printf("%d\n", port);
	fflush(stdout);
	srand(4242);
	while (now_ms() < end) {
		unsigned char in[2048], out[1200];
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		size_t o = 0;

		if (poll(&pf, 1, 200) <= 0)
			continue;
		ssize_t n = recvfrom(fd, in, sizeof(in), 0, (struct sockaddr *)&from, &fl);
		if (n < 4 || !strcmp(mode, "silent") || wedged)
			continue;
		size_t tkl = (in[0] & 0x0f) <= 8 ? (in[0] & 0x0f) : 0;
		if (!strcmp(mode, "garbage")) {
			for (o = 0; o < 40; o++)
				out[o] = (unsigned char)(rand() & 0xff);
			out[0] = 0x00;	/* version 0: never a CoAP message */
		} else if (!strcmp(mode, "wrongtoken")) {
			out[0] = (unsigned char)(0x60 | 4);	/* ACK, 4-byte token */
			out[1] = 0x45;
			out[2] = in[2];
			out[3] = in[3];
			memcpy(out + 4, "nope", 4);
			out[8] = 0xff;
			memcpy(out + 9, "20.0", 4);
			o = 13;
		} else if (!strcmp(mode, "flood")) {
			for (int k = 0; k < 50 && total < 10000; k++, total++) {
				out[0] = (unsigned char)(0x50 | tkl);	/* NON responses, one after another */
				out[1] = 0x45;
				out[2] = (unsigned char)(k >> 8);
				out[3] = (unsigned char)k;
				memcpy(out + 4, in + 4, tkl);
				o = 4 + tkl;
				out[o++] = 0xff;
				memcpy(out + o, "flood-flood-flood", 17);
				o += 17;
				sendto(fd, out, o, 0, (struct sockaddr *)&from, fl);
			}
			continue;
		} else {	/* wedge */
			int code = coap_judge(in, (size_t)n);
			if (code < 0) {
				wedged = 1;
				continue;
			}
			out[0] = (unsigned char)(0x60 | tkl);
			out[1] = (unsigned char)(code / 100 << 5 | code % 100);
			out[2] = in[2];
			out[3] = in[3];
			memcpy(out + 4, in + 4, tkl);
			o = 4 + tkl;
			if (code == 205) {
				out[o++] = 0xff;
				memcpy(out + o, "ok", 2);
				o += 2;
			}
		}
		sendto(fd, out, o, 0, (struct sockaddr *)&from, fl);
	}
	close(fd);
	return 0;
}

static int coap_rtt(int port, int n)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_DGRAM, 0), answered = 0;
	long t0 = now_ms();

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return 1;
	for (int i = 0; i < n && i < 1000000; i++) {
		/* CON GET, token "rt" + MID, Uri-Path ".well-known", "core" */
		unsigned char m[32] = { 0x46, 0x01, (unsigned char)(i >> 8), (unsigned char)i, 'r', 't',
					(unsigned char)(i >> 8), (unsigned char)i, 0xbb };
		memcpy(m + 9, ".well-known", 11);
		m[20] = 0x04;
		memcpy(m + 21, "core", 4);
		if (send(fd, m, 25, 0) != 25)
			break;
		for (long end = now_ms() + 1000; now_ms() < end;) {
			unsigned char in[2048];
			struct pollfd pf = { .fd = fd, .events = POLLIN };
			if (poll(&pf, 1, 100) <= 0)
				continue;
			ssize_t got = recv(fd, in, sizeof(in), 0);
			if (got >= 4 && in[2] == m[2] && in[3] == m[3]) {
				answered++;
				break;
			}
		}
	}
	double secs = (now_ms() - t0) / 1000.0;
	printf("%d/%d %.3f %.0f\n", answered, n, secs, secs > 0 ? answered / secs : 0);
	close(fd);
	return 0;
}

/* ---- Modbus TCP ---- */

/* The answer a correct server would give: zeros for reads, the echo for writes. */
static size_t mb_pdu(const unsigned char *q, size_t n, const char *mode, unsigned char *out)
{
	int fc = q[0], qty = n >= 5 ? q[3] << 8 | q[4] : 0;

	if (!strcmp(mode, "exception") || ((fc < 1 || fc > 6) && fc != 15 && fc != 16)) {
		out[0] = (unsigned char)(fc | 0x80), out[1] = !strcmp(mode, "exception") ? 4 : 1;
		return 2;
	}
	if (fc <= 4) {
		int bytes = fc <= 2 ? (qty + 7) / 8 : 2 * qty;
		if (qty < 1 || bytes > 250) {
			out[0] = (unsigned char)(fc | 0x80), out[1] = 3;
			return 2;
		}
		out[0] = (unsigned char)fc, out[1] = (unsigned char)bytes;
		memset(out + 2, 0, (size_t)bytes);
		return 2 + (size_t)bytes;
	}
	memcpy(out, q, 5);
	return 5;
}

static void mb_reply(int c, const unsigned char *h, const unsigned char *q, size_t n, const char *mode)
{
	unsigned char out[300];
	size_t k = mb_pdu(q, n, mode, out + 7);
	unsigned tid = (unsigned)h[0] << 8 | h[1];

	out[0] = (unsigned char)(tid >> 8), out[1] = (unsigned char)tid, out[2] = 0, out[3] = 0;
	out[4] = (unsigned char)((k + 1) >> 8), out[5] = (unsigned char)(k + 1), out[6] = h[6];
	if (!strcmp(mode, "wrongtid"))
		out[0] = (unsigned char)((tid + 1) >> 8), out[1] = (unsigned char)(tid + 1);
	if (!strcmp(mode, "wrongunit"))
		out[6] = (unsigned char)(h[6] + 1);
	if (!strcmp(mode, "truncated")) {
		out[5] = 6;
		put(c, out, 9);
		return;
	}
	if (!strcmp(mode, "flood")) {
		for (int i = 0; i < 5000; i++) {
			unsigned char o[12];
			memcpy(o, out, 7 + 2);
			o[0] = (unsigned char)((tid + 1 + i) >> 8), o[1] = (unsigned char)(tid + 1 + i);
			if (((unsigned)o[0] << 8 | o[1]) == tid)
				continue;
			o[4] = 0, o[5] = 3, o[7] = (unsigned char)(q[0] | 0x80), o[8] = 4;
			put(c, o, 9);
		}
	}
	put(c, out, 7 + k);
}

static int mb_serve(const char *mode, int seconds)
{
	int fd = listen_announce(), cl[64], ncl = 0;
	long end = now_ms() + seconds * 1000L;

	if (fd < 0)
		return 1;
	while (now_ms() < end) {
		struct pollfd pf[65];
		int n = 0;
		pf[n].fd = fd, pf[n++].events = POLLIN;
		for (int i = 0; i < ncl; i++)
			pf[n].fd = cl[i], pf[n++].events = POLLIN;
		if (poll(pf, (nfds_t)n, 200) <= 0)
			continue;
		for (int i = ncl - 1; i >= 0; i--) {
			unsigned char h[7], q[260];
			if (!(pf[i + 1].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			unsigned len = 0;
			if (read_n(cl[i], h, 7, 500) < 0 || (len = (unsigned)h[4] << 8 | h[5]) < 2 || len > 254 ||
			    read_n(cl[i], q, len - 1, 500) < 0) {
				close(cl[i]);
				cl[i] = cl[--ncl];
				continue;
			}
			mb_reply(cl[i], h, q, len - 1, mode);
		}
		if (pf[0].revents & POLLIN) {
			int c = accept(fd, NULL, NULL);
			if (c >= 0 && ncl < 64)
				cl[ncl++] = c;
			else if (c >= 0)
				close(c);
		}
	}
	for (int i = 0; i < ncl; i++)
		close(cl[i]);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "freeport")) {
		int port = free_port();
		if (port < 0)
			return 1;
		printf("%d\n", port);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "coap-rtt"))
		return coap_rtt(atoi(argv[2]), atoi(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "udp-free")) {
		int port = atoi(argv[2]), fd = udp_bind(&port);
		if (fd < 0)
			return 1;
		close(fd);
		return 0;
	}
	static const char *const coap_modes[] = { "silent", "garbage", "wrongtoken", "flood", "wedge" };
	for (size_t i = 0; argc >= 3 && !strcmp(argv[1], "coap") && i < sizeof(coap_modes) / sizeof(coap_modes[0]); i++)
		if (!strcmp(argv[2], coap_modes[i]))
			return coap_serve(argv[2], argc >= 4 ? atoi(argv[3]) : 120);
	static const char *const mb_modes[] = { "wrongtid", "wrongunit", "truncated", "exception", "flood" };
	for (size_t i = 0; argc >= 3 && !strcmp(argv[1], "modbus") && i < sizeof(mb_modes) / sizeof(mb_modes[0]); i++)
		if (!strcmp(argv[2], mb_modes[i]))
			return mb_serve(argv[2], argc >= 4 ? atoi(argv[3]) : 120);
	if (argc >= 4 && !strcmp(argv[1], "mqtt-only"))
		return mqtt_only(argv[2], atoi(argv[3]), argc >= 5 ? atoi(argv[4]) : 120);
	if (argc == 4 && !strcmp(argv[1], "wait-port"))
		return wait_port(atoi(argv[2]), atol(argv[3]));
	static const char *const modes[] = { "silent", "close", "lockout", "slow", "fragile", "wedge", "garbage",
		"badcode", "flood" };
	for (size_t i = 0; argc >= 3 && !strcmp(argv[1], "serve") && i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(argv[2], modes[i]))
			return serve(argv[2], argc >= 4 ? atoi(argv[3]) : 120);
	fprintf(stderr, "usage: peer freeport | udp-free PORT | coap-rtt PORT N | wait-port PORT MS | mqtt-only LEVELS "
			"UPSTREAM [SECONDS] | serve "
			"silent|close|lockout|slow|fragile|wedge|garbage|badcode|flood [SECONDS] | coap "
			"silent|garbage|wrongtoken|flood|wedge [SECONDS] | modbus wrongtid|wrongunit|truncated|exception|flood "
			"[SECONDS]\n");
	return 2;
}
