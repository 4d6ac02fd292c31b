// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Stateless COOKIEs for IKE_SA_INIT (RFC 7296 2.6):
 *
 *   Cookie = VersionIDofSecret | HMAC-SHA-256(secret, Ni | IPi | SPIi)
 *
 * The secret is random and replaced every cookie_secret_ms; a cookie made
 * with the one before is still accepted, so a rotation never fails an
 * initiator that is one round trip away.  The port is left out: a NAT may
 * map the retry to another one.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "ike_xchg.h"

enum { COOKIE_VERSION_LEN = 4, COOKIE_MAC_LEN = 32 };

void ike_cookie_rotate(struct ike_engine *e, bool force)
{
	struct ike_cookie_state *c = &e->cookie;

	if (!force && e->now_ms < c->rotate_ms)
		return;
	c->version++;
	if (ike_random(c->secret[c->version & 1], IKE_COOKIE_SECRET_LEN))
		memset(c->secret[c->version & 1], 0, IKE_COOKIE_SECRET_LEN);	/* never: RAND failed */
	c->rotate_ms = e->now_ms + e->params.cookie_secret_ms;
}

static int cookie_mac(const uint8_t *secret, uint32_t version, const uint8_t *ni, size_t ni_len,
		      const struct ike_endpoint *remote, const uint8_t *spi_i, uint8_t *out)
{
	size_t alen = remote->family == XS_AF_INET ? 4 : 16;
	uint8_t mac[IKE_PRF_MAX_LEN];
	struct ike_chunk parts[] = {
		{ ni, ni_len }, { remote->addr, alen }, { spi_i, IKE_SPI_LEN },
	};
	size_t mac_len;

	ike_put32(out, version);
	if (ike_hmac_v("SHA2-256", secret, IKE_COOKIE_SECRET_LEN, parts, 3, mac, &mac_len) ||
	    mac_len < COOKIE_MAC_LEN)
		return -1;
	memcpy(out + COOKIE_VERSION_LEN, mac, COOKIE_MAC_LEN);
	OPENSSL_cleanse(mac, sizeof(mac));
	return 0;
}

size_t ike_cookie_make(struct ike_engine *e, const uint8_t *ni, size_t ni_len,
		       const struct ike_endpoint *remote, const uint8_t *spi_i, uint8_t *out)
{
	uint32_t v = e->cookie.version;

	if (cookie_mac(e->cookie.secret[v & 1], v, ni, ni_len, remote, spi_i, out))
		return 0;
	return COOKIE_VERSION_LEN + COOKIE_MAC_LEN;
}

bool ike_cookie_valid(struct ike_engine *e, const uint8_t *cookie, size_t len,
		      const uint8_t *ni, size_t ni_len, const struct ike_endpoint *remote,
		      const uint8_t *spi_i)
{
	uint8_t want[COOKIE_VERSION_LEN + COOKIE_MAC_LEN];
	uint32_t v;

	if (len != sizeof(want))
		return false;
	v = ike_get32(cookie);
	if (v != e->cookie.version && v + 1 != e->cookie.version)
		return false;
	if (cookie_mac(e->cookie.secret[v & 1], v, ni, ni_len, remote, spi_i, want))
		return false;
	return !CRYPTO_memcmp(want, cookie, sizeof(want));
}
