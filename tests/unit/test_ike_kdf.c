// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * IKEv2 PRF, prf+, key derivation and PSK AUTH.
 *
 * Known answers: RFC 4231 (HMAC-SHA2 as PRFs 5/6/7) and four strongSwan
 * 5.9.8 exchanges (ike_kdf_vectors.h): SKEYSEED from Ni | Nr and g^ir, every
 * SK_*, the Child SA's KEYMAT in both directions, the initiator's signed
 * octets rebuilt from the captured IKE_SA_INIT request, both PSK AUTH values.
 * What no peer logged (rekeyed IKE SAs, PFS Child SAs, SHA-384/512 splits,
 * AES-CBC + HMAC lengths) is checked against a reference prf+ written here
 * on OpenSSL's one-shot HMAC(), independent of ike_prf.c.
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

#include "ike_auth.h"
#include "ike_prf.h"
#include "ike_kdf_vectors.h"

enum { HEX_MAX = 2048, KM_MAX = 1024 };

static const uint16_t all_prfs[] = {
	IKE_PRF_HMAC_SHA2_256, IKE_PRF_HMAC_SHA2_384, IKE_PRF_HMAC_SHA2_512,
};

static const struct ike_suite all_suites[] = {
	{ IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE, IKE_PRF_HMAC_SHA2_256 },
	{ IKE_ENCR_AES_GCM_16, 192, IKE_INTEG_NONE, IKE_PRF_HMAC_SHA2_384 },
	{ IKE_ENCR_AES_GCM_16, 256, IKE_INTEG_NONE, IKE_PRF_HMAC_SHA2_512 },
	{ IKE_ENCR_CHACHA20_POLY1305, 0, IKE_INTEG_NONE, IKE_PRF_HMAC_SHA2_256 },
	{ IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128, IKE_PRF_HMAC_SHA2_256 },
	{ IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_384_192, IKE_PRF_HMAC_SHA2_384 },
	{ IKE_ENCR_AES_CBC, 192, IKE_INTEG_HMAC_SHA2_256_128, IKE_PRF_HMAC_SHA2_512 },
	{ IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_512_256, IKE_PRF_HMAC_SHA2_512 },
	{ IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_256_128, IKE_PRF_HMAC_SHA2_256 },
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

static void assert_key_hex(const struct ike_key *k, const char *hex)
{
	uint8_t want[HEX_MAX];
	size_t n = unhex(hex, want, sizeof(want));

	assert_int_equal(k->len, n);
	assert_memory_equal(k->buf, want, n);
}

static void assert_key_equal(const struct ike_key *a, const struct ike_key *b)
{
	assert_int_equal(a->len, b->len);
	assert_memory_equal(a->buf, b->buf, a->len);
}

static const EVP_MD *ref_md(uint16_t prf)
{
	switch (prf) {
	case IKE_PRF_HMAC_SHA2_256:
		return EVP_sha256();
	case IKE_PRF_HMAC_SHA2_384:
		return EVP_sha384();
	default:
		return EVP_sha512();
	}
}

static void ref_prf(uint16_t prf, const uint8_t *key, size_t klen, const uint8_t *data,
		    size_t dlen, uint8_t *out)
{
	unsigned int len = 0;

	assert_non_null(HMAC(ref_md(prf), key, (int)klen, data, dlen, out, &len));
	assert_int_equal(len, ike_prf_len(prf));
}

/* RFC 7296 2.13 written out plainly: T_n = prf(K, T_{n-1} | S | n). */
static void ref_prf_plus(uint16_t prf, const uint8_t *key, size_t klen, const uint8_t *seed,
			 size_t slen, uint8_t *out, size_t outlen)
{
	uint8_t buf[IKE_PRF_MAX_LEN + KM_MAX + 1], t[IKE_PRF_MAX_LEN];
	size_t hlen = ike_prf_len(prf), tlen = 0, done = 0;
	unsigned int n = 1;

	assert_true(slen <= KM_MAX);
	while (done < outlen) {
		size_t take = outlen - done < hlen ? outlen - done : hlen;

		memcpy(buf, t, tlen);
		memcpy(buf + tlen, seed, slen);
		buf[tlen + slen] = n++;
		ref_prf(prf, key, klen, buf, tlen + slen + 1, t);
		tlen = hlen;
		memcpy(out + done, t, take);
		done += take;
	}
}

static void append(uint8_t *buf, size_t *pos, const uint8_t *p, size_t len)
{
	memcpy(buf + *pos, p, len);
	*pos += len;
}

/* Fixed inputs for the derivations no peer logged. */
struct kdf_fixture {
	uint8_t ni[32], nr[48], gir[256], spi_i[8], spi_r[8];
	struct ike_kdf_input in;
};

static void fixture_init(struct kdf_fixture *f, bool with_gir)
{
	for (size_t i = 0; i < sizeof(f->ni); i++)
		f->ni[i] = 0x10 + i;
	for (size_t i = 0; i < sizeof(f->nr); i++)
		f->nr[i] = 0xa0 ^ i;
	for (size_t i = 0; i < sizeof(f->gir); i++)
		f->gir[i] = i * 7;
	f->gir[0] = 0;	/* a leading zero byte is part of g^ir */
	memcpy(f->spi_i, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	memcpy(f->spi_r, "\xf1\xf2\xf3\xf4\xf5\xf6\xf7\xf8", 8);
	f->in = (struct ike_kdf_input){
		.ni = f->ni, .ni_len = sizeof(f->ni), .nr = f->nr, .nr_len = sizeof(f->nr),
		.gir = with_gir ? f->gir : NULL, .gir_len = with_gir ? sizeof(f->gir) : 0,
		.spi_i = f->spi_i, .spi_r = f->spi_r,
	};
}

static void test_transform_facts(void **state)
{
	(void)state;
	assert_int_equal(ike_prf_len(IKE_PRF_HMAC_SHA2_256), 32);
	assert_int_equal(ike_prf_len(IKE_PRF_HMAC_SHA2_384), 48);
	assert_int_equal(ike_prf_len(IKE_PRF_HMAC_SHA2_512), 64);
	assert_int_equal(ike_prf_len(2), 0);	/* HMAC-SHA1: not offered */
	assert_int_equal(ike_encr_key_len(IKE_ENCR_AES_GCM_16, 128), 20);
	assert_int_equal(ike_encr_key_len(IKE_ENCR_AES_GCM_16, 256), 36);
	assert_int_equal(ike_encr_key_len(IKE_ENCR_CHACHA20_POLY1305, 0), 36);
	assert_int_equal(ike_encr_key_len(IKE_ENCR_AES_CBC, 128), 16);
	assert_int_equal(ike_encr_key_len(IKE_ENCR_AES_CBC, 256), 32);
	assert_int_equal(ike_encr_key_len(IKE_ENCR_AES_CBC, 64), -EINVAL);
	assert_int_equal(ike_encr_key_len(IKE_ENCR_CHACHA20_POLY1305, 128), -EINVAL);
	assert_int_equal(ike_encr_key_len(3, 0), -ENOTSUP);	/* 3DES */
	assert_int_equal(ike_integ_key_len(IKE_INTEG_HMAC_SHA2_256_128), 32);
	assert_int_equal(ike_integ_key_len(IKE_INTEG_HMAC_SHA2_384_192), 48);
	assert_int_equal(ike_integ_key_len(IKE_INTEG_HMAC_SHA2_512_256), 64);
	assert_int_equal(ike_integ_icv_len(IKE_INTEG_HMAC_SHA2_256_128), 16);
	assert_int_equal(ike_integ_icv_len(IKE_INTEG_HMAC_SHA2_384_192), 24);
	assert_int_equal(ike_integ_icv_len(IKE_INTEG_HMAC_SHA2_512_256), 32);
	assert_int_equal(ike_integ_key_len(IKE_INTEG_NONE), 0);
	assert_int_equal(ike_integ_key_len(2), -ENOTSUP);	/* HMAC-SHA1-96 */
}

static void test_suite_check(void **state)
{
	struct ike_suite s;

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(all_suites); i++)
		assert_int_equal(ike_suite_check(&all_suites[i], true), 0);
	s = (struct ike_suite){ IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_HMAC_SHA2_256_128,
				IKE_PRF_HMAC_SHA2_256 };
	assert_int_equal(ike_suite_check(&s, true), -EINVAL);
	s = (struct ike_suite){ IKE_ENCR_AES_CBC, 128, IKE_INTEG_NONE, IKE_PRF_HMAC_SHA2_256 };
	assert_int_equal(ike_suite_check(&s, true), -EINVAL);
	s = (struct ike_suite){ IKE_ENCR_AES_CBC, 128, 2, IKE_PRF_HMAC_SHA2_256 };
	assert_int_equal(ike_suite_check(&s, true), -ENOTSUP);
	s = (struct ike_suite){ IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE, 2 };
	assert_int_equal(ike_suite_check(&s, true), -ENOTSUP);
	assert_int_equal(ike_suite_check(&s, false), 0);	/* a Child SA has no PRF */
}

/* RFC 4231 4.3 (test case 2) and 4.7 (test case 6, a key longer than a block). */
static void test_prf_rfc4231(void **state)
{
	static const char *const tc2[] = {
		"5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
		"af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
		"8e2240ca5e69e2c78b3239ecfab21649",
		"164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
		"9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
	};
	static const char *const tc6[] = {
		"60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
		"4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6"
		"0c2ef6ab4030fe8296248df163f44952",
		"80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
		"6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598",
	};
	static const char data2[] = "what do ya want for nothing?";
	static const char data6[] = "Test Using Larger Than Block-Size Key - Hash Key First";
	uint8_t key6[131], out[IKE_PRF_MAX_LEN], want[IKE_PRF_MAX_LEN];

	(void)state;
	memset(key6, 0xaa, sizeof(key6));
	for (size_t i = 0; i < ARRAY_LEN(all_prfs); i++) {
		size_t n = unhex(tc2[i], want, sizeof(want));

		assert_int_equal(ike_prf(all_prfs[i], (const uint8_t *)"Jefe", 4,
					 (const uint8_t *)data2, strlen(data2), out), 0);
		assert_memory_equal(out, want, n);
		n = unhex(tc6[i], want, sizeof(want));
		assert_int_equal(ike_prf(all_prfs[i], key6, sizeof(key6),
					 (const uint8_t *)data6, strlen(data6), out), 0);
		assert_memory_equal(out, want, n);
	}
	assert_int_equal(ike_prf(2, key6, 4, key6, 4, out), -ENOTSUP);
	assert_int_equal(ike_prf(IKE_PRF_HMAC_SHA2_256, key6, 0, key6, 4, out), -EINVAL);
}

static void test_prf_chunks_are_concatenated(void **state)
{
	const uint8_t key[] = "chunked key", data[] = "0123456789abcdefghijklmnop";
	struct ike_chunk parts[4] = {
		{ data, 3 }, { data + 3, 0 }, { data + 3, 10 }, { data + 13, sizeof(data) - 13 },
	};
	uint8_t a[IKE_PRF_MAX_LEN], b[IKE_PRF_MAX_LEN];

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(all_prfs); i++) {
		assert_int_equal(ike_prf_v(all_prfs[i], key, sizeof(key), parts, 4, a), 0);
		assert_int_equal(ike_prf(all_prfs[i], key, sizeof(key), data, sizeof(data), b), 0);
		assert_memory_equal(a, b, ike_prf_len(all_prfs[i]));
	}
}

static void test_prf_plus_against_reference(void **state)
{
	static const size_t lens[] = { 1, 31, 32, 33, 200, 392 };
	const uint8_t key[] = "prf+ key", seed[] = "a seed that is not a multiple of anything";
	uint8_t out[IKE_PRF_PLUS_MAX_BLOCKS * IKE_PRF_MAX_LEN + 1], want[KM_MAX];

	(void)state;
	for (size_t p = 0; p < ARRAY_LEN(all_prfs); p++) {
		uint16_t prf = all_prfs[p];
		size_t max = IKE_PRF_PLUS_MAX_BLOCKS * ike_prf_len(prf);

		for (size_t i = 0; i < ARRAY_LEN(lens); i++) {
			assert_int_equal(ike_prf_plus(prf, key, sizeof(key), seed, sizeof(seed),
						      out, lens[i]), 0);
			ref_prf_plus(prf, key, sizeof(key), seed, sizeof(seed), want, lens[i]);
			assert_memory_equal(out, want, lens[i]);
		}
		/* the counter is one octet: 255 blocks and no more */
		assert_int_equal(ike_prf_plus(prf, key, sizeof(key), seed, sizeof(seed), out, max),
				 0);
		assert_int_equal(ike_prf_plus(prf, key, sizeof(key), seed, sizeof(seed), out,
					      max + 1), -EINVAL);
	}
}

static void kat_input(const struct ike_kat *v, uint8_t *buf, struct ike_kdf_input *in)
{
	size_t pos = 0;

	in->ni = buf + pos;
	in->ni_len = unhex(v->ni, buf + pos, 256);
	pos += in->ni_len;
	in->nr = buf + pos;
	in->nr_len = unhex(v->nr, buf + pos, 256);
	pos += in->nr_len;
	in->gir = buf + pos;
	in->gir_len = unhex(v->gir, buf + pos, 256);
	pos += in->gir_len;
	in->spi_i = buf + pos;
	assert_int_equal(unhex(v->spi_i, buf + pos, 8), 8);
	pos += 8;
	in->spi_r = buf + pos;
	assert_int_equal(unhex(v->spi_r, buf + pos, 8), 8);
}

static struct ike_suite kat_suite(const struct ike_kat *v)
{
	return (struct ike_suite){ v->encr, v->key_bits, IKE_INTEG_NONE, v->prf };
}

static void test_strongswan_skeyseed_and_sk(void **state)
{
	(void)state;
	for (size_t i = 0; i < IKE_KAT_COUNT; i++) {
		const struct ike_kat *v = &ike_kats[i];
		struct ike_suite s = kat_suite(v);
		uint8_t buf[1024], seed[IKE_PRF_MAX_LEN], want[IKE_PRF_MAX_LEN];
		struct ike_kdf_input in;
		struct ike_keys keys, again;

		print_message("      %s\n", v->name);
		kat_input(v, buf, &in);
		assert_int_equal(ike_skeyseed(v->prf, &in, seed), 0);
		assert_int_equal(unhex(v->skeyseed, want, sizeof(want)), ike_prf_len(v->prf));
		assert_memory_equal(seed, want, ike_prf_len(v->prf));

		assert_int_equal(ike_derive_sa_keys(&s, &in, &keys), 0);
		assert_key_hex(&keys.d, v->sk_d);
		assert_int_equal(keys.ai.len, 0);
		assert_int_equal(keys.ar.len, 0);
		assert_key_hex(&keys.ei, v->sk_ei);
		assert_key_hex(&keys.er, v->sk_er);
		assert_key_hex(&keys.pi, v->sk_pi);
		assert_key_hex(&keys.pr, v->sk_pr);

		assert_int_equal(ike_keys_from_skeyseed(&s, seed, ike_prf_len(v->prf), &in, &again),
				 0);
		assert_key_equal(&again.d, &keys.d);
		assert_key_equal(&again.ei, &keys.ei);
		assert_key_equal(&again.er, &keys.er);
		assert_key_equal(&again.pi, &keys.pi);
		assert_key_equal(&again.pr, &keys.pr);
		ike_keys_wipe(&keys);
		ike_keys_wipe(&again);
	}
}

static void test_strongswan_child_keymat(void **state)
{
	(void)state;
	for (size_t i = 0; i < IKE_KAT_COUNT; i++) {
		const struct ike_kat *v = &ike_kats[i];
		struct ike_suite ike = kat_suite(v), esp = ike;
		struct ike_kdf_input in;
		struct ike_child_keys child;
		struct ike_keys keys;
		uint8_t buf[1024];

		kat_input(v, buf, &in);
		assert_int_equal(ike_derive_sa_keys(&ike, &in, &keys), 0);
		/* the first Child SA, created by IKE_AUTH: no g^ir in its KEYMAT */
		in.gir = NULL;
		in.gir_len = 0;
		assert_int_equal(ike_derive_child_keys(v->prf, &keys.d, &esp, &in, &child), 0);
		assert_key_hex(&child.encr_i, v->esp_encr_i);
		assert_key_hex(&child.encr_r, v->esp_encr_r);
		assert_int_equal(child.integ_i.len, 0);
		assert_int_equal(child.integ_r.len, 0);
		ike_child_keys_wipe(&child);
		ike_keys_wipe(&keys);
	}
}

/* Every suite: SK_* are consecutive slices of prf+ with the right lengths. */
static void test_sa_key_split_all_suites(void **state)
{
	struct kdf_fixture f;

	(void)state;
	fixture_init(&f, true);
	for (size_t i = 0; i < ARRAY_LEN(all_suites); i++) {
		const struct ike_suite *s = &all_suites[i];
		size_t plen = ike_prf_len(s->prf), elen = ike_encr_key_len(s->encr, s->key_bits);
		size_t alen = ike_integ_key_len(s->integ), pos = 0;
		uint8_t key[2 * IKE_NONCE_MAX], seed[KM_MAX], skeyseed[IKE_PRF_MAX_LEN];
		uint8_t km[KM_MAX];
		const struct ike_key *order[7];
		size_t klen = 0, slen = 0;
		struct ike_keys keys;

		append(key, &klen, f.ni, sizeof(f.ni));
		append(key, &klen, f.nr, sizeof(f.nr));
		ref_prf(s->prf, key, klen, f.gir, sizeof(f.gir), skeyseed);
		append(seed, &slen, key, klen);
		append(seed, &slen, f.spi_i, 8);
		append(seed, &slen, f.spi_r, 8);
		ref_prf_plus(s->prf, skeyseed, plen, seed, slen, km,
			     3 * plen + 2 * elen + 2 * alen);

		assert_int_equal(ike_derive_sa_keys(s, &f.in, &keys), 0);
		order[0] = &keys.d;
		order[1] = &keys.ai;
		order[2] = &keys.ar;
		order[3] = &keys.ei;
		order[4] = &keys.er;
		order[5] = &keys.pi;
		order[6] = &keys.pr;
		for (size_t k = 0; k < 7; k++) {
			size_t want = k == 0 || k >= 5 ? plen : k <= 2 ? alen : elen;

			assert_int_equal(order[k]->len, want);
			assert_memory_equal(order[k]->buf, km + pos, want);
			pos += want;
		}
		ike_keys_wipe(&keys);
	}
}

/* RFC 7296 2.18: the old SA's PRF makes SKEYSEED, the new SA's PRF the split. */
static void test_rekeyed_ike_sa(void **state)
{
	const struct ike_suite news = { IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_512_256,
					IKE_PRF_HMAC_SHA2_512 };
	const uint16_t old_prf = IKE_PRF_HMAC_SHA2_256;
	uint8_t data[KM_MAX], seed[KM_MAX], skeyseed[IKE_PRF_MAX_LEN], got[IKE_PRF_MAX_LEN];
	uint8_t km[KM_MAX];
	struct ike_key old_d = { .len = 32 };
	struct kdf_fixture f;
	struct ike_keys keys;
	size_t dlen = 0, slen = 0;

	(void)state;
	fixture_init(&f, true);
	memset(old_d.buf, 0x5d, old_d.len);
	append(data, &dlen, f.gir, sizeof(f.gir));
	append(data, &dlen, f.ni, sizeof(f.ni));
	append(data, &dlen, f.nr, sizeof(f.nr));
	ref_prf(old_prf, old_d.buf, old_d.len, data, dlen, skeyseed);

	assert_int_equal(ike_skeyseed_rekey(old_prf, &old_d, &f.in, got), 0);
	assert_memory_equal(got, skeyseed, 32);

	append(seed, &slen, f.ni, sizeof(f.ni));
	append(seed, &slen, f.nr, sizeof(f.nr));
	append(seed, &slen, f.spi_i, 8);
	append(seed, &slen, f.spi_r, 8);
	ref_prf_plus(news.prf, skeyseed, 32, seed, slen, km, 3 * 64 + 2 * 32 + 2 * 64);
	assert_int_equal(ike_derive_rekeyed_sa_keys(old_prf, &old_d, &news, &f.in, &keys), 0);
	assert_int_equal(keys.d.len, 64);
	assert_memory_equal(keys.d.buf, km, 64);
	assert_int_equal(keys.ai.len, 64);
	assert_memory_equal(keys.ar.buf, km + 128, 64);
	assert_int_equal(keys.ei.len, 32);
	assert_memory_equal(keys.er.buf, km + 64 + 128 + 32, 32);
	assert_memory_equal(keys.pr.buf, km + 64 + 128 + 64 + 64, 64);
	ike_keys_wipe(&keys);

	/* a rekey without a new Diffie-Hellman is not allowed */
	f.in.gir = NULL;
	f.in.gir_len = 0;
	assert_int_equal(ike_skeyseed_rekey(old_prf, &old_d, &f.in, got), -EINVAL);
	assert_int_equal(ike_derive_rekeyed_sa_keys(old_prf, &old_d, &news, &f.in, &keys),
			 -EINVAL);
}

/* RFC 7296 2.17 with PFS, AES-CBC + HMAC: encr_i, integ_i, encr_r, integ_r. */
static void test_child_keys_pfs_cbc(void **state)
{
	static const uint16_t integs[] = {
		IKE_INTEG_HMAC_SHA2_256_128, IKE_INTEG_HMAC_SHA2_384_192,
		IKE_INTEG_HMAC_SHA2_512_256,
	};
	struct ike_key sk_d = { .len = 48 };
	uint8_t seed[KM_MAX], km[KM_MAX];
	struct ike_child_keys child;
	struct kdf_fixture f;
	size_t slen = 0;

	(void)state;
	fixture_init(&f, true);
	memset(sk_d.buf, 0xd0, sk_d.len);
	append(seed, &slen, f.gir, sizeof(f.gir));
	append(seed, &slen, f.ni, sizeof(f.ni));
	append(seed, &slen, f.nr, sizeof(f.nr));
	for (size_t i = 0; i < ARRAY_LEN(integs); i++) {
		struct ike_suite esp = { IKE_ENCR_AES_CBC, 128, integs[i], 0 };
		size_t alen = ike_integ_key_len(integs[i]);

		ref_prf_plus(IKE_PRF_HMAC_SHA2_384, sk_d.buf, sk_d.len, seed, slen, km,
			     2 * (16 + alen));
		assert_int_equal(ike_derive_child_keys(IKE_PRF_HMAC_SHA2_384, &sk_d, &esp, &f.in,
						       &child), 0);
		assert_int_equal(child.encr_i.len, 16);
		assert_memory_equal(child.encr_i.buf, km, 16);
		assert_int_equal(child.integ_i.len, alen);
		assert_memory_equal(child.integ_i.buf, km + 16, alen);
		assert_memory_equal(child.encr_r.buf, km + 16 + alen, 16);
		assert_int_equal(child.integ_r.len, alen);
		assert_memory_equal(child.integ_r.buf, km + 32 + alen, alen);
		ike_child_keys_wipe(&child);
	}
}

static void test_bad_inputs_refused(void **state)
{
	const struct ike_suite gcm = { IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE,
				       IKE_PRF_HMAC_SHA2_256 };
	struct ike_suite bad = gcm;
	uint8_t out[IKE_PRF_MAX_LEN];
	struct ike_key sk_d = { .len = 32 };
	struct ike_child_keys child;
	struct ike_keys keys;
	struct kdf_fixture f;

	(void)state;
	fixture_init(&f, true);
	bad.integ = IKE_INTEG_HMAC_SHA2_256_128;
	assert_int_equal(ike_derive_sa_keys(&bad, &f.in, &keys), -EINVAL);
	bad = gcm;
	bad.prf = 4;	/* PRF_AES128_XCBC */
	assert_int_equal(ike_derive_sa_keys(&bad, &f.in, &keys), -ENOTSUP);
	f.in.ni_len = IKE_NONCE_MIN - 1;
	assert_int_equal(ike_derive_sa_keys(&gcm, &f.in, &keys), -EINVAL);
	assert_int_equal(ike_derive_child_keys(gcm.prf, &sk_d, &gcm, &f.in, &child), -EINVAL);
	fixture_init(&f, false);
	assert_int_equal(ike_skeyseed(gcm.prf, &f.in, out), -EINVAL);
	assert_int_equal(ike_derive_sa_keys(&gcm, &f.in, &keys), -EINVAL);
	f.in.spi_r = NULL;
	assert_int_equal(ike_keys_from_skeyseed(&gcm, out, 32, &f.in, &keys), -EINVAL);
	sk_d.len = 0;
	fixture_init(&f, false);
	assert_int_equal(ike_derive_child_keys(gcm.prf, &sk_d, &gcm, &f.in, &child), -EINVAL);
}

static void test_keys_wipe(void **state)
{
	struct ike_keys keys, zero;
	struct ike_child_keys child, czero;

	(void)state;
	memset(&keys, 0xa5, sizeof(keys));
	memset(&child, 0x5a, sizeof(child));
	memset(&zero, 0, sizeof(zero));
	memset(&czero, 0, sizeof(czero));
	ike_keys_wipe(&keys);
	ike_child_keys_wipe(&child);
	assert_memory_equal(&keys, &zero, sizeof(keys));
	assert_memory_equal(&child, &czero, sizeof(child));
}

/* The octets a vector's initiator MACed or signed, rebuilt from its parts. */
struct auth_parts {
	uint8_t init_req[HEX_MAX], init_resp[HEX_MAX], ni[256], nr[256];
	uint8_t sk_pi[64], sk_pr[64], idi[256], idr[256];
	size_t init_req_len, init_resp_len, ni_len, nr_len, sk_pi_len, sk_pr_len, idi_len, idr_len;
};

static void auth_parts_init(struct auth_parts *a, const struct ike_kat *v)
{
	a->init_req_len = unhex(v->init_req, a->init_req, sizeof(a->init_req));
	a->init_resp_len = unhex(v->init_resp, a->init_resp, sizeof(a->init_resp));
	a->ni_len = unhex(v->ni, a->ni, sizeof(a->ni));
	a->nr_len = unhex(v->nr, a->nr, sizeof(a->nr));
	a->sk_pi_len = unhex(v->sk_pi, a->sk_pi, sizeof(a->sk_pi));
	a->sk_pr_len = unhex(v->sk_pr, a->sk_pr, sizeof(a->sk_pr));
	a->idi_len = unhex(v->idi, a->idi, sizeof(a->idi));
	a->idr_len = unhex(v->idr, a->idr, sizeof(a->idr));
}

static void test_signed_octets_from_parts(void **state)
{
	(void)state;
	for (size_t i = 0; i < IKE_KAT_COUNT; i++) {
		const struct ike_kat *v = &ike_kats[i];
		uint8_t want[HEX_MAX], got[HEX_MAX];
		struct ike_signed_octets so;
		struct auth_parts a;
		size_t n;

		auth_parts_init(&a, v);
		n = unhex(v->octets_i, want, sizeof(want));
		assert_int_equal(ike_auth_octets_init(&so, v->prf, a.init_req, a.init_req_len,
						      a.nr, a.nr_len, a.sk_pi, a.sk_pi_len,
						      a.idi, a.idi_len), 0);
		assert_int_equal(ike_auth_octets_len(&so), n);
		assert_int_equal(ike_auth_octets_copy(&so, got, n - 1), -ENOSPC);
		assert_int_equal(ike_auth_octets_copy(&so, got, sizeof(got)), 0);
		assert_memory_equal(got, want, n);
		ike_auth_octets_wipe(&so);
	}
}

static void test_psk_auth_from_logged_octets(void **state)
{
	(void)state;
	for (size_t i = 0; i < IKE_KAT_COUNT; i++) {
		const struct ike_kat *v = &ike_kats[i];
		uint8_t octets[HEX_MAX], want[IKE_PRF_MAX_LEN], got[IKE_PRF_MAX_LEN];
		struct ike_chunk part = { octets, 0 };
		size_t got_len = sizeof(got);

		if (!v->auth_i)
			continue;
		part.len = unhex(v->octets_i, octets, sizeof(octets));
		assert_int_equal(ike_auth_psk_mac(v->prf, (const uint8_t *)IKE_KAT_PSK,
						  strlen(IKE_KAT_PSK), &part, 1, got, &got_len), 0);
		assert_int_equal(got_len, unhex(v->auth_i, want, sizeof(want)));
		assert_memory_equal(got, want, got_len);
	}
}

static void check_psk_side(const struct ike_kat *v, const uint8_t *msg, size_t msg_len,
			   const uint8_t *nonce, size_t nonce_len, const uint8_t *sk_p,
			   size_t sk_p_len, const uint8_t *id, size_t id_len, const char *want_hex)
{
	const uint8_t *psk = (const uint8_t *)IKE_KAT_PSK;
	uint8_t want[IKE_PRF_MAX_LEN], got[IKE_PRF_MAX_LEN];
	size_t want_len = unhex(want_hex, want, sizeof(want)), got_len = sizeof(got);

	assert_int_equal(ike_auth_psk_compute(v->prf, psk, strlen(IKE_KAT_PSK), msg, msg_len,
					      nonce, nonce_len, sk_p, sk_p_len, id, id_len,
					      got, &got_len), 0);
	assert_int_equal(got_len, want_len);
	assert_memory_equal(got, want, want_len);
	assert_int_equal(ike_auth_psk_verify(v->prf, psk, strlen(IKE_KAT_PSK), msg, msg_len,
					     nonce, nonce_len, sk_p, sk_p_len, id, id_len,
					     want, want_len), 0);
	want[want_len - 1] ^= 1;
	assert_int_equal(ike_auth_psk_verify(v->prf, psk, strlen(IKE_KAT_PSK), msg, msg_len,
					     nonce, nonce_len, sk_p, sk_p_len, id, id_len,
					     want, want_len), -EBADMSG);
	want[want_len - 1] ^= 1;
	assert_int_equal(ike_auth_psk_verify(v->prf, psk, strlen(IKE_KAT_PSK), msg, msg_len,
					     nonce, nonce_len, sk_p, sk_p_len, id, id_len,
					     want, want_len - 1), -EBADMSG);
	assert_int_equal(ike_auth_psk_verify(v->prf, psk, strlen(IKE_KAT_PSK) - 1, msg,
					     msg_len, nonce, nonce_len, sk_p, sk_p_len, id,
					     id_len, want, want_len), -EBADMSG);
}

/* Both sides' AUTH: message + nonce + prf(SK_p, ID') from the capture. */
static void test_psk_auth_from_parts(void **state)
{
	(void)state;
	for (size_t i = 0; i < IKE_KAT_COUNT; i++) {
		const struct ike_kat *v = &ike_kats[i];
		struct auth_parts a;

		if (!v->psk)
			continue;
		print_message("      %s\n", v->name);
		auth_parts_init(&a, v);
		check_psk_side(v, a.init_req, a.init_req_len, a.nr, a.nr_len, a.sk_pi, a.sk_pi_len,
			       a.idi, a.idi_len, v->auth_i);
		if (v->auth_r)
			check_psk_side(v, a.init_resp, a.init_resp_len, a.ni, a.ni_len, a.sk_pr,
				       a.sk_pr_len, a.idr, a.idr_len, v->auth_r);
	}
}

static void test_psk_auth_bad_inputs(void **state)
{
	const uint8_t psk[] = "secret", msg[IKE_HDR_LEN] = { 0 }, nonce[16] = { 0 };
	const uint8_t sk_p[32] = { 1 }, id[5] = { 2 };
	uint8_t out[IKE_PRF_MAX_LEN];
	size_t len = 31;

	(void)state;
	assert_int_equal(ike_auth_psk_compute(IKE_PRF_HMAC_SHA2_256, psk, 6, msg, sizeof(msg),
					      nonce, sizeof(nonce), sk_p, 32, id, 5, out, &len),
			 -ENOSPC);
	len = sizeof(out);
	assert_int_equal(ike_auth_psk_compute(IKE_PRF_HMAC_SHA2_256, psk, 0, msg, sizeof(msg),
					      nonce, sizeof(nonce), sk_p, 32, id, 5, out, &len),
			 -EINVAL);
	assert_int_equal(ike_auth_psk_compute(IKE_PRF_HMAC_SHA2_256, psk, 6, msg, sizeof(msg),
					      nonce, 15, sk_p, 32, id, 5, out, &len), -EINVAL);
	assert_int_equal(ike_auth_psk_compute(IKE_PRF_HMAC_SHA2_256, psk, 6, msg, sizeof(msg),
					      nonce, sizeof(nonce), sk_p, 32, id, 3, out, &len),
			 -EINVAL);
	assert_int_equal(ike_auth_psk_compute(IKE_PRF_HMAC_SHA2_256, psk, 6, msg, 27,
					      nonce, sizeof(nonce), sk_p, 32, id, 5, out, &len),
			 -EINVAL);
	assert_int_equal(ike_auth_psk_compute(2, psk, 6, msg, sizeof(msg), nonce, sizeof(nonce),
					      sk_p, 32, id, 5, out, &len), -ENOTSUP);
	assert_int_equal(ike_auth_psk_compute(IKE_PRF_HMAC_SHA2_512, psk, 6, msg, sizeof(msg),
					      nonce, sizeof(nonce), sk_p, 32, id, 5, out, &len), 0);
	assert_int_equal(len, 64);
	assert_true(ike_auth_method_supported(IKE_AUTH_PSK));
	assert_false(ike_auth_method_supported(IKE_AUTH_DIGITAL_SIGNATURE));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transform_facts),
		cmocka_unit_test(test_suite_check),
		cmocka_unit_test(test_prf_rfc4231),
		cmocka_unit_test(test_prf_chunks_are_concatenated),
		cmocka_unit_test(test_prf_plus_against_reference),
		cmocka_unit_test(test_strongswan_skeyseed_and_sk),
		cmocka_unit_test(test_strongswan_child_keymat),
		cmocka_unit_test(test_sa_key_split_all_suites),
		cmocka_unit_test(test_rekeyed_ike_sa),
		cmocka_unit_test(test_child_keys_pfs_cbc),
		cmocka_unit_test(test_bad_inputs_refused),
		cmocka_unit_test(test_keys_wipe),
		cmocka_unit_test(test_signed_octets_from_parts),
		cmocka_unit_test(test_psk_auth_from_logged_octets),
		cmocka_unit_test(test_psk_auth_from_parts),
		cmocka_unit_test(test_psk_auth_bad_inputs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
