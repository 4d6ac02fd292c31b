// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What the IKE engine shows the daemon's observability paths: connection
 * state for the metrics, and the IKE SA keys for `xdpsecctl export-keys`.
 * Read-only walks of the SA list, on the engine's (control) thread.
 */
#include <string.h>

#include "ike_sa.h"

unsigned int ike_engine_conn_states(const struct ike_engine *e, struct ike_conn_state *out,
				    unsigned int max)
{
	const struct ike_child *c;
	const struct ike_sa *s;
	unsigned int i;

	for (i = 0; i < e->cfg->n_conns && i < max; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].name = e->cfg->conns[i].name;
	}
	for (s = e->sas; s; s = s->next) {
		if (s->state != IKE_SA_ESTABLISHED)
			continue;
		i = (unsigned int)(s->conn - e->cfg->conns);
		if (i >= e->cfg->n_conns || i >= max)
			continue;	/* not of this configuration (cannot happen) */
		out[i].ike_sas_established++;
		for (c = s->children; c; c = c->next)
			out[i].child_sas_installed += c->state == IKE_CHILD_INSTALLED;
	}
	return e->cfg->n_conns;
}

unsigned int ike_engine_export_keys(const struct ike_engine *e, ike_key_export_fn fn, void *arg)
{
	struct ike_sa_key_export k;
	const struct ike_sa *s;
	unsigned int n = 0;

	for (s = e->sas; s; s = s->next) {
		if (!s->have_keys || s->state == IKE_SA_DEAD)
			continue;
		memset(&k, 0, sizeof(k));
		memcpy(k.spi_i, s->spi_i, sizeof(k.spi_i));
		memcpy(k.spi_r, s->spi_r, sizeof(k.spi_r));
		k.encr = s->suite.encr;
		k.key_bits = s->suite.key_bits;
		k.integ = s->suite.integ;
		k.sk_ei = s->keys.ei.buf;
		k.sk_er = s->keys.er.buf;
		k.sk_ai = s->keys.ai.buf;
		k.sk_ar = s->keys.ar.buf;
		k.enc_key_len = s->keys.ei.len;
		k.integ_key_len = s->keys.ai.len;
		fn(arg, &k);
		n++;
	}
	return n;
}
