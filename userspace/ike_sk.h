/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The Encrypted and Authenticated payload (SK, type 46; RFC 7296 3.14,
 * RFC 5282 for AES-GCM, RFC 7634 for ChaCha20-Poly1305), protected and
 * opened in place inside a whole IKE message.  One struct ike_sk holds the
 * keys of one direction of one IKE SA (SK_ei/SK_ai or SK_er/SK_ar) and, for
 * the AEADs, the IV counter; it knows nothing of payload chains, sockets or
 * the non-ESP marker.
 *
 * Transforms: ENCR_AES_GCM_16 (128/192/256), ENCR_CHACHA20_POLY1305 (no
 * INTEG), ENCR_AES_CBC (128/192/256) with INTEG HMAC_SHA2_256_128,
 * HMAC_SHA2_384_192 or HMAC_SHA2_512_256.
 *
 * SK payload layout ("msg" starts with the IKE header; on port 4500 the
 * caller has stripped / will prepend the 4-byte non-ESP marker):
 *
 *   msg + 0        IKE header (28 bytes; Length at offset 24)
 *   ...            payloads before SK, if any (normally none)
 *   msg + sk_off   SK generic header: next payload = first inner payload's
 *                  type, critical/reserved, payload length
 *   + 4            IV: 8 bytes (AEAD), 16 bytes (CBC)         ike_sk_iv_len()
 *   + 4 + iv       inner payloads (the plaintext)
 *                  padding, then the pad length byte
 *                  ICV: 16 (AEAD) or the INTEG's truncated HMAC  ike_sk_icv_len()
 *   msg + msg_len  end: the SK payload is the message's last payload
 *
 * ENCRYPTION CONTRACT, ike_sk_encrypt(sk, msg, size, sk_off, plain_len, &msg_len):
 *   - the caller has written the IKE header (all but its Length), any
 *     payloads before SK with their final next-payload chain (the one before
 *     SK names type 46), and the SK generic header's first byte (the first
 *     inner payload's type) and second byte (0: not critical);
 *   - the plaintext (the inner payload chain) is already at
 *     msg + sk_off + 4 + ike_sk_iv_len(sk), plain_len bytes;
 *   - size is the room in msg; sk_off + ike_sk_payload_len(sk, plain_len)
 *     must fit in it and in IKE_MAX_MSG, else -ENOSPC / -EMSGSIZE and
 *     nothing is written;
 *   - the function writes the IV (AEAD: 64-bit counter, unique per ike_sk;
 *     CBC: 16 random bytes), the padding (AEAD: none; CBC: zeros up to a
 *     16-byte block) and pad length, patches the SK payload length and the
 *     IKE header Length, then encrypts in place and appends the ICV.  The
 *     AEAD's associated data (RFC 5282 5.1) and the CBC HMAC (RFC 7296 3.14)
 *     cover msg[0 .. sk_off + 4) with the final lengths, so that range must
 *     not change afterwards;
 *   - *msg_len gets the message's total length, ready to send.
 *
 * DECRYPTION CONTRACT, ike_sk_decrypt(sk, msg, msg_len, sk_off, &off, &len):
 *   - msg[0 .. msg_len) is the received message without the non-ESP
 *     marker, sk_off the SK generic header the codec found in the chain;
 *   - checked before any crypto: the IKE header Length equals msg_len, the
 *     SK payload length equals msg_len - sk_off, room for IV, one byte and
 *     the ICV, CBC text a whole number of blocks (else -EMSGSIZE);
 *   - the ICV is verified (CRYPTO_memcmp for the HMAC; the AEAD tag by
 *     OpenSSL), -EBADMSG if it does not match; then the text is decrypted
 *     in place and the pad length checked against it (-EPROTO: authentic
 *     but malformed);
 *   - on success the inner payloads are msg[*off .. *off + *len), the first
 *     one's type is msg[sk_off]; padding and ICV stay behind them.  On a
 *     failure the bytes between the IV and the ICV are undefined (zeroed
 *     after a failed AEAD tag): drop the message.
 *
 * Other errors: -EINVAL (bad arguments, context not initialised), -EIO
 * (OpenSSL failed), -EOVERFLOW (2^64 AEAD IVs used: rekey long before).
 * A context is used by one thread at a time.
 *
 * IKE fragments (SKF, RFC 7383 2.5): the _frag variants take an SKF
 * payload at sk_off, whose 4 octets of Fragment Number and Total Fragments
 * (written by the caller before encrypting) sit between its generic header
 * and the IV and are authenticated with the header; otherwise the same.
 */
#ifndef XDPSEC_IKE_SK_H
#define XDPSEC_IKE_SK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_prf.h"
#include "ike_wire.h"

enum {
	IKE_SK_AEAD_IV_LEN = 8,
	IKE_SK_CBC_IV_LEN = 16,
	IKE_SK_MAX_IV_LEN = 16,
	IKE_SK_MAX_ICV_LEN = 32,	/* HMAC_SHA2_512_256 */
	IKE_SK_CBC_BLOCK = 16,
	/* generic header, IV, padding, pad length, ICV at their longest */
	IKE_SK_MAX_OVERHEAD = IKE_GENERIC_HDR_LEN + IKE_SK_MAX_IV_LEN +
			      (IKE_SK_CBC_BLOCK - 1) + 1 + IKE_SK_MAX_ICV_LEN,
};

struct ike_sk_alg;

/* One direction's SK state.  Fields are private to ike_sk.c and its tests. */
struct ike_sk {
	const struct ike_sk_alg *alg;	/* NULL: not initialised */
	const char *digest;		/* CBC: the INTEG's HMAC digest */
	size_t icv_len;
	size_t ekey_len;
	size_t akey_len;
	uint8_t ekey[IKE_KEY_MAX_LEN];	/* AEAD: key | 4-byte salt */
	uint8_t akey[IKE_KEY_MAX_LEN];
	uint64_t iv_mask;		/* AEAD IV = iv_seq XOR iv_mask, big-endian */
	uint64_t iv_seq;		/* AEAD IVs used so far */
};

/*
 * Keys one direction: ekey is SK_e* (AEAD: key | salt), akey SK_a* (NULL
 * or empty for an AEAD).  The suite's prf is not used.  Copies the keys.
 */
int ike_sk_init(struct ike_sk *sk, const struct ike_suite *s,
		const struct ike_key *ekey, const struct ike_key *akey);
/*
 * Keys the direction of messages sent by the IKE SA's original initiator
 * (SK_ei, SK_ai) when from_initiator, else the responder's (SK_er, SK_ar).
 */
int ike_sk_init_dir(struct ike_sk *sk, const struct ike_suite *s,
		    const struct ike_keys *keys, bool from_initiator);
void ike_sk_wipe(struct ike_sk *sk);

size_t ike_sk_iv_len(const struct ike_sk *sk);
size_t ike_sk_icv_len(const struct ike_sk *sk);
/* The whole SK payload (generic header .. ICV) for plain_len inner bytes. */
size_t ike_sk_payload_len(const struct ike_sk *sk, size_t plain_len);

int ike_sk_encrypt(struct ike_sk *sk, uint8_t *msg, size_t size, size_t sk_off,
		   size_t plain_len, size_t *msg_len);
int ike_sk_decrypt(const struct ike_sk *sk, uint8_t *msg, size_t msg_len, size_t sk_off,
		   size_t *plain_off, size_t *plain_len);
int ike_sk_encrypt_frag(struct ike_sk *sk, uint8_t *msg, size_t size, size_t sk_off,
			size_t plain_len, size_t *msg_len);
int ike_sk_decrypt_frag(const struct ike_sk *sk, uint8_t *msg, size_t msg_len, size_t sk_off,
			size_t *plain_off, size_t *plain_len);

#endif /* XDPSEC_IKE_SK_H */
