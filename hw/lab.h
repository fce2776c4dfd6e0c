/* lab.h — the simulated lab (`keur lab up|down|power`): network namespaces named keur-NAME-*,
 * a cloud with a real mosquitto broker (TLS, password file, ACL) and the update service, and one
 * keur-simdev per DUT, each with a LAN link to the harness and a WAN link to the cloud.
 * Addresses come from 198.18.0.0/15; nothing is routed out of the lab.  Several labs can be up at
 * once: each takes a slot and a run of device numbers no other lab holds (lab.c, "Addresses");
 * lab up refuses only a name in use, naming that lab. */
#ifndef KEUR_LAB_H
#define KEUR_LAB_H

struct lab_up_opts {
	const char *dir;	/* where certificates, descriptions, logs and lab.state go */
	const char *name;	/* 1-8 of [a-z0-9]; namespaces keur-NAME-cloud, keur-NAME-dutI */
	int nduts;
	const char *flaws[64];	/* "NAME" for every DUT, or "I:NAME" for DUT I */
	int nflaws;
	const char *keur;	/* path of the keur binary, for the power fixture's commands */
	const char *simdev;	/* path of keur-simdev */
};

/* Each returns 0, or an exit code (2 usage, 3 the lab could not be built or removed) after
 * printing one line that says why. */
int lab_up(const struct lab_up_opts *o);
int lab_down(const char *dir);
int lab_power(const char *dir, const char *dut, int on);
/* Switches the device off, sets the firmware version in its state file, switches it on. */
int lab_reflash(const char *dir, const char *dut, const char *firmware);

#endif
