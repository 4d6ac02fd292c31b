// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * CREATE_CHILD_SA for an additional Child SA, both roles (RFC 7296 1.3.1):
 *
 *   HDR, SK { SA, Ni, [KEi,] TSi, TSr }  -->
 *                          <--  HDR, SK { SA, Nr, [KEr,] TSi, TSr }
 *
 * KE only with PFS (a DH group in esp_proposals); KEYMAT then covers the
 * new g^ir (RFC 7296 2.17).  A KE of another group than the one we pick
 * is answered INVALID_KE_PAYLOAD, which our initiator follows once.
 *
 * Rekeying rides on the same exchange: a request with N(REKEY_SA) makes
 * a successor of the Child SA it names (its retirement and collisions are
 * ike_x_rekey.c's), one with an SA payload for protocol IKE rekeys the IKE
 * SA (ike_x_rekey.c entirely).
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike_xchg.h"
#include "log.h"

static int start(struct ike_sa *sa, const struct ike_cfg_child *cfg, uint16_t group)
{
	uint8_t pub[IKE_DH_MAX_PUBLIC_LEN];
	size_t pub_len = sizeof(pub);
	struct ike_builder b;
	struct ike_child *c;
	int ret;

	c = ike_child_offer(sa, cfg, group, pub, &pub_len);
	if (!c)
		return -ENOMEM;
	ike_msg_begin(sa, &b, IKE_CREATE_CHILD_SA, NULL);
	ike_nego_build_sa(sa, &b, cfg, c->spi_in, true);
	ike_build_nonce(&b, c->nonce, sizeof(c->nonce));
	if (c->dh)
		ike_build_ke(&b, &(struct ike_pl_ke){ .group = group, .data = pub,
						      .len = pub_len });
	ike_nego_build_ts(sa, &b, cfg);
	ret = ike_request_send(sa, &b, IKE_REQ_CHILD, c);
	if (ret)
		ike_child_remove(sa, c);
	return ret;
}

int ike_xchild_start(struct ike_sa *sa, const struct ike_cfg_child *cfg)
{
	if (!cfg)
		return -ENOENT;
	return start(sa, cfg, ike_prop_first_dh(&cfg->esp_proposals));
}

/* The nonce of in; NULL if missing or malformed. */
static const uint8_t *nonce_of(const struct ike_in *in, size_t *len)
{
	int i = ike_in_find(in, IKE_PL_NONCE);

	if (i < 0 || ike_pl_nonce_check(in->chain.pl[i].len))
		return NULL;
	*len = in->chain.pl[i].len;
	return in->chain.pl[i].body;
}

/* g^ir from in's KE of group with dh; 0 if no PFS. */
static int pfs_secret(const struct ike_in *in, const struct ike_dh *dh, uint16_t group,
		      uint8_t *gir, size_t *gir_len)
{
	struct ike_pl_ke ke;
	int i;

	if (!group) {
		*gir_len = 0;
		return 0;
	}
	i = ike_in_find(in, IKE_PL_KE);
	if (i < 0 || ike_pl_ke_decode(in->chain.pl[i].body, in->chain.pl[i].len, &ke) ||
	    ke.group != group)
		return -EINVAL;
	return ike_dh_shared(dh, ke.data, ke.len, gir, gir_len);
}

/* ---- initiator ---- */

static void retry_group(struct ike_sa *sa, const struct ike_in *in, struct ike_child *c)
{
	const struct ike_cfg_child *cfg = c->cfg;
	struct ike_pl_notify n;
	uint16_t group;

	unsigned int old = c->replaces;

	ike_in_notify(in, IKE_N_INVALID_KE_PAYLOAD, &n);
	group = ike_get16(n.data);
	ike_child_remove(sa, c);
	if (old) {
		if (cfg && ike_prop_list_has(&cfg->esp_proposals, IKE_TRANS_DH, group) &&
		    ike_dh_supported(group) && group != ike_prop_first_dh(&cfg->esp_proposals))
			ike_rekey_child_retry_group(sa, old, group);
		return;
	}
	if (cfg && ike_prop_list_has(&cfg->esp_proposals, IKE_TRANS_DH, group) &&
	    ike_dh_supported(group) && group != ike_prop_first_dh(&cfg->esp_proposals))
		start(sa, cfg, group);
}

void ike_xchild_response(struct ike_sa *sa, const struct ike_in *in, struct ike_child *c)
{
	uint8_t gir[IKE_DH_MAX_SHARED_LEN];
	size_t gir_len = sizeof(gir), nr_len = 0;
	uint16_t err = ike_in_error(in);
	struct ike_kdf_input kdf;
	const uint8_t *nr;
	struct ike_nego n;

	if (!c)
		return;		/* gone meanwhile (deleted) */
	if (err == IKE_N_INVALID_KE_PAYLOAD && c->dh) {
		retry_group(sa, in, c);
		return;
	}
	if (c->replaces && (err || !c->cfg)) {
		ike_rekey_child_failed(sa, c, err ? err : IKE_N_NO_PROPOSAL_CHOSEN);
		return;
	}
	if (err || !c->cfg) {
		xs_info("CHILD_SA %s{%u} not established: received %s", c->name, c->uid,
			err ? ike_notify_name(err) : "no configuration");
		ike_child_remove(sa, c);
		return;
	}
	nr = nonce_of(in, &nr_len);
	if (!nr || ike_nego_verify(sa, in, c->cfg, 0, &n) ||
	    n.dh_group != (c->dh ? ike_dh_group(c->dh) : 0) ||
	    pfs_secret(in, c->dh, n.dh_group, gir, &gir_len)) {
		if (c->replaces)
			ike_rekey_child_failed(sa, c, 0);
		else
			ike_child_reject(sa, c, "unacceptable response");
		return;
	}
	memcpy(c->peer_nonce, nr, nr_len);
	c->peer_nonce_len = nr_len;
	kdf = (struct ike_kdf_input){ .ni = c->nonce, .ni_len = sizeof(c->nonce), .nr = nr,
				      .nr_len = nr_len, .gir = gir_len ? gir : NULL,
				      .gir_len = gir_len };
	if (ike_child_install(sa, c, &n, &kdf, true))
		ike_child_reject(sa, c, "unacceptable response");
	else if (c->replaces)
		ike_rekey_child_done(sa, c);
	OPENSSL_cleanse(gir, sizeof(gir));
}

/* ---- responder ---- */

/* A request we cannot take (*old: the Child SA a rekey names)? */
static uint16_t refuse(struct ike_sa *sa, const struct ike_in *in, struct ike_child **old)
{
	struct ike_pl_notify n;

	if (sa->state != IKE_SA_ESTABLISHED || sa->rekeyed)
		return IKE_N_TEMPORARY_FAILURE;
	if (ike_in_find(in, IKE_PL_SA) < 0)
		return IKE_N_INVALID_SYNTAX;
	if (sa->rekey_new)
		return IKE_N_TEMPORARY_FAILURE;	/* RFC 7296 2.25.2: our IKE rekey first */
	if (ike_in_notify(in, IKE_N_REKEY_SA, &n))
		return ike_rekey_child_find(sa, &n, old);
	return 0;
}

static void respond(struct ike_sa *sa, const struct ike_in *in, const struct ike_nego *n,
		    struct ike_child *c, const uint8_t *pub, size_t pub_len)
{
	struct ike_builder b;

	ike_msg_begin(sa, &b, IKE_CREATE_CHILD_SA, in);
	ike_nego_build_reply_sa(&b, n, c->spi_in);
	ike_build_nonce(&b, c->nonce, sizeof(c->nonce));
	if (n->dh_group)
		ike_build_ke(&b, &(struct ike_pl_ke){ .group = n->dh_group, .data = pub,
						      .len = pub_len });
	ike_nego_build_reply_ts(&b, n);
	ike_response_send(sa, &b, in);
}

/* Creates, keys and installs the child; the notify to answer on failure. */
static uint16_t create(struct ike_sa *sa, const struct ike_in *in, const struct ike_nego *n,
		       const uint8_t *ni, size_t ni_len, struct ike_child *old)
{
	uint8_t pub[IKE_DH_MAX_PUBLIC_LEN], gir[IKE_DH_MAX_SHARED_LEN];
	size_t pub_len = sizeof(pub), gir_len = sizeof(gir);
	struct ike_kdf_input kdf;
	struct ike_child *c;
	uint16_t notify = IKE_N_NO_PROPOSAL_CHOSEN;

	c = ike_child_new(sa, n->cfg);
	if (!c)
		return IKE_N_TEMPORARY_FAILURE;
	if (old) {
		c->replaces = old->uid;
		memcpy(c->peer_nonce, ni, ni_len);
		c->peer_nonce_len = ni_len;
	}
	if (ike_child_alloc_spi(sa, &c->spi_in) || ike_random(c->nonce, sizeof(c->nonce)))
		goto fail;
	if (n->dh_group) {
		c->dh = ike_dh_new(n->dh_group);
		if (!c->dh || ike_dh_public(c->dh, pub, &pub_len))
			goto fail;
	}
	notify = IKE_N_INVALID_SYNTAX;
	if (pfs_secret(in, c->dh, n->dh_group, gir, &gir_len))
		goto fail;
	kdf = (struct ike_kdf_input){ .ni = ni, .ni_len = ni_len, .nr = c->nonce,
				      .nr_len = sizeof(c->nonce), .gir = gir_len ? gir : NULL,
				      .gir_len = gir_len };
	notify = IKE_N_NO_PROPOSAL_CHOSEN;
	if (ike_child_install(sa, c, n, &kdf, false))
		goto fail;
	OPENSSL_cleanse(gir, sizeof(gir));
	ike_dh_free(c->dh);
	c->dh = NULL;
	respond(sa, in, n, c, pub, pub_len);
	if (old)
		ike_rekey_child_done(sa, c);
	return 0;
fail:
	OPENSSL_cleanse(gir, sizeof(gir));
	ike_child_remove(sa, c);
	return notify;
}

/* With PFS the KE must be of the group we picked (RFC 7296 1.3.1). */
static bool ke_group_ok(const struct ike_in *in, uint16_t group)
{
	struct ike_pl_ke ke;
	int i = ike_in_find(in, IKE_PL_KE);

	if (!group)
		return true;
	return i >= 0 && !ike_pl_ke_decode(in->chain.pl[i].body, in->chain.pl[i].len, &ke) &&
	       ke.group == group;
}

void ike_xchild_request(struct ike_sa *sa, const struct ike_in *in)
{
	struct ike_child *old = NULL;
	uint16_t notify;
	const uint8_t *ni = NULL;
	struct ike_nego n;
	uint8_t group[2];
	size_t ni_len = 0;

	if (ike_rekey_is_ike(in)) {
		ike_rekey_ike_request(sa, in);
		return;
	}
	notify = refuse(sa, in, &old);
	if (!notify) {
		ni = nonce_of(in, &ni_len);
		notify = ni ? ike_nego_select(sa, in, 0, &n) : IKE_N_INVALID_SYNTAX;
	}
	if (!notify && !ke_group_ok(in, n.dh_group)) {
		ike_put16(group, n.dh_group);
		ike_response_notify(sa, in, IKE_N_INVALID_KE_PAYLOAD, group, sizeof(group));
		return;
	}
	if (!notify)
		notify = create(sa, in, &n, ni, ni_len, old);
	if (notify) {
		xs_info("IKE_SA %s[%u]: CREATE_CHILD_SA answered with %s", sa->conn->name, sa->uid,
			ike_notify_name(notify));
		ike_response_notify(sa, in, notify, NULL, 0);
	}
}
