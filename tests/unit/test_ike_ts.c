// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Traffic selectors: strongSwan's local_ts/remote_ts syntax, intersection
 * and containment, RFC 7296 2.9 narrowing (subset, superset, disjoint,
 * protocols, ports, dynamic), and address ranges cut into the CIDR
 * prefixes the data plane matches.
 */
#include <errno.h>
#include <netdb.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ike_ts.h"
#include "selector.h"

enum { P_ICMP = 1, P_TCP = 6, P_UDP = 17 };

static struct ike_ts_cfg cfg(const char *s)
{
	struct ike_ts_cfg t;
	char err[256];

	if (ike_ts_parse(s, &t, err, sizeof(err)))
		fail_msg("'%s': %s", s, err);
	return t;
}

static struct ike_ts ts(const char *s)
{
	struct ike_ts_cfg t = cfg(s);

	assert_false(t.dynamic);
	return t.ts;
}

static const char *fmt(const struct ike_ts *t)
{
	static char buf[4][IKE_TS_STR_MAX];
	static unsigned int i;

	return ike_ts_format(t, buf[i++ % 4], IKE_TS_STR_MAX);
}

static struct dp_addr addr(const char *s)
{
	struct dp_addr a;

	assert_int_equal(addr_parse(s, &a), 0);
	return a;
}

static void parse_fails(const char *s, const char *msg)
{
	struct ike_ts_cfg t;
	char err[256] = "";

	assert_int_equal(ike_ts_parse(s, &t, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, msg);
}

static void round_trip(const char *s, const char *want)
{
	struct ike_ts_cfg t = cfg(s);
	char buf[IKE_TS_STR_MAX];

	assert_string_equal(ike_ts_cfg_format(&t, buf, sizeof(buf)), want);
}

static void test_parse(void **state)
{
	struct ike_ts t;
	struct ike_ts_cfg d;

	(void)state;
	t = ts("10.0.0.0/24");
	assert_int_equal(t.family, XS_AF_INET);
	assert_int_equal(t.proto, 0);
	assert_int_equal(t.port_lo, 0);
	assert_int_equal(t.port_hi, 65535);
	assert_memory_equal(t.lo, "\x0a\x00\x00\x00", 4);
	assert_memory_equal(t.hi, "\x0a\x00\x00\xff", 4);
	t = ts("10.0.0.0/24[tcp/80]");
	assert_int_equal(t.proto, P_TCP);
	assert_int_equal(t.port_lo, 80);
	assert_int_equal(t.port_hi, 80);
	t = ts("10.0.0.1-10.0.0.9[udp/1000-2000]");
	assert_memory_equal(t.lo, "\x0a\x00\x00\x01", 4);
	assert_memory_equal(t.hi, "\x0a\x00\x00\x09", 4);
	assert_int_equal(t.proto, P_UDP);
	assert_int_equal(t.port_lo, 1000);
	assert_int_equal(t.port_hi, 2000);
	t = ts("2001:db8::/32[17]");
	assert_int_equal(t.family, XS_AF_INET6);
	assert_int_equal(t.proto, P_UDP);
	d = cfg("dynamic");
	assert_true(d.dynamic);
	assert_int_equal(d.ts.family, 0);
	d = cfg("%dynamic[tcp/22]");
	assert_true(d.dynamic);
	assert_int_equal(d.ts.proto, P_TCP);
	assert_int_equal(d.ts.port_lo, 22);

	round_trip("10.0.0.0/24", "10.0.0.0/24");
	round_trip("192.0.2.7", "192.0.2.7/32");
	round_trip("10.0.0.1-10.0.0.9", "10.0.0.1..10.0.0.9");
	round_trip("10.0.0.0-10.0.0.255", "10.0.0.0/24");	/* a range that is a prefix */
	round_trip("0.0.0.0/0[icmp]", "0.0.0.0/0[icmp]");
	round_trip("10.0.0.0/8[tcp/%any]", "10.0.0.0/8[tcp]");
	round_trip("10.0.0.0/8[%any]", "10.0.0.0/8");
	round_trip("::/0[udp/500-4500]", "::/0[udp/500-4500]");
	round_trip("2001:db8::1-2001:db8::9", "2001:db8::1..2001:db8::9");
	round_trip("dynamic[udp/53]", "dynamic[udp/53]");
	round_trip("%dynamic", "dynamic");
	round_trip("0.0.0.0/0[47]", "0.0.0.0/0[47]");
}

static void test_parse_service_names(void **state)
{
	struct ike_ts t;

	(void)state;
	if (!getservbyname("http", "tcp"))
		skip();	/* no /etc/services on this machine */
	t = ts("10.0.0.0/24[tcp/http]");
	assert_int_equal(t.port_lo, 80);
	assert_int_equal(t.port_hi, 80);
}

static void test_parse_errors(void **state)
{
	struct ike_ts_cfg list[IKE_TS_MAX];
	unsigned int n;
	char err[256];
	char many[IKE_TS_MAX * 16 + 16] = "";
	unsigned int i;

	(void)state;
	parse_fails("10.0.0.1/24",
		    "invalid prefix '10.0.0.1/24': host bits set (did you mean 10.0.0.0/24?)");
	parse_fails("10.0.0.0/33", "invalid prefix length in '10.0.0.0/33' (0-32)");
	parse_fails("10.0.0.0/24[tcp/80", "'10.0.0.0/24[tcp/80': expected ']' at the end");
	parse_fails("10.0.0.0/24[tcp]x", "'10.0.0.0/24[tcp]x': expected ']' at the end");
	parse_fails("10.0.0.0/24[nosuchproto]", "unknown protocol 'nosuchproto'");
	parse_fails("10.0.0.0/24[icmp/8]", "ICMP type/code selectors are not supported");
	parse_fails("10.0.0.0/24[/80]", "a port needs protocol tcp, udp or sctp");
	parse_fails("10.0.0.0/24[47/80]", "a port needs protocol tcp, udp or sctp");
	parse_fails("10.0.0.0/24[tcp/opaque]", "OPAQUE port selectors are not supported");
	parse_fails("10.0.0.0/24[tcp/90-80]",
		    "invalid port '90-80' (a number, LO-HI, a service name or %any)");
	parse_fails("10.0.0.0/24[tcp/65536]",
		    "invalid port '65536' (a number, LO-HI, a service name or %any)");
	parse_fails("10.0.0.9-10.0.0.1",
		    "invalid address range '10.0.0.9-10.0.0.1': the first address is higher");
	parse_fails("10.0.0.1-2001:db8::1", "invalid address range '10.0.0.1-2001:db8::1'");
	parse_fails("gw.example.com", "invalid address in 'gw.example.com'");
	parse_fails("", "invalid traffic selector ''");

	assert_int_equal(ike_ts_parse_list("10.1.0.0/16 , 10.2.0.0/16[tcp/443],dynamic", list,
					   IKE_TS_MAX, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 3);
	assert_int_equal(list[1].ts.port_lo, 443);
	assert_true(list[2].dynamic);
	assert_int_equal(ike_ts_parse_list("10.1.0.0/16,", list, IKE_TS_MAX, &n, err,
					   sizeof(err)), -EINVAL);
	assert_string_equal(err, "invalid traffic selector ''");
	for (i = 0; i <= IKE_TS_MAX; i++)
		strcat(many, i ? ",10.0.0.0/8" : "10.0.0.0/8");
	assert_int_equal(ike_ts_parse_list(many, list, IKE_TS_MAX, &n, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "more than 16 traffic selectors");
}

static void test_intersect_within(void **state)
{
	struct ike_ts a, b, x;

	(void)state;
	a = ts("10.0.0.0/16");
	b = ts("10.0.1.0/24[tcp/80]");
	assert_true(ike_ts_intersect(&a, &b, &x));
	assert_string_equal(fmt(&x), "10.0.1.0/24[tcp/80]");
	assert_true(ike_ts_within(&b, &a));
	assert_false(ike_ts_within(&a, &b));
	assert_true(ike_ts_within(&a, &a));
	/* overlapping ranges cut to their common part, any range */
	a = ts("10.0.0.5-10.0.0.20");
	b = ts("10.0.0.0/28");
	assert_true(ike_ts_intersect(&a, &b, &x));
	assert_string_equal(fmt(&x), "10.0.0.5..10.0.0.15");
	/* ports */
	a = ts("0.0.0.0/0[tcp/1000-2000]");
	b = ts("10.0.0.0/8[tcp/1500-3000]");
	assert_true(ike_ts_intersect(&a, &b, &x));
	assert_string_equal(fmt(&x), "10.0.0.0/8[tcp/1500-2000]");
	b = ts("10.0.0.0/8[tcp/3000]");
	assert_false(ike_ts_intersect(&a, &b, &x));
	/* protocols */
	b = ts("10.0.0.0/8[udp]");
	assert_false(ike_ts_intersect(&a, &b, &x));
	a = ts("0.0.0.0/0");
	assert_true(ike_ts_intersect(&a, &b, &x));
	assert_string_equal(fmt(&x), "10.0.0.0/8[udp]");
	assert_false(ike_ts_within(&a, &b));
	/* families never meet */
	b = ts("::/0");
	assert_false(ike_ts_intersect(&a, &b, &x));
	assert_false(ike_ts_within(&a, &b));
	/* disjoint */
	a = ts("10.0.0.0/24");
	b = ts("10.0.1.0/24");
	assert_false(ike_ts_intersect(&a, &b, &x));
	/* OPAQUE ports from a peer never match */
	b = ts("10.0.0.0/24");
	b.port_lo = 65535;
	b.port_hi = 0;
	assert_false(ike_ts_intersect(&a, &b, &x));
	assert_false(ike_ts_within(&b, &a));
	assert_true(ike_ts_equal(&a, &a));
	assert_false(ike_ts_equal(&a, &b));
}

static int narrow(const char *const ours[], unsigned int n_ours, const char *const peer[],
		  unsigned int n_peer, struct ike_ts *out, unsigned int max)
{
	struct ike_ts o[IKE_TS_MAX], p[IKE_TS_MAX];
	unsigned int i;

	for (i = 0; i < n_ours; i++)
		o[i] = ts(ours[i]);
	for (i = 0; i < n_peer; i++)
		p[i] = ts(peer[i]);
	return ike_ts_narrow(o, n_ours, p, n_peer, out, max);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_narrow(void **state)
{
	static const char *const lan16[] = { "10.0.0.0/16" };
	static const char *const lan24[] = { "10.0.1.0/24" };
	static const char *const all[] = { "0.0.0.0/0" };
	static const char *const other[] = { "192.168.0.0/16" };
	static const char *const web[] = { "10.0.1.0/24[tcp/80]" };
	static const char *const udp[] = { "10.0.0.0/8[udp]" };
	static const char *const two[] = { "10.1.0.0/16", "10.2.0.0/16[tcp/443]" };
	static const char *const nested[] = { "10.1.0.0/16", "10.0.0.0/8", "10.1.2.0/24" };
	static const char *const peer2[] = { "10.2.0.0/24", "10.1.0.0/24" };
	static const char *const v6[] = { "2001:db8::/32" };
	struct ike_ts out[IKE_TS_MAX];

	(void)state;
	/* peer asks for a subset of what we allow: it gets that subset */
	assert_int_equal(narrow(lan16, 1, lan24, 1, out, IKE_TS_MAX), 1);
	assert_string_equal(fmt(&out[0]), "10.0.1.0/24");
	/* peer asks for everything: it gets what we allow (the strongSwan vectors' case) */
	assert_int_equal(narrow(lan24, 1, all, 1, out, IKE_TS_MAX), 1);
	assert_string_equal(fmt(&out[0]), "10.0.1.0/24");
	/* nothing in common: TS_UNACCEPTABLE */
	assert_int_equal(narrow(lan16, 1, other, 1, out, IKE_TS_MAX), -ENOENT);
	assert_int_equal(narrow(lan16, 1, v6, 1, out, IKE_TS_MAX), -ENOENT);
	/* protocol and port narrowing in both directions */
	assert_int_equal(narrow(web, 1, lan16, 1, out, IKE_TS_MAX), 1);
	assert_string_equal(fmt(&out[0]), "10.0.1.0/24[tcp/80]");
	assert_int_equal(narrow(lan16, 1, udp, 1, out, IKE_TS_MAX), 1);
	assert_string_equal(fmt(&out[0]), "10.0.0.0/16[udp]");
	assert_int_equal(narrow(web, 1, udp, 1, out, IKE_TS_MAX), -ENOENT);
	/* several: our order, each cut to what the peer asked */
	assert_int_equal(narrow(two, 2, all, 1, out, IKE_TS_MAX), 2);
	assert_string_equal(fmt(&out[0]), "10.1.0.0/16");
	assert_string_equal(fmt(&out[1]), "10.2.0.0/16[tcp/443]");
	assert_int_equal(narrow(two, 2, peer2, 2, out, IKE_TS_MAX), 2);
	assert_string_equal(fmt(&out[0]), "10.1.0.0/24");
	assert_string_equal(fmt(&out[1]), "10.2.0.0/24[tcp/443]");
	/* results inside other results are dropped */
	assert_int_equal(narrow(nested, 3, all, 1, out, IKE_TS_MAX), 1);
	assert_string_equal(fmt(&out[0]), "10.0.0.0/8");
	/* too many results for the caller */
	assert_int_equal(narrow(two, 2, all, 1, out, 1), -E2BIG);
}

static void test_narrow_dynamic(void **state)
{
	struct ike_ts_cfg c[2] = { cfg("dynamic"), cfg("dynamic[udp/53]") };
	struct dp_addr peer_addr = addr("192.168.77.2"), vip = addr("10.77.100.1");
	struct ike_ts peer[2] = { ts("0.0.0.0/0"), ts("::/0") }, out[IKE_TS_MAX], r[2];

	(void)state;
	/* the responder's remote_ts = dynamic: the peer's outer address (or its VIP) */
	assert_int_equal(ike_ts_narrow_cfg(c, 1, &peer_addr, peer, 2, out, IKE_TS_MAX), 1);
	assert_string_equal(fmt(&out[0]), "192.168.77.2/32");
	assert_int_equal(ike_ts_narrow_cfg(c, 1, &vip, peer, 1, out, IKE_TS_MAX), 1);
	assert_string_equal(fmt(&out[0]), "10.77.100.1/32");
	/* the peer proposed its own address only */
	peer[0] = ts("192.168.77.2/32");
	assert_int_equal(ike_ts_narrow_cfg(c, 1, &peer_addr, peer, 1, out, IKE_TS_MAX), 1);
	assert_int_equal(ike_ts_narrow_cfg(c, 1, &vip, peer, 1, out, IKE_TS_MAX), -ENOENT);
	/* proto and ports of a dynamic selector stay */
	assert_int_equal(ike_ts_resolve(c, 2, &vip, r, 2), 2);
	assert_string_equal(fmt(&r[1]), "10.77.100.1/32[udp/53]");
	/* no address to resolve to */
	assert_int_equal(ike_ts_resolve(c, 1, NULL, r, 2), -EINVAL);
	assert_int_equal(ike_ts_narrow_cfg(c, 1, NULL, peer, 1, out, IKE_TS_MAX), -EINVAL);
	assert_int_equal(ike_ts_resolve(c, 2, &vip, r, 1), -E2BIG);
}

static void test_all_within(void **state)
{
	struct ike_ts proposed[2] = { ts("10.1.0.0/16"), ts("10.2.0.0/16") };
	struct ike_ts ok[2] = { ts("10.1.2.0/24"), ts("10.2.0.0/16[tcp]") };
	struct ike_ts bad[2] = { ts("10.1.2.0/24"), ts("10.3.0.0/24") };

	(void)state;
	/* an initiator checks that the responder only narrowed */
	assert_true(ike_ts_all_within(ok, 2, proposed, 2));
	assert_false(ike_ts_all_within(bad, 2, proposed, 2));
	assert_true(ike_ts_all_within(ok, 0, proposed, 2));
}

static int to_prefixes(const char *range, char out[][48], unsigned int max)
{
	struct xs_selector sel[256];
	struct ike_ts t = ts(range);
	int n = ike_ts_to_selectors(&t, sel, max), i;

	for (i = 0; i < n; i++)
		selector_format(&sel[i], out[i], 48);
	return n;
}

static void test_to_selectors(void **state)
{
	char p[256][48];
	struct xs_selector sel[4];
	struct ike_ts t;

	(void)state;
	assert_int_equal(to_prefixes("10.0.0.1-10.0.0.9", p, 256), 4);
	assert_string_equal(p[0], "10.0.0.1/32");
	assert_string_equal(p[1], "10.0.0.2/31");
	assert_string_equal(p[2], "10.0.0.4/30");
	assert_string_equal(p[3], "10.0.0.8/31");
	assert_int_equal(to_prefixes("10.0.0.0/24", p, 256), 1);
	assert_string_equal(p[0], "10.0.0.0/24");
	assert_int_equal(to_prefixes("192.0.2.7", p, 256), 1);
	assert_string_equal(p[0], "192.0.2.7/32");
	assert_int_equal(to_prefixes("0.0.0.0-255.255.255.255", p, 256), 1);
	assert_string_equal(p[0], "0.0.0.0/0");
	assert_int_equal(to_prefixes("10.0.0.255-10.0.1.0", p, 256), 2);
	assert_string_equal(p[0], "10.0.0.255/32");
	assert_string_equal(p[1], "10.0.1.0/32");
	/* the worst case: 2 * 32 - 2 prefixes */
	assert_int_equal(to_prefixes("0.0.0.1-255.255.255.254", p, 256), 62);
	assert_string_equal(p[0], "0.0.0.1/32");
	assert_string_equal(p[31], "128.0.0.0/2");
	assert_string_equal(p[61], "255.255.255.254/32");
	/* the top of the address space does not wrap */
	assert_int_equal(to_prefixes("255.255.255.254-255.255.255.255", p, 256), 1);
	assert_string_equal(p[0], "255.255.255.254/31");
	/* IPv6, with protocol and ports carried into each prefix */
	assert_int_equal(to_prefixes("2001:db8::1-2001:db8::ff[tcp/443]", p, 256), 8);
	assert_string_equal(p[0], "2001:db8::1/128 proto tcp port 443");
	assert_string_equal(p[7], "2001:db8::80/121 proto tcp port 443");
	assert_int_equal(to_prefixes("::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", p, 256), 1);
	assert_string_equal(p[0], "::/0");
	assert_int_equal(to_prefixes("::1-ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", p, 256), 254);
	/* the caller's room */
	t = ts("10.0.0.1-10.0.0.9");
	assert_int_equal(ike_ts_to_selectors(&t, sel, 3), -E2BIG);
	assert_int_equal(ike_ts_to_selectors(&t, sel, 4), 4);
	t.port_lo = 65535;
	t.port_hi = 0;
	assert_int_equal(ike_ts_to_selectors(&t, sel, 4), -EINVAL);
}

static void test_from_selector(void **state)
{
	struct xs_selector sel;
	struct ike_ts t;
	char err[128];

	(void)state;
	assert_int_equal(selector_parse_cidr("10.9.0.0/16", &sel, err, sizeof(err)), 0);
	sel.proto = P_UDP;
	sel.port_lo = sel.port_hi = 4500;
	ike_ts_from_selector(&sel, &t);
	assert_string_equal(fmt(&t), "10.9.0.0/16[udp/4500]");
	ike_ts_from_addr(&(struct dp_addr){ .family = XS_AF_INET6,
					    .addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } }, &t);
	assert_string_equal(fmt(&t), "2001:db8::1/128");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_service_names),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_intersect_within),
		cmocka_unit_test(test_narrow),
		cmocka_unit_test(test_narrow_dynamic),
		cmocka_unit_test(test_all_within),
		cmocka_unit_test(test_to_selectors),
		cmocka_unit_test(test_from_selector),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
