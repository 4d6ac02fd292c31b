// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * IKEv2 payloads with a small fixed part and opaque data: KE, Nonce, ID,
 * AUTH, CERT, CERTREQ, Notify, Delete, Vendor ID; and the NAT detection
 * hash, the one piece of cryptography the codec owns (RFC 7296 2.23).
 *
 * Each decoder first checks that the body holds the fixed part, then that
 * the lengths it declares (SPI size, SPI count) fit exactly in what is
 * left, and only then points into the data.  Reserved fields are ignored
 * on receipt and written as zero.
 */
#include "ike_payload.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/evp.h>

enum {
	IKE_KE_FIXED = 4,		/* DH group, reserved */
	IKE_ID_FIXED = 4,		/* ID type, reserved */
	IKE_AUTH_FIXED = 4,		/* method, reserved */
	IKE_CERT_FIXED = 1,		/* encoding */
	IKE_NOTIFY_FIXED = 4,		/* protocol, SPI size, type */
	IKE_DELETE_FIXED = 4,		/* protocol, SPI size, number of SPIs */
	IKE_IPV4_LEN = 4,
	IKE_IPV6_LEN = 16,
	IKE_PORT_LEN = 2,
	IKE_HASH_ALG_LEN = 2,
};

bool ike_pl_spi_len_ok(size_t len)
{
	return len == 0 || len == IKE_ESP_SPI_LEN || len == IKE_SPI_LEN;
}

/* One payload: a fixed part then data. */
static int ike_build_fixed_data(struct ike_builder *b, uint8_t type, const uint8_t *fixed,
				size_t fixed_len, const void *data, size_t len)
{
	size_t hdr = ike_build_payload_begin(b, type, false);

	ike_build_put(b, fixed, fixed_len);
	ike_build_put(b, data, len);
	ike_build_payload_end(b, hdr);
	return ike_build_error(b);
}

/* ---- KE, Nonce ---- */

enum ike_parse_result ike_pl_ke_decode(const uint8_t *body, size_t len, struct ike_pl_ke *ke)
{
	if (len <= IKE_KE_FIXED)
		return IKE_PARSE_SYNTAX;
	ke->group = ike_get16(body);
	ke->data = body + IKE_KE_FIXED;
	ke->len = len - IKE_KE_FIXED;
	return IKE_PARSE_OK;
}

int ike_build_ke(struct ike_builder *b, const struct ike_pl_ke *ke)
{
	uint8_t fixed[IKE_KE_FIXED] = { 0 };

	ike_put16(fixed, ke->group);
	return ike_build_fixed_data(b, IKE_PL_KE, fixed, sizeof(fixed), ke->data, ke->len);
}

enum ike_parse_result ike_pl_nonce_check(size_t len)
{
	return len >= IKE_NONCE_MIN && len <= IKE_NONCE_MAX ? IKE_PARSE_OK : IKE_PARSE_SYNTAX;
}

int ike_build_nonce(struct ike_builder *b, const uint8_t *nonce, size_t len)
{
	return ike_build_raw(b, IKE_PL_NONCE, false, nonce, len);
}

/* ---- ID, AUTH ---- */

enum ike_parse_result ike_pl_id_decode(const uint8_t *body, size_t len, struct ike_pl_id *id)
{
	if (len <= IKE_ID_FIXED)
		return IKE_PARSE_SYNTAX;
	id->type = body[0];
	id->data = body + IKE_ID_FIXED;
	id->len = len - IKE_ID_FIXED;
	if (id->type == IKE_ID_IPV4_ADDR && id->len != IKE_IPV4_LEN)
		return IKE_PARSE_SYNTAX;
	if (id->type == IKE_ID_IPV6_ADDR && id->len != IKE_IPV6_LEN)
		return IKE_PARSE_SYNTAX;
	return IKE_PARSE_OK;
}

int ike_build_id(struct ike_builder *b, uint8_t pl_type, const struct ike_pl_id *id)
{
	uint8_t fixed[IKE_ID_FIXED] = { id->type };

	return ike_build_fixed_data(b, pl_type, fixed, sizeof(fixed), id->data, id->len);
}

enum ike_parse_result ike_pl_auth_decode(const uint8_t *body, size_t len,
					 struct ike_pl_auth *auth)
{
	if (len <= IKE_AUTH_FIXED)
		return IKE_PARSE_SYNTAX;
	auth->method = body[0];
	auth->data = body + IKE_AUTH_FIXED;
	auth->len = len - IKE_AUTH_FIXED;
	return IKE_PARSE_OK;
}

int ike_build_auth(struct ike_builder *b, const struct ike_pl_auth *auth)
{
	uint8_t fixed[IKE_AUTH_FIXED] = { auth->method };

	return ike_build_fixed_data(b, IKE_PL_AUTH, fixed, sizeof(fixed), auth->data, auth->len);
}

/* ---- CERT, CERTREQ ---- */

static enum ike_parse_result ike_cert_split(const uint8_t *body, size_t len,
					    struct ike_pl_cert *cert)
{
	if (len < IKE_CERT_FIXED)
		return IKE_PARSE_SYNTAX;
	cert->encoding = body[0];
	cert->data = body + IKE_CERT_FIXED;
	cert->len = len - IKE_CERT_FIXED;
	return IKE_PARSE_OK;
}

enum ike_parse_result ike_pl_cert_decode(const uint8_t *body, size_t len,
					 struct ike_pl_cert *cert)
{
	if (ike_cert_split(body, len, cert) || cert->len == 0)
		return IKE_PARSE_SYNTAX;
	return IKE_PARSE_OK;
}

enum ike_parse_result ike_pl_certreq_decode(const uint8_t *body, size_t len,
					    struct ike_pl_cert *req)
{
	if (ike_cert_split(body, len, req))
		return IKE_PARSE_SYNTAX;
	if (req->encoding == IKE_CERT_X509_SIG && req->len % IKE_CERT_HASH_LEN)
		return IKE_PARSE_SYNTAX;
	return IKE_PARSE_OK;
}

int ike_build_cert(struct ike_builder *b, const struct ike_pl_cert *cert)
{
	return ike_build_fixed_data(b, IKE_PL_CERT, &cert->encoding, 1, cert->data, cert->len);
}

int ike_build_certreq(struct ike_builder *b, const struct ike_pl_cert *req)
{
	return ike_build_fixed_data(b, IKE_PL_CERTREQ, &req->encoding, 1, req->data, req->len);
}

/* ---- Notify ---- */

/* The data length a notify type demands; false if len does not fit it. */
static bool ike_notify_data_ok(uint16_t type, size_t len)
{
	switch (type) {
	case IKE_N_NAT_DETECTION_SOURCE_IP:
	case IKE_N_NAT_DETECTION_DESTINATION_IP:
		return len == IKE_NATD_HASH_LEN;
	case IKE_N_COOKIE:
		return len >= IKE_COOKIE_MIN && len <= IKE_COOKIE_MAX;
	case IKE_N_INVALID_KE_PAYLOAD:
		return len == 2;
	case IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD:
		return len == 1;
	case IKE_N_ADDITIONAL_IP4_ADDRESS:
		return len == IKE_IPV4_LEN;
	case IKE_N_ADDITIONAL_IP6_ADDRESS:
		return len == IKE_IPV6_LEN;
	case IKE_N_SIGNATURE_HASH_ALGORITHMS:
		return len % IKE_HASH_ALG_LEN == 0;
	default:
		return true;
	}
}

enum ike_parse_result ike_pl_notify_decode(const uint8_t *body, size_t len,
					   struct ike_pl_notify *n)
{
	if (len < IKE_NOTIFY_FIXED)
		return IKE_PARSE_SYNTAX;
	memset(n, 0, sizeof(*n));
	n->proto = body[0];
	n->spi_len = body[1];
	n->type = ike_get16(body + 2);
	if (!ike_pl_spi_len_ok(n->spi_len) || n->spi_len > len - IKE_NOTIFY_FIXED)
		return IKE_PARSE_SYNTAX;
	memcpy(n->spi, body + IKE_NOTIFY_FIXED, n->spi_len);
	n->data = body + IKE_NOTIFY_FIXED + n->spi_len;
	n->len = len - IKE_NOTIFY_FIXED - n->spi_len;
	return ike_notify_data_ok(n->type, n->len) ? IKE_PARSE_OK : IKE_PARSE_SYNTAX;
}

int ike_build_notify(struct ike_builder *b, const struct ike_pl_notify *n)
{
	size_t hdr;

	if (!ike_pl_spi_len_ok(n->spi_len))
		return ike_build_fail(b, -EINVAL);
	hdr = ike_build_payload_begin(b, IKE_PL_NOTIFY, false);
	ike_build_u8(b, n->proto);
	ike_build_u8(b, n->spi_len);
	ike_build_u16(b, n->type);
	ike_build_put(b, n->spi, n->spi_len);
	ike_build_put(b, n->data, n->len);
	ike_build_payload_end(b, hdr);
	return ike_build_error(b);
}

int ike_build_notify_simple(struct ike_builder *b, uint16_t type, const void *data, size_t len)
{
	struct ike_pl_notify n = { .type = type, .data = data, .len = len };

	return ike_build_notify(b, &n);
}

enum ike_parse_result ike_notify_hash_algs(const struct ike_pl_notify *n, uint16_t *algs,
					   unsigned int max, unsigned int *count)
{
	size_t i;

	*count = 0;
	if (n->type != IKE_N_SIGNATURE_HASH_ALGORITHMS || n->len % IKE_HASH_ALG_LEN)
		return IKE_PARSE_SYNTAX;
	for (i = 0; i < n->len / IKE_HASH_ALG_LEN && *count < max; i++)
		algs[(*count)++] = ike_get16(n->data + i * IKE_HASH_ALG_LEN);
	return IKE_PARSE_OK;
}

int ike_build_notify_hash_algs(struct ike_builder *b, const uint16_t *algs, unsigned int count)
{
	uint8_t data[IKE_PL_MAX_HASH_ALGS * IKE_HASH_ALG_LEN];
	unsigned int i;

	if (count > IKE_PL_MAX_HASH_ALGS)
		return ike_build_fail(b, -EINVAL);
	for (i = 0; i < count; i++)
		ike_put16(data + i * IKE_HASH_ALG_LEN, algs[i]);
	return ike_build_notify_simple(b, IKE_N_SIGNATURE_HASH_ALGORITHMS, data,
				       count * IKE_HASH_ALG_LEN);
}

int ike_natd_hash(const uint8_t *spi_i, const uint8_t *spi_r, int family, const void *addr,
		  uint16_t port, uint8_t *out)
{
	size_t alen = family == AF_INET ? IKE_IPV4_LEN : IKE_IPV6_LEN;
	uint8_t port_be[IKE_PORT_LEN];
	unsigned int olen = 0;
	EVP_MD_CTX *ctx;
	int ok;

	if (family != AF_INET && family != AF_INET6)
		return -1;
	ike_put16(port_be, port);
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -1;
	ok = EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) &&
	     EVP_DigestUpdate(ctx, spi_i, IKE_SPI_LEN) &&
	     EVP_DigestUpdate(ctx, spi_r, IKE_SPI_LEN) &&
	     EVP_DigestUpdate(ctx, addr, alen) &&
	     EVP_DigestUpdate(ctx, port_be, sizeof(port_be)) &&
	     EVP_DigestFinal_ex(ctx, out, &olen) && olen == IKE_NATD_HASH_LEN;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

/* ---- Delete, Vendor ID ---- */

enum ike_parse_result ike_pl_delete_decode(const uint8_t *body, size_t len,
					   struct ike_pl_delete *d)
{
	if (len < IKE_DELETE_FIXED)
		return IKE_PARSE_SYNTAX;
	d->proto = body[0];
	d->spi_len = body[1];
	d->n_spi = ike_get16(body + 2);
	d->spis = body + IKE_DELETE_FIXED;
	/* an IKE SA is deleted with no SPI at all: size 0 and count 0 */
	if (!ike_pl_spi_len_ok(d->spi_len) || (d->spi_len == 0 && d->n_spi != 0))
		return IKE_PARSE_SYNTAX;
	/* at most 65535 * 8 octets: no overflow in size_t */
	if ((size_t)d->n_spi * d->spi_len != len - IKE_DELETE_FIXED)
		return IKE_PARSE_SYNTAX;
	return IKE_PARSE_OK;
}

int ike_build_delete(struct ike_builder *b, const struct ike_pl_delete *d)
{
	size_t hdr;

	if (!ike_pl_spi_len_ok(d->spi_len))
		return ike_build_fail(b, -EINVAL);
	hdr = ike_build_payload_begin(b, IKE_PL_DELETE, false);
	ike_build_u8(b, d->proto);
	ike_build_u8(b, d->spi_len);
	ike_build_u16(b, d->n_spi);
	ike_build_put(b, d->spis, (size_t)d->n_spi * d->spi_len);
	ike_build_payload_end(b, hdr);
	return ike_build_error(b);
}

int ike_build_vendor(struct ike_builder *b, const void *vid, size_t len)
{
	return ike_build_raw(b, IKE_PL_VENDOR, false, vid, len);
}
