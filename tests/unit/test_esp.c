// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ESP transforms (esp.c):
 *   - known answers: RFC 7634 Appendix A, packets captured from strongSwan
 *     (AES-GCM-128, ChaCha20-Poly1305), draft-mcgrew-gcm-test-01 ESP cases
 *     (AES-GCM-128/256, with and without ESN); see esp_vectors.h;
 *   - round trips for every algorithm, IPv4 and IPv6 next headers, inner
 *     lengths 0..1500, with and without ESN, each packet also opened by a
 *     reference written here with one-shot OpenSSL calls (nothing shared
 *     with esp.c), which is how AES-CBC + HMAC-SHA2-256-128 and our own
 *     AES-GCM-256 output are cross-checked;
 *   - tampering, replay, trailers, malformed packets, sequence exhaustion,
 *     ESN across 2^32, several threads sharing one SA.
 * Buffers are allocated to the exact size the API promises, so that ASan
 * catches any byte written or read outside them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "esp.h"
#include "esp_vectors.h"

enum {
	NH_IPV4 = 4,
	NH_IPV6 = 41,
	NH_NONE = 59,
	ICV_LEN = 16,
	SALT_LEN = 4,
	MAX_PACKET = 2048,
	TEST_SPI = 0xc0ffee01,
};

static const enum esp_alg all_algs[] = {
	ESP_ALG_AES_GCM_128, ESP_ALG_AES_GCM_256, ESP_ALG_CHACHA20_POLY1305,
	ESP_ALG_AES_CBC_128, ESP_ALG_AES_CBC_256,
};

#define N_ALGS (sizeof(all_algs) / sizeof(all_algs[0]))

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

static void fill_params(struct esp_sa_params *p, enum esp_alg alg, bool esn, uint32_t spi)
{
	size_t i;

	memset(p, 0, sizeof(*p));
	p->spi = spi;
	p->alg = alg;
	p->esn = esn;
	p->key_len = esp_alg_key_len(alg);
	p->integ_key_len = esp_alg_integ_key_len(alg);
	for (i = 0; i < p->key_len; i++)
		p->key[i] = (uint8_t)(0x11 * i + alg);
	for (i = 0; i < p->integ_key_len; i++)
		p->integ_key[i] = (uint8_t)(0xa5 ^ (7 * i));
}

static struct esp_sa *new_sa(const struct esp_sa_params *p)
{
	char err[128] = "";
	struct esp_sa *sa = esp_sa_new(p, err, sizeof(err));

	if (!sa)
		fail_msg("esp_sa_new: %s", err);
	return sa;
}

static size_t align_of(enum esp_alg alg)
{
	return esp_alg_is_aead(alg) ? 4 : 16;
}

static size_t iv_len_of(enum esp_alg alg)
{
	return esp_alg_is_aead(alg) ? 8 : 16;
}

static void fill_inner(uint8_t *inner, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		inner[i] = (uint8_t)(seed * 31 + i * 7);
}

static uint64_t get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint8_t *dup_exact(const uint8_t *data, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);

	assert_non_null(copy);
	memcpy(copy, data, len);
	return copy;
}

/*
 * Encapsulates a patterned inner packet in a buffer of exactly
 * head + inner + tail_max bytes; returns an exact-size copy of the ESP packet.
 */
static uint8_t *encap_copy(struct esp_sa *sa, size_t inner_len, uint8_t nh, unsigned int seed,
			   size_t *esp_len)
{
	size_t head = esp_head_len(sa), tail = esp_tail_max(sa);
	uint8_t *buf = malloc(head + inner_len + tail);
	uint8_t *inner, *out = NULL, *copy;
	size_t out_len = 0;

	assert_non_null(buf);
	inner = buf + head;
	fill_inner(inner, inner_len, seed);
	assert_int_equal(esp_encap(sa, inner, inner_len, nh, &out, &out_len), ESP_OK);
	assert_ptr_equal(out, buf);
	assert_true(out_len <= head + inner_len + tail);
	copy = dup_exact(out, out_len);
	free(buf);
	*esp_len = out_len;
	return copy;
}

/* Decapsulates a private, exact-size copy of esp; the inner packet, if any, into inner. */
static int decap_copy(struct esp_sa *sa, const uint8_t *esp, size_t len, uint8_t *inner,
		      size_t *inner_len, uint8_t *nh)
{
	uint8_t *copy = dup_exact(esp, len);
	uint8_t *in = NULL;
	size_t in_len = 0;
	uint8_t next = 0;
	int ret = esp_decap(sa, copy, len, &in, &in_len, &next);

	if (ret == ESP_OK) {
		assert_ptr_equal(in, copy + esp_head_len(sa));
		if (inner) {
			assert_true(in_len <= MAX_PACKET);
			memcpy(inner, in, in_len);
		}
		if (inner_len)
			*inner_len = in_len;
		if (nh)
			*nh = next;
	}
	free(copy);
	return ret;
}

/* ---- a reference ESP built from one-shot OpenSSL calls ---- */

static const EVP_CIPHER *ref_cipher(enum esp_alg alg)
{
	switch (alg) {
	case ESP_ALG_AES_GCM_128: return EVP_aes_128_gcm();
	case ESP_ALG_AES_GCM_256: return EVP_aes_256_gcm();
	case ESP_ALG_CHACHA20_POLY1305: return EVP_chacha20_poly1305();
	case ESP_ALG_AES_CBC_128: return EVP_aes_128_cbc();
	case ESP_ALG_AES_CBC_256: return EVP_aes_256_cbc();
	}
	return NULL;
}

/* AEAD over in[0..len) into out; tag is written (enc) or checked (!enc). */
static bool ref_aead(const struct esp_sa_params *p, int enc, const uint8_t *iv8,
		     const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len,
		     uint8_t *out, uint8_t *tag)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t nonce[12];
	int outl, finl;
	bool ok;

	memcpy(nonce, p->key + p->key_len - SALT_LEN, SALT_LEN);
	memcpy(nonce + SALT_LEN, iv8, 8);
	ok = ctx && EVP_CipherInit_ex(ctx, ref_cipher(p->alg), NULL, p->key, nonce, enc) == 1 &&
	     EVP_CipherUpdate(ctx, NULL, &outl, aad, (int)aad_len) == 1 &&
	     EVP_CipherUpdate(ctx, out, &outl, in, (int)len) == 1 &&
	     (enc || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, ICV_LEN, tag) == 1) &&
	     EVP_CipherFinal_ex(ctx, out + outl, &finl) == 1 &&
	     (!enc || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, ICV_LEN, tag) == 1);
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

static bool ref_cbc(const struct esp_sa_params *p, int enc, const uint8_t *iv,
		    const uint8_t *in, size_t len, uint8_t *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int outl, finl;
	bool ok;

	ok = ctx && EVP_CipherInit_ex(ctx, ref_cipher(p->alg), NULL, p->key, iv, enc) == 1 &&
	     EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
	     EVP_CipherUpdate(ctx, out, &outl, in, (int)len) == 1 &&
	     EVP_CipherFinal_ex(ctx, out + outl, &finl) == 1;
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

/* HMAC-SHA256-128 over data, then seq-high when ESN (RFC 4303 2.2.1). */
static void ref_hmac(const struct esp_sa_params *p, const uint8_t *data, size_t len,
		     uint64_t seq, uint8_t *icv)
{
	uint8_t input[MAX_PACKET + 4], full[32];
	size_t full_len = 0;

	assert_true(len <= MAX_PACKET);
	memcpy(input, data, len);
	if (p->esn) {
		input[len] = (uint8_t)(seq >> 56);
		input[len + 1] = (uint8_t)(seq >> 48);
		input[len + 2] = (uint8_t)(seq >> 40);
		input[len + 3] = (uint8_t)(seq >> 32);
		len += 4;
	}
	assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, p->integ_key,
				  p->integ_key_len, input, len, full, sizeof(full), &full_len));
	memcpy(icv, full, ICV_LEN);
}

static size_t ref_aad(const struct esp_sa_params *p, const uint8_t *esp, uint64_t seq,
		      uint8_t *aad)
{
	memcpy(aad, esp, 4);
	if (!p->esn) {
		memcpy(aad + 4, esp + 4, 4);
		return 8;
	}
	aad[4] = (uint8_t)(seq >> 56);
	aad[5] = (uint8_t)(seq >> 48);
	aad[6] = (uint8_t)(seq >> 40);
	aad[7] = (uint8_t)(seq >> 32);
	memcpy(aad + 8, esp + 4, 4);
	return 12;
}

/* Builds an ESP packet around an arbitrary text (inner + trailer) at seq. */
static size_t ref_seal(const struct esp_sa_params *p, uint64_t seq, const uint8_t *text,
		       size_t text_len, uint8_t *esp)
{
	size_t iv_len = iv_len_of(p->alg), hdr = 8 + iv_len;
	uint8_t aad[12];

	esp[0] = (uint8_t)(p->spi >> 24);
	esp[1] = (uint8_t)(p->spi >> 16);
	esp[2] = (uint8_t)(p->spi >> 8);
	esp[3] = (uint8_t)p->spi;
	esp[4] = (uint8_t)(seq >> 24);
	esp[5] = (uint8_t)(seq >> 16);
	esp[6] = (uint8_t)(seq >> 8);
	esp[7] = (uint8_t)seq;
	assert_int_equal(RAND_bytes(esp + 8, (int)iv_len), 1);
	if (esp_alg_is_aead(p->alg)) {
		size_t aad_len = ref_aad(p, esp, seq, aad);

		assert_true(ref_aead(p, 1, esp + 8, aad, aad_len, text, text_len, esp + hdr,
				     esp + hdr + text_len));
	} else {
		assert_true(ref_cbc(p, 1, esp + 8, text, text_len, esp + hdr));
		ref_hmac(p, esp, hdr + text_len, seq, esp + hdr + text_len);
	}
	return hdr + text_len + ICV_LEN;
}

/* Verifies and decrypts esp as the sender at seq meant it; text gets the plaintext. */
static bool ref_open(const struct esp_sa_params *p, const uint8_t *esp, size_t len,
		     uint64_t seq, uint8_t *text, size_t *text_len)
{
	size_t iv_len = iv_len_of(p->alg), hdr = 8 + iv_len;
	uint8_t icv[ICV_LEN], expected[ICV_LEN], aad[12];

	if (len < hdr + ICV_LEN)
		return false;
	*text_len = len - hdr - ICV_LEN;
	memcpy(icv, esp + len - ICV_LEN, ICV_LEN);
	if (esp_alg_is_aead(p->alg)) {
		size_t aad_len = ref_aad(p, esp, seq, aad);

		return ref_aead(p, 0, esp + 8, aad, aad_len, esp + hdr, *text_len, text, icv);
	}
	ref_hmac(p, esp, len - ICV_LEN, seq, expected);
	if (memcmp(expected, icv, ICV_LEN) != 0)
		return false;
	return ref_cbc(p, 0, esp + 8, esp + hdr, *text_len, text);
}

/* text = patterned inner | pad bytes | pad length | next header. */
static size_t make_text(uint8_t *text, size_t inner_len, const uint8_t *pad, size_t pad_len,
			uint8_t pad_len_byte, uint8_t nh)
{
	fill_inner(text, inner_len, 3);
	memcpy(text + inner_len, pad, pad_len);
	text[inner_len + pad_len] = pad_len_byte;
	text[inner_len + pad_len + 1] = nh;
	return inner_len + pad_len + 2;
}

static const uint8_t good_pad[255] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
};

/* ---- algorithm table and SA creation ---- */

static void test_alg_names(void **state)
{
	static const struct {
		const char *name;
		size_t key_len, integ_key_len;
		bool aead;
	} expect[] = {
		[ESP_ALG_AES_GCM_128] = { "aes-gcm-128", 20, 0, true },
		[ESP_ALG_AES_GCM_256] = { "aes-gcm-256", 36, 0, true },
		[ESP_ALG_CHACHA20_POLY1305] = { "chacha20-poly1305", 36, 0, true },
		[ESP_ALG_AES_CBC_128] = { "aes-cbc-128", 16, 32, false },
		[ESP_ALG_AES_CBC_256] = { "aes-cbc-256", 32, 32, false },
	};
	enum esp_alg alg;
	size_t i;

	(void)state;
	for (i = 0; i < N_ALGS; i++) {
		assert_int_equal(esp_alg_parse(expect[i].name, &alg), 0);
		assert_int_equal(alg, i);
		assert_string_equal(esp_alg_name(alg), expect[i].name);
		assert_int_equal(esp_alg_key_len(alg), expect[i].key_len);
		assert_int_equal(esp_alg_integ_key_len(alg), expect[i].integ_key_len);
		assert_int_equal(esp_alg_is_aead(alg), expect[i].aead);
	}
	assert_int_equal(esp_alg_parse("aes-gcm-192", &alg), -1);
	assert_int_equal(esp_alg_parse("", &alg), -1);
	assert_int_equal(esp_alg_parse("AES-GCM-128x", &alg), -1);
	assert_string_equal(esp_alg_name((enum esp_alg)42), "unknown");
}

static void expect_rejected(const struct esp_sa_params *p)
{
	char err[128] = "";

	assert_null(esp_sa_new(p, err, sizeof(err)));
	assert_true(err[0] != '\0');
}

static void test_sa_new_rejects_bad_keys(void **state)
{
	struct esp_sa_params p;
	size_t i;

	(void)state;
	for (i = 0; i < N_ALGS; i++) {
		fill_params(&p, all_algs[i], false, TEST_SPI);
		p.key_len--;
		expect_rejected(&p);
		fill_params(&p, all_algs[i], false, TEST_SPI);
		/* AEAD without its salt; CBC with one */
		p.key_len = esp_alg_is_aead(all_algs[i]) ? 16 : 36;
		expect_rejected(&p);
		fill_params(&p, all_algs[i], false, TEST_SPI);
		p.integ_key_len = esp_alg_is_aead(all_algs[i]) ? 32 : 20;
		expect_rejected(&p);
	}
	fill_params(&p, ESP_ALG_AES_GCM_128, false, TEST_SPI);
	p.alg = (enum esp_alg)42;
	expect_rejected(&p);
	esp_sa_free(NULL);
}

static void test_sizes(void **state)
{
	struct esp_sa_params p;
	size_t i;

	(void)state;
	for (i = 0; i < N_ALGS; i++) {
		struct esp_sa *sa;

		fill_params(&p, all_algs[i], false, TEST_SPI);
		sa = new_sa(&p);
		assert_int_equal(esp_head_len(sa), 8 + iv_len_of(all_algs[i]));
		assert_int_equal(esp_tail_max(sa), align_of(all_algs[i]) - 1 + 2 + ICV_LEN);
		assert_true(esp_head_len(sa) <= ESP_MAX_HEAD);
		assert_true(esp_tail_max(sa) <= ESP_MAX_TAIL);
		assert_int_equal(esp_sa_tx_seq(sa), 0);
		esp_sa_free(sa);
	}
}

/* ---- known answers ---- */

static bool ipv4_checksum_ok(const uint8_t *ip, size_t len)
{
	size_t hlen = (size_t)(ip[0] & 0xf) * 4, i;
	uint32_t sum = 0;

	if (len < 20 || hlen < 20 || hlen > len)
		return false;
	for (i = 0; i < hlen; i += 2)
		sum += (uint32_t)ip[i] << 8 | ip[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

static void check_kat_packet(struct esp_sa *sa, const struct kat_packet *kp)
{
	uint8_t wire[MAX_PACKET], plain[MAX_PACKET];
	size_t len = unhex(kp->esp, wire, sizeof(wire));
	size_t plain_len = unhex(kp->plaintext, plain, sizeof(plain));
	size_t head = esp_head_len(sa);
	uint8_t *esp = dup_exact(wire, len);
	uint8_t *inner = NULL, nh = 0;
	size_t inner_len = 0;

	assert_int_equal(esp_decap(sa, esp, len, &inner, &inner_len, &nh), kp->result);
	/* Authentic packets are decrypted in place, even with a bad trailer. */
	assert_int_equal(head + plain_len + ICV_LEN, len);
	assert_memory_equal(esp + head, plain, plain_len);
	if (kp->result == ESP_OK) {
		assert_ptr_equal(inner, esp + head);
		assert_int_equal(inner_len, plain_len - 2 - plain[plain_len - 2]);
		assert_int_equal(nh, plain[plain_len - 1]);
		if (nh == NH_IPV4) {
			assert_true(ipv4_checksum_ok(inner, inner_len));
			assert_int_equal(get_be32(inner) & 0xffff, inner_len);
		}
	}
	free(esp);
	/* Authentic, so counted: the same packet again is a replay. */
	assert_int_equal(decap_copy(sa, wire, len, NULL, NULL, NULL), ESP_ERR_REPLAY);
}

static void test_known_answers(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(esp_kats) / sizeof(esp_kats[0]); i++) {
		const struct esp_kat *kat = &esp_kats[i];
		struct esp_sa_params p;
		struct esp_sa *sa;

		print_message("  KAT %s\n", kat->name);
		memset(&p, 0, sizeof(p));
		p.spi = kat->spi;
		p.alg = kat->alg;
		p.esn = kat->esn;
		p.key_len = unhex(kat->key, p.key, sizeof(p.key));
		sa = new_sa(&p);
		/* ESN vectors sit high in the number space: the receiver must too. */
		if (kat->window_top)
			esp_sa_set_rx_seq(sa, kat->window_top);
		for (j = 0; j < KAT_MAX_PACKETS && kat->packets[j].esp; j++)
			check_kat_packet(sa, &kat->packets[j]);
		esp_sa_free(sa);
	}
}

/* ---- round trips ---- */

/* Checks esp_encap's output against the reference and the expected layout. */
static void check_against_reference(const struct esp_sa_params *p, const uint8_t *esp,
				    size_t len, uint64_t seq, size_t inner_len, uint8_t nh,
				    unsigned int seed)
{
	size_t align = align_of(p->alg), hdr = 8 + iv_len_of(p->alg);
	size_t text_len = (inner_len + 2 + align - 1) / align * align;
	size_t pad_len = text_len - inner_len - 2, got_len = 0, i;
	uint8_t text[MAX_PACKET], inner[MAX_PACKET];

	assert_int_equal(len, hdr + text_len + ICV_LEN);
	assert_int_equal(get_be32(esp), p->spi);
	assert_int_equal(get_be32(esp + 4), (uint32_t)seq);
	if (esp_alg_is_aead(p->alg))
		assert_int_equal(get_be64(esp + 8), seq);	/* IV = sequence number */
	assert_true(ref_open(p, esp, len, seq, text, &got_len));
	assert_int_equal(got_len, text_len);
	fill_inner(inner, inner_len, seed);
	assert_memory_equal(text, inner, inner_len);
	for (i = 0; i < pad_len; i++)
		assert_int_equal(text[inner_len + i], i + 1);
	assert_int_equal(text[text_len - 2], pad_len);
	assert_int_equal(text[text_len - 1], nh);
}

static void round_trip(enum esp_alg alg, bool esn, size_t max_len, size_t step)
{
	struct esp_sa_params p;
	struct esp_sa *tx, *rx;
	uint8_t inner[MAX_PACKET], expect[MAX_PACKET];
	uint64_t seq = 0;
	size_t len;

	fill_params(&p, alg, esn, TEST_SPI);
	tx = new_sa(&p);
	rx = new_sa(&p);
	for (len = 0; len <= max_len; len += step) {
		uint8_t nh = len % 2 ? NH_IPV6 : NH_IPV4, got_nh = 0;
		size_t esp_len, inner_len = 0;
		uint8_t *esp = encap_copy(tx, len, nh, (unsigned int)len, &esp_len);

		assert_int_equal(esp_sa_tx_seq(tx), ++seq);
		check_against_reference(&p, esp, esp_len, seq, len, nh, (unsigned int)len);
		assert_int_equal(decap_copy(rx, esp, esp_len, inner, &inner_len, &got_nh), ESP_OK);
		assert_int_equal(inner_len, len);
		assert_int_equal(got_nh, nh);
		fill_inner(expect, len, (unsigned int)len);
		assert_memory_equal(inner, expect, len);
		free(esp);
	}
	esp_sa_free(tx);
	esp_sa_free(rx);
}

static void test_round_trip_all_algs(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N_ALGS; i++) {
		round_trip(all_algs[i], false, 1500, 1);
		round_trip(all_algs[i], true, 1500, 3);
	}
}

/* One-way SAs (what the data plane creates) work their way only. */
static void test_one_way_sas(void **state)
{
	uint8_t buf[2048], *inner = buf + 64, *esp, *out;
	struct esp_sa_params p;
	struct esp_sa *tx, *rx;
	size_t esp_len, out_len;
	uint8_t nh;

	(void)state;
	for (size_t i = 0; i < N_ALGS; i++) {
		fill_params(&p, all_algs[i], false, 0x4242);
		p.direction = ESP_DIR_OUTBOUND;
		tx = new_sa(&p);
		p.direction = ESP_DIR_INBOUND;
		rx = new_sa(&p);
		memset(inner, 0x45, 100);
		assert_int_equal(esp_encap(rx, inner, 100, 4, &esp, &esp_len), ESP_ERR_MALFORMED);
		assert_int_equal(esp_encap(tx, inner, 100, 4, &esp, &esp_len), ESP_OK);
		assert_int_equal(esp_decap(tx, esp, esp_len, &out, &out_len, &nh), ESP_ERR_MALFORMED);
		assert_int_equal(esp_decap(rx, esp, esp_len, &out, &out_len, &nh), ESP_OK);
		assert_int_equal(out_len, 100);
		esp_sa_free(tx);
		esp_sa_free(rx);
	}
}

/* The largest inner packet fits, one more byte is refused. */
static void test_encap_size_limit(void **state)
{
	struct esp_sa_params p;
	struct esp_sa *sa, *rx;
	size_t esp_len;
	uint8_t *esp, *out = NULL;
	size_t out_len = 0;
	uint8_t byte[ESP_MAX_HEAD + 1 + ESP_MAX_TAIL];

	(void)state;
	fill_params(&p, ESP_ALG_AES_GCM_128, false, TEST_SPI);
	sa = new_sa(&p);
	rx = new_sa(&p);
	esp = encap_copy(sa, 65535, NH_IPV4, 9, &esp_len);
	assert_int_equal(decap_copy(rx, esp, esp_len, NULL, NULL, NULL), ESP_OK);
	free(esp);
	assert_int_equal(esp_encap(sa, byte + ESP_MAX_HEAD, 65536, NH_IPV4, &out, &out_len),
			 ESP_ERR_MALFORMED);
	assert_null(out);
	esp_sa_free(sa);
	esp_sa_free(rx);
}

/* Random CBC IVs: no two alike over several refills of esp.c's IV batch. */
static void test_cbc_iv_is_random(void **state)
{
	enum { N = 200 };
	static uint8_t ivs[N][16];
	struct esp_sa_params p;
	struct esp_sa *sa;
	size_t len, i, j;

	(void)state;
	fill_params(&p, ESP_ALG_AES_CBC_128, false, TEST_SPI);
	sa = new_sa(&p);
	for (i = 0; i < N; i++) {
		uint8_t *esp = encap_copy(sa, 64, NH_IPV4, 1, &len);

		memcpy(ivs[i], esp + 8, 16);
		free(esp);
		for (j = 0; j < i; j++)
			assert_memory_not_equal(ivs[i], ivs[j], 16);
	}
	esp_sa_free(sa);
}

/* ---- tampering ---- */

static void tamper_one(enum esp_alg alg, bool esn)
{
	struct esp_sa_params p;
	struct esp_sa *tx, *rx;
	size_t len, hdr = 8 + iv_len_of(alg), i;
	uint8_t *good, *bad;

	fill_params(&p, alg, esn, TEST_SPI);
	tx = new_sa(&p);
	rx = new_sa(&p);
	good = encap_copy(tx, 100, NH_IPV4, 5, &len);
	{
		/* seq, IV, ciphertext (start, middle, end), ICV (start, end) */
		const size_t where[] = {
			4, 7, 8, hdr - 1, hdr, hdr + 50, len - ICV_LEN - 1, len - ICV_LEN, len - 1,
		};

		for (i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
			bad = dup_exact(good, len);
			bad[where[i]] ^= (uint8_t)(1u << (i % 8));
			assert_int_equal(decap_copy(rx, bad, len, NULL, NULL, NULL), ESP_ERR_AUTH);
			free(bad);
		}
	}
	/* A flipped SPI is someone else's packet. */
	bad = dup_exact(good, len);
	bad[0] ^= 0x80;
	assert_int_equal(decap_copy(rx, bad, len, NULL, NULL, NULL), ESP_ERR_MALFORMED);
	free(bad);
	/* None of that moved the window: the good packet still goes through, once. */
	assert_int_equal(decap_copy(rx, good, len, NULL, NULL, NULL), ESP_OK);
	assert_int_equal(decap_copy(rx, good, len, NULL, NULL, NULL), ESP_ERR_REPLAY);
	free(good);
	esp_sa_free(tx);
	esp_sa_free(rx);
}

static void test_tampering_fails_auth(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N_ALGS; i++) {
		tamper_one(all_algs[i], false);
		tamper_one(all_algs[i], true);
	}
}

/* ---- replay ---- */

static void replay_one(enum esp_alg alg)
{
	struct esp_sa_params p;
	struct esp_sa *tx, *rx;
	uint8_t *pkts[12], *pkt;
	size_t lens[12], len, i;

	fill_params(&p, alg, false, TEST_SPI);
	tx = new_sa(&p);
	rx = new_sa(&p);
	for (i = 0; i < 12; i++)
		pkts[i] = encap_copy(tx, 60, NH_IPV4, (unsigned int)i, &lens[i]);
	/* Reordered within the window: fine, once each. */
	assert_int_equal(decap_copy(rx, pkts[9], lens[9], NULL, NULL, NULL), ESP_OK);
	assert_int_equal(decap_copy(rx, pkts[1], lens[1], NULL, NULL, NULL), ESP_OK);
	assert_int_equal(decap_copy(rx, pkts[5], lens[5], NULL, NULL, NULL), ESP_OK);
	assert_int_equal(decap_copy(rx, pkts[9], lens[9], NULL, NULL, NULL), ESP_ERR_REPLAY);
	assert_int_equal(decap_copy(rx, pkts[1], lens[1], NULL, NULL, NULL), ESP_ERR_REPLAY);
	/* Move the top to 11 + W: the window is (11, 11 + W]. */
	for (i = 0; i < ESP_REPLAY_WINDOW - 1; i++) {
		pkt = encap_copy(tx, 20, NH_IPV4, 0, &len);
		assert_int_equal(decap_copy(rx, pkt, len, NULL, NULL, NULL), ESP_OK);
		free(pkt);
	}
	/* Seq 12 sits on the window's edge; 11 and older are too old. */
	assert_int_equal(decap_copy(rx, pkts[11], lens[11], NULL, NULL, NULL), ESP_OK);
	assert_int_equal(decap_copy(rx, pkts[10], lens[10], NULL, NULL, NULL), ESP_ERR_REPLAY);
	assert_int_equal(decap_copy(rx, pkts[0], lens[0], NULL, NULL, NULL), ESP_ERR_REPLAY);
	for (i = 0; i < 12; i++)
		free(pkts[i]);
	esp_sa_free(tx);
	esp_sa_free(rx);
}

static void test_replay(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N_ALGS; i++)
		replay_one(all_algs[i]);
}

/* Sequence number 0 is never sent, so never accepted, even authentic. */
static void test_seq_zero_refused(void **state)
{
	struct esp_sa_params p;
	struct esp_sa *rx;
	uint8_t text[64], esp[MAX_PACKET];
	size_t text_len, len;

	(void)state;
	fill_params(&p, ESP_ALG_AES_GCM_128, false, TEST_SPI);
	rx = new_sa(&p);
	text_len = make_text(text, 30, good_pad, 0, 0, NH_IPV4);
	len = ref_seal(&p, 0, text, text_len, esp);
	assert_int_equal(decap_copy(rx, esp, len, NULL, NULL, NULL), ESP_ERR_REPLAY);
	esp_sa_free(rx);
}

/* ---- trailers ---- */

/* Seals text at seq with the reference and returns what esp_decap says. */
static int decap_crafted(const struct esp_sa_params *p, struct esp_sa *rx, uint64_t seq,
			 const uint8_t *text, size_t text_len, size_t *inner_len, uint8_t *nh)
{
	uint8_t esp[MAX_PACKET], inner[MAX_PACKET];

	return decap_copy(rx, esp, ref_seal(p, seq, text, text_len, esp), inner, inner_len, nh);
}

static void trailer_one(enum esp_alg alg)
{
	size_t align = align_of(alg), inner_len = 0, base, tl;
	uint8_t text[MAX_PACKET], bad_pad[20], nh = 0;
	struct esp_sa_params p;
	struct esp_sa *rx;
	uint64_t seq = 0;

	fill_params(&p, alg, false, TEST_SPI);
	rx = new_sa(&p);
	base = 2 * align - 2;	/* inner length needing no padding */

	/* Minimal and generous (RFC 4303 2.4 allows up to 255) padding both pass. */
	tl = make_text(text, base, good_pad, 0, 0, NH_IPV4);
	assert_int_equal(decap_crafted(&p, rx, ++seq, text, tl, &inner_len, &nh), ESP_OK);
	assert_int_equal(inner_len, base);
	tl = make_text(text, base, good_pad, align, (uint8_t)align, NH_IPV6);
	assert_int_equal(decap_crafted(&p, rx, ++seq, text, tl, &inner_len, &nh), ESP_OK);
	assert_int_equal(inner_len, base);
	assert_int_equal(nh, NH_IPV6);
	/* All padding, no inner packet: a valid ESP packet, empty. */
	tl = make_text(text, 0, good_pad, align - 2, (uint8_t)(align - 2), NH_IPV4);
	assert_int_equal(decap_crafted(&p, rx, ++seq, text, tl, &inner_len, &nh), ESP_OK);
	assert_int_equal(inner_len, 0);

	/* Padding not 1, 2, 3, ... */
	memcpy(bad_pad, good_pad, sizeof(bad_pad));
	bad_pad[2] = 7;
	tl = make_text(text, base + align - 4, bad_pad, 4, 4, NH_IPV4);
	assert_int_equal(decap_crafted(&p, rx, ++seq, text, tl, NULL, NULL), ESP_ERR_TRAILER);
	bad_pad[2] = 3;
	bad_pad[0] = 0;
	tl = make_text(text, base + align - 4, bad_pad, 4, 4, NH_IPV4);
	assert_int_equal(decap_crafted(&p, rx, ++seq, text, tl, NULL, NULL), ESP_ERR_TRAILER);
	/* Pad length longer than the payload. */
	tl = make_text(text, base, good_pad, 0, (uint8_t)(base + 1), NH_IPV4);
	assert_int_equal(decap_crafted(&p, rx, ++seq, text, tl, NULL, NULL), ESP_ERR_TRAILER);
	tl = make_text(text, base, good_pad, 0, 255, NH_IPV4);
	assert_int_equal(decap_crafted(&p, rx, ++seq, text, tl, NULL, NULL), ESP_ERR_TRAILER);
	/* Next headers a tunnel does not carry, the dummy packet (59) among them. */
	tl = make_text(text, base, good_pad, 0, 0, NH_NONE);
	assert_int_equal(decap_crafted(&p, rx, ++seq, text, tl, NULL, NULL), ESP_ERR_TRAILER);
	tl = make_text(text, base, good_pad, 0, 0, 17);
	assert_int_equal(decap_crafted(&p, rx, ++seq, text, tl, NULL, NULL), ESP_ERR_TRAILER);
	tl = make_text(text, base, good_pad, 0, 0, 0);
	assert_int_equal(decap_crafted(&p, rx, ++seq, text, tl, NULL, NULL), ESP_ERR_TRAILER);

	/* A bad trailer is still authentic: the window took it. */
	tl = make_text(text, base, good_pad, 0, 0, NH_NONE);
	assert_int_equal(decap_crafted(&p, rx, seq, text, tl, NULL, NULL), ESP_ERR_REPLAY);
	esp_sa_free(rx);
}

static void test_bad_trailers(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N_ALGS; i++)
		trailer_one(all_algs[i]);
}

/* ---- malformed ---- */

static void malformed_one(enum esp_alg alg)
{
	size_t align = align_of(alg), min = 8 + iv_len_of(alg) + align + ICV_LEN;
	struct esp_sa_params p, other;
	struct esp_sa *tx, *rx, *rx_other;
	uint8_t *good, *longer;
	size_t len, n;

	fill_params(&p, alg, false, TEST_SPI);
	tx = new_sa(&p);
	rx = new_sa(&p);
	good = encap_copy(tx, 0, NH_IPV4, 1, &len);
	assert_int_equal(len, min);
	/* Every truncation is refused before anything is read past its end. */
	for (n = 0; n < len; n++)
		assert_int_equal(decap_copy(rx, good, n, NULL, NULL, NULL), ESP_ERR_MALFORMED);
	/* A ciphertext that is not a whole number of blocks / words. */
	longer = malloc(len + 1);
	assert_non_null(longer);
	memcpy(longer, good, len);
	longer[len] = 0;
	assert_int_equal(decap_copy(rx, longer, len + 1, NULL, NULL, NULL), ESP_ERR_MALFORMED);
	free(longer);
	/* Another SA's SPI. */
	other = p;
	other.spi = TEST_SPI + 1;
	rx_other = new_sa(&other);
	assert_int_equal(decap_copy(rx_other, good, len, NULL, NULL, NULL), ESP_ERR_MALFORMED);
	/* Nothing of that touched the window. */
	assert_int_equal(decap_copy(rx, good, len, NULL, NULL, NULL), ESP_OK);
	free(good);
	esp_sa_free(tx);
	esp_sa_free(rx);
	esp_sa_free(rx_other);
}

static void test_malformed(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N_ALGS; i++)
		malformed_one(all_algs[i]);
}

/* ---- sequence numbers ---- */

static void test_seq_exhausted_without_esn(void **state)
{
	struct esp_sa_params p;
	struct esp_sa *tx, *rx;
	uint8_t *esp, *out = NULL, buf[ESP_MAX_HEAD + 10 + ESP_MAX_TAIL];
	size_t len, out_len = 0;

	(void)state;
	fill_params(&p, ESP_ALG_AES_GCM_128, false, TEST_SPI);
	tx = new_sa(&p);
	rx = new_sa(&p);
	esp_sa_set_tx_seq(tx, UINT32_MAX);
	esp = encap_copy(tx, 10, NH_IPV4, 1, &len);
	assert_int_equal(get_be32(esp + 4), UINT32_MAX);
	assert_int_equal(esp_sa_tx_seq(tx), UINT32_MAX);
	assert_int_equal(decap_copy(rx, esp, len, NULL, NULL, NULL), ESP_OK);
	free(esp);
	/* The 32-bit number may not wrap (RFC 4303 3.3.3). */
	assert_int_equal(esp_encap(tx, buf + ESP_MAX_HEAD, 10, NH_IPV4, &out, &out_len),
			 ESP_ERR_SEQ_EXHAUSTED);
	assert_int_equal(esp_encap(tx, buf + ESP_MAX_HEAD, 10, NH_IPV4, &out, &out_len),
			 ESP_ERR_SEQ_EXHAUSTED);
	assert_null(out);
	assert_int_equal(esp_sa_tx_seq(tx), UINT32_MAX);
	esp_sa_free(tx);
	esp_sa_free(rx);
}

static void test_seq_exhausted_with_esn(void **state)
{
	struct esp_sa_params p;
	struct esp_sa *tx;
	uint8_t *esp, *out = NULL, buf[ESP_MAX_HEAD + 10 + ESP_MAX_TAIL];
	size_t len, out_len = 0;

	(void)state;
	fill_params(&p, ESP_ALG_CHACHA20_POLY1305, true, TEST_SPI);
	tx = new_sa(&p);
	/* Past 2^32 - 1 the low half wraps to 0 on the wire. */
	esp_sa_set_tx_seq(tx, UINT32_MAX);
	free(encap_copy(tx, 10, NH_IPV4, 1, &len));
	esp = encap_copy(tx, 10, NH_IPV4, 1, &len);
	assert_int_equal(get_be32(esp + 4), 0);
	assert_int_equal(get_be64(esp + 8), (uint64_t)1 << 32);
	free(esp);
	/* And the 64-bit number stops at 2^64 - 1. */
	esp_sa_set_tx_seq(tx, UINT64_MAX);
	free(encap_copy(tx, 10, NH_IPV4, 1, &len));
	assert_int_equal(esp_sa_tx_seq(tx), UINT64_MAX);
	assert_int_equal(esp_encap(tx, buf + ESP_MAX_HEAD, 10, NH_IPV4, &out, &out_len),
			 ESP_ERR_SEQ_EXHAUSTED);
	assert_null(out);
	esp_sa_free(tx);
}

/* Packets from both sides of 2^32, out of order, through an ESN SA. */
static void esn_wrap_one(enum esp_alg alg)
{
	static const int order[] = { 0, 1, 3, 4, 2, 5 };
	const uint64_t first = ((uint64_t)1 << 32) - 3;
	struct esp_sa_params p;
	struct esp_sa *tx, *rx, *fresh;
	uint8_t *pkts[6], inner[MAX_PACKET];
	size_t lens[6], inner_len = 0, i;

	fill_params(&p, alg, true, TEST_SPI);
	tx = new_sa(&p);
	rx = new_sa(&p);
	esp_sa_set_tx_seq(tx, first);
	for (i = 0; i < 6; i++)
		pkts[i] = encap_copy(tx, 77, NH_IPV4, (unsigned int)i, &lens[i]);
	for (i = 0; i < 6; i++) {
		assert_int_equal(decap_copy(rx, pkts[order[i]], lens[order[i]], inner, &inner_len,
					    NULL), ESP_OK);
		assert_int_equal(inner_len, 77);
	}
	assert_int_equal(decap_copy(rx, pkts[3], lens[3], NULL, NULL, NULL), ESP_ERR_REPLAY);
	assert_int_equal(decap_copy(rx, pkts[2], lens[2], NULL, NULL, NULL), ESP_ERR_REPLAY);
	/* The high half is under the ICV: a receiver that guesses 0 for a packet
	 * sent at 2^32 + 2 fails authentication. */
	fresh = new_sa(&p);
	assert_int_equal(decap_copy(fresh, pkts[5], lens[5], NULL, NULL, NULL), ESP_ERR_AUTH);
	esp_sa_free(fresh);
	for (i = 0; i < 6; i++)
		free(pkts[i]);
	esp_sa_free(tx);
	esp_sa_free(rx);
}

static void test_esn_across_2_32(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N_ALGS; i++)
		esn_wrap_one(all_algs[i]);
}

/* ---- threads ---- */

enum { N_THREADS = 4, PER_THREAD = 400, N_PKTS = N_THREADS * PER_THREAD };

struct shared_run {
	struct esp_sa *sa;
	uint8_t *pkts[N_PKTS];		/* by sequence number - 1 */
	size_t lens[N_PKTS];
	int accepted[N_PKTS];		/* decap: ESP_OK per packet, summed over threads */
	int failures;			/* anything but ESP_OK / ESP_ERR_REPLAY */
	pthread_mutex_t lock;
};

static void *encap_worker(void *arg)
{
	struct shared_run *run = arg;
	size_t head = esp_head_len(run->sa), tail = esp_tail_max(run->sa);
	uint8_t buf[ESP_MAX_HEAD + 200 + ESP_MAX_TAIL];
	int i;

	for (i = 0; i < PER_THREAD; i++) {
		uint8_t *out = NULL;
		size_t out_len = 0;
		uint32_t seq;

		fill_inner(buf + head, 200, 7);
		if (head + 200 + tail > sizeof(buf) ||
		    esp_encap(run->sa, buf + head, 200, NH_IPV4, &out, &out_len) != ESP_OK) {
			__atomic_add_fetch(&run->failures, 1, __ATOMIC_RELAXED);
			continue;
		}
		seq = get_be32(out + 4);
		if (seq < 1 || seq > N_PKTS || run->pkts[seq - 1]) {
			__atomic_add_fetch(&run->failures, 1, __ATOMIC_RELAXED);
			continue;
		}
		run->pkts[seq - 1] = malloc(out_len);
		memcpy(run->pkts[seq - 1], out, out_len);
		run->lens[seq - 1] = out_len;
	}
	return NULL;
}

static void *decap_worker(void *arg)
{
	struct shared_run *run = arg;
	uint8_t buf[MAX_PACKET];
	int i;

	for (i = 0; i < N_PKTS; i++) {
		uint8_t *inner, nh;
		size_t inner_len;
		int ret;

		memcpy(buf, run->pkts[i], run->lens[i]);
		ret = esp_decap(run->sa, buf, run->lens[i], &inner, &inner_len, &nh);
		if (ret == ESP_OK)
			__atomic_add_fetch(&run->accepted[i], 1, __ATOMIC_RELAXED);
		else if (ret != ESP_ERR_REPLAY)
			__atomic_add_fetch(&run->failures, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void run_threads(struct shared_run *run, void *(*fn)(void *))
{
	pthread_t threads[N_THREADS];
	int i;

	for (i = 0; i < N_THREADS; i++)
		assert_int_equal(pthread_create(&threads[i], NULL, fn, run), 0);
	for (i = 0; i < N_THREADS; i++)
		assert_int_equal(pthread_join(threads[i], NULL), 0);
}

static void threads_one(enum esp_alg alg)
{
	struct shared_run *run = calloc(1, sizeof(*run));
	struct esp_sa_params p;
	int i;

	assert_non_null(run);
	fill_params(&p, alg, false, TEST_SPI);
	/* Encap: every sequence number from 1 to N_PKTS, each exactly once. */
	run->sa = new_sa(&p);
	run_threads(run, encap_worker);
	assert_int_equal(run->failures, 0);
	for (i = 0; i < N_PKTS; i++)
		assert_non_null(run->pkts[i]);
	assert_int_equal(esp_sa_tx_seq(run->sa), N_PKTS);
	esp_sa_free(run->sa);
	/* Decap: all threads offer every packet in order; exactly one wins each
	 * (the first offer of a packet always precedes any top W past it). */
	run->sa = new_sa(&p);
	run_threads(run, decap_worker);
	assert_int_equal(run->failures, 0);
	for (i = 0; i < N_PKTS; i++)
		assert_int_equal(run->accepted[i], 1);
	esp_sa_free(run->sa);
	for (i = 0; i < N_PKTS; i++)
		free(run->pkts[i]);
	free(run);
}

static void test_threads_share_sa(void **state)
{
	(void)state;
	threads_one(ESP_ALG_AES_GCM_128);
	threads_one(ESP_ALG_AES_CBC_256);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alg_names),
		cmocka_unit_test(test_sa_new_rejects_bad_keys),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_known_answers),
		cmocka_unit_test(test_round_trip_all_algs),
		cmocka_unit_test(test_one_way_sas),
		cmocka_unit_test(test_encap_size_limit),
		cmocka_unit_test(test_cbc_iv_is_random),
		cmocka_unit_test(test_tampering_fails_auth),
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_seq_zero_refused),
		cmocka_unit_test(test_bad_trailers),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_seq_exhausted_without_esn),
		cmocka_unit_test(test_seq_exhausted_with_esn),
		cmocka_unit_test(test_esn_across_2_32),
		cmocka_unit_test(test_threads_share_sa),
	};

	return cmocka_run_group_tests_name("esp", tests, NULL, NULL);
}
