/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Signature AUTH data (RFC 7296 3.8, RFC 7427): signing the octets of
 * ike_auth.h with our private key, verifying the peer's with the public
 * key of its certificate.
 *
 * Method 14 (Digital Signature, RFC 7427), what strongSwan 5.9 sends when
 * both sides announce SIGNATURE_HASH_ALGORITHMS:
 *
 *	| len (1) | AlgorithmIdentifier (DER, len octets) | signature |
 *
 *   ECDSA    ecdsa-with-SHA256/384/512, no parameters; the signature is a
 *            DER ECDSA-Sig-Value (SEQUENCE { r, s }).
 *   RSA      sha256/384/512WithRSAEncryption, NULL parameters, PKCS#1 v1.5
 *            (strongSwan's default, rsa_pss = no); RSASSA-PSS is verified
 *            (SHA-2 hash and MGF1, explicit salt length) but not produced.
 *   EdDSA    Ed25519 / Ed448 (RFC 8420), no parameters, hash "Identity"
 *            (5): the raw signature over the octets themselves.
 *
 * Legacy methods 9, 10, 11 (ECDSA with P-256/SHA-256, P-384/SHA-384,
 * P-521/SHA-512, RFC 4754: r | s, each the curve's size) are verified, not
 * produced.  Method 1 (RSA, SHA-1 in practice) is refused: strongSwan uses
 * 14 whenever the peer announces hash algorithms, which we always do.
 * SHA-1 and MD5 AlgorithmIdentifiers are refused as weak.
 *
 * Errors are negative errno values: -EINVAL bad arguments (or a hash that
 * does not fit the key), -ENOSPC short output, -ENOTSUP an algorithm or
 * method not implemented, -EPROTO malformed AUTH data, -EKEYREJECTED a
 * weak algorithm, or one that does not fit the peer's key, -EBADMSG a
 * signature that does not verify, -EIO OpenSSL failed.  Verification
 * writes the reason to err.
 */
#ifndef XDPSEC_IKE_SIG_H
#define XDPSEC_IKE_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "ike_wire.h"

enum {
	IKE_SIG_ALGID_MAX = 255,	/* one length octet */
	IKE_SIG_MAX = 1024,		/* RSA-8192 */
	IKE_SIG_AUTH_MAX = 1 + IKE_SIG_ALGID_MAX + IKE_SIG_MAX,
};

/* The hash algorithms we announce in SIGNATURE_HASH_ALGORITHMS (2, 3, 4, 5). */
unsigned int ike_sig_our_hash_algs(const uint16_t **algs);

/* AUTH methods ike_sig_verify() handles: 9, 10, 11 and 14. */
bool ike_sig_method_supported(uint8_t method);

/*
 * The hash to sign with key, given the peer's SIGNATURE_HASH_ALGORITHMS:
 * the one that fits the key (P-256: SHA2-256, P-384: SHA2-384, P-521:
 * SHA2-512, RSA: SHA2-256, EdDSA: Identity), else another SHA-2 the peer
 * takes.  -ENOTSUP if none (or n is 0: the peer does not do RFC 7427).
 */
int ike_sig_choose_hash(const EVP_PKEY *key, const uint16_t *peer_algs, unsigned int n);

/*
 * The AUTH data of method 14 over octets.  *out_len: in, the room at out
 * (IKE_SIG_AUTH_MAX is always enough); out, the length written.
 */
int ike_sig_sign(EVP_PKEY *key, uint16_t hash_alg, const uint8_t *octets, size_t len,
		 uint8_t *out, size_t *out_len);

/*
 * Verifies AUTH data (the AUTH payload after method and reserved octets)
 * of the given method over octets with the peer's public key
 * (X509_get0_pubkey() of its certificate).  0 if it verifies.
 */
int ike_sig_verify(EVP_PKEY *pub, uint8_t method, const uint8_t *auth, size_t auth_len,
		   const uint8_t *octets, size_t len, char *err, size_t errlen);

#endif /* XDPSEC_IKE_SIG_H */
