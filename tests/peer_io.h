/* peer_io.h — what the test peers (peer.c, hostile.c) share: reading exactly n bytes. */
#ifndef KEUR_PEER_IO_H
#define KEUR_PEER_IO_H

#include <poll.h>
#include <stddef.h>
#include <unistd.h>

/* Reads exactly n bytes from c, waiting up to ms for each part; 0, or -1 at EOF or silence. */
static inline int read_n(int c, unsigned char *b, size_t n, int ms)
{
	size_t got = 0;

	while (got < n) {
		struct pollfd pf = { .fd = c, .events = POLLIN };
		if (poll(&pf, 1, ms) <= 0)
			return -1;
		ssize_t r = read(c, b + got, n - got);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

#endif
