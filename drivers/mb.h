/* mb.h — keur's Modbus driver on libmodbus (TCP or RTU).  Used inside a case's child process. */
#ifndef KEUR_MB_H
#define KEUR_MB_H

#include <stddef.h>
#include <stdint.h>

struct mb_target {
	const char *host;	/* TCP; NULL for RTU */
	int port;
	const char *serial;	/* RTU: the serial line, and its settings */
	int baud, data_bits, stop_bits;
	char parity;
	int unit;
	int timeout_ms;		/* per request */
};

struct mb_session;

/* Connects.  0 and *out, or -1 with the reason in why.  Free with mb_close(). */
int mb_open(const struct mb_target *t, struct mb_session **out, char *why, size_t len);
void mb_close(struct mb_session *s);

/* One request each.  0, or -1 with the reason in why ("exception 02 (illegal data address)",
 * "no answer within 2000 ms", ...); *exception is the Modbus exception code, or 0 when the
 * failure was not an exception (timeout, connection lost). */
int mb_read_holding(struct mb_session *s, int addr, uint16_t *v, int *exception, char *why, size_t len);
int mb_read_coil(struct mb_session *s, int addr, uint8_t *v, int *exception, char *why, size_t len);
/* fc is 5 or 15 for a coil, 6 or 16 for a holding register (quantity 1). */
int mb_write(struct mb_session *s, int fc, int addr, uint16_t v, int *exception, char *why, size_t len);

#endif
