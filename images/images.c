/* images.c — the table of formats and what every format shares: forgeries by kind, truncation,
 * errors, version order. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "img_int.h"

extern const struct img_format img_kfw1, img_swu, img_mender, img_raucb, img_opaque;

const struct img_format *const img_formats[] = { &img_kfw1, &img_swu, &img_mender, &img_raucb, &img_opaque, NULL };

const struct img_format *img_format_find(const char *name)
{
	for (int i = 0; img_formats[i]; i++)
		if (!strcmp(img_formats[i]->name, name))
			return img_formats[i];
	return NULL;
}

const struct img_format *img_format_detect(const uint8_t *buf, size_t len)
{
	for (int i = 0; img_formats[i]; i++)
		if (img_formats[i]->detect && img_formats[i]->detect(buf, len))
			return img_formats[i];
	return &img_opaque;
}

const char *img_format_names(void)
{
	return "kfw1, swu, mender, raucb and opaque";
}

/* 0 when buf carries f's magic (or f reads anything), else -1 with what it looks like. */
static int of_format(const struct img_format *f, const uint8_t *buf, size_t len, char *err, size_t elen)
{
	if (!f->detect || f->detect(buf, len))
		return 0;
	const struct img_format *g = img_format_detect(buf, len);
	if (g != &img_opaque)
		return img_err(err, elen, "not a %s image (it looks like %s)", f->name, g->name);
	return img_err(err, elen, "not a %s image", f->name);
}

int img_info(const struct img_format *f, const uint8_t *buf, size_t len, struct img_info *info, char *err,
	     size_t elen)
{
	memset(info, 0, sizeof(*info));
	info->format = f->name;
	if (of_format(f, buf, len, err, elen) < 0)
		return -1;
	return f->info(buf, len, info, err, elen);
}

int img_forge(const struct img_format *f, enum img_forgery kind, const uint8_t *buf, size_t len,
	      const struct img_signer *with, struct img_forged *out, char *err, size_t elen)
{
	memset(out, 0, sizeof(*out));
	if (kind == IMG_TRUNCATED) {
		/* The download cut short: the first three quarters, whatever the format. */
		if (len < 4)
			return img_err(err, elen, "an image of %zu bytes cannot be cut short", len);
		out->len = len * 3 / 4;
		out->data = malloc(out->len);
		if (!out->data)
			return img_err(err, elen, "out of memory");
		memcpy(out->data, buf, out->len);
		snprintf(out->how, sizeof(out->how), "the first %zu of its %zu bytes, as an interrupted download leaves it",
			 out->len, len);
		return 0;
	}
	/* Each forge parses the image itself; its callers (the DUT loader before the cases, keur
	 * image, the fuzzer) have read it with img_info already, so it is not read a third time. */
	if (of_format(f, buf, len, err, elen) < 0)
		return -1;
	int r = f->forge(kind, buf, len, with, out, err, elen);
	if (r < 0)
		img_forged_free(out);
	return r;
}

void img_forged_free(struct img_forged *f)
{
	free(f->data);
	f->data = NULL;
	img_signer_free(&f->signer);
}

void img_signer_free(struct img_signer *s)
{
	free(s->key_pem);
	free(s->cert_pem);
	s->key_pem = s->cert_pem = NULL;
}

static const struct {
	const char *name, *breaks, *case_id;
} forgeries[IMG_NFORGERIES] = {
	[IMG_TAMPERED] = { "tampered", "a payload byte changed after signing, every hash and checksum recomputed: only the "
			   "signature check can catch it", "UPDATE-FORGED-001" },
	[IMG_TRUNCATED] = { "truncated", "the image cut short, as an interrupted download leaves it", "UPDATE-FORGED-001" },
	[IMG_UNSIGNED] = { "unsigned", "the signature removed", "UPDATE-FORGED-002" },
	[IMG_FOREIGN] = { "foreign-signed", "re-signed with a key and certificate keur made, not the vendor's",
			  "UPDATE-FORGED-003" },
};

void img_file_name(const struct img_format *f, const char *what, char *out, size_t len)
{
	snprintf(out, len, "fw-%s%s", what, f->ext);
}

const char *img_forgery_name(enum img_forgery kind)
{
	return forgeries[kind].name;
}

const char *img_forgery_breaks(enum img_forgery kind)
{
	return forgeries[kind].breaks;
}

const char *img_forgery_case(enum img_forgery kind)
{
	return forgeries[kind].case_id;
}

__attribute__((format(printf, 4, 0))) static int vimg_err(int r, char *err, size_t elen, const char *fmt, va_list ap)
{
	if (err && elen)
		vsnprintf(err, elen, fmt, ap);
	return r;
}

int img_err(char *err, size_t elen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vimg_err(-1, err, elen, fmt, ap);
	va_end(ap);
	return r;
}

int img_cannot(char *err, size_t elen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vimg_err(IMG_CANNOT, err, elen, fmt, ap);
	va_end(ap);
	return r;
}

/* Adds a version, its value cut at the first character that is not printable. */
void img_add_version(struct img_info *info, const char *what, const char *value, size_t vlen)
{
	struct img_version *v;
	size_t n = 0;

	if (info->nversions == IMG_MAX_VERSIONS)
		return;
	v = &info->versions[info->nversions];
	while (n < vlen && n + 1 < sizeof(v->value) && value[n] > ' ' && value[n] < 127)
		n++;
	if (!n)
		return;
	memcpy(v->value, value, n);
	v->value[n] = '\0';
	img_clean(v->what, sizeof(v->what), what);
	info->nversions++;
}

void img_clean(char *out, size_t n, const char *in)
{
	size_t i = 0;

	for (; in[i] && i + 1 < n; i++)
		out[i] = (unsigned char)in[i] < ' ' || in[i] == 0x7f ? '?' : in[i];
	out[i] = '\0';
}

void ib_add(struct img_buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n)
			cap *= 2;
		uint8_t *d = realloc(b->d, cap);
		if (!d)
			abort();
		b->d = d;
		b->cap = cap;
	}
	if (n && p)
		memcpy(b->d + b->len, p, n);
	b->len += n;
}

void ib_pad(struct img_buf *b, size_t align)
{
	size_t n = (align - b->len % align) % align, at = b->len;

	ib_add(b, NULL, n);
	if (n)
		memset(b->d + at, 0, n);
}

/* Digits compare as numbers, anything else character by character: "1.10" after "1.9",
 * "release-1.2.3" after "release-1.1.0", and "1.2" before "1.2.0". */
int version_cmp(const char *a, const char *b)
{
	while (*a || *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			char *ea, *eb;
			unsigned long long x = strtoull(a, &ea, 10), y = strtoull(b, &eb, 10);
			if (x != y)
				return x < y ? -1 : 1;
			a = ea;
			b = eb;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return 0;
}
