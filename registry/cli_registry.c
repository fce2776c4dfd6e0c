/* cli_registry.c — keur registry (add, trust, advisory, list, show, vendors, stats) and keur
 * bundle: the command line of the registry room (docs/registry.md). */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>
#include <libxml/parser.h>

#include "bundle.h"
#include "cli.h"
#include "monitor.h"
#include "registry.h"
#include "reports.h"
#include "table.h"
#include "util.h"

static const char registry_help[] =
	"usage: keur registry add [--db DB] [--by WHO] RUN-DIR|BUNDLE...\n"
	"       keur registry trust add CA.pem --lab NAME [--by WHO] [--reason TEXT] [--db DB]\n"
	"       keur registry trust remove --lab NAME --reason TEXT [--by WHO] [--db DB]\n"
	"       keur registry trust list [--format F] [--db DB]\n"
	"       keur registry advisory add --vendor V --model M --firmware RANGE --reference ID [--url U] [--by WHO]\n"
	"       keur registry advisory close ID --reason TEXT [--by WHO]\n"
	"       keur registry advisory list [--format F]\n"
	"       keur registry list [--vendor V] [--level L] [--status S] [--all] [--today DATE] [--format F]\n"
	"       keur registry show ID [--today DATE] [--format text|json|csv]\n"
	"       keur registry get ID -o DIR\n"
	"       keur registry vendors [--today DATE] [--format F]\n"
	"       keur registry stats [--today DATE] [--format F]\n"
	"\n"
	"add       verifies each signed report (a run directory or a bundle from keur bundle) as keur\n"
	"          verify does, with the chain to a lab on the trust list, and stores it whole\n"
	"trust     the labs whose reports the registry accepts: a CA each; removing trust keeps the\n"
	"          lab's reports, shown as untrusted\n"
	"advisory  a device known to be vulnerable or hacked (a CERT advisory, a CVE), for a range of\n"
	"          firmware versions: \"*\", or terms like \">=1.0,<1.4.2\"\n"
	"list      one row per product, firmware and profile: its current report (--all: superseded\n"
	"          ones too), level, status and support end\n"
	"show      a product, by the number of one of its reports, a report ID (KEUR-...) or the\n"
	"          start of a report's SHA-256: every report, its verdicts, the advisories\n"
	"get       a stored report's files, as signed, into the new directory DIR (for keur verify)\n"
	"vendors   per vendor: products, levels, share failing, support ended, open advisories\n"
	"stats     the registry's totals\n"
	"\n"
	"  --db DB        the database (default: $KEUR_REGISTRY, else keur-registry.db); the reports'\n"
	"                 files are kept beside it in DB.files/\n"
	"  --by WHO       who does it, for the record (default: $KEUR_OPERATOR, else the login name)\n"
	"  --status S     " ST_NAMES "\n"
	"  --today DATE   judge support ends against DATE (YYYY-MM-DD) instead of today\n"
	"  --format F     text (default), json or csv: the open-data shapes of docs/registry.md\n"
	"\n"
	"exit codes: 0 done, 1 a report was refused (add) or none matched (show, get), 2 bad\n"
	"command line, 3 the registry itself failed (database, disk, a stored file changed)\n";

static const char bundle_help[] =
	"usage: keur bundle RUN-DIR -o FILE\n"
	"\n"
	"Writes the signed report of RUN-DIR, its journal and every evidence file it names into one\n"
	"tar file, the one a lab submits to a registry (keur registry add FILE).\n";

struct reg_opts {
	const char *db, *by, *lab, *reason, *vendor, *model, *firmware, *reference, *url, *level, *status, *today;
	const char *out;
	enum table_format fmt;
	int all;
	int nargs;
	char **args;
};

enum { O_DB = 256, O_BY, O_LAB, O_REASON, O_VENDOR, O_MODEL, O_FIRMWARE, O_REFERENCE, O_URL, O_LEVEL, O_STATUS,
       O_TODAY, O_FORMAT, O_ALL, O_HELP };

static int opts_parse(int argc, char **argv, struct reg_opts *o, const char *verb)
{
	static const struct option lo[] = {
		{ "db", required_argument, NULL, O_DB }, { "by", required_argument, NULL, O_BY },
		{ "lab", required_argument, NULL, O_LAB }, { "reason", required_argument, NULL, O_REASON },
		{ "vendor", required_argument, NULL, O_VENDOR }, { "model", required_argument, NULL, O_MODEL },
		{ "firmware", required_argument, NULL, O_FIRMWARE }, { "reference", required_argument, NULL, O_REFERENCE },
		{ "url", required_argument, NULL, O_URL }, { "level", required_argument, NULL, O_LEVEL },
		{ "status", required_argument, NULL, O_STATUS }, { "today", required_argument, NULL, O_TODAY },
		{ "format", required_argument, NULL, O_FORMAT }, { "all", no_argument, NULL, O_ALL },
		{ "help", no_argument, NULL, O_HELP }, { "out", required_argument, NULL, 'o' }, { 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->db = getenv("KEUR_REGISTRY") && *getenv("KEUR_REGISTRY") ? getenv("KEUR_REGISTRY") : "keur-registry.db";
	o->by = cli_operator_default();
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "ho:", lo, NULL)) != -1) {
		switch (c) {
		case O_DB: o->db = optarg; break;
		case O_BY: o->by = optarg; break;
		case O_LAB: o->lab = optarg; break;
		case O_REASON: o->reason = optarg; break;
		case O_VENDOR: o->vendor = optarg; break;
		case O_MODEL: o->model = optarg; break;
		case O_FIRMWARE: o->firmware = optarg; break;
		case O_REFERENCE: o->reference = optarg; break;
		case O_URL: o->url = optarg; break;
		case O_LEVEL: o->level = optarg; break;
		case O_STATUS: o->status = optarg; break;
		case O_TODAY: o->today = optarg; break;
		case O_ALL: o->all = 1; break;
		case 'o': o->out = optarg; break;
		case O_FORMAT:
			if (table_format_of(optarg, &o->fmt) < 0)
				return cli_usage_error("%s: --format is text, json or csv, not '%s'", verb, optarg);
			break;
		case 'h': case O_HELP:
			return -1;
		default:
			return cli_usage_error("%s: unknown option or missing value: %s", verb, argv[optind - 1]);
		}
	}
	char day[11];
	if (o->today && (support_last_day(o->today, day) < 0 || strlen(o->today) != 10))
		return cli_usage_error("%s: --today is a date, YYYY-MM-DD, not '%s'", verb, o->today);
	o->nargs = argc - optind;
	o->args = argv + optind;
	return 0;
}

static int reg_open(const struct reg_opts *o, struct registry *r)
{
	char why[600];

	if (registry_open(o->db, r, why, sizeof(why)) < 0) {
		fprintf(stderr, "keur registry: %s\n", why);
		return EXIT_INCONC;
	}
	return 0;
}

static char *now_iso(char *buf, size_t len)
{
	return time_iso(time_now_ms(), buf, len);
}

/* ---- add ---- */

static int reg_add(const struct reg_opts *o)
{
	struct registry r;
	int refused = 0, failed = 0, added = 0, rc;

	if (!o->nargs)
		return cli_usage_error("registry add: name at least one run directory or bundle");
	if ((rc = reg_open(o, &r)))
		return rc;
	for (int i = 0; i < o->nargs; i++) {
		char why[1024], what[600];
		int64_t id = 0;
		enum intake_outcome out = intake_add(&r, o->args[i], o->by, &id, what, sizeof(what), why, sizeof(why));
		if (out == INTAKE_REFUSED || out == INTAKE_ERROR) {
			fprintf(stderr, "keur registry: %s %s: %s\n", o->args[i], out == INTAKE_REFUSED ? "refused" : "not stored", why);
			refused += out == INTAKE_REFUSED;
			failed += out == INTAKE_ERROR;
			continue;
		}
		printf("%s #%lld: %s: %s\n", out == INTAKE_ADDED ? "added" : "already stored as", (long long)id, what,
		       o->args[i]);
		added += out == INTAKE_ADDED;
	}
	if (o->nargs > 1)	/* many sources: the sum, where a lab's script looks */
		fprintf(stderr, "keur registry: %d source(s): %d added, %d already stored, %d refused, %d not stored\n",
			o->nargs, added, o->nargs - added - refused - failed, refused, failed);
	registry_close(&r);
	sign_shutdown();
	return failed ? EXIT_INCONC : refused ? EXIT_FAILED : EXIT_OK;
}

/* ---- trust ---- */

static int trust_list(struct registry *r, const struct reg_opts *o)
{
	static const struct table_col cols[] = { { "lab", 's' }, { "trusted", 's' }, { "ca", 's' }, { "ca_sha256", 's' },
						 { "since", 's' }, { "by", 's' }, { "reason", 's' } };
	struct reg_lab *labs;
	size_t n;
	struct table t;

	if (r->st->ops->labs(r->st, &labs, &n) < 0) {
		fprintf(stderr, "keur registry: %s\n", store_why(r->st));
		return EXIT_INCONC;
	}
	table_init(&t, cols, ARRAY_SIZE(cols));
	for (size_t i = 0; i < n; i++) {
		const char *v[] = { labs[i].name, labs[i].trusted ? "yes" : "no", labs[i].ca_subject, labs[i].ca_sha256,
				    labs[i].changed_at, labs[i].changed_by, labs[i].changed_why };
		table_row(&t, v);
	}
	table_print(stdout, &t, o->fmt, "trust", NULL);
	table_release(&t);
	reg_labs_free(labs, n);
	return EXIT_OK;
}

/* Is the CA with SHA-256 fp on the list for a lab other than name?  1 with why naming it. */
static int ca_of_other_lab(struct store *st, const char *fp, const char *name, char *why, size_t len)
{
	struct reg_lab *labs;
	size_t n;
	int other = 0;

	if (st->ops->labs(st, &labs, &n) < 0)
		return 0;	/* the insert that follows reports the database's trouble */
	for (size_t i = 0; i < n && !other; i++)
		if (!strcmp(labs[i].ca_sha256, fp) && strcmp(labs[i].name, name)) {
			snprintf(why, len, "this CA ('%s') is lab '%s''s on the trust list; a CA names one lab, so that "
				 "each report is the lab's whose CA its signer chains to", labs[i].ca_subject, labs[i].name);
			other = 1;
		}
	reg_labs_free(labs, n);
	return other;
}

static int trust_change(struct registry *r, const struct reg_opts *o, int add)
{
	struct store *st = r->st;
	struct reg_lab old, l = { 0 };
	char why[600], subject[256], fp[65], now[32];
	int rc = EXIT_INCONC, found;

	if (add) {
		if (sign_ca_read(o->args[1], &l.ca_pem, subject, sizeof(subject), fp, why, sizeof(why)) < 0) {
			fprintf(stderr, "keur registry: trust add: %s\n", why);
			return EXIT_USAGE;
		}
		l.ca_subject = subject;
		l.ca_sha256 = fp;
	}
	if (st->ops->begin(st) < 0 || (found = st->ops->lab_find(st, o->lab, &old)) < 0) {
		fprintf(stderr, "keur registry: %s\n", store_why(st));
		goto out;
	}
	/* A CA names one lab: a report is the lab's whose CA its signer chains to. */
	if (add && ca_of_other_lab(st, fp, o->lab, why, sizeof(why))) {
		fprintf(stderr, "keur registry: trust add: %s\n", why);
		rc = EXIT_FAILED;
		goto out_old;
	}
	if (!add && (found == 0 || !old.trusted)) {
		fprintf(stderr, "keur registry: trust remove: lab '%s' is not on the trust list\n", o->lab);
		rc = EXIT_FAILED;
		goto out_old;
	}
	if (add && found == 1 && old.trusted && strcmp(old.ca_sha256, fp)) {
		fprintf(stderr, "keur registry: trust add: lab '%s' is trusted with another CA ('%s', SHA-256 %.16s…); "
			"remove its trust first\n", o->lab, old.ca_subject, old.ca_sha256);
		rc = EXIT_FAILED;
		goto out_old;
	}
	if (add && found == 1 && old.trusted) {
		printf("lab '%s' is on the trust list already, with this CA\n", o->lab);
		rc = EXIT_OK;
		goto out_old;
	}
	if (!add) {
		l.ca_pem = xstrdup(old.ca_pem);
		l.ca_subject = old.ca_subject;
		l.ca_sha256 = old.ca_sha256;
	}
	l.name = (char *)o->lab;
	l.trusted = add;
	l.changed_at = now_iso(now, sizeof(now));
	l.changed_by = (char *)o->by;
	l.changed_why = (char *)o->reason;
	if (st->ops->lab_put(st, &l, add ? "add" : "remove") < 0 || st->ops->commit(st) < 0) {
		fprintf(stderr, "keur registry: %s\n", store_why(st));
		goto out_old;
	}
	if (add)
		printf("lab '%s' trusted: reports signed under '%s' (SHA-256 %s) are accepted\n", o->lab, l.ca_subject, fp);
	else
		printf("lab '%s' no longer trusted: its reports stay, shown as untrusted; new ones are refused\n", o->lab);
	rc = EXIT_OK;
out_old:
	if (found == 1)
		reg_lab_release(&old);
out:
	st->ops->rollback(st);	/* after a commit, a no-op */
	free(l.ca_pem);
	return rc;
}

static int reg_trust(const struct reg_opts *o)
{
	struct registry r;
	int rc;
	const char *verb = o->nargs ? o->args[0] : "";

	if (strcmp(verb, "add") && strcmp(verb, "remove") && strcmp(verb, "list"))
		return cli_usage_error("registry trust: add, remove or list, not '%s'", verb);
	if (!strcmp(verb, "add") && (o->nargs != 2 || !o->lab))
		return cli_usage_error("registry trust add: CA.pem and --lab NAME are needed");
	if (!strcmp(verb, "remove") && (!o->lab || !o->reason))
		return cli_usage_error("registry trust remove: --lab NAME and --reason TEXT are needed (the record says why)");
	if ((rc = reg_open(o, &r)))
		return rc;
	rc = !strcmp(verb, "list") ? trust_list(&r, o) : trust_change(&r, o, !strcmp(verb, "add"));
	registry_close(&r);
	sign_shutdown();
	return rc;
}

/* ---- advisories ---- */

static int advisory_list(struct registry *r, const struct reg_opts *o)
{
	static const struct table_col cols[] = { { "id", 'n' }, { "vendor", 's' }, { "model", 's' }, { "firmware", 's' },
						 { "reference", 's' }, { "url", 'o' }, { "state", 's' }, { "added", 's' },
						 { "added_by", 's' }, { "closed", 'o' }, { "closed_by", 'o' }, { "closed_why", 'o' } };
	struct reg_advisory *a;
	size_t n;
	struct table t;

	if (r->st->ops->advisories(r->st, &a, &n) < 0) {
		fprintf(stderr, "keur registry: %s\n", store_why(r->st));
		return EXIT_INCONC;
	}
	table_init(&t, cols, ARRAY_SIZE(cols));
	for (size_t i = 0; i < n; i++) {
		char id[24];
		snprintf(id, sizeof(id), "%lld", (long long)a[i].id);
		const char *v[] = { id, a[i].vendor, a[i].model, a[i].firmware, a[i].reference, a[i].url,
				    a[i].closed_at ? "closed" : "open", a[i].added_at, a[i].added_by, a[i].closed_at,
				    a[i].closed_by, a[i].closed_why };
		table_row(&t, v);
	}
	table_print(stdout, &t, o->fmt, "advisories", NULL);
	table_release(&t);
	reg_advisories_free(a, n);
	return EXIT_OK;
}

static int reg_advisory(const struct reg_opts *o)
{
	struct registry r;
	char now[32];
	int rc;
	const char *verb = o->nargs ? o->args[0] : "";

	if (!strcmp(verb, "add")) {
		if (!o->vendor || !o->model || !o->firmware || !o->reference || o->nargs != 1)
			return cli_usage_error("registry advisory add: --vendor, --model, --firmware RANGE and --reference are needed");
		if (strchr(o->reference, ','))
			return cli_usage_error("registry advisory add: --reference is one ID (a CVE, a CERT's advisory), "
					       "without commas: add one advisory per reference");
		if (fw_in_range("0", o->firmware) < 0)
			return cli_usage_error("registry advisory add: --firmware '%s' is not a range: \"*\", or terms like "
					       "\"1.2.0\", \"<2.0\" or \">=1.0,<1.4.2\"", o->firmware);
	} else if (!strcmp(verb, "close")) {
		if (o->nargs != 2 || !o->reason || strspn(o->args[1], "0123456789") != strlen(o->args[1]))
			return cli_usage_error("registry advisory close: the advisory's number and --reason TEXT are needed");
	} else if (strcmp(verb, "list")) {
		return cli_usage_error("registry advisory: add, close or list, not '%s'", verb);
	}
	if ((rc = reg_open(o, &r)))
		return rc;
	struct store *st = r.st;
	if (!strcmp(verb, "list")) {
		rc = advisory_list(&r, o);
	} else if (!strcmp(verb, "add")) {
		struct reg_advisory a = { .vendor = (char *)o->vendor, .model = (char *)o->model, .firmware = (char *)o->firmware,
					  .reference = (char *)o->reference, .url = (char *)o->url,
					  .added_at = now_iso(now, sizeof(now)), .added_by = (char *)o->by };
		int64_t id;
		rc = st->ops->begin(st) < 0 || st->ops->advisory_add(st, &a, &id) < 0 || st->ops->commit(st) < 0;
		if (rc)
			fprintf(stderr, "keur registry: %s\n", store_why(st));
		else
			printf("advisory %lld: %s %s firmware %s: %s\n", (long long)id, o->vendor, o->model, o->firmware, o->reference);
		rc = rc ? EXIT_INCONC : EXIT_OK;
	} else {
		int64_t id = atoll(o->args[1]);
		rc = st->ops->begin(st) < 0 || st->ops->advisory_close(st, id, now_iso(now, sizeof(now)), o->by, o->reason) < 0 ||
		     st->ops->commit(st) < 0;
		if (rc)
			fprintf(stderr, "keur registry: advisory close: %s\n", store_why(st));
		else
			printf("advisory %lld closed: %s\n", (long long)id, o->reason);
		rc = rc ? EXIT_FAILED : EXIT_OK;
	}
	st->ops->rollback(st);
	registry_close(&r);
	return rc;
}

/* ---- queries ---- */

static int monitor_open(const struct reg_opts *o, int verdicts, struct registry *r, struct monitor *m)
{
	char why[600];
	int rc;

	if ((rc = reg_open(o, r)))
		return rc;
	if (monitor_load(r->st, o->today, verdicts, m, why, sizeof(why)) < 0) {
		fprintf(stderr, "keur registry: %s\n", why);
		registry_close(r);
		return EXIT_INCONC;
	}
	return 0;
}

/* The references of the open advisories that cover a row, comma-separated; caller frees. */
static char *adv_refs(const struct mon_row *w)
{
	struct strbuf sb;

	sb_init(&sb);
	sb_adds(&sb, "");
	for (size_t i = 0; i < w->nadv; i++)
		sb_addf(&sb, "%s%s", i ? "," : "", w->adv[i]->reference);
	return sb_detach(&sb);
}

static const struct table_col list_cols[] = {
	{ "id", 'n' }, { "vendor", 's' }, { "model", 's' }, { "firmware", 's' }, { "profile", 's' }, { "level", 's' },
	{ "status", 'l' }, { "support_end", 'o' }, { "advisories", 'l' }, { "lab", 's' }, { "tested", 's' },
	{ "report_id", 's' }, { "sha256", 's' },
};

static void list_row(struct table *t, const struct mon_row *w)
{
	char id[24], st[128], *adv = adv_refs(w);

	snprintf(id, sizeof(id), "%lld", (long long)w->r->id);
	const char *v[] = { id, w->r->vendor, w->r->model, w->r->firmware, w->as->profile, w->as->level,
			    mon_status(w->flags, st, sizeof(st)), w->r->support_end, adv, w->r->lab, w->r->finished,
			    w->r->report_id, w->r->sha256 };
	table_row(t, v);
	free(adv);
}

static int reg_list(const struct reg_opts *o)
{
	struct registry r;
	struct monitor m;
	struct table t;
	int rc, want = 0;

	if (o->status && (want = mon_status_flag(o->status)) < 0)
		return cli_usage_error("registry list: --status is one of %s, not '%s'", ST_NAMES, o->status);
	if ((rc = monitor_open(o, 0, &r, &m)))
		return rc;
	table_init(&t, list_cols, ARRAY_SIZE(list_cols));
	for (size_t i = 0; i < m.nrows; i++) {
		const struct mon_row *w = &m.rows[i];
		char levels[300];
		snprintf(levels, sizeof(levels), " %s ", w->as->levels_reached);
		char key[80];
		snprintf(key, sizeof(key), " %s ", o->level ? o->level : "");
		if ((w->flags & ST_SUPERSEDED) && !o->all && want != ST_SUPERSEDED)
			continue;
		if (o->vendor && strcmp(o->vendor, w->r->vendor))
			continue;
		if (o->level && strcmp(o->level, w->as->level) && !strstr(levels, key))
			continue;
		if (o->status && (want ? !(w->flags & (unsigned)want) : (w->flags & ~(unsigned)ST_SUPERSEDED) != 0))
			continue;
		list_row(&t, w);
	}
	table_print(stdout, &t, o->fmt, "list", m.today);
	table_release(&t);
	monitor_release(&m);
	registry_close(&r);
	return EXIT_OK;
}

/* ---- show ---- */

/* The report that id names: a report's number, its ID (KEUR-...), or the start (8 or more hex
 * digits) of its report.xml's SHA-256, which may be all digits too.  NULL with the reason said
 * when none does, or when a start fits more than one. */
static const struct reg_report *report_named(const struct reg_report *r, size_t n, const char *id, const char *verb)
{
	size_t l = strlen(id), hits = 0;
	const struct reg_report *p = NULL;

	for (size_t i = 0; i < n; i++)
		if ((strspn(id, "0123456789") == l && l < 19 && r[i].id == atoll(id)) ||
		    (r[i].report_id && !strcmp(r[i].report_id, id)))
			return &r[i];
	for (size_t i = 0; l >= 8 && strspn(id, "0123456789abcdef") == l && i < n; i++)
		if (!strncmp(r[i].sha256, id, l) && !hits++)
			p = &r[i];
	if (hits > 1)
		fprintf(stderr, "keur registry: %s: '%s' starts the SHA-256 of %zu reports: give more of it\n", verb, id, hits);
	else if (!p)
		fprintf(stderr, "keur registry: %s: no stored report is '%s'\n", verb, id);
	return hits == 1 ? p : NULL;
}

static cJSON *json_str(const char *s)
{
	return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static void show_text(const struct monitor *m, const struct reg_report *p)
{
	char st[128];

	printf("product   %s %s\n", p->vendor, p->model);
	printf("today     %s\n", m->today);
	for (size_t i = 0; i < m->nrows; i++) {
		const struct mon_row *w = &m->rows[i];
		if (strcmp(w->r->vendor, p->vendor) || strcmp(w->r->model, p->model))
			continue;
		printf("\nreport #%lld  %s  firmware %s  profile %s %s\n", (long long)w->r->id, w->r->report_id,
		       w->r->firmware[0] ? w->r->firmware : "not stated", w->as->profile, w->as->profile_version);
		printf("  level        %s", w->as->level);
		if (w->as->levels_reached[0])
			printf("  (levels reached: %s)", w->as->levels_reached);
		printf("\n");
		printf("  status       %s", mon_status(w->flags, st, sizeof(st)));
		if (w->newer)
			printf(" (by report #%lld, tested %s)", (long long)w->newer->id, w->newer->finished);
		printf("\n  label        automatic updates %s; supported until %s; works offline %s\n", w->as->updates,
		       w->as->support, w->as->offline);
		printf("  support end  %s%s\n", w->r->support_end ? w->r->support_end : "not declared",
		       w->flags & ST_SUPPORT_ENDED ? " (ended)" : "");
		char *adv = adv_refs(w);
		if (adv[0])
			printf("  advisories   %s\n", adv);
		free(adv);
		printf("  tested       %s by lab %s%s (signed by '%s'), operator %s\n", w->r->finished, w->r->lab,
		       w->r->lab_trusted ? "" : " (no longer trusted)", w->r->signer, w->r->operator_name ? w->r->operator_name : "-");
		if (w->r->selection)
			printf("  selection    %s\n", w->r->selection);
		printf("  stored       %s by %s; report.xml SHA-256 %s; %zu file(s)\n", w->r->added_at, w->r->added_by,
		       w->r->sha256, w->r->nfiles);
		for (size_t k = 0; k < w->as->nv; k++)
			printf("    %-8s %-28s %s%s%s\n", w->as->v[k].verdict, w->as->v[k].req, w->as->v[k].kind,
			       w->as->v[k].decided_by ? ", decided by " : "", w->as->v[k].decided_by ? w->as->v[k].decided_by : "");
	}
	int any = 0;
	for (size_t i = 0; i < m->na; i++) {
		const struct reg_advisory *a = &m->a[i];
		if (strcmp(a->vendor, p->vendor) || strcmp(a->model, p->model))
			continue;
		if (!any++)
			printf("\nadvisories\n");
		printf("  %lld  %s  firmware %s  %s  recorded %s by %s", (long long)a->id, a->reference, a->firmware,
		       a->closed_at ? "closed" : "open", a->added_at, a->added_by);
		if (a->url)
			printf("  %s", a->url);
		if (a->closed_at)
			printf("  (closed %s by %s: %s)", a->closed_at, a->closed_by, a->closed_why);
		printf("\n");
	}
}

static void show_json(const struct monitor *m, const struct reg_report *p)
{
	cJSON *o = cJSON_CreateObject(), *reps = cJSON_CreateArray(), *advs = cJSON_CreateArray();
	char st[128];

	cJSON_AddNumberToObject(o, "keur-registry", REGISTRY_FORMAT_VERSION);
	cJSON_AddStringToObject(o, "kind", "product");
	cJSON_AddStringToObject(o, "today", m->today);
	cJSON_AddStringToObject(o, "vendor", p->vendor);
	cJSON_AddStringToObject(o, "model", p->model);
	for (size_t i = 0; i < m->nrows; i++) {
		const struct mon_row *w = &m->rows[i];
		if (strcmp(w->r->vendor, p->vendor) || strcmp(w->r->model, p->model))
			continue;
		cJSON *j = cJSON_CreateObject(), *flags = cJSON_CreateArray(), *vs = cJSON_CreateArray(), *ad = cJSON_CreateArray();
		cJSON_AddNumberToObject(j, "id", (double)w->r->id);
		cJSON_AddItemToObject(j, "report_id", json_str(w->r->report_id));
		cJSON_AddStringToObject(j, "sha256", w->r->sha256);
		cJSON_AddStringToObject(j, "firmware", w->r->firmware);
		cJSON_AddStringToObject(j, "profile", w->as->profile);
		cJSON_AddItemToObject(j, "profile_version", json_str(w->as->profile_version));
		cJSON_AddStringToObject(j, "level", w->as->level);
		mon_status(w->flags, st, sizeof(st));
		const char *p2 = st;
		char *item;
		while ((item = list_next(&p2))) {
			cJSON_AddItemToArray(flags, cJSON_CreateString(item));
			free(item);
		}
		cJSON_AddItemToObject(j, "status", flags);
		if (w->newer)
			cJSON_AddNumberToObject(j, "superseded_by", (double)w->newer->id);
		cJSON_AddItemToObject(j, "automatic_updates", json_str(w->as->updates));
		cJSON_AddItemToObject(j, "supported_until", json_str(w->as->support));
		cJSON_AddItemToObject(j, "works_offline", json_str(w->as->offline));
		cJSON_AddItemToObject(j, "support_end", json_str(w->r->support_end));
		cJSON_AddStringToObject(j, "lab", w->r->lab);
		cJSON_AddBoolToObject(j, "lab_trusted", w->r->lab_trusted);
		cJSON_AddStringToObject(j, "signed_by", w->r->signer);
		cJSON_AddStringToObject(j, "tested", w->r->finished);
		cJSON_AddStringToObject(j, "stored", w->r->added_at);
		for (size_t k = 0; k < w->nadv; k++)
			cJSON_AddItemToArray(ad, cJSON_CreateString(w->adv[k]->reference));
		cJSON_AddItemToObject(j, "advisories", ad);
		for (size_t k = 0; k < w->as->nv; k++) {
			cJSON *v = cJSON_CreateObject();
			cJSON_AddStringToObject(v, "requirement", w->as->v[k].req);
			cJSON_AddStringToObject(v, "kind", w->as->v[k].kind);
			cJSON_AddStringToObject(v, "verdict", w->as->v[k].verdict);
			cJSON_AddItemToObject(v, "decided_by", json_str(w->as->v[k].decided_by));
			cJSON_AddItemToArray(vs, v);
		}
		cJSON_AddItemToObject(j, "verdicts", vs);
		cJSON_AddItemToArray(reps, j);
	}
	cJSON_AddItemToObject(o, "reports", reps);
	for (size_t i = 0; i < m->na; i++) {
		const struct reg_advisory *a = &m->a[i];
		if (strcmp(a->vendor, p->vendor) || strcmp(a->model, p->model))
			continue;
		cJSON *j = cJSON_CreateObject();
		cJSON_AddNumberToObject(j, "id", (double)a->id);
		cJSON_AddStringToObject(j, "reference", a->reference);
		cJSON_AddStringToObject(j, "firmware", a->firmware);
		cJSON_AddItemToObject(j, "url", json_str(a->url));
		cJSON_AddStringToObject(j, "state", a->closed_at ? "closed" : "open");
		cJSON_AddItemToArray(advs, j);
	}
	cJSON_AddItemToObject(o, "advisories", advs);
	char *s = cJSON_Print(o);
	printf("%s\n", s);
	free(s);
	cJSON_Delete(o);
}

static void show_csv(const struct monitor *m, const struct reg_report *p)
{
	static const struct table_col cols[] = { { "id", 'n' }, { "firmware", 's' }, { "profile", 's' }, { "level", 's' },
						 { "status", 'l' }, { "requirement", 's' }, { "kind", 's' },
						 { "verdict", 's' }, { "decided_by", 'o' } };
	struct table t;
	char id[24], st[128];

	table_init(&t, cols, ARRAY_SIZE(cols));
	for (size_t i = 0; i < m->nrows; i++) {
		const struct mon_row *w = &m->rows[i];
		if (strcmp(w->r->vendor, p->vendor) || strcmp(w->r->model, p->model))
			continue;
		snprintf(id, sizeof(id), "%lld", (long long)w->r->id);
		mon_status(w->flags, st, sizeof(st));
		for (size_t k = 0; k < w->as->nv; k++) {
			const char *v[] = { id, w->r->firmware, w->as->profile, w->as->level, st, w->as->v[k].req,
					    w->as->v[k].kind, w->as->v[k].verdict, w->as->v[k].decided_by };
			table_row(&t, v);
		}
	}
	table_print(stdout, &t, FMT_CSV, "verdicts", m->today);
	table_release(&t);
}

static int reg_show(const struct reg_opts *o)
{
	struct registry r;
	struct monitor m;
	const struct reg_report *p = NULL;
	int rc;

	if (o->nargs != 1)
		return cli_usage_error("registry show: name one report: its number, its ID (KEUR-...) or its SHA-256's start");
	if ((rc = monitor_open(o, 1, &r, &m)))
		return rc;
	if (!(p = report_named(m.r, m.nr, o->args[0], "show")))
		rc = EXIT_FAILED;
	else if (o->fmt == FMT_JSON) {
		show_json(&m, p);
	} else if (o->fmt == FMT_CSV) {
		show_csv(&m, p);
	} else {
		show_text(&m, p);
	}
	monitor_release(&m);
	registry_close(&r);
	return rc;
}

/* keur registry get: a stored report's files, as they were signed, into a new directory, each
 * checked against its SHA-256 on the way out, so that keur verify can check them again. */
static int reg_get(const struct reg_opts *o)
{
	struct registry r;
	struct reg_report *all;
	size_t n;
	const struct reg_report *p = NULL;
	int rc;

	if (o->nargs != 1 || !o->out)
		return cli_usage_error("registry get: name one report and -o DIR");
	if ((rc = reg_open(o, &r)))
		return rc;
	if (r.st->ops->reports(r.st, 0, &all, &n) < 0) {
		fprintf(stderr, "keur registry: %s\n", store_why(r.st));
		registry_close(&r);
		return EXIT_INCONC;
	}
	if (!(p = report_named(all, n, o->args[0], "get")))
		rc = EXIT_FAILED;
	else if (mkdir(o->out, 0755) < 0) {
		fprintf(stderr, "keur registry: get: cannot make %s: %s%s\n", o->out, strerror(errno),
			errno == EEXIST ? " (get writes into a new directory)" : "");
		rc = EXIT_USAGE;
	}
	for (size_t i = 0; p && !rc && i < p->nfiles; i++) {
		const struct reg_file *f = &p->files[i];
		char *from = registry_blob_path(&r, f->sha256), *to = path_join(o->out, f->path), *dir = path_dir(to), sha[65];
		int64_t size;
		int e = mkdir_p(dir, 0755);
		if (!e)
			e = file_copy(from, to, INT64_MAX, sha, &size);
		if (e < 0)
			fprintf(stderr, "keur registry: get: %s: %s\n", f->path, strerror(-e));
		else if (strcmp(sha, f->sha256))
			fprintf(stderr, "keur registry: get: the file store's copy of %s has changed since it was stored "
				"(SHA-256 %.16s… now, %.16s… stored)\n", f->path, sha, f->sha256);
		rc = e < 0 || strcmp(sha, f->sha256) ? EXIT_INCONC : 0;
		free(from);
		free(to);
		free(dir);
	}
	if (p && !rc)
		printf("report #%lld (%s %s firmware %s): %zu file(s) in %s, as lab %s signed them; keur verify %s --ca "
		       "CA.pem checks them again\n", (long long)p->id, p->vendor, p->model, p->firmware, p->nfiles, o->out, p->lab,
		       o->out);
	reg_reports_free(all, n);
	registry_close(&r);
	return rc;
}

/* ---- vendors and stats ---- */

/* How many of a vendor's current assessments reached each level, in the order first seen. */
struct level_tally {
	const char *level;	/* the monitor's string */
	int n;
};

struct vendor_sum {
	const char *vendor;
	int products, current, failing, ended, untrusted, advisories;
	struct level_tally *levels;
	size_t nlevels;
};

static void level_count(struct vendor_sum *v, const char *level)
{
	for (size_t i = 0; i < v->nlevels; i++)
		if (!strcmp(v->levels[i].level, level)) {
			v->levels[i].n++;
			return;
		}
	v->levels = xrealloc(v->levels, (v->nlevels + 1) * sizeof(*v->levels));
	v->levels[v->nlevels++] = (struct level_tally){ level, 1 };
}

/* "basic 2,none 1": the levels as one list field. */
static char *levels_text(const struct vendor_sum *v)
{
	struct strbuf o;

	sb_init(&o);
	sb_adds(&o, "");
	for (size_t i = 0; i < v->nlevels; i++)
		sb_addf(&o, "%s%s %d", i ? "," : "", v->levels[i].level, v->levels[i].n);
	return sb_detach(&o);
}

static int reg_vendors(const struct reg_opts *o)
{
	static const struct table_col cols[] = { { "vendor", 's' }, { "products", 'n' }, { "assessed", 'n' },
						 { "levels", 'l' }, { "failing", 'n' }, { "share_failing", 's' },
						 { "support_ended", 'n' }, { "open_advisories", 'n' }, { "untrusted", 'n' } };
	struct registry r;
	struct monitor m;
	struct table t;
	int rc;

	if ((rc = monitor_open(o, 0, &r, &m)))
		return rc;
	table_init(&t, cols, ARRAY_SIZE(cols));
	for (size_t i = 0; i < m.nrows;) {
		struct vendor_sum v = { .vendor = m.rows[i].r->vendor };
		const char *model = NULL;
		for (; i < m.nrows && !strcmp(m.rows[i].r->vendor, v.vendor); i++) {
			const struct mon_row *w = &m.rows[i];
			if (!model || strcmp(model, w->r->model))
				v.products++;
			model = w->r->model;
			if (w->flags & ST_SUPERSEDED)
				continue;
			v.current++;
			v.failing += !!(w->flags & ST_FAILING);
			v.ended += !!(w->flags & ST_SUPPORT_ENDED);
			v.untrusted += !!(w->flags & ST_UNTRUSTED);
			level_count(&v, w->as->level);
		}
		for (size_t k = 0; k < m.na; k++)
			v.advisories += !m.a[k].closed_at && !strcmp(m.a[k].vendor, v.vendor);
		char n[6][24], share[16], *lv = levels_text(&v);
		snprintf(n[0], sizeof(n[0]), "%d", v.products);
		snprintf(n[1], sizeof(n[1]), "%d", v.current);
		snprintf(n[2], sizeof(n[2]), "%d", v.failing);
		snprintf(n[3], sizeof(n[3]), "%d", v.ended);
		snprintf(n[4], sizeof(n[4]), "%d", v.advisories);
		snprintf(n[5], sizeof(n[5]), "%d", v.untrusted);
		snprintf(share, sizeof(share), "%d%%", v.current ? (v.failing * 100 + v.current / 2) / v.current : 0);
		const char *row[] = { v.vendor, n[0], n[1], lv, n[2], share, n[3], n[4], n[5] };
		table_row(&t, row);
		free(lv);
		free(v.levels);
	}
	table_print(stdout, &t, o->fmt, "vendors", m.today);
	table_release(&t);
	monitor_release(&m);
	registry_close(&r);
	return EXIT_OK;
}

static int reg_stats(const struct reg_opts *o)
{
	static const struct table_col cols[] = { { "figure", 's' }, { "value", 'n' } };
	struct registry r;
	struct monitor m;
	struct table t;
	struct reg_lab *labs;
	size_t nlabs, trusted = 0, current = 0, flags[6] = { 0 }, products = 0, vendors = 0, open = 0;
	int64_t bytes = 0;
	int rc;

	if ((rc = monitor_open(o, 0, &r, &m)))
		return rc;
	if (r.st->ops->labs(r.st, &labs, &nlabs) < 0) {
		fprintf(stderr, "keur registry: %s\n", store_why(r.st));
		monitor_release(&m);
		registry_close(&r);
		return EXIT_INCONC;
	}
	for (size_t i = 0; i < nlabs; i++)
		trusted += labs[i].trusted != 0;
	for (size_t i = 0; i < m.nrows; i++) {
		const struct mon_row *w = &m.rows[i], *prev = i ? &m.rows[i - 1] : NULL;
		vendors += !prev || strcmp(prev->r->vendor, w->r->vendor);
		products += !prev || strcmp(prev->r->vendor, w->r->vendor) || strcmp(prev->r->model, w->r->model);
		current += !(w->flags & ST_SUPERSEDED);
		for (int k = 0; k < 6; k++)
			flags[k] += (w->flags & (1u << k)) && (k == 5 || !(w->flags & ST_SUPERSEDED));
	}
	for (size_t i = 0; i < m.na; i++)
		open += !m.a[i].closed_at;
	for (size_t i = 0; i < m.nr; i++)
		for (size_t k = 0; k < m.r[i].nfiles; k++)
			bytes += m.r[i].files[k].size;
	const struct { const char *name; long long v; } fig[] = {
		{ "reports", (long long)m.nr }, { "assessments", (long long)m.nrows }, { "current", (long long)current },
		{ "superseded", (long long)flags[5] }, { "vendors", (long long)vendors }, { "products", (long long)products },
		{ "failing", (long long)flags[0] }, { "undetermined", (long long)flags[1] },
		{ "support_ended", (long long)flags[2] }, { "with_open_advisory", (long long)flags[3] },
		{ "untrusted", (long long)flags[4] }, { "open_advisories", (long long)open },
		{ "advisories", (long long)m.na }, { "labs_trusted", (long long)trusted },
		{ "labs_untrusted", (long long)(nlabs - trusted) }, { "bytes_stored", (long long)bytes },
	};
	table_init(&t, cols, ARRAY_SIZE(cols));
	for (size_t i = 0; i < ARRAY_SIZE(fig); i++) {
		char v[24];
		snprintf(v, sizeof(v), "%lld", fig[i].v);
		const char *row[] = { fig[i].name, v };
		table_row(&t, row);
	}
	table_print(stdout, &t, o->fmt, "stats", m.today);
	table_release(&t);
	reg_labs_free(labs, nlabs);
	monitor_release(&m);
	registry_close(&r);
	return EXIT_OK;
}

int cmd_registry(int argc, char **argv)
{
	struct reg_opts o;
	const char *verb = argc > 1 ? argv[1] : "";
	int rc;

	if (!strcmp(verb, "--help") || !strcmp(verb, "-h") || !strcmp(verb, "help")) {
		fputs(registry_help, stdout);
		return EXIT_OK;
	}
	if ((rc = opts_parse(argc - 1, argv + 1, &o, verb)) < 0) {
		fputs(registry_help, stdout);
		return EXIT_OK;
	}
	if (rc)
		return rc;
	if (!strcmp(verb, "add"))
		return reg_add(&o);
	if (!strcmp(verb, "trust"))
		return reg_trust(&o);
	if (!strcmp(verb, "advisory"))
		return reg_advisory(&o);
	if (!strcmp(verb, "list"))
		return o.nargs ? cli_usage_error("registry list: no arguments, only options") : reg_list(&o);
	if (!strcmp(verb, "show"))
		return reg_show(&o);
	if (!strcmp(verb, "get"))
		return reg_get(&o);
	if (!strcmp(verb, "vendors"))
		return reg_vendors(&o);
	if (!strcmp(verb, "stats"))
		return reg_stats(&o);
	return cli_usage_error("registry: add, trust, advisory, list, show, get, vendors or stats, not '%s'", verb);
}

int cmd_bundle(int argc, char **argv)
{
	struct reg_opts o;
	char why[600];
	int rc = opts_parse(argc, argv, &o, "bundle");

	if (rc < 0) {
		fputs(bundle_help, stdout);
		return EXIT_OK;
	}
	if (rc)
		return rc;
	if (o.nargs != 1 || !o.out)
		return cli_usage_error("bundle: RUN-DIR and -o FILE are needed");
	if (bundle_write(o.args[0], o.out, why, sizeof(why)) < 0) {
		fprintf(stderr, "keur bundle: %s\n", why);
		return EXIT_FAILED;
	}
	printf("bundle %s: %s, ready for keur registry add\n", o.out, o.args[0]);
	return EXIT_OK;
}
