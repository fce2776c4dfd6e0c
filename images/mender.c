/* mender.c — Mender artifacts (.mender), format version 3: an uncompressed tar whose members
 * are, in this order, version (JSON), manifest (a sha256 for every file that matters),
 * manifest.sig when signed, header.tar.gz (header-info, then headers/NNNN/type-info and
 * meta-data) and one data/NNNN.tar.gz per payload, its files under bare names.
 *
 * manifest.sig signs the manifest bytes and nothing else: what the device installs is bound to
 * the signature only through the sums the manifest lists.  So a forgery recomputes the sums and
 * keeps, drops or replaces the signature.  The tars are read and written with libarchive, in
 * memory; a forgery rewrites only the members it changes and copies every member's header
 * (name, mode, owner, time) from the original, so that only the signature check can tell.
 * manifest-augment and header-augment (unsigned by design) are kept as they are; artifacts of
 * format version 2 are read, not forged. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <cjson/cJSON.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "img_int.h"

#define TAR_MAX 64		/* members of any one tar */
#define TAR_NAME_MAX 255	/* what ustar can hold: prefix and name */
#define SIG_B64_MAX 1368	/* base64 of 1024 bytes: an RSA-8192 signature */
#define INFLATE_MIN (64u << 20)

/* ---- tars in memory ---- */

/* How a tar member of the artifact is compressed, from its name's ending. */
enum zip { Z_NONE, Z_GZIP, Z_XZ, Z_ZSTD, Z_N };
static const char *const zip_suffix[Z_N] = { ".tar", ".tar.gz", ".tar.xz", ".tar.zst" };

struct member {
	char name[TAR_NAME_MAX + 1];
	struct archive_entry *e;	/* its header as read, written back as it is */
	uint8_t *data;		/* malloc'ed, never NULL once read with keep; else NULL */
	size_t size;
	char sum[65];		/* sha256 of its bytes, hex */
};

struct tarball {
	int n;
	struct member m[TAR_MAX];
	size_t end;		/* where the last member's data ends, padding included */
};

/* The compression of name when it is base followed by one of the tar endings, or -1. */
static int zip_of(const char *name, const char *base)
{
	size_t n = strlen(base);

	if (strncmp(name, base, n))
		return -1;
	for (int z = 0; z < Z_N; z++)
		if (!strcmp(name + n, zip_suffix[z]))
			return z;
	return -1;
}

/* Filters that would run an external program (libarchive's fallback when it was built without
 * the library) are refused: a hostile image must not start processes. */
static int filter_read(struct archive *a, int z)
{
	switch (z) {
	case Z_GZIP: return archive_read_support_filter_gzip(a);
	case Z_XZ: return archive_read_support_filter_xz(a);
	case Z_ZSTD: return archive_read_support_filter_zstd(a);
	default: return ARCHIVE_OK;
	}
}

static int filter_write(struct archive *a, int z)
{
	switch (z) {
	case Z_GZIP: return archive_write_add_filter_gzip(a);
	case Z_XZ: return archive_write_add_filter_xz(a);
	case Z_ZSTD: return archive_write_add_filter_zstd(a);
	default: return archive_write_add_filter_none(a);
	}
}

static const char *ar_why(struct archive *a)
{
	const char *s = a ? archive_error_string(a) : NULL;
	return s ? s : "not a tar archive keur can read";
}

/* How much one compressed member may unpack to when a forgery must hold it: payloads compress
 * well (a mostly empty filesystem image many times over), but a small hostile image must not
 * get gigabytes allocated. */
static size_t inflate_limit(size_t len)
{
	if (len > SIZE_MAX / 64)
		return SIZE_MAX;
	return len * 64 > INFLATE_MIN ? len * 64 : INFLATE_MIN;
}

static void member_release(struct member *m)
{
	archive_entry_free(m->e);
	free(m->data);
	memset(m, 0, sizeof(*m));
}

static void tar_release(struct tarball *t)
{
	for (int i = 0; i < t->n; i++)
		member_release(&t->m[i]);
	t->n = 0;
}

/* Grows m->data to hold need bytes, never more than max (the member's declared size), so that a
 * header that lies about the size costs nothing until the bytes are there. */
static int reserve(struct member *m, size_t *cap, size_t need, size_t max)
{
	size_t c = *cap ? *cap : 65536;
	uint8_t *d;

	if (need <= *cap)
		return 0;
	while (c < need && c <= SIZE_MAX / 2)
		c *= 2;
	if (c > max)
		c = max;
	if (c < need || !(d = realloc(m->data, c)))
		return -1;
	m->data = d;
	*cap = c;
	return 0;
}

/* Reads the current member's bytes: kept in m->data when keep, hashed either way. */
static int member_data(struct archive *a, struct member *m, size_t size, int keep, const char *what, char *err,
		       size_t elen)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t chunk[16384], bin[32];
	size_t got = 0, cap = 0;
	unsigned int blen = 0;
	int r = -1;

	if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		img_err(err, elen, "out of memory");
		goto out;
	}
	for (;;) {
		la_ssize_t n = archive_read_data(a, chunk, sizeof(chunk));
		if (n < 0) {
			img_err(err, elen, "%s: member '%s': %s", what, m->name, ar_why(a));
			goto out;
		}
		if (n == 0)
			break;
		if ((size_t)n > size - got) {
			img_err(err, elen, "%s: member '%s' holds more than its size says", what, m->name);
			goto out;
		}
		if (keep && reserve(m, &cap, got + (size_t)n, size) < 0) {
			img_err(err, elen, "%s: member '%s': out of memory", what, m->name);
			goto out;
		}
		if (keep)
			memcpy(m->data + got, chunk, (size_t)n);
		EVP_DigestUpdate(md, chunk, (size_t)n);
		got += (size_t)n;
	}
	if (got != size) {
		img_err(err, elen, "%s: member '%s' ends after %zu of its %zu bytes (truncated?)", what, m->name, got,
			size);
		goto out;
	}
	if (keep && !m->data && !(m->data = malloc(1))) {
		img_err(err, elen, "out of memory");
		goto out;
	}
	m->size = size;
	EVP_DigestFinal_ex(md, bin, &blen);
	img_hex(bin, 32, m->sum);
	r = 0;
out:
	EVP_MD_CTX_free(md);
	return r;
}

/* Takes the member libarchive is at into t (checked against the limits), its bytes read. */
static int member_read(struct archive *a, struct archive_entry *e, int keep, size_t limit, struct tarball *t,
		       const char *what, char *err, size_t elen)
{
	const char *name = archive_entry_pathname(e);
	la_int64_t size = archive_entry_size(e);
	struct member *m;

	if (t->n == TAR_MAX)
		return img_err(err, elen, "%s: more than %d members", what, TAR_MAX);
	if (!name || !name[0] || strlen(name) > TAR_NAME_MAX)
		return img_err(err, elen, "%s: member %d has no name, or one longer than %d bytes", what, t->n + 1,
			       TAR_NAME_MAX);
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			return img_err(err, elen, "%s: member %d has a control character in its name", what, t->n + 1);
	if (archive_entry_filetype(e) != AE_IFREG)
		return img_err(err, elen, "%s: member '%s' is not a regular file", what, name);
	if (!archive_entry_size_is_set(e) || size < 0 || (uint64_t)size > limit)
		return img_err(err, elen, "%s: member '%s' claims %lld bytes, more than the %zu keur reads there", what,
			       name, (long long)size, limit);
	m = &t->m[t->n];
	if (!(m->e = archive_entry_clone(e)))
		return img_err(err, elen, "out of memory");
	snprintf(m->name, sizeof(m->name), "%s", name);
	t->n++;			/* from here on, tar_release frees it */
	return member_data(a, m, (size_t)size, keep, what, err, elen);
}

/* Reads the tar in buf, compressed as z, into t: at most TAR_MAX members, each a regular file
 * with a printable name of at most TAR_NAME_MAX bytes and no more than limit bytes.  keep: hold
 * every member's bytes, else only their sha256.  what names the tar in messages.  0, or -1
 * with why and t empty. */
static int tar_read(const uint8_t *buf, size_t len, int z, int keep, size_t limit, struct tarball *t,
		    const char *what, char *err, size_t elen)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int r = -1, ar;

	memset(t, 0, sizeof(*t));
	if (!a)
		return img_err(err, elen, "out of memory");
	if (filter_read(a, z) != ARCHIVE_OK) {
		img_err(err, elen, "%s: this libarchive cannot uncompress %s itself", what, zip_suffix[z]);
		goto out;
	}
	if (archive_read_support_format_tar(a) != ARCHIVE_OK || archive_read_open_memory(a, buf, len) != ARCHIVE_OK) {
		img_err(err, elen, "%s: %s", what, ar_why(a));
		goto out;
	}
	while ((ar = archive_read_next_header(a, &e)) == ARCHIVE_OK || ar == ARCHIVE_WARN) {
		if (member_read(a, e, keep, limit, t, what, err, elen) < 0)
			goto out;
		/* what the tar format has consumed of the (uncompressed) stream: the data's end */
		t->end = ((size_t)archive_filter_bytes(a, 0) + 511) & ~(size_t)511;
	}
	if (ar != ARCHIVE_EOF) {
		img_err(err, elen, "%s: %s", what, ar_why(a));
		goto out;
	}
	r = 0;
out:
	archive_read_free(a);
	if (r < 0)
		tar_release(t);
	return r;
}

static la_ssize_t buf_write(struct archive *a, void *b, const void *d, size_t n)
{
	(void)a;
	ib_add(b, d, n);
	return (la_ssize_t)n;
}

/* Writes t as a ustar archive compressed as z, appended to out; each member's header as it was
 * read, its size the one it has now.  The last block is not padded: Go's archive/tar pads to
 * 512 bytes only, and padding after a gzip stream would be read as a second, broken one.  0, or
 * -1 with why. */
static int tar_write(struct tarball *t, int z, struct img_buf *out, const char *what, char *err, size_t elen)
{
	struct archive *a = archive_write_new();
	int ok = a && archive_write_set_format_ustar(a) == ARCHIVE_OK && filter_write(a, z) == ARCHIVE_OK &&
		 archive_write_set_bytes_in_last_block(a, 1) == ARCHIVE_OK &&
		 archive_write_open(a, out, NULL, buf_write, NULL) == ARCHIVE_OK;

	for (int i = 0; ok && i < t->n; i++) {
		struct member *m = &t->m[i];
		archive_entry_set_size(m->e, (la_int64_t)m->size);
		ok = archive_write_header(a, m->e) == ARCHIVE_OK &&
		     (!m->size || archive_write_data(a, m->data, m->size) == (la_ssize_t)m->size);
	}
	ok = ok && archive_write_close(a) == ARCHIVE_OK;
	if (!ok)
		img_err(err, elen, "%s: keur could not write the tar: %s", what, ar_why(a));
	archive_write_free(a);
	return ok ? 0 : -1;
}

/* Replaces member m's bytes by the tar t, compressed as z. */
static int member_rewrite(struct member *m, struct tarball *t, int z, char *err, size_t elen)
{
	struct img_buf b = { 0 };

	if (tar_write(t, z, &b, m->name, err, elen) < 0) {
		free(b.d);
		return -1;
	}
	free(m->data);
	m->data = b.d;
	m->size = b.len;
	img_sha256_hex(m->data, m->size, m->sum);
	return 0;
}

/* ---- the artifact ---- */

struct artifact {
	struct tarball outer;
	int version;		/* the format version, 2 or 3 */
	/* members of outer, -1 when absent; the data members run from data0 to the end */
	int manifest, sig, augment, header, haugment, data0;
	struct tarball head;	/* header.tar.*, read */
	cJSON *info;		/* its header-info */
};

/* A ustar header for "version" first, its JSON saying "mender" early on. */
static int mender_detect(const uint8_t *buf, size_t len)
{
	return len > 512 && !memcmp(buf, "version", 8) && !memcmp(buf + 257, "ustar", 5) && buf[512] == '{' &&
	       memmem(buf + 512, len - 512 < 64 ? len - 512 : 64, "mender", 6);
}

static void artifact_free(struct artifact *a)
{
	if (!a)
		return;
	tar_release(&a->outer);
	tar_release(&a->head);
	cJSON_Delete(a->info);
	free(a);
}

static int is_named(const struct tarball *t, int i, const char *name)
{
	return i < t->n && !strcmp(t->m[i].name, name);
}

/* The members must come in the order mender-artifact writes and validates: version, manifest,
 * manifest.sig, manifest-augment, header.tar.*, header-augment.tar.*, data/0000.tar.* ... */
static int artifact_order(struct artifact *a, char *err, size_t elen)
{
	const struct tarball *t = &a->outer;
	int i = 1;

	a->manifest = a->sig = a->augment = a->header = a->haugment = a->data0 = -1;
	if (!is_named(t, 0, "version"))
		return img_err(err, elen, "the artifact's first member is not 'version'");
	if (is_named(t, i, "manifest"))
		a->manifest = i++;
	if (is_named(t, i, "manifest.sig"))
		a->sig = i++;
	if (is_named(t, i, "manifest-augment"))
		a->augment = i++;
	if (i == t->n)
		return img_err(err, elen, "the artifact ends after %d members, before header.tar.gz (truncated?)",
			       t->n);
	if (zip_of(t->m[i].name, "header") < 0)
		return img_err(err, elen, "the artifact's member %d is '%s' where its grammar wants header.tar.gz",
			       i + 1, t->m[i].name);
	a->header = i++;
	if (i < t->n && zip_of(t->m[i].name, "header-augment") >= 0)
		a->haugment = i++;
	if (i < t->n)
		a->data0 = i;
	for (; i < t->n; i++) {
		char want[24];
		snprintf(want, sizeof(want), "data/%04d", i - a->data0);
		if (zip_of(t->m[i].name, want) < 0)
			return img_err(err, elen, "the artifact member '%s' is out of place (%s.tar.gz expected)",
				       t->m[i].name, want);
	}
	return 0;
}

/* version: {"format":"mender","version":3}. */
static int artifact_version(struct artifact *a, char *err, size_t elen)
{
	const struct member *m = &a->outer.m[0];
	cJSON *j = cJSON_ParseWithLength((const char *)m->data, m->size);
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(j, "format");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "version");
	int r = -1;

	if (!cJSON_IsObject(j))
		img_err(err, elen, "the artifact's version member is not JSON");
	else if (!cJSON_IsString(f) || strcmp(f->valuestring, "mender"))
		img_err(err, elen, "the artifact's version member does not say format \"mender\"");
	else if (!cJSON_IsNumber(v) || (v->valuedouble != 2 && v->valuedouble != 3))
		img_err(err, elen, "the artifact is not of format version 2 or 3, the ones keur reads");
	else {
		a->version = v->valueint;
		r = 0;
	}
	cJSON_Delete(j);
	return r;
}

/* The manifest's grammar: lines of 64 lowercase hex digits, two spaces and a name, each ending in
 * a newline.  The number of lines, or -1 with why. */
static int manifest_check(const struct member *m, char *err, size_t elen)
{
	const uint8_t *p = m->data, *end = m->data + m->size;
	int lines = 0;

	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return img_err(err, elen, "%s: line %d does not end with a newline", m->name, lines + 1);
		if (nl - p < 67 || p[64] != ' ' || p[65] != ' ')
			return img_err(err, elen, "%s: line %d is not '<sha256>  <name>'", m->name, lines + 1);
		for (int i = 0; i < 64; i++)
			if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
				return img_err(err, elen, "%s: line %d does not start with a sha256 in lowercase hex",
					       m->name, lines + 1);
		for (const uint8_t *q = p + 66; q < nl; q++)
			if (*q < ' ' || *q == 0x7f)
				return img_err(err, elen, "%s: line %d names a file with a control character", m->name,
					       lines + 1);
		lines++;
		p = nl + 1;
	}
	return lines;
}

/* The sha256 (hex, in place) that manifest member i gives for name, or NULL. */
static uint8_t *manifest_find(struct artifact *a, int i, const char *name)
{
	size_t n = strlen(name);

	if (i < 0)
		return NULL;
	for (uint8_t *p = a->outer.m[i].data, *end = p + a->outer.m[i].size; p < end;) {
		uint8_t *nl = memchr(p, '\n', (size_t)(end - p));	/* manifest_check made sure there is one */
		if ((size_t)(nl - p) == 66 + n && !memcmp(p + 66, name, n))
			return p;
		p = nl + 1;
	}
	return NULL;
}

static int is_type_info(const char *name)
{
	size_t n = strlen(name);
	return !strncmp(name, "headers/", 8) && n > 18 && !strcmp(name + n - 10, "/type-info");
}

/* header.tar.*: header-info first, a JSON object. */
static int artifact_header(struct artifact *a, size_t len, char *err, size_t elen)
{
	const struct member *h = &a->outer.m[a->header];
	const struct member *hi;

	if (tar_read(h->data, h->size, zip_of(h->name, "header"), 1, inflate_limit(len), &a->head, h->name, err,
		     elen) < 0)
		return -1;
	if (!is_named(&a->head, 0, "header-info"))
		return img_err(err, elen, "%s does not start with header-info", h->name);
	hi = &a->head.m[0];
	a->info = cJSON_ParseWithLength((const char *)hi->data, hi->size);
	if (!cJSON_IsObject(a->info))
		return img_err(err, elen, "%s: header-info is not a JSON object", h->name);
	return 0;
}

/* A tar ends with two zero blocks after the last member.  libarchive takes an archive cut
 * short of them for a whole one; this tells a download cut there. */
static int tar_ended(const uint8_t *buf, size_t len, size_t end)
{
	if (end > len || len - end < 1024)
		return 0;
	for (size_t i = end; i < end + 1024; i++)
		if (buf[i])
			return 0;
	return 1;
}

/* Reads and checks the artifact's structure: 0, or -1 with why. */
static int artifact_read(const uint8_t *buf, size_t len, struct artifact *a, char *err, size_t elen)
{
	if (tar_read(buf, len, Z_NONE, 1, len, &a->outer, "the artifact", err, elen) < 0)
		return -1;
	if (!tar_ended(buf, len, a->outer.end))
		return img_err(err, elen, "the artifact ends without the tar's two zero blocks after its last member "
			       "(truncated?)");
	if (artifact_order(a, err, elen) < 0 || artifact_version(a, err, elen) < 0)
		return -1;
	if (a->manifest < 0 && (a->version == 3 || a->sig >= 0))
		return img_err(err, elen, "the artifact has no manifest (its second member)");
	if (a->manifest >= 0 && manifest_check(&a->outer.m[a->manifest], err, elen) < 0)
		return -1;
	if (a->augment >= 0 && manifest_check(&a->outer.m[a->augment], err, elen) < 0)
		return -1;
	return artifact_header(a, len, err, elen);
}

/* manifest.sig decoded into raw (room for 1026 bytes): its length, or 0 when it is not base64
 * of a plausible size. */
static size_t sig_decode(const struct member *m, uint8_t *raw)
{
	size_t n = m->size, pad = 0;
	int d;

	while (n && (m->data[n - 1] == '\n' || m->data[n - 1] == '\r' || m->data[n - 1] == ' '))
		n--;
	if (!n || n % 4 || n > SIG_B64_MAX)
		return 0;
	if ((d = EVP_DecodeBlock(raw, m->data, (int)n)) < 0)
		return 0;
	pad = (m->data[n - 1] == '=') + (m->data[n - 2] == '=');
	return (size_t)d > pad ? (size_t)d - pad : 0;
}

/* The scheme a signature of n bytes is made with: 64 bytes are ECDSA P-256 (r and s), anything
 * else is RSA of n*8 bits. */
static void sig_describe(size_t n, char *s, size_t slen)
{
	if (n == 64)
		snprintf(s, slen, "ECDSA P-256 signature (SHA-256) over the manifest");
	else
		snprintf(s, slen, "RSA-%zu signature (PKCS#1 v1.5, SHA-256) over the manifest", n * 8);
}

/* ---- info ---- */

static void cat(char *s, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void cat(char *s, size_t n, const char *fmt, ...)
{
	size_t l = strlen(s);
	va_list ap;

	if (l + 1 >= n)
		return;
	va_start(ap, fmt);
	vsnprintf(s + l, n - l, fmt, ap);
	va_end(ap);
}

/* A JSON string as one printable line, for messages. */
/* The strings of a JSON array (field: of its objects' member field), comma separated. */
static void join(const cJSON *arr, const char *field, char *s, size_t n)
{
	const cJSON *el, *list = cJSON_IsArray(arr) ? arr : NULL;

	cJSON_ArrayForEach(el, list) {
		const cJSON *v = field ? cJSON_GetObjectItemCaseSensitive(el, field) : el;
		char c[64];
		img_clean(c, sizeof(c), cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : "none");
		cat(s, n, "%s%s", s[0] ? ", " : "", c);
	}
}

/* artifact_name, then every *.version the type-info headers provide. */
static int info_versions(const struct artifact *a, struct img_info *info, char *err, size_t elen)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(a->info, "artifact_provides");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(a->version == 2 ? a->info : p, "artifact_name");

	if (cJSON_IsString(name))
		img_add_version(info, "artifact_name", name->valuestring, strlen(name->valuestring));
	for (int i = 0; i < a->head.n; i++) {
		const struct member *m = &a->head.m[i];
		const cJSON *kv;
		cJSON *j;
		if (!is_type_info(m->name))
			continue;
		j = cJSON_ParseWithLength((const char *)m->data, m->size);
		if (!cJSON_IsObject(j)) {
			cJSON_Delete(j);
			return img_err(err, elen, "%s: %s is not a JSON object", a->outer.m[a->header].name, m->name);
		}
		cJSON_ArrayForEach(kv, cJSON_GetObjectItemCaseSensitive(j, "artifact_provides")) {
			size_t kl = kv->string ? strlen(kv->string) : 0;
			char what[64];
			if (kl <= 8 || strcmp(kv->string + kl - 8, ".version") || !cJSON_IsString(kv))
				continue;
			img_clean(what, sizeof(what), kv->string);
			img_add_version(info, what, kv->valuestring, strlen(kv->valuestring));
		}
		cJSON_Delete(j);
	}
	return 0;
}

/* What the artifact's sums say against the manifest (and manifest-augment). */
struct tally {
	int found, bad, unlisted;
	char bad1[TAR_NAME_MAX + 16], unlisted1[TAR_NAME_MAX + 16];
};

static void tally(struct artifact *a, struct tally *s, const char *name, const char *sum)
{
	const uint8_t *p = manifest_find(a, a->manifest, name);

	if (p)
		s->found++;
	else
		p = manifest_find(a, a->augment, name);
	if (!p) {
		if (!s->unlisted++)
			snprintf(s->unlisted1, sizeof(s->unlisted1), "%s", name);
	} else if (memcmp(p, sum, 64)) {
		if (!s->bad++)
			snprintf(s->bad1, sizeof(s->bad1), "%s", name);
	}
}

/* Reads every data/NNNN tar (sums only, nothing kept), lists its files into files and tallies
 * them: 0, or -1 with why. */
static int info_data(struct artifact *a, char *files, size_t flen, struct tally *s, char *err, size_t elen)
{
	struct tarball *t = calloc(1, sizeof(*t));
	int r = -1;

	if (!t)
		return img_err(err, elen, "out of memory");
	for (int i = a->data0; i >= 0 && i < a->outer.n; i++) {
		const struct member *dm = &a->outer.m[i];
		char dir[24];
		snprintf(dir, sizeof(dir), "data/%04d", i - a->data0);
		if (tar_read(dm->data, dm->size, zip_of(dm->name, dir), 0, SIZE_MAX, t, dm->name, err, elen) < 0)
			goto out;
		for (int j = 0; j < t->n; j++) {
			char name[TAR_NAME_MAX + 16];
			if (strchr(t->m[j].name, '/')) {
				img_err(err, elen, "%s: member '%s' is not a bare file name", dm->name, t->m[j].name);
				goto out;
			}
			snprintf(name, sizeof(name), "%s/%s", dir, t->m[j].name);
			tally(a, s, name, t->m[j].sum);
			cat(files, flen, "%s%s (%zu bytes)", files[0] ? ", " : "", t->m[j].name, t->m[j].size);
		}
		tar_release(t);
	}
	r = 0;
out:
	tar_release(t);
	free(t);
	return r;
}

/* One line on what the manifest's sums say of the artifact. */
static void info_sums(struct artifact *a, const struct tally *s, char *out, size_t n)
{
	int lines = a->manifest >= 0 ? manifest_check(&a->outer.m[a->manifest], NULL, 0) : 0;

	if (a->manifest < 0) {
		cat(out, n, "no manifest");
		return;
	}
	if (s->bad)
		cat(out, n, "the manifest's sha256 of %s does not match (%d in all); ", s->bad1, s->bad);
	if (s->unlisted)
		cat(out, n, "%s is not in the manifest (%d in all); ", s->unlisted1, s->unlisted);
	if (lines > s->found)
		cat(out, n, "the manifest names %d file%s the artifact lacks; ", lines - s->found,
		    lines - s->found == 1 ? "" : "s");
	if (!s->bad && !s->unlisted && lines <= s->found)
		cat(out, n, "every sha256 in the manifest matches");
	else
		out[strlen(out) - 2] = '\0';
}

static int mender_info(const uint8_t *buf, size_t len, struct img_info *info, char *err, size_t elen)
{
	struct artifact *a = calloc(1, sizeof(*a));
	struct tally s;
	char files[200] = "", types[120] = "", devices[120] = "", sums[300] = "";
	const cJSON *payloads, *depends;
	int r = -1;

	if (!a)
		return img_err(err, elen, "out of memory");
	memset(&s, 0, sizeof(s));
	if (artifact_read(buf, len, a, err, elen) < 0 || info_versions(a, info, err, elen) < 0 ||
	    info_data(a, files, sizeof(files), &s, err, elen) < 0)
		goto out;
	tally(a, &s, "version", a->outer.m[0].sum);
	tally(a, &s, a->outer.m[a->header].name, a->outer.m[a->header].sum);
	if (a->haugment >= 0)
		tally(a, &s, a->outer.m[a->haugment].name, a->outer.m[a->haugment].sum);
	info_sums(a, &s, sums, sizeof(sums));
	if (a->sig >= 0) {
		uint8_t raw[SIG_B64_MAX];
		size_t n = sig_decode(&a->outer.m[a->sig], raw);
		if (n)
			sig_describe(n, info->signer, sizeof(info->signer));
		else
			snprintf(info->signer, sizeof(info->signer), "a manifest.sig of %zu bytes that is not base64 "
				 "of a signature", a->outer.m[a->sig].size);
	}
	/* version 2 names them otherwise */
	payloads = cJSON_GetObjectItemCaseSensitive(a->info, a->version == 2 ? "updates" : "payloads");
	depends = cJSON_GetObjectItemCaseSensitive(a->info, "artifact_depends");
	join(payloads, "type", types, sizeof(types));
	join(a->version == 2 ? cJSON_GetObjectItemCaseSensitive(a->info, "device_types_compatible") :
	     cJSON_GetObjectItemCaseSensitive(depends, "device_type"), NULL, devices, sizeof(devices));
	int np = cJSON_IsArray(payloads) ? cJSON_GetArraySize(payloads) : 0;
	snprintf(info->contents, sizeof(info->contents), "a Mender artifact v%d: %d payload%s (%s), files: %s; device "
		 "types: %s; %s", a->version, np, np == 1 ? "" : "s", types[0] ? types : "none",
		 files[0] ? files : "none", devices[0] ? devices : "none", sums);
	r = 0;
out:
	artifact_free(a);
	return r;
}

/* ---- forgeries ---- */

/* A type-info header may give the payload's sha256 too (rootfs-image.checksum): when one gives
 * old, it gets hex instead, header.tar.* is rebuilt and the manifest's line for it recomputed.
 * 1 when so, 0 when no header gives old, -1 with why. */
static int tamper_header(struct artifact *a, const char *old, const char *hex, char *err, size_t elen)
{
	struct member *h = &a->outer.m[a->header];
	uint8_t *line;
	int hit = 0;

	for (int i = 0; i < a->head.n; i++) {
		struct member *m = &a->head.m[i];
		uint8_t *p = m->data, *end = m->data + m->size;
		if (!is_type_info(m->name))
			continue;
		while ((p = memmem(p, (size_t)(end - p), old, 64))) {
			memcpy(p, hex, 64);
			p += 64;
			hit = 1;
		}
	}
	if (!hit)
		return 0;
	if (member_rewrite(h, &a->head, zip_of(h->name, "header"), err, elen) < 0)
		return -1;
	if ((line = manifest_find(a, a->manifest, h->name)))
		memcpy(line, h->sum, 64);
	return 1;
}

/* A byte of the first non-empty payload file the manifest names flipped, its sum in the manifest
 * (and in type-info, when there) recomputed, data/0000 rebuilt; manifest.sig kept. */
static int forge_tampered(struct artifact *a, size_t len, struct img_forged *out, char *err, size_t elen)
{
	struct tarball *t = calloc(1, sizeof(*t));
	struct member *dm = a->data0 >= 0 ? &a->outer.m[a->data0] : NULL, *f = NULL;
	uint8_t *line = NULL;
	char name[TAR_NAME_MAX + 16], old[65], hex[65], also[160] = "";
	int r = -1, z, head;

	if (!t)
		return img_err(err, elen, "out of memory");
	if (!dm) {
		r = img_cannot(err, elen, "the artifact carries no payload (no data/0000)");
		goto out;
	}
	z = zip_of(dm->name, "data/0000");
	if (tar_read(dm->data, dm->size, z, 1, inflate_limit(len), t, dm->name, err, elen) < 0)
		goto out;
	for (int i = 0; i < t->n && !f; i++) {
		snprintf(name, sizeof(name), "data/0000/%s", t->m[i].name);
		if (t->m[i].size && (line = manifest_find(a, a->manifest, name)))
			f = &t->m[i];
	}
	if (!f) {
		r = img_cannot(err, elen, "%s holds no non-empty file the manifest names", dm->name);
		goto out;
	}
	size_t at = f->size / 2;
	uint8_t was = f->data[at];
	f->data[at] ^= 0x01;
	memcpy(old, f->sum, sizeof(old));
	img_sha256_hex(f->data, f->size, hex);
	memcpy(line, hex, 64);
	if (member_rewrite(dm, t, z, err, elen) < 0 || (head = tamper_header(a, old, hex, err, elen)) < 0)
		goto out;
	if (head)
		snprintf(also, sizeof(also), " and in the header's type-info (%.80s rebuilt, its sha256 "
			 "recomputed too)", a->outer.m[a->header].name);
	snprintf(out->how, sizeof(out->how), "byte %zu of %.80s flipped (0x%02x to 0x%02x), its sha256 in the manifest "
		 "recomputed (%.12s...)%s, %.80s rebuilt; manifest.sig kept", at, name, was, f->data[at], hex, also,
		 dm->name);
	r = 0;
out:
	tar_release(t);
	free(t);
	return r;
}

static int forge_unsigned(struct artifact *a, struct img_forged *out)
{
	struct tarball *t = &a->outer;

	member_release(&t->m[a->sig]);
	memmove(&t->m[a->sig], &t->m[a->sig + 1], (size_t)(t->n - a->sig - 1) * sizeof(t->m[0]));
	t->n--;
	a->sig = -1;
	snprintf(out->how, sizeof(out->how), "manifest.sig removed from the artifact, nothing else changed");
	return 0;
}

/* An ECDSA signature from DER to the raw r||s mender-artifact writes, each 32 bytes. */
static int ecdsa_raw(const uint8_t *der, size_t len, uint8_t raw[64])
{
	const unsigned char *p = der;
	ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)len);
	const BIGNUM *r = NULL, *s = NULL;
	int ok;

	if (es)
		ECDSA_SIG_get0(es, &r, &s);
	ok = es && BN_bn2binpad(r, raw, 32) == 32 && BN_bn2binpad(s, raw + 32, 32) == 32;
	ECDSA_SIG_free(es);
	return ok ? 0 : -1;
}

/* A signature of the manifest with k as mender-artifact makes it: RSA PKCS#1 v1.5 or ECDSA
 * P-256 (raw r||s), over SHA-256.  Into raw (room for 1024 bytes): its length, or 0. */
static size_t manifest_sign(const struct member *man, EVP_PKEY *k, uint8_t *raw)
{
	uint8_t *sig = NULL;
	size_t n = 0, out = 0;

	if (img_sign_sha256(k, man->data, man->size, &sig, &n) == 0) {
		if (EVP_PKEY_get_base_id(k) == EVP_PKEY_EC)
			out = ecdsa_raw(sig, n, raw) == 0 ? 64 : 0;
		else if (n <= 1024)
			memcpy(raw, sig, out = n);
	}
	free(sig);
	return out;
}

/* Only what mender-artifact 3.9 verifies: RSA up to 8192 bits, or EC on P-256. */
static int key_usable(EVP_PKEY *k)
{
	char group[64] = "";

	if (EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA)
		return EVP_PKEY_get_bits(k) <= 8192;
	return EVP_PKEY_get_base_id(k) == EVP_PKEY_EC &&
	       EVP_PKEY_get_utf8_string_param(k, "group", group, sizeof(group), NULL) == 1 &&
	       (!strcmp(group, "prime256v1") || !strcmp(group, "P-256"));
}

/* Puts sig (base64, malloc'ed, taken) as manifest.sig, made right after manifest when absent. */
static int put_sig(struct artifact *a, char *sig, size_t slen, char *err, size_t elen)
{
	struct tarball *t = &a->outer;
	struct member *m;

	if (a->sig < 0) {
		if (t->n == TAR_MAX) {
			free(sig);
			return img_err(err, elen, "the artifact has %d members already, keur's most", TAR_MAX);
		}
		a->sig = a->manifest + 1;
		memmove(&t->m[a->sig + 1], &t->m[a->sig], (size_t)(t->n - a->sig) * sizeof(t->m[0]));
		t->n++;
		m = &t->m[a->sig];
		memset(m, 0, sizeof(*m));
		snprintf(m->name, sizeof(m->name), "manifest.sig");
		/* as mender-artifact writes its own members: owner root, mode 0600, time 0 */
		if (!(m->e = archive_entry_new())) {
			free(sig);
			return img_err(err, elen, "out of memory");
		}
		archive_entry_set_pathname(m->e, m->name);
		archive_entry_set_filetype(m->e, AE_IFREG);
		archive_entry_set_perm(m->e, 0600);
	}
	m = &t->m[a->sig];
	free(m->data);
	m->data = (uint8_t *)sig;
	m->size = slen;
	return 0;
}

/* manifest.sig made anew (added when absent) with a key of the scheme the artifact was signed
 * with, or with's key. */
static int forge_foreign(struct artifact *a, const struct img_signer *with, struct img_forged *out, char *err,
			 size_t elen)
{
	uint8_t raw[SIG_B64_MAX];
	char kt[32] = "RSA:2048", scheme[120];
	size_t n = a->sig >= 0 ? sig_decode(&a->outer.m[a->sig], raw) : 0;
	int had = a->sig >= 0, r = -1;
	EVP_PKEY *k = NULL;
	char *b64 = NULL;

	if (n == 64)
		snprintf(kt, sizeof(kt), "EC");
	else if (n >= 128 && n <= 512)	/* RSA-1024 to RSA-4096; others get keur's RSA-2048 */
		snprintf(kt, sizeof(kt), "RSA:%zu", n * 8);
	if (img_signer_pick(with, kt, 0, NULL, &out->signer, err, elen) < 0)
		return -1;
	if (!(k = img_signer_pkey(&out->signer)) || !key_usable(k)) {
		img_err(err, elen, "the key is not one mender-artifact verifies (RSA, or EC on P-256)");
		goto out;
	}
	if (!(n = manifest_sign(&a->outer.m[a->manifest], k, raw)) || !(b64 = malloc(4 * ((n + 2) / 3) + 1))) {
		img_err(err, elen, "keur could not sign the manifest with the key");
		goto out;
	}
	int blen = EVP_EncodeBlock((unsigned char *)b64, raw, (int)n);
	r = put_sig(a, b64, (size_t)blen, err, elen);
	if (r < 0)
		goto out;
	sig_describe(n, scheme, sizeof(scheme));
	snprintf(out->how, sizeof(out->how), "manifest.sig %s an %s, made with %s", had ? "replaced by" : "added:",
		 scheme, with ? "the key given" : "keur's own key");
out:
	EVP_PKEY_free(k);
	return r;
}

static int mender_forge(enum img_forgery kind, const uint8_t *buf, size_t len, const struct img_signer *with,
			struct img_forged *out, char *err, size_t elen)
{
	struct artifact *a = calloc(1, sizeof(*a));
	struct img_buf b = { 0 };
	int r = -1;

	if (!a)
		return img_err(err, elen, "out of memory");
	if (artifact_read(buf, len, a, err, elen) < 0)
		goto out;
	if (a->version != 3) {
		r = img_cannot(err, elen, "a Mender artifact of format version %d: keur forges version 3 only",
			       a->version);
		goto out;
	}
	if (kind != IMG_FOREIGN && a->sig < 0) {
		r = img_cannot(err, elen, "the artifact is not signed (no manifest.sig)");
		goto out;
	}
	if (kind == IMG_TAMPERED)
		r = forge_tampered(a, len, out, err, elen);
	else if (kind == IMG_UNSIGNED)
		r = forge_unsigned(a, out);
	else if (kind == IMG_FOREIGN)
		r = forge_foreign(a, with, out, err, elen);
	else
		r = img_err(err, elen, "keur makes that forgery of a Mender artifact elsewhere");
	if (r < 0 || (r = tar_write(&a->outer, Z_NONE, &b, "the artifact", err, elen)) < 0)
		goto out;
	out->data = b.d;
	out->len = b.len;
	b.d = NULL;
out:
	free(b.d);
	artifact_free(a);
	return r;
}

const struct img_format img_mender = {
	.name = "mender",
	.title = "Mender artifact (version 3): a tar of version, manifest, manifest.sig, header and data",
	.ext = ".mender",
	.detect = mender_detect,
	.info = mender_info,
	.forge = mender_forge,
};
