/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Addresses, selectors and device ACL rules as the operator writes them,
 * and the userspace twin of the BPF selector matcher.  A selector is an
 * address prefix plus an optional protocol and port range (struct
 * xs_selector in xdpsec_maps.h).  Parsers return 0 or -EINVAL and, where
 * they take err, say what is wrong in it; nothing here logs.
 */
#ifndef XDPSEC_SELECTOR_H
#define XDPSEC_SELECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane.h"
#include "xdpsec_maps.h"

enum {
	ADDR_STR_MAX = 46,		/* INET6_ADDRSTRLEN */
	ADDR_PORT_STR_MAX = 56,		/* "[v6]:65535" */
	SELECTOR_STR_MAX = 96,		/* "prefix/len proto NAME port LO-HI" */
	SEL_PORT_ANY_LO = 0,
	SEL_PORT_ANY_HI = 65535,
};

/* "192.0.2.1" or "2001:db8::1". */
int addr_parse(const char *s, struct dp_addr *out);
/*
 * "ADDR", "ADDR:PORT", "[V6]" or "[V6]:PORT"; a bare IPv6 address has no
 * port.  *port is 0 when none is given; an explicit port is 1..65535.
 */
int addr_port_parse(const char *s, struct dp_addr *addr, uint16_t *port);
/* Writes "192.0.2.1" / "2001:db8::1"; returns buf. */
const char *addr_format(const struct dp_addr *a, char *buf, size_t len);
/* Writes "192.0.2.1:4500" / "[2001:db8::1]:4500", or the address if port is 0. */
const char *addr_port_format(const struct dp_addr *a, uint16_t port, char *buf, size_t len);

/*
 * "10.0.0.0/24", "2001:db8::/64", or a bare address (/32, /128).  Bits
 * past the prefix must be zero.  The result matches any protocol and port.
 */
int selector_parse_cidr(const char *s, struct xs_selector *out, char *err, size_t errlen);
/* "10.0.0.0/24", then " proto tcp" and " port 80-443" when restricted. */
const char *selector_format(const struct xs_selector *sel, char *buf, size_t len);
/* The prefix alone: "10.0.0.0/24". */
const char *selector_format_prefix(const struct xs_selector *sel, char *buf, size_t len);
bool selector_equal(const struct xs_selector *a, const struct xs_selector *b);

/*
 * Does a packet match?  Family equal, addr inside the prefix, proto 0 in
 * the selector matches any protocol; the port range applies to TCP, UDP and
 * SCTP, and a selector with a narrower range never matches other protocols.
 */
bool selector_match(const struct xs_selector *sel, uint8_t family, const uint8_t addr[16],
		    uint8_t proto, uint16_t port);

/* "tcp", "udp", "icmp", "icmpv6", "sctp"; NULL for other numbers. */
const char *proto_name(uint8_t proto);
/* A name above or a number 1..255. */
int proto_parse(const char *s, uint8_t *proto);

/*
 * Device ACL rules, one command line's worth:
 *   none
 *   allow PREFIX [proto tcp|udp|icmp|icmpv6|sctp|NUMBER] [port N|LO-HI] ...
 * "none" yields no rules and enforce 0 (the ACL is removed).  A port needs
 * proto tcp, udp or sctp.  At most XS_ACL_MAX_RULES rules.
 */
int acl_parse(int argc, char *const argv[], struct xs_acl *acl, char *err, size_t errlen);

#endif /* XDPSEC_SELECTOR_H */
