// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * IKE_SA_INIT, initiator side, and the key derivation both sides share
 * (RFC 7296 1.2, 2.6, 2.7, 2.14, 2.23):
 *
 *   HDR, [N(COOKIE),] SA, KEi, Ni, N(NATD_S), N(NATD_D), N(HASH_ALG)  -->
 *                          <--  HDR, SA, KEr, Nr, N(NATD_S), N(NATD_D), [CERTREQ], N(HASH_ALG)
 *
 * A response with N(COOKIE) makes us send the request again with the
 * cookie first; one with N(INVALID_KE_PAYLOAD) again with the group asked
 * for, if one of our proposals has it.  Both keep message ID 0, and the
 * message AUTH later signs is the last one sent.  Any other error notify
 * ends the attempt.  On success: SK_* derived, NAT detection, the move to
 * port 4500, and IKE_AUTH.  The responder lives in ike_x_init_r.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike_xchg.h"
#include "log.h"
#include "selector.h"

static const uint16_t hash_algs[] = {
	IKE_HASH_SHA2_256, IKE_HASH_SHA2_384, IKE_HASH_SHA2_512, IKE_HASH_IDENTITY,
};

int ike_init_save(uint8_t **dst, size_t *dst_len, const uint8_t *msg, size_t len)
{
	uint8_t *copy = malloc(len);

	if (!copy)
		return -ENOMEM;
	memcpy(copy, msg, len);
	free(*dst);
	*dst = copy;
	*dst_len = len;
	return 0;
}

/*
 * g^ir, then SKEYSEED and SK_* (RFC 7296 2.14) and the SK contexts of both
 * directions.  The DH private value and g^ir are gone afterwards.
 */
int ike_init_keys(struct ike_sa *sa, const struct ike_pl_ke *ke)
{
	uint8_t gir[IKE_DH_MAX_SHARED_LEN];
	size_t gir_len = sizeof(gir);
	struct ike_kdf_input in;
	int ret;

	ret = ike_dh_shared(sa->dh, ke->data, ke->len, gir, &gir_len);
	if (ret)
		return ret;
	in = (struct ike_kdf_input){
		.ni = sa->ni, .ni_len = sa->ni_len, .nr = sa->nr, .nr_len = sa->nr_len,
		.gir = gir, .gir_len = gir_len, .spi_i = sa->spi_i, .spi_r = sa->spi_r,
	};
	ret = ike_derive_sa_keys(&sa->suite, &in, &sa->keys);
	OPENSSL_cleanse(gir, sizeof(gir));
	if (!ret)
		ret = ike_sk_init_dir(&sa->sk_out, &sa->suite, &sa->keys, sa->initiator);
	if (!ret)
		ret = ike_sk_init_dir(&sa->sk_in, &sa->suite, &sa->keys, !sa->initiator);
	ike_dh_free(sa->dh);
	sa->dh = NULL;
	sa->have_keys = !ret;
	ike_prop_format(&sa->prop, IKE_PROP_NAMES, sa->prop_str, sizeof(sa->prop_str));
	return ret;
}

/* ---- initiator ---- */

static const struct ike_cfg_addr *first_host(const struct ike_cfg_addr *v, unsigned int n,
					     uint8_t family)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (v[i].kind == IKE_CFG_ADDR_HOST && (!family || v[i].family == family))
			return &v[i];
	return NULL;
}

/* Where we send from and to: the configured addresses, else one the daemon has. */
static int endpoints(struct ike_engine *e, const struct ike_cfg_conn *conn,
		     struct ike_endpoint *local, struct ike_endpoint *remote)
{
	const struct ike_cfg_addr *r = first_host(conn->remote_addrs, conn->n_remote_addrs, 0);
	const struct ike_cfg_addr *l;
	struct ike_endpoint have[IKE_CFG_MAX_ADDRS];
	int i, n;

	if (!r)
		return -EDESTADDRREQ;
	memset(remote, 0, sizeof(*remote));
	remote->family = r->family;
	memcpy(remote->addr, r->lo, sizeof(remote->addr));
	remote->port = conn->remote_port;
	memset(local, 0, sizeof(*local));
	local->family = r->family;
	local->port = conn->local_port != IKE_CFG_DEFAULT_PORT ? conn->local_port :
								  e->params.port;
	l = first_host(conn->local_addrs, conn->n_local_addrs, r->family);
	if (l) {
		memcpy(local->addr, l->lo, sizeof(local->addr));
		return 0;
	}
	n = e->ops.local_addrs ? e->ops.local_addrs(e->ctx, have, IKE_CFG_MAX_ADDRS) : 0;
	for (i = 0; i < n; i++) {
		struct dp_addr a;

		ike_ep_to_dp(&have[i], &a);
		if (have[i].family == r->family &&
		    ike_cfg_addr_match(conn->local_addrs, conn->n_local_addrs, &a)) {
			memcpy(local->addr, have[i].addr, sizeof(local->addr));
			return 0;
		}
	}
	return 0;	/* unspecified: the transport picks, NAT detection will say NAT */
}

static int init_send(struct ike_sa *sa)
{
	const struct ike_prop_list *l = &sa->conn->proposals;
	uint8_t pub[IKE_DH_MAX_PUBLIC_LEN];
	size_t pub_len = sizeof(pub);
	struct ike_builder b;
	int ret;

	if (!sa->dh || ike_dh_group(sa->dh) != sa->dh_group) {
		ike_dh_free(sa->dh);
		sa->dh = ike_dh_new(sa->dh_group);
		if (!sa->dh)
			return -ENOTSUP;
	}
	ret = ike_dh_public(sa->dh, pub, &pub_len);
	if (ret)
		return ret;
	sa->next_req_id = 0;
	ike_msg_begin(sa, &b, IKE_SA_INIT, NULL);
	if (sa->cookie_len)
		ike_build_notify_simple(&b, IKE_N_COOKIE, sa->cookie, sa->cookie_len);
	ike_conv_build_sa(&b, l->v, l->n < IKE_PL_MAX_PROPOSALS ? l->n : IKE_PL_MAX_PROPOSALS,
			  true, NULL, 0, false);
	ike_build_ke(&b, &(struct ike_pl_ke){ .group = sa->dh_group, .data = pub,
					      .len = pub_len });
	ike_build_nonce(&b, sa->ni, sa->ni_len);
	ike_natd_build(sa, &b);
	ike_build_notify_hash_algs(&b, hash_algs, sizeof(hash_algs) / sizeof(hash_algs[0]));
	ike_frag_build_notify(sa, &b);
	ike_redirect_build_init(sa, &b);
	ret = ike_request_send(sa, &b, IKE_REQ_INIT, NULL);
	if (!ret)
		ret = ike_init_save(&sa->init_ours, &sa->init_ours_len, sa->req.buf, sa->req.len);
	return ret;
}

int ike_init_start(struct ike_engine *e, const struct ike_cfg_conn *conn,
		   const struct ike_cfg_child *child)
{
	struct ike_sa *sa;

	return ike_init_start_to(e, conn, child, NULL, NULL, &sa);
}

int ike_init_start_to(struct ike_engine *e, const struct ike_cfg_conn *conn,
		      const struct ike_cfg_child *child, const struct ike_endpoint *to,
		      const struct ike_endpoint *redirected_from, struct ike_sa **out)
{
	char name[IKE_SA_NAME_MAX + 16], peer[ADDR_PORT_STR_MAX];
	struct ike_endpoint local, remote;
	struct ike_sa *sa;
	uint16_t group = ike_prop_first_dh(&conn->proposals);
	int ret;

	ret = endpoints(e, conn, &local, &remote);
	if (to) {	/* redirect, reauthentication: the configured peer may be a range */
		if (ret || local.family != to->family)
			local = (struct ike_endpoint){ .family = to->family, .port = e->params.port };
		remote = *to;
		ret = 0;
	}
	if (ret) {
		xs_warn("connection '%s': remote_addrs has no single address to initiate to",
			conn->name);
		return ret;
	}
	if (!ike_dh_supported(group))
		return -ENOTSUP;
	sa = ike_sa_new(e, conn, true, &local, &remote);
	if (!sa)
		return -ENOMEM;
	sa->auth_child_cfg = child;
	sa->dh_group = group;
	if (redirected_from)
		sa->redirected_from = *redirected_from;
	sa->ni_len = IKE_NONCE_LEN;
	ret = ike_random(sa->ni, sa->ni_len);
	if (!ret)
		ret = init_send(sa);
	if (ret) {
		ike_sa_kill(sa, "deleted: cannot send IKE_SA_INIT");
		return ret;
	}
	xs_info("initiating IKE_SA %s to %s", ike_sa_name(sa, name, sizeof(name)),
		ike_ep_format(&remote, peer, sizeof(peer)));
	*out = sa;
	return 0;
}

static void init_failed(struct ike_sa *sa, const char *why)
{
	sa->e->stats.handshakes_failed++;
	ike_sa_kill(sa, why);
}

/* RFC 7296 2.6: again, with the cookie first. */
static void retry_cookie(struct ike_sa *sa, const struct ike_pl_notify *n)
{
	if (n->len < IKE_COOKIE_MIN || n->len > IKE_COOKIE_MAX ||
	    ++sa->cookie_rounds > IKE_MAX_COOKIE_ROUNDS) {
		init_failed(sa, "deleted: too many COOKIE rounds");
		return;
	}
	memcpy(sa->cookie, n->data, n->len);
	sa->cookie_len = n->len;
	if (init_send(sa))
		init_failed(sa, "deleted: cannot resend IKE_SA_INIT");
}

/* RFC 7296 1.2: again, with the group the responder wants, if we have it. */
static void retry_ke(struct ike_sa *sa, const struct ike_pl_notify *n)
{
	uint16_t group = ike_get16(n->data);

	if (!ike_prop_list_has(&sa->conn->proposals, IKE_TRANS_DH, group) ||
	    !ike_dh_supported(group) || group == sa->dh_group ||
	    ++sa->ke_retries > IKE_MAX_KE_RETRIES) {
		char why[96];

		snprintf(why, sizeof(why), "deleted: peer wants DH group %u, which we do not offer",
			 group);
		init_failed(sa, why);
		return;
	}
	xs_info("peer wants DH group %u instead of %u, retrying", group, sa->dh_group);
	sa->dh_group = group;
	if (init_send(sa))
		init_failed(sa, "deleted: cannot resend IKE_SA_INIT");
}

/* Sent from an unspecified address: the one the answer came to is ours. */
static void adopt_local(struct ike_sa *sa, const struct ike_in *in)
{
	static const uint8_t any[16];

	if (!memcmp(sa->local.addr, any, sizeof(any)) && memcmp(in->local.addr, any, sizeof(any)) &&
	    in->local.family == sa->local.family)
		memcpy(sa->local.addr, in->local.addr, sizeof(sa->local.addr));
}

void ike_init_response(struct ike_sa *sa, const struct ike_in *in)
{
	static const uint8_t zero[IKE_SPI_LEN];
	struct ike_pl_notify n;
	struct ike_pl_ke ke;
	uint16_t err;

	if (ike_redirect_init_response(sa, in))
		return;
	if (ike_in_notify(in, IKE_N_COOKIE, &n)) {
		retry_cookie(sa, &n);
		return;
	}
	if (ike_in_notify(in, IKE_N_INVALID_KE_PAYLOAD, &n)) {
		retry_ke(sa, &n);
		return;
	}
	err = ike_in_error(in);
	if (err) {
		char why[96];

		snprintf(why, sizeof(why), "deleted: received %s", ike_notify_name(err));
		init_failed(sa, why);
		return;
	}
	if (!memcmp(in->hdr->spi_r, zero, IKE_SPI_LEN) ||
	    ike_read_ike_sa_reply(sa->conn, sa, in, false, &ke)) {
		sa->e->stats.invalid_messages++;
		init_failed(sa, "deleted: invalid IKE_SA_INIT response");
		return;
	}
	memcpy(sa->spi_r, in->hdr->spi_r, IKE_SPI_LEN);
	adopt_local(sa, in);
	if (ike_init_keys(sa, &ke) ||
	    ike_init_save(&sa->init_peer, &sa->init_peer_len, in->raw, in->raw_len)) {
		init_failed(sa, "deleted: key derivation failed");
		return;
	}
	if (ike_natd_check(sa, in))
		ike_natd_float(sa);
	ike_pk_note(sa, in);
	ike_frag_note(sa, in);
	sa->state = IKE_SA_AUTHENTICATING;
	if (ike_auth_start(sa))
		init_failed(sa, "deleted: cannot send IKE_AUTH");
}
