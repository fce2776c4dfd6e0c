/* default_logins.h — the well-known default logins keur ships (suites/data/, compiled in): the
 * Mirai list and common vendor defaults, one "user<TAB>password" per line, '#' for comments.
 * CRED-DEFAULT-001 tries them on a broker; MQTT-CLIENT-004 looks a client's login up in them. */
#ifndef KEUR_DEFAULT_LOGINS_H
#define KEUR_DEFAULT_LOGINS_H

#include <stdio.h>
#include <string.h>

extern const char keur_credentials_mirai[], keur_credentials_vendor[];

#define DEFAULT_LOGIN_LISTS 2
static const char *const default_login_names[DEFAULT_LOGIN_LISTS] = { "Mirai", "vendor defaults" };

static inline const char *default_login_list(size_t l)
{
	return l == 0 ? keur_credentials_mirai : keur_credentials_vendor;
}

/* Steps *p through a list: 1 with the next login in user and pass, 0 at the end. */
static inline int default_login_next(const char **p, char user[80], char pass[80])
{
	while (**p) {
		const char *line = *p, *end = strchr(line, '\n'), *tab;
		size_t len = end ? (size_t)(end - line) : strlen(line);

		*p += len + (end ? 1 : 0);
		if (!len || line[0] == '#' || !(tab = memchr(line, '\t', len)))
			continue;
		snprintf(user, 80, "%.*s", (int)(tab - line), line);
		snprintf(pass, 80, "%.*s", (int)(len - (size_t)(tab - line) - 1), tab + 1);
		return 1;
	}
	return 0;
}

#endif
