// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The Encrypted Fragment payload (SKF, RFC 7383 2.5) in the codec and the
 * SK layer: ike_msg_parse finds Fragment Number and Total Fragments,
 * ike_sk_encrypt_frag / ike_sk_decrypt_frag protect a fragment in place
 * with those fields authenticated (a changed Fragment Number fails the
 * ICV), and malformed fragment fields are syntax errors; and the datagram
 * size fragments are cut to (RFC 7383 2.5.1, the uplink's MTU).
 *
 *   | IKE header, NP=53 | SKF: NP, C, len | Frag# | Total | IV | inner | pad | padlen | ICV |
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include <openssl/rand.h>

#include "ike_msg.h"
#include "ike_prf.h"
#include "ike_sk.h"
#include "ike_xchg.h"

enum { MSG_MAX = 2048, FIELDS_OFF = IKE_HDR_LEN + IKE_GENERIC_HDR_LEN };

static const struct ike_suite suites[] = {
	{ IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE, 0 },
	{ IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128, 0 },
};

static void keyed(const struct ike_suite *s, struct ike_sk *sk)
{
	struct ike_key ek = { .len = s->integ ? 16 : 20 }, ak = { .len = s->integ ? 32 : 0 };

	assert_int_equal(RAND_bytes(ek.buf, sizeof(ek.buf)), 1);
	assert_int_equal(RAND_bytes(ak.buf, sizeof(ak.buf)), 1);
	assert_int_equal(ike_sk_init(sk, s, &ek, &ak), 0);
}

/* Fragment num of total carrying plain_len octets; its length. */
static size_t seal(struct ike_sk *sk, uint8_t *msg, uint16_t num, uint16_t total,
		   size_t plain_len)
{
	size_t len, iv = ike_sk_iv_len(sk);

	memset(msg, 0, MSG_MAX);
	memset(msg, 0x11, 16);				/* SPIs */
	msg[16] = IKE_PL_SKF;
	msg[17] = IKE_VERSION_2;
	msg[18] = IKE_AUTH;
	msg[19] = IKE_FLAG_INITIATOR;
	ike_put32(msg + 20, 1);
	msg[IKE_HDR_LEN] = num == 1 ? IKE_PL_IDI : IKE_PL_NONE;
	ike_put16(msg + FIELDS_OFF, num);
	ike_put16(msg + FIELDS_OFF + 2, total);
	for (size_t i = 0; i < plain_len; i++)
		msg[FIELDS_OFF + IKE_SKF_FRAG_LEN + iv + i] = (uint8_t)(i * 7 + num);
	assert_int_equal(ike_sk_encrypt_frag(sk, msg, MSG_MAX, IKE_HDR_LEN, plain_len, &len), 0);
	return len;
}

static void test_round_trip(void **state)
{
	uint8_t msg[MSG_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		struct ike_sk sk;
		struct ike_msg m;
		size_t len, off, got, iv;

		keyed(&suites[i], &sk);
		iv = ike_sk_iv_len(&sk);
		len = seal(&sk, msg, 1, 3, 301);
		assert_int_equal(len, IKE_HDR_LEN + IKE_SKF_FRAG_LEN + ike_sk_payload_len(&sk, 301));
		assert_int_equal(ike_msg_parse(msg, len, &m, NULL), IKE_PARSE_OK);
		assert_true(m.has_sk);
		assert_int_equal(m.sk.type, IKE_PL_SKF);
		assert_int_equal(m.sk.next, IKE_PL_IDI);
		assert_int_equal(m.frag_num, 1);
		assert_int_equal(m.frag_total, 3);
		assert_int_equal(ike_sk_decrypt_frag(&sk, msg, len, m.sk.off, &off, &got), 0);
		assert_int_equal(off, FIELDS_OFF + IKE_SKF_FRAG_LEN + iv);
		assert_int_equal(got, 301);
		assert_int_equal(msg[off + 300], (uint8_t)(300 * 7 + 1));
		ike_sk_wipe(&sk);
	}
}

/* The fragment fields are covered: changing either fails; so does opening SKF as SK. */
static void test_fields_authenticated(void **state)
{
	uint8_t sealed[MSG_MAX], msg[MSG_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		struct ike_sk sk;
		size_t len, off, got;

		keyed(&suites[i], &sk);
		len = seal(&sk, sealed, 2, 3, 64);
		for (size_t b = FIELDS_OFF; b < FIELDS_OFF + IKE_SKF_FRAG_LEN; b++) {
			memcpy(msg, sealed, len);
			msg[b] ^= 0x01;
			assert_int_not_equal(ike_sk_decrypt_frag(&sk, msg, len, IKE_HDR_LEN, &off,
								 &got), 0);
		}
		memcpy(msg, sealed, len);
		assert_int_not_equal(ike_sk_decrypt(&sk, msg, len, IKE_HDR_LEN, &off, &got), 0);
		memcpy(msg, sealed, len);
		assert_int_equal(ike_sk_decrypt_frag(&sk, msg, len, IKE_HDR_LEN, &off, &got), 0);
		assert_int_equal(got, 64);
		ike_sk_wipe(&sk);
	}
}

/* Fragment Number 0, or above Total Fragments, or no room for the fields. */
static void test_bad_fields(void **state)
{
	uint8_t msg[MSG_MAX];
	struct ike_msg m;
	struct ike_sk sk;
	size_t len;

	(void)state;
	keyed(&suites[0], &sk);
	len = seal(&sk, msg, 0, 3, 10);
	assert_int_equal(ike_msg_parse(msg, len, &m, NULL), IKE_PARSE_SYNTAX);
	len = seal(&sk, msg, 4, 3, 10);
	assert_int_equal(ike_msg_parse(msg, len, &m, NULL), IKE_PARSE_SYNTAX);
	len = seal(&sk, msg, 3, 3, 10);
	assert_int_equal(ike_msg_parse(msg, len, &m, NULL), IKE_PARSE_OK);
	/* an SKF payload of 6 octets: too short for its fields */
	ike_put32(msg + 24, IKE_HDR_LEN + 6);
	ike_put16(msg + IKE_HDR_LEN + 2, 6);
	assert_int_equal(ike_msg_parse(msg, IKE_HDR_LEN + 6, &m, NULL), IKE_PARSE_SYNTAX);
	ike_sk_wipe(&sk);
}

/*
 * How large a datagram IKE fills: ike_fragment_size when set (even past the
 * MTU: the operator's word), else RFC 7383's 576 / 1280, or the uplink's
 * MTU where smaller, but never under IKE_FRAGMENT_SIZE_MIN.
 */
static void test_datagram_max(void **state)
{
	(void)state;
	assert_int_equal(ike_frag_datagram_max(0, 0, false), 576);
	assert_int_equal(ike_frag_datagram_max(0, 0, true), 1280);
	assert_int_equal(ike_frag_datagram_max(0, 1500, false), 576);
	assert_int_equal(ike_frag_datagram_max(0, 1500, true), 1280);
	assert_int_equal(ike_frag_datagram_max(0, 512, false), 512);
	assert_int_equal(ike_frag_datagram_max(0, 1000, true), 1000);
	assert_int_equal(ike_frag_datagram_max(0, 300, false), IKE_FRAGMENT_SIZE_MIN);
	assert_int_equal(ike_frag_datagram_max(1400, 512, false), 1400);
	assert_int_equal(ike_frag_datagram_max(400, 9000, true), 400);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_fields_authenticated),
		cmocka_unit_test(test_bad_fields),
		cmocka_unit_test(test_datagram_max),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
