/* mb_wire.h — Modbus frames built and read byte by byte, over TCP, TLS (Modbus/TCP Security) or a
 * serial line (RTU): for what libmodbus will not do — sweep function codes it does not know, send
 * malformed frames (MODBUS-ROB-001) and tell a reply with a wrong transaction or unit id from no
 * reply.  Used inside a case's child process only. */
#ifndef KEUR_MB_WIRE_H
#define KEUR_MB_WIRE_H

#include <stddef.h>
#include <stdint.h>

struct stream;
struct mbw;

struct mbw_serial {
	const char *path;	/* /dev/ttyUSB0, or a pty */
	int baud;		/* 1200 .. 115200 */
	char parity;		/* 'N', 'E' or 'O' */
	int data_bits, stop_bits;
};

/* A Modbus TCP link: NULL with the reason in why; *unreachable set when no TCP connection came. */
struct mbw *mbw_tcp(const char *host, int port, int timeout_ms, char *why, size_t len, int *unreachable);
/* A link over a stream already open (TLS); the link owns it from now on. */
struct mbw *mbw_over(struct stream *s);
/* An RTU link on a serial line (raw, the line settings applied); NULL with the reason. */
struct mbw *mbw_rtu(const struct mbw_serial *ser, char *why, size_t len);
/* Sets the open serial line fd raw at ser's speed, parity and framing, and flushes it: 0, or -1
 * with why. */
int mbw_serial_setup(int fd, const struct mbw_serial *ser, char *why, size_t len);
void mbw_close(struct mbw *l);
int mbw_is_rtu(const struct mbw *l);

enum mbw_status {
	MBW_NORMAL,		/* a normal answer: pdu[0] is the request's function code */
	MBW_EXCEPTION,		/* an exception answer: exception holds the code */
	MBW_SILENT,		/* nothing (that matched) within the timeout */
	MBW_CLOSED,		/* the peer closed or reset the connection */
	MBW_GARBLED,		/* something came that is no valid reply: see why */
};

struct mbw_reply {
	enum mbw_status st;
	int tid, unit, fc, exception;
	uint8_t pdu[260];
	size_t plen;
	int stray;		/* replies skipped: wrong transaction id or unit id, or another function */
	char why[200];		/* one line: what happened */
};

#define MBW_ADU_MAX 260	/* the largest frame: TCP 7 + 253, RTU 1 + 253 + 2 */

/* Frames a request (the PDU of 1..253 bytes, with MBAP and a new transaction id, or unit and
 * CRC) into out (MBW_ADU_MAX bytes) without sending it, and makes its reply the one the next
 * mbw_recv waits for: the frame's length, or 0.  A malformed frame is a valid one with bytes
 * changed afterwards. */
size_t mbw_frame(struct mbw *l, int unit, const uint8_t *pdu, size_t plen, uint8_t *out);
/* mbw_frame, then sent: 0, or -1 when it could not be framed or written. */
int mbw_send(struct mbw *l, int unit, const uint8_t *pdu, size_t plen, int timeout_ms);
/* Sends bytes as they are (on TCP the whole ADU, MBAP included). */
int mbw_send_raw(struct mbw *l, const void *buf, size_t len, int timeout_ms);
/* The transaction id the next mbw_send will use. */
uint16_t mbw_next_tid(const struct mbw *l);
/* What the next mbw_recv waits for: this transaction id, unit and function (-1: any; r->tid and
 * r->unit then say which came). */
void mbw_expect(struct mbw *l, int tid, int unit, int fc);

/* Waits up to timeout_ms for the reply to the last request (transaction id and unit as sent;
 * replies for others are counted in r->stray and skipped).  Returns r->st. */
enum mbw_status mbw_recv(struct mbw *l, int timeout_ms, struct mbw_reply *r);
/* mbw_send then mbw_recv. */
enum mbw_status mbw_call(struct mbw *l, int unit, const uint8_t *pdu, size_t plen, int timeout_ms,
			 struct mbw_reply *r);
/* Reads and discards whatever arrives within ms (after a malformed frame). */
void mbw_drain(struct mbw *l, int ms);

/* "normal answer (5 bytes)", "exception 01 (illegal function)", "no answer within 500 ms" ... */
const char *mbw_describe(const struct mbw_reply *r);
const char *mbw_exception_name(int code);
/* A short name for a public function code ("read holding registers"), or NULL. */
const char *mbw_fc_name(int fc);

/* CRC-16/MODBUS of buf (low byte goes first on the wire).  Inline: the reference device uses it too. */
static inline uint16_t mbw_crc(const uint8_t *buf, size_t len)
{
	uint16_t crc = 0xffff;

	for (size_t i = 0; i < len; i++) {
		crc ^= buf[i];
		for (int b = 0; b < 8; b++)
			crc = crc & 1 ? (uint16_t)(crc >> 1) ^ 0xa001 : crc >> 1;
	}
	return crc;
}

#endif
