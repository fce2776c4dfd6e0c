/* bundle.c — a signed run as the one tar file a lab submits, and back.  A registry unpacks
 * bundles from labs it does not control, so reading treats the tar as hostile: each member's
 * name, type and size are checked before anything is written for it, the bytes actually read
 * are counted against the limits, and nothing is created through a symbolic link.  Writing
 * takes only the regular files the signed report names, so a bundle holds what the signature
 * covers and nothing else. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "bundle.h"
#include "reports.h"
#include "util.h"

#define COPY_CHUNK 65536
#define SHOWN_MAX 128		/* bytes of a member's name a message quotes */

static int fail(char *why, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -1;
}

static const char *ar_why(struct archive *a)
{
	const char *s = a ? archive_error_string(a) : NULL;

	return s ? s : "out of memory";
}

/* The names a tar holds so far, to catch one given twice. */
struct names {
	char **v;
	size_t n;
};

/* Takes name (it is freed when already there); 1 when it was there already, else 0. */
static int names_add(struct names *s, char *name)
{
	for (size_t i = 0; i < s->n; i++) {
		if (!strcmp(s->v[i], name)) {
			free(name);
			return 1;
		}
	}
	s->v = xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
	s->v[s->n++] = name;
	return 0;
}

static void names_release(struct names *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

/* name without its "." and empty components ("./a//b/" is "a/b", "./" is ""), so that no
 * member hides behind another spelling of a name; caller frees.  NULL when one is "..". */
static char *name_clean(const char *name)
{
	struct strbuf sb;

	sb_init(&sb);
	for (const char *p = name, *end; *p; p = *end ? end + 1 : end) {
		size_t n;
		end = strchrnul(p, '/');
		n = (size_t)(end - p);
		if (n == 0 || (n == 1 && p[0] == '.'))
			continue;
		if (n == 2 && !memcmp(p, "..", 2)) {
			sb_release(&sb);
			return NULL;
		}
		if (sb.len)
			sb_add(&sb, "/", 1);
		sb_add(&sb, p, n);
	}
	return sb.buf ? sb_detach(&sb) : xstrdup("");
}

/* The directory that holds the last component of name (a clean relative name) beneath the
 * directory root, opened one component at a time with O_NOFOLLOW, so that a symbolic link on
 * the way is an error (ELOOP) rather than a way out; missing ones are created (0755) when make.
 * Its fd (caller closes) with *leaf at the last component, or -errno. */
static int parent_open(int root, const char *name, int make, const char **leaf)
{
	int fd = fcntl(root, F_DUPFD_CLOEXEC, 0);

	for (const char *p = name, *slash; fd >= 0; p = slash + 1) {
		struct stat st;
		char *c;
		int next, err;
		if (!(slash = strchr(p, '/'))) {
			*leaf = p;
			return fd;
		}
		c = xstrndup(p, (size_t)(slash - p));
		if (make && mkdirat(fd, c, 0755) < 0 && errno != EEXIST)
			next = -1;
		else
			next = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		err = errno;
		if (next < 0 && err == ENOTDIR && !fstatat(fd, c, &st, AT_SYMLINK_NOFOLLOW) && S_ISLNK(st.st_mode))
			err = ELOOP;	/* O_DIRECTORY speaks first: say what it is */
		free(c);
		close(fd);
		if (next < 0)
			return -err;
		fd = next;
	}
	return -errno;
}

/* ---- writing ---- */

/* Copies the open file fd (st) into the tar as name; a file that changes meanwhile would not
 * match its signature, so it is refused rather than bundled. */
static int member_copy(struct archive *a, int fd, const struct stat *st, const char *dir, const char *name,
		       char *why, size_t len)
{
	struct archive_entry *e = archive_entry_new();
	char buf[COPY_CHUNK];
	int64_t got = 0;
	ssize_t n;
	int r = -1;

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, st->st_size);
	archive_entry_set_mtime(e, st->st_mtime, 0);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	if (archive_write_header(a, e) != ARCHIVE_OK) {
		fail(why, len, "cannot add %s/%s to the bundle: %s", dir, name, ar_why(a));
		goto out;
	}
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fail(why, len, "cannot read %s/%s: %s", dir, name, strerror(errno));
			goto out;
		}
		if ((got += n) > st->st_size)
			break;
		if (archive_write_data(a, buf, (size_t)n) != n) {
			fail(why, len, "cannot add %s/%s to the bundle: %s", dir, name, ar_why(a));
			goto out;
		}
	}
	if (got != st->st_size) {
		fail(why, len, "%s/%s changed while keur bundled it", dir, name);
		goto out;
	}
	r = 0;
out:
	archive_entry_free(e);
	return r;
}

/* Adds DIR/name (a clean relative name) to the tar: a regular file inside dir, lstat'ed and
 * opened without following a symbolic link; *total counts the bytes of the bundle so far. */
static int member_write(struct archive *a, int root, const char *dir, const char *name, int64_t *total, char *why,
			size_t len)
{
	const char *leaf;
	struct stat st;
	int pfd = parent_open(root, name, 0, &leaf), fd = -1, r = -1;

	if (pfd < 0) {
		fail(why, len, "%s/%s: %s", dir, name,
		     pfd == -ELOOP ? "a directory on its way is a symbolic link" : strerror(-pfd));
	} else if (fstatat(pfd, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		fail(why, len, "%s/%s: %s", dir, name, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		fail(why, len, "%s/%s is %s", dir, name, S_ISLNK(st.st_mode) ? "a symbolic link" : "not a regular file");
	} else if ((fd = openat(pfd, leaf, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0) {
		fail(why, len, "%s/%s: %s", dir, name, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		fail(why, len, "%s/%s is not a regular file", dir, name);
	} else if (st.st_size > BUNDLE_MAX_MEMBER || (*total += st.st_size) > BUNDLE_MAX_TOTAL) {
		fail(why, len, "%s/%s makes the bundle larger than a registry takes (%lld bytes a file, %lld in all)",
		     dir, name, (long long)BUNDLE_MAX_MEMBER, (long long)BUNDLE_MAX_TOTAL);
	} else {
		r = member_copy(a, fd, &st, dir, name, why, len);
	}
	if (fd >= 0)
		close(fd);
	if (pfd >= 0)
		close(pfd);
	return r;
}

/* report.xml, then each file it names (files, n), each once. */
static int members_write(struct archive *a, const char *dir, char **files, size_t n, char *why, size_t len)
{
	struct names seen = { 0 };
	int64_t total = 0;
	int root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0;

	if (root < 0)
		return fail(why, len, "cannot open %s: %s", dir, strerror(errno));
	for (size_t i = 0; r == 0 && i <= n; i++) {
		const char *f = i ? files[i - 1] : "report.xml";
		char *name = name_clean(f);
		if (!name || !*name) {
			free(name);
			r = fail(why, len, "%s/report.xml names '%s', which is not a file in %s", dir, f, dir);
		} else if (names_add(&seen, name)) {
			continue;
		} else if (seen.n > BUNDLE_MAX_FILES) {
			r = fail(why, len, "%s/report.xml names more than the %d files a bundle may hold", dir,
				 BUNDLE_MAX_FILES);
		} else {
			r = member_write(a, root, dir, name, &total, why, len);
		}
	}
	names_release(&seen);
	close(root);
	return r;
}

int bundle_write(const char *dir, const char *out, char *why, size_t len)
{
	char **files = NULL, *tmp = xasprintf("%s.tmp.%ld", out, (long)getpid());
	struct archive *a = NULL;
	size_t n = 0;
	int fd = -1, made = 0, err, r = -1;

	if (sign_report_files(dir, &files, &n, why, len) < 0)
		goto out;
	if (!report_is_signed(dir)) {
		fail(why, len, "%s/report.xml is not signed: sign it first (keur sign %s --key K --cert C)", dir, dir);
		goto out;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644)) < 0) {
		fail(why, len, "cannot create %s: %s", tmp, strerror(errno));
		goto out;
	}
	made = 1;
	a = archive_write_new();
	if (!a || archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_add_filter_none(a) != ARCHIVE_OK || archive_write_open_fd(a, fd) != ARCHIVE_OK) {
		fail(why, len, "cannot write %s: %s", tmp, ar_why(a));
		goto out;
	}
	if (members_write(a, dir, files, n, why, len) < 0)
		goto out;
	if (archive_write_close(a) != ARCHIVE_OK) {
		fail(why, len, "cannot write %s: %s", tmp, ar_why(a));
		goto out;
	}
	err = fsync(fd) < 0 ? errno : 0;
	if (close(fd) < 0 && !err)
		err = errno;
	fd = -1;
	if (err) {
		fail(why, len, "cannot write %s: %s", tmp, strerror(err));
		goto out;
	}
	if (rename(tmp, out) < 0) {
		fail(why, len, "cannot rename %s to %s: %s", tmp, out, strerror(errno));
		goto out;
	}
	r = 0;
out:
	if (a)
		archive_write_free(a);
	if (fd >= 0)
		close(fd);
	if (r < 0 && made)
		unlink(tmp);
	for (size_t i = 0; i < n; i++)
		free(files[i]);
	free(files);
	free(tmp);
	return r;
}

/* ---- reading ---- */

/* One bundle being unpacked. */
struct unpack {
	struct archive *a;
	const char *file, *dest;
	int root;		/* dest, open */
	struct names seen;	/* clean names of the members so far */
	long members;
	int64_t total;		/* bytes of all members so far: declared, then as read */
	char at[SHOWN_MAX];	/* the member at hand, as messages quote it */
	char *why;
	size_t len;
};

/* name as a one-line message may quote it: control characters as '?', cut short if long. */
static void shown(char buf[SHOWN_MAX], const char *name)
{
	size_t i;

	for (i = 0; name[i] && i < SHOWN_MAX - 4; i++)
		buf[i] = (unsigned char)name[i] < ' ' || name[i] == 0x7f ? '?' : name[i];
	strcpy(buf + i, name[i] ? "…" : "");
}

/* Why a member of e's type may not be in a bundle, or NULL for a regular file or directory. */
static const char *type_refused(struct archive_entry *e)
{
	if (archive_entry_hardlink(e))
		return "a hard link";
	if (archive_entry_symlink(e))
		return "a symbolic link";
	switch (archive_entry_filetype(e)) {
	case AE_IFREG:
	case AE_IFDIR:
		return NULL;
	case AE_IFLNK:
		return "a symbolic link";
	case AE_IFCHR:
	case AE_IFBLK:
		return "a device";
	case AE_IFIFO:
		return "a FIFO";
	case AE_IFSOCK:
		return "a socket";
	default:
		return "of an unknown type";
	}
}

/* The member's header, checked before anything is written for it; *clean gets the name it is
 * unpacked as ("" for the bundle's top), which the caller frees.  0, or -1 with the reason. */
static int member_check(struct unpack *u, struct archive_entry *e, char **clean)
{
	const char *name = archive_entry_pathname(e), *bad;
	int64_t size = archive_entry_size(e);

	*clean = NULL;
	shown(u->at, name ? name : "");
	if (++u->members > BUNDLE_MAX_FILES)
		return fail(u->why, u->len, "the bundle's member '%s' is one more than the %d a bundle may hold", u->at,
			    BUNDLE_MAX_FILES);
	if (!name || !*name)
		return fail(u->why, u->len, "the bundle's member %ld has an empty name", u->members);
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			return fail(u->why, u->len, "the bundle's member '%s' has a control character in its name", u->at);
	if (name[0] == '/')
		return fail(u->why, u->len, "the bundle's member '%s' has an absolute path", u->at);
	if (!(*clean = name_clean(name)))
		return fail(u->why, u->len, "the bundle's member '%s' climbs out of the bundle", u->at);
	if ((bad = type_refused(e)))
		return fail(u->why, u->len, "the bundle's member '%s' is %s: a bundle holds files and directories only",
			    u->at, bad);
	if (!**clean && archive_entry_filetype(e) != AE_IFDIR)
		return fail(u->why, u->len, "the bundle's member '%s' has an empty name", u->at);
	if (**clean && names_add(&u->seen, xstrdup(*clean)))
		return fail(u->why, u->len, "the bundle holds '%s' twice", u->at);
	if (size < 0 || size > BUNDLE_MAX_MEMBER)
		return fail(u->why, u->len, "the bundle's member '%s' is %lld bytes, over the %lld a member may hold",
			    u->at, (long long)size, (long long)BUNDLE_MAX_MEMBER);
	if ((u->total += size) > BUNDLE_MAX_TOTAL)
		return fail(u->why, u->len, "the bundle's member '%s' takes it over the %lld bytes a bundle may hold",
			    u->at, (long long)BUNDLE_MAX_TOTAL);
	return 0;
}

/* Copies the member's bytes into fd, counting what is actually read: the header's size is the
 * lab's word, and one that lies must not carry a bomb past the limits. */
static int member_data(struct unpack *u, int64_t size, int fd)
{
	char buf[COPY_CHUNK];
	int64_t got = 0;
	la_ssize_t n;
	int r;

	u->total -= size;	/* counted again as read */
	while ((n = archive_read_data(u->a, buf, sizeof(buf))) > 0) {
		if ((got += n) > size || got > BUNDLE_MAX_MEMBER || (u->total += n) > BUNDLE_MAX_TOTAL)
			return fail(u->why, u->len, "the bundle's member '%s' holds more bytes than its header or a bundle allows",
				    u->at);
		if ((r = write_all(fd, buf, (size_t)n)) < 0)
			return fail(u->why, u->len, "cannot write the bundle's member '%s' into %s: %s", u->at, u->dest,
				    strerror(-r));
	}
	if (n < 0 || got != size)
		return fail(u->why, u->len, "%s is truncated or corrupt at '%s': %s", u->file, u->at,
			    n < 0 ? ar_why(u->a) : "its data ends early");
	return 0;
}

/* Creates the checked member clean beneath dest: missing directories 0755, a new file 0644,
 * never through a symbolic link. */
static int member_make(struct unpack *u, struct archive_entry *e, const char *clean)
{
	int dir = archive_entry_filetype(e) == AE_IFDIR, pfd, fd, r = 0;
	const char *leaf;

	if (!*clean)		/* "./": dest itself */
		return 0;
	if ((pfd = parent_open(u->root, clean, 1, &leaf)) < 0)
		return fail(u->why, u->len, "cannot create the bundle's member '%s' in %s: %s", u->at, u->dest,
			    pfd == -ELOOP ? "a symbolic link is on its way" : strerror(-pfd));
	if (dir && mkdirat(pfd, leaf, 0755) < 0 && errno != EEXIST)
		fd = -1;
	else if (dir)
		fd = openat(pfd, leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	else
		fd = openat(pfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		r = fail(u->why, u->len, "cannot create the bundle's member '%s' in %s: %s", u->at, u->dest,
			 strerror(errno));
	else if (!dir)
		r = member_data(u, archive_entry_size(e), fd);
	if (fd >= 0 && close(fd) < 0 && r == 0)
		r = fail(u->why, u->len, "cannot write the bundle's member '%s' into %s: %s", u->at, u->dest,
			 strerror(errno));
	close(pfd);
	return r;
}

int bundle_read(const char *file, const char *dest, char *why, size_t len)
{
	struct unpack u = { .file = file, .dest = dest, .root = -1, .why = why, .len = len };
	struct archive_entry *e = NULL;
	struct stat st;
	int fd = -1, ar, r = -1;

	if ((u.root = open(dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		fail(why, len, "cannot open %s: %s", dest, strerror(errno));
		goto out;
	}
	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0) {
		fail(why, len, "cannot read %s: %s", file, strerror(errno));
		goto out;
	}
	/* tar alone and no filter: a bundle is a plain tar, and a filter might run a program */
	u.a = archive_read_new();
	if (!u.a || archive_read_support_format_tar(u.a) != ARCHIVE_OK ||
	    archive_read_support_filter_none(u.a) != ARCHIVE_OK || archive_read_open_fd(u.a, fd, COPY_CHUNK) != ARCHIVE_OK) {
		fail(why, len, "%s is not a tar bundle", file);
		goto out;
	}
	while ((ar = archive_read_next_header(u.a, &e)) == ARCHIVE_OK) {
		char *clean;
		int bad = member_check(&u, e, &clean) < 0 || member_make(&u, e, clean) < 0;
		free(clean);
		if (bad)
			goto out;
	}
	if (ar != ARCHIVE_EOF && !u.members) {
		fail(why, len, "%s is not a tar bundle", file);
	} else if (ar != ARCHIVE_EOF) {
		if (ar == ARCHIVE_WARN)
			shown(u.at, archive_entry_pathname(e) ? archive_entry_pathname(e) : "");
		fail(why, len, "%s is truncated or corrupt %s '%s': %s", file, ar == ARCHIVE_WARN ? "at" : "after", u.at,
		     ar_why(u.a));
	} else if (fstatat(u.root, "report.xml", &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode)) {
		fail(why, len, "the bundle holds no report.xml at its top");
	} else {
		r = 0;
	}
out:
	if (u.a)
		archive_read_free(u.a);
	if (fd >= 0)
		close(fd);
	if (u.root >= 0)
		close(u.root);
	names_release(&u.seen);
	return r;
}
