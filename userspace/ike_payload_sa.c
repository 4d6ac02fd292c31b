// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The Security Association payload (RFC 7296 3.3): proposals, transforms,
 * transform attributes, three levels of nested lengths.
 *
 * Every level is checked the same way (3.3: "an implementation MUST check
 * that the total Payload Length is consistent with the payload's internal
 * lengths and counts"): a substructure's length covers at least its fixed
 * part and at most what is left of its parent, the last one ends exactly
 * where its parent ends, the Last Substruc octet agrees with its position
 * (0 last, 2 more proposals, 3 more transforms), and the declared number of
 * transforms is the number found.  Only then is anything stored.
 *
 * Attributes: the only one IKEv2 defines is Key Length, in TV form
 * (3.3.5).  Anything else makes its transform unacceptable (3.3.6) without
 * making the message malformed, as long as its length fits.
 */
#include "ike_payload.h"

#include <errno.h>
#include <string.h>

/* ---- decoding ---- */

/* One attribute at a, rem octets left in the transform; its size in *size. */
static enum ike_parse_result ike_attr_parse(const uint8_t *a, size_t rem, size_t *size,
					    struct ike_pl_transform *t)
{
	uint16_t type;
	uint16_t val;

	if (rem < IKE_ATTR_HDR_LEN)
		return IKE_PARSE_SYNTAX;
	type = ike_get16(a);
	val = ike_get16(a + 2);
	if (!(type & IKE_ATTR_TV)) {
		/* TLV: val is the length of what follows */
		if (val > rem - IKE_ATTR_HDR_LEN)
			return IKE_PARSE_SYNTAX;
		*size = IKE_ATTR_HDR_LEN + val;
		t->unacceptable = true;
		return IKE_PARSE_OK;
	}
	*size = IKE_ATTR_HDR_LEN;
	if ((type & IKE_ATTR_TYPE_MASK) != IKE_ATTR_KEY_LENGTH || t->key_len || val == 0)
		t->unacceptable = true;
	else
		t->key_len = val;
	return IKE_PARSE_OK;
}

/* One transform at p, rem octets left in the proposal; its length in *tlen. */
static enum ike_parse_result ike_transform_parse(const uint8_t *p, size_t rem, size_t *tlen,
						 struct ike_pl_transform *t)
{
	size_t off, size = 0;
	bool last;

	if (rem < IKE_TRANSFORM_HDR_LEN)
		return IKE_PARSE_SYNTAX;
	*tlen = ike_get16(p + 2);
	if (*tlen < IKE_TRANSFORM_HDR_LEN || *tlen > rem)
		return IKE_PARSE_SYNTAX;
	last = *tlen == rem;
	if (p[0] != (last ? IKE_LAST_SUBSTRUC : IKE_MORE_TRANSFORMS))
		return IKE_PARSE_SYNTAX;
	memset(t, 0, sizeof(*t));
	t->type = p[4];
	t->id = ike_get16(p + 6);
	for (off = IKE_TRANSFORM_HDR_LEN; off < *tlen; off += size)
		if (ike_attr_parse(p + off, *tlen - off, &size, t))
			return IKE_PARSE_SYNTAX;
	return IKE_PARSE_OK;
}

/*
 * The transforms of a proposal, [p, p + len).  All are checked; the first
 * IKE_PL_MAX_TRANSFORMS are stored.  *count is how many were found.
 */
static enum ike_parse_result ike_transforms_parse(const uint8_t *p, size_t len,
						  struct ike_pl_proposal *prop, unsigned int *count)
{
	struct ike_pl_transform scratch;
	size_t off, tlen = 0;

	*count = 0;
	for (off = 0; off < len; off += tlen) {
		struct ike_pl_transform *t = *count < IKE_PL_MAX_TRANSFORMS ?
					  &prop->trans[*count] : &scratch;

		if (ike_transform_parse(p + off, len - off, &tlen, t))
			return IKE_PARSE_SYNTAX;
		(*count)++;
	}
	return IKE_PARSE_OK;
}

/* One proposal at p, rem octets left in the SA; its length in *plen. */
static enum ike_parse_result ike_proposal_parse(const uint8_t *p, size_t rem, size_t *plen,
						struct ike_pl_proposal *prop, bool *stored)
{
	unsigned int declared, found;
	size_t fixed;
	bool last;

	if (rem < IKE_PROPOSAL_HDR_LEN)
		return IKE_PARSE_SYNTAX;
	*plen = ike_get16(p + 2);
	if (*plen < IKE_PROPOSAL_HDR_LEN || *plen > rem)
		return IKE_PARSE_SYNTAX;
	last = *plen == rem;
	if (p[0] != (last ? IKE_LAST_SUBSTRUC : IKE_MORE_PROPOSALS))
		return IKE_PARSE_SYNTAX;
	prop->num = p[4];
	prop->proto = p[5];
	prop->spi_len = p[6];
	declared = p[7];
	fixed = IKE_PROPOSAL_HDR_LEN + prop->spi_len;
	if (!ike_pl_spi_len_ok(prop->spi_len) || fixed > *plen)
		return IKE_PARSE_SYNTAX;
	memcpy(prop->spi, p + IKE_PROPOSAL_HDR_LEN, prop->spi_len);
	if (ike_transforms_parse(p + fixed, *plen - fixed, prop, &found) || found != declared)
		return IKE_PARSE_SYNTAX;
	*stored = found <= IKE_PL_MAX_TRANSFORMS;
	prop->n_trans = *stored ? found : 0;
	return IKE_PARSE_OK;
}

enum ike_parse_result ike_pl_sa_decode(const uint8_t *body, size_t len, struct ike_pl_sa *sa)
{
	struct ike_pl_proposal scratch;
	unsigned int prev_num = 0;
	size_t off, plen = 0;

	memset(sa, 0, sizeof(*sa));
	if (len == 0)
		return IKE_PARSE_SYNTAX;
	for (off = 0; off < len; off += plen) {
		struct ike_pl_proposal *prop = sa->n_prop < IKE_PL_MAX_PROPOSALS ?
					    &sa->prop[sa->n_prop] : &scratch;
		bool stored = false;

		if (ike_proposal_parse(body + off, len - off, &plen, prop, &stored))
			return IKE_PARSE_SYNTAX;
		if (prop->num == 0 || prop->num <= prev_num)
			return IKE_PARSE_SYNTAX;
		prev_num = prop->num;
		if (stored && prop != &scratch)
			sa->n_prop++;
		else
			sa->n_skipped++;
	}
	return IKE_PARSE_OK;
}

/* ---- encoding ---- */

static void ike_build_transform(struct ike_builder *b, const struct ike_pl_transform *t, bool last)
{
	size_t start = b->len;

	ike_build_u8(b, last ? IKE_LAST_SUBSTRUC : IKE_MORE_TRANSFORMS);
	ike_build_u8(b, 0);
	ike_build_u16(b, 0);
	ike_build_u8(b, t->type);
	ike_build_u8(b, 0);
	ike_build_u16(b, t->id);
	if (t->key_len) {
		ike_build_u16(b, IKE_ATTR_TV | IKE_ATTR_KEY_LENGTH);
		ike_build_u16(b, t->key_len);
	}
	ike_build_len16(b, start + 2, start);
}

static void ike_build_proposal(struct ike_builder *b, const struct ike_pl_proposal *p, bool last)
{
	size_t start = b->len;
	unsigned int i;

	if (p->n_trans > IKE_PL_MAX_TRANSFORMS || !ike_pl_spi_len_ok(p->spi_len)) {
		ike_build_fail(b, -EINVAL);
		return;
	}
	ike_build_u8(b, last ? IKE_LAST_SUBSTRUC : IKE_MORE_PROPOSALS);
	ike_build_u8(b, 0);
	ike_build_u16(b, 0);
	ike_build_u8(b, p->num);
	ike_build_u8(b, p->proto);
	ike_build_u8(b, p->spi_len);
	ike_build_u8(b, (uint8_t)p->n_trans);
	ike_build_put(b, p->spi, p->spi_len);
	for (i = 0; i < p->n_trans; i++)
		ike_build_transform(b, &p->trans[i], i + 1 == p->n_trans);
	ike_build_len16(b, start + 2, start);
}

int ike_build_sa(struct ike_builder *b, const struct ike_pl_sa *sa)
{
	unsigned int i;
	size_t hdr;

	if (sa->n_prop == 0 || sa->n_prop > IKE_PL_MAX_PROPOSALS)
		return ike_build_fail(b, -EINVAL);
	hdr = ike_build_payload_begin(b, IKE_PL_SA, false);
	for (i = 0; i < sa->n_prop; i++)
		ike_build_proposal(b, &sa->prop[i], i + 1 == sa->n_prop);
	ike_build_payload_end(b, hdr);
	return ike_build_error(b);
}
