// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Certificates, keys and trust (ike_cert.c), on the fixtures of
 * tests/unit/pki (make-pki.sh) and the strongSwan 5.9.8 test CA:
 *   - every certificate (PEM and DER) and key (PEM traditional, PKCS#8,
 *     DER) loads and the keys fit their certificates; files that are not
 *     certificates or keys, missing files and directories fail with a
 *     reason; a key file others may read, or an encrypted one, is refused;
 *   - chains: each end entity against the root, through the intermediate
 *     the peer sends, with the intermediate as the only anchor; untrusted
 *     (another CA, even when the peer sends that CA), expired, not yet
 *     valid, missing intermediate;
 *   - identities of each type against the SANs, good and bad, and DNs
 *     compared canonically; the subject DN as default identity;
 *   - CERT and CERTREQ against the capture: our DER of dev1.crt is the CERT
 *     payload strongSwan sent, our CA hash is its CERTREQ.
 * Keys are copied to 0600 temporary files first: git does not keep modes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "ike_cert.h"
#include "ike_msg.h"
#include "ike_payload.h"
#include "ike_msg_vectors.h"

#define PKI "tests/unit/pki/"
#define SS PKI "strongswan-5.9.8/"

enum {
	ERRLEN = 512,
	BIG = 4096,
};

/* 2030-01-01, 2025-01-01, 2050-01-01 (UTC); the capture: 2026-11-23 13:52:49. */
static const time_t T_VALID = 1893456000;
static const time_t T_BEFORE = 1735689600;
static const time_t T_AFTER = 2524608000;
static const time_t T_CAPTURE = 1795441969;

/* SHA-1 of the ss-anchor CA's subjectPublicKeyInfo, in both CERTREQs of the capture. */
static const char ss_ca_hash[] = "797cc05fe15185d114c404970d805ce6ce60b979";

static const char *const certs[] = {
	"ca", "sub", "ee-p256", "ee-p384", "ee-rsa2048", "ee-rsa3072", "ee-ed25519",
	"expired", "other-ca", "other-ee", "pss-self",
};

static const char *const keys[] = {
	"ca", "sub", "ee-p256", "ee-p384", "ee-rsa2048", "ee-rsa3072", "ee-ed25519",
	"expired", "other-ca", "other-ee",
};

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

static X509 *cert(const char *name)
{
	char path[256], err[ERRLEN] = "";
	X509 *c;

	snprintf(path, sizeof(path), PKI "%s.crt", name);
	c = ike_cert_load(path, err, sizeof(err));
	if (!c)
		fail_msg("%s", err);
	return c;
}

static X509 *ss_cert(const char *name)
{
	char path[256], err[ERRLEN] = "";
	X509 *c;

	snprintf(path, sizeof(path), SS "%s.crt", name);
	c = ike_cert_load(path, err, sizeof(err));
	if (!c)
		fail_msg("%s", err);
	return c;
}

/* Copies src to a new temporary file of the given mode; path gets its name. */
static void copy_with_mode(const char *src, mode_t mode, char *path, size_t size)
{
	uint8_t buf[BIG];
	FILE *in = fopen(src, "rb");
	size_t n;
	int fd;

	assert_non_null(in);
	n = fread(buf, 1, sizeof(buf), in);
	fclose(in);
	assert_true(n > 0 && n < sizeof(buf));
	snprintf(path, size, "/tmp/ike_cert_test.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, n), (ssize_t)n);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static EVP_PKEY *key_from(const char *src)
{
	char path[64], err[ERRLEN] = "";
	EVP_PKEY *k;

	copy_with_mode(src, 0600, path, sizeof(path));
	k = ike_privkey_load(path, err, sizeof(err));
	unlink(path);
	if (!k)
		fail_msg("%s: %s", src, err);
	return k;
}

static EVP_PKEY *key(const char *name)
{
	char src[256];

	snprintf(src, sizeof(src), PKI "%s.key", name);
	return key_from(src);
}

static struct ike_trust *trust_of(const char *const *names, size_t n)
{
	struct ike_trust *t = ike_trust_new();
	char path[256], err[ERRLEN] = "";

	assert_non_null(t);
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), PKI "%s.crt", names[i]);
		if (ike_trust_add_ca(t, path, err, sizeof(err)))
			fail_msg("%s", err);
	}
	return t;
}

static int verify(const struct ike_trust *t, const char *ee_name, const char *inter,
		  time_t at, char *err)
{
	X509 *ee = cert(ee_name), *mid = inter ? cert(inter) : NULL;
	int ret;

	err[0] = '\0';
	ret = ike_cert_verify_chain(t, ee, &mid, mid ? 1 : 0, at, err, ERRLEN);
	X509_free(ee);
	X509_free(mid);
	return ret;
}

static bool id_str(const X509 *c, uint8_t type, const char *s)
{
	return ike_cert_matches_id(c, type, (const uint8_t *)s, strlen(s));
}

static bool id_ip(const X509 *c, int family, const char *s)
{
	uint8_t a[16];

	assert_int_equal(inet_pton(family, s, a), 1);
	return family == AF_INET ? ike_cert_matches_id(c, IKE_ID_IPV4_ADDR, a, 4) :
				   ike_cert_matches_id(c, IKE_ID_IPV6_ADDR, a, 16);
}

/* The DER of a DN built from "C", "XX", "O", ... pairs. */
static size_t dn_der(uint8_t *out, size_t size, const char *const *kv, size_t n)
{
	X509_NAME *name = X509_NAME_new();
	unsigned char *p = out;
	int len;

	assert_non_null(name);
	for (size_t i = 0; i < n; i += 2)
		assert_int_equal(X509_NAME_add_entry_by_txt(name, kv[i], MBSTRING_ASC,
							    (const unsigned char *)kv[i + 1],
							    -1, -1, 0), 1);
	len = i2d_X509_NAME(name, NULL);
	assert_true(len > 0 && (size_t)len <= size);
	assert_int_equal(i2d_X509_NAME(name, &p), len);
	X509_NAME_free(name);
	return (size_t)len;
}

/* A payload body of the decrypted IKE_AUTH request of ikev2-cert-nat. */
static void auth_req_payload(uint8_t type, uint8_t *buf, size_t size, struct ike_pl_cert *out)
{
	struct ike_chain c;
	size_t len = unhex(cert_nat_auth_req_inner, buf, size);
	int i;

	assert_int_equal(ike_chain_parse(IKE_PL_IDI, buf, len, &c, NULL), IKE_PARSE_OK);
	i = ike_chain_find(&c, type, 0);
	assert_true(i >= 0);
	if (type == IKE_PL_CERT)
		assert_int_equal(ike_pl_cert_decode(c.pl[i].body, c.pl[i].len, out), IKE_PARSE_OK);
	else
		assert_int_equal(ike_pl_certreq_decode(c.pl[i].body, c.pl[i].len, out),
				 IKE_PARSE_OK);
}

/* ---- loading ---- */

static void test_load_fixtures(void **state)
{
	char path[256], err[ERRLEN];
	struct ike_trust *t;
	EVP_PKEY *k;
	X509 *c;

	(void)state;
	for (size_t i = 0; i < sizeof(certs) / sizeof(certs[0]); i++)
		X509_free(cert(certs[i]));
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		c = cert(keys[i]);
		k = key(keys[i]);
		assert_true(ike_cert_key_matches(c, k));
		X509_free(c);
		EVP_PKEY_free(k);
	}
	/* the strongSwan vector: CA, both peers' certificates and keys */
	t = ike_trust_new();
	assert_non_null(t);
	assert_int_equal(ike_trust_add_ca(t, SS "ca.crt", err, sizeof(err)), 0);
	for (size_t i = 0; i < 2; i++) {
		const char *peer = i ? "gw" : "dev1";

		c = ss_cert(peer);
		snprintf(path, sizeof(path), SS "%s.key", peer);
		k = key_from(path);
		assert_true(ike_cert_key_matches(c, k));
		assert_int_equal(ike_cert_verify_chain(t, c, NULL, 0, T_CAPTURE, err,
						       sizeof(err)), 0);
		X509_free(c);
		EVP_PKEY_free(k);
	}
	ike_trust_free(t);
}

static void test_key_mismatch(void **state)
{
	X509 *c = cert("ee-p384"), *rsa = cert("ee-rsa2048");
	EVP_PKEY *k = key("ee-p256");

	(void)state;
	assert_false(ike_cert_key_matches(c, k));
	assert_false(ike_cert_key_matches(rsa, k));
	assert_false(ike_cert_key_matches(NULL, k));
	assert_false(ike_cert_key_matches(c, NULL));
	X509_free(c);
	X509_free(rsa);
	EVP_PKEY_free(k);
}

static void test_load_errors(void **state)
{
	char err[ERRLEN], path[64], empty[] = "/tmp/ike_cert_empty.XXXXXX";
	int fd;

	(void)state;
	assert_null(ike_cert_load(PKI "nonexistent.crt", err, sizeof(err)));
	assert_string_equal(err, PKI "nonexistent.crt: No such file or directory");
	assert_null(ike_cert_load(PKI "strongswan-5.9.8", err, sizeof(err)));
	assert_string_equal(err, PKI "strongswan-5.9.8: not a regular file");
	assert_null(ike_cert_load(PKI "make-pki.sh", err, sizeof(err)));
	assert_string_equal(err, PKI "make-pki.sh: not an X.509 certificate (PEM or DER)");
	/* a key is no certificate, a certificate no key */
	assert_null(ike_cert_load(PKI "ee-p384.key", err, sizeof(err)));
	copy_with_mode(PKI "ee-p256.crt", 0600, path, sizeof(path));
	assert_null(ike_privkey_load(path, err, sizeof(err)));
	assert_non_null(strstr(err, ": not a private key"));
	unlink(path);
	fd = mkstemp(empty);
	assert_true(fd >= 0);
	close(fd);
	assert_null(ike_cert_load(empty, err, sizeof(err)));
	assert_non_null(strstr(err, ": empty"));
	unlink(empty);
	assert_null(ike_cert_load(PKI "nonexistent.crt", NULL, 0));
}

static void test_key_mode(void **state)
{
	static const mode_t bad[] = { 0644, 0640, 0604, 0660, 0620, 0700 | 0001 };
	char path[64], want[ERRLEN], err[ERRLEN];
	EVP_PKEY *k;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		copy_with_mode(PKI "ee-p256.key", bad[i], path, sizeof(path));
		err[0] = '\0';
		assert_null(ike_privkey_load(path, err, sizeof(err)));
		snprintf(want, sizeof(want), "%s: private key is %s by others (mode %04o); "
			 "chmod 600 it", path, (bad[i] & 0044) ? "readable" : "accessible",
			 (unsigned int)bad[i]);
		assert_string_equal(err, want);
		unlink(path);
	}
	/* the message the operator sees for the usual mistake */
	copy_with_mode(PKI "ee-rsa2048.key", 0644, path, sizeof(path));
	assert_null(ike_privkey_load(path, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: private key is readable by others (mode 0644); "
		 "chmod 600 it", path);
	assert_string_equal(err, want);
	unlink(path);
	/* 0400 and 0600 are fine */
	copy_with_mode(PKI "ee-ed25519.key", 0400, path, sizeof(path));
	k = ike_privkey_load(path, err, sizeof(err));
	assert_non_null(k);
	EVP_PKEY_free(k);
	/* but not when another user owns the file (root can give it away) */
	if (geteuid() == 0) {
		assert_int_equal(chown(path, 65534, (gid_t)-1), 0);
		assert_null(ike_privkey_load(path, err, sizeof(err)));
		snprintf(want, sizeof(want), "%s: private key is owned by uid 65534, not by "
			 "root or us", path);
		assert_string_equal(err, want);
	}
	unlink(path);
}

static void test_key_encrypted(void **state)
{
	char path[64] = "/tmp/ike_cert_enc.XXXXXX", err[ERRLEN];
	EVP_PKEY *k = key("ee-p256");
	int fd = mkstemp(path);
	FILE *f;

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PKCS8PrivateKey(f, k, EVP_aes_128_cbc(), NULL, 0, NULL,
						   (void *)"secret"), 1);
	fclose(f);
	assert_null(ike_privkey_load(path, err, sizeof(err)));
	assert_non_null(strstr(err, "private key is encrypted; passphrases are not supported"));
	unlink(path);
	EVP_PKEY_free(k);
}

static void test_cert_from_der(void **state)
{
	X509 *c = ss_cert("dev1"), *back;
	uint8_t buf[BIG];
	size_t len;
	uint8_t *der = ike_cert_der(c, &len);

	(void)state;
	assert_non_null(der);
	back = ike_cert_from_der(der, len);
	assert_non_null(back);
	assert_int_equal(X509_cmp(back, c), 0);
	X509_free(back);
	/* exactly one certificate: no trailing octets, no truncation */
	memcpy(buf, der, len);
	buf[len] = 0;
	assert_null(ike_cert_from_der(buf, len + 1));
	for (size_t n = 0; n < len; n += 7)
		assert_null(ike_cert_from_der(buf, n));
	assert_null(ike_cert_from_der(NULL, 10));
	OPENSSL_free(der);
	X509_free(c);
}

/* ---- chains ---- */

static void test_chain_good(void **state)
{
	static const char *const ees[] = { "ee-p256", "ee-rsa2048", "ee-rsa3072", "ee-ed25519" };
	static const char *const root[] = { "ca" }, *const sub[] = { "sub" };
	struct ike_trust *t = trust_of(root, 1), *ts = trust_of(sub, 1);
	char err[ERRLEN];

	(void)state;
	for (size_t i = 0; i < sizeof(ees) / sizeof(ees[0]); i++)
		assert_int_equal(verify(t, ees[i], NULL, T_VALID, err), 0);
	/* the intermediate as the peer sends it, and as the only anchor */
	assert_int_equal(verify(t, "ee-p384", "sub", T_VALID, err), 0);
	assert_int_equal(verify(ts, "ee-p384", NULL, T_VALID, err), 0);
	/* without the intermediate there is no path */
	assert_int_equal(verify(t, "ee-p384", NULL, T_VALID, err), -EKEYREJECTED);
	assert_string_equal(err, "C=XX, O=xdpsec test, CN=p384.xdpsec.test: unable to get "
			    "local issuer certificate (depth 0)");
	/* the intermediate's anchor does not cover the root's other children */
	assert_int_equal(verify(ts, "ee-p256", NULL, T_VALID, err), -EKEYREJECTED);
	ike_trust_free(t);
	ike_trust_free(ts);
}

static void test_chain_untrusted(void **state)
{
	static const char *const root[] = { "ca" };
	struct ike_trust *t = trust_of(root, 1), *empty = ike_trust_new();
	char err[ERRLEN];

	(void)state;
	assert_int_equal(verify(t, "other-ee", NULL, T_VALID, err), -EKEYREJECTED);
	assert_string_equal(err, "C=XX, O=xdpsec test, CN=gw.xdpsec.test: unable to get local "
			    "issuer certificate (depth 0)");
	/* a root the peer sends along is not trusted for sending it */
	assert_int_equal(verify(t, "other-ee", "other-ca", T_VALID, err), -EKEYREJECTED);
	assert_non_null(strstr(err, "self-signed certificate in certificate chain"));
	assert_int_equal(verify(empty, "ee-p256", NULL, T_VALID, err), -EKEYREJECTED);
	/* a self-signed certificate is not its own anchor */
	assert_int_equal(verify(t, "other-ca", NULL, T_VALID, err), -EKEYREJECTED);
	ike_trust_free(t);
	ike_trust_free(empty);
}

static void test_chain_times(void **state)
{
	static const char *const root[] = { "ca" };
	struct ike_trust *t = trust_of(root, 1);
	char err[ERRLEN];

	(void)state;
	assert_int_equal(verify(t, "expired", NULL, T_VALID, err), -EKEYREJECTED);
	assert_string_equal(err, "C=XX, O=xdpsec test, CN=expired.xdpsec.test: certificate "
			    "has expired (depth 0)");
	assert_int_equal(verify(t, "expired", NULL, 0, err), -EKEYREJECTED);	/* now */
	assert_non_null(strstr(err, "certificate has expired"));
	assert_int_equal(verify(t, "ee-p256", NULL, T_BEFORE, err), -EKEYREJECTED);
	assert_non_null(strstr(err, "certificate is not yet valid"));
	assert_int_equal(verify(t, "ee-p256", NULL, T_AFTER, err), -EKEYREJECTED);
	assert_non_null(strstr(err, "certificate has expired"));
	ike_trust_free(t);
}

/*
 * The verdict cache (ike_cert_cache.c): only verifications for now are
 * remembered, only successes, and a verdict for one store says nothing
 * of another.  The certificates here are valid until 2046.
 */
static void test_chain_cached(void **state)
{
	static const char *const root[] = { "ca" }, *const sub[] = { "sub" };
	struct ike_trust *t = trust_of(root, 1), *ts = trust_of(sub, 1);
	char err[ERRLEN];

	(void)state;
	for (int i = 0; i < 3; i++)	/* a miss, then hits */
		assert_int_equal(verify(t, "ee-p256", NULL, 0, err), 0);
	/* a cached "now" does not answer for another time */
	assert_int_equal(verify(t, "ee-p256", NULL, T_AFTER, err), -EKEYREJECTED);
	assert_int_equal(verify(ts, "ee-p256", NULL, 0, err), -EKEYREJECTED);
	/* the chain is the key: the same end entity with an intermediate is another */
	assert_int_equal(verify(t, "ee-p384", NULL, 0, err), -EKEYREJECTED);
	assert_int_equal(verify(t, "ee-p384", "sub", 0, err), 0);
	assert_int_equal(verify(t, "ee-p384", NULL, 0, err), -EKEYREJECTED);
	assert_int_equal(verify(t, "expired", NULL, 0, err), -EKEYREJECTED);
	assert_int_equal(verify(t, "expired", NULL, 0, err), -EKEYREJECTED);
	ike_trust_free(t);
	ike_trust_free(ts);
}

/* Parsed certificates: one X509 per DER, a reference each; expired ones not kept. */
static void test_cert_from_der_cached(void **state)
{
	struct ike_cert_cache *c = ike_cert_cache_new();
	X509 *p256 = cert("ee-p256"), *old = cert("expired"), *a, *b;
	size_t len, old_len;
	uint8_t *der = ike_cert_der(p256, &len), *old_der = ike_cert_der(old, &old_len);

	(void)state;
	assert_non_null(c);
	a = ike_cert_from_der_cached(c, der, len);
	b = ike_cert_from_der_cached(c, der, len);
	assert_non_null(a);
	assert_ptr_equal(a, b);
	assert_int_equal(X509_cmp(a, p256), 0);
	X509_free(a);
	X509_free(b);
	a = ike_cert_from_der_cached(c, old_der, old_len);
	b = ike_cert_from_der_cached(c, old_der, old_len);
	assert_non_null(a);
	assert_ptr_not_equal(a, b);
	X509_free(a);
	X509_free(b);
	assert_null(ike_cert_from_der_cached(c, der, len - 1));	/* still exactly one */
	assert_non_null(a = ike_cert_from_der_cached(NULL, der, len));
	X509_free(a);
	ike_cert_cache_clear(c);
	a = ike_cert_from_der_cached(c, der, len);
	assert_non_null(a);
	ike_cert_cache_free(c);	/* a outlives the cache */
	assert_int_equal(X509_cmp(a, p256), 0);
	X509_free(a);
	OPENSSL_free(der);
	OPENSSL_free(old_der);
	X509_free(p256);
	X509_free(old);
}

static void test_chain_args(void **state)
{
	static const char *const root[] = { "ca" };
	struct ike_trust *t = trust_of(root, 1);
	X509 *ee = cert("ee-p256"), *many[IKE_CERT_MAX_CHAIN + 1] = { 0 };
	char err[ERRLEN];

	(void)state;
	assert_int_equal(ike_cert_verify_chain(NULL, ee, NULL, 0, 0, err, sizeof(err)), -EINVAL);
	assert_int_equal(ike_cert_verify_chain(t, NULL, NULL, 0, 0, err, sizeof(err)), -EINVAL);
	assert_int_equal(ike_cert_verify_chain(t, ee, NULL, 1, 0, err, sizeof(err)), -EINVAL);
	assert_int_equal(ike_cert_verify_chain(t, ee, many, IKE_CERT_MAX_CHAIN + 1, 0, err,
					       sizeof(err)), -EINVAL);
	X509_free(ee);
	ike_trust_free(t);
}

static void test_trust_add(void **state)
{
	struct ike_trust *t = ike_trust_new();
	char err[ERRLEN];
	X509 *ca = cert("ca");

	(void)state;
	assert_int_equal(ike_trust_add_ca(t, PKI "ee-p256.crt", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, PKI "ee-p256.crt: C=XX, O=xdpsec test, CN=gw.xdpsec.test: "
			    "not a CA certificate (no basicConstraints CA:TRUE)");
	assert_int_equal(ike_trust_add_ca(t, PKI "missing.crt", err, sizeof(err)), -ENOENT);
	assert_int_equal(ike_trust_count(t), 0);
	assert_int_equal(ike_trust_add_ca(t, PKI "ca.crt", err, sizeof(err)), 0);
	assert_int_equal(ike_trust_add_ca_cert(t, ca, err, sizeof(err)), 0);	/* again */
	assert_int_equal(ike_trust_count(t), 1);
	assert_int_equal(ike_trust_add_ca(t, PKI "sub.crt", err, sizeof(err)), 0);
	assert_int_equal(ike_trust_count(t), 2);
	X509_free(ca);	/* the store keeps its own reference */
	assert_int_equal(verify(t, "ee-p256", NULL, T_VALID, err), 0);
	ike_trust_free(t);
	ike_trust_free(NULL);
}

/* ---- identities ---- */

static void test_id_fqdn_email(void **state)
{
	X509 *gw = cert("ee-p256"), *rsa = cert("ee-rsa2048"), *dev1 = ss_cert("dev1");

	(void)state;
	assert_true(id_str(gw, IKE_ID_FQDN, "gw.xdpsec.test"));
	assert_true(id_str(gw, IKE_ID_FQDN, "GW.XdpSec.Test"));
	assert_false(id_str(gw, IKE_ID_FQDN, "gw.xdpsec.tes"));
	assert_false(id_str(gw, IKE_ID_FQDN, "gw.xdpsec.testx"));
	assert_false(id_str(gw, IKE_ID_FQDN, "xgw.xdpsec.test"));
	assert_false(id_str(gw, IKE_ID_FQDN, "*.xdpsec.test"));
	assert_false(ike_cert_matches_id(gw, IKE_ID_FQDN, (const uint8_t *)"gw.xdpsec.test\0",
					 15));
	assert_true(id_str(gw, IKE_ID_RFC822_ADDR, "gw@xdpsec.test"));
	assert_true(id_str(gw, IKE_ID_RFC822_ADDR, "GW@XDPSEC.test"));
	assert_false(id_str(gw, IKE_ID_RFC822_ADDR, "gx@xdpsec.test"));
	/* the type must match: an FQDN is not found among RFC 822 names */
	assert_false(id_str(gw, IKE_ID_FQDN, "gw@xdpsec.test"));
	assert_false(id_str(gw, IKE_ID_RFC822_ADDR, "gw.xdpsec.test"));
	/* a name only in the subject's CN is no SAN */
	assert_false(id_str(rsa, IKE_ID_FQDN, "rsa2048@xdpsec.test"));
	assert_true(id_str(rsa, IKE_ID_RFC822_ADDR, "rsa2048@xdpsec.test"));
	assert_false(id_str(gw, IKE_ID_FQDN, ""));
	assert_false(id_str(gw, IKE_ID_KEY_ID, "gw.xdpsec.test"));
	assert_false(id_str(NULL, IKE_ID_FQDN, "gw.xdpsec.test"));
	/* the capture: IDi dev1@ss-anchor.test (RFC822) against dev1.crt */
	assert_true(id_str(dev1, IKE_ID_RFC822_ADDR, "dev1@ss-anchor.test"));
	assert_false(id_str(dev1, IKE_ID_FQDN, "dev1@ss-anchor.test"));
	X509_free(gw);
	X509_free(rsa);
	X509_free(dev1);
}

static void test_id_addresses(void **state)
{
	X509 *gw = cert("ee-p256"), *p384 = cert("ee-p384"), *rsa = cert("ee-rsa3072");
	const uint8_t v4[4] = { 192, 0, 2, 1 };

	(void)state;
	assert_true(id_ip(gw, AF_INET, "192.0.2.1"));
	assert_false(id_ip(gw, AF_INET, "192.0.2.2"));
	assert_true(id_ip(p384, AF_INET, "192.0.2.2"));
	assert_true(id_ip(gw, AF_INET6, "2001:db8::1"));
	assert_false(id_ip(gw, AF_INET6, "2001:db8::2"));
	assert_true(id_ip(rsa, AF_INET6, "2001:db8::3072"));
	assert_false(id_ip(rsa, AF_INET, "192.0.2.1"));
	/* wrong lengths, and an IPv4 address as an IPv6 ID */
	assert_false(ike_cert_matches_id(gw, IKE_ID_IPV4_ADDR, v4, 3));
	assert_false(ike_cert_matches_id(gw, IKE_ID_IPV6_ADDR, v4, 4));
	assert_false(id_ip(gw, AF_INET6, "::ffff:192.0.2.1"));
	X509_free(gw);
	X509_free(p384);
	X509_free(rsa);
}

static void test_id_dn(void **state)
{
	static const char *const same[] = { "C", "XX", "O", "xdpsec test", "CN", "gw.xdpsec.test" };
	static const char *const folded[] = { "C", "xx", "O", "  XDPSEC   Test ", "CN",
					      "GW.xdpsec.TEST" };
	static const char *const other[] = { "C", "XX", "O", "xdpsec test", "CN",
					     "gw2.xdpsec.test" };
	static const char *const reordered[] = { "CN", "gw.xdpsec.test", "O", "xdpsec test", "C",
						 "XX" };
	X509 *gw = cert("ee-p256"), *other_ee = cert("other-ee");
	uint8_t der[BIG];
	size_t len;

	(void)state;
	len = dn_der(der, sizeof(der), same, 6);
	assert_true(ike_cert_matches_id(gw, IKE_ID_DER_ASN1_DN, der, len));
	/* other-ee has the same subject under another CA: matching is the DN only */
	assert_true(ike_cert_matches_id(other_ee, IKE_ID_DER_ASN1_DN, der, len));
	assert_false(ike_cert_matches_id(gw, IKE_ID_DER_ASN1_DN, der, len - 1));
	der[len] = 0;
	assert_false(ike_cert_matches_id(gw, IKE_ID_DER_ASN1_DN, der, len + 1));
	/* canonical comparison: case and spaces fold, order does not */
	len = dn_der(der, sizeof(der), folded, 6);
	assert_true(ike_cert_matches_id(gw, IKE_ID_DER_ASN1_DN, der, len));
	len = dn_der(der, sizeof(der), other, 6);
	assert_false(ike_cert_matches_id(gw, IKE_ID_DER_ASN1_DN, der, len));
	len = dn_der(der, sizeof(der), reordered, 6);
	assert_false(ike_cert_matches_id(gw, IKE_ID_DER_ASN1_DN, der, len));
	/* an empty DN names nobody */
	len = dn_der(der, sizeof(der), NULL, 0);
	assert_false(ike_cert_matches_id(gw, IKE_ID_DER_ASN1_DN, der, len));
	/* a DN ID is not a name: the FQDN text does not match as a DN */
	assert_false(id_str(gw, IKE_ID_DER_ASN1_DN, "gw.xdpsec.test"));
	X509_free(gw);
	X509_free(other_ee);
}

static void test_subject_id(void **state)
{
	X509 *dev1 = ss_cert("dev1");
	uint8_t buf[BIG], type = 0;
	size_t len = 0;
	char s[128], tiny[8];

	(void)state;
	assert_int_equal(ike_cert_subject_id(dev1, &type, buf, 10, &len), -ENOSPC);
	assert_int_equal(len, 65);
	assert_int_equal(ike_cert_subject_id(dev1, &type, buf, sizeof(buf), &len), 0);
	assert_int_equal(type, IKE_ID_DER_ASN1_DN);
	assert_int_equal(len, 65);
	assert_true(ike_cert_matches_id(dev1, type, buf, len));
	assert_string_equal(ike_cert_subject_str(dev1, s, sizeof(s)),
			    "C=XX, O=ss-anchor, CN=dev1@ss-anchor.test");
	assert_string_equal(ike_cert_subject_str(dev1, tiny, sizeof(tiny)), "C=XX, O");
	assert_string_equal(ike_cert_subject_str(NULL, s, sizeof(s)), "?");
	X509_free(dev1);
}

/* ---- CERT and CERTREQ ---- */

static void test_cert_payload_vector(void **state)
{
	uint8_t buf[BIG];
	struct ike_pl_cert pl;
	X509 *dev1 = ss_cert("dev1"), *from_wire;
	size_t len;
	uint8_t *der = ike_cert_der(dev1, &len);

	(void)state;
	auth_req_payload(IKE_PL_CERT, buf, sizeof(buf), &pl);
	assert_int_equal(pl.encoding, IKE_CERT_X509_SIG);
	assert_non_null(der);
	assert_int_equal(pl.len, len);
	assert_memory_equal(pl.data, der, len);
	from_wire = ike_cert_from_der(pl.data, pl.len);
	assert_non_null(from_wire);
	assert_int_equal(X509_cmp(from_wire, dev1), 0);
	OPENSSL_free(der);
	X509_free(from_wire);
	X509_free(dev1);
}

static void test_certreq_vector(void **state)
{
	uint8_t buf[BIG], hash[IKE_CERT_HASH_LEN], want[IKE_CERT_HASH_LEN];
	struct ike_trust *t = ike_trust_new();
	struct ike_pl_cert req;
	X509 *ca = ss_cert("ca"), *ours = cert("ca");
	char err[ERRLEN];

	(void)state;
	unhex(ss_ca_hash, want, sizeof(want));
	assert_int_equal(ike_cert_ca_hash(ca, hash), 0);
	assert_memory_equal(hash, want, sizeof(want));
	auth_req_payload(IKE_PL_CERTREQ, buf, sizeof(buf), &req);
	assert_int_equal(req.encoding, IKE_CERT_X509_SIG);
	assert_int_equal(req.len, IKE_CERT_HASH_LEN);
	assert_memory_equal(req.data, want, IKE_CERT_HASH_LEN);
	assert_true(ike_cert_certreq_names(req.data, req.len, ca));
	assert_false(ike_cert_certreq_names(req.data, req.len, ours));
	/* the peer's request against our store: only the CA it names */
	assert_int_equal(ike_trust_add_ca_cert(t, ours, err, sizeof(err)), 0);
	assert_null(ike_trust_find_certreq(t, req.data, req.len));
	assert_int_equal(ike_trust_add_ca_cert(t, ca, err, sizeof(err)), 0);
	assert_ptr_equal(ike_trust_find_certreq(t, req.data, req.len), ca);
	ike_trust_free(t);
	X509_free(ca);
	X509_free(ours);
}

static void test_certreq_ours(void **state)
{
	static const char *const names[] = { "ca", "sub" };
	struct ike_trust *t = trust_of(names, 2);
	uint8_t data[3 * IKE_CERT_HASH_LEN], h[IKE_CERT_HASH_LEN];
	X509 *ca = cert("ca"), *sub = cert("sub"), *other = cert("other-ca");
	size_t len = 0;

	(void)state;
	assert_int_equal(ike_trust_certreq(t, data, IKE_CERT_HASH_LEN, &len), -ENOSPC);
	assert_int_equal(len, 2 * IKE_CERT_HASH_LEN);
	assert_int_equal(ike_trust_certreq(t, data, sizeof(data), &len), 0);
	assert_int_equal(len, 2 * IKE_CERT_HASH_LEN);
	assert_int_equal(ike_cert_ca_hash(ca, h), 0);
	assert_memory_equal(data, h, IKE_CERT_HASH_LEN);
	assert_int_equal(ike_cert_ca_hash(sub, h), 0);
	assert_memory_equal(data + IKE_CERT_HASH_LEN, h, IKE_CERT_HASH_LEN);
	assert_true(ike_cert_certreq_names(data, len, sub));
	assert_false(ike_cert_certreq_names(data, len, other));
	/* a request naming another CA first, then ours */
	assert_int_equal(ike_cert_ca_hash(other, data), 0);
	assert_int_equal(ike_cert_ca_hash(sub, data + IKE_CERT_HASH_LEN), 0);
	assert_int_equal(X509_cmp(ike_trust_find_certreq(t, data, 2 * IKE_CERT_HASH_LEN), sub),
			 0);
	assert_null(ike_trust_find_certreq(t, data, IKE_CERT_HASH_LEN));
	/* a list that is not whole hashes names nothing */
	assert_null(ike_trust_find_certreq(t, data, 2 * IKE_CERT_HASH_LEN - 1));
	assert_false(ike_cert_certreq_names(data, 2 * IKE_CERT_HASH_LEN + 1, sub));
	assert_null(ike_trust_find_certreq(t, NULL, 0));
	X509_free(ca);
	X509_free(sub);
	X509_free(other);
	ike_trust_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_fixtures),
		cmocka_unit_test(test_key_mismatch),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_key_mode),
		cmocka_unit_test(test_key_encrypted),
		cmocka_unit_test(test_cert_from_der),
		cmocka_unit_test(test_chain_good),
		cmocka_unit_test(test_chain_untrusted),
		cmocka_unit_test(test_chain_times),
		cmocka_unit_test(test_chain_cached),
		cmocka_unit_test(test_cert_from_der_cached),
		cmocka_unit_test(test_chain_args),
		cmocka_unit_test(test_trust_add),
		cmocka_unit_test(test_id_fqdn_email),
		cmocka_unit_test(test_id_addresses),
		cmocka_unit_test(test_id_dn),
		cmocka_unit_test(test_subject_id),
		cmocka_unit_test(test_cert_payload_vector),
		cmocka_unit_test(test_certreq_vector),
		cmocka_unit_test(test_certreq_ours),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
