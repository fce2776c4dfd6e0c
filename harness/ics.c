/* ics.c — loading the manufacturer's ICS and printing one to fill in. */
#include "ics.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "xmlin.h"

extern const char keur_xsd_ics[];

static const char *const status_names[] = {
	[ICS_IMPLEMENTED] = "implemented", [ICS_NOT_IMPLEMENTED] = "not-implemented",
	[ICS_NOT_APPLICABLE] = "not-applicable",
};

const char *ics_status_name(enum ics_status s)
{
	return status_names[s];
}

static enum ics_status status_parse(const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(status_names); i++)
		if (s && !strcmp(s, status_names[i]))
			return (enum ics_status)i;
	return ICS_IMPLEMENTED;	/* the XSD allows nothing else */
}

static const struct ics_statement *stated(const struct keur_ics *ics, size_t upto, const char *id)
{
	for (size_t i = 0; i < upto; i++)
		if (!strcmp(ics->st[i].requirement, id))
			return &ics->st[i];
	return NULL;
}

static void statement_load(struct keur_ics *ics, xmlNodePtr n)
{
	struct ics_statement *s;
	char *status = xml_attr(n, "status");

	ics->st = xrealloc(ics->st, (ics->n + 1) * sizeof(*ics->st));
	s = &ics->st[ics->n++];
	memset(s, 0, sizeof(*s));
	s->requirement = xml_attr(n, "requirement");
	s->status = status_parse(status);
	s->line = (int)xml_line(n);
	free(status);
	for (xmlNodePtr c = n->children; c; c = c->next) {
		if (xml_is_el(c, "justification")) {
			free(s->justification);
			s->justification = xml_text(c);
		} else if (xml_is_el(c, "document")) {
			s->documents = xrealloc(s->documents, (s->ndocuments + 1) * sizeof(*s->documents));
			s->documents[s->ndocuments++] = xml_text(c);
		}
	}
	if (!s->justification)
		s->justification = xstrdup("");
}

/* What the XSD cannot say: each requirement stated once, a justification where one is due;
 * with a profile (p not NULL), that it answers this profile, all of it and nothing else. */
void ics_check(const struct keur_ics *ics, const struct keur_profile *p, struct input_errors *err)
{
	struct strbuf missing;
	size_t nmissing = 0;

	if (p && (strcmp(ics->profile, p->id) || strcmp(ics->profile_version, p->version))) {
		input_err_add(err, "%s: the ICS answers profile '%s' version %s, the run's profile is '%s' version %s",
			      ics->path, ics->profile, ics->profile_version, p->id, p->version);
		return;
	}
	for (size_t i = 0; i < ics->n; i++) {
		const struct ics_statement *s = &ics->st[i];
		const struct ics_statement *first = stated(ics, i, s->requirement);
		if (p && !profile_req_find(p, s->requirement))
			input_err_add(err, "%s:%d: requirement '%s' is not in profile '%s'", ics->path, s->line,
				      s->requirement, p->id);
		else if (first)
			input_err_add(err, "%s:%d: requirement '%s' is stated twice (first on line %d)", ics->path,
				      s->line, s->requirement, first->line);
		if (s->status != ICS_IMPLEMENTED && !s->justification[0])
			input_err_add(err, "%s:%d: '%s' is %s: say why in <justification>", ics->path, s->line,
				      s->requirement, ics_status_name(s->status));
	}
	sb_init(&missing);
	for (size_t i = 0; p && i < p->nreqs; i++)
		if (!stated(ics, ics->n, p->reqs[i].id))
			sb_add_capped(&missing, &nmissing, 5, p->reqs[i].id);
	sb_add_more(&missing, nmissing, 5);
	if (nmissing)
		input_err_add(err, "%s: no statement for %zu requirement(s) of profile '%s': %s", ics->path, nmissing,
			      p->id, missing.buf);
	sb_release(&missing);
}

int ics_load(const char *path, const struct keur_profile *p, struct keur_ics **out, struct input_errors *err)
{
	struct keur_ics *ics = xcalloc(1, sizeof(*ics));
	size_t nerr = err->n;
	xmlDocPtr doc = input_load_checked(path, NS_ICS, "ics", keur_xsd_ics, ics->sha256, err);
	xmlNodePtr root;

	ics->path = xstrdup(path);
	if (!doc)
		goto out;
	root = xmlDocGetRootElement(doc);
	ics->profile = xml_attr(root, "profile");
	ics->profile_version = xml_attr(root, "profile-version");
	ics->issued_by = xml_attr(root, "issued-by");
	ics->date = xml_attr(root, "date");
	for (xmlNodePtr n = root->children; n; n = n->next) {
		if (xml_is_el(n, "product")) {
			ics->vendor = xml_attr(n, "vendor");
			ics->model = xml_attr(n, "model");
			ics->firmware = xml_attr(n, "firmware");
		} else if (xml_is_el(n, "statement")) {
			statement_load(ics, n);
		}
	}
	ics_check(ics, p, err);
out:
	if (doc)
		xmlFreeDoc(doc);
	if (err->n > nerr) {
		ics_free(ics);
		return -1;
	}
	*out = ics;
	return 0;
}

void ics_free(struct keur_ics *ics)
{
	if (!ics)
		return;
	for (size_t i = 0; i < ics->n; i++) {
		struct ics_statement *s = &ics->st[i];
		free(s->requirement);
		free(s->justification);
		for (size_t d = 0; d < s->ndocuments; d++)
			free(s->documents[d]);
		free(s->documents);
	}
	free(ics->st);
	free(ics->path);
	free(ics->profile);
	free(ics->profile_version);
	free(ics->issued_by);
	free(ics->date);
	free(ics->vendor);
	free(ics->model);
	free(ics->firmware);
	free(ics);
}

void ics_template(FILE *f, const struct keur_profile *p)
{
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<!-- The manufacturer's implementation conformance statement (ICS) for profile %s version %s.\n"
		   "     For every requirement: status=\"implemented\", \"not-implemented\" or \"not-applicable\";\n"
		   "     a <justification> (required unless implemented) and the <document>s that show it.\n"
		   "     issued-by: who states this for the manufacturer; date: YYYY-MM-DD.\n"
		   "     Give it to the run with keur run ... (with the option ics) or <declares ics=\"...\"/> in the DUT description. -->\n",
		p->id, p->version);
	fprintf(f, "<ics xmlns=\"%s\" profile=\"%s\" profile-version=\"%s\" issued-by=\"\" date=\"\">\n", NS_ICS, p->id,
		p->version);
	fprintf(f, "  <product vendor=\"\" model=\"\" firmware=\"\"/>\n");
	for (size_t i = 0; i < p->nreqs; i++) {
		const struct profile_req *r = &p->reqs[i];
		fprintf(f, "\n  <!-- %s (%s, level %s): ", r->id, r->kind, r->level ? r->level : "-");
		xml_comment_print(f, r->summary);
		fprintf(f, " -->\n  <statement requirement=\"%s\" status=\"\">\n    <justification></justification>\n"
			   "    <!-- <document>title, version, section</document> -->\n  </statement>\n", r->id);
	}
	fprintf(f, "</ics>\n");
}

void ics_records(const struct keur_ics *ics, const char *ev, struct jrecs *rs)
{
	struct jrec r;

	jrec_init(&r, ICS_RECORD);
	jrec_add(&r, "file", ics->path);
	jrec_add(&r, "sha256", ics->sha256);
	jrec_add(&r, "profile", ics->profile);
	jrec_add(&r, "profile-version", ics->profile_version);
	jrec_add(&r, "issued-by", ics->issued_by);
	jrec_add(&r, "date", ics->date);
	jrec_add(&r, "ev", ev);
	rs->r = xrealloc(rs->r, (rs->n + 1 + ics->n) * sizeof(*rs->r));
	rs->r[rs->n++] = r;
	for (size_t i = 0; i < ics->n; i++) {
		const struct ics_statement *s = &ics->st[i];
		jrec_init(&r, ICS_STATEMENT_RECORD);
		jrec_add(&r, "requirement", s->requirement);
		jrec_add(&r, "status", ics_status_name(s->status));
		jrec_add(&r, "justification", s->justification);
		for (size_t d = 0; d < s->ndocuments; d++)
			jrec_add(&r, "doc", s->documents[d]);
		rs->r[rs->n++] = r;
	}
}
