/* cert.c — fuzzes the judgement of a server certificate (tls_cert_judge: dates, key size,
 * signature algorithm, names), as MQTT-TLS-004 and COAP-SEC-001 apply it to what a DUT
 * presents: the input is the certificate in DER. */
#include <openssl/x509.h>

#include "fuzz.h"
#include "tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const unsigned char *p = data;
	char findings[1024], summary[512];
	X509 *x = d2i_X509(NULL, &p, (long)size);

	if (x) {
		tls_cert_judge(x, NULL, "localhost", NULL, findings, sizeof(findings), summary, sizeof(summary), NULL);
		X509_free(x);
	}
	return 0;
}
