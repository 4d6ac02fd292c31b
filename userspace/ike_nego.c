// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A Child SA's negotiation, shared by IKE_AUTH and CREATE_CHILD_SA
 * (RFC 7296 2.7, 2.9, 3.3, 3.13): the offer an exchange's initiator makes
 * (SA with its 4-octet inbound SPI, TSi, TSr), the responder's choice
 * (first child config whose selectors intersect the offer, then the first
 * of its ESP proposals the peer offers), and the initiator's check that
 * the answer lies within the offer.
 *
 * TSi is always the exchange initiator's side.  When we offer, TSi is our
 * local_ts and TSr our remote_ts ("dynamic": our address, the peer's);
 * when we answer, TSi narrows against remote_ts and TSr against local_ts.
 * The data plane takes XS_MAX_TS prefixes per side: a result needing more
 * counts as unacceptable.
 */
#include <errno.h>
#include <string.h>

#include "ike_xchg.h"
#include "log.h"

bool ike_notify_is_child_error(uint16_t type)
{
	switch (type) {
	case IKE_N_NO_PROPOSAL_CHOSEN:
	case IKE_N_SINGLE_PAIR_REQUIRED:
	case IKE_N_NO_ADDITIONAL_SAS:
	case IKE_N_INTERNAL_ADDRESS_FAILURE:
	case IKE_N_FAILED_CP_REQUIRED:
	case IKE_N_TS_UNACCEPTABLE:
	case IKE_N_INVALID_SELECTORS:
	case IKE_N_TEMPORARY_FAILURE:
		return true;
	default:
		return false;
	}
}

/* Configured selectors with "dynamic" as the endpoint's address. */
static int resolve(const struct ike_ts_cfg *cfg, unsigned int n, const struct ike_endpoint *ep,
		   struct ike_ts *out)
{
	struct dp_addr a;

	ike_ep_to_dp(ep, &a);
	if (!n) {
		ike_ts_from_addr(&a, out);
		return 1;
	}
	return ike_ts_resolve(cfg, n, &a, out, IKE_TS_MAX);
}

/* Do these selectors fit the data plane (XS_MAX_TS prefixes)? */
static bool fits(const struct ike_ts *ts, unsigned int n)
{
	struct xs_selector sel[XS_MAX_TS];
	unsigned int i, used = 0;
	int k;

	for (i = 0; i < n; i++) {
		k = ike_ts_to_selectors(&ts[i], sel, XS_MAX_TS - used);
		if (k < 0)
			return false;
		used += (unsigned int)k;
	}
	return true;
}

int ike_nego_build_sa(struct ike_sa *sa, struct ike_builder *b, const struct ike_cfg_child *cfg,
		      uint32_t spi, bool pfs)
{
	const struct ike_prop_list *l = &cfg->esp_proposals;
	uint8_t s[IKE_ESP_SPI_LEN];

	(void)sa;
	ike_put32(s, spi);
	return ike_conv_build_sa(b, l->v, l->n < IKE_PL_MAX_PROPOSALS ? l->n : IKE_PL_MAX_PROPOSALS,
				 true, s, sizeof(s), !pfs);
}

int ike_nego_build_ts(struct ike_sa *sa, struct ike_builder *b, const struct ike_cfg_child *cfg)
{
	struct ike_ts tsi[IKE_TS_MAX], tsr[IKE_TS_MAX];
	int ni = resolve(cfg->local_ts, cfg->n_local_ts, &sa->local, tsi);
	int nr = resolve(cfg->remote_ts, cfg->n_remote_ts, &sa->remote, tsr);

	if (ni <= 0 || nr <= 0)
		return ike_build_fail(b, -EINVAL);
	ike_conv_build_ts(b, IKE_PL_TSI, tsi, (unsigned int)ni);
	return ike_conv_build_ts(b, IKE_PL_TSR, tsr, (unsigned int)nr);
}

/* SA, TSi and TSr of in, decoded (pl is large: static). */
static int decode(const struct ike_in *in, struct ike_proposal *props, unsigned int *n_props,
		  bool one, struct ike_ts *tsi, unsigned int *n_tsi, struct ike_ts *tsr,
		  unsigned int *n_tsr)
{
	static struct ike_pl_sa pl;
	struct ike_pl_ts ts;
	int i_sa = ike_in_find(in, IKE_PL_SA), i_i = ike_in_find(in, IKE_PL_TSI);
	int i_r = ike_in_find(in, IKE_PL_TSR);
	unsigned int i;

	if (i_sa < 0 || i_i < 0 || i_r < 0 ||
	    ike_pl_sa_decode(in->chain.pl[i_sa].body, in->chain.pl[i_sa].len, &pl))
		return -EINVAL;
	if (one && (pl.n_prop != 1 || pl.n_skipped))
		return -EINVAL;
	*n_props = ike_conv_proposals(&pl, props, one ? 1 : IKE_PL_MAX_PROPOSALS);
	for (i = 0; i < *n_props; i++)	/* ESP SPIs have 4 octets: others are unusable */
		if (props[i].protocol == IKE_PROTO_ESP && props[i].spi_size != IKE_ESP_SPI_LEN)
			props[i].protocol = 0;
	if (ike_pl_ts_decode(in->chain.pl[i_i].body, in->chain.pl[i_i].len, &ts) || !ts.n ||
	    (one && ts.n_skipped))
		return -EINVAL;
	*n_tsi = ike_conv_ts(&ts, tsi, IKE_TS_MAX);
	if (ike_pl_ts_decode(in->chain.pl[i_r].body, in->chain.pl[i_r].len, &ts) || !ts.n ||
	    (one && ts.n_skipped))
		return -EINVAL;
	*n_tsr = ike_conv_ts(&ts, tsr, IKE_TS_MAX);
	return 0;
}

/* Narrows the peer's selectors with cfg's; true if both sides keep some that fit. */
static bool narrow(struct ike_sa *sa, const struct ike_cfg_child *cfg, const struct ike_ts *tsi,
		   unsigned int n_tsi, const struct ike_ts *tsr, unsigned int n_tsr,
		   struct ike_nego *out)
{
	struct ike_ts ours_i[IKE_TS_MAX], ours_r[IKE_TS_MAX];
	int ni = resolve(cfg->remote_ts, cfg->n_remote_ts, &sa->remote, ours_i);
	int nr = resolve(cfg->local_ts, cfg->n_local_ts, &sa->local, ours_r);

	if (ni <= 0 || nr <= 0)
		return false;
	ni = ike_ts_narrow(ours_i, (unsigned int)ni, tsi, n_tsi, out->tsi, IKE_TS_MAX);
	nr = ike_ts_narrow(ours_r, (unsigned int)nr, tsr, n_tsr, out->tsr, IKE_TS_MAX);
	if (ni <= 0 || nr <= 0)
		return false;
	out->n_tsi = (unsigned int)ni;
	out->n_tsr = (unsigned int)nr;
	return fits(out->tsi, out->n_tsi) && fits(out->tsr, out->n_tsr);
}

uint16_t ike_nego_select(struct ike_sa *sa, const struct ike_in *in, unsigned int flags,
			 struct ike_nego *out)
{
	static struct ike_proposal props[IKE_PL_MAX_PROPOSALS];
	struct ike_ts tsi[IKE_TS_MAX], tsr[IKE_TS_MAX];
	unsigned int n_props, n_tsi, n_tsr, i;
	struct ike_prop_chosen c;
	struct ike_transform dh;

	memset(out, 0, sizeof(*out));
	if (decode(in, props, &n_props, false, tsi, &n_tsi, tsr, &n_tsr))
		return IKE_N_INVALID_SYNTAX;
	for (i = 0; i < sa->conn->n_children && !out->cfg; i++)
		if (narrow(sa, &sa->conn->children[i], tsi, n_tsi, tsr, n_tsr, out))
			out->cfg = &sa->conn->children[i];
	if (!out->cfg)
		return IKE_N_TS_UNACCEPTABLE;
	if (ike_prop_select(&out->cfg->esp_proposals, props, n_props, flags, &c))
		return IKE_N_NO_PROPOSAL_CHOSEN;
	out->esp = c.prop;
	out->peer_spi = ike_get32(c.prop.spi);
	if (!(flags & IKE_PROP_SKIP_DH) && ike_prop_get(&c.prop, IKE_TRANS_DH, &dh))
		out->dh_group = dh.id;
	return 0;
}

int ike_nego_build_reply_sa(struct ike_builder *b, const struct ike_nego *n, uint32_t spi)
{
	uint8_t s[IKE_ESP_SPI_LEN];

	ike_put32(s, spi);
	return ike_conv_build_sa(b, &n->esp, 1, false, s, sizeof(s), false);
}

int ike_nego_build_reply_ts(struct ike_builder *b, const struct ike_nego *n)
{
	ike_conv_build_ts(b, IKE_PL_TSI, n->tsi, n->n_tsi);
	return ike_conv_build_ts(b, IKE_PL_TSR, n->tsr, n->n_tsr);
}

int ike_nego_verify(struct ike_sa *sa, const struct ike_in *in, const struct ike_cfg_child *cfg,
		    unsigned int flags, struct ike_nego *out)
{
	struct ike_ts offer_i[IKE_TS_MAX], offer_r[IKE_TS_MAX];
	struct ike_proposal reply;
	struct ike_prop_chosen c;
	struct ike_transform dh;
	unsigned int n;
	int ni, nr;

	memset(out, 0, sizeof(*out));
	out->cfg = cfg;
	if (decode(in, &reply, &n, true, out->tsi, &out->n_tsi, out->tsr, &out->n_tsr) ||
	    n != 1 || reply.protocol != IKE_PROTO_ESP ||
	    ike_prop_verify_reply(&cfg->esp_proposals, &reply, flags, &c))
		return -EINVAL;
	ni = resolve(cfg->local_ts, cfg->n_local_ts, &sa->local, offer_i);
	nr = resolve(cfg->remote_ts, cfg->n_remote_ts, &sa->remote, offer_r);
	if (ni <= 0 || nr <= 0 ||
	    !ike_ts_all_within(out->tsi, out->n_tsi, offer_i, (unsigned int)ni) ||
	    !ike_ts_all_within(out->tsr, out->n_tsr, offer_r, (unsigned int)nr) ||
	    !fits(out->tsi, out->n_tsi) || !fits(out->tsr, out->n_tsr))
		return -EINVAL;
	out->esp = c.prop;
	out->peer_spi = ike_get32(reply.spi);
	if (!(flags & IKE_PROP_SKIP_DH) && ike_prop_get(&c.prop, IKE_TRANS_DH, &dh))
		out->dh_group = dh.id;
	return 0;
}
