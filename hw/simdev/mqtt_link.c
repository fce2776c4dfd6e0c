/* mqtt_link.c — the device's MQTT session to its cloud broker (libmosquitto, driven from the
 * device's event loop): TLS with CA verification and its own credentials; telemetry, its
 * firmware version (retained) and commands under PREFIX/; exponential back-off with jitter. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <mosquitto.h>

#include "server.h"
#include "update.h"

#define BACKOFF_MIN_MS 1000
#define STORM_MS 50

struct mlink {
	struct simdev *d;
	struct mlink_opts o;
	struct mosquitto *m;
	int connected;		/* a socket exists (connecting or connected) */
	int tcp_pending;	/* the non-blocking TCP connect has not completed yet */
	int attempts;		/* connection attempts since the last CONNACK */
	int ever_connected;
	int64_t next_try;	/* when to reconnect; 0: not scheduled */
	int64_t next_report;
	char topic[256];
};

static const char *topic(struct mlink *l, const char *leaf)
{
	snprintf(l->topic, sizeof(l->topic), "%s/%s", l->o.prefix, leaf);
	return l->topic;
}

static void schedule(struct mlink *l)
{
	int64_t delay;

	if (has_flaw(l->d, FLAW_NO_RECONNECT) && l->ever_connected) {
		l->next_try = 0;
		simdev_log("mqtt: connection lost; this device has no-reconnect");
		return;
	}
	if (has_flaw(l->d, FLAW_RECONNECT_STORM)) {
		delay = STORM_MS;
	} else {
		/* 1 s, 2 s, 4 s ... 30 s, each with 50-100 % jitter so that a fleet spreads out. */
		int shift = l->attempts < 5 ? l->attempts : 5;
		delay = (int64_t)BACKOFF_MIN_MS << shift;
		if (delay > l->o.backoff_max_ms)
			delay = l->o.backoff_max_ms;
		delay = delay / 2 + random() % (delay / 2 + 1);
	}
	l->next_try = simdev_now_ms() + delay;
}

static void on_connect(struct mosquitto *m, void *obj, int rc)
{
	struct mlink *l = obj;

	if (rc != 0) {
		simdev_log("mqtt: broker refused the connection: %s", mosquitto_connack_string(rc));
		return;	/* the broker closes; on_disconnect schedules the next try */
	}
	l->d->online = 1;
	l->attempts = 0;
	l->ever_connected = 1;
	l->next_report = 0;
	simdev_log("mqtt: connected to %s", l->o.host);
	mosquitto_subscribe(m, NULL, topic(l, "cmd"), 1);
	mosquitto_subscribe(m, NULL, topic(l, "update"), 1);
	mosquitto_publish(m, NULL, topic(l, "version"), (int)strlen(l->d->firmware), l->d->firmware, 1, true);
}

/* The session is gone, however we learnt it (a callback, or an error from a loop call). */
static void lost(struct mlink *l, int rc)
{
	if (!l->connected && !l->d->online)
		return;	/* told twice */
	simdev_log("mqtt: disconnected (%s)", rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
	l->d->online = 0;
	l->connected = 0;
	l->tcp_pending = 0;
	mosquitto_disconnect(l->m);	/* lets go of the socket; the next connect opens a new one */
	schedule(l);
}

static void on_disconnect(struct mosquitto *m, void *obj, int rc)
{
	(void)m;
	lost(obj, rc ? rc : MOSQ_ERR_CONN_LOST);
}

static void on_log(struct mosquitto *m, void *obj, int level, const char *line)
{
	(void)m;
	(void)obj;
	if (level & (MOSQ_LOG_ERR | MOSQ_LOG_WARNING))
		simdev_log("mqtt: %s", line);
}

static void on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg)
{
	struct mlink *l = obj;
	char buf[128], *eq;
	(void)m;

	if (!strcmp(msg->topic, topic(l, "update"))) {
		update_offer(l->d, msg->payload, (size_t)msg->payloadlen);
		return;
	}
	if (strcmp(msg->topic, topic(l, "cmd")) || msg->payloadlen <= 0 || msg->payloadlen >= (int)sizeof(buf))
		return;
	memcpy(buf, msg->payload, (size_t)msg->payloadlen);
	buf[msg->payloadlen] = '\0';
	if ((eq = strchr(buf, '=')) != NULL) {
		*eq = '\0';
		if (simdev_set(l->d, buf, eq + 1) < 0)
			simdev_log("mqtt: command '%s' refused", buf);
	}
}

static void try_connect(struct mlink *l)
{
	int tls = !has_flaw(l->d, FLAW_NO_TLS), port = tls ? l->o.port : l->o.plain_port, rc;

	l->attempts++;
	l->next_try = 0;
	rc = mosquitto_connect_async(l->m, l->o.host, port, l->o.keepalive);
	if (rc == MOSQ_ERR_SUCCESS) {
		l->connected = 1;
		l->tcp_pending = 1;
	} else {
		simdev_log("mqtt: connect to %s:%d failed: %s", l->o.host, port,
			   rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
		schedule(l);
	}
}

struct mlink *mlink_new(struct simdev *d, const struct mlink_opts *o)
{
	struct mlink *l = calloc(1, sizeof(*l));
	char cid[80];

	if (!l)
		return NULL;
	l->d = d;
	l->o = *o;
	mosquitto_lib_init();
	snprintf(cid, sizeof(cid), "simdev-%s", d->id);
	l->m = mosquitto_new(cid, true, l);
	if (!l->m)
		goto bad;
	mosquitto_connect_callback_set(l->m, on_connect);
	mosquitto_disconnect_callback_set(l->m, on_disconnect);
	mosquitto_message_callback_set(l->m, on_message);
	mosquitto_log_callback_set(l->m, on_log);
	if (!has_flaw(d, FLAW_ANONYMOUS) && o->user)
		mosquitto_username_pw_set(l->m, o->user, o->password);
	if (!has_flaw(d, FLAW_NO_TLS)) {
		if (!o->ca || mosquitto_tls_set(l->m, o->ca, NULL, NULL, NULL, NULL) != MOSQ_ERR_SUCCESS) {
			simdev_log("mqtt: TLS needs --mqtt-ca (the broker's CA)");
			goto bad;
		}
		if (has_flaw(d, FLAW_INSECURE_TLS)) {
			mosquitto_tls_opts_set(l->m, 0 /* SSL_VERIFY_NONE */, NULL, NULL);
			mosquitto_tls_insecure_set(l->m, true);
		}
	}
	try_connect(l);
	return l;
bad:
	mlink_free(l);
	return NULL;
}

int mlink_pollfds(struct mlink *l, struct pollfd *pf, int max)
{
	int fd;

	if (!l || max < 1 || !l->connected || (fd = mosquitto_socket(l->m)) < 0)
		return 0;
	pf[0].fd = fd;
	/* While the TCP connect is pending, writability tells when it completed or failed. */
	pf[0].events = l->tcp_pending ? POLLOUT : POLLIN | (mosquitto_want_write(l->m) ? POLLOUT : 0);
	pf[0].revents = 0;
	return 1;
}

void mlink_dispatch(struct mlink *l, const struct pollfd *pf, int n)
{
	if (!l || n < 1)
		return;
	int rc = MOSQ_ERR_SUCCESS;

	if (l->tcp_pending) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (!pf[0].revents)
			return;
		/* libmosquitto 2.0 does not notice a failed non-blocking connect (it reports success
		 * from its read and write calls, and its TLS code may have taken the socket's error
		 * already), so the device asks the socket, and takes a hang-up as the answer too. */
		if (getsockopt(pf[0].fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err) {
			errno = err;
			lost(l, MOSQ_ERR_ERRNO);
			return;
		}
		if (pf[0].revents & (POLLHUP | POLLERR)) {
			lost(l, MOSQ_ERR_CONN_REFUSED);
			return;
		}
		l->tcp_pending = 0;
	}
	/* A failed connect shows as POLLERR or POLLHUP; libmosquitto's read or write then fails,
	 * and that failure, not only its callback, ends the session here. */
	if (pf[0].revents & (POLLIN | POLLHUP | POLLERR))
		rc = mosquitto_loop_read(l->m, 1);
	if (rc == MOSQ_ERR_SUCCESS && l->connected && (pf[0].revents & POLLOUT))
		rc = mosquitto_loop_write(l->m, 1);
	if (rc == MOSQ_ERR_SUCCESS && (pf[0].revents & (POLLHUP | POLLERR)))
		rc = MOSQ_ERR_CONN_LOST;	/* hung up, though libmosquitto's read said nothing */
	if (rc != MOSQ_ERR_SUCCESS)
		lost(l, rc);
}

int mlink_tick(struct mlink *l)
{
	int64_t now = simdev_now_ms();
	int wait = 1000;

	if (!l)
		return wait;
	if (l->connected) {
		int rc = mosquitto_loop_misc(l->m);
		if (rc != MOSQ_ERR_SUCCESS)
			lost(l, rc);	/* e.g. the keepalive expired */
	} else if (l->next_try && now >= l->next_try) {
		try_connect(l);
	}
	if (l->next_try)
		wait = (int)(l->next_try - now > 0 ? l->next_try - now : 0);
	if (l->d->online && (now >= l->next_report || l->d->changed_ms > l->next_report - l->d->report_interval * 1000)) {
		char msg[160];
		snprintf(msg, sizeof(msg), "{\"temp\":%.1f,\"setpoint\":%.1f,\"relay\":%d,\"firmware\":\"%s\"}",
			 l->d->temp, l->d->setpoint, l->d->relay, l->d->firmware);
		mosquitto_publish(l->m, NULL, topic(l, "telemetry"), (int)strlen(msg), msg, 0, false);
		l->next_report = now + l->d->report_interval * 1000;
		l->d->changed_ms = 0;
	}
	if (l->d->online && l->d->version_dirty) {
		mosquitto_publish(l->m, NULL, topic(l, "version"), (int)strlen(l->d->firmware), l->d->firmware, 1, true);
		l->d->version_dirty = 0;
	}
	if (l->d->online && l->d->status_dirty) {
		mosquitto_publish(l->m, NULL, topic(l, "update/status"), (int)strlen(l->d->update_status),
				  l->d->update_status, 1, true);
		l->d->status_dirty = 0;
	}
	return wait < 1000 ? wait : 1000;
}

void mlink_free(struct mlink *l)
{
	if (!l)
		return;
	if (l->m) {
		if (l->connected)
			mosquitto_disconnect(l->m);
		mosquitto_destroy(l->m);
	}
	mosquitto_lib_cleanup();
	free(l);
}
