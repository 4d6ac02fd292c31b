/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * IKEv2 authentication (RFC 7296 2.15): the octets each side signs or MACs,
 * and the shared-key AUTH value (method 2).
 *
 *   SignedOctets = RealMessage | Nonce | prf(SK_px, IDx')
 *   PSK AUTH     = prf(prf(Shared Secret, "Key Pad for IKEv2"), SignedOctets)
 *
 * From the signer's point of view: RealMessage is the first message it sent
 * (its IKE_SA_INIT request or response, exactly as sent -- the last one if
 * a COOKIE or INVALID_KE_PAYLOAD made it resend -- without the non-ESP
 * marker); Nonce is the other side's nonce data; SK_px is the signer's
 * SK_pi / SK_pr; IDx' its ID payload body (ID type, 3 reserved bytes, data).
 * So to build our AUTH: our IKE_SA_INIT message, the peer's nonce, our SK_p,
 * our ID; to verify the peer's: its IKE_SA_INIT message, our nonce, its
 * SK_p, its ID.
 *
 * The shared secret is only read: the caller keeps it, and wipes it
 * (OPENSSL_cleanse) when it is no longer needed; the intermediate key
 * prf(secret, key pad) is wiped here.  Errors are negative errno values:
 * -EINVAL bad input, -ENOSPC short output, -EBADMSG an AUTH that does not
 * verify, -ENOTSUP an unknown PRF, -EIO OpenSSL failed.
 *
 * Signature authentication (RSA 1, ECDSA 9-11, RFC 7427 Digital Signature
 * 14 as strongSwan's certificates use) is not here yet.  It signs the same
 * octets: ike_auth_octets_init() + ike_auth_octets_copy() give them, and
 * ike_auth_sig_sign() / ike_auth_sig_verify() will sit beside the PSK
 * functions below, taking an EVP_PKEY and the RFC 7427 AlgorithmIdentifier.
 */
#ifndef XDPSEC_IKE_AUTH_H
#define XDPSEC_IKE_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_prf.h"
#include "ike_wire.h"

enum {
	IKE_AUTH_ID_BODY_MIN = 4,	/* ID type + 3 reserved bytes */
	IKE_AUTH_OCTET_PARTS = 3,
};

/* SignedOctets as three pieces; msg and nonce point into the caller's buffers. */
struct ike_signed_octets {
	const uint8_t *msg;
	size_t msg_len;
	const uint8_t *nonce;
	size_t nonce_len;
	uint8_t maced_id[IKE_PRF_MAX_LEN];	/* prf(SK_px, IDx') */
	size_t maced_id_len;
};

/* Methods this module can compute and verify (IKE_AUTH_PSK for now). */
bool ike_auth_method_supported(uint8_t method);

int ike_auth_octets_init(struct ike_signed_octets *so, uint16_t prf_id,
			 const uint8_t *real_msg, size_t msg_len,
			 const uint8_t *nonce, size_t nonce_len,
			 const uint8_t *sk_p, size_t sk_p_len,
			 const uint8_t *id_body, size_t id_len);
size_t ike_auth_octets_len(const struct ike_signed_octets *so);
/* The octets in one buffer (to sign, or to compare); -ENOSPC if size is short. */
int ike_auth_octets_copy(const struct ike_signed_octets *so, uint8_t *buf, size_t size);
void ike_auth_octets_wipe(struct ike_signed_octets *so);

/*
 * prf(prf(psk, "Key Pad for IKEv2"), octets) over the concatenation of
 * parts.  *out_len: in, the room in out; out, ike_prf_len(prf_id).
 */
int ike_auth_psk_mac(uint16_t prf_id, const uint8_t *psk, size_t psk_len,
		     const struct ike_chunk *octets, size_t n, uint8_t *out, size_t *out_len);

/* The PSK AUTH data of the signer described above. */
int ike_auth_psk_compute(uint16_t prf_id, const uint8_t *psk, size_t psk_len,
			 const uint8_t *real_msg, size_t msg_len,
			 const uint8_t *nonce, size_t nonce_len,
			 const uint8_t *sk_p, size_t sk_p_len,
			 const uint8_t *id_body, size_t id_len,
			 uint8_t *out, size_t *out_len);
/* 0 if auth (the AUTH payload's data after method and reserved) matches. */
int ike_auth_psk_verify(uint16_t prf_id, const uint8_t *psk, size_t psk_len,
			const uint8_t *real_msg, size_t msg_len,
			const uint8_t *nonce, size_t nonce_len,
			const uint8_t *sk_p, size_t sk_p_len,
			const uint8_t *id_body, size_t id_len,
			const uint8_t *auth, size_t auth_len);

#endif /* XDPSEC_IKE_AUTH_H */
