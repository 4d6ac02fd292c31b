// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Addresses, CIDR selectors, the selector matcher (the userspace twin of the
 * BPF one) and the ACL rule grammar of 'acl set'.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "selector.h"

enum { P_ICMP = 1, P_TCP = 6, P_UDP = 17, P_ICMPV6 = 58, P_SCTP = 132, P_GRE = 47 };

static struct xs_selector cidr(const char *s)
{
	struct xs_selector sel;
	char err[128];

	if (selector_parse_cidr(s, &sel, err, sizeof(err)))
		fail_msg("'%s': %s", s, err);
	return sel;
}

static struct dp_addr addr(const char *s)
{
	struct dp_addr a;

	assert_int_equal(addr_parse(s, &a), 0);
	return a;
}

static void test_addr_parse(void **state)
{
	struct dp_addr a;
	char buf[ADDR_STR_MAX];

	(void)state;
	assert_int_equal(addr_parse("192.0.2.1", &a), 0);
	assert_int_equal(a.family, XS_AF_INET);
	assert_memory_equal(a.addr, "\xc0\x00\x02\x01\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	assert_int_equal(addr_parse("2001:db8::1", &a), 0);
	assert_int_equal(a.family, XS_AF_INET6);
	assert_string_equal(addr_format(&a, buf, sizeof(buf)), "2001:db8::1");
	assert_int_equal(addr_parse("192.0.2", &a), -EINVAL);
	assert_int_equal(addr_parse("192.0.2.256", &a), -EINVAL);
	assert_int_equal(addr_parse(" 192.0.2.1", &a), -EINVAL);
	assert_int_equal(addr_parse("", &a), -EINVAL);
	assert_int_equal(addr_parse("gw.example", &a), -EINVAL);
}

static void test_addr_port_parse(void **state)
{
	char buf[ADDR_PORT_STR_MAX];
	struct dp_addr a;
	uint16_t port = 99;

	(void)state;
	assert_int_equal(addr_port_parse("192.0.2.1", &a, &port), 0);
	assert_int_equal(port, 0);
	assert_int_equal(addr_port_parse("192.0.2.1:4500", &a, &port), 0);
	assert_int_equal(port, 4500);
	assert_string_equal(addr_port_format(&a, port, buf, sizeof(buf)), "192.0.2.1:4500");
	assert_int_equal(addr_port_parse("2001:db8::1", &a, &port), 0);
	assert_int_equal(a.family, XS_AF_INET6);
	assert_int_equal(port, 0);
	assert_int_equal(addr_port_parse("[2001:db8::1]:4500", &a, &port), 0);
	assert_int_equal(port, 4500);
	assert_string_equal(addr_port_format(&a, port, buf, sizeof(buf)), "[2001:db8::1]:4500");
	assert_int_equal(addr_port_parse("[2001:db8::1]", &a, &port), 0);
	assert_int_equal(port, 0);

	assert_int_equal(addr_port_parse("192.0.2.1:0", &a, &port), -EINVAL);
	assert_int_equal(addr_port_parse("192.0.2.1:65536", &a, &port), -EINVAL);
	assert_int_equal(addr_port_parse("192.0.2.1:", &a, &port), -EINVAL);
	assert_int_equal(addr_port_parse("192.0.2.1:+45", &a, &port), -EINVAL);
	assert_int_equal(addr_port_parse("[192.0.2.1]:4500", &a, &port), -EINVAL);
	assert_int_equal(addr_port_parse("[2001:db8::1]4500", &a, &port), -EINVAL);
	assert_int_equal(addr_port_parse("[2001:db8::1", &a, &port), -EINVAL);
	assert_int_equal(addr_port_parse("[::1]:", &a, &port), -EINVAL);
}

static void test_cidr_good(void **state)
{
	struct xs_selector s;
	char buf[SELECTOR_STR_MAX];

	(void)state;
	s = cidr("10.0.0.0/24");
	assert_int_equal(s.family, XS_AF_INET);
	assert_int_equal(s.prefixlen, 24);
	assert_int_equal(s.proto, 0);
	assert_int_equal(s.port_lo, 0);
	assert_int_equal(s.port_hi, 65535);
	assert_string_equal(selector_format(&s, buf, sizeof(buf)), "10.0.0.0/24");
	s = cidr("10.0.0.5");
	assert_int_equal(s.prefixlen, 32);
	s = cidr("0.0.0.0/0");
	assert_int_equal(s.prefixlen, 0);
	s = cidr("2001:db8::/64");
	assert_int_equal(s.family, XS_AF_INET6);
	assert_int_equal(s.prefixlen, 64);
	assert_string_equal(selector_format(&s, buf, sizeof(buf)), "2001:db8::/64");
	s = cidr("2001:db8::1");
	assert_int_equal(s.prefixlen, 128);
	s = cidr("::/0");
	assert_int_equal(s.prefixlen, 0);
	s = cidr("10.1.2.128/25");
	assert_int_equal(s.addr[3], 128);
}

static void expect_cidr_error(const char *s, const char *msg)
{
	struct xs_selector sel;
	char err[128] = "";

	assert_int_equal(selector_parse_cidr(s, &sel, err, sizeof(err)), -EINVAL);
	if (!strstr(err, msg))
		fail_msg("'%s': got '%s', want '%s'", s, err, msg);
}

static void test_cidr_bad(void **state)
{
	(void)state;
	expect_cidr_error("10.0.0.1/24", "invalid prefix '10.0.0.1/24': host bits set "
			  "(did you mean 10.0.0.0/24?)");
	expect_cidr_error("10.0.0.128/24", "did you mean 10.0.0.0/24?");
	expect_cidr_error("2001:db8::1/64", "did you mean 2001:db8::/64?");
	expect_cidr_error("10.0.0.0/33", "invalid prefix length in '10.0.0.0/33' (0-32)");
	expect_cidr_error("2001:db8::/129", "(0-128)");
	expect_cidr_error("10.0.0.0/", "invalid prefix length");
	expect_cidr_error("10.0.0.0/-1", "invalid prefix length");
	expect_cidr_error("10.0.0.0/ 8", "invalid prefix length");
	expect_cidr_error("10.0.0.0/8x", "invalid prefix length");
	expect_cidr_error("10.0.0/8", "invalid address");
	expect_cidr_error("/8", "invalid address");
	expect_cidr_error("", "invalid address");
	expect_cidr_error("host.example/32", "invalid address");
	/* A NULL err is allowed. */
	assert_int_equal(selector_parse_cidr("10.0.0.1/8", &(struct xs_selector){ 0 }, NULL, 0),
			 -EINVAL);
}

static bool match(const char *sel, const char *a, uint8_t proto, uint16_t port)
{
	struct xs_selector s = cidr(sel);
	struct dp_addr d = addr(a);

	return selector_match(&s, d.family, d.addr, proto, port);
}

static bool match_sel(const struct xs_selector *s, const char *a, uint8_t proto,
		      uint16_t port)
{
	struct dp_addr d = addr(a);

	return selector_match(s, d.family, d.addr, proto, port);
}

static void test_match_prefix(void **state)
{
	(void)state;
	assert_true(match("10.0.0.0/24", "10.0.0.77", P_TCP, 80));
	assert_false(match("10.0.0.0/24", "10.0.1.77", P_TCP, 80));
	assert_true(match("10.0.0.128/25", "10.0.0.200", P_UDP, 1));
	assert_false(match("10.0.0.128/25", "10.0.0.127", P_UDP, 1));
	assert_true(match("10.0.0.5", "10.0.0.5", P_ICMP, 0));
	assert_false(match("10.0.0.5", "10.0.0.4", P_ICMP, 0));
	assert_true(match("0.0.0.0/0", "203.0.113.9", P_GRE, 0));
	assert_true(match("2001:db8::/32", "2001:db8:ffff::1", P_TCP, 22));
	assert_false(match("2001:db8::/33", "2001:db8:8000::1", P_TCP, 22));
	assert_true(match("::/0", "::1", P_ICMPV6, 0));
	/* Families never match each other, even 0.0.0.0/0 against ::. */
	assert_false(match("0.0.0.0/0", "::", P_TCP, 1));
	assert_false(match("::/0", "10.0.0.1", P_TCP, 1));
}

static void test_match_proto_ports(void **state)
{
	struct xs_selector s = cidr("10.0.0.0/8");

	(void)state;
	/* proto 0, full range: everything. */
	assert_true(match_sel(&s, "10.1.1.1", P_GRE, 0));

	s.proto = P_TCP;
	assert_true(match_sel(&s, "10.1.1.1", P_TCP, 1));
	assert_false(match_sel(&s, "10.1.1.1", P_UDP, 1));

	s.port_lo = 80;
	s.port_hi = 443;
	assert_true(match_sel(&s, "10.1.1.1", P_TCP, 80));
	assert_true(match_sel(&s, "10.1.1.1", P_TCP, 443));
	assert_false(match_sel(&s, "10.1.1.1", P_TCP, 79));
	assert_false(match_sel(&s, "10.1.1.1", P_TCP, 444));

	s.port_lo = s.port_hi = 0;	/* port 0 only: still a restriction */
	assert_true(match_sel(&s, "10.1.1.1", P_TCP, 0));
	assert_false(match_sel(&s, "10.1.1.1", P_TCP, 1));

	/* Any proto but a port range: only protocols with ports can match. */
	s.proto = 0;
	s.port_lo = 53;
	s.port_hi = 53;
	assert_true(match_sel(&s, "10.1.1.1", P_UDP, 53));
	assert_true(match_sel(&s, "10.1.1.1", P_SCTP, 53));
	assert_false(match_sel(&s, "10.1.1.1", P_ICMP, 53));
	assert_false(match_sel(&s, "10.1.1.1", P_GRE, 53));

	/* Full range with a proto without ports: matches. */
	s.proto = P_ICMP;
	s.port_lo = 0;
	s.port_hi = 65535;
	assert_true(match_sel(&s, "10.1.1.1", P_ICMP, 0));
	/* A bogus prefix length never matches. */
	s.prefixlen = 33;
	assert_false(match_sel(&s, "10.1.1.1", P_ICMP, 0));
}

static void test_proto_names(void **state)
{
	uint8_t p;

	(void)state;
	assert_int_equal(proto_parse("tcp", &p), 0);
	assert_int_equal(p, P_TCP);
	assert_int_equal(proto_parse("icmpv6", &p), 0);
	assert_int_equal(p, P_ICMPV6);
	assert_int_equal(proto_parse("47", &p), 0);
	assert_int_equal(p, 47);
	assert_int_equal(proto_parse("0", &p), -EINVAL);
	assert_int_equal(proto_parse("256", &p), -EINVAL);
	assert_int_equal(proto_parse("TCP", &p), -EINVAL);
	assert_string_equal(proto_name(P_SCTP), "sctp");
	assert_null(proto_name(47));
}

/* Splits a command line in place (tests only: no quoting). */
static int split(char *line, char **argv, int max)
{
	int n = 0;
	char *tok, *save;

	for (tok = strtok_r(line, " ", &save); tok && n < max; tok = strtok_r(NULL, " ", &save))
		argv[n++] = tok;
	return n;
}

static int acl(const char *rules, struct xs_acl *out, char *err, size_t errlen)
{
	char line[1024], *argv[128];
	int argc;

	snprintf(line, sizeof(line), "%s", rules);
	argc = split(line, argv, 128);
	return acl_parse(argc, argv, out, err, errlen);
}

static void test_acl_good(void **state)
{
	char err[160] = "", buf[SELECTOR_STR_MAX];
	struct xs_acl a;

	(void)state;
	assert_int_equal(acl("allow 10.1.0.0/24 proto tcp port 80-443 allow 10.1.0.5 proto icmp",
			     &a, err, sizeof(err)), 0);
	assert_int_equal(a.enforce, 1);
	assert_int_equal(a.nrules, 2);
	assert_string_equal(selector_format(&a.rules[0], buf, sizeof(buf)),
			    "10.1.0.0/24 proto tcp port 80-443");
	assert_string_equal(selector_format(&a.rules[1], buf, sizeof(buf)),
			    "10.1.0.5/32 proto icmp");
	assert_int_equal(acl("allow 2001:db8::/64 port 53 proto udp allow ::/0 proto 47",
			     &a, err, sizeof(err)), 0);
	assert_int_equal(a.nrules, 2);
	assert_int_equal(a.rules[0].port_lo, 53);
	assert_int_equal(a.rules[0].port_hi, 53);
	assert_string_equal(selector_format(&a.rules[0], buf, sizeof(buf)),
			    "2001:db8::/64 proto udp port 53");
	assert_string_equal(selector_format(&a.rules[1], buf, sizeof(buf)), "::/0 proto 47");
	assert_int_equal(acl("allow 10.0.0.0/8", &a, err, sizeof(err)), 0);
	assert_int_equal(a.rules[0].proto, 0);
	assert_int_equal(acl("none", &a, err, sizeof(err)), 0);
	assert_int_equal(a.enforce, 0);
	assert_int_equal(a.nrules, 0);
}

static void expect_acl_error(const char *rules, const char *msg)
{
	char err[160] = "";
	struct xs_acl a = { .nrules = 77 };

	assert_int_not_equal(acl(rules, &a, err, sizeof(err)), 0);
	if (!strstr(err, msg))
		fail_msg("'%s': got '%s', want '%s'", rules, err, msg);
	assert_int_equal(a.nrules, 77);		/* untouched on error */
}

static void test_acl_errors(void **state)
{
	char many[1024] = "";
	int i;

	(void)state;
	expect_acl_error("", "expected 'allow PREFIX ...' rules or 'none'");
	expect_acl_error("deny 10.0.0.0/8", "expected 'allow' at 'deny'");
	expect_acl_error("allow", "rule 1: 'allow' needs a prefix");
	expect_acl_error("allow 10.0.0.1/8", "rule 1: invalid prefix '10.0.0.1/8': host bits set");
	expect_acl_error("allow 10.0.0.0/8 port 80", "rule 1: 'port' needs proto tcp, udp or sctp");
	expect_acl_error("allow 10.0.0.0/8 proto icmp port 80", "'port' needs proto tcp");
	expect_acl_error("allow 10.0.0.0/8 allow 10.0.0.0/16 proto tcp port",
			 "rule 2: 'port' needs a value");
	expect_acl_error("allow 10.0.0.0/8 proto", "rule 1: 'proto' needs a value");
	expect_acl_error("allow 10.0.0.0/8 proto tcp proto udp", "'proto' given twice");
	expect_acl_error("allow 10.0.0.0/8 proto tcp port 1 port 2", "'port' given twice");
	expect_acl_error("allow 10.0.0.0/8 proto gre", "invalid proto 'gre'");
	expect_acl_error("allow 10.0.0.0/8 proto 0", "invalid proto '0'");
	expect_acl_error("allow 10.0.0.0/8 proto tcp port 443-80", "invalid port '443-80'");
	expect_acl_error("allow 10.0.0.0/8 proto tcp port 65536", "invalid port '65536'");
	expect_acl_error("allow 10.0.0.0/8 proto tcp port 1-", "invalid port '1-'");
	expect_acl_error("allow 10.0.0.0/8 proto tcp port -1", "invalid port '-1'");
	expect_acl_error("allow 2001:db8::/32 proto icmp", "use icmpv6");
	expect_acl_error("allow 10.0.0.0/8 proto icmpv6", "use icmp with an IPv4 prefix");
	expect_acl_error("none allow 10.0.0.0/8", "'none' cannot be combined with rules");
	expect_acl_error("allow 10.0.0.0/8 none", "'none' cannot be combined with rules");
	expect_acl_error("allow 10.0.0.0/8 10.1.0.0/16", "expected 'allow' at '10.1.0.0/16'");

	for (i = 0; i <= XS_ACL_MAX_RULES; i++)
		strcat(many, "allow 10.0.0.0/8 ");
	expect_acl_error(many, "too many rules (at most 16)");
	many[strlen(many) - strlen("allow 10.0.0.0/8 ")] = '\0';
	{
		struct xs_acl a;

		assert_int_equal(acl(many, &a, NULL, 0), 0);
		assert_int_equal(a.nrules, XS_ACL_MAX_RULES);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_parse),
		cmocka_unit_test(test_addr_port_parse),
		cmocka_unit_test(test_cidr_good),
		cmocka_unit_test(test_cidr_bad),
		cmocka_unit_test(test_match_prefix),
		cmocka_unit_test(test_match_proto_ports),
		cmocka_unit_test(test_proto_names),
		cmocka_unit_test(test_acl_good),
		cmocka_unit_test(test_acl_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
