// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Header arithmetic of the workers (packet.c):
 *   - pkt_parse_outer: ESP in UDP over IPv4, raw ESP over IPv6, one VLAN
 *     tag (802.1Q and 802.1ad), IPv4 options, Ethernet padding, every
 *     truncation of a good frame, and frames that are not ESP (ARP, TCP,
 *     ICMP, IPv4 fragments, IPv6 extension headers, wrong IP versions);
 *   - pkt_push_outer: IPv4 + UDP, IPv4 raw ESP, IPv6 + UDP, IPv6 raw ESP;
 *     the IPv4 header checksum and the IPv6 UDP checksum are recomputed
 *     here by a plain RFC 1071 sum that shares nothing with packet.c;
 *   - pkt_parse_inner: DF, lengths from the header, bad versions;
 *   - pkt_build_too_big: ICMP type 3 code 4 and ICMPv6 type 2, the MTU
 *     field, the quote, the checksums, the RFC 1812 / RFC 8200 size limits.
 * Frames are built at odd offsets (UMEM frames start anywhere; UBSan is on),
 * and parsers read from heap copies that end exactly where the frame does,
 * so ASan catches a read past the length they were given.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "packet.h"

enum {
	P_ICMP = 1,
	P_TCP = 6,
	P_UDP = 17,
	P_ESP = 50,
	P_ICMPV6 = 58,
	P_HOPOPTS = 0,
	ETH_P_ARP_NUM = 0x0806,
	ETH_P_8021Q_NUM = 0x8100,
	ETH_P_8021AD_NUM = 0x88A8,
	IP_DF = 0x4000,
	IP_MF = 0x2000,
	CANARY = 0xA5,
	AREA_LEN = 4096,
	HEADROOM = 256,		/* before a frame or an inner packet */
	ICMP4_QUOTE_MAX = 576 - 20 - 8,	/* RFC 1812 4.3.2.3 */
	ICMP6_QUOTE_MAX = 1280 - 40 - 8,	/* RFC 4443 2.4 (c) */
};

/* Offsets of a frame inside its buffer: aligned, and three odd ones. */
static const size_t offsets[] = { 0, 1, 3, 7 };
#define N_OFFSETS (sizeof(offsets) / sizeof(offsets[0]))

static const uint8_t MAC_A[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a };
static const uint8_t MAC_B[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b };
static const uint8_t V4_A[4] = { 192, 0, 2, 1 };
static const uint8_t V4_B[4] = { 198, 51, 100, 2 };
static const uint8_t V6_A[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x0a, [15] = 1 };
static const uint8_t V6_B[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x0b, [15] = 2 };
static const uint8_t IN4_SRC[4] = { 10, 1, 0, 2 };
static const uint8_t IN4_DST[4] = { 10, 2, 0, 2 };
static const uint8_t IN4_GW[4] = { 10, 1, 0, 1 };
static const uint8_t IN6_SRC[16] = { 0xfd, 0, 0, 1, [15] = 2 };
static const uint8_t IN6_DST[16] = { 0xfd, 0, 0, 2, [15] = 2 };
static const uint8_t IN6_GW[16] = { 0xfd, 0, 0, 1, [15] = 1 };

/* ---- byte-wise access (never a cast to a wider type) ---- */

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)(v >> 16));
	wr16(p + 2, (uint16_t)v);
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)rd16(p) << 16 | rd16(p + 2);
}

/*
 * The reference Internet checksum (RFC 1071), over the concatenation of up
 * to three pieces, as if they were one buffer: an odd-length piece shifts
 * the byte pairing of the next.  Returns the complemented folded sum, so a
 * region that contains its own correct checksum gives 0.
 */
static uint16_t ref_csum3(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
			  const uint8_t *c, size_t clen)
{
	const uint8_t *piece[3] = { a, b, c };
	size_t plen[3] = { alen, blen, clen };
	uint64_t sum = 0;
	size_t pos = 0, i, k;

	for (k = 0; k < 3; k++)
		for (i = 0; i < plen[k]; i++, pos++)
			sum += (pos & 1) ? piece[k][i] : (uint64_t)piece[k][i] << 8;
	while (sum > 0xffff)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint16_t ref_csum(const uint8_t *p, size_t len)
{
	return ref_csum3(p, len, NULL, 0, NULL, 0);
}

/* RFC 8200 8.1 pseudo-header for an upper-layer packet of l4len bytes. */
static void ipv6_pseudo(uint8_t ph[40], const uint8_t *src, const uint8_t *dst, uint32_t l4len,
			uint8_t nh)
{
	memcpy(ph, src, 16);
	memcpy(ph + 16, dst, 16);
	wr32(ph + 32, l4len);
	ph[36] = ph[37] = ph[38] = 0;
	ph[39] = nh;
}

/* ---- frame builders ---- */

static size_t put_eth(uint8_t *f, uint16_t type)
{
	memcpy(f, MAC_B, 6);
	memcpy(f + 6, MAC_A, 6);
	wr16(f + 12, type);
	return ETH_HDR_LEN;
}

static size_t put_vlan_eth(uint8_t *f, uint16_t tpid, uint16_t vid, uint16_t type)
{
	memcpy(f, MAC_B, 6);
	memcpy(f + 6, MAC_A, 6);
	wr16(f + 12, tpid);
	wr16(f + 14, vid);
	wr16(f + 16, type);
	return ETH_HDR_LEN + VLAN_HDR_LEN;
}

/* IPv4 with ihl_words * 4 bytes of header (options are NOPs), checksummed. */
static size_t put_ipv4(uint8_t *ip, unsigned int ihl_words, uint8_t proto, size_t payload,
		       const uint8_t src[4], const uint8_t dst[4], uint16_t frag)
{
	size_t hl = ihl_words * 4;

	memset(ip, 0, hl);
	ip[0] = (uint8_t)(0x40 | ihl_words);
	ip[1] = 0;
	wr16(ip + 2, (uint16_t)(hl + payload));
	wr16(ip + 4, 0x1234);
	wr16(ip + 6, frag);
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	if (hl > 20)
		memset(ip + 20, 1, hl - 20);	/* NOP options */
	wr16(ip + 10, ref_csum(ip, hl));
	return hl;
}

static size_t put_ipv6(uint8_t *ip, uint8_t nh, size_t payload, const uint8_t src[16],
		       const uint8_t dst[16])
{
	wr32(ip, 6u << 28);
	wr16(ip + 4, (uint16_t)payload);
	ip[6] = nh;
	ip[7] = 64;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	return IPV6_HDR_LEN;
}

static size_t put_udp(uint8_t *u, uint16_t sport, uint16_t dport, size_t payload)
{
	wr16(u, sport);
	wr16(u + 2, dport);
	wr16(u + 4, (uint16_t)(UDP_HDR_LEN + payload));
	wr16(u + 6, 0);
	return UDP_HDR_LEN;
}

/* An ESP packet: SPI, sequence number, then a recognisable pattern. */
static size_t put_esp(uint8_t *e, uint32_t spi, uint32_t seq, size_t len)
{
	size_t i;

	wr32(e, spi);
	wr32(e + 4, seq);
	for (i = ESP_HDR_LEN; i < len; i++)
		e[i] = (uint8_t)(i * 7 + 3);
	return len;
}

/* Ethernet + IPv4 + UDP 4500 -> 4500 + ESP of esp_len bytes. */
static size_t frame_v4_udp(uint8_t *f, size_t esp_len)
{
	size_t off = put_eth(f, ETH_P_IPV4);

	off += put_ipv4(f + off, 5, P_UDP, UDP_HDR_LEN + esp_len, V4_A, V4_B, IP_DF);
	off += put_udp(f + off, 4500, 4500, esp_len);
	return off + put_esp(f + off, 0x1001, 1, esp_len);
}

/* Ethernet + IPv6 (next header 50) + ESP of esp_len bytes. */
static size_t frame_v6_esp(uint8_t *f, size_t esp_len)
{
	size_t off = put_eth(f, ETH_P_IPV6_NUM);

	off += put_ipv6(f + off, P_ESP, esp_len, V6_A, V6_B);
	return off + put_esp(f + off, 0x3001, 7, esp_len);
}

/*
 * A heap copy of len bytes at offset off of its allocation, ending exactly
 * where the frame ends.  Free with exact_free(p, off).
 */
static uint8_t *exact_copy(const uint8_t *src, size_t len, size_t off)
{
	uint8_t *p = malloc(off + len ? off + len : 1);

	assert_non_null(p);
	memcpy(p + off, src, len);
	return p + off;
}

static void exact_free(uint8_t *p, size_t off)
{
	free(p - off);
}

/* pkt_parse_outer on an exact copy at every test offset; all must agree. */
static bool parse_outer_at_offsets(const uint8_t *frame, size_t len, struct outer_info *out)
{
	struct outer_info first;
	bool ok = false;
	size_t k;

	for (k = 0; k < N_OFFSETS; k++) {
		uint8_t *p = exact_copy(frame, len, offsets[k]);
		struct outer_info oi;
		bool r;

		memset(&oi, 0x5a, sizeof(oi));
		r = pkt_parse_outer(p, len, &oi);
		exact_free(p, offsets[k]);
		if (k == 0) {
			ok = r;
			first = oi;
			continue;
		}
		assert_int_equal(r, ok);
		if (r) {
			assert_int_equal(oi.family, first.family);
			assert_int_equal(oi.esp_off, first.esp_off);
			assert_int_equal(oi.esp_len, first.esp_len);
			assert_memory_equal(oi.saddr, first.saddr, 16);
			assert_memory_equal(&oi.sport, &first.sport, 2);
		}
	}
	if (ok && out)
		*out = first;
	return ok;
}

/* ---- pkt_parse_outer ---- */

static void test_outer_v4_udp(void **state)
{
	uint8_t f[256];
	struct outer_info oi;
	size_t len = frame_v4_udp(f, 64);

	(void)state;
	assert_true(parse_outer_at_offsets(f, len, &oi));
	assert_int_equal(oi.family, XS_AF_INET);
	assert_int_equal(oi.esp_off, ETH_HDR_LEN + IPV4_HDR_LEN + UDP_HDR_LEN);
	assert_int_equal(oi.esp_len, 64);
	assert_memory_equal(oi.saddr, V4_A, 4);
	assert_memory_equal(oi.saddr + 4, "\0\0\0\0\0\0\0\0\0\0\0\0", 12);
	/* sport is kept in network order: the bytes as on the wire. */
	assert_memory_equal(&oi.sport, "\x11\x94", 2);
	assert_int_equal(rd32(f + oi.esp_off), 0x1001);
}

/* A NAT in front of the peer changes its source port: that is what we report. */
static void test_outer_v4_udp_nat_port(void **state)
{
	uint8_t f[256];
	struct outer_info oi;
	size_t len = frame_v4_udp(f, 40);

	(void)state;
	wr16(f + ETH_HDR_LEN + IPV4_HDR_LEN, 31337);
	assert_true(parse_outer_at_offsets(f, len, &oi));
	assert_memory_equal(&oi.sport, "\x7a\x69", 2);
}

static void test_outer_v4_options(void **state)
{
	uint8_t f[256];
	struct outer_info oi;
	size_t off = put_eth(f, ETH_P_IPV4), len;

	(void)state;
	off += put_ipv4(f + off, 7, P_UDP, UDP_HDR_LEN + 32, V4_A, V4_B, 0);
	off += put_udp(f + off, 4500, 4500, 32);
	len = off + put_esp(f + off, 0x1001, 2, 32);
	assert_true(parse_outer_at_offsets(f, len, &oi));
	assert_int_equal(oi.esp_off, ETH_HDR_LEN + 28 + UDP_HDR_LEN);
	assert_int_equal(oi.esp_len, 32);
}

/* Ethernet pads short frames to 60 bytes: the IP length says where ESP ends. */
static void test_outer_v4_raw_padded(void **state)
{
	uint8_t f[128];
	struct outer_info oi;
	size_t off = put_eth(f, ETH_P_IPV4);

	(void)state;
	off += put_ipv4(f + off, 5, P_ESP, 12, V4_A, V4_B, 0);
	off += put_esp(f + off, 0x1001, 3, 12);
	assert_int_equal(off, 46);
	memset(f + off, 0, 60 - off);
	assert_true(parse_outer_at_offsets(f, 60, &oi));
	assert_int_equal(oi.family, XS_AF_INET);
	assert_int_equal(oi.esp_off, ETH_HDR_LEN + IPV4_HDR_LEN);
	assert_int_equal(oi.esp_len, 12);
	assert_int_equal(oi.sport, 0);
}

static void test_outer_v6_raw(void **state)
{
	uint8_t f[256];
	struct outer_info oi;
	size_t len = frame_v6_esp(f, 72);

	(void)state;
	assert_true(parse_outer_at_offsets(f, len, &oi));
	assert_int_equal(oi.family, XS_AF_INET6);
	assert_int_equal(oi.esp_off, ETH_HDR_LEN + IPV6_HDR_LEN);
	assert_int_equal(oi.esp_len, 72);
	assert_memory_equal(oi.saddr, V6_A, 16);
	assert_int_equal(oi.sport, 0);
	assert_int_equal(rd32(f + oi.esp_off), 0x3001);
}

static void test_outer_v6_udp(void **state)
{
	uint8_t f[256];
	struct outer_info oi;
	size_t off = put_eth(f, ETH_P_IPV6_NUM), len;

	(void)state;
	off += put_ipv6(f + off, P_UDP, UDP_HDR_LEN + 48, V6_B, V6_A);
	off += put_udp(f + off, 4500, 4500, 48);
	len = off + put_esp(f + off, 0x4002, 9, 48);
	assert_true(parse_outer_at_offsets(f, len, &oi));
	assert_int_equal(oi.family, XS_AF_INET6);
	assert_int_equal(oi.esp_off, ETH_HDR_LEN + IPV6_HDR_LEN + UDP_HDR_LEN);
	assert_int_equal(oi.esp_len, 48);
	assert_memory_equal(oi.saddr, V6_B, 16);
	assert_memory_equal(&oi.sport, "\x11\x94", 2);
}

static void test_outer_vlan(void **state)
{
	static const uint16_t tpids[] = { ETH_P_8021Q_NUM, ETH_P_8021AD_NUM };
	uint8_t f[256];
	struct outer_info oi;
	size_t i, off, len;

	(void)state;
	for (i = 0; i < 2; i++) {
		off = put_vlan_eth(f, tpids[i], 42, ETH_P_IPV4);
		off += put_ipv4(f + off, 5, P_UDP, UDP_HDR_LEN + 40, V4_A, V4_B, 0);
		off += put_udp(f + off, 4500, 4500, 40);
		len = off + put_esp(f + off, 0x1001, 4, 40);
		assert_true(parse_outer_at_offsets(f, len, &oi));
		assert_int_equal(oi.family, XS_AF_INET);
		assert_int_equal(oi.esp_off, ETH_HDR_LEN + VLAN_HDR_LEN + IPV4_HDR_LEN + UDP_HDR_LEN);
		assert_int_equal(oi.esp_len, 40);

		off = put_vlan_eth(f, tpids[i], 7, ETH_P_IPV6_NUM);
		off += put_ipv6(f + off, P_ESP, 40, V6_A, V6_B);
		len = off + put_esp(f + off, 0x3001, 4, 40);
		assert_true(parse_outer_at_offsets(f, len, &oi));
		assert_int_equal(oi.family, XS_AF_INET6);
		assert_int_equal(oi.esp_off, ETH_HDR_LEN + VLAN_HDR_LEN + IPV6_HDR_LEN);
		assert_int_equal(oi.esp_len, 40);
		assert_memory_equal(oi.saddr, V6_A, 16);
	}
}

/* Every proper prefix of a good frame is refused (and read within bounds). */
static void assert_prefixes_refused(const uint8_t *f, size_t len)
{
	size_t n;

	for (n = 0; n < len; n++)
		if (parse_outer_at_offsets(f, n, NULL))
			fail_msg("a frame cut to %zu of %zu bytes was accepted", n, len);
	assert_true(parse_outer_at_offsets(f, len, NULL));
}

static void test_outer_truncated(void **state)
{
	uint8_t f[256];
	size_t off, len;

	(void)state;
	assert_prefixes_refused(f, frame_v4_udp(f, 24));
	assert_prefixes_refused(f, frame_v6_esp(f, 24));
	off = put_vlan_eth(f, ETH_P_8021Q_NUM, 1, ETH_P_IPV4);
	off += put_ipv4(f + off, 5, P_ESP, 16, V4_A, V4_B, 0);
	len = off + put_esp(f + off, 0x1001, 1, 16);
	assert_prefixes_refused(f, len);
}

/* Lengths in the headers that leave no room, with the frame itself long enough. */
static void test_outer_short_lengths(void **state)
{
	uint8_t f[256];
	size_t len, ip = ETH_HDR_LEN;

	(void)state;
	/* ESP shorter than its 8-byte header (a keepalive's single 0xff byte). */
	len = frame_v4_udp(f, 64);
	wr16(f + ip + 2, IPV4_HDR_LEN + UDP_HDR_LEN + 1);
	assert_false(parse_outer_at_offsets(f, len, NULL));
	wr16(f + ip + 2, IPV4_HDR_LEN + UDP_HDR_LEN + ESP_HDR_LEN - 1);
	assert_false(parse_outer_at_offsets(f, len, NULL));
	wr16(f + ip + 2, IPV4_HDR_LEN + UDP_HDR_LEN + ESP_HDR_LEN);
	assert_true(parse_outer_at_offsets(f, len, NULL));
	/* IP length covering only half the UDP header. */
	wr16(f + ip + 2, IPV4_HDR_LEN + 4);
	assert_false(parse_outer_at_offsets(f, len, NULL));
	/* IP total length below the header length. */
	wr16(f + ip + 2, IPV4_HDR_LEN - 1);
	assert_false(parse_outer_at_offsets(f, len, NULL));
	/* IPv4 longer than the frame. */
	wr16(f + ip + 2, (uint16_t)(len - ETH_HDR_LEN + 1));
	assert_false(parse_outer_at_offsets(f, len, NULL));
	/* IPv6 payload longer than the frame; raw ESP of 7 bytes. */
	len = frame_v6_esp(f, 64);
	wr16(f + ip + 4, (uint16_t)(len - ETH_HDR_LEN - IPV6_HDR_LEN + 1));
	assert_false(parse_outer_at_offsets(f, len, NULL));
	wr16(f + ip + 4, ESP_HDR_LEN - 1);
	assert_false(parse_outer_at_offsets(f, len, NULL));
	wr16(f + ip + 4, ESP_HDR_LEN);
	assert_true(parse_outer_at_offsets(f, len, NULL));
}

static void test_outer_not_esp(void **state)
{
	uint8_t f[256];
	size_t ip = ETH_HDR_LEN, len, off;

	(void)state;
	/* ARP */
	len = frame_v4_udp(f, 32);
	wr16(f + 12, ETH_P_ARP_NUM);
	assert_false(parse_outer_at_offsets(f, len, NULL));
	/* IPv4 TCP, ICMP: the protocol byte decides */
	len = frame_v4_udp(f, 32);
	f[ip + 9] = P_TCP;
	assert_false(parse_outer_at_offsets(f, len, NULL));
	f[ip + 9] = P_ICMP;
	assert_false(parse_outer_at_offsets(f, len, NULL));
	/* IPv6 TCP, and ESP behind a hop-by-hop header (the XDP program passes
	 * those to the kernel; the worker must not guess) */
	len = frame_v6_esp(f, 32);
	f[ip + 6] = P_TCP;
	assert_false(parse_outer_at_offsets(f, len, NULL));
	f[ip + 6] = P_HOPOPTS;
	assert_false(parse_outer_at_offsets(f, len, NULL));
	/* Versions that disagree with the EtherType */
	len = frame_v4_udp(f, 32);
	f[ip] = 0x65;
	assert_false(parse_outer_at_offsets(f, len, NULL));
	len = frame_v6_esp(f, 32);
	f[ip] = 0x45;
	assert_false(parse_outer_at_offsets(f, len, NULL));
	/* IPv4 header length below 5 words */
	len = frame_v4_udp(f, 32);
	f[ip] = 0x44;
	assert_false(parse_outer_at_offsets(f, len, NULL));
	/* VLAN tag around ARP */
	off = put_vlan_eth(f, ETH_P_8021Q_NUM, 5, ETH_P_ARP_NUM);
	memset(f + off, 0, 28);
	assert_false(parse_outer_at_offsets(f, off + 28, NULL));
}

/* Fragments belong to the kernel; DF alone is not a fragment. */
static void test_outer_fragments(void **state)
{
	static const struct {
		uint16_t frag;
		bool ok;
	} cases[] = {
		{ 0, true }, { IP_DF, true }, { IP_MF, false }, { 1, false },
		{ 0x1fff, false }, { IP_DF | 185, false }, { IP_MF | 185, false },
	};
	uint8_t f[256];
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t off = put_eth(f, ETH_P_IPV4);

		off += put_ipv4(f + off, 5, P_ESP, 32, V4_A, V4_B, cases[i].frag);
		len = off + put_esp(f + off, 0x1001, 1, 32);
		if (parse_outer_at_offsets(f, len, NULL) != cases[i].ok)
			fail_msg("IPv4 flags/offset 0x%04x: expected %s", cases[i].frag,
				 cases[i].ok ? "ESP" : "refused");
	}
}

/* ---- pkt_push_outer ---- */

struct push_case {
	uint8_t family;
	uint16_t sport, dport;
	size_t esp_len;
	uint8_t tos;
	uint16_t ip_id;
};

static struct outer_hdr outer_for(const struct push_case *pc)
{
	struct outer_hdr h;

	memset(&h, 0, sizeof(h));
	h.family = pc->family;
	if (pc->family == XS_AF_INET) {
		memcpy(h.src, V4_A, 4);
		memcpy(h.dst, V4_B, 4);
	} else {
		memcpy(h.src, V6_A, 16);
		memcpy(h.dst, V6_B, 16);
	}
	h.sport = pc->sport;
	h.dport = pc->dport;
	memcpy(h.eth_src, MAC_A, 6);
	memcpy(h.eth_dst, MAC_B, 6);
	return h;
}

static void check_udp_hdr(const uint8_t *udp, const struct push_case *pc)
{
	assert_int_equal(rd16(udp), pc->sport);
	assert_int_equal(rd16(udp + 2), pc->dport);
	assert_int_equal(rd16(udp + 4), UDP_HDR_LEN + pc->esp_len);
}

static void check_ipv4_outer(const uint8_t *ip, const struct push_case *pc, bool udp)
{
	uint8_t copy[IPV4_HDR_LEN];
	size_t l4 = pc->esp_len + (udp ? UDP_HDR_LEN : 0);

	assert_int_equal(ip[0], 0x45);
	assert_int_equal(ip[1], pc->tos);
	assert_int_equal(rd16(ip + 2), IPV4_HDR_LEN + l4);
	assert_int_equal(rd16(ip + 4), pc->ip_id);
	assert_int_equal(rd16(ip + 6) & 0x3fff, 0);	/* not a fragment */
	assert_true(ip[8] > 0);
	assert_int_equal(ip[9], udp ? P_UDP : P_ESP);
	assert_memory_equal(ip + 12, V4_A, 4);
	assert_memory_equal(ip + 16, V4_B, 4);
	/* The header checksum, recomputed from scratch with the field zeroed. */
	memcpy(copy, ip, sizeof(copy));
	wr16(copy + 10, 0);
	assert_int_equal(rd16(ip + 10), ref_csum(copy, sizeof(copy)));
	assert_int_equal(ref_csum(ip, IPV4_HDR_LEN), 0);
	if (udp) {
		check_udp_hdr(ip + IPV4_HDR_LEN, pc);
		/* RFC 3948 2.1: the UDP checksum is zero over IPv4. */
		assert_int_equal(rd16(ip + IPV4_HDR_LEN + 6), 0);
	}
}

static void check_ipv6_outer(const uint8_t *ip, const struct push_case *pc, bool udp)
{
	size_t l4 = pc->esp_len + (udp ? UDP_HDR_LEN : 0);
	uint8_t ph[40], copy[UDP_HDR_LEN];
	uint16_t want;

	assert_int_equal(ip[0] >> 4, 6);
	/* Traffic class from the inner packet, flow label zero. */
	assert_int_equal((uint8_t)(rd16(ip) >> 4), pc->tos);
	assert_int_equal(rd32(ip) & 0xfffff, 0);
	assert_int_equal(rd16(ip + 4), l4);
	assert_int_equal(ip[6], udp ? P_UDP : P_ESP);
	assert_true(ip[7] > 0);
	assert_memory_equal(ip + 8, V6_A, 16);
	assert_memory_equal(ip + 24, V6_B, 16);
	if (!udp)
		return;
	check_udp_hdr(ip + IPV6_HDR_LEN, pc);
	/* RFC 8200 8.1: mandatory over IPv6, pseudo-header included, and a
	 * computed zero is sent as 0xffff. */
	ipv6_pseudo(ph, V6_A, V6_B, (uint32_t)l4, P_UDP);
	memcpy(copy, ip + IPV6_HDR_LEN, UDP_HDR_LEN);
	wr16(copy + 6, 0);
	want = ref_csum3(ph, sizeof(ph), copy, UDP_HDR_LEN, ip + IPV6_HDR_LEN + UDP_HDR_LEN,
			 pc->esp_len);
	if (want == 0)
		want = 0xffff;
	assert_int_not_equal(rd16(ip + IPV6_HDR_LEN + 6), 0);
	assert_int_equal(rd16(ip + IPV6_HDR_LEN + 6), want);
}

/*
 * Pushes the outer headers in front of an ESP packet at every offset and
 * checks: the frame starts pkt_outer_len() before the ESP packet, the ESP
 * packet and everything before the frame are untouched, and the headers.
 * fixup (optional) edits the ESP bytes before the push.
 */
static void run_push_case(const struct push_case *pc, void (*fixup)(uint8_t *esp, size_t len))
{
	static uint8_t area[AREA_LEN] __attribute__((aligned(64)));
	struct outer_hdr h = outer_for(pc);
	bool udp = pc->dport != 0;
	size_t want_len = ETH_HDR_LEN + (pc->family == XS_AF_INET ? IPV4_HDR_LEN : IPV6_HDR_LEN) +
			  (udp ? UDP_HDR_LEN : 0);
	uint8_t esp_copy[2048];
	size_t k, i;

	assert_true(pc->esp_len <= sizeof(esp_copy));
	assert_int_equal(pkt_outer_len(&h), want_len);
	for (k = 0; k < N_OFFSETS; k++) {
		uint8_t *esp = area + HEADROOM + offsets[k], *frame;

		memset(area, CANARY, sizeof(area));
		put_esp(esp, 0x1001, 5, pc->esp_len);
		if (fixup)
			fixup(esp, pc->esp_len);
		memcpy(esp_copy, esp, pc->esp_len);
		frame = pkt_push_outer(&h, esp, pc->esp_len, pc->tos, pc->ip_id);
		assert_ptr_equal(frame, esp - want_len);
		for (i = 0; i < (size_t)(frame - area); i++)
			if (area[i] != CANARY)
				fail_msg("offset %zu: byte %zu before the frame was written",
					 offsets[k], (size_t)(frame - area) - i);
		assert_memory_equal(esp, esp_copy, pc->esp_len);
		assert_int_equal(esp[pc->esp_len], CANARY);
		assert_memory_equal(frame, MAC_B, 6);
		assert_memory_equal(frame + 6, MAC_A, 6);
		assert_int_equal(rd16(frame + 12),
				 pc->family == XS_AF_INET ? ETH_P_IPV4 : ETH_P_IPV6_NUM);
		if (pc->family == XS_AF_INET)
			check_ipv4_outer(frame + ETH_HDR_LEN, pc, udp);
		else
			check_ipv6_outer(frame + ETH_HDR_LEN, pc, udp);
	}
}

static void test_push_v4_udp(void **state)
{
	/* Different ports each way, to catch a swap; DSCP EF + ECT(1). */
	const struct push_case pc = { XS_AF_INET, 4500, 31337, 120, 0xb9, 0xbeef };

	(void)state;
	run_push_case(&pc, NULL);
}

static void test_push_v4_raw(void **state)
{
	const struct push_case pc = { XS_AF_INET, 0, 0, 1400, 0x00, 0x0001 };

	(void)state;
	run_push_case(&pc, NULL);
}

static void test_push_v6_udp(void **state)
{
	const struct push_case even = { XS_AF_INET6, 4500, 4501, 1420, 0x2e, 0 };
	const struct push_case odd = { XS_AF_INET6, 4500, 4500, 77, 0xfc, 0 };

	(void)state;
	run_push_case(&even, NULL);
	run_push_case(&odd, NULL);	/* odd length: the last byte is padded */
}

static void test_push_v6_raw(void **state)
{
	const struct push_case pc = { XS_AF_INET6, 0, 0, 64, 0x48, 0 };

	(void)state;
	run_push_case(&pc, NULL);
}

/*
 * Chooses the last two ESP bytes so that the UDP checksum computes to zero,
 * which IPv6 must send as 0xffff (RFC 8200 8.1, RFC 768).
 */
static void make_udp6_sum_zero(uint8_t *esp, size_t len)
{
	const struct push_case pc = { XS_AF_INET6, 4500, 4500, len, 0, 0 };
	uint8_t ph[40], udp[UDP_HDR_LEN];
	uint16_t partial;

	ipv6_pseudo(ph, V6_A, V6_B, (uint32_t)(UDP_HDR_LEN + len), P_UDP);
	put_udp(udp, pc.sport, pc.dport, len);
	wr16(esp + len - 2, 0);
	/* ~partial is the folded sum without the word; adding partial to it
	 * gives 0xffff, whose complement is 0. */
	partial = ref_csum3(ph, sizeof(ph), udp, sizeof(udp), esp, len);
	wr16(esp + len - 2, partial);
	assert_int_equal(ref_csum3(ph, sizeof(ph), udp, sizeof(udp), esp, len), 0);
}

static void test_push_v6_udp_zero_sum(void **state)
{
	const struct push_case pc = { XS_AF_INET6, 4500, 4500, 96, 0, 0 };

	(void)state;
	run_push_case(&pc, make_udp6_sum_zero);
}

/* ---- pkt_parse_inner ---- */

static bool parse_inner_exact(const uint8_t *ip, size_t len, struct inner_info *in)
{
	bool r = false;
	size_t k;

	for (k = 0; k < N_OFFSETS; k++) {
		uint8_t *p = exact_copy(ip, len, offsets[k]);
		bool rk;

		memset(in, 0x5a, sizeof(*in));
		rk = pkt_parse_inner(p, len, in);
		exact_free(p, offsets[k]);
		if (k && rk != r)
			fail_msg("pkt_parse_inner disagrees with itself at offset %zu", offsets[k]);
		r = rk;
	}
	return r;
}

static void test_inner_v4(void **state)
{
	uint8_t p[256];
	struct inner_info in;

	(void)state;
	put_ipv4(p, 5, P_ICMP, 64, IN4_SRC, IN4_DST, IP_DF);
	p[1] = 0x88;
	assert_true(parse_inner_exact(p, 84, &in));
	assert_int_equal(in.family, XS_AF_INET);
	assert_int_equal(in.tos, 0x88);
	assert_true(in.dont_fragment);
	assert_int_equal(in.len, 84);
	/* Trailing bytes (Ethernet padding, a veth frame) are not the packet's. */
	assert_true(parse_inner_exact(p, 200, &in));
	assert_int_equal(in.len, 84);
	/* Without DF, and a first fragment (MF only): may be fragmented. */
	put_ipv4(p, 5, P_ICMP, 64, IN4_SRC, IN4_DST, 0);
	assert_true(parse_inner_exact(p, 84, &in));
	assert_false(in.dont_fragment);
	put_ipv4(p, 5, P_ICMP, 64, IN4_SRC, IN4_DST, IP_MF);
	assert_true(parse_inner_exact(p, 84, &in));
	assert_false(in.dont_fragment);
	/* With options */
	put_ipv4(p, 6, P_UDP, 8, IN4_SRC, IN4_DST, IP_DF);
	assert_true(parse_inner_exact(p, 32, &in));
	assert_int_equal(in.len, 32);
}

static void test_inner_v4_bad(void **state)
{
	uint8_t p[256];
	struct inner_info in;

	(void)state;
	put_ipv4(p, 5, P_ICMP, 64, IN4_SRC, IN4_DST, IP_DF);
	assert_false(parse_inner_exact(p, 83, &in));	/* total length beyond the buffer */
	assert_false(parse_inner_exact(p, 19, &in));	/* not even a header */
	assert_false(parse_inner_exact(p, 0, &in));
	p[0] = 0x44;					/* ihl 4 */
	assert_false(parse_inner_exact(p, 84, &in));
	put_ipv4(p, 5, P_ICMP, 64, IN4_SRC, IN4_DST, IP_DF);
	wr16(p + 2, 19);				/* total length < header */
	assert_false(parse_inner_exact(p, 84, &in));
	put_ipv4(p, 5, P_ICMP, 64, IN4_SRC, IN4_DST, IP_DF);
	p[0] = 0x4f;					/* 60-byte header in a 40-byte packet */
	wr16(p + 2, 40);
	assert_false(parse_inner_exact(p, 84, &in));
}

static void test_inner_v6(void **state)
{
	uint8_t p[256];
	struct inner_info in;

	(void)state;
	put_ipv6(p, P_ICMPV6, 64, IN6_SRC, IN6_DST);
	wr32(p, 6u << 28 | 0xb8u << 20 | 0x12345);	/* traffic class 0xb8, a flow label */
	assert_true(parse_inner_exact(p, 104, &in));
	assert_int_equal(in.family, XS_AF_INET6);
	assert_int_equal(in.tos, 0xb8);
	assert_true(in.dont_fragment);			/* IPv6 routers never fragment */
	assert_int_equal(in.len, 104);
	assert_true(parse_inner_exact(p, 200, &in));
	assert_int_equal(in.len, 104);
	assert_false(parse_inner_exact(p, 103, &in));	/* payload beyond the buffer */
	assert_false(parse_inner_exact(p, 39, &in));	/* version 6, 39 bytes */
	assert_false(parse_inner_exact(p, 20, &in));
}

static void test_inner_bad_versions(void **state)
{
	static const uint8_t versions[] = { 0, 1, 5, 7, 15 };
	uint8_t p[128];
	struct inner_info in;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(versions); i++) {
		put_ipv6(p, P_ICMPV6, 64, IN6_SRC, IN6_DST);
		p[0] = (uint8_t)(versions[i] << 4 | 5);
		if (parse_inner_exact(p, 104, &in))
			fail_msg("IP version %u accepted", versions[i]);
	}
}

/* ---- pkt_build_too_big ---- */

/* An ICMP echo request of len bytes in IPv4 (DF) or IPv6, at ip. */
static void put_inner_echo(uint8_t *ip, uint8_t family, size_t len)
{
	size_t hl = family == XS_AF_INET ? IPV4_HDR_LEN : IPV6_HDR_LEN, i;

	if (family == XS_AF_INET)
		put_ipv4(ip, 5, P_ICMP, len - hl, IN4_SRC, IN4_DST, IP_DF);
	else
		put_ipv6(ip, P_ICMPV6, len - hl, IN6_SRC, IN6_DST);
	ip[hl] = family == XS_AF_INET ? 8 : 128;
	for (i = hl + 1; i < len; i++)
		ip[i] = (uint8_t)(i ^ 0x5c);
}

/* Builds the reply at every offset; calls check on each. */
static void run_too_big(uint8_t family, size_t inner_len, uint16_t mtu,
			void (*check)(const uint8_t *frame, size_t frame_len,
				      const uint8_t *orig, size_t inner_len, uint16_t mtu))
{
	static uint8_t area[AREA_LEN] __attribute__((aligned(64)));
	static uint8_t orig[2048];
	struct inner_info in;
	size_t k, i, flen;

	assert_true(inner_len <= sizeof(orig));
	put_inner_echo(orig, family, inner_len);
	for (k = 0; k < N_OFFSETS; k++) {
		uint8_t *ip = area + HEADROOM + offsets[k], *frame;

		memset(area, CANARY, sizeof(area));
		memcpy(ip, orig, inner_len);
		assert_true(pkt_parse_inner(ip, inner_len, &in));
		flen = 0;
		frame = pkt_build_too_big(ip, &in, family == XS_AF_INET ? IN4_GW : IN6_GW, mtu,
					  &flen);
		assert_non_null(frame);
		assert_true(frame >= ip - (ETH_HDR_LEN + IPV6_HDR_LEN + ICMP_HDR_LEN));
		for (i = 0; i < (size_t)(frame - area); i++)
			if (area[i] != CANARY)
				fail_msg("offset %zu: byte %zu before the frame was written",
					 offsets[k], (size_t)(frame - area) - i);
		check(frame, flen, orig, inner_len, mtu);
	}
}

static void check_icmp4(const uint8_t *frame, size_t flen, const uint8_t *orig, size_t inner_len,
			uint16_t mtu)
{
	size_t quote = inner_len < ICMP4_QUOTE_MAX ? inner_len : ICMP4_QUOTE_MAX;
	const uint8_t *ip = frame + ETH_HDR_LEN, *icmp = ip + IPV4_HDR_LEN;
	uint8_t copy[ICMP_HDR_LEN];

	assert_int_equal(flen, ETH_HDR_LEN + IPV4_HDR_LEN + ICMP_HDR_LEN + quote);
	assert_int_equal(rd16(frame + 12), ETH_P_IPV4);
	/* IPv4 header: from our address back to the sender, at most 576 bytes. */
	assert_int_equal(ip[0], 0x45);
	assert_int_equal(rd16(ip + 2), IPV4_HDR_LEN + ICMP_HDR_LEN + quote);
	assert_true(rd16(ip + 2) <= 576);
	assert_int_equal(rd16(ip + 6) & 0x3fff, 0);
	assert_true(ip[8] > 0);
	assert_int_equal(ip[9], P_ICMP);
	assert_memory_equal(ip + 12, IN4_GW, 4);
	assert_memory_equal(ip + 16, IN4_SRC, 4);
	assert_int_equal(ref_csum(ip, IPV4_HDR_LEN), 0);
	/* ICMP: destination unreachable, fragmentation needed (RFC 1191). */
	assert_int_equal(icmp[0], 3);
	assert_int_equal(icmp[1], 4);
	assert_int_equal(rd16(icmp + 4), 0);
	assert_int_equal(rd16(icmp + 6), mtu);
	memcpy(copy, icmp, ICMP_HDR_LEN);
	wr16(copy + 2, 0);
	assert_int_equal(rd16(icmp + 2), ref_csum3(copy, ICMP_HDR_LEN, icmp + ICMP_HDR_LEN, quote,
						  NULL, 0));
	/* The quote: the offending packet from its first byte. */
	assert_memory_equal(icmp + ICMP_HDR_LEN, orig, quote);
}

static void check_icmp6(const uint8_t *frame, size_t flen, const uint8_t *orig, size_t inner_len,
			uint16_t mtu)
{
	size_t quote = inner_len < ICMP6_QUOTE_MAX ? inner_len : ICMP6_QUOTE_MAX;
	const uint8_t *ip = frame + ETH_HDR_LEN, *icmp = ip + IPV6_HDR_LEN;
	uint32_t want_mtu = mtu < IPV6_MIN_MTU ? IPV6_MIN_MTU : mtu;
	uint8_t ph[40], copy[ICMP_HDR_LEN];

	assert_int_equal(flen, ETH_HDR_LEN + IPV6_HDR_LEN + ICMP_HDR_LEN + quote);
	assert_int_equal(rd16(frame + 12), ETH_P_IPV6_NUM);
	assert_int_equal(ip[0] >> 4, 6);
	assert_int_equal(rd16(ip + 4), ICMP_HDR_LEN + quote);
	assert_true(IPV6_HDR_LEN + rd16(ip + 4) <= IPV6_MIN_MTU);	/* RFC 4443 2.4 (c) */
	assert_int_equal(ip[6], P_ICMPV6);
	assert_true(ip[7] > 0);
	assert_memory_equal(ip + 8, IN6_GW, 16);
	assert_memory_equal(ip + 24, IN6_SRC, 16);
	/* ICMPv6 packet too big (RFC 4443 3.2): a 32-bit MTU, never below 1280. */
	assert_int_equal(icmp[0], 2);
	assert_int_equal(icmp[1], 0);
	assert_int_equal(rd32(icmp + 4), want_mtu);
	assert_true(rd32(icmp + 4) >= IPV6_MIN_MTU);
	ipv6_pseudo(ph, IN6_GW, IN6_SRC, (uint32_t)(ICMP_HDR_LEN + quote), P_ICMPV6);
	memcpy(copy, icmp, ICMP_HDR_LEN);
	wr16(copy + 2, 0);
	assert_int_equal(rd16(icmp + 2), ref_csum3(ph, sizeof(ph), copy, ICMP_HDR_LEN,
						  icmp + ICMP_HDR_LEN, quote));
	assert_memory_equal(icmp + ICMP_HDR_LEN, orig, quote);
}

static void test_too_big_v4(void **state)
{
	(void)state;
	run_too_big(XS_AF_INET, 1500, 1422, check_icmp4);	/* quote cut at 548 bytes */
	run_too_big(XS_AF_INET, 1500, 576, check_icmp4);
	run_too_big(XS_AF_INET, 101, 68, check_icmp4);		/* odd, quoted whole */
	run_too_big(XS_AF_INET, ICMP4_QUOTE_MAX, 1000, check_icmp4);
}

static void test_too_big_v6(void **state)
{
	(void)state;
	run_too_big(XS_AF_INET6, 1500, 1414, check_icmp6);	/* quote cut at 1232 bytes */
	run_too_big(XS_AF_INET6, 1500, 1280, check_icmp6);
	run_too_big(XS_AF_INET6, 1500, 1000, check_icmp6);	/* reported as 1280 */
	run_too_big(XS_AF_INET6, 1500, 0, check_icmp6);
	run_too_big(XS_AF_INET6, 99, 1400, check_icmp6);	/* odd, quoted whole */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outer_v4_udp),
		cmocka_unit_test(test_outer_v4_udp_nat_port),
		cmocka_unit_test(test_outer_v4_options),
		cmocka_unit_test(test_outer_v4_raw_padded),
		cmocka_unit_test(test_outer_v6_raw),
		cmocka_unit_test(test_outer_v6_udp),
		cmocka_unit_test(test_outer_vlan),
		cmocka_unit_test(test_outer_truncated),
		cmocka_unit_test(test_outer_short_lengths),
		cmocka_unit_test(test_outer_not_esp),
		cmocka_unit_test(test_outer_fragments),
		cmocka_unit_test(test_push_v4_udp),
		cmocka_unit_test(test_push_v4_raw),
		cmocka_unit_test(test_push_v6_udp),
		cmocka_unit_test(test_push_v6_raw),
		cmocka_unit_test(test_push_v6_udp_zero_sum),
		cmocka_unit_test(test_inner_v4),
		cmocka_unit_test(test_inner_v4_bad),
		cmocka_unit_test(test_inner_v6),
		cmocka_unit_test(test_inner_bad_versions),
		cmocka_unit_test(test_too_big_v4),
		cmocka_unit_test(test_too_big_v6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
