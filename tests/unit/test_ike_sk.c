// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The SK payload, in place.
 *
 * Known answers: the IKE_AUTH request and response of four strongSwan 5.9.8
 * exchanges (AES-GCM-16-128 and ChaCha20-Poly1305; ike_kdf_vectors.h),
 * opened with the logged SK_ei and SK_er.  The inner payload chain must
 * start with IDi / IDr as tshark decoded it and add up to the decoded
 * length; the AUTH payload inside must hold the AUTH value each side
 * computes from the capture.  Sealing the recovered plaintext again with
 * the captured IV must give back the captured message, byte for byte.
 *
 * For AES-CBC + HMAC no peer capture exists: a reference seal/open written
 * here directly on EVP (AAD or HMAC range, nonce, truncation) checks both
 * directions.  Then round trips for every ENCR/INTEG pair and length, and
 * a flipped bit anywhere in a message must make decryption fail.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "ike_auth.h"
#include "ike_prf.h"
#include "ike_sk.h"
#include "ike_kdf_vectors.h"

enum { MSG_MAX = 4096, HEX_MAX = 2048, BEFORE_SK_LEN = 8 };

static const struct ike_suite all_suites[] = {
	{ IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE, 0 },
	{ IKE_ENCR_AES_GCM_16, 192, IKE_INTEG_NONE, 0 },
	{ IKE_ENCR_AES_GCM_16, 256, IKE_INTEG_NONE, 0 },
	{ IKE_ENCR_CHACHA20_POLY1305, 0, IKE_INTEG_NONE, 0 },
	{ IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128, 0 },
	{ IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_384_192, 0 },
	{ IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_512_256, 0 },
	{ IKE_ENCR_AES_CBC, 192, IKE_INTEG_HMAC_SHA2_256_128, 0 },
	{ IKE_ENCR_AES_CBC, 192, IKE_INTEG_HMAC_SHA2_384_192, 0 },
	{ IKE_ENCR_AES_CBC, 192, IKE_INTEG_HMAC_SHA2_512_256, 0 },
	{ IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_256_128, 0 },
	{ IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_384_192, 0 },
	{ IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_512_256, 0 },
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static size_t unhex(const char *hex, uint8_t *out, size_t max)
{
	size_t n = strlen(hex) / 2;

	assert_int_equal(strlen(hex) % 2, 0);
	assert_true(n <= max);
	for (size_t i = 0; i < n; i++) {
		unsigned int byte;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &byte), 1);
		out[i] = byte;
	}
	return n;
}

static void key_from_hex(struct ike_key *k, const char *hex)
{
	k->len = unhex(hex, k->buf, sizeof(k->buf));
}

static uint32_t get_be16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t get_be32(const uint8_t *p)
{
	return get_be16(p) << 16 | get_be16(p + 2);
}

static uint64_t get_be64(const uint8_t *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

static bool is_aead(const struct ike_suite *s)
{
	return s->encr != IKE_ENCR_AES_CBC;
}

static const char *suite_name(const struct ike_suite *s, char *buf, size_t size)
{
	snprintf(buf, size, "encr %u/%u integ %u", s->encr, s->key_bits, s->integ);
	return buf;
}

/* Random keys of the suite's lengths, in one direction. */
static void random_keys(const struct ike_suite *s, struct ike_key *ek, struct ike_key *ak)
{
	ek->len = ike_encr_key_len(s->encr, s->key_bits);
	ak->len = ike_integ_key_len(s->integ);
	assert_int_equal(RAND_bytes(ek->buf, sizeof(ek->buf)), 1);
	assert_int_equal(RAND_bytes(ak->buf, sizeof(ak->buf)), 1);
}

/*
 * An IKE_AUTH-like message: header, optionally an 8-byte payload before SK
 * (sk_off 36), the SK generic header naming IDi first, the plaintext in
 * place after the IV.  Lengths are left 0 for ike_sk_encrypt to patch.
 */
static void build_msg(uint8_t *msg, size_t sk_off, const uint8_t *plain, size_t plain_len,
		      size_t iv_len)
{
	memset(msg, 0, sk_off + IKE_GENERIC_HDR_LEN + iv_len);
	memcpy(msg, "\x0a\x1b\x2c\x3d\x4e\x5f\x60\x71\x82\x93\xa4\xb5\xc6\xd7\xe8\xf9", 16);
	msg[17] = IKE_VERSION_2;
	msg[18] = IKE_AUTH;
	msg[19] = IKE_FLAG_INITIATOR;
	msg[23] = 1;
	if (sk_off > IKE_HDR_LEN) {
		msg[16] = IKE_PL_VENDOR;
		msg[IKE_HDR_LEN] = IKE_PL_SK;
		msg[IKE_HDR_LEN + 3] = sk_off - IKE_HDR_LEN;
		memset(msg + IKE_HDR_LEN + 4, 0x77, sk_off - IKE_HDR_LEN - 4);
	} else {
		msg[16] = IKE_PL_SK;
	}
	msg[sk_off] = IKE_PL_IDI;
	memcpy(msg + sk_off + IKE_GENERIC_HDR_LEN + iv_len, plain, plain_len);
}

static void fill(uint8_t *p, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed * 131 + i * 29 + (i >> 3));
}

static void test_sizes(void **state)
{
	struct ike_key ek, ak;
	struct ike_sk sk;

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(all_suites); i++) {
		const struct ike_suite *s = &all_suites[i];
		size_t iv = is_aead(s) ? 8 : 16;
		size_t icv = is_aead(s) ? 16 : (size_t)ike_integ_icv_len(s->integ);

		random_keys(s, &ek, &ak);
		assert_int_equal(ike_sk_init(&sk, s, &ek, &ak), 0);
		assert_int_equal(ike_sk_iv_len(&sk), iv);
		assert_int_equal(ike_sk_icv_len(&sk), icv);
		/* AEAD: no padding; CBC: plaintext + pad length fills blocks */
		assert_int_equal(ike_sk_payload_len(&sk, 0), 4 + iv + (is_aead(s) ? 1 : 16) + icv);
		assert_int_equal(ike_sk_payload_len(&sk, 15), 4 + iv + 16 + icv);
		assert_int_equal(ike_sk_payload_len(&sk, 16),
				 4 + iv + (is_aead(s) ? 17 : 32) + icv);
		assert_true(ike_sk_payload_len(&sk, 100) - 100 <= IKE_SK_MAX_OVERHEAD);
		ike_sk_wipe(&sk);
		assert_null(sk.alg);
		assert_int_equal(ike_sk_payload_len(&sk, 0), 0);
	}
}

static void test_init_refuses_bad_keys(void **state)
{
	const struct ike_suite gcm = all_suites[0], cbc = all_suites[4];
	struct ike_suite bad = gcm;
	struct ike_key ek, ak, none = { .len = 0 };
	struct ike_sk sk;

	(void)state;
	random_keys(&gcm, &ek, &ak);
	assert_int_equal(ike_sk_init(&sk, &gcm, &ek, NULL), 0);
	assert_int_equal(ike_sk_init(&sk, &gcm, &ek, &none), 0);
	ak.len = 32;
	assert_int_equal(ike_sk_init(&sk, &gcm, &ek, &ak), -EINVAL);	/* AEAD + SK_a */
	ek.len = 16;							/* salt missing */
	assert_int_equal(ike_sk_init(&sk, &gcm, &ek, NULL), -EINVAL);
	assert_null(sk.alg);
	random_keys(&cbc, &ek, &ak);
	assert_int_equal(ike_sk_init(&sk, &cbc, &ek, NULL), -EINVAL);
	ak.len = 20;
	assert_int_equal(ike_sk_init(&sk, &cbc, &ek, &ak), -EINVAL);
	bad.integ = IKE_INTEG_HMAC_SHA2_256_128;
	assert_int_equal(ike_sk_init(&sk, &bad, &ek, &ak), -EINVAL);
	bad = gcm;
	bad.encr = 3;	/* 3DES */
	assert_int_equal(ike_sk_init(&sk, &bad, &ek, NULL), -ENOTSUP);
}

/* Walks an inner payload chain that must fill plain exactly; returns the offset of want. */
static long find_inner(const uint8_t *plain, size_t len, uint8_t first, uint8_t want)
{
	uint8_t type = first;
	size_t off = 0;
	long found = -1;

	while (type != IKE_PL_NONE) {
		size_t plen;

		assert_true(off + IKE_GENERIC_HDR_LEN <= len);
		plen = get_be16(plain + off + 2);
		assert_true(plen >= IKE_GENERIC_HDR_LEN && off + plen <= len);
		if (type == want && found < 0)
			found = (long)off;
		type = plain[off];
		off += plen;
	}
	assert_int_equal(off, len);
	return found;
}

struct kat_msg {
	uint8_t wire[HEX_MAX];		/* as captured */
	uint8_t buf[HEX_MAX];		/* decrypted in place */
	size_t len, plain_off, plain_len;
};

/* Opens one captured IKE_AUTH message and checks its first inner payload. */
static void open_kat_msg(struct kat_msg *m, const char *hex, const char *key_hex,
			 const struct ike_kat *v, size_t want_len, const char *first_hex,
			 const char *id_hex, uint8_t id_type)
{
	struct ike_suite s = { v->encr, v->key_bits, IKE_INTEG_NONE, v->prf };
	uint8_t first[4], id[256];
	size_t id_len = unhex(id_hex, id, sizeof(id));
	struct ike_key ek;
	struct ike_sk sk;

	m->len = unhex(hex, m->wire, sizeof(m->wire));
	memcpy(m->buf, m->wire, m->len);
	assert_int_equal(m->buf[16], IKE_PL_SK);	/* SK is the first payload */
	key_from_hex(&ek, key_hex);
	assert_int_equal(ike_sk_init(&sk, &s, &ek, NULL), 0);
	assert_int_equal(ike_sk_decrypt(&sk, m->buf, m->len, IKE_HDR_LEN, &m->plain_off,
					&m->plain_len), 0);
	assert_int_equal(m->plain_off, IKE_HDR_LEN + 4 + 8);
	assert_int_equal(m->plain_len, want_len);
	assert_int_equal(m->buf[IKE_HDR_LEN], id_type);
	unhex(first_hex, first, sizeof(first));
	assert_memory_equal(m->buf + m->plain_off, first, 4);
	assert_int_equal(get_be16(first + 2), 4 + id_len);
	assert_memory_equal(m->buf + m->plain_off + 4, id, id_len);
	assert_int_equal(find_inner(m->buf + m->plain_off, m->plain_len, id_type, IKE_PL_NONE),
			 -1);
	ike_sk_wipe(&sk);
}

/* The AUTH payload data (after method and reserved bytes) equals want. */
static void check_auth_payload(const struct kat_msg *m, uint8_t method, const uint8_t *want,
			       size_t want_len)
{
	const uint8_t *plain = m->buf + m->plain_off;
	long off = find_inner(plain, m->plain_len, m->buf[IKE_HDR_LEN], IKE_PL_AUTH);

	assert_true(off >= 0);
	assert_int_equal(plain[off + 4], method);
	if (!want)
		return;
	assert_int_equal(get_be16(plain + off + 2), 8 + want_len);
	assert_memory_equal(plain + off + 8, want, want_len);
}

/* The responder's PSK AUTH from the capture: its IKE_SA_INIT response, Ni, SK_pr, IDr'. */
static size_t responder_auth(const struct ike_kat *v, uint8_t *out)
{
	uint8_t msg[HEX_MAX], ni[256], sk_pr[64], idr[256];
	size_t msg_len = unhex(v->init_resp, msg, sizeof(msg)), ni_len = unhex(v->ni, ni, 256);
	size_t sk_len = unhex(v->sk_pr, sk_pr, 64), id_len = unhex(v->idr, idr, 256);
	size_t out_len = IKE_PRF_MAX_LEN;

	assert_int_equal(ike_auth_psk_compute(v->prf, (const uint8_t *)IKE_KAT_PSK,
					      strlen(IKE_KAT_PSK), msg, msg_len, ni, ni_len,
					      sk_pr, sk_len, idr, id_len, out, &out_len), 0);
	return out_len;
}

static void test_strongswan_ike_auth_decrypt(void **state)
{
	(void)state;
	for (size_t i = 0; i < IKE_KAT_COUNT; i++) {
		const struct ike_kat *v = &ike_kats[i];
		uint8_t method = v->psk ? IKE_AUTH_PSK : IKE_AUTH_DIGITAL_SIGNATURE;
		uint8_t want[IKE_PRF_MAX_LEN], logged[IKE_PRF_MAX_LEN];
		struct kat_msg req, resp;
		size_t n;

		print_message("      %s\n", v->name);
		open_kat_msg(&req, v->auth_req, v->sk_ei, v, v->auth_req_plain_len,
			     v->auth_req_first, v->idi, IKE_PL_IDI);
		open_kat_msg(&resp, v->auth_resp, v->sk_er, v, v->auth_resp_plain_len,
			     v->auth_resp_first, v->idr, IKE_PL_IDR);
		if (!v->psk) {
			check_auth_payload(&req, method, NULL, 0);
			check_auth_payload(&resp, method, NULL, 0);
			continue;
		}
		n = unhex(v->auth_i, want, sizeof(want));
		check_auth_payload(&req, method, want, n);
		n = responder_auth(v, want);
		check_auth_payload(&resp, method, want, n);
		if (v->auth_r) {
			assert_int_equal(unhex(v->auth_r, logged, sizeof(logged)), n);
			assert_memory_equal(logged, want, n);
		}
	}
}

/* Our seal of strongSwan's plaintext with strongSwan's IV is strongSwan's message. */
static void reseal_identical(const struct ike_kat *v, const char *hex, const char *key_hex)
{
	struct ike_suite s = { v->encr, v->key_bits, IKE_INTEG_NONE, v->prf };
	size_t plain_off, plain_len, len;
	struct kat_msg m;
	struct ike_key ek;
	struct ike_sk sk;

	m.len = unhex(hex, m.wire, sizeof(m.wire));
	memcpy(m.buf, m.wire, m.len);
	key_from_hex(&ek, key_hex);
	assert_int_equal(ike_sk_init(&sk, &s, &ek, NULL), 0);
	assert_int_equal(ike_sk_decrypt(&sk, m.buf, m.len, IKE_HDR_LEN, &plain_off, &plain_len),
			 0);
	/* forget the lengths and the trailer: encryption must rebuild them */
	memset(m.buf + 24, 0, 4);
	memset(m.buf + IKE_HDR_LEN + 2, 0, 2);
	memset(m.buf + plain_off + plain_len, 0xee, m.len - plain_off - plain_len);
	sk.iv_mask = get_be64(m.wire + IKE_HDR_LEN + 4);
	sk.iv_seq = 0;
	assert_int_equal(ike_sk_encrypt(&sk, m.buf, m.len, IKE_HDR_LEN, plain_len, &len), 0);
	assert_int_equal(len, m.len);
	assert_memory_equal(m.buf, m.wire, m.len);
	assert_int_equal(ike_sk_encrypt(&sk, m.buf, m.len - 1, IKE_HDR_LEN, plain_len, &len),
			 -ENOSPC);
	ike_sk_wipe(&sk);
}

static void test_strongswan_reseal_identical(void **state)
{
	(void)state;
	for (size_t i = 0; i < IKE_KAT_COUNT; i++) {
		reseal_identical(&ike_kats[i], ike_kats[i].auth_req, ike_kats[i].sk_ei);
		reseal_identical(&ike_kats[i], ike_kats[i].auth_resp, ike_kats[i].sk_er);
	}
}

/* ike_sk_init_dir() with keys from the derivation picks the right direction. */
static void test_init_dir_with_derived_keys(void **state)
{
	const struct ike_kat *v = &ike_kats[0];
	struct ike_suite s = { v->encr, v->key_bits, IKE_INTEG_NONE, v->prf };
	uint8_t ni[256], nr[256], gir[256], spi_i[8], spi_r[8], msg[HEX_MAX];
	struct ike_kdf_input in = {
		.ni = ni, .ni_len = unhex(v->ni, ni, sizeof(ni)),
		.nr = nr, .nr_len = unhex(v->nr, nr, sizeof(nr)),
		.gir = gir, .gir_len = unhex(v->gir, gir, sizeof(gir)),
		.spi_i = spi_i, .spi_r = spi_r,
	};
	struct ike_sk from_i, from_r;
	size_t len, off, plain;
	struct ike_keys keys;

	(void)state;
	unhex(v->spi_i, spi_i, 8);
	unhex(v->spi_r, spi_r, 8);
	assert_int_equal(ike_derive_sa_keys(&s, &in, &keys), 0);
	assert_int_equal(ike_sk_init_dir(&from_i, &s, &keys, true), 0);
	assert_int_equal(ike_sk_init_dir(&from_r, &s, &keys, false), 0);
	ike_keys_wipe(&keys);

	len = unhex(v->auth_req, msg, sizeof(msg));
	assert_int_equal(ike_sk_decrypt(&from_r, msg, len, IKE_HDR_LEN, &off, &plain), -EBADMSG);
	len = unhex(v->auth_req, msg, sizeof(msg));
	assert_int_equal(ike_sk_decrypt(&from_i, msg, len, IKE_HDR_LEN, &off, &plain), 0);
	len = unhex(v->auth_resp, msg, sizeof(msg));
	assert_int_equal(ike_sk_decrypt(&from_r, msg, len, IKE_HDR_LEN, &off, &plain), 0);
	ike_sk_wipe(&from_i);
	ike_sk_wipe(&from_r);
}

static const EVP_CIPHER *ref_cipher(const struct ike_suite *s)
{
	if (s->encr == IKE_ENCR_CHACHA20_POLY1305)
		return EVP_chacha20_poly1305();
	if (s->encr == IKE_ENCR_AES_GCM_16)
		return s->key_bits == 128 ? EVP_aes_128_gcm() :
		       s->key_bits == 192 ? EVP_aes_192_gcm() : EVP_aes_256_gcm();
	return s->key_bits == 128 ? EVP_aes_128_cbc() :
	       s->key_bits == 192 ? EVP_aes_192_cbc() : EVP_aes_256_cbc();
}

static const EVP_MD *ref_md(uint16_t integ)
{
	return integ == IKE_INTEG_HMAC_SHA2_256_128 ? EVP_sha256() :
	       integ == IKE_INTEG_HMAC_SHA2_384_192 ? EVP_sha384() : EVP_sha512();
}

/*
 * RFC 5282 / RFC 7296 3.14 written out on EVP: msg[sk_off + 4 ..] holds IV
 * and text (padding and pad length included); seals (enc) or opens it.
 * AEAD: nonce = salt | IV, AAD = msg[0, sk_off + 4).  CBC: ICV = truncated
 * HMAC over msg[0, end of text).  Returns false if the ICV does not match.
 */
static bool ref_crypt(const struct ike_suite *s, const struct ike_key *ek,
		      const struct ike_key *ak, bool enc, uint8_t *msg, size_t sk_off,
		      size_t text_len)
{
	size_t iv_off = sk_off + 4, iv_len = is_aead(s) ? 8 : 16;
	uint8_t *text = msg + iv_off + iv_len, *icv = text + text_len;
	size_t key_len = is_aead(s) ? ek->len - 4 : ek->len;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t nonce[12], mac[64];
	unsigned int mac_len;
	int n, ok;

	assert_non_null(ctx);
	if (is_aead(s)) {
		memcpy(nonce, ek->buf + key_len, 4);
		memcpy(nonce + 4, msg + iv_off, 8);
		assert_true(EVP_CipherInit_ex(ctx, ref_cipher(s), NULL, ek->buf, nonce, enc));
		if (!enc)
			assert_true(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16, icv));
		assert_int_equal(EVP_CipherUpdate(ctx, NULL, &n, msg, (int)iv_off), 1);
		assert_int_equal(EVP_CipherUpdate(ctx, text, &n, text, (int)text_len), 1);
		ok = EVP_CipherFinal_ex(ctx, text + text_len, &n);
		if (enc)
			assert_true(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, icv));
		EVP_CIPHER_CTX_free(ctx);
		return ok == 1;
	}
	if (!enc) {
		HMAC(ref_md(s->integ), ak->buf, (int)ak->len, msg, icv - msg, mac, &mac_len);
		if (memcmp(mac, icv, ike_integ_icv_len(s->integ))) {
			EVP_CIPHER_CTX_free(ctx);
			return false;
		}
	}
	assert_true(EVP_CipherInit_ex(ctx, ref_cipher(s), NULL, ek->buf, msg + iv_off, enc));
	EVP_CIPHER_CTX_set_padding(ctx, 0);
	assert_int_equal(EVP_CipherUpdate(ctx, text, &n, text, (int)text_len), 1);
	assert_int_equal(EVP_CipherFinal_ex(ctx, text + text_len, &n), 1);
	EVP_CIPHER_CTX_free(ctx);
	if (enc) {
		HMAC(ref_md(s->integ), ak->buf, (int)ak->len, msg, icv - msg, mac, &mac_len);
		memcpy(icv, mac, ike_integ_icv_len(s->integ));
	}
	return true;
}

/* A message sealed by the reference, with the lengths already final. */
static size_t ref_seal_msg(const struct ike_suite *s, const struct ike_key *ek,
			   const struct ike_key *ak, uint8_t *msg, size_t sk_off,
			   const uint8_t *plain, size_t plain_len, size_t pad, uint8_t pad_byte)
{
	size_t iv_len = is_aead(s) ? 8 : 16;
	size_t icv_len = is_aead(s) ? 16 : ike_integ_icv_len(s->integ);
	size_t text_len = plain_len + pad + 1, end = sk_off + 4 + iv_len + text_len + icv_len;
	uint8_t *text = msg + sk_off + 4 + iv_len;

	build_msg(msg, sk_off, plain, plain_len, iv_len);
	assert_int_equal(RAND_bytes(msg + sk_off + 4, iv_len), 1);
	memset(text + plain_len, 0xa5, pad);	/* any padding value is allowed */
	text[plain_len + pad] = pad_byte;
	msg[sk_off + 2] = (end - sk_off) >> 8;
	msg[sk_off + 3] = end - sk_off;
	msg[24] = end >> 24;
	msg[25] = end >> 16;
	msg[26] = end >> 8;
	msg[27] = end;
	assert_true(ref_crypt(s, ek, ak, true, msg, sk_off, text_len));
	return end;
}

static void test_reference_interop(void **state)
{
	uint8_t plain[100], msg[MSG_MAX];
	char name[64];

	(void)state;
	fill(plain, sizeof(plain), 7);
	for (size_t i = 0; i < ARRAY_LEN(all_suites); i++) {
		const struct ike_suite *s = &all_suites[i];
		size_t pad = is_aead(s) ? 3 : 11, len, off, got, text_len;
		struct ike_key ek, ak;
		struct ike_sk sk;

		print_message("      %s\n", suite_name(s, name, sizeof(name)));
		random_keys(s, &ek, &ak);
		assert_int_equal(ike_sk_init(&sk, s, &ek, &ak), 0);

		/* reference -> ike_sk, with padding our encryption never writes */
		len = ref_seal_msg(s, &ek, &ak, msg, IKE_HDR_LEN + BEFORE_SK_LEN, plain, 100, pad,
				   pad);
		assert_int_equal(ike_sk_decrypt(&sk, msg, len, IKE_HDR_LEN + BEFORE_SK_LEN, &off,
						&got), 0);
		assert_int_equal(got, 100);
		assert_memory_equal(msg + off, plain, 100);

		/* authentic, but the pad length runs past the text */
		len = ref_seal_msg(s, &ek, &ak, msg, IKE_HDR_LEN, plain, 100, pad, 100 + pad + 1);
		assert_int_equal(ike_sk_decrypt(&sk, msg, len, IKE_HDR_LEN, &off, &got), -EPROTO);

		/* ike_sk -> reference */
		build_msg(msg, IKE_HDR_LEN + BEFORE_SK_LEN, plain, 100, ike_sk_iv_len(&sk));
		assert_int_equal(ike_sk_encrypt(&sk, msg, sizeof(msg), IKE_HDR_LEN + BEFORE_SK_LEN,
						100, &len), 0);
		text_len = len - IKE_HDR_LEN - BEFORE_SK_LEN - 4 - ike_sk_iv_len(&sk) -
			   ike_sk_icv_len(&sk);
		assert_true(ref_crypt(s, &ek, &ak, false, msg, IKE_HDR_LEN + BEFORE_SK_LEN,
				      text_len));
		off = IKE_HDR_LEN + BEFORE_SK_LEN + 4 + ike_sk_iv_len(&sk);
		assert_memory_equal(msg + off, plain, 100);
		assert_int_equal(msg[off + text_len - 1], text_len - 101);	/* pad length */
		ike_sk_wipe(&sk);
	}
}

static void round_trip(const struct ike_suite *s, size_t sk_off, size_t plain_len)
{
	uint8_t plain[2048], msg[MSG_MAX];
	struct ike_sk tx, rx;
	struct ike_key ek, ak;
	size_t len, off, got, iv;

	assert_true(plain_len <= sizeof(plain));
	fill(plain, plain_len, plain_len);
	random_keys(s, &ek, &ak);
	assert_int_equal(ike_sk_init(&tx, s, &ek, &ak), 0);
	assert_int_equal(ike_sk_init(&rx, s, &ek, &ak), 0);
	iv = ike_sk_iv_len(&tx);
	build_msg(msg, sk_off, plain, plain_len, iv);
	assert_int_equal(ike_sk_encrypt(&tx, msg, sizeof(msg), sk_off, plain_len, &len), 0);
	assert_int_equal(len, sk_off + ike_sk_payload_len(&tx, plain_len));
	assert_int_equal(get_be32(msg + 24), len);
	assert_int_equal(get_be16(msg + sk_off + 2), len - sk_off);
	assert_int_equal(msg[sk_off], IKE_PL_IDI);
	if (!is_aead(s))
		assert_int_equal((len - sk_off - 4 - iv - ike_sk_icv_len(&tx)) % 16, 0);
	assert_int_equal(ike_sk_decrypt(&rx, msg, len, sk_off, &off, &got), 0);
	assert_int_equal(off, sk_off + 4 + iv);
	assert_int_equal(got, plain_len);
	assert_memory_equal(msg + off, plain, plain_len);
	ike_sk_wipe(&tx);
	ike_sk_wipe(&rx);
}

static void test_round_trip_all_suites(void **state)
{
	static const size_t lens[] = { 0, 1, 14, 15, 16, 17, 31, 100, 1000, 2048 };
	char name[64];

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(all_suites); i++) {
		print_message("      %s\n", suite_name(&all_suites[i], name, sizeof(name)));
		for (size_t j = 0; j < ARRAY_LEN(lens); j++) {
			round_trip(&all_suites[i], IKE_HDR_LEN, lens[j]);
			round_trip(&all_suites[i], IKE_HDR_LEN + BEFORE_SK_LEN, lens[j]);
		}
	}
}

/* A flipped bit anywhere -- header, payload before SK, IV, text, ICV -- fails. */
static void test_tamper_every_byte(void **state)
{
	uint8_t plain[61], sealed[MSG_MAX], msg[MSG_MAX];
	const size_t sk_off = IKE_HDR_LEN + BEFORE_SK_LEN;

	(void)state;
	fill(plain, sizeof(plain), 3);
	for (size_t i = 0; i < ARRAY_LEN(all_suites); i++) {
		const struct ike_suite *s = &all_suites[i];
		struct ike_key ek, ak;
		size_t len, off, got;
		struct ike_sk sk;

		random_keys(s, &ek, &ak);
		assert_int_equal(ike_sk_init(&sk, s, &ek, &ak), 0);
		build_msg(sealed, sk_off, plain, sizeof(plain), ike_sk_iv_len(&sk));
		assert_int_equal(ike_sk_encrypt(&sk, sealed, sizeof(sealed), sk_off, sizeof(plain),
						&len), 0);
		for (size_t b = 0; b < len; b++) {
			for (unsigned int bit = 0; bit < 8; bit += 7) {
				memcpy(msg, sealed, len);
				msg[b] ^= 1u << bit;
				assert_int_not_equal(ike_sk_decrypt(&sk, msg, len, sk_off, &off,
								    &got), 0);
			}
		}
		/* truncated or extended messages fail on their lengths */
		memcpy(msg, sealed, len);
		assert_int_equal(ike_sk_decrypt(&sk, msg, len - 1, sk_off, &off, &got), -EMSGSIZE);
		assert_int_equal(ike_sk_decrypt(&sk, msg, len + 1, sk_off, &off, &got), -EMSGSIZE);
		assert_int_equal(ike_sk_decrypt(&sk, msg, len, sk_off - 4, &off, &got), -EMSGSIZE);
		assert_int_equal(ike_sk_decrypt(&sk, msg, len, sk_off, &off, &got), 0);
		ike_sk_wipe(&sk);
	}
}

static void test_ivs_differ(void **state)
{
	uint8_t plain[32] = { 0 }, a[MSG_MAX], b[MSG_MAX];

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(all_suites); i++) {
		const struct ike_suite *s = &all_suites[i];
		struct ike_key ek, ak;
		size_t alen, blen, iv;
		struct ike_sk sk;

		random_keys(s, &ek, &ak);
		assert_int_equal(ike_sk_init(&sk, s, &ek, &ak), 0);
		iv = ike_sk_iv_len(&sk);
		build_msg(a, IKE_HDR_LEN, plain, sizeof(plain), iv);
		build_msg(b, IKE_HDR_LEN, plain, sizeof(plain), iv);
		assert_int_equal(ike_sk_encrypt(&sk, a, sizeof(a), IKE_HDR_LEN, 32, &alen), 0);
		assert_int_equal(ike_sk_encrypt(&sk, b, sizeof(b), IKE_HDR_LEN, 32, &blen), 0);
		assert_int_equal(alen, blen);
		assert_memory_not_equal(a + IKE_HDR_LEN + 4, b + IKE_HDR_LEN + 4, iv);
		assert_memory_not_equal(a + IKE_HDR_LEN + 4 + iv, b + IKE_HDR_LEN + 4 + iv, 32);
		if (is_aead(s))	/* counter values 0 and 1 under one mask */
			assert_int_equal(get_be64(a + IKE_HDR_LEN + 4) ^
					 get_be64(b + IKE_HDR_LEN + 4), 1);
		ike_sk_wipe(&sk);
	}
}

static void test_encrypt_limits(void **state)
{
	const struct ike_suite *s = &all_suites[4];
	uint8_t msg[MSG_MAX], copy[MSG_MAX], plain[40];
	struct ike_key ek, ak;
	size_t len = 0, need;
	struct ike_sk sk, idle;

	(void)state;
	fill(plain, sizeof(plain), 1);
	random_keys(s, &ek, &ak);
	assert_int_equal(ike_sk_init(&sk, s, &ek, &ak), 0);
	memset(msg, 0x3c, sizeof(msg));
	build_msg(msg, IKE_HDR_LEN, plain, 40, 16);
	memcpy(copy, msg, sizeof(msg));
	need = IKE_HDR_LEN + ike_sk_payload_len(&sk, 40);
	assert_int_equal(ike_sk_encrypt(&sk, msg, need - 1, IKE_HDR_LEN, 40, &len), -ENOSPC);
	assert_memory_equal(msg, copy, sizeof(msg));	/* nothing written */
	assert_int_equal(ike_sk_encrypt(&sk, msg, 70000, IKE_HDR_LEN, IKE_MAX_MSG - 60, &len),
			 -EMSGSIZE);
	assert_int_equal(ike_sk_encrypt(&sk, msg, sizeof(msg), IKE_HDR_LEN - 1, 40, &len),
			 -EINVAL);
	sk.iv_seq = UINT64_MAX;	/* only AEADs count IVs */
	assert_int_equal(ike_sk_encrypt(&sk, msg, need, IKE_HDR_LEN, 40, &len), 0);
	assert_int_equal(len, need);
	ike_sk_wipe(&sk);

	assert_int_equal(ike_sk_init(&sk, &all_suites[0], &ek, NULL), -EINVAL);
	ek.len = 20;
	assert_int_equal(ike_sk_init(&sk, &all_suites[0], &ek, NULL), 0);
	sk.iv_seq = UINT64_MAX;
	build_msg(msg, IKE_HDR_LEN, plain, 40, 8);
	assert_int_equal(ike_sk_encrypt(&sk, msg, sizeof(msg), IKE_HDR_LEN, 40, &len), -EOVERFLOW);
	ike_sk_wipe(&sk);

	memset(&idle, 0, sizeof(idle));
	assert_int_equal(ike_sk_encrypt(&idle, msg, sizeof(msg), IKE_HDR_LEN, 40, &len), -EINVAL);
	assert_int_equal(ike_sk_decrypt(&idle, msg, need, IKE_HDR_LEN, &len, &len), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_init_refuses_bad_keys),
		cmocka_unit_test(test_strongswan_ike_auth_decrypt),
		cmocka_unit_test(test_strongswan_reseal_identical),
		cmocka_unit_test(test_init_dir_with_derived_keys),
		cmocka_unit_test(test_reference_interop),
		cmocka_unit_test(test_round_trip_all_suites),
		cmocka_unit_test(test_tamper_every_byte),
		cmocka_unit_test(test_ivs_differ),
		cmocka_unit_test(test_encrypt_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
