/* server.h — the device's services, each polled from the one event loop in main.c:
 * *_pollfds() fills poll entries, *_dispatch() handles what poll reported for them. */
#ifndef SIMDEV_SERVER_H
#define SIMDEV_SERVER_H

#include <poll.h>

#include "simdev.h"

struct mbsrv;
/* Modbus TCP on addr:port (port 0: off) and RTU on the serial line rtu_path (NULL: off). */
struct mbsrv *mbsrv_new(struct simdev *d, const char *addr, int port, const char *rtu_path);
int mbsrv_pollfds(struct mbsrv *m, struct pollfd *pf, int max);
void mbsrv_dispatch(struct mbsrv *m, const struct pollfd *pf, int n);
void mbsrv_tick(struct mbsrv *m);	/* ends an RTU frame at a silence */
void mbsrv_free(struct mbsrv *m);

struct cosrv_opts {
	const char *addr;
	int port, dtls_port;		/* 0: that endpoint is off */
	const char *psk_identity, *psk_key;
	const char *cert, *key, *ca;	/* PEM files for DTLS with certificates; NULL: PSK only */
};
struct cosrv;
struct cosrv *cosrv_new(struct simdev *d, const struct cosrv_opts *o);
int cosrv_pollfds(struct cosrv *c, struct pollfd *pf, int max);
void cosrv_dispatch(struct cosrv *c, const struct pollfd *pf, int n);
void cosrv_notify(struct cosrv *c);	/* the temperature changed: tell observers */
void cosrv_free(struct cosrv *c);

struct mlink_opts {
	const char *host;
	int port, plain_port;		/* TLS port, and the plain one used with --flaw no-tls */
	const char *ca, *user, *password, *prefix;
	int keepalive;
	int backoff_max_ms;		/* the longest wait between connection attempts (30000) */
};
struct mlink;
struct mlink *mlink_new(struct simdev *d, const struct mlink_opts *o);
int mlink_pollfds(struct mlink *l, struct pollfd *pf, int max);
void mlink_dispatch(struct mlink *l, const struct pollfd *pf, int n);
/* Timers: reconnects, keepalive, telemetry.  Returns ms until it wants to run again. */
int mlink_tick(struct mlink *l);
void mlink_free(struct mlink *l);

/* The undeclared "debug shell" of --flaw extra-port. */
struct extra;
struct extra *extra_new(const char *addr, int port);
int extra_pollfds(struct extra *e, struct pollfd *pf, int max);
void extra_dispatch(struct extra *e, const struct pollfd *pf, int n);
void extra_free(struct extra *e);

#endif
