/* fixture.c — fixture backends as const tables of operations, reached through the wrappers. */
#include "fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct fixture_ops {
	const char *method;
	/* Switches the fixture's thing (what: "uplink" or "power") on or off. */
	int (*set)(const struct lab_fixture *f, const char *what, int on, char *why, size_t len);
};

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Runs argv with a time limit; when it fails, its first line of output is part of the reason. */
static int run_bounded(char *const argv[], const char *label, char *why, size_t len)
{
	int p[2], status = 0;
	char out[512] = "";
	size_t n = 0;
	long end = now_ms() + FIXTURE_TIMEOUT_MS;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(why, len, "pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(why, len, "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		setpgid(0, 0);
		dup2(p[1], 1);
		dup2(p[1], 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		struct pollfd pf = { .fd = p[0], .events = POLLIN };
		long left = end - now_ms();
		if (left <= 0) {
			kill(-pid, SIGKILL);
			waitpid(pid, NULL, 0);
			close(p[0]);
			snprintf(why, len, "%s did not finish within %d s", label, FIXTURE_TIMEOUT_MS / 1000);
			return -1;
		}
		if (poll(&pf, 1, left > 200 ? 200 : (int)left) <= 0)
			continue;
		char buf[256];
		ssize_t r = read(p[0], buf, sizeof(buf));
		if (r <= 0)
			break;
		size_t take = (size_t)r < sizeof(out) - 1 - n ? (size_t)r : sizeof(out) - 1 - n;
		memcpy(out + n, buf, take);
		n += take;
		out[n] = '\0';
	}
	close(p[0]);
	waitpid(pid, &status, 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	out[strcspn(out, "\n")] = '\0';
	snprintf(why, len, "%s failed (%s %d)%s%s", label, WIFEXITED(status) ? "exit" : "signal",
		 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), out[0] ? ": " : "", out);
	return -1;
}

static int netns_set(const struct lab_fixture *f, const char *what, int on, char *why, size_t len)
{
	char *argv[] = { (char *)"ip", (char *)"-n", f->ns, (char *)"link", (char *)"set", f->iface,
			 (char *)(on ? "up" : "down"), NULL };
	char label[256];

	(void)what;
	snprintf(label, sizeof(label), "ip -n %s link set %s %s", f->ns, f->iface, on ? "up" : "down");
	return run_bounded(argv, label, why, len);
}

static int command_set(const struct lab_fixture *f, const char *what, int on, char *why, size_t len)
{
	char *cmd = on ? f->on : f->off;
	char *argv[] = { (char *)"/bin/sh", (char *)"-c", cmd, NULL };
	char label[320];

	snprintf(label, sizeof(label), "the %s %s command '%.200s'", what, on ? "on" : "off", cmd);
	return run_bounded(argv, label, why, len);
}

/* An operator does it and presses Enter; without a terminal there is nobody to ask. */
static int manual_set(const struct lab_fixture *f, const char *what, int on, char *why, size_t len)
{
	FILE *tty = fopen("/dev/tty", "r+");
	char line[64];

	(void)f;
	if (!tty) {
		snprintf(why, len, "the %s fixture is manual and there is no terminal to ask an operator", what);
		return -1;
	}
	fprintf(tty, "\nkeur: please %s the DUT's %s now, then press Enter: ",
		on ? (strcmp(what, "power") ? "restore" : "switch on") : (strcmp(what, "power") ? "cut" : "switch off"), what);
	fflush(tty);
	int ok = fgets(line, sizeof(line), tty) != NULL;
	fclose(tty);
	if (!ok)
		snprintf(why, len, "the operator did not confirm the %s change", what);
	return ok ? 0 : -1;
}

static const struct fixture_ops backends[] = {
	{ .method = "netns", .set = netns_set },
	{ .method = "command", .set = command_set },
	{ .method = "manual", .set = manual_set },
};

/* The one place every fixture change goes through. */
static int fixture_set(const struct lab_fixture *f, const char *what, int on, char *why, size_t len)
{
	if (!f) {
		snprintf(why, len, "the lab has no %s fixture for this DUT", what);
		return -1;
	}
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (!strcmp(backends[i].method, f->method))
			return backends[i].set(f, what, on, why, len);
	snprintf(why, len, "unknown %s fixture method '%s'", what, f->method);
	return -1;
}

int hw_uplink_cut(const struct lab_fixture *f, char *why, size_t len)
{
	return fixture_set(f, "uplink", 0, why, len);
}

int hw_uplink_restore(const struct lab_fixture *f, char *why, size_t len)
{
	return fixture_set(f, "uplink", 1, why, len);
}

int hw_power_off(const struct lab_fixture *f, char *why, size_t len)
{
	return fixture_set(f, "power", 0, why, len);
}

int hw_power_on(const struct lab_fixture *f, char *why, size_t len)
{
	return fixture_set(f, "power", 1, why, len);
}

/* ip [-n NS] addr VERB ADDR/PLEN dev lo; "already so" counts as done. */
static int lo_addr(const char *ns, const char *verb, const char *addr, char *why, size_t len)
{
	char cidr[80], label[200];
	int v6 = strchr(addr, ':') != NULL;
	char *argv[10];
	int n = 0;

	snprintf(cidr, sizeof(cidr), "%s/%d", addr, v6 ? 128 : 32);
	argv[n++] = (char *)"ip";
	if (ns) {
		argv[n++] = (char *)"-n";
		argv[n++] = (char *)ns;
	}
	argv[n++] = (char *)"addr";
	argv[n++] = (char *)verb;
	argv[n++] = cidr;
	argv[n++] = (char *)"dev";
	argv[n++] = (char *)"lo";
	argv[n] = NULL;
	snprintf(label, sizeof(label), "ip%s%s addr %s %s dev lo", ns ? " -n " : "", ns ? ns : "", verb, cidr);
	if (run_bounded(argv, label, why, len) == 0)
		return 0;
	/* Adding what is there, or deleting what is not, leaves the wanted state. */
	if (strstr(why, "File exists") || strstr(why, "Cannot assign requested address"))
		return 0;
	return -1;
}

int hw_broker_take(const struct lab_broker *b, char *why, size_t len)
{
	if (!b || !b->ns)
		return 0;
	if (lo_addr(b->ns, "del", b->listen, why, len) < 0 || lo_addr(NULL, "add", b->listen, why, len) < 0)
		return -1;
	return 0;
}

int hw_broker_give(const struct lab_broker *b, char *why, size_t len)
{
	if (!b || !b->ns)
		return 0;
	if (lo_addr(NULL, "del", b->listen, why, len) < 0 || lo_addr(b->ns, "add", b->listen, why, len) < 0)
		return -1;
	return 0;
}
