/* reports.h — writers that read a run through its journal (results.h) and never call suites or
 * drivers.  Each returns 0 or -errno and writes its file atomically. */
#ifndef KEUR_REPORTS_H
#define KEUR_REPORTS_H

#include <stdio.h>

#include "results.h"

/* The TAP lines of one case: "ok N - ID title", with the YAML diagnostics block. */
void tap_case(FILE *f, size_t n, const struct rv_case *c);
/* "14", or "13" when the run asked for it (--tap-version 13). */
const char *tap_version(const struct run_view *rv);
/* The whole TAP stream of a run into DIR/results.tap. */
int tap_write(const struct run_view *rv, const char *dir);
/* DIR/junit.xml (JUnit XML as Jenkins and GitLab read it). */
int junit_write(const struct run_view *rv, const char *dir);
/* DIR/report.xml, keur's conformance report (reports/report.xsd). */
int conformance_write(const struct run_view *rv, const char *dir);
/* DIR/report.html from DIR/report.xml (reports/report.xsl); write report.xml first. */
int html_write(const char *dir);
/* DIR/oscal.xml, NIST OSCAL 1.1.2 assessment-results. */
int oscal_write(const struct run_view *rv, const char *dir);

/* The label's fields (REQUIREMENTS.md): the security level reached and three answers, each
 * "yes", "no", "not-determined" or (supported-until) the declared date. */
enum label_field { LABEL_UPDATES, LABEL_SUPPORT, LABEL_OFFLINE, LABEL_NFIELDS };
struct label_value {
	const char *name;		/* automatic-updates, supported-until, works-offline */
	char value[32];			/* yes, no, not-determined, or YYYY-MM[-DD] */
	char text[96];			/* what the label prints */
	enum keur_verdict verdict;	/* of the requirement or cases behind it */
	char source[160];		/* "requirement CSR-LABEL-ii" or "cases ..." */
};
struct label {
	char level[32];			/* a level's id, "none" or "not determined" (run_view_level_text) */
	struct label_value f[LABEL_NFIELDS];
	int waivers;
};
void label_compute(const struct run_view *rv, struct label *out);
/* DIR/label.svg, or with several profiles DIR/label-PROFILE.svg for each; a label carries the
 * SHA-256 of DIR/report.xml, so write that first. */
int label_write(const struct run_view *rv, const char *dir);
/* The file name of the selected profile's label: "label.svg" or "label-PROFILE.svg". */
void label_file(const struct run_view *rv, char *out, size_t len);
/* TAP comment lines after the cases: the level reached, the label, waivers. */
void tap_trailer(FILE *f, const struct run_view *rv);

/* keur sign: adds an enveloped XMLDSig signature (ECDSA-SHA256 for an EC key, RSA-SHA256 for an
 * RSA key of at least 2048 bits; exclusive C14N; the signer's certificate in KeyInfo) to
 * DIR/report.xml, replacing an earlier one, after checking that the report is valid and its
 * journal and evidence still match it.  The signer's subject goes to subject.  0, or -1 with
 * the reason in why.  Initialises OpenSSL: never call it in a process that will fork cases
 * afterwards. */
int sign_report(const char *dir, const char *key, const char *cert, char *subject, size_t slen,
		char *why, size_t len);
/* Whether key and cert can sign (an unencrypted EC key, or RSA key of at least 2048 bits; its
 * certificate, valid now), checked in a child process so that the caller stays free of
 * OpenSSL.  0, or -1 with the reason. */
int sign_check_keys(const char *key, const char *cert, char *why, size_t len);
/* keur verify: checks the report at target (a run directory or a report.xml) against its schema,
 * its signature, the signer's certificate chain to the CA file ca (not when ca is NULL) and
 * the SHA-256 of the journal and every evidence file, printing a line per check to out.
 * 0 if all hold, 1 if one does not, 2 if the report cannot be read at all. */
int sign_verify(const char *target, const char *ca, FILE *out);
/* For the registry: the checks of keur verify, without the chain and without printing: the
 * schema, one signature of keur's form that matches, the journal and every evidence file.  0
 * with the signer in f (release with sign_facts_release), or -1 with the first failure. */
struct sign_facts {
	char signer[256], issuer[256];	/* the signing certificate's subject and issuer (RFC 2253) */
	char cert_sha256[65];		/* SHA-256 of its DER */
	void *cert;			/* its X509 */
};
int sign_check(const char *dir, struct sign_facts *f, char *why, size_t len);
void sign_facts_release(struct sign_facts *f);
/* Does the signer's certificate chain (now) to the certificate in the PEM text ca_pem, taken
 * as the anchor (a root or an intermediate CA)?  0, or -1 with OpenSSL's reason. */
int sign_chain_pem(const struct sign_facts *f, const char *ca_pem, char *why, size_t len);
/* Reads a CA certificate file: its first certificate alone, as PEM (caller frees), with its
 * subject and SHA-256; refuses a file without PEM certificates or whose first one is not a CA. */
int sign_ca_read(const char *path, char **pem, char *subject, size_t slen, char fp[65], char *why, size_t len);
/* The run files DIR/report.xml names (journal, evidence, ICS, review documents), relative to
 * DIR, in document order; caller frees each and the array.  -1 when the report does not read
 * or names a file outside DIR. */
int sign_report_files(const char *dir, char ***files, size_t *n, char *why, size_t len);
/* Releases what sign_report or sign_verify initialised. */
void sign_shutdown(void);

/* Does DIR/report.xml carry an XMLDSig signature? */
int report_is_signed(const char *dir);
/* All of the above into DIR, from a run its caller loaded from DIR/journal.  With keep_signed,
 * a signed report.xml is left as it is (keur report); the rest is rewritten.  0, or -1 with
 * the reason printed. */
int reports_write_all(const struct run_view *rv, const char *dir, int keep_signed);

#endif
