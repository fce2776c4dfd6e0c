/* net_ports.c — NET-PORTS-001: only the declared ports answer.
 *
 * Every address the DUT description gives (its broker, CoAP and Modbus endpoints) is scanned:
 * TCP by connecting to each port in the scan range (1-65535 unless <ports scan-tcp> says
 * otherwise), many at a time without blocking; UDP by sending each port in its range a probe
 * that a service there would answer (a DNS, NTP, SNMP, SSDP, mDNS or CoAP request, else an
 * empty CoAP ping), rounds apart so that a device limiting its ICMP replies gets its chance.
 * Declared are the ports of the declared interfaces and those in <ports tcp udp>.  An open port
 * beyond them fails the case, named with what answers there (its first bytes).  A UDP port that
 * neither answers nor is refused, on a DUT that refuses others, cannot be told from an open one:
 * that is undecided, never a pass.
 *
 * An address of the lab machine itself (loopback, or one of keur's interfaces) is shared with
 * every program there, so an open port there is not the DUT's by itself.  keur then looks up who
 * holds each open port in the kernel's socket tables (procnet.h): a port the DUT's declared
 * processes (<local-process>) hold is judged as above; one held only by other programs is not the
 * DUT's; one keur cannot attribute, or any open undeclared port when the DUT description names
 * no process, is undecided. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netinet/in.h>

#include "case.h"
#include "procnet.h"
#include "util.h"

#define TCP_PARALLEL 400	/* connects in flight at once */
#define TCP_TIMEOUT_MS 1500	/* a port that has not answered the SYN by then counts as closed */
#define UDP_ROUNDS 4
#define UDP_ROUND_MS 1500
#define BANNER_MS 1500
#define MAX_LISTED 10		/* ports named in one reason; the rest are counted (ports.txt has all) */

/* UDP ports tried beyond the declared ones: services common on devices and in the LAN. */
static const char default_udp[] =
	"53,67-69,111,123,137-138,161-162,500,514,520,623,1194,1434,1701,1812-1813,1900,2000,2222,3478,3702,"
	"4500,5060,5246-5247,5353,5355,5683-5684,6666,9600,10001,17185,20000,30718,34962-34964,44818,47808,49152";

struct scan {
	unsigned char declared_tcp[65536 / 8], declared_udp[65536 / 8];
	unsigned char range_tcp[65536 / 8], range_udp[65536 / 8];
};

static void declared_ports(const struct keur_dut *d, struct scan *sc)
{
	for (size_t i = 0; i < d->nmqtt; i++)
		if (d->mqtt[i].broker)
			port_add(sc->declared_tcp, d->mqtt[i].port ? d->mqtt[i].port : d->mqtt[i].tls ? 8883 : 1883);
	for (size_t i = 0; i < d->ncoap; i++)
		port_add(sc->declared_udp, d->coap[i].port);
	for (size_t i = 0; i < d->nmodbus; i++) {
		if (!d->modbus[i].host)
			continue;
		port_add(sc->declared_tcp, d->modbus[i].port);
		port_add(sc->declared_tcp, d->modbus[i].tls_port);
	}
	if (d->ports)
		for (size_t b = 0; b < sizeof(sc->declared_tcp); b++) {
			sc->declared_tcp[b] |= d->ports->tcp[b];
			sc->declared_udp[b] |= d->ports->udp[b];
		}
}

/* The DUT's distinct addresses: those of its broker, CoAP and Modbus/TCP endpoints. */
static size_t hosts_of(const struct keur_dut *d, const char **h, size_t cap)
{
	size_t n = 0;
	const char *all[64];
	size_t na = 0;

	for (size_t i = 0; i < d->nmqtt && na < 64; i++)
		if (d->mqtt[i].broker && d->mqtt[i].host)
			all[na++] = d->mqtt[i].host;
	for (size_t i = 0; i < d->ncoap && na < 64; i++)
		all[na++] = d->coap[i].host;
	for (size_t i = 0; i < d->nmodbus && na < 64; i++)
		if (d->modbus[i].host)
			all[na++] = d->modbus[i].host;
	for (size_t i = 0; i < na; i++) {
		int seen = 0;
		for (size_t j = 0; j < n && !seen; j++)
			seen = !strcmp(h[j], all[i]);
		if (!seen && n < cap)
			h[n++] = all[i];
	}
	return n;
}

static int sockaddr_of(const char *host, int port, int type, struct sockaddr_storage *sa, socklen_t *salen)
{
	struct addrinfo hints = { .ai_socktype = type, .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV }, *ai;
	char ps[16];

	snprintf(ps, sizeof(ps), "%d", port);
	if (getaddrinfo(host, ps, &hints, &ai) != 0)
		return -1;
	memcpy(sa, ai->ai_addr, ai->ai_addrlen);
	*salen = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

/* Printable excerpt of what a service said: at most 60 characters, the rest escaped. */
static void excerpt(char *out, size_t len, const unsigned char *b, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 5 < len && o < 60; i++) {
		if (b[i] >= 0x20 && b[i] < 0x7f && b[i] != '"' && b[i] != '\\')
			out[o++] = (char)b[i];
		else
			o += (size_t)snprintf(out + o, len - o, "\\x%02x", b[i]);
	}
	out[o] = '\0';
}

/* What answers on an open TCP port: its greeting, else its answer to an HTTP request. */
static void tcp_banner(const char *host, int port, char *out, size_t len)
{
	struct sockaddr_storage sa;
	socklen_t salen;
	unsigned char buf[256];
	ssize_t n = 0;
	int fd;

	snprintf(out, len, "accepts connections, says nothing");
	if (sockaddr_of(host, port, SOCK_STREAM, &sa, &salen) < 0 ||
	    (fd = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return;
	struct timeval tv = { .tv_sec = BANNER_MS / 1000, .tv_usec = (BANNER_MS % 1000) * 1000 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, salen) == 0) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0) {
			static const char req[] = "GET / HTTP/1.0\r\n\r\n";
			if (send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) > 0)
				n = recv(fd, buf, sizeof(buf), 0);
		}
	}
	close(fd);
	if (n > 0) {
		char ex[300];
		excerpt(ex, sizeof(ex), buf, (size_t)n);
		snprintf(out, len, "answers \"%s\"", ex);
	}
}

struct tcp_slot {
	int fd, port;
	long started;
};

/* Connects to every port of the range, TCP_PARALLEL at a time; open ports into open. */
static int tcp_scan(struct keur_ctx *ctx, const char *host, const unsigned char *range, unsigned char *open, int *tried,
		    char *why, size_t len)
{
	struct tcp_slot slot[TCP_PARALLEL];
	struct pollfd pf[TCP_PARALLEL];
	int next = 1, busy = 0;

	*tried = 0;
	for (int i = 0; i < TCP_PARALLEL; i++)
		slot[i].fd = -1;
	for (;;) {
		/* Fill the free slots. */
		for (int i = 0; i < TCP_PARALLEL && next < 65536; i++) {
			struct sockaddr_storage sa;
			socklen_t salen;
			if (slot[i].fd >= 0)
				continue;
			while (next < 65536 && !port_in(range, next))
				next++;
			if (next >= 65536)
				break;
			if (sockaddr_of(host, next, SOCK_STREAM, &sa, &salen) < 0) {
				snprintf(why, len, "'%s' is no numeric address", host);
				return -1;
			}
			int fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
			if (fd < 0) {
				snprintf(why, len, "socket: %s", strerror(errno));
				return -1;
			}
			(*tried)++;
			if (connect(fd, (struct sockaddr *)&sa, salen) == 0) {
				port_add(open, next);
				close(fd);
			} else if (errno == EINPROGRESS) {
				slot[i] = (struct tcp_slot){ .fd = fd, .port = next, .started = (long)time_mono_ms() };
				busy++;
			} else {
				close(fd);	/* refused or unreachable at once */
			}
			next++;
		}
		if (!busy && next >= 65536)
			return 0;
		if (keur_time_left_ms(ctx) < 20000) {
			for (int i = 0; i < TCP_PARALLEL; i++)
				if (slot[i].fd >= 0)
					close(slot[i].fd);
			snprintf(why, len, "the deadline came before the TCP scan of %s ended (at port %d)", host, next);
			return -1;
		}
		int n = 0;
		for (int i = 0; i < TCP_PARALLEL; i++)
			pf[i] = (struct pollfd){ .fd = slot[i].fd, .events = POLLOUT };
		n = poll(pf, TCP_PARALLEL, 100);
		long now = (long)time_mono_ms();
		for (int i = 0; i < TCP_PARALLEL; i++) {
			if (slot[i].fd < 0)
				continue;
			if (n > 0 && pf[i].revents) {
				int err = 0;
				socklen_t el = sizeof(err);
				getsockopt(slot[i].fd, SOL_SOCKET, SO_ERROR, &err, &el);
				if (err == 0)
					port_add(open, slot[i].port);
			} else if (now - slot[i].started < TCP_TIMEOUT_MS) {
				continue;
			}
			close(slot[i].fd);
			slot[i].fd = -1;
			busy--;
		}
	}
}

/* A request that a service on this UDP port would answer. */
static size_t udp_probe(int port, unsigned char *b, size_t cap)
{
	static const unsigned char dns[] = { 0x4b, 0x45, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 7, 'v', 'e', 'r', 's', 'i', 'o', 'n',
					     4, 'b', 'i', 'n', 'd', 0, 0, 16, 0, 3 };
	static const unsigned char snmp[] = { 0x30, 0x26, 0x02, 0x01, 0x01, 0x04, 0x06, 'p', 'u', 'b', 'l', 'i', 'c', 0xa0,
					      0x19, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x30, 0x0e,
					      0x30, 0x0c, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00,
					      0x05, 0x00 };
	static const char ssdp[] = "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n";
	static const unsigned char mdns[] = { 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 9, '_', 's', 'e', 'r', 'v', 'i', 'c', 'e', 's',
					      7, '_', 'd', 'n', 's', '-', 's', 'd', 4, '_', 'u', 'd', 'p', 5, 'l', 'o', 'c',
					      'a', 'l', 0, 0, 12, 0, 1 };
	/* CoAP: a confirmable GET /.well-known/core; elsewhere an empty confirmable message,
	 * which any CoAP endpoint answers with a reset. */
	static const unsigned char coap[] = { 0x40, 0x01, 0x4b, 0x45, 0xbb, '.', 'w', 'e', 'l', 'l', '-', 'k', 'n', 'o', 'w',
					      'n', 0x04, 'c', 'o', 'r', 'e' };
	static const unsigned char ping[] = { 0x40, 0x00, 0x4b, 0x45 };
	const void *p = ping;
	size_t n = sizeof(ping);

	if (port == 53 || port == 5355) {
		p = dns;
		n = sizeof(dns);
	} else if (port == 5353) {
		p = mdns;
		n = sizeof(mdns);
	} else if (port == 161) {
		p = snmp;
		n = sizeof(snmp);
	} else if (port == 1900) {
		p = ssdp;
		n = sizeof(ssdp) - 1;
	} else if (port == 5683) {
		p = coap;
		n = sizeof(coap);
	} else if (port == 123) {
		memset(b, 0, 48);
		b[0] = 0x23;	/* NTP version 4, client */
		return 48;
	}
	memcpy(b, p, n < cap ? n : cap);
	return n < cap ? n : cap;
}

enum udp_state { UDP_SILENT, UDP_ANSWERED, UDP_REFUSED };

struct udp_port {
	int port, fd;
	enum udp_state st;
	char answer[300];
};

/* Probes every port of the range in rounds; what each did into ports[] (n of them). */
static int udp_scan(const char *host, const unsigned char *range, struct udp_port **out, size_t *nout, char *why,
		    size_t len)
{
	struct udp_port *p = NULL;
	size_t n = 0;

	for (int port = 1; port < 65536; port++) {
		struct sockaddr_storage sa;
		socklen_t salen;
		if (!port_in(range, port))
			continue;
		if (sockaddr_of(host, port, SOCK_DGRAM, &sa, &salen) < 0) {
			snprintf(why, len, "'%s' is no numeric address", host);
			free(p);
			return -1;
		}
		int fd = socket(sa.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sa, salen) < 0) {
			snprintf(why, len, "UDP socket to %s:%d: %s", host, port, strerror(errno));
			if (fd >= 0)
				close(fd);
			for (size_t i = 0; i < n; i++)
				close(p[i].fd);
			free(p);
			return -1;
		}
		p = xrealloc(p, (n + 1) * sizeof(*p));
		p[n++] = (struct udp_port){ .port = port, .fd = fd, .st = UDP_SILENT };
		if (n >= 512)
			break;	/* a UDP range this long would take hours on a device limiting its ICMP */
	}
	struct pollfd *pf = xcalloc(n ? n : 1, sizeof(*pf));
	for (int round = 0; round < UDP_ROUNDS; round++) {
		int silent = 0;
		for (size_t i = 0; i < n; i++) {
			unsigned char b[128];
			if (p[i].st != UDP_SILENT)
				continue;
			silent++;
			send(p[i].fd, b, udp_probe(p[i].port, b, sizeof(b)), MSG_NOSIGNAL);
			usleep(2000);	/* a little space between probes */
		}
		if (!silent)
			break;
		long end = (long)time_mono_ms() + UDP_ROUND_MS;
		for (long left; (left = end - (long)time_mono_ms()) > 0 && silent;) {
			silent = 0;
			for (size_t i = 0; i < n; i++) {
				pf[i] = (struct pollfd){ .fd = p[i].st == UDP_SILENT ? p[i].fd : -1, .events = POLLIN };
				silent += p[i].st == UDP_SILENT;
			}
			if (!silent)
				break;	/* every port has answered or been refused */
			if (poll(pf, n, (int)left) <= 0)
				continue;
			for (size_t i = 0; i < n; i++) {
				unsigned char b[512];
				if (!pf[i].revents)
					continue;
				ssize_t r = recv(p[i].fd, b, sizeof(b), 0);
				if (r >= 0) {
					char ex[300];
					excerpt(ex, sizeof(ex), b, (size_t)r);
					p[i].st = UDP_ANSWERED;
					snprintf(p[i].answer, sizeof(p[i].answer), "answers \"%.250s\"", ex);
				} else if (errno == ECONNREFUSED) {
					p[i].st = UDP_REFUSED;
				}
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		close(p[i].fd);
	free(pf);
	*out = p;
	*nout = n;
	return 0;
}

/* The DUT's processes on this machine, looked up once per case (<local-process>). */
struct local_dut {
	size_t ndeclared;	/* <local-process> elements */
	struct procnet_pids pids;
};

/* How the open ports of one address are judged. */
struct judge {
	const char *host;
	int shared;		/* the address is one of this machine's own */
	const struct local_dut *dut;
	int tables_ok;		/* the socket tables and their owners were read */
	char tables_why[300];
	struct procnet_table tab;
	struct procnet_owners own;
	struct strbuf unjudged;	/* shared, no process declared: the undeclared open ports */
	struct strbuf others;	/* shared: undeclared open ports that other programs hold */
	int nunjudged, nothers;
};

enum holder { HELD_DUT, HELD_OTHER, HELD_UNKNOWN };

/* Reads the tables when the address is shared: their state right after the scan. */
static void judge_init(struct keur_ctx *ctx, struct judge *j, const char *host, const struct local_dut *dut)
{
	memset(j, 0, sizeof(*j));
	j->host = host;
	j->dut = dut;
	j->shared = procnet_addr_local(host) == 1;
	sb_init(&j->unjudged);
	sb_init(&j->others);
	if (j->shared && procnet_load(&j->tab, j->tables_why, sizeof(j->tables_why)) == 0)
		j->tables_ok = keur_local_owners(ctx, &j->own, j->tables_why, sizeof(j->tables_why)) == 0;
}

static void judge_release(struct judge *j)
{
	procnet_release(&j->tab);
	procnet_owners_release(&j->own);
	sb_release(&j->unjudged);
	sb_release(&j->others);
}

/* Who holds proto/port on the judged address: "PID 1234 (mosquitto), ..." into who, or why it
 * cannot be told.  HELD_DUT when a declared process is among them. */
static enum holder holders(const struct judge *j, int proto, int port, char *who, size_t len)
{
	int nsock = 0, dut = 0, orphan = 0;
	size_t o = 0;

	who[0] = '\0';
	if (!j->tables_ok) {
		snprintf(who, len, "%s", j->tables_why);
		return HELD_UNKNOWN;
	}
	for (size_t i = 0; i < j->tab.n; i++) {
		const struct procnet_sock *s = &j->tab.s[i];
		int owned = 0;
		if (!procnet_binds(s, j->host, proto, port))
			continue;
		nsock++;
		for (size_t k = 0; k < j->own.n; k++) {
			const struct procnet_owner *w = &j->own.o[k];
			if (w->inode != s->inode)
				continue;
			owned = 1;
			dut |= procnet_pids_has(&j->dut->pids, w->pid);
			if (o + 1 < len) {
				o += (size_t)snprintf(who + o, len - o, "%sPID %d (%s)", o ? ", " : "", w->pid, w->comm);
				o = o < len ? o : len - 1;	/* cut short: the rest stays out */
			}
		}
		orphan |= !owned;
	}
	if (nsock == 0) {
		snprintf(who, len, "no socket bound to it in /proc/net/%s of keur's namespace",
			 proto == IPPROTO_TCP ? "tcp and tcp6" : "udp and udp6");
		return HELD_UNKNOWN;
	}
	if (dut)
		return HELD_DUT;
	if (orphan) {
		snprintf(who + o, len - o, "%sa socket in no process's descriptors that keur can read "
			 "(%d processes' /proc/PID/fd unreadable)", o ? ", and " : "", j->own.unreadable);
		return HELD_UNKNOWN;
	}
	return HELD_OTHER;
}

/* Who holds an open port of the judged address, looked up once per port. */
struct holding {
	enum holder h;
	char who[400];	/* holders()'s account; empty when the address is not shared */
};

static void held(const struct judge *j, int proto, int port, struct holding *hd)
{
	hd->who[0] = '\0';
	hd->h = j->shared ? holders(j, proto, port, hd->who, sizeof(hd->who)) : HELD_UNKNOWN;
}

/* The evidence's account of who holds an open port, on a shared address: a line below it. */
static void ev_holders(FILE *ev, const struct judge *j, const struct holding *hd)
{
	if (!ev || !j->shared)
		return;
	if (hd->h == HELD_UNKNOWN)
		fprintf(ev, "  who holds it: unknown: %s\n", hd->who);
	else
		fprintf(ev, "  held by %s%s\n", hd->who, !j->dut->ndeclared ? "" : hd->h == HELD_DUT ? ", the DUT" : ", not the DUT");
}

/* An open port the DUT does not declare: what it says of the DUT, by who holds it.  state:
 * "is open and not declared" or the like; what: what answers there. */
static void judge_undeclared(struct keur_ctx *ctx, struct judge *j, int proto, int port, const char *state,
			     const char *what, const struct holding *hd, struct keur_findings *f)
{
	const char *pn = proto == IPPROTO_TCP ? "TCP" : "UDP", *who = hd->who;
	enum holder h = hd->h;

	if (!j->shared) {
		keur_find(f, FIND_BAD, "%s %s %d %s; it %s", j->host, pn, port, state, what);
		return;
	}
	if (!j->dut->ndeclared) {
		keur_note(ctx, "%s %s %d: %s%s", j->host, pn, port, h == HELD_UNKNOWN ? "who holds it is unknown: " : "held by ", who);
		if (j->nunjudged++ < MAX_LISTED)
			sb_addf(&j->unjudged, "%s%s %d", j->nunjudged > 1 ? ", " : "", pn, port);
	} else if (h == HELD_DUT) {
		keur_find(f, FIND_BAD, "%s %s %d %s; held by %s; it %s", j->host, pn, port, state, who, what);
	} else if (h == HELD_OTHER) {
		keur_note(ctx, "%s %s %d: held by %s, not the DUT", j->host, pn, port, who);
		if (j->nothers++ < MAX_LISTED)
			sb_addf(&j->others, "%s%s %d (%s)", j->nothers > 1 ? ", " : "", pn, port, who);
	} else {
		keur_find(f, FIND_OPEN, "%s %s %d %s, and keur cannot tell who holds it: %s", j->host, pn, port, state, who);
	}
}

/* After the address's ports: the undeclared ones that could not be judged, in one finding. */
static void judge_finish(struct judge *j, struct keur_findings *f)
{
	if (j->nunjudged > MAX_LISTED)
		sb_addf(&j->unjudged, " and %d more", j->nunjudged - MAX_LISTED);
	if (j->nothers > MAX_LISTED)
		sb_addf(&j->others, " and %d more", j->nothers - MAX_LISTED);
	if (j->nunjudged)
		keur_find(f, FIND_OPEN, "%s is an address of this machine: keur cannot tell the DUT's ports from the "
			  "machine's (%s open and not declared); declare the DUT's processes (<local-process "
			  "pid-file=...>) to judge them", j->host, j->unjudged.buf);
}

/* The TCP ports of one address: open ones into good (declared) or judged; -1 when the scan failed. */
static int scan_host_tcp(struct keur_ctx *ctx, const struct scan *sc, struct judge *j, FILE *ev, struct keur_findings *f,
			 struct strbuf *good, int *tried)
{
	static unsigned char open[65536 / 8];
	char why[300];
	int ok_tcp = 0;

	memset(open, 0, sizeof(open));
	keur_note(ctx, "%s: TCP scan", j->host);
	if (tcp_scan(ctx, j->host, sc->range_tcp, open, tried, why, sizeof(why)) < 0) {
		keur_find(f, FIND_OPEN, "%s", why);
		return -1;
	}
	judge_init(ctx, j, j->host, j->dut);
	if (j->shared)
		keur_note(ctx, "%s is an address of this machine: who holds each open port, from the kernel's socket tables%s%s",
			  j->host, j->tables_ok ? "" : ": cannot be told: ", j->tables_ok ? "" : j->tables_why);
	for (int port = 1; port < 65536; port++) {
		struct holding hd;
		if (!port_in(open, port))
			continue;
		held(j, IPPROTO_TCP, port, &hd);
		if (port_in(sc->declared_tcp, port)) {
			sb_addf(good, "%s%d", ok_tcp++ ? "," : "", port);
			if (ev)
				fprintf(ev, "%s tcp %d open declared\n", j->host, port);
			ev_holders(ev, j, &hd);
			continue;
		}
		char banner[400];
		tcp_banner(j->host, port, banner, sizeof(banner));
		if (ev)
			fprintf(ev, "%s tcp %d open NOT DECLARED %s\n", j->host, port, banner);
		ev_holders(ev, j, &hd);
		judge_undeclared(ctx, j, IPPROTO_TCP, port, "is open and not declared", banner, &hd, f);
	}
	for (int port = 1; port < 65536; port++)
		if (port_in(sc->declared_tcp, port) && port_in(sc->range_tcp, port) && !port_in(open, port) && ev)
			fprintf(ev, "%s tcp %d closed (declared)\n", j->host, port);
	keur_note(ctx, "%s: %d TCP ports tried; UDP scan", j->host, *tried);
	return ok_tcp;
}

/* The UDP ports of one address; the address's findings close with the good one. */
static void scan_host_udp(struct keur_ctx *ctx, const struct scan *sc, struct judge *j, FILE *ev, struct keur_findings *f,
			  const char *good_tcp, int tried)
{
	static const char *const st[] = { "silent", "answered", "refused" };
	struct udp_port *u = NULL;
	size_t nu = 0;
	char why[300];
	int refused = 0, ok_udp = 0, silent = 0;
	struct strbuf gu, quiet;

	if (udp_scan(j->host, sc->range_udp, &u, &nu, why, sizeof(why)) < 0) {
		keur_find(f, FIND_OPEN, "%s", why);
		return;
	}
	for (size_t i = 0; i < nu; i++)
		refused += u[i].st == UDP_REFUSED;
	sb_init(&gu);
	sb_init(&quiet);
	for (size_t i = 0; i < nu; i++) {
		int decl = port_in(sc->declared_udp, u[i].port);
		struct holding hd = { .h = HELD_UNKNOWN };
		if (ev)
			fprintf(ev, "%s udp %d %s %s%s\n", j->host, u[i].port, st[u[i].st], decl ? "declared" : "not declared",
				u[i].answer[0] ? " " : "");
		if (ev && u[i].answer[0])
			fprintf(ev, "  %s\n", u[i].answer);
		if (u[i].st != UDP_REFUSED) {
			held(j, IPPROTO_UDP, u[i].port, &hd);
			ev_holders(ev, j, &hd);
		}
		/* A silent port is judged by its holder where keur can tell it: on a shared address,
		 * with the DUT's processes declared. */
		int attributable = j->shared && j->dut->ndeclared && hd.h != HELD_UNKNOWN;
		if (u[i].st == UDP_ANSWERED && decl)
			sb_addf(&gu, "%s%d", ok_udp++ ? "," : "", u[i].port);
		else if (u[i].st == UDP_ANSWERED)
			judge_undeclared(ctx, j, IPPROTO_UDP, u[i].port, "answers and is not declared", u[i].answer, &hd, f);
		else if (u[i].st == UDP_SILENT && !decl && attributable)
			judge_undeclared(ctx, j, IPPROTO_UDP, u[i].port, "is bound and not declared",
					 "does not answer keur's probe", &hd, f);
		else if (u[i].st == UDP_SILENT && !decl && refused)
			sb_addf(&quiet, "%s%d", silent++ ? "," : "", u[i].port);
	}
	/* Silence where others are refused: open (a service that ignores keur's probe) or
	 * filtered; the scan cannot tell which. */
	if (silent)
		keur_find(f, FIND_OPEN, "%s UDP %s: neither answered nor refused after %d probes, while %d other ports refused (open or filtered)",
			  j->host, quiet.buf, UDP_ROUNDS, refused);
	judge_finish(j, f);
	keur_find(f, FIND_GOOD, "%s: %d TCP ports scanned, open as declared: %s; %zu UDP ports probed, answering as declared: %s%s%s%s",
		  j->host, tried, good_tcp, nu, ok_udp ? gu.buf : "none",
		  refused ? "" : " (no UDP port refused: the DUT filters UDP)",
		  j->nothers ? "; open but not the DUT's: " : "", j->nothers ? j->others.buf : "");
	sb_release(&gu);
	sb_release(&quiet);
	free(u);
}

static void scan_host(struct keur_ctx *ctx, const struct scan *sc, const char *host, const struct local_dut *dut,
		      FILE *ev, struct keur_findings *f)
{
	struct judge j = { .host = host, .dut = dut };
	struct strbuf good;
	int tried, ok_tcp;

	sb_init(&good);
	ok_tcp = scan_host_tcp(ctx, sc, &j, ev, f, &good, &tried);
	if (ok_tcp >= 0)
		scan_host_udp(ctx, sc, &j, ev, f, ok_tcp ? good.buf : "none", tried);
	judge_release(&j);
	sb_release(&good);
}

/* The DUT's declared processes, when some address is the machine's own; a declaration that
 * names no running process cannot be checked: undecided. */
static void local_dut_find(struct keur_ctx *ctx, const struct keur_dut *d, const char *const *hosts, size_t nh,
			   struct local_dut *dut, struct keur_findings *f)
{
	int shared = 0;

	memset(dut, 0, sizeof(*dut));
	dut->ndeclared = d->nlocal;
	for (size_t i = 0; i < nh; i++)
		shared |= procnet_addr_local(hosts[i]) == 1;
	if (!shared || !d->nlocal) {
		if (d->nlocal)
			keur_note(ctx, "no address of the DUT is this machine's: <local-process> is not needed");
		return;
	}
	for (size_t i = 0; i < d->nlocal; i++) {
		const struct dut_local_process *lp = &d->local[i];
		char why[400];
		size_t before = dut->pids.n;
		if (keur_local_declared(ctx, i, &dut->pids, why, sizeof(why)) < 0) {
			keur_find(f, FIND_OPEN, "<local-process %s=\"%s\"> (line %d) names no running process: %s; the DUT "
				  "description's declaration cannot be checked", dut_local_kind_name(lp->kind), lp->value,
				  lp->line, why);
			continue;
		}
		struct strbuf pids;
		sb_init(&pids);
		for (size_t k = before; k < dut->pids.n && k < before + 20; k++)
			sb_addf(&pids, "%s%d", k > before ? " " : "", dut->pids.pid[k]);
		keur_note(ctx, "<local-process %s=\"%s\">: the DUT's processes: PID %s%s", dut_local_kind_name(lp->kind),
			  lp->value, pids.buf, dut->pids.n > before + 20 ? " ..." : "");
		sb_release(&pids);
	}
}

static void ports(struct keur_ctx *ctx)
{
	const struct keur_dut *d = keur_dut(ctx);
	static struct scan sc;
	const char *hosts[16];
	size_t nh = hosts_of(d, hosts, 16);
	struct keur_findings f = { 0 };
	struct local_dut dut;
	FILE *ev;

	memset(&sc, 0, sizeof(sc));
	declared_ports(d, &sc);
	if (port_list_parse(d->ports && d->ports->scan_tcp ? d->ports->scan_tcp : "1-65535", sc.range_tcp) < 0 ||
	    port_list_parse(d->ports && d->ports->scan_udp ? d->ports->scan_udp : default_udp, sc.range_udp) < 0) {
		keur_verdict(ctx, KEUR_ERROR, "the scan ranges do not parse");
		return;
	}
	if (!(d->ports && d->ports->scan_udp))
		for (size_t b = 0; b < sizeof(sc.range_udp); b++)
			sc.range_udp[b] |= sc.declared_udp[b];
	if (nh == 0) {
		keur_verdict(ctx, KEUR_NA, "the DUT description gives no address of the DUT to scan (a client-only DUT)");
		return;
	}
	local_dut_find(ctx, d, hosts, nh, &dut, &f);
	ev = keur_evidence(ctx, "ports.txt");
	if (ev)
		fprintf(ev, "# address protocol port state declared? what answers\n# DUT state for the scan: %s\n"
			"# on an address of this machine, below each open port: who holds it (the kernel's socket tables)\n",
			d->ports && d->ports->state ? d->ports->state : "(not declared)");
	for (size_t i = 0; i < nh; i++)
		scan_host(ctx, &sc, hosts[i], &dut, ev, &f);
	if (ev)
		fclose(ev);
	procnet_pids_release(&dut.pids);
	keur_findings_settle(ctx, &f, "only declared ports are open", KEUR_INCONC, "nothing was scanned");
}

static const struct keur_case cases[] = {
	{ .id = "NET-PORTS-001", .title = "only the declared TCP and UDP ports are open",
	  .spec = "EN 303 645 5.6-1; EN 18031-1 GEC-2; CIP-6", .needs = NEED_MQTT_BROKER | NEED_COAP | NEED_MODBUS,
	  .flags = KEUR_NEEDS_ANY, .deadline_s = 600, .run = ports },
};

const struct keur_suite net_ports_suite = {
	.name = "net_ports",
	.title = "open ports",
	.cases = cases,
	.ncases = ARRAY_SIZE(cases),
};
