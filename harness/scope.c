/* scope.c — the scope guard. */
#include "scope.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util.h"

static int in_net(const struct lab_scope *s, int family, const unsigned char *addr)
{
	int bits = s->prefix;

	if (s->family != family)
		return 0;
	for (int i = 0; bits > 0; i++, bits -= 8) {
		unsigned char mask = bits >= 8 ? 0xff : (unsigned char)(0xff << (8 - bits));
		if ((addr[i] & mask) != (s->addr[i] & mask))
			return 0;
	}
	return 1;
}

int scope_check(const struct keur_lab *lab, const char *host, char *why, size_t len)
{
	struct addrinfo hints, *res = NULL;
	int r, n = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	r = getaddrinfo(host, NULL, &hints, &res);
	if (r != 0) {
		snprintf(why, len, "host '%s' does not resolve (%s); keur only tests addresses it can check against the lab's scope",
			 host, gai_strerror(r));
		return -1;
	}
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		const unsigned char *a;
		char text[INET6_ADDRSTRLEN];
		int ok = 0;

		if (ai->ai_family == AF_INET)
			a = (const unsigned char *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr;
		else if (ai->ai_family == AF_INET6)
			a = (const unsigned char *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
		else
			continue;
		for (size_t i = 0; i < lab->nscope && !ok; i++)
			ok = in_net(&lab->scope[i], ai->ai_family, a);
		if (!ok) {
			inet_ntop(ai->ai_family, a, text, sizeof(text));
			snprintf(why, len, "host '%s' (%s) is outside the lab's scope (lab '%s'%s)", host, text,
				 lab->id, lab->path ? "" : ": without --lab only loopback is allowed");
			freeaddrinfo(res);
			return -1;
		}
		n++;
	}
	freeaddrinfo(res);
	if (n == 0) {
		snprintf(why, len, "host '%s' has no IPv4 or IPv6 address", host);
		return -1;
	}
	return 0;
}

static void check_endpoint(const struct keur_lab *lab, const struct keur_dut *dut, const char *host,
			   int line, struct input_errors *err)
{
	char why[512];

	if (!host || scope_check(lab, host, why, sizeof(why)) == 0)
		return;
	err->msg = xrealloc(err->msg, (err->n + 1) * sizeof(*err->msg));
	err->msg[err->n++] = xasprintf("%s:%d: %s", dut->path, line, why);
}

int scope_check_dut(const struct keur_lab *lab, const struct keur_dut *dut, struct input_errors *err)
{
	size_t before = err->n;

	for (size_t i = 0; i < dut->nmqtt; i++)
		check_endpoint(lab, dut, dut->mqtt[i].host, dut->mqtt[i].line, err);
	for (size_t i = 0; i < dut->ncoap; i++)
		check_endpoint(lab, dut, dut->coap[i].host, dut->coap[i].line, err);
	for (size_t i = 0; i < dut->nmodbus; i++)
		check_endpoint(lab, dut, dut->modbus[i].host, dut->modbus[i].line, err);
	for (size_t i = 0; i < dut->nfunctions; i++)
		check_endpoint(lab, dut, dut->functions[i].host, dut->functions[i].line, err);
	return err->n > before ? -1 : 0;
}
