// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Public key authentication for IKE_AUTH (RFC 7296 2.15, 3.6 - 3.8;
 * RFC 7427), on top of ike_cert.h and ike_sig.h:
 *
 *   ours    [CERT (our certificate) [CERT (intermediate CA)]...] AUTH
 *           (method 14, a signature with the hash the key wants among
 *           those the peer announced); the intermediates are the CAs we
 *           loaded (remote.cacerts, authorities, x509ca/) that our
 *           certificate's chain runs through below its root
 *   peer's  CERT: end entity first, then intermediates; its chain must
 *           reach one of the connection's CAs (or be one of remote.certs),
 *           its subjectAltName or subject must name the peer's ID, and
 *           AUTH must verify with its key over the peer's signed octets.
 *
 * CERT is sent as strongSwan does by default (send_cert = ifasked): when
 * the peer sent a CERTREQ, or always / never as configured.  CERTREQ names
 * the SHA-1 of each CA's key.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike_creds.h"
#include "ike_sig.h"
#include "ike_xchg.h"
#include "log.h"

static const struct ike_creds_conn *creds(const struct ike_sa *sa,
					  const struct ike_cfg_conn *conn)
{
	return ike_creds_for(sa->e->creds, conn);
}

void ike_pk_note(struct ike_sa *sa, const struct ike_in *in)
{
	struct ike_pl_notify n;

	if (ike_in_find(in, IKE_PL_CERTREQ) >= 0)
		sa->peer_certreq = true;
	if (ike_in_notify(in, IKE_N_SIGNATURE_HASH_ALGORITHMS, &n) &&
	    ike_notify_hash_algs(&n, sa->peer_hash_algs, sizeof(sa->peer_hash_algs) /
				 sizeof(sa->peer_hash_algs[0]), &sa->n_peer_hash_algs))
		sa->n_peer_hash_algs = 0;
}

int ike_pk_our_id(struct ike_sa *sa, const struct ike_cfg_conn *conn)
{
	const struct ike_creds_conn *cc = creds(sa, conn);
	uint8_t buf[1024], type;
	size_t len;

	if (!cc || !cc->cert || ike_cert_subject_id(cc->cert, &type, buf, sizeof(buf), &len))
		return ike_conv_our_id(sa, conn);
	return ike_sa_set_id(sa, false, type, buf, len);
}

static int build_one_cert(struct ike_builder *b, const X509 *cert)
{
	uint8_t *der;
	size_t len;
	int ret;

	der = ike_cert_der(cert, &len);
	if (!der)
		return ike_build_fail(b, -EIO);
	ret = ike_build_cert(b, &(struct ike_pl_cert){ .encoding = IKE_CERT_X509_SIG, .data = der,
						       .len = len });
	OPENSSL_free(der);
	return ret;
}

/* Our certificate, then the intermediate CAs we know of its chain (RFC 7296 3.6). */
int ike_pk_build_cert(struct ike_sa *sa, struct ike_builder *b)
{
	const struct ike_creds_conn *cc = creds(sa, sa->conn);
	enum ike_cfg_send_cert when = sa->conn->send_cert;
	unsigned int i;
	int ret;

	if (!cc || !cc->cert || when == IKE_CFG_SEND_CERT_NEVER ||
	    (when == IKE_CFG_SEND_CERT_IFASKED && !sa->peer_certreq))
		return 0;
	ret = build_one_cert(b, cc->cert);
	for (i = 0; !ret && i < cc->n_inter; i++)
		ret = build_one_cert(b, cc->inter[i]);
	return ret;
}

int ike_pk_build_certreq(struct ike_sa *sa, const struct ike_cfg_conn *conn,
			 struct ike_builder *b)
{
	const struct ike_creds_conn *cc = creds(sa, conn);

	if (!cc || !cc->certreq_len)
		return 0;
	return ike_build_certreq(b, &(struct ike_pl_cert){ .encoding = IKE_CERT_X509_SIG,
							   .data = cc->certreq,
							   .len = cc->certreq_len });
}

int ike_pk_build_auth(struct ike_sa *sa, struct ike_builder *b, const uint8_t *id_body,
		      size_t id_len)
{
	const struct ike_creds_conn *cc = creds(sa, sa->conn);
	uint8_t sig[IKE_SIG_AUTH_MAX], *octets = NULL;
	size_t sig_len = sizeof(sig), len = 0;
	int hash, ret;

	if (!cc || !cc->key) {
		xs_warn("connection '%s': no private key to sign with", sa->conn->name);
		return ike_build_fail(b, -ENOKEY);
	}
	hash = ike_sig_choose_hash(cc->key, sa->peer_hash_algs, sa->n_peer_hash_algs);
	if (hash < 0) {
		xs_warn("connection '%s': the peer announced no usable signature hash",
			sa->conn->name);
		return ike_build_fail(b, hash);
	}
	ret = ike_authn_octets(sa, true, id_body, id_len, &octets, &len);
	if (!ret)
		ret = ike_sig_sign(cc->key, (uint16_t)hash, octets, len, sig, &sig_len);
	if (octets)
		OPENSSL_clear_free(octets, len);
	if (ret)
		return ike_build_fail(b, ret);
	return ike_build_auth(b, &(struct ike_pl_auth){ .method = IKE_AUTH_DIGITAL_SIGNATURE,
							.data = sig, .len = sig_len });
}

/* The peer's CERT payloads: end entity, then up to IKE_CERT_MAX_CHAIN others. */
static X509 *peer_certs(const struct ike_sa *sa, const struct ike_in *in, X509 **inter,
			size_t *n_inter)
{
	struct ike_pl_cert cert;
	X509 *ee = NULL, *x;
	unsigned int i;

	*n_inter = 0;
	for (i = 0; i < in->chain.n; i++) {
		const struct ike_payload *p = &in->chain.pl[i];

		if (p->type != IKE_PL_CERT || ike_pl_cert_decode(p->body, p->len, &cert) ||
		    cert.encoding != IKE_CERT_X509_SIG)
			continue;
		x = ike_creds_peer_cert(sa->e->creds, cert.data, cert.len);
		if (!x)
			continue;
		if (!ee)
			ee = x;
		else if (*n_inter < IKE_CERT_MAX_CHAIN)
			inter[(*n_inter)++] = x;
		else
			X509_free(x);
	}
	return ee;
}

/* Pinned (remote.certs), or chained to a trusted CA. */
static int trusted(const struct ike_creds_conn *cc, X509 *ee, X509 **inter, size_t n,
		   char *err, size_t errlen)
{
	unsigned int i;

	if (cc->n_pinned) {
		for (i = 0; i < cc->n_pinned; i++)
			if (!X509_cmp(cc->pinned[i], ee))
				return 0;
		snprintf(err, errlen, "certificate is not one of remote.certs");
		return -EKEYREJECTED;
	}
	if (!cc->trust) {
		snprintf(err, errlen, "no CA to verify against");
		return -EKEYREJECTED;
	}
	return ike_cert_verify_chain(cc->trust, ee, inter, n, 0, err, errlen);
}

static int verify_with(struct ike_sa *sa, X509 *ee, const struct ike_pl_auth *auth,
		       const uint8_t *id_body, size_t id_len, char *err, size_t errlen)
{
	uint8_t *octets = NULL;
	size_t len = 0;
	int ret;

	if (!ike_cert_matches_id(ee, sa->peer_id_type, sa->peer_id, sa->peer_id_len)) {
		snprintf(err, errlen, "its identity is not in its certificate");
		return -EKEYREJECTED;
	}
	ret = ike_authn_octets(sa, false, id_body, id_len, &octets, &len);
	if (!ret)
		ret = ike_sig_verify(X509_get0_pubkey(ee), auth->method, auth->data, auth->len,
				     octets, len, err, errlen);
	free(octets);
	return ret;
}

int ike_pk_verify(struct ike_sa *sa, const struct ike_cfg_conn *conn, const struct ike_in *in,
		  const struct ike_pl_auth *auth, const uint8_t *id_body, size_t id_len, char *why,
		  size_t whylen)
{
	const struct ike_creds_conn *cc = creds(sa, conn);
	X509 *inter[IKE_CERT_MAX_CHAIN], *ee;
	size_t n = 0, i;
	int ret;

	if (!ike_sig_method_supported(auth->method)) {
		snprintf(why, whylen, "AUTH method %u, a signature expected", auth->method);
		return -EPROTO;
	}
	ee = peer_certs(sa, in, inter, &n);
	if (!ee && cc && cc->n_pinned == 1)
		ee = X509_dup(cc->pinned[0]);	/* a peer that sends none: the pinned one */
	if (!cc || !ee) {
		ret = -ENOKEY;
		snprintf(why, whylen, "no certificate");
	} else {
		ret = trusted(cc, ee, inter, n, why, whylen);
		if (!ret)
			ret = verify_with(sa, ee, auth, id_body, id_len, why, whylen);
	}
	X509_free(ee);
	for (i = 0; i < n; i++)
		X509_free(inter[i]);
	return ret;
}
