// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Proposals: strongSwan keyword strings to transform lists (every form the
 * configuration may use, and the errors), formatting back, and the
 * responder's selection among a peer's proposals (RFC 7296 2.7): our order
 * wins, key lengths, missing PRF, ESN, unknown transform types,
 * INVALID_KE_PAYLOAD, PFS in IKE_AUTH and CREATE_CHILD_SA.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ike_proposal.h"

enum { ENCR = IKE_TRANS_ENCR, PRF = IKE_TRANS_PRF, INTEG = IKE_TRANS_INTEG, DH = IKE_TRANS_DH,
       ESN = IKE_TRANS_ESN };

static struct ike_prop_list parse_ok(const char *s, uint8_t protocol)
{
	struct ike_prop_list l;
	char err[256];

	if (ike_prop_parse(s, protocol, &l, err, sizeof(err)))
		fail_msg("'%s': %s", s, err);
	return l;
}

static void parse_fails(const char *s, uint8_t protocol, const char *msg)
{
	struct ike_prop_list l = { .n = 12345 };
	char err[256] = "";

	assert_int_equal(ike_prop_parse(s, protocol, &l, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, msg);
	assert_int_equal(l.n, 12345);	/* untouched */
}

/* The proposal in strongSwan's log style, e.g. "AES_GCM_16_128/PRF_HMAC_SHA2_256/CURVE_25519". */
static const char *names(const struct ike_proposal *p)
{
	static char buf[IKE_PROP_STR_MAX];

	return ike_prop_format(p, IKE_PROP_NAMES, buf, sizeof(buf));
}

static void expect_one(const char *s, uint8_t protocol, const char *want)
{
	struct ike_prop_list l = parse_ok(s, protocol);

	assert_int_equal(l.n, 1);
	assert_int_equal(l.protocol, protocol);
	assert_int_equal(l.v[0].num, 1);
	assert_int_equal(l.v[0].protocol, protocol);
	assert_string_equal(names(&l.v[0]), want);
	ike_prop_list_free(&l);
}

static void test_parse_ike(void **state)
{
	struct ike_prop_list l;

	(void)state;
	expect_one("aes128gcm16-prfsha256-x25519", IKE_PROTO_IKE,
		   "AES_GCM_16_128/PRF_HMAC_SHA2_256/CURVE_25519");
	expect_one("aes256gcm16-prfsha384-ecp384", IKE_PROTO_IKE,
		   "AES_GCM_16_256/PRF_HMAC_SHA2_384/ECP_384");
	expect_one("chacha20poly1305-prfsha256-x25519", IKE_PROTO_IKE,
		   "CHACHA20_POLY1305/PRF_HMAC_SHA2_256/CURVE_25519");
	/* no PRF: derived from the integrity algorithm, as strongSwan does */
	expect_one("aes256-sha256-modp2048", IKE_PROTO_IKE,
		   "AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048");
	expect_one("aes128-sha256-prfsha256-ecp256", IKE_PROTO_IKE,
		   "AES_CBC_128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/ECP_256");
	expect_one("aes128-sha256-sha384-sha512-modp3072", IKE_PROTO_IKE,
		   "AES_CBC_128/HMAC_SHA2_256_128/HMAC_SHA2_384_192/HMAC_SHA2_512_256/"
		   "PRF_HMAC_SHA2_256/PRF_HMAC_SHA2_384/PRF_HMAC_SHA2_512/MODP_3072");
	/* several of a type; strongSwan's type order whatever the written order */
	expect_one("aes128gcm16-aes256gcm16-prfsha256-prfsha384-x25519-ecp256", IKE_PROTO_IKE,
		   "AES_GCM_16_128/AES_GCM_16_256/PRF_HMAC_SHA2_256/PRF_HMAC_SHA2_384/"
		   "CURVE_25519/ECP_256");
	expect_one("x25519-prfsha512-aes256gcm16-ecp521", IKE_PROTO_IKE,
		   "AES_GCM_16_256/PRF_HMAC_SHA2_512/CURVE_25519/ECP_521");
	/* aliases and case */
	expect_one("AES128GCM-prfsha256-curve25519", IKE_PROTO_IKE,
		   "AES_GCM_16_128/PRF_HMAC_SHA2_256/CURVE_25519");
	expect_one("aes-sha2_256-modp3072", IKE_PROTO_IKE,
		   "AES_CBC_128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_3072");
	/* a repeated keyword counts once */
	expect_one("aes128gcm16-aes128gcm-prfsha256-x25519-x25519", IKE_PROTO_IKE,
		   "AES_GCM_16_128/PRF_HMAC_SHA2_256/CURVE_25519");

	l = parse_ok(" aes128gcm16-prfsha256-x25519 ,aes256-sha384-ecp384 ", IKE_PROTO_IKE);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.v[1].num, 2);
	assert_string_equal(names(&l.v[1]),
			    "AES_CBC_256/HMAC_SHA2_384_192/PRF_HMAC_SHA2_384/ECP_384");
	ike_prop_list_free(&l);
}

static void test_parse_esp(void **state)
{
	(void)state;
	expect_one("aes128gcm16", IKE_PROTO_ESP, "AES_GCM_16_128/NO_EXT_SEQ");
	expect_one("aes256gcm16-x25519", IKE_PROTO_ESP, "AES_GCM_16_256/CURVE_25519/NO_EXT_SEQ");
	expect_one("chacha20poly1305", IKE_PROTO_ESP, "CHACHA20_POLY1305/NO_EXT_SEQ");
	expect_one("aes128-sha256", IKE_PROTO_ESP, "AES_CBC_128/HMAC_SHA2_256_128/NO_EXT_SEQ");
	expect_one("aes256-sha256-esn", IKE_PROTO_ESP, "AES_CBC_256/HMAC_SHA2_256_128/EXT_SEQ");
	expect_one("aes128gcm16-noesn", IKE_PROTO_ESP, "AES_GCM_16_128/NO_EXT_SEQ");
	expect_one("aes128gcm16-esn-noesn", IKE_PROTO_ESP, "AES_GCM_16_128/EXT_SEQ/NO_EXT_SEQ");
	expect_one("aes128gcm16-noesn-esn", IKE_PROTO_ESP, "AES_GCM_16_128/NO_EXT_SEQ/EXT_SEQ");
	/* strongSwan drops PRFs from ESP proposals (copied IKE strings) */
	expect_one("aes128gcm16-prfsha256-ecp256", IKE_PROTO_ESP,
		   "AES_GCM_16_128/ECP_256/NO_EXT_SEQ");
}

static void test_parse_default(void **state)
{
	struct ike_prop_list l;
	char buf[IKE_PROP_STR_MAX];

	(void)state;
	l = parse_ok("default", IKE_PROTO_IKE);
	assert_int_equal(l.n, 2);
	assert_string_equal(ike_prop_list_format(&l, IKE_PROP_KEYWORDS, buf, sizeof(buf)),
			    "aes128gcm16-aes256gcm16-chacha20poly1305-prfsha256-prfsha384-"
			    "prfsha512-x25519-ecp256-ecp384-ecp521-modp3072, "
			    "aes128-aes256-sha256-sha384-sha512-prfsha256-prfsha384-prfsha512-"
			    "x25519-ecp256-ecp384-ecp521-modp3072");
	ike_prop_list_free(&l);

	/* modern only: nothing below 128-bit strength, no SHA-1, no MODP < 3072 */
	l = parse_ok("default", IKE_PROTO_IKE);
	assert_false(ike_prop_list_has(&l, DH, IKE_DH_MODP_2048));
	assert_true(ike_prop_list_has(&l, DH, IKE_DH_MODP_3072));
	ike_prop_list_free(&l);

	l = parse_ok("DEFAULT", IKE_PROTO_ESP);
	assert_int_equal(l.n, 2);
	assert_string_equal(ike_prop_list_format(&l, IKE_PROP_NAMES, buf, sizeof(buf)),
			    "ESP:AES_GCM_16_128/AES_GCM_16_256/CHACHA20_POLY1305/NO_EXT_SEQ, "
			    "ESP:AES_CBC_128/AES_CBC_256/HMAC_SHA2_256_128/NO_EXT_SEQ");
	ike_prop_list_free(&l);

	/* default inside a list */
	l = parse_ok("aes256gcm16-prfsha384-ecp384, default", IKE_PROTO_IKE);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.v[2].num, 3);
	ike_prop_list_free(&l);
}

static void test_parse_errors(void **state)
{
	(void)state;
	parse_fails("aes128gcm16-prfsha256-modp1024", IKE_PROTO_IKE,
		    "'modp1024' is not supported: weak or unknown algorithm");
	parse_fails("3des-sha256-modp2048", IKE_PROTO_IKE,
		    "'3des' is not supported: weak or unknown algorithm");
	parse_fails("aes128-md5-modp2048", IKE_PROTO_IKE,
		    "'md5' is not supported: weak or unknown algorithm");
	parse_fails("aes128-sha1-modp2048", IKE_PROTO_IKE,
		    "'sha1' is not supported: weak or unknown algorithm");
	parse_fails("aes128ccm16-prfsha256-x25519", IKE_PROTO_IKE,
		    "'aes128ccm16' is not supported: weak or unknown algorithm");
	parse_fails("aes192gcm16", IKE_PROTO_ESP,
		    "'aes192gcm16' is not supported: weak or unknown algorithm");
	parse_fails("aes128gcm8", IKE_PROTO_ESP,
		    "'aes128gcm8' is not supported: weak or unknown algorithm");
	parse_fails("aes128gcm16-sha256-prfsha256-x25519", IKE_PROTO_IKE,
		    "'aes128gcm16-sha256-prfsha256-x25519': AEAD algorithm 'aes128gcm16' takes "
		    "no integrity algorithm (remove 'sha256')");
	parse_fails("aes128gcm16-sha256", IKE_PROTO_ESP,
		    "'aes128gcm16-sha256': AEAD algorithm 'aes128gcm16' takes no integrity "
		    "algorithm (remove 'sha256')");
	parse_fails("aes128-prfsha256-x25519", IKE_PROTO_IKE,
		    "'aes128-prfsha256-x25519': 'aes128' needs an integrity algorithm "
		    "(e.g. sha256)");
	parse_fails("aes256", IKE_PROTO_ESP,
		    "'aes256': 'aes256' needs an integrity algorithm (e.g. sha256)");
	parse_fails("aes128gcm16-x25519", IKE_PROTO_IKE,
		    "'aes128gcm16-x25519': AEAD IKE proposals need a PRF (e.g. prfsha256)");
	parse_fails("aes128gcm16-prfsha256", IKE_PROTO_IKE,
		    "'aes128gcm16-prfsha256': IKE proposals need a DH group (e.g. x25519)");
	parse_fails("sha256-prfsha256-x25519", IKE_PROTO_IKE,
		    "'sha256-prfsha256-x25519': an encryption algorithm is required");
	parse_fails("aes128gcm16-aes128-sha256-prfsha256-x25519", IKE_PROTO_IKE,
		    "'aes128gcm16-aes128-sha256-prfsha256-x25519': AEAD and non-AEAD encryption "
		    "algorithms cannot share a proposal (separate them with a comma)");
	parse_fails("aes128gcm16-prfsha256-x25519-esn", IKE_PROTO_IKE,
		    "'esn' is only valid in ESP proposals");
	parse_fails("aes128-sha384", IKE_PROTO_ESP,
		    "'sha384' is not supported in ESP proposals: the data plane does "
		    "HMAC-SHA2-256-128 (sha256) only");
	parse_fails("aes128--sha256", IKE_PROTO_ESP, "'aes128--sha256': empty algorithm name");
	parse_fails("-aes128gcm16", IKE_PROTO_ESP, "'-aes128gcm16': empty algorithm name");
	parse_fails("aes128gcm16,", IKE_PROTO_ESP, "empty proposal");
	parse_fails("", IKE_PROTO_ESP, "empty proposal");
	parse_fails("aes128gcm16", IKE_PROTO_AH, "proposals for protocol 2 are not supported");
	/* the error names the keyword even inside a list */
	parse_fails("aes128gcm16, aes128-sha256-ecp224", IKE_PROTO_ESP,
		    "'ecp224' is not supported: weak or unknown algorithm");
}

static void test_parse_too_many(void **state)
{
	char text[IKE_PROP_MAX_PROPOSALS * 16 + 32] = "";
	unsigned int i;

	(void)state;
	for (i = 0; i <= IKE_PROP_MAX_PROPOSALS; i++)
		strcat(text, i ? ",aes128gcm16" : "aes128gcm16");
	parse_fails(text, IKE_PROTO_ESP, "more than 32 proposals");
}

static void test_format(void **state)
{
	static const char *const ike[] = {
		"aes128gcm16-prfsha256-x25519",
		"aes128gcm16-aes256gcm16-chacha20poly1305-prfsha256-prfsha384-x25519-ecp256",
		"aes256-sha256-prfsha256-modp2048",
		"aes128-aes256-sha256-sha384-sha512-prfsha256-prfsha384-prfsha512-ecp384-ecp521",
	};
	static const char *const esp[] = {
		"aes128gcm16", "aes256gcm16-x25519", "chacha20poly1305", "aes128-sha256",
		"aes256-sha256-esn", "aes128gcm16-esn-noesn",
	};
	struct ike_prop_list l;
	char buf[IKE_PROP_STR_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ike) / sizeof(ike[0]); i++) {
		l = parse_ok(ike[i], IKE_PROTO_IKE);
		assert_string_equal(ike_prop_format(&l.v[0], IKE_PROP_KEYWORDS, buf, sizeof(buf)),
				    ike[i]);
		ike_prop_list_free(&l);
	}
	for (i = 0; i < sizeof(esp) / sizeof(esp[0]); i++) {
		l = parse_ok(esp[i], IKE_PROTO_ESP);
		assert_string_equal(ike_prop_format(&l.v[0], IKE_PROP_KEYWORDS, buf, sizeof(buf)),
				    esp[i]);
		ike_prop_list_free(&l);
	}
	/* aliases come back as the canonical keyword */
	l = parse_ok("aes128gcm-prfsha256-curve25519", IKE_PROTO_IKE);
	assert_string_equal(ike_prop_format(&l.v[0], IKE_PROP_KEYWORDS, buf, sizeof(buf)),
			    "aes128gcm16-prfsha256-x25519");
	assert_string_equal(ike_prop_list_format(&l, IKE_PROP_NAMES, buf, sizeof(buf)),
			    "IKE:AES_GCM_16_128/PRF_HMAC_SHA2_256/CURVE_25519");
	/* truncation stays terminated */
	ike_prop_format(&l.v[0], IKE_PROP_NAMES, buf, 10);
	assert_string_equal(buf, "AES_GCM_1");
	ike_prop_list_free(&l);
}

/* ---- peers' proposals --------------------------------------------------- */

/* A peer proposal from a transform list ending in type 0. */
static struct ike_proposal peer(uint8_t num, uint8_t protocol, const struct ike_transform *t)
{
	struct ike_proposal p = { .num = num, .protocol = protocol };

	if (protocol == IKE_PROTO_ESP) {
		p.spi_size = 4;
		memcpy(p.spi, "\xc1\xa0\x00\x01", 4);
	}
	for (; t->type; t++)
		p.t[p.n++] = *t;
	return p;
}

#define T(t, i) { .type = (t), .id = (i) }
#define TK(t, i, k) { .type = (t), .id = (i), .keylen = (k) }
#define BAD(t, i) { .type = (t), .id = (i), .unacceptable = true }
#define GCM128 TK(ENCR, IKE_ENCR_AES_GCM_16, 128)
#define GCM256 TK(ENCR, IKE_ENCR_AES_GCM_16, 256)
#define END { .type = 0 }

/* What charon sends (shared/vectors, aes128gcm16-prfsha256-x25519). */
static const struct ike_transform ss_gcm128[] = {
	GCM128, T(PRF, IKE_PRF_HMAC_SHA2_256), T(DH, IKE_DH_CURVE25519), END
};

static void select_ok(const struct ike_prop_list *ours, const struct ike_proposal *p,
		      unsigned int n, unsigned int flags, const char *want, unsigned int peer_index)
{
	struct ike_prop_chosen c;

	assert_int_equal(ike_prop_select(ours, p, n, flags, &c), 0);
	assert_string_equal(names(&c.prop), want);
	assert_int_equal(c.peer, peer_index);
	assert_int_equal(c.prop.num, p[peer_index].num);
}

static void select_none(const struct ike_prop_list *ours, const struct ike_proposal *p,
			unsigned int n, unsigned int flags)
{
	struct ike_prop_chosen c;

	assert_int_equal(ike_prop_select(ours, p, n, flags, &c), -ENOENT);
}

static void test_select_strongswan(void **state)
{
	struct ike_prop_list ours = parse_ok("default", IKE_PROTO_IKE);
	struct ike_proposal p = peer(1, IKE_PROTO_IKE, ss_gcm128);

	(void)state;
	select_ok(&ours, &p, 1, 0, "AES_GCM_16_128/PRF_HMAC_SHA2_256/CURVE_25519", 0);
	ike_prop_list_free(&ours);
}

static void test_select_our_order_wins(void **state)
{
	static const struct ike_transform t1[] = {
		GCM128, T(PRF, IKE_PRF_HMAC_SHA2_256), T(DH, IKE_DH_CURVE25519), END
	};
	static const struct ike_transform t2[] = {
		GCM256, T(PRF, IKE_PRF_HMAC_SHA2_384), T(DH, IKE_DH_ECP_384), END
	};
	static const struct ike_transform within[] = {	/* peer prefers 256 and ecp256 */
		GCM256, GCM128, T(PRF, IKE_PRF_HMAC_SHA2_384), T(PRF, IKE_PRF_HMAC_SHA2_256),
		T(DH, IKE_DH_ECP_256), T(DH, IKE_DH_CURVE25519), END
	};
	struct ike_prop_list ours = parse_ok("aes256gcm16-prfsha384-ecp384, "
					     "aes128gcm16-prfsha256-x25519", IKE_PROTO_IKE);
	struct ike_proposal p[2] = { peer(1, IKE_PROTO_IKE, t1), peer(2, IKE_PROTO_IKE, t2) };
	struct ike_prop_chosen c;

	(void)state;
	/* our first proposal matches the peer's second: that one is chosen */
	select_ok(&ours, p, 2, 0, "AES_GCM_16_256/PRF_HMAC_SHA2_384/ECP_384", 1);
	assert_int_equal(ike_prop_select(&ours, p, 2, 0, &c), 0);
	assert_int_equal(c.ours, 0);
	ike_prop_list_free(&ours);

	/* within a type too */
	ours = parse_ok("aes128gcm16-aes256gcm16-prfsha256-prfsha384-x25519-ecp256",
			IKE_PROTO_IKE);
	p[0] = peer(7, IKE_PROTO_IKE, within);
	select_ok(&ours, p, 1, 0, "AES_GCM_16_128/PRF_HMAC_SHA2_256/CURVE_25519", 0);
	assert_int_equal(ike_prop_select(&ours, p, 1, 0, &c), 0);
	assert_int_equal(c.prop.num, 7);
	assert_int_equal(c.prop.n, 3);	/* exactly one per type */
	ike_prop_list_free(&ours);
}

static void test_select_key_length(void **state)
{
	static const struct ike_transform gcm192[] = {
		TK(ENCR, IKE_ENCR_AES_GCM_16, 192), T(PRF, IKE_PRF_HMAC_SHA2_256),
		T(DH, IKE_DH_CURVE25519), END
	};
	static const struct ike_transform gcm_nolen[] = {
		T(ENCR, IKE_ENCR_AES_GCM_16), T(PRF, IKE_PRF_HMAC_SHA2_256),
		T(DH, IKE_DH_CURVE25519), END
	};
	static const struct ike_transform chacha256[] = {	/* RFC 7634: no key length */
		TK(ENCR, IKE_ENCR_CHACHA20_POLY1305, 256), T(PRF, IKE_PRF_HMAC_SHA2_256),
		T(DH, IKE_DH_CURVE25519), END
	};
	static const struct ike_transform chacha[] = {
		T(ENCR, IKE_ENCR_CHACHA20_POLY1305), T(PRF, IKE_PRF_HMAC_SHA2_256),
		T(DH, IKE_DH_CURVE25519), END
	};
	struct ike_prop_list ours = parse_ok("default", IKE_PROTO_IKE);
	struct ike_proposal p;

	(void)state;
	p = peer(1, IKE_PROTO_IKE, gcm192);
	select_none(&ours, &p, 1, 0);
	p = peer(1, IKE_PROTO_IKE, gcm_nolen);
	select_none(&ours, &p, 1, 0);
	p = peer(1, IKE_PROTO_IKE, chacha256);
	select_none(&ours, &p, 1, 0);
	p = peer(1, IKE_PROTO_IKE, chacha);
	select_ok(&ours, &p, 1, 0, "CHACHA20_POLY1305/PRF_HMAC_SHA2_256/CURVE_25519", 0);
	ike_prop_list_free(&ours);
}

static void test_select_missing_types(void **state)
{
	static const struct ike_transform no_prf[] = {
		GCM128, T(DH, IKE_DH_CURVE25519), END
	};
	static const struct ike_transform no_dh[] = {
		GCM128, T(PRF, IKE_PRF_HMAC_SHA2_256), END
	};
	static const struct ike_transform dh_none[] = {
		GCM128, T(PRF, IKE_PRF_HMAC_SHA2_256), T(DH, IKE_DH_NONE), END
	};
	static const struct ike_transform cbc_no_integ[] = {
		TK(ENCR, IKE_ENCR_AES_CBC, 128), T(PRF, IKE_PRF_HMAC_SHA2_256),
		T(DH, IKE_DH_CURVE25519), END
	};
	static const struct ike_transform cbc_integ_none[] = {
		TK(ENCR, IKE_ENCR_AES_CBC, 128), T(INTEG, IKE_INTEG_NONE),
		T(PRF, IKE_PRF_HMAC_SHA2_256), T(DH, IKE_DH_CURVE25519), END
	};
	struct ike_prop_list ours = parse_ok("default", IKE_PROTO_IKE);
	struct ike_proposal p;

	(void)state;
	p = peer(1, IKE_PROTO_IKE, no_prf);
	select_none(&ours, &p, 1, 0);
	p = peer(1, IKE_PROTO_IKE, no_dh);
	select_none(&ours, &p, 1, 0);
	p = peer(1, IKE_PROTO_IKE, dh_none);
	select_none(&ours, &p, 1, 0);
	p = peer(1, IKE_PROTO_IKE, cbc_no_integ);
	select_none(&ours, &p, 1, 0);
	p = peer(1, IKE_PROTO_IKE, cbc_integ_none);
	select_none(&ours, &p, 1, 0);
	/* an ESP proposal offered for an IKE SA: protocol mismatch */
	p = peer(1, IKE_PROTO_ESP, ss_gcm128);
	select_none(&ours, &p, 1, 0);
	ike_prop_list_free(&ours);
}

static void test_select_mixed_peer(void **state)
{
	/* strongSwan-style classic + AEAD in one peer proposal; AEAD chosen, INTEG dropped */
	static const struct ike_transform mixed[] = {
		TK(ENCR, IKE_ENCR_AES_CBC, 256), GCM256, T(INTEG, IKE_INTEG_HMAC_SHA2_256_128),
		T(INTEG, IKE_INTEG_NONE), T(PRF, IKE_PRF_HMAC_SHA2_256), T(DH, IKE_DH_ECP_256),
		END
	};
	struct ike_prop_list ours = parse_ok("aes256gcm16-prfsha256-ecp256, "
					     "aes256-sha256-ecp256", IKE_PROTO_IKE);
	struct ike_proposal p = peer(3, IKE_PROTO_IKE, mixed);

	(void)state;
	select_ok(&ours, &p, 1, 0, "AES_GCM_16_256/PRF_HMAC_SHA2_256/ECP_256", 0);
	ike_prop_list_free(&ours);
	ours = parse_ok("aes256-sha256-ecp256", IKE_PROTO_IKE);
	select_ok(&ours, &p, 1, 0, "AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/ECP_256", 0);
	ike_prop_list_free(&ours);
}

static void test_select_unknown_type(void **state)
{
	/* RFC 9370 transform type 6: unknown to us, so the whole proposal is */
	static const struct ike_transform addke[] = {
		GCM128, T(PRF, IKE_PRF_HMAC_SHA2_256), T(DH, IKE_DH_CURVE25519), T(6, 36), END
	};
	static const struct ike_transform esn_in_ike[] = {
		GCM128, T(PRF, IKE_PRF_HMAC_SHA2_256), T(DH, IKE_DH_CURVE25519),
		T(ESN, IKE_ESN_NO), END
	};
	/* unknown IDs of known types are merely not picked */
	static const struct ike_transform unknown_id[] = {
		T(ENCR, 1031), GCM128, T(PRF, 1031), T(PRF, IKE_PRF_HMAC_SHA2_256),
		T(DH, 1031), T(DH, IKE_DH_CURVE25519), END
	};
	struct ike_prop_list ours = parse_ok("aes128gcm16-prfsha256-x25519", IKE_PROTO_IKE);
	struct ike_proposal p[3] = {
		peer(1, IKE_PROTO_IKE, addke), peer(2, IKE_PROTO_IKE, esn_in_ike),
		peer(3, IKE_PROTO_IKE, unknown_id),
	};

	(void)state;
	select_ok(&ours, p, 3, 0, "AES_GCM_16_128/PRF_HMAC_SHA2_256/CURVE_25519", 2);
	select_none(&ours, p, 2, 0);
	ike_prop_list_free(&ours);
}

/* Transforms with attributes the codec did not understand. */
static void test_select_unacceptable(void **state)
{
	static const struct ike_transform gcm[] = {
		BAD(ENCR, IKE_ENCR_AES_GCM_16), GCM256, T(PRF, IKE_PRF_HMAC_SHA2_256),
		T(DH, IKE_DH_CURVE25519), END
	};
	static const struct ike_transform only_bad_dh[] = {
		GCM256, BAD(DH, IKE_DH_CURVE25519), T(ESN, IKE_ESN_NO), END
	};
	static const struct ike_transform only_bad_esn[] = {
		GCM256, BAD(ESN, IKE_ESN_NO), END
	};
	struct ike_prop_list ike = parse_ok("aes128gcm16-aes256gcm16-prfsha256-x25519",
					    IKE_PROTO_IKE);
	struct ike_prop_list esp = parse_ok("aes256gcm16", IKE_PROTO_ESP);
	struct ike_proposal p;
	struct ike_prop_chosen c;

	(void)state;
	/* never chosen, even where id and key length would fit */
	p = peer(1, IKE_PROTO_IKE, gcm);
	p.t[0].keylen = 128;
	select_ok(&ike, &p, 1, 0, "AES_GCM_16_256/PRF_HMAC_SHA2_256/CURVE_25519", 0);
	/* but its type counts as offered: not a proposal without DH or ESN */
	p = peer(1, IKE_PROTO_ESP, only_bad_dh);
	select_none(&esp, &p, 1, 0);
	p = peer(1, IKE_PROTO_ESP, only_bad_esn);
	select_none(&esp, &p, 1, 0);
	/* a reply may not carry one */
	p = peer(1, IKE_PROTO_IKE, gcm);
	p.t[0] = p.t[1];
	p.t[0].unacceptable = true;
	memmove(&p.t[1], &p.t[2], 2 * sizeof(p.t[0]));
	p.n--;
	assert_int_equal(ike_prop_verify_reply(&ike, &p, 0, &c), -EINVAL);
	ike_prop_list_free(&ike);
	ike_prop_list_free(&esp);
}

static void test_select_esn(void **state)
{
	static const struct ike_transform none[] = { GCM128, END };
	static const struct ike_transform no[] = { GCM128, T(ESN, IKE_ESN_NO), END };
	static const struct ike_transform yes[] = { GCM128, T(ESN, IKE_ESN_YES), END };
	static const struct ike_transform both[] = {
		GCM128, T(ESN, IKE_ESN_YES), T(ESN, IKE_ESN_NO), END
	};
	struct ike_prop_list dflt = parse_ok("aes128gcm16", IKE_PROTO_ESP);
	struct ike_prop_list esn = parse_ok("aes128gcm16-esn", IKE_PROTO_ESP);
	struct ike_prop_list either = parse_ok("aes128gcm16-esn-noesn", IKE_PROTO_ESP);
	struct ike_proposal p;

	(void)state;
	/* neither configured: noesn */
	p = peer(1, IKE_PROTO_ESP, no);
	select_ok(&dflt, &p, 1, 0, "AES_GCM_16_128/NO_EXT_SEQ", 0);
	p = peer(1, IKE_PROTO_ESP, yes);
	select_none(&dflt, &p, 1, 0);
	p = peer(1, IKE_PROTO_ESP, both);
	select_ok(&dflt, &p, 1, 0, "AES_GCM_16_128/NO_EXT_SEQ", 0);
	p = peer(1, IKE_PROTO_ESP, none);	/* lenient: no ESN transform = no ESN */
	select_ok(&dflt, &p, 1, 0, "AES_GCM_16_128", 0);
	/* esn only */
	p = peer(1, IKE_PROTO_ESP, no);
	select_none(&esn, &p, 1, 0);
	p = peer(1, IKE_PROTO_ESP, both);
	select_ok(&esn, &p, 1, 0, "AES_GCM_16_128/EXT_SEQ", 0);
	p = peer(1, IKE_PROTO_ESP, none);
	select_none(&esn, &p, 1, 0);
	/* both: our order (esn first) wins when the peer allows both */
	p = peer(1, IKE_PROTO_ESP, both);
	select_ok(&either, &p, 1, 0, "AES_GCM_16_128/EXT_SEQ", 0);
	p = peer(1, IKE_PROTO_ESP, no);
	select_ok(&either, &p, 1, 0, "AES_GCM_16_128/NO_EXT_SEQ", 0);
	p = peer(1, IKE_PROTO_ESP, yes);
	select_ok(&either, &p, 1, 0, "AES_GCM_16_128/EXT_SEQ", 0);
	ike_prop_list_free(&dflt);
	ike_prop_list_free(&esn);
	ike_prop_list_free(&either);
}

static void test_select_esp_dh(void **state)
{
	static const struct ike_transform pfs[] = {
		GCM256, T(DH, IKE_DH_ECP_256), T(DH, IKE_DH_CURVE25519), T(ESN, IKE_ESN_NO), END
	};
	static const struct ike_transform pfs_optional[] = {
		GCM256, T(DH, IKE_DH_CURVE25519), T(DH, IKE_DH_NONE), T(ESN, IKE_ESN_NO), END
	};
	static const struct ike_transform no_pfs[] = { GCM256, T(ESN, IKE_ESN_NO), END };
	struct ike_prop_list with = parse_ok("aes256gcm16-x25519", IKE_PROTO_ESP);
	struct ike_prop_list without = parse_ok("aes256gcm16", IKE_PROTO_ESP);
	struct ike_proposal p;
	struct ike_prop_chosen c;

	(void)state;
	/* CREATE_CHILD_SA with PFS */
	p = peer(1, IKE_PROTO_ESP, pfs);
	select_ok(&with, &p, 1, 0, "AES_GCM_16_256/CURVE_25519/NO_EXT_SEQ", 0);
	assert_int_equal(ike_prop_select(&with, &p, 1, 0, &c), 0);
	assert_int_equal(c.prop.spi_size, 4);
	assert_memory_equal(c.prop.spi, "\xc1\xa0\x00\x01", 4);
	p = peer(1, IKE_PROTO_ESP, no_pfs);
	select_none(&with, &p, 1, 0);
	/* IKE_AUTH: keys come from the IKE SA, DH is ignored both ways */
	select_ok(&with, &p, 1, IKE_PROP_SKIP_DH, "AES_GCM_16_256/NO_EXT_SEQ", 0);
	p = peer(1, IKE_PROTO_ESP, pfs);
	select_ok(&with, &p, 1, IKE_PROP_SKIP_DH, "AES_GCM_16_256/NO_EXT_SEQ", 0);
	/* no PFS configured: a peer that insists on a group is refused, NONE is fine */
	select_none(&without, &p, 1, 0);
	select_ok(&without, &p, 1, IKE_PROP_SKIP_DH, "AES_GCM_16_256/NO_EXT_SEQ", 0);
	p = peer(1, IKE_PROTO_ESP, pfs_optional);
	select_ok(&without, &p, 1, 0, "AES_GCM_16_256/NO_EXT_SEQ", 0);
	select_ok(&with, &p, 1, 0, "AES_GCM_16_256/CURVE_25519/NO_EXT_SEQ", 0);
	ike_prop_list_free(&with);
	ike_prop_list_free(&without);
}

static void test_invalid_ke(void **state)
{
	static const struct ike_transform offer[] = {
		GCM128, T(PRF, IKE_PRF_HMAC_SHA2_256), T(DH, IKE_DH_ECP_256),
		T(DH, IKE_DH_MODP_2048), T(DH, IKE_DH_CURVE25519), END
	};
	struct ike_prop_list ours = parse_ok("aes128gcm16-prfsha256-x25519-ecp256-modp3072",
					     IKE_PROTO_IKE);
	struct ike_proposal p = peer(1, IKE_PROTO_IKE, offer);
	struct ike_prop_chosen c;

	(void)state;
	assert_int_equal(ike_prop_select(&ours, &p, 1, 0, &c), 0);
	assert_string_equal(names(&c.prop), "AES_GCM_16_128/PRF_HMAC_SHA2_256/CURVE_25519");
	/* the peer's KE is for its first group, ecp256: acceptable to both, keep it */
	assert_true(ike_prop_accept_ke(&ours, &p, 1, &c, IKE_DH_ECP_256));
	assert_string_equal(names(&c.prop), "AES_GCM_16_128/PRF_HMAC_SHA2_256/ECP_256");
	/* modp2048: the peer offers it, we do not; modp3072: we do, the peer does not */
	assert_int_equal(ike_prop_select(&ours, &p, 1, 0, &c), 0);
	assert_false(ike_prop_accept_ke(&ours, &p, 1, &c, IKE_DH_MODP_2048));
	assert_false(ike_prop_accept_ke(&ours, &p, 1, &c, IKE_DH_MODP_3072));
	assert_false(ike_prop_accept_ke(&ours, &p, 1, &c, IKE_DH_NONE));
	/* so INVALID_KE_PAYLOAD asks for our first group the peer offered */
	assert_int_equal(ike_prop_retry_group(&c), IKE_DH_CURVE25519);
	assert_true(ike_prop_accept_ke(&ours, &p, 1, &c, IKE_DH_CURVE25519));
	/* the initiator's side */
	assert_int_equal(ike_prop_first_dh(&ours), IKE_DH_CURVE25519);
	assert_true(ike_prop_list_has(&ours, DH, IKE_DH_MODP_3072));
	assert_false(ike_prop_list_has(&ours, DH, IKE_DH_MODP_2048));
	ike_prop_list_free(&ours);
	ours = parse_ok("aes128gcm16", IKE_PROTO_ESP);
	assert_int_equal(ike_prop_first_dh(&ours), IKE_DH_NONE);
	ike_prop_list_free(&ours);
}

static void test_verify_reply(void **state)
{
	static const struct ike_transform good[] = {
		GCM256, T(PRF, IKE_PRF_HMAC_SHA2_384), T(DH, IKE_DH_ECP_384), END
	};
	static const struct ike_transform two_encr[] = {
		GCM256, GCM128, T(PRF, IKE_PRF_HMAC_SHA2_384), T(DH, IKE_DH_ECP_384), END
	};
	static const struct ike_transform extra_integ[] = {
		GCM256, T(INTEG, IKE_INTEG_HMAC_SHA2_256_128), T(PRF, IKE_PRF_HMAC_SHA2_384),
		T(DH, IKE_DH_ECP_384), END
	};
	/* parts of two of our proposals */
	static const struct ike_transform mixed_up[] = {
		GCM256, T(PRF, IKE_PRF_HMAC_SHA2_256), T(DH, IKE_DH_ECP_384), END
	};
	struct ike_prop_list ours = parse_ok("aes128gcm16-prfsha256-x25519, "
					     "aes128gcm16-aes256gcm16-prfsha384-ecp384",
					     IKE_PROTO_IKE);
	struct ike_proposal p;
	struct ike_prop_chosen c;

	(void)state;
	p = peer(2, IKE_PROTO_IKE, good);
	assert_int_equal(ike_prop_verify_reply(&ours, &p, 0, &c), 0);
	assert_int_equal(c.ours, 1);
	assert_int_equal(c.prop.num, 2);
	p = peer(2, IKE_PROTO_IKE, two_encr);
	assert_int_equal(ike_prop_verify_reply(&ours, &p, 0, &c), -EINVAL);
	p = peer(2, IKE_PROTO_IKE, extra_integ);
	assert_int_equal(ike_prop_verify_reply(&ours, &p, 0, &c), -EINVAL);
	p = peer(2, IKE_PROTO_IKE, mixed_up);
	assert_int_equal(ike_prop_verify_reply(&ours, &p, 0, &c), -EINVAL);
	ike_prop_list_free(&ours);
}

static void test_esp_alg(void **state)
{
	static const struct {
		const char *prop;
		enum esp_alg alg;
		bool esn;
	} cases[] = {
		{ "aes128gcm16", ESP_ALG_AES_GCM_128, false },
		{ "aes256gcm16-esn", ESP_ALG_AES_GCM_256, true },
		{ "chacha20poly1305", ESP_ALG_CHACHA20_POLY1305, false },
		{ "aes128-sha256", ESP_ALG_AES_CBC_128, false },
		{ "aes256-sha256-esn", ESP_ALG_AES_CBC_256, true },
	};
	struct ike_prop_list l;
	enum esp_alg alg;
	bool esn;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		l = parse_ok(cases[i].prop, IKE_PROTO_ESP);
		assert_int_equal(ike_prop_esp_alg(&l.v[0], &alg, &esn), 0);
		assert_int_equal(alg, cases[i].alg);
		assert_int_equal(esn, cases[i].esn);
		ike_prop_list_free(&l);
	}
	l = parse_ok("aes128gcm16-prfsha256-x25519", IKE_PROTO_IKE);
	assert_int_equal(ike_prop_esp_alg(&l.v[0], &alg, &esn), -EOPNOTSUPP);
	ike_prop_list_free(&l);
}

static void test_list_copy(void **state)
{
	struct ike_prop_list a = parse_ok("default", IKE_PROTO_ESP), b;

	(void)state;
	assert_int_equal(ike_prop_list_copy(&a, &b), 0);
	assert_int_equal(b.n, a.n);
	assert_memory_equal(b.v, a.v, a.n * sizeof(*a.v));
	ike_prop_list_free(&a);
	ike_prop_list_free(&b);
	ike_prop_list_free(&b);	/* idempotent */
	ike_prop_list_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ike),
		cmocka_unit_test(test_parse_esp),
		cmocka_unit_test(test_parse_default),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_too_many),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_select_strongswan),
		cmocka_unit_test(test_select_our_order_wins),
		cmocka_unit_test(test_select_key_length),
		cmocka_unit_test(test_select_missing_types),
		cmocka_unit_test(test_select_mixed_peer),
		cmocka_unit_test(test_select_unknown_type),
		cmocka_unit_test(test_select_unacceptable),
		cmocka_unit_test(test_select_esn),
		cmocka_unit_test(test_select_esp_dh),
		cmocka_unit_test(test_invalid_ke),
		cmocka_unit_test(test_verify_reply),
		cmocka_unit_test(test_esp_alg),
		cmocka_unit_test(test_list_copy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
