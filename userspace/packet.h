/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Header arithmetic for the AF_XDP workers: locating the ESP payload of a
 * received outer packet, writing outer Ethernet/IP/UDP headers in front of
 * an ESP packet, and turning an oversized inner packet into an ICMP
 * "fragmentation needed" / ICMPv6 "packet too big" for its sender.
 * Pure functions over byte buffers: no sockets, no SA state, unit-tested.
 */
#ifndef XDPSEC_PACKET_H
#define XDPSEC_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane.h"

enum {
	ETH_HDR_LEN = 14,
	VLAN_HDR_LEN = 4,
	IPV4_HDR_LEN = 20,
	IPV6_HDR_LEN = 40,
	UDP_HDR_LEN = 8,
	ICMP_HDR_LEN = 8,
	IPPROTO_ESP_NUM = 50,
	ETH_P_IPV4 = 0x0800,
	ETH_P_IPV6_NUM = 0x86DD,
	IPV6_MIN_MTU = 1280,
	/* Largest outer header we prepend: Ethernet + IPv6 + UDP. */
	PKT_MAX_OUTER = ETH_HDR_LEN + IPV6_HDR_LEN + UDP_HDR_LEN,
};

/* Where the ESP packet sits inside a received uplink frame. */
struct outer_info {
	uint8_t family;		/* XS_AF_INET / XS_AF_INET6 */
	uint16_t esp_off;	/* offset of the SPI from the frame start */
	uint16_t esp_len;	/* bytes of ESP (header .. ICV) */
	uint8_t saddr[16];
	uint16_t sport;		/* network order; 0 for raw ESP */
};

/* Parses Ethernet [+ VLAN] + IPv4/IPv6 [+ UDP]; false if it is not ESP. */
bool pkt_parse_outer(const uint8_t *frame, size_t len, struct outer_info *out);

/* Outer addressing of one SA direction, as the worker needs it. */
struct outer_hdr {
	uint8_t family;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;	/* host order; both 0 = raw ESP */
	uint8_t eth_src[6], eth_dst[6];
};

/* Bytes pkt_push_outer puts before the ESP packet. */
size_t pkt_outer_len(const struct outer_hdr *h);

/*
 * Writes Ethernet + IP (+ UDP) into the pkt_outer_len(h) bytes before esp.
 * tos is copied from the inner packet (DSCP and ECN, RFC 6040 normal mode).
 * ip_id is the IPv4 identification to use.  Returns the frame start.
 */
uint8_t *pkt_push_outer(const struct outer_hdr *h, uint8_t *esp, size_t esp_len, uint8_t tos,
			uint16_t ip_id);

/* Inner packet facts the worker needs; false if it is not a valid IP packet. */
struct inner_info {
	uint8_t family;
	uint8_t tos;
	bool dont_fragment;	/* IPv4 DF; always true for IPv6 */
	uint16_t len;		/* from the IP header: trailing bytes are not ours */
};
bool pkt_parse_inner(const uint8_t *ip, size_t len, struct inner_info *out);

/*
 * Builds, in place in front of the inner packet at ip (which must have
 * ETH_HDR_LEN + IPV6_HDR_LEN + ICMP_HDR_LEN bytes of headroom), an
 * ICMP/ICMPv6 "too big" telling the sender to use mtu, quoting the start
 * of the packet.  src is our address (same family as the inner packet).
 * Ethernet addresses are left for the caller.  Returns the frame start and
 * sets *frame_len.
 */
uint8_t *pkt_build_too_big(uint8_t *ip, const struct inner_info *in, const uint8_t *src,
			   uint16_t mtu, size_t *frame_len);

uint16_t pkt_csum_fold(uint32_t sum);
uint32_t pkt_csum_add(uint32_t sum, const void *data, size_t len);

#endif /* XDPSEC_PACKET_H */
