/* fuzz_util.c — the helpers of fuzz.h. */
#include "fuzz.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

const char *fuzz_tmpdir(void)
{
	const char *d = getenv("KEUR_FUZZ_TMP");

	return d && *d ? d : "/tmp";
}

const char *fuzz_file(const char *name, const uint8_t *data, size_t size)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/keur-fuzz-%d-%s", fuzz_tmpdir(), (int)getpid(), name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0) {
		if (write_all(fd, data, size) < 0)
			path[0] = '\0';
		close(fd);
	}
	return path;
}

int fuzz_socket(const uint8_t *data, size_t size)
{
	int sv[2], big = 1 << 20;

	if (size > (size_t)big / 2 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	if (write_all(sv[1], data, size) < 0) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	close(sv[1]);
	return sv[0];
}
