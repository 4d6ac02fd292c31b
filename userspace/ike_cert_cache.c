// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Small caches of certificate work (see ike_cert.h), so that a fleet of
 * peers presenting the same few certificates does not pay d2i_X509 and
 * X509_verify_cert for every IKE_SA:
 *
 *   parsed     SHA-256 of a CERT payload's DER -> the X509 (a reference);
 *              owned by the engine's credentials, so a reload empties it
 *   verdicts   SHA-256 over the chain's DER hashes -> "verified"; owned
 *              by the trust store it was verified against (ike_cert.c)
 *
 * Each holds IKE_CERT_CACHE_MAX entries, least recently used out first;
 * an entry is useless from the earliest notAfter it covers, so a verdict
 * is never reused past a certificate's validity.  Only successes are
 * remembered.  Identity matching and the AUTH signature still run per SA.
 * Lookups scan: 256 entries are cheaper to scan than one d2i_X509.
 */
#include "ike_cert.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>

struct cert_cache_entry {
	uint8_t key[IKE_CERT_CACHE_KEY_LEN];
	X509 *cert;		/* parsed cache; NULL in a verdict cache */
	time_t until;		/* notAfter: dropped from then on */
	uint64_t used;		/* LRU clock */
};

struct ike_cert_cache {
	struct cert_cache_entry *e;	/* IKE_CERT_CACHE_MAX, allocated on first use */
	size_t n;
	uint64_t clock;
};

static EVP_MD *sha256;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void sha256_fetch(void)
{
	sha256 = EVP_MD_fetch(NULL, "SHA2-256", NULL);	/* kept until exit */
}

const EVP_MD *ike_cert_cache_md(void)
{
	pthread_once(&sha256_once, sha256_fetch);
	return sha256;
}

struct ike_cert_cache *ike_cert_cache_new(void)
{
	return calloc(1, sizeof(struct ike_cert_cache));
}

void ike_cert_cache_free(struct ike_cert_cache *c)
{
	if (!c)
		return;
	ike_cert_cache_clear(c);
	free(c->e);
	free(c);
}

void ike_cert_cache_clear(struct ike_cert_cache *c)
{
	for (size_t i = 0; c && i < c->n; i++)
		X509_free(c->e[i].cert);
	if (c)
		c->n = 0;
}

static void drop(struct ike_cert_cache *c, struct cert_cache_entry *en)
{
	X509_free(en->cert);
	*en = c->e[--c->n];
}

/* The live entry for key, or NULL; an expired one goes. */
static struct cert_cache_entry *find(struct ike_cert_cache *c, const uint8_t *key, time_t now)
{
	for (size_t i = 0; i < c->n; i++) {
		struct cert_cache_entry *en = &c->e[i];

		if (memcmp(en->key, key, IKE_CERT_CACHE_KEY_LEN))
			continue;
		if (now >= en->until) {
			drop(c, en);
			return NULL;
		}
		en->used = ++c->clock;
		return en;
	}
	return NULL;
}

/* A slot for a new entry: a free one, else the least recently used. */
static struct cert_cache_entry *slot(struct ike_cert_cache *c)
{
	struct cert_cache_entry *lru;

	if (!c->e) {
		c->e = calloc(IKE_CERT_CACHE_MAX, sizeof(*c->e));
		if (!c->e)
			return NULL;
	}
	if (c->n < IKE_CERT_CACHE_MAX)
		return &c->e[c->n++];
	lru = &c->e[0];
	for (size_t i = 1; i < c->n; i++)
		if (c->e[i].used < lru->used)
			lru = &c->e[i];
	X509_free(lru->cert);
	lru->cert = NULL;
	return lru;
}

static void insert(struct ike_cert_cache *c, const uint8_t *key, X509 *cert, time_t until)
{
	struct cert_cache_entry *en = slot(c);

	if (!en) {
		X509_free(cert);
		return;
	}
	memcpy(en->key, key, IKE_CERT_CACHE_KEY_LEN);
	en->cert = cert;
	en->until = until;
	en->used = ++c->clock;
}

time_t ike_cert_not_after(const X509 *cert)
{
	struct tm tm;

	if (!ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm)) {
		ERR_clear_error();
		return 0;	/* unreadable: never cached */
	}
	return timegm(&tm);
}

X509 *ike_cert_from_der_cached(struct ike_cert_cache *c, const uint8_t *der, size_t len)
{
	uint8_t key[IKE_CERT_CACHE_KEY_LEN];
	const EVP_MD *md = ike_cert_cache_md();
	struct cert_cache_entry *en;
	time_t now = time(NULL), until;
	X509 *x;

	if (!c || !md || !der || !len || !EVP_Digest(der, len, key, NULL, md, NULL))
		return ike_cert_from_der(der, len);
	en = find(c, key, now);
	if (en && X509_up_ref(en->cert))
		return en->cert;
	x = ike_cert_from_der(der, len);
	if (!x)
		return NULL;
	until = ike_cert_not_after(x);
	if (until > now && X509_up_ref(x))
		insert(c, key, x, until);
	return x;
}

bool ike_cert_cache_verdict(struct ike_cert_cache *c, const uint8_t *key)
{
	return c && find(c, key, time(NULL)) != NULL;
}

void ike_cert_cache_remember(struct ike_cert_cache *c, const uint8_t *key, time_t until)
{
	if (c && until > time(NULL) && !find(c, key, time(NULL)))
		insert(c, key, NULL, until);
}
