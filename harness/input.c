/* input.c — loading and checking profile, DUT and lab files with libxml2. */
#include "input.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>

#include "case.h"
#include "image.h"
#include "sha256.h"
#include "util.h"

extern const char keur_xsd_profile[], keur_xsd_dut[], keur_xsd_lab[];

#define NS_PROFILE "urn:keur:profile:1"
#define NS_DUT "urn:keur:dut:1"
#define NS_LAB "urn:keur:lab:1"

static void err_add(struct input_errors *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void err_add(struct input_errors *e, const char *fmt, ...)
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
		err_add(e, "%s:%d: %s", xe->file ? xe->file : "?", xe->line, msg);
	else
		err_add(e, "%s: %s", xe->file ? xe->file : "?", msg);
}

/* Reads and parses a file; the root element is returned through *doc. */
static int xml_read(const char *path, xmlDocPtr *doc, char sha[65], struct input_errors *err)
{
	char *buf = NULL;
	size_t len = 0;
	int r = file_read(path, &buf, &len);

	if (r < 0) {
		err_add(err, "%s: cannot read: %s", path, strerror(-r));
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
			err_add(err, "%s: not an XML document", path);
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
		err_add(err, "internal error: a compiled-in schema does not parse");
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
	else
		err_add(err, "%s:%ld: root element <%s xmlns=\"%s\"> is not a keur profile, DUT or lab file",
			path, xmlGetLineNo(xmlDocGetRootElement(doc)), name, ns);
	xmlFreeDoc(doc);
	return k;
}

/* Loads and validates a file of the expected kind. */
static xmlDocPtr load_checked(const char *path, const char *ns, const char *rootname,
			      const char *xsd, char sha[65], struct input_errors *err)
{
	xmlDocPtr doc;

	if (xml_read(path, &doc, sha, err) < 0)
		return NULL;
	if (strcmp(root_ns(doc), ns) || strcmp((const char *)xmlDocGetRootElement(doc)->name, rootname)) {
		err_add(err, "%s:%ld: expected <%s xmlns=\"%s\">, found <%s xmlns=\"%s\">", path,
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

static char *attr(xmlNodePtr n, const char *name)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	char *s;

	if (!v)
		return NULL;
	s = xstrdup((const char *)v);
	xmlFree(v);
	return s;
}

static int attr_bool(xmlNodePtr n, const char *name, int dflt)
{
	char *v = attr(n, name);
	int r = dflt;

	if (v)
		r = !strcmp(v, "true") || !strcmp(v, "1");
	free(v);
	return r;
}

static int attr_int(xmlNodePtr n, const char *name, int dflt)
{
	char *v = attr(n, name);
	int r = v ? atoi(v) : dflt;	/* the XSD has already checked that it is numeric */
	free(v);
	return r;
}

static int attr_ms(xmlNodePtr n, const char *name, int dflt)
{
	char *v = attr(n, name);
	int r = v ? (int)(strtod(v, NULL) * 1000.0 + 0.5) : dflt;
	free(v);
	return r;
}

static int is_el(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

static long line_of(xmlNodePtr n)
{
	return xmlGetLineNo(n);
}

/* Reads a secret from a file named relative to the DUT description; trailing newline dropped. */
static char *secret_file(const char *base, const char *name, const char *path, long line,
			 struct input_errors *err)
{
	char *full = path_join(base, name), *buf = NULL;
	size_t len;
	int r = file_read(full, &buf, &len);

	if (r < 0) {
		err_add(err, "%s:%ld: cannot read '%s': %s", path, line, full, strerror(-r));
		free(full);
		return NULL;
	}
	free(full);
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	return buf;
}

static char *readable_file(const char *base, const char *name, const char *path, long line,
			   const char *what, struct input_errors *err)
{
	char *full = path_join(base, name);

	if (access(full, R_OK) < 0) {
		err_add(err, "%s:%ld: %s '%s': %s", path, line, what, full, strerror(errno));
		free(full);
		return NULL;
	}
	return full;
}


static const struct { unsigned bit; const char *name; } mqtt_version_names[] = {
	{ MQTT_V31, "3.1" }, { MQTT_V311, "3.1.1" }, { MQTT_V5, "5.0" },
};

void mqtt_versions_text(unsigned set, char *out, size_t len)
{
	size_t n = 0;

	out[0] = '\0';
	for (size_t k = 0; k < ARRAY_SIZE(mqtt_version_names); k++)
		if (set & mqtt_version_names[k].bit)
			n += (size_t)snprintf(out + n, n < len ? len - n : 0, "%s%s", n ? " " : "", mqtt_version_names[k].name);
}

void dut_mqtt_endpoint(const struct dut_mqtt *m, char *out, size_t len)
{
	snprintf(out, len, "%s://%s:%d", m->tls ? "mqtts" : "mqtt", m->host, m->port);
}

unsigned mqtt_versions_parse(const char *text)
{
	unsigned set = 0;

	while (text && *(text += strspn(text, " \t\r\n"))) {
		size_t n = strcspn(text, " \t\r\n");
		for (size_t k = 0; k < ARRAY_SIZE(mqtt_version_names); k++)
			if (strlen(mqtt_version_names[k].name) == n && !strncmp(text, mqtt_version_names[k].name, n))
				set |= mqtt_version_names[k].bit;
		text += n;
	}
	return set;
}

/* "coap://host:port/..." or "coaps://[v6]:port/..." into host and port. */
static int parse_coap_uri(const char *uri, char **host, int *port)
{
	const char *p;
	int secure;

	if (!strncmp(uri, "coaps://", 8)) {
		secure = 1;
		p = uri + 8;
	} else if (!strncmp(uri, "coap://", 7)) {
		secure = 0;
		p = uri + 7;
	} else {
		return -1;
	}
	const char *end;
	if (*p == '[') {
		end = strchr(p, ']');
		if (!end)
			return -1;
		*host = xstrndup(p + 1, (size_t)(end - p - 1));
		end++;
	} else {
		end = p + strcspn(p, ":/");
		if (end == p)
			return -1;
		*host = xstrndup(p, (size_t)(end - p));
	}
	*port = secure ? 5684 : 5683;
	if (*end == ':') {
		char *e;
		long v = strtol(end + 1, &e, 10);
		if (e == end + 1 || v < 1 || v > 65535 || (*e && *e != '/')) {
			free(*host);
			*host = NULL;
			return -1;
		}
		*port = (int)v;
	}
	return 0;
}

static void dut_mqtt_load(struct keur_dut *d, xmlNodePtr n, const char *base, struct input_errors *err)
{
	struct dut_mqtt *m;
	char *role = attr(n, "role"), *v;

	d->mqtt = xrealloc(d->mqtt, (d->nmqtt + 1) * sizeof(*d->mqtt));
	m = &d->mqtt[d->nmqtt++];
	memset(m, 0, sizeof(*m));
	m->line = (int)line_of(n);
	m->broker = role && !strcmp(role, "broker");
	free(role);
	m->host = attr(n, "host");
	m->tls = attr_bool(n, "tls", 0);
	m->port = attr_int(n, "port", m->tls ? 8883 : 1883);
	m->username = attr(n, "username");
	m->client_id = attr(n, "client-id");
	m->broker_host = attr(n, "broker-host");
	m->timeout_ms = attr_ms(n, "timeout", 5000);
	if (m->broker && !m->host)
		err_add(err, "%s:%d: <mqtt role=\"broker\"> needs host=\"...\" (where keur connects)",
			d->path, m->line);
	if ((v = attr(n, "ca-file"))) {
		m->ca_file = readable_file(base, v, d->path, m->line, "ca-file", err);
		free(v);
		if (m->ca_file && !m->tls)
			err_add(err, "%s:%d: ca-file given but tls is not \"true\"", d->path, m->line);
	}
	m->password = attr(n, "password");
	if ((v = attr(n, "password-file"))) {
		if (m->password)
			err_add(err, "%s:%d: give password or password-file, not both", d->path, m->line);
		else
			m->password = secret_file(base, v, d->path, m->line, err);
		free(v);
	}
	if (m->password && !m->username)
		err_add(err, "%s:%d: a password without a username", d->path, m->line);
	if ((v = attr(n, "plaintext-ports"))) {
		for (char *p = strtok(v, " \t\n"); p && m->nplaintext < 8; p = strtok(NULL, " \t\n"))
			m->plaintext_ports[m->nplaintext++] = atoi(p);
		free(v);
	} else {
		m->plaintext_ports[m->nplaintext++] = 1883;
	}
	m->reconnect_ms = attr_ms(n, "reconnect", 60000);
	m->status_topic = attr(n, "status-topic");
	for (xmlNodePtr c = n->children; c; c = c->next) {
		struct dut_mqtt_account *a;

		if (!is_el(c, "account"))
			continue;
		m->accounts = xrealloc(m->accounts, (m->naccounts + 1) * sizeof(*m->accounts));
		a = &m->accounts[m->naccounts++];
		memset(a, 0, sizeof(*a));
		a->username = attr(c, "username");
		a->client_id = attr(c, "client-id");
		a->password = attr(c, "password");
		if ((v = attr(c, "password-file"))) {
			if (a->password)
				err_add(err, "%s:%ld: give password or password-file, not both", d->path, line_of(c));
			else
				a->password = secret_file(base, v, d->path, line_of(c), err);
			free(v);
		}
		if (!(a->topic = attr(c, "topic")))
			a->topic = xasprintf("%s/#", a->username);
		if (!m->broker)
			err_add(err, "%s:%ld: <account> belongs to a <mqtt role=\"broker\">", d->path, line_of(c));
	}
	if ((v = attr(n, "versions"))) {
		m->versions = mqtt_versions_parse(v);	/* the XSD allows no other word */
		free(v);
	} else {
		m->versions = MQTT_V31 | MQTT_V311 | MQTT_V5;
	}
}

/* "1-6,15,16,43" (the XSD has checked the shape) into m->fc_declared. */
static void function_codes(const char *v, struct dut_modbus *m, const char *path, struct input_errors *err)
{
	const char *p = v;

	m->fcs_given = 1;
	while (*p) {
		char *e;
		long a = strtol(p, &e, 10), b = a;

		if (*e == '-')
			b = strtol(e + 1, &e, 10);
		if (a < 1 || b > 127 || a > b) {
			err_add(err, "%s:%d: function-codes \"%s\": codes run from 1 to 127, ranges low-high",
				path, m->line, v);
			return;
		}
		for (long fc = a; fc <= b; fc++)
			m->fc_declared[fc] = 1;
		p = *e == ',' ? e + 1 : e;
	}
}

/* The serial line, the declared function codes and recovery time, and Modbus/TCP Security. */
static void modbus_details(xmlNodePtr n, struct dut_modbus *m, const char *base, const char *path,
			   struct input_errors *err)
{
	char *v;

	m->baud = attr_int(n, "baud", 19200);
	m->parity = 'E';
	if ((v = attr(n, "parity")))
		m->parity = (char)(v[0] == 'n' ? 'N' : v[0] == 'o' ? 'O' : 'E');
	free(v);
	m->data_bits = attr_int(n, "data-bits", 8);
	m->stop_bits = attr_int(n, "stop-bits", 1);
	if ((v = attr(n, "function-codes")))
		function_codes(v, m, path, err);
	free(v);
	m->recover_ms = attr_ms(n, "recover", 10000);
	m->tls_port = attr_int(n, "tls-port", 0);
	if (m->tls_port && !m->host)
		err_add(err, "%s:%d: tls-port needs host=\"...\" (Modbus/TCP Security runs over TCP)", path, m->line);
	if ((v = attr(n, "ca-file")))
		m->ca_file = readable_file(base, v, path, m->line, "ca-file", err);
	free(v);
	if ((v = attr(n, "ca-key-file")))
		m->ca_key = readable_file(base, v, path, m->line, "ca-key-file", err);
	free(v);
	if (m->ca_key && !m->ca_file)
		err_add(err, "%s:%d: ca-key-file given without ca-file (the CA certificate it belongs to)", path, m->line);
	m->read_role = attr(n, "read-role");
	m->write_role = attr(n, "write-role");
}

int port_list_parse(const char *text, unsigned char *set)
{
	const char *p = text;

	if (!*p)
		return -1;
	while (*p) {
		char *e;
		long a = strtol(p, &e, 10), b = a;

		if (e == p)
			return -1;
		if (*e == '-')
			b = strtol(e + 1, &e, 10);
		if (a < 1 || b > 65535 || a > b || (*e && *e != ','))
			return -1;
		for (long port = a; port <= b; port++)
			port_add(set, (int)port);
		p = *e == ',' ? e + 1 : e;
	}
	return 0;
}

/* One <function>: which operation, on what; the cross-checks come once all are read. */
static void function_load(struct keur_dut *d, xmlNodePtr n, const char *path, struct input_errors *err)
{
	static const struct { const char *attr, *protocol; enum fn_op op; } ops[] = {
		{ "get", "coap", FN_GET }, { "put", "coap", FN_PUT },
		{ "read-coil", "modbus", FN_READ_COIL }, { "read-register", "modbus", FN_READ_REGISTER },
		{ "write-coil", "modbus", FN_WRITE_COIL }, { "write-register", "modbus", FN_WRITE_REGISTER },
		{ "publish", "mqtt", FN_MQTT }, { "subscribe", "mqtt", FN_MQTT },
	};
	struct dut_function *f;
	char *protocol = attr(n, "protocol"), *v;
	int found = 0;

	d->functions = xrealloc(d->functions, (d->nfunctions + 1) * sizeof(*d->functions));
	f = &d->functions[d->nfunctions++];
	memset(f, 0, sizeof(*f));
	f->line = (int)line_of(n);
	f->name = attr(n, "name");
	f->value = attr(n, "value");
	f->expect = attr(n, "expect");
	f->host = attr(n, "host");
	f->port = attr_int(n, "port", 1883);
	f->persistent = attr_bool(n, "persistent", 0);
	f->effect = -1;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (!(v = attr(n, ops[i].attr)))
			continue;
		if (strcmp(ops[i].protocol, protocol)) {
			err_add(err, "%s:%d: function '%s': %s=\"...\" belongs to protocol=\"%s\", not \"%s\"", path,
				f->line, f->name, ops[i].attr, ops[i].protocol, protocol);
			free(v);
			continue;
		}
		if (ops[i].op == FN_MQTT) {
			*(!strcmp(ops[i].attr, "publish") ? &f->publish : &f->subscribe) = v;
			found |= 2;
		} else {
			if (found & 1)
				err_add(err, "%s:%d: function '%s' names two operations; give one per <function>", path,
					f->line, f->name);
			if (ops[i].op <= FN_PUT)
				f->path = v;
			else {
				f->addr = atoi(v);
				free(v);
			}
			found |= 1;
		}
		f->op = ops[i].op;
	}
	if (!found)
		err_add(err, "%s:%d: function '%s' names no operation (coap: get or put; modbus: read-coil, read-register, "
			"write-coil or write-register; mqtt: publish or subscribe)", path, f->line, f->name);
	if ((f->op == FN_PUT || f->op == FN_WRITE_COIL || f->op == FN_WRITE_REGISTER || (f->op == FN_MQTT && f->publish)) &&
	    found && !f->value)
		err_add(err, "%s:%d: function '%s' sends something: give value=\"...\"", path, f->line, f->name);
	if (f->op == FN_WRITE_COIL && f->value && strcmp(f->value, "0") && strcmp(f->value, "1"))
		err_add(err, "%s:%d: function '%s': a coil takes value 0 or 1, not \"%s\"", path, f->line, f->name, f->value);
	if (f->op == FN_WRITE_REGISTER && f->value && (strspn(f->value, "0123456789") != strlen(f->value) ||
							 !*f->value || atol(f->value) > 65535))
		err_add(err, "%s:%d: function '%s': a register takes a value from 0 to 65535, not \"%s\"", path, f->line,
			f->name, f->value);
	free(protocol);
}

/* What a <function> needs of the rest of the description: its interface, a unique name, an
 * effect that exists and reads. */
static void functions_check(struct keur_dut *d, const char *path, xmlNodePtr root, struct input_errors *err)
{
	int broker = 0;

	for (size_t i = 0; i < d->nmqtt; i++)
		broker |= d->mqtt[i].broker;
	for (size_t i = 0; i < d->nfunctions; i++) {
		struct dut_function *f = &d->functions[i];
		for (size_t j = 0; j < i; j++)
			if (!strcmp(d->functions[j].name, f->name))
				err_add(err, "%s:%d: a second function named '%s' (the first is on line %d)", path, f->line,
					f->name, d->functions[j].line);
		if ((f->op == FN_GET || f->op == FN_PUT) && !d->ncoap)
			err_add(err, "%s:%d: function '%s' uses CoAP but the DUT declares no <coap>", path, f->line, f->name);
		if (f->op >= FN_READ_COIL && f->op <= FN_WRITE_REGISTER && !d->nmodbus)
			err_add(err, "%s:%d: function '%s' uses Modbus but the DUT declares no <modbus>", path, f->line, f->name);
		if (f->op == FN_MQTT && !f->host && !broker)
			err_add(err, "%s:%d: function '%s' uses MQTT: give host=\"...\" (a broker in the LAN) or declare the "
				"DUT's <mqtt role=\"broker\">", path, f->line, f->name);
	}
	/* Effects refer by name, possibly forwards: resolved once every function is known. */
	size_t k = 0;
	for (xmlNodePtr n = root->children; n; n = n->next) {
		if (!is_el(n, "function"))
			continue;
		struct dut_function *f = &d->functions[k++];
		char *e = attr(n, "effect");
		if (!e)
			continue;
		for (size_t j = 0; j < d->nfunctions; j++)
			if (!strcmp(d->functions[j].name, e))
				f->effect = (int)j;
		if (f->effect < 0)
			err_add(err, "%s:%d: function '%s': effect=\"%s\" names no <function>", path, f->line, f->name, e);
		else if (f->effect == (int)(f - d->functions))
			err_add(err, "%s:%d: function '%s' cannot read back its own effect", path, f->line, f->name);
		else if (d->functions[f->effect].op == FN_PUT || d->functions[f->effect].op == FN_WRITE_COIL ||
			 d->functions[f->effect].op == FN_WRITE_REGISTER)
			err_add(err, "%s:%d: function '%s': its effect '%s' must read (get, read-coil, read-register)", path,
				f->line, f->name, e);
		free(e);
	}
}

static void ports_load(struct keur_dut *d, xmlNodePtr n, const char *path, struct input_errors *err)
{
	static const char *const lists[] = { "tcp", "udp", "scan-tcp", "scan-udp" };
	struct dut_ports *p = d->ports = xcalloc(1, sizeof(*d->ports));

	for (size_t i = 0; i < 4; i++) {
		unsigned char scratch[65536 / 8];
		char *v = attr(n, lists[i]);
		if (!v)
			continue;
		if (port_list_parse(v, i == 0 ? p->tcp : i == 1 ? p->udp : scratch) < 0)
			err_add(err, "%s:%ld: %s=\"%s\": ports run from 1 to 65535, ranges low-high", path, line_of(n),
				lists[i], v);
		if (i == 2)
			p->scan_tcp = v;
		else if (i == 3)
			p->scan_udp = v;
		else
			free(v);
	}
	p->state = attr(n, "state");
}

static const char *const local_attrs[] = { [LOCAL_PID_FILE] = "pid-file", [LOCAL_UNIT] = "unit",
					    [LOCAL_CGROUP] = "cgroup", [LOCAL_NETNS] = "netns" };

const char *dut_local_kind_name(enum dut_local_kind kind)
{
	return (unsigned)kind < ARRAY_SIZE(local_attrs) ? local_attrs[kind] : "?";
}

/* <local-process>: exactly one of its attributes says which processes are the DUT. */
static void local_load(struct keur_dut *d, xmlNodePtr n, const char *base, const char *path, struct input_errors *err)
{
	struct dut_local_process lp = { .line = (int)line_of(n) };
	struct strbuf given;
	int found = 0;

	sb_init(&given);
	for (size_t k = 0; k < ARRAY_SIZE(local_attrs); k++) {
		char *v = attr(n, local_attrs[k]);
		if (!v)
			continue;
		sb_addf(&given, "%s%s", found++ ? " and " : "", local_attrs[k]);
		free(lp.value);
		lp.value = v;
		lp.kind = (enum dut_local_kind)k;
	}
	if (found != 1) {
		err_add(err, "%s:%d: <local-process> takes exactly one of pid-file, unit, cgroup, netns; %s%s", path,
			lp.line, found ? "found " : "found none", given.buf ? given.buf : "");
	} else if (lp.kind == LOCAL_PID_FILE) {
		char *full = path_join(base, lp.value);
		free(lp.value);
		lp.value = full;
	} else if (lp.kind == LOCAL_CGROUP ? lp.value[0] != '/' || strstr(lp.value, "/../")
		   : strchr(lp.value, '/') || !strcmp(lp.value, ".") || !strcmp(lp.value, "..")) {
		err_add(err, "%s:%d: %s=\"%s\": %s", path, lp.line, local_attrs[lp.kind], lp.value,
			lp.kind == LOCAL_CGROUP ? "a cgroup is an absolute path, e.g. /system.slice/dut.service"
						: "a name, without '/'");
		found = 0;
	}
	sb_release(&given);
	if (found != 1) {
		free(lp.value);
		return;
	}
	d->local = xrealloc(d->local, (d->nlocal + 1) * sizeof(*d->local));
	d->local[d->nlocal++] = lp;
}

/* The version a kfw1 image carries, or NULL with an error added. */
static char *kfw1_version(const char *file, const char *what, const char *path, int line, struct input_errors *err)
{
	char *buf = NULL;
	size_t len;
	struct image img;
	int r = file_read(file, &buf, &len);

	if (r < 0) {
		err_add(err, "%s:%d: %s '%s': %s", path, line, what, file, strerror(-r));
		return NULL;
	}
	if (image_parse((const uint8_t *)buf, len, &img) < 0) {
		err_add(err, "%s:%d: %s '%s' is not a kfw1 image (format=\"opaque\" with version=\"...\" for other "
			"formats)", path, line, what, file);
		free(buf);
		return NULL;
	}
	free(buf);
	return xstrdup(img.version);
}

static void update_load(struct keur_dut *d, xmlNodePtr n, const char *base, const char *path, struct input_errors *err)
{
	struct dut_update *u = d->update = xcalloc(1, sizeof(*u));
	char *v;

	u->line = (int)line_of(n);
	u->channel = attr(n, "channel");
	if (!u->channel)
		u->channel = xstrdup("mqtt");
	u->topic = attr(n, "topic");
	u->offer = attr(n, "offer");
	if (!u->offer)
		u->offer = xstrdup("version={version} url={url}");
	u->manifest = attr(n, "manifest");
	if (!u->manifest)
		u->manifest = xstrdup(u->offer);
	u->format = attr(n, "format");
	if (!u->format)
		u->format = xstrdup("opaque");
	u->version = attr(n, "version");
	u->older_version = attr(n, "older-version");
	u->version_topic = attr(n, "version-topic");
	u->check_url = attr(n, "check-url");
	u->check_interval_ms = attr_ms(n, "check-interval", 86400000);
	u->install_ms = attr_ms(n, "install-time", 120000);
	if ((v = attr(n, "image"))) {
		u->image = readable_file(base, v, path, u->line, "image", err);
		free(v);
	}
	if ((v = attr(n, "older-image"))) {
		u->older_image = readable_file(base, v, path, u->line, "older-image", err);
		free(v);
	}
	if (strcmp(u->channel, "mqtt") && strcmp(u->channel, "none"))
		err_add(err, "%s:%d: update channel=\"%s\": keur offers updates over \"mqtt\" (or \"none\": the DUT "
			"only checks check-url)", path, u->line, u->channel);
	if (!strcmp(u->channel, "mqtt") && !u->topic)
		err_add(err, "%s:%d: <update channel=\"mqtt\"> needs topic=\"...\", where offers reach the DUT", path, u->line);
	if (!u->image)
		err_add(err, "%s:%d: <update> needs image=\"...\", the genuine newer image", path, u->line);
	if (!u->version_topic)
		err_add(err, "%s:%d: <update> needs version-topic=\"...\": keur reads there the version the DUT runs", path,
			u->line);
	if (!strcmp(u->format, "kfw1")) {
		if (u->image && !u->version)
			u->version = kfw1_version(u->image, "image", path, u->line, err);
		if (u->older_image && !u->older_version)
			u->older_version = kfw1_version(u->older_image, "older-image", path, u->line, err);
	} else if (strcmp(u->format, "opaque")) {
		err_add(err, "%s:%d: update format=\"%s\": keur knows \"kfw1\" and \"opaque\" (bytes only)", path, u->line,
			u->format);
	} else if ((u->image && !u->version) || (u->older_image && !u->older_version)) {
		err_add(err, "%s:%d: an opaque image does not say its version: give version=\"...\"%s", path, u->line,
			u->older_image ? " and older-version=\"...\"" : "");
	}
	if (u->version && u->older_version && version_cmp(u->older_version, u->version) >= 0)
		err_add(err, "%s:%d: the older image (%s) is not older than the image (%s)", path, u->line, u->older_version,
			u->version);
	if (u->check_url) {
		char host[64];
		int port;
		if (url_split(u->check_url, host, sizeof(host), &port, NULL) < 0)
			err_add(err, "%s:%d: check-url=\"%s\" is http://ADDRESS:PORT/PATH with a numeric address", path,
				u->line, u->check_url);
	}
	if (!strstr(u->offer, "{url}") && !strstr(u->offer, "{version}"))
		err_add(err, "%s:%d: offer=\"%s\" names neither {url} nor {version}", path, u->line, u->offer);
}

int dut_load(const char *path, struct keur_dut **out, struct input_errors *err)
{
	struct keur_dut *d = xcalloc(1, sizeof(*d));
	size_t nerr = err->n;
	char *base = path_dir(path);
	xmlDocPtr doc = load_checked(path, NS_DUT, "dut", keur_xsd_dut, d->sha256, err);
	xmlNodePtr root;

	d->path = xstrdup(path);
	d->automatic_updates = -1;
	d->offline = (struct dut_offline){ .window_ms = 60000, .interval_ms = 5000, .outage_ms = 30000,
					   .recover_ms = 120000, .power_off_ms = 5000, .boot_ms = 120000 };
	if (!doc)
		goto out;
	root = xmlDocGetRootElement(doc);
	d->id = attr(root, "id");
	for (xmlNodePtr n = root->children; n; n = n->next) {
		if (is_el(n, "identity")) {
			d->vendor = attr(n, "vendor");
			d->model = attr(n, "model");
			d->firmware = attr(n, "firmware");
			d->serial = attr(n, "serial");
		} else if (is_el(n, "declares")) {
			d->support_until = attr(n, "support-until");
			d->market_date = attr(n, "market-date");
			char *sb = attr(n, "sbom");
			if (sb) {
				d->sbom = readable_file(base, sb, path, line_of(n), "sbom", err);
				free(sb);
			}
			d->network_equipment = attr_bool(n, "network-equipment", 0);
			char *au = attr(n, "automatic-updates");
			if (au)
				d->automatic_updates = !strcmp(au, "true") || !strcmp(au, "1");
			free(au);
		} else if (is_el(n, "mqtt")) {
			dut_mqtt_load(d, n, base, err);
		} else if (is_el(n, "coap")) {
			struct dut_coap *c;
			d->coap = xrealloc(d->coap, (d->ncoap + 1) * sizeof(*d->coap));
			c = &d->coap[d->ncoap++];
			memset(c, 0, sizeof(*c));
			c->line = (int)line_of(n);
			c->uri = attr(n, "uri");
			if (parse_coap_uri(c->uri, &c->host, &c->port) < 0)
				err_add(err, "%s:%d: uri '%s' is not coap://HOST[:PORT]/ or coaps://HOST[:PORT]/",
					path, c->line, c->uri);
			c->dtls = !strncmp(c->uri, "coaps://", 8);
			c->timeout_ms = attr_ms(n, "timeout", 5000);
			c->plain_port = attr_int(n, "plain-port", 5683);
			c->psk_identity = attr(n, "psk-identity");
			c->psk_key = attr(n, "psk-key");
			char *kf = attr(n, "psk-key-file");
			if (kf) {
				if (c->psk_key)
					err_add(err, "%s:%d: give psk-key or psk-key-file, not both", path, c->line);
				else
					c->psk_key = secret_file(base, kf, path, c->line, err);
				free(kf);
			}
			if (!c->psk_identity != !c->psk_key)
				err_add(err, "%s:%d: a PSK needs both psk-identity and psk-key (or psk-key-file)", path, c->line);
			char *ca = attr(n, "ca-file");
			if (ca) {
				c->ca_file = readable_file(base, ca, path, c->line, "ca-file", err);
				free(ca);
			}
			for (xmlNodePtr r = n->children; r; r = r->next) {
				if (!is_el(r, "resource"))
					continue;
				c->resources = xrealloc(c->resources, (c->nresources + 1) * sizeof(*c->resources));
				c->resources[c->nresources].path = attr(r, "path");
				c->resources[c->nresources].safe_value = attr(r, "safe-value");
				c->nresources++;
			}
		} else if (is_el(n, "modbus")) {
			struct dut_modbus *m;
			d->modbus = xrealloc(d->modbus, (d->nmodbus + 1) * sizeof(*d->modbus));
			m = &d->modbus[d->nmodbus++];
			memset(m, 0, sizeof(*m));
			m->line = (int)line_of(n);
			m->host = attr(n, "host");
			m->port = attr_int(n, "port", 502);
			m->unit = attr_int(n, "unit", 1);
			m->safe_register = attr_int(n, "safe-register", -1);
			m->safe_coil = attr_int(n, "safe-coil", -1);
			m->timeout_ms = attr_ms(n, "timeout", 2000);
			m->serial = attr(n, "serial");
			if (!m->host == !m->serial)
				err_add(err, "%s:%d: <modbus> needs host=\"...\" (TCP) or serial=\"...\" (RTU), one of them",
					path, m->line);
			modbus_details(n, m, base, path, err);
		} else if (is_el(n, "update")) {
			update_load(d, n, base, path, err);
		} else if (is_el(n, "function")) {
			function_load(d, n, path, err);
		} else if (is_el(n, "offline")) {
			d->offline.window_ms = attr_ms(n, "window", 60000);
			d->offline.interval_ms = attr_ms(n, "interval", 5000);
			d->offline.outage_ms = attr_ms(n, "outage", 30000);
			d->offline.recover_ms = attr_ms(n, "recover", 120000);
			d->offline.power_off_ms = attr_ms(n, "power-off", 5000);
			d->offline.boot_ms = attr_ms(n, "boot", 120000);
		} else if (is_el(n, "ports")) {
			ports_load(d, n, path, err);
		} else if (is_el(n, "local-process")) {
			local_load(d, n, base, path, err);
		}
	}
	functions_check(d, path, root, err);
	if (d->nmqtt + d->ncoap + d->nmodbus == 0)
		err_add(err, "%s:%ld: the DUT declares no interface (<mqtt>, <coap> or <modbus>): nothing to test",
			path, line_of(root));
out:
	if (doc)
		xmlFreeDoc(doc);
	free(base);
	if (err->n > nerr) {
		dut_free(d);
		return -1;
	}
	*out = d;
	return 0;
}

/* A password or key: wiped before it goes back to the allocator. */
static void free_secret(char *s)
{
	if (s)
		memset(s, 0, strlen(s));
	free(s);
}

void dut_free(struct keur_dut *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->nmqtt; i++) {
		struct dut_mqtt *m = &d->mqtt[i];
		free(m->host);
		free(m->ca_file);
		free(m->username);
		free_secret(m->password);
		free(m->client_id);
		free(m->broker_host);
		free(m->status_topic);
		for (size_t j = 0; j < m->naccounts; j++) {
			struct dut_mqtt_account *a = &m->accounts[j];
			free(a->username);
			free_secret(a->password);
			free(a->client_id);
			free(a->topic);
		}
		free(m->accounts);
	}
	for (size_t i = 0; i < d->ncoap; i++) {
		struct dut_coap *c = &d->coap[i];
		free(c->uri);
		free(c->host);
		free(c->psk_identity);
		free(c->ca_file);
		free_secret(c->psk_key);
		for (size_t j = 0; j < c->nresources; j++) {
			free(c->resources[j].path);
			free(c->resources[j].safe_value);
		}
		free(c->resources);
	}
	for (size_t i = 0; i < d->nmodbus; i++) {
		struct dut_modbus *m = &d->modbus[i];
		free(m->host);
		free(m->serial);
		free(m->ca_file);
		free(m->ca_key);
		free(m->read_role);
		free(m->write_role);
	}
	for (size_t i = 0; i < d->nfunctions; i++) {
		struct dut_function *f = &d->functions[i];
		free(f->name);
		free(f->path);
		free(f->publish);
		free(f->subscribe);
		free(f->host);
		free(f->value);
		free(f->expect);
	}
	free(d->functions);
	if (d->update) {
		struct dut_update *u = d->update;
		free(u->channel);
		free(u->topic);
		free(u->offer);
		free(u->manifest);
		free(u->image);
		free(u->older_image);
		free(u->format);
		free(u->version);
		free(u->older_version);
		free(u->version_topic);
		free(u->check_url);
		free(u);
	}
	if (d->ports) {
		free(d->ports->scan_tcp);
		free(d->ports->scan_udp);
		free(d->ports->state);
		free(d->ports);
	}
	for (size_t i = 0; i < d->nlocal; i++)
		free(d->local[i].value);
	free(d->local);
	free(d->mqtt);
	free(d->coap);
	free(d->modbus);
	free(d->path);
	free(d->id);
	free(d->vendor);
	free(d->model);
	free(d->firmware);
	free(d->serial);
	free(d->support_until);
	free(d->market_date);
	free(d->sbom);
	free(d);
}

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
		.dut = attr(node, "dut"), .method = attr(node, "method"), .ns = attr(node, "namespace"),
		.iface = attr(node, "interface"), .on = attr(node, "on"), .off = attr(node, "off"),
		.check = attr(node, "check"), .check_addr = attr(node, "check-address"),
		.timeout_ms = attr_ms(node, "timeout", 0), .line = (int)line_of(node),
	};

	if (!strcmp(f.method, "netns") && (!f.ns || !f.iface))
		err_add(err, "%s:%d: <%s method=\"netns\"> needs namespace=\"...\" and interface=\"...\"", l->path, f.line, kind);
	if (!strcmp(f.method, "netns") && !strcmp(kind, "power"))
		err_add(err, "%s:%d: power cannot be switched by a namespace; use method=\"command\" or \"manual\"", l->path, f.line);
	if (f.check && strcmp(f.method, "command"))
		err_add(err, "%s:%d: check=\"...\" is a shell command: it belongs to method=\"command\"", l->path, f.line);
	if (f.check_addr && strcmp(f.method, "netns"))
		err_add(err, "%s:%d: check-address belongs to method=\"netns\" (a command fixture gives check=\"...\")",
			l->path, f.line);
	if (f.check_addr && !strrchr(f.check_addr, ':'))
		err_add(err, "%s:%d: check-address=\"%s\" is HOST:PORT", l->path, f.line, f.check_addr);
	char *command = attr(node, "command");
	if (!strcmp(kind, "reflash")) {
		if (!strcmp(f.method, "netns"))
			err_add(err, "%s:%d: a namespace cannot reflash a DUT; use method=\"command\" or \"manual\"", l->path,
				f.line);
		if (f.on || f.off)
			err_add(err, "%s:%d: <reflash> takes command=\"...\", not on/off", l->path, f.line);
		if (!strcmp(f.method, "command") && !command)
			err_add(err, "%s:%d: <reflash method=\"command\"> needs command=\"...\"", l->path, f.line);
		free(f.on);
		f.on = command;
	} else if (command) {
		err_add(err, "%s:%d: command=\"...\" belongs to <reflash>; <%s> takes on and off", l->path, f.line, kind);
		free(command);
	} else if (!strcmp(f.method, "command") && (!f.on || !f.off))
		err_add(err, "%s:%d: <%s method=\"command\"> needs on=\"...\" and off=\"...\"", l->path, f.line, kind);
	for (size_t i = 0; i < *n; i++)
		if ((!f.dut && !(*fx)[i].dut) || (f.dut && (*fx)[i].dut && !strcmp(f.dut, (*fx)[i].dut)))
			err_add(err, "%s:%d: a second <%s> for %s%s (the first is on line %d)", l->path, f.line, kind,
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
	xmlDocPtr doc = load_checked(path, NS_LAB, "lab", keur_xsd_lab, l->sha256, err);
	xmlNodePtr root;

	l->path = xstrdup(path);
	if (!doc)
		goto out;
	root = xmlDocGetRootElement(doc);
	l->id = attr(root, "id");
	l->name = attr(root, "name");
	l->accreditation = attr(root, "accreditation");
	for (xmlNodePtr n = root->children; n; n = n->next) {
		if (is_el(n, "scope")) {
			for (xmlNodePtr a = n->children; a; a = a->next) {
				if (!is_el(a, "allow"))
					continue;
				char *host = attr(a, "host"), *net = attr(a, "net");
				struct lab_scope s;
				if ((host != NULL) == (net != NULL))
					err_add(err, "%s:%ld: <allow> needs exactly one of host=\"ADDRESS\" or net=\"ADDRESS/PREFIX\"",
						path, line_of(a));
				else if (scope_parse(host ? host : net, net != NULL, &s) < 0)
					err_add(err, "%s:%ld: '%s' is not an IP %s", path, line_of(a),
						host ? host : net, host ? "address" : "network (ADDRESS/PREFIX)");
				else {
					l->scope = xrealloc(l->scope, (l->nscope + 1) * sizeof(*l->scope));
					l->scope[l->nscope++] = s;
				}
				free(host);
				free(net);
			}
		} else if (is_el(n, "uplink")) {
			fixture_load(l, &l->uplinks, &l->nuplinks, n, "uplink", err);
		} else if (is_el(n, "power")) {
			fixture_load(l, &l->powers, &l->npowers, n, "power", err);
		} else if (is_el(n, "reflash")) {
			fixture_load(l, &l->reflashes, &l->nreflashes, n, "reflash", err);
		} else if (is_el(n, "broker")) {
			struct lab_broker *b;
			char *base = path_dir(path), *v;
			unsigned char a[16];

			l->brokers = xrealloc(l->brokers, (l->nbrokers + 1) * sizeof(*l->brokers));
			b = &l->brokers[l->nbrokers++];
			memset(b, 0, sizeof(*b));
			b->line = (int)line_of(n);
			b->dut = attr(n, "dut");
			b->listen = attr(n, "listen");
			b->port = attr_int(n, "port", 0);
			b->ns = attr(n, "namespace");
			if (inet_pton(AF_INET, b->listen, a) != 1 && inet_pton(AF_INET6, b->listen, a) != 1)
				err_add(err, "%s:%d: <broker listen=\"%s\"> is not a numeric address", path, b->line, b->listen);
			if ((v = attr(n, "ca"))) {
				b->ca = readable_file(base, v, path, b->line, "ca", err);
				free(v);
			}
			if ((v = attr(n, "ca-key"))) {
				b->ca_key = readable_file(base, v, path, b->line, "ca-key", err);
				free(v);
			}
			if (!b->ca != !b->ca_key && err->n == nerr)
				err_add(err, "%s:%d: <broker> needs both ca=\"...\" and ca-key=\"...\", or neither",
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

static const struct profile_req *profile_req_find(const struct keur_profile *p, const char *id)
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
			err_add(err, "%s: level '%s' is defined twice", p->path, l->id);
		if (l->includes && !profile_level_find(p, l->includes))
			err_add(err, "%s: level '%s' includes undefined level '%s'", p->path, l->id, l->includes);
		else if (l->includes && profile_level_includes(p, l->includes, l->id))
			err_add(err, "%s: level '%s' includes itself through '%s'", p->path, l->id, l->includes);
	}
	for (size_t i = 0; i < p->nreqs; i++) {
		const struct profile_req *r = &p->reqs[i];
		if (profile_req_find(p, r->id) != r)
			err_add(err, "%s:%d: requirement '%s' is defined twice", p->path, r->line, r->id);
		if (!profile_level_find(p, r->level))
			err_add(err, "%s:%d: requirement '%s' names undefined level '%s'", p->path, r->line,
				r->id, r->level);
		if (r->ncases == 0 && strcmp(r->kind, "docs"))
			err_add(err, "%s:%d: requirement '%s' has no <check> and is not kind=\"docs\": it could never be judged",
				p->path, r->line, r->id);
		if (r->ncases && !strcmp(r->kind, "docs"))
			err_add(err, "%s:%d: requirement '%s' is kind=\"docs\" (assessed outside keur) but has <check>s that would never count",
				p->path, r->line, r->id);
		for (size_t c = 0; c < r->ncases; c++)
			if (!keur_case_find(r->cases[c], NULL))
				err_add(err, "%s:%d: requirement '%s' checks unknown case '%s' (see `keur list`)",
					p->path, r->line, r->id, r->cases[c]);
	}
	for (size_t i = 0; i < p->nfields; i++) {
		if (p->fields[i].from_requirement && !profile_req_find(p, p->fields[i].from_requirement))
			err_add(err, "%s: label field '%s' refers to undefined requirement '%s'", p->path,
				p->fields[i].name, p->fields[i].from_requirement);
		for (size_t k = 0; k < i; k++)
			if (!strcmp(p->fields[k].name, p->fields[i].name))
				err_add(err, "%s: label field '%s' is given twice", p->path, p->fields[i].name);
	}
	for (size_t i = 0; i < p->nwaivers; i++) {
		const struct profile_waiver *w = &p->waivers[i];
		const struct profile_req *r = profile_req_find(p, w->requirement);
		if (!r)
			err_add(err, "%s:%d: waiver for undefined requirement '%s'", p->path, w->line, w->requirement);
		else if (!strcmp(r->kind, "docs"))
			err_add(err, "%s:%d: waiver for '%s', which keur does not assess (kind=\"docs\"): nothing to waive",
				p->path, w->line, w->requirement);
		for (size_t k = 0; k < i; k++)
			if (!strcmp(p->waivers[k].requirement, w->requirement))
				err_add(err, "%s:%d: requirement '%s' is waived twice", p->path, w->line, w->requirement);
	}
}

const struct profile_waiver *profile_waiver_for(const struct keur_profile *p, const char *req)
{
	for (size_t i = 0; i < p->nwaivers; i++)
		if (!strcmp(p->waivers[i].requirement, req))
			return &p->waivers[i];
	return NULL;
}

static char *text_of(xmlNodePtr n)
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

int profile_load(const char *path, struct keur_profile **out, struct input_errors *err)
{
	struct keur_profile *p = xcalloc(1, sizeof(*p));
	size_t nerr = err->n;
	xmlDocPtr doc = load_checked(path, NS_PROFILE, "profile", keur_xsd_profile, p->sha256, err);
	xmlNodePtr root;

	p->path = xstrdup(path);
	if (!doc)
		goto out;
	root = xmlDocGetRootElement(doc);
	p->id = attr(root, "id");
	p->version = attr(root, "version");
	for (xmlNodePtr n = root->children; n; n = n->next) {
		if (is_el(n, "title")) {
			p->title = text_of(n);
		} else if (is_el(n, "requirement")) {
			struct profile_req *r;
			p->reqs = xrealloc(p->reqs, (p->nreqs + 1) * sizeof(*p->reqs));
			r = &p->reqs[p->nreqs++];
			memset(r, 0, sizeof(*r));
			r->line = (int)line_of(n);
			r->id = attr(n, "id");
			r->source = attr(n, "source");
			r->kind = attr(n, "kind");
			r->level = attr(n, "level");
			r->applies_if = attr(n, "applies-if");
			for (xmlNodePtr c = n->children; c; c = c->next) {
				if (is_el(c, "summary")) {
					r->summary = text_of(c);
				} else if (is_el(c, "check")) {
					r->cases = xrealloc(r->cases, (r->ncases + 1) * sizeof(*r->cases));
					r->cases[r->ncases++] = attr(c, "case");
				}
			}
		} else if (is_el(n, "level")) {
			p->levels = xrealloc(p->levels, (p->nlevels + 1) * sizeof(*p->levels));
			p->levels[p->nlevels].id = attr(n, "id");
			p->levels[p->nlevels].includes = attr(n, "includes");
			p->nlevels++;
		} else if (is_el(n, "waiver")) {
			struct profile_waiver *w;
			p->waivers = xrealloc(p->waivers, (p->nwaivers + 1) * sizeof(*p->waivers));
			w = &p->waivers[p->nwaivers++];
			w->requirement = attr(n, "requirement");
			w->approved_by = attr(n, "approved-by");
			w->reason = attr(n, "reason");
			w->line = (int)line_of(n);
		} else if (is_el(n, "label")) {
			for (xmlNodePtr f = n->children; f; f = f->next) {
				if (!is_el(f, "field"))
					continue;
				p->fields = xrealloc(p->fields, (p->nfields + 1) * sizeof(*p->fields));
				p->fields[p->nfields].name = attr(f, "name");
				p->fields[p->nfields].from_requirement = attr(f, "from-requirement");
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

void profile_free(struct keur_profile *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nreqs; i++) {
		struct profile_req *r = &p->reqs[i];
		free(r->id);
		free(r->source);
		free(r->kind);
		free(r->level);
		free(r->summary);
		free(r->applies_if);
		for (size_t c = 0; c < r->ncases; c++)
			free(r->cases[c]);
		free(r->cases);
	}
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
