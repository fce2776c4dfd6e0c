/* suite_list.h — keur's suites, in the order they run: one X(name) per suite file, whose
 * `const struct keur_suite name_suite` it exports.  harness/registry.c makes keur's list of it,
 * tests/selftest_registry.c the same list behind the selftest suite, so a new suite is added here
 * once. */
#ifndef KEUR_SUITE_LIST_H
#define KEUR_SUITE_LIST_H

#define KEUR_SUITE_LIST(X) \
	/* First: the port scan sees the DUT as it was delivered (NET-PORTS-001). */ \
	X(net_ports) \
	X(decl) \
	X(mqtt_auth) \
	X(mqtt_tls) \
	X(mqtt_acl) \
	X(credentials) \
	X(modbus_write) \
	X(modbus_fc) \
	X(coap_access) \
	X(coap_amp) \
	X(coap_sec) \
	X(modbus_sec) \
	/* Last: cases that may leave the DUT disturbed for a while (a device fed malformed \
	 * messages, a broker pushed to its limits, a client device cut off from its broker). */ \
	X(coap_rob) \
	X(modbus_rob) \
	X(mqtt_rob) \
	X(mqtt_client) \
	X(update) \
	X(offline)

#define KEUR_SUITE_DECLARE(name) extern const struct keur_suite name##_suite;
#define KEUR_SUITE_ENTRY(name) &name##_suite,

#endif
