/* swu.c — SWUpdate images (.swu): a cpio archive, "newc" (070701) or "newc with checksum"
 * (070702), whose first member is sw-description (libconfig text naming each image with its
 * sha256), then, in a signed image, sw-description.sig (a CMS signature of sw-description, or
 * a raw RSA one), then the images.
 *
 * The archive is read and written here rather than through libarchive: libarchive does not
 * write the 070702 variant most .swu files use (and whose checksums SWUpdate checks), and a
 * forgery must keep the container it came in, so that only the signature check can tell. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "img_int.h"

#define CPIO_HDR 110
#define CPIO_MAX_MEMBERS 256
#define CPIO_TRAILER "TRAILER!!!"

enum { F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_SIZE, F_DEVMAJ, F_DEVMIN, F_RDEVMAJ, F_RDEVMIN, F_NAMESIZE,
       F_CHECK, F_N };

struct member {
	char name[256];
	unsigned long f[F_N];
	const uint8_t *data;	/* into the image (or a forgery's own buffer) */
	size_t size;
};

struct cpio {
	char magic[7];
	int n;			/* members, the trailer not counted */
	struct member m[CPIO_MAX_MEMBERS];
	int blocked;		/* the archive was padded to 512 bytes after the trailer */
};

static int hex8(const uint8_t *p, unsigned long *v)
{
	*v = 0;
	for (int i = 0; i < 8; i++) {
		int c = p[i], d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
			       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		*v = *v << 4 | (unsigned long)d;
	}
	return 0;
}

static size_t up4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static unsigned long cpio_sum(const uint8_t *d, size_t n)
{
	unsigned long s = 0;
	for (size_t i = 0; i < n; i++)
		s += d[i];
	return s & 0xffffffffUL;
}

/* Parses the archive: 0, or -1 with why. */
static int cpio_read(const uint8_t *buf, size_t len, struct cpio *c, char *err, size_t elen)
{
	size_t at = 0;

	memset(c, 0, sizeof(*c));
	for (;;) {
		struct member m;
		if (len - at < CPIO_HDR)
			return img_err(err, elen, "the cpio archive ends inside a member header at byte %zu (truncated?)", at);
		if (memcmp(buf + at, "07070", 5) || (buf[at + 5] != '1' && buf[at + 5] != '2'))
			return img_err(err, elen, "no cpio newc header at byte %zu", at);
		if (!c->magic[0])
			memcpy(c->magic, buf + at, 6);
		else if (memcmp(c->magic, buf + at, 6))
			return img_err(err, elen, "cpio members of two kinds (070701 and 070702)");
		memset(&m, 0, sizeof(m));
		for (int i = 0; i < F_N; i++)
			if (hex8(buf + at + 6 + 8 * i, &m.f[i]) < 0)
				return img_err(err, elen, "a cpio header at byte %zu holds a field that is not hexadecimal", at);
		size_t ns = m.f[F_NAMESIZE], sz = m.f[F_SIZE];
		if (ns < 2 || ns > sizeof(m.name) || ns > len - at - CPIO_HDR)
			return img_err(err, elen, "a cpio member at byte %zu has a name of %zu bytes", at, ns);
		if (buf[at + CPIO_HDR + ns - 1] != '\0' || memchr(buf + at + CPIO_HDR, '\0', ns - 1))
			return img_err(err, elen, "a cpio member name at byte %zu is not one string", at);
		for (size_t k = 0; k + 1 < ns; k++)
			if (buf[at + CPIO_HDR + k] < 0x20 || buf[at + CPIO_HDR + k] == 0x7f)
				return img_err(err, elen, "a cpio member name at byte %zu holds a control character", at);
		memcpy(m.name, buf + at + CPIO_HDR, ns);
		size_t doff = up4(at + CPIO_HDR + ns);
		if (doff > len || sz > len - doff)
			return img_err(err, elen, "cpio member '%s' claims %zu bytes; the archive ends before (truncated?)", m.name,
				       sz);
		m.data = buf + doff;
		m.size = sz;
		at = doff + sz;
		at = up4(at) <= len ? up4(at) : len;
		if (!strcmp(m.name, CPIO_TRAILER))
			break;
		if (c->n == CPIO_MAX_MEMBERS)
			return img_err(err, elen, "more than %d members in the cpio archive", CPIO_MAX_MEMBERS);
		c->m[c->n++] = m;
	}
	c->blocked = len % 512 == 0 && len > at;
	return 0;
}

static void member_write(struct img_buf *b, const char *magic, const struct member *m)
{
	char hdr[CPIO_HDR + 1];
	unsigned long f[F_N];

	memcpy(f, m->f, sizeof(f));
	f[F_SIZE] = m->size;
	f[F_NAMESIZE] = strlen(m->name) + 1;
	f[F_CHECK] = !strcmp(magic, "070702") ? cpio_sum(m->data, m->size) : 0;
	memcpy(hdr, magic, 6);
	for (int i = 0; i < F_N; i++)
		snprintf(hdr + 6 + 8 * i, 9, "%08X", (unsigned)(f[i] & 0xffffffffUL));
	ib_add(b, hdr, CPIO_HDR);
	ib_add(b, m->name, f[F_NAMESIZE]);
	ib_pad(b, 4);
	ib_add(b, m->data, m->size);
	ib_pad(b, 4);
}

/* Writes the archive back, every size and checksum recomputed. */
static void cpio_write(const struct cpio *c, struct img_buf *b)
{
	struct member t;

	for (int i = 0; i < c->n; i++)
		member_write(b, c->magic, &c->m[i]);
	memset(&t, 0, sizeof(t));
	snprintf(t.name, sizeof(t.name), "%s", CPIO_TRAILER);
	t.f[F_NLINK] = 1;
	t.data = (const uint8_t *)"";
	member_write(b, c->magic, &t);
	if (c->blocked)
		ib_pad(b, 512);
}

static int find(const struct cpio *c, const char *name)
{
	for (int i = 0; i < c->n; i++)
		if (!strcmp(c->m[i].name, name))
			return i;
	return -1;
}

/* ---- sw-description: just enough of libconfig ---- */

/* One setting "name = value;" (or "name: value") with a string value, and the group it is in. */
struct setting {
	char name[64];
	size_t vstart, vlen;	/* the string's characters in the text, quotes excluded */
	int group;
};

struct swdesc {
	const char *text;
	size_t len;
	int nset;
	struct setting set[512];
	int software;		/* the group opened by "software =", or -1 */
};

static int name_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
	       c == '*';
}

/* Scans the text for string settings and the groups they sit in: 0, or -1 with why. */
static int swdesc_scan(const uint8_t *text, size_t len, struct swdesc *s, char *err, size_t elen)
{
	int stack[64], depth = 0, ngroups = 0;
	char last[64] = "";
	size_t i = 0;

	memset(s, 0, sizeof(*s));
	s->text = (const char *)text;
	s->len = len;
	s->software = -1;
	stack[0] = -1;
	while (i < len) {
		int ch = text[i];
		if (ch == '#' || (ch == '/' && i + 1 < len && text[i + 1] == '/')) {
			while (i < len && text[i] != '\n')
				i++;
		} else if (ch == '/' && i + 1 < len && text[i + 1] == '*') {
			i += 2;
			while (i + 1 < len && !(text[i] == '*' && text[i + 1] == '/'))
				i++;
			i += 2;
			continue;
		} else if (name_char(ch)) {
			size_t n = 0;
			while (i < len && name_char(text[i])) {
				if (n + 1 < sizeof(last))
					last[n++] = (char)text[i];
				i++;
			}
			last[n] = '\0';
			continue;
		} else if (ch == '"') {
			size_t start = ++i;
			while (i < len && text[i] != '"') {
				if (text[i] == '\\')
					i++;
				i++;
			}
			if (i >= len)
				return img_err(err, elen, "sw-description: a string is not closed");
			if (last[0] && s->nset < (int)(sizeof(s->set) / sizeof(s->set[0]))) {
				struct setting *t = &s->set[s->nset++];
				snprintf(t->name, sizeof(t->name), "%s", last);
				t->vstart = start;
				t->vlen = i - start;
				t->group = stack[depth];
			}
			last[0] = '\0';
		} else if (ch == '{') {
			if (depth + 1 >= (int)(sizeof(stack) / sizeof(stack[0])))
				return img_err(err, elen, "sw-description: groups nested too deep");
			if (!strcmp(last, "software") && s->software < 0)
				s->software = ngroups;
			stack[++depth] = ngroups++;
			last[0] = '\0';
		} else if (ch == '}') {
			if (!depth)
				return img_err(err, elen, "sw-description: a '}' closes no group");
			depth--;
			last[0] = '\0';
		} else if (ch == ';' || ch == ',' || ch == '(' || ch == '[' || ch == ')' || ch == ']') {
			last[0] = '\0';
		} else if (ch == '\0') {
			return img_err(err, elen, "sw-description holds a NUL byte");
		}
		i++;
	}
	if (depth)
		return img_err(err, elen, "sw-description: a group is not closed");
	if (s->software < 0)
		return img_err(err, elen, "sw-description has no software = { ... } group");
	return 0;
}

/* The string value of setting name in group g, or -1. */
static int swdesc_get(const struct swdesc *s, int g, const char *name)
{
	for (int i = 0; i < s->nset; i++)
		if (s->set[i].group == g && !strcmp(s->set[i].name, name))
			return i;
	return -1;
}

/* ---- the format ---- */

struct swu {
	struct cpio c;
	struct swdesc d;
	int sig;		/* the sw-description.sig member, or -1 */
};

static int swu_detect(const uint8_t *buf, size_t len)
{
	return len >= CPIO_HDR + 15 && !memcmp(buf, "07070", 5) && (buf[5] == '1' || buf[5] == '2') &&
	       !memcmp(buf + CPIO_HDR, "sw-description", 15);
}

static int swu_read(const uint8_t *buf, size_t len, struct swu *s, char *err, size_t elen)
{
	if (cpio_read(buf, len, &s->c, err, elen) < 0)
		return -1;
	if (!s->c.n || strcmp(s->c.m[0].name, "sw-description"))
		return img_err(err, elen, "the first member is not sw-description");
	if (swdesc_scan(s->c.m[0].data, s->c.m[0].size, &s->d, err, elen) < 0)
		return -1;
	s->sig = find(&s->c, "sw-description.sig");
	return 0;
}

static int swu_info(const uint8_t *buf, size_t len, struct img_info *info, char *err, size_t elen)
{
	struct swu *s = malloc(sizeof(*s));
	int r = -1, nimg = 0;

	if (!s)
		return img_err(err, elen, "out of memory");
	if (swu_read(buf, len, s, err, elen) < 0)
		goto out;
	int v = swdesc_get(&s->d, s->d.software, "version");
	if (v >= 0)
		img_add_version(info, "software", s->d.text + s->d.set[v].vstart, s->d.set[v].vlen);
	for (int i = 0; i < s->d.nset; i++) {
		const struct setting *t = &s->d.set[i];
		if (strcmp(t->name, "filename"))
			continue;
		nimg++;
		int iv = swdesc_get(&s->d, t->group, "version");
		if (iv >= 0 && t->group != s->d.software) {
			char what[64];
			snprintf(what, sizeof(what), "%.*s", (int)(t->vlen < 60 ? t->vlen : 60), s->d.text + t->vstart);
			img_add_version(info, what, s->d.text + s->d.set[iv].vstart, s->d.set[iv].vlen);
		}
	}
	if (s->sig >= 0) {
		const struct member *m = &s->c.m[s->sig];
		if (img_cms_signer(m->data, m->size, info->signer, sizeof(info->signer)) < 0)
			snprintf(info->signer, sizeof(info->signer), "a signature of %zu bytes that is not CMS (raw RSA?)", m->size);
	}
	snprintf(info->contents, sizeof(info->contents), "a cpio archive (%s) of %d members; sw-description names %d "
		 "file%s", s->c.magic, s->c.n, nimg, nimg == 1 ? "" : "s");
	r = 0;
out:
	free(s);
	return r;
}

/* A raw RSA signature (PKCS#1 v1.5, SHA-256) of data: 0 and *sig, or -1. */
static int rsa_sign(const uint8_t *data, size_t len, const struct img_signer *sg, uint8_t **sig, size_t *slen)
{
	EVP_PKEY *k = img_signer_pkey(sg);
	int r = img_sign_sha256(k, data, len, sig, slen);

	EVP_PKEY_free(k);
	return r;
}

static int swu_forge(enum img_forgery kind, const uint8_t *buf, size_t len, const struct img_signer *with,
		     struct img_forged *out, char *err, size_t elen)
{
	struct swu *s = malloc(sizeof(*s));
	struct img_buf b = { 0 };
	uint8_t *desc = NULL, *file = NULL, *sig = NULL;
	int r = -1;

	if (!s)
		return img_err(err, elen, "out of memory");
	if (swu_read(buf, len, s, err, elen) < 0)
		goto out;
	if (kind != IMG_FOREIGN && s->sig < 0) {
		r = img_cannot(err, elen, "the image is not signed (no sw-description.sig)");
		goto out;
	}
	if (kind == IMG_TAMPERED) {
		/* The first image sw-description gives a sha256 for, and that the archive holds. */
		int fi = -1, hi = -1;
		for (int i = 0; i < s->d.nset && fi < 0; i++) {
			const struct setting *t = &s->d.set[i];
			char name[256];
			if (strcmp(t->name, "filename") || t->vlen >= sizeof(name))
				continue;
			memcpy(name, s->d.text + t->vstart, t->vlen);
			name[t->vlen] = '\0';
			int m = find(&s->c, name), h = swdesc_get(&s->d, t->group, "sha256");
			if (m > 0 && h >= 0 && s->d.set[h].vlen == 64 && s->c.m[m].size > 0) {
				fi = m;
				hi = h;
			}
		}
		if (fi < 0) {
			r = img_cannot(err, elen, "sw-description names no image of the archive with a sha256");
			goto out;
		}
		struct member *m = &s->c.m[fi];
		size_t at = m->size / 2;
		char hex[65];
		file = malloc(m->size);
		desc = malloc(s->c.m[0].size);
		if (!file || !desc) {
			img_err(err, elen, "out of memory");
			goto out;
		}
		memcpy(file, m->data, m->size);
		file[at] ^= 0x01;
		img_sha256_hex(file, m->size, hex);
		memcpy(desc, s->c.m[0].data, s->c.m[0].size);
		/* Every entry giving this file's hash (one per board or selection) gets the new one. */
		int changed = 0;
		for (int i = 0; i < s->d.nset; i++) {
			const struct setting *t = &s->d.set[i];
			if (!strcmp(t->name, "sha256") && t->vlen == 64 &&
			    !strncasecmp(s->d.text + t->vstart, s->d.text + s->d.set[hi].vstart, 64)) {
				memcpy(desc + t->vstart, hex, 64);
				changed++;
			}
		}
		snprintf(out->how, sizeof(out->how), "byte %zu of %s flipped (0x%02x to 0x%02x), its sha256 in sw-description "
			 "recomputed (%.12s..., %d entr%s), the cpio %s; sw-description.sig kept", at, m->name, m->data[at],
			 file[at], hex, changed, changed == 1 ? "y" : "ies",
			 strcmp(s->c.magic, "070702") ? "headers rewritten" : "checksums recomputed");
		m->data = file;
		s->c.m[0].data = desc;
	} else if (kind == IMG_UNSIGNED) {
		memmove(&s->c.m[s->sig], &s->c.m[s->sig + 1], (size_t)(s->c.n - s->sig - 1) * sizeof(s->c.m[0]));
		s->c.n--;
		snprintf(out->how, sizeof(out->how), "sw-description.sig removed from the archive, nothing else changed");
	} else {
		const struct member *d = &s->c.m[0];
		size_t slen = 0;
		char who[400];
		int cms = s->sig < 0 || img_cms_signer(s->c.m[s->sig].data, s->c.m[s->sig].size, who, sizeof(who)) == 0;
		if (cms) {
			X509 *genuine = s->sig < 0 ? NULL : img_cms_signer_cert(s->c.m[s->sig].data, s->c.m[s->sig].size);
			int ok = img_signer_pick(with, "EC", 1, genuine, &out->signer, err, elen) == 0 &&
				 img_cms_sign(d->data, d->size, 1, &out->signer, &sig, &slen, err, elen) == 0;
			X509_free(genuine);
			if (!ok)
				goto out;
		} else {
			/* A raw RSA signature is as long as the key; anything outside RSA-1024..4096 is
			 * no key keur would wait for: then 2048 bits. */
			char kt[32];
			size_t bits = s->c.m[s->sig].size * 8;
			snprintf(kt, sizeof(kt), "RSA:%zu", bits >= 1024 && bits <= 4096 ? bits : 2048);
			if (img_signer_pick(with, kt, 0, NULL, &out->signer, err, elen) < 0)
				goto out;
			if (rsa_sign(d->data, d->size, &out->signer, &sig, &slen) < 0) {
				img_err(err, elen, "keur could not make a raw RSA signature with the key");
				goto out;
			}
		}
		if (s->sig < 0 && s->c.n == CPIO_MAX_MEMBERS) {
			img_err(err, elen, "more than %d members in the cpio archive", CPIO_MAX_MEMBERS);
			goto out;
		}
		int added = s->sig < 0;
		if (added) {
			/* An unsigned image gets a signature: it goes second, as SWUpdate expects. */
			memmove(&s->c.m[2], &s->c.m[1], (size_t)(s->c.n - 1) * sizeof(s->c.m[0]));
			s->c.n++;
			s->sig = 1;
			s->c.m[1] = s->c.m[0];
			snprintf(s->c.m[1].name, sizeof(s->c.m[1].name), "sw-description.sig");
			s->c.m[1].f[F_INO] = 0;
		}
		s->c.m[s->sig].data = sig;
		s->c.m[s->sig].size = slen;
		snprintf(out->how, sizeof(out->how), "sw-description.sig %s a %s signature of sw-description made with keur's "
			 "own key%s", added ? "added: " : "replaced by", cms ? "CMS" : "raw RSA",
			 cms ? " and self-signed certificate" : "");
	}
	cpio_write(&s->c, &b);
	out->data = b.d;
	out->len = b.len;
	b.d = NULL;
	r = 0;
out:
	free(b.d);
	free(desc);
	free(file);
	free(sig);
	free(s);
	return r;
}

const struct img_format img_swu = {
	.name = "swu",
	.title = "SWUpdate image: a cpio archive of sw-description, its signature and the images",
	.ext = ".swu",
	.detect = swu_detect,
	.info = swu_info,
	.forge = swu_forge,
};
