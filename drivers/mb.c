/* mb.c — Modbus TCP requests on libmodbus, with timeouts and readable failures. */
#include "mb.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <modbus.h>

#include "mb_wire.h"
#include "util.h"

struct mb_session {
	modbus_t *ctx;
	int timeout_ms;
	int own_fd;		/* keur opened the serial line, not libmodbus: keur closes it */
};

int mb_open(const struct mb_target *t, struct mb_session **out, char *why, size_t len)
{
	char port[16];
	modbus_t *ctx;

	snprintf(port, sizeof(port), "%d", t->port);
	ctx = t->serial ? modbus_new_rtu(t->serial, t->baud, t->parity, t->data_bits, t->stop_bits)
			: modbus_new_tcp_pi(t->host, port);
	if (!ctx) {
		snprintf(why, len, "libmodbus: %s", modbus_strerror(errno));
		return -1;
	}
	modbus_set_slave(ctx, t->unit);
	modbus_set_response_timeout(ctx, (uint32_t)(t->timeout_ms / 1000), (uint32_t)(t->timeout_ms % 1000) * 1000);
	/* A serial line opened before the case process gave up root (contain.h): libmodbus gets
	 * it ready-made, as it could not open it now. */
	int fd = t->serial ? preopen_dup(t->serial) : -1;
	if (fd >= 0) {
		struct mbw_serial ser = { t->serial, t->baud, t->parity, t->data_bits, t->stop_bits };
		if (mbw_serial_setup(fd, &ser, why, len) < 0 || modbus_set_socket(ctx, fd) < 0) {
			close(fd);
			modbus_free(ctx);
			return -1;
		}
	} else if (modbus_connect(ctx) < 0) {
		if (t->serial)
			snprintf(why, len, "cannot open the serial line %s: %s", t->serial, modbus_strerror(errno));
		else
			snprintf(why, len, "TCP connect to %s:%d failed: %s", t->host, t->port, modbus_strerror(errno));
		modbus_free(ctx);
		return -1;
	}
	*out = calloc(1, sizeof(**out));
	if (!*out) {
		if (fd >= 0) {
			close(fd);
			modbus_set_socket(ctx, -1);
		}
		modbus_close(ctx);
		modbus_free(ctx);
		snprintf(why, len, "out of memory");
		return -1;
	}
	(*out)->ctx = ctx;
	(*out)->timeout_ms = t->timeout_ms;
	(*out)->own_fd = fd >= 0;
	return 0;
}

void mb_close(struct mb_session *s)
{
	if (!s)
		return;
	if (s->own_fd) {
		/* Not through libmodbus, which would put back terminal settings it never saved. */
		close(modbus_get_socket(s->ctx));
		modbus_set_socket(s->ctx, -1);
	}
	modbus_close(s->ctx);
	modbus_free(s->ctx);
	free(s);
}

/* Turns libmodbus's errno into an exception code (or 0) and a sentence. */
static int failed(struct mb_session *s, int *exception, char *why, size_t len)
{
	int e = errno;

	*exception = e > MODBUS_ENOBASE && e <= MODBUS_ENOBASE + 11 ? e - MODBUS_ENOBASE : 0;
	if (*exception)
		snprintf(why, len, "exception %02x (%s)", *exception, modbus_strerror(e));
	else if (e == ETIMEDOUT)
		snprintf(why, len, "no answer within %d ms", s->timeout_ms);
	else
		snprintf(why, len, "%s", modbus_strerror(e));
	return -1;
}

int mb_read_holding(struct mb_session *s, int addr, uint16_t *v, int *exception, char *why, size_t len)
{
	*exception = 0;
	return modbus_read_registers(s->ctx, addr, 1, v) == 1 ? 0 : failed(s, exception, why, len);
}

int mb_read_coil(struct mb_session *s, int addr, uint8_t *v, int *exception, char *why, size_t len)
{
	*exception = 0;
	return modbus_read_bits(s->ctx, addr, 1, v) == 1 ? 0 : failed(s, exception, why, len);
}

int mb_write(struct mb_session *s, int fc, int addr, uint16_t v, int *exception, char *why, size_t len)
{
	uint8_t bit = v ? 1 : 0;
	int r;

	*exception = 0;
	switch (fc) {
	case 5: r = modbus_write_bit(s->ctx, addr, bit); break;
	case 15: r = modbus_write_bits(s->ctx, addr, 1, &bit); break;
	case 6: r = modbus_write_register(s->ctx, addr, v); break;
	case 16: r = modbus_write_registers(s->ctx, addr, 1, &v); break;
	default:
		snprintf(why, len, "function code %d is not a write keur makes", fc);
		return -1;
	}
	return r == 1 ? 0 : failed(s, exception, why, len);
}
