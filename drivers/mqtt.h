/* mqtt.h — keur's MQTT driver on libmosquitto.  Used only inside a case's child process:
 * mqtt_init() initialises libmosquitto (and with it OpenSSL), which the parent never does. */
#ifndef KEUR_MQTT_H
#define KEUR_MQTT_H

#include <stddef.h>

/* Where and how to connect.  version is 3 (MQTT 3.1), 4 (MQTT 3.1.1) or 5 (MQTT 5.0). */
struct mqtt_target {
	const char *host;
	int port;
	int tls;
	const char *ca_file;	/* NULL with tls: the system's trust store */
	int version;
	int timeout_ms;		/* for the TCP connect, the TLS handshake and the CONNACK together */
};

/* What a CONNECT came to. */
enum mqtt_outcome {
	MQTT_ACCEPTED,		/* CONNACK with code 0 */
	MQTT_REFUSED,		/* CONNACK with a non-zero code (in .code) */
	MQTT_CLOSED,		/* the broker closed or reset the connection before any CONNACK */
	MQTT_SILENT,		/* no CONNACK within the timeout */
	MQTT_UNREACHABLE,	/* TCP connect failed (refused, no route ...) */
	MQTT_TLS_FAILED,	/* TLS handshake failed */
	MQTT_BAD_REPLY,		/* the broker answered with something that is not a valid CONNACK */
	MQTT_LOCAL_ERROR,	/* keur's side failed (out of memory, bad argument) */
};

struct mqtt_connack {
	enum mqtt_outcome outcome;
	int code;		/* CONNACK return code (3.1.1) or reason code (5.0) when REFUSED */
	long ms;		/* time from connect to the outcome */
	char detail[256];	/* one line: what happened, for the transcript and the verdict */
};

/* A sink for protocol log lines (no secrets are ever passed to it). */
typedef void (*mqtt_log_fn)(void *arg, const char *line);

/* Initialises libmosquitto once per process; 0 or -1. */
int mqtt_init(void);
void mqtt_cleanup(void);

/* Connects with the given credentials (user and pass may be NULL), waits for the outcome and
 * disconnects cleanly.  Always fills *ack; returns 0, or -1 on MQTT_LOCAL_ERROR. */
int mqtt_try_connect(const struct mqtt_target *t, const char *client_id, const char *user,
		     const char *pass, mqtt_log_fn log, void *log_arg, struct mqtt_connack *ack);

/* A session that stays connected, for subscribing and listening. */
struct mqtt_session;

/* Connects like mqtt_try_connect(); on MQTT_ACCEPTED *out is the open session (close it with
 * mqtt_session_close()), otherwise *out is NULL.  Returns 0, or -1 on MQTT_LOCAL_ERROR. */
int mqtt_session_open(const struct mqtt_target *t, const char *client_id, const char *user, const char *pass,
		      mqtt_log_fn log, void *log_arg, struct mqtt_session **out, struct mqtt_connack *ack);
/* Subscribes and waits for the SUBACK: 0 with *granted the granted QoS (0x80 or more: refused),
 * or MQTT_SUB_TIMEOUT (no SUBACK within timeout_ms) or MQTT_SUB_ENDED (the session ended) with
 * the reason in why. */
enum { MQTT_SUB_TIMEOUT = -1, MQTT_SUB_ENDED = -2 };
int mqtt_session_subscribe(struct mqtt_session *s, const char *topic, int timeout_ms, int *granted,
			   char *why, size_t len);
/* Receives for ms milliseconds (at most max_messages), handing each message to fn.
 * Returns how many arrived, or -1 if the session ended. */
typedef void (*mqtt_message_fn)(void *arg, const char *topic, const void *payload, int len);
int mqtt_session_listen(struct mqtt_session *s, int ms, int max_messages, mqtt_message_fn fn, void *arg);
/* Publishes at QoS 1 (not retained) and waits for the PUBACK: 0 with *reason its reason code
 * (0 under 3.1.1; 0x80 or more under 5.0: refused), or -1 with why. */
int mqtt_session_publish(struct mqtt_session *s, const char *topic, const void *payload, int len, int timeout_ms,
			 int *reason, char *why, size_t wlen);
/* Services the session for ms milliseconds: 1 if it is still connected, 0 if the broker ended
 * it.  Messages that arrive outside mqtt_session_listen() (here, or while waiting for a SUBACK or
 * PUBACK) are held, up to 32, and handed to the next listen first. */
int mqtt_session_alive(struct mqtt_session *s, int ms);
void mqtt_session_close(struct mqtt_session *s);

const char *mqtt_outcome_name(enum mqtt_outcome o);
/* The meaning of a CONNACK code for this protocol version ("not authorised" ...). */
const char *mqtt_connack_text(int version, int code);
/* Does the code say "your credentials are not good enough"? */
int mqtt_connack_is_auth_refusal(int version, int code);
/* Does the code say "I do not speak this protocol version"? */
int mqtt_connack_is_version_refusal(int version, int code);
/* "3.1", "3.1.1" or "5.0". */
const char *mqtt_version_name(int version);

#endif
