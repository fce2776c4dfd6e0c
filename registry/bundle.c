/* bundle.c — a signed run as the one tar file a lab submits to a registry, and back.  The
 * registry unpacks bundles from labs it does not control, so reading treats the tar as hostile:
 * each member's name, type and size are checked before anything is written for it, the bytes
 * actually read count against the limits, and nothing is created through a symbolic link.
 * Writing takes only the regular files the signed report names: what its signature covers. */
#include <errno.h>
#include <fcntl.h>
#include <search.h>
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

#define CHUNK 65536
#define SHOWN_MAX 128		/* bytes of a member's name that a message quotes */

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

static int name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Adds name to the tree *seen (tsearch), which owns it from then on: 0, or 1 (and name freed)
 * when it was there already. */
static int seen_add(void **seen, char *name)
{
	char **got = tsearch(name, seen, name_cmp);

	if (!got) {		/* as xmalloc does */
		fputs("keur: out of memory\n", stderr);
		abort();
	}
	if (*got == name)
		return 0;
	free(name);
	return 1;
}

/* name without its "." and empty components ("./a//b/" is "a/b", "./" is ""), so that no
 * member hides behind another spelling of a name; caller frees.  NULL when one is "..". */
static char *name_clean(const char *name)
{
	struct strbuf sb;

	sb_init(&sb);
	for (const char *p = name, *end; *p; p = *end ? end + 1 : end) {
		size_t n = (size_t)((end = strchrnul(p, '/')) - p);
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

/* The directory holding the last component of the clean relative name, beneath the directory
 * root, opened a component at a time with O_NOFOLLOW: a symbolic link on the way is an error
 * (-ELOOP), not a way out.  Missing directories are made (0755) when make.  Its fd (caller
 * closes) with *leaf at the last component, or -errno. */
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
			err = ELOOP;	/* O_DIRECTORY answers first: say what it is */
		free(c);
		close(fd);
		if (next < 0)
			return -err;
		fd = next;
	}
	return -errno;
}

/* ---- writing ---- */

/* A bundle being written from the run directory dir (root, open). */
struct pack {
	struct archive *a;
	const char *dir;
	int root;
	void *seen;		/* the files in the tar so far (tsearch), */
	size_t files;		/* how many */
	int64_t total;		/* and their bytes */
	char *why;
	size_t len;
};

/* Adds the open regular file fd (st) as name.  One that changes meanwhile would no longer match
 * its signature, so it is refused rather than bundled. */
static int pack_data(struct pack *p, const char *name, int fd, const struct stat *st)
{
	struct archive_entry *e = archive_entry_new();
	char buf[CHUNK];
	int64_t got = 0;
	ssize_t n = 0;
	int ok;

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, st->st_size);
	archive_entry_set_mtime(e, st->st_mtime, 0);
	archive_entry_set_uid(e, 0);	/* and no user or group names: they say nothing of the run */
	archive_entry_set_gid(e, 0);
	ok = archive_write_header(p->a, e) == ARCHIVE_OK;
	archive_entry_free(e);
	while (ok && (n = read(fd, buf, sizeof(buf))) > 0 && (got += n) <= st->st_size)
		ok = archive_write_data(p->a, buf, (size_t)n) == n;
	if (!ok)
		return fail(p->why, p->len, "cannot add %s/%s to the bundle: %s", p->dir, name, ar_why(p->a));
	if (n < 0)
		return fail(p->why, p->len, "cannot read %s/%s: %s", p->dir, name, strerror(errno));
	if (got != st->st_size)
		return fail(p->why, p->len, "%s/%s changed while keur bundled it", p->dir, name);
	return 0;
}

/* Adds DIR/name (a clean relative name), a regular file inside dir: lstat'ed, then opened
 * without following a symbolic link. */
int bundle_run_file(int root, const char *dir, const char *name, struct stat *st, char *why, size_t len)
{
	const char *leaf, *bad = NULL;
	int pfd = parent_open(root, name, 0, &leaf), fd = -1, err = 0;

	if (pfd < 0)
		err = -pfd;
	else if (fstatat(pfd, leaf, st, AT_SYMLINK_NOFOLLOW) < 0)
		err = errno;
	else if (!S_ISREG(st->st_mode))
		bad = S_ISLNK(st->st_mode) ? "is a symbolic link" : "is not a regular file";
	/* O_NONBLOCK: a FIFO put there after the check above does not hang the open. */
	else if ((fd = openat(pfd, leaf, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0 || fstat(fd, st) < 0)
		err = errno;
	else if (!S_ISREG(st->st_mode))
		bad = "is not a regular file";
	if (err == ELOOP)
		bad = "lies behind a symbolic link";
	if (bad || err) {
		fail(why, len, "%s/%s%s%s", dir, name, bad ? " " : ": ", bad ? bad : strerror(err));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	if (pfd >= 0)
		close(pfd);
	return fd;
}

static int pack_file(struct pack *p, const char *name)
{
	struct stat st;
	int fd = bundle_run_file(p->root, p->dir, name, &st, p->why, p->len), r = -1;

	if (fd < 0)
		return -1;
	if (st.st_size > BUNDLE_MAX_MEMBER || (p->total += st.st_size) > BUNDLE_MAX_TOTAL)
		fail(p->why, p->len, "%s/%s makes the bundle larger than a registry accepts", p->dir, name);
	else
		r = pack_data(p, name, fd, &st);
	close(fd);
	return r;
}

/* report.xml first, then each file it names (files, n), once each. */
static int pack_all(struct pack *p, char **files, size_t n)
{
	for (size_t i = 0; i <= n; i++) {
		const char *f = i ? files[i - 1] : "report.xml";
		char *name = name_clean(f);
		if (!name || !*name) {
			free(name);
			return fail(p->why, p->len, "%s/report.xml names '%s', not a file in %s", p->dir, f, p->dir);
		}
		if (seen_add(&p->seen, name))
			continue;	/* a document that several reviews examined */
		if (++p->files > BUNDLE_MAX_FILES)
			return fail(p->why, p->len, "%s/report.xml names more than the %d files a bundle may hold", p->dir,
				    BUNDLE_MAX_FILES);
		if (pack_file(p, name) < 0)
			return -1;
	}
	return 0;
}

int bundle_write(const char *dir, const char *out, char *why, size_t len)
{
	struct pack p = { .dir = dir, .root = -1, .why = why, .len = len };
	char **files = NULL, *tmp = xasprintf("%s.tmp.%ld", out, (long)getpid());
	size_t n = 0;
	int fd = -1, made = 0, err, r = -1;

	if (sign_report_files(dir, &files, &n, why, len) < 0)
		goto out;
	if (!report_is_signed(dir)) {
		fail(why, len, "%s/report.xml is not signed: sign it first (keur sign %s --key K --cert C)", dir, dir);
		goto out;
	}
	if ((p.root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    (fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644)) < 0) {
		fail(why, len, "cannot open %s: %s", p.root < 0 ? dir : tmp, strerror(errno));
		goto out;
	}
	made = 1;
	p.a = archive_write_new();
	if (!p.a || archive_write_set_format_pax_restricted(p.a) != ARCHIVE_OK ||
	    archive_write_add_filter_none(p.a) != ARCHIVE_OK || archive_write_open_fd(p.a, fd) != ARCHIVE_OK) {
		fail(why, len, "cannot write %s: %s", tmp, ar_why(p.a));
		goto out;
	}
	if (pack_all(&p, files, n) < 0)
		goto out;
	if (archive_write_close(p.a) != ARCHIVE_OK) {
		fail(why, len, "cannot write %s: %s", tmp, ar_why(p.a));
		goto out;
	}
	err = fsync(fd) < 0 ? errno : 0;
	if (close(fd) < 0 && !err)
		err = errno;
	fd = -1;
	if (err || rename(tmp, out) < 0) {
		fail(why, len, "cannot write %s: %s", out, strerror(err ? err : errno));
		goto out;
	}
	r = 0;
out:
	if (p.a)
		archive_write_free(p.a);
	if (fd >= 0)
		close(fd);
	if (r < 0 && made)
		unlink(tmp);
	if (p.root >= 0)
		close(p.root);
	tdestroy(p.seen, free);
	while (n)
		free(files[--n]);
	free(files);
	free(tmp);
	return r;
}

/* ---- reading ---- */

/* A bundle being unpacked into dest (root, open). */
struct unpack {
	struct archive *a;
	const char *file, *dest;
	int root;
	void *seen;		/* the members' clean names (tsearch) */
	long members;
	int64_t total;		/* bytes read so far */
	int64_t end;		/* where the last member ended in the tar */
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

/* Why e may not be in a bundle, or NULL for a regular file or a directory. */
static const char *type_refused(struct archive_entry *e)
{
	mode_t t = archive_entry_filetype(e);

	if (archive_entry_hardlink(e))
		return "a hard link";
	if (t == AE_IFLNK || archive_entry_symlink(e))
		return "a symbolic link";
	if (t == AE_IFCHR || t == AE_IFBLK)
		return "a device";
	if (t == AE_IFIFO)
		return "a FIFO";
	if (t == AE_IFSOCK)
		return "a socket";
	return t == AE_IFREG || t == AE_IFDIR ? NULL : "of an unknown type";
}

/* The member's header, checked before anything is written for it; *clean gets the name it is
 * unpacked as ("" for dest itself), which the caller frees.  0, or -1 with the reason. */
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
	/* keur bundle writes none; the holes of one would count against no limit. */
	if (archive_entry_sparse_count(e) > 0)
		return fail(u->why, u->len, "the bundle's member '%s' is a sparse file: a bundle holds plain files", u->at);
	if (**clean && seen_add(&u->seen, xstrdup(*clean)))
		return fail(u->why, u->len, "the bundle holds '%s' twice", u->at);
	if (size < 0 || size > BUNDLE_MAX_MEMBER)
		return fail(u->why, u->len, "the bundle's member '%s' is %lld bytes, over the %lld a member may hold",
			    u->at, (long long)size, (long long)BUNDLE_MAX_MEMBER);
	if (u->total + size > BUNDLE_MAX_TOTAL)
		return fail(u->why, u->len, "the bundle's member '%s' takes it over the %lld bytes a bundle may hold",
			    u->at, (long long)BUNDLE_MAX_TOTAL);
	return 0;
}

/* Copies the member's bytes into fd, counting what is actually read: the header's size is the
 * lab's word, and one that lies must not carry a bomb past the limits. */
static int member_data(struct unpack *u, struct archive_entry *e, int fd)
{
	int64_t size = archive_entry_size(e), got = 0;
	char buf[CHUNK];
	la_ssize_t n;
	int r;

	while ((n = archive_read_data(u->a, buf, sizeof(buf))) > 0) {
		if ((got += n) > size || got > BUNDLE_MAX_MEMBER || (u->total += n) > BUNDLE_MAX_TOTAL)
			return fail(u->why, u->len, "the bundle's member '%s' holds more than its header or a bundle allows",
				    u->at);
		if ((r = write_all(fd, buf, (size_t)n)) < 0)
			return fail(u->why, u->len, "cannot write the bundle's member '%s' into %s: %s", u->at, u->dest,
				    strerror(-r));
	}
	if (n < 0)
		return fail(u->why, u->len, "%s is truncated or corrupt at '%s': %s", u->file, u->at, ar_why(u->a));
	/* a sparse file's last hole is not read out as zeros */
	if (got < size && archive_entry_sparse_count(e) > 0 && ftruncate(fd, size) < 0)
		return fail(u->why, u->len, "cannot write the bundle's member '%s' into %s: %s", u->at, u->dest,
			    strerror(errno));
	return 0;
}

/* Creates the checked member (clean) beneath dest: missing directories 0755, a new file 0644,
 * never through a symbolic link. */
static int member_make(struct unpack *u, struct archive_entry *e, const char *clean)
{
	int dir = archive_entry_filetype(e) == AE_IFDIR, pfd, fd, r = 0;
	const char *leaf;

	if (!*clean)
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
		r = member_data(u, e, fd);
	if (fd >= 0 && close(fd) < 0 && r == 0)
		r = fail(u->why, u->len, "cannot write the bundle's member '%s' into %s: %s", u->at, u->dest,
			 strerror(errno));
	close(pfd);
	return r;
}

/* Every member, then the end: a tar cut right after a member reads as complete to libarchive,
 * so at least one of the zero blocks that end a tar must follow the last member. */
static int members_read(struct unpack *u)
{
	struct archive_entry *e;
	int ar;

	while ((ar = archive_read_next_header(u->a, &e)) == ARCHIVE_OK) {
		char *clean;
		int bad = member_check(u, e, &clean) < 0 || member_make(u, e, clean) < 0;
		free(clean);
		if (bad)
			return -1;
		u->end = archive_filter_bytes(u->a, 0);
	}
	if (ar != ARCHIVE_EOF && !u->members)
		return fail(u->why, u->len, "%s is not a tar bundle", u->file);
	if (ar == ARCHIVE_WARN)
		shown(u->at, archive_entry_pathname(e) ? archive_entry_pathname(e) : "");
	if (ar != ARCHIVE_EOF)
		return fail(u->why, u->len, "%s is truncated or corrupt %s '%s': %s", u->file,
			    ar == ARCHIVE_WARN ? "at" : "after", u->at, ar_why(u->a));
	if (u->members && archive_filter_bytes(u->a, 0) - u->end < 512)
		return fail(u->why, u->len, "%s is truncated or corrupt after '%s': it ends without the tar's end blocks",
			    u->file, u->at);
	return 0;
}

int bundle_read(const char *file, const char *dest, char *why, size_t len)
{
	struct unpack u = { .file = file, .dest = dest, .root = -1, .why = why, .len = len };
	struct stat st;
	int fd = -1, r = -1;

	if ((u.root = open(dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || (fd = open(file, O_RDONLY | O_CLOEXEC)) < 0) {
		fail(why, len, "cannot open %s: %s", u.root < 0 ? dest : file, strerror(errno));
		goto out;
	}
	/* tar alone and no filter: a bundle is a plain tar, and a filter might start a program */
	u.a = archive_read_new();
	if (!u.a || archive_read_support_format_tar(u.a) != ARCHIVE_OK ||
	    archive_read_support_filter_none(u.a) != ARCHIVE_OK || archive_read_open_fd(u.a, fd, CHUNK) != ARCHIVE_OK) {
		fail(why, len, "%s is not a tar bundle", file);
		goto out;
	}
	if (members_read(&u) < 0)
		goto out;
	if (fstatat(u.root, "report.xml", &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode)) {
		fail(why, len, "the bundle holds no report.xml at its top");
		goto out;
	}
	r = 0;
out:
	if (u.a)
		archive_read_free(u.a);
	if (fd >= 0)
		close(fd);
	if (u.root >= 0)
		close(u.root);
	tdestroy(u.seen, free);
	return r;
}
