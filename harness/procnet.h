/* procnet.h — who holds a port on this machine: the kernel's socket tables (/proc/net/tcp,
 * tcp6, udp, udp6 of keur's network namespace), the owners of their sockets (/proc/PID/fd), and
 * the processes a DUT description declares as the DUT (<local-process>).  NET-PORTS-001 uses it
 * when the DUT's address is one of the lab machine's own, where a scan alone cannot tell the
 * DUT's ports from the machine's. */
#ifndef KEUR_PROCNET_H
#define KEUR_PROCNET_H

#include <stddef.h>

#include "input.h"

/* A listening TCP socket or an unconnected UDP socket. */
struct procnet_sock {
	int proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	int family;		/* AF_INET or AF_INET6 */
	unsigned char addr[16];	/* the bound address in network order (4 bytes for AF_INET) */
	int port;
	unsigned long inode;
};

struct procnet_table {
	struct procnet_sock *s;
	size_t n;
};

/* One line of /proc/net/{tcp,udp}{,6} for proto: 1 and *s set for a listening TCP or an
 * unconnected UDP socket, 0 for any other line (the header, a connection), -1 when malformed. */
int procnet_parse(const char *line, int proto, struct procnet_sock *s);

/* Reads the four tables of keur's network namespace into t: 0, or -1 with why (t empty).  A
 * table missing because IPv6 is off is no error.  The caller releases t. */
int procnet_load(struct procnet_table *t, char *why, size_t len);
void procnet_release(struct procnet_table *t);

/* Whether socket s takes proto traffic to host:port: bound to host, or to the wildcard of its
 * family (0.0.0.0, or :: which takes IPv4 too), or to host as a v4-mapped address. */
int procnet_binds(const struct procnet_sock *s, const char *host, int proto, int port);

/* 1 when host (numeric) is an address of this machine: loopback (127.0.0.0/8, ::1), the
 * unspecified address, or an address of an interface in keur's network namespace; 0 when not;
 * -1 when host is no numeric address or the interfaces cannot be listed. */
int procnet_addr_local(const char *host);

/* Who holds a socket. */
struct procnet_owner {
	unsigned long inode;
	int pid;
	char comm[32];
};

struct procnet_owners {
	struct procnet_owner *o;
	size_t n;
	int unreadable;		/* processes whose /proc/PID/fd keur could not read */
};

/* Finds the processes that hold any socket of t, walking /proc/PID/fd: 0, or -1 with why.
 * The caller releases out. */
int procnet_owners_find(const struct procnet_table *t, struct procnet_owners *out, char *why, size_t len);
void procnet_owners_release(struct procnet_owners *o);

/* A set of PIDs. */
struct procnet_pids {
	int *pid;
	size_t n;
};

/* Adds the processes that lp declares as the DUT to out: 0 when it names at least one running
 * process, else -1 with why (the pid file unreadable, its PID not running, a unit, cgroup or
 * namespace with no process).  The caller releases out. */
int procnet_declared(const struct dut_local_process *lp, struct procnet_pids *out, char *why, size_t len);
int procnet_pids_has(const struct procnet_pids *p, int pid);
/* Adds pid unless it is there already. */
void procnet_pids_add(struct procnet_pids *p, int pid);
void procnet_pids_release(struct procnet_pids *p);

#endif
