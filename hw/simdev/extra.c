/* extra.c — --flaw extra-port: an undeclared TCP service that greets like a debug shell.
 * It exists so that NET-PORTS-001 has a device that must fail it. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server.h"

struct extra {
	int fd;
};

struct extra *extra_new(const char *addr, int port)
{
	struct extra *e = calloc(1, sizeof(*e));
	struct sockaddr_in a;
	int one = 1;

	if (!e)
		return NULL;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	e->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (e->fd < 0 || inet_pton(AF_INET, addr, &a.sin_addr) != 1 ||
	    setsockopt(e->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(e->fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(e->fd, 8) < 0) {
		simdev_log("extra-port: cannot listen on %s:%d", addr, port);
		extra_free(e);
		return NULL;
	}
	simdev_log("extra-port: an undeclared debug shell listens on %s:%d", addr, port);
	return e;
}

int extra_pollfds(struct extra *e, struct pollfd *pf, int max)
{
	if (!e || max < 1)
		return 0;
	pf[0].fd = e->fd, pf[0].events = POLLIN, pf[0].revents = 0;
	return 1;
}

void extra_dispatch(struct extra *e, const struct pollfd *pf, int n)
{
	static const char banner[] = "simdev debug shell (no password)\n# ";

	if (!e || n < 1 || !(pf[0].revents & POLLIN))
		return;
	int c = accept(e->fd, NULL, NULL);
	if (c >= 0) {
		ssize_t r = send(c, banner, sizeof(banner) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		(void)r;
		close(c);
	}
}

void extra_free(struct extra *e)
{
	if (!e)
		return;
	if (e->fd >= 0)
		close(e->fd);
	free(e);
}
