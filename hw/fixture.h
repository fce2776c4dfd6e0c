/* fixture.h — the lab's fixtures behind one small interface (DESIGN.md, "hw/"): cut and restore
 * a DUT's uplink, switch its power.  Backends: netns (the simulated lab: the WAN link goes
 * down while the LAN stays up), command (the lab's own commands, e.g. labgrid-client or a smart
 * plug's CLI), manual (an operator at the terminal).  restore and power-on are idempotent. */
#ifndef KEUR_FIXTURE_H
#define KEUR_FIXTURE_H

#include <stddef.h>

#include "input.h"

#include <stdio.h>

#define FIXTURE_TIMEOUT_MS 60000	/* a command that takes longer has failed (lab timeout="...") */
#define FIXTURE_OPERATOR_MS 600000	/* likewise an operator who has not answered */

/* Each returns 0, or -1 with a one-line reason in why, or FIXTURE_NOT_DONE (with why) when
 * nothing was even tried (no such fixture; a manual one and no terminal), so that nothing
 * needs putting back.  log (NULL: none) receives what was done: the command line, its output
 * and exit status and duration, or who confirmed. */
#define FIXTURE_NOT_DONE (-2)
int hw_uplink_cut(const struct lab_fixture *f, FILE *log, char *why, size_t len);
int hw_uplink_restore(const struct lab_fixture *f, FILE *log, char *why, size_t len);
int hw_power_off(const struct lab_fixture *f, FILE *log, char *why, size_t len);
int hw_power_on(const struct lab_fixture *f, FILE *log, char *why, size_t len);

/* Puts the DUT back to firmware (its declared version): the lab's <reflash> command, run with
 * KEUR_FIRMWARE set, or an operator.  Same returns as above. */
int hw_reflash(const struct lab_fixture *f, const char *firmware, FILE *log, char *why, size_t len);

/* Whether the DUT's uplink works now, seen from the DUT's side: 1 it does, 0 it does not, -1
 * cannot tell (why says why).  netns: a TCP connection from inside the namespace to the
 * fixture's check-address, else to host:port (the DUT's broker; a refusal counts as reached);
 * command: the fixture's check command (exit 0: works); manual: the operator's answer. */
int hw_uplink_works(const struct lab_fixture *f, const char *host, int port, FILE *log, char *why, size_t len);

/* The broker address of a client DUT (lab <broker namespace=...>): take moves the address
 * from the namespace where it lives to this one, so that keur can listen there; give puts it
 * back.  Without a namespace both do nothing.  Idempotent. */
int hw_broker_take(const struct lab_broker *b, char *why, size_t len);
int hw_broker_give(const struct lab_broker *b, char *why, size_t len);

#endif
