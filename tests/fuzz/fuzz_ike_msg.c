// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the IKEv2 message codec (ike_msg.c, ike_payload.c,
 * ike_payload_sa.c, ike_payload_ts.c): the code that reads whatever any
 * host sends to ports 500 and 4500, before anything is authenticated.
 *
 * One input is read two ways:
 *   - as a whole message (ike_msg_parse).  If it parses, every payload is
 *     handed to the decoder of its type, and an SK or SKF payload is split
 *     with the IV and ICV lengths of each suite we negotiate, unpadded as if
 *     its ciphertext were plaintext, and its inner chain parsed and decoded;
 *   - as a decrypted inner chain (ike_chain_parse): the first octet is the
 *     type of the first payload, the rest is the chain.
 *
 * Every payload body is copied into a buffer of exactly its size before it
 * is decoded: in place, a decoder reading past its payload into the next
 * one would stay inside the input and ASan would not see it.  Beyond the
 * sanitizers, the target checks what ike_msg.h and ike_payload.h promise
 * (bodies and decoded data inside what they came from, lists within their
 * limits, an SK layout that adds up to the message) and aborts when a
 * promise is broken, which libFuzzer reports as a crash.
 *
 * No global state, no output unless a check fails, nothing written to the
 * input, nothing kept between runs: an input always takes the same path.
 *
 * Seeds (tests/fuzz/seeds/) are the strongSwan 5.9.8 messages of
 * tests/unit/ike_msg_vectors.h as raw octets; the inner-* ones are its
 * decrypted IKE_AUTH chains behind the octet that names their first payload.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_msg.h"
#include "ike_payload.h"
#include "ike_wire.h"

#define FUZZ_CHECK(cond)							\
	do {									\
		if (!(cond)) {							\
			fprintf(stderr, "%s:%d: broken promise: %s\n",		\
				__FILE__, __LINE__, #cond);			\
			abort();						\
		}								\
	} while (0)

/* IV and ICV lengths of the suites ike_sk.c implements. */
static const struct {
	size_t iv_len;
	size_t icv_len;
} fuzz_suites[] = {
	{ 8, 16 },		/* AES-GCM-16, ChaCha20-Poly1305 */
	{ 16, 16 },		/* AES-CBC + HMAC-SHA2-256-128 */
	{ 16, 24 },		/* AES-CBC + HMAC-SHA2-384-192 */
	{ 16, 32 },		/* AES-CBC + HMAC-SHA2-512-256 */
};

/* [p, p + n) lies inside [base, base + len). */
static bool fuzz_inside(const uint8_t *p, size_t n, const uint8_t *base, size_t len)
{
	return p >= base && n <= len && (size_t)(p - base) <= len - n;
}

/* ---- payload bodies ---- */

static void fuzz_sa(const uint8_t *body, size_t len)
{
	struct ike_pl_sa sa;
	unsigned int i;

	if (ike_pl_sa_decode(body, len, &sa))
		return;
	FUZZ_CHECK(sa.n_prop <= IKE_PL_MAX_PROPOSALS);
	FUZZ_CHECK(sa.n_prop + sa.n_skipped > 0);
	for (i = 0; i < sa.n_prop; i++) {
		FUZZ_CHECK(sa.prop[i].num != 0);
		FUZZ_CHECK(ike_pl_spi_len_ok(sa.prop[i].spi_len));
		FUZZ_CHECK(sa.prop[i].n_trans <= IKE_PL_MAX_TRANSFORMS);
		FUZZ_CHECK(i == 0 || sa.prop[i].num > sa.prop[i - 1].num);
	}
}

static void fuzz_ke(const uint8_t *body, size_t len)
{
	struct ike_pl_ke ke;

	if (ike_pl_ke_decode(body, len, &ke))
		return;
	FUZZ_CHECK(ke.len > 0 && fuzz_inside(ke.data, ke.len, body, len));
}

static void fuzz_id(const uint8_t *body, size_t len)
{
	struct ike_pl_id id;

	if (ike_pl_id_decode(body, len, &id))
		return;
	FUZZ_CHECK(fuzz_inside(id.data, id.len, body, len));
	FUZZ_CHECK(id.type != IKE_ID_IPV4_ADDR || id.len == 4);
	FUZZ_CHECK(id.type != IKE_ID_IPV6_ADDR || id.len == 16);
}

static void fuzz_auth(const uint8_t *body, size_t len)
{
	struct ike_pl_auth auth;

	if (ike_pl_auth_decode(body, len, &auth))
		return;
	FUZZ_CHECK(fuzz_inside(auth.data, auth.len, body, len));
}

static void fuzz_cert(const uint8_t *body, size_t len)
{
	struct ike_pl_cert cert;

	if (ike_pl_cert_decode(body, len, &cert))
		return;
	FUZZ_CHECK(cert.len > 0 && fuzz_inside(cert.data, cert.len, body, len));
}

static void fuzz_certreq(const uint8_t *body, size_t len)
{
	struct ike_pl_cert req;

	if (ike_pl_certreq_decode(body, len, &req))
		return;
	FUZZ_CHECK(fuzz_inside(req.data, req.len, body, len));
	FUZZ_CHECK(req.encoding != IKE_CERT_X509_SIG || req.len % IKE_CERT_HASH_LEN == 0);
}

static void fuzz_notify(const uint8_t *body, size_t len)
{
	uint16_t algs[IKE_PL_MAX_HASH_ALGS];
	struct ike_pl_notify n;
	unsigned int count;

	if (ike_pl_notify_decode(body, len, &n))
		return;
	FUZZ_CHECK(ike_pl_spi_len_ok(n.spi_len));
	FUZZ_CHECK(fuzz_inside(n.data, n.len, body, len));
	if (n.type != IKE_N_SIGNATURE_HASH_ALGORITHMS)
		return;
	FUZZ_CHECK(ike_notify_hash_algs(&n, algs, IKE_PL_MAX_HASH_ALGS, &count) == IKE_PARSE_OK);
	FUZZ_CHECK(count <= IKE_PL_MAX_HASH_ALGS);
}

static void fuzz_delete(const uint8_t *body, size_t len)
{
	struct ike_pl_delete d;
	size_t n;

	if (ike_pl_delete_decode(body, len, &d))
		return;
	n = (size_t)d.n_spi * d.spi_len;
	FUZZ_CHECK(ike_pl_spi_len_ok(d.spi_len));
	FUZZ_CHECK(fuzz_inside(d.spis, n, body, len));
}

static void fuzz_ts(const uint8_t *body, size_t len)
{
	struct ike_pl_ts ts;
	unsigned int i;

	if (ike_pl_ts_decode(body, len, &ts))
		return;
	FUZZ_CHECK(ts.n <= IKE_PL_MAX_TS);
	FUZZ_CHECK(ts.n + ts.n_skipped == body[0]);
	for (i = 0; i < ts.n; i++)
		FUZZ_CHECK(ts.ts[i].type == IKE_TS_IPV4_ADDR_RANGE ||
			   ts.ts[i].type == IKE_TS_IPV6_ADDR_RANGE);
}

static void fuzz_cp(const uint8_t *body, size_t len)
{
	struct ike_pl_cp cp;
	unsigned int i;

	if (ike_pl_cp_decode(body, len, &cp))
		return;
	FUZZ_CHECK(cp.n <= IKE_PL_MAX_CP_ATTRS);
	for (i = 0; i < cp.n; i++)
		FUZZ_CHECK(fuzz_inside(cp.attr[i].value, cp.attr[i].len, body, len));
}

/* Runs the decoder of type, if there is one, on body[0 .. len). */
static void fuzz_body(uint8_t type, const uint8_t *body, size_t len)
{
	switch (type) {
	case IKE_PL_SA:
		fuzz_sa(body, len);
		break;
	case IKE_PL_KE:
		fuzz_ke(body, len);
		break;
	case IKE_PL_IDI:
	case IKE_PL_IDR:
		fuzz_id(body, len);
		break;
	case IKE_PL_CERT:
		fuzz_cert(body, len);
		break;
	case IKE_PL_CERTREQ:
		fuzz_certreq(body, len);
		break;
	case IKE_PL_AUTH:
		fuzz_auth(body, len);
		break;
	case IKE_PL_NONCE:
		ike_pl_nonce_check(len);
		break;
	case IKE_PL_NOTIFY:
		fuzz_notify(body, len);
		break;
	case IKE_PL_DELETE:
		fuzz_delete(body, len);
		break;
	case IKE_PL_TSI:
	case IKE_PL_TSR:
		fuzz_ts(body, len);
		break;
	case IKE_PL_CP:
		fuzz_cp(body, len);
		break;
	default:
		break;			/* Vendor ID, EAP, SK, SKF, unknown: opaque here */
	}
}

/* ---- chains and messages ---- */

/* Copies len octets into a buffer of exactly that size: ASan sees its edges. */
static uint8_t *fuzz_dup(const uint8_t *p, size_t len)
{
	uint8_t *q = malloc(len ? len : 1);

	if (!q)
		abort();
	memcpy(q, p, len);
	return q;
}

/* The recorded payloads of a chain over [buf, buf + len), parsed or not. */
static void fuzz_chain_check(const struct ike_chain *c, const uint8_t *buf, size_t len)
{
	unsigned int i;

	FUZZ_CHECK(c->n <= IKE_MAX_PAYLOADS);
	for (i = 0; i < c->n; i++) {
		const struct ike_payload *p = &c->pl[i];

		FUZZ_CHECK(fuzz_inside(buf + p->off, IKE_GENERIC_HDR_LEN + p->len, buf, len));
		FUZZ_CHECK(p->body == buf + p->off + IKE_GENERIC_HDR_LEN);
		FUZZ_CHECK(i == 0 || p->off > c->pl[i - 1].off);
		FUZZ_CHECK(ike_chain_find(c, p->type, 0) <= (int)i);
	}
}

static void fuzz_chain_decode(const struct ike_chain *c)
{
	unsigned int i;

	for (i = 0; i < c->n; i++) {
		uint8_t *body = fuzz_dup(c->pl[i].body, c->pl[i].len);

		fuzz_body(c->pl[i].type, body, c->pl[i].len);
		free(body);
	}
}

/* An inner chain of first payload type first over [buf, buf + len). */
static void fuzz_chain(uint8_t first, const uint8_t *buf, size_t len)
{
	uint8_t crit = 0;
	struct ike_chain c;
	enum ike_parse_result r;

	r = ike_chain_parse(first, buf, len, &c, &crit);
	fuzz_chain_check(&c, buf, len);
	if (r == IKE_PARSE_UNSUPPORTED_CRITICAL)
		FUZZ_CHECK(c.n > 0 && crit == c.pl[c.n - 1].type);
	if (r != IKE_PARSE_OK)
		return;
	FUZZ_CHECK(ike_chain_find(&c, IKE_PL_SK, 0) < 0 && ike_chain_find(&c, IKE_PL_SKF, 0) < 0);
	fuzz_chain_decode(&c);
}

/* The SK or SKF payload of a parsed message under one suite's lengths. */
static void fuzz_sk(const struct ike_msg *m, size_t iv_len, size_t icv_len)
{
	struct ike_sk_layout l;
	uint8_t *inner;

	if (ike_sk_split(m, iv_len, icv_len, &l))
		return;
	FUZZ_CHECK(l.total == m->len);
	FUZZ_CHECK(l.iv_off == l.aad_len && l.aad_len > m->sk.off);
	FUZZ_CHECK(l.pt_off == l.iv_off + iv_len && l.pt_len >= 1);
	FUZZ_CHECK(l.icv_off == l.pt_off + l.pt_len && l.icv_off + icv_len == l.total);
	if (ike_sk_unpad(m->buf, &l))
		return;
	FUZZ_CHECK(l.inner_len < l.pt_len);
	inner = fuzz_dup(m->buf + l.pt_off, l.inner_len);
	fuzz_chain(m->sk.next, inner, l.inner_len);
	free(inner);
}

static void fuzz_msg(const uint8_t *data, size_t size)
{
	uint8_t crit = 0;
	struct ike_msg m;
	enum ike_parse_result r;
	size_t i;

	r = ike_msg_parse(data, size, &m, &crit);
	fuzz_chain_check(&m.chain, data, size);
	if (r == IKE_PARSE_UNSUPPORTED_CRITICAL)
		FUZZ_CHECK(m.chain.n > 0 && crit == m.chain.pl[m.chain.n - 1].type);
	if (r != IKE_PARSE_OK)
		return;
	FUZZ_CHECK(m.buf == data && m.len == size && m.hdr.length == size);
	fuzz_chain_decode(&m.chain);
	if (!m.has_sk)
		return;
	FUZZ_CHECK(m.sk.off + IKE_GENERIC_HDR_LEN + m.sk.len == size);
	FUZZ_CHECK(m.sk.type != IKE_PL_SKF ||
		   (m.frag_num >= 1 && m.frag_num <= m.frag_total));
	for (i = 0; i < sizeof(fuzz_suites) / sizeof(fuzz_suites[0]); i++)
		fuzz_sk(&m, fuzz_suites[i].iv_len, fuzz_suites[i].icv_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_msg(data, size);
	if (size >= 1)
		fuzz_chain(data[0], data + 1, size - 1);
	return 0;
}
