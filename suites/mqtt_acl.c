/* mqtt_acl.c — access control between identities on a broker DUT.
 *
 * MQTT-ACL-002: the broker's own state ($SYS/#) is hidden from anonymous and low-privilege
 * clients.  MQTT-ACL-001/003 and MQTT-ID-001 need a second identity that owns topics of its own
 * (an <account> in the DUT description): a broker that grants a subscription to `#` and filters on
 * delivery can only be caught by a message from someone else.  The low-privilege identities are
 * anonymous (where the broker admits it) and the DUT description's test identity.
 *
 * Every finding rests on a control: the account must receive its own message on its own topic,
 * or the case cannot tell a tight ACL from a message that never flowed (inconc). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "case.h"
#include "mqtt.h"
#include "mqtt_dut.h"
#include "util.h"

#define LISTEN_MS 3000

struct seen {
	int n;
	char version[128];
	char first[160];
};

static void got(void *arg, const char *topic, const void *payload, int len)
{
	struct seen *s = arg;

	if (!s->first[0])
		snprintf(s->first, sizeof(s->first), "%s", topic);
	if (!strcmp(topic, "$SYS/broker/version"))
		snprintf(s->version, sizeof(s->version), "%.*s", len < 120 ? len : 120, (const char *)payload);
	s->n++;
}

static void sys_topics(struct keur_ctx *ctx)
{
	const struct keur_dut *d = keur_dut(ctx);
	struct keur_findings f = { 0 };

	mqtt_init();
	for (size_t i = 0; i < d->nmqtt; i++) {
		const struct dut_mqtt *m = &d->mqtt[i];
		struct mqtt_target t;

		if (!m->broker)
			continue;
		mqtt_dut_target(m, mqtt_dut_version(m), &t);
		for (int who = 0; who < 2; who++) {
			const char *user = who ? m->username : NULL, *pass = who ? m->password : NULL;
			char label[160], cid[48], why[256];
			struct mqtt_session *s;
			struct mqtt_connack a;
			struct seen seen = { 0 };
			int granted;

			if (who && !user)
				continue;
			if (keur_time_left_ms(ctx) < 2 * m->timeout_ms + LISTEN_MS + 1500) {
				keur_find(&f, FIND_OPEN, "the deadline left no time for %s:%d", m->host, m->port);
				break;
			}
			snprintf(label, sizeof(label), "%s:%d as %s%s%s", m->host, m->port, who ? "the test identity '" : "anonymous",
				 who ? user : "", who ? "'" : "");
			snprintf(cid, sizeof(cid), "keur-acl2-%ld-%d", (long)getpid(), who);
			mqtt_session_open(&t, cid, user, pass, NULL, NULL, &s, &a);
			keur_note(ctx, "%s: CONNECT -> %s", label, a.detail);
			if (!s) {
				if (a.outcome == MQTT_UNREACHABLE || a.outcome == MQTT_TLS_FAILED) {
					keur_find(&f, FIND_OPEN, "%s: %s", label, a.detail);
				}
				continue;	/* not admitted: it reads nothing */
			}
			int sr = mqtt_session_subscribe(s, "$SYS/#", m->timeout_ms, &granted, why, sizeof(why));
			if (sr == MQTT_SUB_ENDED) {
				/* Ending the session of a client that asks for what it may not have. */
				keur_note(ctx, "%s: %s", label, why);
				keur_find(&f, FIND_GOOD, "%s: %s", label, why);
			} else if (sr < 0) {
				keur_note(ctx, "%s: %s", label, why);
				keur_find(&f, FIND_OPEN, "%s: %s", label, why);
			} else if (granted >= 0x80) {
				keur_note(ctx, "%s: SUBSCRIBE $SYS/# refused (0x%02x)", label, granted);
				keur_find(&f, FIND_GOOD, "%s: subscription refused", label);
			} else {
				int n = mqtt_session_listen(s, LISTEN_MS, 50, got, &seen);
				keur_note(ctx, "%s: SUBSCRIBE $SYS/# granted (QoS %d); %d message(s) in %d ms%s%s", label, granted,
					  n < 0 ? seen.n : n, LISTEN_MS, seen.version[0] ? "; version: " : "", seen.version);
				if (seen.n > 0) {
					keur_find(&f, FIND_BAD, "%s reads $SYS/# (%d message(s), e.g. %s)%s%s%s", label, seen.n,
						  seen.first, seen.version[0] ? "; the broker says it is '" : "", seen.version,
						  seen.version[0] ? "'" : "");
				} else {
					keur_find(&f, FIND_GOOD, "%s: granted, but nothing delivered in %d s", label, LISTEN_MS / 1000);
				}
			}
			mqtt_session_close(s);
		}
	}
	keur_findings_settle(ctx, &f, "$SYS hidden", KEUR_INCONC,
			     "neither anonymous nor a test identity was admitted: no one to read $SYS/# with (declare a test identity)");
	mqtt_cleanup();
}

/* ---- identities ---- */

struct ident {
	const char *user, *pass;
	char label[96];
};

/* The low-privilege identities keur has for endpoint m: anonymous and the test identity. */
static int low_identities(const struct dut_mqtt *m, struct ident out[2])
{
	int n = 0;

	out[n++] = (struct ident){ .label = "anonymous" };
	if (m->username) {
		out[n] = (struct ident){ .user = m->username, .pass = m->password };
		snprintf(out[n].label, sizeof(out[n].label), "test identity '%s'", m->username);
		n++;
	}
	return n;
}

/* A concrete topic inside an account's filter: wildcards become "keur" levels. */
static void topic_in(const char *filter, const char *leaf, char *out, size_t len)
{
	size_t o = 0;

	for (const char *p = filter; *p && o + 8 < len; p++) {
		if (*p == '#' || *p == '+')
			o += (size_t)snprintf(out + o, len - o, "keur");
		else
			out[o++] = *p;
	}
	out[o] = '\0';
	if (!strchr(filter, '#') && !strchr(filter, '+'))
		return;	/* a plain topic: used as it is */
	snprintf(out + o, len - o, "/%s", leaf);
}

struct marker {
	const char *want;
	int hit;
	char topic[160];
};

static void match_marker(void *arg, const char *topic, const void *payload, int len)
{
	struct marker *mk = arg;

	if (len == (int)strlen(mk->want) && !memcmp(payload, mk->want, (size_t)len)) {
		mk->hit = 1;
		snprintf(mk->topic, sizeof(mk->topic), "%s", topic);
	}
}

/* Listens on s for up to ms for the marker; 1 if it came, 0 if not, -1 if the session ended. */
static int await_marker(struct mqtt_session *s, const char *want, int ms)
{
	struct marker mk = { .want = want };
	long t0 = (long)time_mono_ms();

	while (!mk.hit && (long)time_mono_ms() - t0 < ms) {
		if (mqtt_session_listen(s, 200, 1000, match_marker, &mk) < 0)
			return mk.hit ? 1 : -1;
	}
	return mk.hit;
}

/* Opens a session for ident (label for the transcript); NULL if not admitted. */
static struct mqtt_session *open_as(struct keur_ctx *ctx, const struct mqtt_target *t, const char *cid,
				    const char *user, const char *pass, const char *label, struct mqtt_connack *a)
{
	struct mqtt_session *s;

	mqtt_session_open(t, cid, user, pass, mqtt_dut_log, ctx, &s, a);
	keur_note(ctx, "%s: CONNECT as %s (client id %s) -> %s", t->host, label, cid, a->detail);
	return s;
}

/* The account's session, subscribed to its own filter; NULL (with an open finding) if it is
 * not admitted or may not read its own topics. */
static struct mqtt_session *victim_open(struct keur_ctx *ctx, const struct mqtt_target *t,
					const struct dut_mqtt_account *acc, const char *cid, struct keur_findings *f)
{
	struct mqtt_connack a;
	struct mqtt_session *s;
	char label[96], why[256];
	int granted;

	snprintf(label, sizeof(label), "account '%s'", acc->username);
	s = open_as(ctx, t, cid, acc->username, acc->password, label, &a);
	if (!s) {
		keur_find(f, FIND_OPEN, "%s is not admitted (%s): declare an account the broker accepts", label, a.detail);
		return NULL;
	}
	granted = 0;
	if (mqtt_session_subscribe(s, acc->topic, t->timeout_ms, &granted, why, sizeof(why)) < 0 || granted >= 0x80) {
		if (granted >= 0x80)
			snprintf(why, sizeof(why), "SUBSCRIBE %s refused (0x%02x)", acc->topic, granted);
		keur_find(f, FIND_OPEN, "%s may not read its own topic: %s", label, why);
		mqtt_session_close(s);
		return NULL;
	}
	keur_note(ctx, "%s: subscribed to its own %s", label, acc->topic);
	return s;
}

/* The account publishes ctl on its own topic and must receive it: 1 yes, 0 no (finding added). */
static int control(struct keur_ctx *ctx, struct mqtt_session *v, const struct mqtt_target *t,
		   const struct dut_mqtt_account *acc, struct keur_findings *f)
{
	char topic[256], ctl[64], why[256];
	int reason, r;

	topic_in(acc->topic, "control", topic, sizeof(topic));
	snprintf(ctl, sizeof(ctl), "keur-control-%ld-%ld", (long)getpid(), (long)time_mono_ms());
	if (mqtt_session_publish(v, topic, ctl, (int)strlen(ctl), t->timeout_ms, &reason, why, sizeof(why)) < 0) {
		keur_find(f, FIND_OPEN, "account '%s' could not publish on its own %s: %s", acc->username, topic, why);
		return 0;
	}
	r = await_marker(v, ctl, 2000);
	keur_note(ctx, "control: account '%s' %s its own message on %s", acc->username,
		  r == 1 ? "received" : "did NOT receive", topic);
	if (r != 1) {
		keur_find(f, FIND_OPEN, "account '%s' never received its own message on %s: no control, cannot tell",
			  acc->username, topic);
		return 0;
	}
	return 1;
}

#define ROUND_MS(m) (4 * (m)->timeout_ms + 4000)

/* What the three cases below share: for each broker endpoint and each account on it, fn tries
 * the low-privilege identities against that account; then the verdict. */
typedef void (*account_fn)(struct keur_ctx *ctx, const struct dut_mqtt *m, const struct mqtt_target *t,
			   const struct dut_mqtt_account *acc, const struct ident *low, int nlow, struct keur_findings *f);

static void each_account(struct keur_ctx *ctx, account_fn fn, const char *good, const char *no_account)
{
	const struct keur_dut *d = keur_dut(ctx);
	struct keur_findings f = { 0 };
	int accounts = 0;

	mqtt_init();
	for (size_t i = 0; i < d->nmqtt; i++) {
		const struct dut_mqtt *m = &d->mqtt[i];
		struct ident low[2];
		struct mqtt_target t;
		int nlow;

		if (!m->broker)
			continue;
		accounts += (int)m->naccounts;
		mqtt_dut_target(m, mqtt_dut_version(m), &t);
		nlow = low_identities(m, low);
		for (size_t k = 0; k < m->naccounts; k++)
			fn(ctx, m, &t, &m->accounts[k], low, nlow, &f);
	}
	keur_findings_settle(ctx, &f, good, KEUR_INCONC,
			     accounts ? "no low-privilege identity was admitted: declare a test identity" : no_account);
	mqtt_cleanup();
}

/* MQTT-ACL-001: low-privilege identities subscribe to # and +/# while an account talks. */
static void wildcard_read_account(struct keur_ctx *ctx, const struct dut_mqtt *m, const struct mqtt_target *t,
				  const struct dut_mqtt_account *acc, const struct ident *low, int nlow,
				  struct keur_findings *f)
{
	static const char *const filters[] = { "#", "+/#" };
	char vcid[64];
	struct mqtt_session *v;

	snprintf(vcid, sizeof(vcid), "keur-acl1-victim-%ld", (long)getpid());
	if (!(v = victim_open(ctx, t, acc, acc->client_id ? acc->client_id : vcid, f)))
		return;
	for (int w = 0; w < nlow; w++) {
		for (size_t fi = 0; fi < ARRAY_SIZE(filters); fi++) {
			char cid[64], topic[256], mark[64], why[256];
			struct mqtt_connack a;
			struct mqtt_session *l;
			int granted, reason, r;

			if (keur_time_left_ms(ctx) < ROUND_MS(m)) {
				keur_find(f, FIND_OPEN, "the deadline left no time for %s with %s", low[w].label, filters[fi]);
				goto out;
			}
			snprintf(cid, sizeof(cid), "keur-acl1-%ld-%d-%zu", (long)getpid(), w, fi);
			if (!(l = open_as(ctx, t, cid, low[w].user, low[w].pass, low[w].label, &a)))
				break;	/* not admitted: reads nothing */
			granted = 0;
			int sr = mqtt_session_subscribe(l, filters[fi], t->timeout_ms, &granted, why, sizeof(why));
			if (sr == MQTT_SUB_TIMEOUT) {
				keur_find(f, FIND_OPEN, "%s: %s", low[w].label, why);
				mqtt_session_close(l);
				continue;
			}
			if (sr < 0 || granted >= 0x80) {
				keur_note(ctx, "%s: SUBSCRIBE %s: %s", low[w].label, filters[fi],
					  granted >= 0x80 ? "refused" : why);
				keur_find(f, FIND_GOOD, "%s may not subscribe to %s", low[w].label, filters[fi]);
				mqtt_session_close(l);
				continue;
			}
			topic_in(acc->topic, "acl", topic, sizeof(topic));
			snprintf(mark, sizeof(mark), "keur-acl1-%ld-%ld", (long)getpid(), (long)time_mono_ms());
			if (mqtt_session_publish(v, topic, mark, (int)strlen(mark), t->timeout_ms, &reason, why,
						 sizeof(why)) < 0) {
				keur_find(f, FIND_OPEN, "account '%s': %s", acc->username, why);
				mqtt_session_close(l);
				continue;
			}
			r = await_marker(l, mark, 1500);
			keur_note(ctx, "%s subscribed to %s while account '%s' published on %s: %s", low[w].label,
				  filters[fi], acc->username, topic, r == 1 ? "RECEIVED it" : "not received");
			mqtt_session_close(l);
			if (!control(ctx, v, t, acc, f))
				continue;
			if (r == 1)
				keur_find(f, FIND_BAD, "%s subscribing to %s receives the messages of account '%s' (%s)",
					  low[w].label, filters[fi], acc->username, topic);
			else
				keur_find(f, FIND_GOOD, "%s with %s", low[w].label, filters[fi]);
		}
	}
out:
	mqtt_session_close(v);
}

static void wildcard_read(struct keur_ctx *ctx)
{
	each_account(ctx, wildcard_read_account, "no foreign messages",
		     "the DUT description declares no <account> to own topics: no one's data to steal");
}

/* MQTT-ACL-003: low-privilege identities publish into an account's topic; the account listens. */
static void foreign_publish_account(struct keur_ctx *ctx, const struct dut_mqtt *m, const struct mqtt_target *t,
				    const struct dut_mqtt_account *acc, const struct ident *low, int nlow,
				    struct keur_findings *f)
{
	char vcid[64];
	struct mqtt_session *v;

	snprintf(vcid, sizeof(vcid), "keur-acl3-victim-%ld", (long)getpid());
	if (!(v = victim_open(ctx, t, acc, acc->client_id ? acc->client_id : vcid, f)))
		return;
	for (int w = 0; w < nlow; w++) {
		char cid[64], topic[256], mark[64], why[256];
		struct mqtt_connack a;
		struct mqtt_session *l;
		int reason, r;

		if (keur_time_left_ms(ctx) < ROUND_MS(m)) {
			keur_find(f, FIND_OPEN, "the deadline left no time for %s", low[w].label);
			break;
		}
		snprintf(cid, sizeof(cid), "keur-acl3-%ld-%d", (long)getpid(), w);
		if (!(l = open_as(ctx, t, cid, low[w].user, low[w].pass, low[w].label, &a)))
			continue;
		topic_in(acc->topic, "intruder", topic, sizeof(topic));
		snprintf(mark, sizeof(mark), "keur-acl3-%ld-%ld", (long)getpid(), (long)time_mono_ms());
		if (mqtt_session_publish(l, topic, mark, (int)strlen(mark), t->timeout_ms, &reason, why,
					 sizeof(why)) < 0) {
			/* A broker may end the session of a client that publishes where it may not. */
			keur_note(ctx, "%s: %s", low[w].label, why);
		} else {
			keur_note(ctx, "%s: PUBLISH %s -> PUBACK reason 0x%02x", low[w].label, topic, reason);
		}
		mqtt_session_close(l);
		r = await_marker(v, mark, 1500);
		keur_note(ctx, "account '%s' %s the message %s published into its topic", acc->username,
			  r == 1 ? "RECEIVED" : "did not receive", low[w].label);
		if (r == 1) {
			keur_find(f, FIND_BAD, "%s can publish into %s, a topic of account '%s'", low[w].label,
				  topic, acc->username);
			continue;
		}
		if (r < 0 || !control(ctx, v, t, acc, f))
			break;
		keur_find(f, FIND_GOOD, "%s into %s of account '%s'", low[w].label, topic, acc->username);
	}
	mqtt_session_close(v);
}

static void foreign_publish(struct keur_ctx *ctx)
{
	each_account(ctx, foreign_publish_account, "foreign publishes not delivered",
		     "the DUT description declares no <account> to own topics: no one to impersonate");
}

/* MQTT-ID-001: a low-privilege identity connects with an account's client id. */
static void id_takeover_account(struct keur_ctx *ctx, const struct dut_mqtt *m, const struct mqtt_target *t,
				const struct dut_mqtt_account *acc, const struct ident *low, int nlow,
				struct keur_findings *f)
{
	char cid[64], label[96];

	snprintf(cid, sizeof(cid), "%s", acc->client_id ? acc->client_id : "");
	if (!cid[0])
		snprintf(cid, sizeof(cid), "keur-id1-%s-%ld", acc->username, (long)getpid());
	snprintf(label, sizeof(label), "account '%s'", acc->username);
	for (int w = 0; w < nlow; w++) {
		struct mqtt_connack a, b;
		struct mqtt_session *v;

		if (keur_time_left_ms(ctx) < ROUND_MS(m)) {
			keur_find(f, FIND_OPEN, "the deadline left no time for %s", low[w].label);
			break;
		}
		if (!(v = open_as(ctx, t, cid, acc->username, acc->password, label, &a))) {
			keur_find(f, FIND_OPEN, "%s is not admitted (%s)", label, a.detail);
			break;
		}
		mqtt_try_connect(t, cid, low[w].user, low[w].pass, mqtt_dut_log, ctx, &b);
		keur_note(ctx, "%s: CONNECT as %s with the client id of %s (%s) -> %s", t->host, low[w].label, label, cid,
			  b.detail);
		if (b.outcome != MQTT_ACCEPTED) {
			int alive = mqtt_session_alive(v, 500);
			if (b.outcome == MQTT_UNREACHABLE || b.outcome == MQTT_SILENT || b.outcome == MQTT_TLS_FAILED)
				keur_find(f, FIND_OPEN, "%s: %s", low[w].label, b.detail);
			else if (!alive)
				keur_find(f, FIND_BAD, "%s, though refused (%s), knocked %s off by using its client id",
					  low[w].label, b.detail, label);
			else
				keur_find(f, FIND_GOOD, "%s refused when using the client id of %s", low[w].label, label);
		} else if (!mqtt_session_alive(v, 1000)) {
			keur_note(ctx, "%s: session ended by the broker", label);
			keur_find(f, FIND_BAD, "%s connecting with client id '%s' disconnects %s", low[w].label, cid,
				  label);
		} else {
			keur_find(f, FIND_GOOD, "%s admitted with the client id of %s, which stayed connected",
				  low[w].label, label);
		}
		mqtt_session_close(v);
	}
}

static void id_takeover(struct keur_ctx *ctx)
{
	each_account(ctx, id_takeover_account, "client ids not taken over",
		     "the DUT description declares no <account> whose client id to take");
}

static const struct keur_case cases[] = {
	{ .id = "MQTT-ACL-001", .title = "a low-privilege identity reading # or +/# gets no other identity's messages",
	  .spec = "EN 303 645 5.6-2; EN 18031-1 ACM-2", .needs = NEED_MQTT_BROKER, .deadline_s = 90, .run = wildcard_read },
	{ .id = "MQTT-ACL-002", .title = "$SYS/# is hidden from anonymous and low-privilege clients",
	  .spec = "EN 303 645 5.6-2; EN 18031-1 ACM-2", .needs = NEED_MQTT_BROKER, .deadline_s = 60, .run = sys_topics },
	{ .id = "MQTT-ACL-003", .title = "a low-privilege identity cannot publish into another identity's topics",
	  .spec = "EN 303 645 5.6-2; EN 18031-1 ACM-2", .needs = NEED_MQTT_BROKER, .deadline_s = 60, .run = foreign_publish },
	{ .id = "MQTT-ID-001", .title = "another identity cannot take over a client id and disconnect its owner",
	  .spec = "EN 18031-1 ACM-2, AUM-2", .needs = NEED_MQTT_BROKER, .deadline_s = 60, .run = id_takeover },
};

const struct keur_suite mqtt_acl_suite = {
	.name = "mqtt_acl",
	.title = "MQTT broker access control",
	.cases = cases,
	.ncases = ARRAY_SIZE(cases),
};
