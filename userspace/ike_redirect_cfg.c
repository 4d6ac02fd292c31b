// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The 'redirects' section of the configuration (RFC 5685, xdpsec's own):
 * named rules that send matching devices to another gateway.
 *
 *	redirects {
 *		maintenance {
 *			gateway = 192.0.2.3		# an address or an FQDN
 *			remote_addrs = 203.0.113.0/24	# at IKE_SA_INIT (no remote_id)
 *			remote_id = *@branch.example	# at IKE_AUTH, authenticated
 *		}
 *	}
 *
 * Errors read "FILE:LINE: problem"; unknown keys are warned about.  The
 * engine (ike_redirect.c) applies the rules; a reload swaps them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_config.h"
#include "log.h"
#include "selector.h"

enum { GATEWAY_MAX = 253 };	/* an FQDN's longest text form */

static int rd_error(char *err, size_t errlen, const struct conf_section *sec, unsigned int line,
		    const char *what)
{
	snprintf(err, errlen, "%s:%u: redirect '%s': %s", sec->file, line, sec->name, what);
	return -EINVAL;
}

static int read_addrs(struct ike_cfg_redirect *r, const struct conf_setting *s, char *err,
		      size_t errlen, const struct conf_section *sec)
{
	char *copy = strdup(s->value), *item, *save = NULL, why[128];
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	for (item = strtok_r(copy, ", ", &save); item && !ret; item = strtok_r(NULL, ", ", &save)) {
		if (r->n_remote_addrs == IKE_CFG_MAX_ADDRS)
			ret = rd_error(err, errlen, sec, s->line, "too many remote_addrs");
		else if (selector_parse_cidr(item, &r->remote_addrs[r->n_remote_addrs++], why,
					     sizeof(why)))
			ret = rd_error(err, errlen, sec, s->line, why);
	}
	free(copy);
	return ret;
}

static int read_gateway(struct ike_cfg_redirect *r, const struct conf_setting *s, char *err,
			size_t errlen, const struct conf_section *sec)
{
	size_t len = strlen(s->value);

	if (!len || len > GATEWAY_MAX || strchr(s->value, ' '))
		return rd_error(err, errlen, sec, s->line, "'gateway' must be an address or FQDN");
	free(r->gateway);
	r->gateway = strdup(s->value);
	return r->gateway ? 0 : -ENOMEM;
}

static int read_rule(struct ike_cfg *cfg, struct ike_cfg_redirect *r,
		     const struct conf_section *sec, char *err, size_t errlen)
{
	const struct conf_setting *s;
	char why[256];
	int ret = 0;

	r->name = strdup(sec->name);
	r->line = sec->line;
	if (!r->name)
		return -ENOMEM;
	for (s = sec->settings; s && !ret; s = s->next) {
		if (!strcmp(s->key, "gateway")) {
			ret = read_gateway(r, s, err, errlen, sec);
		} else if (!strcmp(s->key, "remote_addrs")) {
			ret = read_addrs(r, s, err, errlen, sec);
		} else if (!strcmp(s->key, "remote_id")) {
			ike_cfg_id_free(&r->remote_id);
			if (ike_cfg_id_parse(s->value, &r->remote_id, why, sizeof(why)))
				ret = rd_error(err, errlen, sec, s->line, why);
		} else {
			xs_warn("%s:%u: unknown key '%s' in redirect '%s', ignored", s->file,
				s->line, s->key, sec->name);
			cfg->warnings++;
		}
	}
	if (!ret && !r->gateway)
		ret = rd_error(err, errlen, sec, sec->line, "'gateway' is missing");
	if (!ret && !r->n_remote_addrs && r->remote_id.type == IKE_CFG_ID_ANY)
		ret = rd_error(err, errlen, sec, sec->line,
			       "needs remote_addrs or remote_id (it would send every peer away)");
	return ret;
}

int ike_cfg_read_redirects(struct ike_cfg *cfg, const struct conf_section *sec, char *err,
			   size_t errlen)
{
	const struct conf_section *c;
	unsigned int n = 0;
	int ret;

	for (c = sec->children; c; c = c->next)
		n++;
	if (sec->settings)
		xs_warn("%s:%u: keys directly in 'redirects' are ignored (rules are sections)",
			sec->file, sec->settings->line);
	ike_cfg_free_redirects(cfg);
	cfg->redirects = calloc(n ?: 1, sizeof(*cfg->redirects));
	if (!cfg->redirects) {
		snprintf(err, errlen, "%s:%u: out of memory", sec->file, sec->line);
		return -ENOMEM;
	}
	for (c = sec->children; c; c = c->next) {
		ret = read_rule(cfg, &cfg->redirects[cfg->n_redirects++], c, err, errlen);
		if (ret == -ENOMEM)
			snprintf(err, errlen, "%s:%u: out of memory", c->file, c->line);
		if (ret)
			return ret;
	}
	return 0;
}

void ike_cfg_free_redirects(struct ike_cfg *cfg)
{
	unsigned int i;

	for (i = 0; i < cfg->n_redirects; i++) {
		free(cfg->redirects[i].name);
		free(cfg->redirects[i].gateway);
		ike_cfg_id_free(&cfg->redirects[i].remote_id);
	}
	free(cfg->redirects);
	cfg->redirects = NULL;
	cfg->n_redirects = 0;
}
