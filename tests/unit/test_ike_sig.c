// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Signature AUTH (ike_sig.c):
 *   - known answers from strongSwan 5.9.8 (ikev2-cert-nat): the
 *     initiator's AUTH (method 14, ecdsa-with-SHA256) from the decrypted
 *     IKE_AUTH request against dev1.crt over the octets charon logged, the
 *     same octets rebuilt with ike_auth_octets_init(); the responder's AUTH
 *     from the decrypted IKE_AUTH response against gw.crt over octets built
 *     from the IKE_SA_INIT response, Ni and SK_pr; strongSwan's RSASSA-PSS
 *     self-signature of pss-self.crt;
 *   - our AUTH made with the capture's private key (dev1.key) carries the
 *     octets strongSwan puts before its signature, and verifies with plain
 *     EVP_DigestVerify, a path that shares no code with ike_sig_verify;
 *   - the AlgorithmIdentifiers we send equal OpenSSL's encoding of the OID;
 *   - round trips for every key type (P-256, P-384, P-521, RSA 2048/3072,
 *     Ed25519, Ed448) and every hash the key takes; tampered octets and
 *     signatures, the wrong key, the wrong key type; legacy ECDSA 9/10/11;
 *   - refusals: SHA-1 (PKCS#1, ECDSA, PSS defaults), method 1, malformed
 *     AUTH data, every truncation and random single-octet mutations.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "ike_auth.h"
#include "ike_cert.h"
#include "ike_msg.h"
#include "ike_payload.h"
#include "ike_sig.h"
#include "ike_msg_vectors.h"

#define PKI "tests/unit/pki/"
#define SS PKI "strongswan-5.9.8/"

enum {
	ERRLEN = 512,
	BIG = 4096,
	MUTATIONS = 3000,
	INIT_REQ_LEN = 232,	/* IKE_SA_INIT request of ikev2-cert-nat */
	NONCE_LEN = 32,
};

/*
 * ikev2-cert-nat.keys.txt, logged by the initiator (dev1):
 * IKE_SA_INIT request | Nr | prf(SK_pi, IDi')
 */
static const char init_octets[] =
	"d708ffe3f8a3402f00000000000000002120220800000000000000e822000028"
	"00000024010100030300000c01000014800e0080030000080200000500000008"
	"0400001f28000028001f000059d127283434a31bb314abf787b795a9ef1991df"
	"c0a1d6b93a43a3b6f89f2a7629000024fcbd5c75277f3866ba320dff63798c0a"
	"fe33f37d74e4fcfc5749946c63d568402900001c00004004290fb51fdbbd70ef"
	"f2264064901b41f1d73c67822900001c000040059163d4b1843f2d75def149ed"
	"eb8754f8c6c094cb290000080000402e290000100000402f0002000300040005"
	"000000080000401621a200e6f722e70b870f7d973bb93d3664a2a4f0ab784b7f"
	"c7748f93592bb5d8582808451a63975a60d166abd87efdcb0e9a9a582be93f72"
	"efcae50d9d9baab5";

/* keys.txt: the seed Ni | Nr, SK_pi, SK_pr */
static const char seed_ni_nr[] =
	"fcbd5c75277f3866ba320dff63798c0afe33f37d74e4fcfc5749946c63d56840"
	"21a200e6f722e70b870f7d973bb93d3664a2a4f0ab784b7fc7748f93592bb5d8";
static const char sk_pi[] = "577eb47d3874e0b18b01ae6b91bb0ba09f22cb941bb86bc3cdc514db8b169c74";
static const char sk_pr[] = "84704de226492b405ffe64fa075654e80a99891816258ed2feb3f2fe4c53a8c4";

/*
 * ikev2-cert-nat.dev0.pcap frame 4 (IKE_AUTH response), decrypted offline
 * with Sk_er (AES-GCM-128, as for ike_msg_vectors.h): the IDr and AUTH
 * payload bodies.  Its CERT payload is gw.crt, octet for octet.
 */
static const char resp_idr_body[] = "0200000067772e73732d616e63686f722e74657374";
static const char resp_auth_body[] =
	"0e0000000c300a06082a8648ce3d040302304402201c2fa8953fe460edd83ab6"
	"21481af24cd85db66d646dd560380d688610743e9402202f6adb21b0b24c59a2"
	"6066f04dbf2a46e7cf0607204b8d4fe6f0dcc4194b466c";

/* RFC 7427 prefix strongSwan sends for ECDSA P-256: length 12, ecdsa-with-SHA256 */
static const char ss_ecdsa_prefix[] = "0c300a06082a8648ce3d040302";

/* strongSwan's RSASSA-PSS AlgorithmIdentifier, SHA-384 (pki --rsa-padding pss --digest sha384) */
static const char pss_sha384_algid[] =
	"304106092a864886f70d01010a3034a00f300d06096086480165030402020500a11c301a06092a864886f70d"
	"010108300d06096086480165030402020500a203020130";

/* ---- helpers ---- */

static size_t unhex(const char *hex, uint8_t *out, size_t max)
{
	size_t n = strlen(hex) / 2;

	assert_int_equal(strlen(hex) % 2, 0);
	assert_true(n <= max);
	for (size_t i = 0; i < n; i++) {
		unsigned int byte;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &byte), 1);
		out[i] = (uint8_t)byte;
	}
	return n;
}

static X509 *load_cert(const char *path)
{
	char err[ERRLEN] = "";
	X509 *c = ike_cert_load(path, err, sizeof(err));

	if (!c)
		fail_msg("%s", err);
	return c;
}

/* Keys go through a 0600 copy: git does not keep the mode of the fixtures. */
static EVP_PKEY *load_key(const char *src)
{
	char path[] = "/tmp/ike_sig_test.XXXXXX", err[ERRLEN] = "";
	uint8_t buf[BIG];
	FILE *in = fopen(src, "rb");
	EVP_PKEY *k;
	size_t n;
	int fd;

	assert_non_null(in);
	n = fread(buf, 1, sizeof(buf), in);
	fclose(in);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, n), (ssize_t)n);
	close(fd);
	k = ike_privkey_load(path, err, sizeof(err));
	unlink(path);
	if (!k)
		fail_msg("%s: %s", src, err);
	return k;
}

static EVP_PKEY *pub_of(X509 *c)
{
	EVP_PKEY *p = X509_get0_pubkey(c);

	assert_non_null(p);
	return p;
}

static int verify14(EVP_PKEY *pub, const uint8_t *auth, size_t alen, const uint8_t *oct,
		    size_t olen)
{
	char err[ERRLEN];

	return ike_sig_verify(pub, IKE_AUTH_DIGITAL_SIGNATURE, auth, alen, oct, olen, err,
			      sizeof(err));
}

static size_t sign14(EVP_PKEY *key, uint16_t hash, const uint8_t *oct, size_t olen,
		     uint8_t *out)
{
	size_t len = IKE_SIG_AUTH_MAX;

	assert_int_equal(ike_sig_sign(key, hash, oct, olen, out, &len), 0);
	return len;
}

/* AUTH data from an AlgorithmIdentifier and a signature. */
static size_t auth_of(const uint8_t *algid, size_t alen, const uint8_t *sig, size_t slen,
		      uint8_t *out)
{
	out[0] = (uint8_t)alen;
	memcpy(out + 1, algid, alen);
	memcpy(out + 1 + alen, sig, slen);
	return 1 + alen + slen;
}

/* A raw EVP signature, for schemes ike_sig does not produce. */
static size_t evp_sign(EVP_PKEY *key, const char *md, int pss_salt, const uint8_t *oct,
		       size_t olen, uint8_t *sig)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	size_t len = IKE_SIG_MAX;

	assert_non_null(m);
	assert_int_equal(EVP_DigestSignInit_ex(m, &pctx, md, NULL, NULL, key, NULL), 1);
	if (pss_salt >= 0) {
		assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
		assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, pss_salt), 1);
	}
	assert_int_equal(EVP_DigestSign(m, sig, &len, oct, olen), 1);
	EVP_MD_CTX_free(m);
	return len;
}

/* DER ECDSA-Sig-Value to r | s of coord octets each. */
static void der_to_raw(const uint8_t *der, size_t len, size_t coord, uint8_t *out)
{
	const unsigned char *p = der;
	ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &p, (long)len);
	const BIGNUM *r, *ss;

	assert_non_null(s);
	ECDSA_SIG_get0(s, &r, &ss);
	assert_int_equal(BN_bn2binpad(r, out, (int)coord), (int)coord);
	assert_int_equal(BN_bn2binpad(ss, out + coord, (int)coord), (int)coord);
	ECDSA_SIG_free(s);
}

static const struct ike_payload *find(const struct ike_chain *c, uint8_t type)
{
	int i = ike_chain_find(c, type, 0);

	assert_true(i >= 0);
	return &c->pl[i];
}

/* ---- known answers from strongSwan ---- */

static void test_kat_initiator(void **state)
{
	uint8_t inner[BIG], octets[BIG], seed[2 * NONCE_LEN], skp[32], rebuilt[BIG];
	size_t inner_len = unhex(cert_nat_auth_req_inner, inner, sizeof(inner));
	size_t olen = unhex(init_octets, octets, sizeof(octets));
	struct ike_signed_octets so;
	const struct ike_payload *pl;
	struct ike_pl_cert cert_pl;
	struct ike_pl_auth auth;
	struct ike_trust *trust = ike_trust_new();
	struct ike_pl_id id;
	struct ike_chain c;
	char err[ERRLEN] = "";
	X509 *dev1;

	(void)state;
	unhex(seed_ni_nr, seed, sizeof(seed));
	unhex(sk_pi, skp, sizeof(skp));
	assert_int_equal(ike_chain_parse(IKE_PL_IDI, inner, inner_len, &c, NULL), IKE_PARSE_OK);
	/* the signed octets, rebuilt: IKE_SA_INIT request | Nr | prf(SK_pi, IDi') */
	pl = find(&c, IKE_PL_IDI);
	assert_int_equal(ike_auth_octets_init(&so, IKE_PRF_HMAC_SHA2_256, octets, INIT_REQ_LEN,
					      seed + NONCE_LEN, NONCE_LEN, skp, sizeof(skp),
					      pl->body, pl->len), 0);
	assert_int_equal(ike_auth_octets_len(&so), olen);
	assert_int_equal(ike_auth_octets_copy(&so, rebuilt, sizeof(rebuilt)), 0);
	assert_memory_equal(rebuilt, octets, olen);
	ike_auth_octets_wipe(&so);
	/* the certificate from the CERT payload, chained to the CA at capture time */
	pl = find(&c, IKE_PL_CERT);
	assert_int_equal(ike_pl_cert_decode(pl->body, pl->len, &cert_pl), IKE_PARSE_OK);
	dev1 = ike_cert_from_der(cert_pl.data, cert_pl.len);
	assert_non_null(dev1);
	assert_int_equal(ike_trust_add_ca(trust, SS "ca.crt", err, sizeof(err)), 0);
	assert_int_equal(ike_cert_verify_chain(trust, dev1, NULL, 0, 1795441969, err,
					       sizeof(err)), 0);
	assert_int_equal(ike_pl_id_decode(find(&c, IKE_PL_IDI)->body, find(&c, IKE_PL_IDI)->len,
					  &id), IKE_PARSE_OK);
	assert_true(ike_cert_matches_id(dev1, id.type, id.data, id.len));
	/* the AUTH */
	pl = find(&c, IKE_PL_AUTH);
	assert_int_equal(ike_pl_auth_decode(pl->body, pl->len, &auth), IKE_PARSE_OK);
	assert_int_equal(auth.method, IKE_AUTH_DIGITAL_SIGNATURE);
	assert_int_equal(ike_sig_verify(pub_of(dev1), auth.method, auth.data, auth.len, octets,
					olen, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	/* one octet changed anywhere in the octets and it fails */
	for (size_t i = 0; i < olen; i += 37) {
		octets[i] ^= 0x01;
		assert_int_equal(ike_sig_verify(pub_of(dev1), auth.method, auth.data, auth.len,
						octets, olen, err, sizeof(err)), -EBADMSG);
		octets[i] ^= 0x01;
	}
	assert_string_equal(err, "ecdsa-with-SHA256 signature does not verify");
	X509_free(dev1);
	ike_trust_free(trust);
}

static void test_kat_responder(void **state)
{
	uint8_t msg[BIG], seed[2 * NONCE_LEN], skp[32], idr[64], body[BIG], octets[BIG];
	size_t mlen = unhex(cert_nat_init_resp, msg, sizeof(msg));
	size_t idlen = unhex(resp_idr_body, idr, sizeof(idr));
	size_t blen = unhex(resp_auth_body, body, sizeof(body));
	struct ike_signed_octets so;
	struct ike_pl_auth auth;
	struct ike_pl_id id;
	char err[ERRLEN];
	X509 *gw = load_cert(SS "gw.crt"), *dev1 = load_cert(SS "dev1.crt");
	size_t olen;

	(void)state;
	unhex(seed_ni_nr, seed, sizeof(seed));
	unhex(sk_pr, skp, sizeof(skp));
	/* IKE_SA_INIT response | Ni | prf(SK_pr, IDr') */
	assert_int_equal(ike_auth_octets_init(&so, IKE_PRF_HMAC_SHA2_256, msg, mlen, seed,
					      NONCE_LEN, skp, sizeof(skp), idr, idlen), 0);
	olen = ike_auth_octets_len(&so);
	assert_int_equal(ike_auth_octets_copy(&so, octets, sizeof(octets)), 0);
	ike_auth_octets_wipe(&so);
	assert_int_equal(ike_pl_id_decode(idr, idlen, &id), IKE_PARSE_OK);
	/* FQDN gw.ss-anchor.test */
	assert_true(ike_cert_matches_id(gw, id.type, id.data, id.len));
	assert_int_equal(ike_pl_auth_decode(body, blen, &auth), IKE_PARSE_OK);
	assert_int_equal(auth.method, IKE_AUTH_DIGITAL_SIGNATURE);
	assert_int_equal(ike_sig_verify(pub_of(gw), auth.method, auth.data, auth.len, octets, olen,
					err, sizeof(err)), 0);
	/* the initiator's key does not verify the responder's AUTH */
	assert_int_equal(ike_sig_verify(pub_of(dev1), auth.method, auth.data, auth.len, octets,
					olen, err, sizeof(err)), -EBADMSG);
	X509_free(gw);
	X509_free(dev1);
}

static void test_kat_strongswan_pss(void **state)
{
	X509 *c = load_cert(PKI "pss-self.crt");
	const ASN1_BIT_STRING *sig;
	const X509_ALGOR *alg;
	unsigned char *tbs = NULL, *algid = NULL;
	uint8_t auth[IKE_SIG_AUTH_MAX];
	const ASN1_OBJECT *oid;
	int tlen, alen;
	size_t len;

	(void)state;
	X509_get0_signature(&sig, &alg, c);
	X509_ALGOR_get0(&oid, NULL, NULL, alg);
	assert_int_equal(OBJ_obj2nid(oid), NID_rsassaPss);
	alen = i2d_X509_ALGOR(alg, &algid);
	tlen = i2d_re_X509_tbs(c, &tbs);
	assert_true(alen > 0 && tlen > 0);
	len = auth_of(algid, (size_t)alen, ASN1_STRING_get0_data(sig),
		      (size_t)ASN1_STRING_length(sig), auth);
	assert_int_equal(verify14(pub_of(c), auth, len, tbs, (size_t)tlen), 0);
	tbs[tlen / 2] ^= 0x80;
	assert_int_equal(verify14(pub_of(c), auth, len, tbs, (size_t)tlen), -EBADMSG);
	OPENSSL_free(tbs);
	OPENSSL_free(algid);
	X509_free(c);
}

static void test_sign_with_vector_key(void **state)
{
	uint8_t octets[BIG], auth[IKE_SIG_AUTH_MAX], prefix[16];
	size_t olen = unhex(init_octets, octets, sizeof(octets));
	size_t plen = unhex(ss_ecdsa_prefix, prefix, sizeof(prefix));
	EVP_PKEY *key = load_key(SS "dev1.key");
	X509 *dev1 = load_cert(SS "dev1.crt");
	const uint16_t peer[] = { 2, 3, 4, 5 };	/* what charon announced */
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	size_t len;
	int hash;

	(void)state;
	hash = ike_sig_choose_hash(key, peer, 4);
	assert_int_equal(hash, IKE_HASH_SHA2_256);
	len = sign14(key, (uint16_t)hash, octets, olen, auth);
	/* the same framing as charon's AUTH */
	assert_true(len > plen);
	assert_memory_equal(auth, prefix, plen);
	assert_int_equal(ike_sig_verify(pub_of(dev1), IKE_AUTH_DIGITAL_SIGNATURE, auth, len,
					octets, olen, NULL, 0), 0);
	/* independent check: the rest is a DER ECDSA signature of SHA-256(octets) */
	assert_non_null(m);
	assert_int_equal(EVP_DigestVerifyInit(m, NULL, EVP_sha256(), NULL, pub_of(dev1)), 1);
	assert_int_equal(EVP_DigestVerify(m, auth + plen, len - plen, octets, olen), 1);
	EVP_MD_CTX_free(m);
	EVP_PKEY_free(key);
	X509_free(dev1);
}

/* ---- what we send ---- */

static void test_algids(void **state)
{
	static const struct {
		const char *key;	/* fixture, or NULL for a generated Ed448 key */
		uint16_t hash;
		int nid;
		bool null_params;
		const char *hex;
	} t[] = {
		{ "ee-p256", IKE_HASH_SHA2_256, NID_ecdsa_with_SHA256, false,
		  "0c300a06082a8648ce3d040302" },
		{ "ee-p384", IKE_HASH_SHA2_384, NID_ecdsa_with_SHA384, false,
		  "0c300a06082a8648ce3d040303" },
		{ "ee-p256", IKE_HASH_SHA2_512, NID_ecdsa_with_SHA512, false,
		  "0c300a06082a8648ce3d040304" },
		{ "ee-rsa2048", IKE_HASH_SHA2_256, NID_sha256WithRSAEncryption, true,
		  "0f300d06092a864886f70d01010b0500" },
		{ "ee-rsa2048", IKE_HASH_SHA2_384, NID_sha384WithRSAEncryption, true,
		  "0f300d06092a864886f70d01010c0500" },
		{ "ee-rsa3072", IKE_HASH_SHA2_512, NID_sha512WithRSAEncryption, true,
		  "0f300d06092a864886f70d01010d0500" },
		{ "ee-ed25519", IKE_HASH_IDENTITY, NID_ED25519, false, "07300506032b6570" },
		{ NULL, IKE_HASH_IDENTITY, NID_ED448, false, "07300506032b6571" },
	};
	uint8_t oct[] = "octets", auth[IKE_SIG_AUTH_MAX], want[64], enc[64];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char path[128];
		EVP_PKEY *k;
		X509_ALGOR *a = X509_ALGOR_new();
		unsigned char *p = enc;
		size_t n = unhex(t[i].hex, want, sizeof(want));

		snprintf(path, sizeof(path), PKI "%s.key", t[i].key ? t[i].key : "");
		k = t[i].key ? load_key(path) : EVP_PKEY_Q_keygen(NULL, NULL, "ED448");
		assert_non_null(k);
		sign14(k, t[i].hash, oct, sizeof(oct), auth);
		assert_memory_equal(auth, want, n);
		/* the table's octets are OpenSSL's DER of the OID */
		assert_int_equal(X509_ALGOR_set0(a, OBJ_nid2obj(t[i].nid),
						 t[i].null_params ? V_ASN1_NULL : V_ASN1_UNDEF,
						 NULL), 1);
		assert_int_equal(i2d_X509_ALGOR(a, &p), (int)n - 1);
		assert_memory_equal(enc, want + 1, n - 1);
		X509_ALGOR_free(a);
		EVP_PKEY_free(k);
	}
}

static void test_choose_hash(void **state)
{
	static const uint16_t all[] = { 2, 3, 4, 5 }, only384[] = { 3 }, sha2[] = { 2, 3, 4 },
			      only256[] = { 2 }, ident[] = { 5 }, junk[] = { 1, 6, 7 };
	EVP_PKEY *p256 = load_key(PKI "ee-p256.key"), *p384 = load_key(PKI "ee-p384.key");
	EVP_PKEY *rsa = load_key(PKI "ee-rsa3072.key"), *ed = load_key(PKI "ee-ed25519.key");
	EVP_PKEY *p521 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");

	(void)state;
	assert_int_equal(ike_sig_choose_hash(p256, all, 4), IKE_HASH_SHA2_256);
	assert_int_equal(ike_sig_choose_hash(p384, all, 4), IKE_HASH_SHA2_384);
	assert_int_equal(ike_sig_choose_hash(p521, all, 4), IKE_HASH_SHA2_512);
	assert_int_equal(ike_sig_choose_hash(rsa, all, 4), IKE_HASH_SHA2_256);
	assert_int_equal(ike_sig_choose_hash(ed, all, 4), IKE_HASH_IDENTITY);
	/* falling back to a SHA-2 the peer takes */
	assert_int_equal(ike_sig_choose_hash(p256, only384, 1), IKE_HASH_SHA2_384);
	assert_int_equal(ike_sig_choose_hash(p384, only256, 1), IKE_HASH_SHA2_256);
	assert_int_equal(ike_sig_choose_hash(rsa, only384, 1), IKE_HASH_SHA2_384);
	/* nothing usable */
	assert_int_equal(ike_sig_choose_hash(ed, sha2, 3), -ENOTSUP);
	assert_int_equal(ike_sig_choose_hash(p256, ident, 1), -ENOTSUP);
	assert_int_equal(ike_sig_choose_hash(p256, junk, 3), -ENOTSUP);
	assert_int_equal(ike_sig_choose_hash(p256, NULL, 0), -ENOTSUP);
	assert_int_equal(ike_sig_choose_hash(NULL, all, 4), -EINVAL);
	EVP_PKEY_free(p256);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(p521);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ed);
}

static void test_our_hash_algs(void **state)
{
	const uint16_t *algs;

	(void)state;
	assert_int_equal(ike_sig_our_hash_algs(&algs), 4);
	assert_int_equal(algs[0], IKE_HASH_SHA2_256);
	assert_int_equal(algs[1], IKE_HASH_SHA2_384);
	assert_int_equal(algs[2], IKE_HASH_SHA2_512);
	assert_int_equal(algs[3], IKE_HASH_IDENTITY);
	assert_true(ike_sig_method_supported(IKE_AUTH_DIGITAL_SIGNATURE));
	assert_true(ike_sig_method_supported(IKE_AUTH_ECDSA_256));
	assert_true(ike_sig_method_supported(IKE_AUTH_ECDSA_384));
	assert_true(ike_sig_method_supported(IKE_AUTH_ECDSA_521));
	assert_false(ike_sig_method_supported(IKE_AUTH_RSA_SIG));
	assert_false(ike_sig_method_supported(IKE_AUTH_PSK));
}

/* ---- round trips ---- */

struct kind {
	const char *name;	/* fixture; NULL: generated */
	const char *gen;	/* EVP_PKEY_Q_keygen type, curve */
	const char *curve;
	uint16_t hashes[3];
	unsigned int n;
};

static const struct kind kinds[] = {
	{ "ee-p256", NULL, NULL, { 2, 3, 4 }, 3 },
	{ "ee-p384", NULL, NULL, { 2, 3, 4 }, 3 },
	{ NULL, "EC", "P-521", { 2, 3, 4 }, 3 },
	{ "ee-rsa2048", NULL, NULL, { 2, 3, 4 }, 3 },
	{ "ee-rsa3072", NULL, NULL, { 2, 3, 4 }, 3 },
	{ "ee-ed25519", NULL, NULL, { 5 }, 1 },
	{ NULL, "ED448", NULL, { 5 }, 1 },
};

static EVP_PKEY *kind_key(const struct kind *k, X509 **cert)
{
	char path[128];

	*cert = NULL;
	if (!k->name)
		return k->curve ? EVP_PKEY_Q_keygen(NULL, NULL, k->gen, k->curve) :
				  EVP_PKEY_Q_keygen(NULL, NULL, k->gen);
	snprintf(path, sizeof(path), PKI "%s.crt", k->name);
	*cert = load_cert(path);
	snprintf(path, sizeof(path), PKI "%s.key", k->name);
	return load_key(path);
}

static void test_round_trips(void **state)
{
	uint8_t oct[300], auth[IKE_SIG_AUTH_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(oct); i++)
		oct[i] = (uint8_t)(i * 7 + 1);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		X509 *c;
		EVP_PKEY *k = kind_key(&kinds[i], &c);
		EVP_PKEY *pub = c ? pub_of(c) : k;

		assert_non_null(k);
		for (unsigned int h = 0; h < kinds[i].n; h++) {
			size_t len = sign14(k, kinds[i].hashes[h], oct, sizeof(oct), auth);

			assert_int_equal(verify14(pub, auth, len, oct, sizeof(oct)), 0);
			oct[sizeof(oct) - 1] ^= 1;
			assert_int_equal(verify14(pub, auth, len, oct, sizeof(oct)), -EBADMSG);
			oct[sizeof(oct) - 1] ^= 1;
			auth[len - 1] ^= 0x10;
			assert_int_not_equal(verify14(pub, auth, len, oct, sizeof(oct)), 0);
		}
		X509_free(c);
		EVP_PKEY_free(k);
	}
}

static void test_wrong_key(void **state)
{
	static const char *const certs[] = { "ee-p256", "ee-p384", "ee-rsa2048", "ee-rsa3072",
					     "ee-ed25519", "other-ee" };
	enum { N = sizeof(certs) / sizeof(certs[0]) };
	uint8_t oct[] = "signed octets", auth[N][IKE_SIG_AUTH_MAX];
	static const uint16_t hash[N] = { 2, 3, 2, 4, 5, 2 };
	size_t len[N];
	X509 *c[N];
	char path[128], err[ERRLEN];

	(void)state;
	for (size_t i = 0; i < N; i++) {
		EVP_PKEY *k;

		snprintf(path, sizeof(path), PKI "%s.crt", certs[i]);
		c[i] = load_cert(path);
		snprintf(path, sizeof(path), PKI "%s.key", certs[i]);
		k = load_key(path);
		len[i] = sign14(k, hash[i], oct, sizeof(oct), auth[i]);
		EVP_PKEY_free(k);
	}
	for (size_t s = 0; s < N; s++) {
		for (size_t v = 0; v < N; v++) {
			int type_s = EVP_PKEY_get_base_id(pub_of(c[s]));
			int type_v = EVP_PKEY_get_base_id(pub_of(c[v]));
			int ret = ike_sig_verify(pub_of(c[v]), IKE_AUTH_DIGITAL_SIGNATURE, auth[s],
						 len[s], oct, sizeof(oct), err, sizeof(err));

			if (s == v)
				assert_int_equal(ret, 0);
			else if (type_s == type_v)
				assert_int_equal(ret, -EBADMSG);	/* same type, other key */
			else
				assert_int_equal(ret, -EKEYREJECTED);
		}
	}
	/* the message names the mismatch */
	ike_sig_verify(pub_of(c[2]), IKE_AUTH_DIGITAL_SIGNATURE, auth[0], len[0], oct,
		       sizeof(oct), err, sizeof(err));
	assert_string_equal(err, "AUTH uses ecdsa-with-SHA256 but the peer's key is RSA");
	for (size_t i = 0; i < N; i++)
		X509_free(c[i]);
}

static void test_sign_errors(void **state)
{
	EVP_PKEY *p256 = load_key(PKI "ee-p256.key"), *ed = load_key(PKI "ee-ed25519.key");
	EVP_PKEY *rsa = load_key(PKI "ee-rsa3072.key");
	EVP_PKEY *x25519 = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	uint8_t oct[] = "x", out[IKE_SIG_AUTH_MAX];
	size_t len;

	(void)state;
	len = sizeof(out);
	assert_int_equal(ike_sig_sign(ed, IKE_HASH_SHA2_256, oct, 1, out, &len), -EINVAL);
	assert_int_equal(ike_sig_sign(p256, IKE_HASH_IDENTITY, oct, 1, out, &len), -EINVAL);
	assert_int_equal(ike_sig_sign(p256, 1, oct, 1, out, &len), -EINVAL);	/* SHA-1 */
	assert_int_equal(ike_sig_sign(x25519, IKE_HASH_SHA2_256, oct, 1, out, &len), -ENOTSUP);
	assert_int_equal(ike_sig_sign(p256, IKE_HASH_SHA2_256, NULL, 1, out, &len), -EINVAL);
	assert_int_equal(ike_sig_sign(p256, IKE_HASH_SHA2_256, oct, 0, out, &len), -EINVAL);
	/* room for the largest signature of the key, not just this one */
	len = 1 + 15 + 383;
	assert_int_equal(ike_sig_sign(rsa, IKE_HASH_SHA2_256, oct, 1, out, &len), -ENOSPC);
	len = 1 + 15 + 384;
	assert_int_equal(ike_sig_sign(rsa, IKE_HASH_SHA2_256, oct, 1, out, &len), 0);
	assert_int_equal(len, 1 + 15 + 384);
	EVP_PKEY_free(p256);
	EVP_PKEY_free(ed);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(x25519);
}

/* ---- refusals ---- */

static void test_weak_refused(void **state)
{
	uint8_t algid[64], sig[IKE_SIG_MAX], auth[IKE_SIG_AUTH_MAX], oct[] = "octets";
	EVP_PKEY *rsa = load_key(PKI "ee-rsa2048.key"), *ec = load_key(PKI "ee-p256.key");
	char err[ERRLEN];
	size_t alen, slen, len;

	(void)state;
	/* sha1WithRSAEncryption, a valid signature */
	alen = unhex("300d06092a864886f70d0101050500", algid, sizeof(algid));
	slen = evp_sign(rsa, "SHA1", -1, oct, sizeof(oct), sig);
	len = auth_of(algid, alen, sig, slen, auth);
	assert_int_equal(ike_sig_verify(rsa, IKE_AUTH_DIGITAL_SIGNATURE, auth, len, oct,
					sizeof(oct), err, sizeof(err)), -EKEYREJECTED);
	assert_string_equal(err, "RSA-SHA1 is weak");
	/* ecdsa-with-SHA1 */
	alen = unhex("300906072a8648ce3d0401", algid, sizeof(algid));
	slen = evp_sign(ec, "SHA1", -1, oct, sizeof(oct), sig);
	len = auth_of(algid, alen, sig, slen, auth);
	assert_int_equal(ike_sig_verify(ec, IKE_AUTH_DIGITAL_SIGNATURE, auth, len, oct,
					sizeof(oct), err, sizeof(err)), -EKEYREJECTED);
	assert_string_equal(err, "ecdsa-with-SHA1 is weak");
	/* RSASSA-PSS with all-default parameters is SHA-1 */
	alen = unhex("300d06092a864886f70d01010a3000", algid, sizeof(algid));
	slen = evp_sign(rsa, "SHA1", 20, oct, sizeof(oct), sig);
	len = auth_of(algid, alen, sig, slen, auth);
	assert_int_equal(ike_sig_verify(rsa, IKE_AUTH_DIGITAL_SIGNATURE, auth, len, oct,
					sizeof(oct), err, sizeof(err)), -EKEYREJECTED);
	assert_string_equal(err, "RSASSA-PSS with SHA-1 is weak");
	/* method 1 */
	assert_int_equal(ike_sig_verify(rsa, IKE_AUTH_RSA_SIG, sig, slen, oct, sizeof(oct), err,
					sizeof(err)), -EKEYREJECTED);
	assert_non_null(strstr(err, "method 1"));
	assert_non_null(strstr(err, "method 14"));
	assert_int_equal(ike_sig_verify(rsa, IKE_AUTH_PSK, sig, slen, oct, sizeof(oct), err,
					sizeof(err)), -ENOTSUP);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec);
}

static void test_pss(void **state)
{
	uint8_t algid[128], sig[IKE_SIG_MAX], auth[IKE_SIG_AUTH_MAX], oct[] = "pss octets";
	EVP_PKEY *rsa = load_key(PKI "ee-rsa3072.key"), *ec = load_key(PKI "ee-p256.key");
	size_t alen = unhex(pss_sha384_algid, algid, sizeof(algid)), slen, len;
	char err[ERRLEN];

	(void)state;
	/* strongSwan's SHA-384 parameters (salt 48), our signature */
	slen = evp_sign(rsa, "SHA2-384", 48, oct, sizeof(oct), sig);
	len = auth_of(algid, alen, sig, slen, auth);
	assert_int_equal(verify14(rsa, auth, len, oct, sizeof(oct)), 0);
	/* the salt length is the AlgorithmIdentifier's, not any */
	slen = evp_sign(rsa, "SHA2-384", 20, oct, sizeof(oct), sig);
	len = auth_of(algid, alen, sig, slen, auth);
	assert_int_equal(verify14(rsa, auth, len, oct, sizeof(oct)), -EBADMSG);
	/* a PSS AlgorithmIdentifier with an EC key */
	assert_int_equal(ike_sig_verify(ec, IKE_AUTH_DIGITAL_SIGNATURE, auth, len, oct,
					sizeof(oct), err, sizeof(err)), -EKEYREJECTED);
	assert_string_equal(err, "AUTH uses RSASSA-PSS but the peer's key is EC");
	/* an explicit trailerField 1 (strongSwan's rsa_pss_trailerfield = yes) */
	alen = unhex("304606092a864886f70d01010a3039a00f300d06096086480165030402020500a11c301a"
		     "06092a864886f70d010108300d06096086480165030402020500a203020130a303020101",
		     algid, sizeof(algid));
	slen = evp_sign(rsa, "SHA2-384", 48, oct, sizeof(oct), sig);
	len = auth_of(algid, alen, sig, slen, auth);
	assert_int_equal(verify14(rsa, auth, len, oct, sizeof(oct)), 0);
	/* trailerField 2 does not exist */
	algid[alen - 1] = 2;
	len = auth_of(algid, alen, sig, slen, auth);
	assert_int_equal(verify14(rsa, auth, len, oct, sizeof(oct)), -EPROTO);
	/* parameters that are not RSASSA-PSS-params */
	alen = unhex("300d06092a864886f70d01010a0500", algid, sizeof(algid));
	len = auth_of(algid, alen, sig, slen, auth);
	assert_int_equal(verify14(rsa, auth, len, oct, sizeof(oct)), -EPROTO);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec);
}

static void test_legacy_ecdsa(void **state)
{
	static const struct {
		const char *key, *gen;
		uint8_t method;
		const char *md;
		size_t coord;
	} t[] = {
		{ PKI "ee-p256.key", NULL, IKE_AUTH_ECDSA_256, "SHA2-256", 32 },
		{ PKI "ee-p384.key", NULL, IKE_AUTH_ECDSA_384, "SHA2-384", 48 },
		{ NULL, "P-521", IKE_AUTH_ECDSA_521, "SHA2-512", 66 },
	};
	uint8_t oct[] = "legacy octets", der[IKE_SIG_MAX], raw[2 * 66];
	char err[ERRLEN];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		EVP_PKEY *k = t[i].key ? load_key(t[i].key) :
					 EVP_PKEY_Q_keygen(NULL, NULL, "EC", t[i].gen);
		size_t dlen = evp_sign(k, t[i].md, -1, oct, sizeof(oct), der);
		size_t rlen = 2 * t[i].coord;
		uint8_t other = t[i].method == IKE_AUTH_ECDSA_256 ? IKE_AUTH_ECDSA_384 :
								    IKE_AUTH_ECDSA_256;

		der_to_raw(der, dlen, t[i].coord, raw);
		assert_int_equal(ike_sig_verify(k, t[i].method, raw, rlen, oct, sizeof(oct), err,
						sizeof(err)), 0);
		assert_int_equal(ike_sig_verify(k, t[i].method, raw, rlen - 1, oct, sizeof(oct),
						err, sizeof(err)), -EPROTO);
		assert_int_equal(ike_sig_verify(k, other, raw, rlen, oct, sizeof(oct), err,
						sizeof(err)), -EKEYREJECTED);
		raw[3] ^= 4;
		assert_int_equal(ike_sig_verify(k, t[i].method, raw, rlen, oct, sizeof(oct), err,
						sizeof(err)), -EBADMSG);
		/* the DER form is not method 9's */
		assert_int_not_equal(ike_sig_verify(k, t[i].method, der, dlen, oct, sizeof(oct),
						    err, sizeof(err)), 0);
		EVP_PKEY_free(k);
	}
	/* an RSA key for method 9 */
	{
		EVP_PKEY *rsa = load_key(PKI "ee-rsa2048.key");

		assert_int_equal(ike_sig_verify(rsa, IKE_AUTH_ECDSA_256, raw, 64, oct, sizeof(oct),
						err, sizeof(err)), -EKEYREJECTED);
		assert_string_equal(err, "AUTH method 9 (ECDSA P-256 with SHA-256) does not fit "
				    "the peer's RSA key");
		EVP_PKEY_free(rsa);
	}
}

static void test_malformed(void **state)
{
	static const struct {
		const char *hex;
		int ret;
		const char *err;
	} t[] = {
		{ "", -EPROTO, "AUTH data too short for RFC 7427 (0 octets)" },
		{ "00", -EPROTO, NULL },
		{ "0030", -EPROTO, NULL },
		/* AlgorithmIdentifier but no signature */
		{ "0c300a06082a8648ce3d040302", -EPROTO, NULL },
		/* length octet past the end */
		{ "ff300a06082a8648ce3d04030201", -EPROTO, NULL },
		/* length octet shorter than the DER inside */
		{ "0b300a06082a8648ce3d04030201", -EPROTO,
		  "AUTH data has a malformed AlgorithmIdentifier" },
		/* length octet longer than the DER: trailing octets inside */
		{ "0d300a06082a8648ce3d0403020001", -EPROTO, NULL },
		/* not a SEQUENCE */
		{ "0c310a06082a8648ce3d04030201", -EPROTO, NULL },
		/* ECDSA with NULL parameters */
		{ "0e300c06082a8648ce3d040302050001", -EPROTO,
		  "ecdsa-with-SHA256 with unexpected parameters" },
		/* an OID we do not know: 1.2.3.4 */
		{ "07300506032a030401", -ENOTSUP, "signature algorithm 1.2.3.4 is not supported" },
		/* sha224WithRSAEncryption: known to OpenSSL, not to IKE's hash list */
		{ "0f300d06092a864886f70d01010e050001", -ENOTSUP,
		  "signature algorithm RSA-SHA224 is not supported" },
		/* Ed25519 AlgorithmIdentifier for a P-256 key */
		{ "07300506032b657001", -EKEYREJECTED,
		  "AUTH uses ED25519 but the peer's key is EC" },
	};
	EVP_PKEY *ec = load_key(PKI "ee-p256.key");
	uint8_t auth[64], oct[] = "o";
	char err[ERRLEN];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t len = unhex(t[i].hex, auth, sizeof(auth));

		assert_int_equal(ike_sig_verify(ec, IKE_AUTH_DIGITAL_SIGNATURE, auth, len, oct,
						sizeof(oct), err, sizeof(err)), t[i].ret);
		if (t[i].err)
			assert_string_equal(err, t[i].err);
	}
	assert_int_equal(ike_sig_verify(NULL, IKE_AUTH_DIGITAL_SIGNATURE, auth, 4, oct, 1, err,
					sizeof(err)), -EINVAL);
	assert_int_equal(ike_sig_verify(ec, IKE_AUTH_DIGITAL_SIGNATURE, auth, 4, oct, 0, err,
					sizeof(err)), -EINVAL);
	EVP_PKEY_free(ec);
}

/* Every truncation and random single-octet changes of a real AUTH fail, under ASan. */
static void test_truncations_mutations(void **state)
{
	uint8_t body[BIG], octets[BIG], *copy;
	size_t blen = unhex(resp_auth_body, body, sizeof(body));
	struct ike_signed_octets so;
	uint8_t msg[BIG], seed[2 * NONCE_LEN], skp[32], idr[64];
	size_t mlen = unhex(cert_nat_init_resp, msg, sizeof(msg));
	size_t idlen = unhex(resp_idr_body, idr, sizeof(idr)), olen;
	X509 *gw = load_cert(SS "gw.crt");
	const uint8_t *auth = body + 4;
	size_t alen = blen - 4;

	(void)state;
	unhex(seed_ni_nr, seed, sizeof(seed));
	unhex(sk_pr, skp, sizeof(skp));
	assert_int_equal(ike_auth_octets_init(&so, IKE_PRF_HMAC_SHA2_256, msg, mlen, seed,
					      NONCE_LEN, skp, sizeof(skp), idr, idlen), 0);
	olen = ike_auth_octets_len(&so);
	assert_int_equal(ike_auth_octets_copy(&so, octets, sizeof(octets)), 0);
	assert_int_equal(verify14(pub_of(gw), auth, alen, octets, olen), 0);
	for (size_t n = 0; n < alen; n++) {
		copy = malloc(n ? n : 1);
		assert_non_null(copy);
		memcpy(copy, auth, n);
		assert_int_not_equal(verify14(pub_of(gw), copy, n, octets, olen), 0);
		free(copy);
	}
	srandom(7427);
	copy = malloc(alen);
	assert_non_null(copy);
	for (unsigned int i = 0; i < MUTATIONS; i++) {
		size_t pos = (size_t)random() % alen;
		uint8_t flip = (uint8_t)(1 + random() % 255);

		memcpy(copy, auth, alen);
		copy[pos] ^= flip;
		assert_int_not_equal(verify14(pub_of(gw), copy, alen, octets, olen), 0);
	}
	free(copy);
	X509_free(gw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kat_initiator),
		cmocka_unit_test(test_kat_responder),
		cmocka_unit_test(test_kat_strongswan_pss),
		cmocka_unit_test(test_sign_with_vector_key),
		cmocka_unit_test(test_algids),
		cmocka_unit_test(test_choose_hash),
		cmocka_unit_test(test_our_hash_algs),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_wrong_key),
		cmocka_unit_test(test_sign_errors),
		cmocka_unit_test(test_weak_refused),
		cmocka_unit_test(test_pss),
		cmocka_unit_test(test_legacy_ecdsa),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_truncations_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
