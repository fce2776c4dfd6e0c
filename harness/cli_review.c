/* cli_review.c — keur ics and keur review: the manufacturer's conformance statement and the
 * assessor's review of what only documents can show. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ics.h"
#include "input.h"
#include "results.h"
#include "review.h"
#include "util.h"

static const char ics_help[] =
	"usage: keur ics template --profile P\n"
	"\n"
	"Prints, on stdout, an implementation conformance statement (ICS) for profile P for the\n"
	"manufacturer to fill in: per requirement, status implemented, not-implemented or\n"
	"not-applicable, a justification (required unless implemented) and the documents that\n"
	"show it; issued-by and date say who states it.  Give it to a run with keur run --ics FILE,\n"
	"or name it in the DUT description (<declares ics=\"FILE\"/>).  keur shows every place\n"
	"where it contradicts what keur's cases found; a requirement the ICS calls not applicable\n"
	"is na only once the assessor agrees (keur review).  Schema: profiles/ics.xsd.\n";

int cmd_ics(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "profile", required_argument, NULL, 'p' }, { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *profile = NULL;
	struct input_errors err = { 0 };
	struct keur_profile *p = NULL;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': profile = optarg; break;
		case 'h': fputs(ics_help, stdout); return EXIT_OK;
		case ':': return cli_usage_error("option '%s' needs a value", argv[optind - 1]);
		default: return cli_usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc || strcmp(argv[optind], "template"))
		return cli_usage_error("ics: say what to do: keur ics template --profile P");
	if (optind + 1 < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind + 1]);
	if (!profile)
		return cli_usage_error("ics template: --profile P is required: an ICS answers one profile");
	if (profile_load(profile, &p, &err) < 0) {
		input_errors_print(&err);
		input_errors_release(&err);
		return EXIT_USAGE;
	}
	ics_template(stdout, p);
	fprintf(stderr, "keur: an ICS for profile %s version %s (%zu requirements) on stdout\n", p->id, p->version, p->nreqs);
	profile_free(p);
	return EXIT_OK;
}

static const char review_help[] =
	"usage: keur review DIR [--assessor NAME] [--operator NAME]\n"
	"       keur review template DIR\n"
	"       keur review DIR --with FILE [--operator NAME]\n"
	"\n"
	"The assessor's review of the requirements a person decides (the documentation review).\n"
	"  DIR            on a terminal: a guided review of each requirement of the run in DIR\n"
	"                 still open: its guidance, the ICS entry and the documents the manufacturer\n"
	"                 named, the questions of its decision tree one at a time (the answers give\n"
	"                 the verdict) or else the verdict, then the rationale and the documents\n"
	"                 examined.  Each is recorded as soon as you confirm it; skip one to come back\n"
	"                 to it, quit (or break off) at any time and run it again to go on.  Nothing\n"
	"                 is decided for you.  --assessor NAME: who decides (asked otherwise)\n"
	"  template DIR   print, on stdout, a review file for every requirement of the run in DIR\n"
	"                 still open for a person, with its summary, the ICS statement, any\n"
	"                 contradiction and its guidance as comments, and an <answer> per question\n"
	"                 of its decision tree\n"
	"  --with FILE    record the reviews in FILE (profiles/review.xsd): each needs a verdict\n"
	"                 (pass, fail, inconc, na), the assessor, the date, a rationale and the\n"
	"                 documents examined (paths relative to FILE; at least one for a pass), which\n"
	"                 keur copies into the run's evidence and hashes.  Where the requirement has\n"
	"                 a decision tree, its answers give the verdict (verdict may stay empty).\n"
	"                 A requirement keur decided\n"
	"                 itself takes a review only with <override reason=\"...\"/>.  A review left\n"
	"                 with verdict=\"\" stays open.  The file is checked whole first: one line per\n"
	"                 problem, exit 2, nothing recorded.  Then it is journaled in one write, every\n"
	"                 output is rewritten (and signed again when the run was signed with\n"
	"                 --sign-key), and the run's summary is printed.  A later review of a\n"
	"                 requirement replaces the earlier one in the outputs; the journal keeps both.\n"
	"  --operator NAME  who records the file (default $KEUR_OPERATOR, else the login name)\n"
	"exit codes as keur run: 0 every counted requirement passed, 1 some failed, 2 bad input,\n"
	"3 some are not decided (also while reviews are awaited)\n";

static int review_template_cmd(const char *dir)
{
	struct run_view rv;
	char why[512];

	if (run_view_load(dir, &rv, why, sizeof(why)) < 0) {
		fprintf(stderr, "keur: %s\n", why);
		return EXIT_USAGE;
	}
	if (!rv.profile) {
		fprintf(stderr, "keur: the run in %s has no profile: there is nothing for a person to review\n", dir);
		run_view_release(&rv);
		return EXIT_USAGE;
	}
	/* Over every profile of the run; one the profiles state to be the same as another open one
	 * is reviewed with it (review_covered). */
	size_t n = 0;
	for (size_t a = 0; a < rv.nas; a++)
		for (size_t i = 0; i < rv.as[a].nreqs; i++)
			n += rv.as[a].reqs[i].open && !review_covered(&rv, a, &rv.as[a].reqs[i]);
	if (n) {
		review_template(stdout, &rv);
		fprintf(stderr, "keur: %zu requirement(s) of run %s open for the assessor's review (template on stdout)\n", n,
			rv.report_id);
	} else {
		fprintf(stderr, "keur: nothing of run %s is open for review\n", rv.report_id);
	}
	run_view_release(&rv);
	return EXIT_OK;
}

static int review_with(const char *dir, const char *file, const char *by)
{
	struct run_view rv;
	struct input_errors err = { 0 };
	struct review_file *f = NULL;
	char why[768];

	if (run_view_load(dir, &rv, why, sizeof(why)) < 0) {
		fprintf(stderr, "keur: %s\n", why);
		return EXIT_USAGE;
	}
	if (review_load(file, &rv, &f, &err) < 0) {
		input_errors_print(&err);
		input_errors_release(&err);
		fprintf(stderr, "keur: nothing recorded\n");
		run_view_release(&rv);
		return EXIT_USAGE;
	}
	if (review_record(dir, &rv, f, by, why, sizeof(why)) < 0) {
		fprintf(stderr, "keur: %s; nothing recorded\n", why);
		review_file_free(f);
		run_view_release(&rv);
		return EXIT_INCONC;
	}
	fprintf(stderr, "keur: recorded %zu review(s) from %s%s", f->n, file, f->open ? "" : "\n");
	if (f->open)
		fprintf(stderr, " (%zu left open)\n", f->open);
	review_file_free(f);
	run_view_release(&rv);
	return cli_outputs_again(dir, 1);
}

int cmd_review(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "with", required_argument, NULL, 'w' }, { "operator", required_argument, NULL, 'o' },
		{ "assessor", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *with = NULL, *by = NULL, *assessor = NULL;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'w': with = optarg; break;
		case 'a':
			if (!optarg[0])
				return cli_usage_error("--assessor: give a name");
			assessor = optarg;
			break;
		case 'o':
			if (!optarg[0])
				return cli_usage_error("--operator: give a name");
			by = optarg;
			break;
		case 'h': fputs(review_help, stdout); return EXIT_OK;
		case ':': return cli_usage_error("option '%s' needs a value", argv[optind - 1]);
		default: return cli_usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc && !strcmp(argv[optind], "template")) {
		if (with || by || assessor)
			return cli_usage_error("review template: takes only DIR");
		if (optind + 2 != argc)
			return cli_usage_error("review template: name one run directory (keur review template DIR)");
		return review_template_cmd(argv[optind + 1]);
	}
	if (optind + 1 != argc)
		return cli_usage_error("review: name one run directory (keur review DIR, or keur review DIR --with FILE)");
	if (!by)
		by = cli_operator_default();
	if (with) {
		if (assessor)
			return cli_usage_error("review: --assessor is for the review on a terminal; a review file names "
					       "its assessor per review");
		return review_with(argv[optind], with, by);
	}
	if (!isatty(0) || !isatty(1))
		return cli_usage_error("review: not on a terminal, so no guided review: give the reviews as a file, "
				       "keur review %s --with FILE (keur review template %s prints one to fill in)",
				       argv[optind], argv[optind]);
	return review_terminal(argv[optind], stdin, stdout, assessor, by);
}
