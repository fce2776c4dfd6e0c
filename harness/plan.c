/* plan.c — selecting and ordering cases. */
#include "plan.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static int dut_has_mqtt(const struct keur_dut *d, int broker)
{
	for (size_t i = 0; i < d->nmqtt; i++)
		if (d->mqtt[i].broker == broker)
			return 1;
	return 0;
}

const char *plan_na_reason(const struct keur_case *c, const struct keur_dut *d)
{
	if (c->flags & KEUR_NEEDS_ANY) {
		if (((c->needs & NEED_MQTT_BROKER) && dut_has_mqtt(d, 1)) || ((c->needs & NEED_MQTT_CLIENT) && dut_has_mqtt(d, 0)) ||
		    ((c->needs & NEED_COAP) && d->ncoap) || ((c->needs & NEED_MODBUS) && d->nmodbus) ||
		    ((c->needs & NEED_UPDATE) && d->update))
			return NULL;
		return "the DUT declares none of the interfaces this case tries (see keur list)";
	}
	if ((c->needs & NEED_MQTT_BROKER) && !dut_has_mqtt(d, 1))
		return "the DUT declares no MQTT broker interface (<mqtt role=\"broker\">)";
	if ((c->needs & NEED_MQTT_CLIENT) && !dut_has_mqtt(d, 0))
		return "the DUT declares no MQTT client interface (<mqtt role=\"client\">)";
	if ((c->needs & NEED_COAP) && d->ncoap == 0)
		return "the DUT declares no CoAP interface (<coap>)";
	if ((c->needs & NEED_MODBUS) && d->nmodbus == 0)
		return "the DUT declares no Modbus interface (<modbus>)";
	if ((c->needs & NEED_UPDATE) && !d->update)
		return "the DUT declares no update channel (<update>)";
	return NULL;
}

const char *plan_req_na(const struct profile_req *r, const struct keur_dut *d)
{
	const char *w = r->applies_if;

	if (!w || !d)
		return NULL;
	if (!strcmp(w, "network-equipment"))
		return d->network_equipment ? NULL : "applies to network equipment only (<declares network-equipment=\"true\">)";
	if (!strcmp(w, "mqtt-broker"))
		return dut_has_mqtt(d, 1) ? NULL : "applies only where the DUT is an MQTT broker";
	if (!strcmp(w, "mqtt-client"))
		return dut_has_mqtt(d, 0) ? NULL : "applies only where the DUT is an MQTT client";
	if (!strcmp(w, "coap"))
		return d->ncoap ? NULL : "applies only where the DUT has a CoAP interface";
	if (!strcmp(w, "modbus"))
		return d->nmodbus ? NULL : "applies only where the DUT has a Modbus interface";
	if (!strcmp(w, "update"))
		return d->update ? NULL : "applies only where the DUT can be updated (<update>)";
	if (!strcmp(w, "functions"))
		return d->nfunctions ? NULL : "applies only where the DUT declares local functions (<function>)";
	return NULL;
}

const char *plan_fixture_missing(const struct keur_case *c, const struct keur_lab *l, const struct keur_dut *d)
{
	if ((c->needs & NEED_FIX_UPLINK) && !lab_fixture_for(l->uplinks, l->nuplinks, d->id))
		return "the lab has no uplink fixture for this DUT (<uplink> in the lab description)";
	if ((c->needs & NEED_FIX_POWER) && !lab_fixture_for(l->powers, l->npowers, d->id))
		return "the lab has no power fixture for this DUT (<power> in the lab description)";
	if ((c->needs & NEED_FIX_BROKER) && !lab_broker_for(l, d->id))
		return "the lab gives no broker address for client DUTs (<broker listen=\"...\" port=\"...\"> in the lab description)";
	return NULL;
}

static int list_has(const char *list, const char *id)
{
	size_t n = strlen(id);

	for (const char *p = list; p && *p;) {
		size_t l = strcspn(p, ",");
		if (l == n && !strncmp(p, id, n))
			return 1;
		p += l;
		if (*p == ',')
			p++;
	}
	return 0;
}

static void add_err(struct input_errors *err, char *msg)
{
	err->msg = xrealloc(err->msg, (err->n + 1) * sizeof(*err->msg));
	err->msg[err->n++] = msg;
}

int plan_build(struct keur_profile *const *profiles, size_t nprofiles, const struct keur_dut *dut,
	       const struct keur_lab *lab, const struct plan_opts *opts,
	       struct plan *out, struct input_errors *err)
{
	const char *only = opts->only, *level = opts->level;
	double scale = opts->deadline_scale > 0 ? opts->deadline_scale : 1.0;
	size_t nerr = err->n, nleveled = 0;

	memset(out, 0, sizeof(*out));
	if (level && !nprofiles)
		add_err(err, xstrdup("--level needs --profile: levels are defined by a profile"));
	for (size_t k = 0; k < nprofiles; k++) {
		const struct keur_profile *profile = profiles[k];
		for (size_t i = 0; i < k; i++)
			if (!strcmp(profiles[i]->id, profile->id))
				add_err(err, xasprintf("profile '%s' is given twice (%s and %s)", profile->id,
						       profiles[i]->path, profile->path));
		nleveled += profile->nlevels > 0;
		if (level && profile->nlevels && !profile_level_find(profile, level)) {
			struct strbuf sb;
			sb_init(&sb);
			for (size_t i = 0; i < profile->nlevels; i++)
				sb_addf(&sb, "%s%s", i ? ", " : "", profile->levels[i].id);
			add_err(err, xasprintf("profile '%s' has no level '%s' (it has: %s)", profile->id, level,
					       sb.buf ? sb.buf : "none"));
			sb_release(&sb);
		}
	}
	if (level && nprofiles && !nleveled)
		add_err(err, xasprintf("--level %s: profile%s %s ha%s no levels (a pass/fail scheme is judged whole)", level,
				       nprofiles > 1 ? "s" : "", profiles[0]->id, nprofiles > 1 ? "ve" : "s"));
	if (only) {
		const char *p = only;
		for (char *id; (id = list_next(&p)); free(id))
			if (*id && !keur_case_find(id, NULL))
				add_err(err, xasprintf("--only: unknown case '%s' (see `keur list`)", id));
	}
	if (scale < DEADLINE_SCALE_MIN || scale > DEADLINE_SCALE_MAX)
		add_err(err, xasprintf("--deadline-scale %g is outside %g..%g", scale, DEADLINE_SCALE_MIN,
				       DEADLINE_SCALE_MAX));
	if (err->n > nerr)
		return -1;

	out->parts = nprofiles ? xcalloc(nprofiles, sizeof(*out->parts)) : NULL;
	out->nparts = nprofiles;
	for (size_t k = 0; k < nprofiles; k++) {
		const struct keur_profile *profile = profiles[k];
		struct plan_part *pp = &out->parts[k];
		pp->profile = profile;
		for (size_t i = 0; i < profile->nreqs; i++) {
			const struct profile_req *r = &profile->reqs[i];
			if (level && profile->nlevels && !profile_level_includes(profile, level, r->level))
				continue;
			pp->reqs = xrealloc(pp->reqs, (pp->nreqs + 1) * sizeof(*pp->reqs));
			pp->req_na = xrealloc(pp->req_na, (pp->nreqs + 1) * sizeof(*pp->req_na));
			pp->req_na[pp->nreqs] = plan_req_na(r, dut);
			pp->reqs[pp->nreqs++] = r;
		}
	}

	for (size_t s = 0; keur_suites[s]; s++) {
		const struct keur_suite *suite = keur_suites[s];
		for (unsigned k = 0; k < suite->ncases; k++) {
			const struct keur_case *c = &suite->cases[k];
			struct strbuf reqs;
			int wanted = !nprofiles;

			sb_init(&reqs);
			for (size_t p = 0; p < out->nparts; p++) {
				const struct plan_part *pp = &out->parts[p];
				for (size_t i = 0; i < pp->nreqs; i++) {
					const struct profile_req *r = pp->reqs[i];
					/* A requirement that does not apply to this DUT asks for no case. */
					if (pp->req_na[i])
						continue;
					for (size_t j = 0; j < r->ncases; j++) {
						if (strcmp(r->cases[j], c->id))
							continue;
						/* Two profiles may name a requirement alike: listed once. */
						if (!reqs.buf || !list_has(reqs.buf, r->id))
							sb_addf(&reqs, "%s%s", reqs.len ? "," : "", r->id);
						wanted = 1;
						break;
					}
				}
			}
			if (only)
				wanted = wanted && list_has(only, c->id);
			if (!wanted) {
				if (only && list_has(only, c->id)) {
					char *ids = profile_ids(profiles, nprofiles);
					add_err(err, xasprintf("--only: case '%s' is not part of profile%s '%s'%s%s",
							       c->id, nprofiles > 1 ? "s" : "", ids, level ? " at level " : "",
							       level ? level : ""));
					free(ids);
				}
				sb_release(&reqs);
				continue;
			}
			struct plan_item *it;
			out->items = xrealloc(out->items, (out->n + 1) * sizeof(*out->items));
			it = &out->items[out->n++];
			it->c = c;
			it->suite = suite;
			it->pre = KEUR_NONE;
			it->pre_reason = NULL;
			it->reqs = reqs.len ? sb_detach(&reqs) : NULL;
			it->deadline_ms = (int64_t)(c->deadline_s * 1000.0 * scale + 0.5);
			sb_release(&reqs);
			const char *why = plan_na_reason(c, dut);
			if (why) {
				it->pre = KEUR_NA;
				it->pre_reason = xstrdup(why);
			} else if ((why = plan_fixture_missing(c, lab, dut))) {
				it->pre = KEUR_INCONC;
				it->pre_reason = xstrdup(why);
			}
		}
	}
	if (err->n > nerr) {
		plan_release(out);
		return -1;
	}
	return 0;
}

void plan_release(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->items[i].pre_reason);
		free(p->items[i].reqs);
	}
	free(p->items);
	for (size_t i = 0; i < p->nparts; i++) {
		free(p->parts[i].reqs);
		free(p->parts[i].req_na);
	}
	free(p->parts);
	memset(p, 0, sizeof(*p));
}

const struct keur_case *keur_case_find(const char *id, const struct keur_suite **suite)
{
	for (size_t s = 0; keur_suites[s]; s++)
		for (unsigned k = 0; k < keur_suites[s]->ncases; k++)
			if (!strcmp(keur_suites[s]->cases[k].id, id)) {
				if (suite)
					*suite = keur_suites[s];
				return &keur_suites[s]->cases[k];
			}
	return NULL;
}
