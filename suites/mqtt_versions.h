/* mqtt_versions.h — the once-per-run probe of which MQTT versions a broker DUT speaks
 * (suites/mqtt_versions.c), as the runner uses it. */
#ifndef KEUR_MQTT_VERSIONS_H
#define KEUR_MQTT_VERSIONS_H

#include <stddef.h>

#include "case.h"

/* The probe's name in the journal and its evidence folder OUT/evidence/MQTT-VERSIONS/. */
#define MQTT_VERSIONS_ID "MQTT-VERSIONS"
/* The type of its journal records, one per broker endpoint (harness/runner.c writes them). */
#define MQTT_VERSIONS_RECORD "mqtt-versions"
/* Its evidence file: a line per broker endpoint, "INDEX\tSPOKEN\tUNSPOKEN\tWHY" (version lists
 * as mqtt_versions_text() writes them), INDEX into the DUT's mqtt[]. */
#define MQTT_VERSIONS_FILE "versions.txt"

/* Run like a case, in a child, by the runner. */
extern const struct keur_case mqtt_versions_probe;

/* How long the probe may take for DUT d. */
long mqtt_versions_deadline_ms(const struct keur_dut *d);

#endif
