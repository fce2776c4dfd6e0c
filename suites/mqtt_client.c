/* mqtt_client.c — MQTT-CLIENT-001..005: a client DUT meets keur playing its broker.
 *
 * The lab points the DUT at <broker listen port> in the lab description; each case listens
 * there (keur's own TLS endpoint, certificates made on the spot from the lab CA) and waits for
 * the DUT to come.  001/002/003 present a self-signed certificate, one for another name and an
 * expired one: a DUT that completes the handshake and sends CONNECT would hand its session to
 * anyone on the path.  A refusal counts only once the DUT has accepted keur's genuine
 * certificate in the same case (the control), where the lab gave its CA.  004 reads the
 * credentials the DUT presents; 005 drops the DUT and times its reconnection attempts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "case.h"
#include "certgen.h"
#include "default_logins.h"
#include "mqtt.h"
#include "mqtt_wire.h"
#include "stream.h"
#include "util.h"

#define STORM_MS 250		/* a median interval below this between failed attempts is a storm */
#define RECONNECTS 5		/* attempts observed after the drop */

enum cert_kind { CERT_SELF, CERT_OTHER_NAME, CERT_EXPIRED, CERT_GENUINE };

static const char *const kind_text[] = {
	[CERT_SELF] = "self-signed", [CERT_OTHER_NAME] = "wrong-name",
	[CERT_EXPIRED] = "expired", [CERT_GENUINE] = "genuine",
};

struct fake {
	const struct dut_mqtt *m;
	const struct lab_broker *lab;
	const char *name;	/* the name the DUT expects: broker-host, else the listen address */
	int lfd;
	void *tls;		/* SSL_CTX *, or NULL: plain MQTT */
};

/* The DUT's client endpoint, or NULL. */
static const struct dut_mqtt *client_of(const struct keur_dut *d)
{
	for (size_t i = 0; i < d->nmqtt; i++)
		if (!d->mqtt[i].broker)
			return &d->mqtt[i];
	return NULL;
}

/* Makes the TLS context for kind; 0, or -1 with why (an inconc reason). */
static int fake_cert(struct keur_ctx *ctx, struct fake *fk, enum cert_kind kind, char *why, size_t len)
{
	struct certgen_spec spec = { .name = fk->name, .not_before_s = -3600, .not_after_s = 30L * 86400,
				     .ca_cert = fk->lab->ca, .ca_key = fk->lab->ca_key };
	char detail[256];

	if (kind == CERT_SELF) {
		spec.ca_cert = spec.ca_key = NULL;
	} else if (!fk->lab->ca) {
		snprintf(why, len, "the lab gives no CA (<broker ca=\"...\" ca-key=\"...\">): keur cannot make the %s "
			 "certificate the DUT would otherwise trust", kind_text[kind]);
		return -1;
	}
	if (kind == CERT_OTHER_NAME)
		spec.name = "keur-not-your-broker.invalid";
	if (kind == CERT_EXPIRED) {
		spec.not_before_s = -60L * 86400;
		spec.not_after_s = -86400;
	}
	certgen_free(fk->tls);
	if (!(fk->tls = certgen_server_ctx(&spec, detail, sizeof(detail)))) {
		snprintf(why, len, "keur could not make its certificate: %s", detail);
		return -1;
	}
	keur_note(ctx, "keur's broker presents a %s", detail);
	return 0;
}

/* Sets up keur's broker for this case: 0, or -1 with the verdict given (inconc). */
static int fake_open(struct keur_ctx *ctx, struct fake *fk)
{
	const struct lab_broker *l = keur_broker(ctx);
	char why[256];

	memset(fk, 0, sizeof(*fk));
	fk->lfd = -1;
	fk->lab = l;
	fk->m = client_of(keur_dut(ctx));
	if (!fk->m) {
		keur_verdict(ctx, KEUR_NA, "the DUT declares no MQTT client interface");
		return -1;
	}
	if (!l) {
		keur_verdict(ctx, KEUR_INCONC, "the lab gives no broker address for this DUT");
		return -1;
	}
	fk->name = fk->m->broker_host ? fk->m->broker_host : l->listen;
	if (keur_broker_take(ctx) < 0) {
		keur_verdict(ctx, KEUR_INCONC, "keur cannot take over the broker address %s (see the transcript)", l->listen);
		return -1;
	}
	if ((fk->lfd = stream_listen(l->listen, l->port, why, sizeof(why))) < 0) {
		keur_verdict(ctx, KEUR_INCONC, "keur cannot play the DUT's broker: %s", why);
		return -1;
	}
	keur_note(ctx, "keur's broker listens on %s:%d for the DUT (which expects '%s')", l->listen, l->port, fk->name);
	return 0;
}

static void fake_close(struct fake *fk)
{
	if (fk->lfd >= 0)
		close(fk->lfd);
	certgen_free(fk->tls);
	fk->tls = NULL;
	fk->lfd = -1;
}

/* How long to wait for the DUT to come back: its declared longest back-off and a margin, as
 * far as the deadline allows (reserve: what the case needs after). */
static long wait_budget(struct keur_ctx *ctx, const struct fake *fk, long reserve)
{
	long want = fk->m->reconnect_ms + 3000, left = keur_time_left_ms(ctx) - reserve;
	return want < left ? want : left;
}

/* Waits for the DUT; returns its stream (TLS done, or plain), or NULL with *came and detail. */
static struct stream *fake_accept(struct keur_ctx *ctx, struct fake *fk, long wait_ms, int *came, char *detail,
				  size_t len)
{
	struct stream *s;

	*came = 0;
	if (wait_ms <= 0) {
		snprintf(detail, len, "the deadline left no time to wait for the DUT");
		return NULL;
	}
	s = stream_accept(fk->lfd, fk->tls, (int)(wait_ms > 1000000 ? 1000000 : wait_ms), detail, len, came);
	keur_note(ctx, "%s: %s", *came ? "the DUT connected" : "waiting for the DUT", detail);
	return s;
}

/* Reads the DUT's CONNECT: 1 (ci filled), 0 (something else or nothing; what in detail). */
static int read_connect(struct keur_ctx *ctx, struct stream *s, int timeout_ms, struct mqtt_connect_info *ci,
			char *detail, size_t len)
{
	unsigned char first, body[1024];
	size_t blen;
	int r = mqtt_wire_read(s, timeout_ms, &first, body, sizeof(body), &blen);

	if (r != 1) {
		snprintf(detail, len, "no CONNECT: %s", r == MQTT_WIRE_MALFORMED ? "a malformed packet" : stream_error(s));
	} else if (first >> 4 != MQTT_CONNECT) {
		snprintf(detail, len, "%s instead of CONNECT", mqtt_wire_type_name(first));
	} else if (mqtt_wire_parse_connect(body, blen < sizeof(body) ? blen : sizeof(body), ci, detail, len) == 0) {
		snprintf(detail, len, "CONNECT (MQTT level %d, client id '%.64s'%s%.64s%s)", ci->version, ci->client_id,
			 ci->has_user ? ", user '" : "", ci->has_user ? ci->user : "", ci->has_user ? "'" : "");
		keur_note(ctx, "the DUT sent %s%s", detail, ci->has_pass ? " with a password (***)" : "");
		return 1;
	}
	keur_note(ctx, "the DUT sent %s", detail);
	return 0;
}

/* The control: the DUT accepts keur's genuine certificate and sends CONNECT.  1 yes, 0 no
 * (why says what happened), -1 when there is no control to be had (no lab CA). */
static int control(struct keur_ctx *ctx, struct fake *fk, char *why, size_t len)
{
	struct mqtt_connect_info ci;
	struct stream *s;
	char detail[256];
	int came, ok;

	if (!fk->lab->ca)
		return -1;
	if (fake_cert(ctx, fk, CERT_GENUINE, why, len) < 0)
		return 0;
	keur_note(ctx, "control: the genuine certificate");
	s = fake_accept(ctx, fk, wait_budget(ctx, fk, 2000), &came, detail, sizeof(detail));
	if (!s) {
		snprintf(why, len, came ? "the DUT refused keur's genuine certificate too (%s): does it trust the lab CA?"
					: "the DUT did not come back for the control (%s)", detail);
		return 0;
	}
	ok = read_connect(ctx, s, fk->m->timeout_ms, &ci, detail, sizeof(detail));
	memset(ci.pass, 0, sizeof(ci.pass));
	stream_close(s);
	if (!ok)
		snprintf(why, len, "with keur's genuine certificate the DUT sent %.200s", detail);
	return ok;
}

static void bad_cert(struct keur_ctx *ctx, enum cert_kind kind)
{
	struct fake fk;
	struct mqtt_connect_info ci;
	struct stream *s;
	char detail[256], why[400];
	int came;

	if (fake_open(ctx, &fk) < 0)
		return;
	if (fake_cert(ctx, &fk, kind, why, sizeof(why)) < 0) {
		keur_verdict(ctx, KEUR_INCONC, "%s", why);
		goto out;
	}
	s = fake_accept(ctx, &fk, wait_budget(ctx, &fk, fk.m->reconnect_ms + 6000), &came, detail, sizeof(detail));
	if (!came) {
		keur_verdict(ctx, KEUR_INCONC, "the DUT did not connect to %s:%d within its declared reconnect time (%s); is it pointed at the lab broker?",
			     fk.lab->listen, fk.lab->port, detail);
		goto out;
	}
	if (came == 2) {
		keur_verdict(ctx, KEUR_INCONC, "the DUT connected to keur's broker but sent nothing (%s)", detail);
		goto out;
	}
	if (s && !stream_is_tls(s)) {
		keur_verdict(ctx, KEUR_FAIL, "the DUT speaks MQTT without TLS (%s): anyone on the path can play its broker", detail);
		stream_close(s);
		goto out;
	}
	if (s) {
		int connected = read_connect(ctx, s, fk.m->timeout_ms, &ci, detail, sizeof(detail));
		memset(ci.pass, 0, sizeof(ci.pass));
		stream_close(s);
		if (connected) {
			keur_verdict(ctx, KEUR_FAIL, "the DUT accepted keur's %s certificate for its broker and sent %s%s",
				     kind_text[kind], detail, ci.has_pass ? " with its password" : "");
			goto out;
		}
		snprintf(why, sizeof(why), "the DUT completed the handshake with keur's %s certificate but sent no CONNECT (%s)",
			 kind_text[kind], detail);
	} else {
		snprintf(why, sizeof(why), "the DUT refused keur's %s certificate (%s)", kind_text[kind], detail);
	}
	char ctl[300];
	int c = control(ctx, &fk, ctl, sizeof(ctl));
	if (c == 0)
		keur_verdict(ctx, KEUR_INCONC, "%s, but the control failed: %s", why, ctl);
	else if (c < 0)
		keur_verdict(ctx, KEUR_PASS, "%s (no control: the lab gives no CA to show the DUT accepts a genuine one)", why);
	else
		keur_verdict(ctx, KEUR_PASS, "%s, and accepted keur's genuine one", why);
out:
	fake_close(&fk);
}

static void self_signed(struct keur_ctx *ctx) { bad_cert(ctx, CERT_SELF); }
static void other_name(struct keur_ctx *ctx) { bad_cert(ctx, CERT_OTHER_NAME); }
static void expired(struct keur_ctx *ctx) { bad_cert(ctx, CERT_EXPIRED); }

/* keur's broker as the DUT would normally find it: the genuine certificate, or plain MQTT for
 * a DUT that declares no TLS.  0, or -1 with the verdict given. */
static int fake_genuine(struct keur_ctx *ctx, struct fake *fk)
{
	char why[300];

	if (fake_open(ctx, fk) < 0)
		return -1;
	if (!fk->m->tls && !fk->lab->ca) {
		keur_note(ctx, "the DUT declares no TLS and the lab gives no CA: keur's broker speaks plain MQTT");
		return 0;
	}
	if (fake_cert(ctx, fk, CERT_GENUINE, why, sizeof(why)) < 0) {
		keur_verdict(ctx, KEUR_INCONC, "%s", why);
		fake_close(fk);
		return -1;
	}
	return 0;
}

/* Is user/pass on one of the well-known default lists?  The list's name, or NULL. */
static const char *default_login(const char *user, const char *pass)
{
	char u[80], p[80];

	for (size_t l = 0; l < DEFAULT_LOGIN_LISTS; l++)
		for (const char *at = default_login_list(l); default_login_next(&at, u, p);)
			if (!strcmp(u, user) && !strcmp(p, pass))
				return default_login_names[l];
	return NULL;
}

static void credentials(struct keur_ctx *ctx)
{
	struct fake fk;
	struct mqtt_connect_info ci;
	struct stream *s;
	char detail[256];
	int came;

	if (fake_genuine(ctx, &fk) < 0)
		return;
	s = fake_accept(ctx, &fk, wait_budget(ctx, &fk, 3000), &came, detail, sizeof(detail));
	if (!s) {
		keur_verdict(ctx, KEUR_INCONC, came ? "the DUT refused keur's genuine certificate (%s): does it trust the lab CA?"
						    : "the DUT did not connect to keur's broker (%s)", detail);
		goto out;
	}
	int cert = stream_peer_has_cert(s);
	if (!read_connect(ctx, s, fk.m->timeout_ms, &ci, detail, sizeof(detail))) {
		keur_verdict(ctx, KEUR_INCONC, "the DUT sent %s", detail);
	} else if (!ci.has_user && !cert) {
		keur_verdict(ctx, KEUR_FAIL, "the DUT connects without credentials: no user name, no password, no client certificate (client id '%s')",
			     ci.client_id);
	} else if (ci.has_user && ci.has_pass && default_login(ci.user, ci.pass)) {
		/* Well-known defaults are public: naming them gives nothing away. */
		keur_verdict(ctx, KEUR_FAIL, "the DUT logs in with a well-known default, '%s'/'%s' (on the %s list)", ci.user, ci.pass,
			     default_login(ci.user, ci.pass));
	} else if (ci.has_user && !ci.has_pass && !cert) {
		keur_verdict(ctx, KEUR_FAIL, "the DUT gives a user name ('%s') and no secret: no password, no client certificate",
			     ci.user);
	} else {
		keur_verdict(ctx, KEUR_PASS, "the DUT presents %s%s%s%s%s", ci.has_user ? "user '" : "", ci.has_user ? ci.user : "",
			     ci.has_user ? "' with a password that is no well-known default" : "",
			     ci.has_user && cert ? " and " : "", cert ? "a client certificate" : "");
	}
	memset(ci.pass, 0, sizeof(ci.pass));
	stream_close(s);
out:
	fake_close(&fk);
}

static void reconnect(struct keur_ctx *ctx)
{
	struct fake fk;
	struct mqtt_connect_info ci;
	struct stream *s;
	char detail[256], list[RECONNECTS * 16] = "";
	long iv[RECONNECTS], sorted[RECONNECTS], prev;
	int came, n = 0;
	size_t o = 0;

	if (fake_genuine(ctx, &fk) < 0)
		return;
	s = fake_accept(ctx, &fk, wait_budget(ctx, &fk, 20000), &came, detail, sizeof(detail));
	if (!s) {
		keur_verdict(ctx, KEUR_INCONC, came ? "the DUT refused keur's genuine certificate (%s): does it trust the lab CA?"
						    : "the DUT did not connect to keur's broker (%s)", detail);
		goto out;
	}
	if (read_connect(ctx, s, fk.m->timeout_ms, &ci, detail, sizeof(detail))) {
		unsigned char ack[8];
		size_t alen = mqtt_wire_connack(ack, sizeof(ack), ci.version == 5 ? 5 : 4, 0);
		stream_write(s, ack, alen, fk.m->timeout_ms);
		memset(ci.pass, 0, sizeof(ci.pass));
		usleep(500 * 1000);
	}
	stream_close(s);
	prev = (long)time_mono_ms();
	keur_note(ctx, "the DUT's session dropped; from now on keur's broker closes every new connection at once (an outage)");
	int cut_short = 0;
	while (n < RECONNECTS) {
		long wait = wait_budget(ctx, &fk, 1000);
		int fd_came;

		cut_short = wait < fk.m->reconnect_ms + 3000;

		/* Only the TCP connection is accepted and closed: no handshake, like a broker that
		 * is down behind a load balancer. */
		s = stream_accept(fk.lfd, NULL, (int)(wait > 1000000 ? 1000000 : wait), detail, sizeof(detail), &fd_came);
		if (!fd_came)
			break;
		long now = (long)time_mono_ms();
		iv[n] = now - prev;
		prev = now;
		keur_note(ctx, "attempt %d after the drop: %ld ms after the previous", n + 1, iv[n]);
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%ld", n ? ", " : "", iv[n]);
		n++;
		stream_close(s);
	}
	FILE *ev = keur_evidence(ctx, "intervals.txt");
	if (ev) {
		fprintf(ev, "# ms between the drop and each connection attempt, then between attempts\n");
		for (int i = 0; i < n; i++)
			fprintf(ev, "%ld\n", iv[i]);
		fclose(ev);
	}
	if (n == 0 && cut_short) {
		keur_verdict(ctx, KEUR_INCONC, "the DUT did not come back before the case's deadline, which was shorter than its declared reconnect time (%d s; raise --deadline-scale)",
			     fk.m->reconnect_ms / 1000);
		goto out;
	}
	if (n == 0) {
		keur_verdict(ctx, KEUR_FAIL, "after keur dropped its session the DUT did not try again within %d s (its declared reconnect time)",
			     fk.m->reconnect_ms / 1000);
		goto out;
	}
	memcpy(sorted, iv, sizeof(long) * (size_t)n);
	long median = median_long(sorted, (size_t)n);
	if (n >= 3 && median < STORM_MS)
		keur_verdict(ctx, KEUR_FAIL, "the DUT reconnects in a storm: %d attempts, median %ld ms apart (ms: %s)", n, median, list);
	else if (n < 3)
		keur_verdict(ctx, KEUR_INCONC, "only %d attempt(s) within the deadline after the drop (ms: %s): too few to judge its back-off (raise --deadline-scale)",
			     n, list);
	else
		keur_verdict(ctx, KEUR_PASS, "the DUT came back and backs off: %d attempts, median %ld ms apart (ms: %s)", n, median, list);
out:
	fake_close(&fk);
}

#define CLIENT_NEEDS (NEED_MQTT_CLIENT | NEED_FIX_BROKER)

static const struct keur_case cases[] = {
	{ .id = "MQTT-CLIENT-001", .title = "the DUT refuses a broker with a self-signed certificate",
	  .spec = "EN 303 645 5.5-1; EN 18031-1 SCM-1", .needs = CLIENT_NEEDS, .deadline_s = 200, .run = self_signed },
	{ .id = "MQTT-CLIENT-002", .title = "the DUT refuses a broker certificate issued for another name",
	  .spec = "EN 303 645 5.5-1; EN 18031-1 SCM-1", .needs = CLIENT_NEEDS, .deadline_s = 200, .run = other_name },
	{ .id = "MQTT-CLIENT-003", .title = "the DUT refuses an expired broker certificate",
	  .spec = "EN 303 645 5.5-1; EN 18031-1 SCM-1", .needs = CLIENT_NEEDS, .deadline_s = 200, .run = expired },
	{ .id = "MQTT-CLIENT-004", .title = "the DUT logs in to its broker with credentials that are no well-known default",
	  .spec = "EN 303 645 5.5-4, 5.1-1; EN 18031-1 AUM-5-1", .needs = CLIENT_NEEDS, .deadline_s = 120, .run = credentials },
	{ .id = "MQTT-CLIENT-005", .title = "the DUT comes back after its broker drops it, with a back-off and no storm",
	  .spec = "EN 303 645 5.9-3; EN 18031-1 RLM-1", .needs = CLIENT_NEEDS, .deadline_s = 240, .run = reconnect },
};

const struct keur_suite mqtt_client_suite = {
	.name = "mqtt_client",
	.title = "MQTT client devices against keur's broker",
	.cases = cases,
	.ncases = ARRAY_SIZE(cases),
};
