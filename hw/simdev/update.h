/* update.h — the device's update agent: takes offers ("version=V url=http://A:P/path") on its
 * MQTT update topic or finds them itself by polling a check URL, downloads the image over HTTP
 * without stalling the device, checks it (image.h) and installs it by switching its version. */
#ifndef SIMDEV_UPDATE_H
#define SIMDEV_UPDATE_H

#include <poll.h>
#include <stddef.h>

#include "simdev.h"

struct update_opts {
	const char *pubkey;	/* PEM public key that genuine images are signed with */
	const char *check_url;	/* http://A:P/path answering "version=V url=U"; NULL: no polling */
	int check_interval;	/* s between checks */
};

int update_init(struct simdev *d, const struct update_opts *o);
void update_offer(struct simdev *d, const void *msg, size_t len);
void update_tick(struct simdev *d);
int update_pollfds(struct pollfd *pf, int max);
void update_dispatch(struct simdev *d, const struct pollfd *pf, int n);
void update_free(void);

#endif
