/* mqtt.c — MQTT CONNECT probes on libmosquitto, with its own loop (no threads). */
#include "mqtt.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <mosquitto.h>

#include "util.h"

#define PENDING_MAX 32
#define PENDING_PAYLOAD_MAX 4096

struct probe {
	int got_connack, code;
	int got_suback, suback_mid, suback_qos;
	int lost;
	mqtt_log_fn log;
	void *log_arg;
	char ssl_error[200];
	mqtt_message_fn on_msg;
	void *msg_arg;
	int nmsg;
	int got_puback, puback_mid, puback_rc;
	/* Messages that arrived while no listener was set (during a PUBLISH or SUBSCRIBE wait):
	 * kept, newest last, for the next mqtt_session_listen(). */
	struct held { char *topic; void *payload; int len; } held[PENDING_MAX];
	int nheld;
};

struct mqtt_session {
	struct mosquitto *m;
	struct probe p;
};

/* mosquitto_loop(), where libmosquitto reads what the DUT sent: inside an abort guard. */
static int loop_guarded(struct mosquitto *m, int timeout_ms, int max_packets)
{
	int rc;

	abort_guard_enter("libmosquitto");
	rc = mosquitto_loop(m, timeout_ms, max_packets);
	abort_guard_leave();
	return rc;
}

static long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_connect(struct mosquitto *m, void *obj, int rc, int flags, const mosquitto_property *props)
{
	struct probe *p = obj;
	(void)m;
	(void)flags;
	(void)props;
	p->got_connack = 1;
	p->code = rc;
}

static void on_log(struct mosquitto *m, void *obj, int level, const char *line)
{
	struct probe *p = obj;
	(void)m;
	(void)level;
	if (strstr(line, "OpenSSL Error"))
		snprintf(p->ssl_error, sizeof(p->ssl_error), "%s", line);
	if (p->log)
		p->log(p->log_arg, line);
}

int mqtt_init(void)
{
	return mosquitto_lib_init() == MOSQ_ERR_SUCCESS ? 0 : -1;
}

void mqtt_cleanup(void)
{
	mosquitto_lib_cleanup();
}

const char *mqtt_version_name(int version)
{
	return version == 5 ? "5.0" : version == 3 ? "3.1" : "3.1.1";
}

const char *mqtt_outcome_name(enum mqtt_outcome o)
{
	static const char *const names[] = {
		[MQTT_ACCEPTED] = "accepted", [MQTT_REFUSED] = "refused", [MQTT_CLOSED] = "closed",
		[MQTT_SILENT] = "silent", [MQTT_UNREACHABLE] = "unreachable", [MQTT_TLS_FAILED] = "tls-failed",
		[MQTT_BAD_REPLY] = "bad-reply", [MQTT_LOCAL_ERROR] = "local-error",
	};
	return (unsigned)o < sizeof(names) / sizeof(names[0]) ? names[o] : "?";
}

const char *mqtt_connack_text(int version, int code)
{
	if (version != 5) {
		static const char *const v3[] = { "accepted", "unacceptable protocol version",
			"identifier rejected", "server unavailable", "bad user name or password", "not authorised" };
		return code >= 0 && code <= 5 ? v3[code] : "unknown return code";
	}
	switch (code) {
	case 0x00: return "success";
	case 0x80: return "unspecified error";
	case 0x81: return "malformed packet";
	case 0x82: return "protocol error";
	case 0x83: return "implementation specific error";
	case 0x84: return "unsupported protocol version";
	case 0x85: return "client identifier not valid";
	case 0x86: return "bad user name or password";
	case 0x87: return "not authorized";
	case 0x88: return "server unavailable";
	case 0x89: return "server busy";
	case 0x8A: return "banned";
	case 0x8C: return "bad authentication method";
	case 0x95: return "packet too large";
	case 0x97: return "quota exceeded";
	case 0x9C: return "use another server";
	case 0x9D: return "server moved";
	case 0x9F: return "connection rate exceeded";
	default: return "unknown reason code";
	}
}

int mqtt_connack_is_auth_refusal(int version, int code)
{
	if (version != 5)
		return code == 4 || code == 5;
	return code == 0x86 || code == 0x87 || code == 0x8A || code == 0x8C;
}

int mqtt_connack_is_version_refusal(int version, int code)
{
	/* Under 5.0 also 1: a broker that speaks only 3.x answers a 5.0 CONNECT in its own terms. */
	return version == 5 ? code == 0x84 || code == 1 : code == 1;
}

static void set_outcome(struct mqtt_connack *ack, enum mqtt_outcome o, long t0, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void set_outcome(struct mqtt_connack *ack, enum mqtt_outcome o, long t0, const char *fmt, ...)
{
	va_list ap;

	ack->outcome = o;
	ack->ms = mono_ms() - t0;
	va_start(ap, fmt);
	vsnprintf(ack->detail, sizeof(ack->detail), fmt, ap);
	va_end(ap);
}

/* Maps a failed mosquitto call to an outcome, using errno for socket errors. */
static void classify_error(struct mqtt_connack *ack, int rc, int err, const struct probe *p, long t0)
{
	switch (rc) {
	case MOSQ_ERR_ERRNO:
		if (err == ECONNREFUSED || err == EHOSTUNREACH || err == ENETUNREACH || err == ETIMEDOUT)
			set_outcome(ack, MQTT_UNREACHABLE, t0, "TCP connect failed: %s", strerror(err));
		else if (err == 0 || err == ECONNRESET || err == EPIPE)
			set_outcome(ack, MQTT_CLOSED, t0, "connection closed before CONNACK (%s)",
				    err ? strerror(err) : "end of stream");
		else
			set_outcome(ack, MQTT_CLOSED, t0, "connection failed before CONNACK: %s", strerror(err));
		break;
	case MOSQ_ERR_TLS:
	case MOSQ_ERR_TLS_HANDSHAKE:
		set_outcome(ack, MQTT_TLS_FAILED, t0, "TLS handshake failed: %s",
			    p->ssl_error[0] ? p->ssl_error : "no detail from OpenSSL");
		break;
	case MOSQ_ERR_CONN_LOST:
	case MOSQ_ERR_NO_CONN:
		set_outcome(ack, MQTT_CLOSED, t0, "connection closed before CONNACK");
		break;
	case MOSQ_ERR_PROTOCOL:
	case MOSQ_ERR_MALFORMED_PACKET:
	case MOSQ_ERR_MALFORMED_UTF8:
	case MOSQ_ERR_DUPLICATE_PROPERTY:
		set_outcome(ack, MQTT_BAD_REPLY, t0, "the reply is not a valid CONNACK (%s)", mosquitto_strerror(rc));
		break;
	case MOSQ_ERR_EAI:
		set_outcome(ack, MQTT_UNREACHABLE, t0, "host name does not resolve");
		break;
	case MOSQ_ERR_NOMEM:	/* libmosquitto allocates what a packet's remaining length says */
		set_outcome(ack, MQTT_BAD_REPLY, t0, "the reply announced a packet larger than a case may hold");
		break;
	default:
		set_outcome(ack, MQTT_CLOSED, t0, "connection ended before CONNACK (%s)", mosquitto_strerror(rc));
		break;
	}
}

static void on_subscribe(struct mosquitto *m, void *obj, int mid, int n, const int *qos)
{
	struct probe *p = obj;
	(void)m;
	p->got_suback = 1;
	p->suback_mid = mid;
	p->suback_qos = n > 0 ? qos[0] : 0x80;
}

static void on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg)
{
	struct probe *p = obj;
	(void)m;
	p->nmsg++;
	if (p->on_msg) {
		p->on_msg(p->msg_arg, msg->topic, msg->payload, msg->payloadlen);
		return;
	}
	if (p->nheld == PENDING_MAX) {	/* drop the oldest */
		free(p->held[0].topic);
		free(p->held[0].payload);
		memmove(p->held, p->held + 1, (PENDING_MAX - 1) * sizeof(p->held[0]));
		p->nheld--;
	}
	struct held *h = &p->held[p->nheld];
	h->len = msg->payloadlen < PENDING_PAYLOAD_MAX ? msg->payloadlen : PENDING_PAYLOAD_MAX;
	h->topic = strdup(msg->topic);
	h->payload = malloc(h->len > 0 ? (size_t)h->len : 1);
	if (!h->topic || !h->payload) {
		free(h->topic);
		free(h->payload);
		return;
	}
	if (h->len > 0)
		memcpy(h->payload, msg->payload, (size_t)h->len);
	p->nheld++;
}

/* Hands the held messages to fn (or drops them without one). */
static int drain_held(struct probe *p, mqtt_message_fn fn, void *arg)
{
	int n = p->nheld;

	for (int i = 0; i < p->nheld; i++) {
		if (fn)
			fn(arg, p->held[i].topic, p->held[i].payload, p->held[i].len);
		free(p->held[i].topic);
		free(p->held[i].payload);
	}
	p->nheld = 0;
	return n;
}

static void on_publish(struct mosquitto *m, void *obj, int mid, int rc, const mosquitto_property *props)
{
	struct probe *p = obj;
	(void)m;
	(void)props;
	p->got_puback = 1;
	p->puback_mid = mid;
	p->puback_rc = rc;
}

static void on_disconnect(struct mosquitto *m, void *obj, int rc)
{
	struct probe *p = obj;
	(void)m;
	(void)rc;
	p->lost = 1;
}

/* Acknowledges at once what the broker sent.  A broker that sends its TLS session tickets and
 * then a CONNACK, with Nagle on (mosquitto's default), holds the CONNACK until the tickets are
 * acknowledged: 40 ms of delayed ACK per exchange without this.  The kernel clears the flag
 * again by itself, so it is set before every wait. */
static void quick_ack(struct mosquitto *m)
{
	int fd = mosquitto_socket(m), one = 1;

	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
}

/* Connects and waits for the outcome.  With kept, an accepted session stays open and its
 * handle is returned there; otherwise it is closed. */
static int connect_probe(const struct mqtt_target *t, const char *client_id, const char *user, const char *pass,
			 struct probe *p, struct mosquitto **kept, struct mqtt_connack *ack)
{
	struct mosquitto *m;
	long t0 = mono_ms();
	int rc;

	memset(ack, 0, sizeof(*ack));
	if (kept)
		*kept = NULL;
	m = mosquitto_new(client_id, true, p);
	if (!m) {
		set_outcome(ack, MQTT_LOCAL_ERROR, t0, "mosquitto_new: %s", strerror(errno));
		return -1;
	}
	mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, t->version == 5 ? MQTT_PROTOCOL_V5 :
			    t->version == 3 ? MQTT_PROTOCOL_V31 : MQTT_PROTOCOL_V311);
	/* Without it, Nagle and the peer's delayed ACK hold a CONNECT sent in two writes for 40 ms. */
	mosquitto_int_option(m, MOSQ_OPT_TCP_NODELAY, 1);
	mosquitto_connect_v5_callback_set(m, on_connect);
	mosquitto_log_callback_set(m, on_log);
	mosquitto_subscribe_callback_set(m, on_subscribe);
	mosquitto_message_callback_set(m, on_message);
	mosquitto_disconnect_callback_set(m, on_disconnect);
	mosquitto_publish_v5_callback_set(m, on_publish);
	if (user && mosquitto_username_pw_set(m, user, pass) != MOSQ_ERR_SUCCESS) {
		set_outcome(ack, MQTT_LOCAL_ERROR, t0, "cannot set credentials");
		goto out;
	}
	if (t->tls) {
		if (t->ca_file)
			rc = mosquitto_tls_set(m, t->ca_file, NULL, NULL, NULL, NULL);
		else
			rc = mosquitto_int_option(m, MOSQ_OPT_TLS_USE_OS_CERTS, 1);
		/* These cases are about admission, not names: the chain is verified, the name is
		 * the certificate cases' business (MQTT-TLS-004). */
		if (rc == MOSQ_ERR_SUCCESS)
			rc = mosquitto_tls_insecure_set(m, true);
		if (rc != MOSQ_ERR_SUCCESS) {
			set_outcome(ack, MQTT_LOCAL_ERROR, t0, "TLS set-up failed: %s", mosquitto_strerror(rc));
			goto out;
		}
	}
	errno = 0;
	rc = mosquitto_connect_async(m, t->host, t->port, 30);
	if (rc != MOSQ_ERR_SUCCESS) {
		classify_error(ack, rc, errno, p, t0);
		goto out;
	}
	for (;;) {
		long left = t->timeout_ms - (mono_ms() - t0);
		if (left <= 0) {
			set_outcome(ack, MQTT_SILENT, t0, "no CONNACK within %d ms", t->timeout_ms);
			break;
		}
		quick_ack(m);
		errno = 0;
		rc = loop_guarded(m, left < 10 ? (int)left : 10, 1);
		if (p->got_connack) {
			if (p->code == 0) {
				set_outcome(ack, MQTT_ACCEPTED, t0, "CONNACK 0 (%s)", mqtt_connack_text(t->version, 0));
			} else {
				set_outcome(ack, MQTT_REFUSED, t0, "CONNACK 0x%02x (%s)", p->code,
					    mqtt_connack_text(t->version, p->code));
				ack->code = p->code;
			}
			break;
		}
		if (rc != MOSQ_ERR_SUCCESS) {
			classify_error(ack, rc, errno, p, t0);
			break;
		}
	}
	if (ack->outcome == MQTT_ACCEPTED && kept) {
		*kept = m;
		return 0;
	}
	if (ack->outcome == MQTT_ACCEPTED) {
		mosquitto_disconnect(m);
		loop_guarded(m, 100, 1);
	}
out:
	mosquitto_destroy(m);
	return ack->outcome == MQTT_LOCAL_ERROR ? -1 : 0;
}

int mqtt_try_connect(const struct mqtt_target *t, const char *client_id, const char *user,
		     const char *pass, mqtt_log_fn log, void *log_arg, struct mqtt_connack *ack)
{
	struct probe p = { .log = log, .log_arg = log_arg };

	return connect_probe(t, client_id, user, pass, &p, NULL, ack);
}

int mqtt_session_open(const struct mqtt_target *t, const char *client_id, const char *user, const char *pass,
		      mqtt_log_fn log, void *log_arg, struct mqtt_session **out, struct mqtt_connack *ack)
{
	struct mqtt_session *s = calloc(1, sizeof(*s));
	int r;

	*out = NULL;
	if (!s) {
		memset(ack, 0, sizeof(*ack));
		ack->outcome = MQTT_LOCAL_ERROR;
		snprintf(ack->detail, sizeof(ack->detail), "out of memory");
		return -1;
	}
	s->p.log = log;
	s->p.log_arg = log_arg;
	/* The probe lives in the session, so libmosquitto's callbacks keep a valid pointer. */
	r = connect_probe(t, client_id, user, pass, &s->p, &s->m, ack);
	if (!s->m) {
		free(s);
		return r;
	}
	*out = s;
	return 0;
}

int mqtt_session_subscribe(struct mqtt_session *s, const char *topic, int timeout_ms, int *granted,
			   char *why, size_t len)
{
	long t0 = mono_ms();
	int mid = 0, rc;

	s->p.got_suback = 0;
	rc = mosquitto_subscribe(s->m, &mid, topic, 0);
	if (rc != MOSQ_ERR_SUCCESS) {
		snprintf(why, len, "SUBSCRIBE %s not sent: %s", topic, mosquitto_strerror(rc));
		return MQTT_SUB_ENDED;
	}
	while (mono_ms() - t0 < timeout_ms) {
		quick_ack(s->m);
		rc = loop_guarded(s->m, 10, 1);
		if (s->p.got_suback && s->p.suback_mid == mid) {
			*granted = s->p.suback_qos;
			return 0;
		}
		if (rc != MOSQ_ERR_SUCCESS || s->p.lost) {
			snprintf(why, len, "the broker ended the session after SUBSCRIBE %s", topic);
			return MQTT_SUB_ENDED;
		}
	}
	snprintf(why, len, "no SUBACK for %s within %d ms", topic, timeout_ms);
	return MQTT_SUB_TIMEOUT;
}

int mqtt_session_listen(struct mqtt_session *s, int ms, int max_messages, mqtt_message_fn fn, void *arg)
{
	long t0 = mono_ms();
	int held = drain_held(&s->p, fn, arg), before = s->p.nmsg - held;

	s->p.on_msg = fn;
	s->p.msg_arg = arg;
	while (mono_ms() - t0 < ms && s->p.nmsg - before < max_messages) {
		quick_ack(s->m);
		if (loop_guarded(s->m, 10, 1) != MOSQ_ERR_SUCCESS || s->p.lost)
			break;
	}
	s->p.on_msg = NULL;
	return s->p.lost ? -1 : s->p.nmsg - before;
}

int mqtt_session_publish(struct mqtt_session *s, const char *topic, const void *payload, int len, int timeout_ms,
			 int *reason, char *why, size_t wlen)
{
	long t0 = mono_ms();
	int mid = 0, rc;

	*reason = -1;
	s->p.got_puback = 0;
	rc = mosquitto_publish(s->m, &mid, topic, len, payload, 1, false);
	if (rc != MOSQ_ERR_SUCCESS) {
		snprintf(why, wlen, "PUBLISH %s not sent: %s", topic, mosquitto_strerror(rc));
		return -1;
	}
	while (mono_ms() - t0 < timeout_ms) {
		quick_ack(s->m);
		rc = loop_guarded(s->m, 10, 1);
		if (s->p.got_puback && s->p.puback_mid == mid) {
			*reason = s->p.puback_rc;
			return 0;
		}
		if (rc != MOSQ_ERR_SUCCESS || s->p.lost) {
			snprintf(why, wlen, "the broker ended the session after PUBLISH %s", topic);
			return -1;
		}
	}
	snprintf(why, wlen, "no PUBACK for %s within %d ms", topic, timeout_ms);
	return -1;
}

int mqtt_session_alive(struct mqtt_session *s, int ms)
{
	long t0 = mono_ms();

	do {
		quick_ack(s->m);
		if (loop_guarded(s->m, 10, 1) != MOSQ_ERR_SUCCESS || s->p.lost)
			return 0;
	} while (mono_ms() - t0 < ms);
	return 1;
}

void mqtt_session_close(struct mqtt_session *s)
{
	if (!s)
		return;
	mosquitto_disconnect(s->m);
	loop_guarded(s->m, 100, 1);
	mosquitto_destroy(s->m);
	drain_held(&s->p, NULL, NULL);
	free(s);
}
