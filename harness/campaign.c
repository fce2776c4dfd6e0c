/* campaign.c — keur campaign: one `keur run` per DUT, all at once, and their results together.
 *
 * DESIGN.md, "Scale": one keur process per DUT; keur grows no scheduler of its own.  A campaign
 * starts the runs (this same keur binary, through /proc/self/exe), waits for them, and sums them
 * up: one line per DUT when its run ends, then a table on stderr and in DIR/campaign.tsv with each
 * run's exit code, level, verdict counts, wall time and peak memory (keur and its cases).  Each
 * run is an ordinary run in DIR/DUT-ID/, with its TAP in DIR/DUT-ID.tap and its stderr in
 * DIR/DUT-ID.log; `keur campaign --resume DIR` finishes the runs that did not end. */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "input.h"
#include "reports.h"
#include "results.h"
#include "util.h"

static const char campaign_usage[] =
	"usage: keur campaign [--profile P] [--lab L] [--out DIR] [--level L] [--only CASE,..] [--operator NAME] DUT...\n"
	"       keur campaign --resume DIR\n"
	"\n"
	"Runs `keur run` for every DUT description at once, one process each, and gathers the results.\n"
	"  --out DIR      where the runs go: DIR/DUT-ID/ (default ./keur-out/campaign-UTCTIME)\n"
	"  --resume DIR   finish the runs of a campaign that were interrupted or never started\n"
	"                 (DIR/campaign.plan); report the others\n"
	"  --profile, --lab, --level, --only, --operator: as for keur run, the same for every DUT\n"
	"\n"
	"Each run's TAP goes to DIR/DUT-ID.tap and its messages to DIR/DUT-ID.log.  At the end a\n"
	"table (DUT, exit, level, pass/fail/inconc/error/na, seconds, peak kB of keur and its cases)\n"
	"goes to stderr and to DIR/campaign.tsv.\n"
	"exit: 2 a DUT description or the command line is wrong (nothing started), 1 some DUT failed,\n"
	"      3 some run was inconclusive or did not end, 0 every DUT passed\n";

struct member {
	char *id, *dut;		/* DUT ID and description (NULL when resuming) */
	pid_t pid;
	int status, ended;	/* wait status, once ended */
	long peak_kb;
	int64_t t0, ms;
};

/* SIGINT, SIGTERM and SIGCHLD stay blocked while the campaign runs, and are taken with
 * sigwaitinfo: a stop that comes at any moment, also between two checks, reaches the runs at
 * once.  The runs get the mask the campaign was started with. */
static int stop_sig;
static sigset_t waited, start_mask;

static void block_signals(void)
{
	sigemptyset(&waited);
	sigaddset(&waited, SIGINT);
	sigaddset(&waited, SIGTERM);
	sigaddset(&waited, SIGCHLD);
	sigprocmask(SIG_BLOCK, &waited, &start_mask);
	/* Started with SIGCHLD ignored, the kernel would reap the runs unseen and the wait would
	 * never end: the default, which ignores it too but keeps the runs for wait4. */
	signal(SIGCHLD, SIG_DFL);
}

/* Takes one of the blocked signals, waiting for it (wait) or only if one is pending; a SIGINT or
 * SIGTERM becomes the stop.  A SIGCHLD taken here is not lost: the waits reap with WNOHANG
 * before they wait again. */
static void take_signal(int wait)
{
	static const struct timespec now = { 0, 0 };
	int sig = wait ? sigwaitinfo(&waited, NULL) : sigtimedwait(&waited, NULL, &now);

	if (sig == SIGINT || sig == SIGTERM)
		stop_sig = sig;
}

/* The child: stdout and stderr to DIR/ID.tap and DIR/ID.log, then `keur run ARGS`. */
static pid_t start(struct member *m, const char *dir, const char **args)
{
	char *tap = xasprintf("%s/%s.tap", dir, m->id), *log = xasprintf("%s/%s.log", dir, m->id);
	pid_t parent = getpid(), pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY), out = open(tap, O_WRONLY | O_CREAT | O_APPEND, 0644),
		    err = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		/* A campaign that dies stops its runs the way Ctrl-C would: journaled, resumable. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent || in < 0 || out < 0 || err < 0)
			_exit(70);
		dup2(in, 0);
		dup2(out, 1);
		dup2(err, 2);
		sigprocmask(SIG_SETMASK, &start_mask, NULL);
		execv("/proc/self/exe", (char *const *)args);
		dprintf(2, "keur: campaign: cannot start keur run: %s\n", strerror(errno));
		_exit(70);
	}
	free(tap);
	free(log);
	m->t0 = time_mono_ms();
	return pid;
}

static int cmp_member(const void *a, const void *b)
{
	return strcmp(((const struct member *)a)->id, ((const struct member *)b)->id);
}

/* Appends a member named id (its other fields zero) to *v, which holds *n of *cap. */
static struct member *member_add(struct member **v, size_t *n, size_t *cap, const char *id)
{
	if (*n == *cap)
		*v = xrealloc(*v, (*cap = *cap ? 2 * *cap : 16) * sizeof(**v));
	memset(&(*v)[*n], 0, sizeof(**v));
	(*v)[*n].id = xstrdup(id);
	return &(*v)[(*n)++];
}

/* Frees members whose id and dut are their own, and the array. */
static void members_free(struct member *ms, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(ms[i].id);
		free(ms[i].dut);
	}
	free(ms);
}

/* Does DIR/ID/journal exist: has the run of DUT ID started? */
static int has_journal(const char *dir, const char *id)
{
	char *j = xasprintf("%s/%s/journal", dir, id);
	struct stat st;
	int there = stat(j, &st) == 0 && S_ISREG(st.st_mode);

	free(j);
	return there;
}

/* The members of an earlier campaign without a plan (keur 0.1.0 before campaign.plan): every
 * DIR/ID/ that holds a journal. */
static int members_of(const char *dir, struct member **out, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] != '.' && has_journal(dir, e->d_name))
			member_add(out, n, &cap, e->d_name);
	}
	closedir(d);
	if (*n)
		qsort(*out, *n, sizeof(**out), cmp_member);
	return 0;
}

/* Has the run in DIR/ID ended (its journal has an end record)? */
static int run_ended(const char *dir, const char *id)
{
	char *rd = xasprintf("%s/%s", dir, id), why[256];
	struct run_view rv;
	int ended = 0;

	if (run_view_load(rd, &rv, why, sizeof(why)) == 0) {
		ended = rv.end != NULL;
		run_view_release(&rv);
	}
	free(rd);
	return ended;
}

/* DIR/campaign.plan, written before the first run starts: the options every run gets and each
 * DUT's ID and description, so that --resume also starts the runs a stop kept from starting.
 * One "KEY VALUE" per line: option lines (profile, lab, level, only, operator), then "dut ID
 * PATH" lines; paths are absolute. */
struct plan_opts {
	char *profile, *lab, *level, *only, *op;
};

static char *absolute(const char *path)
{
	char real[PATH_MAX];
	return realpath(path, real) ? xstrdup(real) : xstrdup(path);
}

static char *plan_path(const char *dir)
{
	return xasprintf("%s/campaign.plan", dir);
}

static int plan_write(const char *dir, const struct plan_opts *o, const struct member *ms, size_t n)
{
	const char *keys[] = { "profile", "lab", "level", "only", "operator" };
	const char *vals[] = { o->profile, o->lab, o->level, o->only, o->op };
	struct strbuf b = { 0 };
	char *p = plan_path(dir);
	int r;

	sb_adds(&b, "# keur campaign: the runs of this campaign, for keur campaign --resume\n");
	for (size_t k = 0; k < ARRAY_SIZE(keys); k++)
		if (vals[k])
			sb_addf(&b, "%s %s\n", keys[k], vals[k]);
	for (size_t i = 0; i < n; i++)
		sb_addf(&b, "dut %s %s\n", ms[i].id, ms[i].dut);
	r = file_write_atomic(p, b.buf, b.len);
	free(p);
	sb_release(&b);
	return r;
}

/* Reads DIR/campaign.plan: 1 with the options and members filled, 0 if there is none, -1 if it
 * is damaged (said on stderr). */
static int plan_read(const char *dir, struct plan_opts *o, struct member **out, size_t *n)
{
	char *p = plan_path(dir), line[8192];
	FILE *f = fopen(p, "re");
	size_t cap = 0;
	int lineno = 0, bad = 0;

	memset(o, 0, sizeof(*o));
	*out = NULL;
	*n = 0;
	if (!f) {
		free(p);
		return 0;
	}
	while (!bad && fgets(line, sizeof(line), f)) {
		char *v, *sp;
		lineno++;
		if (!strchr(line, '\n')) {
			bad = 1;
			break;
		}
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || !line[0])
			continue;
		if (!(v = strchr(line, ' '))) {
			bad = 1;
			break;
		}
		*v++ = '\0';
		char **slot = !strcmp(line, "profile") ? &o->profile : !strcmp(line, "lab") ? &o->lab :
			      !strcmp(line, "level") ? &o->level : !strcmp(line, "only") ? &o->only :
			      !strcmp(line, "operator") ? &o->op : NULL;
		if (slot) {
			free(*slot);
			*slot = xstrdup(v);
		} else if (!strcmp(line, "dut") && (sp = strchr(v, ' ')) && sp > v && sp[1]) {
			*sp = '\0';
			member_add(out, n, &cap, v)->dut = xstrdup(sp + 1);
		} else {
			bad = 1;
		}
	}
	fclose(f);
	if (bad || *n == 0)
		fprintf(stderr, "keur: campaign: %s:%d: not a campaign plan line\n", p, bad ? lineno : lineno + 1);
	free(p);
	return bad || *n == 0 ? -1 : 1;
}

static void plan_opts_release(struct plan_opts *o)
{
	free(o->profile);
	free(o->lab);
	free(o->level);
	free(o->only);
	free(o->op);
}

/* One DUT's line of the table: on stderr, and as TSV to tsv.  Returns its exit code. */
static int report_member(const char *dir, const struct member *m, FILE *tsv)
{
	char *rd = xasprintf("%s/%s", dir, m->id), why[256];
	struct run_view rv;
	int n[KEUR_NA + 1] = { 0 }, code;
	const char *level = "-";
	struct label lb;
	int loaded = run_view_load(rd, &rv, why, sizeof(why)) == 0;

	if (m->pid && WIFEXITED(m->status))
		code = WEXITSTATUS(m->status);
	else if (m->pid)
		code = EXIT_INCONC;	/* killed: the run did not end */
	else
		code = loaded && rv.end ? run_view_exit(&rv) : EXIT_INCONC;
	if (loaded) {
		for (size_t i = 0; i < rv.ncases; i++)
			n[rv.cases[i].verdict]++;
		if (rv.profile) {
			label_compute(&rv, &lb);
			level = lb.level;
		}
		if (!rv.end && code == EXIT_OK)
			code = EXIT_INCONC;
	}
	fprintf(stderr, "  %-20s %4d  %-16s %4d %4d %6d %5d %4d  %8.1f %8ld\n", m->id, code, level, n[KEUR_PASS],
		n[KEUR_FAIL], n[KEUR_INCONC], n[KEUR_ERROR], n[KEUR_NA], (double)m->ms / 1000.0, m->peak_kb);
	if (tsv)
		fprintf(tsv, "%s\t%d\t%s\t%d\t%d\t%d\t%d\t%d\t%.1f\t%ld\n", m->id, code, level, n[KEUR_PASS], n[KEUR_FAIL],
			n[KEUR_INCONC], n[KEUR_ERROR], n[KEUR_NA], (double)m->ms / 1000.0, m->peak_kb);
	if (loaded)
		run_view_release(&rv);
	free(rd);
	return code;
}

/* The first line of DIR/ID.log: why a run refused to start. */
static void first_log_line(const char *dir, const char *id, char *buf, size_t len)
{
	char *p = xasprintf("%s/%s.log", dir, id);
	FILE *f = fopen(p, "r");

	buf[0] = '\0';
	if (f) {
		if (fgets(buf, (int)len, f))
			buf[strcspn(buf, "\n")] = '\0';
		fclose(f);
	}
	free(p);
}

/* Waits for every started member, forwarding SIGINT and SIGTERM to them. */
static void wait_all(const char *dir, struct member *ms, size_t n, size_t started)
{
	size_t left = started, done = 0;
	int forwarded = 0;

	while (left > 0) {
		struct rusage ru;
		int status;
		pid_t pid;

		if (stop_sig && !forwarded) {	/* also when the signal came while runs were starting */
			fprintf(stderr, "keur: campaign: stopping %zu run(s); finish with: keur campaign --resume %s\n", left, dir);
			for (size_t i = 0; i < n; i++)
				if (ms[i].pid > 0 && !ms[i].ended)
					kill(ms[i].pid, SIGTERM);
			forwarded = 1;
		}
		pid = wait4(-1, &status, WNOHANG, &ru);
		if (pid == 0) {	/* none ended yet: wait for one to end, or for a stop */
			take_signal(1);
			continue;
		}
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0)
			break;
		for (size_t i = 0; i < n; i++) {
			if (ms[i].pid != pid)
				continue;
			ms[i].ended = 1;
			ms[i].status = status;
			ms[i].peak_kb = ru.ru_maxrss;
			ms[i].ms = time_mono_ms() - ms[i].t0;
			left--;
			done++;
			if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_USAGE) {
				char why[512];
				first_log_line(dir, ms[i].id, why, sizeof(why));
				fprintf(stderr, "keur: campaign: %s did not run: %s [%zu/%zu]\n", ms[i].id,
					why[0] ? why : "see its log", done, started);
			} else if (WIFEXITED(status)) {
				fprintf(stderr, "keur: campaign: %s ended after %.1f s, exit %d [%zu/%zu]\n", ms[i].id,
					(double)ms[i].ms / 1000.0, WEXITSTATUS(status), done, started);
			}
			else
				fprintf(stderr, "keur: campaign: %s stopped by signal %d after %.1f s [%zu/%zu]\n", ms[i].id,
					WTERMSIG(status), (double)ms[i].ms / 1000.0, done, started);
		}
	}
}

int cmd_campaign(int argc, char **argv)
{
	enum { O_PROFILE = 1, O_LAB, O_OUT, O_LEVEL, O_ONLY, O_OPERATOR, O_RESUME };
	static const struct option opts[] = {
		{ "profile", required_argument, NULL, O_PROFILE }, { "lab", required_argument, NULL, O_LAB },
		{ "out", required_argument, NULL, O_OUT }, { "level", required_argument, NULL, O_LEVEL },
		{ "only", required_argument, NULL, O_ONLY }, { "operator", required_argument, NULL, O_OPERATOR },
		{ "resume", required_argument, NULL, O_RESUME }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *profile = NULL, *lab = NULL, *out = NULL, *level = NULL, *only = NULL, *op = NULL, *resume = NULL;
	int bad = 0;	/* problems already printed */
	struct member *ms = NULL;
	struct plan_opts po = { 0 };
	size_t n = 0, started = 0;
	int c, worst = EXIT_OK, any_failed = 0, any_open = 0;
	char *dir = NULL, stamp[32];

	optind = 1;
	opterr = 0;
	block_signals();	/* from the start: a stop at any moment gets the campaign's own answer */
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case O_PROFILE: profile = optarg; break;
		case O_LAB: lab = optarg; break;
		case O_OUT: out = optarg; break;
		case O_LEVEL: level = optarg; break;
		case O_ONLY: only = optarg; break;
		case O_OPERATOR: op = optarg; break;
		case O_RESUME: resume = optarg; break;
		case 'h': fputs(campaign_usage, stdout); return EXIT_OK;
		case ':': return cli_usage_error("campaign: option '%s' needs a value", argv[optind - 1]);
		default: return cli_usage_error("campaign: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (resume) {
		int planned;
		if (profile || lab || out || level || only || op || optind < argc)
			return cli_usage_error("campaign --resume DIR takes nothing else: the runs keep their own inputs");
		dir = xstrdup(resume);
		planned = plan_read(dir, &po, &ms, &n);
		if (planned < 0 || (planned == 0 && (members_of(dir, &ms, &n) < 0 || n == 0))) {
			if (planned == 0)
				fprintf(stderr, "keur: campaign: %s holds no campaign (campaign.plan) and no runs (DIR/DUT-ID/journal)\n", dir);
			members_free(ms, n);
			plan_opts_release(&po);
			free(dir);
			return EXIT_USAGE;
		}
		profile = po.profile, lab = po.lab, level = po.level, only = po.only, op = po.op;
	} else {
		const char *given[] = { profile, lab, level, only, op };
		for (size_t k = 0; k < ARRAY_SIZE(given); k++)
			if (given[k] && strchr(given[k], '\n'))
				return cli_usage_error("campaign: an option's value holds a line break");
		struct input_errors err = { 0 };
		if (optind >= argc)
			return cli_usage_error("campaign: name at least one DUT description");
		n = (size_t)(argc - optind);
		ms = xcalloc(n, sizeof(*ms));
		/* Every DUT description is read before anything starts: a wrong one stops the campaign. */
		for (size_t i = 0; i < n; i++) {
			struct keur_dut *d = NULL;
			ms[i].dut = argv[optind + (int)i];
			if (dut_load(ms[i].dut, &d, &err) == 0) {
				ms[i].id = xstrdup(d->id);
				dut_free(d);
				for (size_t k = 0; k < i; k++)
					if (ms[k].id && !strcmp(ms[k].id, ms[i].id)) {
						fprintf(stderr, "keur: %s: DUT ID '%s' is also that of %s: each run needs its own\n",
							ms[i].dut, ms[i].id, ms[k].dut);
						bad++;
					}
			}
		}
		if (err.n || bad) {
			input_errors_print(&err);
			input_errors_release(&err);
			for (size_t i = 0; i < n; i++)
				free(ms[i].id);
			free(ms);
			return EXIT_USAGE;
		}
		dir = out ? xstrdup(out) : xasprintf("keur-out/campaign-%s", time_compact(time_now_ms(), stamp, sizeof(stamp)));
		for (size_t i = 0; i < n; i++) {
			char *rd = xasprintf("%s/%s", dir, ms[i].id);
			struct stat st;
			int there = stat(rd, &st) == 0;
			free(rd);
			if (there) {
				fprintf(stderr, "keur: campaign: %s/%s exists already: give another --out, or --resume %s\n", dir,
					ms[i].id, dir);
				bad++;
			}
		}
		char *plan = plan_path(dir);
		if (!bad && access(plan, F_OK) == 0) {
			fprintf(stderr, "keur: campaign: %s holds a campaign already: give another --out, or --resume %s\n", dir, dir);
			bad++;
		}
		free(plan);
		for (size_t i = 0; i < n && !bad; i++)
			if (strchr(ms[i].dut, '\n')) {
				fprintf(stderr, "keur: campaign: a DUT description's path holds a line break\n");
				bad++;
			}
		/* The runs and the plan name every file by its absolute path: --resume works from anywhere. */
		if (profile) {	/* a bundled profile's name: the file it stands for now */
			char *f = profile_locate(profile);
			po.profile = absolute(f);
			free(f);
		}
		po.lab = lab ? absolute(lab) : NULL;
		po.level = level ? xstrdup(level) : NULL;
		po.only = only ? xstrdup(only) : NULL;
		po.op = op ? xstrdup(op) : NULL;
		profile = po.profile, lab = po.lab;
		for (size_t i = 0; i < n; i++)
			ms[i].dut = absolute(ms[i].dut);
		int r = bad ? 0 : mkdir_p(dir, 0755) < 0 ? -errno : plan_write(dir, &po, ms, n);
		if (bad || r < 0) {
			if (!bad)
				fprintf(stderr, "keur: campaign: cannot make %s/campaign.plan: %s\n", dir, strerror(-r));
			members_free(ms, n);
			plan_opts_release(&po);
			free(dir);
			return EXIT_USAGE;
		}
	}

	for (size_t i = 0; i < n && (take_signal(0), !stop_sig); i++) {
		const char *args[20];
		char *rd = xasprintf("%s/%s", dir, ms[i].id);
		int k = 0;

		if (resume && run_ended(dir, ms[i].id)) {
			free(rd);
			continue;
		}
		args[k++] = "keur";
		args[k++] = "run";
		if (resume && has_journal(dir, ms[i].id)) {
			args[k++] = "--resume";
			args[k++] = rd;
		} else {
			if (profile)
				args[k++] = "--profile", args[k++] = profile;
			args[k++] = "--dut", args[k++] = ms[i].dut;
			if (lab)
				args[k++] = "--lab", args[k++] = lab;
			args[k++] = "--out", args[k++] = rd;
			if (level)
				args[k++] = "--level", args[k++] = level;
			if (only)
				args[k++] = "--only", args[k++] = only;
			if (op)
				args[k++] = "--operator", args[k++] = op;
		}
		args[k++] = "--no-progress";
		args[k] = NULL;
		ms[i].pid = start(&ms[i], dir, args);
		if (ms[i].pid < 0) {
			fprintf(stderr, "keur: campaign: fork: %s\n", strerror(errno));
			ms[i].pid = 0;
		} else {
			started++;
		}
		free(rd);
	}
	fprintf(stderr, "keur: campaign: %zu run(s) started in %s%s\n", started, dir,
		resume && started < n ? " (the others had ended)" : "");
	if (stop_sig && started == 0)
		fprintf(stderr, "keur: campaign: stopped before any run started; finish with: keur campaign --resume %s\n", dir);
	wait_all(dir, ms, n, started);	/* the signals stay blocked: a late stop must not cut the table short */

	char *tsvp = xasprintf("%s/campaign.tsv", dir);
	FILE *tsv = fopen(tsvp, "w");
	if (tsv)
		fputs("dut\texit\tlevel\tpass\tfail\tinconc\terror\tna\tseconds\tpeak_kb\n", tsv);
	fprintf(stderr, "keur: campaign results (%s):\n  %-20s %4s  %-16s %4s %4s %6s %5s %4s  %8s %8s\n", tsvp, "DUT",
		"exit", "level", "pass", "fail", "inconc", "error", "na", "seconds", "peak kB");
	for (size_t i = 0; i < n; i++) {
		int code = report_member(dir, &ms[i], tsv);
		if (code == EXIT_USAGE)
			worst = EXIT_USAGE;
		else if (code == EXIT_FAILED)
			any_failed = 1;
		else if (code != EXIT_OK)
			any_open = 1;
	}
	if (!tsv || fclose(tsv) != 0)
		fprintf(stderr, "keur: campaign: cannot write %s\n", tsvp);
	free(tsvp);
	if (worst != EXIT_USAGE)
		worst = any_failed ? EXIT_FAILED : any_open || stop_sig ? EXIT_INCONC : EXIT_OK;
	fprintf(stderr, "keur: campaign: %zu DUT(s) in %s (exit %d)\n", n, dir, worst);
	members_free(ms, n);
	plan_opts_release(&po);
	free(dir);
	return worst;
}
