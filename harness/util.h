/* util.h — allocation, strings, time and file helpers shared by the harness and reports. */
#ifndef KEUR_UTIL_H
#define KEUR_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "version.h"	/* KEUR_VERSION, from debian/changelog (Makefile) */
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation that never returns NULL: out of memory ends the process with a message, by
 * abort(), or by _exit(xalloc_exit_status) where that is set (a case process: the runner tells
 * a case that ran out of its memory ceiling from one that crashed). */
extern int xalloc_exit_status;
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A library that aborts on bad input, rather than failing, would end a case as a crash
 * whenever the DUT sends it such input: libmosquitto 2.0.11 (Debian 12) asserts on an MQTT v5
 * property it does not know.  Drivers bracket their calls into such a library with
 * abort_guard_enter(WHAT) .. abort_guard_leave(); an abort in between settles the case inconc,
 * naming WHAT (a static string), instead of `error` (ctx.c).  Outside a guard an abort stays a
 * crash: keur's own bugs must still show. */
void abort_guard_enter(const char *what);
void abort_guard_leave(void);
const char *abort_guard_what(void);	/* NULL outside a guard */

/* A growable string; the buffer is always NUL-terminated once anything was added. */
struct strbuf {
	char *buf;
	size_t len, cap;
};
void sb_init(struct strbuf *sb);
void sb_add(struct strbuf *sb, const char *s, size_t n);
void sb_adds(struct strbuf *sb, const char *s);
void sb_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One line naming at most max of many: adds name (", " between) while fewer than max were
 * added, counting it in *n either way; sb_add_more then ends the line with " and N more". */
void sb_add_capped(struct strbuf *sb, size_t *n, size_t max, const char *name);
void sb_add_more(struct strbuf *sb, size_t n, size_t max);
/* The next item of the comma-separated list at *p (a copy: caller frees), *p moved past it and
 * its comma; NULL at the end of the list (or when *p is NULL).  An empty item comes back "". */
char *list_next(const char **p);
/* Hands the buffer to the caller (who frees it) and leaves sb empty. */
char *sb_detach(struct strbuf *sb);
void sb_release(struct strbuf *sb);

/* The median of n (> 0) values: the upper one of the middle two for even n.  Sorts v. */
long median_long(long *v, size_t n);

/* Wall-clock milliseconds since the epoch, and a monotonic clock for deadlines. */
int64_t time_now_ms(void);
int64_t time_mono_ms(void);
/* "2026-11-23T10:00:00.123Z" into buf (at least 32 bytes); returns buf. */
char *time_iso(int64_t ms, char *buf, size_t len);
/* "20261123T100000Z", for directory names. */
char *time_compact(int64_t ms, char *buf, size_t len);

/* mkdir -p; 0 or -errno. */
int mkdir_p(const char *path, mode_t mode);
/* Writes all of buf, retrying on EINTR and short writes; 0 or -errno. */
int write_all(int fd, const void *buf, size_t len);
/* Copies what is left to read of in to out: 0, or -errno. */
int fd_copy(int in, int out);
/* Reads a whole file (NUL-terminated, caller frees *out); 0 or -errno. */
int file_read(const char *path, char **out, size_t *len);
/* Writes a file atomically (temporary name, fsync, rename); 0 or -errno. */
int file_write_atomic(const char *path, const char *data, size_t len);

/* Copies a regular file atomically (temporary name, fsync, rename), with its SHA-256 and size;
 * 0, -EFBIG when it is larger than max bytes, -EINVAL when it is not a regular file, or -errno. */
int file_copy(const char *from, const char *to, int64_t max, char sha[65], int64_t *size);

/* Descriptors opened before a case process gave up root (runner.c: a serial line the case
 * could not open afterwards), by the path the description names.  preopen_dup returns a
 * duplicate the caller closes, or -1 when path was not opened so. */
void preopen_add(const char *path, int fd);
int preopen_dup(const char *path);
/* The descriptors held so, up to cap of them into out; how many. */
size_t preopen_fds(int *out, size_t cap);

/* Joins dir and a relative name; absolute names are returned as they are. Caller frees. */
char *path_join(const char *dir, const char *name);
/* Splits http://ADDRESS[:PORT]/PATH (numeric IPv4, or [IPv6]): 0, or -1 when it is not one.
 * port defaults to 80; *path (may be NULL) points into url, at the '/'. */
int url_split(const char *url, char *host, size_t hlen, int *port, const char **path);
/* The directory part of a path ("." when it has none). Caller frees. */
char *path_dir(const char *path);

/* The folder of keur's bundled data (profiles/, schemas/, demo/), found from where the running
 * binary is: the checkout it was built in (profiles/profile.xsd beside it), else
 * BINDIR/../share/keur when installed (make install, the Debian package); NULL when neither. */
const char *keur_data_dir(void);

/* Case IDs are AREA-TOPIC-NNN: capitals, digits and dashes. */
int id_valid(const char *id);

#endif
