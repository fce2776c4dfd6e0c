/* contain.c — a case process gives root up before it talks to the DUT (contain.h). */
#include "contain.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

static int user_take(const char *name, struct contain *c)
{
	struct passwd *pw = getpwnam(name);

	if (!pw)
		return -1;
	c->uid = pw->pw_uid;
	c->gid = pw->pw_gid;
	snprintf(c->user, sizeof(c->user), "%s", name);
	return 0;
}

int contain_plan(const char *lab_user, struct contain *c, char *why, size_t len)
{
	memset(c, 0, sizeof(*c));
	if (geteuid() != 0) {
		snprintf(c->why, sizeof(c->why), "keur runs as uid %ld, not root: nothing to drop", (long)geteuid());
		return 0;
	}
	c->drop = 1;
	if (lab_user) {
		if (user_take(lab_user, c) < 0) {
			snprintf(why, len, "the lab's case-user \"%s\" does not exist on this machine", lab_user);
			return -1;
		}
	} else if (user_take(CONTAIN_USER, c) < 0 && user_take(CONTAIN_FALLBACK, c) < 0) {
		snprintf(why, len, "cases run unprivileged, but neither %s nor %s exists: create %s (make install does) "
			 "or name a case-user in the lab description", CONTAIN_USER, CONTAIN_FALLBACK, CONTAIN_USER);
		return -1;
	}
	if (c->uid == 0 || c->gid == 0) {
		snprintf(why, len, "the case user \"%s\" has uid or gid 0: cases must run without root", c->user);
		return -1;
	}
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* Closes [lo, hi]: close_range (Linux 5.9), else one by one up to the descriptor limit. */
static void close_span(unsigned lo, unsigned hi)
{
	if (lo > hi)
		return;
#ifdef SYS_close_range
	if (syscall(SYS_close_range, lo, hi, 0) == 0)
		return;
#endif
	long max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 65536)
		max = 65536;
	for (unsigned fd = lo; fd <= hi && fd < (unsigned)max; fd++)
		close((int)fd);
}

static void close_others(const int *keep, size_t nkeep)
{
	int k[64];
	size_t n = 0;
	unsigned lo = 3;

	for (size_t i = 0; i < nkeep && n < ARRAY_SIZE(k); i++)
		if (keep[i] > 2)
			k[n++] = keep[i];
	qsort(k, n, sizeof(*k), cmp_int);
	for (size_t i = 0; i < n; i++) {
		if ((unsigned)k[i] > lo)
			close_span(lo, (unsigned)k[i] - 1);
		if ((unsigned)k[i] >= lo)
			lo = (unsigned)k[i] + 1;
	}
	close_span(lo, ~0u);
}

/* The capability sets (effective, permitted, inheritable) set to keep alone (0: none). */
static int caps_set(int keep)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	if (keep >= 0) {
		d[keep / 32].effective = d[keep / 32].permitted = 1u << (keep % 32);
	}
	return (int)syscall(SYS_capset, &h, d);
}

int contain_enter(const struct contain *c, const int *keep, size_t nkeep, int bind_low, char *why, size_t len)
{
	int tty;

	close_others(keep, nkeep);
	/* No controlling terminal: a case could otherwise type into the operator's shell (TIOCSTI). */
	if ((tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) >= 0) {
		ioctl(tty, TIOCNOTTY);
		close(tty);
	}
	if (c->drop) {
		int keepcap = bind_low ? CAP_NET_BIND_SERVICE : -1;
		if (prctl(PR_SET_KEEPCAPS, keepcap >= 0 ? 1 : 0, 0, 0, 0) < 0) {
			snprintf(why, len, "prctl(PR_SET_KEEPCAPS): %s", strerror(errno));
			return -1;
		}
		/* The bounding set first (that still needs CAP_SETPCAP): nothing can come back later. */
		for (int cap = 0; cap < 64; cap++) {
			if (cap == keepcap)
				continue;
			if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
				if (errno == EINVAL)
					break;	/* past the last capability this kernel knows */
				snprintf(why, len, "prctl(PR_CAPBSET_DROP, %d): %s", cap, strerror(errno));
				return -1;
			}
		}
		if (setgroups(0, NULL) < 0 || setresgid(c->gid, c->gid, c->gid) < 0 ||
		    setresuid(c->uid, c->uid, c->uid) < 0) {
			snprintf(why, len, "cannot become %s (uid %ld): %s", c->user, (long)c->uid, strerror(errno));
			return -1;
		}
		if (caps_set(keepcap) < 0) {
			snprintf(why, len, "capset: %s", strerror(errno));
			return -1;
		}
		prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
		prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
		/* As OpenSSH does: make sure root cannot be had back. */
		if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0) {
			snprintf(why, len, "root could be regained after dropping it");
			return -1;
		}
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		snprintf(why, len, "prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
		return -1;
	}
	return 0;
}

int contain_observe(pid_t pid, struct containment *m)
{
	char path[64], line[512];
	FILE *f;
	int seen = 0;

	memset(m, 0, sizeof(*m));
	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if (!(f = fopen(path, "re")))
		return -1;
	while (fgets(line, sizeof(line), f)) {
		long a, b;
		if (sscanf(line, "Uid: %ld %ld", &a, &b) == 2)
			m->uid = b, seen |= 1;
		else if (sscanf(line, "Gid: %ld %ld", &a, &b) == 2)
			m->gid = b, seen |= 2;
		else if (!strncmp(line, "Groups:", 7)) {
			char *p = line + 7, *end;
			for (;;) {
				strtol(p, &end, 10);
				if (end == p)
					break;
				m->ngroups++;
				p = end;
			}
		} else if (sscanf(line, "CapEff: %llx", &m->cap_eff) == 1)
			seen |= 4;
		else if (sscanf(line, "CapPrm: %llx", &m->cap_prm) == 1)
			seen |= 8;
		else if (sscanf(line, "NoNewPrivs: %d", &m->nnp) == 1)
			seen |= 16;
	}
	fclose(f);
	m->known = seen == 31;
	return m->known ? 0 : -1;
}

void contain_text(const struct containment *m, const char *user, char *out, size_t len)
{
	char caps[48];

	if (!m->known) {
		snprintf(out, len, "unknown (/proc could not be read)");
		return;
	}
	if (m->cap_eff == 0 && m->cap_prm == 0)
		snprintf(caps, sizeof(caps), "none");
	else if (m->cap_eff == 1ull << CAP_NET_BIND_SERVICE && m->cap_prm == m->cap_eff)
		snprintf(caps, sizeof(caps), "cap_net_bind_service");
	else
		snprintf(caps, sizeof(caps), "0x%llx", m->cap_eff);
	snprintf(out, len, "uid %ld%s%s%s, gid %ld, %d supplementary groups, capabilities %s, no_new_privs %d", m->uid,
		 user ? " (" : "", user ? user : "", user ? ")" : "", m->gid, m->ngroups, caps, m->nnp);
}
