// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * IKEv2 message codec, message level: header, generic payload chain, SK
 * framing, and the builder.
 *
 * The parser trusts no length.  Every generic header is checked against the
 * octets left (at least its own four, at most what remains) before its body
 * is recorded, a chain must end exactly where its buffer ends, and a chain
 * holds at most IKE_MAX_PAYLOADS payloads.  Payloads cannot overlap or loop
 * (each consumes at least four octets), so the walk is bounded by the
 * buffer.  Unknown payload types are skipped when not critical and stop the
 * walk with their type when critical (RFC 7296 2.5).  Known types are 33-48
 * and SKF (53); the reserved bits of a generic header are ignored.
 *
 * The builder appends to a caller's buffer and keeps the offset of the Next
 * Payload octet that the next payload must patch: the header's at first,
 * then each payload's own, and inside an SK payload the SK header's first,
 * so the inner chain links itself exactly as the outer one does.  Lengths
 * are patched when a payload ends.  Every write is bounds-checked against
 * the capacity; the first failure sticks and turns later calls into no-ops.
 */
#include "ike_msg.h"

#include <errno.h>
#include <string.h>

enum {
	IKE_HDR_NP_OFF = 16,		/* Next Payload octet of the IKE header */
	IKE_HDR_LEN_OFF = 24,
	IKE_GEN_LEN_OFF = 2,		/* Payload Length in a generic header */
	IKE_PAYLOAD_MAX = 65535,
	IKE_PL_FIRST_KNOWN = IKE_PL_SA,
	IKE_PL_LAST_KNOWN = IKE_PL_EAP,
};

enum ike_build_state {
	IKE_BUILD_OPEN,			/* payloads may be added */
	IKE_BUILD_IN_SK,		/* inner payloads of the SK payload */
	IKE_BUILD_SEALED,		/* SK closed: the message is complete */
	IKE_BUILD_DETACHED,		/* SK handed to a crypto layer that seals it */
};

/* ---- parsing ---- */

enum ike_parse_result ike_hdr_parse(const uint8_t *buf, size_t len, struct ike_hdr *h)
{
	if (len < IKE_HDR_LEN)
		return IKE_PARSE_SYNTAX;
	memcpy(h->spi_i, buf, IKE_SPI_LEN);
	memcpy(h->spi_r, buf + IKE_SPI_LEN, IKE_SPI_LEN);
	h->next_payload = buf[16];
	h->version = buf[17];
	h->exchange = buf[18];
	h->flags = buf[19];
	h->msg_id = ike_get32(buf + 20);
	h->length = ike_get32(buf + IKE_HDR_LEN_OFF);
	if ((h->version & IKE_VERSION_MAJOR_MASK) != IKE_VERSION_2)
		return IKE_PARSE_BAD_VERSION;
	if (h->length != len)
		return IKE_PARSE_SYNTAX;
	return IKE_PARSE_OK;
}

void ike_hdr_write(uint8_t *out, const struct ike_hdr *h)
{
	memcpy(out, h->spi_i, IKE_SPI_LEN);
	memcpy(out + IKE_SPI_LEN, h->spi_r, IKE_SPI_LEN);
	out[16] = h->next_payload;
	out[17] = h->version;
	out[18] = h->exchange;
	out[19] = h->flags;
	ike_put32(out + 20, h->msg_id);
	ike_put32(out + IKE_HDR_LEN_OFF, h->length);
}

static bool ike_payload_known(uint8_t type)
{
	return (type >= IKE_PL_FIRST_KNOWN && type <= IKE_PL_LAST_KNOWN) || type == IKE_PL_SKF;
}

static bool ike_is_encrypted(uint8_t type)
{
	return type == IKE_PL_SK || type == IKE_PL_SKF;
}

/*
 * Records the payload of the given type whose generic header is at off.
 * Checks only what the generic header says; the body is the decoders'.
 */
static enum ike_parse_result ike_payload_take(uint8_t type, const uint8_t *buf, size_t len,
					      size_t off, struct ike_payload *p)
{
	size_t plen;

	if (len - off < IKE_GENERIC_HDR_LEN)
		return IKE_PARSE_SYNTAX;
	plen = ike_get16(buf + off + IKE_GEN_LEN_OFF);
	if (plen < IKE_GENERIC_HDR_LEN || plen > len - off)
		return IKE_PARSE_SYNTAX;
	p->type = type;
	p->next = buf[off];
	p->critical = buf[off + 1] & IKE_PL_CRITICAL;
	p->known = ike_payload_known(type);
	p->off = off;
	p->body = buf + off + IKE_GENERIC_HDR_LEN;
	p->len = plen - IKE_GENERIC_HDR_LEN;
	return IKE_PARSE_OK;
}

/*
 * Walks a chain from type first over [buf + off, buf + len).  With allow_sk
 * an SK or SKF payload ends the walk and must be the last octets of the
 * buffer; without, it is a syntax error.
 */
static enum ike_parse_result ike_chain_walk(uint8_t type, const uint8_t *buf, size_t off,
					    size_t len, struct ike_chain *c, bool allow_sk,
					    uint8_t *crit_type)
{
	enum ike_parse_result r;

	c->n = 0;
	while (type != IKE_PL_NONE) {
		struct ike_payload *p;

		if (c->n == IKE_MAX_PAYLOADS)
			return IKE_PARSE_SYNTAX;
		p = &c->pl[c->n];
		r = ike_payload_take(type, buf, len, off, p);
		if (r)
			return r;
		c->n++;
		if (!p->known && p->critical) {
			if (crit_type)
				*crit_type = type;
			return IKE_PARSE_UNSUPPORTED_CRITICAL;
		}
		off += IKE_GENERIC_HDR_LEN + p->len;
		if (ike_is_encrypted(type))
			return allow_sk && off == len ? IKE_PARSE_OK : IKE_PARSE_SYNTAX;
		type = p->next;
	}
	return off == len ? IKE_PARSE_OK : IKE_PARSE_SYNTAX;
}

enum ike_parse_result ike_chain_parse(uint8_t first, const uint8_t *buf, size_t len,
				      struct ike_chain *c, uint8_t *crit_type)
{
	return ike_chain_walk(first, buf, 0, len, c, false, crit_type);
}

/* The fragment fields that open an SKF body (RFC 7383 2.5). */
static enum ike_parse_result ike_skf_parse(struct ike_msg *m)
{
	if (m->sk.len < IKE_SKF_FRAG_LEN)
		return IKE_PARSE_SYNTAX;
	m->frag_num = ike_get16(m->sk.body);
	m->frag_total = ike_get16(m->sk.body + 2);
	if (m->frag_num == 0 || m->frag_num > m->frag_total)
		return IKE_PARSE_SYNTAX;
	return IKE_PARSE_OK;
}

enum ike_parse_result ike_msg_parse(const uint8_t *buf, size_t len, struct ike_msg *m,
				    uint8_t *crit_type)
{
	enum ike_parse_result r;
	const struct ike_payload *last;

	memset(m, 0, sizeof(*m));
	r = ike_hdr_parse(buf, len, &m->hdr);
	if (r)
		return r;
	m->buf = buf;
	m->len = len;
	r = ike_chain_walk(m->hdr.next_payload, buf, IKE_HDR_LEN, len, &m->chain, true,
			   crit_type);
	if (r || m->chain.n == 0)
		return r;
	last = &m->chain.pl[m->chain.n - 1];
	if (!ike_is_encrypted(last->type))
		return IKE_PARSE_OK;
	m->has_sk = true;
	m->sk = *last;
	return last->type == IKE_PL_SKF ? ike_skf_parse(m) : IKE_PARSE_OK;
}

int ike_chain_find(const struct ike_chain *c, uint8_t type, unsigned int from)
{
	unsigned int i;

	for (i = from; i < c->n; i++)
		if (c->pl[i].type == type)
			return (int)i;
	return -1;
}

enum ike_parse_result ike_sk_split(const struct ike_msg *m, size_t iv_len, size_t icv_len,
				   struct ike_sk_layout *l)
{
	size_t start, body;

	if (!m->has_sk)
		return IKE_PARSE_SYNTAX;
	start = m->sk.type == IKE_PL_SKF ? IKE_SKF_FRAG_LEN : 0;
	body = m->sk.len - start;
	/* IV, ICV and at least the pad length octet */
	if (iv_len > body || icv_len > body - iv_len || body - iv_len - icv_len < 1)
		return IKE_PARSE_SYNTAX;
	memset(l, 0, sizeof(*l));
	l->aad_len = m->sk.off + IKE_GENERIC_HDR_LEN + start;
	l->iv_off = l->aad_len;
	l->iv_len = iv_len;
	l->pt_off = l->iv_off + iv_len;
	l->pt_len = body - iv_len - icv_len;
	l->icv_off = l->pt_off + l->pt_len;
	l->icv_len = icv_len;
	l->total = l->icv_off + icv_len;
	return IKE_PARSE_OK;
}

enum ike_parse_result ike_sk_unpad(const uint8_t *msg, struct ike_sk_layout *l)
{
	size_t pad;

	if (l->pt_len < 1)
		return IKE_PARSE_SYNTAX;
	pad = msg[l->pt_off + l->pt_len - 1];
	if (pad > l->pt_len - 1)
		return IKE_PARSE_SYNTAX;
	l->inner_len = l->pt_len - 1 - pad;
	return IKE_PARSE_OK;
}

/* ---- building ---- */

int ike_build_fail(struct ike_builder *b, int err)
{
	if (!b->err)
		b->err = err;
	return b->err;
}

/* Room for n more octets, or the builder fails with -ENOSPC. */
static uint8_t *ike_build_room(struct ike_builder *b, size_t n)
{
	uint8_t *p;

	if (b->err)
		return NULL;
	if (n > b->cap - b->len) {
		ike_build_fail(b, -ENOSPC);
		return NULL;
	}
	p = b->buf + b->len;
	b->len += n;
	return p;
}

void ike_build_begin(struct ike_builder *b, uint8_t *buf, size_t cap, const struct ike_hdr *hdr)
{
	struct ike_hdr h = *hdr;
	uint8_t *p;

	memset(b, 0, sizeof(*b));
	b->buf = buf;
	b->cap = buf ? cap : 0;
	b->state = IKE_BUILD_OPEN;
	b->np_off = IKE_HDR_NP_OFF;
	p = ike_build_room(b, IKE_HDR_LEN);
	if (!p)
		return;
	h.next_payload = IKE_PL_NONE;
	h.length = IKE_HDR_LEN;
	ike_hdr_write(p, &h);
}

int ike_build_error(const struct ike_builder *b)
{
	return b->err;
}

void ike_build_put(struct ike_builder *b, const void *data, size_t len)
{
	uint8_t *p = ike_build_room(b, len);

	if (p && len)
		memcpy(p, data, len);
}

void ike_build_zero(struct ike_builder *b, size_t len)
{
	uint8_t *p = ike_build_room(b, len);

	if (p)
		memset(p, 0, len);
}

void ike_build_u8(struct ike_builder *b, uint8_t v)
{
	ike_build_put(b, &v, 1);
}

void ike_build_u16(struct ike_builder *b, uint16_t v)
{
	uint8_t p[2];

	ike_put16(p, v);
	ike_build_put(b, p, sizeof(p));
}

void ike_build_u32(struct ike_builder *b, uint32_t v)
{
	uint8_t p[4];

	ike_put32(p, v);
	ike_build_put(b, p, sizeof(p));
}

void ike_build_len16(struct ike_builder *b, size_t off, size_t start)
{
	if (b->err)
		return;
	if (b->len - start > IKE_PAYLOAD_MAX) {
		ike_build_fail(b, -EMSGSIZE);
		return;
	}
	ike_put16(b->buf + off, (uint16_t)(b->len - start));
}

size_t ike_build_payload_begin(struct ike_builder *b, uint8_t type, bool critical)
{
	size_t off = b->len;
	uint8_t *p;

	if (b->state == IKE_BUILD_SEALED || b->state == IKE_BUILD_DETACHED)
		ike_build_fail(b, -EINVAL);
	p = ike_build_room(b, IKE_GENERIC_HDR_LEN);
	if (!p)
		return off;
	p[0] = IKE_PL_NONE;
	p[1] = critical ? IKE_PL_CRITICAL : 0;
	ike_put16(p + IKE_GEN_LEN_OFF, IKE_GENERIC_HDR_LEN);
	b->buf[b->np_off] = type;
	b->np_off = off;
	return off;
}

void ike_build_payload_end(struct ike_builder *b, size_t hdr_off)
{
	ike_build_len16(b, hdr_off + IKE_GEN_LEN_OFF, hdr_off);
}

int ike_build_raw(struct ike_builder *b, uint8_t type, bool critical, const void *body,
		  size_t len)
{
	size_t hdr = ike_build_payload_begin(b, type, critical);

	ike_build_put(b, body, len);
	ike_build_payload_end(b, hdr);
	return b->err;
}

int ike_build_sk_begin(struct ike_builder *b, size_t iv_len)
{
	if (b->state != IKE_BUILD_OPEN)
		ike_build_fail(b, -EINVAL);
	b->sk_off = ike_build_payload_begin(b, IKE_PL_SK, false);
	ike_build_zero(b, iv_len);
	if (b->err)
		return b->err;
	b->sk_iv_len = iv_len;
	b->state = IKE_BUILD_IN_SK;
	return 0;
}

/* Zero padding and the pad length octet, filling the plaintext to block. */
static void ike_build_pad(struct ike_builder *b, size_t pt_start, size_t block)
{
	size_t pad = 0;

	if (block > 1)
		pad = (block - (b->len - pt_start + 1) % block) % block;
	ike_build_zero(b, pad);
	ike_build_u8(b, (uint8_t)pad);
}

int ike_build_sk_end(struct ike_builder *b, size_t block, size_t icv_len,
		     struct ike_sk_layout *l)
{
	size_t pt_start = b->sk_off + IKE_GENERIC_HDR_LEN + b->sk_iv_len;
	size_t inner_len = b->len - pt_start;

	if (b->state != IKE_BUILD_IN_SK || block == 0 || block > UINT8_MAX + 1)
		ike_build_fail(b, -EINVAL);
	ike_build_pad(b, pt_start, block);
	ike_build_zero(b, icv_len);
	ike_build_payload_end(b, b->sk_off);
	if (b->err)
		return b->err;
	b->state = IKE_BUILD_SEALED;
	memset(l, 0, sizeof(*l));
	l->aad_len = b->sk_off + IKE_GENERIC_HDR_LEN;
	l->iv_off = l->aad_len;
	l->iv_len = b->sk_iv_len;
	l->pt_off = pt_start;
	l->inner_len = inner_len;
	l->icv_off = b->len - icv_len;
	l->icv_len = icv_len;
	l->pt_len = l->icv_off - pt_start;
	l->total = b->len;
	return ike_build_finish(b, NULL);
}

int ike_build_sk_detach(struct ike_builder *b, size_t *sk_off, size_t *plain_len)
{
	if (b->state != IKE_BUILD_IN_SK)
		ike_build_fail(b, -EINVAL);
	if (b->err)
		return b->err;
	b->state = IKE_BUILD_DETACHED;
	*sk_off = b->sk_off;
	*plain_len = b->len - (b->sk_off + IKE_GENERIC_HDR_LEN + b->sk_iv_len);
	return 0;
}

int ike_build_finish(struct ike_builder *b, size_t *len)
{
	if (b->state == IKE_BUILD_IN_SK || b->state == IKE_BUILD_DETACHED)
		ike_build_fail(b, -EINVAL);
	if (b->err)
		return b->err;
	ike_put32(b->buf + IKE_HDR_LEN_OFF, (uint32_t)b->len);
	if (len)
		*len = b->len;
	return 0;
}
