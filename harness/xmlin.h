/* xmlin.h — what the loaders of keur's input files share (input.c); internal to them, callers
 * include input.h.  Each loader (input_dut.c, input_lab.c, input_profile.c, ...) reads its file
 * with input_load_checked() and then checks what its XSD cannot say, adding one error per
 * problem with input_err_add(). */
#ifndef KEUR_XMLIN_H
#define KEUR_XMLIN_H

#include <stdio.h>

#include <libxml/tree.h>

#include "input.h"

/* The namespaces of the root elements (input_detect() tells the kinds apart by them). */
#define NS_PROFILE "urn:keur:profile:1"
#define NS_DUT "urn:keur:dut:1"
#define NS_LAB "urn:keur:lab:1"
#define NS_ICS "urn:keur:ics:1"
#define NS_REVIEW "urn:keur:review:1"

/* Appends one error, formatted like printf; line breaks in it become spaces. */
void input_err_add(struct input_errors *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reads, parses and validates PATH against the compiled-in schema text XSD; root element must be
 * ROOTNAME in namespace NS.  sha (may be NULL) gets the file's SHA-256 hex.  NULL with errors added. */
xmlDocPtr input_load_checked(const char *path, const char *ns, const char *rootname, const char *xsd, char sha[65], struct input_errors *err);
char *xml_attr(xmlNodePtr n, const char *name);          /* copy or NULL */
int xml_attr_bool(xmlNodePtr n, const char *name, int dflt);
int xml_attr_int(xmlNodePtr n, const char *name, int dflt);
int xml_attr_ms(xmlNodePtr n, const char *name, int dflt);
int xml_is_el(xmlNodePtr n, const char *name);
long xml_line(xmlNodePtr n);
char *xml_text(xmlNodePtr n);   /* element content, white space collapsed to one line */

/* NAME resolved against the directory BASE, if readable: a copy the caller frees.  Else NULL
 * with "PATH:LINE: WHAT 'FILE': reason" added. */
char *input_readable_file(const char *base, const char *name, const char *path, long line,
			  const char *what, struct input_errors *err);

/* Prints s as text safe inside an XML comment (a '-' before another or at the end becomes '_'). */
void xml_comment_print(FILE *f, const char *s);

#endif
