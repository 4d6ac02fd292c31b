// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * IKEv2 Diffie-Hellman: every group, its wire encodings and the checks on
 * the peer's value.
 *
 * Known answers: RFC 7748 6.1 (X25519) and RFC 5903 8.1-8.3 (the KE data
 * x | y and g^ir = x for P-256/384/521).  MODP has no published IKE
 * vector, so the RFC 3526 primes are written out below and the test does
 * the arithmetic itself with BIGNUMs: 2^x mod p for a known x, and g^ir
 * from a peer exponent of its own.  Round trips for every group, shared
 * secrets that begin with a zero byte (they keep their length), and peer
 * values that must be refused: wrong lengths, points off the curve, MODP
 * 0, 1, p-1, p and an element outside the prime-order subgroup, X25519
 * low-order points.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include "ike_dh.h"

enum { BUF_MAX = 512 };

static const uint16_t all_groups[] = {
	IKE_DH_MODP_2048, IKE_DH_MODP_3072, IKE_DH_ECP_256, IKE_DH_ECP_384, IKE_DH_ECP_521,
	IKE_DH_CURVE25519,
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/*
 * RFC 3526 2 and 3: p = 2^2048 - 2^1984 - 1 + 2^64 * { [2^1918 pi] + 124476 }
 * and p = 2^3072 - 2^3008 - 1 + 2^64 * { [2^2942 pi] + 1690314 }, generator
 * 2; computed from those formulas with 4000-bit pi (mpmath) and equal to
 * OpenSSL's "modp_2048" parameters.
 */
static const char MODP_2048_P[] =
	"ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74"
	"020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b0a6df25f1437"
	"4fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7ed"
	"ee386bfb5a899fa5ae9f24117c4b1fe649286651ece45b3dc2007cb8a163bf05"
	"98da48361c55d39a69163fa8fd24cf5f83655d23dca3ad961c62f356208552bb"
	"9ed529077096966d670c354e4abc9804f1746c08ca18217c32905e462e36ce3b"
	"e39e772c180e86039b2783a2ec07a28fb5c55df06f4c52c9de2bcbf695581718"
	"3995497cea956ae515d2261898fa051015728e5a8aacaa68ffffffffffffffff";
static const char MODP_3072_P[] =
	"ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74"
	"020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b0a6df25f1437"
	"4fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7ed"
	"ee386bfb5a899fa5ae9f24117c4b1fe649286651ece45b3dc2007cb8a163bf05"
	"98da48361c55d39a69163fa8fd24cf5f83655d23dca3ad961c62f356208552bb"
	"9ed529077096966d670c354e4abc9804f1746c08ca18217c32905e462e36ce3b"
	"e39e772c180e86039b2783a2ec07a28fb5c55df06f4c52c9de2bcbf695581718"
	"3995497cea956ae515d2261898fa051015728e5a8aaac42dad33170d04507a33"
	"a85521abdf1cba64ecfb850458dbef0a8aea71575d060c7db3970f85a6e1e4c7"
	"abf5ae8cdb0933d71e8c94e04a25619dcee3d2261ad2ee6bf12ffa06d98a0864"
	"d87602733ec86a64521f2b18177b200cbbe117577a615d6c770988c0bad946e2"
	"08e24fa074e5ab3143db5bfce0fd108e4b82d120a93ad2caffffffffffffffff";

/* RFC 7748 6.1 */
static const char X25519_A_PRIV[] =
	"77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
static const char X25519_A_PUB[] =
	"8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
static const char X25519_B_PRIV[] =
	"5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
static const char X25519_B_PUB[] =
	"de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
static const char X25519_K[] =
	"4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

/* RFC 5903 8: i, g^i = gix | giy, r, g^r = grx | gry, g^ir = girx. */
struct ecp_kat {
	uint16_t group;
	const char *i, *gi, *r, *gr, *gir;
};

static const struct ecp_kat ecp_kats[] = {
	{	/* 8.1, 256-bit random ECP group */
		.group = IKE_DH_ECP_256,
		.i = "c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433",
		.gi = "dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180"
		      "5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3",
		.r = "c6ef9c5d78ae012a011164acb397ce2088685d8f06bf9be0b283ab46476bee53",
		.gr = "d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63"
		      "56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab",
		.gir = "d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de",
	},
	{	/* 8.2, 384-bit random ECP group */
		.group = IKE_DH_ECP_384,
		.i = "099f3c7034d4a2c699884d73a375a67f7624ef7c6b3c0f160647b67414dce655"
		     "e35b538041e649ee3faef896783ab194",
		.gi = "667842d7d180ac2cde6f74f37551f55755c7645c20ef73e31634fe72b4c55ee6"
		      "de3ac808acb4bdb4c88732aee95f41aa"
		      "9482ed1fc0eeb9cafc4984625ccfc23f65032149e0e144ada024181535a0f38e"
		      "eb9fcff3c2c947dae69b4c634573a81c",
		.r = "41cb0779b4bdb85d47846725fbec3c9430fab46cc8dc5060855cc9bda0aa2942"
		     "e0308312916b8ed2960e4bd55a7448fc",
		.gr = "e558dbef53eecde3d3fccfc1aea08a89a987475d12fd950d83cfa41732bc509d"
		      "0d1ac43a0336def96fda41d0774a3571"
		      "dcfbec7aacf3196472169e838430367f66eebe3c6e70c416dd5f0c68759dd1ff"
		      "f83fa40142209dff5eaad96db9e6386c",
		.gir = "11187331c279962d93d604243fd592cb9d0a926f422e47187521287e7156c5c4"
		       "d603135569b9e9d09cf5d4a270f59746",
	},
	{	/* 8.3, 521-bit random ECP group: coordinates padded to 66 bytes */
		.group = IKE_DH_ECP_521,
		.i = "0037ade9319a89f4dabdb3ef411aaccca5123c61acab57b5393dce47608172a0"
		     "95aa85a30fe1c2952c6771d937ba9777f5957b2639bab072462f68c27a57382d"
		     "4a52",
		.gi = "0015417e84dbf28c0ad3c278713349dc7df153c897a1891bd98bab4357c9ecbe"
		      "e1e3bf42e00b8e380aeae57c2d107564941885942af5a7f4601723c4195d176c"
		      "ed3e"
		      "017cae20b6641d2eeb695786d8c946146239d099e18e1d5a514c739d7cb4a10a"
		      "d8a788015ac405d7799dc75e7b7d5b6cf2261a6a7f1507438bf01beb6ca3926f"
		      "9582",
		.r = "0145ba99a847af43793fdd0e872e7cdfa16be30fdc780f97bccc3f078380201e"
		     "9c677d600b343757a3bdbf2a3163e4c2f869cca7458aa4a4effc311f5cb15168"
		     "5eb9",
		.gr = "00d0b3975ac4b799f5bea16d5e13e9af971d5e9b984c9f39728b5e5739735a21"
		      "9b97c356436adc6e95bb0352f6be64a6c2912d4ef2d0433ced2b6171640012d9"
		      "460f"
		      "015c68226383956e3bd066e797b623c27ce0eac2f551a10c2c724d9852077b87"
		      "220b6536c5c408a1d2aebb8e86d678ae49cb57091f4732296579ab44fcd17f0f"
		      "c56a",
		.gir = "01144c7d79ae6956bc8edb8e7c787c4521cb086fa64407f97894e5e6b2d79b04"
		       "d1427e73ca4baa240a34786859810c06b3c715a3a8cc3151f2bee417996d19f3"
		       "ddea",
	},
};

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

static void get_public(const struct ike_dh *dh, uint8_t *buf, size_t *len)
{
	*len = BUF_MAX;
	assert_int_equal(ike_dh_public(dh, buf, len), 0);
	assert_int_equal(*len, ike_dh_public_len(ike_dh_group(dh)));
}

static void assert_shared(const struct ike_dh *dh, const uint8_t *peer, size_t peer_len,
			  const uint8_t *want)
{
	size_t want_len = ike_dh_shared_len(ike_dh_group(dh)), len = BUF_MAX;
	uint8_t out[BUF_MAX];

	assert_int_equal(ike_dh_shared(dh, peer, peer_len, out, &len), 0);
	assert_int_equal(len, want_len);
	assert_memory_equal(out, want, want_len);
}

static void assert_peer_refused(const struct ike_dh *dh, const uint8_t *peer, size_t len)
{
	uint8_t out[BUF_MAX];
	size_t out_len = sizeof(out);

	assert_int_equal(ike_dh_shared(dh, peer, len, out, &out_len), -EINVAL);
}

static void test_group_facts(void **state)
{
	static const uint16_t unsupported[] = { 0, 1, 2, 5, 16, 22, 24, 30, 32 };
	static const size_t pub[] = { 256, 384, 64, 96, 132, 32 };
	static const size_t shared[] = { 256, 384, 32, 48, 66, 32 };

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(all_groups); i++) {
		assert_true(ike_dh_supported(all_groups[i]));
		assert_int_equal(ike_dh_public_len(all_groups[i]), pub[i]);
		assert_int_equal(ike_dh_shared_len(all_groups[i]), shared[i]);
		assert_true(pub[i] <= IKE_DH_MAX_PUBLIC_LEN && shared[i] <= IKE_DH_MAX_SHARED_LEN);
	}
	for (size_t i = 0; i < ARRAY_LEN(unsupported); i++) {
		assert_false(ike_dh_supported(unsupported[i]));
		assert_int_equal(ike_dh_public_len(unsupported[i]), 0);
		assert_null(ike_dh_new(unsupported[i]));
	}
	ike_dh_free(NULL);
}

static void test_round_trip_every_group(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(all_groups); i++) {
		uint8_t pa[BUF_MAX], pb[BUF_MAX], again[BUF_MAX], sa[BUF_MAX], sb[BUF_MAX];
		struct ike_dh *a = ike_dh_new(all_groups[i]), *b = ike_dh_new(all_groups[i]);
		size_t la, lb, lagain, lsa = sizeof(sa), lsb = sizeof(sb);

		print_message("      group %u\n", all_groups[i]);
		assert_non_null(a);
		assert_non_null(b);
		assert_int_equal(ike_dh_group(a), all_groups[i]);
		get_public(a, pa, &la);
		get_public(b, pb, &lb);
		get_public(a, again, &lagain);
		assert_memory_equal(pa, again, la);
		assert_memory_not_equal(pa, pb, la);
		assert_int_equal(ike_dh_shared(a, pb, lb, sa, &lsa), 0);
		assert_int_equal(ike_dh_shared(b, pa, la, sb, &lsb), 0);
		assert_int_equal(lsa, ike_dh_shared_len(all_groups[i]));
		assert_int_equal(lsb, lsa);
		assert_memory_equal(sa, sb, lsa);
		ike_dh_free(a);
		ike_dh_free(b);
	}
}

static struct ike_dh *dh_from_hex(uint16_t group, const char *priv_hex)
{
	uint8_t priv[BUF_MAX];
	size_t len = unhex(priv_hex, priv, sizeof(priv));
	struct ike_dh *dh = ike_dh_new_from_private(group, priv, len);

	assert_non_null(dh);
	return dh;
}

static void check_kat_side(uint16_t group, const char *priv, const char *pub,
			   const char *peer_pub, const char *shared)
{
	uint8_t want_pub[BUF_MAX], got[BUF_MAX], peer[BUF_MAX], want[BUF_MAX];
	struct ike_dh *dh = dh_from_hex(group, priv);
	size_t n = unhex(pub, want_pub, sizeof(want_pub)), len;
	size_t peer_len = unhex(peer_pub, peer, sizeof(peer));

	get_public(dh, got, &len);
	assert_int_equal(len, n);
	assert_memory_equal(got, want_pub, n);
	assert_int_equal(unhex(shared, want, sizeof(want)), ike_dh_shared_len(group));
	assert_shared(dh, peer, peer_len, want);
	ike_dh_free(dh);
}

static void test_rfc7748_x25519(void **state)
{
	(void)state;
	check_kat_side(IKE_DH_CURVE25519, X25519_A_PRIV, X25519_A_PUB, X25519_B_PUB, X25519_K);
	check_kat_side(IKE_DH_CURVE25519, X25519_B_PRIV, X25519_B_PUB, X25519_A_PUB, X25519_K);
}

static void test_rfc5903_ecp(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(ecp_kats); i++) {
		const struct ecp_kat *k = &ecp_kats[i];

		print_message("      group %u\n", k->group);
		check_kat_side(k->group, k->i, k->gi, k->gr, k->gir);
		check_kat_side(k->group, k->r, k->gr, k->gi, k->gir);
	}
}

static BIGNUM *bn_hex(const char *hex)
{
	BIGNUM *bn = NULL;

	assert_true(BN_hex2bn(&bn, hex) > 0);
	return bn;
}

static void bn_to_buf(const BIGNUM *bn, uint8_t *buf, size_t len)
{
	assert_int_equal(BN_bn2binpad(bn, buf, (int)len), (int)len);
}

/* g^x mod p against BIGNUM arithmetic, and a shared secret with a leading zero byte. */
static void modp_check(uint16_t group, const char *prime_hex)
{
	size_t plen = ike_dh_public_len(group), len;
	BIGNUM *p = bn_hex(prime_hex), *two = BN_new(), *x = BN_new(), *t = BN_new();
	BIGNUM *ours = BN_new(), *peer = BN_new(), *gir = BN_new();
	uint8_t priv[BUF_MAX], buf[BUF_MAX], want[BUF_MAX];
	BN_CTX *ctx = BN_CTX_new();
	struct ike_dh *dh;

	assert_non_null(ctx);
	assert_true(BN_set_word(two, 2));
	/* x = 1000: the public value 2^1000 is short and must be padded */
	memset(priv, 0, plen);
	priv[plen - 2] = 0x03;
	priv[plen - 1] = 0xe8;
	dh = ike_dh_new_from_private(group, priv, plen);
	assert_non_null(dh);
	get_public(dh, buf, &len);
	assert_true(BN_set_word(x, 1000) && BN_mod_exp(ours, two, x, p, ctx));
	bn_to_buf(ours, want, plen);
	assert_memory_equal(buf, want, plen);
	assert_int_equal(buf[0], 0);
	ike_dh_free(dh);

	/* a full-size private value; then a peer exponent t whose g^ir starts with 0x00 */
	for (size_t i = 0; i < plen; i++)
		priv[i] = 0x5a ^ (i * 13);
	dh = ike_dh_new_from_private(group, priv, plen);
	assert_non_null(dh);
	get_public(dh, buf, &len);
	assert_non_null(BN_bin2bn(priv, (int)plen, x));
	assert_true(BN_mod_exp(ours, two, x, p, ctx));
	bn_to_buf(ours, want, plen);
	assert_memory_equal(buf, want, plen);
	for (unsigned long w = 2;; w++) {
		assert_true(w < 100000);
		assert_true(BN_set_word(t, w) && BN_mod_exp(gir, ours, t, p, ctx));
		if ((size_t)BN_num_bytes(gir) < plen)
			break;
	}
	assert_true(BN_mod_exp(peer, two, t, p, ctx));
	bn_to_buf(peer, buf, plen);
	bn_to_buf(gir, want, plen);
	assert_int_equal(want[0], 0);
	assert_shared(dh, buf, plen, want);
	ike_dh_free(dh);

	/* a generated key lives in the same group: (its y)^t is g^ir */
	dh = ike_dh_new(group);
	assert_non_null(dh);
	get_public(dh, buf, &len);
	assert_non_null(BN_bin2bn(buf, (int)len, ours));
	assert_true(BN_mod_exp(gir, ours, t, p, ctx));
	bn_to_buf(peer, buf, plen);
	bn_to_buf(gir, want, plen);
	assert_shared(dh, buf, plen, want);
	ike_dh_free(dh);

	BN_CTX_free(ctx);
	BN_free(gir);
	BN_free(peer);
	BN_free(ours);
	BN_free(t);
	BN_free(x);
	BN_free(two);
	BN_free(p);
}

static void test_modp_against_bignum(void **state)
{
	(void)state;
	modp_check(IKE_DH_MODP_2048, MODP_2048_P);
	modp_check(IKE_DH_MODP_3072, MODP_3072_P);
}

/* P-256: find k with x(k * our public) < 2^248, send k * G, expect 32 bytes. */
static void test_ecp_shared_leading_zero(void **state)
{
	EC_GROUP *grp = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	EC_POINT *ours = EC_POINT_new(grp), *shared = EC_POINT_new(grp), *peer = EC_POINT_new(grp);
	BIGNUM *k = BN_new(), *xr = BN_new();
	uint8_t pub[BUF_MAX], point[1 + BUF_MAX], want[32];
	struct ike_dh *dh = dh_from_hex(IKE_DH_ECP_256, ecp_kats[0].i);
	BN_CTX *ctx = BN_CTX_new();
	size_t len;

	(void)state;
	assert_non_null(ctx);
	get_public(dh, pub, &len);
	point[0] = 0x04;
	memcpy(point + 1, pub, len);
	assert_true(EC_POINT_oct2point(grp, ours, point, len + 1, ctx));
	for (unsigned long w = 1;; w++) {
		assert_true(w < 100000);
		assert_true(BN_set_word(k, w) && EC_POINT_mul(grp, shared, NULL, ours, k, ctx));
		assert_true(EC_POINT_get_affine_coordinates(grp, shared, xr, NULL, ctx));
		if (BN_num_bytes(xr) < 32)
			break;
	}
	assert_true(EC_POINT_mul(grp, peer, k, NULL, NULL, ctx));
	assert_int_equal(EC_POINT_point2oct(grp, peer, POINT_CONVERSION_UNCOMPRESSED, point,
					    sizeof(point), ctx), 65);
	bn_to_buf(xr, want, 32);
	assert_int_equal(want[0], 0);
	assert_shared(dh, point + 1, 64, want);

	ike_dh_free(dh);
	BN_CTX_free(ctx);
	BN_free(xr);
	BN_free(k);
	EC_POINT_free(peer);
	EC_POINT_free(shared);
	EC_POINT_free(ours);
	EC_GROUP_free(grp);
}

static void test_wrong_lengths_refused(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(all_groups); i++) {
		struct ike_dh *a = ike_dh_new(all_groups[i]), *b = ike_dh_new(all_groups[i]);
		uint8_t pb[BUF_MAX + 1], out[BUF_MAX];
		size_t lb, out_len;

		assert_non_null(a);
		assert_non_null(b);
		get_public(b, pb, &lb);
		pb[lb] = 0;
		assert_peer_refused(a, pb, lb - 1);
		assert_peer_refused(a, pb, lb + 1);
		assert_peer_refused(a, pb, 0);
		assert_peer_refused(a, pb + 1, lb - 1);
		out_len = ike_dh_shared_len(all_groups[i]) - 1;
		assert_int_equal(ike_dh_shared(a, pb, lb, out, &out_len), -ENOSPC);
		out_len = lb - 1;
		assert_int_equal(ike_dh_public(a, out, &out_len), -ENOSPC);
		assert_int_equal(ike_dh_shared(a, NULL, lb, out, &out_len), -EINVAL);
		ike_dh_free(a);
		ike_dh_free(b);
	}
}

static void test_ecp_points_off_curve_refused(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(ecp_kats); i++) {
		const struct ecp_kat *k = &ecp_kats[i];
		struct ike_dh *dh = dh_from_hex(k->group, k->i);
		size_t n, field;
		uint8_t gr[BUF_MAX];

		n = unhex(k->gr, gr, sizeof(gr));
		field = n / 2;
		gr[n - 1] ^= 1;				/* y no longer fits x */
		assert_peer_refused(dh, gr, n);
		gr[n - 1] ^= 1;
		gr[field - 1] ^= 1;			/* nor does x */
		assert_peer_refused(dh, gr, n);
		memset(gr, 0, n);			/* (0, 0) */
		assert_peer_refused(dh, gr, n);
		memset(gr, 0xff, n);			/* coordinates >= p */
		assert_peer_refused(dh, gr, n);
		ike_dh_free(dh);
	}
}

static void modp_refuses(uint16_t group, const char *prime_hex)
{
	size_t plen = ike_dh_public_len(group);
	BIGNUM *p = bn_hex(prime_hex), *y = BN_new();
	struct ike_dh *dh = ike_dh_new(group);
	uint8_t buf[BUF_MAX];

	assert_non_null(dh);
	memset(buf, 0, plen);
	assert_peer_refused(dh, buf, plen);		/* 0 */
	buf[plen - 1] = 1;
	assert_peer_refused(dh, buf, plen);		/* 1 */
	assert_true(BN_sub(y, p, BN_value_one()));
	bn_to_buf(y, buf, plen);
	assert_peer_refused(dh, buf, plen);		/* p-1 */
	bn_to_buf(p, buf, plen);
	assert_peer_refused(dh, buf, plen);		/* p */
	memset(buf, 0xff, plen);
	assert_peer_refused(dh, buf, plen);		/* > p */
	/* p-2 = -2 is no quadratic residue: outside the order-q subgroup */
	assert_true(BN_sub_word(y, 1));
	bn_to_buf(y, buf, plen);
	assert_peer_refused(dh, buf, plen);
	ike_dh_free(dh);
	BN_free(y);
	BN_free(p);
}

static void test_modp_bad_values_refused(void **state)
{
	(void)state;
	modp_refuses(IKE_DH_MODP_2048, MODP_2048_P);
	modp_refuses(IKE_DH_MODP_3072, MODP_3072_P);
}

/* Low-order u-coordinates make an all-zero secret (RFC 7748 6.1). */
static void test_x25519_low_order_refused(void **state)
{
	static const char *const low[] = {
		"0000000000000000000000000000000000000000000000000000000000000000",
		"0100000000000000000000000000000000000000000000000000000000000000",
		"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
		"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	};
	struct ike_dh *dh = ike_dh_new(IKE_DH_CURVE25519);
	uint8_t u[32];

	(void)state;
	assert_non_null(dh);
	for (size_t i = 0; i < ARRAY_LEN(low); i++) {
		unhex(low[i], u, sizeof(u));
		assert_peer_refused(dh, u, sizeof(u));
	}
	ike_dh_free(dh);
}

static void test_private_values_out_of_range(void **state)
{
	static const char p256_n[] =
		"ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
	BIGNUM *p = bn_hex(MODP_2048_P);
	uint8_t buf[BUF_MAX];
	struct ike_dh *dh;

	(void)state;
	memset(buf, 0, sizeof(buf));
	assert_null(ike_dh_new_from_private(IKE_DH_ECP_256, buf, 32));		/* 0 */
	unhex(p256_n, buf, sizeof(buf));
	assert_null(ike_dh_new_from_private(IKE_DH_ECP_256, buf, 32));		/* n */
	buf[31]--;
	dh = ike_dh_new_from_private(IKE_DH_ECP_256, buf, 32);			/* n-1 */
	assert_non_null(dh);
	ike_dh_free(dh);
	assert_null(ike_dh_new_from_private(IKE_DH_ECP_256, buf, 31));
	memset(buf, 0, 256);
	buf[255] = 1;
	assert_null(ike_dh_new_from_private(IKE_DH_MODP_2048, buf, 256));	/* 1 */
	assert_true(BN_sub_word(p, 1));
	bn_to_buf(p, buf, 256);
	assert_null(ike_dh_new_from_private(IKE_DH_MODP_2048, buf, 256));	/* p-1 */
	assert_null(ike_dh_new_from_private(IKE_DH_MODP_2048, buf, 255));
	assert_null(ike_dh_new_from_private(IKE_DH_CURVE25519, buf, 31));
	assert_null(ike_dh_new_from_private(IKE_DH_NONE, buf, 32));
	BN_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_group_facts),
		cmocka_unit_test(test_round_trip_every_group),
		cmocka_unit_test(test_rfc7748_x25519),
		cmocka_unit_test(test_rfc5903_ecp),
		cmocka_unit_test(test_modp_against_bignum),
		cmocka_unit_test(test_ecp_shared_leading_zero),
		cmocka_unit_test(test_wrong_lengths_refused),
		cmocka_unit_test(test_ecp_points_off_curve_refused),
		cmocka_unit_test(test_modp_bad_values_refused),
		cmocka_unit_test(test_x25519_low_order_refused),
		cmocka_unit_test(test_private_values_out_of_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
