/* bundle.h — the single file a lab submits to a registry: a POSIX tar (written and read with
 * libarchive) of a signed run's report.xml and every run file it names (journal, evidence, the
 * ICS as given, review documents), nothing else. */
#ifndef KEUR_BUNDLE_H
#define KEUR_BUNDLE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

/* What bundle_read accepts at most. */
#define BUNDLE_MAX_FILES 4096			/* members */
#define BUNDLE_MAX_MEMBER (256LL << 20)		/* bytes of one member */
#define BUNDLE_MAX_TOTAL (1LL << 30)		/* bytes of all members together */

/* keur bundle: DIR/report.xml (which must carry a signature) and each file it names into the
 * tar at out, written under a temporary name, fsync'ed and renamed.  0, or -1 with the reason. */
int bundle_write(const char *dir, const char *out, char *why, size_t len);

/* Opens the run file name (relative) of the run directory dir, whose descriptor is root: a
 * regular file inside it, reached without following a symbolic link, and never blocking (a
 * FIFO in its place is refused).  Its descriptor, with its stat in st; or -1 with a line naming
 * DIR/NAME and what it is instead. */
int bundle_run_file(int root, const char *dir, const char *name, struct stat *st, char *why, size_t len);

/* Unpacks the bundle at file into dest (an empty directory that exists), refusing with one line
 * naming the member: an absolute path or one with a ".." component, a link, device, FIFO or
 * anything but a regular file or directory, a name twice, a member over BUNDLE_MAX_MEMBER,
 * more than BUNDLE_MAX_FILES members or BUNDLE_MAX_TOTAL bytes, a truncated or corrupt
 * archive, a file that is not a tar, and a bundle without report.xml at its top.  On refusal
 * dest may hold part of the bundle: the caller removes it.  0, or -1 with the reason. */
int bundle_read(const char *file, const char *dest, char *why, size_t len);

#endif
