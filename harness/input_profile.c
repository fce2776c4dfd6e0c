/* input_profile.c — the profile (input.h, "Profile"): requirements, levels, label fields and
 * waivers, each checked against the others and against the cases keur knows. */
#include "input.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/tree.h>

#include "case.h"
#include "tree.h"
#include "util.h"
#include "xmlin.h"

extern const char keur_xsd_profile[];

const struct profile_level *profile_level_find(const struct keur_profile *p, const char *id)
{
	for (size_t i = 0; i < p->nlevels; i++)
		if (!strcmp(p->levels[i].id, id))
			return &p->levels[i];
	return NULL;
}

int profile_level_includes(const struct keur_profile *p, const char *level, const char *other)
{
	/* Bounded walk: a cycle (rejected at load) could not loop forever here either. */
	for (size_t hops = 0; level && hops <= p->nlevels; hops++) {
		if (!strcmp(level, other))
			return 1;
		const struct profile_level *l = profile_level_find(p, level);
		level = l ? l->includes : NULL;
	}
	return 0;
}

char *profile_ids(struct keur_profile *const *profiles, size_t n)
{
	struct strbuf sb;

	sb_init(&sb);
	for (size_t i = 0; i < n; i++)
		sb_addf(&sb, "%s%s", i ? ", " : "", profiles[i]->id);
	return sb_detach(&sb);
}

const struct profile_req *profile_req_find(const struct keur_profile *p, const char *id)
{
	for (size_t i = 0; i < p->nreqs; i++)
		if (!strcmp(p->reqs[i].id, id))
			return &p->reqs[i];
	return NULL;
}

static void profile_check(struct keur_profile *p, struct input_errors *err)
{
	for (size_t i = 0; i < p->nlevels; i++) {
		const struct profile_level *l = &p->levels[i];
		if (profile_level_find(p, l->id) != l)
			input_err_add(err, "%s: level '%s' is defined twice", p->path, l->id);
		if (l->includes && !profile_level_find(p, l->includes))
			input_err_add(err, "%s: level '%s' includes undefined level '%s'", p->path, l->id, l->includes);
		else if (l->includes && profile_level_includes(p, l->includes, l->id))
			input_err_add(err, "%s: level '%s' includes itself through '%s'", p->path, l->id, l->includes);
	}
	for (size_t i = 0; i < p->nreqs; i++) {
		struct profile_req *r = &p->reqs[i];
		if (profile_req_find(p, r->id) != r)
			input_err_add(err, "%s:%d: requirement '%s' is defined twice", p->path, r->line, r->id);
		if (p->nlevels && !r->level)
			input_err_add(err, "%s:%d: requirement '%s' has no level; the profile has levels, so give it one",
				      p->path, r->line, r->id);
		else if (!p->nlevels && r->level)
			input_err_add(err, "%s:%d: requirement '%s' names level '%s', but the profile has no <level>s "
				      "(a pass/fail scheme): drop the level or define the levels", p->path, r->line, r->id, r->level);
		else if (r->level && !profile_level_find(p, r->level))
			input_err_add(err, "%s:%d: requirement '%s' names undefined level '%s'", p->path, r->line,
				r->id, r->level);
		for (size_t k = 0; k < r->nsame; k++)
			if (!strcmp(r->same[k].profile, p->id))
				input_err_add(err, "%s:%d: requirement '%s' is <same-as> a requirement of its own profile '%s': "
					      "same-as links profiles, not requirements within one", p->path, r->line, r->id, p->id);
		if (r->ncases == 0 && strcmp(r->kind, "docs"))
			input_err_add(err, "%s:%d: requirement '%s' has no <check> and is not kind=\"docs\": it could never be judged",
				p->path, r->line, r->id);
		if (r->obligation && strcmp(r->kind, "docs"))
			input_err_add(err, "%s:%d: requirement '%s' has an obligation but is kind=\"%s\": obligation is for kind=\"docs\" "
				      "(kind says it of the others)", p->path, r->line, r->id, r->kind);
		if (r->ncases && !strcmp(r->kind, "docs"))
			input_err_add(err, "%s:%d: requirement '%s' is kind=\"docs\" (decided by the assessor's review) but has <check>s that would never count",
				p->path, r->line, r->id);
		if (r->ntree && strcmp(r->kind, "docs"))
			input_err_add(err, "%s:%d: requirement '%s' has a decision tree but is kind=\"%s\": a tree decides "
				      "a requirement the assessor reviews (kind=\"docs\")", p->path, r->line, r->id, r->kind);
		tree_check(p->path, r, err);
		for (size_t c = 0; c < r->ncases; c++)
			if (!keur_case_find(r->cases[c], NULL))
				input_err_add(err, "%s:%d: requirement '%s' checks unknown case '%s' (see `keur list`)",
					p->path, r->line, r->id, r->cases[c]);
	}
	for (size_t i = 0; i < p->nfields; i++) {
		if (p->fields[i].from_requirement && !profile_req_find(p, p->fields[i].from_requirement))
			input_err_add(err, "%s: label field '%s' refers to undefined requirement '%s'", p->path,
				p->fields[i].name, p->fields[i].from_requirement);
		for (size_t k = 0; k < i; k++)
			if (!strcmp(p->fields[k].name, p->fields[i].name))
				input_err_add(err, "%s: label field '%s' is given twice", p->path, p->fields[i].name);
	}
	for (size_t i = 0; i < p->nwaivers; i++) {
		const struct profile_waiver *w = &p->waivers[i];
		const struct profile_req *r = profile_req_find(p, w->requirement);
		if (!r)
			input_err_add(err, "%s:%d: waiver for undefined requirement '%s'", p->path, w->line, w->requirement);
		else if (!strcmp(r->kind, "docs"))
			input_err_add(err, "%s:%d: waiver for '%s', which the assessor decides (kind=\"docs\"): record their review instead",
				p->path, w->line, w->requirement);
		for (size_t k = 0; k < i; k++)
			if (!strcmp(p->waivers[k].requirement, w->requirement))
				input_err_add(err, "%s:%d: requirement '%s' is waived twice", p->path, w->line, w->requirement);
	}
}

const struct profile_waiver *profile_waiver_for(const struct keur_profile *p, const char *req)
{
	for (size_t i = 0; i < p->nwaivers; i++)
		if (!strcmp(p->waivers[i].requirement, req))
			return &p->waivers[i];
	return NULL;
}

static void guidance_load(struct profile_req *r, xmlNodePtr g)
{
	struct profile_guidance *gd = r->guidance = xcalloc(1, sizeof(*gd));

	for (xmlNodePtr c = g->children; c; c = c->next) {
		char **slot = xml_is_el(c, "examine") ? &gd->examine : xml_is_el(c, "try") ? &gd->try_ :
			      xml_is_el(c, "pass") ? &gd->pass : xml_is_el(c, "fail") ? &gd->fail :
			      xml_is_el(c, "na") ? &gd->na : NULL;
		if (slot && !*slot)
			*slot = xml_text(c);
	}
}

static void tree_load(struct profile_req *r, xmlNodePtr t)
{
	for (xmlNodePtr c = t->children; c; c = c->next) {
		struct tree_question *q;
		if (!xml_is_el(c, "question"))
			continue;
		r->tree = xrealloc(r->tree, (r->ntree + 1) * sizeof(*r->tree));
		q = &r->tree[r->ntree++];
		memset(q, 0, sizeof(*q));
		q->id = xml_attr(c, "id");
		q->line = (int)xml_line(c);
		for (xmlNodePtr a = c->children; a; a = a->next) {
			struct tree_answer *an = xml_is_el(a, "yes") ? &q->yes : xml_is_el(a, "no") ? &q->no : NULL;
			if (xml_is_el(a, "ask") && !q->ask) {
				q->ask = xml_text(a);
			} else if (an && !an->line) {
				an->next = xml_attr(a, "next");
				an->verdict = xml_attr(a, "verdict");
				an->line = (int)xml_line(a);
			}
		}
	}
}

int profile_is_name(const char *arg)
{
	return arg[0] && !strchr(arg, '/') && access(arg, F_OK) != 0;
}

char *profile_locate(const char *arg)
{
	const char *data = keur_data_dir();

	if (data && profile_is_name(arg)) {
		size_t n = strlen(arg);
		char *p = xasprintf("%s/profiles/%s%s", data, arg, n > 4 && !strcmp(arg + n - 4, ".xml") ? "" : ".xml");
		if (access(p, R_OK) == 0)
			return p;
		free(p);
	}
	return xstrdup(arg);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *profile_bundled(void)
{
	const char *data = keur_data_dir();
	char *dir, **names = NULL;
	size_t n = 0;
	struct strbuf sb;
	DIR *d;

	if (!data)
		return NULL;
	dir = xasprintf("%s/profiles", data);
	d = opendir(dir);
	free(dir);
	if (!d)
		return NULL;
	for (struct dirent *e; (e = readdir(d)) && n < 256;) {
		size_t len = strlen(e->d_name);
		if (len > 4 && e->d_name[0] != '.' && !strcmp(e->d_name + len - 4, ".xml")) {
			names = xrealloc(names, (n + 1) * sizeof(*names));
			names[n++] = xstrndup(e->d_name, len - 4);
		}
	}
	closedir(d);
	if (!n)
		return NULL;
	qsort(names, n, sizeof(*names), by_name);
	sb_init(&sb);
	for (size_t i = 0; i < n; i++) {
		sb_addf(&sb, "%s%s", i ? ", " : "", names[i]);
		free(names[i]);
	}
	free(names);
	return sb_detach(&sb);
}

int profile_load(const char *arg, struct keur_profile **out, struct input_errors *err)
{
	struct keur_profile *p = xcalloc(1, sizeof(*p));
	size_t nerr = err->n;
	char *path = profile_locate(arg);
	xmlDocPtr doc = NULL;
	xmlNodePtr root;

	p->path = path;
	if (profile_is_name(path)) {
		char *names = profile_bundled();
		if (names)
			input_err_add(err, "%s: no such file, nor a bundled profile of that name (bundled, in %s/profiles: %s)",
				      arg, keur_data_dir(), names);
		else
			input_err_add(err, "%s: no such file (and this keur finds no bundled profiles)", arg);
		free(names);
		goto out;
	}
	doc = input_load_checked(path, NS_PROFILE, "profile", keur_xsd_profile, p->sha256, err);
	if (!doc)
		goto out;
	root = xmlDocGetRootElement(doc);
	p->id = xml_attr(root, "id");
	p->version = xml_attr(root, "version");
	for (xmlNodePtr n = root->children; n; n = n->next) {
		if (xml_is_el(n, "title")) {
			p->title = xml_text(n);
		} else if (xml_is_el(n, "requirement")) {
			struct profile_req *r;
			p->reqs = xrealloc(p->reqs, (p->nreqs + 1) * sizeof(*p->reqs));
			r = &p->reqs[p->nreqs++];
			memset(r, 0, sizeof(*r));
			r->line = (int)xml_line(n);
			r->id = xml_attr(n, "id");
			r->source = xml_attr(n, "source");
			r->kind = xml_attr(n, "kind");
			r->level = xml_attr(n, "level");
			r->applies_if = xml_attr(n, "applies-if");
			r->obligation = xml_attr(n, "obligation");
			for (xmlNodePtr c = n->children; c; c = c->next) {
				if (xml_is_el(c, "summary")) {
					r->summary = xml_text(c);
				} else if (xml_is_el(c, "guidance")) {
					guidance_load(r, c);
				} else if (xml_is_el(c, "tree")) {
					tree_load(r, c);
				} else if (xml_is_el(c, "check")) {
					r->cases = xrealloc(r->cases, (r->ncases + 1) * sizeof(*r->cases));
					r->cases[r->ncases++] = xml_attr(c, "case");
				} else if (xml_is_el(c, "same-as")) {
					r->same = xrealloc(r->same, (r->nsame + 1) * sizeof(*r->same));
					r->same[r->nsame].profile = xml_attr(c, "profile");
					r->same[r->nsame++].requirement = xml_attr(c, "requirement");
				}
			}
		} else if (xml_is_el(n, "level")) {
			p->levels = xrealloc(p->levels, (p->nlevels + 1) * sizeof(*p->levels));
			p->levels[p->nlevels].id = xml_attr(n, "id");
			p->levels[p->nlevels].includes = xml_attr(n, "includes");
			p->nlevels++;
		} else if (xml_is_el(n, "waiver")) {
			struct profile_waiver *w;
			p->waivers = xrealloc(p->waivers, (p->nwaivers + 1) * sizeof(*p->waivers));
			w = &p->waivers[p->nwaivers++];
			w->requirement = xml_attr(n, "requirement");
			w->approved_by = xml_attr(n, "approved-by");
			w->reason = xml_attr(n, "reason");
			w->line = (int)xml_line(n);
		} else if (xml_is_el(n, "label")) {
			for (xmlNodePtr f = n->children; f; f = f->next) {
				if (!xml_is_el(f, "field"))
					continue;
				p->fields = xrealloc(p->fields, (p->nfields + 1) * sizeof(*p->fields));
				p->fields[p->nfields].name = xml_attr(f, "name");
				p->fields[p->nfields].from_requirement = xml_attr(f, "from-requirement");
				p->nfields++;
			}
		}
	}
	profile_check(p, err);
out:
	if (doc)
		xmlFreeDoc(doc);
	if (err->n > nerr) {
		profile_free(p);
		return -1;
	}
	*out = p;
	return 0;
}

void profile_req_release(struct profile_req *r)
{
	free(r->id);
	free(r->source);
	free(r->kind);
	free(r->level);
	free(r->summary);
	free(r->applies_if);
	free(r->obligation);
	for (size_t c = 0; c < r->ncases; c++)
		free(r->cases[c]);
	free(r->cases);
	for (size_t k = 0; k < r->nsame; k++) {
		free(r->same[k].profile);
		free(r->same[k].requirement);
	}
	free(r->same);
	if (r->guidance) {
		free(r->guidance->examine);
		free(r->guidance->try_);
		free(r->guidance->pass);
		free(r->guidance->fail);
		free(r->guidance->na);
		free(r->guidance);
	}
	tree_release(r);
	memset(r, 0, sizeof(*r));
}

void profile_free(struct keur_profile *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nreqs; i++)
		profile_req_release(&p->reqs[i]);
	for (size_t i = 0; i < p->nlevels; i++) {
		free(p->levels[i].id);
		free(p->levels[i].includes);
	}
	for (size_t i = 0; i < p->nfields; i++) {
		free(p->fields[i].name);
		free(p->fields[i].from_requirement);
	}
	for (size_t i = 0; i < p->nwaivers; i++) {
		free(p->waivers[i].requirement);
		free(p->waivers[i].approved_by);
		free(p->waivers[i].reason);
	}
	free(p->reqs);
	free(p->levels);
	free(p->fields);
	free(p->waivers);
	free(p->path);
	free(p->id);
	free(p->version);
	free(p->title);
	free(p);
}
