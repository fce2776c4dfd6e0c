/* runner.c — fork per case, deadlines, evidence, journal, TAP. */
#include "runner.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctx.h"
#include "fixture.h"
#include "procnet.h"
#include "mqtt_versions.h"
#include "reports.h"
#include "sha256.h"
#include "util.h"

#define OUTPUT_CAP (1u << 20)	/* bytes of a case's stdout/stderr kept as evidence */
#define RESULT_CAP 4096
#define KILL_GRACE_MS 2000	/* after SIGKILL, how long we wait for the group to go */

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

void runner_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

struct outcome {
	enum keur_verdict verdict;
	char *reason;
	int64_t start_ms, duration_ms;
	long maxrss_kb;		/* the case process's peak resident memory (wait4), 0 if unknown */
	int contained;		/* cont was read from /proc after the case process gave up root */
	struct containment cont;
};

/* Each case process may use this much data memory (RLIMIT_DATA): a DUT that announces a
 * 100 MB packet makes the library's allocation fail instead of keur's memory grow with what
 * the DUT sends.  $KEUR_CASE_MEMORY_MB changes it, 0 switches it off; it is off under
 * AddressSanitizer, whose shadow memory the limit would count. */
#define CASE_MEMORY_MB 64
#define CASE_OOM_STATUS 71
#define CASE_FILE_MAX ((rlim_t)4 << 30)	/* the largest file a case process may write when it gave up root */
#define INPUT_MAX ((off_t)1 << 30)	/* the largest input file handed to a case process (hand_over) */

static long case_memory_mb(void)
{
	const char *e = getenv("KEUR_CASE_MEMORY_MB");
	char *end;
	long mb;

#if defined(__SANITIZE_ADDRESS__)
	return 0;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
	return 0;
#endif
#endif
	if (!e || !*e)
		return CASE_MEMORY_MB;
	mb = strtol(e, &end, 10);
	return *end || mb < 0 ? CASE_MEMORY_MB : mb;
}

/* A copy of the file at *path that the case can read once it has given up root: a memory
 * file, named by /proc/self/fd/N from then on (inputs often live where only root may look).  The
 * descriptor is added to keep.  A file that cannot be read stays as it is: the case says so. */
static void hand_over(char **path, int *keep, size_t *nkeep, size_t cap)
{
	struct stat st;
	int in, mfd, r;

	if (!*path || *nkeep >= cap || (in = open(*path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
		return;
	/* A plain file of sane size only: not a FIFO, a device or anything without an end. */
	if (fstat(in, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > INPUT_MAX ||
	    (mfd = memfd_create("keur-input", 0)) < 0) {
		close(in);
		return;
	}
	r = fd_copy(in, mfd);
	close(in);
	if (r < 0) {
		close(mfd);
		return;
	}
	lseek(mfd, 0, SEEK_SET);
	*path = xasprintf("/proc/self/fd/%d", mfd);	/* the child's copy of the description */
	keep[(*nkeep)++] = mfd;
}

/* What a case needs of the DUT and lab descriptions' files, handed over before root goes; and
 * the DUT's serial lines, which the parent opened for the run (runner_run). */
static size_t hand_over_inputs(const struct plan_item *it, const struct runner *r, int *keep, size_t n, size_t cap)
{
	struct keur_dut *d = r->dut;
	struct keur_lab *l = (struct keur_lab *)r->lab;

	n += preopen_fds(keep + n, cap - n);
	for (size_t i = 0; i < d->nmqtt; i++)
		hand_over(&d->mqtt[i].ca_file, keep, &n, cap);
	for (size_t i = 0; i < d->ncoap; i++)
		hand_over(&d->coap[i].ca_file, keep, &n, cap);
	for (size_t i = 0; i < d->nmodbus; i++) {
		hand_over(&d->modbus[i].ca_file, keep, &n, cap);
		hand_over(&d->modbus[i].ca_key, keep, &n, cap);
	}
	if (d->update && (it->c->needs & NEED_UPDATE)) {
		hand_over(&d->update->image, keep, &n, cap);
		hand_over(&d->update->older_image, keep, &n, cap);
	}
	hand_over(&d->sbom, keep, &n, cap);
	hand_over(&d->ics, keep, &n, cap);
	for (size_t i = 0; l && i < l->nbrokers; i++) {
		hand_over(&l->brokers[i].ca, keep, &n, cap);
		hand_over(&l->brokers[i].ca_key, keep, &n, cap);
	}
	return n;
}

/* Whether the case may bind a port below 1024: it plays the DUT's broker or update service on
 * one (the lab's broker port, the update check URL's). */
static int needs_low_port(const struct plan_item *it, const struct runner *r)
{
	const struct lab_broker *b = r->lab ? lab_broker_for(r->lab, r->dut->id) : NULL;
	char host[64];
	int port = 0;

	if (!(it->c->needs & (NEED_FIX_BROKER | NEED_MQTT_CLIENT | NEED_UPDATE | NEED_FIX_UPLINK | NEED_FIX_POWER)))
		return 0;
	if (b && b->port > 0 && b->port < 1024)
		return 1;
	return r->dut->update && r->dut->update->check_url &&
	       url_split(r->dut->update->check_url, host, sizeof(host), &port, NULL) == 0 && port < 1024;
}

static void child_main(const struct plan_item *it, const struct runner *r, const char *evdir, int evfd,
		       int resfd, int outfd, int reqfd, pid_t parent)
{
	struct keur_ctx ctx;
	int devnull, keep[64] = { resfd, reqfd };
	size_t nkeep = 2;
	char why[300];

	setpgid(0, 0);
	/* If keur itself dies, its cases die with it rather than talk to the DUT unsupervised. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(70);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	devnull = open("/dev/null", O_RDONLY);
	if (devnull >= 0) {
		dup2(devnull, 0);
		close(devnull);
	}
	dup2(outfd, 1);
	dup2(outfd, 2);
	close(outfd);
	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&ctx, 0, sizeof(ctx));
	ctx.evdir = (char *)evdir;
	ctx.evdir_path = evdir;
	if (r->contain.drop) {
		nkeep = hand_over_inputs(it, r, keep, nkeep, ARRAY_SIZE(keep));
		/* No evidence file the parent would spend hours hashing. */
		struct rlimit fs = { CASE_FILE_MAX, CASE_FILE_MAX };
		setrlimit(RLIMIT_FSIZE, &fs);
		/* Its evidence folder is the case's working folder: it need not see the way there. */
		if (fchdir(evfd) == 0)
			ctx.evdir = (char *)".";
	}
	if (contain_enter(&r->contain, keep, nkeep, needs_low_port(it, r), why, sizeof(why)) < 0) {
		char *msg = xasprintf("error\tthe case process could not give up root, so the case did not run: %s\n", why);
		write_all(resfd, msg, strlen(msg));
		_exit(0);
	}
	/* A change of user clears the parent-death signal: set it again, and look again. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(70);
	ctx.reqfd = reqfd;
	{
		struct ctx_req q = { .op = REQ_CONTAINED };
		ctx_ask(&ctx, &q, why, sizeof(why), NULL);
	}
	if (r->case_memory_mb > 0) {
		/* The soft limit only: a program the case runs lifts it again if it must. */
		struct rlimit rl;
		if (getrlimit(RLIMIT_DATA, &rl) == 0 && (rl.rlim_max == RLIM_INFINITY ||
							 rl.rlim_max > (rlim_t)r->case_memory_mb << 20)) {
			rl.rlim_cur = (rlim_t)r->case_memory_mb << 20;
			setrlimit(RLIMIT_DATA, &rl);
		}
		xalloc_exit_status = CASE_OOM_STATUS;
	}
	ctx.c = it->c;
	ctx.dut = r->dut;
	ctx.lab = r->lab;
	ctx.deadline_ms = it->deadline_ms;
	ctx_run_case(&ctx, resfd);
	fflush(NULL);
	_exit(0);
}

/* A case's captured stdout and stderr: kept as evidence up to OUTPUT_CAP bytes, and with
 * --verbose shown as TAP comments, never as bare lines a TAP reader could take for results. */
struct capture {
	int fd;			/* a memory file (casewatch), -1 until there is output */
	int verbose, midline;
	size_t kept, dropped;
};

/* A file in the case's evidence folder, opened by the parent: never through a symbolic link,
 * never a FIFO or a file with a second name (a case process could have left any of those
 * there); -1 then.  trunc empties it. */
static int evfile_fd(int evfd, const char *name, int trunc)
{
	struct stat st;
	int fd = openat(evfd, name, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 || (trunc && ftruncate(fd, 0) < 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

static FILE *evfile(int evfd, const char *name)
{
	int fd = evfd >= 0 ? evfile_fd(evfd, name, 0) : -1;
	FILE *f = fd >= 0 ? fdopen(fd, "a") : NULL;

	if (fd >= 0 && !f)
		close(fd);
	return f;
}

static void capture_add(struct capture *cap, const char *buf, size_t n)
{
	if (cap->verbose) {
		for (size_t i = 0; i < n; i++) {
			if (!cap->midline)
				fputs("# ", stdout);
			fputc(buf[i], stdout);
			cap->midline = buf[i] != '\n';
		}
	}
	if (cap->kept >= OUTPUT_CAP) {
		cap->dropped += n;
		return;
	}
	if (cap->fd < 0 && (cap->fd = memfd_create("output.log", MFD_CLOEXEC)) < 0) {
		cap->dropped += n;
		return;
	}
	size_t take = n > OUTPUT_CAP - cap->kept ? OUTPUT_CAP - cap->kept : n;
	write_all(cap->fd, buf, take);
	cap->kept += take;
	cap->dropped += n - take;
}

/* Ends the capture: the shown output ends its line before the TAP line comes. */
static void capture_end(struct capture *cap)
{
	if (cap->midline)
		fputc('\n', stdout);
	if (cap->dropped && cap->fd >= 0) {
		char note[96];
		int n = snprintf(note, sizeof(note), "\n[keur: %zu further bytes of output dropped]\n", cap->dropped);
		write_all(cap->fd, note, (size_t)n);
	}
}

/* The verdict line a child writes, up to RESULT_CAP - 1 bytes. */
static void result_add(char *res, size_t *len, const char *buf, size_t n)
{
	size_t room = RESULT_CAP - 1 - *len;
	memcpy(res + *len, buf, n < room ? n : room);
	*len += n < room ? n : room;
}

static void kill_group(pid_t pgid)
{
	if (pgid > 1)
		kill(-pgid, SIGKILL);
}

/* A descriptor that becomes readable when the child pid ends (pidfd_open, Linux 5.3), or -1. */
static int pidfd_of(pid_t pid)
{
#ifdef SYS_pidfd_open
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd >= 0)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
#else
	(void)pid;
	return -1;
#endif
}

/* waitpid that also keeps the case's peak memory, for the journal. */
static pid_t wait_case(pid_t pid, int *status, int flags, struct outcome *o)
{
	struct rusage ru;
	pid_t r = wait4(pid, status, flags, &ru);
	if (r == pid)
		o->maxrss_kb = ru.ru_maxrss;
	return r;
}

/* What the parent keeps about a running case.  What the case left changed, as the parent saw it
 * do so (it does every change itself): what restore_fixtures puts back; a change that failed
 * counts, as the state is unknown.  And the parent's own records of the case, the fixture log
 * and the case's output, held in memory files while the case owns its evidence folder and
 * written there (publish) once it is the parent's again. */
struct casewatch {
	int uplink, power, broker;
	int fixlog, outlog;	/* memory files, -1 until used */
	int flooded;		/* the case sent requests it did not wait for: it was killed */
};

/* The fixture log, to append to (the caller closes it); NULL on error. */
static FILE *fixlog(struct casewatch *w)
{
	int fd;
	FILE *f;

	if (w->fixlog < 0 && (w->fixlog = memfd_create("fixtures.txt", MFD_CLOEXEC)) < 0)
		return NULL;
	if ((fd = fcntl(w->fixlog, F_DUPFD_CLOEXEC, 3)) < 0)
		return NULL;
	if (!(f = fdopen(fd, "a")))
		close(fd);
	return f;
}

/* Whether host:port is what this DUT reaches through its uplink by its descriptions: a broker
 * a client DUT names, or the lab's broker address for it.  No other connection is made for a
 * case from inside the DUT's namespace. */
static int uplink_target_ok(const struct runner *r, const char *host, int port)
{
	const struct lab_broker *b = r->lab ? lab_broker_for(r->lab, r->dut->id) : NULL;

	if (port < 1 || port > 65535)
		return 0;
	if (b && b->listen && !strcmp(host, b->listen))
		return 1;
	for (size_t i = 0; i < r->dut->nmqtt; i++)
		if (r->dut->mqtt[i].broker_host && !strcmp(host, r->dut->mqtt[i].broker_host))
			return 1;
	return 0;
}

/* A memory file holding text, for an answer that does not fit in a ctx_rep; -1 on error. */
static int blob_of(const char *text)
{
	int fd = memfd_create("keur-answer", MFD_CLOEXEC);

	if (fd >= 0 && write_all(fd, text, strlen(text)) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* One fixture change a case asked for: done, logged into its fixtures.txt with a state line
 * ("= uplink cut") for whoever reads the evidence, and remembered in st. */
static int serve_fixture(const struct runner *r, enum ctx_req_op op, struct casewatch *st, char *why, size_t len)
{
	const struct keur_lab *l = r->lab;
	int uplink = op == REQ_UPLINK_CUT || op == REQ_UPLINK_RESTORE;
	const struct lab_fixture *f = uplink ? lab_fixture_for(l->uplinks, l->nuplinks, r->dut->id)
					     : lab_fixture_for(l->powers, l->npowers, r->dut->id);
	static const char *const what[] = {
		[REQ_UPLINK_CUT] = "uplink cut", [REQ_UPLINK_RESTORE] = "uplink restored",
		[REQ_POWER_OFF] = "power off", [REQ_POWER_ON] = "power on",
	};
	FILE *log = fixlog(st);
	int rc = op == REQ_UPLINK_CUT	  ? hw_uplink_cut(f, log, why, len)
		 : op == REQ_UPLINK_RESTORE ? hw_uplink_restore(f, log, why, len)
		 : op == REQ_POWER_OFF	    ? hw_power_off(f, log, why, len)
					    : hw_power_on(f, log, why, len);

	if (log) {
		fprintf(log, "= %s%s\n", what[op], rc == FIXTURE_NOT_DONE ? " NOT DONE" : rc < 0 ? " FAILED" : "");
		fclose(log);
	}
	if (rc != FIXTURE_NOT_DONE) {
		int *flag = uplink ? &st->uplink : &st->power;
		*flag = rc < 0 || op == REQ_UPLINK_CUT || op == REQ_POWER_OFF;
	}
	return rc;
}

/* Answers one request from the case process pid on sock (ctx.h): validates it, does it with
 * the parent's privileges, answers.  0; -1 when the case closed its end; -2 when the answer
 * could not be sent at once (a case that sends requests and does not wait for the answers
 * would otherwise hold the parent, and with it the deadline and the fixtures' restoring). */
static int serve(const struct runner *r, const struct plan_item *it, int sock, pid_t pid, struct casewatch *st,
		 struct outcome *o)
{
	struct ctx_req q;
	struct ctx_rep rep;
	int blob = -1;
	ssize_t n;

	while ((n = recv(sock, &q, sizeof(q), MSG_DONTWAIT | MSG_TRUNC)) < 0 && errno == EINTR)
		;
	if (n < 0)
		return errno == EAGAIN ? 0 : -1;
	if (n == 0)
		return -1;
	memset(&rep, 0, sizeof(rep));
	rep.rc = -1;
	if (n != (ssize_t)sizeof(q)) {
		snprintf(rep.why, sizeof(rep.why), "malformed request (%zd bytes)", n);
		goto answer;
	}
	q.host[sizeof(q.host) - 1] = '\0';
	/* Who holds which socket on this machine: only for a case that looks at the DUT's ports. */
	if ((q.op == REQ_LOCAL_DECLARED || q.op == REQ_LOCAL_OWNERS) &&
	    !(it->c->needs & (NEED_MQTT_BROKER | NEED_COAP | NEED_MODBUS))) {
		snprintf(rep.why, sizeof(rep.why), "refused: %s does not look at the DUT's ports", it->c->id);
		goto answer;
	}
	switch (q.op) {
	case REQ_CONTAINED:
		o->contained = contain_observe(pid, &o->cont) == 0;
		rep.rc = 0;
		break;
	case REQ_UPLINK_CUT:
	case REQ_UPLINK_RESTORE:
	case REQ_POWER_OFF:
	case REQ_POWER_ON:
		rep.rc = serve_fixture(r, (enum ctx_req_op)q.op, st, rep.why, sizeof(rep.why));
		break;
	case REQ_UPLINK_WORKS:
		if (q.host[0] && !uplink_target_ok(r, q.host, q.port)) {
			snprintf(rep.why, sizeof(rep.why), "refused: %.200s:%d is not where this DUT's uplink leads by its "
				 "descriptions", q.host, (int)q.port);
			break;
		} else {
			FILE *log = fixlog(st);
			rep.rc = hw_uplink_works(lab_fixture_for(r->lab->uplinks, r->lab->nuplinks, r->dut->id),
						 q.host[0] ? q.host : NULL, q.port, log, rep.why, sizeof(rep.why));
			if (log)
				fclose(log);
		}
		break;
	case REQ_REFLASH: {
		const struct keur_dut *d = r->dut;
		FILE *log = fixlog(st);
		rep.rc = hw_reflash(lab_fixture_for(r->lab->reflashes, r->lab->nreflashes, d->id),
				    d->firmware ? d->firmware : "", log, rep.why, sizeof(rep.why));
		if (log) {
			fprintf(log, "= reflash to %s%s\n", d->firmware ? d->firmware : "?",
				rep.rc == FIXTURE_NOT_DONE ? " NOT DONE" : rep.rc < 0 ? " FAILED" : "");
			fclose(log);
		}
		break;
	}
	case REQ_BROKER_TAKE: {
		const struct lab_broker *b = lab_broker_for(r->lab, r->dut->id);
		FILE *log = b && b->ns ? fixlog(st) : NULL;
		rep.rc = hw_broker_take(b, rep.why, sizeof(rep.why));
		if (log) {
			fprintf(log, "= broker taken%s\n", rep.rc < 0 ? " FAILED" : "");
			fclose(log);
		}
		if (b && b->ns)
			st->broker = 1;
		break;
	}
	case REQ_LOCAL_DECLARED: {
		struct procnet_pids pids = { 0 };
		struct strbuf sb;
		if (q.port < 0 || (size_t)q.port >= r->dut->nlocal) {
			snprintf(rep.why, sizeof(rep.why), "refused: the DUT description has no <local-process> number %d",
				 (int)q.port);
			break;
		}
		rep.rc = procnet_declared(&r->dut->local[q.port], &pids, rep.why, sizeof(rep.why));
		sb_init(&sb);
		for (size_t i = 0; i < pids.n; i++)
			sb_addf(&sb, "%d\n", pids.pid[i]);
		blob = blob_of(sb.buf ? sb.buf : "");
		sb_release(&sb);
		procnet_pids_release(&pids);
		break;
	}
	case REQ_LOCAL_OWNERS: {
		struct procnet_table t = { 0 };
		struct procnet_owners own = { 0 };
		struct strbuf sb;
		if ((rep.rc = procnet_load(&t, rep.why, sizeof(rep.why))) == 0)
			rep.rc = procnet_owners_find(&t, &own, rep.why, sizeof(rep.why));
		sb_init(&sb);
		sb_addf(&sb, "unreadable %d\n", own.unreadable);
		for (size_t i = 0; i < own.n; i++)
			sb_addf(&sb, "%lu %d %s\n", own.o[i].inode, own.o[i].pid, own.o[i].comm);
		blob = blob_of(sb.buf);
		sb_release(&sb);
		procnet_owners_release(&own);
		procnet_release(&t);
		break;
	}
	default:
		snprintf(rep.why, sizeof(rep.why), "refused: unknown request %u", (unsigned)q.op);
	}
answer:;
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &rep, sizeof(rep) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (blob >= 0) {
		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &blob, sizeof(blob));
	}
	n = sendmsg(sock, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	int e = errno;
	if (blob >= 0)
		close(blob);
	if (n == (ssize_t)sizeof(rep))
		return 0;
	return n < 0 && (e == EPIPE || e == ECONNRESET) ? -1 : -2;
}

/* Runs one case in a child.  0 with *o filled, or -EINTR when a signal stopped us.  evdir: the
 * case's evidence folder, evfd that folder opened, -1 if it could not be made; st: what the case
 * left changed. */
static int run_child(const struct plan_item *it, const struct runner *r, const char *evdir, int evfd,
		     struct casewatch *st, struct outcome *o)
{
	int resp[2] = { -1, -1 }, outp[2] = { -1, -1 }, reqp[2] = { -1, -1 }, status = 0, ret = 0;
	char res[RESULT_CAP];
	size_t reslen = 0;
	struct capture cap = { .fd = -1, .verbose = r->verbose };
	pid_t me = getpid();
	int64_t deadline_ms = it->deadline_ms, m0;
	int timed_out = 0, reaped = 0, res_open = 1, out_open = 1, req_open = 1, pidfd = -1;
	pid_t pid;

	o->start_ms = time_now_ms();
	m0 = time_mono_ms();
	if (evfd < 0) {
		o->verdict = KEUR_ERROR;
		o->reason = xasprintf("harness: cannot make the evidence folder %s: %s", evdir, strerror(errno));
		goto out;
	}
	if (pipe2(resp, O_CLOEXEC) < 0 || pipe2(outp, O_CLOEXEC) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, reqp) < 0) {
		o->verdict = KEUR_ERROR;
		o->reason = xasprintf("harness: pipe: %s", strerror(errno));
		goto out;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		o->verdict = KEUR_ERROR;
		o->reason = xasprintf("harness: fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		close(resp[0]);
		close(outp[0]);
		close(reqp[0]);
		child_main(it, r, evdir, evfd, resp[1], outp[1], reqp[1], me);
	}
	setpgid(pid, pid);	/* also in the parent, so that a kill never races the child's own call */
	close(resp[1]);
	close(outp[1]);
	close(reqp[1]);
	resp[1] = outp[1] = reqp[1] = -1;
	pidfd = pidfd_of(pid);

	while (!reaped) {
		struct pollfd pf[4];
		int npf = 0;
		int64_t left = deadline_ms - (time_mono_ms() - m0);

		if (stop_signal) {
			kill_group(pid);
			waitpid(pid, &status, 0);
			ret = -EINTR;
			goto out;
		}
		if (left <= 0) {
			timed_out = 1;
			kill_group(pid);
			wait_case(pid, &status, 0, o);
			reaped = 1;
			break;
		}
		if (res_open)
			pf[npf].fd = resp[0], pf[npf++].events = POLLIN;
		if (out_open)
			pf[npf].fd = outp[0], pf[npf++].events = POLLIN;
		if (req_open)
			pf[npf].fd = reqp[0], pf[npf++].events = POLLIN;
		/* The child's end wakes the poll at once through its pidfd; without one (kernels before
		 * 5.3), short polls: a grandchild may hold the pipes open after the case itself exited. */
		if (pidfd >= 0)
			pf[npf].fd = pidfd, pf[npf++].events = POLLIN;
		poll(pf, (nfds_t)npf, left < 50 ? (int)left : 50);
		for (int i = 0; i < npf; i++) {
			char buf[8192];
			ssize_t n;
			if (pf[i].fd == pidfd || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (pf[i].fd == reqp[0]) {
				int sr = serve(r, it, reqp[0], pid, st, o);
				if (sr == -2) {
					st->flooded = 1;
					kill_group(pid);
				}
				if (sr < 0)
					req_open = 0;
				continue;
			}
			n = read(pf[i].fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				if (pf[i].fd == resp[0])
					res_open = 0;
				else
					out_open = 0;
				continue;
			}
			if (pf[i].fd == resp[0])
				result_add(res, &reslen, buf, (size_t)n);
			else
				capture_add(&cap, buf, (size_t)n);
		}
		if (wait_case(pid, &status, WNOHANG, o) == pid)
			reaped = 1;
	}
	/* Drain what the child left in the pipes, without waiting for grandchildren. */
	fcntl(resp[0], F_SETFL, O_NONBLOCK);
	fcntl(outp[0], F_SETFL, O_NONBLOCK);
	for (;;) {
		char buf[8192];
		ssize_t n = read(resp[0], buf, sizeof(buf));
		if (n <= 0)
			break;
		result_add(res, &reslen, buf, (size_t)n);
	}
	for (;;) {
		char buf[8192];
		ssize_t n = read(outp[0], buf, sizeof(buf));
		if (n <= 0)
			break;
		capture_add(&cap, buf, (size_t)n);
	}
	/* Whatever the case started and left behind goes with its group. */
	kill_group(pid);
	res[reslen] = '\0';

	char *tab = strchr(res, '\t'), *nl = strchr(res, '\n');
	enum keur_verdict v = KEUR_NONE;
	if (tab && nl && nl > tab) {
		*tab = '\0';
		*nl = '\0';
		v = verdict_parse(res);
	}
	if (st->flooded) {
		o->verdict = KEUR_ERROR;
		o->reason = xasprintf("the case process sent the harness requests without waiting for the answers, "
				      "and was killed");
	} else if (timed_out && v != KEUR_NONE) {
		o->verdict = v;
		o->reason = xasprintf("%s (the case process did not exit after its verdict and was killed at its deadline)",
				      tab + 1);
	} else if (timed_out && (it->c->flags & KEUR_HANG_IS_FAIL)) {
		o->verdict = KEUR_FAIL;
		o->reason = xasprintf("the DUT held the case past its deadline of %.1f s", (double)deadline_ms / 1000.0);
	} else if (timed_out) {
		o->verdict = KEUR_ERROR;
		o->reason = xasprintf("case passed its deadline of %.1f s and was killed", (double)deadline_ms / 1000.0);
	} else if (WIFSIGNALED(status)) {
		o->verdict = KEUR_ERROR;
		o->reason = xasprintf("case crashed: signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
	} else if (v == KEUR_NONE && WIFEXITED(status) && WEXITSTATUS(status) == CASE_OOM_STATUS &&
		   r->case_memory_mb > 0) {
		o->verdict = KEUR_INCONC;
		o->reason = xasprintf("the case ran out of the %ld MB a case may use (what the DUT sent did not fit)",
				      r->case_memory_mb);
	} else if (v == KEUR_NONE) {
		o->verdict = KEUR_ERROR;
		o->reason = xasprintf("case ended without a verdict (exit status %d)",
				      WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	} else {
		o->verdict = v;
		o->reason = xstrdup(tab + 1);
	}
out:
	o->duration_ms = time_mono_ms() - m0;
	capture_end(&cap);
	st->outlog = cap.fd;
	for (int i = 0; i < 2; i++) {
		if (resp[i] >= 0)
			close(resp[i]);
		if (outp[i] >= 0)
			close(outp[i]);
		if (reqp[i] >= 0)
			close(reqp[i]);
	}
	if (pidfd >= 0)
		close(pidfd);
	return ret;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds one `ev=NAME:SHA256:SIZE` per evidence file, in name order. */
static void add_evidence(struct jrec *rec, const char *outdir, const char *id)
{
	char *dir = xasprintf("%s/evidence/%s", outdir, id);
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;

	if (!d) {
		free(dir);
		return;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		char *path = path_join(dir, names[i]), hex[65];
		struct stat st;
		int64_t size;
		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && sha256_file(path, hex, &size) == 0)
			jrec_addf(rec, "ev", "%s:%s:%lld", names[i], hex, (long long)size);
		free(path);
		free(names[i]);
	}
	free(names);
	free(dir);
}

static void progress_line(const struct runner *r, size_t n, const struct plan_item *it,
			  const struct outcome *o)
{
	if (!r->progress)
		return;
	if (!o) {
		fprintf(stderr, "\r\033[K[%zu/%zu] %s running (deadline %.0f s)", n, r->plan->n, it->c->id,
			(double)it->deadline_ms / 1000.0);
	} else {
		fprintf(stderr, "\r\033[K[%zu/%zu] %-20s %-6s %6.1f s  %.*s\n", n, r->plan->n, it->c->id,
			verdict_name(o->verdict), (double)o->duration_ms / 1000.0, 90, o->reason);
	}
	fflush(stderr);
}

void runner_plan_record(const struct plan_item *it, struct jrec *rec)
{
	jrec_init(rec, "plan");
	jrec_add(rec, "id", it->c->id);
	jrec_add(rec, "suite", it->suite->name);
	jrec_add(rec, "suite-title", it->suite->title);
	jrec_add(rec, "title", it->c->title);
	jrec_add(rec, "spec", it->c->spec);
	jrec_addf(rec, "deadline-ms", "%lld", (long long)it->deadline_ms);
	jrec_add(rec, "reqs", it->reqs);
}

/* Puts the DUT's fixtures back to normal: uplink up, power on, the broker address where it
 * lives.  A netns or command fixture is put back unconditionally (that is idempotent); a manual
 * one only when st (NULL: none) says the case left it changed, so that an operator is not asked
 * for nothing.  log (may be NULL) gets what was done.  0, or -1 with why. */
static int put_back(const struct keur_lab *l, const struct keur_dut *d, unsigned needs, const struct casewatch *st,
		    const char *when, FILE *log, char *why, size_t len)
{
	const struct lab_fixture *up = lab_fixture_for(l->uplinks, l->nuplinks, d->id);
	const struct lab_fixture *pw = lab_fixture_for(l->powers, l->npowers, d->id);
	const struct lab_broker *b = (needs & NEED_FIX_BROKER) ? lab_broker_for(l, d->id) : NULL;
	char msg[512];
	int rc = 0;

	if ((needs & NEED_FIX_UPLINK) && up && (strcmp(up->method, "manual") || (st && st->uplink))) {
		int e = hw_uplink_restore(up, log, msg, sizeof(msg));
		if (log)
			fprintf(log, "%s: uplink restore: %s\n", when, e ? msg : "done");
		if (e) {
			snprintf(why, len, "uplink restore failed: %s", msg);
			rc = -1;
		}
	}
	if ((needs & NEED_FIX_POWER) && pw && (strcmp(pw->method, "manual") || (st && st->power))) {
		int e = hw_power_on(pw, log, msg, sizeof(msg));
		if (log)
			fprintf(log, "%s: power on: %s\n", when, e ? msg : "done");
		if (e && rc == 0) {
			snprintf(why, len, "power restore failed: %s", msg);
			rc = -1;
		}
	}
	if (b && b->ns) {
		int e = hw_broker_give(b, msg, sizeof(msg));
		if (log)
			fprintf(log, "%s: broker address %s back to %s: %s\n", when, b->listen, b->ns, e ? msg : "done");
		if (e && rc == 0) {
			snprintf(why, len, "broker address restore failed: %s", msg);
			rc = -1;
		}
	}
	return rc;
}

/* Puts back what a case may have changed, whatever became of the case: 0, or -1 with why.
 * What was done goes into the case's evidence (fixtures.txt) before the evidence is hashed. */
static int restore_fixtures(const struct runner *r, const struct plan_item *it, int evfd, const struct casewatch *st,
			    char *why, size_t len)
{
	/* A case may use a fixture without needing it (OFFLINE-POWER-001 takes the broker address
	 * when the DUT is an MQTT client; UPDATE-INTERRUPT-001 switches the power where the lab
	 * can): what the parent did for it says so. */
	unsigned needs = it->c->needs | (st->broker ? NEED_FIX_BROKER : 0) | (st->power ? NEED_FIX_POWER : 0) |
			 (st->uplink ? NEED_FIX_UPLINK : 0);
	const struct lab_broker *b = (needs & NEED_FIX_BROKER) ? lab_broker_for(r->lab, r->dut->id) : NULL;
	FILE *ev;
	int rc;

	if (!(needs & (NEED_FIX_UPLINK | NEED_FIX_POWER)) && !(b && b->ns))
		return 0;
	ev = evfile(evfd, "fixtures.txt");
	rc = put_back(r->lab, r->dut, needs, st, "after the case", ev, why, len);
	if (ev)
		fclose(ev);
	return rc;
}

/* The case's evidence folder, made and opened by the parent before the case; when cases give
 * up root, it is handed to the case user, the one place the case may write.  -1 on error. */
static int evdir_open(const struct runner *r, const char *evdir)
{
	int fd;

	if (mkdir_p(evdir, 0755) < 0 || (fd = open(evdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -1;
	if (r->contain.drop && (fchown(fd, r->contain.uid, r->contain.gid) < 0 || fchmod(fd, 0700) < 0)) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Removes name under dfd, a folder with what it holds (up to depth levels down). */
static void remove_tree(int dfd, const char *name, int depth)
{
	DIR *d;
	struct dirent *e;
	int sub;

	if (unlinkat(dfd, name, 0) == 0 || (errno != EISDIR && errno != EPERM))
		return;
	if (depth > 0 && (sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
		if ((d = fdopendir(sub))) {
			while ((e = readdir(d)))
				if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
					remove_tree(dirfd(d), e->d_name, depth - 1);
			closedir(d);
		} else {
			close(sub);
		}
	}
	unlinkat(dfd, name, AT_REMOVEDIR);
}

/* After the case: the folder back to the parent's user, readable by it alone (no later case may
 * read it), before anything there is read or hashed.  A plain file the case made is kept (and
 * becomes root's); anything else a case could leave to trap the parent or smuggle a file in (a
 * symbolic link, a FIFO, a socket, a folder, a second name of another file) is removed, and
 * harness-removed.txt says what was. */
static void evdir_reclaim(const struct runner *r, int evfd)
{
	struct strbuf gone;
	DIR *d;
	struct dirent *e;
	int dfd;

	if (!r->contain.drop || evfd < 0)
		return;
	if (fchown(evfd, geteuid(), getegid()) < 0 || fchmod(evfd, 0700) < 0)
		return;
	if ((dfd = fcntl(evfd, F_DUPFD_CLOEXEC, 3)) < 0 || !(d = fdopendir(dfd))) {
		if (dfd >= 0)
			close(dfd);
		return;
	}
	sb_init(&gone);
	rewinddir(d);
	while ((e = readdir(d))) {
		struct stat st;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    fstatat(evfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		int plain = S_ISREG(st.st_mode) && st.st_nlink == 1 && (st.st_uid == r->contain.uid || st.st_uid == geteuid());
		if (plain && fchownat(evfd, e->d_name, geteuid(), getegid(), AT_SYMLINK_NOFOLLOW) == 0)
			continue;
		sb_addf(&gone, "%s (%s)\n", e->d_name, plain ? "a file that could not be made root's"
						      : S_ISLNK(st.st_mode) ? "a symbolic link" : S_ISDIR(st.st_mode) ? "a folder"
						      : S_ISFIFO(st.st_mode) ? "a FIFO" : S_ISSOCK(st.st_mode) ? "a socket"
						      : S_ISREG(st.st_mode) ? "a file with another name or owner" : "not a file");
		remove_tree(evfd, e->d_name, 16);
	}
	closedir(d);
	if (gone.len) {
		FILE *f = evfile(evfd, "harness-removed.txt");
		if (f) {
			fprintf(f, "keur removed from the case's evidence folder what a case may not leave there:\n%s", gone.buf);
			fclose(f);
		}
	}
	sb_release(&gone);
}

/* The parent's record held in memory file *fd goes into the evidence folder as name, in place
 * of anything the case put there under that name. */
static void publish(int evfd, const char *name, int *fd)
{
	int out;

	if (*fd < 0)
		return;
	if (evfd >= 0) {
		unlinkat(evfd, name, 0);
		if ((out = evfile_fd(evfd, name, 1)) >= 0) {
			lseek(*fd, 0, SEEK_SET);
			fd_copy(*fd, out);
			close(out);
		}
	}
	close(*fd);
	*fd = -1;
}

/* A case from start to end: its evidence folder, the case, the folder back from the case user,
 * the fixtures back.  Returns as run_child; *restored as restore_fixtures. */
static int run_one(const struct runner *r, const struct plan_item *it, struct outcome *o, int *restored, char *why,
		   size_t len)
{
	char *evdir = xasprintf("%s/evidence/%s", r->outdir, it->c->id);
	struct casewatch st = { .fixlog = -1, .outlog = -1 };
	int evfd = evdir_open(r, evdir);
	int ir = run_child(it, r, evdir, evfd, &st, o);

	evdir_reclaim(r, evfd);
	publish(evfd, "output.log", &st.outlog);
	publish(evfd, "fixtures.txt", &st.fixlog);
	*restored = restore_fixtures(r, it, evfd, &st, why, len);
	if (evfd >= 0)
		close(evfd);
	rmdir(evdir);	/* only when empty: a case that wrote no evidence leaves no folder */
	free(evdir);
	return ir;
}

/* What the case process ran as, as /proc showed it once the process had given up root. */
static void containment_record(struct jrec *rec, const struct runner *r, const struct outcome *o)
{
	char text[300];

	if (!o->contained) {
		jrec_add(rec, "contain", "unknown: the case process ended before it reported in");
		return;
	}
	contain_text(&o->cont, r->contain.drop ? r->contain.user : NULL, text, sizeof(text));
	if (r->contain.drop)
		jrec_add(rec, "contain", text);
	else
		jrec_addf(rec, "contain", "%s; nothing dropped: %s", text, r->contain.why);
	jrec_addf(rec, "contain-uid", "%ld", o->cont.uid);
	jrec_addf(rec, "contain-caps", "%llx", o->cont.cap_eff | o->cont.cap_prm);
	jrec_addf(rec, "contain-nnp", "%d", o->cont.nnp);
}

/* Before the cases, when they give up root: what the parent keeps out of their reach (the
 * journal, the evidence of cases already run, a resumed run's included) readable by it alone. */
static void lock_down(const struct runner *r)
{
	char *path = xasprintf("%s/journal", r->outdir);
	DIR *d;
	struct dirent *e;

	if (chmod(path, 0600) < 0 && errno != ENOENT)
		fprintf(stderr, "keur: warning: cannot make %s readable by its owner alone: %s\n", path, strerror(errno));
	free(path);
	path = xasprintf("%s/evidence", r->outdir);
	if ((d = opendir(path))) {
		while ((e = readdir(d)))
			if (e->d_name[0] != '.' && fchmodat(dirfd(d), e->d_name, 0700, 0) < 0)
				fprintf(stderr, "keur: warning: cannot make %s/%s readable by its owner alone: %s\n", path,
					e->d_name, strerror(errno));
		closedir(d);
	}
	free(path);
}

int runner_repair(const struct keur_lab *l, const struct keur_dut *d, const char *outdir, char *why, size_t len)
{
	char *path = xasprintf("%s/fixtures-repair.txt", outdir);
	FILE *log = fopen(path, "a");
	int rc;

	if (log)
		fprintf(log, "the DUT's fixtures back to normal before the run (a manual one is left to the operator)\n");
	rc = put_back(l, d, NEED_FIX_UPLINK | NEED_FIX_POWER | NEED_FIX_BROKER, NULL, "before the run", log, why, len);
	if (log)
		fclose(log);
	free(path);
	return rc;
}

/* Sets what the journal record of the versions probe says on the DUT's endpoint. */
static void versions_apply(struct keur_dut *d, const struct jrec *rec)
{
	int64_t i = jrec_get_i64(rec, "index", -1);

	if (i < 0 || (size_t)i >= d->nmqtt)
		return;
	d->mqtt[i].spoken = mqtt_versions_parse(jrec_get(rec, "spoken"));
	d->mqtt[i].unspoken = mqtt_versions_parse(jrec_get(rec, "unspoken"));
}

/* Journals (and shows as a TAP comment) what the probe found on endpoint i. */
static int versions_record(const struct runner *r, size_t i, const char *why)
{
	const struct dut_mqtt *m = &r->dut->mqtt[i];
	char spoken[32], unspoken[32], endpoint[300];
	struct jrec rec;
	int err;

	dut_mqtt_endpoint(m, endpoint, sizeof(endpoint));
	mqtt_versions_text(m->spoken, spoken, sizeof(spoken));
	mqtt_versions_text(m->unspoken, unspoken, sizeof(unspoken));
	jrec_init(&rec, MQTT_VERSIONS_RECORD);
	jrec_addf(&rec, "index", "%zu", i);
	jrec_add(&rec, "endpoint", endpoint);
	jrec_add(&rec, "spoken", spoken);
	jrec_add(&rec, "unspoken", unspoken);
	jrec_add(&rec, "why", why);
	add_evidence(&rec, r->outdir, MQTT_VERSIONS_ID);
	err = journal_append(r->journal, &rec, 1);
	jrec_release(&rec);
	if (err == 0)
		printf("# MQTT versions of %s: spoken: %s; not spoken: %s\n", endpoint, spoken[0] ? spoken : "none found",
		       unspoken[0] ? unspoken : "none found");
	return err;
}

/* Reads the probe's evidence file into the DUT; the endpoints it has no line for are recorded
 * as undetermined with reason. */
static int versions_read(const struct runner *r, const char *reason)
{
	char *path = xasprintf("%s/evidence/%s/%s", r->outdir, MQTT_VERSIONS_ID, MQTT_VERSIONS_FILE);
	/* What the probe wrote: a plain file, never what a link or a FIFO would lead to. */
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	FILE *f = NULL;
	if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 || !(f = fdopen(fd, "r"))))
		close(fd);
	char line[4096];
	unsigned char seen[64] = { 0 };
	int err = 0;

	while (f && !err && fgets(line, sizeof(line), f)) {
		char *p = line, *idx, *spoken, *unspoken, *end;
		line[strcspn(line, "\n")] = '\0';
		idx = strsep(&p, "\t"), spoken = strsep(&p, "\t"), unspoken = strsep(&p, "\t");
		unsigned long i = strtoul(idx, &end, 10);
		if (!p || end == idx || *end || i >= r->dut->nmqtt || i >= sizeof(seen))
			continue;
		r->dut->mqtt[i].spoken = mqtt_versions_parse(spoken);
		r->dut->mqtt[i].unspoken = mqtt_versions_parse(unspoken) & ~r->dut->mqtt[i].spoken;
		seen[i] = 1;
		err = versions_record(r, i, p);
	}
	if (f)
		fclose(f);
	free(path);
	for (size_t i = 0; !err && i < r->dut->nmqtt && i < sizeof(seen); i++)
		if (r->dut->mqtt[i].broker && !seen[i]) {
			char *why = xasprintf("undetermined: the probe ended without an answer (%s)", reason);
			err = versions_record(r, i, why);
			free(why);
		}
	return err;
}

/* Before the first MQTT broker case: which versions the broker speaks, once per run (a resumed
 * run takes what its journal says).  0, or -errno when the journal could not be written. */
static int versions_probe(struct runner *r)
{
	const struct plan_item *first = NULL;
	int found = 0;

	for (size_t i = 0; i < r->plan->n && !first; i++) {
		const struct plan_item *it = &r->plan->items[i];
		const struct rv_case *done = r->prior ? run_view_case(r->prior, it->c->id) : NULL;
		if ((it->c->needs & NEED_MQTT_BROKER) && it->pre == KEUR_NONE && !(done && done->result))
			first = it;
	}
	if (r->prior)
		for (size_t i = 0; i < r->prior->recs.n; i++)
			if (!strcmp(r->prior->recs.r[i].type, MQTT_VERSIONS_RECORD)) {
				versions_apply(r->dut, &r->prior->recs.r[i]);
				found = 1;
			}
	if (!first || found)
		return 0;
	/* The probe's deadline, stretched as the first MQTT case's is (--deadline-scale). */
	double scale = first->c->deadline_s ? (double)first->deadline_ms / (first->c->deadline_s * 1000.0) : 1.0;
	struct plan_item probe = {
		.c = &mqtt_versions_probe, .suite = first->suite, .pre = KEUR_NONE,
		.deadline_ms = (int64_t)((double)mqtt_versions_deadline_ms(r->dut) * (scale > 0 ? scale : 1.0)),
	};
	struct outcome o = { 0 };
	if (r->progress)
		fprintf(stderr, "\r\033[K%s: which MQTT versions the broker speaks", MQTT_VERSIONS_ID);
	int restored;
	char rwhy[600];
	if (run_one(r, &probe, &o, &restored, rwhy, sizeof(rwhy)) == -EINTR) {
		free(o.reason);
		return -EINTR;
	}
	int err = versions_read(r, o.reason ? o.reason : "no reason given");
	free(o.reason);
	fflush(stdout);
	return err;
}

int runner_run(struct runner *r)
{
	int perr;

	r->case_memory_mb = case_memory_mb();
	if (r->contain.drop) {
		lock_down(r);
		/* The DUT's serial lines, opened once for the run: a case user may not open them (a
		 * tty is root's or the dialout group's), and opening one for each case would toggle
		 * its modem lines each time. */
		for (size_t i = 0; i < r->dut->nmodbus; i++) {
			int fd = r->dut->modbus[i].serial ? open(r->dut->modbus[i].serial, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
							  : -1;
			if (fd >= 0)
				preopen_add(r->dut->modbus[i].serial, fd);
		}
	}
	if ((perr = versions_probe(r)) < 0) {
		if (perr != -EINTR)
			fprintf(stderr, "keur: cannot write the journal: %s\n", strerror(-perr));
		return perr;
	}
	for (size_t i = 0; i < r->plan->n; i++) {
		const struct plan_item *it = &r->plan->items[i];
		const struct rv_case *done = r->prior ? run_view_case(r->prior, it->c->id) : NULL;
		struct outcome o = { 0 };
		struct jrec rec;
		char restore_why[600];
		int err, restored = 0;

		if (done && done->result) {
			tap_case(stdout, i + 1, done);
			fflush(stdout);
			continue;
		}
		if (stop_signal)
			return -EINTR;
		if (it->pre != KEUR_NONE) {
			o.verdict = it->pre;
			o.reason = xstrdup(it->pre_reason);
			o.start_ms = time_now_ms();
		} else {
			progress_line(r, i + 1, it, NULL);
			int ir = run_one(r, it, &o, &restored, restore_why, sizeof(restore_why));
			if (ir == -EINTR) {
				if (r->progress)
					fputs("\r\033[K", stderr);
				if (restored < 0)
					printf("Bail out! %s\n", restore_why);
				return -EINTR;
			}
		}
		jrec_init(&rec, "case");
		jrec_add(&rec, "id", it->c->id);
		jrec_add(&rec, "verdict", verdict_name(o.verdict));
		jrec_add(&rec, "reason", o.reason);
		jrec_addf(&rec, "start", "%lld", (long long)o.start_ms);
		jrec_addf(&rec, "duration-ms", "%lld", (long long)o.duration_ms);
		if (o.maxrss_kb > 0)
			jrec_addf(&rec, "maxrss-kb", "%ld", o.maxrss_kb);
		if (it->pre == KEUR_NONE)
			containment_record(&rec, r, &o);
		add_evidence(&rec, r->outdir, it->c->id);
		/* Journal first, fsync'ed; only then does the result exist for anyone. */
		err = journal_append(r->journal, &rec, 1);
		if (err == 0) {
			struct jrec plan;
			struct rv_case c = { &plan, &rec, o.verdict };
			runner_plan_record(it, &plan);
			tap_case(stdout, i + 1, &c);
			fflush(stdout);
			jrec_release(&plan);
			progress_line(r, i + 1, it, &o);
		}
		jrec_release(&rec);
		free(o.reason);
		if (err < 0) {
			fprintf(stderr, "keur: cannot write the journal: %s\n", strerror(-err));
			return err;
		}
		if (restored < 0) {
			/* Every later verdict would be about a DUT in an unknown state. */
			printf("Bail out! %s\n", restore_why);
			fflush(stdout);
			return -EIO;
		}
	}
	return 0;
}
