// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * IKEv2 Diffie-Hellman on OpenSSL 3 EVP_PKEY keys.
 *
 * Key pairs come from EVP_PKEY_generate with OpenSSL's named groups
 * ("X25519", "P-256".., "modp_2048", "modp_3072": the RFC 3526 primes with
 * generator 2).  The peer's KE data becomes an EVP_PKEY of its own (raw
 * X25519 key; EC point 0x04 | x | y; DH public y) and is checked twice:
 *
 *   1. here, cheaply and with a clear answer: the exact length; for MODP
 *      1 < y < p-1 (RFC 7296 does not ask more, but a y of 1 or p-1 forces
 *      g^ir into {1, p-1});
 *   2. by OpenSSL: building the EC key rejects a point off the curve, and
 *      EVP_PKEY_derive_set_peer_ex(.., validate_peer = 1) runs the full
 *      public-key check (EC: on the curve, not infinity, in the group; DH:
 *      the range again and y^q = 1 mod p, one more modular exponentiation).
 *
 * X25519 accepts any 32 bytes (RFC 7748 5), but a low-order peer value
 * gives an all-zero secret, which OpenSSL's derive refuses and which is
 * checked again here.  MODP derivation is asked to pad (dh_pad), so g^ir
 * keeps its leading zero bytes as RFC 7296 2.14 wants; EC derivation
 * always returns x padded to the field size.
 *
 * The struct holds only the EVP_PKEY; OpenSSL clears private keys when the
 * key is freed.  ike_dh_new_from_private() exists for known-answer tests
 * (RFC 7748 6.1, RFC 5903 8) and computes the public value itself.
 */
#include "ike_dh.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/dh.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include "log.h"

enum dh_kind { DH_KIND_MODP, DH_KIND_ECP, DH_KIND_X25519 };

enum {
	EC_UNCOMPRESSED_TAG = 0x04,	/* SEC 1 2.3.3: 0x04 | x | y */
	EC_MAX_FIELD_LEN = 66,		/* P-521 */
	EC_MAX_POINT_LEN = 1 + 2 * EC_MAX_FIELD_LEN,
	MODP_GENERATOR = 2,		/* RFC 3526 */
};

struct dh_group {
	uint16_t id;
	enum dh_kind kind;
	const char *name;		/* OpenSSL's group name */
	int nid;			/* ECP: the curve */
	BIGNUM *(*prime)(BIGNUM *);	/* MODP: the RFC 3526 prime */
	size_t field_len;		/* prime, coordinate or u-coordinate bytes */
};

static const struct dh_group groups[] = {
	{ IKE_DH_MODP_2048, DH_KIND_MODP, "modp_2048", NID_undef, BN_get_rfc3526_prime_2048, 256 },
	{ IKE_DH_MODP_3072, DH_KIND_MODP, "modp_3072", NID_undef, BN_get_rfc3526_prime_3072, 384 },
	{ IKE_DH_ECP_256, DH_KIND_ECP, "P-256", NID_X9_62_prime256v1, NULL, 32 },
	{ IKE_DH_ECP_384, DH_KIND_ECP, "P-384", NID_secp384r1, NULL, 48 },
	{ IKE_DH_ECP_521, DH_KIND_ECP, "P-521", NID_secp521r1, NULL, 66 },
	{ IKE_DH_CURVE25519, DH_KIND_X25519, "X25519", NID_X25519, NULL, 32 },
};

static const char *const key_types[] = {
	[DH_KIND_MODP] = "DH",
	[DH_KIND_ECP] = "EC",
	[DH_KIND_X25519] = "X25519",
};

struct ike_dh {
	const struct dh_group *grp;
	EVP_PKEY *key;
};

static const struct dh_group *group_find(uint16_t id)
{
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (groups[i].id == id)
			return &groups[i];
	return NULL;
}

static size_t public_len(const struct dh_group *grp)
{
	return grp->kind == DH_KIND_ECP ? 2 * grp->field_len : grp->field_len;
}

bool ike_dh_supported(uint16_t group)
{
	return group_find(group) != NULL;
}

size_t ike_dh_public_len(uint16_t group)
{
	const struct dh_group *grp = group_find(group);

	return grp ? public_len(grp) : 0;
}

size_t ike_dh_shared_len(uint16_t group)
{
	const struct dh_group *grp = group_find(group);

	return grp ? grp->field_len : 0;
}

uint16_t ike_dh_group(const struct ike_dh *dh)
{
	return dh->grp->id;
}

static struct ike_dh *dh_wrap(const struct dh_group *grp, EVP_PKEY *key)
{
	struct ike_dh *dh;

	if (!key)
		return NULL;
	dh = calloc(1, sizeof(*dh));
	if (!dh) {
		EVP_PKEY_free(key);
		return NULL;
	}
	dh->grp = grp;
	dh->key = key;
	return dh;
}

static EVP_PKEY_CTX *keygen_ctx_new(const struct dh_group *grp)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, key_types[grp->kind], NULL);
	OSSL_PARAM params[2];

	if (!ctx)
		return NULL;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
						     (char *)grp->name, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_PKEY_keygen_init(ctx) <= 0 ||
	    (grp->kind != DH_KIND_X25519 && !EVP_PKEY_CTX_set_params(ctx, params))) {
		EVP_PKEY_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/*
 * One key-generation context per group, made on first use and kept until
 * exit: making it fetches the key manager by name, under OpenSSL's locks,
 * for every key.  It holds the group, never a key (each generation has a
 * context of its own inside OpenSSL).  OpenSSL contexts are not for two
 * threads at once, hence the mutex; the engine has one thread, so it is
 * never contended.
 */
static EVP_PKEY_CTX *keygen_ctx[sizeof(groups) / sizeof(groups[0])];
static pthread_mutex_t keygen_lock = PTHREAD_MUTEX_INITIALIZER;

static EVP_PKEY *keygen(const struct dh_group *grp)
{
	size_t i = (size_t)(grp - groups);
	EVP_PKEY *key = NULL;

	pthread_mutex_lock(&keygen_lock);
	if (!keygen_ctx[i])
		keygen_ctx[i] = keygen_ctx_new(grp);
	if (keygen_ctx[i] && EVP_PKEY_generate(keygen_ctx[i], &key) <= 0) {
		EVP_PKEY_free(key);
		key = NULL;
	}
	pthread_mutex_unlock(&keygen_lock);
	return key;
}

struct ike_dh *ike_dh_new(uint16_t group)
{
	const struct dh_group *grp = group_find(group);
	struct ike_dh *dh;

	if (!grp)
		return NULL;
	dh = dh_wrap(grp, keygen(grp));
	if (!dh)
		xs_err("group %u: key generation failed", group);
	return dh;
}

void ike_dh_free(struct ike_dh *dh)
{
	if (!dh)
		return;
	EVP_PKEY_free(dh->key);
	OPENSSL_cleanse(dh, sizeof(*dh));
	free(dh);
}

/* Adds the group name to bld and builds a key of the group's type. */
static EVP_PKEY *key_fromdata(const struct dh_group *grp, OSSL_PARAM_BLD *bld, int selection)
{
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *key = NULL;

	if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, grp->name, 0))
		return NULL;
	params = OSSL_PARAM_BLD_to_param(bld);
	if (!params)
		return NULL;
	ctx = EVP_PKEY_CTX_new_from_name(NULL, key_types[grp->kind], NULL);
	if (!ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &key, selection, params) <= 0) {
		EVP_PKEY_free(key);
		key = NULL;
	}
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);	/* clears what came from secure BIGNUMs */
	return key;
}

static EVP_PKEY *ecp_peer(const struct dh_group *grp, const uint8_t *peer, size_t len)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	uint8_t point[EC_MAX_POINT_LEN];
	EVP_PKEY *key = NULL;

	point[0] = EC_UNCOMPRESSED_TAG;
	memcpy(point + 1, peer, len);
	if (bld && OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, len + 1))
		key = key_fromdata(grp, bld, EVP_PKEY_PUBLIC_KEY);
	OSSL_PARAM_BLD_free(bld);
	return key;
}

/* 1 < y < p-1, with p from our own key. */
static int modp_check(const struct ike_dh *dh, const BIGNUM *y)
{
	BIGNUM *p = NULL;
	int err = -EIO;

	if (!EVP_PKEY_get_bn_param(dh->key, OSSL_PKEY_PARAM_FFC_P, &p) || !BN_sub_word(p, 1))
		goto free_p;
	err = BN_cmp(y, BN_value_one()) > 0 && BN_cmp(y, p) < 0 ? 0 : -EINVAL;
free_p:
	BN_free(p);
	return err;
}

static int modp_peer(const struct ike_dh *dh, const uint8_t *peer, size_t len, EVP_PKEY **out)
{
	BIGNUM *y = BN_bin2bn(peer, len, NULL);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	int err = -EIO;

	if (!y || !bld)
		goto free_all;
	err = modp_check(dh, y);
	if (err)
		goto free_all;
	err = -EIO;
	if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y))
		goto free_all;
	*out = key_fromdata(dh->grp, bld, EVP_PKEY_PUBLIC_KEY);
	err = *out ? 0 : -EINVAL;
free_all:
	OSSL_PARAM_BLD_free(bld);
	BN_free(y);
	return err;
}

/* The peer's KE data as a key; -EINVAL if OpenSSL will not take it. */
static int peer_key(const struct ike_dh *dh, const uint8_t *peer, size_t len, EVP_PKEY **out)
{
	switch (dh->grp->kind) {
	case DH_KIND_X25519:
		*out = EVP_PKEY_new_raw_public_key_ex(NULL, key_types[DH_KIND_X25519], NULL,
						      peer, len);
		break;
	case DH_KIND_ECP:
		*out = ecp_peer(dh->grp, peer, len);
		break;
	case DH_KIND_MODP:
		return modp_peer(dh, peer, len, out);
	}
	return *out ? 0 : -EINVAL;
}

static int derive(const struct ike_dh *dh, EVP_PKEY *peer, uint8_t *out, size_t *len)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->key, NULL);
	int err = -EIO;

	if (!ctx)
		return -EIO;
	if (EVP_PKEY_derive_init(ctx) <= 0)
		goto free_ctx;
	if (dh->grp->kind == DH_KIND_MODP && EVP_PKEY_CTX_set_dh_pad(ctx, 1) <= 0)
		goto free_ctx;
	if (EVP_PKEY_derive_set_peer_ex(ctx, peer, 1) <= 0) {
		err = -EINVAL;
		goto free_ctx;
	}
	if (EVP_PKEY_derive(ctx, out, len) <= 0) {
		/* X25519: OpenSSL refuses the all-zero (low-order) result */
		err = dh->grp->kind == DH_KIND_X25519 ? -EINVAL : -EIO;
		goto free_ctx;
	}
	err = 0;
free_ctx:
	EVP_PKEY_CTX_free(ctx);
	return err;
}

static bool all_zero(const uint8_t *buf, size_t len)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < len; i++)
		acc |= buf[i];
	return acc == 0;
}

int ike_dh_shared(const struct ike_dh *dh, const uint8_t *peer, size_t peer_len,
		  uint8_t *out, size_t *out_len)
{
	size_t want, len;
	EVP_PKEY *pk = NULL;
	int err;

	if (!dh || !peer || !out || !out_len)
		return -EINVAL;
	want = dh->grp->field_len;
	if (peer_len != public_len(dh->grp))
		return -EINVAL;
	if (*out_len < want)
		return -ENOSPC;
	err = peer_key(dh, peer, peer_len, &pk);
	if (err)
		return err;
	len = want;
	err = derive(dh, pk, out, &len);
	EVP_PKEY_free(pk);
	if (!err && len != want)
		err = -EIO;
	if (!err && all_zero(out, len))
		err = -EINVAL;
	if (err) {
		OPENSSL_cleanse(out, want);
		return err;
	}
	*out_len = len;
	return 0;
}

static bool ecp_public(const struct ike_dh *dh, uint8_t *buf, size_t want)
{
	uint8_t point[EC_MAX_POINT_LEN];
	size_t n = 0;

	if (!EVP_PKEY_get_octet_string_param(dh->key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
					     point, sizeof(point), &n))
		return false;
	if (n != want + 1 || point[0] != EC_UNCOMPRESSED_TAG)
		return false;
	memcpy(buf, point + 1, want);
	return true;
}

static bool modp_public(const struct ike_dh *dh, uint8_t *buf, size_t want)
{
	BIGNUM *y = NULL;
	bool ok;

	ok = EVP_PKEY_get_bn_param(dh->key, OSSL_PKEY_PARAM_PUB_KEY, &y) &&
	     BN_bn2binpad(y, buf, want) == (int)want;
	BN_free(y);
	return ok;
}

int ike_dh_public(const struct ike_dh *dh, uint8_t *buf, size_t *len)
{
	size_t want, n;
	bool ok = false;

	if (!dh || !buf || !len)
		return -EINVAL;
	want = public_len(dh->grp);
	if (*len < want)
		return -ENOSPC;
	switch (dh->grp->kind) {
	case DH_KIND_X25519:
		n = want;
		ok = EVP_PKEY_get_raw_public_key(dh->key, buf, &n) && n == want;
		break;
	case DH_KIND_ECP:
		ok = ecp_public(dh, buf, want);
		break;
	case DH_KIND_MODP:
		ok = modp_public(dh, buf, want);
		break;
	}
	if (!ok)
		return -EIO;
	*len = want;
	return 0;
}

/* d in [1, n-1]; the public point is d * G, computed here. */
static EVP_PKEY *ecp_from_private(const struct dh_group *grp, const uint8_t *priv, size_t len)
{
	EC_GROUP *ec = EC_GROUP_new_by_curve_name(grp->nid);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *d = BN_secure_new();
	uint8_t point[EC_MAX_POINT_LEN];
	EVP_PKEY *key = NULL;
	EC_POINT *pub = NULL;

	if (!ec || !bld || !d || !BN_bin2bn(priv, len, d))
		goto free_all;
	BN_set_flags(d, BN_FLG_CONSTTIME);
	if (BN_is_zero(d) || BN_cmp(d, EC_GROUP_get0_order(ec)) >= 0)
		goto free_all;
	pub = EC_POINT_new(ec);
	if (!pub || !EC_POINT_mul(ec, pub, d, NULL, NULL, NULL))
		goto free_all;
	if (EC_POINT_point2oct(ec, pub, POINT_CONVERSION_UNCOMPRESSED, point, sizeof(point),
			       NULL) != 1 + 2 * len)
		goto free_all;
	if (OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, 1 + 2 * len))
		key = key_fromdata(grp, bld, EVP_PKEY_KEYPAIR);
free_all:
	EC_POINT_free(pub);
	BN_clear_free(d);
	OSSL_PARAM_BLD_free(bld);
	EC_GROUP_free(ec);
	return key;
}

/* x in (1, p-1); the public value is 2^x mod p, computed here. */
static EVP_PKEY *modp_from_private(const struct dh_group *grp, const uint8_t *priv, size_t len)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *p = grp->prime(NULL), *pm1 = BN_new(), *g = BN_new(), *y = BN_new();
	BIGNUM *x = BN_secure_new();
	BN_CTX *bnctx = BN_CTX_new();
	EVP_PKEY *key = NULL;

	if (!bld || !p || !pm1 || !g || !y || !x || !bnctx || !BN_bin2bn(priv, len, x))
		goto free_all;
	BN_set_flags(x, BN_FLG_CONSTTIME);
	if (!BN_set_word(g, MODP_GENERATOR) || !BN_sub(pm1, p, BN_value_one()))
		goto free_all;
	if (BN_cmp(x, BN_value_one()) <= 0 || BN_cmp(x, pm1) >= 0)
		goto free_all;
	if (!BN_mod_exp(y, g, x, p, bnctx))
		goto free_all;
	if (OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, x) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y))
		key = key_fromdata(grp, bld, EVP_PKEY_KEYPAIR);
free_all:
	BN_CTX_free(bnctx);
	BN_clear_free(x);
	BN_free(y);
	BN_free(g);
	BN_free(pm1);
	BN_free(p);
	OSSL_PARAM_BLD_free(bld);
	return key;
}

struct ike_dh *ike_dh_new_from_private(uint16_t group, const uint8_t *priv, size_t len)
{
	const struct dh_group *grp = group_find(group);
	EVP_PKEY *key = NULL;

	if (!grp || !priv || len != grp->field_len)
		return NULL;
	switch (grp->kind) {
	case DH_KIND_X25519:
		key = EVP_PKEY_new_raw_private_key_ex(NULL, key_types[DH_KIND_X25519], NULL,
						      priv, len);
		break;
	case DH_KIND_ECP:
		key = ecp_from_private(grp, priv, len);
		break;
	case DH_KIND_MODP:
		key = modp_from_private(grp, priv, len);
		break;
	}
	return dh_wrap(grp, key);
}
