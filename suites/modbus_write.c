/* modbus_write.c — MODBUS-WRITE-001: Modbus has no authentication of its own, so a device must
 * not let an unauthenticated client change what it declares as configuration.  keur writes only
 * to the register or coil the DUT description declares safe (never elsewhere), with each write
 * function code (06 and 16 for a holding register, 05 and 15 for a coil), reads back, and puts
 * the previous value back whenever a write took effect. */
#include <stdio.h>
#include <string.h>

#include "case.h"
#include "mb.h"
#include "modbus_dut.h"
#include "util.h"

static int read_value(struct mb_session *s, int coil, int addr, uint16_t *v, int *exc, char *why, size_t len)
{
	uint8_t b;

	if (!coil)
		return mb_read_holding(s, addr, v, exc, why, len);
	if (mb_read_coil(s, addr, &b, exc, why, len) < 0)
		return -1;
	*v = b;
	return 0;
}

/* Tries both write function codes on one address. */
static void try_address(struct keur_ctx *ctx, struct mb_session *s, const struct dut_modbus *m, int coil,
			struct keur_findings *o)
{
	const char *what = coil ? "coil" : "holding register";
	int addr = coil ? m->safe_coil : m->safe_register, exc;
	const int fcs[2] = { coil ? 5 : 6, coil ? 15 : 16 };
	uint16_t v0, v;
	char why[256];

	if (read_value(s, coil, addr, &v0, &exc, why, sizeof(why)) < 0) {
		keur_note(ctx, "read %s %d: %s", what, addr, why);
		keur_find(o, FIND_OPEN, "the declared safe %s %d cannot be read (%s)", what, addr, why);
		return;
	}
	keur_note(ctx, "read %s %d = %u", what, addr, v0);
	for (int k = 0; k < 2; k++) {
		uint16_t v1 = coil ? !v0 : v0 ^ 1;

		if (keur_time_left_ms(ctx) < 3 * m->timeout_ms + 1500) {
			keur_find(o, FIND_OPEN, "no time left for FC%02d on %s %d", fcs[k], what, addr);
			continue;
		}
		int wr = mb_write(s, fcs[k], addr, v1, &exc, why, sizeof(why));
		keur_note(ctx, "FC%02d write %s %d := %u without authentication: %s", fcs[k], what, addr, v1,
			  wr == 0 ? "answered normally" : why);
		if (read_value(s, coil, addr, &v, &exc, why, sizeof(why)) < 0) {
			keur_note(ctx, "read back %s %d: %s", what, addr, why);
			keur_find(o, FIND_OPEN, "after FC%02d the %s %d could not be read back (%s)", fcs[k], what, addr, why);
			continue;
		}
		keur_note(ctx, "read back %s %d = %u", what, addr, v);
		if (v == v0) {
			keur_find(o, FIND_GOOD, "FC%02d %s", fcs[k], wr == 0 ? "answered but changed nothing" : why);
			continue;
		}
		/* It took effect: put the previous value back, and say whether that worked. */
		char rwhy[256];
		uint16_t back = 0;
		int restored = mb_write(s, fcs[0], addr, v0, &exc, rwhy, sizeof(rwhy)) == 0 &&
			       read_value(s, coil, addr, &back, &exc, rwhy, sizeof(rwhy)) == 0 && back == v0;
		keur_note(ctx, "restore %s %d := %u: %s", what, addr, v0, restored ? "done" : "FAILED");
		keur_find(o, FIND_BAD, "FC%02d changed %s %d from %u to %u without authentication%s", fcs[k], what,
		    addr, v0, v, restored ? " (restored)" : " (and the previous value could NOT be restored)");
	}
}

static void write_access(struct keur_ctx *ctx)
{
	const struct keur_dut *d = keur_dut(ctx);
	struct keur_findings o = { 0 };

	for (size_t i = 0; i < d->nmodbus; i++) {
		const struct dut_modbus *m = &d->modbus[i];
		struct mb_target t = mb_dut_target(m);
		struct mb_session *s;
		char why[300], where[160];

		mb_dut_where(m, where, sizeof(where));
		if (m->safe_register < 0 && m->safe_coil < 0) {
			keur_find(&o, FIND_OPEN, "%s: the DUT description declares no safe-register or safe-coil, and keur never writes to an undeclared address",
			    where);
			continue;
		}
		if (mb_open(&t, &s, why, sizeof(why)) < 0) {
			keur_note(ctx, "%s", why);
			keur_find(&o, FIND_OPEN, "%s", why);
			continue;
		}
		keur_note(ctx, "connected to %s", where);
		if (m->safe_register >= 0)
			try_address(ctx, s, m, 0, &o);
		if (m->safe_coil >= 0)
			try_address(ctx, s, m, 1, &o);
		mb_close(s);
	}
	keur_findings_settle(ctx, &o, "every unauthenticated write was refused", KEUR_NA, "no Modbus interface");
}

static const struct keur_case cases[] = {
	{
		.id = "MODBUS-WRITE-001",
		.title = "unauthenticated Modbus writes to the declared safe address are refused",
		.spec = "EN 303 645 5.5-5; EN 18031-1 ACM-1; CRA Annex I Part I (2)(d)",
		.needs = NEED_MODBUS,
		.deadline_s = 30,
		.run = write_access,
	},
};

const struct keur_suite modbus_write_suite = {
	.name = "modbus_write",
	.title = "Modbus write access",
	.cases = cases,
	.ncases = ARRAY_SIZE(cases),
};
