/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * IKEv2 Diffie-Hellman (the KE payload and g^ir) for the groups xdpsec
 * negotiates: Curve25519 (31, RFC 8031), NIST P-256/384/521 (19/20/21,
 * RFC 5903) and the MODP groups 14 and 15 (RFC 3526).  Owns one ephemeral
 * key pair per exchange and the wire encodings of its public value and of
 * the shared secret:
 *
 *   group        KE data (public)                 g^ir
 *   Curve25519   32 bytes, RFC 7748 u-coordinate  32 bytes
 *   ECP          x | y, each padded to the field  x, padded to the field
 *                (no 0x04 prefix, RFC 5903 7)
 *   MODP         y, big-endian, prime's length    padded to the prime's length
 *
 * ike_dh_shared() validates the peer's value before using it: exact length,
 * the point on the curve, 1 < y < p-1 (and OpenSSL's subgroup check), an
 * all-zero X25519 result.  Errors are negative errno values: -ENOTSUP for
 * an unknown group, -EINVAL for a rejected peer value or bad argument,
 * -ENOSPC for a short output buffer, -EIO when OpenSSL fails.
 */
#ifndef XDPSEC_IKE_DH_H
#define XDPSEC_IKE_DH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_wire.h"

enum {
	IKE_DH_MAX_PUBLIC_LEN = 384,	/* MODP 3072 */
	IKE_DH_MAX_SHARED_LEN = 384,
};

struct ike_dh;

bool ike_dh_supported(uint16_t group);
/* Bytes of the KE payload's key exchange data; 0 if unsupported. */
size_t ike_dh_public_len(uint16_t group);
/* Bytes of g^ir; 0 if unsupported. */
size_t ike_dh_shared_len(uint16_t group);

/* A fresh key pair; NULL if the group is unsupported or OpenSSL fails. */
struct ike_dh *ike_dh_new(uint16_t group);
/*
 * A key pair from a known private value (big-endian scalar or exponent of
 * the field's / prime's length; X25519: the 32-byte RFC 7748 scalar), for
 * known-answer tests.  NULL if the value is out of range.
 */
struct ike_dh *ike_dh_new_from_private(uint16_t group, const uint8_t *priv, size_t len);
/* Frees the key pair; OpenSSL clears the private key.  NULL is allowed. */
void ike_dh_free(struct ike_dh *dh);
uint16_t ike_dh_group(const struct ike_dh *dh);

/* *len: in, the room in buf; out, ike_dh_public_len() bytes written. */
int ike_dh_public(const struct ike_dh *dh, uint8_t *buf, size_t *len);
/*
 * g^ir from the peer's KE data.  *out_len: in, the room in out; out, the
 * bytes written (ike_dh_shared_len()).  The secret is the caller's to wipe
 * (OPENSSL_cleanse) once the keys are derived.  May be called again.
 */
int ike_dh_shared(const struct ike_dh *dh, const uint8_t *peer, size_t peer_len,
		  uint8_t *out, size_t *out_len);

#endif /* XDPSEC_IKE_DH_H */
