/* httpserve.h — keur playing a vendor's update service: a small HTTP/1.0 server of in-memory
 * files, run in a thread of the case's process, so that the case can go on serving the DUT's
 * MQTT session while the DUT downloads.  Every request goes to a log (evidence). */
#ifndef KEUR_HTTPSERVE_H
#define KEUR_HTTPSERVE_H

#include <stddef.h>
#include <stdio.h>

struct httpserve;

struct httpserve_stats {
	int requests;		/* GETs of the path */
	size_t most;		/* the most body bytes one request got */
	int complete;		/* answers sent whole */
	int held;		/* answers being held now (hold_after) */
};

/* Listens on addr:port (port 0: any free one).  log (may be NULL) gets one line per request.
 * NULL with the reason in why. */
struct httpserve *httpserve_start(const char *addr, int port, FILE *log, char *why, size_t len);
int httpserve_port(const struct httpserve *h);
/* Serves a copy of body at path (replacing what was there).  hold_after >= 0: an answer sends
 * that many body bytes and then nothing more, keeping the connection open, until
 * httpserve_release(); then it closes it (an interrupted download). */
void httpserve_put(struct httpserve *h, const char *path, const void *body, size_t len, long hold_after);
void httpserve_stats(struct httpserve *h, const char *path, struct httpserve_stats *st);
/* Closes every held answer, unfinished. */
void httpserve_release(struct httpserve *h);
/* Stops the server; its connections are closed. */
void httpserve_stop(struct httpserve *h);

#endif
