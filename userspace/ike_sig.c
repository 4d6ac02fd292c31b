// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Signature AUTH data (see ike_sig.h).
 *
 * What we send is fixed: one table row per (key type, hash) with the DER
 * AlgorithmIdentifier written out, as RFC 7427 Appendix A and RFC 8420
 * list them (strongSwan sends the same octets).  What we receive is parsed
 * with OpenSSL's ASN.1 decoder, so an RSA AlgorithmIdentifier with or
 * without its NULL parameters is the same scheme; the decoded OID then
 * selects the row, and the row must fit the peer's key type before any
 * signature is checked.  RSASSA-PSS has no row: its hash, MGF1 hash and
 * salt length come from the parameters.
 *
 * All verification ends in one EVP_DigestVerify(); legacy ECDSA (r | s)
 * is re-encoded as a DER ECDSA-Sig-Value first.
 */
#include "ike_sig.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

enum { PSS_DEFAULT_SALT = 20, PSS_TRAILER_BC = 1, CURVE_NAME_MAX = 64, OID_TEXT_MAX = 64 };

/* A byte array and its length, for a table row. */
#define DER(...) (const uint8_t[]){ __VA_ARGS__ }, \
		 sizeof((const uint8_t[]){ __VA_ARGS__ })
/* AlgorithmIdentifier SEQUENCEs: 1.2.840.113549.1.1.x with NULL, 1.2.840.10045.4.3.x, 1.3.101.x */
#define OID_RSA(x)	0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, \
			x, 0x05, 0x00
#define OID_ECDSA(x)	0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, x
#define OID_EDDSA(x)	0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, x

struct sig_scheme {
	int nid;		/* signatureAlgorithm */
	int key_type;		/* EVP_PKEY_EC, _RSA, _ED25519, _ED448 */
	uint16_t hash;		/* enum ike_hash_id */
	const char *md;		/* NULL: EdDSA signs the octets themselves */
	const uint8_t *algid;
	size_t algid_len;
};

static const struct sig_scheme schemes[] = {
	{ NID_ecdsa_with_SHA256, EVP_PKEY_EC, IKE_HASH_SHA2_256, "SHA2-256", DER(OID_ECDSA(0x02)) },
	{ NID_ecdsa_with_SHA384, EVP_PKEY_EC, IKE_HASH_SHA2_384, "SHA2-384", DER(OID_ECDSA(0x03)) },
	{ NID_ecdsa_with_SHA512, EVP_PKEY_EC, IKE_HASH_SHA2_512, "SHA2-512", DER(OID_ECDSA(0x04)) },
	{ NID_sha256WithRSAEncryption, EVP_PKEY_RSA, IKE_HASH_SHA2_256, "SHA2-256",
	  DER(OID_RSA(0x0b)) },
	{ NID_sha384WithRSAEncryption, EVP_PKEY_RSA, IKE_HASH_SHA2_384, "SHA2-384",
	  DER(OID_RSA(0x0c)) },
	{ NID_sha512WithRSAEncryption, EVP_PKEY_RSA, IKE_HASH_SHA2_512, "SHA2-512",
	  DER(OID_RSA(0x0d)) },
	{ NID_ED25519, EVP_PKEY_ED25519, IKE_HASH_IDENTITY, NULL, DER(OID_EDDSA(0x70)) },
	{ NID_ED448, EVP_PKEY_ED448, IKE_HASH_IDENTITY, NULL, DER(OID_EDDSA(0x71)) },
};

/* RFC 4754 methods: the curve and hash are the method's, r and s fixed-size. */
static const struct legacy_method {
	uint8_t method;
	int curve;
	const char *name;
	const char *md;
	size_t coord;
} legacy[] = {
	{ IKE_AUTH_ECDSA_256, NID_X9_62_prime256v1, "ECDSA P-256 with SHA-256", "SHA2-256", 32 },
	{ IKE_AUTH_ECDSA_384, NID_secp384r1, "ECDSA P-384 with SHA-384", "SHA2-384", 48 },
	{ IKE_AUTH_ECDSA_521, NID_secp521r1, "ECDSA P-521 with SHA-512", "SHA2-512", 66 },
};

static const uint16_t our_hashes[] = {
	IKE_HASH_SHA2_256, IKE_HASH_SHA2_384, IKE_HASH_SHA2_512, IKE_HASH_IDENTITY,
};

/* How to check one signature, from a table row or from RSASSA-PSS parameters. */
struct sig_check {
	const char *name;	/* for messages: "ecdsa-with-SHA256", or oid */
	char oid[OID_TEXT_MAX];	/* dotted OID of an algorithm OpenSSL has no name for */
	const char *md;
	bool pss;
	const char *mgf1_md;
	int salt_len;
};

static void seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

unsigned int ike_sig_our_hash_algs(const uint16_t **algs)
{
	*algs = our_hashes;
	return ARRAY_LEN(our_hashes);
}

static const struct legacy_method *legacy_find(uint8_t method)
{
	for (size_t i = 0; i < ARRAY_LEN(legacy); i++)
		if (legacy[i].method == method)
			return &legacy[i];
	return NULL;
}

bool ike_sig_method_supported(uint8_t method)
{
	return method == IKE_AUTH_DIGITAL_SIGNATURE || legacy_find(method);
}

/* ---- choosing and signing --------------------------------------------------- */

static bool in_list(uint16_t v, const uint16_t *list, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (list[i] == v)
			return true;
	return false;
}

int ike_sig_choose_hash(const EVP_PKEY *key, const uint16_t *peer_algs, unsigned int n)
{
	static const uint16_t p256[] = { IKE_HASH_SHA2_256, IKE_HASH_SHA2_384, IKE_HASH_SHA2_512 };
	static const uint16_t p384[] = { IKE_HASH_SHA2_384, IKE_HASH_SHA2_512, IKE_HASH_SHA2_256 };
	static const uint16_t p512[] = { IKE_HASH_SHA2_512, IKE_HASH_SHA2_384, IKE_HASH_SHA2_256 };
	const uint16_t *pref = p256;
	int bits;

	if (!key || (n && !peer_algs))
		return -EINVAL;
	switch (EVP_PKEY_get_base_id(key)) {
	case EVP_PKEY_ED25519:
	case EVP_PKEY_ED448:
		return in_list(IKE_HASH_IDENTITY, peer_algs, n) ? IKE_HASH_IDENTITY : -ENOTSUP;
	case EVP_PKEY_EC:
		bits = EVP_PKEY_get_bits(key);
		pref = bits > 384 ? p512 : bits > 256 ? p384 : p256;
		break;
	case EVP_PKEY_RSA:
		break;
	default:
		return -ENOTSUP;
	}
	for (size_t i = 0; i < ARRAY_LEN(p256); i++)
		if (in_list(pref[i], peer_algs, n))
			return pref[i];
	return -ENOTSUP;
}

static const struct sig_scheme *scheme_for_key(const EVP_PKEY *key, uint16_t hash)
{
	int type = EVP_PKEY_get_base_id(key);

	for (size_t i = 0; i < ARRAY_LEN(schemes); i++)
		if (schemes[i].key_type == type && schemes[i].hash == hash)
			return &schemes[i];
	return NULL;
}

static bool key_can_sign(const EVP_PKEY *key)
{
	switch (EVP_PKEY_get_base_id(key)) {
	case EVP_PKEY_EC:
	case EVP_PKEY_RSA:
	case EVP_PKEY_ED25519:
	case EVP_PKEY_ED448:
		return true;
	default:
		return false;
	}
}

int ike_sig_sign(EVP_PKEY *key, uint16_t hash_alg, const uint8_t *octets, size_t len,
		 uint8_t *out, size_t *out_len)
{
	const struct sig_scheme *s;
	EVP_PKEY_CTX *pctx = NULL;
	EVP_MD_CTX *mctx;
	size_t sig_len, head;
	int ret = -EIO;

	if (!key || !octets || !len || !out || !out_len)
		return -EINVAL;
	if (!key_can_sign(key))
		return -ENOTSUP;
	s = scheme_for_key(key, hash_alg);
	if (!s)
		return -EINVAL;
	head = 1 + s->algid_len;
	sig_len = (size_t)EVP_PKEY_get_size(key);
	if (sig_len > IKE_SIG_MAX || *out_len < head + sig_len)
		return -ENOSPC;
	mctx = EVP_MD_CTX_new();
	if (mctx && EVP_DigestSignInit_ex(mctx, &pctx, s->md, NULL, NULL, key, NULL) == 1 &&
	    (s->key_type != EVP_PKEY_RSA ||
	     EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1) &&
	    EVP_DigestSign(mctx, out + head, &sig_len, octets, len) == 1) {
		out[0] = (uint8_t)s->algid_len;
		memcpy(out + 1, s->algid, s->algid_len);
		*out_len = head + sig_len;
		ret = 0;
	}
	EVP_MD_CTX_free(mctx);
	ERR_clear_error();
	return ret;
}

/* ---- verifying -------------------------------------------------------------- */

static const char *sha2_name(int nid)
{
	switch (nid) {
	case NID_sha256:
		return "SHA2-256";
	case NID_sha384:
		return "SHA2-384";
	case NID_sha512:
		return "SHA2-512";
	default:
		return NULL;
	}
}

static bool weak_nid(int nid)
{
	switch (nid) {
	case NID_sha1:
	case NID_md5:
	case NID_sha1WithRSAEncryption:
	case NID_md5WithRSAEncryption:
	case NID_ecdsa_with_SHA1:
	case NID_dsaWithSHA1:
		return true;
	default:
		return false;
	}
}

/* An AlgorithmIdentifier's parameter, an embedded AlgorithmIdentifier (MGF1's hash). */
static int inner_hash_nid(const X509_ALGOR *alg)
{
	const unsigned char *p;
	const ASN1_STRING *seq;
	const void *pval;
	X509_ALGOR *inner;
	int ptype, nid = NID_undef;

	X509_ALGOR_get0(NULL, &ptype, &pval, alg);
	if (ptype != V_ASN1_SEQUENCE)
		return NID_undef;
	seq = pval;
	p = ASN1_STRING_get0_data(seq);
	inner = d2i_X509_ALGOR(NULL, &p, ASN1_STRING_length(seq));
	if (inner && p == ASN1_STRING_get0_data(seq) + ASN1_STRING_length(seq))
		nid = OBJ_obj2nid(inner->algorithm);
	X509_ALGOR_free(inner);
	return nid;
}

/* RFC 4055 defaults: SHA-1, MGF1 with SHA-1, salt 20, trailer 1. */
static int pss_check(const RSA_PSS_PARAMS *pss, struct sig_check *c, char *err, size_t errlen)
{
	int hash = pss->hashAlgorithm ? OBJ_obj2nid(pss->hashAlgorithm->algorithm) : NID_sha1;
	int mgf1 = NID_sha1;
	long salt = pss->saltLength ? ASN1_INTEGER_get(pss->saltLength) : PSS_DEFAULT_SALT;

	if (pss->maskGenAlgorithm)
		mgf1 = OBJ_obj2nid(pss->maskGenAlgorithm->algorithm) == NID_mgf1 ?
		       inner_hash_nid(pss->maskGenAlgorithm) : NID_undef;
	if (weak_nid(hash) || weak_nid(mgf1)) {
		seterr(err, errlen, "RSASSA-PSS with SHA-1 is weak");
		return -EKEYREJECTED;
	}
	c->md = sha2_name(hash);
	c->mgf1_md = sha2_name(mgf1);
	if (!c->md || !c->mgf1_md) {
		seterr(err, errlen, "RSASSA-PSS with an unsupported hash or mask generation");
		return -ENOTSUP;
	}
	if (salt < 0 || salt > IKE_SIG_MAX ||
	    (pss->trailerField && ASN1_INTEGER_get(pss->trailerField) != PSS_TRAILER_BC)) {
		seterr(err, errlen, "RSASSA-PSS parameters are invalid");
		return -EPROTO;
	}
	c->pss = true;
	c->salt_len = (int)salt;
	return 0;
}

static int pss_params(int ptype, const void *pval, struct sig_check *c, char *err, size_t errlen)
{
	const ASN1_STRING *seq = pval;
	const unsigned char *p;
	RSA_PSS_PARAMS *pss = NULL;
	int ret;

	if (ptype == V_ASN1_SEQUENCE) {
		p = ASN1_STRING_get0_data(seq);
		pss = d2i_RSA_PSS_PARAMS(NULL, &p, ASN1_STRING_length(seq));
		if (pss && p != ASN1_STRING_get0_data(seq) + ASN1_STRING_length(seq)) {
			RSA_PSS_PARAMS_free(pss);
			pss = NULL;
		}
	}
	if (!pss) {
		seterr(err, errlen, "RSASSA-PSS parameters are malformed");
		return -EPROTO;
	}
	ret = pss_check(pss, c, err, errlen);
	RSA_PSS_PARAMS_free(pss);
	return ret;
}

static const struct sig_scheme *scheme_by_nid(int nid)
{
	for (size_t i = 0; i < ARRAY_LEN(schemes); i++)
		if (schemes[i].nid == nid)
			return &schemes[i];
	return NULL;
}

static bool key_type_is(const EVP_PKEY *pub, int type, int alt)
{
	int id = EVP_PKEY_get_base_id(pub);

	return id == type || id == alt;
}

/* ECDSA and EdDSA take no parameters (RFC 5758, RFC 8410); PKCS#1 NULL or none. */
static int check_table_scheme(const struct sig_scheme *s, int ptype, EVP_PKEY *pub,
			      struct sig_check *c, char *err, size_t errlen)
{
	if (ptype != V_ASN1_UNDEF && !(s->key_type == EVP_PKEY_RSA && ptype == V_ASN1_NULL)) {
		seterr(err, errlen, "%s with unexpected parameters", c->name);
		return -EPROTO;
	}
	if (EVP_PKEY_get_base_id(pub) != s->key_type) {
		seterr(err, errlen, "AUTH uses %s but the peer's key is %s", c->name,
		       EVP_PKEY_get0_type_name(pub));
		return -EKEYREJECTED;
	}
	c->md = s->md;
	return 0;
}

static int check_from_algid(const X509_ALGOR *alg, EVP_PKEY *pub, struct sig_check *c,
			    char *err, size_t errlen)
{
	const ASN1_OBJECT *obj;
	const struct sig_scheme *s;
	const void *pval;
	int ptype, nid;

	X509_ALGOR_get0(&obj, &ptype, &pval, alg);
	nid = OBJ_obj2nid(obj);
	if (nid == NID_undef && OBJ_obj2txt(c->oid, sizeof(c->oid), obj, 1) <= 0)
		snprintf(c->oid, sizeof(c->oid), "?");
	c->name = nid != NID_undef ? OBJ_nid2sn(nid) : c->oid;
	if (weak_nid(nid)) {
		seterr(err, errlen, "%s is weak", c->name);
		return -EKEYREJECTED;
	}
	if (nid == NID_rsassaPss) {
		if (!key_type_is(pub, EVP_PKEY_RSA, EVP_PKEY_RSA_PSS)) {
			seterr(err, errlen, "AUTH uses RSASSA-PSS but the peer's key is %s",
			       EVP_PKEY_get0_type_name(pub));
			return -EKEYREJECTED;
		}
		return pss_params(ptype, pval, c, err, errlen);
	}
	s = scheme_by_nid(nid);
	if (!s) {
		seterr(err, errlen, "signature algorithm %s is not supported", c->name);
		return -ENOTSUP;
	}
	return check_table_scheme(s, ptype, pub, c, err, errlen);
}

static int digest_verify(EVP_PKEY *pub, const struct sig_check *c, const uint8_t *sig,
			 size_t sig_len, const uint8_t *octets, size_t len, char *err,
			 size_t errlen)
{
	EVP_PKEY_CTX *pctx = NULL;
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	int ret = -EIO, rc;

	if (!mctx || EVP_DigestVerifyInit_ex(mctx, &pctx, c->md, NULL, NULL, pub, NULL) != 1)
		goto out;
	if (c->pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
		       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, c->salt_len) != 1 ||
		       EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, c->mgf1_md, NULL) != 1))
		goto out;
	rc = EVP_DigestVerify(mctx, sig, sig_len, octets, len);
	ret = rc == 1 ? 0 : -EBADMSG;
out:
	if (ret == -EIO)
		seterr(err, errlen, "OpenSSL cannot check %s with a %s key", c->name,
		       EVP_PKEY_get0_type_name(pub));
	else if (ret)
		seterr(err, errlen, "%s signature does not verify", c->name);
	EVP_MD_CTX_free(mctx);
	ERR_clear_error();
	return ret;
}

/* | len | AlgorithmIdentifier | signature |, each part non-empty. */
static int verify_digital_signature(EVP_PKEY *pub, const uint8_t *auth, size_t auth_len,
				    const uint8_t *octets, size_t len, char *err, size_t errlen)
{
	struct sig_check c = { 0 };
	const unsigned char *p = auth + 1;
	size_t alen = auth_len ? auth[0] : 0;
	X509_ALGOR *alg = NULL;
	int ret = -EPROTO;

	if (alen && auth_len > 1 + alen) {
		alg = d2i_X509_ALGOR(NULL, &p, (long)alen);
		if (alg && p == auth + 1 + alen)
			ret = check_from_algid(alg, pub, &c, err, errlen);
		else
			seterr(err, errlen, "AUTH data has a malformed AlgorithmIdentifier");
	} else {
		seterr(err, errlen, "AUTH data too short for RFC 7427 (%zu octets)", auth_len);
	}
	if (!ret)
		ret = digest_verify(pub, &c, auth + 1 + alen, auth_len - 1 - alen, octets, len,
				    err, errlen);
	X509_ALGOR_free(alg);
	ERR_clear_error();
	return ret;
}

static int ec_curve_nid(const EVP_PKEY *pub)
{
	char name[CURVE_NAME_MAX];
	int nid;

	if (EVP_PKEY_get_base_id(pub) != EVP_PKEY_EC ||
	    EVP_PKEY_get_utf8_string_param(pub, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name),
					   NULL) != 1)
		return NID_undef;
	nid = OBJ_txt2nid(name);
	return nid != NID_undef ? nid : EC_curve_nist2nid(name);
}

/* r | s as a DER ECDSA-Sig-Value; free with OPENSSL_free. */
static uint8_t *raw_ecdsa_to_der(const uint8_t *rs, size_t coord, size_t *der_len)
{
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(rs, (int)coord, NULL);
	BIGNUM *s = BN_bin2bn(rs + coord, (int)coord, NULL);
	unsigned char *der = NULL;
	int n = -1;

	if (sig && r && s && ECDSA_SIG_set0(sig, r, s)) {
		r = s = NULL;		/* owned by sig now */
		n = i2d_ECDSA_SIG(sig, &der);
	}
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(sig);
	if (n <= 0)
		return NULL;
	*der_len = (size_t)n;
	return der;
}

static int verify_legacy_ecdsa(EVP_PKEY *pub, const struct legacy_method *m,
			       const uint8_t *auth, size_t auth_len, const uint8_t *octets,
			       size_t len, char *err, size_t errlen)
{
	struct sig_check c = { .name = m->name, .md = m->md };
	uint8_t *der;
	size_t der_len;
	int ret;

	if (ec_curve_nid(pub) != m->curve) {
		seterr(err, errlen, "AUTH method %u (%s) does not fit the peer's %s key",
		       m->method, m->name, EVP_PKEY_get0_type_name(pub));
		return -EKEYREJECTED;
	}
	if (auth_len != 2 * m->coord) {
		seterr(err, errlen, "AUTH method %u: %zu octets, not %zu", m->method, auth_len,
		       2 * m->coord);
		return -EPROTO;
	}
	der = raw_ecdsa_to_der(auth, m->coord, &der_len);
	if (!der) {
		seterr(err, errlen, "out of memory");
		return -EIO;
	}
	ret = digest_verify(pub, &c, der, der_len, octets, len, err, errlen);
	OPENSSL_free(der);
	return ret;
}

int ike_sig_verify(EVP_PKEY *pub, uint8_t method, const uint8_t *auth, size_t auth_len,
		   const uint8_t *octets, size_t len, char *err, size_t errlen)
{
	const struct legacy_method *m = legacy_find(method);

	if (err && errlen)
		*err = '\0';
	if (!pub || !auth || !octets || !len) {
		seterr(err, errlen, "nothing to verify");
		return -EINVAL;
	}
	if (method == IKE_AUTH_DIGITAL_SIGNATURE)
		return verify_digital_signature(pub, auth, auth_len, octets, len, err, errlen);
	if (m)
		return verify_legacy_ecdsa(pub, m, auth, auth_len, octets, len, err, errlen);
	if (method == IKE_AUTH_RSA_SIG) {
		seterr(err, errlen, "AUTH method 1 (RSA with SHA-1) is refused as weak; the peer "
		       "should announce SIGNATURE_HASH_ALGORITHMS and use method 14");
		return -EKEYREJECTED;
	}
	seterr(err, errlen, "AUTH method %u is not a signature method we support", method);
	return -ENOTSUP;
}
