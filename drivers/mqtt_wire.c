/* mqtt_wire.c — MQTT packets by hand (see mqtt_wire.h).  MQTT 3.1.1 section 2 and 3, MQTT 5.0
 * section 2 and 3: fixed header, remaining length, UTF-8 strings with a 16-bit length. */
#include "mqtt_wire.h"

#include <stdio.h>
#include <string.h>

/* A writer that stops at the end of the caller's buffer. */
struct w {
	unsigned char *p;
	size_t n, cap;
	int full;
};

static void put(struct w *w, const void *b, size_t len)
{
	if (w->full || len > w->cap - w->n) {
		w->full = 1;
		return;
	}
	memcpy(w->p + w->n, b, len);
	w->n += len;
}

static void put8(struct w *w, unsigned v)
{
	unsigned char c = (unsigned char)v;
	put(w, &c, 1);
}

static void put16(struct w *w, unsigned v)
{
	put8(w, (v >> 8) & 0xff);
	put8(w, v & 0xff);
}

static void put_str(struct w *w, const char *s, size_t len)
{
	put16(w, (unsigned)len);
	put(w, s, len);
}

size_t mqtt_wire_varint(unsigned char *out, uint32_t v)
{
	size_t n = 0;

	do {
		unsigned char b = v % 128;
		v /= 128;
		if (v)
			b |= 0x80;
		out[n++] = b;
	} while (v && n < 4);
	return n;
}

/* Puts the fixed header in front of a body that was built at out + 5. */
static size_t finish(unsigned char *out, size_t cap, unsigned char first, const struct w *body)
{
	unsigned char hdr[5];
	size_t h;

	if (body->full)
		return 0;
	hdr[0] = first;
	h = 1 + mqtt_wire_varint(hdr + 1, (uint32_t)body->n);
	if (h + body->n > cap)
		return 0;
	memmove(out + h, out + 5, body->n);
	memcpy(out, hdr, h);
	return h + body->n;
}

static struct w body_at(unsigned char *out, size_t cap)
{
	return (struct w){ .p = out + 5, .cap = cap > 5 ? cap - 5 : 0, .full = cap <= 5 };
}

size_t mqtt_wire_connect(unsigned char *out, size_t cap, int version, const char *cid, size_t cid_len,
			 const char *user, const char *pass)
{
	struct w w = body_at(out, cap);
	unsigned flags = 0x02;	/* clean session */

	if (user)
		flags |= 0x80;
	if (user && pass)
		flags |= 0x40;
	if (version == 3) {
		put_str(&w, "MQIsdp", 6);	/* 3.1's protocol name */
		put8(&w, 3);
	} else {
		put_str(&w, "MQTT", 4);
		put8(&w, version == 5 ? 5 : 4);
	}
	put8(&w, flags);
	put16(&w, 30);
	if (version == 5)
		put8(&w, 0);	/* no properties */
	put_str(&w, cid, cid_len);
	if (user)
		put_str(&w, user, strlen(user));
	if (user && pass)
		put_str(&w, pass, strlen(pass));
	return finish(out, cap, MQTT_CONNECT << 4, &w);
}

size_t mqtt_wire_publish(unsigned char *out, size_t cap, int version, const char *topic, size_t tlen, int qos,
			 unsigned pid, const void *payload, size_t plen)
{
	struct w w = body_at(out, cap);

	put_str(&w, topic, tlen);
	if (qos > 0)
		put16(&w, pid);
	if (version == 5)
		put8(&w, 0);
	put(&w, payload, plen);
	return finish(out, cap, (unsigned char)(MQTT_PUBLISH << 4 | (qos & 3) << 1), &w);
}

size_t mqtt_wire_ack(unsigned char *out, enum mqtt_ptype type, unsigned pid)
{
	out[0] = (unsigned char)(type << 4 | (type == MQTT_PUBREL ? 2 : 0));
	out[1] = 2;
	out[2] = (pid >> 8) & 0xff;
	out[3] = pid & 0xff;
	return 4;
}

size_t mqtt_wire_connack(unsigned char *out, size_t cap, int version, int code)
{
	struct w w = body_at(out, cap);

	put8(&w, 0);	/* no session present */
	put8(&w, (unsigned)code);
	if (version == 5)
		put8(&w, 0);
	return finish(out, cap, MQTT_CONNACK << 4, &w);
}

int mqtt_wire_read(struct stream *s, int timeout_ms, unsigned char *first, unsigned char *body, size_t cap,
		   size_t *len)
{
	unsigned char b;
	uint32_t v = 0, mul = 1;
	ssize_t r;

	if ((r = stream_read_full(s, first, 1, timeout_ms)) != 1)
		return (int)r;
	for (int i = 0;; i++) {
		if (i == 4)
			return MQTT_WIRE_MALFORMED;
		if ((r = stream_read_full(s, &b, 1, timeout_ms)) != 1)
			return (int)r;
		v += (uint32_t)(b & 0x7f) * mul;
		mul *= 128;
		if (!(b & 0x80))
			break;
	}
	*len = v;
	size_t keep = v < cap ? v : cap;
	if (keep && (r = stream_read_full(s, body, keep, timeout_ms)) != (ssize_t)keep)
		return (int)r;
	for (size_t left = v - keep; left > 0;) {
		unsigned char drop[512];
		size_t n = left < sizeof(drop) ? left : sizeof(drop);
		if ((r = stream_read_full(s, drop, n, timeout_ms)) != (ssize_t)n)
			return (int)r;
		left -= n;
	}
	return 1;
}

/* A reader over a body that refuses to run past its end. */
struct r {
	const unsigned char *p;
	size_t n, at;
	int bad;
};

static unsigned get8(struct r *r)
{
	if (r->at + 1 > r->n) {
		r->bad = 1;
		return 0;
	}
	return r->p[r->at++];
}

static unsigned get16(struct r *r)
{
	unsigned hi = get8(r);
	return hi << 8 | get8(r);
}

/* A length-prefixed field into out (NUL-terminated, cut at cap - 1). */
static void get_str(struct r *r, char *out, size_t cap)
{
	size_t len = get16(r);

	if (r->bad || r->at + len > r->n) {
		r->bad = 1;
		if (cap)
			out[0] = '\0';
		return;
	}
	if (cap) {
		size_t k = len < cap - 1 ? len : cap - 1;
		memcpy(out, r->p + r->at, k);
		out[k] = '\0';
	}
	r->at += len;
}

static void skip_properties(struct r *r)
{
	uint32_t v = 0, mul = 1;
	unsigned b;

	for (int i = 0; i < 4; i++) {
		b = get8(r);
		v += (b & 0x7f) * mul;
		mul *= 128;
		if (!(b & 0x80))
			break;
	}
	if (r->at + v > r->n)
		r->bad = 1;
	else
		r->at += v;
}

int mqtt_wire_parse_connect(const unsigned char *body, size_t len, struct mqtt_connect_info *ci, char *why,
			    size_t wlen)
{
	struct r r = { .p = body, .n = len };
	char name[16];
	unsigned flags;

	memset(ci, 0, sizeof(*ci));
	get_str(&r, name, sizeof(name));
	ci->version = (int)get8(&r);
	flags = get8(&r);
	ci->keepalive = (int)get16(&r);
	if (r.bad || (strcmp(name, "MQTT") && strcmp(name, "MQIsdp"))) {
		snprintf(why, wlen, "not an MQTT CONNECT (protocol name '%s')", r.bad ? "?" : name);
		return -1;
	}
	if (ci->version == 5)
		skip_properties(&r);
	ci->clean = !!(flags & 0x02);
	ci->will = !!(flags & 0x04);
	ci->has_user = !!(flags & 0x80);
	ci->has_pass = !!(flags & 0x40);
	get_str(&r, ci->client_id, sizeof(ci->client_id));
	if (ci->will) {
		if (ci->version == 5)
			skip_properties(&r);
		get_str(&r, NULL, 0);	/* will topic */
		get_str(&r, NULL, 0);	/* will payload */
	}
	if (ci->has_user)
		get_str(&r, ci->user, sizeof(ci->user));
	if (ci->has_pass)
		get_str(&r, ci->pass, sizeof(ci->pass));
	if (r.bad) {
		snprintf(why, wlen, "a CONNECT that runs past its own length");
		return -1;
	}
	return 0;
}

const char *mqtt_wire_type_name(unsigned char first)
{
	static const char *const names[16] = { "reserved (0)", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC",
		"PUBREL", "PUBCOMP", "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP",
		"DISCONNECT", "AUTH" };
	return names[first >> 4];
}
