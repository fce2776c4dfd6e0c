/* xmlout.h — small helpers over libxml2's xmlTextWriter shared by the XML report writers. */
#ifndef KEUR_XMLOUT_H
#define KEUR_XMLOUT_H

#include <stdint.h>

#include <libxml/xmlwriter.h>

#include "journal.h"

/* A writer into memory; xo_finish() writes it atomically to DIR/NAME and frees everything. */
struct xo {
	xmlBufferPtr buf;
	xmlTextWriterPtr w;
};
int xo_start(struct xo *x);
int xo_finish(struct xo *x, const char *dir, const char *name);
/* Like xo_finish(), after validating the document against the schema text xsd (compiled in,
 * build/schemas.c).  An invalid document is still written, so nothing is lost, but the call
 * returns -1 and prints the first problem: keur writing a report its own schema refuses is a
 * bug to be seen, not hidden. */
int xo_finish_valid(struct xo *x, const char *dir, const char *name, const char *xsd);
/* Validates the XML text doc against the schema text xsd: 0, or -1 with the first problem
 * ("line N: what") in why. */
int xml_valid(const char *doc, size_t len, const char *xsd, char *why, size_t wlen);

/* A copy of s that XML 1.0 can carry: every control character but tab, CR and LF, and every
 * byte of a malformed UTF-8 sequence, becomes '?' (a DUT's garbage must not make a report
 * invalid).  Caller frees. */
char *xo_clean(const char *s);

void xo_open(struct xo *x, const char *el);
void xo_close(struct xo *x);
/* Attribute only when val is not NULL. */
void xo_attr(struct xo *x, const char *name, const char *val);
void xo_attrf(struct xo *x, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void xo_text(struct xo *x, const char *text);
void xo_textf(struct xo *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* <el>text</el>, only when text is not NULL. */
void xo_elem(struct xo *x, const char *el, const char *text);
/* An ISO 8601 time from milliseconds since the epoch. */
void xo_attr_time(struct xo *x, const char *name, int64_t ms);

/* Iterates the `ev=NAME:SHA256:SIZE` values of a case record: returns the next index after
 * the one found (start with 0), or 0 when there are no more. */
size_t evidence_next(const struct jrec *r, size_t i, char name[256], char sha[65], long long *size);

#endif
