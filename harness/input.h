/* input.h — the three input files: profile, DUT description and lab description (DESIGN.md,
 * "Inputs").  Each is validated against its XSD (compiled in from profiles/) and then checked for
 * what an XSD cannot say; every error names the file and line. */
#ifndef KEUR_INPUT_H
#define KEUR_INPUT_H

#include <stddef.h>

#include <libxml/tree.h>
#include <libxml/xmlerror.h>

enum input_kind { INPUT_UNKNOWN = 0, INPUT_PROFILE, INPUT_DUT, INPUT_LAB, INPUT_ICS, INPUT_REVIEW };

/* ---- DUT description ---- */

#define MQTT_V311 (1u << 0)
#define MQTT_V5   (1u << 1)
#define MQTT_V31  (1u << 2)

/* A set of those as "3.1 3.1.1 5.0", oldest first (empty for none), and back from a list
 * separated by white space (NULL: none; other words are not versions). */
void mqtt_versions_text(unsigned set, char *out, size_t len);
unsigned mqtt_versions_parse(const char *text);

/* Another identity on a broker DUT, owning its own topics (the victim of MQTT-ACL-001/003, ID-001). */
struct dut_mqtt_account {
	char *username;
	char *password;		/* secret */
	char *client_id;	/* NULL: keur makes one up */
	char *topic;		/* a filter it may read and write; default USERNAME/# */
};

struct dut_mqtt {
	int broker;		/* role="broker" (else client) */
	char *host;		/* NULL for a client DUT */
	int port;		/* 0 when not given: 1883, or 8883 with TLS */
	int tls;
	char *ca_file;		/* absolute or relative to cwd; NULL: system trust store */
	char *username;
	char *password;		/* secret: inline or read from password-file; never written out */
	char *client_id;
	char *broker_host;	/* a client DUT: the broker name it expects (and verifies) */
	unsigned versions;	/* declared: MQTT_V31 | MQTT_V311 | MQTT_V5 (all three when not given) */
	/* What the run found out (suites/mqtt_versions.c, once per run, before the cases): the
	 * versions the broker was seen to speak, and those it was seen not to; a version in neither
	 * could not be told.  Zero when not probed. */
	unsigned spoken, unspoken;
	int timeout_ms;		/* per exchange; default 5000 */
	int plaintext_ports[8];	/* where a plaintext listener would sit (default 1883) */
	int nplaintext;
	int reconnect_ms;	/* a client DUT: the longest wait between connection attempts (60 s) */
	char *status_topic;	/* a client DUT: where it publishes its telemetry; NULL: not declared */
	struct dut_mqtt_account *accounts;
	size_t naccounts;
	int line;
};

struct dut_coap_resource {
	char *path;		/* "/sensors/temp" */
	char *safe_value;	/* a payload declared safe to write; NULL: none */
};

struct dut_coap {
	char *uri;
	char *host;
	int port;
	int dtls;		/* coaps:// */
	int plain_port;		/* beside coaps://, where plain CoAP is looked for (5683) */
	char *psk_identity;
	char *psk_key;		/* secret: inline or from psk-key-file */
	char *ca_file;		/* the CA the DTLS server certificate must chain to (resolved path) */
	int timeout_ms;		/* per exchange; default 5000 */
	struct dut_coap_resource *resources;
	size_t nresources;
	int line;
};

struct dut_modbus {
	char *host;		/* NULL for a serial-only device */
	int port;
	char *serial;		/* RTU: the serial line; NULL for TCP */
	int baud;		/* default 19200 */
	char parity;		/* 'N', 'E' (default) or 'O' */
	int data_bits, stop_bits;	/* default 8 and 1 */
	int unit;		/* default 1 */
	int safe_register;	/* holding register the manufacturer declares safe to write; -1: none */
	int safe_coil;		/* likewise a coil; -1: none */
	unsigned char fc_declared[128];	/* function-codes: fc_declared[fc] is set for each declared code */
	int fcs_given;		/* whether function-codes was given at all */
	int recover_ms;		/* serves again within this after its connections ran out; default 10 s */
	int tls_port;		/* Modbus/TCP Security; 0: not declared */
	char *ca_file, *ca_key;	/* the lab CA (PEM) for MODBUS-SEC-001 */
	char *read_role, *write_role;
	int timeout_ms;		/* per request; default 2000 */
	int line;
};

/* A local function that must keep working offline (<function>): one operation. */
enum fn_op {
	FN_GET, FN_PUT,					/* coap */
	FN_READ_COIL, FN_READ_REGISTER, FN_WRITE_COIL, FN_WRITE_REGISTER,	/* modbus */
	FN_MQTT,					/* publish and/or subscribe */
};

struct dut_function {
	char *name;
	enum fn_op op;
	char *path;		/* coap: the resource */
	int addr;		/* modbus: the coil or register */
	char *publish, *subscribe;	/* mqtt topics; either may be NULL */
	char *host;		/* mqtt: a LAN broker; NULL: the DUT's <mqtt role="broker"> */
	int port;
	char *value;		/* what a put, write or publish sends */
	char *expect;		/* what the read (or the effect's read) must return; NULL: any answer */
	int effect;		/* index of the function that reads this one's effect back; -1: none */
	int persistent;		/* its value must survive a power cycle */
	int line;
};

/* Times of the OFFLINE cases (<offline>), in ms. */
struct dut_offline {
	int window_ms, interval_ms, outage_ms, recover_ms, power_off_ms, boot_ms;
};

/* NET-PORTS-001 (<ports>): declared open ports beyond the interfaces', and what to scan. */
struct dut_ports {
	unsigned char tcp[65536 / 8], udp[65536 / 8];	/* bit sets of declared ports */
	char *scan_tcp, *scan_udp;	/* port lists; NULL: the defaults */
	char *state;
};

static inline int port_in(const unsigned char *set, int port)
{
	return port > 0 && port < 65536 && (set[port >> 3] >> (port & 7)) & 1;
}

static inline void port_add(unsigned char *set, int port)
{
	if (port > 0 && port < 65536)
		set[port >> 3] |= (unsigned char)(1u << (port & 7));
}

/* Which processes on the lab machine are the DUT (<local-process>): NET-PORTS-001 needs them when
 * the DUT's address is one of the machine's own, to tell the DUT's sockets from the machine's. */
enum dut_local_kind {
	LOCAL_PID_FILE,		/* a file holding a PID: that process and its descendants */
	LOCAL_UNIT,		/* a systemd unit: the processes in its cgroup */
	LOCAL_CGROUP,		/* a cgroup v2 path: the processes in it and below it */
	LOCAL_NETNS,		/* a named network namespace: the processes in it */
};

struct dut_local_process {
	enum dut_local_kind kind;
	char *value;		/* the pid file (resolved path), unit, cgroup path or namespace name */
	int line;
};

/* Parses "22,8000-8010" into set (ports 1-65535); 0, or -1 when malformed or out of range. */
int port_list_parse(const char *text, unsigned char *set);

/* How the DUT takes updates (<update>): keur plays its vendor's update service. */
struct dut_update {
	char *channel;		/* "mqtt": offers on topic; "none": the DUT only checks check-url */
	char *topic;		/* where offers go (keur's broker delivers them) */
	char *offer;		/* the offer's text: {version} {url} {size} {sha256} filled in */
	char *manifest;		/* what check-url answers when an update is published; default: offer */
	char *image, *older_image;	/* genuine images (resolved paths); older_image may be NULL */
	char *format;		/* "kfw1" (keur's reference format) or "opaque" (bytes only) */
	char *version, *older_version;	/* the images' versions (read from a kfw1 image when not given) */
	char *version_topic;	/* where the DUT reports the version it runs (retained) */
	char *check_url;	/* http://ADDRESS:PORT/PATH that the DUT polls by itself; NULL: none */
	int check_interval_ms;	/* how often it does (default 24 h) */
	int install_ms;		/* from the offer to the new version reported (default 120 s) */
	int line;
};

struct keur_dut {
	char *path;
	char sha256[65];
	char *id;
	char *vendor, *model, *firmware, *serial;
	char *support_until, *market_date, *sbom;
	char *ics;		/* the manufacturer's ICS (ics.h) the description names (resolved path); NULL */
	int automatic_updates;	/* -1 undeclared, 0, 1 */
	int network_equipment;	/* declares itself network equipment (EN 18031-1 NMM-1, TCM-1) */
	struct dut_mqtt *mqtt;
	size_t nmqtt;
	struct dut_coap *coap;
	size_t ncoap;
	struct dut_modbus *modbus;
	size_t nmodbus;
	struct dut_update *update;	/* NULL: no <update> */
	struct dut_function *functions;
	size_t nfunctions;
	struct dut_offline offline;
	struct dut_ports *ports;	/* NULL: no <ports> given */
	struct dut_local_process *local;	/* <local-process>: the DUT's processes on this machine */
	size_t nlocal;
};

/* "mqtt://HOST:PORT", or mqtts:// with TLS: how outputs name a broker endpoint. */
void dut_mqtt_endpoint(const struct dut_mqtt *m, char *out, size_t len);

/* "pid-file", "unit", "cgroup" or "netns": the attribute a declaration was made with. */
const char *dut_local_kind_name(enum dut_local_kind kind);

/* ---- Lab description ---- */

struct lab_scope {
	int family;		/* AF_INET or AF_INET6 */
	unsigned char addr[16];
	int prefix;
	char *text;		/* as written */
};

/* A fixture: how this lab cuts a DUT's uplink or switches its power (hw/fixture.h). */
struct lab_fixture {
	char *dut;		/* for this DUT id only; NULL: for any */
	char *method;		/* "netns", "command" or "manual" */
	char *ns, *iface;	/* netns: the namespace and interface whose link goes down */
	char *on, *off;		/* command: shell commands */
	char *check;		/* command: exits 0 while the DUT's uplink works (confirms a cut) */
	char *check_addr;	/* netns: "HOST:PORT" that a connect from inside the namespace reaches
				 * only while the uplink works; NULL: the DUT's broker */
	int timeout_ms;		/* a command or operator that takes longer has failed; 0: the backend's default */
	int line;
};

/* Where a client DUT connects: keur plays its broker there. */
struct lab_broker {
	char *dut;		/* for this DUT id only; NULL: for any */
	char *listen;		/* numeric address */
	int port;
	char *ca, *ca_key;	/* the CA the DUT trusts, and its key (PEM paths); NULL: none given */
	char *ns;		/* netns where the address lives when keur is not using it; NULL */
	int line;
};

struct keur_lab {
	char *path;
	char sha256[65];
	char *id, *name, *accreditation;
	char *case_user;	/* who case processes run as when keur runs as root (contain.h); NULL: the default */
	struct lab_scope *scope;
	size_t nscope;
	struct lab_fixture *uplinks, *powers, *reflashes;	/* reflash: its command is in on */
	size_t nuplinks, npowers, nreflashes;
	struct lab_broker *brokers;
	size_t nbrokers;
};

/* The fixture of this kind for the DUT: one naming it, else one naming no DUT; NULL if none. */
const struct lab_fixture *lab_fixture_for(const struct lab_fixture *fx, size_t n, const char *dut_id);
/* Likewise the broker address for the DUT. */
const struct lab_broker *lab_broker_for(const struct keur_lab *l, const char *dut_id);

/* ---- Profile ---- */

/* The assessor's guidance for a requirement, in the profile's words (profile.xsd <guidance>). */
struct profile_guidance {
	char *examine;	/* which documents, what they must show */
	char *try_;	/* what to try on the device; NULL: nothing */
	char *pass, *fail, *na;	/* what each verdict looks like */
};

/* A decision tree (tree.h): yes/no questions, the first asked first; each answer leads to
 * another question (to, an index) or to a verdict. */
struct tree_answer {
	char *next;	/* the question it leads to, or NULL */
	char *verdict;	/* pass, fail or na, or NULL */
	int to;		/* index of next in the tree, -1 for none (set by tree_check) */
	int line;
};
struct tree_question {
	char *id, *ask;
	struct tree_answer yes, no;
	int line;
};

struct profile_same {
	char *profile, *requirement;
};

struct profile_req {
	char *id, *source, *kind, *level, *summary;	/* level: NULL in a profile without levels */
	struct profile_guidance *guidance;	/* NULL: none */
	struct tree_question *tree;		/* ntree questions, or NULL */
	size_t ntree;
	char *applies_if;	/* a DUT property the requirement depends on (plan_req_na); NULL: always */
	char *obligation;	/* kind="docs": mandatory (NULL), recommended or conditional */
	char **cases;
	size_t ncases;
	struct profile_same *same;	/* <same-as>: the same requirement in other profiles */
	size_t nsame;
	int line;
};

struct profile_level {
	char *id, *includes;
};

struct profile_field {
	char *name, *from_requirement;
};

/* A requirement the profile's owner agreed to let go: shown in every report, never silent. */
struct profile_waiver {
	char *requirement, *approved_by, *reason;
	int line;
};

struct keur_profile {
	char *path;
	char sha256[65];
	char *id, *version, *title;
	struct profile_req *reqs;
	size_t nreqs;
	struct profile_level *levels;
	size_t nlevels;
	struct profile_field *fields;
	size_t nfields;
	struct profile_waiver *waivers;
	size_t nwaivers;
};

/* Errors collected while loading: one line each, "FILE:LINE: what is wrong". */
struct input_errors {
	char **msg;
	size_t n;
};
void input_errors_release(struct input_errors *e);
/* Prints each error as "keur: LINE" to stderr. */
void input_errors_print(const struct input_errors *e);

/* Which kind of file this is (by the root element's namespace), without full validation. */
enum input_kind input_detect(const char *path, struct input_errors *err);

/* Loaders: 0 and *out set (caller frees with *_free), or -1 with errors appended to err. */
int dut_load(const char *path, struct keur_dut **out, struct input_errors *err);
/* Validates doc against the schema text xsd (compiled in, build/schemas.c), each problem to
 * cb(ctx, error): 0 valid, -1 not, -2 when the schema itself does not parse.  The one
 * validator of the inputs and of the reports keur writes. */
int xsd_validate(xmlDocPtr doc, const char *xsd, xmlStructuredErrorFunc cb, void *ctx);
int lab_load(const char *path, struct keur_lab **out, struct input_errors *err);
int profile_load(const char *path, struct keur_profile **out, struct input_errors *err);
/* A profile as the command line names it: a file, else a bundled profile by name ("csr-label" or
 * "csr-label.xml", in keur_data_dir()/profiles).  The path to load (the argument itself when it
 * names no bundled profile); caller frees.  profile_load does this itself. */
char *profile_locate(const char *arg);
/* A bare name, not a file: no folder part, and no file of that name in the current directory. */
int profile_is_name(const char *arg);
/* The bundled profiles' names, "cra, csr-label, ...", or NULL when there are none; caller frees. */
char *profile_bundled(void);
void dut_free(struct keur_dut *d);
void lab_free(struct keur_lab *l);
void profile_free(struct keur_profile *p);
void profile_req_release(struct profile_req *r);	/* what one requirement holds */

/* The default lab when none is given: loopback only, no fixtures. */
struct keur_lab *lab_default(void);

/* Does the level `level` include `other` (directly or through includes)? */
int profile_level_includes(const struct keur_profile *p, const char *level, const char *other);
const struct profile_level *profile_level_find(const struct keur_profile *p, const char *id);
/* "cra, csr-label": the IDs of n profiles, for a message; caller frees. */
char *profile_ids(struct keur_profile *const *profiles, size_t n);
/* The requirement with this ID, or NULL. */
const struct profile_req *profile_req_find(const struct keur_profile *p, const char *id);
/* The waiver of a requirement, or NULL. */
const struct profile_waiver *profile_waiver_for(const struct keur_profile *p, const char *req);

#endif
