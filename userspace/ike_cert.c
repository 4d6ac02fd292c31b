// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * X.509 certificates, private keys and trust anchors (see ike_cert.h).
 *
 * Files are read whole through one descriptor: the mode of a key file is
 * checked with fstat() on the descriptor that is then read, so the file
 * checked is the file parsed.  Key bytes are wiped (OPENSSL_clear_free)
 * as soon as OpenSSL's decoder has turned them into an EVP_PKEY; the
 * decoder gets a passphrase callback that refuses, so an encrypted key
 * fails instead of prompting on a terminal.
 *
 * The trust store keeps each anchor twice: in an X509_STORE for
 * X509_verify_cert (with X509_V_FLAG_PARTIAL_CHAIN, so any anchor, not
 * only a self-signed root, ends a chain) and in an array with its CERTREQ
 * hash, computed once when added.  It also remembers the chains it
 * verified (ike_cert_cache.c), until the earliest notAfter in each; adding
 * an anchor forgets them, a reload makes a new store.
 */
#include "ike_cert.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

struct ike_trust_ca {
	X509 *cert;
	uint8_t hash[IKE_CERT_HASH_LEN];
};

struct ike_trust {
	X509_STORE *store;
	struct ike_cert_cache *verdicts;	/* chains that verified, by DER hashes */
	struct ike_trust_ca *ca;
	size_t n, cap;
};

static const char pem_marker[] = "-----BEGIN ";

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

/* ---- files ------------------------------------------------------------------ */

static int open_file(const char *path, struct stat *st, char *err, size_t errlen)
{
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, st)) {
		ret = -errno;
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	if (!S_ISREG(st->st_mode)) {
		seterr(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -EINVAL;
	}
	if (st->st_size <= 0 || st->st_size > IKE_CERT_FILE_MAX) {
		seterr(err, errlen, "%s: %s", path, st->st_size ? "too large" : "empty");
		close(fd);
		return -EBADMSG;
	}
	return fd;
}

/* Anyone but root and us could replace the key; anyone in group or others read it. */
static int key_mode_ok(const char *path, const struct stat *st, char *err, size_t errlen)
{
	mode_t mode = st->st_mode & 07777;

	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		seterr(err, errlen, "%s: private key is owned by uid %u, not by root or us",
		       path, (unsigned int)st->st_uid);
		return -EPERM;
	}
	if (mode & (S_IRWXG | S_IRWXO)) {
		seterr(err, errlen, "%s: private key is %s by others (mode %04o); chmod 600 it",
		       path, (mode & (S_IRGRP | S_IROTH)) ? "readable" : "accessible",
		       (unsigned int)mode);
		return -EPERM;
	}
	return 0;
}

/* Reads the st_size bytes of fd into a new buffer; *len may come out shorter. */
static int read_all(int fd, const struct stat *st, const char *path, uint8_t **out,
		    size_t *len, char *err, size_t errlen)
{
	size_t size = (size_t)st->st_size, pos = 0;
	uint8_t *buf = malloc(size);
	ssize_t n;

	if (!buf) {
		seterr(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	while (pos < size) {
		n = read(fd, buf + pos, size - pos);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int ret = -errno;

			seterr(err, errlen, "%s: %s", path, strerror(errno));
			OPENSSL_clear_free(buf, size);
			return ret;
		}
		if (n == 0)
			break;
		pos += (size_t)n;
	}
	*out = buf;
	*len = pos;
	return 0;
}

/* The file's bytes (wipe them with OPENSSL_clear_free(buf, len)); key files checked. */
static int load_file(const char *path, bool is_key, uint8_t **buf, size_t *len, char *err,
		     size_t errlen)
{
	struct stat st;
	int fd, ret;

	fd = open_file(path, &st, err, errlen);
	if (fd < 0)
		return fd;
	ret = is_key ? key_mode_ok(path, &st, err, errlen) : 0;
	if (!ret)
		ret = read_all(fd, &st, path, buf, len, err, errlen);
	close(fd);
	return ret;
}

static bool is_pem(const uint8_t *buf, size_t len)
{
	return memmem(buf, len, pem_marker, sizeof(pem_marker) - 1) != NULL;
}

X509 *ike_cert_from_der(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509 *cert;

	if (!der || !len || len > IKE_CERT_FILE_MAX)
		return NULL;
	cert = d2i_X509(NULL, &p, (long)len);
	if (cert && p != der + len) {
		X509_free(cert);
		cert = NULL;
	}
	if (!cert)
		ERR_clear_error();
	return cert;
}

static X509 *cert_from_pem(const uint8_t *buf, size_t len)
{
	BIO *bio = BIO_new_mem_buf(buf, (int)len);
	X509 *cert = NULL;

	if (bio)
		cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!cert)
		ERR_clear_error();
	return cert;
}

static int cert_load(const char *path, X509 **out, char *err, size_t errlen)
{
	uint8_t *buf;
	size_t len;
	int ret;

	ret = load_file(path, false, &buf, &len, err, errlen);
	if (ret)
		return ret;
	*out = is_pem(buf, len) ? cert_from_pem(buf, len) : ike_cert_from_der(buf, len);
	free(buf);
	if (!*out) {
		seterr(err, errlen, "%s: not an X.509 certificate (PEM or DER)", path);
		return -EBADMSG;
	}
	return 0;
}

X509 *ike_cert_load(const char *path, char *err, size_t errlen)
{
	X509 *cert = NULL;

	if (!path)
		return NULL;
	cert_load(path, &cert, err, errlen);
	return cert;
}

/* Refuses to decrypt: an encrypted key is reported, never prompted for. */
static int no_passphrase(char *pass, size_t size, size_t *pass_len, const OSSL_PARAM params[],
			 void *arg)
{
	(void)pass;
	(void)size;
	(void)params;
	*pass_len = 0;
	*(bool *)arg = true;
	return 0;
}

static EVP_PKEY *privkey_decode(const uint8_t *buf, size_t len, bool *encrypted)
{
	OSSL_DECODER_CTX *dctx;
	EVP_PKEY *key = NULL;
	const unsigned char *p = buf;
	size_t left = len;

	dctx = OSSL_DECODER_CTX_new_for_pkey(&key, NULL, NULL, NULL, EVP_PKEY_KEYPAIR, NULL, NULL);
	if (dctx && OSSL_DECODER_CTX_set_passphrase_cb(dctx, no_passphrase, encrypted) &&
	    !OSSL_DECODER_from_data(dctx, &p, &left)) {
		EVP_PKEY_free(key);
		key = NULL;
	}
	OSSL_DECODER_CTX_free(dctx);
	if (!key)
		ERR_clear_error();
	return key;
}

EVP_PKEY *ike_privkey_load(const char *path, char *err, size_t errlen)
{
	bool encrypted = false;
	EVP_PKEY *key;
	uint8_t *buf;
	size_t len;

	if (!path || load_file(path, true, &buf, &len, err, errlen))
		return NULL;
	key = privkey_decode(buf, len, &encrypted);
	OPENSSL_clear_free(buf, len);
	if (!key)
		seterr(err, errlen, encrypted ?
		       "%s: private key is encrypted; passphrases are not supported" :
		       "%s: not a private key (PEM or DER: PKCS#8, EC, RSA)", path);
	return key;
}

/* ---- encodings -------------------------------------------------------------- */

uint8_t *ike_cert_der(const X509 *cert, size_t *len)
{
	unsigned char *der = NULL;
	int n;

	if (!cert || !len)
		return NULL;
	n = i2d_X509(cert, &der);
	if (n <= 0) {
		ERR_clear_error();
		return NULL;
	}
	*len = (size_t)n;
	return der;
}

int ike_cert_ca_hash(const X509 *ca, uint8_t out[IKE_CERT_HASH_LEN])
{
	unsigned char *spki = NULL;
	unsigned int hlen = 0;
	int n, ok;

	if (!ca)
		return -EINVAL;
	n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(ca), &spki);
	ok = n > 0 && EVP_Digest(spki, (size_t)n, out, &hlen, EVP_sha1(), NULL) &&
	     hlen == IKE_CERT_HASH_LEN;
	OPENSSL_free(spki);
	if (!ok) {
		ERR_clear_error();
		return -EIO;
	}
	return 0;
}

const char *ike_cert_subject_str(const X509 *cert, char *buf, size_t len)
{
	const unsigned long flags = (ASN1_STRFLGS_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) |
				    XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN |
				    XN_FLAG_DUMP_UNKNOWN_FIELDS;
	int room = len - 1 > INT_MAX ? INT_MAX : (int)(len - 1);
	BIO *bio;
	int n = -1;

	if (!buf || !len)
		return buf;
	bio = BIO_new(BIO_s_mem());
	if (bio && cert && X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, flags) >= 0)
		n = BIO_read(bio, buf, room);
	BIO_free(bio);
	if (n > 0)
		buf[n] = '\0';
	else
		snprintf(buf, len, "?");
	return buf;
}

/* ---- identities ------------------------------------------------------------- */

/* ASCII case-insensitive equality of two byte strings; NULs are not special. */
static bool bytes_case_eq(const uint8_t *a, const uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		uint8_t x = a[i], y = b[i];

		if (x >= 'A' && x <= 'Z')
			x += 'a' - 'A';
		if (y >= 'A' && y <= 'Z')
			y += 'a' - 'A';
		if (x != y)
			return false;
	}
	return true;
}

static bool san_entry_eq(const GENERAL_NAME *gn, int type, const uint8_t *id, size_t len)
{
	const ASN1_STRING *s;

	if (gn->type != type)
		return false;
	s = type == GEN_IPADD ? gn->d.iPAddress : gn->d.ia5;
	if (!s || (size_t)ASN1_STRING_length(s) != len)
		return false;
	if (type == GEN_IPADD)
		return !memcmp(ASN1_STRING_get0_data(s), id, len);
	return bytes_case_eq(ASN1_STRING_get0_data(s), id, len);
}

static bool san_match(const X509 *cert, int type, const uint8_t *id, size_t len)
{
	GENERAL_NAMES *names;
	bool found = false;

	names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	for (int i = 0; names && !found && i < sk_GENERAL_NAME_num(names); i++)
		found = san_entry_eq(sk_GENERAL_NAME_value(names, i), type, id, len);
	GENERAL_NAMES_free(names);
	return found;
}

static bool dn_match(const X509 *cert, const uint8_t *id, size_t len)
{
	const unsigned char *p = id;
	X509_NAME *name;
	bool eq;

	name = d2i_X509_NAME(NULL, &p, (long)len);
	eq = name && p == id + len && X509_NAME_entry_count(name) > 0 &&
	     X509_NAME_cmp(name, X509_get_subject_name(cert)) == 0;
	X509_NAME_free(name);
	ERR_clear_error();
	return eq;
}

bool ike_cert_matches_id(const X509 *cert, uint8_t id_type, const uint8_t *id, size_t len)
{
	if (!cert || !id || !len || len > IKE_MAX_MSG)
		return false;
	switch (id_type) {
	case IKE_ID_FQDN:
		return san_match(cert, GEN_DNS, id, len);
	case IKE_ID_RFC822_ADDR:
		return san_match(cert, GEN_EMAIL, id, len);
	case IKE_ID_IPV4_ADDR:
		return len == 4 && san_match(cert, GEN_IPADD, id, len);
	case IKE_ID_IPV6_ADDR:
		return len == 16 && san_match(cert, GEN_IPADD, id, len);
	case IKE_ID_DER_ASN1_DN:
		return dn_match(cert, id, len);
	default:		/* KEY_ID names no certificate */
		return false;
	}
}

int ike_cert_subject_id(const X509 *cert, uint8_t *id_type, uint8_t *buf, size_t size,
			size_t *len)
{
	const X509_NAME *name;
	unsigned char *p = buf;
	int n;

	if (!cert || !id_type || !len || (!buf && size))
		return -EINVAL;
	name = X509_get_subject_name(cert);
	n = i2d_X509_NAME(name, NULL);
	if (n <= 0) {
		ERR_clear_error();
		return -EIO;
	}
	*len = (size_t)n;
	if (size < (size_t)n)
		return -ENOSPC;
	if (i2d_X509_NAME(name, &p) != n) {
		ERR_clear_error();
		return -EIO;
	}
	*id_type = IKE_ID_DER_ASN1_DN;
	return 0;
}

bool ike_cert_key_matches(const X509 *cert, const EVP_PKEY *key)
{
	const EVP_PKEY *pub = cert ? X509_get0_pubkey(cert) : NULL;

	return pub && key && EVP_PKEY_eq(pub, key) == 1;
}

/* ---- trust ------------------------------------------------------------------ */

struct ike_trust *ike_trust_new(void)
{
	struct ike_trust *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->store = X509_STORE_new();
	t->verdicts = ike_cert_cache_new();
	if (!t->store || !t->verdicts ||
	    !X509_STORE_set_flags(t->store, X509_V_FLAG_PARTIAL_CHAIN)) {
		ike_trust_free(t);
		return NULL;
	}
	return t;
}

void ike_trust_free(struct ike_trust *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		X509_free(t->ca[i].cert);
	free(t->ca);
	X509_STORE_free(t->store);
	ike_cert_cache_free(t->verdicts);
	free(t);
}

size_t ike_trust_count(const struct ike_trust *t)
{
	return t ? t->n : 0;
}

static bool trust_has(const struct ike_trust *t, const X509 *ca)
{
	for (size_t i = 0; i < t->n; i++)
		if (!X509_cmp(t->ca[i].cert, ca))
			return true;
	return false;
}

static int trust_grow(struct ike_trust *t)
{
	size_t cap = t->cap ? 2 * t->cap : 8;
	struct ike_trust_ca *ca;

	if (t->n < t->cap)
		return 0;
	ca = reallocarray(t->ca, cap, sizeof(*ca));
	if (!ca)
		return -ENOMEM;
	t->ca = ca;
	t->cap = cap;
	return 0;
}

int ike_trust_add_ca_cert(struct ike_trust *t, X509 *ca, char *err, size_t errlen)
{
	struct ike_trust_ca *slot;
	char subject[256];

	if (!t || !ca)
		return -EINVAL;
	if (X509_check_ca(ca) != 1) {
		seterr(err, errlen, "%s: not a CA certificate (no basicConstraints CA:TRUE)",
		       ike_cert_subject_str(ca, subject, sizeof(subject)));
		return -EINVAL;
	}
	if (trust_has(t, ca))
		return 0;
	if (trust_grow(t)) {
		seterr(err, errlen, "out of memory");
		return -ENOMEM;
	}
	slot = &t->ca[t->n];
	if (ike_cert_ca_hash(ca, slot->hash) || !X509_STORE_add_cert(t->store, ca)) {
		ERR_clear_error();
		seterr(err, errlen, "%s: OpenSSL cannot add it to the trust store",
		       ike_cert_subject_str(ca, subject, sizeof(subject)));
		return -EIO;
	}
	X509_up_ref(ca);
	slot->cert = ca;
	t->n++;
	ike_cert_cache_clear(t->verdicts);	/* verdicts are per set of anchors */
	return 0;
}

int ike_trust_add_ca(struct ike_trust *t, const char *path, char *err, size_t errlen)
{
	char why[256] = "";
	X509 *ca;
	int ret;

	if (!t || !path)
		return -EINVAL;
	ret = cert_load(path, &ca, err, errlen);
	if (ret)
		return ret;
	ret = ike_trust_add_ca_cert(t, ca, why, sizeof(why));
	if (ret)
		seterr(err, errlen, "%s: %s", path, why);
	X509_free(ca);
	return ret;
}

static int chain_error(X509_STORE_CTX *ctx, X509 *ee, char *err, size_t errlen)
{
	X509 *bad = X509_STORE_CTX_get_current_cert(ctx);
	int code = X509_STORE_CTX_get_error(ctx);
	char subject[256];

	seterr(err, errlen, "%s: %s (depth %d)",
	       ike_cert_subject_str(bad ? bad : ee, subject, sizeof(subject)),
	       X509_verify_cert_error_string(code), X509_STORE_CTX_get_error_depth(ctx));
	ERR_clear_error();
	return -EKEYREJECTED;
}

/* The verdict cache's key: SHA-256 over the SHA-256 of each certificate's DER. */
static bool chain_key(X509 *ee, X509 *const *inter, size_t n, uint8_t *key)
{
	const EVP_MD *md = ike_cert_cache_md();
	uint8_t h[IKE_CERT_CACHE_KEY_LEN];
	unsigned int hlen;
	EVP_MD_CTX *ctx;
	bool ok;

	if (!md)
		return false;
	ctx = EVP_MD_CTX_new();
	ok = ctx && EVP_DigestInit_ex(ctx, md, NULL);
	for (size_t i = 0; ok && i <= n; i++)
		ok = X509_digest(i ? inter[i - 1] : ee, md, h, &hlen) &&
		     EVP_DigestUpdate(ctx, h, hlen);
	ok = ok && EVP_DigestFinal_ex(ctx, key, NULL);
	EVP_MD_CTX_free(ctx);
	return ok;
}

/* Until when a verified chain stays good: its earliest notAfter. */
static time_t chain_until(X509_STORE_CTX *ctx)
{
	STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
	time_t until = 0, t;

	for (int i = 0; chain && i < sk_X509_num(chain); i++) {
		t = ike_cert_not_after(sk_X509_value(chain, i));
		if (!t)
			return 0;
		if (!until || t < until)
			until = t;
	}
	return until;
}

/* The CA of t that issued cert (names and key identifiers; not its signature). */
static X509 *trust_issuer(const struct ike_trust *t, X509 *cert)
{
	for (size_t i = 0; i < t->n; i++)
		if (X509_check_issued(t->ca[i].cert, cert) == X509_V_OK)
			return t->ca[i].cert;
	return NULL;
}

size_t ike_trust_intermediates(const struct ike_trust *t, X509 *cert, X509 **out, size_t max)
{
	X509 *issuer;
	size_t n = 0;

	while (t && cert && n < max) {
		issuer = trust_issuer(t, cert);
		if (!issuer || X509_check_issued(issuer, issuer) == X509_V_OK)
			break;		/* unknown, or the root: the peer has it */
		X509_up_ref(issuer);
		out[n++] = issuer;
		cert = issuer;
	}
	return n;
}

int ike_cert_verify_chain(const struct ike_trust *t, X509 *ee, X509 *const *intermediates,
			  size_t n, time_t at, char *err, size_t errlen)
{
	uint8_t key[IKE_CERT_CACHE_KEY_LEN];
	STACK_OF(X509) *untrusted = NULL;
	X509_STORE_CTX *ctx = NULL;
	bool cacheable;
	int ret = -ENOMEM;

	if (!t || !ee || (n && !intermediates) || n > IKE_CERT_MAX_CHAIN)
		return -EINVAL;
	/* only "now" is cached: a verdict for another time says nothing of now */
	cacheable = !at && chain_key(ee, intermediates, n, key);
	if (cacheable && ike_cert_cache_verdict(t->verdicts, key))
		return 0;
	untrusted = sk_X509_new_null();
	ctx = X509_STORE_CTX_new();
	if (!untrusted || !ctx)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (!sk_X509_push(untrusted, intermediates[i]))
			goto out;
	ret = -EIO;
	if (!X509_STORE_CTX_init(ctx, t->store, ee, untrusted))
		goto out;
	X509_VERIFY_PARAM_set_depth(X509_STORE_CTX_get0_param(ctx), IKE_CERT_MAX_CHAIN + 1);
	if (at)
		X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), at);
	ret = X509_verify_cert(ctx) == 1 ? 0 : chain_error(ctx, ee, err, errlen);
	if (!ret && cacheable)
		ike_cert_cache_remember(t->verdicts, key, chain_until(ctx));
out:
	if (ret == -ENOMEM)
		seterr(err, errlen, "out of memory");
	else if (ret == -EIO)
		seterr(err, errlen, "OpenSSL cannot set up certificate verification");
	X509_STORE_CTX_free(ctx);
	sk_X509_free(untrusted);	/* the certificates stay the caller's */
	ERR_clear_error();
	return ret;
}

int ike_trust_certreq(const struct ike_trust *t, uint8_t *buf, size_t size, size_t *len)
{
	if (!t || !len || (!buf && size))
		return -EINVAL;
	*len = t->n * IKE_CERT_HASH_LEN;
	if (size < *len)
		return -ENOSPC;
	for (size_t i = 0; i < t->n; i++)
		memcpy(buf + i * IKE_CERT_HASH_LEN, t->ca[i].hash, IKE_CERT_HASH_LEN);
	return 0;
}

static bool list_has_hash(const uint8_t *data, size_t len, const uint8_t *hash)
{
	if (!data || len % IKE_CERT_HASH_LEN)
		return false;
	for (size_t off = 0; off < len; off += IKE_CERT_HASH_LEN)
		if (!memcmp(data + off, hash, IKE_CERT_HASH_LEN))
			return true;
	return false;
}

bool ike_cert_certreq_names(const uint8_t *data, size_t len, const X509 *ca)
{
	uint8_t hash[IKE_CERT_HASH_LEN];

	return ca && !ike_cert_ca_hash(ca, hash) && list_has_hash(data, len, hash);
}

X509 *ike_trust_find_certreq(const struct ike_trust *t, const uint8_t *data, size_t len)
{
	for (size_t i = 0; t && i < t->n; i++)
		if (list_has_hash(data, len, t->ca[i].hash))
			return t->ca[i].cert;
	return NULL;
}
