/* input.c — what the loaders of keur's input files share (xmlin.h): the error list, reading,
 * parsing and validating a file against its compiled-in XSD, and the attribute and element
 * helpers.  One loader per kind of file: input_dut.c, input_lab.c, input_profile.c. */
#include "input.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>

#include "sha256.h"
#include "util.h"
#include "xmlin.h"

void input_err_add(struct input_errors *e, const char *fmt, ...)
{
	struct strbuf sb;
	va_list ap;
	char buf[1024];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* One line per error, whatever the message carried. */
	sb_init(&sb);
	for (char *p = buf; *p; p++)
		sb_add(&sb, (*p == '\n' || *p == '\r') ? " " : p, 1);
	while (sb.len && sb.buf[sb.len - 1] == ' ')
		sb.buf[--sb.len] = '\0';
	e->msg = xrealloc(e->msg, (e->n + 1) * sizeof(*e->msg));
	e->msg[e->n++] = sb_detach(&sb);
}

void input_errors_release(struct input_errors *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->msg[i]);
	free(e->msg);
	e->msg = NULL;
	e->n = 0;
}

void input_errors_print(const struct input_errors *e)
{
	for (size_t i = 0; i < e->n; i++)
		fprintf(stderr, "keur: %s\n", e->msg[i]);
}

/* libxml2 reports through this; we keep file, line and message, one line. */
static void xml_error(void *data, xmlErrorPtr xe)
{
	struct input_errors *e = data;
	char msg[512];
	size_t n;

	if (e->n >= 50)
		return;
	snprintf(msg, sizeof(msg), "%s", xe->message ? xe->message : "malformed XML");
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	if (xe->line > 0)
		input_err_add(e, "%s:%d: %s", xe->file ? xe->file : "?", xe->line, msg);
	else
		input_err_add(e, "%s: %s", xe->file ? xe->file : "?", msg);
}

/* Reads and parses a file; the root element is returned through *doc. */
static int xml_read(const char *path, xmlDocPtr *doc, char sha[65], struct input_errors *err)
{
	char *buf = NULL;
	size_t len = 0;
	int r = file_read(path, &buf, &len);

	if (r < 0) {
		input_err_add(err, "%s: cannot read: %s", path, strerror(-r));
		return -1;
	}
	if (sha)
		sha256_hex(buf, len, sha);
	size_t before = err->n;
	xmlSetStructuredErrorFunc(err, xml_error);
	*doc = xmlReadMemory(buf, (int)len, path, NULL,
			     XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_BIG_LINES);
	xmlSetStructuredErrorFunc(NULL, NULL);
	free(buf);
	if (!*doc || !xmlDocGetRootElement(*doc)) {
		if (*doc)
			xmlFreeDoc(*doc);
		*doc = NULL;
		/* The first complaint of the parser is the cause; the rest are echoes of it. */
		while (err->n > before + 1)
			free(err->msg[--err->n]);
		if (err->n == before)
			input_err_add(err, "%s: not an XML document", path);
		return -1;
	}
	return 0;
}

int xsd_validate(xmlDocPtr doc, const char *xsd, xmlStructuredErrorFunc cb, void *ctx)
{
	xmlSchemaParserCtxtPtr pc = xmlSchemaNewMemParserCtxt(xsd, (int)strlen(xsd));
	xmlSchemaPtr schema = pc ? xmlSchemaParse(pc) : NULL;
	xmlSchemaValidCtxtPtr vc = schema ? xmlSchemaNewValidCtxt(schema) : NULL;
	int r = -2;

	if (vc) {
		xmlSchemaSetValidStructuredErrors(vc, cb, ctx);
		r = xmlSchemaValidateDoc(vc, doc) == 0 ? 0 : -1;
		xmlSchemaFreeValidCtxt(vc);
	}
	if (schema)
		xmlSchemaFree(schema);
	if (pc)
		xmlSchemaFreeParserCtxt(pc);
	return r;
}

static int xml_validate(xmlDocPtr doc, const char *xsd, struct input_errors *err)
{
	int r = xsd_validate(doc, xsd, xml_error, err);

	if (r == -2)
		input_err_add(err, "internal error: a compiled-in schema does not parse");
	return r < 0 ? -1 : 0;
}

static const char *root_ns(xmlDocPtr doc)
{
	xmlNodePtr root = xmlDocGetRootElement(doc);
	return root && root->ns ? (const char *)root->ns->href : "";
}

enum input_kind input_detect(const char *path, struct input_errors *err)
{
	xmlDocPtr doc;
	enum input_kind k = INPUT_UNKNOWN;

	if (xml_read(path, &doc, NULL, err) < 0)
		return INPUT_UNKNOWN;
	const char *ns = root_ns(doc);
	const char *name = (const char *)xmlDocGetRootElement(doc)->name;
	if (!strcmp(ns, NS_PROFILE) && !strcmp(name, "profile"))
		k = INPUT_PROFILE;
	else if (!strcmp(ns, NS_DUT) && !strcmp(name, "dut"))
		k = INPUT_DUT;
	else if (!strcmp(ns, NS_LAB) && !strcmp(name, "lab"))
		k = INPUT_LAB;
	else if (!strcmp(ns, NS_ICS) && !strcmp(name, "ics"))
		k = INPUT_ICS;
	else if (!strcmp(ns, NS_REVIEW) && !strcmp(name, "reviews"))
		k = INPUT_REVIEW;
	else
		input_err_add(err, "%s:%ld: root element <%s xmlns=\"%s\"> is not a keur profile, DUT, lab, ICS or review file",
			path, xmlGetLineNo(xmlDocGetRootElement(doc)), name, ns);
	xmlFreeDoc(doc);
	return k;
}

xmlDocPtr input_load_checked(const char *path, const char *ns, const char *rootname,
			     const char *xsd, char sha[65], struct input_errors *err)
{
	xmlDocPtr doc;

	if (xml_read(path, &doc, sha, err) < 0)
		return NULL;
	if (strcmp(root_ns(doc), ns) || strcmp((const char *)xmlDocGetRootElement(doc)->name, rootname)) {
		input_err_add(err, "%s:%ld: expected <%s xmlns=\"%s\">, found <%s xmlns=\"%s\">", path,
			xmlGetLineNo(xmlDocGetRootElement(doc)), rootname, ns,
			(const char *)xmlDocGetRootElement(doc)->name, root_ns(doc));
		xmlFreeDoc(doc);
		return NULL;
	}
	if (xml_validate(doc, xsd, err) < 0) {
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

char *xml_attr(xmlNodePtr n, const char *name)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	char *s;

	if (!v)
		return NULL;
	s = xstrdup((const char *)v);
	xmlFree(v);
	return s;
}

int xml_attr_bool(xmlNodePtr n, const char *name, int dflt)
{
	char *v = xml_attr(n, name);
	int r = dflt;

	if (v)
		r = !strcmp(v, "true") || !strcmp(v, "1");
	free(v);
	return r;
}

int xml_attr_int(xmlNodePtr n, const char *name, int dflt)
{
	char *v = xml_attr(n, name);
	int r = v ? atoi(v) : dflt;	/* the XSD has already checked that it is numeric */
	free(v);
	return r;
}

int xml_attr_ms(xmlNodePtr n, const char *name, int dflt)
{
	char *v = xml_attr(n, name);
	int r = v ? (int)(strtod(v, NULL) * 1000.0 + 0.5) : dflt;
	free(v);
	return r;
}

int xml_is_el(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

long xml_line(xmlNodePtr n)
{
	return xmlGetLineNo(n);
}

char *xml_text(xmlNodePtr n)
{
	xmlChar *t = xmlNodeGetContent(n);
	char *s = xstrdup(t ? (const char *)t : "");
	xmlFree(t);
	/* Collapse runs of white space: summaries are one line. */
	char *w = s;
	int space = 1;
	for (char *r = s; *r; r++) {
		if (*r == ' ' || *r == '\t' || *r == '\n' || *r == '\r') {
			if (!space)
				*w++ = ' ';
			space = 1;
		} else {
			*w++ = *r;
			space = 0;
		}
	}
	if (w > s && w[-1] == ' ')
		w--;
	*w = '\0';
	return s;
}

char *input_readable_file(const char *base, const char *name, const char *path, long line,
			  const char *what, struct input_errors *err)
{
	char *full = path_join(base, name);

	if (access(full, R_OK) < 0) {
		input_err_add(err, "%s:%ld: %s '%s': %s", path, line, what, full, strerror(errno));
		free(full);
		return NULL;
	}
	return full;
}

void xml_comment_print(FILE *f, const char *s)
{
	for (const char *c = s ? s : ""; *c; c++)
		fputc(*c == '-' && (c[1] == '-' || c[1] == '\0') ? '_' : *c, f);
}
