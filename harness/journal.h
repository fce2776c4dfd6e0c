/* journal.h — the append-only journal of a run (DESIGN.md, "Journal").
 *
 * One line per record: `TYPE key=value ... ~CRC32\n`, values percent-escaped, so that the file
 * stays readable with grep and a torn last line is told from a whole one.  A batch of records is
 * one write(2) and one fsync(2): a run killed at any moment loses at most the record in flight.
 * Every report is derived from the journal alone. */
#ifndef KEUR_JOURNAL_H
#define KEUR_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

struct jrec {
	char *type;
	size_t n;
	char **key, **val;	/* keys may repeat (e.g. one `ev` per evidence file) */
};

struct jrecs {
	struct jrec *r;
	size_t n;
};

void jrec_init(struct jrec *r, const char *type);
/* Adds key=val (copied); a NULL val adds nothing. */
void jrec_add(struct jrec *r, const char *key, const char *val);
void jrec_addf(struct jrec *r, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* First value of key, or NULL. */
const char *jrec_get(const struct jrec *r, const char *key);
int64_t jrec_get_i64(const struct jrec *r, const char *key, int64_t dflt);
void jrec_release(struct jrec *r);
void jrecs_release(struct jrecs *rs);

/* Encodes one record as a journal line (with CRC and newline); caller frees. */
char *jrec_encode(const struct jrec *r);
/* Decodes one line (without its newline); 0, or -1 when malformed or the CRC does not match. */
int jrec_decode(const char *line, size_t len, struct jrec *out);

struct journal;

/* Creates DIR/journal, failing if it exists.  Caller closes with journal_close().  Both take an
 * exclusive lock on the file for as long as it is open: -EBUSY while another process holds it. */
int journal_create(const char *path, struct journal **out);
/* Opens an existing journal for appending; a torn last record is cut off first.  -EBADMSG when
 * it is damaged. */
int journal_open(const char *path, struct journal **out);
/* Appends records in one write and fsyncs; 0 or -errno. */
int journal_append(struct journal *j, const struct jrec *recs, size_t n);
void journal_close(struct journal *j);

/* Reads every whole record.  A torn tail is skipped (its offset is in *valid_len); a damaged
 * record followed by whole ones is corruption: -1 with the reason in why. */
int journal_read(const char *path, struct jrecs *out, size_t *valid_len, char *why, size_t len);

#endif
