// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The AUTH payload by method (RFC 7296 2.15): what IKE_AUTH calls to prove
 * our identity and to check the peer's, whatever the connection's auth.
 *
 *   psk     AUTH method 2 over the signed octets, keyed with the secret
 *           ike_cfg_find_psk() gives for our and the peer's identity.
 *   pubkey  CERT / CERTREQ and RFC 7427 signatures: ike_authn_pk.c.
 *
 * The octets: our IKE_SA_INIT message, the peer's nonce, prf(SK_p, ID)
 * (ike_auth.h).  A secret is only read where the configuration keeps it,
 * never copied, never logged.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike_auth.h"
#include "ike_xchg.h"
#include "log.h"

/* The PSK for our identity and the peer's (or the one we expect). */
static const struct ike_cfg_secret *find_psk(const struct ike_sa *sa,
					     const struct ike_cfg_conn *conn)
{
	struct ike_id ours = { .type = sa->our_id_type, .len = sa->our_id_len,
			       .data = sa->our_id };
	struct ike_id peer = { .type = sa->peer_id_type, .len = sa->peer_id_len,
			       .data = sa->peer_id };
	bool have_peer = sa->peer_id != NULL;

	if (!have_peer)
		have_peer = ike_conv_cfg_id(&conn->remote.id, &peer);
	return ike_cfg_find_psk(sa->e->cfg, sa->our_id ? &ours : NULL, have_peer ? &peer : NULL);
}

static void our_octets(const struct ike_sa *sa, const uint8_t **nonce, size_t *nonce_len,
		       const struct ike_key **sk_p)
{
	*nonce = sa->initiator ? sa->nr : sa->ni;
	*nonce_len = sa->initiator ? sa->nr_len : sa->ni_len;
	*sk_p = sa->initiator ? &sa->keys.pi : &sa->keys.pr;
}

static void peer_octets(const struct ike_sa *sa, const uint8_t **nonce, size_t *nonce_len,
			const struct ike_key **sk_p)
{
	*nonce = sa->initiator ? sa->ni : sa->nr;
	*nonce_len = sa->initiator ? sa->ni_len : sa->nr_len;
	*sk_p = sa->initiator ? &sa->keys.pr : &sa->keys.pi;
}

static int psk_build(struct ike_sa *sa, struct ike_builder *b, const uint8_t *id_body,
		     size_t id_len)
{
	const struct ike_cfg_secret *psk = find_psk(sa, sa->conn);
	uint8_t mac[IKE_PRF_MAX_LEN];
	size_t mac_len = sizeof(mac), nonce_len;
	const struct ike_key *sk_p;
	const uint8_t *nonce;
	int ret;

	if (!psk) {
		xs_warn("no shared key found for '%s' - '%s'", sa->our_id_str,
			sa->peer_id ? sa->peer_id_str : sa->conn->remote.id.str);
		return ike_build_fail(b, -ENOKEY);
	}
	our_octets(sa, &nonce, &nonce_len, &sk_p);
	ret = ike_auth_psk_compute(sa->suite.prf, psk->key, psk->len, sa->init_ours,
				   sa->init_ours_len, nonce, nonce_len, sk_p->buf, sk_p->len,
				   id_body, id_len, mac, &mac_len);
	if (!ret)
		ret = ike_build_auth(b, &(struct ike_pl_auth){ .method = IKE_AUTH_PSK,
							       .data = mac, .len = mac_len });
	else
		ike_build_fail(b, ret);
	OPENSSL_cleanse(mac, sizeof(mac));
	return ret;
}

static int psk_verify(struct ike_sa *sa, const struct ike_cfg_conn *conn,
		      const struct ike_pl_auth *auth, const uint8_t *id_body, size_t id_len,
		      char *why, size_t whylen)
{
	const struct ike_cfg_secret *psk;
	const struct ike_key *sk_p;
	const uint8_t *nonce;
	size_t nonce_len;
	int ret;

	if (auth->method != IKE_AUTH_PSK) {
		snprintf(why, whylen, "AUTH method %u, pre-shared key expected", auth->method);
		return -EPROTO;
	}
	psk = find_psk(sa, conn);
	if (!psk) {
		snprintf(why, whylen, "no shared key found");
		return -ENOKEY;
	}
	peer_octets(sa, &nonce, &nonce_len, &sk_p);
	ret = ike_auth_psk_verify(sa->suite.prf, psk->key, psk->len, sa->init_peer,
				  sa->init_peer_len, nonce, nonce_len, sk_p->buf, sk_p->len,
				  id_body, id_len, auth->data, auth->len);
	if (ret)
		snprintf(why, whylen, "pre-shared key AUTH does not verify");
	return ret;
}

int ike_authn_build(struct ike_sa *sa, struct ike_builder *b, const uint8_t *id_body,
		    size_t id_len)
{
	if (sa->conn->local.method == IKE_CFG_AUTH_PSK)
		return psk_build(sa, b, id_body, id_len);
	return ike_pk_build_auth(sa, b, id_body, id_len);
}

int ike_authn_verify(struct ike_sa *sa, const struct ike_cfg_conn *conn, const struct ike_in *in,
		     const uint8_t *id_body, size_t id_len, char *why, size_t whylen)
{
	int i = ike_in_find(in, IKE_PL_AUTH);
	struct ike_pl_auth auth;

	if (i < 0 || ike_pl_auth_decode(in->chain.pl[i].body, in->chain.pl[i].len, &auth)) {
		snprintf(why, whylen, "no valid AUTH payload");
		return -EPROTO;
	}
	if (conn->remote.method == IKE_CFG_AUTH_PSK)
		return psk_verify(sa, conn, &auth, id_body, id_len, why, whylen);
	return ike_pk_verify(sa, conn, in, &auth, id_body, id_len, why, whylen);
}

int ike_authn_build_certs(struct ike_sa *sa, struct ike_builder *b)
{
	if (sa->conn->local.method != IKE_CFG_AUTH_PUBKEY)
		return 0;
	return ike_pk_build_cert(sa, b);
}

int ike_authn_build_certreq(struct ike_sa *sa, const struct ike_cfg_conn *conn,
			    struct ike_builder *b)
{
	if (conn->remote.method != IKE_CFG_AUTH_PUBKEY || !conn->send_certreq)
		return 0;
	return ike_pk_build_certreq(sa, conn, b);
}

int ike_authn_our_id(struct ike_sa *sa, const struct ike_cfg_conn *conn)
{
	struct ike_id id;

	if (conn->local.method == IKE_CFG_AUTH_PUBKEY && !ike_conv_cfg_id(&conn->local.id, &id))
		return ike_pk_our_id(sa, conn);
	return ike_conv_our_id(sa, conn);
}

/* The octets a signature covers, in one buffer the caller frees (and wipes). */
int ike_authn_octets(struct ike_sa *sa, bool ours, const uint8_t *id_body, size_t id_len,
		     uint8_t **out, size_t *out_len)
{
	struct ike_signed_octets so;
	const struct ike_key *sk_p;
	const uint8_t *nonce, *msg;
	size_t nonce_len, msg_len;
	int ret;

	if (ours)
		our_octets(sa, &nonce, &nonce_len, &sk_p);
	else
		peer_octets(sa, &nonce, &nonce_len, &sk_p);
	msg = ours ? sa->init_ours : sa->init_peer;
	msg_len = ours ? sa->init_ours_len : sa->init_peer_len;
	ret = ike_auth_octets_init(&so, sa->suite.prf, msg, msg_len, nonce, nonce_len, sk_p->buf,
				   sk_p->len, id_body, id_len);
	if (ret)
		return ret;
	*out_len = ike_auth_octets_len(&so);
	*out = malloc(*out_len);
	ret = *out ? ike_auth_octets_copy(&so, *out, *out_len) : -ENOMEM;
	ike_auth_octets_wipe(&so);
	return ret;
}
