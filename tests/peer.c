/* peer.c — small test helpers that tests start and stop by PID.
 *
 *   peer freeport                 print a TCP port on 127.0.0.1 that is free right now
 *   peer wait-port PORT MS        poll until 127.0.0.1:PORT accepts a connection (exit 0) or MS pass (1)
 *   peer serve MODE [SECONDS]     listen on 127.0.0.1:0, print the port, then behave as MODE:
 *        silent   accept and never read or answer
 *        close    accept and close at once
 *        lockout  an MQTT broker in its simplest form: CONNACK "not authorised" to the first five
 *                 CONNECTs, then it closes every connection at once (a login lockout)
 *        slow     the same refusal, 150 ms later for every CONNECT after the fifth (a growing delay)
 *   A serving peer ends by itself after SECONDS (default 120), so nothing outlives a test. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int listen_any(int *port)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 64) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(a.sin_port);
	return fd;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int wait_port(int port, long ms)
{
	long end = now_ms() + ms;

	while (now_ms() < end) {
		struct sockaddr_in a;
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		memset(&a, 0, sizeof(a));
		a.sin_family = AF_INET;
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a.sin_port = htons((unsigned short)port);
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0) {
			close(fd);
			return 0;
		}
		close(fd);
		poll(NULL, 0, 20);
	}
	return 1;
}

static int serve(const char *mode, int seconds)
{
	int port, fd = listen_any(&port), held[256], nheld = 0;
	long end = now_ms() + seconds * 1000L;

	if (fd < 0) {
		perror("peer: listen");
		return 1;
	}
	printf("%d\n", port);
	fflush(stdout);
	signal(SIGPIPE, SIG_IGN);
	while (now_ms() < end) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		if (poll(&pf, 1, 200) <= 0)
			continue;
		int c = accept(fd, NULL, NULL);
		if (c < 0)
			continue;
		if (!strcmp(mode, "lockout") || !strcmp(mode, "slow")) {
			static int n;
			static const unsigned char refused[] = { 0x20, 0x02, 0x00, 0x05 };
			char buf[1024];
			struct pollfd cp = { .fd = c, .events = POLLIN };
			n++;
			if (poll(&cp, 1, 1000) > 0 && read(c, buf, sizeof(buf)) > 0 && (n <= 5 || !strcmp(mode, "slow"))) {
				if (n > 5)
					poll(NULL, 0, 150);
				ssize_t w = write(c, refused, sizeof(refused));
				(void)w;
			}
			close(c);
			continue;
		}
		if (!strcmp(mode, "close")) {
			close(c);
		} else {
			/* silent: keep it open, read nothing; when full, the oldest goes, never the newest */
			if (nheld == 256) {
				close(held[0]);
				memmove(held, held + 1, sizeof(held[0]) * 255);
				nheld--;
			}
			held[nheld++] = c;
		}
	}
	for (int i = 0; i < nheld; i++)
		close(held[i]);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "freeport")) {
		int port, fd = listen_any(&port);
		if (fd < 0)
			return 1;
		close(fd);
		printf("%d\n", port);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "wait-port"))
		return wait_port(atoi(argv[2]), atol(argv[3]));
	if (argc >= 3 && !strcmp(argv[1], "serve") && (!strcmp(argv[2], "silent") || !strcmp(argv[2], "close") ||
						     !strcmp(argv[2], "lockout") || !strcmp(argv[2], "slow")))
		return serve(argv[2], argc >= 4 ? atoi(argv[3]) : 120);
	fprintf(stderr, "usage: peer freeport | wait-port PORT MS | serve silent|close|lockout|slow [SECONDS]\n");
	return 2;
}
