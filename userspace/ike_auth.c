// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * IKEv2 AUTH computation (RFC 7296 2.15): signed octets and shared keys.
 *
 * The octets are never concatenated for a MAC: RealMessage and the nonce
 * are hashed where they lie, after prf(SK_px, IDx') has been computed into
 * struct ike_signed_octets.  ike_auth_octets_copy() flattens them for a
 * signature (later) and for tests that compare with strongSwan's log.
 *
 * The key pad is the 17 ASCII octets "Key Pad for IKEv2", without a NUL.
 * Verification recomputes the expected value and compares in constant time;
 * a length that differs from the PRF's output fails before that.
 */
#include "ike_auth.h"

#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

static const uint8_t key_pad[] = {
	'K', 'e', 'y', ' ', 'P', 'a', 'd', ' ', 'f', 'o', 'r', ' ', 'I', 'K', 'E', 'v', '2',
};

bool ike_auth_method_supported(uint8_t method)
{
	return method == IKE_AUTH_PSK;
}

int ike_auth_octets_init(struct ike_signed_octets *so, uint16_t prf_id,
			 const uint8_t *real_msg, size_t msg_len,
			 const uint8_t *nonce, size_t nonce_len,
			 const uint8_t *sk_p, size_t sk_p_len,
			 const uint8_t *id_body, size_t id_len)
{
	size_t hlen = ike_prf_len(prf_id);
	int err;

	memset(so, 0, sizeof(*so));
	if (!hlen)
		return -ENOTSUP;
	if (!real_msg || msg_len < IKE_HDR_LEN || msg_len > IKE_MAX_MSG)
		return -EINVAL;
	if (!nonce || nonce_len < IKE_NONCE_MIN || nonce_len > IKE_NONCE_MAX)
		return -EINVAL;
	if (!sk_p || !sk_p_len || !id_body || id_len < IKE_AUTH_ID_BODY_MIN)
		return -EINVAL;
	err = ike_prf(prf_id, sk_p, sk_p_len, id_body, id_len, so->maced_id);
	if (err)
		return err;
	so->maced_id_len = hlen;
	so->msg = real_msg;
	so->msg_len = msg_len;
	so->nonce = nonce;
	so->nonce_len = nonce_len;
	return 0;
}

static void octets_parts(const struct ike_signed_octets *so, struct ike_chunk *parts)
{
	parts[0] = (struct ike_chunk){ so->msg, so->msg_len };
	parts[1] = (struct ike_chunk){ so->nonce, so->nonce_len };
	parts[2] = (struct ike_chunk){ so->maced_id, so->maced_id_len };
}

size_t ike_auth_octets_len(const struct ike_signed_octets *so)
{
	return so->msg_len + so->nonce_len + so->maced_id_len;
}

int ike_auth_octets_copy(const struct ike_signed_octets *so, uint8_t *buf, size_t size)
{
	struct ike_chunk parts[IKE_AUTH_OCTET_PARTS];
	size_t pos = 0;

	if (size < ike_auth_octets_len(so))
		return -ENOSPC;
	octets_parts(so, parts);
	for (size_t i = 0; i < IKE_AUTH_OCTET_PARTS; i++) {
		memcpy(buf + pos, parts[i].ptr, parts[i].len);
		pos += parts[i].len;
	}
	return 0;
}

void ike_auth_octets_wipe(struct ike_signed_octets *so)
{
	OPENSSL_cleanse(so, sizeof(*so));
}

int ike_auth_psk_mac(uint16_t prf_id, const uint8_t *psk, size_t psk_len,
		     const struct ike_chunk *octets, size_t n, uint8_t *out, size_t *out_len)
{
	size_t hlen = ike_prf_len(prf_id);
	uint8_t key[IKE_PRF_MAX_LEN];
	int err;

	if (!hlen)
		return -ENOTSUP;
	if (!psk || !psk_len || !out || !out_len)
		return -EINVAL;
	if (*out_len < hlen)
		return -ENOSPC;
	err = ike_prf(prf_id, psk, psk_len, key_pad, sizeof(key_pad), key);
	if (!err)
		err = ike_prf_v(prf_id, key, hlen, octets, n, out);
	OPENSSL_cleanse(key, sizeof(key));
	if (err)
		return err;
	*out_len = hlen;
	return 0;
}

int ike_auth_psk_compute(uint16_t prf_id, const uint8_t *psk, size_t psk_len,
			 const uint8_t *real_msg, size_t msg_len,
			 const uint8_t *nonce, size_t nonce_len,
			 const uint8_t *sk_p, size_t sk_p_len,
			 const uint8_t *id_body, size_t id_len,
			 uint8_t *out, size_t *out_len)
{
	struct ike_chunk parts[IKE_AUTH_OCTET_PARTS];
	struct ike_signed_octets so;
	int err;

	err = ike_auth_octets_init(&so, prf_id, real_msg, msg_len, nonce, nonce_len,
				   sk_p, sk_p_len, id_body, id_len);
	if (!err) {
		octets_parts(&so, parts);
		err = ike_auth_psk_mac(prf_id, psk, psk_len, parts, IKE_AUTH_OCTET_PARTS,
				       out, out_len);
	}
	ike_auth_octets_wipe(&so);
	return err;
}

int ike_auth_psk_verify(uint16_t prf_id, const uint8_t *psk, size_t psk_len,
			const uint8_t *real_msg, size_t msg_len,
			const uint8_t *nonce, size_t nonce_len,
			const uint8_t *sk_p, size_t sk_p_len,
			const uint8_t *id_body, size_t id_len,
			const uint8_t *auth, size_t auth_len)
{
	uint8_t want[IKE_PRF_MAX_LEN];
	size_t want_len = sizeof(want);
	int err;

	if (!auth)
		return -EINVAL;
	err = ike_auth_psk_compute(prf_id, psk, psk_len, real_msg, msg_len, nonce, nonce_len,
				   sk_p, sk_p_len, id_body, id_len, want, &want_len);
	if (!err && (auth_len != want_len || CRYPTO_memcmp(auth, want, want_len)))
		err = -EBADMSG;
	OPENSSL_cleanse(want, sizeof(want));
	return err;
}
