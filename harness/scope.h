/* scope.h — the scope guard: keur talks only to addresses the lab's <scope> allows. */
#ifndef KEUR_SCOPE_H
#define KEUR_SCOPE_H

#include <stddef.h>

#include "input.h"

/* Resolves host and checks that every address it names lies in the lab's scope.
 * 0 when it does; -1 with a one-line reason in why otherwise (unresolvable counts as outside). */
int scope_check(const struct keur_lab *lab, const char *host, char *why, size_t len);

/* Checks every endpoint of the DUT; appends one error per endpoint outside the scope. */
int scope_check_dut(const struct keur_lab *lab, const struct keur_dut *dut, struct input_errors *err);

#endif
