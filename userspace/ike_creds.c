// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Loads what the pubkey connections of a configuration need, as swanctl
 * --load-creds would: our certificate (local.certs) and the private key
 * that matches it, found among the configured key files (secrets.private*
 * and friends) and the files of the swanctl directory's private/, ecdsa/,
 * rsa/ and pkcs8/; the CAs of remote.cacerts, or else every authority and
 * every file in x509ca/.  Problems are logged and leave the connection
 * unable to authenticate, never half-trusting: a missing key means our
 * AUTH cannot be built, a missing CA that no peer chain verifies.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike_creds.h"
#include "ike_xchg.h"
#include "log.h"

enum { MAX_KEYS = 64 };

struct ike_creds {
	struct ike_creds_conn *v;
	unsigned int n;
	struct ike_cert_cache *peer_certs;	/* parsed CERT payloads; a reload empties it */
};

struct keyring {
	EVP_PKEY *k[MAX_KEYS];
	unsigned int n;
};

static void keyring_add(struct keyring *r, const char *path)
{
	char err[256];
	EVP_PKEY *k;

	if (r->n == MAX_KEYS)
		return;
	k = ike_privkey_load(path, err, sizeof(err));
	if (!k) {
		xs_warn("%s", err);
		return;
	}
	r->k[r->n++] = k;
}

/* Every regular file of dir (under base), through fn. */
static void each_file(const char *base, const char *sub, void (*fn)(void *arg, const char *path),
		      void *arg)
{
	char path[4096];
	struct dirent *d;
	DIR *dir;

	if (!base)
		return;
	snprintf(path, sizeof(path), "%s/%s", base, sub);
	dir = opendir(path);
	if (!dir)
		return;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.' || (d->d_type != DT_REG && d->d_type != DT_UNKNOWN))
			continue;
		snprintf(path, sizeof(path), "%s/%s/%s", base, sub, d->d_name);
		fn(arg, path);
	}
	closedir(dir);
}

static void add_key_file(void *arg, const char *path)
{
	keyring_add(arg, path);
}

static void keyring_load(const struct ike_cfg *cfg, struct keyring *r)
{
	static const char *const dirs[] = { "private", "ecdsa", "rsa", "pkcs8" };
	unsigned int i;

	for (i = 0; i < cfg->n_keys; i++)
		keyring_add(r, cfg->keys[i].file.path);
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		each_file(cfg->dir, dirs[i], add_key_file, r);
}

static void local_creds(const struct ike_cfg_conn *conn, const struct keyring *r,
			struct ike_creds_conn *cc)
{
	char err[256];
	unsigned int i;

	if (conn->local.method != IKE_CFG_AUTH_PUBKEY || !conn->local.n_certs)
		return;
	cc->cert = ike_cert_load(conn->local.certs[0].path, err, sizeof(err));
	if (!cc->cert) {
		xs_warn("connection '%s': %s", conn->name, err);
		return;
	}
	for (i = 0; i < r->n && !cc->key; i++) {
		if (ike_cert_key_matches(cc->cert, r->k[i]) && EVP_PKEY_up_ref(r->k[i]))
			cc->key = r->k[i];
	}
	if (!cc->key)
		xs_warn("connection '%s': no private key for certificate %s", conn->name,
			conn->local.certs[0].name);
}

static void add_ca_file(void *arg, const char *path)
{
	char err[256];

	if (ike_trust_add_ca(arg, path, err, sizeof(err)))
		xs_warn("%s", err);
}

static void remote_creds(const struct ike_cfg *cfg, const struct ike_cfg_conn *conn,
			 struct ike_creds_conn *cc)
{
	char err[256];
	size_t len = 0;
	unsigned int i;

	if (conn->remote.method != IKE_CFG_AUTH_PUBKEY)
		return;
	cc->trust = ike_trust_new();
	if (!cc->trust)
		return;
	for (i = 0; i < conn->remote.n_cacerts; i++)
		add_ca_file(cc->trust, conn->remote.cacerts[i].path);
	if (!conn->remote.n_cacerts) {
		for (i = 0; i < cfg->n_authorities; i++)
			add_ca_file(cc->trust, cfg->authorities[i].cacert.path);
		each_file(cfg->dir, "x509ca", add_ca_file, cc->trust);
	}
	for (i = 0; i < conn->remote.n_certs && cc->n_pinned < IKE_CFG_MAX_FILES; i++) {
		cc->pinned[cc->n_pinned] = ike_cert_load(conn->remote.certs[i].path, err,
							 sizeof(err));
		if (cc->pinned[cc->n_pinned])
			cc->n_pinned++;
		else
			xs_warn("connection '%s': %s", conn->name, err);
	}
	if (ike_trust_certreq(cc->trust, NULL, 0, &len) != -ENOSPC || !len)
		return;
	cc->certreq = malloc(len);
	if (cc->certreq && !ike_trust_certreq(cc->trust, cc->certreq, len, &cc->certreq_len))
		return;
	free(cc->certreq);
	cc->certreq = NULL;
	cc->certreq_len = 0;
}

struct ike_creds *ike_creds_load(const struct ike_cfg *cfg)
{
	struct ike_creds *c = calloc(1, sizeof(*c));
	struct keyring r = { .n = 0 };
	unsigned int i;
	bool pubkey = false;

	if (!c)
		return NULL;
	c->v = calloc(cfg->n_conns ? cfg->n_conns : 1, sizeof(*c->v));
	c->peer_certs = ike_cert_cache_new();	/* NULL: parse every time */
	if (!c->v) {
		ike_cert_cache_free(c->peer_certs);
		free(c);
		return NULL;
	}
	for (i = 0; i < cfg->n_conns; i++)
		pubkey |= cfg->conns[i].local.method == IKE_CFG_AUTH_PUBKEY &&
			  cfg->conns[i].local.n_certs;
	if (pubkey)
		keyring_load(cfg, &r);
	for (i = 0; i < cfg->n_conns; i++) {
		c->v[i].conn = &cfg->conns[i];
		local_creds(&cfg->conns[i], &r, &c->v[i]);
		remote_creds(cfg, &cfg->conns[i], &c->v[i]);
		c->v[i].n_inter = (unsigned int)ike_trust_intermediates(
			c->v[i].trust, c->v[i].cert, c->v[i].inter, IKE_CERT_MAX_CHAIN);
	}
	c->n = cfg->n_conns;
	for (i = 0; i < r.n; i++)
		EVP_PKEY_free(r.k[i]);
	return c;
}

void ike_creds_free(struct ike_creds *c)
{
	unsigned int i, j;

	if (!c)
		return;
	for (i = 0; i < c->n; i++) {
		X509_free(c->v[i].cert);
		EVP_PKEY_free(c->v[i].key);
		ike_trust_free(c->v[i].trust);
		for (j = 0; j < c->v[i].n_pinned; j++)
			X509_free(c->v[i].pinned[j]);
		for (j = 0; j < c->v[i].n_inter; j++)
			X509_free(c->v[i].inter[j]);
		free(c->v[i].certreq);
	}
	free(c->v);
	ike_cert_cache_free(c->peer_certs);
	free(c);
}

X509 *ike_creds_peer_cert(const struct ike_creds *c, const uint8_t *der, size_t len)
{
	return ike_cert_from_der_cached(c ? c->peer_certs : NULL, der, len);
}

const struct ike_creds_conn *ike_creds_for(const struct ike_creds *c,
					   const struct ike_cfg_conn *conn)
{
	unsigned int i;

	for (i = 0; c && i < c->n; i++)
		if (c->v[i].conn == conn)
			return &c->v[i];
	return NULL;
}
