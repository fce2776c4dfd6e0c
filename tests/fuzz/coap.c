/* coap.c — fuzzes keur's reading of a CoAP datagram (coap_wire.c: header, token, options, Echo,
 * payload), which COAP-AMP, -ROB and -BLOCK apply to whatever a DUT sends back. */
#include "coap_wire.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct coapw_msg m;

	if (coapw_parse(data, size, &m) == 0 && m.payload) {
		/* The payload must lie inside the datagram. */
		if (m.payload < data || m.payload + m.plen > data + size)
			__builtin_trap();
	}
	return 0;
}
