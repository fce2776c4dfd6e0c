/* html.c — DIR/report.html, rendered from DIR/report.xml with the compiled-in stylesheet
 * reports/report.xsl (libxslt): the report for people who read rather than parse. */
#include "reports.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxslt/transform.h>
#include <libxslt/xsltInternals.h>
#include <libxslt/xsltutils.h>

#include "util.h"

extern const char keur_xsl_report[];

int html_write(const char *dir)
{
	char *in = path_join(dir, "report.xml"), *out = path_join(dir, "report.html");
	xmlDocPtr style = NULL, doc = NULL, res = NULL;
	xsltStylesheetPtr xs = NULL;
	xmlChar *text = NULL;
	int len = 0, r = -1;

	style = xmlReadMemory(keur_xsl_report, (int)strlen(keur_xsl_report), "report.xsl", NULL, XML_PARSE_NONET);
	/* xsltParseStylesheetDoc takes the document; it is freed with the stylesheet. */
	if (!style || !(xs = xsltParseStylesheetDoc(style)))
		goto out;
	style = NULL;
	if (!(doc = xmlReadFile(in, NULL, XML_PARSE_NONET)))
		goto out;
	if (!(res = xsltApplyStylesheet(xs, doc, NULL)))
		goto out;
	if (xsltSaveResultToString(&text, &len, res, xs) < 0 || !text)
		goto out;
	r = file_write_atomic(out, (const char *)text, (size_t)len) < 0 ? -1 : 0;
out:
	xmlFree(text);
	if (res)
		xmlFreeDoc(res);
	if (doc)
		xmlFreeDoc(doc);
	if (xs)
		xsltFreeStylesheet(xs);
	if (style)
		xmlFreeDoc(style);
	free(in);
	free(out);
	return r;
}
