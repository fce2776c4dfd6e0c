/* cli.h — keur's command line (DESIGN.md, "Command line": the contract). */
#ifndef KEUR_CLI_H
#define KEUR_CLI_H

/* Exit codes. */
enum {
	EXIT_OK = 0,		/* every mandatory requirement passed */
	EXIT_FAILED = 1,	/* some failed */
	EXIT_USAGE = 2,		/* bad command line or input file */
	EXIT_INCONC = 3,	/* the run was inconclusive (lab or harness problem) */
};

int cli_main(int argc, char **argv);

/* "keur: WHAT" and a pointer to --help on stderr; returns EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Who runs keur, for the records: $KEUR_OPERATOR, else the login name, else "unknown". */
const char *cli_operator_default(void);

struct run_view;
/* Rewrites every output of the run in dir (report.xml too, signed or not) and signs it again
 * with the key paths its journal records, if any.  Returns code, EXIT_INCONC when signing
 * failed, or -1 when an output could not be written (the reason printed). */
int cli_write_outputs(const struct run_view *rv, const char *dir, int code);
/* The summary lines of a run on stderr: cases, failed and undecided requirements, the reviews
 * awaited, ICS contradictions, the level and label, where the results are and the exit code. */
void cli_summary(const struct run_view *rv, const char *outdir, int code);
/* After the journal of the run in dir grew (a review): loads it again, rewrites the outputs
 * (cli_write_outputs) and, when summary, prints the summary.  Returns the run's exit code, or
 * EXIT_INCONC when the journal cannot be read or an output not written (the reason printed). */
int cli_outputs_again(const char *dir, int summary);

/* keur ics and keur review (cli_review.c): the manufacturer's statement and the assessor's
 * review. */
int cmd_ics(int argc, char **argv);
int cmd_review(int argc, char **argv);

/* keur image (cli_image.c): an update image's format, versions and signer; its forgeries. */
int cmd_image(int argc, char **argv);

/* keur campaign (campaign.c): one `keur run` per DUT, at once, and the results gathered. */
int cmd_campaign(int argc, char **argv);

#endif
