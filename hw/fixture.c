/* fixture.c — fixture backends as const tables of operations, reached through the wrappers. */
#include "fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <sched.h>
#include <stdlib.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct fixture_ops {
	const char *method;
	/* Switches the fixture's thing (what: "uplink" or "power") on or off. */
	int (*set)(const struct lab_fixture *f, const char *what, int on, FILE *log, char *why, size_t len);
};

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Runs argv with a time limit.  Its output goes to log (with the exit status and how long it
 * took); when it fails, its first line is part of the reason. */
static int run_bounded(char *const argv[], const char *label, long timeout_ms, FILE *log, char *why, size_t len)
{
	int p[2], status = 0;
	char out[512] = "";
	size_t n = 0;
	long start = now_ms(), end = start + timeout_ms;
	pid_t pid;

	if (log)
		fprintf(log, "$ %s\n", label);
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
		int nul = open("/dev/null", O_RDONLY);
		struct rlimit rl;
		setpgid(0, 0);
		/* A lab command runs with the limits keur had, not a case's memory ceiling (runner.c). */
		if (getrlimit(RLIMIT_DATA, &rl) == 0 && rl.rlim_cur != rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_DATA, &rl);
		}
		if (nul >= 0)
			dup2(nul, 0);	/* a lab command must not eat keur's input */
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
			if (log)
				fprintf(log, "%s(killed after %.1f s)\n", n && out[n - 1] != '\n' ? "\n" : "", timeout_ms / 1000.0);
			snprintf(why, len, "%s did not finish within %.0f s", label, timeout_ms / 1000.0);
			return -1;
		}
		if (poll(&pf, 1, left > 200 ? 200 : (int)left) <= 0)
			continue;
		char buf[256];
		ssize_t r = read(p[0], buf, sizeof(buf));
		if (r <= 0)
			break;
		if (log)
			fwrite(buf, 1, (size_t)r, log);
		size_t take = (size_t)r < sizeof(out) - 1 - n ? (size_t)r : sizeof(out) - 1 - n;
		memcpy(out + n, buf, take);
		n += take;
		out[n] = '\0';
	}
	close(p[0]);
	waitpid(pid, &status, 0);
	if (log)
		fprintf(log, "%s(%s %d after %.2f s)\n", n && out[n - 1] != '\n' ? "\n" : "",
			WIFEXITED(status) ? "exit" : "signal", WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
			(now_ms() - start) / 1000.0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	out[strcspn(out, "\n")] = '\0';
	snprintf(why, len, "%s failed (%s %d)%s%s", label, WIFEXITED(status) ? "exit" : "signal",
		 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), out[0] ? ": " : "", out);
	return -1;
}

static long timeout_of(const struct lab_fixture *f, long dflt)
{
	return f->timeout_ms > 0 ? f->timeout_ms : dflt;
}

static int netns_set(const struct lab_fixture *f, const char *what, int on, FILE *log, char *why, size_t len)
{
	char *argv[] = { (char *)"ip", (char *)"-n", f->ns, (char *)"link", (char *)"set", f->iface,
			 (char *)(on ? "up" : "down"), NULL };
	char label[256];

	(void)what;
	snprintf(label, sizeof(label), "ip -n %s link set %s %s", f->ns, f->iface, on ? "up" : "down");
	return run_bounded(argv, label, timeout_of(f, FIXTURE_TIMEOUT_MS), log, why, len);
}

static int command_set(const struct lab_fixture *f, const char *what, int on, FILE *log, char *why, size_t len)
{
	char *cmd = on ? f->on : f->off;
	char *argv[] = { (char *)"/bin/sh", (char *)"-c", cmd, NULL };
	char label[320];

	snprintf(label, sizeof(label), "the %s %s command '%.200s'", what, on ? "on" : "off", cmd);
	return run_bounded(argv, label, timeout_of(f, FIXTURE_TIMEOUT_MS), log, why, len);
}

/* Asks the operator at the terminal; the answer (one line) goes to answer.  0, or -1 when
 * there is no terminal or no answer within the fixture's timeout. */
static int ask(const struct lab_fixture *f, const char *question, char *answer, size_t alen, char *why, size_t len)
{
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	long end;
	size_t n = 0;

	if (fd < 0) {
		snprintf(why, len, "the fixture is manual and there is no terminal to ask an operator");
		return FIXTURE_NOT_DONE;
	}
	if (write(fd, question, strlen(question)) < 0) {
		close(fd);
		snprintf(why, len, "cannot write to the terminal: %s", strerror(errno));
		return -1;
	}
	end = now_ms() + timeout_of(f, FIXTURE_OPERATOR_MS);
	while (n < alen - 1) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		long left = end - now_ms();
		if (left <= 0 || poll(&pf, 1, (int)left) <= 0) {
			close(fd);
			snprintf(why, len, "no answer from the operator within %.0f s", timeout_of(f, FIXTURE_OPERATOR_MS) / 1000.0);
			return -1;
		}
		char c;
		if (read(fd, &c, 1) != 1) {
			close(fd);
			snprintf(why, len, "the terminal closed before the operator answered");
			return -1;
		}
		if (c == '\n')
			break;
		if (c != '\r')
			answer[n++] = c;
	}
	answer[n] = '\0';
	close(fd);
	return 0;
}

static void stamp(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Asks question until the operator types a name (it goes into the evidence): 0, or as ask(). */
static int ask_name(const struct lab_fixture *f, const char *question, char *who, size_t wlen, char *why, size_t len)
{
	const char *q = question;

	for (;;) {
		int r = ask(f, q, who, wlen, why, len);
		if (r < 0)
			return r;
		if (who[strspn(who, " \t")])
			return 0;
		q = "keur: a name, please (it goes into the evidence): ";
	}
}

/* An operator does it and confirms with their name, which goes into the evidence. */
static int manual_set(const struct lab_fixture *f, const char *what, int on, FILE *log, char *why, size_t len)
{
	int power = !strcmp(what, "power");
	char q[256], who[80], when[32];

	snprintf(q, sizeof(q), "\nkeur: please %s the DUT's %s now; then type your name to confirm: ",
		 on ? (power ? "switch on" : "restore") : (power ? "switch off" : "cut"), what);
	int r = ask_name(f, q, who, sizeof(who), why, len);
	if (r < 0)
		return r;
	stamp(when, sizeof(when));
	if (log)
		fprintf(log, "%s %s %s: confirmed by the operator '%s'\n", when, what, on ? "on" : "off", who);
	return 0;
}

static const struct fixture_ops backends[] = {
	{ .method = "netns", .set = netns_set },
	{ .method = "command", .set = command_set },
	{ .method = "manual", .set = manual_set },
};

/* The one place every fixture change goes through. */
static int fixture_set(const struct lab_fixture *f, const char *what, int on, FILE *log, char *why, size_t len)
{
	int rc;

	if (!f) {
		snprintf(why, len, "the lab has no %s fixture for this DUT", what);
		return FIXTURE_NOT_DONE;
	}
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (!strcmp(backends[i].method, f->method)) {
			rc = backends[i].set(f, what, on, log, why, len);
			if (log)
				fflush(log);
			return rc;
		}
	snprintf(why, len, "unknown %s fixture method '%s'", what, f->method);
	return FIXTURE_NOT_DONE;
}

int hw_uplink_cut(const struct lab_fixture *f, FILE *log, char *why, size_t len)
{
	return fixture_set(f, "uplink", 0, log, why, len);
}

int hw_uplink_restore(const struct lab_fixture *f, FILE *log, char *why, size_t len)
{
	return fixture_set(f, "uplink", 1, log, why, len);
}

int hw_power_off(const struct lab_fixture *f, FILE *log, char *why, size_t len)
{
	return fixture_set(f, "power", 0, log, why, len);
}

int hw_power_on(const struct lab_fixture *f, FILE *log, char *why, size_t len)
{
	return fixture_set(f, "power", 1, log, why, len);
}

int hw_reflash(const struct lab_fixture *f, const char *firmware, FILE *log, char *why, size_t len)
{
	int rc;

	if (!f) {
		snprintf(why, len, "the lab has no reflash fixture for this DUT");
		return FIXTURE_NOT_DONE;
	}
	if (!strcmp(f->method, "command")) {
		char *argv[] = { (char *)"/bin/sh", (char *)"-c", f->on, NULL };
		char label[320];
		snprintf(label, sizeof(label), "the reflash command '%.200s' (KEUR_FIRMWARE=%.32s)", f->on, firmware);
		setenv("KEUR_FIRMWARE", firmware, 1);
		rc = run_bounded(argv, label, timeout_of(f, FIXTURE_TIMEOUT_MS), log, why, len);
		unsetenv("KEUR_FIRMWARE");
	} else if (!strcmp(f->method, "manual")) {
		char q[256], who[80], when[32];
		snprintf(q, sizeof(q), "\nkeur: please put the DUT back to firmware %.32s now; then type your name to confirm: ",
			 firmware);
		if ((rc = ask_name(f, q, who, sizeof(who), why, len)) < 0)
			return rc;
		stamp(when, sizeof(when));
		if (log)
			fprintf(log, "%s reflash to %s: confirmed by the operator '%s'\n", when, firmware, who);
	} else {
		snprintf(why, len, "unknown reflash fixture method '%s'", f->method);
		return FIXTURE_NOT_DONE;
	}
	if (log)
		fflush(log);
	return rc;
}

/* In a child that has joined namespace ns: a TCP connect to host:port within 3 s.  Exit 0:
 * reached (answered, or refused: the path works); 1: not reached; 2: could not try. */
static void __attribute__((noreturn)) probe_from(const char *ns, const char *host, int port)
{
	char p[300];
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV }, *ai;
	char ps[16];
	int fd, nsfd, err = 0;
	socklen_t elen = sizeof(err);

	snprintf(p, sizeof(p), "/var/run/netns/%s", ns);
	if ((nsfd = open(p, O_RDONLY | O_CLOEXEC)) < 0 || setns(nsfd, CLONE_NEWNET) < 0)
		_exit(2);
	snprintf(ps, sizeof(ps), "%d", port);
	if (getaddrinfo(host, ps, &hints, &ai) != 0)
		_exit(2);
	if ((fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK, 0)) < 0)
		_exit(2);
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		_exit(0);
	if (errno != EINPROGRESS)
		_exit(errno == ECONNREFUSED ? 0 : 1);
	struct pollfd pf = { .fd = fd, .events = POLLOUT };
	if (poll(&pf, 1, 3000) != 1)
		_exit(1);
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen);
	_exit(err == 0 || err == ECONNREFUSED ? 0 : 1);
}

static int netns_works(const struct lab_fixture *f, const char *host, int port, FILE *log, char *why, size_t len)
{
	char h[256];
	int status;
	pid_t pid;

	if (f->check_addr) {
		const char *colon = strrchr(f->check_addr, ':');
		snprintf(h, sizeof(h), "%.*s", (int)(colon - f->check_addr), f->check_addr);
		if (h[0] == '[') {	/* [::1]:80 */
			memmove(h, h + 1, strlen(h));
			h[strcspn(h, "]")] = '\0';
		}
		host = h;
		port = atoi(colon + 1);
	}
	if (!host || port <= 0) {
		snprintf(why, len, "nothing to reach: give the uplink fixture check-address=\"HOST:PORT\"");
		return -1;
	}
	if ((pid = fork()) < 0) {
		snprintf(why, len, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0)
		probe_from(f->ns, host, port);
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) == 2) {
		snprintf(why, len, "could not try %s:%d from inside namespace %s", host, port, f->ns);
		return -1;
	}
	if (log)
		fprintf(log, "from inside %s: %s:%d %s\n", f->ns, host, port, WEXITSTATUS(status) ? "not reached" : "reached");
	snprintf(why, len, "%s:%d %s from inside namespace %s", host, port, WEXITSTATUS(status) ? "is not reached" : "is reached", f->ns);
	return WEXITSTATUS(status) == 0;
}

int hw_uplink_works(const struct lab_fixture *f, const char *host, int port, FILE *log, char *why, size_t len)
{
	int r = -1;

	if (!f) {
		snprintf(why, len, "the lab has no uplink fixture for this DUT");
		return -1;
	}
	if (!strcmp(f->method, "netns")) {
		r = netns_works(f, host, port, log, why, len);
	} else if (!strcmp(f->method, "command")) {
		char *argv[] = { (char *)"/bin/sh", (char *)"-c", f->check, NULL };
		char label[320], detail[512];
		if (!f->check) {
			snprintf(why, len, "the uplink fixture has no check command (check=\"...\"): keur cannot see whether the uplink works");
			return -1;
		}
		snprintf(label, sizeof(label), "the uplink check command '%.200s'", f->check);
		r = run_bounded(argv, label, timeout_of(f, FIXTURE_TIMEOUT_MS), log, detail, sizeof(detail)) == 0;
		if (!r && strstr(detail, "did not finish")) {
			snprintf(why, len, "%s", detail);
			return -1;
		}
		snprintf(why, len, "%s says the uplink %s", label, r ? "works" : "is cut");
	} else if (!strcmp(f->method, "manual")) {
		char who[80], when[32];
		for (;;) {
			if (ask(f, "\nkeur: can the DUT reach the internet right now? answer yes or no: ", who, sizeof(who), why, len) < 0)
				return -1;
			if (!strcmp(who, "yes") || !strcmp(who, "no"))
				break;
		}
		r = !strcmp(who, "yes");
		stamp(when, sizeof(when));
		if (log)
			fprintf(log, "%s the operator says the DUT %s reach the internet\n", when, r ? "can" : "cannot");
		snprintf(why, len, "the operator says the uplink %s", r ? "works" : "is cut");
	} else {
		snprintf(why, len, "unknown uplink fixture method '%s'", f->method);
	}
	if (log)
		fflush(log);
	return r;
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
	if (run_bounded(argv, label, FIXTURE_TIMEOUT_MS, NULL, why, len) == 0)
		return 0;
	/* Adding what is there, or deleting what is not, leaves the wanted state. */
	if (strstr(why, "File exists") || strstr(why, "Cannot assign requested address") ||
	    strstr(why, "Address not found") || strstr(why, "Address already assigned"))
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
