/* modbus_server.c — the device's Modbus TCP server (libmodbus), in the device's event loop.
 *
 * Register map (documented in --help): coil 0 relay (rw); discrete input 0 cloud link up;
 * input registers 0 temperature x10, 1-3 firmware version; holding registers 0 setpoint x10 (rw),
 * 100 report interval s and 101 mode (configuration: read-only unless --flaw open-write). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <modbus.h>

#include "server.h"

#define MB_MAX_CLIENTS 32

struct mbsrv {
	struct simdev *d;
	modbus_t *ctx;
	modbus_mapping_t *map;
	int listen_fd;
	int clients[MB_MAX_CLIENTS];
	int nclients;
};

struct mbsrv *mbsrv_new(struct simdev *d, const char *addr, int port)
{
	struct mbsrv *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->d = d;
	m->listen_fd = -1;
	m->ctx = modbus_new_tcp(addr, port);
	m->map = modbus_mapping_new(16, 16, 128, 16);
	if (!m->ctx || !m->map)
		goto bad;
	/* A client that sends half a frame must not stall the whole device. */
	modbus_set_indication_timeout(m->ctx, 1, 0);
	m->listen_fd = modbus_tcp_listen(m->ctx, 16);
	if (m->listen_fd < 0) {
		simdev_log("modbus: cannot listen on %s:%d: %s", addr, port, modbus_strerror(errno));
		goto bad;
	}
	simdev_log("modbus: listening on %s:%d", addr, port);
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
		close(m->clients[i]);
	if (m->listen_fd >= 0)
		close(m->listen_fd);
	if (m->map)
		modbus_mapping_free(m->map);
	if (m->ctx)
		modbus_free(m->ctx);
	free(m);
}

int mbsrv_pollfds(struct mbsrv *m, struct pollfd *pf, int max)
{
	int n = 0;

	if (!m || max < 1)
		return 0;
	pf[n].fd = m->listen_fd, pf[n].events = POLLIN, pf[n++].revents = 0;
	for (int i = 0; i < m->nclients && n < max; i++)
		pf[n].fd = m->clients[i], pf[n].events = POLLIN, pf[n++].revents = 0;
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
}

/* Applies what a write changed in the mapping to the device (through its own checks). */
static void from_map(struct mbsrv *m)
{
	struct simdev *d = m->d;
	char v[32];

	if (m->map->tab_bits[0] != d->relay) {
		snprintf(v, sizeof(v), "%d", m->map->tab_bits[0] ? 1 : 0);
		simdev_set(d, "relay", v);
	}
	if ((int16_t)m->map->tab_registers[0] != (int16_t)(d->setpoint * 10.0)) {
		snprintf(v, sizeof(v), "%.1f", (int16_t)m->map->tab_registers[0] / 10.0);
		simdev_set(d, "setpoint", v);
	}
	if (m->map->tab_registers[100] != d->report_interval) {
		snprintf(v, sizeof(v), "%u", m->map->tab_registers[100]);
		simdev_set(d, "report-interval", v);
	}
	if (m->map->tab_registers[101] != d->mode) {
		snprintf(v, sizeof(v), "%u", m->map->tab_registers[101]);
		simdev_set(d, "mode", v);
	}
}

/* Is this a write that touches the configuration (holding registers 100 and up, coils 1 and up)? */
static int writes_config(const uint8_t *q, int h)
{
	int fc = q[h], addr = q[h + 1] << 8 | q[h + 2], qty = 1;

	if (fc == 15 || fc == 16)
		qty = q[h + 3] << 8 | q[h + 4];
	switch (fc) {
	case 5: case 15:
		return addr + qty > 1;
	case 6: case 16:
		return addr + qty > 1 && !(addr == 0 && qty == 1);
	default:
		return 0;
	}
}

static int malformed(const uint8_t *q, int len, int h)
{
	int mbap_len = q[4] << 8 | q[5], proto = q[2] << 8 | q[3], fc = q[h];

	if (proto != 0 || mbap_len != len - 6)
		return 1;
	if (fc >= 1 && fc <= 4 && len >= h + 5 && (q[h + 3] << 8 | q[h + 4]) == 0)
		return 1;
	return 0;
}

static void drop_client(struct mbsrv *m, int i)
{
	close(m->clients[i]);
	m->clients[i] = m->clients[--m->nclients];
}

static void serve(struct mbsrv *m, int i)
{
	uint8_t q[MODBUS_TCP_MAX_ADU_LENGTH];
	int h, rc;

	modbus_set_socket(m->ctx, m->clients[i]);
	rc = modbus_receive(m->ctx, q);
	if (rc <= 0) {
		if (rc < 0)
			drop_client(m, i);
		return;
	}
	h = modbus_get_header_length(m->ctx);
	if (has_flaw(m->d, FLAW_CRASH_ON_MALFORMED) && malformed(q, rc, h)) {
		simdev_log("modbus: malformed frame, and this device has crash-on-malformed");
		abort();
	}
	if (!simdev_local_ok(m->d)) {
		modbus_reply_exception(m->ctx, q, MODBUS_EXCEPTION_SLAVE_OR_SERVER_FAILURE);
		return;
	}
	if (writes_config(q, h) && !has_flaw(m->d, FLAW_OPEN_WRITE)) {
		modbus_reply_exception(m->ctx, q, MODBUS_EXCEPTION_ILLEGAL_DATA_ADDRESS);
		return;
	}
	to_map(m);
	if (modbus_reply(m->ctx, q, rc, m->map) < 0)
		drop_client(m, i);
	else
		from_map(m);
}

void mbsrv_dispatch(struct mbsrv *m, const struct pollfd *pf, int n)
{
	if (!m || n < 1)
		return;
	/* Clients first, from the back, so that dropping one does not shift the others. */
	for (int k = n - 1; k >= 1; k--) {
		if (!(pf[k].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		for (int i = 0; i < m->nclients; i++)
			if (m->clients[i] == pf[k].fd) {
				serve(m, i);
				break;
			}
	}
	if (pf[0].revents & POLLIN) {
		int fd = accept(m->listen_fd, NULL, NULL);
		if (fd >= 0 && m->nclients < MB_MAX_CLIENTS)
			m->clients[m->nclients++] = fd;
		else if (fd >= 0)
			close(fd);	/* full: refuse by closing */
	}
}
