// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * IKEv2 PRFs and key derivation (RFC 7296 2.13-2.14, 2.17-2.18).
 *
 * Only the HMAC-SHA2 PRFs (RFC 4868) exist here, so the special cases of
 * 2.14 for AES-XCBC/CMAC (64-bit nonce prefixes, fixed-size keys) never
 * apply: the key of every prf is used whole, whatever its length.
 *
 *   prf+(K, S) = T1 | T2 | ...,  T1 = prf(K, S | 0x01),
 *                                Tn = prf(K, Tn-1 | S | n), n <= 255
 *
 * Inputs are lists of chunks hashed as their concatenation, so Ni | Nr |
 * SPIi | SPIr is never copied into a temporary buffer.  Each prf is one
 * EVP_MAC context, keyed, used once and freed: OpenSSL clears the key it
 * holds when the context is freed.  Key material built here (SKEYSEED,
 * KEYMAT, the T blocks) is wiped before returning, on every path.
 *
 * Key lengths (RFC 7296 2.14, RFC 5282 7.1, RFC 7634 2, RFC 4868 2.1):
 *   SK_d, SK_pi, SK_pr      the PRF's output length
 *   SK_a*, integ_*          INTEG key: 32 / 48 / 64 for SHA2-256/384/512
 *   SK_e*, encr_*           AES-CBC: the AES key; AES-GCM: key + 4-byte salt;
 *                           ChaCha20-Poly1305: 32 + 4
 */
#include "ike_prf.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

struct prf_info {
	uint16_t id;
	const char *digest;
	size_t len;
};

static const struct prf_info prfs[] = {
	{ IKE_PRF_HMAC_SHA2_256, "SHA2-256", 32 },
	{ IKE_PRF_HMAC_SHA2_384, "SHA2-384", 48 },
	{ IKE_PRF_HMAC_SHA2_512, "SHA2-512", 64 },
};

struct integ_info {
	uint16_t id;
	const char *digest;
	size_t key_len;
	size_t icv_len;
};

static const struct integ_info integs[] = {
	{ IKE_INTEG_HMAC_SHA2_256_128, "SHA2-256", 32, 16 },
	{ IKE_INTEG_HMAC_SHA2_384_192, "SHA2-384", 48, 24 },
	{ IKE_INTEG_HMAC_SHA2_512_256, "SHA2-512", 64, 32 },
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const struct prf_info *prf_find(uint16_t id)
{
	for (size_t i = 0; i < ARRAY_LEN(prfs); i++)
		if (prfs[i].id == id)
			return &prfs[i];
	return NULL;
}

static const struct integ_info *integ_find(uint16_t id)
{
	for (size_t i = 0; i < ARRAY_LEN(integs); i++)
		if (integs[i].id == id)
			return &integs[i];
	return NULL;
}

size_t ike_prf_len(uint16_t prf_id)
{
	const struct prf_info *p = prf_find(prf_id);

	return p ? p->len : 0;
}

bool ike_encr_is_aead(uint16_t encr)
{
	return encr == IKE_ENCR_AES_GCM_16 || encr == IKE_ENCR_CHACHA20_POLY1305;
}

static bool aes_bits_ok(uint16_t bits)
{
	return bits == 128 || bits == 192 || bits == 256;
}

int ike_encr_key_len(uint16_t encr, uint16_t key_bits)
{
	switch (encr) {
	case IKE_ENCR_AES_CBC:
		return aes_bits_ok(key_bits) ? key_bits / 8 : -EINVAL;
	case IKE_ENCR_AES_GCM_16:
		return aes_bits_ok(key_bits) ? key_bits / 8 + IKE_SALT_LEN : -EINVAL;
	case IKE_ENCR_CHACHA20_POLY1305:
		/* RFC 7634 2: no Key Length attribute; 256 tolerated as the same. */
		return key_bits == 0 || key_bits == 256 ? 32 + IKE_SALT_LEN : -EINVAL;
	default:
		return -ENOTSUP;
	}
}

int ike_integ_key_len(uint16_t integ)
{
	const struct integ_info *i = integ_find(integ);

	if (integ == IKE_INTEG_NONE)
		return 0;
	return i ? (int)i->key_len : -ENOTSUP;
}

int ike_integ_icv_len(uint16_t integ)
{
	const struct integ_info *i = integ_find(integ);

	if (integ == IKE_INTEG_NONE)
		return 0;
	return i ? (int)i->icv_len : -ENOTSUP;
}

const char *ike_integ_digest(uint16_t integ)
{
	const struct integ_info *i = integ_find(integ);

	return i ? i->digest : NULL;
}

int ike_suite_check(const struct ike_suite *s, bool need_prf)
{
	int len = ike_encr_key_len(s->encr, s->key_bits);

	if (len < 0)
		return len;
	if (ike_encr_is_aead(s->encr) != (s->integ == IKE_INTEG_NONE))
		return -EINVAL;	/* RFC 5282 8: an AEAD takes no INTEG; CBC needs one */
	if (s->integ != IKE_INTEG_NONE && !integ_find(s->integ))
		return -ENOTSUP;
	if (need_prf && !prf_find(s->prf))
		return -ENOTSUP;
	return 0;
}

/*
 * HMAC contexts with their digest already set, one per digest we use,
 * made once: EVP_MAC_fetch and the digest fetch EVP_MAC_init does by name
 * cost two thirds of a short HMAC.  Each call works on a duplicate, so
 * keys never stay behind in a shared context and callers may be on any
 * thread; the templates hold no key and live until exit.
 */
static const char *const hmac_digests[] = { "SHA2-256", "SHA2-384", "SHA2-512" };
static EVP_MAC_CTX *hmac_templates[ARRAY_LEN(hmac_digests)];
static pthread_once_t hmac_once = PTHREAD_ONCE_INIT;

static void hmac_templates_init(void)
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
	OSSL_PARAM params[2];

	if (!mac)
		return;		/* every call takes the slow path and fails there */
	for (size_t i = 0; i < ARRAY_LEN(hmac_digests); i++) {
		params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
							     (char *)hmac_digests[i], 0);
		params[1] = OSSL_PARAM_construct_end();
		hmac_templates[i] = EVP_MAC_CTX_new(mac);
		if (hmac_templates[i] && !EVP_MAC_CTX_set_params(hmac_templates[i], params)) {
			EVP_MAC_CTX_free(hmac_templates[i]);
			hmac_templates[i] = NULL;
		}
	}
	EVP_MAC_free(mac);	/* the contexts hold their own references */
}

/* A fresh context for digest: from its template, else the slow way. */
static EVP_MAC_CTX *hmac_ctx_new(const char *digest, OSSL_PARAM *params)
{
	EVP_MAC_CTX *ctx;
	EVP_MAC *mac;

	pthread_once(&hmac_once, hmac_templates_init);
	for (size_t i = 0; i < ARRAY_LEN(hmac_digests); i++)
		if (hmac_templates[i] && !strcmp(digest, hmac_digests[i]))
			return EVP_MAC_CTX_dup(hmac_templates[i]);
	mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
	if (!mac)
		return NULL;
	ctx = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);	/* ctx keeps a reference */
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (ctx && !EVP_MAC_CTX_set_params(ctx, params)) {
		EVP_MAC_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

int ike_hmac_v(const char *digest, const uint8_t *key, size_t klen,
	       const struct ike_chunk *parts, size_t n, uint8_t *out, size_t *out_len)
{
	OSSL_PARAM params[2];
	EVP_MAC_CTX *ctx;
	int err = -EIO;

	if (!digest || !key || !klen)
		return -EINVAL;
	ctx = hmac_ctx_new(digest, params);
	if (!ctx)
		return -EIO;
	if (!EVP_MAC_init(ctx, key, klen, NULL))
		goto free_ctx;
	for (size_t i = 0; i < n; i++)
		if (parts[i].len && !EVP_MAC_update(ctx, parts[i].ptr, parts[i].len))
			goto free_ctx;
	if (!EVP_MAC_final(ctx, out, out_len, IKE_PRF_MAX_LEN))
		goto free_ctx;
	err = 0;
free_ctx:
	EVP_MAC_CTX_free(ctx);
	return err;
}

int ike_prf_v(uint16_t prf_id, const uint8_t *key, size_t klen,
	      const struct ike_chunk *parts, size_t n, uint8_t *out)
{
	const struct prf_info *p = prf_find(prf_id);
	size_t len = 0;
	int err;

	if (!p)
		return -ENOTSUP;
	err = ike_hmac_v(p->digest, key, klen, parts, n, out, &len);
	if (!err && len != p->len)
		err = -EIO;
	return err;
}

int ike_prf(uint16_t prf_id, const uint8_t *key, size_t klen,
	    const uint8_t *data, size_t dlen, uint8_t *out)
{
	struct ike_chunk part = { data, dlen };

	return ike_prf_v(prf_id, key, klen, &part, 1, out);
}

int ike_prf_plus_v(uint16_t prf_id, const uint8_t *key, size_t klen,
		   const struct ike_chunk *seed, size_t n, uint8_t *out, size_t outlen)
{
	struct ike_chunk parts[IKE_PRF_MAX_PARTS + 2];
	size_t hlen = ike_prf_len(prf_id), done = 0;
	uint8_t t[IKE_PRF_MAX_LEN];
	uint8_t counter = 1;
	int err = 0;

	if (!hlen)
		return -ENOTSUP;
	if (n > IKE_PRF_MAX_PARTS || outlen > IKE_PRF_PLUS_MAX_BLOCKS * hlen)
		return -EINVAL;
	while (done < outlen) {
		size_t np = 0, take = outlen - done < hlen ? outlen - done : hlen;

		if (counter > 1)
			parts[np++] = (struct ike_chunk){ t, hlen };
		for (size_t i = 0; i < n; i++)
			parts[np++] = seed[i];
		parts[np++] = (struct ike_chunk){ &counter, 1 };
		err = ike_prf_v(prf_id, key, klen, parts, np, t);
		if (err)
			break;
		memcpy(out + done, t, take);
		done += take;
		counter++;
	}
	OPENSSL_cleanse(t, sizeof(t));
	if (err)
		OPENSSL_cleanse(out, outlen);
	return err;
}

int ike_prf_plus(uint16_t prf_id, const uint8_t *key, size_t klen,
		 const uint8_t *seed, size_t slen, uint8_t *out, size_t outlen)
{
	struct ike_chunk part = { seed, slen };

	return ike_prf_plus_v(prf_id, key, klen, &part, 1, out, outlen);
}

static bool nonces_ok(const struct ike_kdf_input *in)
{
	return in->ni && in->nr &&
	       in->ni_len >= IKE_NONCE_MIN && in->ni_len <= IKE_NONCE_MAX &&
	       in->nr_len >= IKE_NONCE_MIN && in->nr_len <= IKE_NONCE_MAX;
}

static bool gir_ok(const struct ike_kdf_input *in)
{
	return in->gir && in->gir_len;
}

int ike_skeyseed(uint16_t prf_id, const struct ike_kdf_input *in, uint8_t *skeyseed)
{
	uint8_t key[2 * IKE_NONCE_MAX];
	int err;

	if (!nonces_ok(in) || !gir_ok(in))
		return -EINVAL;
	/* The HMAC key is Ni | Nr: a key must be one buffer, unlike the data. */
	memcpy(key, in->ni, in->ni_len);
	memcpy(key + in->ni_len, in->nr, in->nr_len);
	err = ike_prf(prf_id, key, in->ni_len + in->nr_len, in->gir, in->gir_len, skeyseed);
	OPENSSL_cleanse(key, sizeof(key));
	return err;
}

int ike_skeyseed_rekey(uint16_t old_prf_id, const struct ike_key *old_sk_d,
		       const struct ike_kdf_input *in, uint8_t *skeyseed)
{
	struct ike_chunk parts[3] = {
		{ in->gir, in->gir_len }, { in->ni, in->ni_len }, { in->nr, in->nr_len },
	};

	/* 2.18: rekeying an IKE SA MUST include a new Diffie-Hellman. */
	if (!nonces_ok(in) || !gir_ok(in) || !old_sk_d->len)
		return -EINVAL;
	return ike_prf_v(old_prf_id, old_sk_d->buf, old_sk_d->len, parts, 3, skeyseed);
}

static void take_key(struct ike_key *k, const uint8_t **pos, size_t len)
{
	k->len = len;
	memcpy(k->buf, *pos, len);
	*pos += len;
}

int ike_keys_from_skeyseed(const struct ike_suite *s, const uint8_t *skeyseed, size_t len,
			   const struct ike_kdf_input *in, struct ike_keys *keys)
{
	struct ike_chunk seed[4] = {
		{ in->ni, in->ni_len }, { in->nr, in->nr_len },
		{ in->spi_i, IKE_SPI_LEN }, { in->spi_r, IKE_SPI_LEN },
	};
	uint8_t km[3 * IKE_PRF_MAX_LEN + 4 * IKE_KEY_MAX_LEN];
	const uint8_t *pos = km;
	size_t plen, elen, alen;
	int err = ike_suite_check(s, true);

	if (err)
		return err;
	if (!nonces_ok(in) || !in->spi_i || !in->spi_r)
		return -EINVAL;
	plen = ike_prf_len(s->prf);
	elen = ike_encr_key_len(s->encr, s->key_bits);
	alen = ike_integ_key_len(s->integ);
	err = ike_prf_plus_v(s->prf, skeyseed, len, seed, 4, km, 3 * plen + 2 * elen + 2 * alen);
	if (err)
		goto wipe;
	take_key(&keys->d, &pos, plen);
	take_key(&keys->ai, &pos, alen);
	take_key(&keys->ar, &pos, alen);
	take_key(&keys->ei, &pos, elen);
	take_key(&keys->er, &pos, elen);
	take_key(&keys->pi, &pos, plen);
	take_key(&keys->pr, &pos, plen);
wipe:
	OPENSSL_cleanse(km, sizeof(km));
	return err;
}

int ike_derive_sa_keys(const struct ike_suite *s, const struct ike_kdf_input *in,
		       struct ike_keys *keys)
{
	uint8_t skeyseed[IKE_PRF_MAX_LEN];
	int err = ike_suite_check(s, true);

	if (err)
		return err;
	err = ike_skeyseed(s->prf, in, skeyseed);
	if (!err)
		err = ike_keys_from_skeyseed(s, skeyseed, ike_prf_len(s->prf), in, keys);
	OPENSSL_cleanse(skeyseed, sizeof(skeyseed));
	return err;
}

int ike_derive_rekeyed_sa_keys(uint16_t old_prf_id, const struct ike_key *old_sk_d,
			       const struct ike_suite *s, const struct ike_kdf_input *in,
			       struct ike_keys *keys)
{
	uint8_t skeyseed[IKE_PRF_MAX_LEN];
	int err = ike_suite_check(s, true);

	if (err)
		return err;
	err = ike_skeyseed_rekey(old_prf_id, old_sk_d, in, skeyseed);
	if (!err)
		err = ike_keys_from_skeyseed(s, skeyseed, ike_prf_len(old_prf_id), in, keys);
	OPENSSL_cleanse(skeyseed, sizeof(skeyseed));
	return err;
}

int ike_derive_child_keys(uint16_t prf_id, const struct ike_key *sk_d,
			  const struct ike_suite *esp, const struct ike_kdf_input *in,
			  struct ike_child_keys *keys)
{
	struct ike_chunk seed[3];
	uint8_t km[2 * IKE_KEY_MAX_LEN + 2 * IKE_KEY_MAX_LEN];
	const uint8_t *pos = km;
	size_t n = 0, elen, alen;
	int err = ike_suite_check(esp, false);

	if (err)
		return err;
	if (!nonces_ok(in) || !sk_d->len || (in->gir_len && !in->gir))
		return -EINVAL;
	elen = ike_encr_key_len(esp->encr, esp->key_bits);
	alen = ike_integ_key_len(esp->integ);
	if (in->gir_len)
		seed[n++] = (struct ike_chunk){ in->gir, in->gir_len };
	seed[n++] = (struct ike_chunk){ in->ni, in->ni_len };
	seed[n++] = (struct ike_chunk){ in->nr, in->nr_len };
	err = ike_prf_plus_v(prf_id, sk_d->buf, sk_d->len, seed, n, km, 2 * (elen + alen));
	if (err)
		goto wipe;
	take_key(&keys->encr_i, &pos, elen);
	take_key(&keys->integ_i, &pos, alen);
	take_key(&keys->encr_r, &pos, elen);
	take_key(&keys->integ_r, &pos, alen);
wipe:
	OPENSSL_cleanse(km, sizeof(km));
	return err;
}

void ike_keys_wipe(struct ike_keys *keys)
{
	OPENSSL_cleanse(keys, sizeof(*keys));
}

void ike_child_keys_wipe(struct ike_child_keys *keys)
{
	OPENSSL_cleanse(keys, sizeof(*keys));
}
