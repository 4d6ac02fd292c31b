// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * IKEv2 message level (ike_msg.c):
 *   - strongSwan 5.9.8 traffic (ike_msg_vectors.h): header fields against
 *     *.keys.txt, the payload sequence charon logged, the SK payload of
 *     IKE_AUTH and its layout against tshark's dissection;
 *   - the SK layout contract, end to end: the captured IKE_AUTH request is
 *     decrypted in place with the layout ike_sk_split gives and rebuilt
 *     with the builder, then sealed in place with the layout
 *     ike_build_sk_end gives, and must come out byte for byte as captured.
 *     The AES-GCM here is a reference written with one-shot OpenSSL calls in
 *     this file: the codec has no cipher;
 *   - robustness: every truncation of every vector, with and without the
 *     header length fixed up, and 10,000 single-octet mutations; malformed
 *     chains; critical and non-critical unknown payloads; SKF fields;
 *   - the builder: chaining, SK padding, misuse, every too-small buffer.
 * Buffers are allocated to their exact size so that ASan sees any access
 * outside them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "ike_msg.h"
#include "ike_payload.h"
#include "ike_msg_vectors.h"

enum {
	GCM_IV_LEN = 8,
	GCM_ICV_LEN = 16,
	GCM_SALT_LEN = 4,
	GCM_KEY_LEN = 16,
	MUTATIONS = 10000,
	BIG = 4096,
};

/* ---- helpers ---- */

static size_t unhex(const char *hex, uint8_t *out, size_t max)
{
	size_t n = strlen(hex) / 2, i;

	assert_int_equal(strlen(hex) % 2, 0);
	assert_true(n <= max);
	for (i = 0; i < n; i++) {
		unsigned int byte;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &byte), 1);
		out[i] = (uint8_t)byte;
	}
	return n;
}

/* The vector in a buffer of exactly its size. */
static uint8_t *unhex_alloc(const char *hex, size_t *len)
{
	uint8_t *p;

	*len = strlen(hex) / 2;
	p = malloc(*len ? *len : 1);
	assert_non_null(p);
	unhex(hex, p, *len);
	return p;
}

static void assert_hex(const uint8_t *p, size_t len, const char *hex)
{
	uint8_t want[BIG];
	size_t n = unhex(hex, want, sizeof(want));

	assert_int_equal(len, n);
	assert_memory_equal(p, want, n);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/*
 * What any successful parse must satisfy: payloads back to back from start
 * to len, bodies inside the buffer, links consistent, an SK payload only
 * last.
 */
static void check_chain(const struct ike_chain *c, const uint8_t *buf, size_t start, size_t len,
			bool outer)
{
	size_t off = start;
	unsigned int i;

	assert_true(c->n <= IKE_MAX_PAYLOADS);
	for (i = 0; i < c->n; i++) {
		const struct ike_payload *p = &c->pl[i];

		assert_int_equal(p->off, off);
		assert_ptr_equal(p->body, buf + off + IKE_GENERIC_HDR_LEN);
		assert_true(p->len <= len - off - IKE_GENERIC_HDR_LEN);
		assert_false(!p->known && p->critical);
		off += IKE_GENERIC_HDR_LEN + p->len;
		if (p->type == IKE_PL_SK || p->type == IKE_PL_SKF) {
			assert_true(outer);
			assert_int_equal(i + 1, c->n);
		} else if (i + 1 < c->n) {
			assert_int_equal(p->next, c->pl[i + 1].type);
		}
	}
	assert_int_equal(off, len);
}

static void check_msg(const struct ike_msg *m, const uint8_t *buf, size_t len)
{
	struct ike_sk_layout l;

	assert_int_equal(m->hdr.length, len);
	assert_int_equal(m->hdr.version & IKE_VERSION_MAJOR_MASK, IKE_VERSION_2);
	check_chain(&m->chain, buf, IKE_HDR_LEN, len, true);
	if (!m->has_sk)
		return;
	assert_int_equal(m->sk.type, m->chain.pl[m->chain.n - 1].type);
	if (m->sk.type == IKE_PL_SKF)
		assert_true(m->frag_num >= 1 && m->frag_num <= m->frag_total);
	if (ike_sk_split(m, GCM_IV_LEN, GCM_ICV_LEN, &l) == IKE_PARSE_OK) {
		assert_int_equal(l.total, len);
		assert_true(l.pt_len >= 1);
		assert_int_equal(l.icv_off + l.icv_len, len);
	}
}

/* The payload types of a chain, and for notifies their notify types. */
static void assert_sequence(const struct ike_chain *c, const uint16_t *want, unsigned int n)
{
	unsigned int i;

	assert_int_equal(c->n, n);
	for (i = 0; i < n; i++) {
		const struct ike_payload *p = &c->pl[i];
		uint16_t got = p->type;
		struct ike_pl_notify nt;

		if (p->type == IKE_PL_NOTIFY) {
			assert_int_equal(ike_pl_notify_decode(p->body, p->len, &nt), IKE_PARSE_OK);
			got = nt.type;
		}
		if (got != want[i])
			fail_msg("payload %u: %u, want %u", i, got, want[i]);
		assert_true(p->known);
		assert_false(p->critical);
	}
}

#define ASSERT_SEQ(c, ...) do { \
	static const uint16_t want_[] = { __VA_ARGS__ }; \
	assert_sequence(c, want_, sizeof(want_) / sizeof(want_[0])); \
} while (0)

static void parse_ok(const char *hex, uint8_t **buf, size_t *len, struct ike_msg *m)
{
	*buf = unhex_alloc(hex, len);
	assert_int_equal(ike_msg_parse(*buf, *len, m, NULL), IKE_PARSE_OK);
	check_msg(m, *buf, *len);
}

/* One-shot AES-GCM-128 in place, RFC 5282 style: key | salt, nonce salt | iv. */
static bool gcm(bool enc, const uint8_t *keysalt, const uint8_t *iv, const uint8_t *aad,
		size_t aad_len, uint8_t *data, size_t len, uint8_t *tag)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t nonce[GCM_SALT_LEN + GCM_IV_LEN];
	int out, ok;

	memcpy(nonce, keysalt + GCM_KEY_LEN, GCM_SALT_LEN);
	memcpy(nonce + GCM_SALT_LEN, iv, GCM_IV_LEN);
	ok = ctx && EVP_CipherInit_ex(ctx, EVP_aes_128_gcm(), NULL, NULL, NULL, enc) &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, sizeof(nonce), NULL) &&
	     EVP_CipherInit_ex(ctx, NULL, NULL, keysalt, nonce, enc) &&
	     EVP_CipherUpdate(ctx, NULL, &out, aad, (int)aad_len) &&
	     EVP_CipherUpdate(ctx, data, &out, data, (int)len) &&
	     (enc || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, GCM_ICV_LEN, tag)) &&
	     EVP_CipherFinal_ex(ctx, data + len, &out) &&
	     (!enc || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, GCM_ICV_LEN, tag));
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

static struct ike_hdr test_hdr(void)
{
	struct ike_hdr h = {
		.spi_i = { 1, 2, 3, 4, 5, 6, 7, 8 },
		.version = IKE_VERSION_2,
		.exchange = IKE_INFORMATIONAL,
		.flags = IKE_FLAG_INITIATOR,
		.msg_id = 7,
	};

	return h;
}

/* ---- strongSwan traffic ---- */

static void test_vectors_parse(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N_IKE_VECTORS; i++) {
		const struct ike_vector *v = &ike_vectors[i];
		struct ike_msg m;
		uint8_t *buf;
		size_t len;

		parse_ok(v->hex, &buf, &len, &m);
		assert_int_equal(m.hdr.version, IKE_VERSION_2);
		assert_int_equal(m.hdr.exchange, v->exchange);
		assert_int_equal(m.hdr.flags, v->flags);
		assert_int_equal(m.hdr.msg_id, v->msg_id);
		assert_int_equal(m.has_sk, v->exchange == IKE_AUTH);
		free(buf);
	}
}

static void test_psk_nat_init_request(void **state)
{
	struct ike_msg m;
	uint8_t *buf;
	size_t len;

	(void)state;
	parse_ok(psk_nat_init_req, &buf, &len, &m);
	assert_int_equal(len, 232);
	assert_hex(m.hdr.spi_i, IKE_SPI_LEN, PSK_NAT_SPI_I);
	assert_hex(m.hdr.spi_r, IKE_SPI_LEN, "0000000000000000");
	assert_int_equal(m.hdr.exchange, IKE_SA_INIT);
	assert_int_equal(m.hdr.flags, IKE_FLAG_INITIATOR);
	assert_int_equal(m.hdr.msg_id, 0);
	assert_false(m.has_sk);
	/* SA KE No N(NATD_S_IP) N(NATD_D_IP) N(FRAG_SUP) N(HASH_ALG) N(REDIR_SUP) */
	ASSERT_SEQ(&m.chain, IKE_PL_SA, IKE_PL_KE, IKE_PL_NONCE,
		   IKE_N_NAT_DETECTION_SOURCE_IP, IKE_N_NAT_DETECTION_DESTINATION_IP,
		   IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, IKE_N_SIGNATURE_HASH_ALGORITHMS,
		   IKE_N_REDIRECT_SUPPORTED);
	assert_int_equal(m.chain.pl[0].len, 36);	/* tshark: SA payload length 40 */
	assert_int_equal(m.chain.pl[1].len, 36);	/* KE 40 */
	assert_int_equal(m.chain.pl[2].len, 32);	/* Nonce 36 */
	free(buf);
}

static void test_psk_nat_init_response(void **state)
{
	struct ike_msg m;
	uint8_t *buf;
	size_t len;

	(void)state;
	parse_ok(psk_nat_init_resp, &buf, &len, &m);
	assert_int_equal(len, 240);
	assert_hex(m.hdr.spi_i, IKE_SPI_LEN, PSK_NAT_SPI_I);
	assert_hex(m.hdr.spi_r, IKE_SPI_LEN, PSK_NAT_SPI_R);
	assert_int_equal(m.hdr.flags, IKE_FLAG_RESPONSE);
	/* SA KE No N(NATD_S_IP) N(NATD_D_IP) N(FRAG_SUP) N(HASH_ALG) N(CHDLESS_SUP) N(MULT_AUTH) */
	ASSERT_SEQ(&m.chain, IKE_PL_SA, IKE_PL_KE, IKE_PL_NONCE,
		   IKE_N_NAT_DETECTION_SOURCE_IP, IKE_N_NAT_DETECTION_DESTINATION_IP,
		   IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, IKE_N_SIGNATURE_HASH_ALGORITHMS,
		   IKE_N_CHILDLESS_IKEV2_SUPPORTED, IKE_N_MULTIPLE_AUTH_SUPPORTED);
	free(buf);
}

static void test_cert_nat_init_response(void **state)
{
	struct ike_msg m;
	uint8_t *buf;
	size_t len;

	(void)state;
	parse_ok(cert_nat_init_resp, &buf, &len, &m);
	assert_hex(m.hdr.spi_i, IKE_SPI_LEN, CERT_NAT_SPI_I);
	assert_hex(m.hdr.spi_r, IKE_SPI_LEN, CERT_NAT_SPI_R);
	ASSERT_SEQ(&m.chain, IKE_PL_SA, IKE_PL_KE, IKE_PL_NONCE,
		   IKE_N_NAT_DETECTION_SOURCE_IP, IKE_N_NAT_DETECTION_DESTINATION_IP,
		   IKE_PL_CERTREQ, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED,
		   IKE_N_SIGNATURE_HASH_ALGORITHMS, IKE_N_CHILDLESS_IKEV2_SUPPORTED,
		   IKE_N_MULTIPLE_AUTH_SUPPORTED);
	free(buf);
}

/* tshark: SK length 265, IV 53f65389217feea4, 237 octets encrypted, ICV 2f02...e3c2. */
static void test_psk_nat_auth_request_sk(void **state)
{
	struct ike_sk_layout l;
	struct ike_msg m;
	uint8_t *buf;
	size_t len;

	(void)state;
	parse_ok(psk_nat_auth_req, &buf, &len, &m);
	assert_int_equal(len, 293);
	assert_hex(m.hdr.spi_r, IKE_SPI_LEN, PSK_NAT_SPI_R);
	assert_int_equal(m.hdr.next_payload, IKE_PL_SK);
	assert_int_equal(m.chain.n, 1);
	assert_true(m.has_sk);
	assert_int_equal(m.sk.type, IKE_PL_SK);
	assert_int_equal(m.sk.next, IKE_PL_IDI);
	assert_int_equal(m.sk.off, IKE_HDR_LEN);
	assert_int_equal(m.sk.len, 265 - IKE_GENERIC_HDR_LEN);
	assert_int_equal(ike_sk_split(&m, GCM_IV_LEN, GCM_ICV_LEN, &l), IKE_PARSE_OK);
	assert_int_equal(l.aad_len, 32);
	assert_int_equal(l.iv_off, 32);
	assert_int_equal(l.pt_off, 40);
	assert_int_equal(l.pt_len, 237);
	assert_int_equal(l.icv_off, 277);
	assert_int_equal(l.total, 293);
	assert_hex(buf + l.iv_off, l.iv_len, "53f65389217feea4");
	assert_hex(buf + l.icv_off, l.icv_len, "2f027084c77c1a3a10d166d0785ee3c2");
	free(buf);
}

static void test_auth_responses_sk(void **state)
{
	struct ike_msg m;
	uint8_t *buf;
	size_t len;

	(void)state;
	parse_ok(psk_nat_auth_resp, &buf, &len, &m);
	assert_int_equal(m.chain.n, 1);
	assert_int_equal(m.sk.next, IKE_PL_IDR);
	assert_int_equal(m.sk.len, 214 - IKE_GENERIC_HDR_LEN);
	free(buf);
	parse_ok(cert_nat_auth_req, &buf, &len, &m);
	assert_int_equal(m.chain.n, 1);
	assert_int_equal(m.sk.next, IKE_PL_IDI);
	free(buf);
}

/*
 * Decrypt in place along ike_sk_split's layout, unpad, parse the inner
 * chain: IDi N(INIT_CONTACT) IDr AUTH CPRQ(ADDR) SA TSi TSr N(MOBIKE_SUP)
 * N(NO_ADD_ADDR) N(MULT_AUTH) N(EAP_ONLY) N(MSG_ID_SYN_SUP).
 */
static void test_sk_open_in_place(void **state)
{
	uint8_t key[GCM_KEY_LEN + GCM_SALT_LEN];
	struct ike_sk_layout l;
	struct ike_chain inner;
	struct ike_msg m;
	uint8_t *buf;
	size_t len;

	(void)state;
	unhex(PSK_NAT_SK_EI, key, sizeof(key));
	parse_ok(psk_nat_auth_req, &buf, &len, &m);
	assert_int_equal(ike_sk_split(&m, GCM_IV_LEN, GCM_ICV_LEN, &l), IKE_PARSE_OK);
	assert_true(gcm(false, key, buf + l.iv_off, buf, l.aad_len, buf + l.pt_off, l.pt_len,
			buf + l.icv_off));
	assert_int_equal(ike_sk_unpad(buf, &l), IKE_PARSE_OK);
	assert_int_equal(l.inner_len, 236);
	assert_hex(buf + l.pt_off, l.inner_len, psk_nat_auth_req_inner);
	assert_int_equal(ike_chain_parse(m.sk.next, buf + l.pt_off, l.inner_len, &inner, NULL),
			 IKE_PARSE_OK);
	check_chain(&inner, buf + l.pt_off, 0, l.inner_len, false);
	ASSERT_SEQ(&inner, IKE_PL_IDI, IKE_N_INITIAL_CONTACT, IKE_PL_IDR, IKE_PL_AUTH,
		   IKE_PL_CP, IKE_PL_SA, IKE_PL_TSI, IKE_PL_TSR, IKE_N_MOBIKE_SUPPORTED,
		   IKE_N_NO_ADDITIONAL_ADDRESSES, IKE_N_MULTIPLE_AUTH_SUPPORTED,
		   IKE_N_EAP_ONLY_AUTHENTICATION, IKE_N_IKEV2_MESSAGE_ID_SYNC_SUPPORTED);
	free(buf);
}

static void test_inner_vectors_parse(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N_IKE_INNER_VECTORS; i++) {
		struct ike_chain c;
		uint8_t *buf;
		size_t len;

		buf = unhex_alloc(ike_inner_vectors[i].hex, &len);
		assert_int_equal(ike_chain_parse(ike_inner_vectors[i].first, buf, len, &c, NULL),
				 IKE_PARSE_OK);
		check_chain(&c, buf, 0, len, false);
		free(buf);
	}
	/* IDr AUTH CPRP(ADDR) SA TSi TSr N(MOBIKE_SUP) N(ADD_4_ADDR) */
	{
		struct ike_chain c;
		uint8_t *buf;
		size_t len;

		buf = unhex_alloc(psk_nat_auth_resp_inner, &len);
		assert_int_equal(ike_chain_parse(IKE_PL_IDR, buf, len, &c, NULL), IKE_PARSE_OK);
		ASSERT_SEQ(&c, IKE_PL_IDR, IKE_PL_AUTH, IKE_PL_CP, IKE_PL_SA, IKE_PL_TSI,
			   IKE_PL_TSR, IKE_N_MOBIKE_SUPPORTED, IKE_N_ADDITIONAL_IP4_ADDRESS);
		free(buf);
	}
}

/*
 * Rebuild the captured IKE_AUTH request: same header, SK with the same
 * inner payloads, then the crypto layer's part done by the reference AES-GCM
 * on exactly the ranges ike_build_sk_end reports.  Must equal the capture.
 */
static void test_sk_seal_in_place(void **state)
{
	const struct ike_sk_layout want = {
		.aad_len = 32, .iv_off = 32, .iv_len = 8, .pt_off = 40, .pt_len = 237,
		.inner_len = 236, .icv_off = 277, .icv_len = 16, .total = 293,
	};
	uint8_t key[GCM_KEY_LEN + GCM_SALT_LEN];
	struct ike_sk_layout split, l;
	struct ike_chain inner;
	struct ike_builder b;
	uint8_t *orig, *plain, *out;
	struct ike_msg m;
	size_t len, plen, out_len;
	unsigned int i;

	(void)state;
	unhex(PSK_NAT_SK_EI, key, sizeof(key));
	parse_ok(psk_nat_auth_req, &orig, &len, &m);
	assert_int_equal(ike_sk_split(&m, GCM_IV_LEN, GCM_ICV_LEN, &split), IKE_PARSE_OK);
	plain = unhex_alloc(psk_nat_auth_req_inner, &plen);
	assert_int_equal(ike_chain_parse(IKE_PL_IDI, plain, plen, &inner, NULL), IKE_PARSE_OK);

	out = malloc(len);
	assert_non_null(out);
	ike_build_begin(&b, out, len, &m.hdr);
	assert_int_equal(ike_build_sk_begin(&b, GCM_IV_LEN), 0);
	for (i = 0; i < inner.n; i++)
		ike_build_raw(&b, inner.pl[i].type, inner.pl[i].critical, inner.pl[i].body,
			      inner.pl[i].len);
	assert_int_equal(ike_build_sk_end(&b, 1, GCM_ICV_LEN, &l), 0);
	assert_int_equal(ike_build_finish(&b, &out_len), 0);
	assert_int_equal(out_len, len);
	assert_memory_equal(&l, &want, sizeof(l));
	assert_int_equal(split.pt_off, l.pt_off);
	assert_int_equal(split.icv_off, l.icv_off);
	/* plaintext as the crypto layer finds it: inner payloads, pad length 0 */
	assert_memory_equal(out + l.pt_off, plain, plen);
	assert_int_equal(out[l.pt_off + l.pt_len - 1], 0);
	/* AAD as built: header and SK header, lengths final */
	assert_memory_equal(out, orig, l.aad_len);

	memcpy(out + l.iv_off, orig + l.iv_off, l.iv_len);	/* charon's IV */
	assert_true(gcm(true, key, out + l.iv_off, out, l.aad_len, out + l.pt_off, l.pt_len,
			out + l.icv_off));
	assert_memory_equal(out, orig, len);
	free(out);
	free(plain);
	free(orig);
}

/* ---- malformed input ---- */

/* A message: header then the given raw payloads, all critical bits clear. */
static size_t make_msg(uint8_t *buf, size_t cap, const uint8_t *types, unsigned int n,
		       size_t body_len)
{
	struct ike_hdr h = test_hdr();
	uint8_t body[64] = { 0 };
	struct ike_builder b;
	unsigned int i;
	size_t len;

	ike_build_begin(&b, buf, cap, &h);
	for (i = 0; i < n; i++)
		ike_build_raw(&b, types[i], false, body, body_len);
	assert_int_equal(ike_build_finish(&b, &len), 0);
	return len;
}

static int parse_copy(const uint8_t *src, size_t len, struct ike_msg *m, uint8_t *crit)
{
	uint8_t *buf = malloc(len ? len : 1);
	int r;

	assert_non_null(buf);
	memcpy(buf, src, len);
	r = ike_msg_parse(buf, len, m, crit);
	if (r == IKE_PARSE_OK)
		check_msg(m, buf, len);
	free(buf);
	return r;
}

static void test_header_errors(void **state)
{
	uint8_t types[] = { IKE_PL_NONCE };
	uint8_t buf[128];
	struct ike_msg m;
	size_t len;

	(void)state;
	len = make_msg(buf, sizeof(buf), types, 1, 16);
	assert_int_equal(parse_copy(buf, len, &m, NULL), IKE_PARSE_OK);
	assert_int_equal(m.hdr.exchange, IKE_INFORMATIONAL);
	assert_int_equal(m.hdr.msg_id, 7);
	assert_int_equal(parse_copy(buf, IKE_HDR_LEN - 1, &m, NULL), IKE_PARSE_SYNTAX);
	assert_int_equal(parse_copy(buf, 0, &m, NULL), IKE_PARSE_SYNTAX);

	buf[17] = 0x21;		/* minor version 1: accepted */
	assert_int_equal(parse_copy(buf, len, &m, NULL), IKE_PARSE_OK);
	buf[17] = 0x30;		/* IKEv3 */
	assert_int_equal(parse_copy(buf, len, &m, NULL), IKE_PARSE_BAD_VERSION);
	assert_int_equal(m.hdr.version, 0x30);
	assert_int_equal(m.hdr.msg_id, 7);
	buf[17] = 0x10;		/* IKEv1, even with a wrong length */
	buf[27]++;
	assert_int_equal(parse_copy(buf, len, &m, NULL), IKE_PARSE_BAD_VERSION);
	buf[17] = IKE_VERSION_2;
	assert_int_equal(parse_copy(buf, len, &m, NULL), IKE_PARSE_SYNTAX);
	buf[27]--;
	assert_int_equal(parse_copy(buf, len - 1, &m, NULL), IKE_PARSE_SYNTAX);
	buf[19] |= 0xc7;	/* reserved flag bits are ignored */
	assert_int_equal(parse_copy(buf, len, &m, NULL), IKE_PARSE_OK);
}

static void test_payload_length_errors(void **state)
{
	uint8_t types[] = { IKE_PL_NONCE, IKE_PL_VENDOR };
	uint8_t buf[128], copy[128];
	struct ike_msg m;
	size_t len, first = IKE_HDR_LEN, second = IKE_HDR_LEN + 4 + 16;
	uint16_t bad[] = { 0, 1, 2, 3, 4 + 16 + 4 + 16 + 1, 0xffff };
	unsigned int i;

	(void)state;
	len = make_msg(buf, sizeof(buf), types, 2, 16);
	assert_int_equal(parse_copy(buf, len, &m, NULL), IKE_PARSE_OK);
	assert_int_equal(m.chain.n, 2);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(copy, buf, len);
		ike_put16(copy + first + 2, bad[i]);
		assert_int_equal(parse_copy(copy, len, &m, NULL), IKE_PARSE_SYNTAX);
		memcpy(copy, buf, len);
		ike_put16(copy + second + 2, bad[i] == 0xffff ? 21 : bad[i]);
		assert_int_equal(parse_copy(copy, len, &m, NULL), IKE_PARSE_SYNTAX);
	}
	/* an empty payload is fine as far as the chain goes */
	memcpy(copy, buf, len);
	ike_put16(copy + second + 2, 4);
	ike_put32(copy + 24, (uint32_t)(len - 16));
	assert_int_equal(parse_copy(copy, len - 16, &m, NULL), IKE_PARSE_OK);
	assert_int_equal(m.chain.pl[1].len, 0);
	/* the last payload ends before the message: trailing octets */
	memcpy(copy, buf, len);
	ike_put16(copy + second + 2, 4 + 15);
	assert_int_equal(parse_copy(copy, len, &m, NULL), IKE_PARSE_SYNTAX);
	/* chain says more, message ends: no room for the next generic header */
	memcpy(copy, buf, len);
	copy[second] = IKE_PL_NONCE;
	assert_int_equal(parse_copy(copy, len, &m, NULL), IKE_PARSE_SYNTAX);
	/* header says NONE but payloads follow */
	memcpy(copy, buf, len);
	copy[16] = IKE_PL_NONE;
	assert_int_equal(parse_copy(copy, len, &m, NULL), IKE_PARSE_SYNTAX);
	ike_put32(copy + 24, IKE_HDR_LEN);
	assert_int_equal(parse_copy(copy, IKE_HDR_LEN, &m, NULL), IKE_PARSE_OK);
	assert_int_equal(m.chain.n, 0);
}

static void test_too_many_payloads(void **state)
{
	uint8_t types[IKE_MAX_PAYLOADS + 1];
	uint8_t buf[IKE_HDR_LEN + (IKE_MAX_PAYLOADS + 1) * 4];
	struct ike_msg m;
	size_t len;

	(void)state;
	memset(types, IKE_PL_VENDOR, sizeof(types));
	len = make_msg(buf, sizeof(buf), types, IKE_MAX_PAYLOADS, 0);
	assert_int_equal(parse_copy(buf, len, &m, NULL), IKE_PARSE_OK);
	assert_int_equal(m.chain.n, IKE_MAX_PAYLOADS);
	len = make_msg(buf, sizeof(buf), types, IKE_MAX_PAYLOADS + 1, 0);
	assert_int_equal(len, sizeof(buf));
	assert_int_equal(parse_copy(buf, len, &m, NULL), IKE_PARSE_SYNTAX);
}

static void test_unknown_payloads(void **state)
{
	uint8_t types[] = { IKE_PL_NONCE, 200, IKE_PL_VENDOR };
	uint8_t buf[128], copy[128];
	uint8_t crit = 0;
	struct ike_msg m;
	size_t len, unknown = IKE_HDR_LEN + 4 + 8;

	(void)state;
	len = make_msg(buf, sizeof(buf), types, 3, 8);
	assert_int_equal(parse_copy(buf, len, &m, &crit), IKE_PARSE_OK);
	assert_int_equal(m.chain.n, 3);
	assert_true(m.chain.pl[0].known);
	assert_int_equal(m.chain.pl[1].type, 200);
	assert_false(m.chain.pl[1].known);
	assert_true(m.chain.pl[2].known);
	assert_int_equal(crit, 0);

	memcpy(copy, buf, len);
	copy[unknown + 1] = IKE_PL_CRITICAL;
	assert_int_equal(parse_copy(copy, len, &m, &crit), IKE_PARSE_UNSUPPORTED_CRITICAL);
	assert_int_equal(crit, 200);
	assert_int_equal(parse_copy(copy, len, &m, NULL), IKE_PARSE_UNSUPPORTED_CRITICAL);
	/* the critical bit on a known payload changes nothing */
	memcpy(copy, buf, len);
	copy[IKE_HDR_LEN + 1] = IKE_PL_CRITICAL;
	assert_int_equal(parse_copy(copy, len, &m, &crit), IKE_PARSE_OK);
	assert_true(m.chain.pl[0].critical);
	/* IKEv1 payload numbers are unknown to IKEv2 */
	memcpy(copy, buf, len);
	copy[IKE_HDR_LEN] = 1;
	copy[unknown + 1] = 0;
	assert_int_equal(parse_copy(copy, len, &m, &crit), IKE_PARSE_OK);
	assert_int_equal(m.chain.pl[1].type, 1);
	assert_false(m.chain.pl[1].known);
	/* reserved bits of the generic header are ignored */
	memcpy(copy, buf, len);
	copy[IKE_HDR_LEN + 1] = 0x7f;
	assert_int_equal(parse_copy(copy, len, &m, &crit), IKE_PARSE_OK);
	assert_false(m.chain.pl[0].critical);
}

static void test_sk_placement(void **state)
{
	uint8_t types[] = { IKE_PL_VENDOR, IKE_PL_SK };
	uint8_t buf[128], copy[128];
	struct ike_chain c;
	struct ike_msg m;
	size_t len, sk = IKE_HDR_LEN + 4 + 30;

	(void)state;
	len = make_msg(buf, sizeof(buf), types, 2, 30);
	assert_int_equal(parse_copy(buf, len, &m, NULL), IKE_PARSE_OK);
	assert_true(m.has_sk);
	assert_int_equal(m.sk.off, sk);
	assert_int_equal(m.sk.next, IKE_PL_NONE);
	/* SK must be last: its Next Payload is the inner type, never followed */
	memcpy(copy, buf, len);
	copy[sk] = IKE_PL_IDI;
	assert_int_equal(parse_copy(copy, len, &m, NULL), IKE_PARSE_OK);
	assert_int_equal(m.sk.next, IKE_PL_IDI);
	/* octets after the SK payload */
	memcpy(copy, buf, len);
	ike_put16(copy + sk + 2, 30);
	assert_int_equal(parse_copy(copy, len, &m, NULL), IKE_PARSE_SYNTAX);
	/* no SK inside a decrypted chain */
	assert_int_equal(ike_chain_parse(IKE_PL_VENDOR, buf + IKE_HDR_LEN, len - IKE_HDR_LEN, &c,
					 NULL), IKE_PARSE_SYNTAX);
	/* a message without SK has no layout */
	len = make_msg(buf, sizeof(buf), types, 1, 30);
	assert_int_equal(parse_copy(buf, len, &m, NULL), IKE_PARSE_OK);
	{
		struct ike_sk_layout l;

		assert_int_equal(ike_sk_split(&m, 8, 16, &l), IKE_PARSE_SYNTAX);
	}
}

static void test_sk_split_bounds(void **state)
{
	uint8_t types[] = { IKE_PL_SK };
	struct ike_sk_layout l;
	uint8_t buf[128];
	struct ike_msg m;
	size_t len;

	(void)state;
	len = make_msg(buf, sizeof(buf), types, 1, GCM_IV_LEN + GCM_ICV_LEN + 1);
	assert_int_equal(ike_msg_parse(buf, len, &m, NULL), IKE_PARSE_OK);
	assert_int_equal(ike_sk_split(&m, GCM_IV_LEN, GCM_ICV_LEN, &l), IKE_PARSE_OK);
	assert_int_equal(l.pt_len, 1);
	assert_int_equal(ike_sk_split(&m, GCM_IV_LEN + 1, GCM_ICV_LEN, &l), IKE_PARSE_SYNTAX);
	assert_int_equal(ike_sk_split(&m, 0, 64, &l), IKE_PARSE_SYNTAX);
	assert_int_equal(ike_sk_split(&m, SIZE_MAX, SIZE_MAX, &l), IKE_PARSE_SYNTAX);

	assert_int_equal(ike_sk_split(&m, GCM_IV_LEN, GCM_ICV_LEN - 3, &l), IKE_PARSE_OK);
	assert_int_equal(l.pt_len, 4);
	buf[l.pt_off + 3] = 3;			/* pad length 3: no inner payloads */
	assert_int_equal(ike_sk_unpad(buf, &l), IKE_PARSE_OK);
	assert_int_equal(l.inner_len, 0);
	buf[l.pt_off + 3] = 4;			/* more padding than plaintext */
	assert_int_equal(ike_sk_unpad(buf, &l), IKE_PARSE_SYNTAX);
	buf[l.pt_off + 3] = 255;
	assert_int_equal(ike_sk_unpad(buf, &l), IKE_PARSE_SYNTAX);
}

static void test_skf(void **state)
{
	uint8_t types[] = { IKE_PL_SKF };
	uint8_t buf[128];
	struct ike_sk_layout l;
	struct ike_msg m;
	size_t len, skf = IKE_HDR_LEN;
	const struct { uint16_t num, total; int r; } cases[] = {
		{ 1, 1, IKE_PARSE_OK }, { 2, 3, IKE_PARSE_OK }, { 3, 3, IKE_PARSE_OK },
		{ 0, 3, IKE_PARSE_SYNTAX }, { 4, 3, IKE_PARSE_SYNTAX }, { 0, 0, IKE_PARSE_SYNTAX },
	};
	unsigned int i;

	(void)state;
	len = make_msg(buf, sizeof(buf), types, 1, 4 + GCM_IV_LEN + 1 + GCM_ICV_LEN);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ike_put16(buf + skf + 4, cases[i].num);
		ike_put16(buf + skf + 6, cases[i].total);
		assert_int_equal(parse_copy(buf, len, &m, NULL), cases[i].r);
	}
	ike_put16(buf + skf + 4, 2);
	ike_put16(buf + skf + 6, 3);
	assert_int_equal(ike_msg_parse(buf, len, &m, NULL), IKE_PARSE_OK);
	assert_int_equal(m.frag_num, 2);
	assert_int_equal(m.frag_total, 3);
	/* the AAD of an SKF payload takes in the two fragment fields */
	assert_int_equal(ike_sk_split(&m, GCM_IV_LEN, GCM_ICV_LEN, &l), IKE_PARSE_OK);
	assert_int_equal(l.aad_len, IKE_HDR_LEN + 4 + 4);
	assert_int_equal(l.pt_len, 1);
	assert_int_equal(l.total, len);
	/* too short for the fragment fields */
	len = make_msg(buf, sizeof(buf), types, 1, 3);
	assert_int_equal(parse_copy(buf, len, &m, NULL), IKE_PARSE_SYNTAX);
}

/* ---- robustness ---- */

static void test_truncations(void **state)
{
	size_t i, n;

	(void)state;
	for (i = 0; i < N_IKE_VECTORS; i++) {
		uint8_t *full, *buf;
		struct ike_msg m;
		size_t len;

		full = unhex_alloc(ike_vectors[i].hex, &len);
		for (n = 0; n < len; n++) {
			buf = malloc(n ? n : 1);
			assert_non_null(buf);
			memcpy(buf, full, n);
			/* as received: the header length disagrees */
			assert_int_not_equal(ike_msg_parse(buf, n, &m, NULL), IKE_PARSE_OK);
			/* with the length fixed up the chain itself is cut */
			if (n >= IKE_HDR_LEN) {
				ike_put32(buf + 24, (uint32_t)n);
				if (ike_msg_parse(buf, n, &m, NULL) == IKE_PARSE_OK)
					check_msg(&m, buf, n);
			}
			free(buf);
		}
		free(full);
	}
}

static void test_inner_truncations(void **state)
{
	size_t i, n;

	(void)state;
	for (i = 0; i < N_IKE_INNER_VECTORS; i++) {
		uint8_t *full, *buf;
		struct ike_chain c;
		size_t len;

		full = unhex_alloc(ike_inner_vectors[i].hex, &len);
		for (n = 0; n < len; n++) {
			buf = malloc(n ? n : 1);
			assert_non_null(buf);
			memcpy(buf, full, n);
			if (ike_chain_parse(ike_inner_vectors[i].first, buf, n, &c, NULL) ==
			    IKE_PARSE_OK)
				check_chain(&c, buf, 0, n, false);
			free(buf);
		}
		free(full);
	}
}

static void mutate_one(const uint8_t *full, size_t len, uint8_t *buf, uint8_t first,
		       bool outer, unsigned int *ok)
{
	size_t pos = rng() % len;
	uint8_t crit = 0;
	struct ike_chain c;
	struct ike_msg m;
	int r;

	memcpy(buf, full, len);
	buf[pos] ^= (uint8_t)(rng() % 255 + 1);
	if (outer) {
		r = ike_msg_parse(buf, len, &m, &crit);
		if (r == IKE_PARSE_OK)
			check_msg(&m, buf, len);
	} else {
		r = ike_chain_parse(first, buf, len, &c, &crit);
		if (r == IKE_PARSE_OK)
			check_chain(&c, buf, 0, len, false);
	}
	if (r == IKE_PARSE_UNSUPPORTED_CRITICAL)
		assert_true(crit < IKE_PL_SA || (crit > IKE_PL_EAP && crit != IKE_PL_SKF));
	else
		assert_true(r == IKE_PARSE_OK || r == IKE_PARSE_SYNTAX ||
			    r == IKE_PARSE_BAD_VERSION);
	*ok += r == IKE_PARSE_OK;
}

static void test_mutations(void **state)
{
	unsigned int i, ok = 0;

	(void)state;
	for (i = 0; i < MUTATIONS; i++) {
		bool outer = i % 4 != 0;
		size_t v = rng() % (outer ? N_IKE_VECTORS : N_IKE_INNER_VECTORS);
		const char *hex = outer ? ike_vectors[v].hex : ike_inner_vectors[v].hex;
		uint8_t first = outer ? 0 : ike_inner_vectors[v].first;
		uint8_t *full, *buf;
		size_t len;

		full = unhex_alloc(hex, &len);
		buf = malloc(len);
		assert_non_null(buf);
		mutate_one(full, len, buf, first, outer, &ok);
		free(buf);
		free(full);
	}
	/* most octets are payload data: most mutants still parse */
	assert_true(ok > MUTATIONS / 2);
	assert_true(ok < MUTATIONS);
}

/* ---- builder ---- */

static void test_build_chaining(void **state)
{
	struct ike_hdr h = test_hdr();
	uint8_t buf[256], nonce[16] = { 0xaa };
	struct ike_builder b;
	struct ike_msg m;
	size_t len;

	(void)state;
	ike_build_begin(&b, buf, sizeof(buf), &h);
	assert_int_equal(ike_build_finish(&b, &len), 0);
	assert_int_equal(len, IKE_HDR_LEN);
	assert_int_equal(buf[16], IKE_PL_NONE);
	assert_int_equal(ike_get32(buf + 24), IKE_HDR_LEN);

	ike_build_begin(&b, buf, sizeof(buf), &h);
	ike_build_nonce(&b, nonce, sizeof(nonce));
	ike_build_raw(&b, 200, true, "xy", 2);
	ike_build_vendor(&b, "v", 1);
	assert_int_equal(ike_build_finish(&b, &len), 0);
	assert_int_equal(len, IKE_HDR_LEN + 20 + 6 + 5);
	assert_int_equal(buf[16], IKE_PL_NONCE);
	assert_int_equal(buf[IKE_HDR_LEN], 200);
	assert_int_equal(buf[IKE_HDR_LEN + 20], IKE_PL_VENDOR);
	assert_int_equal(buf[IKE_HDR_LEN + 21], IKE_PL_CRITICAL);
	assert_int_equal(buf[IKE_HDR_LEN + 26], IKE_PL_NONE);
	assert_int_equal(ike_msg_parse(buf, len, &m, NULL), IKE_PARSE_UNSUPPORTED_CRITICAL);
	assert_memory_equal(m.hdr.spi_i, h.spi_i, IKE_SPI_LEN);
	assert_int_equal(m.hdr.msg_id, 7);
}

/* Inner payloads of 10 octets in a CBC-like SK: 5 octets of padding. */
static void test_build_sk_padding(void **state)
{
	struct ike_hdr h = test_hdr();
	struct ike_sk_layout l, split;
	uint8_t buf[256], body[11] = { 1, 2, 3, 4, 5, 6 };
	struct ike_builder b;
	struct ike_chain c;
	struct ike_msg m;
	size_t len;

	(void)state;
	ike_build_begin(&b, buf, sizeof(buf), &h);
	ike_build_vendor(&b, "clear", 5);
	assert_int_equal(ike_build_sk_begin(&b, 16), 0);
	ike_build_raw(&b, IKE_PL_NOTIFY, false, body, 6);
	assert_int_equal(ike_build_sk_end(&b, 16, 12, &l), 0);
	assert_int_equal(ike_build_finish(&b, &len), 0);
	assert_int_equal(l.aad_len, IKE_HDR_LEN + 9 + 4);
	assert_int_equal(l.iv_len, 16);
	assert_int_equal(l.pt_off, l.aad_len + 16);
	assert_int_equal(l.inner_len, 10);
	assert_int_equal(l.pt_len, 16);
	assert_int_equal(l.icv_off, l.pt_off + 16);
	assert_int_equal(l.total, len);
	assert_int_equal(buf[l.pt_off + 15], 5);
	/* the SK header's Next Payload names the first inner payload */
	assert_int_equal(buf[IKE_HDR_LEN + 9], IKE_PL_NOTIFY);
	assert_int_equal(buf[IKE_HDR_LEN], IKE_PL_SK);

	assert_int_equal(ike_msg_parse(buf, len, &m, NULL), IKE_PARSE_OK);
	assert_int_equal(m.chain.n, 2);
	assert_int_equal(ike_sk_split(&m, 16, 12, &split), IKE_PARSE_OK);
	assert_int_equal(ike_sk_unpad(buf, &split), IKE_PARSE_OK);
	assert_memory_equal(&split, &l, sizeof(l));
	assert_int_equal(ike_chain_parse(m.sk.next, buf + l.pt_off, l.inner_len, &c, NULL),
			 IKE_PARSE_OK);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.pl[0].len, 6);
	assert_memory_equal(c.pl[0].body, body, 6);

	/* already a multiple of the block: the pad length octet alone fills it */
	ike_build_begin(&b, buf, sizeof(buf), &h);
	ike_build_sk_begin(&b, 16);
	ike_build_raw(&b, IKE_PL_NOTIFY, false, body, 11);
	assert_int_equal(ike_build_sk_end(&b, 16, 12, &l), 0);
	assert_int_equal(l.pt_len, 16);
	assert_int_equal(buf[l.pt_off + 15], 0);
	/* an empty SK (an INFORMATIONAL liveness check) */
	ike_build_begin(&b, buf, sizeof(buf), &h);
	ike_build_sk_begin(&b, 8);
	assert_int_equal(ike_build_sk_end(&b, 1, 16, &l), 0);
	assert_int_equal(l.pt_len, 1);
	assert_int_equal(l.total, IKE_HDR_LEN + 4 + 8 + 1 + 16);
	assert_int_equal(buf[IKE_HDR_LEN], IKE_PL_NONE);
	assert_int_equal(ike_msg_parse(buf, l.total, &m, NULL), IKE_PARSE_OK);
}

static void test_build_misuse(void **state)
{
	struct ike_hdr h = test_hdr();
	struct ike_sk_layout l;
	struct ike_builder b;
	static uint8_t big[70000];
	uint8_t buf[256];
	size_t len = 0;

	(void)state;
	/* payload after the SK payload */
	ike_build_begin(&b, buf, sizeof(buf), &h);
	ike_build_sk_begin(&b, 8);
	ike_build_sk_end(&b, 1, 16, &l);
	assert_int_equal(ike_build_vendor(&b, "x", 1), -EINVAL);
	assert_int_equal(ike_build_finish(&b, &len), -EINVAL);
	/* finish with the SK open */
	ike_build_begin(&b, buf, sizeof(buf), &h);
	ike_build_sk_begin(&b, 8);
	assert_int_equal(ike_build_finish(&b, &len), -EINVAL);
	/* SK twice, SK end without begin, bad block */
	ike_build_begin(&b, buf, sizeof(buf), &h);
	ike_build_sk_begin(&b, 8);
	assert_int_equal(ike_build_sk_begin(&b, 8), -EINVAL);
	ike_build_begin(&b, buf, sizeof(buf), &h);
	assert_int_equal(ike_build_sk_end(&b, 1, 16, &l), -EINVAL);
	ike_build_begin(&b, buf, sizeof(buf), &h);
	ike_build_sk_begin(&b, 8);
	assert_int_equal(ike_build_sk_end(&b, 0, 16, &l), -EINVAL);
	/* a payload longer than 65535 octets */
	{
		uint8_t *large = malloc(sizeof(big) + 64);

		assert_non_null(large);
		ike_build_begin(&b, large, sizeof(big) + 64, &h);
		assert_int_equal(ike_build_raw(&b, IKE_PL_VENDOR, false, big, 65531), 0);
		ike_build_begin(&b, large, sizeof(big) + 64, &h);
		assert_int_equal(ike_build_raw(&b, IKE_PL_VENDOR, false, big, 65532),
				 -EMSGSIZE);
		free(large);
	}
	/* no buffer at all */
	ike_build_begin(&b, NULL, 100, &h);
	assert_int_equal(ike_build_error(&b), -ENOSPC);
	assert_int_equal(ike_build_vendor(&b, "x", 1), -ENOSPC);
}

/* The hand-off to a crypto layer that pads and seals by itself. */
static void test_build_sk_detach(void **state)
{
	struct ike_hdr h = test_hdr();
	struct ike_sk_layout l;
	struct ike_builder b;
	uint8_t buf[256];
	size_t sk_off = 0, plain = 0, len;

	(void)state;
	ike_build_begin(&b, buf, sizeof(buf), &h);
	ike_build_vendor(&b, "clear", 5);
	assert_int_equal(ike_build_sk_begin(&b, 8), 0);
	ike_build_nonce(&b, buf, 16);
	ike_build_vendor(&b, "x", 1);
	assert_int_equal(ike_build_sk_detach(&b, &sk_off, &plain), 0);
	assert_int_equal(sk_off, IKE_HDR_LEN + 9);
	assert_int_equal(plain, 20 + 5);
	assert_int_equal(buf[sk_off], IKE_PL_NONCE);		/* first inner payload */
	assert_int_equal(buf[sk_off + 1], 0);
	assert_int_equal(buf[IKE_HDR_LEN], IKE_PL_SK);
	assert_int_equal(buf[sk_off + 4 + 8 + 20], IKE_PL_NONE);	/* inner chain ends */
	/* nothing more: no payload, no other way to close it */
	assert_int_equal(ike_build_vendor(&b, "y", 1), -EINVAL);
	ike_build_begin(&b, buf, sizeof(buf), &h);
	ike_build_sk_begin(&b, 8);
	ike_build_sk_detach(&b, &sk_off, &plain);
	assert_int_equal(plain, 0);
	assert_int_equal(ike_build_finish(&b, &len), -EINVAL);
	ike_build_begin(&b, buf, sizeof(buf), &h);
	ike_build_sk_begin(&b, 8);
	ike_build_sk_detach(&b, &sk_off, &plain);
	assert_int_equal(ike_build_sk_end(&b, 1, 16, &l), -EINVAL);
	ike_build_begin(&b, buf, sizeof(buf), &h);
	assert_int_equal(ike_build_sk_detach(&b, &sk_off, &plain), -EINVAL);	/* no SK */
}

/* Build a message with every builder path into each too-small buffer. */
static int build_sample(uint8_t *buf, size_t cap, size_t *len)
{
	struct ike_hdr h = test_hdr();
	uint8_t nonce[32] = { 0x5a };
	struct ike_sk_layout l;
	struct ike_builder b;

	ike_build_begin(&b, buf, cap, &h);
	ike_build_nonce(&b, nonce, sizeof(nonce));
	ike_build_notify_simple(&b, IKE_N_COOKIE, nonce, 8);
	ike_build_sk_begin(&b, 16);
	ike_build_vendor(&b, nonce, 20);
	ike_build_raw(&b, IKE_PL_EAP, false, nonce, 3);
	ike_build_sk_end(&b, 16, 16, &l);
	return ike_build_finish(&b, len);
}

static void test_build_overflow(void **state)
{
	size_t full, cap, len = 0;
	uint8_t ref[512];

	(void)state;
	assert_int_equal(build_sample(ref, sizeof(ref), &full), 0);
	for (cap = 0; cap <= full; cap++) {
		uint8_t *buf = malloc(cap ? cap : 1);

		assert_non_null(buf);
		if (cap < full) {
			assert_int_equal(build_sample(buf, cap, &len), -ENOSPC);
		} else {
			assert_int_equal(build_sample(buf, cap, &len), 0);
			assert_int_equal(len, full);
			assert_memory_equal(buf, ref, full);
		}
		free(buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_parse),
		cmocka_unit_test(test_psk_nat_init_request),
		cmocka_unit_test(test_psk_nat_init_response),
		cmocka_unit_test(test_cert_nat_init_response),
		cmocka_unit_test(test_psk_nat_auth_request_sk),
		cmocka_unit_test(test_auth_responses_sk),
		cmocka_unit_test(test_sk_open_in_place),
		cmocka_unit_test(test_inner_vectors_parse),
		cmocka_unit_test(test_sk_seal_in_place),
		cmocka_unit_test(test_header_errors),
		cmocka_unit_test(test_payload_length_errors),
		cmocka_unit_test(test_too_many_payloads),
		cmocka_unit_test(test_unknown_payloads),
		cmocka_unit_test(test_sk_placement),
		cmocka_unit_test(test_sk_split_bounds),
		cmocka_unit_test(test_skf),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_inner_truncations),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_build_chaining),
		cmocka_unit_test(test_build_sk_padding),
		cmocka_unit_test(test_build_misuse),
		cmocka_unit_test(test_build_sk_detach),
		cmocka_unit_test(test_build_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
