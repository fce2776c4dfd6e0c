/* mqtt_fake.h — keur playing the broker of a client DUT, at the address the lab gives
 * (<broker listen port>): the cases of mqtt_client.c and offline.c share it. */
#ifndef KEUR_MQTT_FAKE_H
#define KEUR_MQTT_FAKE_H

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "case.h"
#include "certgen.h"
#include "mqtt_wire.h"
#include "stream.h"
#include "util.h"

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
static inline const struct dut_mqtt *client_of(const struct keur_dut *d)
{
	for (size_t i = 0; i < d->nmqtt; i++)
		if (!d->mqtt[i].broker)
			return &d->mqtt[i];
	return NULL;
}

/* Makes the TLS context for kind; 0, or -1 with why (an inconc reason). */
static inline int fake_cert(struct keur_ctx *ctx, struct fake *fk, enum cert_kind kind, char *why, size_t len)
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
static inline int fake_open(struct keur_ctx *ctx, struct fake *fk)
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

static inline void fake_close(struct fake *fk)
{
	if (fk->lfd >= 0)
		close(fk->lfd);
	certgen_free(fk->tls);
	fk->tls = NULL;
	fk->lfd = -1;
}

/* How long to wait for the DUT to come back: its declared longest back-off and a margin, as
 * far as the deadline allows (reserve: what the case needs after). */
static inline long wait_budget(struct keur_ctx *ctx, const struct fake *fk, long reserve)
{
	long want = fk->m->reconnect_ms + 3000, left = keur_time_left_ms(ctx) - reserve;
	return want < left ? want : left;
}

/* Waits for the DUT; returns its stream (TLS done, or plain), or NULL with *came and detail. */
static inline struct stream *fake_accept(struct keur_ctx *ctx, struct fake *fk, long wait_ms, int *came, char *detail,
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
static inline int read_connect(struct keur_ctx *ctx, struct stream *s, int timeout_ms, struct mqtt_connect_info *ci,
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

/* keur's broker as the DUT would normally find it: the genuine certificate, or plain MQTT for
 * a DUT that declares no TLS.  0, or -1 with the verdict given. */
static inline int fake_genuine(struct keur_ctx *ctx, struct fake *fk)
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


/* One packet from the DUT, as fake_serve_pkt saw it. */
struct fake_pkt {
	unsigned type;		/* MQTT_PUBLISH, MQTT_SUBSCRIBE, MQTT_PINGREQ ... */
	char topic[256];	/* PUBLISH: its topic */
	char payload[512];	/* PUBLISH: its payload, cut to fit, NUL-terminated */
	size_t payload_len;	/* PUBLISH: the whole payload's length */
	char filters[8][128];	/* SUBSCRIBE: its topic filters */
	int nfilters;
};

/* Reads one packet of a connected DUT within timeout_ms into p and answers it as its broker
 * would (PINGRESP; SUBACK granting QoS 0; PUBACK, PUBREC, PUBCOMP).  1 when it was a PUBLISH
 * on topic (NULL: on any topic), 0 for anything else, -2 when nothing came, -1 when the
 * session ended (what happened in detail). */
static inline int fake_serve_pkt(struct stream *s, int version, const char *topic, int timeout_ms, struct fake_pkt *p,
				 char *detail, size_t len)
{
	unsigned char first, body[2048], out[64];
	size_t blen, n = 0;
	int r = mqtt_wire_read(s, timeout_ms, &first, body, sizeof(body), &blen), hit = 0;

	memset(p, 0, sizeof(*p));
	if (r != 1) {
		snprintf(detail, len, "%s", r == MQTT_WIRE_MALFORMED ? "a malformed packet" : stream_error(s));
		return r == STREAM_TIMEOUT ? -2 : -1;
	}
	size_t have = blen < sizeof(body) ? blen : sizeof(body);
	unsigned type = first >> 4, qos = (first >> 1) & 3;
	p->type = type;
	if (type == MQTT_PINGREQ) {
		out[n++] = MQTT_PINGRESP << 4;
		out[n++] = 0;
	} else if (type == MQTT_SUBSCRIBE && have >= 2) {
		/* Packet id, then (5.0) properties, then filters: grant QoS 0 to each. */
		size_t off = 2, codes = 0;
		if (version == 5 && off < have)
			off += 1 + body[off];	/* properties of up to 127 bytes: one length byte */
		while (off + 2 < have) {
			size_t fl = (size_t)body[off] << 8 | body[off + 1];
			if (off + 2 + fl <= have && p->nfilters < 8)
				snprintf(p->filters[p->nfilters++], sizeof(p->filters[0]), "%.*s", (int)(fl < 127 ? fl : 127),
					 (const char *)body + off + 2);
			off += 2 + fl + 1;
			codes++;
		}
		if (codes == 0 || codes > 32)
			codes = 1;
		out[n++] = MQTT_SUBACK << 4;
		out[n++] = (unsigned char)(2 + (version == 5) + codes);
		out[n++] = body[0];
		out[n++] = body[1];
		if (version == 5)
			out[n++] = 0;
		for (size_t k = 0; k < codes; k++)
			out[n++] = 0;
	} else if (type == MQTT_PUBLISH && have >= 2) {
		size_t tl = (size_t)body[0] << 8 | body[1], off;
		snprintf(p->topic, sizeof(p->topic), "%.*s", (int)(tl + 2 <= have ? (tl < 255 ? tl : 255) : 0),
			 (const char *)body + 2);
		off = 2 + tl + (qos ? 2 : 0);
		if (qos && tl + 4 <= have)
			n = mqtt_wire_ack(out, qos == 1 ? MQTT_PUBACK : MQTT_PUBREC, (unsigned)body[2 + tl] << 8 | body[3 + tl]);
		if (version == 5 && off < have)
			off += 1 + body[off];	/* properties of up to 127 bytes */
		if (off <= blen) {
			p->payload_len = blen - off;
			size_t keep = off < have ? have - off : 0;
			if (keep > sizeof(p->payload) - 1)
				keep = sizeof(p->payload) - 1;
			memcpy(p->payload, body + off, keep);
			p->payload[keep] = '\0';
		}
		hit = !topic || !strcmp(p->topic, topic);
		snprintf(detail, len, "published on %.150s", p->topic);
	} else if (type == MQTT_PUBREL && have >= 2) {
		n = mqtt_wire_ack(out, MQTT_PUBCOMP, (unsigned)body[0] << 8 | body[1]);
	} else if (type == MQTT_DISCONNECT) {
		snprintf(detail, len, "disconnected");
		return -1;
	}
	if (n && stream_write(s, out, n, 2000) < 0) {
		snprintf(detail, len, "the connection failed: %s", stream_error(s));
		return -1;
	}
	return hit;
}

static inline int fake_serve_one(struct stream *s, int version, const char *topic, int timeout_ms, char *detail,
				 size_t len)
{
	struct fake_pkt p;

	return fake_serve_pkt(s, version, topic, timeout_ms, &p, detail, len);
}

/* Sends the DUT a PUBLISH (QoS 0) as its broker: 0, or -1 with detail. */
static inline int fake_publish(struct stream *s, int version, const char *topic, const void *payload, size_t plen,
			       char *detail, size_t len)
{
	size_t cap = plen + strlen(topic) + 64, n;
	unsigned char *out = xmalloc(cap);
	int r = 0;

	n = mqtt_wire_publish(out, cap, version, topic, strlen(topic), 0, 0, payload, plen);
	if (!n || stream_write(s, out, n, 5000) < 0) {
		snprintf(detail, len, "the PUBLISH to the DUT failed: %s", n ? stream_error(s) : "too large");
		r = -1;
	}
	free(out);
	return r;
}

/* Takes a connected DUT's CONNECT and accepts it (CONNACK at its protocol level, in *version):
 * 1 with ci filled (the password wiped), else 0 with what happened in detail. */
static inline int fake_admit(struct keur_ctx *ctx, struct stream *s, int timeout_ms, struct mqtt_connect_info *ci,
			     int *version, char *detail, size_t len)
{
	unsigned char out[8];
	size_t n;

	if (!read_connect(ctx, s, timeout_ms, ci, detail, len))
		return 0;
	memset(ci->pass, 0, sizeof(ci->pass));
	*version = ci->version == 5 ? 5 : 4;
	n = mqtt_wire_connack(out, sizeof(out), *version, 0);
	if (stream_write(s, out, n, 5000) < 0) {
		snprintf(detail, len, "CONNACK could not be sent: %s", stream_error(s));
		return 0;
	}
	return 1;
}

/* Takes a connected DUT's CONNECT, accepts it, and serves it (fake_serve_one) until it
 * publishes on topic (NULL: on any topic), which is its telemetry.  1 when it did within
 * wait_ms (its protocol level in *version), with its client id in detail; else 0 with what
 * happened in detail. */
static inline int fake_until_telemetry(struct keur_ctx *ctx, struct stream *s, const char *topic, long wait_ms,
				       int *version, char *detail, size_t len)
{
	struct mqtt_connect_info ci;
	long end = (long)time_mono_ms() + wait_ms;
	char what[200];

	if (!fake_admit(ctx, s, (int)(wait_ms < 10000 ? wait_ms : 10000), &ci, version, detail, len))
		return 0;
	for (;;) {
		long left = end - (long)time_mono_ms();
		int r;
		if (left <= 0) {
			snprintf(detail, len, "connected as '%.64s' but published nothing%s%.100s within %ld s", ci.client_id,
				 topic ? " on " : "", topic ? topic : "", wait_ms / 1000);
			return 0;
		}
		if ((r = fake_serve_one(s, *version, topic, (int)left, what, sizeof(what))) < 0) {
			snprintf(detail, len, "connected as '%.64s', then %s", ci.client_id, what);
			return 0;
		}
		if (r == 1) {
			snprintf(detail, len, "'%.64s' connected and %s", ci.client_id, what);
			keur_note(ctx, "the DUT %s", detail);
			return 1;
		}
	}
}

#endif
