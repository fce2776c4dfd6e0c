/* xmlout.c — xmlTextWriter helpers. */
#include "xmlout.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "util.h"

int xo_start(struct xo *x)
{
	x->buf = xmlBufferCreate();
	x->w = x->buf ? xmlNewTextWriterMemory(x->buf, 0) : NULL;
	if (!x->w)
		return -1;
	xmlTextWriterSetIndent(x->w, 1);
	xmlTextWriterSetIndentString(x->w, BAD_CAST "  ");
	xmlTextWriterStartDocument(x->w, NULL, "UTF-8", NULL);
	return 0;
}

int xo_finish(struct xo *x, const char *dir, const char *name)
{
	int r = -1;

	if (xmlTextWriterEndDocument(x->w) >= 0) {
		xmlFreeTextWriter(x->w);
		x->w = NULL;
		char *path = path_join(dir, name);
		r = file_write_atomic(path, (const char *)xmlBufferContent(x->buf), (size_t)xmlBufferLength(x->buf));
		free(path);
	}
	if (x->w)
		xmlFreeTextWriter(x->w);
	xmlBufferFree(x->buf);
	return r;
}

struct first_error {
	char *why;
	size_t len;
	int seen;
};

static void first_error(void *ctx, xmlErrorPtr e)
{
	struct first_error *f = ctx;
	size_t n;

	if (f->seen++ || !e)
		return;
	snprintf(f->why, f->len, "line %d: %s", e->line, e->message ? e->message : "invalid");
	n = strlen(f->why);
	while (n && f->why[n - 1] == '\n')
		f->why[--n] = '\0';
}

int xml_valid(const char *doc, size_t len, const char *xsd, char *why, size_t wlen)
{
	struct first_error fe = { why, wlen, 0 };
	xmlDocPtr d;
	int r;

	xmlSetStructuredErrorFunc(&fe, first_error);
	d = xmlReadMemory(doc, (int)len, "report", NULL, XML_PARSE_NONET);
	xmlSetStructuredErrorFunc(NULL, NULL);
	if (!d) {
		if (!fe.seen)
			snprintf(why, wlen, "not well-formed XML");
		return -1;
	}
	r = xsd_validate(d, xsd, first_error, &fe);
	xmlFreeDoc(d);
	if (r == -2)
		snprintf(why, wlen, "internal error: a compiled-in schema does not parse");
	else if (r < 0 && !fe.seen)
		snprintf(why, wlen, "does not match its schema");
	return r < 0 ? -1 : 0;
}

int xo_finish_valid(struct xo *x, const char *dir, const char *name, const char *xsd)
{
	char why[512];
	int valid = -1, r;

	if (xmlTextWriterEndDocument(x->w) >= 0) {
		xmlFreeTextWriter(x->w);
		x->w = NULL;
		valid = xml_valid((const char *)xmlBufferContent(x->buf), (size_t)xmlBufferLength(x->buf), xsd,
				  why, sizeof(why));
		if (valid < 0)
			fprintf(stderr, "keur: %s/%s does not match its schema (a bug in keur): %s\n", dir, name, why);
		char *path = path_join(dir, name);
		r = file_write_atomic(path, (const char *)xmlBufferContent(x->buf), (size_t)xmlBufferLength(x->buf));
		free(path);
		if (r < 0)
			valid = -1;
	}
	if (x->w)
		xmlFreeTextWriter(x->w);
	xmlBufferFree(x->buf);
	return valid;
}

void xo_open(struct xo *x, const char *el)
{
	xmlTextWriterStartElement(x->w, BAD_CAST el);
}

void xo_close(struct xo *x)
{
	xmlTextWriterEndElement(x->w);
}

/* Length of the well-formed UTF-8 sequence at p that XML 1.0 can carry, or 0. */
static size_t utf8_char(const unsigned char *p)
{
	unsigned cp;
	size_t n;

	if (p[0] < 0x80)
		return p[0] >= 0x20 || p[0] == '\n' || p[0] == '\t' || p[0] == '\r' ? 1 : 0;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates, U+FFFE/U+FFFF and beyond U+10FFFF are not characters XML takes. */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)
		return 0;
	return n;
}

char *xo_clean(const char *s)
{
	char *c = xstrdup(s);
	unsigned char *p = (unsigned char *)c;

	while (*p) {
		size_t n = utf8_char(p);
		if (n == 0)
			*p++ = '?';
		else
			p += n;
	}
	return c;
}

void xo_attr(struct xo *x, const char *name, const char *val)
{
	if (!val)
		return;
	char *c = xo_clean(val);
	xmlTextWriterWriteAttribute(x->w, BAD_CAST name, BAD_CAST c);
	free(c);
}

void xo_attrf(struct xo *x, const char *name, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	xo_attr(x, name, buf);
}

void xo_text(struct xo *x, const char *text)
{
	char *c = xo_clean(text);
	xmlTextWriterWriteString(x->w, BAD_CAST c);
	free(c);
}

void xo_textf(struct xo *x, const char *fmt, ...)
{
	char *buf = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&buf, fmt, ap) < 0)
		buf = NULL;
	va_end(ap);
	xo_text(x, buf ? buf : "");
	free(buf);
}

void xo_elem(struct xo *x, const char *el, const char *text)
{
	if (!text)
		return;
	xo_open(x, el);
	xo_text(x, text);
	xo_close(x);
}

void xo_attr_time(struct xo *x, const char *name, int64_t ms)
{
	char t[40];
	if (ms > 0)
		xo_attr(x, name, time_iso(ms, t, sizeof(t)));
}

size_t evidence_next(const struct jrec *r, size_t i, char name[256], char sha[65], long long *size)
{
	for (; r && i < r->n; i++) {
		if (strcmp(r->key[i], "ev"))
			continue;
		const char *v = r->val[i], *c1 = strchr(v, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2 || (size_t)(c1 - v) >= 256 || c2 - c1 - 1 != 64)
			continue;
		memcpy(name, v, (size_t)(c1 - v));
		name[c1 - v] = '\0';
		memcpy(sha, c1 + 1, 64);
		sha[64] = '\0';
		*size = atoll(c2 + 1);
		return i + 1;
	}
	return 0;
}
