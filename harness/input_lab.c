/* input_lab.c — the lab description (input.h, "Lab description"): the scope keur may reach,
 * the fixtures and the brokers a client DUT connects to; and the default lab. */
#include "input.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "util.h"
#include "xmlin.h"

extern const char keur_xsd_lab[];

/* "127.0.0.1", "::1", "198.18.0.0/15" into a scope entry. */
static int scope_parse(const char *text, int want_prefix, struct lab_scope *s)
{
	char buf[128];
	char *slash;
	int max;

	if (strlen(text) >= sizeof(buf))
		return -1;
	strcpy(buf, text);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if ((slash != NULL) != want_prefix)
		return -1;
	memset(s, 0, sizeof(*s));
	if (inet_pton(AF_INET, buf, s->addr) == 1) {
		s->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, s->addr) == 1) {
		s->family = AF_INET6;
		max = 128;
	} else {
		return -1;
	}
	s->prefix = max;
	if (slash) {
		char *e;
		long p = strtol(slash + 1, &e, 10);
		if (e == slash + 1 || *e || p < 0 || p > max)
			return -1;
		s->prefix = (int)p;
	}
	s->text = xstrdup(text);
	return 0;
}

static void fixture_load(struct keur_lab *l, struct lab_fixture **fx, size_t *n, xmlNodePtr node,
			 const char *kind, struct input_errors *err)
{
	struct lab_fixture f = {
		.dut = xml_attr(node, "dut"), .method = xml_attr(node, "method"), .ns = xml_attr(node, "namespace"),
		.iface = xml_attr(node, "interface"), .on = xml_attr(node, "on"), .off = xml_attr(node, "off"),
		.check = xml_attr(node, "check"), .check_addr = xml_attr(node, "check-address"),
		.timeout_ms = xml_attr_ms(node, "timeout", 0), .line = (int)xml_line(node),
	};

	if (!strcmp(f.method, "netns") && (!f.ns || !f.iface))
		input_err_add(err, "%s:%d: <%s method=\"netns\"> needs namespace=\"...\" and interface=\"...\"", l->path, f.line, kind);
	if (!strcmp(f.method, "netns") && !strcmp(kind, "power"))
		input_err_add(err, "%s:%d: power cannot be switched by a namespace; use method=\"command\" or \"manual\"", l->path, f.line);
	if (f.check && strcmp(f.method, "command"))
		input_err_add(err, "%s:%d: check=\"...\" is a shell command: it belongs to method=\"command\"", l->path, f.line);
	if (f.check_addr && strcmp(f.method, "netns"))
		input_err_add(err, "%s:%d: check-address belongs to method=\"netns\" (a command fixture gives check=\"...\")",
			l->path, f.line);
	if (f.check_addr && !strrchr(f.check_addr, ':'))
		input_err_add(err, "%s:%d: check-address=\"%s\" is HOST:PORT", l->path, f.line, f.check_addr);
	char *command = xml_attr(node, "command");
	if (!strcmp(kind, "reflash")) {
		if (!strcmp(f.method, "netns"))
			input_err_add(err, "%s:%d: a namespace cannot reflash a DUT; use method=\"command\" or \"manual\"", l->path,
				f.line);
		if (f.on || f.off)
			input_err_add(err, "%s:%d: <reflash> takes command=\"...\", not on/off", l->path, f.line);
		if (!strcmp(f.method, "command") && !command)
			input_err_add(err, "%s:%d: <reflash method=\"command\"> needs command=\"...\"", l->path, f.line);
		free(f.on);
		f.on = command;
	} else if (command) {
		input_err_add(err, "%s:%d: command=\"...\" belongs to <reflash>; <%s> takes on and off", l->path, f.line, kind);
		free(command);
	} else if (!strcmp(f.method, "command") && (!f.on || !f.off))
		input_err_add(err, "%s:%d: <%s method=\"command\"> needs on=\"...\" and off=\"...\"", l->path, f.line, kind);
	for (size_t i = 0; i < *n; i++)
		if ((!f.dut && !(*fx)[i].dut) || (f.dut && (*fx)[i].dut && !strcmp(f.dut, (*fx)[i].dut)))
			input_err_add(err, "%s:%d: a second <%s> for %s%s (the first is on line %d)", l->path, f.line, kind,
				f.dut ? "DUT " : "any DUT", f.dut ? f.dut : "", (*fx)[i].line);
	*fx = xrealloc(*fx, (*n + 1) * sizeof(**fx));
	(*fx)[(*n)++] = f;
}

static void fixtures_free(struct lab_fixture *fx, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(fx[i].dut);
		free(fx[i].method);
		free(fx[i].ns);
		free(fx[i].iface);
		free(fx[i].on);
		free(fx[i].off);
		free(fx[i].check);
		free(fx[i].check_addr);
	}
	free(fx);
}

const struct lab_broker *lab_broker_for(const struct keur_lab *l, const char *dut_id)
{
	const struct lab_broker *any = NULL;

	for (size_t i = 0; i < l->nbrokers; i++) {
		if (l->brokers[i].dut && dut_id && !strcmp(l->brokers[i].dut, dut_id))
			return &l->brokers[i];
		if (!l->brokers[i].dut && !any)
			any = &l->brokers[i];
	}
	return any;
}

const struct lab_fixture *lab_fixture_for(const struct lab_fixture *fx, size_t n, const char *dut_id)
{
	const struct lab_fixture *any = NULL;

	for (size_t i = 0; i < n; i++) {
		if (fx[i].dut && dut_id && !strcmp(fx[i].dut, dut_id))
			return &fx[i];
		if (!fx[i].dut)
			any = &fx[i];
	}
	return any;
}

int lab_load(const char *path, struct keur_lab **out, struct input_errors *err)
{
	struct keur_lab *l = xcalloc(1, sizeof(*l));
	size_t nerr = err->n;
	xmlDocPtr doc = input_load_checked(path, NS_LAB, "lab", keur_xsd_lab, l->sha256, err);
	xmlNodePtr root;

	l->path = xstrdup(path);
	if (!doc)
		goto out;
	root = xmlDocGetRootElement(doc);
	l->id = xml_attr(root, "id");
	l->name = xml_attr(root, "name");
	l->accreditation = xml_attr(root, "accreditation");
	l->case_user = xml_attr(root, "case-user");
	for (xmlNodePtr n = root->children; n; n = n->next) {
		if (xml_is_el(n, "scope")) {
			for (xmlNodePtr a = n->children; a; a = a->next) {
				if (!xml_is_el(a, "allow"))
					continue;
				char *host = xml_attr(a, "host"), *net = xml_attr(a, "net");
				struct lab_scope s;
				if ((host != NULL) == (net != NULL))
					input_err_add(err, "%s:%ld: <allow> needs exactly one of host=\"ADDRESS\" or net=\"ADDRESS/PREFIX\"",
						path, xml_line(a));
				else if (scope_parse(host ? host : net, net != NULL, &s) < 0)
					input_err_add(err, "%s:%ld: '%s' is not an IP %s", path, xml_line(a),
						host ? host : net, host ? "address" : "network (ADDRESS/PREFIX)");
				else {
					l->scope = xrealloc(l->scope, (l->nscope + 1) * sizeof(*l->scope));
					l->scope[l->nscope++] = s;
				}
				free(host);
				free(net);
			}
		} else if (xml_is_el(n, "uplink")) {
			fixture_load(l, &l->uplinks, &l->nuplinks, n, "uplink", err);
		} else if (xml_is_el(n, "power")) {
			fixture_load(l, &l->powers, &l->npowers, n, "power", err);
		} else if (xml_is_el(n, "reflash")) {
			fixture_load(l, &l->reflashes, &l->nreflashes, n, "reflash", err);
		} else if (xml_is_el(n, "broker")) {
			struct lab_broker *b;
			char *base = path_dir(path), *v;
			unsigned char a[16];

			l->brokers = xrealloc(l->brokers, (l->nbrokers + 1) * sizeof(*l->brokers));
			b = &l->brokers[l->nbrokers++];
			memset(b, 0, sizeof(*b));
			b->line = (int)xml_line(n);
			b->dut = xml_attr(n, "dut");
			b->listen = xml_attr(n, "listen");
			b->port = xml_attr_int(n, "port", 0);
			b->ns = xml_attr(n, "namespace");
			if (inet_pton(AF_INET, b->listen, a) != 1 && inet_pton(AF_INET6, b->listen, a) != 1)
				input_err_add(err, "%s:%d: <broker listen=\"%s\"> is not a numeric address", path, b->line, b->listen);
			if ((v = xml_attr(n, "ca"))) {
				b->ca = input_readable_file(base, v, path, b->line, "ca", err);
				free(v);
			}
			if ((v = xml_attr(n, "ca-key"))) {
				b->ca_key = input_readable_file(base, v, path, b->line, "ca-key", err);
				free(v);
			}
			if (!b->ca != !b->ca_key && err->n == nerr)
				input_err_add(err, "%s:%d: <broker> needs both ca=\"...\" and ca-key=\"...\", or neither",
					path, b->line);
			free(base);
		}
	}
out:
	if (doc)
		xmlFreeDoc(doc);
	if (err->n > nerr) {
		lab_free(l);
		return -1;
	}
	*out = l;
	return 0;
}

struct keur_lab *lab_default(void)
{
	struct keur_lab *l = xcalloc(1, sizeof(*l));
	static const char *const loopback[] = { "127.0.0.0/8", "::1/128" };

	l->id = xstrdup("default");
	l->name = xstrdup("no lab description (loopback only)");
	l->scope = xcalloc(ARRAY_SIZE(loopback), sizeof(*l->scope));
	for (size_t i = 0; i < ARRAY_SIZE(loopback); i++)
		if (scope_parse(loopback[i], 1, &l->scope[l->nscope]) == 0)
			l->nscope++;
	return l;
}

void lab_free(struct keur_lab *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->nscope; i++)
		free(l->scope[i].text);
	free(l->scope);
	free(l->path);
	free(l->id);
	free(l->name);
	free(l->accreditation);
	free(l->case_user);
	fixtures_free(l->uplinks, l->nuplinks);
	fixtures_free(l->powers, l->npowers);
	fixtures_free(l->reflashes, l->nreflashes);
	for (size_t i = 0; i < l->nbrokers; i++) {
		free(l->brokers[i].dut);
		free(l->brokers[i].listen);
		free(l->brokers[i].ca);
		free(l->brokers[i].ca_key);
		free(l->brokers[i].ns);
	}
	free(l->brokers);
	free(l);
}
