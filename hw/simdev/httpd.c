/* httpd.c — `keur-simdev update-service`: the vendor's update service of the simulated lab, a
 * static file server over HTTP/1.0.  --cut-after N closes every answer after N bytes of body,
 * to interrupt downloads on purpose. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "simdev.h"

int httpd_main(int argc, char **argv);

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void answer(int c, const char *dir, long cut)
{
	char req[4096], path[4096], head[256];
	size_t n = 0;
	struct timeval tv = { 5, 0 };

	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (n < sizeof(req) - 1) {
		ssize_t r = recv(c, req + n, sizeof(req) - 1 - n, 0);
		if (r <= 0)
			return;
		n += (size_t)r;
		req[n] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	char *sp = strchr(req, ' '), *sp2 = sp ? strchr(sp + 1, ' ') : NULL;
	if (strncmp(req, "GET /", 5) || !sp2 || strstr(req, "..")) {
		static const char bad[] = "HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
		send(c, bad, sizeof(bad) - 1, MSG_NOSIGNAL);
		return;
	}
	*sp2 = '\0';
	snprintf(path, sizeof(path), "%s%s", dir, sp + 1);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		static const char nf[] = "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n";
		send(c, nf, sizeof(nf) - 1, MSG_NOSIGNAL);
		if (fd >= 0)
			close(fd);
		return;
	}
	int hl = snprintf(head, sizeof(head), "HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n"
			  "Content-Length: %lld\r\n\r\n", (long long)st.st_size);
	send(c, head, (size_t)hl, MSG_NOSIGNAL);
	long sent = 0;
	char buf[16384];
	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));
		if (r <= 0)
			break;
		if (cut >= 0 && sent + r > cut)
			r = cut - sent;
		if (r > 0 && send(c, buf, (size_t)r, MSG_NOSIGNAL) != r)
			break;
		sent += r;
		if (cut >= 0 && sent >= cut)
			break;	/* the interruption: the connection ends mid-body */
	}
	close(fd);
	printf("GET %s -> %ld of %lld bytes\n", sp + 1, sent, (long long)st.st_size);
	fflush(stdout);
}

int httpd_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' }, { "listen", required_argument, NULL, 'l' },
		{ "port", required_argument, NULL, 'p' }, { "cut-after", required_argument, NULL, 'c' },
		{ "port-file", required_argument, NULL, 'f' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = ".", *addr = "127.0.0.1", *port_file = NULL;
	int port = 8080, c, one = 1;
	long cut = -1;
	char d[4096];
	struct sockaddr_in a;
	socklen_t al = sizeof(a);

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'l': addr = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'c': cut = atol(optarg); break;
		case 'f': port_file = optarg; break;
		case 'h':
			printf("usage: keur-simdev update-service [--dir D] [--listen ADDR] [--port P] [--cut-after N] [--port-file F]\n"
			       "serves the files of D over HTTP/1.0 (GET only); --port 0 picks a free port and writes it to\n"
			       "--port-file; --cut-after N ends every answer after N bytes of body (an interrupted download)\n");
			return 0;
		default:
			return 2;
		}
	}
	snprintf(d, sizeof(d), "%s/", dir);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || inet_pton(AF_INET, addr, &a.sin_addr) != 1 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 16) < 0 || getsockname(s, (struct sockaddr *)&a, &al) < 0) {
		fprintf(stderr, "update-service: cannot listen on %s:%d: %s\n", addr, port, strerror(errno));
		return 1;
	}
	if (port_file) {
		FILE *f = fopen(port_file, "w");
		if (f) {
			fprintf(f, "%d\n", ntohs(a.sin_port));
			fclose(f);
		}
	}
	fprintf(stderr, "update-service: serving %s on %s:%d\n", dir, addr, ntohs(a.sin_port));
	while (!stop) {
		struct pollfd pf = { .fd = s, .events = POLLIN };
		if (poll(&pf, 1, 500) <= 0)
			continue;
		int cl = accept(s, NULL, NULL);
		if (cl < 0)
			continue;
		answer(cl, d, cut);
		close(cl);
	}
	close(s);
	return 0;
}
