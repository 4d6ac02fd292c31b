/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Credentials of the pubkey connections (private to the IKE engine): our
 * certificate and its private key, the trust anchors a peer's chain must
 * reach, certificates pinned with remote.certs, our CERTREQ data.  Built
 * by ike_creds_load() from a configuration; see ike_creds.c.
 */
#ifndef XDPSEC_IKE_CREDS_H
#define XDPSEC_IKE_CREDS_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ike_cert.h"
#include "ike_config.h"

struct ike_creds_conn {
	const struct ike_cfg_conn *conn;
	X509 *cert;			/* local.certs[0] */
	X509 *inter[IKE_CERT_MAX_CHAIN];	/* CAs of ours its chain runs through, sent along */
	unsigned int n_inter;
	EVP_PKEY *key;			/* its private key */
	struct ike_trust *trust;	/* remote: CAs */
	X509 *pinned[IKE_CFG_MAX_FILES];	/* remote.certs: only these */
	unsigned int n_pinned;
	uint8_t *certreq;		/* hashes of the CAs, for CERTREQ */
	size_t certreq_len;
};

struct ike_creds;

/* A peer's CERT payload (DER) parsed, through the credentials' cache. */
X509 *ike_creds_peer_cert(const struct ike_creds *c, const uint8_t *der, size_t len);

#endif /* XDPSEC_IKE_CREDS_H */
