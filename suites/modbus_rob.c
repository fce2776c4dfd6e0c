/* modbus_rob.c — a Modbus device keeps serving whatever it is sent and however many connect.
 *
 * MODBUS-ROB-001: malformed frames, each on a new connection (a frame that breaks the framing
 * would poison the next): MBAP lengths that do not match the frame (0, 1, longer, shorter,
 * 65535), protocol ids other than 0, a function code 0 and one with the exception bit, quantity
 * 0, reads over 125 registers or 2000 coils, a write of 0 or over 123 registers, truncated
 * PDUs and trailing bytes; then a unit-id sweep 0..255, then 1000 mutations of a valid read
 * (reads only: keur never lets a mutation become a write) with a fixed seed.  Each must get an
 * exception (03 where the standard names it) or nothing; a normal answer to a malformed frame
 * is a fail.  A liveness probe (a normal read on a new connection) follows each frame and
 * every 50 mutations; a device that stops answering fails.  On a serial line (RTU) the MBAP
 * frames give way to a bad CRC and a frame for another unit, and a unit other than its own,
 * or the broadcast address, must get no answer.
 *
 * MODBUS-CONN-001 (TCP): connections are opened (each must serve a read) until the device
 * refuses or stops serving one, or 256 are open; they are held, then all released, and the
 * device must serve a new client within its declared recovery time.  Three rounds; the
 * longest recovery is reported. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "case.h"
#include "mb_wire.h"
#include "modbus_dut.h"
#include "util.h"

#define MUTATIONS 1000
#define PROBE_EVERY 50
#define CONN_CAP 256
#define CONN_ROUNDS 3

/* One malformed frame: the bytes after the MBAP header (TCP) or unit (RTU), and how the
 * header lies.  expect03: the standard names exception 03 for it. */
struct abuse {
	const char *what;
	uint8_t pdu[16];
	size_t plen;
	int lie, mbap_len;	/* lie: the MBAP length field says mbap_len, not the truth */
	int proto;		/* protocol id */
	int expect03;
	int needs_reg;		/* a write: to the safe register only */
	int tcp_only, rtu_only;
	int bad_crc;		/* RTU */
	int other_unit;		/* sent to a unit that is not the device's */
	int normal_ok;		/* the frame itself is valid: a normal answer is right */
};

#define RD(fc, a, q) { fc, (a) >> 8, (a) & 255, (q) >> 8, (q) & 255 }
#define GARBAGE 0xde, 0xad, 0xbe

static const struct abuse abuses[] = {
	{ .what = "MBAP length 0", .pdu = RD(3, 0, 1), .plen = 5, .lie = 1, .mbap_len = 0, .tcp_only = 1 },
	{ .what = "MBAP length 1 (no function code)", .pdu = RD(3, 0, 1), .plen = 5, .lie = 1, .mbap_len = 1, .tcp_only = 1 },
	{ .what = "MBAP length 3 for a 5-byte PDU", .pdu = RD(3, 0, 1), .plen = 5, .lie = 1, .mbap_len = 3, .tcp_only = 1 },
	{ .what = "MBAP length 20 for a 5-byte PDU, then silence", .pdu = RD(3, 0, 1), .plen = 5, .lie = 1, .mbap_len = 20,
	  .tcp_only = 1 },
	{ .what = "MBAP length 65535", .pdu = RD(3, 0, 1), .plen = 5, .lie = 1, .mbap_len = 65535, .tcp_only = 1 },
	{ .what = "protocol id 1", .pdu = RD(3, 0, 1), .plen = 5, .proto = 1, .tcp_only = 1 },
	{ .what = "protocol id 65535", .pdu = RD(3, 0, 1), .plen = 5, .proto = 65535, .tcp_only = 1 },
	{ .what = "function code 0", .pdu = RD(0, 0, 1), .plen = 5 },
	{ .what = "a request with the exception bit set (0x83)", .pdu = RD(0x83, 0, 1), .plen = 5 },
	{ .what = "read 0 holding registers", .pdu = RD(3, 0, 0), .plen = 5, .expect03 = 1 },
	{ .what = "read 0 coils", .pdu = RD(1, 0, 0), .plen = 5, .expect03 = 1 },
	{ .what = "read 0 input registers", .pdu = RD(4, 0, 0), .plen = 5, .expect03 = 1 },
	{ .what = "read 126 holding registers", .pdu = RD(3, 0, 126), .plen = 5, .expect03 = 1 },
	{ .what = "read 65535 holding registers", .pdu = RD(3, 0, 65535), .plen = 5, .expect03 = 1 },
	{ .what = "read 2001 coils", .pdu = RD(1, 0, 2001), .plen = 5, .expect03 = 1 },
	{ .what = "write 0 registers", .pdu = { 16, 0, 0, 0, 0, 0 }, .plen = 6, .expect03 = 1, .needs_reg = 1 },
	{ .what = "write 124 registers (2 data bytes: the register's own value)", .pdu = { 16, 0, 0, 0, 124, 2, 0, 0 },
	  .plen = 8, .expect03 = 1, .needs_reg = 1 },
	{ .what = "a truncated PDU (read without its quantity)", .pdu = { 3, 0, 0 }, .plen = 3 },
	{ .what = "a truncated PDU (the function code alone)", .pdu = { 3 }, .plen = 1 },
	{ .what = "trailing bytes after a valid read", .pdu = { 3, 0, 0, 0, 1, GARBAGE }, .plen = 8 },
	{ .what = "a valid read, then 3 bytes of garbage beyond its MBAP length", .pdu = { 3, 0, 0, 0, 1, GARBAGE },
	  .plen = 8, .lie = 1, .mbap_len = 6, .tcp_only = 1, .normal_ok = 1 },
	{ .what = "a read with a wrong CRC", .pdu = RD(3, 0, 1), .plen = 5, .rtu_only = 1, .bad_crc = 1 },
	{ .what = "a read for unit 247 (not this device)", .pdu = RD(3, 0, 1), .plen = 5, .rtu_only = 1, .other_unit = 1 },
};

/* Whether an abuse is for this kind of link at all. */
static int for_link(const struct abuse *a, int rtu)
{
	return !(a->tcp_only && rtu) && !(a->rtu_only && !rtu);
}

/* One abuse as a valid frame for link l (which then waits for its reply), with the lies put in
 * afterwards: its length, or 0. */
static size_t frame(const struct abuse *a, const struct dut_modbus *m, struct mbw *l, int reg_value, uint8_t *out)
{
	uint8_t pdu[16];
	size_t n;

	memcpy(pdu, a->pdu, a->plen);
	if (pdu[0] == 1 || pdu[0] == 3 || pdu[0] == 4 || pdu[0] == 16) {
		int addr = pdu[0] == 1 ? (m->safe_coil >= 0 ? m->safe_coil : 0) : m->safe_register >= 0 ? m->safe_register : 0;
		if (a->plen >= 3)
			pdu[1] = (uint8_t)(addr >> 8), pdu[2] = (uint8_t)addr;
	}
	if (a->needs_reg && a->plen >= 8)
		pdu[6] = (uint8_t)(reg_value >> 8), pdu[7] = (uint8_t)reg_value;
	if (!(n = mbw_frame(l, a->other_unit ? 247 : m->unit, pdu, a->plen, out)))
		return 0;
	if (mbw_is_rtu(l)) {
		if (a->bad_crc)
			out[n - 2] ^= 0x5a, out[n - 1] ^= 0x5a;
	} else {
		out[2] = (uint8_t)(a->proto >> 8), out[3] = (uint8_t)a->proto;
		if (a->lie)
			out[4] = (uint8_t)(a->mbap_len >> 8), out[5] = (uint8_t)a->mbap_len;
	}
	return n;
}

/* Judges the reaction to a malformed frame; 1 when it is acceptable. */
static int acceptable(const struct abuse *a, enum mbw_status st, const struct mbw_reply *r, char *why, size_t len)
{
	switch (st) {
	case MBW_NORMAL:
		snprintf(why, len, "answered normally (%zu bytes)", r->plen);
		return a->normal_ok;
	case MBW_EXCEPTION:
		if (a->expect03 && r->exception != 3) {
			snprintf(why, len, "exception %02x where the standard names 03", r->exception);
			return 0;
		}
		if (a->other_unit || a->bad_crc) {
			snprintf(why, len, "answered (%s) a frame it should have ignored", r->why);
			return 0;
		}
		return 1;
	case MBW_GARBLED:
		snprintf(why, len, "answered with %s", r->why);
		return 0;
	default:
		return 1;	/* silence or a closed connection: dropped */
	}
}

struct rob {
	struct keur_ctx *ctx;
	const struct dut_modbus *m;
	struct keur_findings *o;
	struct mbw *rtu;	/* the serial line, the one link there is */
	char where[160];
	FILE *react;
	long sent;
	int dead;
};

/* A new link (or the serial line, drained), or NULL with a finding. */
static struct mbw *link_for(struct rob *b, const char *what)
{
	char why[300];
	int unreachable;
	struct mbw *l;

	if (b->rtu) {
		mbw_drain(b->rtu, 20);
		return b->rtu;
	}
	if (!(l = mb_dut_link(b->m, why, sizeof(why), &unreachable)))
		keur_find(b->o, FIND_BAD, "%s: no connection for %s: %s", b->where, what, why);
	return l;
}

static void unlink_(struct rob *b, struct mbw *l)
{
	if (l != b->rtu)
		mbw_close(l);
}

static int still_alive(struct rob *b, const char *after)
{
	char why[300];

	if (mb_dut_alive(b->ctx, b->m, b->rtu, 3 * b->m->timeout_ms, why, sizeof(why)))
		return 1;
	keur_find(b->o, FIND_BAD, "%s stopped answering after %s (%s)", b->where, after, why);
	keur_note(b->ctx, "DEAD after %s: %s", after, why);
	b->dead = 1;
	return 0;
}

static void malformed_frames(struct rob *b)
{
	int wait = b->m->timeout_ms < 1000 ? b->m->timeout_ms : 1000;
	int reg = -1;
	struct mbw *l;

	if ((l = link_for(b, "reading the safe register"))) {
		reg = mb_dut_read_safe(l, b->m, 0);
		unlink_(b, l);
	}
	for (size_t i = 0; i < ARRAY_SIZE(abuses) && !b->dead; i++) {
		const struct abuse *a = &abuses[i];
		uint8_t out[MBW_ADU_MAX];
		struct mbw_reply r;
		enum mbw_status st;
		char why[300];
		size_t n;

		if (!for_link(a, b->rtu != NULL))
			continue;
		if (a->needs_reg && reg < 0) {
			keur_note(b->ctx, "not sent: %s (a write: no readable safe-register declared)", a->what);
			keur_find(b->o, FIND_OPEN, "%s: \"%s\" not sent: a write needs a declared, readable safe-register",
				  b->where, a->what);
			continue;
		}
		if (!(l = link_for(b, a->what)))
			return;
		if (!(n = frame(a, b->m, l, reg, out)) || mbw_send_raw(l, out, n, wait) < 0) {
			memset(&r, 0, sizeof(r));
			snprintf(r.why, sizeof(r.why), "the frame could not be sent (the connection was closed)");
			st = MBW_CLOSED;
		} else {
			st = mbw_recv(l, wait, &r);
		}
		b->sent++;
		int ok = acceptable(a, st, &r, why, sizeof(why));
		keur_note(b->ctx, "%s: %s", a->what, r.why);
		if (b->react)
			fprintf(b->react, "%-62s %s\n", a->what, r.why);
		if (!ok)
			keur_find(b->o, FIND_BAD, "%s: %s: %s", b->where, a->what, why);
		unlink_(b, l);
		still_alive(b, a->what);
	}
}

/* Every unit id with a valid read.  Over TCP all 256 go out at once and the replies are matched
 * by transaction id; a serial line takes them one by one. */
static void unit_sweep(struct rob *b)
{
	const struct dut_modbus *m = b->m;
	int wait = m->timeout_ms < 150 ? m->timeout_ms : 150;	/* per unit, on a serial line */
	unsigned char answered[256] = { 0 };
	struct strbuf who;
	struct mbw_reply r;
	uint8_t q[5];
	struct mbw *l;
	int n = 0;

	if (!(l = link_for(b, "the unit-id sweep")))
		return;
	mb_dut_probe_pdu(m, q);
	if (!mbw_is_rtu(l)) {
		int tid0 = mbw_next_tid(l), ok = 1;
		for (int u = 0; u < 256 && ok; u++)
			ok = mbw_send(l, u, q, 5, m->timeout_ms) == 0;
		mbw_expect(l, -1, -1, 3);
		while (mbw_recv(l, m->timeout_ms, &r) == MBW_NORMAL || r.st == MBW_EXCEPTION) {
			int u = (r.tid - tid0) & 0xffff;
			if (u < 256 && u == r.unit)
				answered[u] = 1;
		}
	} else {
		for (int u = 0; u < 256 && keur_time_left_ms(b->ctx) > 5000; u++) {
			enum mbw_status st = mbw_call(l, u, q, 5, wait, &r);
			answered[u] = st == MBW_NORMAL || st == MBW_EXCEPTION;
		}
	}
	b->sent += 256;
	sb_init(&who);
	for (int u = 0; u < 256; u++) {
		if (!answered[u])
			continue;
		n++;
		if (u == 0 || !answered[u - 1]) {	/* runs as "a-b" */
			int e = u;
			while (e < 255 && answered[e + 1])
				e++;
			sb_addf(&who, e > u ? "%s%d-%d" : "%s%d", who.len ? "," : "", u, e);
		}
		if (mbw_is_rtu(l) && u != m->unit)
			keur_find(b->o, FIND_BAD, "%s answered a read for unit %d%s", b->where, u,
				  u == 0 ? " (the broadcast address, which is never answered)" : ", which is not its own");
	}
	keur_note(b->ctx, "unit-id sweep 0..255: %d answered (%s)", n, n ? who.buf : "none");
	if (b->react)
		fprintf(b->react, "%-62s %d answered: %s\n", "unit-id sweep 0..255", n, n ? who.buf : "none");
	sb_release(&who);
	unlink_(b, l);
	still_alive(b, "the unit-id sweep");
}

static uint32_t xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* A mutated read (never a write): the PDU length, or 0.  *judged is set when a normal answer to
 * it would be wrong (a read whose quantity or length is out of bounds). */
static size_t mutate(const struct dut_modbus *m, int rtu, uint32_t *seed, uint8_t *p, int *judged)
{
	static const uint16_t edges[] = { 0, 1, 2, 124, 125, 126, 2000, 2001, 0x7fff, 0xffff };
	static const uint8_t others[] = { 0, 7, 9, 11, 12, 17, 24, 40, 64, 0x81, 0x83, 0xff };
	uint32_t x = xorshift(seed);
	int fc = 1 + (int)(x % 4);
	size_t n = 5;
	uint16_t qty = x & 0x100 ? edges[(x >> 9) % ARRAY_SIZE(edges)] : (uint16_t)(xorshift(seed) & 0xffff);
	int addr = x & 0x200 ? (m->safe_register >= 0 ? m->safe_register : 0) : (int)(xorshift(seed) & 0xffff);

	if ((x >> 12) % 8 == 0)
		fc = others[(x >> 15) % ARRAY_SIZE(others)];
	p[0] = (uint8_t)fc, p[1] = (uint8_t)(addr >> 8), p[2] = (uint8_t)addr, p[3] = (uint8_t)(qty >> 8), p[4] = (uint8_t)qty;
	/* On a serial line a PDU of the wrong length only breaks the CRC, which the fixed frames
	 * already try: mutate the fields there. */
	switch (rtu ? 5 : (x >> 20) % 6) {
	case 0:	/* truncated */
		n = 1 + (x >> 23) % 4;
		break;
	case 1:	/* trailing bytes */
		n = 6 + (x >> 23) % 8;
		for (size_t i = 5; i < n; i++)
			p[i] = (uint8_t)xorshift(seed);
		break;
	default:
		break;
	}
	*judged = fc >= 1 && fc <= 4 && (n != 5 || qty == 0 || qty > (fc <= 2 ? 2000 : 125));
	return n;
}

static void mutations(struct rob *b)
{
	const struct dut_modbus *m = b->m;
	int normal_bad = 0, dropped = 0;
	uint32_t seed = 0x6b657572;	/* "keur": every run sends the same */
	struct mbw *l = NULL;
	long t0 = time_mono_ms();
	int i;

	for (i = 0; i < MUTATIONS && !b->dead; i++) {
		uint8_t p[16];
		struct mbw_reply r;
		int judged;
		size_t n = mutate(m, b->rtu != NULL, &seed, p, &judged);

		if (keur_time_left_ms(b->ctx) < 3 * m->timeout_ms + 3000) {
			keur_find(b->o, FIND_OPEN, "%s: out of time after %d of %d mutations", b->where, i, MUTATIONS);
			break;
		}
		if (!l && !(l = link_for(b, "the mutations")))
			return;
		enum mbw_status st = mbw_call(l, m->unit, p, n, m->timeout_ms, &r);
		b->sent++;
		if (st == MBW_NORMAL && judged) {
			if (normal_bad++ < 5)
				keur_find(b->o, FIND_BAD, "%s answered mutation %d normally: FC%02d with a %zu-byte PDU, quantity %u",
					  b->where, i, p[0], n, n >= 5 ? (unsigned)(p[3] << 8 | p[4]) : 0u);
		}
		if (st != MBW_NORMAL && st != MBW_EXCEPTION) {
			if (dropped++ < 10) {
				char hex[60] = "";
				for (size_t k = 0; k < n; k++)
					snprintf(hex + 3 * k, sizeof(hex) - 3 * k, "%02x ", p[k]);
				keur_note(b->ctx, "mutation %d (PDU %s): %s", i, hex, r.why);
			}
			unlink_(b, l);	/* the framing may be lost: start again */
			l = NULL;
		}
		if ((i + 1) % PROBE_EVERY == 0) {
			char after[120];
			snprintf(after, sizeof(after), "mutations %d to %d of a valid read (seed 0x6b657572)", i + 2 - PROBE_EVERY, i + 1);
			if (!still_alive(b, after))
				break;
		}
	}
	unlink_(b, l);
	long ms = time_mono_ms() - t0;
	keur_note(b->ctx, "%d mutations: %d dropped or closed, %d malformed reads answered normally", i, dropped, normal_bad);
	keur_note(b->ctx, "mutation rate: %d requests in %ld ms with %d liveness probes (%.0f requests/s)", i, ms,
		  i / PROBE_EVERY, ms > 0 ? 1000.0 * i / (double)ms : 0.0);
	if (b->react)
		fprintf(b->react, "%-62s %d sent, %d dropped, %d malformed answered normally\n", "mutations (seed 0x6b657572)",
			i, dropped, normal_bad);
}

static void robustness(struct keur_ctx *ctx)
{
	const struct keur_dut *d = keur_dut(ctx);
	struct keur_findings o = { 0 };

	for (size_t i = 0; i < d->nmodbus; i++) {
		struct rob b = { .ctx = ctx, .m = &d->modbus[i], .o = &o };
		char why[300];
		int unreachable;
		long t0 = time_mono_ms();

		mb_dut_where(b.m, b.where, sizeof(b.where));
		if (b.m->serial && !(b.rtu = mb_dut_link(b.m, why, sizeof(why), &unreachable))) {
			keur_find(&o, FIND_OPEN, "%s: %s", b.where, why);
			continue;
		}
		if (!mb_dut_alive(ctx, b.m, b.rtu, b.m->timeout_ms, why, sizeof(why))) {
			keur_find(&o, FIND_OPEN, "%s does not answer a plain read before any abuse (%s)", b.where, why);
			mbw_close(b.rtu);
			continue;
		}
		b.react = keur_evidence(ctx, "reactions.txt");
		malformed_frames(&b);
		if (!b.dead)
			unit_sweep(&b);
		if (!b.dead)
			mutations(&b);
		long ms = time_mono_ms() - t0;
		keur_note(ctx, "%s: %ld requests in %ld ms (%.0f requests/s, liveness probes not counted)", b.where, b.sent, ms,
			  ms > 0 ? 1000.0 * (double)b.sent / (double)ms : 0.0);
		if (b.react)
			fclose(b.react);
		mbw_close(b.rtu);
		if (!b.dead)
			keur_find(&o, FIND_GOOD, "%s kept serving through %ld malformed and mutated frames and answered no malformed one as valid",
				  b.where, b.sent);
	}
	keur_findings_settle(ctx, &o, "the device kept serving", KEUR_NA, "no Modbus interface");
}

/* ---- MODBUS-CONN-001 ---- */

/* One served read on a new connection: 1, or 0 with why.  The link stays open in *out. */
static int served(const struct dut_modbus *m, struct mbw **out, char *why, size_t len)
{
	int unreachable;
	struct mbw *l = mbw_tcp(m->host, m->port, m->timeout_ms, why, len, &unreachable);

	*out = NULL;
	if (!l)
		return 0;
	if (!mb_dut_probe(l, m, why, len)) {
		mbw_close(l);
		return 0;
	}
	*out = l;
	return 1;
}

/* One round: the number of connections served, and the recovery time in ms (-1: none). */
static int conn_round(struct keur_ctx *ctx, const struct dut_modbus *m, int round, long *recover_ms, char *stop,
		      size_t len)
{
	struct mbw *held[CONN_CAP];
	int n = 0;
	char why[300];

	snprintf(stop, len, "all %d connections keur opens were served", CONN_CAP);
	while (n < CONN_CAP) {
		if (keur_time_left_ms(ctx) < m->recover_ms + 10000) {
			snprintf(stop, len, "keur stopped at %d connections: out of time", n);
			break;
		}
		if (!served(m, &held[n], why, sizeof(why))) {
			snprintf(stop, len, "connection %d was not served (%s)", n + 1, why);
			break;
		}
		n++;
	}
	keur_note(ctx, "round %d: %d connections served; %s", round, n, stop);
	sleep(1);	/* held */
	for (int i = 0; i < n; i++)
		mbw_close(held[i]);
	long t0 = time_mono_ms(), limit = 2L * m->recover_ms + 2000;
	*recover_ms = -1;
	while (time_mono_ms() - t0 < limit && keur_time_left_ms(ctx) > m->timeout_ms + 2000) {
		struct mbw *l;
		if (served(m, &l, why, sizeof(why))) {
			mbw_close(l);
			*recover_ms = time_mono_ms() - t0;
			break;
		}
		usleep(100 * 1000);
	}
	keur_note(ctx, "round %d: after the release %s", round,
		  *recover_ms >= 0 ? "a new client was served" : "no new client was served");
	if (*recover_ms >= 0)
		keur_note(ctx, "round %d: served again %ld ms after the release", round, *recover_ms);
	return n;
}

static void connections(struct keur_ctx *ctx)
{
	const struct keur_dut *d = keur_dut(ctx);
	struct keur_findings o = { 0 };
	struct rlimit rl;

	/* Room for CONN_CAP sockets. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < CONN_CAP + 64) {
		rl.rlim_cur = rl.rlim_max < CONN_CAP + 64 ? rl.rlim_max : CONN_CAP + 64;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	for (size_t i = 0; i < d->nmodbus; i++) {
		const struct dut_modbus *m = &d->modbus[i];
		char where[160], why[300], stop[400];
		long worst = 0, took;
		struct mbw *l;
		int most = 0, rounds = 0;

		if (!m->host)
			continue;
		mb_dut_where(m, where, sizeof(where));
		if (!served(m, &l, why, sizeof(why))) {
			keur_find(&o, FIND_OPEN, "%s does not serve a first client (%s)", where, why);
			continue;
		}
		mbw_close(l);
		for (int k = 1; k <= CONN_ROUNDS; k++) {
			int n = conn_round(ctx, m, k, &took, stop, sizeof(stop));
			rounds++;
			if (n > most)
				most = n;
			if (took < 0) {
				keur_find(&o, FIND_BAD, "%s served no new client within %d ms after %d connections were released (%s)",
					  where, 2 * m->recover_ms + 2000, n, stop);
				worst = -1;
				break;
			}
			if (took > worst)
				worst = took;
		}
		if (worst < 0)
			continue;
		if (worst > m->recover_ms)
			keur_find(&o, FIND_BAD, "%s took %ld ms to serve again after its connections were released; %d ms declared",
				  where, worst, m->recover_ms);
		else
			keur_find(&o, FIND_GOOD, "%s served again within %ld ms at most (%d declared) after %d connections in %d rounds; %s",
				  where, worst, m->recover_ms, most, rounds, stop);
	}
	keur_findings_settle(ctx, &o, "the device recovered from connection exhaustion", KEUR_NA,
			     "the DUT declares Modbus only over a serial line, which has no connections");
}

static const struct keur_case cases[] = {
	{
		.id = "MODBUS-ROB-001",
		.title = "malformed Modbus frames get an exception or nothing, and the device keeps serving",
		.spec = "EN 303 645 5.13-1; EN 18031-1 RLM-1",
		.needs = NEED_MODBUS,
		.deadline_s = 300,
		.run = robustness,
	},
	{
		.id = "MODBUS-CONN-001",
		.title = "after its Modbus connections run out and are released, the device serves again in time",
		.spec = "EN 18031-1 RLM-1",
		.needs = NEED_MODBUS,
		.deadline_s = 180,
		.run = connections,
	},
};

const struct keur_suite modbus_rob_suite = {
	.name = "modbus_rob",
	.title = "Modbus robustness",
	.cases = cases,
	.ncases = ARRAY_SIZE(cases),
};
