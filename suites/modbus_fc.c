/* modbus_fc.c — MODBUS-FC-001: a device should offer only the function codes it declares, and
 * answer every other code with exception 01 (illegal function), not with silence, another
 * exception or a normal answer.  keur sends each code 1..127 once, in a form that reads or
 * changes nothing: reads of one register or coil, writes only to the declared safe register or
 * coil and only of the value already there, diagnostics sub-function 0 (echo), device
 * identification (43/14), and the bare code for everything else.  What FC 08, 17 and 43/14
 * disclose about the device is recorded.  Over TCP or RTU, as the DUT declares. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "case.h"
#include "mb_wire.h"
#include "modbus_dut.h"
#include "util.h"

/* What keur knows before it sweeps: the safe addresses' present values. */
struct present {
	int reg, coil;		/* -1: not declared or not readable */
};

/* The request keur sends for fc: its length, or 0 with *skip saying why it is not sent. */
static size_t request(int fc, const struct dut_modbus *m, const struct present *p, uint8_t *q, const char **skip)
{
	int rd = m->safe_register >= 0 ? m->safe_register : 0;
	int rc = m->safe_coil >= 0 ? m->safe_coil : 0;

	*skip = NULL;
	q[0] = (uint8_t)fc;
	switch (fc) {
	case 1: case 2: case 3: case 4: case 24: {
		int a = fc == 1 || fc == 2 ? rc : rd;
		q[1] = (uint8_t)(a >> 8), q[2] = (uint8_t)a;
		if (fc == 24)
			return 3;
		q[3] = 0, q[4] = 1;
		return 5;
	}
	case 5: case 15:
		if (p->coil < 0) {
			*skip = "a write: no safe coil declared (or it could not be read)";
			return 0;
		}
		q[1] = (uint8_t)(m->safe_coil >> 8), q[2] = (uint8_t)m->safe_coil;
		if (fc == 5) {
			q[3] = p->coil ? 0xff : 0, q[4] = 0;
			return 5;
		}
		q[3] = 0, q[4] = 1, q[5] = 1, q[6] = (uint8_t)(p->coil ? 1 : 0);
		return 7;
	case 6: case 16: case 22: case 23:
		if (p->reg < 0) {
			*skip = "a write: no safe register declared (or it could not be read)";
			return 0;
		}
		q[1] = (uint8_t)(m->safe_register >> 8), q[2] = (uint8_t)m->safe_register;
		if (fc == 6) {
			q[3] = (uint8_t)(p->reg >> 8), q[4] = (uint8_t)p->reg;
			return 5;
		}
		if (fc == 22) {	/* AND 0xffff, OR 0: the value stays */
			q[3] = 0xff, q[4] = 0xff, q[5] = 0, q[6] = 0;
			return 7;
		}
		if (fc == 16) {
			q[3] = 0, q[4] = 1, q[5] = 2, q[6] = (uint8_t)(p->reg >> 8), q[7] = (uint8_t)p->reg;
			return 8;
		}
		/* 23: read the safe register, write it with its own value */
		q[3] = 0, q[4] = 1, q[5] = q[1], q[6] = q[2], q[7] = 0, q[8] = 1, q[9] = 2;
		q[10] = (uint8_t)(p->reg >> 8), q[11] = (uint8_t)p->reg;
		return 12;
	case 8:	/* sub-function 0, return query data: an echo */
		q[1] = 0, q[2] = 0, q[3] = 0xa5, q[4] = 0x5a;
		return 5;
	case 20:	/* one register of record 0 of file 1 */
		q[1] = 7, q[2] = 6, q[3] = 0, q[4] = 1, q[5] = 0, q[6] = 0, q[7] = 0, q[8] = 1;
		return 9;
	case 21:
		*skip = "a file record write: the DUT description declares no file safe to write";
		return 0;
	case 43:	/* MEI 14, read device identification, basic, from object 0 */
		q[1] = 14, q[2] = 1, q[3] = 0;
		return 4;
	default:
		return 1;	/* the bare code */
	}
}

/* Printable text of a disclosed byte string, the rest as \xNN. */
static void printable(const uint8_t *b, size_t n, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 5 < cap; i++)
		o += (size_t)snprintf(out + o, cap - o, isprint(b[i]) ? "%c" : "\\x%02x", b[i]);
	out[o] = '\0';
}

/* Reads the whole device identification (43/14) at each level, into f and the transcript. */
static void device_id(struct keur_ctx *ctx, struct mbw *l, const struct dut_modbus *m, FILE *f)
{
	static const char *const objs[] = { "VendorName", "ProductCode", "MajorMinorRevision", "VendorUrl",
					    "ProductName", "ModelName", "UserApplicationName" };

	for (int code = 1; code <= 3; code++) {
		int next = 0;

		for (int round = 0; round < 8; round++) {
			uint8_t q[4] = { 43, 14, (uint8_t)code, (uint8_t)next };
			struct mbw_reply r;

			if (mbw_call(l, m->unit, q, sizeof(q), m->timeout_ms, &r) != MBW_NORMAL || r.plen < 7) {
				fprintf(f, "43/14 level %d: %s\n", code, mbw_describe(&r));
				return;
			}
			size_t at = 7;
			for (int k = 0; k < r.pdu[6] && at + 2 <= r.plen; k++) {
				int id = r.pdu[at], n = r.pdu[at + 1];
				char text[600];

				if (at + 2 + (size_t)n > r.plen)
					break;
				printable(r.pdu + at + 2, (size_t)n, text, sizeof(text));
				fprintf(f, "43/14 level %d object 0x%02x %s: %s\n", code, id, id < 7 ? objs[id] : "", text);
				keur_note(ctx, "device identification discloses object 0x%02x %s: %s", id,
					  id < 7 ? objs[id] : "", text);
				at += 2 + (size_t)n;
			}
			if (r.pdu[4] != 0xff || r.pdu[5] == 0 || r.pdu[5] <= next)
				break;	/* no more follows (or a device that loops) */
			next = r.pdu[5];
		}
	}
}

static void disclose(struct keur_ctx *ctx, int fc, const struct mbw_reply *r, FILE *f)
{
	char text[600];

	printable(r->pdu + 1, r->plen - 1, text, sizeof(text));
	fprintf(f, "FC%02d %s: %s\n", fc, mbw_fc_name(fc), text);
	keur_note(ctx, "FC%02d (%s) discloses: %s", fc, mbw_fc_name(fc), text);
}

/* Sweeps one interface. */
static void sweep(struct keur_ctx *ctx, const struct dut_modbus *m, struct keur_findings *o)
{
	char where[160], why[300];
	int unreachable, undeclared = 0, refused = 0, silent_run = 0, fast_ms = m->timeout_ms;
	struct strbuf unsent;
	long slowest = 0;
	struct present p;
	struct mbw *l;
	FILE *tab = keur_evidence(ctx, "function-codes.txt"), *dis = keur_evidence(ctx, "disclosed.txt");

	sb_init(&unsent);
	mb_dut_where(m, where, sizeof(where));
	if (!(l = mb_dut_link(m, why, sizeof(why), &unreachable))) {
		keur_find(o, FIND_OPEN, "%s: %s", where, why);
		goto out;
	}
	if (!mb_dut_probe_once(m, l, why, sizeof(why))) {
		keur_find(o, FIND_OPEN, "%s does not answer a plain read (%s): nothing can be swept", where, why);
		goto out;
	}
	p.reg = mb_dut_read_safe(l, m, 0);
	p.coil = mb_dut_read_safe(l, m, 1);
	if (tab)
		fprintf(tab, "# %s; declared: %s\n# FC  name                            answer\n", where,
			m->fcs_given ? "see the DUT description" : "nothing (function-codes not given)");
	for (int fc = 1; fc <= 127; fc++) {
		uint8_t q[16];
		const char *skip, *name = mbw_fc_name(fc);
		size_t n = request(fc, m, &p, q, &skip);
		int declared = m->fc_declared[fc];
		struct mbw_reply r;

		if (!n) {
			if (tab)
				fprintf(tab, "%3d  %-30s  not sent: %s\n", fc, name ? name : "", skip);
			keur_note(ctx, "FC%02d not sent: %s", fc, skip);
			sb_addf(&unsent, "%s%02d", unsent.len ? "," : "", fc);
			continue;
		}
		if (keur_time_left_ms(ctx) < fast_ms + 3000) {
			keur_find(o, FIND_OPEN, "%s: out of time before FC%02d; codes %d..127 not swept", where, fc, fc);
			break;
		}
		long t0 = time_mono_ms();
		enum mbw_status st = mbw_call(l, m->unit, q, n, silent_run >= 3 ? fast_ms : m->timeout_ms, &r);
		long took = time_mono_ms() - t0;

		const char *cell = mbw_describe(&r);
		if (tab)
			fprintf(tab, "%3d  %-30s  %s%s\n", fc, name ? name : "", cell, declared ? "  [declared]" : "");
		keur_note(ctx, "FC%02d%s%s%s: %s", fc, name ? " (" : "", name ? name : "", name ? ")" : "", cell);
		if (st == MBW_NORMAL || st == MBW_EXCEPTION) {
			silent_run = 0;
			if (took > slowest) {
				slowest = took;
				fast_ms = (int)(5 * slowest < 300 ? 300 : 5 * slowest);
				if (fast_ms > m->timeout_ms)
					fast_ms = m->timeout_ms;
			}
		}
		if (st == MBW_NORMAL && (fc == 8 || fc == 17) && dis)
			disclose(ctx, fc, &r, dis);
		if (st == MBW_NORMAL && fc == 43 && dis)
			device_id(ctx, l, m, dis);
		if (st == MBW_EXCEPTION && r.exception == 1) {
			refused++;
			continue;
		}
		if (st == MBW_NORMAL) {
			if (m->fcs_given && !declared) {
				undeclared++;
				keur_find(o, FIND_BAD, "%s: FC%02d%s%s%s is not declared but was answered normally", where, fc,
					  name ? " (" : "", name ? name : "", name ? ")" : "");
			}
			continue;
		}
		if (st == MBW_EXCEPTION) {
			if (m->fcs_given && !declared)
				keur_find(o, FIND_BAD, "%s: FC%02d is not declared, and got %s instead of exception 01", where, fc, cell);
			continue;
		}
		/* Silence, a closed connection or garbage: is the device still there at all? */
		silent_run++;
		if (!m->fcs_given || !declared)
			keur_find(o, FIND_BAD, "%s: FC%02d got no exception 01 but %s", where, fc, cell);
		if (!mbw_is_rtu(l)) {
			mbw_close(l);
			l = NULL;
		}
		if (!mb_dut_alive(ctx, m, l, 2 * m->timeout_ms, why, sizeof(why))) {
			keur_find(o, FIND_BAD, "%s stopped answering after FC%02d (%s)", where, fc, why);
			goto out;
		}
		if (!l && !(l = mb_dut_link(m, why, sizeof(why), &unreachable))) {
			keur_find(o, FIND_OPEN, "%s: no new connection after FC%02d: %s", where, fc, why);
			goto out;
		}
	}
	keur_note(ctx, "%s: %d codes refused with exception 01, %d undeclared ones answered", where, refused, undeclared);
	if (!m->fcs_given)
		keur_find(o, FIND_OPEN, "%s: the DUT description declares no function-codes, so an answered code cannot be judged (see function-codes.txt)",
			  where);
	else
		keur_find(o, FIND_GOOD, "%s: every undeclared code sent was answered with exception 01%s%s%s", where,
			  unsent.len ? " (not sent, as writes keur may not make: FC " : "", unsent.len ? unsent.buf : "",
			  unsent.len ? ")" : "");
out:
	sb_release(&unsent);
	mbw_close(l);
	if (tab)
		fclose(tab);
	if (dis)
		fclose(dis);
}

static void function_codes(struct keur_ctx *ctx)
{
	const struct keur_dut *d = keur_dut(ctx);
	struct keur_findings o = { 0 };

	for (size_t i = 0; i < d->nmodbus; i++)
		sweep(ctx, &d->modbus[i], &o);
	keur_findings_settle(ctx, &o, "only declared function codes answered", KEUR_NA, "no Modbus interface");
}

static const struct keur_case cases[] = {
	{
		.id = "MODBUS-FC-001",
		.title = "only the declared Modbus function codes are served; others get exception 01",
		.spec = "EN 303 645 5.6-1; EN 18031-1 GEC-2",
		.needs = NEED_MODBUS,
		.deadline_s = 300,
		.run = function_codes,
	},
};

const struct keur_suite modbus_fc_suite = {
	.name = "modbus_fc",
	.title = "Modbus function codes",
	.cases = cases,
	.ncases = ARRAY_SIZE(cases),
};
