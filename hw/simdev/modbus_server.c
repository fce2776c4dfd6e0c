/* modbus_server.c — the device's Modbus server, over TCP and (with --modbus-rtu) a serial line,
 * in the device's event loop.  libmodbus builds the answers; the framing is the device's own and
 * strict, as the standard asks and as libmodbus is not: an MBAP header with a protocol id other
 * than 0 is dropped, an impossible MBAP length closes the connection, a PDU whose length does not
 * fit its function code gets exception 03, an unsupported code gets exception 01 at once, and
 * on the serial line a frame with a bad CRC or for another unit is ignored.
 *
 * Register map (documented in --help): coil 0 relay (rw); discrete input 0 cloud link up;
 * input registers 0 temperature x10, 1-3 firmware version; holding registers 0 setpoint x10 (rw),
 * 100 report interval s and 101 mode (configuration: read-only unless --flaw open-write).
 * Function codes 1-6, 15, 16, 17, 22, 23 and 43/14 (device identification); with --flaw
 * extra-port also an undeclared vendor code, 65, that dumps the configuration. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <modbus.h>

#include "mb_wire.h"
#include "server.h"

#define MB_MAX_CLIENTS 32
#define MB_UNIT 1

struct conn {
	int fd;
	uint8_t buf[600];
	size_t len;
	int64_t last_ms;	/* RTU: when the last byte came */
};

struct mbsrv {
	struct simdev *d;
	modbus_t *tcp, *rtu;
	modbus_mapping_t *map;
	int listen_fd;
	struct conn clients[MB_MAX_CLIENTS];
	int nclients;
	struct conn line;	/* RTU; fd -1 when off */
	uint16_t was[4];	/* what to_map wrote of the writable values: relay, setpoint, interval, mode */
};

struct mbsrv *mbsrv_new(struct simdev *d, const char *addr, int port, const char *rtu_path)
{
	struct mbsrv *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->d = d;
	m->listen_fd = -1;
	m->line.fd = -1;
	m->map = modbus_mapping_new(16, 16, 128, 16);
	if (!m->map)
		goto bad;
	if (port) {
		if (!(m->tcp = modbus_new_tcp(addr, port)))
			goto bad;
		m->listen_fd = modbus_tcp_listen(m->tcp, 16);
		if (m->listen_fd < 0) {
			simdev_log("modbus: cannot listen on %s:%d: %s", addr, port, modbus_strerror(errno));
			goto bad;
		}
		simdev_log("modbus: listening on %s:%d", addr, port);
	}
	if (rtu_path) {
		if (!(m->rtu = modbus_new_rtu(rtu_path, 19200, 'E', 8, 1)) || modbus_set_slave(m->rtu, MB_UNIT) < 0 ||
		    modbus_connect(m->rtu) < 0) {
			simdev_log("modbus: cannot open the serial line %s: %s", rtu_path, modbus_strerror(errno));
			goto bad;
		}
		m->line.fd = modbus_get_socket(m->rtu);
		fcntl(m->line.fd, F_SETFL, fcntl(m->line.fd, F_GETFL) | O_NONBLOCK);
		simdev_log("modbus: RTU unit %d on %s (19200 8E1)", MB_UNIT, rtu_path);
	}
	return m;
bad:
	mbsrv_free(m);
	return NULL;
}

void mbsrv_free(struct mbsrv *m)
{
	if (!m)
		return;
	for (int i = 0; i < m->nclients; i++)
		close(m->clients[i].fd);
	if (m->listen_fd >= 0)
		close(m->listen_fd);
	if (m->map)
		modbus_mapping_free(m->map);
	if (m->tcp)
		modbus_free(m->tcp);
	if (m->rtu) {
		modbus_close(m->rtu);
		modbus_free(m->rtu);
	}
	free(m);
}

int mbsrv_pollfds(struct mbsrv *m, struct pollfd *pf, int max)
{
	int n = 0;

	if (!m)
		return 0;
	if (m->listen_fd >= 0 && n < max)
		pf[n].fd = m->listen_fd, pf[n].events = POLLIN, pf[n++].revents = 0;
	if (m->line.fd >= 0 && n < max)
		pf[n].fd = m->line.fd, pf[n].events = POLLIN, pf[n++].revents = 0;
	for (int i = 0; i < m->nclients && n < max; i++)
		pf[n].fd = m->clients[i].fd, pf[n].events = POLLIN, pf[n++].revents = 0;
	return n;
}

static void to_map(struct mbsrv *m)
{
	const struct simdev *d = m->d;
	unsigned maj = 0, min = 0, pat = 0;

	sscanf(d->firmware, "%u.%u.%u", &maj, &min, &pat);
	m->map->tab_bits[0] = (uint8_t)d->relay;
	m->map->tab_input_bits[0] = (uint8_t)d->online;
	m->map->tab_input_registers[0] = (uint16_t)(int16_t)(d->temp * 10.0);
	m->map->tab_input_registers[1] = (uint16_t)maj;
	m->map->tab_input_registers[2] = (uint16_t)min;
	m->map->tab_input_registers[3] = (uint16_t)pat;
	m->map->tab_registers[0] = (uint16_t)(int16_t)(d->setpoint * 10.0);
	m->map->tab_registers[100] = (uint16_t)d->report_interval;
	m->map->tab_registers[101] = (uint16_t)d->mode;
	m->was[0] = m->map->tab_bits[0];
	m->was[1] = m->map->tab_registers[0];
	m->was[2] = m->map->tab_registers[100];
	m->was[3] = m->map->tab_registers[101];
}

/* Applies what a write (PDU p) changed in the mapping to the device, through its own checks:
 * each value against what to_map wrote, not against the device, which an earlier value of the
 * same write may have changed (switching the relay by hand moves the mode).  A write to the
 * relay's coil counts even when it holds that value already: it takes the relay from the
 * thermostat. */
static void from_map(struct mbsrv *m, const uint8_t *p)
{
	struct simdev *d = m->d;
	char v[32];
	int relay_written = (p[0] == 5 || p[0] == 15) && p[1] == 0 && p[2] == 0;

	if (m->map->tab_bits[0] != m->was[0] || relay_written) {
		snprintf(v, sizeof(v), "%d", m->map->tab_bits[0] ? 1 : 0);
		simdev_set(d, "relay", v);
	}
	if (m->map->tab_registers[0] != m->was[1]) {
		snprintf(v, sizeof(v), "%.1f", (int16_t)m->map->tab_registers[0] / 10.0);
		simdev_set(d, "setpoint", v);
	}
	if (m->map->tab_registers[100] != m->was[2]) {
		snprintf(v, sizeof(v), "%u", m->map->tab_registers[100]);
		simdev_set(d, "report-interval", v);
	}
	if (m->map->tab_registers[101] != m->was[3]) {
		snprintf(v, sizeof(v), "%u", m->map->tab_registers[101]);
		simdev_set(d, "mode", v);
	}
}

/* Is this a write that touches the configuration (holding registers 100 and up, coils 1 and up)? */
static int writes_config(const uint8_t *p)
{
	int fc = p[0], addr = p[1] << 8 | p[2], qty = 1;

	if (fc == 15 || fc == 16)
		qty = p[3] << 8 | p[4];
	if (fc == 23)
		addr = p[5] << 8 | p[6], qty = p[7] << 8 | p[8];
	switch (fc) {
	case 5: case 15:
		return addr + qty > 1;
	case 6: case 16: case 22: case 23:
		return addr + qty > 1 && !(addr == 0 && qty == 1);
	default:
		return 0;
	}
}

static int supported(const struct simdev *d, int fc)
{
	return (fc >= 1 && fc <= 6) || fc == 15 || fc == 16 || fc == 17 || fc == 22 || fc == 23 || fc == 43 ||
	       (fc == 65 && has_flaw(d, FLAW_EXTRA_PORT));
}

/* The PDU length fc needs, from what the PDU says; 0 when the code takes any length. */
static size_t pdu_length(const uint8_t *p, size_t n)
{
	switch (p[0]) {
	case 1: case 2: case 3: case 4: case 5: case 6:
		return 5;
	case 15: case 16:
		return n >= 6 ? 6u + p[5] : 6;
	case 17:
		return 1;
	case 22:
		return 7;
	case 23:
		return n >= 10 ? 10u + p[9] : 10;
	case 43:
		return 4;
	default:
		return 0;
	}
}

/* A quantity out of the standard's bounds, or a byte count that does not match it: exception 03
 * before anything else is looked at (libmodbus would say so too, but only after a pause). */
static int bad_quantity(const uint8_t *p)
{
	int q = p[3] << 8 | p[4];

	switch (p[0]) {
	case 1: case 2:
		return q < 1 || q > 2000;
	case 3: case 4:
		return q < 1 || q > 125;
	case 15:
		return q < 1 || q > 1968 || p[5] != (q + 7) / 8;
	case 16:
		return q < 1 || q > 123 || p[5] != 2 * q;
	case 23: {
		int w = p[7] << 8 | p[8];
		return q < 1 || q > 125 || w < 1 || w > 121 || p[9] != 2 * w;
	}
	default:
		return 0;
	}
}

/* Sends a PDU the device made itself, framed for the link the request came on. */
static void send_pdu(struct conn *c, int rtu, const uint8_t *req, const uint8_t *pdu, size_t n)
{
	uint8_t out[300];
	size_t k = 0;

	if (rtu) {
		out[k++] = req[0];
	} else {
		memcpy(out, req, 4);	/* transaction and protocol id */
		out[4] = (uint8_t)((n + 1) >> 8), out[5] = (uint8_t)(n + 1), out[6] = req[6];
		k = 7;
	}
	memcpy(out + k, pdu, n);
	k += n;
	if (rtu) {
		uint16_t crc = mbw_crc(out, k);
		out[k++] = (uint8_t)crc, out[k++] = (uint8_t)(crc >> 8);
	}
	if (write(c->fd, out, k) < 0)
		simdev_log("modbus: reply not sent: %s", strerror(errno));
}

static void exception(struct conn *c, int rtu, const uint8_t *req, int fc, int code)
{
	uint8_t pdu[2] = { (uint8_t)(fc | 0x80), (uint8_t)code };

	send_pdu(c, rtu, req, pdu, 2);
}

/* 43/14: vendor, product code and revision (basic), product and model name (regular). */
static void device_id(struct mbsrv *m, struct conn *c, int rtu, const uint8_t *req, const uint8_t *p)
{
	const char *obj[6] = { "keur", "keur-simdev", m->d->firmware, "https://keur.invalid/", "keur reference device",
			       "simdev" };
	uint8_t out[253];
	size_t k = 7;
	int code = p[2], first = p[3], last = code == 1 ? 2 : 5, n = 0;

	if (p[1] != 14) {
		exception(c, rtu, req, 43, MODBUS_EXCEPTION_ILLEGAL_FUNCTION);
		return;
	}
	if (code < 1 || code > 4) {
		exception(c, rtu, req, 43, MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE);
		return;
	}
	if (code == 4 || first > last)	/* one object, or start over from 0 as the standard says */
		first = first <= 5 ? first : 0;
	if (code == 4)
		last = first;
	out[0] = 43, out[1] = 14, out[2] = (uint8_t)code, out[3] = 0x82, out[4] = 0, out[5] = 0;
	for (int id = first; id <= last; id++, n++) {
		size_t len = strlen(obj[id]);
		out[k++] = (uint8_t)id, out[k++] = (uint8_t)len;
		memcpy(out + k, obj[id], len);
		k += len;
	}
	out[6] = (uint8_t)n;
	send_pdu(c, rtu, req, out, k);
}

/* Answers one whole frame: adu starts with the MBAP header (TCP) or the unit (RTU). */
static void answer(struct mbsrv *m, struct conn *c, int rtu, uint8_t *adu, size_t alen)
{
	modbus_t *ctx = rtu ? m->rtu : m->tcp;
	size_t h = rtu ? 1 : 7, plen = alen - h - (rtu ? 2 : 0);
	const uint8_t *p = adu + h;
	size_t need = pdu_length(p, plen);
	int fc = p[0], bad_len = need && need != plen;

	if (has_flaw(m->d, FLAW_CRASH_ON_MALFORMED) &&
	    (bad_len || (fc >= 1 && fc <= 4 && plen >= 5 && (p[3] << 8 | p[4]) == 0))) {
		simdev_log("modbus: malformed frame, and this device has crash-on-malformed");
		abort();
	}
	if (!supported(m->d, fc)) {
		exception(c, rtu, adu, fc & 0x7f, MODBUS_EXCEPTION_ILLEGAL_FUNCTION);
		return;
	}
	if (bad_len || bad_quantity(p)) {
		exception(c, rtu, adu, fc, MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE);
		return;
	}
	if (!simdev_local_ok(m->d)) {
		exception(c, rtu, adu, fc, MODBUS_EXCEPTION_SLAVE_OR_SERVER_FAILURE);
		return;
	}
	if (fc == 43) {
		device_id(m, c, rtu, adu, p);
		return;
	}
	if (fc == 65) {	/* the vendor's forgotten debug code */
		char dump[120];
		int n = snprintf(dump, sizeof(dump), "A%cDEBUG mode=%d interval=%d setpoint=%.1f", 0, m->d->mode,
				 m->d->report_interval, m->d->setpoint);
		dump[0] = 65;
		send_pdu(c, rtu, adu, (const uint8_t *)dump, (size_t)n);
		return;
	}
	if (writes_config(p) && !has_flaw(m->d, FLAW_OPEN_WRITE)) {
		exception(c, rtu, adu, fc, MODBUS_EXCEPTION_ILLEGAL_DATA_ADDRESS);
		return;
	}
	to_map(m);
	modbus_set_socket(ctx, c->fd);
	if (modbus_reply(ctx, adu, (int)alen, m->map) < 0)
		simdev_log("modbus: reply not sent: %s", modbus_strerror(errno));
	else
		from_map(m, p);
}

static void drop_client(struct mbsrv *m, int i, const char *why)
{
	if (why)
		simdev_log("modbus: closing a connection: %s", why);
	close(m->clients[i].fd);
	m->clients[i] = m->clients[--m->nclients];
}

/* TCP: reads what came and answers every whole frame in it.  0, or -1 when the client goes. */
static int serve_tcp(struct mbsrv *m, int i)
{
	struct conn *c = &m->clients[i];
	ssize_t n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);

	if (n <= 0) {
		drop_client(m, i, NULL);
		return -1;
	}
	c->len += (size_t)n;
	while (c->len >= 7) {
		unsigned proto = (unsigned)c->buf[2] << 8 | c->buf[3], len = (unsigned)c->buf[4] << 8 | c->buf[5];

		if (len < 2 || len > 254) {
			drop_client(m, i, "an MBAP length no frame can have");
			return -1;
		}
		if (c->len < 6 + len)
			break;
		if (proto != 0) {
			simdev_log("modbus: frame with protocol id %u dropped", proto);
			if (has_flaw(m->d, FLAW_CRASH_ON_MALFORMED))
				abort();
		} else if (c->buf[6] == MB_UNIT || c->buf[6] == 0 || c->buf[6] == 0xff) {
			answer(m, c, 0, c->buf, 6 + len);
		}
		memmove(c->buf, c->buf + 6 + len, c->len - 6 - len);
		c->len -= 6 + len;
	}
	return 0;
}

/* RTU: a frame ends when its function code says so, or at a silence (checked by mbsrv_tick). */
static size_t rtu_request_length(const uint8_t *b, size_t n)
{
	if (n < 2)
		return 0;
	switch (b[1]) {
	case 15: case 16:
		return n >= 7 ? 9u + b[6] : 0;
	case 23:
		return n >= 11 ? 13u + b[10] : 0;
	default: {
		size_t p = pdu_length(b + 1, n - 1);
		return p ? p + 3 : 0;
	}
	}
}

static void rtu_frame(struct mbsrv *m, size_t n)
{
	struct conn *c = &m->line;

	if (n < 4 || mbw_crc(c->buf, n - 2) != (uint16_t)(c->buf[n - 2] | c->buf[n - 1] << 8))
		simdev_log("modbus: RTU frame of %zu bytes with a bad CRC ignored", n);
	else if (c->buf[0] == MB_UNIT)
		answer(m, c, 1, c->buf, n);	/* broadcasts (unit 0) and other units get no answer */
	memmove(c->buf, c->buf + n, c->len - n);
	c->len -= n;
}

static void serve_rtu(struct mbsrv *m)
{
	struct conn *c = &m->line;
	ssize_t n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
	size_t want;

	if (n <= 0)
		return;
	c->len += (size_t)n;
	c->last_ms = simdev_now_ms();
	while ((want = rtu_request_length(c->buf, c->len)) && c->len >= want)
		rtu_frame(m, want);
	if (c->len == sizeof(c->buf))
		c->len = 0;	/* noise: start over */
}

void mbsrv_tick(struct mbsrv *m)
{
	/* A frame of a length the device cannot know ends after 3.5 characters of silence; 20 ms is
	 * far more than that at 19200 baud and enough for a pty. */
	if (m && m->line.fd >= 0 && m->line.len && simdev_now_ms() - m->line.last_ms > 20)
		rtu_frame(m, m->line.len);
}

void mbsrv_dispatch(struct mbsrv *m, const struct pollfd *pf, int n)
{
	int k = 0;

	if (!m)
		return;
	int lk = m->listen_fd >= 0 ? k++ : -1, rk = m->line.fd >= 0 ? k++ : -1, first = k;

	if (rk >= 0 && rk < n && (pf[rk].revents & POLLIN))
		serve_rtu(m);
	/* Clients from the back, so that dropping one does not shift the others. */
	for (k = n - 1; k >= first; k--) {
		if (!(pf[k].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		for (int i = 0; i < m->nclients; i++)
			if (m->clients[i].fd == pf[k].fd) {
				serve_tcp(m, i);
				break;
			}
	}
	if (lk >= 0 && lk < n && (pf[lk].revents & POLLIN)) {
		int fd = accept(m->listen_fd, NULL, NULL);
		if (fd >= 0 && m->nclients < MB_MAX_CLIENTS) {
			memset(&m->clients[m->nclients], 0, sizeof(m->clients[0]));
			m->clients[m->nclients++].fd = fd;
		} else if (fd >= 0) {
			close(fd);	/* full: refuse by closing */
		}
	}
}
