/* simdev.h — keur-simdev, the reference device: a small thermostat with a relay that speaks
 * MQTT (to its cloud), CoAP and Modbus (on its LAN), updates itself, and keeps working offline.
 * Flaws switch single defects on, so that every keur case has a device that must pass it and
 * one that must fail it. */
#ifndef SIMDEV_H
#define SIMDEV_H

#include <stdint.h>

enum flaw {
	FLAW_ANONYMOUS,		/* MQTT without credentials */
	FLAW_NO_TLS,		/* MQTT in plain text */
	FLAW_INSECURE_TLS,	/* any broker certificate is accepted */
	FLAW_DEFAULT_PASSWORD,	/* the CoAP PSK identity "admin" with key "admin" is accepted */
	FLAW_OPEN_WRITE,	/* unauthenticated CoAP and Modbus writes to the configuration */
	FLAW_ACCEPT_UNSIGNED,	/* updates without a signature are installed */
	FLAW_ACCEPT_FORGED,	/* updates with a bad signature are installed */
	FLAW_ACCEPT_DOWNGRADE,	/* older versions are installed */
	FLAW_DIES_OFFLINE,	/* local functions stop while the broker is unreachable */
	FLAW_NO_RECONNECT,	/* after losing the broker, never tries again */
	FLAW_RECONNECT_STORM,	/* reconnects without any back-off */
	FLAW_CRASH_ON_MALFORMED, /* a malformed Modbus or CoAP message ends the process */
	FLAW_AMPLIFIER,		/* /diag answers a small unauthenticated GET with a large payload */
	FLAW_EXTRA_PORT,	/* an undeclared TCP service listens (a "debug shell") */
	FLAW_NO_UPDATE,		/* never installs any image, genuine or not */
	FLAW_COUNT
};

struct flaw_info {
	const char *name, *help;
};
extern const struct flaw_info flaw_table[FLAW_COUNT];

/* The device: what it measures, what it switches, what it is configured to do. */
struct simdev {
	char id[64];
	char firmware[32];
	double temp;		/* °C, simulated */
	double setpoint;	/* °C */
	int relay;		/* the heater relay */
	int report_interval;	/* s between telemetry messages (config) */
	int mode;		/* 0 off, 1 thermostat, 2 relay forced (config) */
	int online;		/* MQTT session to the cloud is up */
	unsigned flaws;		/* 1 << enum flaw */
	const char *state_file;	/* where the configuration persists; NULL: nowhere */
	int64_t changed_ms;	/* last change of state worth telling the cloud */
	int version_dirty;	/* firmware changed: publish the version again */
	char update_status[200];	/* what the update agent did last, published to PREFIX/update/status */
	int status_dirty;
};

static inline int has_flaw(const struct simdev *d, enum flaw f)
{
	return (d->flaws >> f) & 1u;
}

/* Whether the local functions (CoAP, Modbus, the thermostat) work right now. */
int simdev_local_ok(const struct simdev *d);

/* Advances the simulation by dt seconds: temperature and thermostat. */
void simdev_tick(struct simdev *d, double dt);

/* Loads and saves the configuration (setpoint, interval, mode, firmware) atomically. */
int simdev_load(struct simdev *d);
int simdev_save(const struct simdev *d);

/* Sets a configuration or control value by name ("setpoint", "relay", "report-interval",
 * "mode") from text; 0, or -1 if the name or value is not acceptable. */
int simdev_set(struct simdev *d, const char *name, const char *value);

int64_t simdev_now_ms(void);
void simdev_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
