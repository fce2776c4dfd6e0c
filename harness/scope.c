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

int scope_check_dut(const struct keur_lab *lab, const struct keur_dut *dut, struct input_errors *err)
{
	char why[512];
	int bad = 0;

	struct { const char *host; int line; } eps[64];
	size_t n = 0;

	for (size_t i = 0; i < dut->nmqtt && n < ARRAY_SIZE(eps); i++)
		if (dut->mqtt[i].host)
			eps[n].host = dut->mqtt[i].host, eps[n++].line = dut->mqtt[i].line;
	for (size_t i = 0; i < dut->ncoap && n < ARRAY_SIZE(eps); i++)
		if (dut->coap[i].host)
			eps[n].host = dut->coap[i].host, eps[n++].line = dut->coap[i].line;
	for (size_t i = 0; i < dut->nmodbus && n < ARRAY_SIZE(eps); i++)
		if (dut->modbus[i].host)
			eps[n].host = dut->modbus[i].host, eps[n++].line = dut->modbus[i].line;
	for (size_t i = 0; i < n; i++) {
		if (scope_check(lab, eps[i].host, why, sizeof(why)) < 0) {
			char *m = xasprintf("%s:%d: %s", dut->path, eps[i].line, why);
			err->msg = xrealloc(err->msg, (err->n + 1) * sizeof(*err->msg));
			err->msg[err->n++] = m;
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}
