/* modbus_sec.c — MODBUS-SEC-001: Modbus/TCP Security (TLS, by default on port 802) lets in only
 * clients with a certificate from the CA the device trusts, and gives each only what the role
 * in its certificate (extension 1.3.6.1.4.1.50316.802.1) allows.
 *
 * keur makes its own client certificates from the lab CA the DUT description names (ca-file,
 * ca-key-file): one with the declared write role (or, without one, the read role) as the
 * control, which must be able to read; then it checks that TLS 1.0 and 1.1 are refused and 1.2
 * or 1.3 accepted, judges the device's certificate, and tries a read without a certificate,
 * with one from a throwaway CA of its own, and with one from the lab CA that carries no role
 * (each must get no normal answer), and a write of the safe register's own value with the read
 * role (which must not be answered normally). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "certgen.h"
#include "mb_wire.h"
#include "modbus_dut.h"
#include "stream.h"
#include "tls.h"
#include "util.h"

struct ident {
	void *cert, *key;
	char what[300];
};

static int make_ident(struct ident *id, const struct dut_modbus *m, int lab_ca, const char *role, const char *cn)
{
	struct certgen_spec s = { .name = cn, .not_before_s = -3600, .not_after_s = 7 * 86400,
				  .ca_cert = lab_ca ? m->ca_file : NULL, .ca_key = lab_ca ? m->ca_key : NULL };

	return certgen_client(&s, role, &id->cert, &id->key, id->what, sizeof(id->what));
}

/* One request over a new TLS session that presents id (or nothing).  MBW_* of the answer, or
 * MBW_CLOSED when the handshake already failed; what happened in why. */
static enum mbw_status over_tls(const struct dut_modbus *m, const struct ident *id, const uint8_t *pdu, size_t n,
				struct mbw_reply *r, char *why, size_t len)
{
	struct tls_target t = { .host = m->host, .port = m->tls_port, .timeout_ms = m->timeout_ms };
	enum tls_result res;
	char detail[300];
	void *ssl;

	tls_client_identity(id ? id->cert : NULL, id ? id->key : NULL);
	ssl = tls_session_open(&t, detail, sizeof(detail), &res);
	tls_client_identity(NULL, NULL);
	if (!ssl) {
		snprintf(why, len, "the handshake failed: %s", detail);
		memset(r, 0, sizeof(*r));
		return r->st = res == TLS_UNREACHABLE ? MBW_SILENT : MBW_CLOSED;
	}
	struct mbw *l = mbw_over(stream_from_ssl(ssl));
	enum mbw_status st = l ? mbw_call(l, m->unit, pdu, n, m->timeout_ms, r) : MBW_CLOSED;
	snprintf(why, len, "%s", l ? mbw_describe(r) : "out of memory");
	mbw_close(l);
	return st;
}

/* A client that must get nothing: BAD when its read was answered normally. */
static void must_not_read(struct keur_ctx *ctx, const struct dut_modbus *m, const char *where, const char *who,
			  const struct ident *id, struct keur_findings *o)
{
	uint8_t q[5];
	struct mbw_reply r;
	char why[400];
	enum mbw_status st = over_tls(m, id, q, mb_dut_probe_pdu(m, q), &r, why, sizeof(why));

	keur_note(ctx, "a read by %s: %s", who, why);
	if (st == MBW_NORMAL)
		keur_find(o, FIND_BAD, "%s: %s was served a read", where, who);
	else
		keur_find(o, FIND_GOOD, "%s: refused (%s)", who, why);
}

static void versions(struct keur_ctx *ctx, const struct dut_modbus *m, const char *where, struct keur_findings *o)
{
	struct tls_target t = { .host = m->host, .port = m->tls_port, .timeout_ms = m->timeout_ms };
	int modern = 0;

	for (enum tls_version v = TLS_V1_0; v < TLS_NVERSIONS; v++) {
		char detail[300];
		enum tls_result r = tls_probe(&t, v, NULL, detail, sizeof(detail));

		keur_note(ctx, "%s offered alone: %s", tls_version_name(v), detail);
		if (v >= TLS_V1_2) {
			modern += r == TLS_ACCEPTED;
			continue;
		}
		if (r == TLS_ACCEPTED)
			keur_find(o, FIND_BAD, "%s: %s is accepted", where, tls_version_name(v));
		else if (r == TLS_UNTESTABLE)
			keur_find(o, FIND_OPEN, "%s: %s could not be offered by this OpenSSL (%s)", where, tls_version_name(v), detail);
		else if (r == TLS_TIMEOUT || r == TLS_UNREACHABLE)	/* undecided, as in MQTT-TLS-002 */
			keur_find(o, FIND_OPEN, "%s: %s offered alone: %s", where, tls_version_name(v), detail);
	}
	if (!modern)
		keur_find(o, FIND_BAD, "%s: neither TLS 1.2 nor TLS 1.3 is accepted", where);
}

static void one(struct keur_ctx *ctx, const struct dut_modbus *m, struct keur_findings *o)
{
	const char *ctl_role = m->write_role ? m->write_role : m->read_role;
	struct ident ctl = { 0 }, foreign = { 0 }, norole = { 0 }, reader = { 0 };
	char where[160], why[400], findings[1200], summary[400];
	struct mbw_reply r;
	uint8_t q[16];

	snprintf(where, sizeof(where), "%s:%d (Modbus/TCP Security)", m->host, m->tls_port);
	if (!m->ca_file || !m->ca_key) {
		keur_find(o, FIND_OPEN, "%s: keur makes its client certificates from the lab CA: give ca-file and ca-key-file", where);
		return;
	}
	if (!ctl_role) {
		keur_find(o, FIND_OPEN, "%s: no read-role or write-role declared, so no client can be given access to compare with", where);
		return;
	}
	if (make_ident(&ctl, m, 1, ctl_role, "keur-control") < 0 || make_ident(&foreign, m, 0, ctl_role, "keur-foreign") < 0 ||
	    make_ident(&norole, m, 1, NULL, "keur-norole") < 0) {
		keur_find(o, FIND_OPEN, "%s: cannot make client certificates: %s", where,
			  !ctl.cert ? ctl.what : !foreign.cert ? foreign.what : norole.what);
		goto out;
	}
	keur_note(ctx, "made: %s; %s; %s", ctl.what, foreign.what, norole.what);
	/* The control: a client the device should serve. */
	if (over_tls(m, &ctl, q, mb_dut_probe_pdu(m, q), &r, why, sizeof(why)) != MBW_NORMAL) {
		keur_note(ctx, "control read with role \"%s\": %s", ctl_role, why);
		keur_find(o, FIND_OPEN, "%s: even a client with a lab CA certificate and role \"%s\" gets no read (%s)", where,
			  ctl_role, why);
		goto out;
	}
	keur_note(ctx, "control read with role \"%s\": %s", ctl_role, why);
	tls_client_identity(ctl.cert, ctl.key);
	versions(ctx, m, where, o);
	struct tls_target t = { .host = m->host, .port = m->tls_port, .timeout_ms = m->timeout_ms };
	char *pem = keur_evidence_path(ctx, "server-chain.pem");
	int a = tls_cert_audit(&t, m->host, m->ca_file, findings, sizeof(findings), summary, sizeof(summary), pem);
	free(pem);
	tls_client_identity(NULL, NULL);
	if (a == 0) {
		keur_note(ctx, "server certificate: %s", summary);
		if (findings[0])
			keur_find(o, FIND_BAD, "%s: the device's certificate: %s", where, findings);
	}
	must_not_read(ctx, m, where, "a client without a certificate", NULL, o);
	must_not_read(ctx, m, where, "a client with a certificate from another CA", &foreign, o);
	must_not_read(ctx, m, where, "a client with a lab CA certificate without the role extension", &norole, o);
	/* The read role must not write. */
	if (!m->read_role) {
		keur_find(o, FIND_OPEN, "%s: no read-role declared: whether a read-only client can write was not tried", where);
	} else if (m->safe_register < 0) {
		keur_find(o, FIND_OPEN, "%s: no safe-register declared: the read-only role's write was not tried", where);
	} else if (make_ident(&reader, m, 1, m->read_role, "keur-reader") < 0) {
		keur_find(o, FIND_OPEN, "%s: cannot make the read-only certificate: %s", where, reader.what);
	} else if (over_tls(m, &reader, q, mb_dut_probe_pdu(m, q), &r, why, sizeof(why)) != MBW_NORMAL || r.plen < 4) {
		keur_note(ctx, "read with role \"%s\": %s", m->read_role, why);
		keur_find(o, FIND_OPEN, "%s: the read-only role \"%s\" cannot even read (%s): its write says nothing", where,
			  m->read_role, why);
	} else {
		int v = r.pdu[2] << 8 | r.pdu[3];
		uint8_t w[5] = { 6, (uint8_t)(m->safe_register >> 8), (uint8_t)m->safe_register, (uint8_t)(v >> 8), (uint8_t)v };
		enum mbw_status st = over_tls(m, &reader, w, 5, &r, why, sizeof(why));
		keur_note(ctx, "FC06 register %d := %d (its own value) with role \"%s\": %s", m->safe_register, v, m->read_role, why);
		if (st == MBW_NORMAL)
			keur_find(o, FIND_BAD, "%s: the read-only role \"%s\" was allowed to write register %d", where, m->read_role,
				  m->safe_register);
		else
			keur_find(o, FIND_GOOD, "read-only role's write refused (%s)", why);
	}
out:
	certgen_free_identity(ctl.cert, ctl.key);
	certgen_free_identity(foreign.cert, foreign.key);
	certgen_free_identity(norole.cert, norole.key);
	certgen_free_identity(reader.cert, reader.key);
}

static void security(struct keur_ctx *ctx)
{
	const struct keur_dut *d = keur_dut(ctx);
	struct keur_findings o = { 0 };

	for (size_t i = 0; i < d->nmodbus; i++)
		if (d->modbus[i].tls_port)
			one(ctx, &d->modbus[i], &o);
	keur_findings_settle(ctx, &o, "Modbus/TCP Security admits only lab CA certificates, by role", KEUR_NA,
			     "the DUT declares no Modbus/TCP Security port (tls-port)");
}

static const struct keur_case cases[] = {
	{
		.id = "MODBUS-SEC-001",
		.title = "Modbus/TCP Security: TLS 1.2+, client certificates from the lab CA only, roles enforced",
		.spec = "EN 303 645 5.5-1; EN 18031-1 SCM-1, ACM-2",
		.needs = NEED_MODBUS,
		.deadline_s = 120,
		.run = security,
	},
};

const struct keur_suite modbus_sec_suite = {
	.name = "modbus_sec",
	.title = "Modbus/TCP Security",
	.cases = cases,
	.ncases = ARRAY_SIZE(cases),
};
