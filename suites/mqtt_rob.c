/* mqtt_rob.c — MQTT-ROB-001: a broker DUT survives malformed and abusive packets.
 *
 * Each abuse goes over a connection of its own (after a valid CONNECT where the abuse needs a
 * session).  Before the first and after each, a liveness probe on a second connection must get a
 * CONNACK, of any code; a broker that stops answering fails.  How the broker reacted to each abuse
 * (closed, answered, ignored) is written to reactions.txt: the verdict rests on liveness alone. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "case.h"
#include "mqtt.h"
#include "mqtt_dut.h"
#include "mqtt_wire.h"
#include "stream.h"
#include "util.h"

#define OVERSIZE_BYTES (4u << 20)	/* sent at most, under a header that claims 256 MiB */
#define REACT_MS 1000			/* how long keur watches for the reaction */
#define QOS2_FLOOD 100

struct env {
	const struct dut_mqtt *m;
	int version;
	int sent;		/* bytes the abuse got out */
};

typedef int (*abuse_fn)(struct stream *s, struct env *e);

static int send_all(struct stream *s, struct env *e, const void *b, size_t n)
{
	if (stream_write(s, b, n, e->m->timeout_ms) < 0)
		return -1;
	e->sent += (int)n;
	return 0;
}

static int bad_length(struct stream *s, struct env *e)
{
	/* CONNECT whose remaining length runs to a fifth byte: no valid packet has that. */
	static const unsigned char b[] = { 0x10, 0xff, 0xff, 0xff, 0xff, 0x7f, 0, 4, 'M', 'Q', 'T', 'T' };
	return send_all(s, e, b, sizeof(b));
}

static int utf8_client_id(struct stream *s, struct env *e)
{
	/* An overlong NUL (C0 80) and a UTF-16 surrogate (ED A0 80): both forbidden in MQTT strings. */
	static const char cid[] = "keur\xc0\x80\xed\xa0\x80";
	unsigned char b[512];
	size_t n = mqtt_wire_connect(b, sizeof(b), e->version, cid, sizeof(cid) - 1, e->m->username, e->m->password);
	return send_all(s, e, b, n);
}

static int utf8_topic(struct stream *s, struct env *e)
{
	static const char topic[] = "keur/\xff\xfe";
	unsigned char b[128];
	size_t n = mqtt_wire_publish(b, sizeof(b), e->version, topic, sizeof(topic) - 1, 0, 0, "x", 1);
	return send_all(s, e, b, n);
}

static int wildcard_topic(struct stream *s, struct env *e)
{
	unsigned char b[128];
	size_t n = mqtt_wire_publish(b, sizeof(b), e->version, "keur/+/#", 8, 1, 1, "x", 1);
	return send_all(s, e, b, n);
}

static int oversize(struct stream *s, struct env *e)
{
	/* A PUBLISH that claims the largest remaining length there is, then megabytes of payload. */
	unsigned char hdr[16], chunk[16384];
	size_t h = 0;

	hdr[h++] = MQTT_PUBLISH << 4;
	h += mqtt_wire_varint(hdr + h, 268435455u);
	hdr[h++] = 0;
	hdr[h++] = 8;
	memcpy(hdr + h, "keur/big", 8);
	h += 8;
	if (e->version == 5)
		hdr[h++] = 0;
	if (send_all(s, e, hdr, h) < 0)
		return -1;
	memset(chunk, 'K', sizeof(chunk));
	for (unsigned sent = 0; sent < OVERSIZE_BYTES; sent += sizeof(chunk))
		if (send_all(s, e, chunk, sizeof(chunk)) < 0)
			return -1;	/* the broker stopped taking it: that is a fine answer */
	return 0;
}

static int qos2_abuse(struct stream *s, struct env *e)
{
	unsigned char b[128];
	size_t n;

	/* Exchanges that are opened and never finished, a packet id reused, and acknowledgements
	 * of exchanges that never began. */
	for (unsigned pid = 1; pid <= QOS2_FLOOD; pid++) {
		n = mqtt_wire_publish(b, sizeof(b), e->version, "keur/q2", 7, 2, pid, "x", 1);
		if (send_all(s, e, b, n) < 0)
			return -1;
	}
	for (int i = 0; i < QOS2_FLOOD; i++) {
		n = mqtt_wire_publish(b, sizeof(b), e->version, "keur/q2", 7, 2, 7, "y", 1);
		if (send_all(s, e, b, n) < 0)
			return -1;
	}
	static const enum mqtt_ptype stray[] = { MQTT_PUBREL, MQTT_PUBCOMP, MQTT_PUBREC, MQTT_PUBACK };
	for (size_t i = 0; i < ARRAY_SIZE(stray); i++) {
		n = mqtt_wire_ack(b, stray[i], 0xbeef);
		if (send_all(s, e, b, n) < 0)
			return -1;
	}
	return 0;
}

static int reserved_type(struct stream *s, struct env *e)
{
	static const unsigned char b[] = { 0x00, 0x00, 0xf0, 0x00 };
	return send_all(s, e, b, e->version == 5 ? 2 : sizeof(b));	/* 0xF0 is AUTH in 5.0 */
}

static int second_connect(struct stream *s, struct env *e)
{
	unsigned char b[512];
	size_t n = mqtt_wire_connect(b, sizeof(b), e->version, "keur-rob-again", 14, e->m->username, e->m->password);
	return send_all(s, e, b, n);
}

static const struct abuse {
	const char *name;
	const char *what;
	int in_session;		/* needs an accepted CONNECT first */
	abuse_fn fn;
} abuses[] = {
	{ "bad-remaining-length", "a CONNECT whose remaining length has five bytes", 0, bad_length },
	{ "utf8-client-id", "a CONNECT whose client id is invalid UTF-8", 0, utf8_client_id },
	{ "utf8-topic", "a PUBLISH whose topic is invalid UTF-8", 1, utf8_topic },
	{ "wildcard-publish", "a PUBLISH to a topic with wildcards (keur/+/#)", 1, wildcard_topic },
	{ "oversize", "a PUBLISH claiming 256 MiB, followed by 4 MiB of payload", 1, oversize },
	{ "qos2-state", "100 QoS 2 exchanges never released, one packet id reused 100 times, stray PUBREL/PUBCOMP/PUBREC/PUBACK", 1, qos2_abuse },
	{ "reserved-type", "packets of reserved type 0 (and 15 under 3.1.1)", 1, reserved_type },
	{ "second-connect", "a second CONNECT on a connection already accepted", 1, second_connect },
};

/* Is the broker answering?  A CONNACK of any code on a fresh connection says yes. */
static int alive(struct keur_ctx *ctx, const struct mqtt_target *t, const struct dut_mqtt *m, int tries,
		 struct mqtt_connack *a)
{
	char cid[48];

	for (int i = 0; i < tries; i++) {
		if (i)
			usleep(500 * 1000);
		snprintf(cid, sizeof(cid), "keur-rob-probe-%ld-%d", (long)getpid(), i);
		mqtt_try_connect(t, cid, m->username, m->password, NULL, NULL, a);
		keur_note(ctx, "  liveness probe: %s", a->detail);
		if (a->outcome == MQTT_ACCEPTED || a->outcome == MQTT_REFUSED)
			return 1;
	}
	return 0;
}

/* Opens a connection for abuse ab; with in_session, CONNECTs first.  NULL with why. */
static struct stream *open_for(const struct dut_mqtt *m, int version, const struct abuse *ab, char *why, size_t len)
{
	unsigned char b[512], first;
	size_t n, blen;
	int unreachable, r;
	struct stream *s = stream_connect(m->host, m->port, m->tls, m->host, m->timeout_ms, why, len, &unreachable);

	if (!s || !ab->in_session)
		return s;
	char cid[48];
	snprintf(cid, sizeof(cid), "keur-rob-%ld", (long)getpid());
	n = mqtt_wire_connect(b, sizeof(b), version, cid, strlen(cid), m->username, m->password);
	if (stream_write(s, b, n, m->timeout_ms) < 0) {
		snprintf(why, len, "CONNECT not sent: %s", stream_error(s));
	} else if ((r = mqtt_wire_read(s, m->timeout_ms, &first, b, sizeof(b), &blen)) != 1) {
		snprintf(why, len, "no CONNACK: %s", r == MQTT_WIRE_MALFORMED ? "malformed reply" : stream_error(s));
	} else if (first >> 4 != MQTT_CONNACK || blen < 2) {
		snprintf(why, len, "%s instead of CONNACK", mqtt_wire_type_name(first));
	} else if (b[1] != 0) {
		snprintf(why, len, "CONNECT refused (0x%02x %s): declare a test identity the broker admits", b[1],
			 mqtt_connack_text(version, b[1]));
	} else {
		return s;
	}
	stream_close(s);
	return NULL;
}

/* What the broker did after the abuse, within REACT_MS: into out. */
static void reaction(struct stream *s, char *out, size_t len)
{
	unsigned char first, body[64];
	size_t blen, o = 0;
	long t0 = (long)time_mono_ms();
	int npk = 0;

	out[0] = '\0';
	for (;;) {
		long left = REACT_MS - ((long)time_mono_ms() - t0);
		int r = left > 0 ? mqtt_wire_read(s, (int)left, &first, body, sizeof(body), &blen) : STREAM_TIMEOUT;

		if (r == 1) {
			if (npk++ < 4)
				o += (size_t)snprintf(out + o, o < len ? len - o : 0, "%s%s", o ? ", " : "answered ",
						      mqtt_wire_type_name(first));
			continue;
		}
		const char *end = r == STREAM_CLOSED ? "closed the connection"
				: r == STREAM_TIMEOUT ? (npk ? "then kept the connection open" : "kept silent, connection open")
				: r == MQTT_WIRE_MALFORMED ? "sent a malformed packet"
				: "reset the connection";
		if (npk > 4)
			o += (size_t)snprintf(out + o, o < len ? len - o : 0, " (+%d more)", npk - 4);
		snprintf(out + o, o < len ? len - o : 0, "%s%s", o ? "; " : "", end);
		return;
	}
}

static void malformed(struct keur_ctx *ctx)
{
	const struct keur_dut *d = keur_dut(ctx);
	struct keur_findings f = { 0 };
	FILE *rx = keur_evidence(ctx, "reactions.txt");

	mqtt_init();
	for (size_t i = 0; i < d->nmqtt; i++) {
		const struct dut_mqtt *m = &d->mqtt[i];
		struct mqtt_target t;
		struct mqtt_connack a;
		struct env e = { .m = m };
		int done = 0, skipped = 0;

		if (!m->broker)
			continue;
		e.version = mqtt_dut_version(m);
		mqtt_dut_target(m, e.version, &t);
		if (rx)
			fprintf(rx, "%s:%d (MQTT %s%s)\n", m->host, m->port, mqtt_version_name(e.version), m->tls ? ", TLS" : "");
		keur_note(ctx, "%s:%d: liveness before any abuse", m->host, m->port);
		if (!alive(ctx, &t, m, 2, &a)) {
			keur_find(&f, FIND_OPEN, "%s:%d did not answer before any abuse (%s)", m->host, m->port, a.detail);
			continue;
		}
		for (size_t k = 0; k < ARRAY_SIZE(abuses); k++) {
			const struct abuse *ab = &abuses[k];
			char why[256], react[256];
			struct stream *s;

			if (keur_time_left_ms(ctx) < 6L * m->timeout_ms + 8000) {
				keur_find(&f, FIND_OPEN, "%s:%d: the deadline left no time for %s and after", m->host, m->port,
					  ab->name);
				break;
			}
			keur_note(ctx, "%s:%d: %s: %s", m->host, m->port, ab->name, ab->what);
			if (!(s = open_for(m, e.version, ab, why, sizeof(why)))) {
				keur_note(ctx, "  not delivered: %s", why);
				if (rx)
					fprintf(rx, "  %-22s not delivered: %s\n", ab->name, why);
				skipped++;
				if (ab->in_session && skipped == 1)
					keur_find(&f, FIND_OPEN, "%s:%d: abuses inside a session not delivered (%s)", m->host,
						  m->port, why);
				continue;
			}
			e.sent = 0;
			if (ab->fn(s, &e) < 0)
				snprintf(react, sizeof(react), "stopped taking data after %d bytes (%s)", e.sent, stream_error(s));
			else
				reaction(s, react, sizeof(react));
			stream_close(s);
			keur_note(ctx, "  the broker %s", react);
			if (rx)
				fprintf(rx, "  %-22s %s\n", ab->name, react);
			if (!alive(ctx, &t, m, 3, &a)) {
				keur_find(&f, FIND_BAD, "%s:%d stopped answering after %s (%s): %s", m->host, m->port, ab->name,
					  ab->what, a.detail);
				if (rx)
					fprintf(rx, "  -> no CONNACK on a new connection afterwards: %s\n", a.detail);
				break;
			}
			done++;
		}
		if (done == (int)ARRAY_SIZE(abuses))
			keur_find(&f, FIND_GOOD, "%s:%d answered after each of %d abuses", m->host, m->port, done);
		else if (!f.nbad && done)
			keur_find(&f, FIND_GOOD, "%s:%d answered after the %d abuses delivered", m->host, m->port, done);
	}
	if (rx)
		fclose(rx);
	keur_findings_settle(ctx, &f, "still answering", KEUR_INCONC, "no broker endpoint could be tried");
	mqtt_cleanup();
}

static const struct keur_case cases[] = {
	{ .id = "MQTT-ROB-001", .title = "the broker keeps answering after malformed and abusive packets",
	  .spec = "EN 303 645 5.13-1; EN 18031-1 RLM-1, GEC-6", .needs = NEED_MQTT_BROKER, .deadline_s = 150,
	  .flags = KEUR_HANG_IS_FAIL, .run = malformed },
};

const struct keur_suite mqtt_rob_suite = {
	.name = "mqtt_rob",
	.title = "MQTT broker robustness",
	.cases = cases,
	.ncases = ARRAY_SIZE(cases),
};
