/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * X.509 certificates for IKEv2 authentication (RFC 7296 2.15, 3.5 - 3.7):
 * loading certificates, private keys and CAs from PEM or DER files, the
 * trust store a peer's chain is verified against, identity matching, and
 * the encodings the CERT and CERTREQ payloads carry.
 *
 * Trust: every CA certificate added to a trust store is a trust anchor,
 * self-signed or not, as strongSwan treats the CAs it loads (so a
 * configured intermediate CA is enough to accept its end entities).
 * Chains are verified with OpenSSL's X509_verify_cert: signatures,
 * validity times, basicConstraints and pathLen of every CA.  No Extended
 * Key Usage is required (strongSwan requires none by default) and no
 * revocation is checked (no CRL or OCSP support yet).
 *
 * Identities (RFC 7296 3.5) match a certificate as strongSwan matches
 * them: FQDN, RFC822_ADDR, IPV4_ADDR and IPV6_ADDR against the
 * subjectAltName entries of the same kind (names case-insensitively),
 * DER_ASN1_DN against the subject DN (canonical comparison), KEY_ID never.
 * A wildcard in a certificate's SAN is not honoured.  Without a configured
 * identity strongSwan uses the certificate's subject DN:
 * ike_cert_subject_id() gives it.
 *
 * CERTREQ (RFC 7296 3.7, encoding 4) lists SHA-1 hashes of the
 * subjectPublicKeyInfo of the CAs the sender trusts, 20 octets each.
 *
 * Errors are negative errno values, with the reason in err where the
 * function takes one: -ENOENT / -EACCES / -errno file errors, -EPERM a key
 * file other users may read, -EBADMSG a file or DER blob that is no
 * certificate or key, -EINVAL a certificate that is no CA where one is
 * needed, -EKEYREJECTED a chain that does not verify, -ENOMEM, -EIO
 * OpenSSL failed.  X509 and EVP_PKEY objects are OpenSSL's: free them with
 * X509_free / EVP_PKEY_free.
 */
#ifndef XDPSEC_IKE_CERT_H
#define XDPSEC_IKE_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ike_wire.h"

enum {
	IKE_CERT_FILE_MAX = 1 << 20,	/* larger files are not certificates or keys */
	IKE_CERT_MAX_CHAIN = 8,		/* intermediates a peer may send */
};

/* ---- files ---- */

/* The first certificate of a PEM file, or a DER file.  NULL with err set. */
X509 *ike_cert_load(const char *path, char *err, size_t errlen);

/*
 * A private key (PEM: PKCS#8, "EC PRIVATE KEY", "RSA PRIVATE KEY"; or
 * DER).  The file must be a regular file, owned by root or by us, that
 * neither group nor others may access (mode 0600 or 0400); the check is
 * made on the open descriptor.  Encrypted keys are refused.  The file's
 * bytes are wiped from memory after parsing.  NULL with err set.
 */
EVP_PKEY *ike_privkey_load(const char *path, char *err, size_t errlen);

/* A certificate from a CERT payload (encoding 4): exactly one DER X.509. */
X509 *ike_cert_from_der(const uint8_t *der, size_t len);

/*
 * ---- caches (ike_cert_cache.c) ----
 * Parsed certificates by SHA-256 of their DER, and chain verdicts; LRU,
 * bounded, entries gone at the notAfter they cover.
 */
enum {
	IKE_CERT_CACHE_MAX = 256,
	IKE_CERT_CACHE_KEY_LEN = 32,	/* SHA-256 */
};

struct ike_cert_cache;

struct ike_cert_cache *ike_cert_cache_new(void);
void ike_cert_cache_free(struct ike_cert_cache *c);
void ike_cert_cache_clear(struct ike_cert_cache *c);
/* SHA-256, fetched once; NULL if OpenSSL has none. */
const EVP_MD *ike_cert_cache_md(void);
/* ike_cert_from_der through c (NULL: no cache); the caller owns a reference. */
X509 *ike_cert_from_der_cached(struct ike_cert_cache *c, const uint8_t *der, size_t len);
/* Whether a success for key is remembered and not expired. */
bool ike_cert_cache_verdict(struct ike_cert_cache *c, const uint8_t *key);
void ike_cert_cache_remember(struct ike_cert_cache *c, const uint8_t *key, time_t until);
/* notAfter as a time_t; 0 if unreadable. */
time_t ike_cert_not_after(const X509 *cert);

/* ---- encodings ---- */

/* The DER for a CERT payload; free with OPENSSL_free.  NULL on failure. */
uint8_t *ike_cert_der(const X509 *cert, size_t *len);

/* SHA-1 of the subjectPublicKeyInfo: a CA's entry in CERTREQ.  0 or -EIO. */
int ike_cert_ca_hash(const X509 *ca, uint8_t out[IKE_CERT_HASH_LEN]);

/* "C=XX, O=example, CN=gw.example.com" for logs; returns buf. */
const char *ike_cert_subject_str(const X509 *cert, char *buf, size_t len);

/* ---- identities ---- */

/* Whether the identity (type, ID data as on the wire) names this certificate. */
bool ike_cert_matches_id(const X509 *cert, uint8_t id_type, const uint8_t *id, size_t len);

/*
 * The identity to send when none is configured: the subject DN.  Sets
 * *id_type to IKE_ID_DER_ASN1_DN and writes the DER to buf.  0, -ENOSPC
 * (*len then holds the size needed) or -EIO.
 */
int ike_cert_subject_id(const X509 *cert, uint8_t *id_type, uint8_t *buf, size_t size,
			size_t *len);

/* Whether key is the private key of cert's public key. */
bool ike_cert_key_matches(const X509 *cert, const EVP_PKEY *key);

/* ---- trust ---- */

struct ike_trust;

struct ike_trust *ike_trust_new(void);
void ike_trust_free(struct ike_trust *t);

/* Loads a CA certificate (basicConstraints CA:TRUE) as a trust anchor. */
int ike_trust_add_ca(struct ike_trust *t, const char *path, char *err, size_t errlen);
/* The same for a certificate in memory; takes its own reference. */
int ike_trust_add_ca_cert(struct ike_trust *t, X509 *ca, char *err, size_t errlen);
size_t ike_trust_count(const struct ike_trust *t);

/*
 * Verifies that ee chains to one of the trust anchors, through the
 * intermediates the peer sent (n of them, any order, may be 0), at time at
 * (0: now).  0, or -EKEYREJECTED with OpenSSL's reason and the subject of
 * the certificate it concerns in err.
 */
int ike_cert_verify_chain(const struct ike_trust *t, X509 *ee, X509 *const *intermediates,
			  size_t n, time_t at, char *err, size_t errlen);

/*
 * Our CERTREQ data: the hash of every trust anchor, in the order added.
 * 0, -ENOSPC (*len: the size needed) or -EIO.
 */
int ike_trust_certreq(const struct ike_trust *t, uint8_t *buf, size_t size, size_t *len);

/*
 * The CAs of t that cert's chain runs through below a self-signed root,
 * issuer first (what we send after our own certificate, as strongSwan
 * sends the intermediates it knows); at most max, each with a reference.
 */
size_t ike_trust_intermediates(const struct ike_trust *t, X509 *cert, X509 **out, size_t max);

/* Whether a CERTREQ's data (a list of hashes) names ca. */
bool ike_cert_certreq_names(const uint8_t *data, size_t len, const X509 *ca);

/*
 * The first trust anchor a peer's CERTREQ data names, NULL if none (or if
 * len is not a multiple of IKE_CERT_HASH_LEN).  Borrowed from the store.
 */
X509 *ike_trust_find_certreq(const struct ike_trust *t, const uint8_t *data, size_t len);

#endif /* XDPSEC_IKE_CERT_H */
