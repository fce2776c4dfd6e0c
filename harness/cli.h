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

/* keur campaign (campaign.c): one `keur run` per DUT, at once, and the results gathered. */
int cmd_campaign(int argc, char **argv);

#endif
