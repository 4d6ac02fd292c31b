/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * IKEv2 pseudo-random functions and key derivation (RFC 7296 2.13, 2.14,
 * 2.17, 2.18): prf, prf+, SKEYSEED, the seven SK_* keys of an IKE SA and
 * the KEYMAT of a Child SA, cut to the lengths the negotiated transforms
 * need.  Also the transform facts a derivation depends on (key, salt and
 * ICV lengths) and the HMAC primitive the SK payload's INTEG reuses.
 *
 * Pure functions over caller buffers: no state, nothing kept between calls.
 * Keys land in fixed buffers (struct ike_key) that the caller owns and
 * wipes with ike_keys_wipe() / ike_child_keys_wipe().  Errors are negative
 * errno values: -ENOTSUP for a transform ID this module does not know,
 * -EINVAL for inconsistent or out-of-range inputs, -EIO when OpenSSL fails.
 */
#ifndef XDPSEC_IKE_PRF_H
#define XDPSEC_IKE_PRF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_wire.h"

enum {
	IKE_PRF_MAX_LEN = 64,		/* HMAC-SHA2-512 output */
	IKE_KEY_MAX_LEN = 64,		/* SK_d of SHA2-512, INTEG key of 512_256 */
	IKE_SALT_LEN = 4,		/* AEAD salt after the key (RFC 5282, RFC 7634) */
	IKE_AEAD_ICV_LEN = 16,
	IKE_PRF_PLUS_MAX_BLOCKS = 255,	/* RFC 7296 2.13: a one-octet counter */
	IKE_PRF_MAX_PARTS = 6,		/* pieces of one prf+ seed */
};

/* One piece of a PRF input; a list of them is hashed as its concatenation. */
struct ike_chunk {
	const uint8_t *ptr;
	size_t len;
};

/* What a derivation (and the SK payload) needs to know of a proposal. */
struct ike_suite {
	uint16_t encr;		/* enum ike_encr_id */
	uint16_t key_bits;	/* AES: 128, 192, 256; ChaCha20-Poly1305: 0 (or 256) */
	uint16_t integ;		/* enum ike_integ_id; IKE_INTEG_NONE with an AEAD */
	uint16_t prf;		/* enum ike_prf_id; not used for a Child SA's suite */
};

struct ike_key {
	size_t len;
	uint8_t buf[IKE_KEY_MAX_LEN];
};

/* RFC 7296 2.14; an AEAD leaves ai/ar empty and puts its salt last in ei/er. */
struct ike_keys {
	struct ike_key d, ai, ar, ei, er, pi, pr;
};

/* RFC 7296 2.17, in KEYMAT order; AEAD: integ_* empty, encr_* = key | salt. */
struct ike_child_keys {
	struct ike_key encr_i, integ_i, encr_r, integ_r;
};

/*
 * The exchange's inputs, as on the wire: nonce data without payload headers,
 * g^ir as ike_dh_shared() gives it, the IKE header's SPIs (8 bytes each, only
 * for IKE SA keys).  For a Child SA without PFS, gir is NULL and gir_len 0.
 * Ni is always the nonce of the exchange's initiator (RFC 7296 2.17, 2.18).
 */
struct ike_kdf_input {
	const uint8_t *ni;
	size_t ni_len;
	const uint8_t *nr;
	size_t nr_len;
	const uint8_t *gir;
	size_t gir_len;
	const uint8_t *spi_i;
	const uint8_t *spi_r;
};

/* Transform facts.  Lengths in bytes; 0 (or a negative errno) if unknown. */
size_t ike_prf_len(uint16_t prf_id);
bool ike_encr_is_aead(uint16_t encr);
/* Key material one direction needs: AEAD key + 4-byte salt, or the AES key. */
int ike_encr_key_len(uint16_t encr, uint16_t key_bits);
/* 0 for IKE_INTEG_NONE. */
int ike_integ_key_len(uint16_t integ);
int ike_integ_icv_len(uint16_t integ);
/* OpenSSL digest name behind an INTEG transform, NULL for none/unknown. */
const char *ike_integ_digest(uint16_t integ);
/* An AEAD without INTEG, or AES-CBC with one; need_prf: an IKE SA's suite. */
int ike_suite_check(const struct ike_suite *s, bool need_prf);

/*
 * HMAC with an OpenSSL digest name ("SHA2-256", ...) over the concatenation
 * of parts; out has room for IKE_PRF_MAX_LEN bytes, *out_len gets the full
 * digest length (callers truncate).  klen must not be 0.
 */
int ike_hmac_v(const char *digest, const uint8_t *key, size_t klen,
	       const struct ike_chunk *parts, size_t n, uint8_t *out, size_t *out_len);

/* prf(key, data): writes ike_prf_len(prf_id) bytes to out. */
int ike_prf(uint16_t prf_id, const uint8_t *key, size_t klen,
	    const uint8_t *data, size_t dlen, uint8_t *out);
int ike_prf_v(uint16_t prf_id, const uint8_t *key, size_t klen,
	      const struct ike_chunk *parts, size_t n, uint8_t *out);

/* prf+(key, seed) of outlen bytes, at most 255 * ike_prf_len(prf_id). */
int ike_prf_plus(uint16_t prf_id, const uint8_t *key, size_t klen,
		 const uint8_t *seed, size_t slen, uint8_t *out, size_t outlen);
int ike_prf_plus_v(uint16_t prf_id, const uint8_t *key, size_t klen,
		   const struct ike_chunk *seed, size_t n, uint8_t *out, size_t outlen);

/* SKEYSEED = prf(Ni | Nr, g^ir); writes ike_prf_len(prf_id) bytes. */
int ike_skeyseed(uint16_t prf_id, const struct ike_kdf_input *in, uint8_t *skeyseed);
/*
 * Rekeying an IKE SA (RFC 7296 2.18): SKEYSEED = prf(SK_d (old), g^ir (new) |
 * Ni | Nr) with the old IKE SA's PRF; writes ike_prf_len(old_prf_id) bytes.
 */
int ike_skeyseed_rekey(uint16_t old_prf_id, const struct ike_key *old_sk_d,
		       const struct ike_kdf_input *in, uint8_t *skeyseed);
/* {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) */
int ike_keys_from_skeyseed(const struct ike_suite *s, const uint8_t *skeyseed, size_t len,
			   const struct ike_kdf_input *in, struct ike_keys *keys);

/* A new IKE SA: SKEYSEED then the split; SKEYSEED itself is wiped. */
int ike_derive_sa_keys(const struct ike_suite *s, const struct ike_kdf_input *in,
		       struct ike_keys *keys);
/* A rekeyed IKE SA: old PRF for SKEYSEED, the new suite's PRF for prf+. */
int ike_derive_rekeyed_sa_keys(uint16_t old_prf_id, const struct ike_key *old_sk_d,
			       const struct ike_suite *s, const struct ike_kdf_input *in,
			       struct ike_keys *keys);
/*
 * A Child SA (RFC 7296 2.17): KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr),
 * split encr_i, integ_i, encr_r, integ_r with the ESP suite's lengths.  _i
 * protects traffic from the exchange's initiator to its responder.
 */
int ike_derive_child_keys(uint16_t prf_id, const struct ike_key *sk_d,
			  const struct ike_suite *esp, const struct ike_kdf_input *in,
			  struct ike_child_keys *keys);

void ike_keys_wipe(struct ike_keys *keys);
void ike_child_keys_wipe(struct ike_child_keys *keys);

#endif /* XDPSEC_IKE_PRF_H */
