// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * SK payload protection in place (RFC 7296 3.14, RFC 5282, RFC 7634).
 *
 * Both directions work on one layout, computed before any crypto from the
 * SK payload's offset and the message's length:
 *
 *   [0, iv_off)           IKE header .. SK generic header: authenticated,
 *                         the AEAD's associated data
 *   [iv_off, text_off)    IV
 *   [text_off, icv_off)   plaintext | padding | pad length, encrypted
 *   [icv_off, end)        ICV
 *
 * AEAD (AES-GCM-16, ChaCha20-Poly1305): nonce = the 4-byte salt at the end
 * of SK_e | the 8-byte IV; the 16-byte tag is the ICV.  The IV only has to
 * be unique per key (RFC 5282 3.1): it is a 64-bit counter XORed with a
 * random mask chosen when the context is keyed, so two contexts keyed with
 * the same SK_e by mistake still do not repeat IVs in practice.  No padding
 * (the cipher needs no alignment): the pad length byte is 0.
 *
 * AES-CBC: a random 16-byte IV per message, zero padding to whole blocks,
 * and an encrypt-then-MAC ICV: the INTEG's HMAC over [0, icv_off),
 * truncated.  Decryption verifies that ICV with CRYPTO_memcmp before it
 * decrypts anything.
 *
 * Encryption patches the SK payload length and the IKE header Length before
 * it computes the ICV or tag, since both cover them.  Every EVP context
 * lives for one call: IKE messages are few, and a context that is not kept
 * cannot leak key schedules.
 */
#include "ike_sk.h"

#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

enum {
	IKE_HDR_LENGTH_OFF = 24,	/* SPIi, SPIr, 4 one-byte fields, Message ID */
	SK_LENGTH_OFF = 2,		/* in the generic payload header */
	AEAD_NONCE_LEN = IKE_SALT_LEN + IKE_SK_AEAD_IV_LEN,
};

struct ike_sk_alg {
	uint16_t encr;
	uint16_t key_bits;
	bool aead;
	size_t iv_len;
	size_t block;			/* the encrypted text is a multiple of this */
	const EVP_CIPHER *(*cipher)(void);
};

static const struct ike_sk_alg algs[] = {
	{ IKE_ENCR_AES_GCM_16, 128, true, IKE_SK_AEAD_IV_LEN, 1, EVP_aes_128_gcm },
	{ IKE_ENCR_AES_GCM_16, 192, true, IKE_SK_AEAD_IV_LEN, 1, EVP_aes_192_gcm },
	{ IKE_ENCR_AES_GCM_16, 256, true, IKE_SK_AEAD_IV_LEN, 1, EVP_aes_256_gcm },
	{ IKE_ENCR_CHACHA20_POLY1305, 0, true, IKE_SK_AEAD_IV_LEN, 1, EVP_chacha20_poly1305 },
	{ IKE_ENCR_AES_CBC, 128, false, IKE_SK_CBC_IV_LEN, IKE_SK_CBC_BLOCK, EVP_aes_128_cbc },
	{ IKE_ENCR_AES_CBC, 192, false, IKE_SK_CBC_IV_LEN, IKE_SK_CBC_BLOCK, EVP_aes_192_cbc },
	{ IKE_ENCR_AES_CBC, 256, false, IKE_SK_CBC_IV_LEN, IKE_SK_CBC_BLOCK, EVP_aes_256_cbc },
};

struct sk_layout {
	size_t iv_off;
	size_t text_off;
	size_t text_len;
	size_t icv_off;
	size_t end;
};

static const struct ike_sk_alg *alg_find(uint16_t encr, uint16_t key_bits)
{
	if (encr == IKE_ENCR_CHACHA20_POLY1305)
		key_bits = 0;	/* ike_suite_check() accepted 0 or 256 */
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (algs[i].encr == encr && algs[i].key_bits == key_bits)
			return &algs[i];
	return NULL;
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	put_be16(p, v >> 16);
	put_be16(p + 2, v);
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, v >> 32);
	put_be32(p + 4, v);
}

static uint32_t get_be16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t get_be32(const uint8_t *p)
{
	return get_be16(p) << 16 | get_be16(p + 2);
}

int ike_sk_init(struct ike_sk *sk, const struct ike_suite *s,
		const struct ike_key *ekey, const struct ike_key *akey)
{
	const struct ike_sk_alg *alg;
	size_t alen;
	int err;

	ike_sk_wipe(sk);
	err = ike_suite_check(s, false);
	if (err)
		return err;
	alg = alg_find(s->encr, s->key_bits);
	if (!alg)
		return -ENOTSUP;
	alen = alg->aead ? 0 : (size_t)ike_integ_key_len(s->integ);
	if (!ekey || ekey->len != (size_t)ike_encr_key_len(s->encr, s->key_bits))
		return -EINVAL;
	if (alen && (!akey || akey->len != alen))
		return -EINVAL;
	if (!alen && akey && akey->len)
		return -EINVAL;		/* an AEAD takes no SK_a */
	if (RAND_bytes((uint8_t *)&sk->iv_mask, sizeof(sk->iv_mask)) != 1)
		return -EIO;
	memcpy(sk->ekey, ekey->buf, ekey->len);
	sk->ekey_len = ekey->len;
	if (alen)
		memcpy(sk->akey, akey->buf, alen);
	sk->akey_len = alen;
	sk->digest = alg->aead ? NULL : ike_integ_digest(s->integ);
	sk->icv_len = alg->aead ? IKE_AEAD_ICV_LEN : (size_t)ike_integ_icv_len(s->integ);
	sk->iv_seq = 0;
	sk->alg = alg;
	return 0;
}

int ike_sk_init_dir(struct ike_sk *sk, const struct ike_suite *s,
		    const struct ike_keys *keys, bool from_initiator)
{
	if (from_initiator)
		return ike_sk_init(sk, s, &keys->ei, &keys->ai);
	return ike_sk_init(sk, s, &keys->er, &keys->ar);
}

void ike_sk_wipe(struct ike_sk *sk)
{
	OPENSSL_cleanse(sk, sizeof(*sk));
}

size_t ike_sk_iv_len(const struct ike_sk *sk)
{
	return sk->alg ? sk->alg->iv_len : 0;
}

size_t ike_sk_icv_len(const struct ike_sk *sk)
{
	return sk->icv_len;
}

static size_t pad_len(const struct ike_sk_alg *alg, size_t plain_len)
{
	return (alg->block - (plain_len + 1) % alg->block) % alg->block;
}

size_t ike_sk_payload_len(const struct ike_sk *sk, size_t plain_len)
{
	if (!sk->alg)
		return 0;
	return IKE_GENERIC_HDR_LEN + sk->alg->iv_len + plain_len + pad_len(sk->alg, plain_len) +
	       1 + sk->icv_len;
}

static int aead_crypt(const struct ike_sk *sk, bool enc, const uint8_t *msg,
		      const struct sk_layout *l, uint8_t *text, uint8_t *tag)
{
	size_t key_len = sk->ekey_len - IKE_SALT_LEN;
	uint8_t nonce[AEAD_NONCE_LEN];
	EVP_CIPHER_CTX *ctx;
	int n, err = -EIO;

	memcpy(nonce, sk->ekey + key_len, IKE_SALT_LEN);
	memcpy(nonce + IKE_SALT_LEN, msg + l->iv_off, IKE_SK_AEAD_IV_LEN);
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		goto wipe;
	if (!EVP_CipherInit_ex(ctx, sk->alg->cipher(), NULL, sk->ekey, nonce, enc))
		goto free_ctx;
	if (!enc && !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, IKE_AEAD_ICV_LEN, tag))
		goto free_ctx;
	if (!EVP_CipherUpdate(ctx, NULL, &n, msg, (int)l->iv_off) ||
	    !EVP_CipherUpdate(ctx, text, &n, text, (int)l->text_len))
		goto free_ctx;
	if (!EVP_CipherFinal_ex(ctx, text + l->text_len, &n)) {
		err = enc ? -EIO : -EBADMSG;
		goto free_ctx;
	}
	if (enc && !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, IKE_AEAD_ICV_LEN, tag))
		goto free_ctx;
	err = 0;
free_ctx:
	EVP_CIPHER_CTX_free(ctx);
wipe:
	OPENSSL_cleanse(nonce, sizeof(nonce));
	return err;
}

static int cbc_crypt(const struct ike_sk *sk, bool enc, const uint8_t *iv, uint8_t *text,
		     size_t len)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n, err = -EIO;

	if (!ctx)
		return -EIO;
	if (!EVP_CipherInit_ex(ctx, sk->alg->cipher(), NULL, sk->ekey, iv, enc) ||
	    !EVP_CIPHER_CTX_set_padding(ctx, 0))
		goto free_ctx;
	if (!EVP_CipherUpdate(ctx, text, &n, text, (int)len) ||
	    !EVP_CipherFinal_ex(ctx, text + len, &n))
		goto free_ctx;
	err = 0;
free_ctx:
	EVP_CIPHER_CTX_free(ctx);
	return err;
}

/* The truncated INTEG HMAC over msg[0, len). */
static int cbc_icv(const struct ike_sk *sk, const uint8_t *msg, size_t len, uint8_t *icv)
{
	struct ike_chunk part = { msg, len };
	uint8_t mac[IKE_PRF_MAX_LEN];
	size_t mac_len = 0;
	int err;

	err = ike_hmac_v(sk->digest, sk->akey, sk->akey_len, &part, 1, mac, &mac_len);
	if (!err && mac_len < sk->icv_len)
		err = -EIO;
	if (!err)
		memcpy(icv, mac, sk->icv_len);
	OPENSSL_cleanse(mac, sizeof(mac));
	return err;
}

static int aead_seal(struct ike_sk *sk, uint8_t *msg, const struct sk_layout *l)
{
	if (sk->iv_seq == UINT64_MAX)
		return -EOVERFLOW;
	put_be64(msg + l->iv_off, sk->iv_seq++ ^ sk->iv_mask);
	return aead_crypt(sk, true, msg, l, msg + l->text_off, msg + l->icv_off);
}

static int cbc_seal(const struct ike_sk *sk, uint8_t *msg, const struct sk_layout *l)
{
	int err;

	if (RAND_bytes(msg + l->iv_off, IKE_SK_CBC_IV_LEN) != 1)
		return -EIO;
	err = cbc_crypt(sk, true, msg + l->iv_off, msg + l->text_off, l->text_len);
	if (err)
		return err;
	return cbc_icv(sk, msg, l->icv_off, msg + l->icv_off);
}

/* hdr_len: the SK payload's octets before the IV (SKF: + the fragment fields). */
static int sk_encrypt(struct ike_sk *sk, uint8_t *msg, size_t size, size_t sk_off,
		      size_t hdr_len, size_t plain_len, size_t *msg_len)
{
	const struct ike_sk_alg *alg = sk->alg;
	struct sk_layout l;
	size_t pad;
	int err;

	if (!alg || !msg || !msg_len || sk_off < IKE_HDR_LEN)
		return -EINVAL;
	if (sk_off > IKE_MAX_MSG || plain_len > IKE_MAX_MSG)
		return -EMSGSIZE;
	l.end = sk_off + ike_sk_payload_len(sk, plain_len) + hdr_len - IKE_GENERIC_HDR_LEN;
	if (l.end > IKE_MAX_MSG)
		return -EMSGSIZE;
	if (l.end > size)
		return -ENOSPC;
	pad = pad_len(alg, plain_len);
	l.iv_off = sk_off + hdr_len;
	l.text_off = l.iv_off + alg->iv_len;
	l.text_len = plain_len + pad + 1;
	l.icv_off = l.text_off + l.text_len;

	memset(msg + l.text_off + plain_len, 0, pad);
	msg[l.icv_off - 1] = pad;
	put_be16(msg + sk_off + SK_LENGTH_OFF, l.end - sk_off);
	put_be32(msg + IKE_HDR_LENGTH_OFF, l.end);
	err = alg->aead ? aead_seal(sk, msg, &l) : cbc_seal(sk, msg, &l);
	if (err)
		return err;
	*msg_len = l.end;
	return 0;
}

int ike_sk_encrypt(struct ike_sk *sk, uint8_t *msg, size_t size, size_t sk_off,
		   size_t plain_len, size_t *msg_len)
{
	return sk_encrypt(sk, msg, size, sk_off, IKE_GENERIC_HDR_LEN, plain_len, msg_len);
}

int ike_sk_encrypt_frag(struct ike_sk *sk, uint8_t *msg, size_t size, size_t sk_off,
			size_t plain_len, size_t *msg_len)
{
	return sk_encrypt(sk, msg, size, sk_off, IKE_GENERIC_HDR_LEN + IKE_SKF_FRAG_LEN,
			  plain_len, msg_len);
}

/* Lengths of a received message, checked against each other before crypto. */
static int layout_received(const struct ike_sk *sk, const uint8_t *msg, size_t msg_len,
			   size_t sk_off, size_t hdr_len, struct sk_layout *l)
{
	size_t min = hdr_len + sk->alg->iv_len + 1 + sk->icv_len;

	if (msg_len > IKE_MAX_MSG || sk_off < IKE_HDR_LEN || sk_off > msg_len ||
	    msg_len - sk_off < min)
		return -EMSGSIZE;
	if (get_be32(msg + IKE_HDR_LENGTH_OFF) != msg_len ||
	    get_be16(msg + sk_off + SK_LENGTH_OFF) != msg_len - sk_off)
		return -EMSGSIZE;
	l->end = msg_len;
	l->iv_off = sk_off + hdr_len;
	l->text_off = l->iv_off + sk->alg->iv_len;
	l->icv_off = msg_len - sk->icv_len;
	l->text_len = l->icv_off - l->text_off;
	if (l->text_len % sk->alg->block)
		return -EMSGSIZE;
	return 0;
}

static int aead_open(const struct ike_sk *sk, uint8_t *msg, const struct sk_layout *l)
{
	int err = aead_crypt(sk, false, msg, l, msg + l->text_off, msg + l->icv_off);

	if (err)	/* never leave unauthenticated plaintext behind */
		OPENSSL_cleanse(msg + l->text_off, l->text_len);
	return err;
}

static int cbc_open(const struct ike_sk *sk, uint8_t *msg, const struct sk_layout *l)
{
	uint8_t icv[IKE_SK_MAX_ICV_LEN];
	int err;

	err = cbc_icv(sk, msg, l->icv_off, icv);
	if (err)
		return err;
	if (CRYPTO_memcmp(icv, msg + l->icv_off, sk->icv_len))
		return -EBADMSG;
	return cbc_crypt(sk, false, msg + l->iv_off, msg + l->text_off, l->text_len);
}

static int sk_decrypt(const struct ike_sk *sk, uint8_t *msg, size_t msg_len, size_t sk_off,
		      size_t hdr_len, size_t *plain_off, size_t *plain_len)
{
	struct sk_layout l;
	size_t pad;
	int err;

	if (!sk->alg || !msg || !plain_off || !plain_len)
		return -EINVAL;
	err = layout_received(sk, msg, msg_len, sk_off, hdr_len, &l);
	if (err)
		return err;
	err = sk->alg->aead ? aead_open(sk, msg, &l) : cbc_open(sk, msg, &l);
	if (err)
		return err;
	pad = msg[l.icv_off - 1];
	if (pad + 1 > l.text_len)
		return -EPROTO;
	*plain_off = l.text_off;
	*plain_len = l.text_len - pad - 1;
	return 0;
}

int ike_sk_decrypt(const struct ike_sk *sk, uint8_t *msg, size_t msg_len, size_t sk_off,
		   size_t *plain_off, size_t *plain_len)
{
	return sk_decrypt(sk, msg, msg_len, sk_off, IKE_GENERIC_HDR_LEN, plain_off, plain_len);
}

int ike_sk_decrypt_frag(const struct ike_sk *sk, uint8_t *msg, size_t msg_len, size_t sk_off,
			size_t *plain_off, size_t *plain_len)
{
	return sk_decrypt(sk, msg, msg_len, sk_off, IKE_GENERIC_HDR_LEN + IKE_SKF_FRAG_LEN,
			  plain_off, plain_len);
}
