/* selftest_registry.c — the suites of tests/keur-selftest: keur's real suites plus the
 * selftest suite whose cases pass, fail, crash, hang and print noise on purpose. */
#include <stddef.h>

#include "case.h"

extern const struct keur_suite mqtt_auth_suite;
extern const struct keur_suite mqtt_tls_suite;
extern const struct keur_suite mqtt_acl_suite;
extern const struct keur_suite mqtt_rob_suite;
extern const struct keur_suite mqtt_client_suite;
extern const struct keur_suite credentials_suite;
extern const struct keur_suite selftest_suite;
extern const struct keur_suite modbus_write_suite;
extern const struct keur_suite coap_access_suite;
extern const struct keur_suite coap_amp_suite;
extern const struct keur_suite coap_sec_suite;
extern const struct keur_suite coap_rob_suite;

const struct keur_suite *const keur_suites[] = {
	&selftest_suite,
	&mqtt_auth_suite,
	&mqtt_tls_suite,
	&mqtt_acl_suite,
	&credentials_suite,
	&modbus_write_suite,
	&coap_access_suite,
	&coap_amp_suite,
	&coap_sec_suite,
	/* Last: cases that may leave the DUT disturbed for a while (a broker pushed to its limits,
	 * a client device cut off from its broker and reconnecting). */
	&coap_rob_suite,
	&mqtt_rob_suite,
	&mqtt_client_suite,
	NULL,
};
