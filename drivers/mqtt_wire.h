/* mqtt_wire.h — MQTT packets built and read byte by byte (3.1.1 and 5.0), for what libmosquitto
 * will not do: send malformed packets (MQTT-ROB-001) and play the broker for a client DUT
 * (MQTT-CLIENT-*).  Builders write into the caller's buffer and return the length, or 0 when it
 * does not fit. */
#ifndef KEUR_MQTT_WIRE_H
#define KEUR_MQTT_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "stream.h"

enum mqtt_ptype {
	MQTT_CONNECT = 1, MQTT_CONNACK, MQTT_PUBLISH, MQTT_PUBACK, MQTT_PUBREC, MQTT_PUBREL, MQTT_PUBCOMP,
	MQTT_SUBSCRIBE, MQTT_SUBACK, MQTT_UNSUBSCRIBE, MQTT_UNSUBACK, MQTT_PINGREQ, MQTT_PINGRESP,
	MQTT_DISCONNECT, MQTT_AUTH,
};

/* The variable-length "remaining length" encoding (1 to 4 bytes); out needs 4 bytes. */
size_t mqtt_wire_varint(unsigned char *out, uint32_t v);

/* CONNECT with a client id of cid_len bytes (any bytes, so that invalid UTF-8 can be sent);
 * user and pass may be NULL.  Clean session, keep-alive 30 s. */
size_t mqtt_wire_connect(unsigned char *out, size_t cap, int version, const char *cid, size_t cid_len,
			 const char *user, const char *pass);
/* PUBLISH of topic (tlen bytes, any bytes) with QoS 0..2 and packet id pid (QoS > 0). */
size_t mqtt_wire_publish(unsigned char *out, size_t cap, int version, const char *topic, size_t tlen, int qos,
			 unsigned pid, const void *payload, size_t plen);
/* A packet that is just a packet id: PUBACK, PUBREC, PUBREL (flags 2 added), PUBCOMP. */
size_t mqtt_wire_ack(unsigned char *out, enum mqtt_ptype type, unsigned pid);
/* CONNACK with the return code (3.1.1) or reason code (5.0). */
size_t mqtt_wire_connack(unsigned char *out, size_t cap, int version, int code);

/* Reads one packet within timeout_ms: its first byte in *first and up to cap bytes of its body
 * (the rest is read and dropped) with the full length in *len.  Returns 1, or STREAM_CLOSED,
 * STREAM_TIMEOUT, STREAM_ERROR, or MQTT_WIRE_MALFORMED (a remaining length over 4 bytes). */
#define MQTT_WIRE_MALFORMED (-3)
int mqtt_wire_read(struct stream *s, int timeout_ms, unsigned char *first, unsigned char *body, size_t cap,
		   size_t *len);

/* What a client said in its CONNECT.  The password is kept only to compare it with known
 * defaults; it is never written anywhere. */
struct mqtt_connect_info {
	int version;		/* 3 (3.1), 4 (3.1.1) or 5 */
	int keepalive;
	int clean;
	int will;
	char client_id[128];
	int has_user, has_pass;
	char user[128];
	char pass[128];
};
/* Parses a CONNECT body: 0, or -1 with why. */
int mqtt_wire_parse_connect(const unsigned char *body, size_t len, struct mqtt_connect_info *ci, char *why,
			    size_t wlen);

/* The name of a packet type from its first byte ("CONNACK", "reserved (0)"...). */
const char *mqtt_wire_type_name(unsigned char first);

#endif
