/* decl.c — DECL-*: what the manufacturer declares, checked against the rules and against what
 * the DUT shows on the wire.  DECL-SUPPORT-001 reads the support period; DECL-SBOM-001 parses
 * the SBOM (CycloneDX JSON or XML, SPDX JSON or tag-value) and looks in it for every component
 * version the DUT discloses (Modbus device identification, a broker's $SYS/broker/version). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "case.h"
#include "mb_wire.h"
#include "mqtt.h"
#include "mqtt_dut.h"
#include "util.h"

#define SUPPORT_MONTHS 60	/* CRA Art. 13(8): at least five years, unless the product is used for less */

/* ---- DECL-SUPPORT-001 ---- */

/* "YYYY-MM" or "YYYY-MM-DD" into months since year 0 and the day (1 when not given): 0 or -1. */
static int parse_date(const char *s, long *months, int *day)
{
	int y, m, d = 1, n = 0;

	if (!s || (sscanf(s, "%4d-%2d%n-%2d%n", &y, &m, &n, &d, &n) < 2) || s[n] || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	*months = (long)y * 12 + (m - 1);
	*day = d;
	return 0;
}

static void support(struct keur_ctx *ctx)
{
	const struct keur_dut *d = keur_dut(ctx);
	long until, market, today;
	int du, dm, dt;
	time_t now = time(NULL);
	struct tm tm;
	char today_s[16];

	if (!d->support_until) {
		keur_verdict(ctx, KEUR_FAIL, "no support end date is declared (<declares support-until=\"YYYY-MM\">)");
		return;
	}
	if (!d->market_date) {
		keur_verdict(ctx, KEUR_FAIL, "no market date is declared (<declares market-date=\"YYYY-MM\">): the support "
			     "period of %s cannot be checked", d->support_until);
		return;
	}
	if (parse_date(d->support_until, &until, &du) < 0 || parse_date(d->market_date, &market, &dm) < 0) {
		keur_verdict(ctx, KEUR_FAIL, "the declared dates are not YYYY-MM[-DD]: support-until '%s', market-date '%s'",
			     d->support_until, d->market_date);
		return;
	}
	gmtime_r(&now, &tm);
	strftime(today_s, sizeof(today_s), "%Y-%m-%d", &tm);
	parse_date(today_s, &today, &dt);
	long months = until - market - (du < dm ? 1 : 0);
	keur_note(ctx, "market date %s, support until %s: %ld years %ld months; today %s", d->market_date,
		  d->support_until, months / 12, months % 12, today_s);
	if (months < SUPPORT_MONTHS)
		keur_verdict(ctx, KEUR_FAIL, "support until %s is %ld years %ld months after the market date %s: less than "
			     "five years", d->support_until, months / 12, months % 12, d->market_date);
	else if (until < today || (until == today && du < dt && strlen(d->support_until) > 7))
		keur_verdict(ctx, KEUR_FAIL, "the declared support ended (%s, today is %s)", d->support_until, today_s);
	else
		keur_verdict(ctx, KEUR_PASS, "supported until %s, %ld years %ld months after the market date %s",
			     d->support_until, months / 12, months % 12, d->market_date);
}

/* ---- DECL-SBOM-001 ---- */

struct component {
	char name[128], version[64];
};

struct sbom {
	const char *format;
	struct component *c;
	size_t n;
};

static void add_component(struct sbom *b, const char *name, const char *version)
{
	if (!name || !*name)
		return;
	b->c = xrealloc(b->c, (b->n + 1) * sizeof(*b->c));
	snprintf(b->c[b->n].name, sizeof(b->c[0].name), "%s", name);
	snprintf(b->c[b->n].version, sizeof(b->c[0].version), "%s", version ? version : "");
	b->n++;
}

static const char *json_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void cdx_json_components(struct sbom *b, const cJSON *list)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, list) {
		add_component(b, json_str(c, "name"), json_str(c, "version"));
		cdx_json_components(b, cJSON_GetObjectItemCaseSensitive(c, "components"));
	}
}

static int parse_json(struct sbom *b, const char *text, char *why, size_t len)
{
	cJSON *j = cJSON_Parse(text);

	if (!j) {
		const char *at = cJSON_GetErrorPtr();
		snprintf(why, len, "it is not valid JSON (near '%.20s')", at ? at : "?");
		return -1;
	}
	const char *bf = json_str(j, "bomFormat");
	if (bf && !strcmp(bf, "CycloneDX")) {
		b->format = "CycloneDX JSON";
		const cJSON *meta = cJSON_GetObjectItemCaseSensitive(j, "metadata");
		const cJSON *top = meta ? cJSON_GetObjectItemCaseSensitive(meta, "component") : NULL;
		if (top)
			add_component(b, json_str(top, "name"), json_str(top, "version"));
		cdx_json_components(b, cJSON_GetObjectItemCaseSensitive(j, "components"));
	} else if (json_str(j, "spdxVersion")) {
		const cJSON *p;
		b->format = "SPDX JSON";
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(j, "packages"))
			add_component(b, json_str(p, "name"), json_str(p, "versionInfo"));
	} else {
		snprintf(why, len, "JSON, but neither CycloneDX (bomFormat) nor SPDX (spdxVersion)");
		cJSON_Delete(j);
		return -1;
	}
	cJSON_Delete(j);
	return 0;
}

static char *child_text(xmlNodePtr n, const char *name)
{
	for (xmlNodePtr c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && !strcmp((const char *)c->name, name))
			return (char *)xmlNodeGetContent(c);
	return NULL;
}

static void cdx_xml_walk(struct sbom *b, xmlNodePtr n)
{
	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (!strcmp((const char *)n->name, "component")) {
			char *name = child_text(n, "name"), *version = child_text(n, "version");
			add_component(b, name, version);
			xmlFree(name);
			xmlFree(version);
		}
		cdx_xml_walk(b, n->children);
	}
}

static int parse_xml(struct sbom *b, const char *text, size_t tlen, char *why, size_t len)
{
	xmlDocPtr doc = xmlReadMemory(text, (int)tlen, "sbom.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
				      XML_PARSE_NOWARNING);
	xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;

	if (!root) {
		snprintf(why, len, "it is not well-formed XML");
		if (doc)
			xmlFreeDoc(doc);
		return -1;
	}
	if (strcmp((const char *)root->name, "bom") || !root->ns ||
	    strncmp((const char *)root->ns->href, "http://cyclonedx.org/schema/bom/", 32)) {
		snprintf(why, len, "XML, but not a CycloneDX <bom>");
		xmlFreeDoc(doc);
		return -1;
	}
	b->format = "CycloneDX XML";
	cdx_xml_walk(b, root->children);
	xmlFreeDoc(doc);
	return 0;
}

static int parse_tagvalue(struct sbom *b, char *text, char *why, size_t len)
{
	char *save = NULL, *name = NULL;

	b->format = "SPDX tag-value";
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		line[strcspn(line, "\r")] = '\0';
		if (!strncmp(line, "PackageName:", 12)) {
			if (name)
				add_component(b, name, NULL);
			name = line + 12 + strspn(line + 12, " ");
		} else if (!strncmp(line, "PackageVersion:", 15) && name) {
			add_component(b, name, line + 15 + strspn(line + 15, " "));
			name = NULL;
		}
	}
	if (name)
		add_component(b, name, NULL);
	if (!b->n) {
		snprintf(why, len, "SPDX tag-value without a single PackageName");
		return -1;
	}
	return 0;
}

/* Reads and parses the SBOM: 0, or -1 with why. */
static int sbom_load(const char *path, struct sbom *b, char *why, size_t len)
{
	char *text = NULL;
	size_t tlen;
	int r;

	memset(b, 0, sizeof(*b));
	if (file_read(path, &text, &tlen) < 0) {
		snprintf(why, len, "%s cannot be read", path);
		return -1;
	}
	const char *p = text + strspn(text, " \t\r\n");
	if (*p == '{')
		r = parse_json(b, text, why, len);
	else if (*p == '<')
		r = parse_xml(b, text, tlen, why, len);
	else if (strstr(text, "SPDXVersion:"))
		r = parse_tagvalue(b, text, why, len);
	else {
		snprintf(why, len, "neither CycloneDX (JSON, XML) nor SPDX (JSON, tag-value)");
		r = -1;
	}
	free(text);
	return r;
}

/* A component named like name (case aside; either name may carry a vendor prefix) at version. */
static const struct component *listed(const struct sbom *b, const char *name, const char *version)
{
	for (size_t i = 0; i < b->n; i++) {
		const char *c = b->c[i].name;
		if ((strcasestr(c, name) || strcasestr(name, c)) && !strcmp(b->c[i].version, version))
			return &b->c[i];
	}
	return NULL;
}

static int named(const struct sbom *b, const char *name)
{
	for (size_t i = 0; i < b->n; i++)
		if (strcasestr(b->c[i].name, name) || strcasestr(name, b->c[i].name))
			return 1;
	return 0;
}

/* One version the DUT disclosed: found in the SBOM, or a finding. */
static void look_up(struct keur_ctx *ctx, const struct sbom *b, struct keur_findings *f, const char *where,
		    const char *name, const char *version)
{
	const struct component *c = listed(b, name, version);

	keur_note(ctx, "%s discloses %s %s: %s", where, name, version, c ? "listed" : "NOT listed");
	if (c)
		keur_find(f, FIND_GOOD, "%s %s (%s) listed", name, version, where);
	else if (named(b, name))
		keur_find(f, FIND_BAD, "%s shows %s %s, but the SBOM lists %s at another version", where, name, version, name);
	else
		keur_find(f, FIND_BAD, "%s shows %s %s, which the SBOM does not list", where, name, version);
}

/* The basic device identification (function 43/14, code 1; libmodbus does not read its
 * answer whole): vendor, product code, revision into obj.  1, 0 when the device has none
 * (an exception), -1 with why. */
static int device_id(const struct dut_modbus *m, char obj[3][64], char *why, size_t len)
{
	static const uint8_t req[] = { 43, 14, 1, 0 };
	struct mbw_reply r;
	int unreachable, rc = -1;
	struct mbw *l;

	for (int i = 0; i < 3; i++)
		obj[i][0] = '\0';
	if (!m->host) {
		struct mbw_serial ser = { m->serial, m->baud, m->parity, m->data_bits, m->stop_bits };
		l = mbw_rtu(&ser, why, len);
	} else {
		l = mbw_tcp(m->host, m->port, m->timeout_ms, why, len, &unreachable);
	}
	if (!l)
		return -1;
	enum mbw_status st = mbw_call(l, m->unit, req, sizeof(req), m->timeout_ms, &r);
	if (st == MBW_EXCEPTION) {
		snprintf(why, len, "%s", mbw_describe(&r));
		rc = 0;
	} else if (st != MBW_NORMAL || r.plen < 7 || r.pdu[1] != 14) {
		snprintf(why, len, "%s", st == MBW_NORMAL ? "an answer that is not a device identification" : mbw_describe(&r));
	} else {
		size_t off = 7;
		for (int k = 0; k < r.pdu[6] && off + 2 <= r.plen; k++) {
			size_t id = r.pdu[off], n = r.pdu[off + 1];
			if (off + 2 + n > r.plen)
				break;
			if (id < 3)
				snprintf(obj[id], 64, "%.*s", (int)(n < 63 ? n : 63), (const char *)r.pdu + off + 2);
			off += 2 + n;
		}
		rc = 1;
	}
	mbw_close(l);
	return rc;
}

static void from_modbus(struct keur_ctx *ctx, const struct keur_dut *d, const struct sbom *b, struct keur_findings *f)
{
	for (size_t i = 0; i < d->nmodbus; i++) {
		char obj[3][64], why[256];
		int r = device_id(&d->modbus[i], obj, why, sizeof(why));
		if (r < 0)
			keur_find(f, FIND_OPEN, "Modbus device identification: %s", why);
		else if (r == 0)
			keur_note(ctx, "Modbus device identification: %s (the device discloses none)", why);
		else if (obj[1][0] && obj[2][0])
			look_up(ctx, b, f, "Modbus device identification", obj[1], obj[2]);
	}
}

static void from_broker(struct keur_ctx *ctx, const struct keur_dut *d, const struct sbom *b, struct keur_findings *f)
{
	for (size_t i = 0; i < d->nmqtt; i++) {
		const struct dut_mqtt *m = &d->mqtt[i];
		struct mqtt_first v = { .got = 0 };
		struct mqtt_target t;
		struct mqtt_session *s = NULL;
		struct mqtt_connack ack;
		char why[256], name[64], version[64], cid[48];
		int granted;
		if (!m->broker)
			continue;
		mqtt_init();
		mqtt_dut_target(m, mqtt_dut_version(m), &t);
		snprintf(cid, sizeof(cid), "keur-sbom-%d", (int)getpid());
		mqtt_session_open(&t, cid, m->username, m->password, mqtt_dut_log, ctx, &s, &ack);
		if (!s) {
			keur_find(f, FIND_OPEN, "the broker %s:%d: %s", t.host, t.port, ack.detail);
			continue;
		}
		if (mqtt_session_subscribe(s, "$SYS/broker/version", t.timeout_ms, &granted, why, sizeof(why)) == 0 &&
		    granted < 0x80)
			mqtt_session_listen(s, 3000, 1, mqtt_dut_first, &v);
		mqtt_session_close(s);
		/* "mosquitto version 2.0.11": the first word and the last. */
		if (!v.got || sscanf(v.value, "%63s", name) != 1 || !strrchr(v.value, ' ')) {
			keur_note(ctx, "the broker discloses no $SYS/broker/version%s%s", v.got ? ": " : "", v.value);
			continue;
		}
		snprintf(version, sizeof(version), "%s", strrchr(v.value, ' ') + 1);
		look_up(ctx, b, f, "$SYS/broker/version", name, version);
	}
}

static void sbom(struct keur_ctx *ctx)
{
	const struct keur_dut *d = keur_dut(ctx);
	struct sbom b;
	struct keur_findings f = { 0 };
	char why[300];

	if (!d->sbom) {
		keur_verdict(ctx, KEUR_FAIL, "no SBOM is supplied (<declares sbom=\"FILE\">)");
		return;
	}
	if (sbom_load(d->sbom, &b, why, sizeof(why)) < 0) {
		keur_verdict(ctx, KEUR_FAIL, "the SBOM %s does not parse: %s", d->sbom, why);
		return;
	}
	FILE *ev = keur_evidence(ctx, "components.txt");
	if (ev) {
		fprintf(ev, "# %s: %zu components (%s)\n", d->sbom, b.n, b.format);
		for (size_t i = 0; i < b.n; i++)
			fprintf(ev, "%s\t%s\n", b.c[i].name, b.c[i].version[0] ? b.c[i].version : "(no version)");
		fclose(ev);
	}
	keur_note(ctx, "%s: %s, %zu components", d->sbom, b.format, b.n);
	if (!b.n) {
		keur_verdict(ctx, KEUR_FAIL, "the SBOM %s (%s) lists no component", d->sbom, b.format);
		free(b.c);
		return;
	}
	from_modbus(ctx, d, &b, &f);
	from_broker(ctx, d, &b, &f);
	char good[200];
	snprintf(good, sizeof(good), "the SBOM (%s, %zu components) lists every version the DUT shows", b.format, b.n);
	snprintf(why, sizeof(why), "the SBOM (%s, %zu components) parses; the DUT shows no component version keur reads "
		 "(Modbus device identification, $SYS/broker/version)", b.format, b.n);
	keur_findings_settle(ctx, &f, good, KEUR_PASS, why);
	free(b.c);
}

static const struct keur_case cases[] = {
	{ .id = "DECL-SUPPORT-001", .title = "a support end date is declared, at least five years after the market date",
	  .spec = "EN 303 645 5.3-13; CRA Art. 13(8); CSR-LABEL-iii", .needs = 0, .deadline_s = 10, .run = support },
	{ .id = "DECL-SBOM-001", .title = "an SBOM is supplied, parses, and lists the component versions the DUT shows on the wire",
	  .spec = "CIP-5; CRA Annex I Part II (1)", .needs = 0, .deadline_s = 60, .run = sbom },
};

const struct keur_suite decl_suite = {
	.name = "decl",
	.title = "the manufacturer's declarations: support period and SBOM",
	.cases = cases,
	.ncases = ARRAY_SIZE(cases),
};
