// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The list payloads: Traffic Selectors (RFC 7296 3.13) and Configuration
 * (3.15).  Both are a small fixed part followed by self-sized entries; the
 * entries must fill the body exactly, and a TS payload's declared count
 * must be the number found.  Address ranges must have their exact sizes
 * (16 octets for IPv4, 40 for IPv6); configuration attributes with a fixed
 * size in 3.15.1 must have it (or be empty, as in a request).
 */
#include "ike_payload.h"

#include <errno.h>
#include <string.h>

enum {
	IKE_TS_FIXED = 4,		/* number of TSs, reserved */
	IKE_CP_FIXED = 4,		/* CFG type, reserved */
	IKE_TS_IPV4_ADDR = 4,
	IKE_TS_IPV6_ADDR = 16,
	IKE_CP_IP6_PREFIX = 17,		/* address and prefix length */
	IKE_CP_IP4_SUBNET = 8,		/* address and netmask */
	IKE_CP_ATTR_TYPE_LEN = 2,	/* an entry of SUPPORTED_ATTRIBUTES */
};

/* ---- TS ---- */

static size_t ike_ts_addr_len(uint8_t type)
{
	switch (type) {
	case IKE_TS_IPV4_ADDR_RANGE:
		return IKE_TS_IPV4_ADDR;
	case IKE_TS_IPV6_ADDR_RANGE:
		return IKE_TS_IPV6_ADDR;
	default:
		return 0;
	}
}

/* One selector at p, rem octets left; its length in *slen, stored if ts. */
static enum ike_parse_result ike_ts_one(const uint8_t *p, size_t rem, size_t *slen,
					struct ike_pl_ts_entry *ts)
{
	size_t alen;

	if (rem < IKE_TS_HDR_LEN)
		return IKE_PARSE_SYNTAX;
	*slen = ike_get16(p + 2);
	if (*slen < IKE_TS_HDR_LEN || *slen > rem)
		return IKE_PARSE_SYNTAX;
	alen = ike_ts_addr_len(p[0]);
	if (!alen || !ts)
		return IKE_PARSE_OK;
	if (*slen != IKE_TS_HDR_LEN + 2 * alen)
		return IKE_PARSE_SYNTAX;
	memset(ts, 0, sizeof(*ts));
	ts->type = p[0];
	ts->ip_proto = p[1];
	ts->start_port = ike_get16(p + 4);
	ts->end_port = ike_get16(p + 6);
	memcpy(ts->start, p + IKE_TS_HDR_LEN, alen);
	memcpy(ts->end, p + IKE_TS_HDR_LEN + alen, alen);
	return IKE_PARSE_OK;
}

enum ike_parse_result ike_pl_ts_decode(const uint8_t *body, size_t len, struct ike_pl_ts *ts)
{
	struct ike_pl_ts_entry scratch;
	unsigned int found = 0;
	size_t off, slen = 0;

	memset(ts, 0, sizeof(*ts));
	if (len < IKE_TS_FIXED || body[0] == 0)
		return IKE_PARSE_SYNTAX;
	for (off = IKE_TS_FIXED; off < len; off += slen) {
		struct ike_pl_ts_entry *t = ts->n < IKE_PL_MAX_TS ? &ts->ts[ts->n] : &scratch;
		bool known = ike_ts_addr_len(body[off]) != 0;

		if (ike_ts_one(body + off, len - off, &slen, t))
			return IKE_PARSE_SYNTAX;
		found++;
		if (known && t != &scratch)
			ts->n++;
		else
			ts->n_skipped++;
	}
	return found == body[0] ? IKE_PARSE_OK : IKE_PARSE_SYNTAX;
}

int ike_build_ts(struct ike_builder *b, uint8_t pl_type, const struct ike_pl_ts *ts)
{
	unsigned int i;
	size_t hdr;

	if (ts->n == 0 || ts->n > IKE_PL_MAX_TS)
		return ike_build_fail(b, -EINVAL);
	for (i = 0; i < ts->n; i++)
		if (!ike_ts_addr_len(ts->ts[i].type))
			return ike_build_fail(b, -EINVAL);
	hdr = ike_build_payload_begin(b, pl_type, false);
	ike_build_u8(b, (uint8_t)ts->n);
	ike_build_zero(b, 3);
	for (i = 0; i < ts->n; i++) {
		const struct ike_pl_ts_entry *t = &ts->ts[i];
		size_t alen = ike_ts_addr_len(t->type);

		ike_build_u8(b, t->type);
		ike_build_u8(b, t->ip_proto);
		ike_build_u16(b, (uint16_t)(IKE_TS_HDR_LEN + 2 * alen));
		ike_build_u16(b, t->start_port);
		ike_build_u16(b, t->end_port);
		ike_build_put(b, t->start, alen);
		ike_build_put(b, t->end, alen);
	}
	ike_build_payload_end(b, hdr);
	return ike_build_error(b);
}

/* ---- CP ---- */

/* Whether an attribute of this type may have this length (3.15.1). */
static bool ike_cp_len_ok(uint16_t type, size_t len)
{
	switch (type) {
	case IKE_CP_INTERNAL_IP4_ADDRESS:
	case IKE_CP_INTERNAL_IP4_NETMASK:
	case IKE_CP_INTERNAL_IP4_DNS:
	case IKE_CP_INTERNAL_IP4_NBNS:
	case IKE_CP_INTERNAL_IP4_DHCP:
		return len == 0 || len == IKE_TS_IPV4_ADDR;
	case IKE_CP_INTERNAL_IP6_ADDRESS:
		return len == 0 || len == IKE_CP_IP6_PREFIX;
	case IKE_CP_INTERNAL_IP6_DNS:
	case IKE_CP_INTERNAL_IP6_DHCP:
		return len == 0 || len == IKE_TS_IPV6_ADDR;
	case IKE_CP_INTERNAL_IP4_SUBNET:
		return len == 0 || len == IKE_CP_IP4_SUBNET;
	case IKE_CP_INTERNAL_IP6_SUBNET:
		return len == 0 || len == IKE_CP_IP6_PREFIX;
	case IKE_CP_SUPPORTED_ATTRIBUTES:
		return len % IKE_CP_ATTR_TYPE_LEN == 0;
	default:
		return true;
	}
}

enum ike_parse_result ike_pl_cp_decode(const uint8_t *body, size_t len, struct ike_pl_cp *cp)
{
	size_t off, alen = 0;

	memset(cp, 0, sizeof(*cp));
	if (len < IKE_CP_FIXED)
		return IKE_PARSE_SYNTAX;
	cp->type = body[0];
	for (off = IKE_CP_FIXED; off < len; off += IKE_ATTR_HDR_LEN + alen) {
		uint16_t type;

		if (len - off < IKE_ATTR_HDR_LEN)
			return IKE_PARSE_SYNTAX;
		type = ike_get16(body + off) & IKE_ATTR_TYPE_MASK;
		alen = ike_get16(body + off + 2);
		if (alen > len - off - IKE_ATTR_HDR_LEN || !ike_cp_len_ok(type, alen))
			return IKE_PARSE_SYNTAX;
		if (cp->n == IKE_PL_MAX_CP_ATTRS) {
			cp->n_skipped++;
			continue;
		}
		cp->attr[cp->n].type = type;
		cp->attr[cp->n].value = body + off + IKE_ATTR_HDR_LEN;
		cp->attr[cp->n].len = (uint16_t)alen;
		cp->n++;
	}
	return IKE_PARSE_OK;
}

int ike_build_cp(struct ike_builder *b, const struct ike_pl_cp *cp)
{
	unsigned int i;
	size_t hdr;

	if (cp->n > IKE_PL_MAX_CP_ATTRS)
		return ike_build_fail(b, -EINVAL);
	hdr = ike_build_payload_begin(b, IKE_PL_CP, false);
	ike_build_u8(b, cp->type);
	ike_build_zero(b, 3);
	for (i = 0; i < cp->n; i++) {
		ike_build_u16(b, cp->attr[i].type & IKE_ATTR_TYPE_MASK);
		ike_build_u16(b, cp->attr[i].len);
		ike_build_put(b, cp->attr[i].value, cp->attr[i].len);
	}
	ike_build_payload_end(b, hdr);
	return ike_build_error(b);
}
