/* contain.h — the privilege split (docs/ARCHITECTURE.md, "Containment").  A case process parses
 * whatever the DUT sends; when keur runs as root, that process gives root up for good before it
 * talks to the DUT: an unprivileged user, no supplementary groups, no capabilities (or the one a
 * case's needs call for), no controlling terminal, no_new_privs, only its own descriptors.  What
 * needs root (fixtures, the broker address, other processes' sockets) the parent does, asked
 * over the case's request socket (runner.c). */
#ifndef KEUR_CONTAIN_H
#define KEUR_CONTAIN_H

#include <stddef.h>
#include <sys/types.h>

#define CONTAIN_USER "_keur"		/* made by make install and the package */
#define CONTAIN_FALLBACK "nobody"	/* when there is no _keur */

/* Who cases run as, decided once per run by the parent. */
struct contain {
	int drop;		/* keur runs as root: every case process drops to uid/gid */
	uid_t uid;
	gid_t gid;
	char user[64];
	char why[160];		/* drop == 0: why nothing is dropped */
};

/* Decides it: keur not root: drop 0 (why says so).  Root: lab_user (the lab description's
 * case-user) when given, else CONTAIN_USER, else CONTAIN_FALLBACK.  0, or -1 with why (the
 * lab's user does not exist or is root, or none of them exists). */
int contain_plan(const char *lab_user, struct contain *c, char *why, size_t len);

/* In the case process, before it talks to the DUT.  Closes every descriptor above 2 except the
 * nkeep in keep, leaves the controlling terminal, and when c->drop: drops the bounding set,
 * groups, gid and uid for good, keeping only CAP_NET_BIND_SERVICE when bind_low, and sets
 * no_new_privs.  0, or -1 with why (the case must not run then). */
int contain_enter(const struct contain *c, const int *keep, size_t nkeep, int bind_low, char *why, size_t len);

/* What /proc/PID/status says a process runs as: the parent reads it, it does not take the
 * case's word. */
struct containment {
	int known;			/* 0: /proc could not be read */
	long uid, gid;			/* real and effective agree after a drop; these are effective */
	unsigned long long cap_eff, cap_prm;
	int nnp;			/* NoNewPrivs */
	int ngroups;
};
int contain_observe(pid_t pid, struct containment *m);

/* "uid 998 (_keur), gid 998, no groups, capabilities none, no_new_privs" (or the capabilities in
 * hex, "cap_net_bind_service" for the one keur keeps). */
void contain_text(const struct containment *m, const char *user, char *out, size_t len);

#endif
