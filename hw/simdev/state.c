/* state.c — the device's state, its thermostat, and its persistent configuration. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "simdev.h"

const struct flaw_info flaw_table[FLAW_COUNT] = {
	[FLAW_ANONYMOUS] = { "anonymous", "connect to the MQTT broker without credentials" },
	[FLAW_NO_TLS] = { "no-tls", "speak MQTT in plain text (to --mqtt-plain-port); serve CoAP reads on coap:// beside coaps://" },
	[FLAW_INSECURE_TLS] = { "insecure-tls", "accept any broker certificate (no CA or name check)" },
	[FLAW_DEFAULT_PASSWORD] = { "default-password", "accept the CoAP DTLS identity 'admin' with key 'admin'" },
	[FLAW_OPEN_WRITE] = { "open-write", "accept unauthenticated writes to the configuration (CoAP without DTLS, Modbus)" },
	[FLAW_ACCEPT_UNSIGNED] = { "accept-unsigned", "install update images that carry no signature" },
	[FLAW_ACCEPT_FORGED] = { "accept-forged", "install update images whose signature does not verify" },
	[FLAW_ACCEPT_DOWNGRADE] = { "accept-downgrade", "install update images older than the running firmware" },
	[FLAW_DIES_OFFLINE] = { "dies-offline", "local functions (CoAP, Modbus, thermostat) stop while the broker is unreachable" },
	[FLAW_NO_RECONNECT] = { "no-reconnect", "once the broker connection is lost, never try again" },
	[FLAW_RECONNECT_STORM] = { "reconnect-storm", "reconnect to the broker without back-off (every 50 ms)" },
	[FLAW_CRASH_ON_MALFORMED] = { "crash-on-malformed", "abort on a malformed Modbus frame or CoAP message" },
	[FLAW_AMPLIFIER] = { "amplifier", "answer an unauthenticated GET /diag with 1 KiB" },
	[FLAW_NO_UPDATE] = { "no-update", "never install an update image, however genuine (it downloads and drops it)" },
	[FLAW_EXTRA_PORT] = { "extra-port", "listen on an undeclared TCP port (--extra-port) with a debug shell banner, and answer an undeclared Modbus function code (65) with a configuration dump" },
};

int64_t simdev_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void simdev_log(const char *fmt, ...)
{
	struct timespec ts;
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(stderr, "%ld.%03ld simdev: ", (long)ts.tv_sec, ts.tv_nsec / 1000000);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int simdev_local_ok(const struct simdev *d)
{
	return d->online || !has_flaw(d, FLAW_DIES_OFFLINE);
}

void simdev_tick(struct simdev *d, double dt)
{
	const double ambient = 15.0;

	if (!simdev_local_ok(d))
		return;	/* dies-offline: the thermostat freezes with the uplink */
	/* The heater warms the room; the room loses heat to the outside. */
	d->temp += dt * ((d->relay ? 0.25 : 0.0) - 0.02 * (d->temp - ambient));
	if (d->mode == 1) {
		int want = d->temp < d->setpoint - 0.5 ? 1 : d->temp > d->setpoint + 0.5 ? 0 : d->relay;
		if (want != d->relay) {
			d->relay = want;
			d->changed_ms = simdev_now_ms();
		}
	} else if (d->mode == 0 && d->relay) {
		d->relay = 0;
		d->changed_ms = simdev_now_ms();
	}
}

int simdev_set(struct simdev *d, const char *name, const char *value)
{
	char *end;
	double v = strtod(value, &end);

	while (*end == ' ' || *end == '\n' || *end == '\r')
		end++;
	if (end == value || *end)
		return -1;
	if (!strcmp(name, "setpoint") && v >= 5 && v <= 35)
		d->setpoint = v;
	else if (!strcmp(name, "relay") && (v == 0 || v == 1)) {
		d->relay = (int)v;
		if (d->mode == 1 && d->relay)
			d->mode = 2;	/* a manual switch overrides the thermostat */
		else if (d->mode == 2 && !d->relay)
			d->mode = 1;
	} else if (!strcmp(name, "report-interval") && v >= 1 && v <= 3600 && v == (int)v)
		d->report_interval = (int)v;
	else if (!strcmp(name, "mode") && (v == 0 || v == 1 || v == 2))
		d->mode = (int)v;
	else
		return -1;
	d->changed_ms = simdev_now_ms();
	simdev_save(d);
	return 0;
}

int simdev_load(struct simdev *d)
{
	FILE *f;
	char key[64], val[64];

	if (!d->state_file || !(f = fopen(d->state_file, "r")))
		return -1;
	while (fscanf(f, "%63s %63s", key, val) == 2) {
		if (!strcmp(key, "firmware"))
			snprintf(d->firmware, sizeof(d->firmware), "%.31s", val);
		else if (!strcmp(key, "setpoint"))
			d->setpoint = atof(val);
		else if (!strcmp(key, "report-interval"))
			d->report_interval = atoi(val);
		else if (!strcmp(key, "mode"))
			d->mode = atoi(val);
	}
	fclose(f);
	return 0;
}

int simdev_save(const struct simdev *d)
{
	char tmp[4096];
	FILE *f;

	if (!d->state_file)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp", d->state_file);
	if (!(f = fopen(tmp, "w")))
		return -errno;
	fprintf(f, "firmware %s\nsetpoint %.1f\nreport-interval %d\nmode %d\n", d->firmware, d->setpoint,
		d->report_interval, d->mode);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	return rename(tmp, d->state_file) == 0 ? 0 : -errno;
}
