// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Outer header parsing and building for the workers, and ICMP "too big".
 * Frames sit at arbitrary offsets in the UMEM, so every multi-byte field is
 * read and written byte-wise (get16/put16): no casts to aligned structs.
 */
#include "packet.h"

#include <string.h>

enum {
	IPV4_FLAG_DF = 0x4000,
	IPV4_FRAG_MASK = 0x3fff,	/* MF + offset */
	IPPROTO_UDP_NUM = 17,
	IPPROTO_ICMP_NUM = 1,
	IPPROTO_ICMPV6_NUM = 58,
	IPPROTO_HOPOPTS_NUM = 0,
	IPPROTO_ROUTING_NUM = 43,
	IPPROTO_DSTOPTS_NUM = 60,
	IPV6_MAX_EXT = 4,
	ETH_P_8021Q_NUM = 0x8100,
	ETH_P_8021AD_NUM = 0x88A8,
	ICMP_DEST_UNREACH = 3,
	ICMP_FRAG_NEEDED = 4,
	ICMPV6_PKT_TOOBIG = 2,
	IP_TTL_DEFAULT = 64,
	/* Quote what fits in a minimal IPv4 datagram (RFC 1812 4.3.2.3). */
	ICMP4_MAX_QUOTE = 576 - IPV4_HDR_LEN - ICMP_HDR_LEN,
	ICMP6_MAX_QUOTE = IPV6_MIN_MTU - IPV6_HDR_LEN - ICMP_HDR_LEN,
};

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

uint32_t pkt_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

uint16_t pkt_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static size_t skip_l2(const uint8_t *frame, size_t len, uint16_t *proto)
{
	size_t off = ETH_HDR_LEN;

	if (len < ETH_HDR_LEN)
		return 0;
	*proto = get16(frame + 12);
	if (*proto == ETH_P_8021Q_NUM || *proto == ETH_P_8021AD_NUM) {
		if (len < ETH_HDR_LEN + VLAN_HDR_LEN)
			return 0;
		*proto = get16(frame + 16);
		off += VLAN_HDR_LEN;
	}
	return off;
}

/* Returns the L4 offset and protocol, or 0; IPv4 fragments are not ours. */
static size_t skip_ipv4(const uint8_t *frame, size_t off, size_t len, struct outer_info *out,
			uint8_t *l4proto, size_t *end)
{
	const uint8_t *ip = frame + off;
	size_t ihl, tot;

	if (len < off + IPV4_HDR_LEN || (ip[0] >> 4) != 4)
		return 0;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	tot = get16(ip + 2);
	if (ihl < IPV4_HDR_LEN || tot < ihl || off + tot > len || (get16(ip + 6) & IPV4_FRAG_MASK))
		return 0;
	out->family = XS_AF_INET;
	memset(out->saddr, 0, sizeof(out->saddr));
	memcpy(out->saddr, ip + 12, 4);
	*l4proto = ip[9];
	*end = off + tot;
	return off + ihl;
}

/* The extension headers the XDP program skips (bpf/parse.h) and no others:
 * hop-by-hop, routing and destination options, at most IPV6_MAX_EXT. */
static bool ipv6_skippable(uint8_t nh)
{
	return nh == IPPROTO_HOPOPTS_NUM || nh == IPPROTO_ROUTING_NUM || nh == IPPROTO_DSTOPTS_NUM;
}

static size_t skip_ipv6(const uint8_t *frame, size_t off, size_t len, struct outer_info *out,
			uint8_t *l4proto, size_t *end)
{
	const uint8_t *ip = frame + off;
	size_t plen;
	uint8_t nh;

	if (len < off + IPV6_HDR_LEN || (ip[0] >> 4) != 6)
		return 0;
	plen = get16(ip + 4);
	if (off + IPV6_HDR_LEN + plen > len)
		return 0;
	out->family = XS_AF_INET6;
	memcpy(out->saddr, ip + 8, 16);
	*end = off + IPV6_HDR_LEN + plen;
	nh = ip[6];
	off += IPV6_HDR_LEN;
	for (int i = 0; i < IPV6_MAX_EXT && ipv6_skippable(nh); i++) {
		if (off + 8 > *end)
			return 0;
		nh = frame[off];
		off += ((size_t)frame[off + 1] + 1) * 8;
	}
	*l4proto = nh;
	return off <= *end ? off : 0;
}

bool pkt_parse_outer(const uint8_t *frame, size_t len, struct outer_info *out)
{
	uint16_t proto = 0;
	uint8_t l4 = 0;
	size_t off, end = 0;

	off = skip_l2(frame, len, &proto);
	if (!off)
		return false;
	if (proto == ETH_P_IPV4)
		off = skip_ipv4(frame, off, len, out, &l4, &end);
	else if (proto == ETH_P_IPV6_NUM)
		off = skip_ipv6(frame, off, len, out, &l4, &end);
	else
		return false;
	if (!off)
		return false;
	out->sport = 0;
	if (l4 == IPPROTO_UDP_NUM) {
		if (off + UDP_HDR_LEN > end)
			return false;
		memcpy(&out->sport, frame + off, 2);
		off += UDP_HDR_LEN;
	} else if (l4 != IPPROTO_ESP_NUM) {
		return false;
	}
	if (end - off < ESP_HDR_LEN || end - off > UINT16_MAX)
		return false;
	out->esp_off = (uint16_t)off;
	out->esp_len = (uint16_t)(end - off);
	return true;
}

size_t pkt_outer_len(const struct outer_hdr *h)
{
	size_t ip = h->family == XS_AF_INET ? IPV4_HDR_LEN : IPV6_HDR_LEN;

	return ETH_HDR_LEN + ip + (h->dport ? UDP_HDR_LEN : 0);
}

static void write_ipv4(uint8_t *ip, const struct outer_hdr *h, size_t payload, uint8_t proto,
		       uint8_t tos, uint16_t id)
{
	ip[0] = 0x45;
	ip[1] = tos;
	put16(ip + 2, (uint16_t)(IPV4_HDR_LEN + payload));
	put16(ip + 4, id);
	put16(ip + 6, 0);
	ip[8] = IP_TTL_DEFAULT;
	ip[9] = proto;
	put16(ip + 10, 0);
	memcpy(ip + 12, h->src, 4);
	memcpy(ip + 16, h->dst, 4);
	put16(ip + 10, pkt_csum_fold(pkt_csum_add(0, ip, IPV4_HDR_LEN)));
}

static void write_ipv6(uint8_t *ip, const uint8_t *src, const uint8_t *dst, size_t payload,
		       uint8_t proto, uint8_t tclass)
{
	put32(ip, 6u << 28 | (uint32_t)tclass << 20);
	put16(ip + 4, (uint16_t)payload);
	ip[6] = proto;
	ip[7] = IP_TTL_DEFAULT;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
}

/* The IPv6 pseudo-header sum (RFC 8200 8.1) for an upper-layer checksum. */
static uint32_t ipv6_pseudo_sum(const uint8_t *ip6, size_t l4len, uint8_t proto)
{
	uint32_t sum = pkt_csum_add(0, ip6 + 8, 32);

	return sum + (uint32_t)l4len + proto;
}

static void write_udp(uint8_t *udp, const struct outer_hdr *h, size_t esp_len, const uint8_t *ip6)
{
	size_t len = UDP_HDR_LEN + esp_len;
	uint16_t csum;

	put16(udp, h->sport);
	put16(udp + 2, h->dport);
	put16(udp + 4, (uint16_t)len);
	put16(udp + 6, 0);	/* RFC 3948 2.1: zero over IPv4 */
	if (!ip6)
		return;
	csum = pkt_csum_fold(pkt_csum_add(ipv6_pseudo_sum(ip6, len, IPPROTO_UDP_NUM), udp, len));
	put16(udp + 6, csum ? csum : 0xffff);
}

uint8_t *pkt_push_outer(const struct outer_hdr *h, uint8_t *esp, size_t esp_len, uint8_t tos,
			uint16_t ip_id)
{
	bool udp = h->dport != 0;
	uint8_t *frame = esp - pkt_outer_len(h);
	uint8_t *ip = frame + ETH_HDR_LEN;
	size_t l4len = esp_len + (udp ? UDP_HDR_LEN : 0);
	uint8_t proto = udp ? IPPROTO_UDP_NUM : IPPROTO_ESP_NUM;

	memcpy(frame, h->eth_dst, 6);
	memcpy(frame + 6, h->eth_src, 6);
	if (h->family == XS_AF_INET) {
		put16(frame + 12, ETH_P_IPV4);
		write_ipv4(ip, h, l4len, proto, tos, ip_id);
		if (udp)
			write_udp(ip + IPV4_HDR_LEN, h, esp_len, NULL);
	} else {
		put16(frame + 12, ETH_P_IPV6_NUM);
		write_ipv6(ip, h->src, h->dst, l4len, proto, tos);
		if (udp)
			write_udp(ip + IPV6_HDR_LEN, h, esp_len, ip);
	}
	return frame;
}

bool pkt_parse_inner(const uint8_t *ip, size_t len, struct inner_info *out)
{
	if (len < IPV4_HDR_LEN)
		return false;
	if ((ip[0] >> 4) == 4) {
		size_t ihl = (size_t)(ip[0] & 0x0f) * 4;

		out->family = XS_AF_INET;
		out->tos = ip[1];
		out->len = get16(ip + 2);
		out->dont_fragment = get16(ip + 6) & IPV4_FLAG_DF;
		return ihl >= IPV4_HDR_LEN && out->len >= ihl && out->len <= len;
	}
	if ((ip[0] >> 4) == 6 && len >= IPV6_HDR_LEN) {
		out->family = XS_AF_INET6;
		out->tos = (uint8_t)(get16(ip) >> 4);
		out->len = (uint16_t)(IPV6_HDR_LEN + get16(ip + 4));
		out->dont_fragment = true;
		return out->len <= len;
	}
	return false;
}

static uint8_t *build_icmp4(uint8_t *ip, const struct inner_info *in, const uint8_t *src,
			    uint16_t mtu, size_t *frame_len)
{
	size_t quote = in->len < ICMP4_MAX_QUOTE ? in->len : ICMP4_MAX_QUOTE;
	uint8_t *icmp = ip - ICMP_HDR_LEN;
	uint8_t *hdr = icmp - IPV4_HDR_LEN;
	struct outer_hdr h = { .family = XS_AF_INET };

	memcpy(h.src, src, 4);
	memcpy(h.dst, ip + 12, 4);	/* back to the sender */
	icmp[0] = ICMP_DEST_UNREACH;
	icmp[1] = ICMP_FRAG_NEEDED;
	put16(icmp + 2, 0);
	put16(icmp + 4, 0);
	put16(icmp + 6, mtu);
	put16(icmp + 2, pkt_csum_fold(pkt_csum_add(0, icmp, ICMP_HDR_LEN + quote)));
	write_ipv4(hdr, &h, ICMP_HDR_LEN + quote, IPPROTO_ICMP_NUM, 0, 0);
	put16(hdr - 2, ETH_P_IPV4);
	*frame_len = ETH_HDR_LEN + IPV4_HDR_LEN + ICMP_HDR_LEN + quote;
	return hdr - ETH_HDR_LEN;
}

static uint8_t *build_icmp6(uint8_t *ip, const struct inner_info *in, const uint8_t *src,
			    uint16_t mtu, size_t *frame_len)
{
	size_t quote = in->len < ICMP6_MAX_QUOTE ? in->len : ICMP6_MAX_QUOTE;
	size_t l4len = ICMP_HDR_LEN + quote;
	uint8_t *icmp = ip - ICMP_HDR_LEN;
	uint8_t *hdr = icmp - IPV6_HDR_LEN;
	uint8_t dst[16];

	memcpy(dst, ip + 8, 16);	/* the quote below overlaps nothing of it */
	icmp[0] = ICMPV6_PKT_TOOBIG;
	icmp[1] = 0;
	put16(icmp + 2, 0);
	put32(icmp + 4, mtu);
	write_ipv6(hdr, src, dst, l4len, IPPROTO_ICMPV6_NUM, 0);
	put16(icmp + 2, pkt_csum_fold(pkt_csum_add(ipv6_pseudo_sum(hdr, l4len, IPPROTO_ICMPV6_NUM),
						   icmp, l4len)));
	put16(hdr - 2, ETH_P_IPV6_NUM);
	*frame_len = ETH_HDR_LEN + IPV6_HDR_LEN + l4len;
	return hdr - ETH_HDR_LEN;
}

uint8_t *pkt_build_too_big(uint8_t *ip, const struct inner_info *in, const uint8_t *src,
			   uint16_t mtu, size_t *frame_len)
{
	if (in->family == XS_AF_INET)
		return build_icmp4(ip, in, src, mtu, frame_len);
	return build_icmp6(ip, in, src, mtu < IPV6_MIN_MTU ? IPV6_MIN_MTU : mtu, frame_len);
}
