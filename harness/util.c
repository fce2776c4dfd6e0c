/* util.c — allocation, strings, time and file helpers. */
#include "util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sha256.h"

int xalloc_exit_status;

static const char *volatile guard_what;

void abort_guard_enter(const char *what)
{
	guard_what = what;
}

void abort_guard_leave(void)
{
	guard_what = NULL;
}

const char *abort_guard_what(void)
{
	return guard_what;
}

static void oom(void)
{
	static const char msg[] = "keur: out of memory\n";
	ssize_t r = write(2, msg, sizeof(msg) - 1);
	(void)r;
	if (xalloc_exit_status)
		_exit(xalloc_exit_status);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	struct strbuf sb;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom();
	sb_init(&sb);
	sb.cap = (size_t)n + 1;
	sb.buf = xmalloc(sb.cap);
	va_start(ap, fmt);
	vsnprintf(sb.buf, sb.cap, fmt, ap);
	va_end(ap);
	return sb.buf;
}

void sb_init(struct strbuf *sb)
{
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

static void sb_grow(struct strbuf *sb, size_t extra)
{
	if (sb->len + extra + 1 <= sb->cap)
		return;
	size_t cap = sb->cap ? sb->cap : 64;
	while (cap < sb->len + extra + 1)
		cap *= 2;
	sb->buf = xrealloc(sb->buf, cap);
	sb->cap = cap;
}

void sb_add(struct strbuf *sb, const char *s, size_t n)
{
	sb_grow(sb, n);
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void sb_adds(struct strbuf *sb, const char *s)
{
	sb_add(sb, s, strlen(s));
}

void sb_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	sb_grow(sb, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

void sb_add_capped(struct strbuf *sb, size_t *n, size_t max, const char *name)
{
	if ((*n)++ < max)
		sb_addf(sb, "%s%s", sb->len ? ", " : "", name);
}

void sb_add_more(struct strbuf *sb, size_t n, size_t max)
{
	if (n > max)
		sb_addf(sb, " and %zu more", n - max);
}

char *list_next(const char **p)
{
	const char *s = *p;
	size_t l;

	if (!s || !*s)
		return NULL;
	l = strcspn(s, ",");
	*p = s + l + (s[l] == ',');
	return xstrndup(s, l);
}

char *sb_detach(struct strbuf *sb)
{
	char *p = sb->buf ? sb->buf : xstrdup("");
	sb_init(sb);
	return p;
}

void sb_release(struct strbuf *sb)
{
	free(sb->buf);
	sb_init(sb);
}

int64_t time_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return (x > y) - (x < y);
}

long median_long(long *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_long);
	return v[n / 2];
}

int64_t time_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *time_iso(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char tmp[32];

	gmtime_r(&t, &tm);
	strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03dZ", tmp, (int)(ms % 1000));
	return buf;
}

char *time_compact(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y%m%dT%H%M%SZ", &tm);
	return buf;
}

int mkdir_p(const char *path, mode_t mode)
{
	char *p = xstrdup(path);
	int r = 0;

	for (char *s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			if (mkdir(p, mode) < 0 && errno != EEXIST) {
				r = -errno;
				break;
			}
			*s = c;
			if (c == '\0')
				break;
		}
	}
	free(p);
	return r;
}

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int file_read(const char *path, char **out, size_t *len)
{
	struct strbuf sb;
	char chunk[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int r = 0;

	if (fd < 0)
		return -errno;
	sb_init(&sb);
	sb_add(&sb, "", 0);
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		sb_add(&sb, chunk, (size_t)n);
	}
	close(fd);
	if (r < 0) {
		sb_release(&sb);
		return r;
	}
	if (len)
		*len = sb.len;
	*out = sb_detach(&sb);
	return 0;
}

int file_write_atomic(const char *path, const char *data, size_t len)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int r = 0;

	if (fd < 0) {
		r = -errno;
		goto out;
	}
	r = write_all(fd, data, len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
out:
	free(tmp);
	return r;
}

int file_copy(const char *from, const char *to, int64_t max, char sha[65], int64_t *size)
{
	char *tmp = xasprintf("%s.tmp.%ld", to, (long)getpid()), buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out = -1, r = 0;
	struct sha256 s;
	uint8_t d[32];
	struct stat st;
	int64_t n = 0;
	ssize_t got;

	if (in < 0 || fstat(in, &st) < 0) {
		r = -errno;
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		goto done;
	}
	if ((out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		r = -errno;
		goto done;
	}
	sha256_init(&s);
	while ((got = read(in, buf, sizeof(buf))) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if ((n += got) > max) {
			r = -EFBIG;
			break;
		}
		sha256_update(&s, buf, (size_t)got);
		if ((r = write_all(out, buf, (size_t)got)) < 0)
			break;
	}
	if (r == 0 && fsync(out) < 0)
		r = -errno;
	if (close(out) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, to) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
	} else {
		sha256_final(&s, d);
		for (int i = 0; i < 32; i++)
			snprintf(sha + 2 * i, 3, "%02x", d[i]);
		*size = n;
	}
done:
	if (in >= 0)
		close(in);
	free(tmp);
	return r;
}

char *path_join(const char *dir, const char *name)
{
	if (name[0] == '/' || !dir || !dir[0])
		return xstrdup(name);
	return xasprintf("%s/%s", dir, name);
}

char *path_dir(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *keur_data_dir(void)
{
	static char *dir;
	static int done;
	char self[PATH_MAX];
	ssize_t n;

	if (done)
		return dir;
	done = 1;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return NULL;
	self[n] = '\0';
	/* A checkout first (its profiles/ holds the schema sources, which no installation has), so
	 * that one built in, say, /usr/src/keur does not take /usr/share/keur for its own. */
	char *bin = path_dir(self), *p = path_join(bin, "profiles/profile.xsd");
	char real[PATH_MAX];
	if (access(p, F_OK) == 0) {
		dir = xstrdup(bin);
	} else {
		free(p);
		p = xasprintf("%s/../share/keur/profiles", bin);
		if (is_dir(p) && realpath(p, real))
			dir = path_dir(real);
	}
	free(p);
	free(bin);
	return dir;
}

int id_valid(const char *id)
{
	size_t n = 0;

	for (const char *p = id; *p; p++, n++)
		if (!isupper((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '-')
			return 0;
	return n >= 3 && n <= 63;
}

int url_split(const char *url, char *host, size_t hlen, int *port, const char **path)
{
	const char *p, *end, *slash;
	unsigned char a[16];

	if (strncmp(url, "http://", 7))
		return -1;
	p = url + 7;
	if (*p == '[') {
		end = strchr(p, ']');
		if (!end || (size_t)(end - p - 1) >= hlen)
			return -1;
		memcpy(host, p + 1, (size_t)(end - p - 1));
		host[end - p - 1] = '\0';
		end++;
	} else {
		end = p + strcspn(p, ":/");
		if (end == p || (size_t)(end - p) >= hlen)
			return -1;
		memcpy(host, p, (size_t)(end - p));
		host[end - p] = '\0';
	}
	if (inet_pton(AF_INET, host, a) != 1 && inet_pton(AF_INET6, host, a) != 1)
		return -1;
	*port = 80;
	if (*end == ':') {
		char *e;
		long v = strtol(end + 1, &e, 10);
		if (e == end + 1 || v < 1 || v > 65535)
			return -1;
		*port = (int)v;
		end = e;
	}
	slash = end;
	if (*slash != '/')
		return -1;
	if (path)
		*path = slash;
	return 0;
}

int fd_copy(int in, int out)
{
	char buf[65536];
	ssize_t n;
	int r;

	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if ((r = write_all(out, buf, (size_t)n)) < 0)
			return r;
	}
	return 0;
}

static struct {
	char *path;
	int fd;
} preopened[8];
static size_t npreopened;

void preopen_add(const char *path, int fd)
{
	if (npreopened < ARRAY_SIZE(preopened)) {
		preopened[npreopened].path = xstrdup(path);
		preopened[npreopened++].fd = fd;
	} else {
		close(fd);
	}
}

size_t preopen_fds(int *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < npreopened && n < cap; i++)
		out[n++] = preopened[i].fd;
	return n;
}

int preopen_dup(const char *path)
{
	for (size_t i = 0; i < npreopened; i++)
		if (!strcmp(preopened[i].path, path))
			return fcntl(preopened[i].fd, F_DUPFD_CLOEXEC, 3);
	return -1;
}
