// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Text <-> struct dp_addr / struct xs_selector, and selector_match(), which
 * must keep the same semantics as the BPF matcher: a rule that names a port
 * range cannot match a protocol that has no ports.
 */
#include "selector.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static unsigned int family_bits(uint8_t family)
{
	return family == XS_AF_INET ? 32 : 128;
}

/* Decimal digits only (no sign, no spaces), at most max. */
static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno || *end || *out > max)
		return -EINVAL;
	return 0;
}

int addr_parse(const char *s, struct dp_addr *out)
{
	struct dp_addr a = { 0 };

	if (inet_pton(AF_INET, s, a.addr) == 1)
		a.family = XS_AF_INET;
	else if (inet_pton(AF_INET6, s, a.addr) == 1)
		a.family = XS_AF_INET6;
	else
		return -EINVAL;
	*out = a;
	return 0;
}

static int port_parse(const char *s, uint16_t *port)
{
	unsigned long v;

	if (parse_uint(s, 65535, &v) || v == 0)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

/* "[v6]" or "[v6]:PORT" */
static int addr_port_parse_bracket(const char *s, struct dp_addr *addr, uint16_t *port)
{
	const char *close = strchr(s, ']');
	char host[ADDR_STR_MAX];
	size_t len;

	if (!close)
		return -EINVAL;
	len = (size_t)(close - s - 1);
	if (len >= sizeof(host))
		return -EINVAL;
	memcpy(host, s + 1, len);
	host[len] = '\0';
	if (addr_parse(host, addr) || addr->family != XS_AF_INET6)
		return -EINVAL;
	if (close[1] == '\0')
		return 0;
	if (close[1] != ':')
		return -EINVAL;
	return port_parse(close + 2, port);
}

int addr_port_parse(const char *s, struct dp_addr *addr, uint16_t *port)
{
	const char *colon = strchr(s, ':');
	struct dp_addr a;
	char host[ADDR_STR_MAX];
	uint16_t p = 0;
	size_t len;

	if (s[0] == '[') {
		if (addr_port_parse_bracket(s, &a, &p))
			return -EINVAL;
	} else if (colon && !strchr(colon + 1, ':')) {
		/* Exactly one colon: IPv4 with a port. */
		len = (size_t)(colon - s);
		if (len >= sizeof(host))
			return -EINVAL;
		memcpy(host, s, len);
		host[len] = '\0';
		if (addr_parse(host, &a) || a.family != XS_AF_INET || port_parse(colon + 1, &p))
			return -EINVAL;
	} else if (addr_parse(s, &a)) {
		return -EINVAL;
	}
	*addr = a;
	*port = p;
	return 0;
}

const char *addr_format(const struct dp_addr *a, char *buf, size_t len)
{
	int af = a->family == XS_AF_INET ? AF_INET : AF_INET6;

	if (a->family != XS_AF_INET && a->family != XS_AF_INET6)
		snprintf(buf, len, "?");
	else if (!inet_ntop(af, a->addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

const char *addr_port_format(const struct dp_addr *a, uint16_t port, char *buf, size_t len)
{
	char host[ADDR_STR_MAX];

	addr_format(a, host, sizeof(host));
	if (!port)
		snprintf(buf, len, "%s", host);
	else if (a->family == XS_AF_INET6)
		snprintf(buf, len, "[%s]:%u", host, port);
	else
		snprintf(buf, len, "%s:%u", host, port);
	return buf;
}

/* Are the bits of addr past prefixlen all zero? */
static bool host_bits_zero(const uint8_t addr[16], unsigned int prefixlen)
{
	unsigned int i;

	for (i = prefixlen; i < 128; i++)
		if (addr[i / 8] & (0x80 >> (i % 8)))
			return false;
	return true;
}

static void clear_host_bits(uint8_t addr[16], unsigned int prefixlen)
{
	unsigned int i;

	for (i = prefixlen; i < 128; i++)
		addr[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
}

int selector_parse_cidr(const char *s, struct xs_selector *out, char *err, size_t errlen)
{
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);
	struct xs_selector sel = { .port_lo = SEL_PORT_ANY_LO, .port_hi = SEL_PORT_ANY_HI };
	char host[ADDR_STR_MAX], fixed[ADDR_STR_MAX];
	struct dp_addr a;
	unsigned long plen;

	if (len >= sizeof(host))
		goto bad_address;
	memcpy(host, s, len);
	host[len] = '\0';
	if (addr_parse(host, &a))
		goto bad_address;
	plen = family_bits(a.family);
	if (slash && parse_uint(slash + 1, family_bits(a.family), &plen)) {
		seterr(err, errlen, "invalid prefix length in '%s' (0-%u)", s,
		       family_bits(a.family));
		return -EINVAL;
	}
	if (!host_bits_zero(a.addr, (unsigned int)plen)) {
		clear_host_bits(a.addr, (unsigned int)plen);
		seterr(err, errlen, "invalid prefix '%s': host bits set (did you mean %s/%lu?)",
		       s, addr_format(&a, fixed, sizeof(fixed)), plen);
		return -EINVAL;
	}
	sel.family = a.family;
	sel.prefixlen = (uint8_t)plen;
	memcpy(sel.addr, a.addr, sizeof(sel.addr));
	*out = sel;
	return 0;

bad_address:
	seterr(err, errlen, "invalid address in '%s'", s);
	return -EINVAL;
}

const char *selector_format_prefix(const struct xs_selector *sel, char *buf, size_t len)
{
	struct dp_addr a = { .family = sel->family };
	char host[ADDR_STR_MAX];

	memcpy(a.addr, sel->addr, sizeof(a.addr));
	snprintf(buf, len, "%s/%u", addr_format(&a, host, sizeof(host)), sel->prefixlen);
	return buf;
}

const char *selector_format(const struct xs_selector *sel, char *buf, size_t len)
{
	char prefix[ADDR_STR_MAX + 4], proto[16] = "", ports[24] = "";
	const char *name = proto_name(sel->proto);

	selector_format_prefix(sel, prefix, sizeof(prefix));
	if (sel->proto && name)
		snprintf(proto, sizeof(proto), " proto %s", name);
	else if (sel->proto)
		snprintf(proto, sizeof(proto), " proto %u", sel->proto);
	if (sel->port_lo == sel->port_hi)
		snprintf(ports, sizeof(ports), " port %u", sel->port_lo);
	else if (sel->port_lo != SEL_PORT_ANY_LO || sel->port_hi != SEL_PORT_ANY_HI)
		snprintf(ports, sizeof(ports), " port %u-%u", sel->port_lo, sel->port_hi);
	snprintf(buf, len, "%s%s%s", prefix, proto, ports);
	return buf;
}

bool selector_equal(const struct xs_selector *a, const struct xs_selector *b)
{
	return a->family == b->family && a->prefixlen == b->prefixlen && a->proto == b->proto &&
	       a->port_lo == b->port_lo && a->port_hi == b->port_hi &&
	       !memcmp(a->addr, b->addr, sizeof(a->addr));
}

static bool prefix_match(const uint8_t *net, const uint8_t *addr, unsigned int plen)
{
	unsigned int whole = plen / 8, rest = plen % 8;
	uint8_t mask;

	if (memcmp(net, addr, whole))
		return false;
	if (!rest)
		return true;
	mask = (uint8_t)(0xff << (8 - rest));
	return (net[whole] & mask) == (addr[whole] & mask);
}

static bool proto_has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP;
}

bool selector_match(const struct xs_selector *sel, uint8_t family, const uint8_t addr[16],
		    uint8_t proto, uint16_t port)
{
	if (sel->family != family || sel->prefixlen > family_bits(family))
		return false;
	if (!prefix_match(sel->addr, addr, sel->prefixlen))
		return false;
	if (sel->proto && sel->proto != proto)
		return false;
	if (sel->port_lo == SEL_PORT_ANY_LO && sel->port_hi == SEL_PORT_ANY_HI)
		return true;
	if (!proto_has_ports(proto))
		return false;
	return port >= sel->port_lo && port <= sel->port_hi;
}

static const struct {
	const char *name;
	uint8_t proto;
} proto_names[] = {
	{ "tcp", IPPROTO_TCP },
	{ "udp", IPPROTO_UDP },
	{ "icmp", IPPROTO_ICMP },
	{ "icmpv6", IPPROTO_ICMPV6 },
	{ "sctp", IPPROTO_SCTP },
};

const char *proto_name(uint8_t proto)
{
	size_t i;

	for (i = 0; i < sizeof(proto_names) / sizeof(proto_names[0]); i++)
		if (proto_names[i].proto == proto)
			return proto_names[i].name;
	return NULL;
}

int proto_parse(const char *s, uint8_t *proto)
{
	unsigned long v;
	size_t i;

	for (i = 0; i < sizeof(proto_names) / sizeof(proto_names[0]); i++) {
		if (!strcmp(s, proto_names[i].name)) {
			*proto = proto_names[i].proto;
			return 0;
		}
	}
	if (parse_uint(s, 255, &v) || v == 0)
		return -EINVAL;
	*proto = (uint8_t)v;
	return 0;
}

/* "N" or "LO-HI", 0..65535. */
static int port_range_parse(const char *s, uint16_t *lo, uint16_t *hi)
{
	const char *dash = strchr(s, '-');
	char first[8];
	unsigned long a, b;
	size_t len = dash ? (size_t)(dash - s) : strlen(s);

	if (len >= sizeof(first))
		return -EINVAL;
	memcpy(first, s, len);
	first[len] = '\0';
	if (parse_uint(first, 65535, &a))
		return -EINVAL;
	b = a;
	if (dash && parse_uint(dash + 1, 65535, &b))
		return -EINVAL;
	if (a > b)
		return -EINVAL;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

/* Checks a complete rule: ports need a protocol that has them. */
static int acl_rule_check(const struct xs_selector *r, unsigned int n, char *err, size_t errlen)
{
	bool ports = r->port_lo != SEL_PORT_ANY_LO || r->port_hi != SEL_PORT_ANY_HI;

	if (ports && !proto_has_ports(r->proto)) {
		seterr(err, errlen, "rule %u: 'port' needs proto tcp, udp or sctp", n);
		return -EINVAL;
	}
	if (r->proto == IPPROTO_ICMP && r->family == XS_AF_INET6) {
		seterr(err, errlen, "rule %u: proto icmp is IPv4's, use icmpv6 with an IPv6 prefix", n);
		return -EINVAL;
	}
	if (r->proto == IPPROTO_ICMPV6 && r->family == XS_AF_INET) {
		seterr(err, errlen, "rule %u: proto icmpv6 is IPv6's, use icmp with an IPv4 prefix", n);
		return -EINVAL;
	}
	return 0;
}

/* One "proto X" or "port Y" of rule n; *seen tracks repeats. */
static int acl_rule_option(const char *opt, const char *val, struct xs_selector *r, unsigned int n,
			   unsigned int *seen, char *err, size_t errlen)
{
	unsigned int bit = !strcmp(opt, "proto") ? 1 : 2;

	if (*seen & bit) {
		seterr(err, errlen, "rule %u: '%s' given twice", n, opt);
		return -EINVAL;
	}
	*seen |= bit;
	if (!val) {
		seterr(err, errlen, "rule %u: '%s' needs a value", n, opt);
		return -EINVAL;
	}
	if (bit == 1 && proto_parse(val, &r->proto)) {
		seterr(err, errlen, "rule %u: invalid proto '%s' (tcp, udp, icmp, icmpv6, sctp "
		       "or 1-255)", n, val);
		return -EINVAL;
	}
	if (bit == 2 && port_range_parse(val, &r->port_lo, &r->port_hi)) {
		seterr(err, errlen, "rule %u: invalid port '%s' (N or LO-HI, 0-65535)", n, val);
		return -EINVAL;
	}
	return 0;
}

/* Parses "PREFIX [proto P] [port R]" (after "allow"); returns tokens used. */
static int acl_rule_parse(int argc, char *const argv[], struct xs_selector *r, unsigned int n,
			  char *err, size_t errlen)
{
	char why[128];
	unsigned int seen = 0;
	int i = 1, ret;

	if (argc < 1) {
		seterr(err, errlen, "rule %u: 'allow' needs a prefix", n);
		return -EINVAL;
	}
	if (selector_parse_cidr(argv[0], r, why, sizeof(why))) {
		seterr(err, errlen, "rule %u: %s", n, why);
		return -EINVAL;
	}
	while (i < argc && (!strcmp(argv[i], "proto") || !strcmp(argv[i], "port"))) {
		ret = acl_rule_option(argv[i], i + 1 < argc ? argv[i + 1] : NULL, r, n, &seen,
				      err, errlen);
		if (ret)
			return ret;
		i += 2;
	}
	ret = acl_rule_check(r, n, err, errlen);
	return ret ? ret : i;
}

int acl_parse(int argc, char *const argv[], struct xs_acl *acl, char *err, size_t errlen)
{
	struct xs_acl tmp = { 0 };
	int i = 0, used;

	if (argc == 1 && !strcmp(argv[0], "none")) {
		*acl = tmp;
		return 0;
	}
	if (argc == 0) {
		seterr(err, errlen, "expected 'allow PREFIX ...' rules or 'none'");
		return -EINVAL;
	}
	while (i < argc) {
		if (strcmp(argv[i], "allow")) {
			seterr(err, errlen, !strcmp(argv[i], "none") ?
			       "'none' cannot be combined with rules" :
			       "expected 'allow' at '%s'", argv[i]);
			return -EINVAL;
		}
		if (tmp.nrules == XS_ACL_MAX_RULES) {
			seterr(err, errlen, "too many rules (at most %d)", XS_ACL_MAX_RULES);
			return -E2BIG;
		}
		used = acl_rule_parse(argc - i - 1, argv + i + 1, &tmp.rules[tmp.nrules],
				      tmp.nrules + 1, err, errlen);
		if (used < 0)
			return used;
		tmp.nrules++;
		i += 1 + used;
	}
	tmp.enforce = 1;
	*acl = tmp;
	return 0;
}
