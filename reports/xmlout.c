/* xmlout.c — xmlTextWriter helpers. */
#include "xmlout.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void xo_open(struct xo *x, const char *el)
{
	xmlTextWriterStartElement(x->w, BAD_CAST el);
}

void xo_close(struct xo *x)
{
	xmlTextWriterEndElement(x->w);
}

/* XML 1.0 cannot carry most control characters; a DUT's garbage must not make a report invalid. */
static char *xml_clean(const char *s)
{
	char *c = xstrdup(s);
	for (unsigned char *p = (unsigned char *)c; *p; p++)
		if (*p < 0x20 && *p != '\n' && *p != '\t' && *p != '\r')
			*p = '?';
	return c;
}

void xo_attr(struct xo *x, const char *name, const char *val)
{
	if (!val)
		return;
	char *c = xml_clean(val);
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
	char *c = xml_clean(text);
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
