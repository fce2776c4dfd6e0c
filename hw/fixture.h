/* fixture.h — the lab's fixtures behind one small interface (DESIGN.md, "hw/"): cut and restore
 * a DUT's uplink, switch its power.  Backends: netns (the simulated lab: the WAN link goes
 * down while the LAN stays up), command (the lab's own commands, e.g. labgrid-client or a smart
 * plug's CLI), manual (an operator at the terminal).  restore and power-on are idempotent. */
#ifndef KEUR_FIXTURE_H
#define KEUR_FIXTURE_H

#include <stddef.h>

#include "input.h"

#define FIXTURE_TIMEOUT_MS 60000	/* a fixture command that takes longer has failed */

/* Each returns 0, or -1 with a one-line reason in why. */
int hw_uplink_cut(const struct lab_fixture *f, char *why, size_t len);
int hw_uplink_restore(const struct lab_fixture *f, char *why, size_t len);
int hw_power_off(const struct lab_fixture *f, char *why, size_t len);
int hw_power_on(const struct lab_fixture *f, char *why, size_t len);

/* The broker address of a client DUT (lab <broker namespace=...>): take moves the address
 * from the namespace where it lives to this one, so that keur can listen there; give puts it
 * back.  Without a namespace both do nothing.  Idempotent. */
int hw_broker_take(const struct lab_broker *b, char *why, size_t len);
int hw_broker_give(const struct lab_broker *b, char *why, size_t len);

#endif
