/* lab.c — building and removing the simulated lab.
 *
 * Everything made is first written to DIR/lab.state (fsync'ed) and only then created, so that
 * `keur lab down` finds all of it after any crash: namespaces, processes (PID and start time,
 * so that a reused PID is never killed) and files. */
#include "lab.h"
#include "util.h"

#include <dirent.h>
#include <limits.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <mosquitto.h>
#include <modbus.h>
#include <openssl/opensslv.h>
#include <sys/socket.h>

/* Addresses.  Several labs can be up at once: each takes a slot, which gives its management
 * link (this host 198.18.0.4S+1, the cloud 198.18.0.4S+2, a /30), and a run of device numbers
 * G = BASE+I that no other lab holds, which give device I its LAN (this host 198.18.10+G.1, the
 * device .2) and its WAN (the cloud 198.19.G.1, the device .2).  A lab alone gets slot 0 and
 * base 0: the cloud at 198.18.0.2, device I on 198.18.10+I.2. */
#define MAX_SLOTS 64
#define MAX_DEVNUM 240
/* Device G's broker address, 198.19.G.3, on its WAN link: on the cloud's loopback (mosquitto
 * answers), or moved to keur's side for the MQTT-CLIENT cases (lab <broker namespace=...>),
 * where the cloud answers ARP for it and forwards.  On-link for the device, so that no route of
 * its own is lost when the uplink fixture takes its WAN link down and up. */
#define BROKER_SVC "198.19.%d.3"

/* LAB_RUN holds lab.lock (held while a lab up picks its name, slot and addresses) and labs/NAME:
 * the directory of the lab NAME, then "net SLOT BASE N"; like the namespaces, it is gone at the
 * next boot. */
#define LAB_RUN "/run/keur"

struct lab {
	char dir[3072];
	char name[16];
	int base;		/* the lab's first device number (see "Addresses") */
	char host_ip[16], cloud_ip[16];	/* this host's and the cloud's end of the management link */
	int state_fd;
	FILE *log;
};

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	va_list ap;

	fputs("keur lab: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Appends one line to lab.state and makes it durable before the thing it names exists. */
static int record(struct lab *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int record(struct lab *l, const char *fmt, ...)
{
	char line[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof(line) - 1)
		return -1;
	line[n++] = '\n';
	if (write(l->state_fd, line, (size_t)n) != n || fdatasync(l->state_fd) < 0)
		return -1;
	return 0;
}

static char *path(struct lab *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* DIR/..., in a rotating set of buffers (enough for one command line). */
static char *path(struct lab *l, const char *fmt, ...)
{
	static char bufs[12][4096];
	static int next;
	char rel[1024];
	va_list ap;
	char *b = bufs[next++ % 12];

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	snprintf(b, sizeof(bufs[0]), "%s/%s", l->dir, rel);
	return b;
}

/* Runs argv to completion, output into the lab's log; its exit status, or -1. */
static int run(struct lab *l, char *const argv[])
{
	pid_t pid;
	int status;

	fflush(l->log);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = fileno(l->log);
		dup2(fd, 1);
		dup2(fd, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Runs a command written as one string of words separated by single spaces (no quoting). */
static int sh(struct lab *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int sh(struct lab *l, const char *fmt, ...)
{
	char line[8192], *argv[64];
	int argc = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(l->log, "+ %s\n", line);
	for (char *tok = strtok(line, " "); tok && argc < 63; tok = strtok(NULL, " "))
		argv[argc++] = tok;
	argv[argc] = NULL;
	int r = run(l, argv);
	if (r != 0)
		fprintf(l->log, "  (exit %d)\n", r);
	return r;
}

static unsigned long long start_time(pid_t pid)
{
	char p[64], buf[2048];
	unsigned long long t = 0;
	FILE *f;

	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	if (!(f = fopen(p, "r")))
		return 0;
	if (fgets(buf, sizeof(buf), f)) {
		char *s = strrchr(buf, ')');	/* the command name may hold spaces */
		if (s && sscanf(s + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu", &t) != 1)
			t = 0;
	}
	fclose(f);
	return t;
}

/* Starts argv in network namespace ns (NULL: here), detached, output in DIR/logs/LOG.
 * The PID and start time go into lab.state as "pid PID START ROLE". */
static pid_t spawn(struct lab *l, const char *ns, const char *role, const char *logname, char *const argv[])
{
	char *full[80];
	int n = 0;
	pid_t pid;

	if (ns) {
		full[n++] = (char *)"ip";
		full[n++] = (char *)"netns";
		full[n++] = (char *)"exec";
		full[n++] = (char *)ns;
	}
	for (int i = 0; argv[i] && n < 79; i++)
		full[n++] = argv[i];
	full[n] = NULL;
	fflush(l->log);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open(path(l, "logs/%s.log", logname), O_WRONLY | O_CREAT | O_APPEND, 0644);
		int nul = open("/dev/null", O_RDONLY);
		setsid();
		if (nul >= 0)
			dup2(nul, 0);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(full[0], full);
		_exit(127);
	}
	/* The start time is read once the child exists; a PID alone could be reused later. */
	for (int i = 0; i < 50 && !start_time(pid); i++)
		usleep(1000);
	record(l, "pid %d %llu %s", (int)pid, start_time(pid), role);
	return pid;
}

static int wait_tcp(const char *addr, int port, int ms)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, addr, &a.sin_addr);
	for (int t = 0; t < ms; t += 50) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
		if (fd >= 0)
			close(fd);
		if (ok)
			return 0;
		poll(NULL, 0, 50);
	}
	return -1;
}

/* A device's own secret, as provisioning at the factory would set it: 128 random bits in hex
 * (never derived from the device's number, so one device's secret tells nothing of another's).
 * len at least 34; 0, or -1 when the kernel gives no randomness. */
static int secret_text(char *out, size_t len)
{
	unsigned char b[16];

	if (len < 2 * sizeof(b) + 2 || getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		return -1;
	for (size_t i = 0; i < sizeof(b); i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	return 0;
}

static int write_file(struct lab *l, const char *rel, const char *text, mode_t mode)
{
	char *p = path(l, "%s", rel);
	FILE *f;

	record(l, "file %s", rel);
	if (!(f = fopen(p, "w")))
		return -1;
	fputs(text, f);
	if (fclose(f) != 0)
		return -1;
	return chmod(p, mode);
}

static int mkdir_rec(struct lab *l, const char *rel)
{
	record(l, "dir %s", rel);
	return mkdir(path(l, "%s", rel), 0755) == 0 || errno == EEXIST ? 0 : -1;
}

static int have(const char *prog)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1 || test -x /usr/sbin/%s", prog, prog);
	return system(cmd) == 0;
}

static int name_ok(const char *n)
{
	size_t len = strlen(n);

	if (len == 0 || len > 8)
		return 0;
	for (const char *p = n; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
			return 0;
	return 1;
}

/* Whether this host's loopback holds the IPv4 address addr. */
static int on_loopback(const char *addr)
{
	struct ifaddrs *ifs, *a;
	int found = 0;

	if (getifaddrs(&ifs) < 0)
		return 0;
	for (a = ifs; a && !found; a = a->ifa_next) {
		char got[INET_ADDRSTRLEN];
		if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET || strcmp(a->ifa_name, "lo"))
			continue;
		inet_ntop(AF_INET, &((struct sockaddr_in *)a->ifa_addr)->sin_addr, got, sizeof(got));
		found = !strcmp(got, addr);
	}
	freeifaddrs(ifs);
	return found;
}

/* Whether namespaces of lab name (keur-NAME-*) exist on this machine. */
static int namespaces_of(const char *name)
{
	DIR *d = opendir("/var/run/netns");
	struct dirent *e;
	char prefix[32];
	size_t plen = (size_t)snprintf(prefix, sizeof(prefix), "keur-%s-", name);
	int found = 0;

	if (!d)
		return 0;
	while (!found && (e = readdir(d)))
		found = !strncmp(e->d_name, prefix, plen);
	closedir(d);
	return found;
}

/* A lab's note in LAB_RUN/labs/NAME: its directory and its addresses. */
struct note {
	char dir[PATH_MAX];
	int slot, base, n;
};

/* Reads the note of lab name; -1 without one.  A note without its "net" line (a keur from before
 * several labs) counts as slot 0 and every device number, as such a lab used. */
static int read_note(const char *name, struct note *n)
{
	char p[128], line[128];
	FILE *f;

	memset(n, 0, sizeof(*n));
	n->n = MAX_DEVNUM;
	snprintf(p, sizeof(p), LAB_RUN "/labs/%s", name);
	if (!(f = fopen(p, "re")))
		return -1;
	if (fgets(n->dir, sizeof(n->dir), f))
		n->dir[strcspn(n->dir, "\n")] = '\0';
	if (fgets(line, sizeof(line), f) && sscanf(line, "net %d %d %d", &n->slot, &n->base, &n->n) != 3) {
		n->slot = n->base = 0;
		n->n = MAX_DEVNUM;
	}
	fclose(f);
	return 0;
}

/* Whether lab name, noted as n, is up (or being built): its namespaces exist, or its directory
 * holds a lab.state. */
static int note_live(const char *name, const struct note *n)
{
	char p[PATH_MAX + 16];

	if (namespaces_of(name))
		return 1;
	snprintf(p, sizeof(p), "%s/lab.state", n->dir);
	return n->dir[0] && access(p, F_OK) == 0;
}

/* Notes that lab NAME lives in dir with these addresses: for the next lab up's choice and
 * messages, and for the tests' clean-up. */
static int write_note(const char *name, const char *dir, int slot, int base, int nduts)
{
	char p[128];
	FILE *f;

	mkdir(LAB_RUN "/labs", 0755);
	snprintf(p, sizeof(p), LAB_RUN "/labs/%s", name);
	if (!(f = fopen(p, "we")))
		return -1;
	fprintf(f, "%s\nnet %d %d %d\n", dir, slot, base, nduts);
	return fclose(f) == 0 ? 0 : -1;
}

/* Forgets the note of lab NAME if it names dir. */
static void forget_lab_dir(const char *name, const char *dir)
{
	struct note n;
	char p[128];

	snprintf(p, sizeof(p), LAB_RUN "/labs/%s", name);
	if (read_note(name, &n) == 0 && !strcmp(n.dir, dir))
		unlink(p);
}

/* Picks a slot and a run of nduts device numbers that no lab up on this machine holds.  Labs
 * whose namespaces exist without a note count as holding everything.  0, or -1 after saying
 * which labs leave no room. */
static int pick_addresses(const char *self, int nduts, int *slot, int *base)
{
	unsigned char slots[MAX_SLOTS] = { 0 }, devs[MAX_DEVNUM] = { 0 };
	char names[512] = "";
	size_t off = 0;
	struct dirent *e;
	DIR *d;

	/* Every lab with namespaces, and every lab with a live note. */
	for (int pass = 0; pass < 2; pass++) {
		if (!(d = opendir(pass ? LAB_RUN "/labs" : "/var/run/netns")))
			continue;
		while ((e = readdir(d))) {
			char name[64];
			struct note n;
			if (pass == 0) {
				const char *dash = strrchr(e->d_name, '-');
				if (strncmp(e->d_name, "keur-", 5) || !dash || dash <= e->d_name + 5)
					continue;
				snprintf(name, sizeof(name), "%.*s", (int)(dash - e->d_name - 5), e->d_name + 5);
			} else {
				if (e->d_name[0] == '.')
					continue;
				snprintf(name, sizeof(name), "%.63s", e->d_name);
			}
			char quoted[80];
			snprintf(quoted, sizeof(quoted), "'%s'", name);
			/* self, and a lab counted already (from another of its namespaces) */
			if (!strcmp(name, self) || strstr(names, quoted))
				continue;
			if (read_note(name, &n) < 0 ? pass == 1 : !note_live(name, &n))
				continue;
			if (n.slot >= 0 && n.slot < MAX_SLOTS)
				slots[n.slot] = 1;
			for (int k = n.base; k < n.base + n.n && k < MAX_DEVNUM; k++)
				if (k >= 0)
					devs[k] = 1;
			if (off < sizeof(names) - 80)
				off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s", off ? ", " : "", quoted);
		}
		closedir(d);
	}
	for (*slot = 0; *slot < MAX_SLOTS && slots[*slot]; (*slot)++)
		;
	for (*base = 0; *base + nduts <= MAX_DEVNUM; (*base)++) {
		int k = 0;
		while (k < nduts && !devs[*base + k])
			k++;
		if (k == nduts)
			break;
		*base += k;
	}
	if (*slot < MAX_SLOTS && *base + nduts <= MAX_DEVNUM)
		return 0;
	say("no room for %d more device%s beside the labs up on this machine (%s): all labs together have %d devices and %d clouds; take one down with keur lab down --dir ITS-DIR",
	    nduts, nduts == 1 ? "" : "s", names, MAX_DEVNUM, MAX_SLOTS);
	return -1;
}

static int open_lab(struct lab *l, const char *dir, int create)
{
	char *p;

	memset(l, 0, sizeof(*l));
	l->state_fd = -1;
	if (snprintf(l->dir, sizeof(l->dir), "%s", dir) >= (int)sizeof(l->dir))
		return -1;
	if (create && mkdir(dir, 0755) < 0 && errno != EEXIST) {
		say("cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	p = path(l, "logs");
	if (create)
		mkdir(p, 0755);
	l->log = fopen(path(l, "logs/lab.log"), "ae");	/* not inherited by the lab's daemons */
	if (!l->log)
		l->log = fopen("/dev/null", "w");
	l->state_fd = open(path(l, "lab.state"), O_WRONLY | O_APPEND | (create ? O_CREAT | O_EXCL : 0) | O_CLOEXEC, 0644);
	if (l->state_fd < 0) {
		if (create && errno == EEXIST)
			say("%s holds a lab already (see %s/lab.state); remove it with: keur lab down --dir %s", dir, dir, dir);
		else if (!create)
			say("%s holds no lab (no lab.state)", dir);
		else
			say("cannot create %s/lab.state: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

static void close_lab(struct lab *l)
{
	if (l->state_fd >= 0)
		close(l->state_fd);
	if (l->log)
		fclose(l->log);
}

static const char *flaws_for(const struct lab_up_opts *o, int i, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int k = 0; k < o->nflaws; k++) {
		const char *f = o->flaws[k], *colon = strchr(f, ':');
		if (colon) {
			if (atoi(f) != i)
				continue;
			f = colon + 1;
		}
		off += (size_t)snprintf(buf + off, off < len ? len - off : 0, "%s%s", off ? " " : "", f);
	}
	return buf;
}

static int certificates(struct lab *l, int nduts)
{
	char san[8192];
	size_t off = 0;
	int r = 0;

	off += (size_t)snprintf(san + off, sizeof(san) - off, "subjectAltName=DNS:broker.lab,IP:%s", l->cloud_ip);
	for (int i = 0; i < nduts && off < sizeof(san) - 32; i++)
		off += (size_t)snprintf(san + off, sizeof(san) - off, ",IP:198.19.%d.1,IP:" BROKER_SVC, l->base + i, l->base + i);
	strcat(san, "\n");
	r |= write_file(l, "pki/broker.ext", san, 0644);
	record(l, "file pki/ca.key");
	record(l, "file pki/ca.pem");
	record(l, "file pki/ca.srl");
	r |= sh(l, "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj /CN=keur-simulated-lab-CA -keyout %s -out %s",
		path(l, "pki/ca.key"), path(l, "pki/ca.pem"));
	const char *certs[] = { "broker", "lab-client" };
	for (int c = 0; c < 2 + nduts; c++) {
		char who[32], ext[64];
		if (c < 2)
			snprintf(who, sizeof(who), "%s", certs[c]);
		else
			snprintf(who, sizeof(who), "dev%d", c - 2);
		if (c == 0)
			snprintf(ext, sizeof(ext), "pki/broker.ext");
		else {
			char line[64];
			snprintf(ext, sizeof(ext), "pki/%s.ext", who);
			if (c == 1)
				snprintf(line, sizeof(line), "extendedKeyUsage=clientAuth\n");
			else
				snprintf(line, sizeof(line), "subjectAltName=IP:198.18.%d.2\n", 10 + l->base + c - 2);
			r |= write_file(l, ext, line, 0644);
		}
		record(l, "file pki/%s.key", who);
		record(l, "file pki/%s.csr", who);
		record(l, "file pki/%s.pem", who);
		r |= sh(l, "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=%s -keyout %s -out %s",
			who, path(l, "pki/%s.key", who), path(l, "pki/%s.csr", who));
		r |= sh(l, "openssl x509 -req -in %s -CA %s -CAkey %s -CAcreateserial -days 30 -extfile %s -out %s",
			path(l, "pki/%s.csr", who), path(l, "pki/ca.pem"), path(l, "pki/ca.key"), path(l, "%s", ext),
			path(l, "pki/%s.pem", who));
		/* A device's key is its own secret; the lab's own (broker, lab client) stay readable. */
		chmod(path(l, "pki/%s.key", who), c < 2 ? 0644 : 0600);
	}
	return r ? -1 : 0;
}

/* LAB_RUN/brokers/NAME: the files the broker reads after it has dropped root for its own user
 * (password file, ACL, CA, certificate and key).  That user may not be able to enter DIR: a home
 * directory or a mktemp -d directory is 0700.  Only the configuration it reads as root, from DIR. */
static char *broker_run_path(const char *name, const char *file, char *buf, size_t len)
{
	snprintf(buf, len, LAB_RUN "/brokers/%s%s%s", name, *file ? "/" : "", file);
	return buf;
}

/* Gives file or directory p to the user mosquitto drops to (uid), for it alone; without such a
 * user (uid -1), lets anyone read it. */
static int give_broker(const char *p, uid_t uid, int dir)
{
	if (uid == (uid_t)-1)
		return chmod(p, dir ? 0755 : 0644);
	return chown(p, uid, (gid_t)-1) | chmod(p, dir ? 0700 : 0600);
}

/* Writes text to the broker's file, for the broker's user (see give_broker). */
static int broker_file(const char *name, const char *file, const char *text, size_t len, uid_t uid)
{
	char p[160];

	broker_run_path(name, file, p, sizeof(p));
	if (file_write_atomic(p, text, len) < 0)
		return -1;
	return give_broker(p, uid, 0);
}

static int broker_copy(struct lab *l, const char *rel, const char *file, uid_t uid)
{
	char *text = NULL;
	size_t len = 0;
	int r = file_read(path(l, "%s", rel), &text, &len) < 0 ? -1 : broker_file(l->name, file, text, len, uid);

	free(text);
	return r;
}

static int broker(struct lab *l, const char *ns, int nduts)
{
	static const char acl[] = "user lab\ntopic readwrite keur/#\ntopic read $SYS/#\n\npattern readwrite keur/%u/#\n";
	const struct passwd *pw = getpwnam("mosquitto");
	uid_t uid = pw ? pw->pw_uid : (uid_t)-1;
	char conf[4096], rdir[128], pwfile[160], ca[160], cert[160], key[160], aclfile[160];
	int r = 0;

	broker_run_path(l->name, "", rdir, sizeof(rdir));
	mkdir(LAB_RUN "/brokers", 0755);
	if (mkdir(rdir, 0700) < 0 && errno != EEXIST) {
		say("cannot create %s: %s", rdir, strerror(errno));
		return -1;
	}
	if (give_broker(rdir, uid, 1)) {
		say("cannot give %s to the broker's user: %s", rdir, strerror(errno));
		return -1;
	}
	broker_run_path(l->name, "passwd", pwfile, sizeof(pwfile));
	unlink(pwfile);	/* a lab of this name that was killed may have left its own */
	/* In plain text first (mode 0600), then hashed in place: the devices' secrets appear on no
	 * command line and in no log. */
	{
		struct strbuf plain;
		FILE *f;
		sb_init(&plain);
		sb_adds(&plain, "lab:lab-observer-pw\n");
		for (int i = 0; i < nduts; i++) {
			char devpw[64], rel[64];
			r |= secret_text(devpw, sizeof(devpw));
			sb_addf(&plain, "dev%d:%s\n", i, devpw);
			strcat(devpw, "\n");
			snprintf(rel, sizeof(rel), "dev%d/mqtt.pw", i);
			r |= write_file(l, rel, devpw, 0600);
		}
		int fd = open(pwfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || !(f = fdopen(fd, "w"))) {
			if (fd >= 0)
				close(fd);
			r = -1;
		} else {
			fputs(plain.buf, f);
			r |= fclose(f) != 0;
		}
		sb_release(&plain);
		r |= sh(l, "mosquitto_passwd -U %s", pwfile);
	}
	r |= give_broker(pwfile, uid, 0);
	r |= write_file(l, "lab-observer.pw", "lab-observer-pw\n", 0644);
	/* Each device reads and writes only below keur/ITS-USER/; the lab account sees everything. */
	r |= broker_file(l->name, "acl", acl, strlen(acl), uid);
	r |= broker_copy(l, "pki/ca.pem", "ca.pem", uid) | broker_copy(l, "pki/broker.pem", "broker.pem", uid) |
	     broker_copy(l, "pki/broker.key", "broker.key", uid);
	/* It logs to stderr, which spawn opens as root: DIR/logs/broker.log. */
	snprintf(conf, sizeof(conf),
		 "# keur simulated lab: the vendor's cloud broker.  It reads these files after dropping root,\n"
		 "# so they live in %s (a copy of pki/), which its user can reach.\n"
		 "per_listener_settings false\nallow_anonymous false\npassword_file %s\nacl_file %s\n"
		 "persistence false\nlog_dest stderr\nconnection_messages true\n"
		 "listener 8883\ncafile %s\ncertfile %s\nkeyfile %s\n"
		 "# plain text too, so that a device with --flaw no-tls can show its flaw\nlistener 1883\n",
		 rdir, pwfile, broker_run_path(l->name, "acl", aclfile, sizeof(aclfile)),
		 broker_run_path(l->name, "ca.pem", ca, sizeof(ca)), broker_run_path(l->name, "broker.pem", cert, sizeof(cert)),
		 broker_run_path(l->name, "broker.key", key, sizeof(key)));
	r |= write_file(l, "cloud/mosquitto.conf", conf, 0644);
	if (r)
		return -1;
	char *argv[] = { (char *)"mosquitto", (char *)"-c", path(l, "cloud/mosquitto.conf"), NULL };
	if (access("/usr/sbin/mosquitto", X_OK) == 0)
		argv[0] = (char *)"/usr/sbin/mosquitto";
	return spawn(l, ns, "broker", "broker", argv) > 0 ? 0 : -1;
}

/* The simdev of DUT i: its command line is kept in DIR/devI/cmdline for `keur lab power on`. */
static int simdev_cmdline(struct lab *l, const struct lab_up_opts *o, int i, char *buf, size_t len)
{
	char flaws[1024], fl[2048];
	size_t off = 0;
	int g = l->base + i;

	flaws_for(o, i, flaws, sizeof(flaws));
	fl[0] = '\0';
	for (char *f = strtok(flaws, " "); f; f = strtok(NULL, " "))
		off += (size_t)snprintf(fl + off, sizeof(fl) - off, " --flaw %s", f);
	return snprintf(buf, len,
			"%s --id dev%d --firmware 1.0.0 --state %s --ready-file %s --lan 198.18.%d.2 "
			"--coap-port 5683 --coaps-port 5684 --modbus-port 502 --extra-port 2323 "
			"--psk-identity lab --psk-key-file %s --coap-cert %s --coap-key %s --coap-ca %s "
			"--mqtt-host " BROKER_SVC " --mqtt-port 8883 --mqtt-plain-port 1883 --mqtt-backoff-max 5 --mqtt-ca %s "
			"--mqtt-user dev%d --mqtt-password-file %s --mqtt-keepalive 5 --update-key %s "
			"--update-check-url http://" BROKER_SVC ":8080/dev%d/latest.txt --update-check-interval 10%s",
			o->simdev, i, path(l, "dev%d/state", i), path(l, "dev%d/ready", i), 10 + g, path(l, "dev%d/psk", i),
			path(l, "pki/dev%d.pem", i), path(l, "pki/dev%d.key", i), path(l, "pki/ca.pem"), g,
			path(l, "pki/ca.pem"), i, path(l, "dev%d/mqtt.pw", i), path(l, "vendor.pub"), g, i, fl) >= (int)len ? -1 : 0;
}

static pid_t start_simdev(struct lab *l, int i, const char *cmdline)
{
	char buf[8192], *argv[80], ns[64], role[32], logname[32];
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", cmdline);
	for (char *t = strtok(buf, " "); t && argc < 79; t = strtok(NULL, " "))
		argv[argc++] = t;
	argv[argc] = NULL;
	snprintf(ns, sizeof(ns), "keur-%s-dut%d", l->name, i);
	snprintf(role, sizeof(role), "simdev dev%d", i);
	snprintf(logname, sizeof(logname), "dev%d", i);
	unlink(path(l, "dev%d/ready", i));
	return spawn(l, ns, role, logname, argv);
}

static int wait_ready(struct lab *l, int i, int ms)
{
	for (int t = 0; t < ms; t += 50) {
		if (access(path(l, "dev%d/ready", i), R_OK) == 0)
			return 0;
		poll(NULL, 0, 50);
	}
	return -1;
}

static int dut_files(struct lab *l, const struct lab_up_opts *o, int i)
{
	char text[4096], rel[64], flaws[1024];
	int g = l->base + i;

	snprintf(text, sizeof(text),
		 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		 "<!-- keur simulated lab: reference device dev%d (flaws: %s) -->\n"
		 "<dut xmlns=\"urn:keur:dut:1\" id=\"dev%d\">\n"
		 "  <identity vendor=\"keur\" model=\"simdev thermostat\" firmware=\"1.0.0\" serial=\"SIM-%04d\"/>\n"
		 "  <declares support-until=\"2031-12\" market-date=\"2026-01\" automatic-updates=\"true\" sbom=\"dev%d/sbom.cdx.json\"/>\n"
		 "  <mqtt role=\"client\" client-id=\"simdev-dev%d\" username=\"dev%d\" password-file=\"dev%d/mqtt.pw\" broker-host=\"" BROKER_SVC "\" tls=\"true\" reconnect=\"10\" status-topic=\"keur/dev%d/telemetry\"/>\n"
		 "  <coap uri=\"coaps://198.18.%d.2:5684\" psk-identity=\"lab\" psk-key-file=\"dev%d/psk\" ca-file=\"pki/ca.pem\">\n"
		 "    <resource path=\"/sensors/temp\"/>\n"
		 "    <resource path=\"/setpoint\" safe-value=\"21.5\"/>\n"
		 "    <resource path=\"/actuators/relay\" safe-value=\"1\"/>\n"
		 "    <resource path=\"/config\"/>\n"
		 "    <resource path=\"/diag\"/>\n"
		 "  </coap>\n"
		 "  <modbus host=\"198.18.%d.2\" port=\"502\" unit=\"1\" safe-register=\"100\" function-codes=\"1-6,15-17,22,23,43\"/>\n"
		 "  <update channel=\"mqtt\" topic=\"keur/dev%d/update\" format=\"kfw1\" image=\"updates/fw-1.1.0.bin\" older-image=\"updates/fw-0.9.0.bin\" version-topic=\"keur/dev%d/version\" check-url=\"http://" BROKER_SVC ":8080/dev%d/latest.txt\" check-interval=\"10\" install-time=\"10\"/>\n"
		 "  <function name=\"read-temperature\" protocol=\"coap\" get=\"/sensors/temp\"/>\n"
		 "  <function name=\"relay-state\" protocol=\"coap\" get=\"/actuators/relay\"/>\n"
		 "  <function name=\"relay-on\" protocol=\"modbus\" write-coil=\"0\" value=\"1\" effect=\"relay-state\"/>\n"
		 "  <function name=\"setpoint\" protocol=\"coap\" get=\"/setpoint\"/>\n"
		 "  <function name=\"set-setpoint\" protocol=\"coap\" put=\"/setpoint\" value=\"22.5\" effect=\"setpoint\" persistent=\"true\"/>\n"
		 "  <offline window=\"20\" interval=\"2\" outage=\"15\" recover=\"30\" power-off=\"2\" boot=\"30\"/>\n"
		 "  <!-- plain CoAP answers beside coaps:// (with 4.01 to anything but discovery) -->\n"
		 "  <ports udp=\"5683\" state=\"as started by keur lab up\"/>\n"
		 "</dut>\n",
		 i, *flaws_for(o, i, flaws, sizeof(flaws)) ? flaws : "none", i, i, i, i, i, i, g, i, 10 + g, i, 10 + g, i, i, g, i);
	snprintf(rel, sizeof(rel), "dev%d.xml", i);
	if (write_file(l, rel, text, 0644) < 0)
		return -1;
	/* Its SBOM (CycloneDX JSON): the firmware and the libraries it is built on. */
	snprintf(text, sizeof(text),
		 "{\n  \"bomFormat\": \"CycloneDX\",\n  \"specVersion\": \"1.5\",\n  \"version\": 1,\n"
		 "  \"metadata\": { \"component\": { \"type\": \"firmware\", \"name\": \"keur-simdev\", \"version\": \"1.0.0\" } },\n"
		 "  \"components\": [\n"
		 "    { \"type\": \"library\", \"name\": \"libmosquitto\", \"version\": \"%d.%d.%d\" },\n"
		 "    { \"type\": \"library\", \"name\": \"libmodbus\", \"version\": \"%s\" },\n"
		 "    { \"type\": \"library\", \"name\": \"openssl\", \"version\": \"%s\" }\n  ]\n}\n",
		 LIBMOSQUITTO_MAJOR, LIBMOSQUITTO_MINOR, LIBMOSQUITTO_REVISION, LIBMODBUS_VERSION_STRING, OPENSSL_FULL_VERSION_STR);
	snprintf(rel, sizeof(rel), "dev%d/sbom.cdx.json", i);
	return write_file(l, rel, text, 0644);
}

static int lab_file(struct lab *l, const struct lab_up_opts *o)
{
	char text[65536];
	size_t off = 0;

	off += (size_t)snprintf(text + off, sizeof(text) - off,
				"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
				"<!-- keur simulated lab '%s', made by keur lab up; keur lab down removes it (directory %s) -->\n"
				"<lab xmlns=\"urn:keur:lab:1\" id=\"keur-sim-%s\" name=\"keur simulated lab\" accreditation=\"none (simulated)\">\n"
				"  <scope> <allow net=\"198.18.0.0/15\"/> </scope>\n",
				l->name, l->dir, l->name);
	for (int i = 0; i < o->nduts && off < sizeof(text) - 1024; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
					"  <uplink dut=\"dev%d\" method=\"netns\" namespace=\"keur-%s-dut%d\" interface=\"wan0\"/>\n",
					i, l->name, i);
	for (int i = 0; i < o->nduts && off < sizeof(text) - 1024; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
					"  <power dut=\"dev%d\" method=\"command\" off=\"%s lab power off --dir %s --dut dev%d\" on=\"%s lab power on --dir %s --dut dev%d\"/>\n",
					i, o->keur, l->dir, i, o->keur, l->dir, i);
	for (int i = 0; i < o->nduts && off < sizeof(text) - 1024; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
					"  <reflash dut=\"dev%d\" method=\"command\" command=\"%s lab reflash --dir %s --dut dev%d --firmware 1.0.0\"/>\n",
					i, o->keur, l->dir, i);
	for (int i = 0; i < o->nduts && off < sizeof(text) - 1024; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
					"  <broker dut=\"dev%d\" listen=\"" BROKER_SVC "\" port=\"8883\" ca=\"pki/ca.pem\" ca-key=\"pki/ca.key\" namespace=\"keur-%s-cloud\"/>\n",
					i, l->base + i, l->name);
	snprintf(text + off, sizeof(text) - off, "</lab>\n");
	return write_file(l, "lab.xml", text, 0644);
}

/* lab up's first half, with the machine's lab lock held: refuses a name in use, creates DIR and
 * its lab.state, picks the lab's addresses and notes them, so that a lab up beside it picks
 * others.  0, or an exit code. */
static int reserve(const struct lab_up_opts *o, struct lab *l)
{
	struct note other;
	char abs[PATH_MAX];
	int slot, base;

	read_note(o->name, &other);	/* other.dir is "" without a note */
	if (note_live(o->name, &other)) {
		say("a lab named '%s' is up on this machine (namespaces keur-%s-*%s%s): choose another --name, or remove it with keur lab down --dir %s",
		    o->name, o->name, other.dir[0] ? ", in " : "", other.dir, other.dir[0] ? other.dir : "ITS-DIR");
		return 3;
	}
	if (pick_addresses(o->name, o->nduts, &slot, &base) < 0)
		return 3;
	for (int i = 0; i < o->nduts; i++) {
		char addr[32];
		snprintf(addr, sizeof(addr), BROKER_SVC, base + i);
		if (on_loopback(addr)) {
			say("%s, a lab device's broker address, is on this host's loopback (a keur killed while it played that broker, and its lab's state lost?): remove it with ip addr del %s/32 dev lo",
			    addr, addr);
			return 3;
		}
	}
	/* Every path written into the lab's files is absolute. */
	if ((mkdir(o->dir, 0755) < 0 && errno != EEXIST) || !realpath(o->dir, abs)) {
		say("cannot create %s: %s", o->dir, strerror(errno));
		return 3;
	}
	if (open_lab(l, abs, 1) < 0)
		return 3;
	snprintf(l->name, sizeof(l->name), "%s", o->name);
	l->base = base;
	snprintf(l->host_ip, sizeof(l->host_ip), "198.18.0.%d", 4 * slot + 1);
	snprintf(l->cloud_ip, sizeof(l->cloud_ip), "198.18.0.%d", 4 * slot + 2);
	if (record(l, "name %s", o->name) < 0 || record(l, "net %d %d %d", slot, base, o->nduts) < 0 ||
	    write_note(o->name, abs, slot, base, o->nduts) < 0) {
		say("cannot write %s/lab.state or " LAB_RUN "/labs/%s: %s", abs, o->name, strerror(errno));
		close_lab(l);
		lab_down(abs);
		return 3;
	}
	return 0;
}

static int take_down(const char *dir, int keep_logs);

/* lab up failed at what: says so, names the log it kept (a failed lab up removes everything
 * else) and shows that log's last lines, which usually say why. */
static void failed(struct lab *l, const char *what, const char *log)
{
	char *p = path(l, "logs/%s", log), line[512], tail[5][512];
	struct stat st;
	int n = 0;
	FILE *f;

	fflush(l->log);
	if (stat(p, &st) < 0 || st.st_size == 0)
		p = path(l, "logs/lab.log");	/* it failed before its own log began */
	say("%s; its log is kept in %s", what, p);
	if (!(f = fopen(p, "re")))
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0])
			snprintf(tail[n++ % 5], sizeof(tail[0]), "%s", line);
	}
	fclose(f);
	for (int i = n > 5 ? n - 5 : 0; i < n; i++)
		say("  | %s", tail[i % 5]);
}

/* lab up's second half, the lock released: builds what reserve picked. */
static int build(const struct lab_up_opts *o, struct lab *lp)
{
	struct lab l = *lp;
	char cloud[64];
	int r = 0;

	snprintf(cloud, sizeof(cloud), "keur-%s-cloud", o->name);
	r |= mkdir_rec(&l, "pki") | mkdir_rec(&l, "cloud") | mkdir_rec(&l, "updates");
	for (int i = 0; i < o->nduts; i++) {
		char rel[32];
		snprintf(rel, sizeof(rel), "dev%d", i);
		r |= mkdir_rec(&l, rel);
	}
	if (r || certificates(&l, o->nduts) < 0) {
		failed(&l, "could not make the lab's certificates", "lab.log");
		goto fail;
	}

	/* The network: a cloud, and per DUT a namespace with a LAN and a WAN link. */
	record(&l, "netns %s", cloud);
	r |= sh(&l, "ip netns add %s", cloud);
	r |= sh(&l, "ip -n %s link set lo up", cloud);
	r |= sh(&l, "ip link add k-%s-c type veth peer name mgmt0 netns %s", o->name, cloud);
	r |= sh(&l, "ip addr add %s/30 dev k-%s-c", l.host_ip, o->name);
	r |= sh(&l, "ip link set k-%s-c up", o->name);
	r |= sh(&l, "ip -n %s addr add %s/30 dev mgmt0", cloud, l.cloud_ip);
	r |= sh(&l, "ip -n %s link set mgmt0 up", cloud);
	for (int i = 0; i < o->nduts && !r; i++) {
		char ns[64];
		int g = l.base + i;
		snprintf(ns, sizeof(ns), "keur-%s-dut%d", o->name, i);
		record(&l, "netns %s", ns);
		r |= sh(&l, "ip netns add %s", ns);
		r |= sh(&l, "ip -n %s link set lo up", ns);
		/* The kernel's own ICMP rate limit would make a UDP port scan (NET-PORTS-001) of the
		 * device take minutes; a real device sets its own. */
		r |= sh(&l, "ip netns exec %s sysctl -qw net.ipv4.icmp_ratelimit=0", ns);
		r |= sh(&l, "ip link add k-%s-%d type veth peer name lan0 netns %s", o->name, i, ns);
		r |= sh(&l, "ip addr add 198.18.%d.1/24 dev k-%s-%d", 10 + g, o->name, i);
		r |= sh(&l, "ip link set k-%s-%d up", o->name, i);
		r |= sh(&l, "ip -n %s addr add 198.18.%d.2/24 dev lan0", ns, 10 + g);
		r |= sh(&l, "ip -n %s link set lan0 up", ns);
		r |= sh(&l, "ip -n %s link add wan%d type veth peer name wan0 netns %s", cloud, i, ns);
		r |= sh(&l, "ip -n %s addr add 198.19.%d.1/24 dev wan%d", cloud, g, i);
		r |= sh(&l, "ip -n %s link set wan%d up", cloud, i);
		r |= sh(&l, "ip -n %s addr add 198.19.%d.2/24 dev wan0", ns, g);
		r |= sh(&l, "ip -n %s link set wan0 up", ns);
		/* The device's broker address: the cloud answers there itself, or (when keur has
		 * taken the address) answers ARP for it and forwards to keur, which answers back
		 * through the cloud. */
		r |= sh(&l, "ip -n %s addr add " BROKER_SVC "/32 dev lo", cloud, g);
		r |= sh(&l, "ip -n %s route add " BROKER_SVC "/32 via %s", cloud, g, l.host_ip);
		r |= sh(&l, "ip netns exec %s sysctl -qw net.ipv4.conf.wan%d.proxy_arp=1", cloud, i);
		r |= sh(&l, "ip route add 198.19.%d.0/24 via %s dev k-%s-c", g, l.cloud_ip, o->name);
	}
	r |= sh(&l, "ip netns exec %s sysctl -qw net.ipv4.ip_forward=1", cloud);
	if (r) {
		failed(&l, "could not build the lab's network", "lab.log");
		goto fail;
	}

	/* The cloud: broker and update service. */
	if (broker(&l, cloud, o->nduts) < 0 || wait_tcp(l.cloud_ip, 8883, 5000) < 0) {
		failed(&l, "the lab's broker did not start", "broker.log");
		goto fail;
	}
	record(&l, "file vendor.key");
	record(&l, "file vendor.pub");
	record(&l, "file updates/payload");
	record(&l, "file updates/fw-1.1.0.bin");
	record(&l, "file updates/fw-0.9.0.bin");
	r |= sh(&l, "openssl genpkey -algorithm ed25519 -out %s", path(&l, "vendor.key"));
	r |= chmod(path(&l, "vendor.key"), 0600);
	r |= sh(&l, "openssl pkey -in %s -pubout -out %s", path(&l, "vendor.key"), path(&l, "vendor.pub"));
	r |= sh(&l, "openssl rand -out %s 65536", path(&l, "updates/payload"));
	r |= sh(&l, "%s image --version 1.1.0 --payload %s --key %s --out %s", o->simdev, path(&l, "updates/payload"),
		path(&l, "vendor.key"), path(&l, "updates/fw-1.1.0.bin"));
	r |= sh(&l, "%s image --version 0.9.0 --payload %s --key %s --out %s", o->simdev, path(&l, "updates/payload"),
		path(&l, "vendor.key"), path(&l, "updates/fw-0.9.0.bin"));
	for (int i = 0; i < o->nduts; i++) {
		char rel[32];
		snprintf(rel, sizeof(rel), "updates/dev%d", i);
		r |= mkdir_rec(&l, rel);
	}
	char *upd[] = { (char *)o->simdev, (char *)"update-service", (char *)"--dir", path(&l, "updates"),
			(char *)"--listen", (char *)"0.0.0.0", (char *)"--port", (char *)"8080", NULL };
	if (r || spawn(&l, cloud, "update-service", "update-service", upd) < 0 || wait_tcp(l.cloud_ip, 8080, 5000) < 0) {
		failed(&l, "the lab's update service did not start", "update-service.log");
		goto fail;
	}

	/* The devices. */
	for (int i = 0; i < o->nduts; i++) {
		char cmd[8192], rel[64], key[64];
		r |= secret_text(key, sizeof(key));
		strcat(key, "\n");
		snprintf(rel, sizeof(rel), "dev%d/psk", i);
		r |= write_file(&l, rel, key, 0600);
		record(&l, "file dev%d/state", i);
		record(&l, "file dev%d/state.tmp", i);
		record(&l, "file dev%d/ready", i);
		snprintf(rel, sizeof(rel), "dev%d/cmdline", i);
		if (r || simdev_cmdline(&l, o, i, cmd, sizeof(cmd)) < 0 || write_file(&l, rel, cmd, 0644) < 0 ||
		    start_simdev(&l, i, cmd) < 0 || wait_ready(&l, i, 5000) < 0) {
			char what[64], log[32];
			snprintf(what, sizeof(what), "reference device dev%d did not start", i);
			snprintf(log, sizeof(log), "dev%d.log", i);
			failed(&l, what, log);
			goto fail;
		}
		r |= dut_files(&l, o, i);
	}
	if (r || lab_file(&l, o) < 0) {
		say("could not write the lab's descriptions into %s", l.dir);
		goto fail;
	}
	for (int i = 0; i < o->nduts; i++) {
		char flaws[1024];
		printf("dev%d  LAN 198.18.%d.2 (CoAP 5683/5684, Modbus 502)  WAN 198.19.%d.2  flaws: %s  -> %s/dev%d.xml\n", i,
		       10 + l.base + i, l.base + i, *flaws_for(o, i, flaws, sizeof(flaws)) ? flaws : "none", l.dir, i);
	}
	printf("cloud broker %s:8883 (TLS), update service %s:8080; lab description %s/lab.xml\n", l.cloud_ip,
	       l.cloud_ip, l.dir);
	record(&l, "up");
	close_lab(&l);
	return 0;
fail:
	close_lab(&l);
	take_down(l.dir, 1);
	return 3;
}

int lab_up(const struct lab_up_opts *o)
{
	static const char *const tools[] = { "ip", "openssl", "mosquitto", "mosquitto_passwd" };
	int r;

	if (!name_ok(o->name)) {
		say("--name must be 1 to 8 of a-z and 0-9");
		return 2;
	}
	if (o->nduts < 1 || o->nduts > 200) {
		say("--duts must be 1 to 200");
		return 2;
	}
	if (geteuid() != 0) {
		say("building network namespaces needs root: run keur lab up as root (or with sudo)");
		return 3;
	}
	for (size_t t = 0; t < sizeof(tools) / sizeof(tools[0]); t++)
		if (!have(tools[t])) {
			say("'%s' is not installed (make deps installs what the lab needs)", tools[t]);
			return 3;
		}
	/* The lock is held while the name and the addresses are picked and noted: two lab ups at
	 * once pick different ones, then build side by side. */
	mkdir(LAB_RUN, 0755);
	int lock = open(LAB_RUN "/lab.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lock < 0) {
		say("cannot open %s/lab.lock: %s", LAB_RUN, strerror(errno));
		return 3;
	}
	if (flock(lock, LOCK_EX) < 0) {
		say("cannot lock %s/lab.lock: %s", LAB_RUN, strerror(errno));
		close(lock);
		return 3;
	}
	struct lab l;
	r = reserve(o, &l);
	close(lock);
	return r ? r : build(o, &l);
}

struct state {
	char name[16];
	int base;		/* the lab's first device number (see "Addresses") */
	char netns[256][64];
	int nnetns;
	struct { int pid; unsigned long long start; char role[32]; } pids[1024];
	int npids;
	char files[4096][64];
	int nfiles;
	char dirs[512][64];
	int ndirs;
};

static int read_state(const char *dir, struct state *s)
{
	char p[4096], line[4096];
	FILE *f;

	memset(s, 0, sizeof(*s));
	snprintf(p, sizeof(p), "%s/lab.state", dir);
	if (!(f = fopen(p, "r")))
		return -1;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "name ", 5))
			snprintf(s->name, sizeof(s->name), "%.15s", line + 5);
		else if (!strncmp(line, "net ", 4))
			sscanf(line + 4, "%*d %d", &s->base);
		else if (!strncmp(line, "netns ", 6) && s->nnetns < 256)
			snprintf(s->netns[s->nnetns++], 64, "%.63s", line + 6);
		else if (!strncmp(line, "pid ", 4) && s->npids < 1024) {
			int n = 0;
			if (sscanf(line + 4, "%d %llu %n", &s->pids[s->npids].pid, &s->pids[s->npids].start, &n) == 2) {
				snprintf(s->pids[s->npids].role, 32, "%.31s", line + 4 + n);
				s->npids++;
			}
		} else if (!strncmp(line, "file ", 5) && s->nfiles < 4096)
			snprintf(s->files[s->nfiles++], 64, "%.63s", line + 5);
		else if (!strncmp(line, "dir ", 4) && s->ndirs < 512)
			snprintf(s->dirs[s->ndirs++], 64, "%.63s", line + 4);
	}
	fclose(f);
	return 0;
}

/* Sends sig to a recorded process and waits up to ms for it to go; 0 when it is gone. */
static int signal_and_wait(int pid, unsigned long long start, int sig, int ms)
{
	kill(pid, sig);
	for (int t = 0; t < ms; t += 20) {
		waitpid(pid, NULL, WNOHANG);
		if (start_time(pid) != start)
			return 0;
		poll(NULL, 0, 20);
	}
	return -1;
}

/* Stops a recorded process if it is still the one we started; 0 when it is gone. */
static int stop_recorded(int pid, unsigned long long start)
{
	if (pid <= 1 || !start || start_time(pid) != start)
		return 0;	/* gone already, or the PID now belongs to someone else */
	if (signal_and_wait(pid, start, SIGTERM, 3000) == 0)
		return 0;
	return signal_and_wait(pid, start, SIGKILL, 2000);
}

/* Removes from this host's loopback the broker addresses of the lab's devices (198.19.G.3) that
 * keur took for a case and, killed, never gave back: with the lab gone they would shadow the
 * next lab's cloud. */
static void release_broker_addresses(const struct state *s)
{
	char prefix[32];
	size_t plen = (size_t)snprintf(prefix, sizeof(prefix), "keur-%s-dut", s->name);

	for (int i = 0; i < s->nnetns; i++) {
		char addr[32], cmd[96], *end;
		long dev;

		if (strncmp(s->netns[i], prefix, plen))
			continue;
		dev = strtol(s->netns[i] + plen, &end, 10);
		if (*end || dev < 0 || s->base + dev >= MAX_DEVNUM)
			continue;
		snprintf(addr, sizeof(addr), BROKER_SVC, s->base + (int)dev);
		if (!on_loopback(addr))
			continue;
		snprintf(cmd, sizeof(cmd), "ip addr del %s/32 dev lo 2>/dev/null", addr);
		if (system(cmd) != 0)
			say("could not remove %s from this host's loopback", addr);
	}
}

/* Removes LAB_RUN/brokers/NAME and every file in it (see broker). */
static void release_broker_files(const char *name)
{
	char dir[128], p[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir(broker_run_path(name, "", dir, sizeof(dir)));

	if (!d)
		return;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    snprintf(p, sizeof(p), "%s/%s", dir, e->d_name) < (int)sizeof(p))
			unlink(p);
	closedir(d);
	rmdir(dir);
}

/* Takes the lab in dir down; keep_logs leaves DIR/logs/ (a lab up that failed points at them). */
static int take_down(const char *dir, int keep_logs)
{
	static struct state s;
	int bad = 0;
	char p[4096];

	if (geteuid() != 0) {
		say("removing network namespaces needs root: run keur lab down as root (or with sudo)");
		return 3;
	}
	if (read_state(dir, &s) < 0) {
		say("%s holds no lab (no lab.state): nothing to remove", dir);
		return 0;
	}
	for (int i = s.npids - 1; i >= 0; i--)
		if (stop_recorded(s.pids[i].pid, s.pids[i].start) < 0) {
			say("process %d (%s) would not stop", s.pids[i].pid, s.pids[i].role);
			bad = 1;
		}
	if (s.name[0])
		release_broker_addresses(&s);
	for (int i = s.nnetns - 1; i >= 0; i--) {
		snprintf(p, sizeof(p), "/var/run/netns/%s", s.netns[i]);
		if (access(p, F_OK) != 0)
			continue;
		char cmd[512];
		snprintf(cmd, sizeof(cmd), "ip netns del %s 2>/dev/null", s.netns[i]);
		if (system(cmd) != 0) {
			say("could not remove namespace %s", s.netns[i]);
			bad = 1;
		}
	}
	/* The harness-side ends of the veth pairs go with their peers; a half-built lab may have
	 * left one whose peer never moved: remove those by the names this lab uses. */
	if (s.name[0]) {
		char cmd[512];
		/* They may be vanishing by themselves right now: delete what is left, then check. */
		snprintf(cmd, sizeof(cmd),
			 "for l in $(ip -o link show 2>/dev/null | sed -n 's/^[0-9]*: \\(k-%s-[^@:]*\\).*/\\1/p'); do ip link del \"$l\" 2>/dev/null; done; "
			 "sleep 0.2; ! ip -o link show 2>/dev/null | grep -q ': k-%s-'", s.name, s.name);
		if (system(cmd) != 0) {
			say("links named k-%s-* are left on this host", s.name);
			bad = 1;
		}
	}
	if (s.name[0])
		release_broker_files(s.name);
	for (int i = s.nfiles - 1; i >= 0; i--) {
		if (keep_logs && !strncmp(s.files[i], "logs/", 5))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, s.files[i]);
		unlink(p);
	}
	static const char *const logs[] = { "logs/lab.log", "logs/broker.log", "logs/update-service.log",
					      "logs/broker-stdout.log" /* a lab from keur 0.x */ };
	for (size_t i = 0; i < sizeof(logs) / sizeof(logs[0]) && !keep_logs; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, logs[i]);
		unlink(p);
	}
	for (int i = 0; i < 256 && !keep_logs; i++) {
		snprintf(p, sizeof(p), "%s/logs/dev%d.log", dir, i);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/logs", dir);
	rmdir(p);
	for (int i = s.ndirs - 1; i >= 0; i--) {
		snprintf(p, sizeof(p), "%s/%s", dir, s.dirs[i]);
		rmdir(p);
	}
	if (!bad) {
		if (s.name[0])
			forget_lab_dir(s.name, dir);
		snprintf(p, sizeof(p), "%s/lab.state", dir);
		unlink(p);
		rmdir(dir);	/* only if nothing else is left in it */
	}
	return bad ? 3 : 0;
}

int lab_down(const char *dir)
{
	return take_down(dir, 0);
}

int lab_power(const char *dir, const char *dut, int on)
{
	static struct state s;
	struct lab l;
	char role[48], *cmd = NULL;
	int i, running = -1;

	if (sscanf(dut, "dev%d", &i) != 1 || i < 0 || i > 255) {
		say("--dut names a device of this lab (dev0, dev1, ...)");
		return 2;
	}
	if (read_state(dir, &s) < 0) {
		say("%s holds no lab", dir);
		return 3;
	}
	snprintf(role, sizeof(role), "simdev dev%d", i);
	for (int k = 0; k < s.npids; k++)
		if (!strcmp(s.pids[k].role, role) && start_time(s.pids[k].pid) == s.pids[k].start)
			running = k;
	if (!on) {
		/* Idempotent: a device that is off stays off. */
		if (running >= 0 && stop_recorded(s.pids[running].pid, s.pids[running].start) < 0) {
			say("dev%d would not stop", i);
			return 3;
		}
		return 0;
	}
	if (running >= 0)
		return 0;	/* on already */
	if (open_lab(&l, dir, 0) < 0)
		return 3;
	snprintf(l.name, sizeof(l.name), "%s", s.name);
	char p[4096];
	size_t len;
	snprintf(p, sizeof(p), "%s/dev%d/cmdline", dir, i);
	FILE *f = fopen(p, "r");
	if (f) {
		cmd = malloc(8192);
		len = cmd ? fread(cmd, 1, 8191, f) : 0;
		if (cmd)
			cmd[len] = '\0';
		fclose(f);
	}
	int rc = 0;
	if (!cmd || start_simdev(&l, i, cmd) < 0 || wait_ready(&l, i, 5000) < 0) {
		say("dev%d did not start again (see %s/logs/dev%d.log)", i, dir, i);
		rc = 3;
	}
	free(cmd);
	close_lab(&l);
	return rc;
}

int lab_reflash(const char *dir, const char *dut, const char *firmware)
{
	char p[4096], *old = NULL;
	size_t len = 0;
	int i, rc;
	struct strbuf sb;

	if (!*firmware || strlen(firmware) > 16 || strspn(firmware, "0123456789.") != strlen(firmware)) {
		say("--firmware is a version like 1.0.0");
		return 2;
	}
	if ((rc = lab_power(dir, dut, 0)) != 0)
		return rc;
	sscanf(dut, "dev%d", &i);
	snprintf(p, sizeof(p), "%s/dev%d/state", dir, i);
	/* The device keeps its configuration; only the version it runs changes. */
	sb_init(&sb);
	sb_addf(&sb, "firmware %s\n", firmware);
	if (file_read(p, &old, &len) == 0) {
		char *save = NULL;
		for (char *line = strtok_r(old, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			if (strncmp(line, "firmware ", 9))
				sb_addf(&sb, "%s\n", line);
	}
	free(old);
	char *text = sb_detach(&sb);
	rc = file_write_atomic(p, text, strlen(text));
	free(text);
	if (rc < 0) {
		say("cannot write %s: %s", p, strerror(-rc));
		return 3;
	}
	return lab_power(dir, dut, 1);
}
