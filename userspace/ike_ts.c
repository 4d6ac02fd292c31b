// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Traffic selectors: parsing strongSwan's syntax, intersection and
 * containment of address/protocol/port ranges, narrowing, and ranges cut
 * into CIDR prefixes.  Addresses are big-endian byte strings of 4 or 16
 * bytes; all arithmetic is done on them bit by bit, which keeps IPv4 and
 * IPv6 on one code path.
 */
#include "ike_ts.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "selector.h"

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

static unsigned int addr_bytes(uint8_t family)
{
	return family == XS_AF_INET ? 4 : 16;
}

static bool bit_set(const uint8_t *a, unsigned int i)
{
	return a[i / 8] & (0x80 >> (i % 8));
}

/* Are bits [from, bits) of a all equal to one (or all zero)? */
static bool tail_bits(const uint8_t *a, unsigned int from, unsigned int bits, bool one)
{
	unsigned int i;

	for (i = from; i < bits; i++)
		if (bit_set(a, i) != one)
			return false;
	return true;
}

static void set_tail_bits(uint8_t *a, unsigned int from, unsigned int bits)
{
	unsigned int i;

	for (i = from; i < bits; i++)
		a[i / 8] |= (uint8_t)(0x80 >> (i % 8));
}

static void clear_tail_bits(uint8_t *a, unsigned int from, unsigned int bits)
{
	unsigned int i;

	for (i = from; i < bits; i++)
		a[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
}

/* a + 1 in place; false when it wrapped past the all-ones address. */
static bool addr_inc(uint8_t *a, unsigned int nbytes)
{
	unsigned int i = nbytes;

	while (i--) {
		if (++a[i])
			return true;
	}
	return false;
}

static bool port_opaque(const struct ike_ts *ts)
{
	return ts->port_lo > ts->port_hi;
}

static bool ports_any(const struct ike_ts *ts)
{
	return ts->port_lo == IKE_TS_PORT_ANY_LO && ts->port_hi == IKE_TS_PORT_ANY_HI;
}

/* The prefix length if [lo, hi] is exactly one CIDR block, else -1. */
static int range_prefix(const struct ike_ts *ts)
{
	unsigned int bits = addr_bytes(ts->family) * 8, p = 0;

	while (p < bits && bit_set(ts->lo, p) == bit_set(ts->hi, p))
		p++;
	if (!tail_bits(ts->lo, p, bits, false) || !tail_bits(ts->hi, p, bits, true))
		return -1;
	return (int)p;
}

/* ---- parsing ------------------------------------------------------------ */

static int parse_proto(const char *s, uint8_t *proto, char *err, size_t errlen)
{
	struct protoent *pe;

	if (!*s || !strcmp(s, "%any")) {
		*proto = 0;
		return 0;
	}
	if (!proto_parse(s, proto))
		return 0;
	pe = getprotobyname(s);
	if (pe && pe->p_proto > 0 && pe->p_proto < 256) {
		*proto = (uint8_t)pe->p_proto;
		return 0;
	}
	seterr(err, errlen, "unknown protocol '%s'", s);
	return -EINVAL;
}

static int parse_port_number(const char *s, uint16_t *port)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	v = strtoul(s, &end, 10);
	if (*end || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

/* "%any", "N", "LO-HI" or a service name. */
static int parse_ports(const char *s, const char *proto_name, struct ike_ts *ts, char *err,
		       size_t errlen)
{
	const char *dash = strchr(s, '-');
	struct servent *se;
	char lo[8];

	if (!*s || !strcmp(s, "%any"))
		return 0;
	if (!strcmp(s, "opaque")) {
		seterr(err, errlen, "OPAQUE port selectors are not supported");
		return -EINVAL;
	}
	if (dash && (size_t)(dash - s) < sizeof(lo)) {
		memcpy(lo, s, (size_t)(dash - s));
		lo[dash - s] = '\0';
		if (!parse_port_number(lo, &ts->port_lo) &&
		    !parse_port_number(dash + 1, &ts->port_hi) && ts->port_lo <= ts->port_hi)
			return 0;
	} else if (!dash && !parse_port_number(s, &ts->port_lo)) {
		ts->port_hi = ts->port_lo;
		return 0;
	} else if (!dash && (se = getservbyname(s, proto_name))) {
		ts->port_lo = ts->port_hi = ntohs((uint16_t)se->s_port);
		return 0;
	}
	seterr(err, errlen, "invalid port '%s' (a number, LO-HI, a service name or %%any)", s);
	return -EINVAL;
}

static bool proto_has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP;
}

/* The inside of "[PROTO/PORT]". */
static int parse_protoport(char *pp, struct ike_ts *ts, char *err, size_t errlen)
{
	char *slash = strchr(pp, '/');
	int ret;

	if (slash)
		*slash++ = '\0';
	ret = parse_proto(pp, &ts->proto, err, errlen);
	if (ret || !slash)
		return ret;
	ret = parse_ports(slash, ts->proto ? proto_name(ts->proto) : NULL, ts, err, errlen);
	if (ret || ports_any(ts))
		return ret;
	if (ts->proto == IPPROTO_ICMP || ts->proto == IPPROTO_ICMPV6) {
		seterr(err, errlen, "ICMP type/code selectors are not supported");
		return -EINVAL;
	}
	if (!proto_has_ports(ts->proto)) {
		seterr(err, errlen, "a port needs protocol tcp, udp or sctp");
		return -EINVAL;
	}
	return 0;
}

static int parse_range(char *s, char *dash, struct ike_ts *ts, char *err, size_t errlen)
{
	struct dp_addr lo, hi;
	const char *orig = s;

	*dash = '\0';
	if (addr_parse(s, &lo) || addr_parse(dash + 1, &hi) || lo.family != hi.family) {
		*dash = '-';
		seterr(err, errlen, "invalid address range '%s'", orig);
		return -EINVAL;
	}
	*dash = '-';
	if (memcmp(lo.addr, hi.addr, sizeof(lo.addr)) > 0) {
		seterr(err, errlen, "invalid address range '%s': the first address is higher", s);
		return -EINVAL;
	}
	ts->family = lo.family;
	memcpy(ts->lo, lo.addr, sizeof(ts->lo));
	memcpy(ts->hi, hi.addr, sizeof(ts->hi));
	return 0;
}

/* "dynamic", a range or a CIDR prefix (a bare address is a host). */
static int parse_addr_part(char *s, struct ike_ts_cfg *out, char *err, size_t errlen)
{
	char *dash = strchr(s, '-');
	struct xs_selector sel;

	if (!strcmp(s, "dynamic") || !strcmp(s, "%dynamic")) {
		out->dynamic = true;
		return 0;
	}
	if (dash)
		return parse_range(s, dash, &out->ts, err, errlen);
	if (selector_parse_cidr(s, &sel, err, errlen))
		return -EINVAL;
	ike_ts_from_selector(&sel, &out->ts);
	return 0;
}

int ike_ts_parse(const char *s, struct ike_ts_cfg *out, char *err, size_t errlen)
{
	struct ike_ts_cfg t = { .ts = { .port_lo = IKE_TS_PORT_ANY_LO,
					.port_hi = IKE_TS_PORT_ANY_HI } };
	char buf[IKE_TS_STR_MAX], *open, *close;

	if (strlen(s) >= sizeof(buf) || !*s) {
		seterr(err, errlen, "invalid traffic selector '%s'", s);
		return -EINVAL;
	}
	strcpy(buf, s);
	open = strchr(buf, '[');
	if (open) {
		close = strchr(open, ']');
		if (!close || close[1]) {
			seterr(err, errlen, "'%s': expected ']' at the end", s);
			return -EINVAL;
		}
		*open = *close = '\0';
	}
	/* The address first: it sets the whole range, then [proto/port] narrows it. */
	if (parse_addr_part(buf, &t, err, errlen))
		return -EINVAL;
	if (open && parse_protoport(open + 1, &t.ts, err, errlen))
		return -EINVAL;
	*out = t;
	return 0;
}

int ike_ts_parse_list(const char *s, struct ike_ts_cfg *out, unsigned int max, unsigned int *n,
		      char *err, size_t errlen)
{
	char one[IKE_TS_STR_MAX];
	const char *comma;
	unsigned int count = 0;
	size_t len;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		comma = strchr(s, ',');
		len = comma ? (size_t)(comma - s) : strlen(s);
		while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		if (count == max || len >= sizeof(one)) {
			seterr(err, errlen, count == max ? "more than %u traffic selectors" :
			       "traffic selector too long", max);
			return -EINVAL;
		}
		memcpy(one, s, len);
		one[len] = '\0';
		if (ike_ts_parse(one, &out[count], err, errlen))
			return -EINVAL;
		count++;
		if (!comma)
			break;
		s = comma + 1;
	}
	*n = count;
	return 0;
}

/* ---- set operations ----------------------------------------------------- */

void ike_ts_from_addr(const struct dp_addr *addr, struct ike_ts *out)
{
	memset(out, 0, sizeof(*out));
	out->family = addr->family;
	out->port_hi = IKE_TS_PORT_ANY_HI;
	memcpy(out->lo, addr->addr, sizeof(out->lo));
	memcpy(out->hi, addr->addr, sizeof(out->hi));
}

void ike_ts_from_selector(const struct xs_selector *sel, struct ike_ts *out)
{
	unsigned int bits = addr_bytes(sel->family) * 8;

	memset(out, 0, sizeof(*out));
	out->family = sel->family;
	out->proto = sel->proto;
	out->port_lo = sel->port_lo;
	out->port_hi = sel->port_hi;
	memcpy(out->lo, sel->addr, sizeof(out->lo));
	clear_tail_bits(out->lo, sel->prefixlen, bits);
	memcpy(out->hi, out->lo, sizeof(out->hi));
	set_tail_bits(out->hi, sel->prefixlen, bits);
}

int ike_ts_resolve(const struct ike_ts_cfg *cfg, unsigned int n, const struct dp_addr *addr,
		   struct ike_ts *out, unsigned int max)
{
	unsigned int i;

	if (n > max)
		return -E2BIG;
	for (i = 0; i < n; i++) {
		if (!cfg[i].dynamic) {
			out[i] = cfg[i].ts;
			continue;
		}
		if (!addr)
			return -EINVAL;
		ike_ts_from_addr(addr, &out[i]);
		out[i].proto = cfg[i].ts.proto;
		out[i].port_lo = cfg[i].ts.port_lo;
		out[i].port_hi = cfg[i].ts.port_hi;
	}
	return (int)n;
}

bool ike_ts_equal(const struct ike_ts *a, const struct ike_ts *b)
{
	unsigned int nb = addr_bytes(a->family);

	return a->family == b->family && a->proto == b->proto && a->port_lo == b->port_lo &&
	       a->port_hi == b->port_hi && !memcmp(a->lo, b->lo, nb) && !memcmp(a->hi, b->hi, nb);
}

bool ike_ts_intersect(const struct ike_ts *a, const struct ike_ts *b, struct ike_ts *out)
{
	unsigned int nb = addr_bytes(a->family);
	struct ike_ts r = { .family = a->family };

	if (a->family != b->family || (a->family != XS_AF_INET && a->family != XS_AF_INET6))
		return false;
	if (a->proto && b->proto && a->proto != b->proto)
		return false;
	if (port_opaque(a) || port_opaque(b))
		return false;
	r.proto = a->proto ?: b->proto;
	r.port_lo = a->port_lo > b->port_lo ? a->port_lo : b->port_lo;
	r.port_hi = a->port_hi < b->port_hi ? a->port_hi : b->port_hi;
	memcpy(r.lo, memcmp(a->lo, b->lo, nb) > 0 ? a->lo : b->lo, nb);
	memcpy(r.hi, memcmp(a->hi, b->hi, nb) < 0 ? a->hi : b->hi, nb);
	if (r.port_lo > r.port_hi || memcmp(r.lo, r.hi, nb) > 0)
		return false;
	*out = r;
	return true;
}

bool ike_ts_within(const struct ike_ts *inner, const struct ike_ts *outer)
{
	unsigned int nb = addr_bytes(inner->family);

	if (inner->family != outer->family || port_opaque(inner) || port_opaque(outer))
		return false;
	if (outer->proto && outer->proto != inner->proto)
		return false;
	return memcmp(outer->lo, inner->lo, nb) <= 0 && memcmp(inner->hi, outer->hi, nb) <= 0 &&
	       outer->port_lo <= inner->port_lo && inner->port_hi <= outer->port_hi;
}

bool ike_ts_all_within(const struct ike_ts *ts, unsigned int n, const struct ike_ts *allowed,
		       unsigned int n_allowed)
{
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < n_allowed; j++)
			if (ike_ts_within(&ts[i], &allowed[j]))
				break;
		if (j == n_allowed)
			return false;
	}
	return true;
}

/*
 * Adds x to out[0..*n) unless a result contains it; drops the results x
 * contains.  -E2BIG if there is no room.
 */
static int add_narrowed(struct ike_ts *out, unsigned int *n, unsigned int max,
			const struct ike_ts *x)
{
	unsigned int i, kept = 0;

	for (i = 0; i < *n; i++)
		if (ike_ts_within(x, &out[i]))
			return 0;
	for (i = 0; i < *n; i++)
		if (!ike_ts_within(&out[i], x))
			out[kept++] = out[i];
	*n = kept;
	if (*n == max)
		return -E2BIG;
	out[(*n)++] = *x;
	return 0;
}

int ike_ts_narrow(const struct ike_ts *ours, unsigned int n_ours, const struct ike_ts *peer,
		  unsigned int n_peer, struct ike_ts *out, unsigned int max)
{
	unsigned int i, j, n = 0;
	struct ike_ts x;

	for (i = 0; i < n_ours; i++) {
		for (j = 0; j < n_peer; j++) {
			if (!ike_ts_intersect(&ours[i], &peer[j], &x))
				continue;
			if (add_narrowed(out, &n, max, &x))
				return -E2BIG;
		}
	}
	return n ? (int)n : -ENOENT;
}

int ike_ts_narrow_cfg(const struct ike_ts_cfg *cfg, unsigned int n_cfg,
		      const struct dp_addr *dynamic, const struct ike_ts *peer, unsigned int n_peer,
		      struct ike_ts *out, unsigned int max)
{
	struct ike_ts ours[IKE_TS_MAX];
	int n = ike_ts_resolve(cfg, n_cfg, dynamic, ours, IKE_TS_MAX);

	if (n < 0)
		return n;
	return ike_ts_narrow(ours, (unsigned int)n, peer, n_peer, out, max);
}

/* ---- ranges to prefixes ------------------------------------------------- */

/* The shortest prefix starting at cur that ends at or before hi. */
static unsigned int largest_block(const uint8_t *cur, const uint8_t *hi, unsigned int bits)
{
	unsigned int nb = bits / 8, plen;
	uint8_t last[16];

	for (plen = 0; plen < bits; plen++) {
		if (!tail_bits(cur, plen, bits, false))
			continue;
		memcpy(last, cur, nb);
		set_tail_bits(last, plen, bits);
		if (memcmp(last, hi, nb) <= 0)
			return plen;
	}
	return bits;
}

static void emit_prefix(const struct ike_ts *ts, const uint8_t *cur, unsigned int plen,
			struct xs_selector *sel)
{
	memset(sel, 0, sizeof(*sel));
	sel->family = ts->family;
	sel->prefixlen = (uint8_t)plen;
	sel->proto = ts->proto;
	sel->port_lo = ts->port_lo;
	sel->port_hi = ts->port_hi;
	memcpy(sel->addr, cur, addr_bytes(ts->family));
}

int ike_ts_to_selectors(const struct ike_ts *ts, struct xs_selector *out, unsigned int max)
{
	unsigned int bits = addr_bytes(ts->family) * 8, nb = bits / 8, plen, n = 0;
	uint8_t cur[16] = { 0 };

	if ((ts->family != XS_AF_INET && ts->family != XS_AF_INET6) || port_opaque(ts) ||
	    memcmp(ts->lo, ts->hi, nb) > 0)
		return -EINVAL;
	memcpy(cur, ts->lo, nb);
	for (;;) {
		if (n == max)
			return -E2BIG;
		plen = largest_block(cur, ts->hi, bits);
		emit_prefix(ts, cur, plen, &out[n++]);
		set_tail_bits(cur, plen, bits);
		if (!memcmp(cur, ts->hi, nb) || !addr_inc(cur, nb))
			return (int)n;
	}
}

/* ---- formatting --------------------------------------------------------- */

static void format_protoport(uint8_t proto, uint16_t lo, uint16_t hi, char *buf, size_t len)
{
	const char *name = proto_name(proto);
	char p[8], ports[16] = "";

	if (!proto && lo == IKE_TS_PORT_ANY_LO && hi == IKE_TS_PORT_ANY_HI) {
		buf[0] = '\0';
		return;
	}
	if (name)
		snprintf(p, sizeof(p), "%s", name);
	else
		snprintf(p, sizeof(p), "%u", proto);
	if (lo > hi)
		snprintf(ports, sizeof(ports), "/OPAQUE");
	else if (lo == hi)
		snprintf(ports, sizeof(ports), "/%u", lo);
	else if (lo != IKE_TS_PORT_ANY_LO || hi != IKE_TS_PORT_ANY_HI)
		snprintf(ports, sizeof(ports), "/%u-%u", lo, hi);
	snprintf(buf, len, "[%s%s]", p, ports);
}

const char *ike_ts_format(const struct ike_ts *ts, char *buf, size_t len)
{
	struct dp_addr lo = { .family = ts->family }, hi = { .family = ts->family };
	char a[ADDR_STR_MAX], b[ADDR_STR_MAX], pp[40];
	int plen = range_prefix(ts);

	memcpy(lo.addr, ts->lo, sizeof(lo.addr));
	memcpy(hi.addr, ts->hi, sizeof(hi.addr));
	format_protoport(ts->proto, ts->port_lo, ts->port_hi, pp, sizeof(pp));
	addr_format(&lo, a, sizeof(a));
	if (plen >= 0)
		snprintf(buf, len, "%s/%d%s", a, plen, pp);
	else
		snprintf(buf, len, "%s..%s%s", a, addr_format(&hi, b, sizeof(b)), pp);
	return buf;
}

const char *ike_ts_cfg_format(const struct ike_ts_cfg *ts, char *buf, size_t len)
{
	char pp[40];

	if (!ts->dynamic)
		return ike_ts_format(&ts->ts, buf, len);
	format_protoport(ts->ts.proto, ts->ts.port_lo, ts->ts.port_hi, pp, sizeof(pp));
	snprintf(buf, len, "dynamic%s", pp);
	return buf;
}
