/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Selector matching (struct xs_selector, include/xdpsec_maps.h), written
 * once for the two checks on decrypted traffic: the RFC 4301 inbound check
 * of the inner source against the SA's traffic selectors, and the device ACL
 * on the inner destination.
 *
 * A selector matches when the family is equal, the address is inside the
 * prefix, the protocol is equal or the selector's is 0 (any), and the port
 * is inside [port_lo, port_hi].  A port range other than 0-65535 needs a
 * port: it never matches packets without one (protocols other than
 * TCP/UDP/SCTP, non-first fragments), as RFC 4301 section 4.4.1 asks for
 * OPAQUE ports.  A prefix longer than the family allows matches nothing.
 *
 * The loops have constant bounds (XS_MAX_TS, XS_ACL_MAX_RULES) and exit
 * early on the configured count, which the 6.1 verifier walks as is.
 */
#ifndef XDPSEC_SELECTOR_BPF_H
#define XDPSEC_SELECTOR_BPF_H

enum { XS_PORT_ANY_LO = 0, XS_PORT_ANY_HI = 65535 };

/* Compare the first prefixlen bits of two addresses, 32 bits at a time. */
static __always_inline bool xs_prefix_match(const __u8 sel_addr[16],
					    const __u32 addr[4],
					    __u32 prefixlen, __u8 family)
{
	__u32 max = family == XS_AF_INET ? 32 : 128;
	__u32 sel[4], mask;
	int i, bits;

	if (prefixlen > max)
		return false;
	__builtin_memcpy(sel, sel_addr, sizeof(sel));
	for (i = 0; i < 4; i++) {
		bits = (int)prefixlen - 32 * i;
		if (bits <= 0)
			break;
		mask = bits >= 32 ? ~0u : bpf_htonl(~0u << (32 - bits));
		if ((sel[i] ^ addr[i]) & mask)
			return false;
	}
	return true;
}

/*
 * addr and port are the packet's side the selector is about: source for a
 * traffic selector, destination for an ACL rule.  has_port as returned by
 * parse_ports().
 */
static __always_inline bool xs_selector_match(const struct xs_selector *s,
					      const struct xs_l3 *l3,
					      const __u32 addr[4],
					      int has_port, __u16 port)
{
	if (s->family != l3->family)
		return false;
	if (s->proto && s->proto != l3->proto)
		return false;
	if (!xs_prefix_match(s->addr, addr, s->prefixlen, s->family))
		return false;
	if (s->port_lo == XS_PORT_ANY_LO && s->port_hi == XS_PORT_ANY_HI)
		return true;
	return has_port > 0 && port >= s->port_lo && port <= s->port_hi;
}

/* RFC 4301 section 5.2: the inner source must be inside one of the SA's TS. */
static __always_inline bool xs_ts_match(const struct xs_sa_info *sa,
					const struct xs_l3 *l3,
					int has_port, __u16 sport)
{
	__u32 i;

	for (i = 0; i < XS_MAX_TS; i++) {
		if (i >= sa->nts)
			break;
		if (xs_selector_match(&sa->ts[i], l3, l3->saddr, has_port,
				      sport))
			return true;
	}
	return false;
}

/* The device's allow list, on the inner destination. */
static __always_inline bool xs_acl_match(const struct xs_acl *acl,
					 const struct xs_l3 *l3,
					 int has_port, __u16 dport)
{
	__u32 i;

	for (i = 0; i < XS_ACL_MAX_RULES; i++) {
		if (i >= acl->nrules)
			break;
		if (xs_selector_match(&acl->rules[i], l3, l3->daddr, has_port,
				      dport))
			return true;
	}
	return false;
}

#endif /* XDPSEC_SELECTOR_BPF_H */
