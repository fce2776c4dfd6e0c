/* cli.c — the commands: run, list, lint, report, label, sign, verify, lab. */
#include "cli.h"
#include "contain.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "case.h"
#include "ics.h"
#include "input.h"
#include "journal.h"
#include "lab.h"
#include "plan.h"
#include "reports.h"
#include "registry.h"
#include "results.h"
#include "tree.h"
#include "review.h"
#include "runner.h"
#include "scope.h"
#include "util.h"
#include "xmlin.h"

static const char usage_text[] =
	"usage: keur COMMAND [OPTIONS]\n"
	"\n"
	"keur is a certification test harness for connected devices (MQTT, CoAP, Modbus).\n"
	"\n"
	"commands:\n"
	"  run --dut D [--profile P [--ics FILE]] [--lab L] [--out DIR] [--only CASE,..] [--level L]\n"
	"                        run the cases; TAP on stdout, results in DIR\n"
	"  run --resume DIR      finish an interrupted run\n"
	"  list [--profile P] [--dut D] [--lab L] [--only CASE,..] [--level L]\n"
	"                        the cases, or the plan a profile and DUT resolve to\n"
	"  lint FILE...          validate profile, DUT and lab files\n"
	"  list --profile P --matrix [--csv]   requirement x case matrix of a profile\n"
	"  list --profile P --requirement ID   one requirement: the assessor's guidance, its decision tree\n"
	"  report DIR            rewrite DIR/results.tap, junit.xml, oscal.xml, report.xml (unless\n"
	"                        signed), label.svg and report.html from DIR/journal\n"
	"  label DIR             write DIR/label.svg: level reached and the label's fields\n"
	"  sign DIR --key K --cert C   sign DIR/report.xml (enveloped XMLDSig, ECDSA or RSA, SHA-256)\n"
	"  verify DIR|REPORT [--ca CA] check the signature, the chain to CA and every evidence hash\n"
	"  lab up [--dir DIR] [--duts N] [--name NAME] [--flaw [I:]NAME]...   build the simulated lab (root)\n"
	"  lab down [--dir DIR]  remove it, also after a crash\n"
	"  lab power on|off --dut ID [--dir DIR]                cycle a simulated device\n"
	"  lab reflash --dut ID --firmware V [--dir DIR]        set a simulated device's firmware\n"
	"  campaign [--profile P] [--lab L] [--out DIR] DUT...   one run per DUT, all at once\n"
	"  campaign --resume DIR finish a campaign's interrupted runs\n"
	"  ics template --profile P   an implementation conformance statement (ICS) to fill in\n"
	"  review DIR            on a terminal: the guided review, one open requirement at a time\n"
	"  review template DIR   a review file for the requirements still open for a person\n"
	"  review DIR --with FILE     record the assessor's review; rewrites the outputs\n"
	"  image info IMAGE      an update image's format, version(s) and signer (kfw1, swu, mender, raucb)\n"
	"  image forge IMAGE --out DIR   the forged images the UPDATE cases would offer, with a manifest\n"
	"  bundle DIR -o FILE    the signed report, journal and evidence in one file, for a registry\n"
	"  registry add|trust|advisory|list|show|get|vendors|stats [--db DB]   collect signed reports\n"
	"                        from many labs, verify them, and show which products fall short\n"
	"\n"
	"exit codes: 0 every mandatory requirement passed, 1 some failed,\n"
	"            2 bad command line or input file, 3 inconclusive (lab or harness problem,\n"
	"            or the assessor's review still awaited)\n"
	"`keur COMMAND --help` says more; man keur has it all.  P is a profile file, or the name of a\n"
	"bundled profile (listed below).  --version prints keur's version.\n";

static const char run_help[] =
	"usage: keur run --dut D [--profile P [--ics FILE]] [--lab L] [--out DIR] [--only CASE,..] [--level L]\n"
	"       keur run --resume DIR\n"
	"\n"
	"  --dut D        the DUT description (what the manufacturer declares)\n"
	"  --profile P    the profile (requirements and the cases behind them): a file, or the name\n"
	"                 of a bundled profile (keur --help lists them); without it every\n"
	"                 case that applies to the DUT runs and each counts for the exit code\n"
	"  --lab L        the lab description (scope, fixtures); without it only loopback is in scope\n"
	"  --out DIR      where the journal, reports and evidence go\n"
	"                 (default ./keur-out/DUT-ID-UTCTIME; must not hold a run already)\n"
	"  --only LIST    run only these cases (comma-separated IDs)\n"
	"  --level L      only the requirements of this profile level and those it includes; the\n"
	"                 level reached is then at most L\n"
	"  --deadline-scale F  multiply every case's deadline by F (0.1 to 100), for slow devices\n"
	"  --resume DIR   finish a run that was interrupted; finished cases are not run again\n"
	"  --tap-version N  13 or 14 (default): the version line of the TAP stream; 13 for\n"
	"                 harnesses that stop at TAP 13, such as prove from Test::Harness 3.44\n"
	"  --operator NAME  who runs the cases, for the report (default $KEUR_OPERATOR, else the\n"
	"                 login name)\n"
	"  --sign-key K --sign-cert C  sign report.xml at the end (as keur sign does); the key is\n"
	"                 checked before the first case\n"
	"  --ics FILE     the manufacturer's implementation conformance statement for the profile\n"
	"                 (keur ics template); default: the one the DUT description names\n"
	"  -v, --verbose  show each case's own output as TAP comments\n"
	"  --no-progress  no progress lines on stderr (they appear only on a terminal anyway)\n"
	"Run as root, each case process gives root up before it talks to the DUT: it becomes the\n"
	"lab description's case-user, else _keur, else nobody, without groups or capabilities\n"
	"(keur(1), \"keur run\"); the reports record what each case ran as.\n";

/* After the usage: what this installation has, found where it is installed. */
static void usage_data(void)
{
	const char *data = keur_data_dir();
	char *names = profile_bundled();

	if (names)
		printf("bundled profiles (in %s/profiles): %s\n", data, names);
	else
		printf("bundled profiles: none found (keur looks in BINDIR/../share/keur/profiles)\n");
	/* Installed, the schemas are in DATA/schemas; in a checkout, in profiles/ and reports/. */
	if (data) {
		char *sch = xasprintf("%s/schemas", data);
		if (access(sch, F_OK) == 0)
			printf("formats: the XSDs in %s, and man keur\n", sch);
		else
			printf("formats: the XSDs in %s/profiles (inputs) and %s/reports (report.xml), and docs/formats.md\n",
			       data, data);
		free(sch);
	}
	free(names);
}

int cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "keur: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(see `keur --help`)\n");
	return EXIT_USAGE;
}

static char *abs_path(const char *p)
{
	char buf[PATH_MAX];

	if (p && realpath(p, buf))
		return xstrdup(buf);
	return p ? xstrdup(p) : NULL;
}

#define MAX_PROFILES 16

struct run_args {
	const char *profile;	/* the first --profile, or NULL */
	const char *profiles[MAX_PROFILES];	/* every --profile, in order */
	size_t nprofiles;
	const char *dut, *lab, *out, *resume, *tapv, *operator, *ics;
	const char *sign_key, *sign_cert;
	struct plan_opts plan;
	int verbose, progress;
	int matrix, csv, list_profiles;	/* keur list only */
	const char *requirement;	/* keur list only */
};

/* ---- loading everything a run needs ---- */

struct inputs {
	struct keur_profile *profiles[MAX_PROFILES];
	size_t nprofiles;
	struct keur_profile *profile;	/* the first, or NULL */
	struct keur_dut *dut;
	struct keur_lab *lab;
	struct keur_ics *ics;	/* NULL: none given */
	struct plan plan;
};

static void inputs_release(struct inputs *in)
{
	plan_release(&in->plan);
	for (size_t i = 0; i < in->nprofiles; i++)
		profile_free(in->profiles[i]);
	dut_free(in->dut);
	lab_free(in->lab);
	ics_free(in->ics);
	memset(in, 0, sizeof(*in));
}

/* The ICS names the product it is about: it must be the DUT's. */
static void ics_product_check(const struct keur_ics *ics, const struct keur_dut *d, struct input_errors *err)
{
	const struct { const char *what, *ics, *dut; } f[] = {
		{ "vendor", ics->vendor, d->vendor }, { "model", ics->model, d->model }, { "firmware", ics->firmware, d->firmware },
	};

	for (size_t i = 0; i < ARRAY_SIZE(f); i++)
		if (f[i].ics && f[i].ics[0] && f[i].dut && strcmp(f[i].ics, f[i].dut))
			input_err_add(err, "%s: the ICS is for %s '%s', the DUT description's is '%s'", ics->path,
					  f[i].what, f[i].ics, f[i].dut);
}

/* An ICS answers one profile: the one of the run it names. */
static void ics_load_for(struct inputs *in, const char *ics, struct input_errors *err)
{
	const struct keur_profile *p = in->nprofiles == 1 ? in->profile : NULL;
	size_t nerr = err->n;

	/* Read once; then checked against the profile it names (with one profile, that one). */
	if (ics_load(ics, NULL, &in->ics, err) < 0)
		return;
	for (size_t i = 0; i < in->nprofiles && !p; i++)
		if (!strcmp(in->profiles[i]->id, in->ics->profile))
			p = in->profiles[i];
	if (p) {
		ics_check(in->ics, p, err);
	} else {
		char *ids = profile_ids(in->profiles, in->nprofiles);
		input_err_add(err, "%s: the ICS answers profile '%s', which is not among the run's profiles (%s)", ics,
			      in->ics->profile, ids);
		free(ids);
	}
	if (err->n == nerr)
		ics_product_check(in->ics, in->dut, err);
}

/* ics: the ICS file (--ics), or NULL for the one the DUT description names, if any. */
static int inputs_load(struct inputs *in, const char *const *profiles, size_t nprofiles, const char *dut,
		       const char *lab, const char *ics, const struct plan_opts *opts)
{
	struct input_errors err = { 0 };

	memset(in, 0, sizeof(*in));
	for (size_t i = 0; i < nprofiles && i < MAX_PROFILES; i++)
		if (profile_load(profiles[i], &in->profiles[in->nprofiles], &err) == 0)
			in->nprofiles++;
	in->profile = in->nprofiles ? in->profiles[0] : NULL;
	dut_load(dut, &in->dut, &err);
	if (lab)
		lab_load(lab, &in->lab, &err);
	else
		in->lab = lab_default();
	if (!ics && in->dut && in->profile)
		ics = in->dut->ics;
	if (ics && err.n == 0)
		ics_load_for(in, ics, &err);
	if (err.n == 0 && in->dut && in->lab)
		scope_check_dut(in->lab, in->dut, &err);
	if (err.n == 0)
		plan_build(in->profiles, in->nprofiles, in->dut, in->lab, opts, &in->plan, &err);
	if (err.n) {
		input_errors_print(&err);
		input_errors_release(&err);
		inputs_release(in);
		return -1;
	}
	return 0;
}

/* ---- the journal's header: everything the reports need, no secrets ---- */

static void header_records(const struct inputs *in, const char *outdir, const struct run_args *a,
			   int64_t started, const char *ics_ev, struct jrecs *rs)
{
	const struct plan_opts *opts = &a->plan;
	const char *tapv = a->tapv;
	const struct keur_dut *d = in->dut;
	const struct keur_lab *l = in->lab;
	struct jrec r;

#define PUSH() do { rs->r = xrealloc(rs->r, (rs->n + 1) * sizeof(*rs->r)); rs->r[rs->n++] = r; } while (0)
	jrec_init(&r, "keur-journal");
	jrec_add(&r, "format", "1");
	PUSH();

	jrec_init(&r, "run");
	jrec_add(&r, "keur-version", KEUR_VERSION);
	jrec_addf(&r, "started", "%lld", (long long)started);
	jrec_add(&r, "out", outdir);
	jrec_add(&r, "dut-file", d->path);
	jrec_add(&r, "dut-sha256", d->sha256);
	for (size_t i = 0; i < in->nprofiles; i++) {	/* in pairs, in the order given */
		jrec_add(&r, "profile-file", in->profiles[i]->path);
		jrec_add(&r, "profile-sha256", in->profiles[i]->sha256);
	}
	if (l->path) {
		jrec_add(&r, "lab-file", l->path);
		jrec_add(&r, "lab-sha256", l->sha256);
	}
	if (in->ics) {
		jrec_add(&r, "ics-file", in->ics->path);
		jrec_add(&r, "ics-sha256", in->ics->sha256);
	}
	jrec_add(&r, "only", opts->only);
	jrec_add(&r, "level", opts->level);
	if (opts->deadline_scale > 0)
		jrec_addf(&r, "deadline-scale", "%g", opts->deadline_scale);
	jrec_add(&r, "tap-version", tapv ? tapv : "14");
	jrec_add(&r, "operator", a->operator);
	/* Paths, not keys: a resumed run signs with the same files. */
	if (a->sign_key) {
		char *k = abs_path(a->sign_key), *c = abs_path(a->sign_cert);
		jrec_add(&r, "sign-key", k);
		jrec_add(&r, "sign-cert", c);
		free(k);
		free(c);
	}
	PUSH();

	jrec_init(&r, "dut");
	jrec_add(&r, "id", d->id);
	jrec_add(&r, "vendor", d->vendor);
	jrec_add(&r, "model", d->model);
	jrec_add(&r, "firmware", d->firmware);
	jrec_add(&r, "serial", d->serial);
	jrec_add(&r, "support-until", d->support_until);
	jrec_add(&r, "market-date", d->market_date);
	if (d->automatic_updates >= 0)
		jrec_add(&r, "automatic-updates", d->automatic_updates ? "true" : "false");
	jrec_add(&r, "sbom", d->sbom);
	if (d->network_equipment)
		jrec_add(&r, "network-equipment", "true");
	for (size_t i = 0; i < d->nmqtt; i++) {
		const struct dut_mqtt *m = &d->mqtt[i];
		char endpoint[300];
		if (m->broker) {
			dut_mqtt_endpoint(m, endpoint, sizeof(endpoint));
			jrec_addf(&r, "interface", "mqtt-broker %s", endpoint);
		} else {
			jrec_add(&r, "interface", "mqtt-client");
		}
	}
	for (size_t i = 0; i < d->ncoap; i++)
		jrec_addf(&r, "interface", "coap %s", d->coap[i].uri);
	for (size_t i = 0; i < d->nmodbus; i++)
		if (d->modbus[i].host)
			jrec_addf(&r, "interface", "modbus tcp://%s:%d", d->modbus[i].host, d->modbus[i].port);
		else
			jrec_add(&r, "interface", "modbus rtu");
	PUSH();

	jrec_init(&r, "lab");
	jrec_add(&r, "id", l->id);
	jrec_add(&r, "name", l->name);
	jrec_add(&r, "accreditation", l->accreditation);
	for (size_t i = 0; i < l->nscope; i++)
		jrec_add(&r, "scope", l->scope[i].text);
	PUSH();

	for (size_t k = 0; k < in->plan.nparts; k++) {
		const struct plan_part *pp = &in->plan.parts[k];
		const struct keur_profile *p = pp->profile;
		jrec_init(&r, "profile");
		jrec_add(&r, "id", p->id);
		jrec_add(&r, "version", p->version);
		jrec_add(&r, "title", p->title);
		jrec_add(&r, "sha256", p->sha256);
		/* Levels as "ID" or "ID INCLUDES", in the profile's order; label fields "NAME REQ". */
		for (size_t i = 0; i < p->nlevels; i++)
			if (p->levels[i].includes)
				jrec_addf(&r, "level", "%s %s", p->levels[i].id, p->levels[i].includes);
			else
				jrec_add(&r, "level", p->levels[i].id);
		for (size_t i = 0; i < p->nfields; i++)
			if (p->fields[i].from_requirement)
				jrec_addf(&r, "field", "%s %s", p->fields[i].name, p->fields[i].from_requirement);
		PUSH();
		/* Its requirements follow it: a req record belongs to the profile record before it. */
		for (size_t i = 0; i < pp->nreqs; i++) {
			const struct profile_req *q = pp->reqs[i];
			const struct profile_waiver *w = profile_waiver_for(p, q->id);
			struct strbuf cases;
			sb_init(&cases);
			for (size_t c = 0; c < q->ncases; c++)
				sb_addf(&cases, "%s%s", c ? "," : "", q->cases[c]);
			jrec_init(&r, "req");
			jrec_add(&r, "id", q->id);
			jrec_add(&r, "source", q->source);
			jrec_add(&r, "kind", q->kind);
			jrec_add(&r, "obligation", q->obligation);
			jrec_add(&r, "applies-if", q->applies_if);
			jrec_add(&r, "level", q->level);
			jrec_add(&r, "summary", q->summary);
			jrec_add(&r, "cases", cases.buf ? cases.buf : "");
			jrec_add(&r, "na", pp->req_na[i]);
			for (size_t m = 0; m < q->nsame; m++)
				jrec_addf(&r, "same-as", "%s %s", q->same[m].profile, q->same[m].requirement);
			req_guide_record(q, &r);
			if (w) {
				jrec_add(&r, "waiver-reason", w->reason);
				jrec_add(&r, "waiver-by", w->approved_by);
			}
			sb_release(&cases);
			PUSH();
		}
	}
	if (in->ics)
		ics_records(in->ics, ics_ev, rs);
	for (size_t i = 0; i < in->plan.n; i++) {
		runner_plan_record(&in->plan.items[i], &r);
		PUSH();
	}
#undef PUSH
}

const char *cli_operator_default(void)
{
	const char *e = getenv("KEUR_OPERATOR");
	struct passwd *pw = getpwuid(getuid());

	return e && *e ? e : pw && pw->pw_name[0] ? pw->pw_name : "unknown";
}

int cli_write_outputs(const struct run_view *rv, const char *dir, int code)
{
	char why[512];
	int was_signed = report_is_signed(dir);

	if (reports_write_all(rv, dir, 0) < 0)
		return -1;
	if (was_signed && !jrec_get(rv->run, "sign-key"))
		fprintf(stderr, "keur: report.xml was signed before; the new report is not: sign it again "
			"with `keur sign %s --key K --cert C`\n", dir);
	/* Signing comes after the last case: from here on this process forks no case. */
	if (jrec_get(rv->run, "sign-key")) {
		char subject[512];
		if (sign_report(dir, jrec_get(rv->run, "sign-key"), jrec_get(rv->run, "sign-cert"), subject,
				sizeof(subject), why, sizeof(why)) < 0 || label_write(rv, dir) < 0 ||
		    html_write(dir) < 0) {
			fprintf(stderr, "keur: report.xml is not signed: %s; the results are kept, sign them with "
				"`keur sign %s --key K --cert C`\n", why, dir);
			code = EXIT_INCONC;
		} else {
			fprintf(stderr, "keur: report.xml signed by '%s'\n", subject);
		}
		sign_shutdown();
	}
	return code;
}

/* One profile's part of the summary; pre names the profile when the run has several. */
static void summary_profile(const struct run_view *rv, const char *outdir, const char *pre)
{
	struct strbuf failed, open;

	sb_init(&failed);
	sb_init(&open);
	for (size_t i = 0; i < rv->nreqs; i++) {
		if (!run_view_req_counts(&rv->reqs[i]))
			continue;
		if (rv->reqs[i].verdict == KEUR_FAIL)
			sb_addf(&failed, " %s", jrec_get(rv->reqs[i].rec, "id"));
		else if (rv->reqs[i].verdict == KEUR_INCONC)
			sb_addf(&open, " %s", jrec_get(rv->reqs[i].rec, "id"));
	}
	if (failed.len)
		fprintf(stderr, "keur: %smandatory requirements failed:%s\n", pre, failed.buf);
	if (open.len)
		fprintf(stderr, "keur: %smandatory requirements not decided:%s\n", pre, open.buf);
	sb_release(&failed);
	sb_release(&open);
	char *waiting = run_view_open_text(rv);
	if (waiting)
		fprintf(stderr, "keur: %s%zu requirement%s wait%s for the assessor's review: %s (keur review template %s)\n",
			pre, rv->nopen, rv->nopen == 1 ? "" : "s", rv->nopen == 1 ? "s" : "", waiting, outdir);
	free(waiting);
	for (size_t i = 0, shown = 0; i < rv->nreqs; i++)
		if (rv->reqs[i].contradiction && shown++ < 10)
			fprintf(stderr, "keur: %sICS contradiction: %s: %s\n", pre, jrec_get(rv->reqs[i].rec, "id"),
				rv->reqs[i].contradiction);
	if (rv->ncontradictions > 10)
		fprintf(stderr, "keur: %s... and %zu more ICS contradictions (see report.xml)\n", pre, rv->ncontradictions - 10);
	fprintf(stderr, "keur: %srequirements decided: %zu by keur's cases, %zu by the assessor's review; %zu waiting\n",
		pre, rv->ntested, rv->nreviewed, rv->nopen);
	struct label lb;
	label_compute(rv, &lb);
	fprintf(stderr, "keur: %s%s: %s; automatic updates: %s; supported until: %s; works offline: %s\n", pre,
		rv->levelless ? "the scheme's requirements" : "level reached", lb.level, lb.f[LABEL_UPDATES].text,
		lb.f[LABEL_SUPPORT].text, lb.f[LABEL_OFFLINE].text);
	if (lb.waivers)
		fprintf(stderr, "keur: %s%d requirement(s) waived by the profile (see report.xml)\n", pre, lb.waivers);
}

/* What a lab engineer reads at the end of a run, on stderr; with several profiles each one's
 * part, then their verdicts side by side. */
void cli_summary(const struct run_view *rv, const char *outdir, int code)
{
	int n[KEUR_NA + 1] = { 0 };

	for (size_t i = 0; i < rv->ncases; i++)
		n[rv->cases[i].verdict]++;
	fprintf(stderr, "keur: %zu/%zu cases done: %d pass, %d fail, %d inconc, %d error, %d na\n", rv->done,
		rv->ncases, n[KEUR_PASS], n[KEUR_FAIL], n[KEUR_INCONC], n[KEUR_ERROR], n[KEUR_NA]);
	if (rv->nas == 1)
		summary_profile(rv, outdir, "");
	if (rv->nas > 1) {
		struct run_view v = *rv;
		for (size_t i = 0; i < rv->nas; i++) {
			char pre[80];
			run_view_select(&v, i);
			snprintf(pre, sizeof(pre), "[%s] ", jrec_get(v.profile, "id"));
			summary_profile(&v, outdir, pre);
		}
		fprintf(stderr, "keur: %-14s %-22s %-10s %-10s %s\n", "PROFILE", "VERDICT", "WAITING", "FAILED", "LABEL");
		for (size_t i = 0; i < rv->nas; i++) {
			char verdict[64], file[96];
			size_t failed = 0;
			run_view_select(&v, i);
			for (size_t k = 0; k < v.nreqs; k++)
				failed += run_view_req_counts(&v.reqs[k]) && v.reqs[k].verdict == KEUR_FAIL;
			snprintf(verdict, sizeof(verdict), "%s%s", v.levelless ? "" : "level ", run_view_level_text(&v));
			label_file(&v, file, sizeof(file));
			fprintf(stderr, "keur: %-14s %-22s %-10zu %-10zu %s\n", jrec_get(v.profile, "id"), verdict, v.nopen,
				failed, file);
		}
	}
	fprintf(stderr, "keur: results in %s (exit %d)\n", outdir, code);
}

int cli_outputs_again(const char *dir, int summary)
{
	struct run_view rv;
	char why[768];
	int code;

	if (run_view_load(dir, &rv, why, sizeof(why)) < 0) {
		fprintf(stderr, "keur: %s\n", why);
		return EXIT_INCONC;
	}
	code = cli_write_outputs(&rv, dir, run_view_exit(&rv));
	if (code < 0)
		code = EXIT_INCONC;
	if (summary)
		cli_summary(&rv, dir, code);
	run_view_release(&rv);
	return code;
}

static int finish_run(const char *outdir, struct journal *j, int rc)
{
	struct run_view rv;
	char why[512];
	int code;

	if (rc == 0) {
		struct jrec end;
		jrec_init(&end, "end");
		jrec_addf(&end, "finished", "%lld", (long long)time_now_ms());
		rc = journal_append(j, &end, 1);
		jrec_release(&end);
	}
	journal_close(j);
	if (rc == -EINTR)
		printf("Bail out! interrupted; finish with: keur run --resume %s\n", outdir);
	else if (rc == -EIO)
		fprintf(stderr, "keur: a fixture could not be restored; the run stopped. Check the DUT, then: keur run --resume %s\n", outdir);
	else if (rc < 0)
		printf("Bail out! the journal could not be written: %s\n", strerror(-rc));
	fflush(stdout);
	/* Reports from whatever the journal holds, also after an interruption. */
	if (run_view_load(outdir, &rv, why, sizeof(why)) < 0) {
		fprintf(stderr, "keur: %s\n", why);
		return EXIT_INCONC;
	}
	code = cli_write_outputs(&rv, outdir, rc < 0 ? EXIT_INCONC : run_view_exit(&rv));
	if (code < 0) {
		run_view_release(&rv);
		return EXIT_INCONC;
	}
	if (rc == 0) {
		tap_trailer(stdout, &rv);
		fflush(stdout);
	}
	cli_summary(&rv, outdir, code);
	run_view_release(&rv);
	return code;
}

/* A run killed during a cut or a power-off left the lab so: put it back before any case. */
static int repair_first(const struct runner *r)
{
	char why[600];

	if (runner_repair(r->lab, r->dut, r->outdir, why, sizeof(why)) == 0)
		return 0;
	printf("Bail out! %s (putting the lab back before the run)\n", why);
	fflush(stdout);
	return -EIO;
}

static int run_new(const struct run_args *a)
{
	const char *dut = a->dut, *lab = a->lab, *out = a->out;
	struct inputs in;
	struct jrecs hdr = { 0 };
	struct journal *j = NULL;
	char *outdir = NULL, *jpath = NULL;
	int64_t started = time_now_ms();
	int rc, code = EXIT_USAGE;

	char ics_ev[128] = "", why[300];

	if (inputs_load(&in, a->profiles, a->nprofiles, dut, lab, a->ics, &a->plan) < 0)
		return EXIT_USAGE;
	struct contain box;
	if (contain_plan(in.lab ? in.lab->case_user : NULL, &box, why, sizeof(why)) < 0) {
		fprintf(stderr, "keur: %s\n", why);
		inputs_release(&in);
		return EXIT_USAGE;
	}
	if (in.ics) {
		char *p = abs_path(in.ics->path);
		free(in.ics->path);
		in.ics->path = p;
	}
	/* Store absolute paths so that --resume works from any directory. */
	free(in.dut->path);
	in.dut->path = abs_path(dut);
	for (size_t i = 0; i < in.nprofiles; i++) {	/* a bundled profile named on the command line: the file it was */
		char *p = abs_path(in.profiles[i]->path);
		free(in.profiles[i]->path);
		in.profiles[i]->path = p;
	}
	if (in.lab->path) {
		free(in.lab->path);
		in.lab->path = abs_path(lab);
	}
	if (out) {
		outdir = xstrdup(out);
	} else {
		char t[32];
		outdir = xasprintf("keur-out/%s-%s", in.dut->id, time_compact(started, t, sizeof(t)));
	}
	if ((rc = mkdir_p(outdir, 0755)) < 0) {
		fprintf(stderr, "keur: cannot create output directory '%s': %s\n", outdir, strerror(-rc));
		goto out;
	}
	jpath = path_join(outdir, "journal");
	if ((rc = journal_create(jpath, &j)) < 0) {
		if (rc == -EEXIST)
			fprintf(stderr, "keur: '%s' holds a run already; finish it with `keur run --resume %s` or choose another --out\n",
				outdir, outdir);
		else
			fprintf(stderr, "keur: cannot create '%s': %s\n", jpath, strerror(-rc));
		goto out;
	}
	/* The ICS as given goes into the evidence, so that the signature covers it. */
	if (in.ics) {
		char *dir = xasprintf("%s/evidence/%s", outdir, ICS_EVIDENCE), *to = path_join(dir, "ics.xml"), sha[65];
		int64_t size = 0;
		if ((rc = mkdir_p(dir, 0755)) < 0 || (rc = file_copy(in.ics->path, to, INT64_MAX, sha, &size)) < 0)
			fprintf(stderr, "keur: cannot copy the ICS into %s: %s\n", dir, strerror(-rc));
		else
			snprintf(ics_ev, sizeof(ics_ev), "ics.xml:%s:%lld", sha, (long long)size);
		free(dir);
		free(to);
		if (rc < 0) {
			journal_close(j);
			goto out;
		}
	}
	{
		char *abs = abs_path(outdir);
		header_records(&in, abs, a, started, in.ics ? ics_ev : NULL, &hdr);
		free(abs);
	}
	if ((rc = journal_append(j, hdr.r, hdr.n)) < 0) {
		fprintf(stderr, "keur: cannot write '%s': %s\n", jpath, strerror(-rc));
		journal_close(j);
		code = EXIT_INCONC;
		goto out;
	}
	printf("TAP version %s\n1..%zu\n", a->tapv ? a->tapv : "14", in.plan.n);
	fflush(stdout);
	struct runner r = {
		.outdir = outdir, .journal = j, .plan = &in.plan, .dut = in.dut, .lab = in.lab,
		.prior = NULL, .verbose = a->verbose, .progress = a->progress, .contain = box,
	};
	rc = repair_first(&r);
	if (rc == 0)
		rc = runner_run(&r);
	code = finish_run(outdir, j, rc);
out:
	jrecs_release(&hdr);
	inputs_release(&in);
	free(jpath);
	free(outdir);
	return code;
}

static int same_sha(const char *what, const char *path, const char *now, const char *then)
{
	if (then && strcmp(now, then)) {
		fprintf(stderr, "keur: the %s '%s' changed since the run started (sha256 %.12s… then, %.12s… now); "
			"a resumed run must use the same inputs\n", what, path, then, now);
		return -1;
	}
	return 0;
}

static int run_resume(const char *dir, int verbose, int progress)
{
	struct run_view rv;
	struct inputs in;
	struct journal *j = NULL;
	char why[512], *jpath;
	int rc, code = EXIT_USAGE;

	if (run_view_load(dir, &rv, why, sizeof(why)) < 0) {
		fprintf(stderr, "keur: %s\n", why);
		return EXIT_USAGE;
	}
	const char *dut = jrec_get(rv.run, "dut-file");
	const char *lab = jrec_get(rv.run, "lab-file"), *ics = jrec_get(rv.run, "ics-file");
	/* The profiles the run was started with, in their order, each with its hash then. */
	const char *profiles[MAX_PROFILES], *shas[MAX_PROFILES];
	size_t nprofiles = 0, nshas = 0;
	int toomany = 0;
	for (size_t i = 0; i < rv.run->n; i++) {
		const char *k = rv.run->key[i];
		if (strcmp(k, "profile-file") && strcmp(k, "profile-sha256"))
			continue;
		if (!strcmp(k, "profile-file") ? nprofiles == MAX_PROFILES : nshas == MAX_PROFILES)
			toomany = 1;
		else if (!strcmp(k, "profile-file"))
			profiles[nprofiles++] = rv.run->val[i];
		else
			shas[nshas++] = rv.run->val[i];
	}
	if (toomany) {
		fprintf(stderr, "keur: cannot resume %s: its journal names more than %d profiles\n", dir, MAX_PROFILES);
		run_view_release(&rv);
		return EXIT_USAGE;
	}
	struct plan_opts opts = {
		.only = jrec_get(rv.run, "only"), .level = jrec_get(rv.run, "level"),
		.deadline_scale = jrec_get(rv.run, "deadline-scale") ? atof(jrec_get(rv.run, "deadline-scale")) : 0,
	};
	if (!dut || nshas != nprofiles || inputs_load(&in, profiles, nprofiles, dut, lab, ics, &opts) < 0) {
		fprintf(stderr, "keur: cannot resume %s: its inputs do not load any more\n", dir);
		run_view_release(&rv);
		return EXIT_USAGE;
	}
	struct contain box;
	if (contain_plan(in.lab ? in.lab->case_user : NULL, &box, why, sizeof(why)) < 0) {
		fprintf(stderr, "keur: %s\n", why);
		goto out;
	}
	int changed = 0;
	for (size_t i = 0; i < in.nprofiles; i++)
		changed |= same_sha("profile", profiles[i], in.profiles[i]->sha256, shas[i]) < 0;
	if (same_sha("DUT description", dut, in.dut->sha256, jrec_get(rv.run, "dut-sha256")) < 0 || changed ||
	    (lab && same_sha("lab description", lab, in.lab->sha256, jrec_get(rv.run, "lab-sha256")) < 0) ||
	    (ics && same_sha("ICS", ics, in.ics->sha256, jrec_get(rv.run, "ics-sha256")) < 0))
		goto out;
	int same = in.plan.n == rv.ncases;
	for (size_t i = 0; same && i < in.plan.n; i++)
		same = !strcmp(in.plan.items[i].c->id, jrec_get(rv.cases[i].plan, "id"));
	if (!same) {
		fprintf(stderr, "keur: cannot resume %s: this keur plans other cases than the journal holds "
			"(keur %s then, %s now)\n", dir, jrec_get(rv.run, "keur-version"), KEUR_VERSION);
		goto out;
	}
	if (rv.end) {
		fprintf(stderr, "keur: the run in %s is complete already; reports rewritten\n", dir);
		printf("TAP version %s\n1..%zu\n", tap_version(&rv), rv.ncases);
		for (size_t i = 0; i < rv.ncases; i++)
			tap_case(stdout, i + 1, &rv.cases[i]);
		fflush(stdout);
		code = reports_write_all(&rv, dir, 1) < 0 ? EXIT_INCONC : run_view_exit(&rv);
		goto out;
	}
	jpath = path_join(dir, "journal");
	rc = journal_open(jpath, &j);
	free(jpath);
	if (rc < 0) {
		fprintf(stderr, "keur: cannot reopen %s/journal: %s\n", dir,
			rc == -EBUSY ? "the run is still going in another keur" : strerror(-rc));
		code = EXIT_INCONC;
		goto out;
	}
	struct jrec res;
	jrec_init(&res, "resume");
	jrec_addf(&res, "at", "%lld", (long long)time_now_ms());
	jrec_addf(&res, "done", "%zu", rv.done);
	rc = journal_append(j, &res, 1);
	jrec_release(&res);
	if (rc < 0) {
		fprintf(stderr, "keur: cannot write %s/journal: %s\n", dir, strerror(-rc));
		journal_close(j);
		code = EXIT_INCONC;
		goto out;
	}
	fprintf(stderr, "keur: resuming %s: %zu of %zu cases done\n", dir, rv.done, rv.ncases);
	printf("TAP version %s\n1..%zu\n", tap_version(&rv), in.plan.n);
	fflush(stdout);
	struct runner r = {
		.outdir = dir, .journal = j, .plan = &in.plan, .dut = in.dut, .lab = in.lab,
		.prior = &rv, .verbose = verbose, .progress = progress, .contain = box,
	};
	rc = repair_first(&r);
	if (rc == 0)
		rc = runner_run(&r);
	code = finish_run(dir, j, rc);
out:
	inputs_release(&in);
	run_view_release(&rv);
	return code;
}

enum { OPT_PROFILE = 256, OPT_DUT, OPT_LAB, OPT_OUT, OPT_ONLY, OPT_LEVEL, OPT_RESUME, OPT_NOPROG, OPT_TAPV, OPT_SCALE,
       OPT_MATRIX, OPT_CSV, OPT_OPERATOR, OPT_SIGNKEY, OPT_SIGNCERT, OPT_ICS, OPT_REQUIREMENT, OPT_PROFILES };

static const struct option run_opts[] = {
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ "dut", required_argument, NULL, OPT_DUT },
	{ "lab", required_argument, NULL, OPT_LAB },
	{ "out", required_argument, NULL, OPT_OUT },
	{ "only", required_argument, NULL, OPT_ONLY },
	{ "level", required_argument, NULL, OPT_LEVEL },
	{ "resume", required_argument, NULL, OPT_RESUME },
	{ "verbose", no_argument, NULL, 'v' },
	{ "no-progress", no_argument, NULL, OPT_NOPROG },
	{ "tap-version", required_argument, NULL, OPT_TAPV },
	{ "deadline-scale", required_argument, NULL, OPT_SCALE },
	{ "matrix", no_argument, NULL, OPT_MATRIX },
	{ "profiles", no_argument, NULL, OPT_PROFILES },
	{ "csv", no_argument, NULL, OPT_CSV },
	{ "requirement", required_argument, NULL, OPT_REQUIREMENT },
	{ "operator", required_argument, NULL, OPT_OPERATOR },
	{ "sign-key", required_argument, NULL, OPT_SIGNKEY },
	{ "sign-cert", required_argument, NULL, OPT_SIGNCERT },
	{ "ics", required_argument, NULL, OPT_ICS },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int parse_run_args(int argc, char **argv, struct run_args *a, int *help)
{
	int c;

	memset(a, 0, sizeof(*a));
	a->progress = isatty(2);
	*help = 0;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":vh", run_opts, NULL)) != -1) {
		switch (c) {
		case OPT_PROFILE:
			if (a->nprofiles == MAX_PROFILES)
				return cli_usage_error("--profile: at most %d profiles in one run", MAX_PROFILES);
			a->profiles[a->nprofiles++] = optarg;
			if (!a->profile)
				a->profile = optarg;
			break;
		case OPT_DUT: a->dut = optarg; break;
		case OPT_LAB: a->lab = optarg; break;
		case OPT_OUT: a->out = optarg; break;
		case OPT_ONLY: a->plan.only = optarg; break;
		case OPT_LEVEL: a->plan.level = optarg; break;
		case OPT_SCALE: {
			char *e;
			a->plan.deadline_scale = strtod(optarg, &e);
			if (e == optarg || *e || a->plan.deadline_scale <= 0)
				return cli_usage_error("--deadline-scale: '%s' is not a positive number", optarg);
			break;
		}
		case OPT_RESUME: a->resume = optarg; break;
		case OPT_MATRIX: a->matrix = 1; break;
		case OPT_PROFILES: a->list_profiles = 1; break;
		case OPT_CSV: a->csv = 1; break;
		case OPT_REQUIREMENT: a->requirement = optarg; break;
		case OPT_OPERATOR:
			if (!optarg[0])
				return cli_usage_error("--operator: give a name");
			a->operator = optarg;
			break;
		case OPT_SIGNKEY: a->sign_key = optarg; break;
		case OPT_SIGNCERT: a->sign_cert = optarg; break;
		case OPT_ICS: a->ics = optarg; break;
		case 'v': a->verbose = 1; break;
		case OPT_NOPROG: a->progress = 0; break;
		case OPT_TAPV:
			if (strcmp(optarg, "13") && strcmp(optarg, "14"))
				return cli_usage_error("--tap-version: '%s' is neither 13 nor 14", optarg);
			a->tapv = optarg;
			break;
		case 'h': *help = 1; return 0;
		case ':': return cli_usage_error("option '%s' needs a value", argv[optind - 1]);
		default: return cli_usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	return 0;
}

static int cmd_run(int argc, char **argv)
{
	struct run_args a;
	int help, rc = parse_run_args(argc, argv, &a, &help);

	if (rc)
		return rc;
	if (help) {
		fputs(run_help, stdout);
		return EXIT_OK;
	}
	if (a.matrix || a.csv || a.list_profiles)
		return cli_usage_error("%s: --matrix, --csv and --profiles are options of keur list", "run");
	if (a.resume) {
		if (a.profile || a.dut || a.lab || a.out || a.plan.only || a.plan.level || a.tapv || a.plan.deadline_scale ||
		    a.operator || a.sign_key || a.sign_cert || a.ics)
			return cli_usage_error("%s: --resume takes the inputs and options of the run it finishes", "run");
		runner_signals();
		return run_resume(a.resume, a.verbose, a.progress);
	}
	if (!a.dut)
		return cli_usage_error("%s: --dut FILE is required (the DUT description)", "run");
	if (a.ics && !a.profile)
		return cli_usage_error("%s: --ics answers a profile: give --profile too", "run");
	if (!a.sign_key != !a.sign_cert)
		return cli_usage_error("%s: --sign-key and --sign-cert go together", "run");
	if (a.sign_key) {
		char why[512];
		if (sign_check_keys(a.sign_key, a.sign_cert, why, sizeof(why)) < 0) {
			fprintf(stderr, "keur: cannot sign with these: %s\n", why);
			return EXIT_USAGE;
		}
		/* Only the signing process reads the key; its mode must keep everyone else out too,
		 * the user cases run as included (contain.h). */
		struct stat st;
		if (stat(a.sign_key, &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)))
			fprintf(stderr, "keur: warning: the signing key %s is open to others than its owner (mode %04o): "
				"chmod 600 it\n", a.sign_key, (unsigned)(st.st_mode & 07777));
	}
	if (!a.operator)
		a.operator = cli_operator_default();
	runner_signals();
	return run_new(&a);
}

/* "a,b" when a case needs all of them; "a|b" when any one will do (KEUR_NEEDS_ANY). */
static void needs_text(unsigned needs, unsigned flags, char *buf, size_t len)
{
	static const struct { unsigned bit; const char *name; } names[] = {
		{ NEED_MQTT_BROKER, "mqtt-broker" }, { NEED_MQTT_CLIENT, "mqtt-client" },
		{ NEED_COAP, "coap" }, { NEED_MODBUS, "modbus" }, { NEED_UPDATE, "update" },
		{ NEED_FIX_UPLINK, "uplink-fixture" }, { NEED_FIX_POWER, "power-fixture" },
		{ NEED_FIX_BROKER, "broker-fixture" },
	};
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (needs & names[i].bit)
			off += (size_t)snprintf(buf + off, off < len ? len - off : 0, "%s%s", !off ? "" : flags & KEUR_NEEDS_ANY ? "|" : ",",
					      names[i].name);
	if (!off)
		snprintf(buf, len, "-");
}

static int req_checks(const struct profile_req *r, const char *id)
{
	for (size_t c = 0; c < r->ncases; c++)
		if (!strcmp(r->cases[c], id))
			return 1;
	return 0;
}

static void csv_field(const char *s)
{
	if (!strpbrk(s, ",\"\n")) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (; *s; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

static void profiles_free(struct keur_profile **ps, size_t n)
{
	for (size_t i = 0; i < n; i++)
		profile_free(ps[i]);
}

/* Loads each of paths; 0, or -1 with the errors printed (and nothing kept). */
static int profiles_load(const char *const *paths, size_t n, struct keur_profile **ps)
{
	struct input_errors err = { 0 };
	size_t got = 0;

	for (size_t i = 0; i < n; i++)
		if (profile_load(paths[i], &ps[got], &err) == 0)
			got++;
	if (err.n) {
		input_errors_print(&err);
		input_errors_release(&err);
		profiles_free(ps, got);
		return -1;
	}
	return 0;
}

static const char *level_or_dash(const struct profile_req *r)
{
	return r->level ? r->level : "-";
}

/* The requirement x case matrix of one or more profiles: which case gives evidence for which
 * requirement.  Every case keur has is a column, so a case no requirement uses stands out. */
static int list_matrix(const char *const *paths, size_t np, int csv)
{
	struct keur_profile *ps[MAX_PROFILES];
	const struct keur_case **cs = NULL;
	size_t n = 0, unused = 0, nreqs = 0;

	if (profiles_load(paths, np, ps) < 0)
		return EXIT_USAGE;
	for (size_t s = 0; keur_suites[s]; s++)
		for (unsigned k = 0; k < keur_suites[s]->ncases; k++) {
			cs = xrealloc(cs, (n + 1) * sizeof(*cs));
			cs[n++] = &keur_suites[s]->cases[k];
		}
	for (size_t k = 0; k < np; k++)
		nreqs += ps[k]->nreqs;
	if (csv) {
		fputs(np > 1 ? "profile,requirement,source,kind,level" : "requirement,source,kind,level", stdout);
		for (size_t c = 0; c < n; c++)
			printf(",%s", cs[c]->id);
		putchar('\n');
		for (size_t k = 0; k < np; k++)
			for (size_t i = 0; i < ps[k]->nreqs; i++) {
				const struct profile_req *r = &ps[k]->reqs[i];
				if (np > 1)
					printf("%s,", ps[k]->id);
				csv_field(r->id);
				putchar(',');
				csv_field(r->source);
				printf(",%s,%s", r->kind, level_or_dash(r));
				for (size_t c = 0; c < n; c++)
					fputs(req_checks(r, cs[c]->id) ? ",x" : ",", stdout);
				putchar('\n');
			}
	} else {
		for (size_t k = 0; k < np; k++)
			printf("profile %s version %s: %zu requirements%s", ps[k]->id, ps[k]->version, ps[k]->nreqs,
			       np > 1 ? "\n" : "");
		if (np > 1)
			printf("%zu requirements", nreqs);
		printf(" x %zu cases\n\ncases (columns):\n", n);
		for (size_t c = 0; c < n; c++) {
			int used = 0;
			for (size_t k = 0; k < np && !used; k++)
				for (size_t i = 0; i < ps[k]->nreqs && !used; i++)
					used = req_checks(&ps[k]->reqs[i], cs[c]->id);
			unused += !used;
			printf("  %2zu %-20s %s%s\n", c + 1, cs[c]->id, cs[c]->title, used ? "" : "  [used by no requirement here]");
		}
		for (size_t k = 0; k < np; k++) {
			printf("\n%-30s %-11s %-11s ", np > 1 ? ps[k]->id : "", "", "");
			for (size_t c = 0; c < n; c++)
				putchar((c + 1) / 10 ? (char)('0' + (c + 1) / 10 % 10) : ' ');
			printf("\n%-30s %-11s %-11s ", "REQUIREMENT", "KIND", "LEVEL");
			for (size_t c = 0; c < n; c++)
				putchar((char)('0' + (c + 1) % 10));
			putchar('\n');
			for (size_t i = 0; i < ps[k]->nreqs; i++) {
				const struct profile_req *r = &ps[k]->reqs[i];
				printf("%-30s %-11s %-11s ", r->id, r->kind, level_or_dash(r));
				for (size_t c = 0; c < n; c++)
					putchar(req_checks(r, cs[c]->id) ? 'x' : '.');
				putchar('\n');
			}
		}
		printf("\n%zu of %zu cases used by %s\n", n - unused, n, np > 1 ? "these profiles" : "this profile");
	}
	free(cs);
	profiles_free(ps, np);
	return EXIT_OK;
}

/* keur list --profiles: the bundled profiles, what each holds and how much of it keur tests. */
static int list_profiles(void)
{
	char *names = profile_bundled();
	const char *p = names;
	int rc = EXIT_OK;

	if (!names) {
		fprintf(stderr, "keur: this keur finds no bundled profiles (in %s/profiles)\n", keur_data_dir());
		return EXIT_USAGE;
	}
	printf("%-12s %-8s %5s %6s %7s %-26s %s\n", "ID", "VERSION", "REQS", "TESTED", "REVIEW", "LEVELS", "TITLE");
	for (char *name; (name = list_next(&p)); free(name)) {
		struct input_errors err = { 0 };
		struct keur_profile *pr = NULL;
		size_t tested = 0, review = 0;
		struct strbuf lv;
		const char *id = name + strspn(name, " ");
		if (!*id)
			continue;
		if (profile_load(id, &pr, &err) < 0) {
			input_errors_print(&err);
			input_errors_release(&err);
			rc = EXIT_USAGE;
			continue;
		}
		for (size_t i = 0; i < pr->nreqs; i++) {
			tested += pr->reqs[i].ncases > 0;
			review += !strcmp(pr->reqs[i].kind, "docs");
		}
		sb_init(&lv);
		for (size_t i = 0; i < pr->nlevels; i++)
			sb_addf(&lv, "%s%s", i ? "," : "", pr->levels[i].id);
		printf("%-12s %-8s %5zu %6zu %7zu %-26s %s\n", pr->id, pr->version, pr->nreqs, tested, review,
		       lv.len ? lv.buf : "none (pass/fail)", pr->title);
		sb_release(&lv);
		profile_free(pr);
	}
	free(names);
	return rc;
}

/* keur list --profile P --requirement ID: what the requirement asks, how it is decided, and for a
 * person's review the guidance and the decision tree. */
static int list_requirement(const char *profile, const char *id)
{
	struct input_errors err = { 0 };
	struct keur_profile *p = NULL;
	const struct profile_req *r;

	if (profile_load(profile, &p, &err) < 0) {
		input_errors_print(&err);
		input_errors_release(&err);
		return EXIT_USAGE;
	}
	if (!(r = profile_req_find(p, id))) {
		fprintf(stderr, "keur: %s: profile '%s' has no requirement '%s' (keur list --profile %s lists them)\n",
			profile, p->id, id, profile);
		profile_free(p);
		return EXIT_USAGE;
	}
	printf("%s  (%s)\n", r->id, r->source);
	wrap_print(stdout, "  ", "", 0, r->summary, 78);
	printf("  kind %s, level %s", r->kind, r->level ? r->level : "- (the profile has no levels)");
	if (!strcmp(r->kind, "docs"))
		printf(", %s", r->obligation ? r->obligation : "mandatory");
	if (r->applies_if)
		printf(", applies if the DUT has %s", r->applies_if);
	printf("\n");
	if (r->ncases) {
		printf("  decided by keur's cases:");
		for (size_t c = 0; c < r->ncases; c++)
			printf("%s%s", c ? ", " : " ", r->cases[c]);
		printf("\n");
	} else {
		printf("  decided by the assessor's review (keur review)\n");
	}
	if (r->guidance) {
		printf("\nGuidance for the assessor:\n");
		guidance_print(stdout, r, "  ", 78);
	}
	if (r->ntree) {
		printf("\nDecision tree (answers from the technical documentation; the first question first):\n");
		tree_print(stdout, r, "  ", 78);
	}
	if (!r->guidance && !r->ntree && !r->ncases)
		printf("\n(the profile gives no guidance for it)\n");
	profile_free(p);
	return EXIT_OK;
}

static int cmd_list(int argc, char **argv)
{
	struct run_args a;
	int help, rc = parse_run_args(argc, argv, &a, &help);

	if (rc)
		return rc;
	if (help) {
		fputs("usage: keur list                       every case: id, needs, deadline, spec, title\n"
		      "       keur list --dut D [--profile P] [--lab L] [--level L] [--only ..]\n"
		      "                                       the resolved plan, with the reason a case is na\n"
		      "       keur list --profiles             the bundled profiles: id, version, requirements, how\n"
		      "                                       many keur tests, how many need the assessor's review\n"
		      "       keur list --profile P [--profile P2 ..] --matrix [--csv]\n"
		      "                                       requirement x case matrix of the profiles (traceability);\n"
		      "                                       every case of keur is a column, so unused ones show\n"
		      "       keur list --profile P --requirement ID\n"
		      "                                       one requirement: its cases, the assessor's guidance\n"
		      "                                       and its decision tree\n", stdout);
		return EXIT_OK;
	}
	if (a.csv && !a.matrix)
		return cli_usage_error("%s: --csv goes with --matrix", "list");
	if (a.list_profiles) {
		if (a.profile || a.dut || a.lab || a.matrix || a.requirement || a.plan.only || a.plan.level)
			return cli_usage_error("%s: --profiles takes no other option", "list");
		return list_profiles();
	}
	if (a.requirement) {
		if (a.nprofiles != 1 || a.dut || a.lab || a.matrix || a.plan.only || a.plan.level)
			return cli_usage_error("%s: --requirement ID takes one --profile P only", "list");
		return list_requirement(a.profile, a.requirement);
	}
	if (a.matrix) {
		if (!a.profile || a.dut || a.lab || a.plan.only || a.plan.level)
			return cli_usage_error("%s: --matrix takes --profile P (and --csv) only", "list");
		return list_matrix(a.profiles, a.nprofiles, a.csv);
	}
	if (!a.dut && !a.profile) {
		printf("%-20s %-28s %8s  %-40s %s\n", "ID", "NEEDS", "DEADLINE", "SPEC", "TITLE");
		for (size_t s = 0; keur_suites[s]; s++)
			for (unsigned k = 0; k < keur_suites[s]->ncases; k++) {
				const struct keur_case *c = &keur_suites[s]->cases[k];
				char needs[128];
				needs_text(c->needs, c->flags, needs, sizeof(needs));
				printf("%-20s %-28s %7us  %-40s %s\n", c->id, needs, c->deadline_s, c->spec, c->title);
			}
		return EXIT_OK;
	}
	if (!a.dut) {
		/* Profiles alone: the cases each refers to. */
		struct keur_profile *ps[MAX_PROFILES];
		if (profiles_load(a.profiles, a.nprofiles, ps) < 0)
			return EXIT_USAGE;
		for (size_t k = 0; k < a.nprofiles; k++) {
			const struct keur_profile *p = ps[k];
			if (a.nprofiles > 1)
				printf("%sprofile %s\n", k ? "\n" : "", p->id);
			printf("%-24s %-12s %-12s %s\n", "REQUIREMENT", "KIND", "LEVEL", "CASES");
			for (size_t i = 0; i < p->nreqs; i++) {
				printf("%-24s %-12s %-12s", p->reqs[i].id, p->reqs[i].kind, level_or_dash(&p->reqs[i]));
				for (size_t c = 0; c < p->reqs[i].ncases; c++)
					printf("%s%s", c ? "," : " ", p->reqs[i].cases[c]);
				printf("\n");
			}
		}
		profiles_free(ps, a.nprofiles);
		return EXIT_OK;
	}
	struct inputs in;
	if (inputs_load(&in, a.profiles, a.nprofiles, a.dut, a.lab, a.ics, &a.plan) < 0)
		return EXIT_USAGE;
	printf("%-20s %-7s %s\n", "ID", "PLAN", "REASON / REQUIREMENTS");
	for (size_t i = 0; i < in.plan.n; i++) {
		const struct plan_item *it = &in.plan.items[i];
		printf("%-20s %-7s %s\n", it->c->id, it->pre == KEUR_NONE ? "run" : verdict_name(it->pre),
		       it->pre_reason ? it->pre_reason : (it->reqs ? it->reqs : ""));
	}
	inputs_release(&in);
	return EXIT_OK;
}

/* An ICS, against the profile it names when that profile is among the files linted. */
static int lint_ics(const char *path, int argc, char **argv, struct input_errors *err)
{
	struct keur_profile *match = NULL;
	struct keur_ics *ics;
	int ok = 0;

	if (ics_load(path, NULL, &ics, err) < 0)
		return 0;
	for (int i = 1; i < argc && !match; i++) {
		struct input_errors perr = { 0 };
		struct keur_profile *p;
		if (input_detect(argv[i], &perr) == INPUT_PROFILE && profile_load(argv[i], &p, &perr) == 0) {
			if (!strcmp(p->id, ics->profile))
				match = p;
			else
				profile_free(p);
		}
		input_errors_release(&perr);
	}
	if (match) {
		size_t nerr = err->n;
		ics_check(ics, match, err);
		if (err->n == nerr) {
			printf("%s: ok: ICS for profile '%s' version %s by %s, %zu statements\n", path, ics->profile,
			       ics->profile_version, ics->issued_by, ics->n);
			ok = 1;
		}
	} else {
		printf("%s: ok: ICS for profile '%s' version %s by %s, %zu statements (give the profile too, to check "
		       "it against it)\n", path, ics->profile, ics->profile_version, ics->issued_by, ics->n);
		ok = 1;
	}
	profile_free(match);
	ics_free(ics);
	return ok;
}

/* Each <same-as> of p that names a bundled profile must name one of its requirements (a link to
 * a profile keur does not bundle is checked when a run holds both).  0, or -1 with errors. */
static int same_as_check(const struct keur_profile *p, struct input_errors *err)
{
	struct keur_profile *seen[MAX_PROFILES];	/* each bundled profile linked to, loaded once */
	size_t nerr = err->n, nseen = 0;

	for (size_t i = 0; i < p->nreqs; i++)
		for (size_t k = 0; k < p->reqs[i].nsame; k++) {
			const struct profile_same *s = &p->reqs[i].same[k];
			struct keur_profile *o = NULL, *owned = NULL;	/* owned: loaded, not kept */
			for (size_t j = 0; j < nseen && !o; j++)
				if (!strcmp(seen[j]->id, s->profile))
					o = seen[j];
			if (!o) {
				struct input_errors quiet = { 0 };
				if (!profile_is_name(s->profile) || profile_load(s->profile, &o, &quiet) < 0) {
					input_errors_release(&quiet);
					continue;
				}
				if (nseen < MAX_PROFILES)
					seen[nseen++] = o;
				else
					owned = o;
			}
			const struct profile_req *r = profile_req_find(o, s->requirement);
			if (!r)
				input_err_add(err, "%s:%d: requirement '%s' is <same-as> '%s' of profile '%s', which has no such "
					      "requirement", p->path, p->reqs[i].line, p->reqs[i].id, s->requirement, s->profile);
			else if (!strcmp(r->kind, "docs") != !strcmp(p->reqs[i].kind, "docs"))
				input_err_add(err, "%s:%d: requirement '%s' is <same-as> '%s' of profile '%s', but one is decided by "
					      "the assessor (kind=\"docs\") and the other by keur's cases: they cannot be the same",
					      p->path, p->reqs[i].line, p->reqs[i].id, s->requirement, s->profile);
			profile_free(owned);
		}
	profiles_free(seen, nseen);
	return err->n > nerr ? -1 : 0;
}

static int cmd_lint(int argc, char **argv)
{
	int bad = 0;

	if (argc < 2)
		return cli_usage_error("%s: name at least one file", "lint");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs("usage: keur lint FILE...\n"
		      "validates profile, DUT, lab, ICS and review files against their schemas and keur's own\n"
		      "rules; an ICS also against its profile when that is among the files; each problem is\n"
		      "one line FILE:LINE: what is wrong; exit 2 if any file is bad\n", stdout);
		return EXIT_OK;
	}
	for (int i = 1; i < argc; i++) {
		struct input_errors err = { 0 };
		/* A bundled profile may be named; a bare name that is none gets the list of them. */
		char *file = profile_locate(argv[i]);
		enum input_kind k = profile_is_name(file) ? INPUT_PROFILE : input_detect(file, &err);
		int ok = 0;

		if (k == INPUT_PROFILE) {
			struct keur_profile *p;
			if (profile_load(argv[i], &p, &err) == 0 && same_as_check(p, &err) < 0) {
				profile_free(p);
			} else if (err.n == 0) {
				/* A name says which file it stood for. */
				char *as = strcmp(file, argv[i]) ? xasprintf("%s (%s)", argv[i], file) : xstrdup(argv[i]);
				printf("%s: ok: profile '%s' version %s, %zu requirements\n", as, p->id, p->version, p->nreqs);
				free(as);
				profile_free(p);
				ok = 1;
			}
		} else if (k == INPUT_DUT) {
			struct keur_dut *d;
			if (dut_load(argv[i], &d, &err) == 0) {
				printf("%s: ok: DUT '%s', %zu interface(s)\n", argv[i], d->id, d->nmqtt + d->ncoap + d->nmodbus);
				dut_free(d);
				ok = 1;
			}
		} else if (k == INPUT_LAB) {
			struct keur_lab *l;
			if (lab_load(argv[i], &l, &err) == 0) {
				printf("%s: ok: lab '%s', %zu scope entries\n", argv[i], l->id, l->nscope);
				lab_free(l);
				ok = 1;
			}
		} else if (k == INPUT_ICS) {
			ok = lint_ics(argv[i], argc, argv, &err);
		} else if (k == INPUT_REVIEW) {
			size_t n;
			if (review_lint(argv[i], &n, &err) == 0) {
				printf("%s: ok: review file, %zu review(s) with a verdict or answers (schema only: keur review checks it "
				       "against the run)\n", argv[i], n);
				ok = 1;
			}
		}
		if (!ok) {
			input_errors_print(&err);
			bad = 1;
		}
		input_errors_release(&err);
		free(file);
	}
	return bad ? EXIT_USAGE : EXIT_OK;
}

static int cmd_report(int argc, char **argv)
{
	struct run_view rv;
	char why[512];

	if (argc != 2)
		return cli_usage_error("%s: name one run directory (keur report DIR)", "report");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs("usage: keur report DIR\n"
		      "rewrites DIR/results.tap, junit.xml, oscal.xml, report.xml, label.svg and report.html from\n"
		      "DIR/journal; a signed report.xml is left as it is (delete it to have it rewritten)\n", stdout);
		return EXIT_OK;
	}
	if (run_view_load(argv[1], &rv, why, sizeof(why)) < 0) {
		fprintf(stderr, "keur: %s\n", why);
		return EXIT_USAGE;
	}
	int r = reports_write_all(&rv, argv[1], 1);
	run_view_release(&rv);
	if (r < 0)
		return EXIT_INCONC;
	printf("%s: results.tap, junit.xml, oscal.xml, report.xml, label.svg, report.html written\n", argv[1]);
	return EXIT_OK;
}

static int cmd_label(int argc, char **argv)
{
	struct run_view rv;
	struct label lb;
	char why[512], *report;
	int r = 0;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs("usage: keur label DIR\n"
		      "writes DIR/label.svg from DIR/journal (a run of several profiles: DIR/label-PROFILE.svg for\n"
		      "each): the security level reached, automatic security updates, supported until, works\n"
		      "without internet, and the report's ID and SHA-256 (DIR/report.xml is written first when it\n"
		      "is missing)\n", stdout);
		return EXIT_OK;
	}
	if (argc != 2)
		return cli_usage_error("%s: name one run directory (keur label DIR)", "label");
	if (run_view_load(argv[1], &rv, why, sizeof(why)) < 0) {
		fprintf(stderr, "keur: %s\n", why);
		return EXIT_USAGE;
	}
	report = path_join(argv[1], "report.xml");
	if (access(report, F_OK) != 0 && conformance_write(&rv, argv[1]) < 0) {
		fprintf(stderr, "keur: cannot write %s\n", report);
		r = -1;
	}
	free(report);
	if (r == 0 && label_write(&rv, argv[1]) < 0) {
		fprintf(stderr, "keur: cannot write the label%s in %s\n", rv.nas > 1 ? "s" : "", argv[1]);
		r = -1;
	}
	/* One line per label: a run of several profiles has one for each. */
	for (size_t i = 0; r == 0 && i < (rv.nas ? rv.nas : 1); i++) {
		char name[96];
		if (rv.nas)
			run_view_select(&rv, i);
		label_file(&rv, name, sizeof(name));
		label_compute(&rv, &lb);
		printf("%s/%s: %s %s; automatic updates %s; supported until %s; works offline %s; report %s\n",
		       argv[1], name, rv.levelless ? "the scheme's requirements" : "level", lb.level, lb.f[LABEL_UPDATES].text,
		       lb.f[LABEL_SUPPORT].text, lb.f[LABEL_OFFLINE].text, rv.report_id);
	}
	run_view_release(&rv);
	return r < 0 ? EXIT_INCONC : EXIT_OK;
}

static const char sign_help[] =
	"usage: keur sign DIR --key KEY --cert CERT\n"
	"\n"
	"Adds an enveloped XMLDSig signature to DIR/report.xml: ECDSA or RSA (PKCS#1 v1.5) with\n"
	"SHA-256 over the whole report after exclusive C14N and over the journal and every evidence\n"
	"file (by their paths relative to DIR), with CERT in KeyInfo, so that both `keur verify DIR`\n"
	"and, run in DIR, `xmlsec1 --verify --trusted-pem CA report.xml` check it.  KEY is an\n"
	"unencrypted PEM private key, EC (P-256 recommended) or RSA of at least 2048 bits (not\n"
	"RSA-PSS), CERT its PEM certificate, valid now.  keur signs only a report whose journal\n"
	"and evidence still match it; signing again replaces the signature.\n"
	"DIR/label.svg is rewritten, since it carries the report's SHA-256.\n";

static const char verify_help[] =
	"usage: keur verify DIR|REPORT.xml [--ca CA]\n"
	"\n"
	"Checks a keur report: valid against report.xsd; signed once, over the whole report, its\n"
	"journal and every evidence file, by the key of the certificate it carries (the signature's\n"
	"references are checked before any file is read); that certificate chains to a certificate\n"
	"in CA (a PEM file; without --ca the chain is not checked and keur says so); the journal\n"
	"and every evidence file match the SHA-256 and size the report gives.  A line per check.\n"
	"exit codes: 0 all hold, 1 some check failed, 2 the report cannot be read at all\n";

static int cmd_sign(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' }, { "cert", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *key = NULL, *cert = NULL;
	char subject[512], why[768];
	struct run_view rv;
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'k': key = optarg; break;
		case 'c': cert = optarg; break;
		case 'h': fputs(sign_help, stdout); return EXIT_OK;
		case ':': return cli_usage_error("sign: option '%s' needs a value", argv[optind - 1]);
		default: return cli_usage_error("sign: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("sign: name one run directory (keur sign DIR --key K --cert C)");
	if (!key || !cert)
		return cli_usage_error("sign: --key and --cert are both required");
	const char *dir = argv[optind];
	if (run_view_load(dir, &rv, why, sizeof(why)) < 0) {
		fprintf(stderr, "keur: %s\n", why);
		return EXIT_USAGE;
	}
	rc = sign_report(dir, key, cert, subject, sizeof(subject), why, sizeof(why));
	sign_shutdown();
	if (rc < 0) {
		fprintf(stderr, "keur: %s\n", why);
		run_view_release(&rv);
		return EXIT_USAGE;
	}
	rc = label_write(&rv, dir);
	run_view_release(&rv);
	if (rc < 0 || html_write(dir) < 0) {
		fprintf(stderr, "keur: cannot write %s/label.svg and report.html\n", dir);
		return EXIT_INCONC;
	}
	printf("%s/report.xml: signed by '%s'; label.svg (with the signed report's SHA-256) and report.html rewritten\n",
	       dir, subject);
	return EXIT_OK;
}

static int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ca", required_argument, NULL, 'a' }, { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *ca = NULL;
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'a': ca = optarg; break;
		case 'h': fputs(verify_help, stdout); return EXIT_OK;
		case ':': return cli_usage_error("verify: option '%s' needs a value", argv[optind - 1]);
		default: return cli_usage_error("verify: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("verify: name one run directory or report.xml (keur verify DIR [--ca CA])");
	rc = sign_verify(argv[optind], ca, stdout);
	sign_shutdown();
	return rc;
}

static const char lab_help[] =
	"usage: keur lab up [--dir DIR] [--name NAME] [--duts N] [--flaw [I:]NAME]...\n"
	"       keur lab down [--dir DIR]\n"
	"       keur lab power on|off --dut devI [--dir DIR]\n"
	"       keur lab reflash --dut devI --firmware V [--dir DIR]\n"
	"\n"
	"The simulated lab (needs root): network namespaces keur-NAME-cloud and keur-NAME-dutI; in the\n"
	"cloud a mosquitto broker (TLS, passwords, ACL) and the update service; per DUT a keur-simdev\n"
	"with a LAN link to this host (198.18.10+G.2) and a WAN link to the cloud (198.19.G.1), where\n"
	"G = I for a lab alone; labs up at once each get their own G and cloud address (lab up prints\n"
	"them; at most 240 devices and 64 labs in all).  A name in use is refused.\n"
	"DIR (default ./keur-lab) receives lab.xml and devI.xml, ready for keur run, and lab.state,\n"
	"which lab down reads to remove every namespace, process and file, also after a crash.\n"
	"  --duts N           how many devices (default 1)\n"
	"  --flaw NAME        a flaw of keur-simdev (see keur-simdev --help) for every device;\n"
	"  --flaw I:NAME      for device I only\n"
	"  --name NAME        1-8 of a-z0-9 (default lab)\n"
	"  --dir DIR          the lab's folder (default ./keur-lab), for every verb\n"
	"  --dut devI         the device that power and reflash act on\n"
	"  --firmware V       the firmware version reflash sets\n"
	"reflash switches the device off, sets its firmware version to V and switches it on again\n"
	"(the lab's <reflash> fixture: each UPDATE-* case starts from the declared firmware).\n";

/* keur-simdev beside this keur, else from PATH. */
static char *sibling(const char *prog)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n > 0) {
		self[n] = '\0';
		char *dir = path_dir(self), *p = path_join(dir, prog);
		free(dir);
		if (access(p, X_OK) == 0)
			return p;
		free(p);
	}
	return xstrdup(prog);
}

static int cmd_lab(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' }, { "duts", required_argument, NULL, 'n' },
		{ "flaw", required_argument, NULL, 'f' }, { "name", required_argument, NULL, 'N' },
		{ "dut", required_argument, NULL, 'u' }, { "help", no_argument, NULL, 'h' },
		{ "firmware", required_argument, NULL, 'F' }, { NULL, 0, NULL, 0 },
	};
	const char *firmware = NULL;
	struct lab_up_opts o = { .dir = "keur-lab", .name = "lab", .nduts = 1 };
	const char *dut = NULL, *verb = argc > 1 ? argv[1] : "", *onoff = NULL;
	int c, first = 2, rc;

	if (!strcmp(verb, "--help") || !strcmp(verb, "-h") || argc < 2) {
		fputs(lab_help, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	if (!strcmp(verb, "power")) {
		onoff = argc > 2 ? argv[2] : "";
		first = 3;
		if (!strcmp(onoff, "--help") || !strcmp(onoff, "-h")) {
			fputs(lab_help, stdout);
			return EXIT_OK;
		}
		if (strcmp(onoff, "on") && strcmp(onoff, "off"))
			return cli_usage_error("lab power: say on or off");
	} else if (strcmp(verb, "up") && strcmp(verb, "down") && strcmp(verb, "reflash")) {
		return cli_usage_error("lab: '%s' is not up, down, power or reflash", verb);
	}
	optind = first;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': o.dir = optarg; break;
		case 'n': {
			char *e;
			long n = strtol(optarg, &e, 10);
			if (*e || e == optarg || n < 1 || n > 200)
				return cli_usage_error("lab: --duts '%s' is not a number from 1 to 200", optarg);
			o.nduts = (int)n;
			break;
		}
		case 'f':
			if (o.nflaws == 64)
				return cli_usage_error("lab: too many --flaw options");
			o.flaws[o.nflaws++] = optarg;
			break;
		case 'N': o.name = optarg; break;
		case 'u': dut = optarg; break;
		case 'F': firmware = optarg; break;
		case 'h': fputs(lab_help, stdout); return EXIT_OK;
		case ':': return cli_usage_error("lab: option '%s' needs a value", argv[optind - 1]);
		default: return cli_usage_error("lab: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("lab: unexpected argument '%s'", argv[optind]);
	if (!strcmp(verb, "up")) {
		char *self = sibling("keur"), *simdev = sibling("keur-simdev");
		o.keur = self;
		o.simdev = simdev;
		rc = lab_up(&o);
		free(self);
		free(simdev);
		return rc;
	}
	if (!strcmp(verb, "down"))
		return lab_down(o.dir);
	if (!dut)
		return cli_usage_error("lab %s: --dut devI is required", verb);
	if (!strcmp(verb, "reflash")) {
		if (!firmware)
			return cli_usage_error("lab reflash: --firmware V is required");
		return lab_reflash(o.dir, dut, firmware);
	}
	return lab_power(o.dir, dut, !strcmp(onoff, "on"));
}

int cli_main(int argc, char **argv)
{
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		fputs(usage_text, stdout);
		usage_data();
		return EXIT_OK;
	}
	if (!strcmp(cmd, "--version")) {
		printf("keur %s\n", KEUR_VERSION);
		return EXIT_OK;
	}
	xmlInitParser();
	if (!strcmp(cmd, "run"))
		rc = cmd_run(argc - 1, argv + 1);
	else if (!strcmp(cmd, "list"))
		rc = cmd_list(argc - 1, argv + 1);
	else if (!strcmp(cmd, "lint"))
		rc = cmd_lint(argc - 1, argv + 1);
	else if (!strcmp(cmd, "report"))
		rc = cmd_report(argc - 1, argv + 1);
	else if (!strcmp(cmd, "label"))
		rc = cmd_label(argc - 1, argv + 1);
	else if (!strcmp(cmd, "lab"))
		rc = cmd_lab(argc - 1, argv + 1);
	else if (!strcmp(cmd, "sign"))
		rc = cmd_sign(argc - 1, argv + 1);
	else if (!strcmp(cmd, "verify"))
		rc = cmd_verify(argc - 1, argv + 1);
	else if (!strcmp(cmd, "campaign"))
		rc = cmd_campaign(argc - 1, argv + 1);
	else if (!strcmp(cmd, "ics"))
		rc = cmd_ics(argc - 1, argv + 1);
	else if (!strcmp(cmd, "review"))
		rc = cmd_review(argc - 1, argv + 1);
	else if (!strcmp(cmd, "image"))
		rc = cmd_image(argc - 1, argv + 1);
	else if (!strcmp(cmd, "registry"))
		rc = cmd_registry(argc - 1, argv + 1);
	else if (!strcmp(cmd, "bundle"))
		rc = cmd_bundle(argc - 1, argv + 1);
	else
		rc = cli_usage_error("unknown command '%s'", cmd);
	xmlCleanupParser();
	return rc;
}
