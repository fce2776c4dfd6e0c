/* update.c — UPDATE-*: keur plays the DUT's vendor.  It takes the DUT's broker address (as the
 * MQTT-CLIENT cases do), serves images over HTTP from that address, offers them on the DUT's
 * update topic (or publishes them at the DUT's check-url), and reads what the DUT reports on its
 * version topic.  Genuine images must install; images keur forged from them must not; the DUT
 * must keep working throughout.
 *
 * Every case starts from the firmware the DUT description declares: a DUT that runs another
 * version is put back by the lab's <reflash> fixture, or the case is inconc. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "httpserve.h"
#include "images.h"
#include "mqtt_fake.h"
#include "sha256.h"
#include "util.h"

#define LIVE_MS 30000		/* after an offer: the DUT shows it still works within this */
#define SESSION_MS 60000	/* beyond the declared back-off: how long keur waits for the DUT to connect */
#define REOFFER_MS 5000	/* INTERRUPT: an offer that no download followed is sent again (3 at most) */
#define CUT_MS 10000		/* INTERRUPT: how long the uplink stays cut mid-download */

/* keur's side of one case: its broker session with the DUT and its update service. */
struct upd {
	struct keur_ctx *ctx;
	const struct keur_dut *d;
	const struct dut_update *u;
	struct fake fk;
	struct stream *s;	/* the DUT's current session; NULL between sessions */
	int level;		/* its MQTT protocol level */
	int subscribed;		/* one of its filters covers the update topic */
	int sessions;
	char running[48];	/* the version it last reported; "" before any */
	long t0;		/* when the case began (session.txt counts from it) */
	long reported_at, heard_at, telemetry_at;	/* time_mono_ms of the last such */
	struct httpserve *http;
	FILE *log;		/* evidence session.txt: the DUT's packets */
	FILE *hlog;		/* evidence http.txt: its downloads */
	char base[96];		/* http://ADDRESS:PORT */
	char check_path[256];	/* check-url's path when keur serves it, else "" */
	unsigned char *img;	/* the genuine image */
	size_t img_len;
	const struct img_format *fmt;	/* its declared format */
	char genuine[48];	/* "fw-genuine" and the format's extension: the name it is served by */
	char again[48];		/* INTERRUPT: the name it is offered by again */
};

static long now_ms(void)
{
	return (long)time_mono_ms();
}

static double secs(const struct upd *p, long t)
{
	return (double)(t - p->t0) / 1000.0;
}

/* MQTT topic filter matching: + one level, # the rest. */
static int topic_matches(const char *filter, const char *topic)
{
	for (;;) {
		if (*filter == '#')
			return 1;
		if (*filter == '+') {
			topic += strcspn(topic, "/");
			filter++;
		} else {
			size_t fl = strcspn(filter, "/"), tl = strcspn(topic, "/");
			if (fl != tl || strncmp(filter, topic, fl))
				return 0;
			filter += fl;
			topic += tl;
		}
		if (!*filter && !*topic)
			return 1;
		if (*filter != '/' || *topic != '/')
			return !strcmp(filter, "/#") && !*topic;
		filter++;
		topic++;
	}
}

static void trim(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
		s[--n] = '\0';
}

/* ---- serving the DUT's session ---- */

typedef int (*cond_fn)(const struct upd *p, const void *arg);

/* One step: accepts the DUT, or reads one packet of its session.  Notes what matters. */
static void step(struct upd *p, long left)
{
	char detail[300];

	if (!p->s) {
		int came;
		struct mqtt_connect_info ci;
		p->s = stream_accept(p->fk.lfd, p->fk.tls, (int)(left < 1000 ? left : 1000), detail, sizeof(detail), &came);
		if (!p->s) {
			if (came)
				keur_note(p->ctx, "a connection to keur's broker failed: %s", detail);
			return;
		}
		if (!fake_admit(p->ctx, p->s, 5000, &ci, &p->level, detail, sizeof(detail))) {
			stream_close(p->s);
			p->s = NULL;
			return;
		}
		p->sessions++;
		p->subscribed = 0;
		p->heard_at = now_ms();
		if (p->log)
			fprintf(p->log, "%8.3f session %d: '%s' connected\n", secs(p, p->heard_at), p->sessions, ci.client_id);
		return;
	}
	struct fake_pkt pk;
	int r = fake_serve_pkt(p->s, p->level, NULL, (int)(left < 500 ? left : 500), &pk, detail, sizeof(detail));
	if (r == -2)
		return;
	if (r == -1) {
		keur_note(p->ctx, "the DUT's session %d ended: %s", p->sessions, detail);
		if (p->log)
			fprintf(p->log, "%8.3f session %d ended: %s\n", secs(p, now_ms()), p->sessions, detail);
		stream_close(p->s);
		p->s = NULL;
		return;
	}
	p->heard_at = now_ms();
	if (pk.type == MQTT_SUBSCRIBE) {
		for (int i = 0; i < pk.nfilters; i++) {
			if (p->u->topic && topic_matches(pk.filters[i], p->u->topic))
				p->subscribed = 1;
			if (p->log)
				fprintf(p->log, "%8.3f SUBSCRIBE %s\n", secs(p, p->heard_at), pk.filters[i]);
		}
	} else if (pk.type == MQTT_PUBLISH) {
		if (p->log)
			fprintf(p->log, "%8.3f PUBLISH %s: %.200s\n", secs(p, p->heard_at), pk.topic, pk.payload);
		if (!strcmp(pk.topic, p->u->version_topic)) {
			snprintf(p->running, sizeof(p->running), "%.47s", pk.payload);
			trim(p->running);
			p->reported_at = p->heard_at;
			keur_note(p->ctx, "the DUT reports version %s", p->running);
		}
		const struct dut_mqtt *m = p->fk.m;
		if (!m->status_topic || !strcmp(pk.topic, m->status_topic))
			p->telemetry_at = p->heard_at;
	}
	if (p->log)
		fflush(p->log);
}

/* Serves the DUT (across its reconnections) until cond holds or ms pass, as far as the case's
 * deadline allows (reserve kept for what follows): 1 or 0. */
static int pump(struct upd *p, long ms, long reserve, cond_fn cond, const void *arg)
{
	long end = now_ms() + ms, hard = now_ms() + keur_time_left_ms(p->ctx) - reserve;

	if (hard < end)
		end = hard;
	for (;;) {
		if (cond && cond(p, arg))
			return 1;
		long left = end - now_ms();
		if (left <= 0)
			return 0;
		step(p, left);
	}
}

static int cond_ready(const struct upd *p, const void *arg)
{
	(void)arg;
	return p->s && p->running[0] && (strcmp(p->u->channel, "mqtt") || p->subscribed);
}

struct since {
	const char *version;	/* NULL: any report */
	long t;
};

static int cond_reports(const struct upd *p, const void *arg)
{
	const struct since *w = arg;
	return p->reported_at >= w->t && (!w->version || !strcmp(p->running, w->version));
}

static int cond_alive(const struct upd *p, const void *arg)
{
	return p->telemetry_at >= *(const long *)arg;
}

static int cond_held(const struct upd *p, const void *arg)
{
	struct httpserve_stats st;
	httpserve_stats(p->http, (const char *)arg, &st);
	return st.held > 0;
}

/* ---- setting up ---- */

static void upd_close(struct upd *p)
{
	if (p->s)
		stream_close(p->s);
	httpserve_stop(p->http);
	fake_close(&p->fk);
	if (p->log)
		fclose(p->log);
	if (p->hlog)
		fclose(p->hlog);
	free(p->img);
}

/* The version the case must start from: the declared firmware. */
static const char *baseline(const struct upd *p)
{
	return p->d->firmware;
}

static int at_baseline(const struct upd *p)
{
	if (baseline(p))
		return !strcmp(p->running, baseline(p));
	return strcmp(p->running, p->u->version) != 0;
}

static long session_wait(const struct upd *p)
{
	return p->fk.m->reconnect_ms + SESSION_MS;
}

/* Puts the DUT back to its declared firmware (lab <reflash>) and waits for it: 0, or -1 with
 * why. */
static int reflash(struct upd *p, char *why, size_t len)
{
	struct since w = { baseline(p), 0 };

	if (keur_reflash(p->ctx, why, len) < 0)
		return -1;
	w.t = now_ms();
	if (!pump(p, p->d->offline.boot_ms + session_wait(p), 30000, cond_reports, &w) ||
	    !pump(p, session_wait(p), 30000, cond_ready, NULL)) {
		snprintf(why, len, "after the reflash the DUT reported %s%s within %ld s", p->running[0] ? "only " : "no version",
			 p->running, (p->d->offline.boot_ms + session_wait(p)) / 1000);
		return -1;
	}
	return 0;
}

/* Takes the DUT's broker address, serves it there, and brings it to its declared firmware,
 * ready for an offer.  0, or -1 with the verdict given. */
static int upd_open(struct keur_ctx *ctx, struct upd *p)
{
	char why[400], host[64];
	int port = 0;
	const char *cpath = NULL;

	memset(p, 0, sizeof(*p));
	p->ctx = ctx;
	p->d = keur_dut(ctx);
	p->u = p->d->update;
	p->reported_at = p->heard_at = p->telemetry_at = -1;
	p->t0 = now_ms();
	if (!p->u) {
		keur_verdict(ctx, KEUR_NA, "the DUT declares no <update>");
		return -1;
	}
	char *buf = NULL;
	size_t len;
	if (file_read(p->u->image, &buf, &len) < 0) {
		keur_verdict(ctx, KEUR_INCONC, "the image %s cannot be read", p->u->image);
		return -1;
	}
	p->img = (unsigned char *)buf;
	p->img_len = len;
	/* The loader knows every format it lets through; opaque stands in, as nothing else would. */
	if (!(p->fmt = img_format_find(p->u->format)))
		p->fmt = img_format_find("opaque");
	img_file_name(p->fmt, "genuine", p->genuine, sizeof(p->genuine));
	img_file_name(p->fmt, "genuine-again", p->again, sizeof(p->again));
	if (len < 64) {
		keur_verdict(ctx, KEUR_INCONC, "the image %s holds %zu bytes: too few to be an update", p->u->image, len);
		free(p->img);
		return -1;
	}
	if (fake_genuine(ctx, &p->fk) < 0) {
		free(p->img);
		return -1;
	}
	p->log = keur_evidence(ctx, "session.txt");
	p->hlog = keur_evidence(ctx, "http.txt");
	if (p->u->check_url && url_split(p->u->check_url, host, sizeof(host), &port, &cpath) == 0 &&
	    !strcmp(host, p->fk.lab->listen)) {
		snprintf(p->check_path, sizeof(p->check_path), "%s", cpath);
	} else {
		port = 0;
	}
	if (!(p->http = httpserve_start(p->fk.lab->listen, port, p->hlog, why, sizeof(why)))) {
		keur_verdict(ctx, KEUR_INCONC, "keur cannot serve updates at %s:%d: %s", p->fk.lab->listen, port, why);
		upd_close(p);
		return -1;
	}
	snprintf(p->base, sizeof(p->base), strchr(p->fk.lab->listen, ':') ? "http://[%s]:%d" : "http://%s:%d",
		 p->fk.lab->listen, httpserve_port(p->http));
	keur_note(ctx, "keur's update service: %s", p->base);
	if (!pump(p, session_wait(p), 60000, cond_ready, NULL)) {
		if (!p->sessions)
			keur_verdict(ctx, KEUR_INCONC, "the DUT did not connect to keur's broker at %s:%d within %ld s",
				     p->fk.lab->listen, p->fk.lab->port, session_wait(p) / 1000);
		else if (!p->running[0])
			keur_verdict(ctx, KEUR_INCONC, "the DUT reported no version on %s", p->u->version_topic);
		else
			keur_verdict(ctx, KEUR_INCONC, "the DUT did not subscribe to its update topic %s", p->u->topic);
		upd_close(p);
		return -1;
	}
	if (!at_baseline(p)) {
		keur_note(ctx, "the DUT runs %s, not the declared %s: the lab puts it back", p->running,
			  baseline(p) ? baseline(p) : "(older than the image)");
		if (reflash(p, why, sizeof(why)) < 0 || !at_baseline(p)) {
			keur_verdict(ctx, KEUR_INCONC, "the DUT runs %s, not its declared firmware %s, and could not be put back: %s",
				     p->running, baseline(p) ? baseline(p) : "?", why);
			upd_close(p);
			return -1;
		}
	}
	return 0;
}

/* ---- offers ---- */

/* Fills an offer or manifest template. */
static char *fill(const char *tmpl, const char *version, const char *url, size_t size, const char *sha)
{
	struct strbuf sb;

	sb_init(&sb);
	for (const char *t = tmpl; *t;) {
		if (!strncmp(t, "{version}", 9)) {
			sb_adds(&sb, version);
			t += 9;
		} else if (!strncmp(t, "{url}", 5)) {
			sb_adds(&sb, url);
			t += 5;
		} else if (!strncmp(t, "{size}", 6)) {
			sb_addf(&sb, "%zu", size);
			t += 6;
		} else if (!strncmp(t, "{sha256}", 8)) {
			sb_adds(&sb, sha);
			t += 8;
		} else {
			sb_add(&sb, t++, 1);
		}
	}
	return sb_detach(&sb);
}

/* Writes bytes keur made into evidence file name. */
static void keep_bytes(struct upd *p, const char *name, const void *data, size_t len)
{
	char *path = keur_evidence_path(p->ctx, name);
	FILE *f = path ? fopen(path, "wb") : NULL;

	if (f) {
		fwrite(data, 1, len, f);
		fclose(f);
	}
	free(path);
}

/* Writes an image keur made into the evidence, with its hash in images.txt. */
static void keep_image(struct upd *p, const char *name, const unsigned char *img, size_t len, const char *what)
{
	char hex[65];
	FILE *list;

	keep_bytes(p, name, img, len);
	sha256_hex(img, len, hex);
	if ((list = keur_evidence(p->ctx, "images.txt"))) {
		fprintf(list, "%s  %s  %zu bytes  %s\n", hex, name, len, what);
		fclose(list);
	}
}

/* Puts img at /keur/NAME and tells the DUT about it (on its update topic), or, with manifest,
 * publishes it at check-url without telling.  0, or -1 with why. */
static int offer(struct upd *p, const char *name, const unsigned char *img, size_t len, const char *version, long hold,
		 int manifest, char *why, size_t wlen)
{
	char path[128], url[256], hex[65], detail[200];

	snprintf(path, sizeof(path), "/keur/%s", name);
	snprintf(url, sizeof(url), "%s%s", p->base, path);
	sha256_hex(img, len, hex);
	httpserve_put(p->http, path, img, len, hold);
	char *text = fill(manifest ? p->u->manifest : p->u->offer, version, url, len, hex);
	if (manifest) {
		httpserve_put(p->http, p->check_path, text, strlen(text), -1);
		keur_note(p->ctx, "published at %s%s: %s", p->base, p->check_path, text);
		free(text);
		return 0;
	}
	if (!p->s && !pump(p, session_wait(p), 30000, cond_ready, NULL)) {
		snprintf(why, wlen, "the DUT was not connected to keur's broker to take the offer");
		free(text);
		return -1;
	}
	int r = fake_publish(p->s, p->level, p->u->topic, text, strlen(text), detail, sizeof(detail));
	keur_note(p->ctx, "offered on %s: %s%s%s", p->u->topic, text, r ? ": " : "", r ? detail : "");
	if (p->log)
		fprintf(p->log, "%8.3f keur offered on %s: %s\n", secs(p, now_ms()), p->u->topic, text);
	if (r)
		snprintf(why, wlen, "%s", detail);
	free(text);
	return r;
}

/* What the DUT did with /keur/NAME, for a reason. */
static void fetched(struct upd *p, const char *name, size_t len, char *out, size_t olen)
{
	char path[128];
	struct httpserve_stats st;

	snprintf(path, sizeof(path), "/keur/%s", name);
	httpserve_stats(p->http, path, &st);
	if (!st.requests)
		snprintf(out, olen, "never fetched it");
	else if (st.complete)
		snprintf(out, olen, "fetched all %zu bytes", len);
	else
		snprintf(out, olen, "fetched at most %zu of %zu bytes", st.most, len);
}

/* Offers an image that must not install; the outcome goes to f. */
static void must_refuse(struct upd *p, struct keur_findings *f, const char *what, const char *desc, const char *name,
			const unsigned char *img, size_t len, const char *version, int *dirty)
{
	char why[300], got[100];
	long t0 = now_ms(), live;
	struct since w = { version, 0 };

	keep_image(p, name, img, len, desc);
	if (*dirty) {
		if (reflash(p, why, sizeof(why)) < 0) {
			keur_find(f, FIND_OPEN, "%s image: not tried, the DUT could not be put back to %s: %s", what,
				  baseline(p) ? baseline(p) : "its firmware", why);
			return;
		}
		*dirty = 0;
	}
	w.t = t0;
	if (offer(p, name, img, len, version, -1, 0, why, sizeof(why)) < 0) {
		keur_find(f, FIND_OPEN, "%s image: could not be offered: %s", what, why);
		return;
	}
	int took = pump(p, p->u->install_ms, 45000, cond_reports, &w);
	fetched(p, name, len, got, sizeof(got));
	if (took) {
		keur_find(f, FIND_BAD, "the %s image got in: the DUT %s and reported %s %.1f s after the offer", what, got,
			  version, (double)(p->reported_at - t0) / 1000.0);
		*dirty = 1;
		return;
	}
	live = now_ms();
	if (!pump(p, LIVE_MS, 10000, cond_alive, &live)) {
		keur_find(f, FIND_BAD, "after the %s image the DUT (which %s) showed no sign of life for %d s", what, got,
			  LIVE_MS / 1000);
		return;
	}
	keur_find(f, FIND_GOOD, "%s image refused (the DUT %s; still %s, and working)", what, got, p->running);
}

/* ---- forging ---- */

/* Offers the forgeries of the case (images/: the same code as `keur image forge`), each in the
 * DUT's declared format. */
static void forged(struct keur_ctx *ctx, const enum img_forgery *kinds, int n)
{
	struct upd p;
	struct keur_findings f = { 0 };
	int dirty = 0;

	if (upd_open(ctx, &p) < 0)
		return;
	for (int i = 0; i < n; i++) {
		const char *what = img_forgery_name(kinds[i]);
		struct img_forged fg;
		char why[400], name[64], desc[600];
		if (img_forge(p.fmt, kinds[i], p.img, p.img_len, NULL, &fg, why, sizeof(why)) < 0) {
			keur_find(&f, FIND_OPEN, "%s image: not made: %s", what, why);
			continue;
		}
		keur_note(ctx, "%s: %s", what, fg.how);
		if (fg.signer.key_pem)
			keep_bytes(&p, "foreign-signer.key", fg.signer.key_pem, strlen(fg.signer.key_pem));
		if (fg.signer.cert_pem)
			keep_bytes(&p, "foreign-signer.crt", fg.signer.cert_pem, strlen(fg.signer.cert_pem));
		img_file_name(p.fmt, what, name, sizeof(name));
		snprintf(desc, sizeof(desc), "%s: %s", what, fg.how);
		must_refuse(&p, &f, what, desc, name, fg.data, fg.len, p.u->version, &dirty);
		img_forged_free(&fg);
	}
	upd_close(&p);
	keur_findings_settle(ctx, &f, "every forged image was refused", KEUR_INCONC, "nothing was offered");
}

static void forged_tampered(struct keur_ctx *ctx)
{
	static const enum img_forgery k[] = { IMG_TAMPERED, IMG_TRUNCATED };
	forged(ctx, k, 2);
}

static void forged_unsigned(struct keur_ctx *ctx)
{
	static const enum img_forgery k[] = { IMG_UNSIGNED };
	forged(ctx, k, 1);
}

static void forged_foreign(struct keur_ctx *ctx)
{
	static const enum img_forgery k[] = { IMG_FOREIGN };
	forged(ctx, k, 1);
}
/* ---- genuine, older, automatic ---- */

static void genuine(struct keur_ctx *ctx)
{
	struct upd p;
	char why[300], got[100];
	long t0;
	struct since w;

	if (upd_open(ctx, &p) < 0)
		return;
	keep_image(&p, p.genuine, p.img, p.img_len, "the genuine image, as declared");
	t0 = now_ms();
	w = (struct since){ p.u->version, t0 };
	if (offer(&p, p.genuine, p.img, p.img_len, p.u->version, -1, 0, why, sizeof(why)) < 0) {
		keur_verdict(ctx, KEUR_INCONC, "the genuine image could not be offered: %s", why);
	} else if (pump(&p, p.u->install_ms, 5000, cond_reports, &w)) {
		fetched(&p, p.genuine, p.img_len, got, sizeof(got));
		keur_verdict(ctx, KEUR_PASS, "installed the genuine %s: the DUT %s and reported it %.1f s after the offer",
			     p.u->version, got, (double)(p.reported_at - t0) / 1000.0);
	} else {
		fetched(&p, p.genuine, p.img_len, got, sizeof(got));
		keur_verdict(ctx, KEUR_FAIL, "offered the genuine %s; in %d s the DUT %s and still reports %s", p.u->version,
			     p.u->install_ms / 1000, got, p.running);
	}
	upd_close(&p);
}

static void rollback(struct keur_ctx *ctx)
{
	struct upd p;
	struct keur_findings f = { 0 };
	char *old = NULL;
	size_t len;
	int dirty = 0;

	if (!keur_dut(ctx)->update || !keur_dut(ctx)->update->older_image) {
		keur_verdict(ctx, KEUR_NA, "the DUT description names no older image (older-image=\"...\")");
		return;
	}
	if (upd_open(ctx, &p) < 0)
		return;
	if (file_read(p.u->older_image, &old, &len) < 0)
		keur_find(&f, FIND_OPEN, "the older image %s cannot be read", p.u->older_image);
	else
	{
		char name[32];
		img_file_name(p.fmt, "older", name, sizeof(name));
		must_refuse(&p, &f, "older", "older: the genuine older image, as declared", name, (unsigned char *)old, len,
			    p.u->older_version, &dirty);
	}
	free(old);
	upd_close(&p);
	keur_findings_settle(ctx, &f, "the genuine older image was refused", KEUR_INCONC, "nothing was offered");
}

static void automatic(struct keur_ctx *ctx)
{
	const struct keur_dut *d = keur_dut(ctx);
	struct upd p;
	char why[300], got[100];
	struct httpserve_stats st;
	long t0, wait;
	struct since w;

	if (d->automatic_updates == 0) {
		keur_verdict(ctx, KEUR_FAIL, "the manufacturer declares that the DUT does not update itself "
			     "(automatic-updates=\"false\")");
		return;
	}
	if (d->update && !d->update->check_url) {
		keur_verdict(ctx, KEUR_INCONC, "the DUT description gives no check-url: keur cannot play the service the DUT "
			     "asks for updates");
		return;
	}
	if (upd_open(ctx, &p) < 0)
		return;
	if (!p.check_path[0]) {
		keur_verdict(ctx, KEUR_INCONC, "keur plays the update service at the broker address %s it takes over; the "
			     "DUT's check-url %s names another", p.fk.lab->listen, p.u->check_url);
		upd_close(&p);
		return;
	}
	wait = (long)p.u->check_interval_ms + p.u->install_ms;
	if (wait > keur_time_left_ms(ctx) - 10000) {
		keur_verdict(ctx, KEUR_INCONC, "the DUT checks for updates every %d s: with the install time that is more "
			     "than this case can wait (%ld s left)", p.u->check_interval_ms / 1000,
			     keur_time_left_ms(ctx) / 1000);
		upd_close(&p);
		return;
	}
	keep_image(&p, p.genuine, p.img, p.img_len, "the genuine image, as declared");
	t0 = now_ms();
	w = (struct since){ p.u->version, t0 };
	offer(&p, p.genuine, p.img, p.img_len, p.u->version, -1, 1, why, sizeof(why));
	int ok = pump(&p, wait, 5000, cond_reports, &w);
	httpserve_stats(p.http, p.check_path, &st);
	fetched(&p, p.genuine, p.img_len, got, sizeof(got));
	if (ok)
		keur_verdict(ctx, KEUR_PASS, "found and installed %s by itself, %.1f s after it was published (it asked %d "
			     "time%s and %s)", p.u->version, (double)(p.reported_at - t0) / 1000.0, st.requests,
			     st.requests == 1 ? "" : "s", got);
	else
		keur_verdict(ctx, KEUR_FAIL, "published %s at %s; in %ld s (check interval plus install time) the DUT "
			     "asked %d time%s, %s and still reports %s", p.u->version, p.u->check_url, wait / 1000,
			     st.requests, st.requests == 1 ? "" : "s", got, p.running);
	upd_close(&p);
}

/* ---- interrupted ---- */

/* Offers the genuine image so that its download stops halfway, interrupts the DUT there (the
 * uplink cut, or the power off), and checks that it comes back working on the old or new
 * version.  1 when it did (what happened in f), 0 when the round could not be run. */
static int interrupted(struct upd *p, struct keur_findings *f, int power)
{
	const char *how = power ? "power cut" : "uplink cut";
	char name[48], path[80], why[300];
	long hold = (long)p->img_len / 2, t;

	img_file_name(p->fmt, power ? "genuine-power" : "genuine-uplink", name, sizeof(name));
	snprintf(path, sizeof(path), "/keur/%s", name);
	if (offer(p, name, p->img, p->img_len, p->u->version, hold, 0, why, sizeof(why)) < 0) {
		keur_find(f, FIND_OPEN, "%s: the image could not be offered: %s", how, why);
		return 0;
	}
	if (!pump(p, p->u->install_ms, 60000, cond_held, path)) {
		keur_find(f, FIND_OPEN, "%s: the DUT did not start downloading the image within %d s", how,
			  p->u->install_ms / 1000);
		httpserve_release(p->http);
		return 0;
	}
	keur_note(p->ctx, "%s: the DUT has %ld of %zu bytes; interrupting it now", how, hold, p->img_len);
	if (power) {
		if (keur_power_off(p->ctx) < 0) {
			keur_find(f, FIND_OPEN, "%s: the power fixture failed (see fixtures.txt)", how);
			httpserve_release(p->http);
			return 0;
		}
		pump(p, p->d->offline.power_off_ms, 60000, NULL, NULL);
		httpserve_release(p->http);
		if (keur_power_on(p->ctx) < 0) {
			keur_find(f, FIND_OPEN, "%s: the power did not come back on (see fixtures.txt)", how);
			return 0;
		}
	} else {
		if (keur_uplink_cut(p->ctx) < 0) {
			keur_find(f, FIND_OPEN, "%s: the uplink fixture failed (see fixtures.txt)", how);
			httpserve_release(p->http);
			return 0;
		}
		pump(p, CUT_MS, 60000, NULL, NULL);
		if (keur_uplink_restore(p->ctx) < 0) {
			keur_find(f, FIND_OPEN, "%s: the uplink did not come back (see fixtures.txt)", how);
			httpserve_release(p->http);
			return 0;
		}
		httpserve_release(p->http);
	}
	t = now_ms();
	long back = p->d->offline.boot_ms + session_wait(p);
	if (!pump(p, back, 30000, cond_alive, &t)) {
		keur_find(f, FIND_BAD, "after the %s mid-download the DUT showed no sign of life for %ld s", how, back / 1000);
		return 1;
	}
	if (strcmp(p->running, p->u->version) && !at_baseline(p))
		keur_find(f, FIND_BAD, "after the %s mid-download the DUT reports %s, neither its old nor the new version", how,
			  p->running);
	else
		keur_find(f, FIND_GOOD, "%s mid-download: the DUT came back on %s and works", how, p->running);
	return 1;
}

static int cond_fetch_or_report(const struct upd *p, const void *arg)
{
	const struct since *w = arg;
	struct httpserve_stats st;
	char path[64];
	snprintf(path, sizeof(path), "/keur/%s", p->again);
	httpserve_stats(p->http, path, &st);
	return cond_reports(p, w) || st.requests > 0;
}

static void interrupt(struct keur_ctx *ctx)
{
	const struct keur_lab *l = keur_lab(ctx);
	struct upd p;
	struct keur_findings f = { 0 };
	char why[300], got[100];

	if (upd_open(ctx, &p) < 0)
		return;
	keep_image(&p, p.genuine, p.img, p.img_len, "the genuine image, as declared");
	if (lab_fixture_for(l->powers, l->npowers, p.d->id))
		interrupted(&p, &f, 1);
	else
		keur_note(ctx, "the lab has no power fixture for this DUT: only the uplink is cut");
	if (interrupted(&p, &f, 0) && !f.nbad) {
		/* Offered again, whole: it must complete (re-offered while no download follows). */
		long t0 = now_ms(), end = t0 + p.u->install_ms;
		struct since w = { p.u->version, t0 };
		int done = !strcmp(p.running, p.u->version), offers = 0;
		while (!done && now_ms() < end && offers++ < 3) {
			if (offer(&p, p.again, p.img, p.img_len, p.u->version, -1, 0, why, sizeof(why)) < 0)
				keur_note(ctx, "the offer failed: %s", why);
			long slice = end - now_ms() < REOFFER_MS ? end - now_ms() : REOFFER_MS;
			if (pump(&p, slice, 5000, cond_fetch_or_report, &w))
				done = pump(&p, end - now_ms(), 5000, cond_reports, &w);
		}
		fetched(&p, p.again, p.img_len, got, sizeof(got));
		if (done)
			keur_find(&f, FIND_GOOD, "offered again, %s installed", p.u->version);
		else
			keur_find(&f, FIND_BAD, "offered again after the interruptions, the DUT %s and still reports %s after "
				  "%d s", got, p.running, p.u->install_ms / 1000);
	}
	upd_close(&p);
	keur_findings_settle(ctx, &f, "interrupted updates left a working DUT", KEUR_INCONC, "nothing was interrupted");
}

#define UPD_NEEDS (NEED_UPDATE | NEED_MQTT_CLIENT | NEED_FIX_BROKER)

static const struct keur_case cases[] = {
	{ .id = "UPDATE-FORGED-001", .title = "an image changed after signing, or cut short, is refused and the DUT keeps working",
	  .spec = "EN 303 645 5.3-9, 5.3-10; EN 18031-1 SUM-2; CIP-4", .needs = UPD_NEEDS, .deadline_s = 900,
	  .run = forged_tampered },
	{ .id = "UPDATE-FORGED-002", .title = "an image with its signature stripped is refused and the DUT keeps working",
	  .spec = "EN 303 645 5.3-9, 5.3-10; EN 18031-1 SUM-2; CIP-4", .needs = UPD_NEEDS, .deadline_s = 600,
	  .run = forged_unsigned },
	{ .id = "UPDATE-FORGED-003", .title = "an image signed by a key other than the vendor's is refused and the DUT keeps working",
	  .spec = "EN 303 645 5.3-9, 5.3-10; EN 18031-1 SUM-2; CIP-4", .needs = UPD_NEEDS, .deadline_s = 600,
	  .run = forged_foreign },
	{ .id = "UPDATE-ROLLBACK-001", .title = "a genuine but older image is refused",
	  .spec = "EN 18031-1 SUM-2; OWASP ISVS 4.6", .needs = UPD_NEEDS, .deadline_s = 600, .run = rollback },
	{ .id = "UPDATE-GENUINE-001", .title = "a genuine newer image installs and the DUT reports the new version",
	  .spec = "EN 303 645 5.3-2; EN 18031-1 SUM-1", .needs = UPD_NEEDS, .deadline_s = 600, .run = genuine },
	{ .id = "UPDATE-AUTO-001", .title = "the DUT finds and installs a published update by itself within its check interval",
	  .spec = "EN 303 645 5.3-4, 5.3-6; EN 18031-1 SUM-3; CSR-LABEL-ii", .needs = UPD_NEEDS, .deadline_s = 900,
	  .run = automatic },
	{ .id = "UPDATE-INTERRUPT-001", .title = "an update cut off midway (uplink, power) leaves a working DUT that completes it when offered again",
	  .spec = "EN 303 645 5.3-2; CIP-3", .needs = UPD_NEEDS | NEED_FIX_UPLINK, .deadline_s = 900, .run = interrupt },
};

const struct keur_suite update_suite = {
	.name = "update",
	.title = "software updates: genuine, forged, older, automatic, interrupted",
	.cases = cases,
	.ncases = ARRAY_SIZE(cases),
};
