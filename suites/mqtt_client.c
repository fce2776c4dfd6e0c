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
#include "default_logins.h"
#include "mqtt_fake.h"
#include "util.h"

#define STORM_MS 250		/* a median interval below this between failed attempts is a storm */
#define RECONNECTS 5		/* attempts observed after the drop */

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
