/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Packet parsing for xdpsec's XDP and TC programs, in the style of
 * xdp-tools' parsing_helpers.h: a cursor walks the frame, every helper checks
 * its bounds before it reads and either advances the cursor or returns
 * PARSE_MALFORMED.  Helpers never count or decide a verdict: the program that
 * calls them maps the result onto a reason, so each packet is counted once.
 *
 * The L3 helpers copy what the programs need (addresses, protocol, fragment
 * state, the L4 length the IP header declares) into struct xs_l3, so the
 * callers work on one family-neutral record.  Declared lengths are checked
 * against the bytes present by xs_l3_fits(), separately, because the TC
 * egress program sees GSO skbs whose IP length exceeds the linear data.
 */
#ifndef XDPSEC_PARSE_H
#define XDPSEC_PARSE_H

/* uapi #defines that vmlinux.h cannot carry */
#ifndef ETH_ALEN
#define ETH_ALEN 6
#endif
#ifndef ETH_HLEN
#define ETH_HLEN 14
#endif
#ifndef ETH_P_IP
#define ETH_P_IP 0x0800
#endif
#ifndef ETH_P_IPV6
#define ETH_P_IPV6 0x86DD
#endif
#ifndef ETH_P_8021Q
#define ETH_P_8021Q 0x8100
#endif
#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif
#ifndef TC_ACT_OK
#define TC_ACT_OK 0
#endif
#ifndef TC_ACT_SHOT
#define TC_ACT_SHOT 2
#endif

enum {
	XS_IP_MF = 0x2000,		/* IPv4 more fragments */
	XS_IP_OFFSET = 0x1fff,		/* IPv4 fragment offset, 8-byte units */
	XS_IP6_FRAG_OFFSET = 0xfff8,	/* IPv6 fragment offset, in place */
	XS_NEXTHDR_HOP = 0,
	XS_NEXTHDR_ROUTING = 43,
	XS_NEXTHDR_FRAGMENT = 44,
	XS_NEXTHDR_DEST = 60,
	XS_IPV6_MAX_EXT = 4,		/* extension headers walked, at most */
	XS_UDP_HLEN = 8,
	XS_ESP_HLEN = 8,		/* SPI + sequence number */
	XS_PORT_IKE = 500,
	XS_PORT_NATT = 4500,
	XS_NATT_KEEPALIVE = 0xff,	/* RFC 3948 section 2.3 */
};

/* Parse results that are not a protocol number. */
enum { PARSE_MALFORMED = -1 };

/* Fragment state of an IP packet. */
enum xs_frag { XS_FRAG_NONE, XS_FRAG_FIRST, XS_FRAG_LATER };

struct hdr_cursor {
	void *pos;
	void *end;
};

struct xs_vlan_hdr {
	__be16 tci;
	__be16 proto;
};

/* What the programs need of an IP header, for either family. */
struct xs_l3 {
	__u32 saddr[4];		/* network order; IPv4 in word 0, rest zero */
	__u32 daddr[4];
	__u32 l4_len;		/* L4 header + payload, as the IP header says */
	__u8 family;		/* XS_AF_INET or XS_AF_INET6 */
	__u8 proto;		/* upper-layer protocol (after IPv6 extensions) */
	__u8 frag;		/* enum xs_frag */
	__u8 opaque;		/* the upper-layer protocol was not reached */
};

/*
 * A 16-bit length from the wire, byte-swapped, with bounds the verifier can
 * see: before 6.3 or so it does not bound the result of a byte swap, and a
 * length that later moves a packet pointer must be bounded.  The mask is in
 * asm because clang knows a swapped u16 fits and would drop it.
 */
static __always_inline __u32 xs_len16(__be16 wire)
{
	__u32 v = bpf_ntohs(wire);

	asm volatile("%0 &= 0xffff" : "+r"(v));
	return v;
}

/* Untagged Ethernet: returns the ethertype (host order) or PARSE_MALFORMED. */
static __always_inline int parse_ethhdr(struct hdr_cursor *c,
					struct ethhdr **ethp)
{
	struct ethhdr *eth = c->pos;

	if ((void *)(eth + 1) > c->end)
		return PARSE_MALFORMED;
	c->pos = eth + 1;
	*ethp = eth;
	return bpf_ntohs(eth->h_proto);
}

/*
 * Ethernet plus at most one 802.1Q or 802.1ad tag.  Returns the inner
 * ethertype (host order) or PARSE_MALFORMED.  A second tag is returned as
 * its ethertype, i.e. as "not IP".
 */
static __always_inline int parse_ethhdr_vlan(struct hdr_cursor *c,
					     struct ethhdr **ethp)
{
	struct xs_vlan_hdr *vlan;
	int proto;

	proto = parse_ethhdr(c, ethp);
	if (proto != ETH_P_8021Q && proto != ETH_P_8021AD)
		return proto;

	vlan = c->pos;
	if ((void *)(vlan + 1) > c->end)
		return PARSE_MALFORMED;
	c->pos = vlan + 1;
	return bpf_ntohs(vlan->proto);
}

/*
 * The IPv4 header: version, ihl >= 5, the options present, tot_len not
 * shorter than the header.  Returns 0 or PARSE_MALFORMED; the cursor ends up
 * at the L4 header.
 */
static __always_inline int parse_iphdr(struct hdr_cursor *c, struct xs_l3 *l3)
{
	struct iphdr *iph = c->pos;
	__u32 hlen, tot_len;
	__u16 frag;

	if ((void *)(iph + 1) > c->end)
		return PARSE_MALFORMED;
	if (iph->version != 4 || iph->ihl < 5)
		return PARSE_MALFORMED;
	hlen = iph->ihl * 4;
	if (c->pos + hlen > c->end)
		return PARSE_MALFORMED;
	tot_len = xs_len16(iph->tot_len);
	if (tot_len < hlen)
		return PARSE_MALFORMED;

	__builtin_memset(l3, 0, sizeof(*l3));
	l3->family = XS_AF_INET;
	l3->proto = iph->protocol;
	l3->saddr[0] = iph->saddr;
	l3->daddr[0] = iph->daddr;
	l3->l4_len = tot_len - hlen;
	frag = bpf_ntohs(iph->frag_off);
	if (frag & XS_IP_OFFSET)
		l3->frag = XS_FRAG_LATER;
	else if (frag & XS_IP_MF)
		l3->frag = XS_FRAG_FIRST;
	c->pos += hlen;
	return 0;
}

/*
 * The fixed IPv6 header only; extension headers are walked by
 * skip_ipv6_ext() once the payload length has been checked.
 */
static __always_inline int parse_ipv6hdr(struct hdr_cursor *c,
					 struct xs_l3 *l3)
{
	struct ipv6hdr *ip6 = c->pos;

	if ((void *)(ip6 + 1) > c->end)
		return PARSE_MALFORMED;
	if (ip6->version != 6)
		return PARSE_MALFORMED;

	__builtin_memset(l3, 0, sizeof(*l3));
	l3->family = XS_AF_INET6;
	l3->proto = ip6->nexthdr;
	__builtin_memcpy(l3->saddr, &ip6->saddr, 16);
	__builtin_memcpy(l3->daddr, &ip6->daddr, 16);
	l3->l4_len = xs_len16(ip6->payload_len);
	c->pos = ip6 + 1;
	return 0;
}

/* Are the l4_len bytes the IP header declares all in the frame? */
static __always_inline bool xs_l3_fits(const struct hdr_cursor *c,
				       const struct xs_l3 *l3)
{
	return c->pos + l3->l4_len <= c->end;
}

/*
 * Walk hop-by-hop, routing, destination-options and fragment headers, at
 * most XS_IPV6_MAX_EXT of them, each within the declared payload.  Leaves
 * l3->proto at the upper-layer protocol and l3->l4_len at its length.  A
 * non-first fragment stops the walk (its upper-layer header is elsewhere); a
 * longer chain sets l3->opaque.  Returns 0 or PARSE_MALFORMED.
 */
static __always_inline int skip_ipv6_ext(struct hdr_cursor *c,
					 struct xs_l3 *l3)
{
	struct ipv6_opt_hdr *opt;
	struct frag_hdr *fh;
	__u32 len;
	int i;

	for (i = 0; i < XS_IPV6_MAX_EXT; i++) {
		switch (l3->proto) {
		case XS_NEXTHDR_HOP:
		case XS_NEXTHDR_ROUTING:
		case XS_NEXTHDR_DEST:
			opt = c->pos;
			if ((void *)(opt + 1) > c->end)
				return PARSE_MALFORMED;
			len = (opt->hdrlen + 1) * 8;
			if (len > l3->l4_len || c->pos + len > c->end)
				return PARSE_MALFORMED;
			l3->proto = opt->nexthdr;
			break;
		case XS_NEXTHDR_FRAGMENT:
			fh = c->pos;
			len = sizeof(*fh);
			if ((void *)(fh + 1) > c->end || len > l3->l4_len)
				return PARSE_MALFORMED;
			l3->proto = fh->nexthdr;
			if (bpf_ntohs(fh->frag_off) & XS_IP6_FRAG_OFFSET) {
				l3->frag = XS_FRAG_LATER;
				return 0;
			}
			l3->frag = XS_FRAG_FIRST;
			break;
		default:
			return 0;
		}
		c->pos += len;
		l3->l4_len -= len;
	}
	switch (l3->proto) {
	case XS_NEXTHDR_HOP:
	case XS_NEXTHDR_ROUTING:
	case XS_NEXTHDR_DEST:
	case XS_NEXTHDR_FRAGMENT:
		l3->opaque = 1;
	}
	return 0;
}

/*
 * The UDP header, whose length must equal the L4 length of the IP header.
 * RFC 768 would allow a UDP length shorter than the IP payload, but nothing
 * legitimate sends one and ESP/IKE parsing must not guess which of the two
 * lengths to believe: a mismatch either way is malformed.  Returns the
 * destination port (host order) or PARSE_MALFORMED; the cursor ends at the
 * payload, which is l3->l4_len - 8 bytes long.
 */
static __always_inline int parse_udphdr(struct hdr_cursor *c,
					const struct xs_l3 *l3,
					struct udphdr **udpp)
{
	struct udphdr *uh = c->pos;

	if ((void *)(uh + 1) > c->end)
		return PARSE_MALFORMED;
	if (bpf_ntohs(uh->len) < XS_UDP_HLEN ||
	    bpf_ntohs(uh->len) != l3->l4_len)
		return PARSE_MALFORMED;
	c->pos = uh + 1;
	*udpp = uh;
	return bpf_ntohs(uh->dest);
}

/* Protocols whose first four bytes are source and destination port. */
static __always_inline bool xs_proto_has_ports(__u8 proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	       proto == IPPROTO_SCTP;
}

/*
 * Source and destination port (host order) of TCP, UDP and SCTP.  Returns 1
 * when the packet has ports, 0 when it has none (other protocols, non-first
 * fragments, an unreached upper layer) and PARSE_MALFORMED when they should
 * be there but are cut off.
 */
static __always_inline int parse_ports(struct hdr_cursor *c,
				       const struct xs_l3 *l3,
				       __u16 *sport, __u16 *dport)
{
	__be16 *ports = c->pos;

	*sport = 0;
	*dport = 0;
	if (!xs_proto_has_ports(l3->proto) || l3->frag == XS_FRAG_LATER ||
	    l3->opaque)
		return 0;
	if ((void *)(ports + 2) > c->end || l3->l4_len < 4)
		return PARSE_MALFORMED;
	*sport = bpf_ntohs(ports[0]);
	*dport = bpf_ntohs(ports[1]);
	return 1;
}

/*
 * The tunnel stamp in an Ethernet source address: magic, then the SA slot
 * in network order.  Returns false when the frame carries no stamp.
 */
static __always_inline bool xs_stamp_read(const struct ethhdr *eth,
					  __u32 *slot)
{
	const __u8 *s = eth->h_source;

	if (s[0] != XS_STAMP_MAGIC0 || s[1] != XS_STAMP_MAGIC1)
		return false;
	*slot = (__u32)s[2] << 24 | (__u32)s[3] << 16 | (__u32)s[4] << 8 | s[5];
	return true;
}

static __always_inline void xs_stamp_make(__u8 mac[ETH_ALEN], __u32 slot)
{
	mac[0] = XS_STAMP_MAGIC0;
	mac[1] = XS_STAMP_MAGIC1;
	mac[2] = slot >> 24;
	mac[3] = slot >> 16;
	mac[4] = slot >> 8;
	mac[5] = slot;
}

#endif /* XDPSEC_PARSE_H */
