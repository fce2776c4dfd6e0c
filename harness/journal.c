/* journal.c — append-only, fsync'ed, CRC-checked run records. */
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "sha256.h"
#include "util.h"

struct journal {
	int fd;
};

void jrec_init(struct jrec *r, const char *type)
{
	r->type = xstrdup(type);
	r->n = 0;
	r->key = r->val = NULL;
}

void jrec_add(struct jrec *r, const char *key, const char *val)
{
	if (!val)
		return;
	r->key = xrealloc(r->key, (r->n + 1) * sizeof(*r->key));
	r->val = xrealloc(r->val, (r->n + 1) * sizeof(*r->val));
	r->key[r->n] = xstrdup(key);
	r->val[r->n] = xstrdup(val);
	r->n++;
}

void jrec_addf(struct jrec *r, const char *key, const char *fmt, ...)
{
	va_list ap;
	char *v = NULL;

	va_start(ap, fmt);
	if (vasprintf(&v, fmt, ap) < 0)
		v = NULL;
	va_end(ap);
	if (!v)
		abort();	/* out of memory */
	jrec_add(r, key, v);
	free(v);
}

const char *jrec_get(const struct jrec *r, const char *key)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->key[i], key))
			return r->val[i];
	return NULL;
}

int64_t jrec_get_i64(const struct jrec *r, const char *key, int64_t dflt)
{
	const char *v = jrec_get(r, key);
	char *e;

	if (!v || !*v)
		return dflt;
	long long x = strtoll(v, &e, 10);
	return *e ? dflt : (int64_t)x;
}

void jrec_release(struct jrec *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->key[i]);
		free(r->val[i]);
	}
	free(r->key);
	free(r->val);
	free(r->type);
	r->type = NULL;
	r->key = r->val = NULL;
	r->n = 0;
}

void jrecs_release(struct jrecs *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		jrec_release(&rs->r[i]);
	free(rs->r);
	rs->r = NULL;
	rs->n = 0;
}

static int needs_escape(unsigned char c)
{
	return c <= 0x20 || c == 0x7f || c == '%' || c == '=' || c == '~';
}

static void escape(struct strbuf *sb, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (needs_escape(*p)) {
			char e[3] = { '%', hex[*p >> 4], hex[*p & 15] };
			sb_add(sb, e, 3);
		} else {
			sb_add(sb, (const char *)p, 1);
		}
	}
}

static int unhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static char *unescape(const char *s, size_t n)
{
	char *out = xmalloc(n + 1), *w = out;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			int a = i + 1 < n ? unhex(s[i + 1]) : -1, b = i + 2 < n ? unhex(s[i + 2]) : -1;
			if (a < 0 || b < 0) {
				free(out);
				return NULL;
			}
			*w++ = (char)(a << 4 | b);
			i += 2;
		} else {
			*w++ = s[i];
		}
	}
	*w = '\0';
	return out;
}

char *jrec_encode(const struct jrec *r)
{
	struct strbuf sb;
	char crc[16];

	sb_init(&sb);
	sb_adds(&sb, r->type);
	for (size_t i = 0; i < r->n; i++) {
		sb_add(&sb, " ", 1);
		sb_adds(&sb, r->key[i]);
		sb_add(&sb, "=", 1);
		escape(&sb, r->val[i]);
	}
	snprintf(crc, sizeof(crc), " ~%08x\n", crc32_ieee(sb.buf, sb.len));
	sb_adds(&sb, crc);
	return sb_detach(&sb);
}

int jrec_decode(const char *line, size_t len, struct jrec *out)
{
	const char *tilde;
	char crc[9];
	char *type;

	if (len < 11)	/* a one-letter type, " ~" and eight hex digits */
		return -1;
	tilde = line + len - 10;
	if (tilde[0] != ' ' || tilde[1] != '~')
		return -1;
	memcpy(crc, tilde + 2, 8);
	crc[8] = '\0';
	if (strtoul(crc, NULL, 16) != crc32_ieee(line, (size_t)(tilde - line)))
		return -1;
	len = (size_t)(tilde - line);
	size_t tl = strcspn(line, " ");
	if (tl == 0 || tl > len)
		return -1;
	type = xstrndup(line, tl);
	jrec_init(out, type);
	free(type);
	for (size_t i = tl; i < len;) {
		if (line[i] == ' ') {
			i++;
			continue;
		}
		size_t end = i;
		while (end < len && line[end] != ' ')
			end++;
		const char *eq = memchr(line + i, '=', end - i);
		if (!eq) {
			jrec_release(out);
			return -1;
		}
		char *k = xstrndup(line + i, (size_t)(eq - line - i));
		char *v = unescape(eq + 1, (size_t)(line + end - eq - 1));
		if (!v) {
			free(k);
			jrec_release(out);
			return -1;
		}
		jrec_add(out, k, v);
		free(k);
		free(v);
		i = end;
	}
	return 0;
}

static int fsync_dir_of(const char *path)
{
	char *dir = path_dir(path);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	free(dir);
	if (fd < 0)
		return -errno;
	fsync(fd);
	close(fd);
	return 0;
}

/* One writer at a time: a run holds its journal locked from start to end, so that a review or
 * a resume given meanwhile is refused rather than interleaved. */
static int lock_fd(int fd)
{
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		return errno == EWOULDBLOCK ? -EBUSY : -errno;
	return 0;
}

int journal_create(const char *path, struct journal **out)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644), r;

	if (fd < 0)
		return -errno;
	if ((r = lock_fd(fd)) < 0) {
		close(fd);
		return r;
	}
	fsync_dir_of(path);
	*out = xcalloc(1, sizeof(**out));
	(*out)->fd = fd;
	return 0;
}

int journal_open(const char *path, struct journal **out)
{
	struct jrecs rs = { 0 };
	size_t valid = 0;
	char why[256];
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	if ((r = lock_fd(fd)) < 0 || (r = journal_read(path, &rs, &valid, why, sizeof(why)) < 0 ? -EBADMSG : 0) < 0) {
		close(fd);
		return r;
	}
	jrecs_release(&rs);
	/* Cut a torn last record so the next one starts on a line of its own. */
	if (ftruncate(fd, (off_t)valid) < 0 || fsync(fd) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	*out = xcalloc(1, sizeof(**out));
	(*out)->fd = fd;
	return 0;
}

int journal_append(struct journal *j, const struct jrec *recs, size_t n)
{
	struct strbuf sb;
	int r;

	sb_init(&sb);
	for (size_t i = 0; i < n; i++) {
		char *line = jrec_encode(&recs[i]);
		sb_adds(&sb, line);
		free(line);
	}
	r = write_all(j->fd, sb.buf, sb.len);
	if (r == 0 && fdatasync(j->fd) < 0)
		r = -errno;
	sb_release(&sb);
	return r;
}

void journal_close(struct journal *j)
{
	if (!j)
		return;
	close(j->fd);
	free(j);
}

int journal_read(const char *path, struct jrecs *out, size_t *valid_len, char *why, size_t len)
{
	char *buf = NULL;
	size_t blen = 0, pos = 0, valid = 0, lineno = 0;
	int r = file_read(path, &buf, &blen);

	out->r = NULL;
	out->n = 0;
	if (r < 0) {
		snprintf(why, len, "%s: cannot read: %s", path, strerror(-r));
		return -1;
	}
	while (pos < blen) {
		char *nl = memchr(buf + pos, '\n', blen - pos);
		struct jrec rec;
		lineno++;
		if (!nl)
			break;	/* torn tail: a record whose write did not finish */
		size_t ll = (size_t)(nl - (buf + pos));
		if (jrec_decode(buf + pos, ll, &rec) < 0) {
			if ((size_t)(nl - buf) + 1 == blen)
				break;	/* damaged last line: torn as well */
			snprintf(why, len, "%s:%zu: damaged record followed by others: the journal was changed",
				 path, lineno);
			jrecs_release(out);
			free(buf);
			return -1;
		}
		out->r = xrealloc(out->r, (out->n + 1) * sizeof(*out->r));
		out->r[out->n++] = rec;
		pos = (size_t)(nl - buf) + 1;
		valid = pos;
	}
	if (valid_len)
		*valid_len = valid;
	free(buf);
	return 0;
}
