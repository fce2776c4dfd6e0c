/* procnet.c — who holds a port on this machine, read from /proc (see procnet.h).
 *
 * /proc/net/tcp and friends list the sockets of the reader's network namespace, each with the
 * inode of its socket; /proc/PID/fd/N links read "socket:[INODE]" for the sockets a process
 * holds.  Together they name the processes behind a port without asking any of them. */
#include "procnet.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define TCP_LISTEN 0x0a		/* include/net/tcp_states.h */
#define TCP_CLOSE 0x07		/* what an unconnected UDP socket shows */

/* "0100007F" (or 32 digits for IPv6): the kernel prints each 32-bit word of the address as a
 * number in the host's byte order, so the word's bytes in memory are the address's. */
static int hex_addr(const char *hex, unsigned char *addr, int *family)
{
	size_t len = strlen(hex);

	if (len != 8 && len != 32)
		return -1;
	for (size_t i = 0; i < len / 8; i++) {
		char word[9];
		memcpy(word, hex + 8 * i, 8);
		word[8] = '\0';
		uint32_t v = (uint32_t)strtoul(word, NULL, 16);
		memcpy(addr + 4 * i, &v, 4);
	}
	*family = len == 8 ? AF_INET : AF_INET6;
	return 0;
}

int procnet_parse(const char *line, int proto, struct procnet_sock *s)
{
	struct procnet_sock out = { .proto = proto };
	char local[40], remote[40];
	unsigned lport, rport, st;
	unsigned long inode;
	int rfamily;
	unsigned char raddr[16];

	line += strspn(line, " \t");
	if (!*line || *line == '\n' || !strncmp(line, "sl ", 3))
		return 0;
	if (sscanf(line, "%*u: %39[0-9A-Fa-f]:%x %39[0-9A-Fa-f]:%x %x %*x:%*x %*x:%*x %*x %*u %*d %lu", local, &lport,
		   remote, &rport, &st, &inode) != 6)
		return -1;
	if (hex_addr(local, out.addr, &out.family) < 0 || hex_addr(remote, raddr, &rfamily) < 0 ||
	    rfamily != out.family || lport > 65535 || rport > 65535)
		return -1;
	if (proto == IPPROTO_TCP ? st != TCP_LISTEN : st != TCP_CLOSE || rport != 0)
		return 0;
	out.port = (int)lport;
	out.inode = inode;
	*s = out;
	return 1;
}

static int table_read(struct procnet_table *t, const char *file, int proto, char *why, size_t len)
{
	FILE *f = fopen(file, "re");
	char *line = NULL;
	size_t cap = 0;
	int r = 0;

	if (!f) {
		if (errno == ENOENT && strchr(file, '6'))
			return 0;	/* IPv6 is off: no sockets there */
		snprintf(why, len, "cannot read %s: %s", file, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, f) > 0) {
		struct procnet_sock s;
		int p = procnet_parse(line, proto, &s);
		if (p < 0) {
			snprintf(why, len, "%s: a line keur cannot read: %.80s", file, line);
			r = -1;
			break;
		}
		if (p == 0)
			continue;
		t->s = xrealloc(t->s, (t->n + 1) * sizeof(*t->s));
		t->s[t->n++] = s;
	}
	free(line);
	fclose(f);
	return r;
}

int procnet_load(struct procnet_table *t, char *why, size_t len)
{
	static const struct { const char *file; int proto; } tables[] = {
		{ "/proc/net/tcp", IPPROTO_TCP }, { "/proc/net/tcp6", IPPROTO_TCP },
		{ "/proc/net/udp", IPPROTO_UDP }, { "/proc/net/udp6", IPPROTO_UDP },
	};

	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < ARRAY_SIZE(tables); i++)
		if (table_read(t, tables[i].file, tables[i].proto, why, len) < 0) {
			procnet_release(t);
			return -1;
		}
	return 0;
}

void procnet_release(struct procnet_table *t)
{
	free(t->s);
	t->s = NULL;
	t->n = 0;
}

/* host as an address: AF_INET (4 bytes, also for a v4-mapped IPv6 address) or AF_INET6; 0 if
 * it is not numeric. */
static int addr_of(const char *host, unsigned char *a)
{
	if (inet_pton(AF_INET, host, a) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, host, a) != 1)
		return 0;
	if (IN6_IS_ADDR_V4MAPPED((struct in6_addr *)a)) {
		memmove(a, a + 12, 4);
		return AF_INET;
	}
	return AF_INET6;
}

int procnet_binds(const struct procnet_sock *s, const char *host, int proto, int port)
{
	static const unsigned char zero[16], mapped[12] = { [10] = 0xff, [11] = 0xff };
	unsigned char a[16];
	int family = addr_of(host, a);

	if (!family || s->proto != proto || s->port != port)
		return 0;
	if (s->family == AF_INET)
		return family == AF_INET && (!memcmp(s->addr, zero, 4) || !memcmp(s->addr, a, 4));
	if (!memcmp(s->addr, zero, 16))
		return 1;	/* ::, which takes IPv4 as well unless IPV6_V6ONLY (not in the table) */
	if (family == AF_INET)
		return !memcmp(s->addr, mapped, 12) && !memcmp(s->addr + 12, a, 4);
	return !memcmp(s->addr, a, 16);
}

int procnet_addr_local(const char *host)
{
	static const unsigned char zero[16], one[16] = { [15] = 1 };
	unsigned char a[16];
	int family = addr_of(host, a), local = 0;
	struct ifaddrs *ifs;

	if (!family)
		return -1;
	if (family == AF_INET ? a[0] == 127 || !memcmp(a, zero, 4) : !memcmp(a, one, 16) || !memcmp(a, zero, 16))
		return 1;
	if (getifaddrs(&ifs) < 0)
		return -1;
	for (struct ifaddrs *i = ifs; i && !local; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != family)
			continue;
		if (family == AF_INET)
			local = !memcmp(&((struct sockaddr_in *)i->ifa_addr)->sin_addr, a, 4);
		else
			local = !memcmp(&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, a, 16);
	}
	freeifaddrs(ifs);
	return local;
}

/* The PID a /proc entry name stands for, or 0. */
static int pid_of(const char *name)
{
	char *end;
	long v = strtol(name, &end, 10);

	return *name && !*end && v > 0 && v < (1L << 22) ? (int)v : 0;
}

/* /proc/PID/WHAT into buf, trailing newlines dropped: 0, or -1 (the process is gone, say). */
static int proc_read(int pid, const char *what, char *buf, size_t len)
{
	char path[64];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, what);
	if (!(f = fopen(path, "re")))
		return -1;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return 0;
}

static int cmp_inode(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return (x > y) - (x < y);
}

/* The sockets of one process that are in the sorted set ino[n], added to out. */
static void owners_of(int pid, const unsigned long *ino, size_t n, struct procnet_owners *out)
{
	char path[64], comm[32] = "?";
	DIR *fds;
	struct dirent *e;
	size_t first = out->n;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	if (!(fds = opendir(path))) {
		if (errno == EACCES || errno == EPERM)
			out->unreadable++;
		return;	/* else the process has gone */
	}
	proc_read(pid, "comm", comm, sizeof(comm));
	for (char *c = comm; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';	/* a process names itself: keep the reason one line */
	while ((e = readdir(fds))) {
		char link[64];
		unsigned long inode;
		ssize_t r = readlinkat(dirfd(fds), e->d_name, link, sizeof(link) - 1);
		if (r <= 0)
			continue;
		link[r] = '\0';
		if (sscanf(link, "socket:[%lu]", &inode) != 1 || !bsearch(&inode, ino, n, sizeof(*ino), cmp_inode))
			continue;
		int seen = 0;
		for (size_t i = first; i < out->n && !seen; i++)
			seen = out->o[i].inode == inode;
		if (seen)
			continue;	/* the same socket in two descriptors */
		out->o = xrealloc(out->o, (out->n + 1) * sizeof(*out->o));
		out->o[out->n] = (struct procnet_owner){ .inode = inode, .pid = pid };
		snprintf(out->o[out->n++].comm, sizeof(out->o->comm), "%s", comm);
	}
	closedir(fds);
}

int procnet_owners_find(const struct procnet_table *t, struct procnet_owners *out, char *why, size_t len)
{
	unsigned long *ino = xcalloc(t->n ? t->n : 1, sizeof(*ino));
	DIR *proc = opendir("/proc");
	struct dirent *e;

	memset(out, 0, sizeof(*out));
	if (!proc) {
		snprintf(why, len, "cannot list /proc: %s", strerror(errno));
		free(ino);
		return -1;
	}
	for (size_t i = 0; i < t->n; i++)
		ino[i] = t->s[i].inode;
	qsort(ino, t->n, sizeof(*ino), cmp_inode);
	while ((e = readdir(proc))) {
		int pid = pid_of(e->d_name);
		if (pid)
			owners_of(pid, ino, t->n, out);
	}
	closedir(proc);
	free(ino);
	return 0;
}

void procnet_owners_release(struct procnet_owners *o)
{
	free(o->o);
	memset(o, 0, sizeof(*o));
}

/* ---- the DUT's processes ---- */

int procnet_pids_has(const struct procnet_pids *p, int pid)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->pid[i] == pid)
			return 1;
	return 0;
}

void procnet_pids_add(struct procnet_pids *p, int pid)
{
	if (procnet_pids_has(p, pid))
		return;
	p->pid = xrealloc(p->pid, (p->n + 1) * sizeof(*p->pid));
	p->pid[p->n++] = pid;
}

void procnet_pids_release(struct procnet_pids *p)
{
	free(p->pid);
	p->pid = NULL;
	p->n = 0;
}

/* A process's state letter and parent, from /proc/PID/stat: 0, or -1 when it is gone. */
static int proc_stat(int pid, char *state, int *ppid)
{
	char buf[512];
	const char *p;

	if (proc_read(pid, "stat", buf, sizeof(buf)) < 0 || !(p = strrchr(buf, ')')))
		return -1;	/* the name in parentheses may hold anything, so the last ')' */
	return sscanf(p + 1, " %c %d", state, ppid) == 2 ? 0 : -1;
}

/* The process in the pid file and its descendants. */
static int from_pid_file(const char *file, struct procnet_pids *out, char *why, size_t len)
{
	char *buf = NULL, *end, state;
	size_t n;
	int r = file_read(file, &buf, &n), ppid;
	long pid;

	if (r < 0) {
		snprintf(why, len, "cannot read %s: %s", file, strerror(-r));
		return -1;
	}
	pid = strtol(buf, &end, 10);
	end += strspn(end, " \t\r\n");
	if (end == buf || *end || pid <= 0 || pid >= (1L << 22)) {
		snprintf(why, len, "%s holds no PID", file);
		free(buf);
		return -1;
	}
	free(buf);
	if (proc_stat((int)pid, &state, &ppid) < 0 || state == 'Z' || state == 'X') {
		snprintf(why, len, "PID %ld from %s is not running", pid, file);
		return -1;
	}
	/* Every process's parent, read once; then the descendants, until no new child turns up. */
	struct { int pid, ppid; } *all = NULL;
	size_t nall = 0;
	DIR *proc = opendir("/proc");
	struct dirent *e;
	while (proc && (e = readdir(proc))) {
		int p = pid_of(e->d_name);
		if (p && proc_stat(p, &state, &ppid) == 0) {
			all = xrealloc(all, (nall + 1) * sizeof(*all));
			all[nall].pid = p;
			all[nall++].ppid = ppid;
		}
	}
	if (proc)
		closedir(proc);
	struct procnet_pids dut = { 0 };
	procnet_pids_add(&dut, (int)pid);
	for (size_t before = 0; before != dut.n;) {
		before = dut.n;
		for (size_t i = 0; i < nall; i++)
			if (procnet_pids_has(&dut, all[i].ppid))
				procnet_pids_add(&dut, all[i].pid);
	}
	free(all);
	for (size_t i = 0; i < dut.n; i++)
		procnet_pids_add(out, dut.pid[i]);
	procnet_pids_release(&dut);
	return 0;
}

/* The process's cgroup v2 path ("0::/system.slice/x.service"), or -1. */
static int cgroup_of(int pid, char *path, size_t len)
{
	char buf[4096];

	if (proc_read(pid, "cgroup", buf, sizeof(buf)) < 0)
		return -1;
	for (char *line = buf; line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (strncmp(line, "0::", 3))
			continue;
		snprintf(path, len, "%.*s", (int)strcspn(line + 3, "\n"), line + 3);
		return 0;
	}
	return -1;
}

/* Whether the process belongs to lp (a unit, cgroup or namespace); ns is the namespace's inode. */
static int member(int pid, const struct dut_local_process *lp, const char *unit, const struct stat *ns)
{
	char cg[1024], path[64];
	struct stat st;

	if (lp->kind == LOCAL_NETNS) {
		snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
		return stat(path, &st) == 0 && st.st_dev == ns->st_dev && st.st_ino == ns->st_ino;
	}
	if (cgroup_of(pid, cg, sizeof(cg)) < 0)
		return 0;
	if (lp->kind == LOCAL_CGROUP) {
		const char *want = lp->value;
		if (!strncmp(want, "/sys/fs/cgroup/unified/", 23))
			want += 22;	/* the hybrid hierarchy's v2 part */
		else if (!strncmp(want, "/sys/fs/cgroup/", 15))
			want += 14;
		size_t n = strlen(want);
		while (n > 1 && want[n - 1] == '/')
			n--;
		return n == 1 || (!strncmp(cg, want, n) && (cg[n] == '\0' || cg[n] == '/'));
	}
	/* A unit: one component of the path, under system.slice or a user's manager. */
	char *save;
	for (char *c = strtok_r(cg, "/", &save); c; c = strtok_r(NULL, "/", &save))
		if (!strcmp(c, unit))
			return 1;
	return 0;
}

int procnet_declared(const struct dut_local_process *lp, struct procnet_pids *out, char *why, size_t len)
{
	char unit[300], nspath[300];
	struct stat ns = { 0 };
	size_t before = out->n;
	DIR *proc;
	struct dirent *e;

	if (lp->kind == LOCAL_PID_FILE)
		return from_pid_file(lp->value, out, why, len);
	snprintf(unit, sizeof(unit), "%s%s", lp->value, strchr(lp->value, '.') ? "" : ".service");
	snprintf(nspath, sizeof(nspath), "/run/netns/%s", lp->value);
	if (lp->kind == LOCAL_NETNS && stat(nspath, &ns) < 0) {
		snprintf(why, len, "no network namespace %s: %s", nspath, strerror(errno));
		return -1;
	}
	if (!(proc = opendir("/proc"))) {
		snprintf(why, len, "cannot list /proc: %s", strerror(errno));
		return -1;
	}
	while ((e = readdir(proc))) {
		int pid = pid_of(e->d_name);
		if (pid && member(pid, lp, unit, &ns))
			procnet_pids_add(out, pid);
	}
	closedir(proc);
	if (out->n > before)
		return 0;
	if (lp->kind == LOCAL_NETNS)
		snprintf(why, len, "no process is in network namespace %s", nspath);
	else
		snprintf(why, len, "no process is in %s %s", lp->kind == LOCAL_UNIT ? "unit" : "cgroup",
			 lp->kind == LOCAL_UNIT ? unit : lp->value);
	return -1;
}
