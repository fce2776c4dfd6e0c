/* mb_wire.c — Modbus frames on TCP, TLS and RTU, byte by byte (see mb_wire.h). */
#include "mb_wire.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "stream.h"
#include "util.h"

struct mbw {
	struct stream *st;	/* TCP or TLS */
	int fd;			/* RTU: the serial line */
	int gap_ms;		/* RTU: silence that ends a frame of unknown length */
	int t35_us;		/* RTU: 3.5 character times */
	uint16_t tid;		/* next transaction id */
	int last_tid, last_unit, last_fc;	/* what the next reply must carry; -1: any */
	uint8_t req[5];		/* the request a normal reply must fit (function, address, quantity) */
	size_t req_len;		/* 5 when req holds one, else 0 */
};

struct mbw *mbw_over(struct stream *s)
{
	struct mbw *l = calloc(1, sizeof(*l));

	if (!l) {
		stream_close(s);
		return NULL;
	}
	l->st = s;
	l->fd = -1;
	l->tid = (uint16_t)(time_mono_ms() & 0x7fff) | 1;	/* not 0: a server echoing zeros is caught */
	return l;
}

struct mbw *mbw_tcp(const char *host, int port, int timeout_ms, char *why, size_t len, int *unreachable)
{
	struct stream *s = stream_connect(host, port, 0, NULL, timeout_ms, why, len, unreachable);

	return s ? mbw_over(s) : NULL;
}

static speed_t speed_of(int baud)
{
	switch (baud) {
	case 1200: return B1200;
	case 2400: return B2400;
	case 4800: return B4800;
	case 9600: return B9600;
	case 19200: return B19200;
	case 38400: return B38400;
	case 57600: return B57600;
	case 115200: return B115200;
	default: return 0;
	}
}

int mbw_serial_setup(int fd, const struct mbw_serial *ser, char *why, size_t len)
{
	struct termios tio;
	speed_t sp = speed_of(ser->baud);

	if (!sp) {
		snprintf(why, len, "baud rate %d is not one keur can set (1200 .. 115200)", ser->baud);
		return -1;
	}
	if (tcgetattr(fd, &tio) < 0) {
		snprintf(why, len, "%s is not a serial line: %s", ser->path, strerror(errno));
		return -1;
	}
	cfmakeraw(&tio);
	cfsetispeed(&tio, sp);
	cfsetospeed(&tio, sp);
	tio.c_cflag &= ~(CSIZE | PARENB | PARODD | CSTOPB | CRTSCTS);
	tio.c_cflag |= CLOCAL | CREAD | (ser->data_bits == 7 ? CS7 : CS8);
	if (ser->parity == 'E' || ser->parity == 'O')
		tio.c_cflag |= PARENB | (ser->parity == 'O' ? PARODD : 0);
	if (ser->stop_bits == 2)
		tio.c_cflag |= CSTOPB;
	/* A pty has no parity and drops PARENB, for which the C library then reports EINVAL although
	 * the rest took: what counts is that the line is raw at the right speed. */
	struct termios now;
	if (tcsetattr(fd, TCSANOW, &tio) < 0 &&
	    (errno != EINVAL || tcgetattr(fd, &now) < 0 || cfgetospeed(&now) != sp || (now.c_lflag & ICANON))) {
		snprintf(why, len, "cannot set %s to %d %d%c%d: %s", ser->path, ser->baud, ser->data_bits, ser->parity,
			 ser->stop_bits, strerror(errno));
		return -1;
	}
	tcflush(fd, TCIOFLUSH);
	return 0;
}

struct mbw *mbw_rtu(const struct mbw_serial *ser, char *why, size_t len)
{
	struct mbw *l;
	int fd, bits;

	/* Opened before the case process gave up root, where the runner did so (contain.h). */
	if ((fd = preopen_dup(ser->path)) < 0 && (fd = open(ser->path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)) < 0) {
		snprintf(why, len, "cannot open the serial line %s: %s", ser->path, strerror(errno));
		return NULL;
	}
	if (mbw_serial_setup(fd, ser, why, len) < 0) {
		close(fd);
		return NULL;
	}
	if (!(l = calloc(1, sizeof(*l)))) {
		close(fd);
		snprintf(why, len, "out of memory");
		return NULL;
	}
	l->fd = fd;
	bits = 1 + ser->data_bits + (ser->parity != 'N') + ser->stop_bits;
	/* Above 19200 baud the standard fixes the inter-frame gap at 1.75 ms. */
	l->t35_us = ser->baud > 19200 ? 1750 : (int)(3.5 * bits * 1e6 / ser->baud);
	/* Frames whose length keur cannot know end at a silence; USB adapters and ptys add latency. */
	l->gap_ms = l->t35_us / 1000 + 50;
	snprintf(why, len, "%s at %d %d%c%d", ser->path, ser->baud, ser->data_bits, ser->parity, ser->stop_bits);
	return l;
}

void mbw_close(struct mbw *l)
{
	if (!l)
		return;
	if (l->st)
		stream_close(l->st);
	if (l->fd >= 0)
		close(l->fd);
	free(l);
}

int mbw_is_rtu(const struct mbw *l)
{
	return l->fd >= 0;
}

uint16_t mbw_next_tid(const struct mbw *l)
{
	return l->tid;
}

/* Serial line: waits until it may write (POLLOUT) and writes all, within timeout_ms. */
static int serial_write(struct mbw *l, const uint8_t *p, size_t len, int timeout_ms)
{
	long end = time_mono_ms() + timeout_ms;

	while (len > 0) {
		struct pollfd pf = { .fd = l->fd, .events = POLLOUT };
		long left = end - time_mono_ms();
		ssize_t n;

		if (left <= 0 || poll(&pf, 1, (int)left) <= 0)
			return -1;
		n = write(l->fd, p, len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static uint16_t take_tid(struct mbw *l)
{
	uint16_t t = l->tid++;

	if (l->tid == 0)
		l->tid = 1;
	return t;
}

void mbw_expect(struct mbw *l, int tid, int unit, int fc)
{
	l->last_tid = tid;
	l->last_unit = unit;
	l->last_fc = fc;
	l->req_len = 0;
}

int mbw_send_raw(struct mbw *l, const void *buf, size_t len, int timeout_ms)
{
	if (l->st)
		return stream_write(l->st, buf, len, timeout_ms);
	usleep((useconds_t)l->t35_us);	/* the silence that starts a frame */
	return serial_write(l, buf, len, timeout_ms);
}

size_t mbw_frame(struct mbw *l, int unit, const uint8_t *pdu, size_t plen, uint8_t *out)
{
	size_t n = 0;

	if (plen < 1 || plen > 253)
		return 0;
	mbw_expect(l, l->st ? take_tid(l) : -1, unit, pdu[0] & 0x7f);
	if (plen >= 5) {
		memcpy(l->req, pdu, 5);
		l->req_len = 5;
	}
	if (l->st) {
		out[n++] = (uint8_t)((unsigned)l->last_tid >> 8);
		out[n++] = (uint8_t)l->last_tid;
		out[n++] = 0;
		out[n++] = 0;
		out[n++] = (uint8_t)((plen + 1) >> 8);
		out[n++] = (uint8_t)(plen + 1);
		out[n++] = (uint8_t)unit;
		memcpy(out + n, pdu, plen);
		return n + plen;
	}
	out[n++] = (uint8_t)unit;
	memcpy(out + n, pdu, plen);
	n += plen;
	uint16_t crc = mbw_crc(out, n);
	out[n++] = (uint8_t)crc;
	out[n++] = (uint8_t)(crc >> 8);
	return n;
}

int mbw_send(struct mbw *l, int unit, const uint8_t *pdu, size_t plen, int timeout_ms)
{
	uint8_t adu[MBW_ADU_MAX];
	size_t n = mbw_frame(l, unit, pdu, plen, adu);

	return n ? mbw_send_raw(l, adu, n, timeout_ms) : -1;
}

/* Reads up to want bytes into buf before end: the count, with *closed set when the peer closed. */
static size_t read_until(struct mbw *l, uint8_t *buf, size_t want, long end, int *closed)
{
	size_t got = 0;

	*closed = 0;
	while (got < want) {
		long left = end - time_mono_ms();
		ssize_t n;

		if (left <= 0)
			break;
		if (l->st) {
			n = stream_read(l->st, buf + got, want - got, (int)left);
			if (n == STREAM_TIMEOUT)
				break;
			if (n <= 0) {
				*closed = 1;
				break;
			}
		} else {
			struct pollfd pf = { .fd = l->fd, .events = POLLIN };
			if (poll(&pf, 1, (int)left) <= 0)
				break;
			n = read(l->fd, buf + got, want - got);
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0) {
				*closed = 1;
				break;
			}
		}
		got += (size_t)n;
	}
	return got;
}

static enum mbw_status set(struct mbw_reply *r, enum mbw_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static enum mbw_status set(struct mbw_reply *r, enum mbw_status st, const char *fmt, ...)
{
	va_list ap;

	r->st = st;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
	return st;
}

/* A PDU that arrived for this request: normal, exception or garbled. */
/* Why a normal reply does not fit the read or write it answers, or NULL: a read's byte count
 * must be what the quantity asked for, a write's echo the request's address and value. */
static const char *misfit(const struct mbw *l, const struct mbw_reply *r, char *buf, size_t len)
{
	const uint8_t *q = l->req, *p = r->pdu;
	unsigned qty = (unsigned)q[3] << 8 | q[4], want;

	if (l->req_len < 5 || q[0] != p[0])
		return NULL;
	switch (p[0]) {
	case 1: case 2: case 3: case 4:
		want = p[0] <= 2 ? (qty + 7) / 8 : qty * 2;
		if (r->plen >= 2 && p[1] == want && r->plen == 2 + want)
			return NULL;
		snprintf(buf, len, "a reply of %zu bytes to a read of %u %s (%u data bytes expected)", r->plen, qty,
			 p[0] <= 2 ? "bits" : "registers", want);
		return buf;
	case 5: case 6: case 15: case 16:
		if (r->plen == 5 && !memcmp(p + 1, q + 1, 4))
			return NULL;
		snprintf(buf, len, "a reply of %zu bytes to a write that does not echo its address and %s", r->plen,
			 p[0] <= 6 ? "value" : "quantity");
		return buf;
	default:
		return NULL;
	}
}

static enum mbw_status judge_pdu(struct mbw *l, struct mbw_reply *r)
{
	int fc = r->pdu[0];
	char why[128];
	const char *bad;

	r->fc = fc & 0x7f;
	if (l->last_fc >= 0 && (fc & 0x7f) != l->last_fc)
		return set(r, MBW_GARBLED, "a reply with function code 0x%02x to a request with 0x%02x", fc, l->last_fc);
	if (fc & 0x80) {
		if (r->plen != 2)
			return set(r, MBW_GARBLED, "an exception reply of %zu bytes (2 expected)", r->plen);
		r->exception = r->pdu[1];
		return set(r, MBW_EXCEPTION, "exception %02x (%s)", r->exception, mbw_exception_name(r->exception));
	}
	if ((bad = misfit(l, r, why, sizeof(why))))
		return set(r, MBW_GARBLED, "%s", bad);
	return set(r, MBW_NORMAL, "normal answer (%zu bytes)", r->plen);
}

static enum mbw_status recv_tcp(struct mbw *l, long end, int timeout_ms, struct mbw_reply *r)
{
	for (;;) {
		uint8_t h[7];
		int closed;
		size_t got = read_until(l, h, 7, end, &closed);

		if (got == 0)
			return closed ? set(r, MBW_CLOSED, "the connection was closed without an answer")
				      : set(r, MBW_SILENT, "no answer within %d ms", timeout_ms);
		if (got < 7)
			return set(r, closed ? MBW_CLOSED : MBW_GARBLED, "a truncated reply: %zu bytes of an MBAP header%s",
				   got, closed ? ", then the connection closed" : "");
		unsigned tid = (unsigned)h[0] << 8 | h[1], proto = (unsigned)h[2] << 8 | h[3];
		unsigned len = (unsigned)h[4] << 8 | h[5];
		if (proto != 0)
			return set(r, MBW_GARBLED, "a reply with protocol id %u", proto);
		if (len < 2 || len > 254)
			return set(r, MBW_GARBLED, "a reply whose MBAP length is %u", len);
		got = read_until(l, r->pdu, len - 1, end + 200, &closed);
		if (got < len - 1)
			return set(r, MBW_GARBLED, "a truncated reply: %zu of the %u bytes its header announced", got, len - 1);
		r->plen = len - 1;
		r->unit = h[6];
		r->tid = (int)tid;
		if ((l->last_tid >= 0 && (int)tid != l->last_tid) || (l->last_unit >= 0 && h[6] != l->last_unit)) {
			r->stray++;
			continue;
		}
		return judge_pdu(l, r);
	}
}

/* How long an RTU reply is, from what has come so far: 0 while that is not known yet, -1 when
 * only a silence can tell. */
static int rtu_expected(const uint8_t *b, size_t n)
{
	if (n < 2)
		return 0;
	if (b[1] & 0x80)
		return 5;
	switch (b[1]) {
	case 1: case 2: case 3: case 4: case 12: case 17: case 23:
		return n < 3 ? 0 : 5 + b[2];
	case 5: case 6: case 8: case 11: case 15: case 16:
		return 8;
	case 7:
		return 5;
	case 22:
		return 10;
	default:
		return -1;
	}
}

static enum mbw_status recv_rtu(struct mbw *l, long end, int timeout_ms, struct mbw_reply *r)
{
	for (;;) {
		uint8_t b[300];
		size_t n = 0;
		int closed, want;

		if (read_until(l, b, 1, end, &closed) == 0)
			return set(r, MBW_SILENT, "no answer within %d ms", timeout_ms);
		n = 1;
		/* The rest: until the length the function implies, or a silence. */
		while (n < sizeof(b)) {
			want = rtu_expected(b, n);
			if (want > 0 && n >= (size_t)want)
				break;
			size_t ask = want > 0 ? (size_t)want - n : 1;
			long stop = time_mono_ms() + l->gap_ms;
			size_t got = read_until(l, b + n, ask, stop < end + 200 ? stop : end + 200, &closed);
			if (got == 0)
				break;
			n += got;
		}
		want = rtu_expected(b, n);
		if (n < 4 || (want > 0 && n < (size_t)want))
			return set(r, MBW_GARBLED, "a truncated reply: %zu bytes", n);
		if (mbw_crc(b, n - 2) != (uint16_t)(b[n - 2] | b[n - 1] << 8))
			return set(r, MBW_GARBLED, "a reply of %zu bytes with a wrong CRC", n);
		if (l->last_unit >= 0 && b[0] != l->last_unit) {
			r->stray++;
			continue;
		}
		r->unit = b[0];
		r->plen = n - 3;
		memcpy(r->pdu, b + 1, r->plen);
		return judge_pdu(l, r);
	}
}

enum mbw_status mbw_recv(struct mbw *l, int timeout_ms, struct mbw_reply *r)
{
	enum mbw_status st;

	memset(r, 0, sizeof(*r));
	st = l->st ? recv_tcp(l, time_mono_ms() + timeout_ms, timeout_ms, r) : recv_rtu(l, time_mono_ms() + timeout_ms, timeout_ms, r);
	if (r->stray && (st == MBW_SILENT || st == MBW_CLOSED)) {
		size_t n = strlen(r->why);
		snprintf(r->why + n, sizeof(r->why) - n, " (%d replies with a wrong %s skipped)", r->stray,
			 l->st ? "transaction or unit id" : "unit id");
	}
	return st;
}

enum mbw_status mbw_call(struct mbw *l, int unit, const uint8_t *pdu, size_t plen, int timeout_ms,
			 struct mbw_reply *r)
{
	if (mbw_send(l, unit, pdu, plen, timeout_ms) < 0) {
		memset(r, 0, sizeof(*r));
		return set(r, MBW_CLOSED, "the request could not be sent: %s",
			   l->st ? stream_error(l->st) : strerror(errno));
	}
	return mbw_recv(l, timeout_ms, r);
}

void mbw_drain(struct mbw *l, int ms)
{
	uint8_t junk[512];
	long end = time_mono_ms() + ms;
	int closed = 0;

	while (!closed && time_mono_ms() < end)
		if (read_until(l, junk, sizeof(junk), end, &closed) == 0)
			break;
}

const char *mbw_describe(const struct mbw_reply *r)
{
	return r->why;
}

const char *mbw_exception_name(int code)
{
	static const char *const names[] = {
		[1] = "illegal function", [2] = "illegal data address", [3] = "illegal data value",
		[4] = "server device failure", [5] = "acknowledge", [6] = "server device busy",
		[8] = "memory parity error", [10] = "gateway path unavailable", [11] = "gateway target failed to respond",
	};

	return code > 0 && code < (int)(sizeof(names) / sizeof(names[0])) && names[code] ? names[code] : "not a standard code";
}

const char *mbw_fc_name(int fc)
{
	switch (fc) {
	case 1: return "read coils";
	case 2: return "read discrete inputs";
	case 3: return "read holding registers";
	case 4: return "read input registers";
	case 5: return "write single coil";
	case 6: return "write single register";
	case 7: return "read exception status";
	case 8: return "diagnostics";
	case 11: return "get comm event counter";
	case 12: return "get comm event log";
	case 15: return "write multiple coils";
	case 16: return "write multiple registers";
	case 17: return "report server id";
	case 20: return "read file record";
	case 21: return "write file record";
	case 22: return "mask write register";
	case 23: return "read/write multiple registers";
	case 24: return "read FIFO queue";
	case 43: return "encapsulated interface (MEI)";
	default: return NULL;
	}
}
