/* input_dut.c — the DUT description (input.h, "DUT description"): its XSD, then what an XSD
 * cannot say. */
#include "input.h"

#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "images.h"
#include "util.h"
#include "xmlin.h"

extern const char keur_xsd_dut[];

/* Reads a secret from a file named relative to the DUT description; trailing newline dropped. */
static char *secret_file(const char *base, const char *name, const char *path, long line,
			 struct input_errors *err)
{
	char *full = path_join(base, name), *buf = NULL;
	size_t len;
	int r = file_read(full, &buf, &len);

	if (r < 0) {
		input_err_add(err, "%s:%ld: cannot read '%s': %s", path, line, full, strerror(-r));
		free(full);
		return NULL;
	}
	free(full);
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	return buf;
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
	char *role = xml_attr(n, "role"), *v;

	d->mqtt = xrealloc(d->mqtt, (d->nmqtt + 1) * sizeof(*d->mqtt));
	m = &d->mqtt[d->nmqtt++];
	memset(m, 0, sizeof(*m));
	m->line = (int)xml_line(n);
	m->broker = role && !strcmp(role, "broker");
	free(role);
	m->host = xml_attr(n, "host");
	m->tls = xml_attr_bool(n, "tls", 0);
	m->port = xml_attr_int(n, "port", m->tls ? 8883 : 1883);
	m->username = xml_attr(n, "username");
	m->client_id = xml_attr(n, "client-id");
	m->broker_host = xml_attr(n, "broker-host");
	m->timeout_ms = xml_attr_ms(n, "timeout", 5000);
	if (m->broker && !m->host)
		input_err_add(err, "%s:%d: <mqtt role=\"broker\"> needs host=\"...\" (where keur connects)",
			d->path, m->line);
	if ((v = xml_attr(n, "ca-file"))) {
		m->ca_file = input_readable_file(base, v, d->path, m->line, "ca-file", err);
		free(v);
		if (m->ca_file && !m->tls)
			input_err_add(err, "%s:%d: ca-file given but tls is not \"true\"", d->path, m->line);
	}
	m->password = xml_attr(n, "password");
	if ((v = xml_attr(n, "password-file"))) {
		if (m->password)
			input_err_add(err, "%s:%d: give password or password-file, not both", d->path, m->line);
		else
			m->password = secret_file(base, v, d->path, m->line, err);
		free(v);
	}
	if (m->password && !m->username)
		input_err_add(err, "%s:%d: a password without a username", d->path, m->line);
	if ((v = xml_attr(n, "plaintext-ports"))) {
		for (char *p = strtok(v, " \t\n"); p && m->nplaintext < 8; p = strtok(NULL, " \t\n"))
			m->plaintext_ports[m->nplaintext++] = atoi(p);
		free(v);
	} else {
		m->plaintext_ports[m->nplaintext++] = 1883;
	}
	m->reconnect_ms = xml_attr_ms(n, "reconnect", 60000);
	m->status_topic = xml_attr(n, "status-topic");
	for (xmlNodePtr c = n->children; c; c = c->next) {
		struct dut_mqtt_account *a;

		if (!xml_is_el(c, "account"))
			continue;
		m->accounts = xrealloc(m->accounts, (m->naccounts + 1) * sizeof(*m->accounts));
		a = &m->accounts[m->naccounts++];
		memset(a, 0, sizeof(*a));
		a->username = xml_attr(c, "username");
		a->client_id = xml_attr(c, "client-id");
		a->password = xml_attr(c, "password");
		if ((v = xml_attr(c, "password-file"))) {
			if (a->password)
				input_err_add(err, "%s:%ld: give password or password-file, not both", d->path, xml_line(c));
			else
				a->password = secret_file(base, v, d->path, xml_line(c), err);
			free(v);
		}
		if (!(a->topic = xml_attr(c, "topic")))
			a->topic = xasprintf("%s/#", a->username);
		if (!m->broker)
			input_err_add(err, "%s:%ld: <account> belongs to a <mqtt role=\"broker\">", d->path, xml_line(c));
	}
	if ((v = xml_attr(n, "versions"))) {
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
			input_err_add(err, "%s:%d: function-codes \"%s\": codes run from 1 to 127, ranges low-high",
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

	m->baud = xml_attr_int(n, "baud", 19200);
	m->parity = 'E';
	if ((v = xml_attr(n, "parity")))
		m->parity = (char)(v[0] == 'n' ? 'N' : v[0] == 'o' ? 'O' : 'E');
	free(v);
	m->data_bits = xml_attr_int(n, "data-bits", 8);
	m->stop_bits = xml_attr_int(n, "stop-bits", 1);
	if ((v = xml_attr(n, "function-codes")))
		function_codes(v, m, path, err);
	free(v);
	m->recover_ms = xml_attr_ms(n, "recover", 10000);
	m->tls_port = xml_attr_int(n, "tls-port", 0);
	if (m->tls_port && !m->host)
		input_err_add(err, "%s:%d: tls-port needs host=\"...\" (Modbus/TCP Security runs over TCP)", path, m->line);
	if ((v = xml_attr(n, "ca-file")))
		m->ca_file = input_readable_file(base, v, path, m->line, "ca-file", err);
	free(v);
	if ((v = xml_attr(n, "ca-key-file")))
		m->ca_key = input_readable_file(base, v, path, m->line, "ca-key-file", err);
	free(v);
	if (m->ca_key && !m->ca_file)
		input_err_add(err, "%s:%d: ca-key-file given without ca-file (the CA certificate it belongs to)", path, m->line);
	m->read_role = xml_attr(n, "read-role");
	m->write_role = xml_attr(n, "write-role");
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
	char *protocol = xml_attr(n, "protocol"), *v;
	int found = 0;

	d->functions = xrealloc(d->functions, (d->nfunctions + 1) * sizeof(*d->functions));
	f = &d->functions[d->nfunctions++];
	memset(f, 0, sizeof(*f));
	f->line = (int)xml_line(n);
	f->name = xml_attr(n, "name");
	f->value = xml_attr(n, "value");
	f->expect = xml_attr(n, "expect");
	f->host = xml_attr(n, "host");
	f->port = xml_attr_int(n, "port", 1883);
	f->persistent = xml_attr_bool(n, "persistent", 0);
	f->effect = -1;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (!(v = xml_attr(n, ops[i].attr)))
			continue;
		if (strcmp(ops[i].protocol, protocol)) {
			input_err_add(err, "%s:%d: function '%s': %s=\"...\" belongs to protocol=\"%s\", not \"%s\"", path,
				f->line, f->name, ops[i].attr, ops[i].protocol, protocol);
			free(v);
			continue;
		}
		if (ops[i].op == FN_MQTT) {
			*(!strcmp(ops[i].attr, "publish") ? &f->publish : &f->subscribe) = v;
			found |= 2;
		} else {
			if (found & 1)
				input_err_add(err, "%s:%d: function '%s' names two operations; give one per <function>", path,
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
		input_err_add(err, "%s:%d: function '%s' names no operation (coap: get or put; modbus: read-coil, read-register, "
			"write-coil or write-register; mqtt: publish or subscribe)", path, f->line, f->name);
	if ((f->op == FN_PUT || f->op == FN_WRITE_COIL || f->op == FN_WRITE_REGISTER || (f->op == FN_MQTT && f->publish)) &&
	    found && !f->value)
		input_err_add(err, "%s:%d: function '%s' sends something: give value=\"...\"", path, f->line, f->name);
	if (f->op == FN_WRITE_COIL && f->value && strcmp(f->value, "0") && strcmp(f->value, "1"))
		input_err_add(err, "%s:%d: function '%s': a coil takes value 0 or 1, not \"%s\"", path, f->line, f->name, f->value);
	if (f->op == FN_WRITE_REGISTER && f->value && (strspn(f->value, "0123456789") != strlen(f->value) ||
							 !*f->value || atol(f->value) > 65535))
		input_err_add(err, "%s:%d: function '%s': a register takes a value from 0 to 65535, not \"%s\"", path, f->line,
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
				input_err_add(err, "%s:%d: a second function named '%s' (the first is on line %d)", path, f->line,
					f->name, d->functions[j].line);
		if ((f->op == FN_GET || f->op == FN_PUT) && !d->ncoap)
			input_err_add(err, "%s:%d: function '%s' uses CoAP but the DUT declares no <coap>", path, f->line, f->name);
		if (f->op >= FN_READ_COIL && f->op <= FN_WRITE_REGISTER && !d->nmodbus)
			input_err_add(err, "%s:%d: function '%s' uses Modbus but the DUT declares no <modbus>", path, f->line, f->name);
		if (f->op == FN_MQTT && !f->host && !broker)
			input_err_add(err, "%s:%d: function '%s' uses MQTT: give host=\"...\" (a broker in the LAN) or declare the "
				"DUT's <mqtt role=\"broker\">", path, f->line, f->name);
	}
	/* Effects refer by name, possibly forwards: resolved once every function is known. */
	size_t k = 0;
	for (xmlNodePtr n = root->children; n; n = n->next) {
		if (!xml_is_el(n, "function"))
			continue;
		struct dut_function *f = &d->functions[k++];
		char *e = xml_attr(n, "effect");
		if (!e)
			continue;
		for (size_t j = 0; j < d->nfunctions; j++)
			if (!strcmp(d->functions[j].name, e))
				f->effect = (int)j;
		if (f->effect < 0)
			input_err_add(err, "%s:%d: function '%s': effect=\"%s\" names no <function>", path, f->line, f->name, e);
		else if (f->effect == (int)(f - d->functions))
			input_err_add(err, "%s:%d: function '%s' cannot read back its own effect", path, f->line, f->name);
		else if (d->functions[f->effect].op == FN_PUT || d->functions[f->effect].op == FN_WRITE_COIL ||
			 d->functions[f->effect].op == FN_WRITE_REGISTER)
			input_err_add(err, "%s:%d: function '%s': its effect '%s' must read (get, read-coil, read-register)", path,
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
		char *v = xml_attr(n, lists[i]);
		if (!v)
			continue;
		if (port_list_parse(v, i == 0 ? p->tcp : i == 1 ? p->udp : scratch) < 0)
			input_err_add(err, "%s:%ld: %s=\"%s\": ports run from 1 to 65535, ranges low-high", path, xml_line(n),
				lists[i], v);
		if (i == 2)
			p->scan_tcp = v;
		else if (i == 3)
			p->scan_udp = v;
		else
			free(v);
	}
	p->state = xml_attr(n, "state");
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
	struct dut_local_process lp = { .line = (int)xml_line(n) };
	struct strbuf given;
	int found = 0;

	sb_init(&given);
	for (size_t k = 0; k < ARRAY_SIZE(local_attrs); k++) {
		char *v = xml_attr(n, local_attrs[k]);
		if (!v)
			continue;
		sb_addf(&given, "%s%s", found++ ? " and " : "", local_attrs[k]);
		free(lp.value);
		lp.value = v;
		lp.kind = (enum dut_local_kind)k;
	}
	if (found != 1) {
		input_err_add(err, "%s:%d: <local-process> takes exactly one of pid-file, unit, cgroup, netns; %s%s", path,
			lp.line, found ? "found " : "found none", given.buf ? given.buf : "");
	} else if (lp.kind == LOCAL_PID_FILE) {
		char *full = path_join(base, lp.value);
		free(lp.value);
		lp.value = full;
	} else if (lp.kind == LOCAL_CGROUP ? lp.value[0] != '/' || strstr(lp.value, "/../")
		   : strchr(lp.value, '/') || !strcmp(lp.value, ".") || !strcmp(lp.value, "..")) {
		input_err_add(err, "%s:%d: %s=\"%s\": %s", path, lp.line, local_attrs[lp.kind], lp.value,
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

/* Reads an image declared of format f, checks that it is one, and sets *version to the
 * version it carries when none is declared; a declared version must be one the image carries.
 * Errors name the line. */
static void image_check(const struct img_format *f, const char *file, const char *what, char **version,
			const char *path, int line, struct input_errors *err)
{
	char *buf = NULL, why[300];
	size_t len;
	struct img_info info;
	int r = file_read(file, &buf, &len);

	if (r < 0) {
		input_err_add(err, "%s:%d: %s '%s': %s", path, line, what, file, strerror(-r));
		return;
	}
	if (img_info(f, (const uint8_t *)buf, len, &info, why, sizeof(why)) < 0) {
		if (!strncmp(why, "not a ", 6))
			input_err_add(err, "%s:%d: %s '%s': %s (format=\"opaque\" with version=\"...\" for a format keur "
				"does not read)", path, line, what, file, why);
		else
			input_err_add(err, "%s:%d: %s '%s' is not a well-formed %s image: %s", path, line, what, file, f->name,
				why);
	} else if (!info.nversions && !*version) {
		input_err_add(err, "%s:%d: %s '%s' carries no version keur can read: give %s=\"...\"", path, line, what,
			file, strcmp(what, "image") ? "older-version" : "version");
	} else if (!*version) {
		*version = xstrdup(info.versions[0].value);
	} else if (info.nversions) {
		int found = 0;
		for (int i = 0; i < info.nversions; i++)
			found |= !strcmp(info.versions[i].value, *version);
		if (!found)
			input_err_add(err, "%s:%d: %s '%s' carries version %s (%s), not the declared %s", path, line, what, file,
				info.versions[0].value, info.versions[0].what, *version);
	}
	free(buf);
}

static void update_load(struct keur_dut *d, xmlNodePtr n, const char *base, const char *path, struct input_errors *err)
{
	struct dut_update *u = d->update = xcalloc(1, sizeof(*u));
	char *v;

	u->line = (int)xml_line(n);
	u->channel = xml_attr(n, "channel");
	if (!u->channel)
		u->channel = xstrdup("mqtt");
	u->topic = xml_attr(n, "topic");
	u->offer = xml_attr(n, "offer");
	if (!u->offer)
		u->offer = xstrdup("version={version} url={url}");
	u->manifest = xml_attr(n, "manifest");
	if (!u->manifest)
		u->manifest = xstrdup(u->offer);
	u->format = xml_attr(n, "format");
	if (!u->format)
		u->format = xstrdup("opaque");
	u->version = xml_attr(n, "version");
	u->older_version = xml_attr(n, "older-version");
	u->version_topic = xml_attr(n, "version-topic");
	u->check_url = xml_attr(n, "check-url");
	u->check_interval_ms = xml_attr_ms(n, "check-interval", 86400000);
	u->install_ms = xml_attr_ms(n, "install-time", 120000);
	if ((v = xml_attr(n, "image"))) {
		u->image = input_readable_file(base, v, path, u->line, "image", err);
		free(v);
	}
	if ((v = xml_attr(n, "older-image"))) {
		u->older_image = input_readable_file(base, v, path, u->line, "older-image", err);
		free(v);
	}
	if (strcmp(u->channel, "mqtt") && strcmp(u->channel, "none"))
		input_err_add(err, "%s:%d: update channel=\"%s\": keur offers updates over \"mqtt\" (or \"none\": the DUT "
			"only checks check-url)", path, u->line, u->channel);
	if (!strcmp(u->channel, "mqtt") && !u->topic)
		input_err_add(err, "%s:%d: <update channel=\"mqtt\"> needs topic=\"...\", where offers reach the DUT", path, u->line);
	if (!u->image)
		input_err_add(err, "%s:%d: <update> needs image=\"...\", the genuine newer image", path, u->line);
	if (!u->version_topic)
		input_err_add(err, "%s:%d: <update> needs version-topic=\"...\": keur reads there the version the DUT runs", path,
			u->line);
	const struct img_format *f = img_format_find(u->format);
	if (!f) {
		input_err_add(err, "%s:%d: update format=\"%s\": keur knows %s", path, u->line, u->format, img_format_names());
	} else if (f->detect) {
		if (u->image)
			image_check(f, u->image, "image", &u->version, path, u->line, err);
		if (u->older_image)
			image_check(f, u->older_image, "older-image", &u->older_version, path, u->line, err);
	} else if ((u->image && !u->version) || (u->older_image && !u->older_version)) {
		input_err_add(err, "%s:%d: an opaque image does not say its version: give version=\"...\"%s", path, u->line,
			u->older_image ? " and older-version=\"...\"" : "");
	}
	if (u->version && u->older_version && version_cmp(u->older_version, u->version) >= 0)
		input_err_add(err, "%s:%d: the older image (%s) is not older than the image (%s)", path, u->line, u->older_version,
			u->version);
	if (u->check_url) {
		char host[64];
		int port;
		if (url_split(u->check_url, host, sizeof(host), &port, NULL) < 0)
			input_err_add(err, "%s:%d: check-url=\"%s\" is http://ADDRESS:PORT/PATH with a numeric address", path,
				u->line, u->check_url);
	}
	if (!strstr(u->offer, "{url}") && !strstr(u->offer, "{version}"))
		input_err_add(err, "%s:%d: offer=\"%s\" names neither {url} nor {version}", path, u->line, u->offer);
}

int dut_load(const char *path, struct keur_dut **out, struct input_errors *err)
{
	struct keur_dut *d = xcalloc(1, sizeof(*d));
	size_t nerr = err->n;
	char *base = path_dir(path);
	xmlDocPtr doc = input_load_checked(path, NS_DUT, "dut", keur_xsd_dut, d->sha256, err);
	xmlNodePtr root;

	d->path = xstrdup(path);
	d->automatic_updates = -1;
	d->offline = (struct dut_offline){ .window_ms = 60000, .interval_ms = 5000, .outage_ms = 30000,
					   .recover_ms = 120000, .power_off_ms = 5000, .boot_ms = 120000 };
	if (!doc)
		goto out;
	root = xmlDocGetRootElement(doc);
	d->id = xml_attr(root, "id");
	for (xmlNodePtr n = root->children; n; n = n->next) {
		if (xml_is_el(n, "identity")) {
			d->vendor = xml_attr(n, "vendor");
			d->model = xml_attr(n, "model");
			d->firmware = xml_attr(n, "firmware");
			d->serial = xml_attr(n, "serial");
		} else if (xml_is_el(n, "declares")) {
			d->support_until = xml_attr(n, "support-until");
			d->market_date = xml_attr(n, "market-date");
			char *sb = xml_attr(n, "sbom");
			if (sb) {
				d->sbom = input_readable_file(base, sb, path, xml_line(n), "sbom", err);
				free(sb);
			}
			char *ics = xml_attr(n, "ics");
			if (ics) {
				d->ics = input_readable_file(base, ics, path, xml_line(n), "ics", err);
				free(ics);
			}
			d->network_equipment = xml_attr_bool(n, "network-equipment", 0);
			char *au = xml_attr(n, "automatic-updates");
			if (au)
				d->automatic_updates = !strcmp(au, "true") || !strcmp(au, "1");
			free(au);
		} else if (xml_is_el(n, "mqtt")) {
			dut_mqtt_load(d, n, base, err);
		} else if (xml_is_el(n, "coap")) {
			struct dut_coap *c;
			d->coap = xrealloc(d->coap, (d->ncoap + 1) * sizeof(*d->coap));
			c = &d->coap[d->ncoap++];
			memset(c, 0, sizeof(*c));
			c->line = (int)xml_line(n);
			c->uri = xml_attr(n, "uri");
			if (parse_coap_uri(c->uri, &c->host, &c->port) < 0)
				input_err_add(err, "%s:%d: uri '%s' is not coap://HOST[:PORT]/ or coaps://HOST[:PORT]/",
					path, c->line, c->uri);
			c->dtls = !strncmp(c->uri, "coaps://", 8);
			c->timeout_ms = xml_attr_ms(n, "timeout", 5000);
			c->plain_port = xml_attr_int(n, "plain-port", 5683);
			c->psk_identity = xml_attr(n, "psk-identity");
			c->psk_key = xml_attr(n, "psk-key");
			char *kf = xml_attr(n, "psk-key-file");
			if (kf) {
				if (c->psk_key)
					input_err_add(err, "%s:%d: give psk-key or psk-key-file, not both", path, c->line);
				else
					c->psk_key = secret_file(base, kf, path, c->line, err);
				free(kf);
			}
			if (!c->psk_identity != !c->psk_key)
				input_err_add(err, "%s:%d: a PSK needs both psk-identity and psk-key (or psk-key-file)", path, c->line);
			char *ca = xml_attr(n, "ca-file");
			if (ca) {
				c->ca_file = input_readable_file(base, ca, path, c->line, "ca-file", err);
				free(ca);
			}
			for (xmlNodePtr r = n->children; r; r = r->next) {
				if (!xml_is_el(r, "resource"))
					continue;
				c->resources = xrealloc(c->resources, (c->nresources + 1) * sizeof(*c->resources));
				c->resources[c->nresources].path = xml_attr(r, "path");
				c->resources[c->nresources].safe_value = xml_attr(r, "safe-value");
				c->nresources++;
			}
		} else if (xml_is_el(n, "modbus")) {
			struct dut_modbus *m;
			d->modbus = xrealloc(d->modbus, (d->nmodbus + 1) * sizeof(*d->modbus));
			m = &d->modbus[d->nmodbus++];
			memset(m, 0, sizeof(*m));
			m->line = (int)xml_line(n);
			m->host = xml_attr(n, "host");
			m->port = xml_attr_int(n, "port", 502);
			m->unit = xml_attr_int(n, "unit", 1);
			m->safe_register = xml_attr_int(n, "safe-register", -1);
			m->safe_coil = xml_attr_int(n, "safe-coil", -1);
			m->timeout_ms = xml_attr_ms(n, "timeout", 2000);
			m->serial = xml_attr(n, "serial");
			if (!m->host == !m->serial)
				input_err_add(err, "%s:%d: <modbus> needs host=\"...\" (TCP) or serial=\"...\" (RTU), one of them",
					path, m->line);
			modbus_details(n, m, base, path, err);
		} else if (xml_is_el(n, "update")) {
			update_load(d, n, base, path, err);
		} else if (xml_is_el(n, "function")) {
			function_load(d, n, path, err);
		} else if (xml_is_el(n, "offline")) {
			d->offline.window_ms = xml_attr_ms(n, "window", 60000);
			d->offline.interval_ms = xml_attr_ms(n, "interval", 5000);
			d->offline.outage_ms = xml_attr_ms(n, "outage", 30000);
			d->offline.recover_ms = xml_attr_ms(n, "recover", 120000);
			d->offline.power_off_ms = xml_attr_ms(n, "power-off", 5000);
			d->offline.boot_ms = xml_attr_ms(n, "boot", 120000);
		} else if (xml_is_el(n, "ports")) {
			ports_load(d, n, path, err);
		} else if (xml_is_el(n, "local-process")) {
			local_load(d, n, base, path, err);
		}
	}
	functions_check(d, path, root, err);
	if (d->nmqtt + d->ncoap + d->nmodbus == 0)
		input_err_add(err, "%s:%ld: the DUT declares no interface (<mqtt>, <coap> or <modbus>): nothing to test",
			path, xml_line(root));
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
	free(d->ics);
	free(d);
}
