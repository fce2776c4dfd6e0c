/* modbus_dut.h — what the Modbus suites share: a wire link to a DUT's <modbus> interface (TCP or
 * RTU, as declared) and the libmodbus target for it, where it is in words, and the liveness probe
 * — a normal read of one holding register (the declared safe one, else 0) on a new connection,
 * which any well-formed answer, exception included, passes. */
#ifndef KEUR_MODBUS_DUT_H
#define KEUR_MODBUS_DUT_H

#include <stdio.h>
#include <unistd.h>

#include "case.h"
#include "mb.h"
#include "mb_wire.h"
#include "util.h"

/* The libmodbus driver's target for the DUT's <modbus> interface, TCP or RTU as declared. */
static inline struct mb_target mb_dut_target(const struct dut_modbus *m)
{
	return (struct mb_target){ .host = m->host, .port = m->port, .unit = m->unit, .timeout_ms = m->timeout_ms,
				   .serial = m->serial, .baud = m->baud, .parity = m->parity,
				   .data_bits = m->data_bits, .stop_bits = m->stop_bits };
}

static inline struct mbw *mb_dut_link(const struct dut_modbus *m, char *why, size_t len, int *unreachable)
{
	*unreachable = 0;
	if (m->serial) {
		struct mbw_serial s = { m->serial, m->baud, m->parity, m->data_bits, m->stop_bits };
		struct mbw *l = mbw_rtu(&s, why, len);
		*unreachable = !l;
		return l;
	}
	return mbw_tcp(m->host, m->port, m->timeout_ms, why, len, unreachable);
}

static inline const char *mb_dut_where(const struct dut_modbus *m, char *buf, size_t len)
{
	if (m->serial)
		snprintf(buf, len, "%s (RTU, unit %d)", m->serial, m->unit);
	else
		snprintf(buf, len, "%s:%d (unit %d)", m->host, m->port, m->unit);
	return buf;
}

/* The probe request: read one holding register. */
static inline size_t mb_dut_probe_pdu(const struct dut_modbus *m, uint8_t *pdu)
{
	int addr = m->safe_register >= 0 ? m->safe_register : 0;

	pdu[0] = 3, pdu[1] = (uint8_t)(addr >> 8), pdu[2] = (uint8_t)addr, pdu[3] = 0, pdu[4] = 1;
	return 5;
}

/* The probe on link l: 1 when the DUT answered (an exception will do), else 0 with why. */
static inline int mb_dut_probe(struct mbw *l, const struct dut_modbus *m, char *why, size_t len)
{
	uint8_t pdu[5];
	struct mbw_reply r;
	enum mbw_status st = mbw_call(l, m->unit, pdu, mb_dut_probe_pdu(m, pdu), m->timeout_ms, &r);

	snprintf(why, len, "%s", mbw_describe(&r));
	return st == MBW_NORMAL || st == MBW_EXCEPTION;
}

/* One probe on a new connection, or on link on after a drain when on is given (on a serial line
 * it must be: there is only one).  1 when the DUT answered, else 0 with the reason in why. */
static inline int mb_dut_probe_once(const struct dut_modbus *m, struct mbw *on, char *why, size_t len)
{
	int unreachable, ok;
	struct mbw *l = on;

	if (on)
		mbw_drain(on, 20);
	else if (!(l = mb_dut_link(m, why, len, &unreachable)))
		return 0;
	ok = mb_dut_probe(l, m, why, len);
	if (!on)
		mbw_close(l);
	return ok;
}

/* The declared safe register's (or, with coil set, safe coil's) present value, read on l; -1
 * when none is declared or it cannot be read. */
static inline int mb_dut_read_safe(struct mbw *l, const struct dut_modbus *m, int coil)
{
	int a = coil ? m->safe_coil : m->safe_register;
	uint8_t q[5] = { (uint8_t)(coil ? 1 : 3), (uint8_t)(a >> 8), (uint8_t)a, 0, 1 };
	struct mbw_reply r;

	if (a < 0 || mbw_call(l, m->unit, q, 5, m->timeout_ms, &r) != MBW_NORMAL || r.plen < (coil ? 3u : 4u))
		return -1;
	return coil ? r.pdu[2] & 1 : r.pdu[2] << 8 | r.pdu[3];
}

/* Is the DUT still serving (on as for mb_dut_probe_once)?  Tries for up to grace_ms (at least two probes) before saying no. */
static inline int mb_dut_alive(struct keur_ctx *ctx, const struct dut_modbus *m, struct mbw *on, int grace_ms,
			       char *why, size_t len)
{
	long t0 = time_mono_ms();

	for (int k = 0;; k++) {
		if (mb_dut_probe_once(m, on, why, len))
			return 1;
		if ((k >= 1 && time_mono_ms() - t0 >= grace_ms) || keur_time_left_ms(ctx) < m->timeout_ms + 1000)
			return 0;
		usleep(200 * 1000);
	}
}

#endif
