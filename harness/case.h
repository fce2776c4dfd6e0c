/* case.h — the case API that suites implement (DESIGN.md, "Test cases"; STYLE.md rules 6, 7).
 *
 * A suite file exports one `const struct keur_suite`; harness/suite_list.h lists the suites.  A case
 * runs in a forked child: it reads the DUT and lab descriptions, talks to the DUT through drivers,
 * writes evidence files, and settles its verdict with keur_verdict() before returning.  Returning
 * without a verdict, crashing or passing the deadline is the harness's `error` (or `fail` for a
 * case flagged KEUR_HANG_IS_FAIL). */
#ifndef KEUR_CASE_H
#define KEUR_CASE_H

#include <stdio.h>

#include "input.h"
#include "verdict.h"

/* What a case needs.  A missing interface makes the case `na`; a missing fixture `inconc`. */
enum keur_need {
	NEED_MQTT_BROKER = 1u << 0,	/* DUT is an MQTT broker: <mqtt role="broker"> */
	NEED_MQTT_CLIENT = 1u << 1,	/* DUT is an MQTT client: <mqtt role="client"> */
	NEED_COAP = 1u << 2,
	NEED_MODBUS = 1u << 3,
	NEED_UPDATE = 1u << 4,		/* DUT declares <update> */
	NEED_FIX_UPLINK = 1u << 8,	/* lab fixture <uplink> */
	NEED_FIX_POWER = 1u << 9,	/* lab fixture <power> */
	NEED_FIX_BROKER = 1u << 10,	/* lab <broker>: where client DUTs connect, keur plays the broker */
};

enum keur_case_flags {
	KEUR_HANG_IS_FAIL = 1u << 0,	/* the DUT hanging the case is the finding: deadline → fail */
	KEUR_NEEDS_ANY = 1u << 1,	/* any one of the interfaces in needs will do (not all) */
};

struct keur_ctx;

struct keur_case {
	const char *id;		/* AREA-TOPIC-NNN, stable, never reused */
	const char *title;	/* one line, our own words */
	const char *spec;	/* clauses it gives evidence for, by ID */
	unsigned needs;		/* enum keur_need bits */
	unsigned deadline_s;	/* the parent kills the case's process group after this */
	unsigned flags;		/* enum keur_case_flags bits */
	void (*run)(struct keur_ctx *ctx);
};

struct keur_suite {
	const char *name;	/* file stem, e.g. "mqtt_auth"; the JUnit testsuite name */
	const char *title;
	const struct keur_case *cases;
	unsigned ncases;
};

/* The suites of this build, NULL-terminated (harness/registry.c; tests link their own). */
extern const struct keur_suite *const keur_suites[];

/* Looks a case up by ID across keur_suites; NULL when unknown.  *suite is set when found. */
const struct keur_case *keur_case_find(const char *id, const struct keur_suite **suite);

/* What the running case may read. */
const struct keur_dut *keur_dut(const struct keur_ctx *ctx);
const struct keur_lab *keur_lab(const struct keur_ctx *ctx);
const struct keur_case *keur_this_case(const struct keur_ctx *ctx);

/* Milliseconds until the parent kills this case.  A case that talks to a slow DUT checks it
 * before each exchange, so that it ends with a verdict and a reason rather than be killed. */
long keur_time_left_ms(const struct keur_ctx *ctx);

/* The lab's fixtures for this DUT (the parent restores them after the case, however it ends).
 * Each returns 0, or -1 after noting the reason in the transcript. */
int keur_uplink_cut(struct keur_ctx *ctx);
int keur_uplink_restore(struct keur_ctx *ctx);
int keur_power_off(struct keur_ctx *ctx);
int keur_power_on(struct keur_ctx *ctx);
/* Whether the DUT's uplink works now, seen from its side (hw_uplink_works): 1 yes, 0 no, -1
 * cannot tell, with a one-line account in why.  host:port: what the DUT reaches through its
 * uplink (its broker), used by a netns fixture without check-address. */
int keur_uplink_works(struct keur_ctx *ctx, const char *host, int port, char *why, size_t len);
/* Puts the DUT back to the firmware its description declares (lab <reflash>): 0, or -1 with
 * why (no fixture, or it failed). */
int keur_reflash(struct keur_ctx *ctx, char *why, size_t len);
/* The lab's broker address for this DUT (NULL if none), and moving it to keur for the case
 * (lab <broker namespace=...>); the parent gives it back after the case. */
const struct lab_broker *keur_broker(const struct keur_ctx *ctx);
int keur_broker_take(struct keur_ctx *ctx);

/* NET-PORTS-001 on an address of this machine: the processes that <local-process> number i
 * declares as the DUT, and who holds the sockets of this machine, as the parent sees them (a
 * case process may not read other processes' /proc/PID/fd).  Returns as procnet_declared and
 * procnet_owners_find (procnet.h); the caller releases out. */
struct procnet_pids;
struct procnet_owners;
int keur_local_declared(struct keur_ctx *ctx, size_t i, struct procnet_pids *out, char *why, size_t len);
int keur_local_owners(struct keur_ctx *ctx, struct procnet_owners *out, char *why, size_t len);

/* Settles the verdict with a one-line reason (printf format).  The first call wins; a case
 * that calls it twice keeps the first verdict and gets a note in its evidence. */
void keur_verdict(struct keur_ctx *ctx, enum keur_verdict v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Opens (creates or appends to) an evidence file under OUT/evidence/CASE-ID/; NULL on error.
 * name is a plain file name.  The caller closes it; the parent hashes it after the case. */
FILE *keur_evidence(struct keur_ctx *ctx, const char *name);

/* The full path of evidence file name (the folder is created), for writers that want a path
 * rather than a FILE; NULL if name is not a plain file name.  The caller frees it. */
char *keur_evidence_path(struct keur_ctx *ctx, const char *name);

/* What a case found, endpoint by endpoint: bad (the DUT failed), open (could not be decided)
 * and good; the verdict follows from them (keur_findings_settle). */
struct keur_findings {
	char *bad, *open, *good;	/* "; "-joined, NULL while empty */
	int nbad, nopen, ngood;
};
enum keur_finding { FIND_BAD, FIND_OPEN, FIND_GOOD };
void keur_find(struct keur_findings *f, enum keur_finding kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* fail with the bad ones if any; else inconc with the open ones; else pass as "GOOD: goods";
 * else (nothing found at all) none_verdict with none_reason.  Frees what f holds. */
void keur_findings_settle(struct keur_ctx *ctx, struct keur_findings *f, const char *good,
			  enum keur_verdict none_verdict, const char *none_reason);

/* Adds a time-stamped line to evidence file "transcript.txt".  Never pass secrets: callers
 * write "***" in their place. */
void keur_note(struct keur_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
