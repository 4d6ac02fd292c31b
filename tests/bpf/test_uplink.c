// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xs_uplink through BPF_PROG_TEST_RUN: one fixture table per map state.
 * The SAs below are installed first; the first table runs with no AF_XDP
 * socket in xs_xsk_up, the second with a real one on queue 0:
 *
 *   this process, in a network namespace of its own (gone when it exits)
 *     [xstup0] ====veth==== [xstup0p]
 *        `-- AF_XDP socket, queue 0, copy mode, no XDP program attached;
 *            its fd in xs_xsk_up[0], so bpf_redirect_map finds it
 *
 * Needs root.  Exits non-zero when any case fails.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "pkt.h"
#include "uplink.skel.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define OUR4 "198.51.100.1"
#define OTHER4 "198.51.100.99"
#define PEER4 "203.0.113.7"
#define OUR6 "2001:db8::1"
#define PEER6 "2001:db8:ff::7"

enum {
	SLOT_IN = 1,		/* valid, inbound: ESP for it is steered */
	SLOT_INVALID = 2,	/* inbound, not (yet) valid */
	SLOT_OUT = 3,		/* valid, outbound: must not be matched inbound */
	SLOT_IN6 = 4,		/* valid, inbound, IPv6 outer */
};

enum {
	SPI_IN = 0x1001,
	SPI_INVALID = 0x1002,
	SPI_OUT = 0x1003,
	SPI_IN6 = 0x1004,
	SPI_NONE = 0xdead,	/* in no SA */
	NATT_SPORT = 34567,	/* the peer's port after its NAT */
};

enum { NH_NONE = 59 };

static struct uplink_bpf *skel;

/* ---- packets ----------------------------------------------------------- */

static void v4(struct pkt *p, uint8_t proto)
{
	pkt_eth(p, ETH_P_IP);
	pkt_ipv4(p, PEER4, OUR4, proto);
}

static void v6(struct pkt *p, uint8_t nexthdr)
{
	pkt_eth(p, ETH_P_IPV6);
	pkt_ipv6(p, PEER6, OUR6, nexthdr);
}

static void udp4(struct pkt *p, uint16_t sport, uint16_t dport)
{
	v4(p, IPPROTO_UDP);
	pkt_udp(p, sport, dport);
}

static void esp_udp4_spi(struct pkt *p, uint32_t spi)
{
	udp4(p, NATT_SPORT, 4500);
	pkt_esp(p, spi, 1, 48);
	pkt_done(p);
}

static void esp4_spi(struct pkt *p, uint32_t spi)
{
	v4(p, IPPROTO_ESP);
	pkt_esp(p, spi, 1, 48);
	pkt_done(p);
}

static void b_arp(struct pkt *p)
{
	pkt_eth(p, ETH_P_ARP);
	pkt_arp(p);
}

static void b_tcp(struct pkt *p)
{
	v4(p, IPPROTO_TCP);
	pkt_tcp(p, 40000, 443);
	pkt_done(p);
}

static void b_dns(struct pkt *p)
{
	udp4(p, 40000, 53);
	pkt_fill(p, 0x42, 12);
	pkt_done(p);
}

static void b_ike500(struct pkt *p)
{
	udp4(p, 500, 500);
	pkt_fill(p, 0x11, 28);	/* IKE header: initiator SPI first */
	pkt_done(p);
}

static void b_ike4500(struct pkt *p)
{
	udp4(p, NATT_SPORT, 4500);
	pkt_fill(p, 0, 4);	/* non-ESP marker */
	pkt_fill(p, 0x11, 28);
	pkt_done(p);
}

static void b_keepalive(struct pkt *p)
{
	udp4(p, NATT_SPORT, 4500);
	pkt_fill(p, 0xff, 1);
	pkt_done(p);
}

/* 43 bytes on the wire are padded to 60 after the IP packet */
static void b_keepalive_padded(struct pkt *p)
{
	b_keepalive(p);
	pkt_fill(p, 0, ETH_ZLEN - p->len);
}

static void b_keepalive6(struct pkt *p)
{
	v6(p, IPPROTO_UDP);
	pkt_udp(p, NATT_SPORT, 4500);
	pkt_fill(p, 0xff, 1);
	pkt_done(p);
}

static void b_esp_udp_known(struct pkt *p) { esp_udp4_spi(p, SPI_IN); }
static void b_esp_udp_unknown(struct pkt *p) { esp_udp4_spi(p, SPI_NONE); }
static void b_esp_known(struct pkt *p) { esp4_spi(p, SPI_IN); }
static void b_esp_unknown(struct pkt *p) { esp4_spi(p, SPI_NONE); }
static void b_esp_spi0(struct pkt *p) { esp4_spi(p, 0); }
static void b_esp_invalid_sa(struct pkt *p) { esp4_spi(p, SPI_INVALID); }
static void b_esp_out_sa(struct pkt *p) { esp4_spi(p, SPI_OUT); }

/* the SPI is known, but for another of our addresses */
static void b_esp_other_daddr(struct pkt *p)
{
	pkt_eth(p, ETH_P_IP);
	pkt_ipv4(p, PEER4, OTHER4, IPPROTO_ESP);
	pkt_esp(p, SPI_IN, 1, 48);
	pkt_done(p);
}

static void b_esp_ip_options(struct pkt *p)
{
	v4(p, IPPROTO_ESP);
	pkt_fill(p, 1, 4);	/* one word of NOP options */
	pkt_ip4(p)->ihl = 6;
	pkt_esp(p, SPI_IN, 1, 48);
	pkt_done(p);
}

static void b_esp_df(struct pkt *p)
{
	b_esp_known(p);
	pkt_ip4(p)->frag_off = htons(0x4000);	/* DF is not a fragment */
}

static void b_esp6_known(struct pkt *p)
{
	v6(p, IPPROTO_ESP);
	pkt_esp(p, SPI_IN6, 1, 48);
	pkt_done(p);
}

static void b_esp6_udp_ext(struct pkt *p)
{
	v6(p, 0);			/* hop-by-hop */
	pkt_ipv6_opts(p, 60, 8);	/* -> destination options */
	pkt_ipv6_opts(p, IPPROTO_UDP, 16);
	pkt_udp(p, NATT_SPORT, 4500);
	pkt_esp(p, SPI_IN6, 1, 48);
	pkt_done(p);
}

static void b_esp6_frag(struct pkt *p)
{
	v6(p, 44);
	pkt_ipv6_frag(p, IPPROTO_ESP, 0, true);
	pkt_esp(p, SPI_IN6, 1, 48);
	pkt_done(p);
}

/* five extension headers: more than the program walks */
static void b_esp6_long_chain(struct pkt *p)
{
	v6(p, 0);
	pkt_ipv6_opts(p, 60, 8);
	pkt_ipv6_opts(p, 60, 8);
	pkt_ipv6_opts(p, 60, 8);
	pkt_ipv6_opts(p, 60, 8);
	pkt_ipv6_opts(p, IPPROTO_ESP, 8);
	pkt_esp(p, SPI_IN6, 1, 48);
	pkt_done(p);
}

static void b_ip6_ext_cut(struct pkt *p)
{
	v6(p, 0);
	pkt_ipv6_opts(p, IPPROTO_UDP, 8);
	pkt_done(p);
	p->data[p->l3 + sizeof(struct ipv6hdr) + 1] = 2;	/* claims 24 bytes */
}

/* the frame has the bytes, the IPv6 payload length does not */
static void b_ip6_ext_beyond_payload(struct pkt *p)
{
	v6(p, 0);
	pkt_ipv6_opts(p, IPPROTO_TCP, 8);
	pkt_done(p);
	p->data[p->l3 + sizeof(struct ipv6hdr) + 1] = 2;	/* claims 24 bytes */
	pkt_fill(p, 0, 32);
}

static void b_ip6_empty(struct pkt *p)
{
	v6(p, NH_NONE);
	pkt_done(p);
}

static void b_ip6_tcp(struct pkt *p)
{
	v6(p, IPPROTO_TCP);
	pkt_tcp(p, 40000, 22);
	pkt_done(p);
}

static void b_ike6(struct pkt *p)
{
	v6(p, IPPROTO_UDP);
	pkt_udp(p, 500, 500);
	pkt_fill(p, 0x11, 28);
	pkt_done(p);
}

static void b_vlan_esp(struct pkt *p)
{
	pkt_eth(p, ETH_P_8021Q);
	pkt_vlan(p, 100, ETH_P_IP);
	pkt_ipv4(p, PEER4, OUR4, IPPROTO_ESP);
	pkt_esp(p, SPI_IN, 1, 48);
	pkt_done(p);
}

static void b_qinq_outer_ike(struct pkt *p)
{
	pkt_eth(p, ETH_P_8021AD);
	pkt_vlan(p, 200, ETH_P_IP);
	pkt_ipv4(p, PEER4, OUR4, IPPROTO_UDP);
	pkt_udp(p, 500, 500);
	pkt_fill(p, 0x11, 28);
	pkt_done(p);
}

static void b_two_tags(struct pkt *p)
{
	pkt_eth(p, ETH_P_8021AD);
	pkt_vlan(p, 200, ETH_P_8021Q);
	pkt_vlan(p, 100, ETH_P_IP);
	pkt_ipv4(p, PEER4, OUR4, IPPROTO_ESP);
	pkt_esp(p, SPI_IN, 1, 48);
	pkt_done(p);
}

static void b_vlan_cut(struct pkt *p)
{
	pkt_eth(p, ETH_P_8021Q);	/* and no tag */
}

static void b_ip4_cut(struct pkt *p)
{
	pkt_eth(p, ETH_P_IP);
	pkt_fill(p, 0x45, 10);
}

static void b_ihl4(struct pkt *p)
{
	b_esp_known(p);
	pkt_ip4(p)->ihl = 4;
}

static void b_options_cut(struct pkt *p)
{
	v4(p, IPPROTO_ESP);
	pkt_esp(p, SPI_IN, 1, 0);
	pkt_done(p);
	pkt_ip4(p)->ihl = 15;	/* 60 bytes of header, 28 present */
}

static void b_totlen_long(struct pkt *p)
{
	b_esp_known(p);
	pkt_ip4(p)->tot_len = htons(ntohs(pkt_ip4(p)->tot_len) + 1);
}

static void b_totlen_below_hdr(struct pkt *p)
{
	b_esp_known(p);
	pkt_ip4(p)->tot_len = htons(16);
}

static void b_ip4_version(struct pkt *p)
{
	b_esp_known(p);
	pkt_ip4(p)->version = 6;
}

static void b_ip6_cut(struct pkt *p)
{
	pkt_eth(p, ETH_P_IPV6);
	pkt_fill(p, 0x60, 30);
}

static void b_ip6_paylen_long(struct pkt *p)
{
	b_esp6_known(p);
	pkt_ip6(p)->payload_len = htons(ntohs(pkt_ip6(p)->payload_len) + 1);
}

static void b_ip6_version(struct pkt *p)
{
	b_esp6_known(p);
	pkt_ip6(p)->version = 4;
}

static void b_udp_cut(struct pkt *p)
{
	v4(p, IPPROTO_UDP);
	pkt_fill(p, 0x11, 4);
	pkt_done(p);
}

static void b_udp_len_long(struct pkt *p)
{
	b_esp_udp_known(p);
	pkt_udph(p)->len = htons(ntohs(pkt_udph(p)->len) + 1);
}

static void b_udp_len_short(struct pkt *p)
{
	b_esp_udp_known(p);
	pkt_udph(p)->len = htons(ntohs(pkt_udph(p)->len) - 1);
}

static void b_udp_len_tiny(struct pkt *p)
{
	b_esp_udp_known(p);
	pkt_udph(p)->len = htons(4);
}

static void b_natt_short(struct pkt *p)
{
	udp4(p, NATT_SPORT, 4500);
	pkt_fill(p, 0x11, 7);	/* not a marker, not a whole ESP header */
	pkt_done(p);
}

static void b_natt_one_byte(struct pkt *p)
{
	udp4(p, NATT_SPORT, 4500);
	pkt_fill(p, 0x00, 1);
	pkt_done(p);
}

static void b_natt_empty(struct pkt *p)
{
	udp4(p, NATT_SPORT, 4500);
	pkt_done(p);
}

static void b_esp_cut(struct pkt *p)
{
	v4(p, IPPROTO_ESP);
	pkt_fill(p, 0x11, 4);	/* an SPI and no sequence number */
	pkt_done(p);
}

static void b_frag_mf(struct pkt *p)
{
	b_esp_known(p);
	pkt_ip4(p)->frag_off = htons(0x2000);
}

static void b_frag_offset(struct pkt *p)
{
	b_esp_known(p);
	pkt_ip4(p)->frag_off = htons(185);
}

/* ---- checks ------------------------------------------------------------ */

static const char *check_untouched(const struct xs_case *tc, const struct pkt *in,
				   const struct xs_result *res)
{
	(void)tc;
	if (res->out.len != in->len || memcmp(res->out.data, in->data, in->len))
		return "the frame was modified";
	return NULL;
}

static const char *check_keepalive(const struct xs_case *tc, const struct pkt *in,
				   const struct xs_result *res)
{
	struct xs_peer_key key = { .port = htons(NATT_SPORT) };
	struct xs_peer_stats st;

	(void)res;
	key.family = in->family;
	xs_addr(key.addr, in->family == XS_AF_INET ? PEER4 : PEER6);
	if (bpf_map__lookup_elem(skel->maps.xs_keepalive, &key, sizeof(key),
				 &st, sizeof(st), 0))
		return "no xs_keepalive entry for the peer";
	if (st.keepalives != (__u64)tc->arg || !st.last_ns)
		return xs_why("xs_keepalive: %llu keepalives, last_ns %llu; want %ld",
			      st.keepalives, st.last_ns, tc->arg);
	return NULL;
}

static const char *check_meta_slot(const struct xs_case *tc, const struct pkt *in,
				   const struct xs_result *res)
{
	struct xs_meta meta;

	if (res->meta_len != sizeof(meta))
		return xs_why("%zu bytes of metadata, want %zu", res->meta_len, sizeof(meta));
	memcpy(&meta, res->meta, sizeof(meta));
	if (meta.slot != (__u32)tc->arg)
		return xs_why("metadata slot %u, want %ld", meta.slot, tc->arg);
	return check_untouched(tc, in, res);
}

/* ---- the tables -------------------------------------------------------- */

#define PASS(b, r) .build = b, .retval = XDP_PASS, .reason = XS_R_##r
#define DROP(b, r) .build = b, .retval = XDP_DROP, .reason = XS_R_##r

static const struct xs_case no_socket[] = {
	{ "arp: not IP", PASS(b_arp, PASS), check_untouched },
	{ "ipv4 tcp/443", PASS(b_tcp, PASS), check_untouched },
	{ "ipv4 udp/53", PASS(b_dns, PASS) },
	{ "ipv6 tcp/22", PASS(b_ip6_tcp, PASS) },
	{ "ipv6 no next header, payload 0", PASS(b_ip6_empty, PASS) },
	{ "ike udp/500", PASS(b_ike500, IKE), check_untouched },
	{ "ike udp/4500 with non-ESP marker", PASS(b_ike4500, IKE) },
	{ "ike ipv6 udp/500", PASS(b_ike6, IKE) },
	{ "ike 802.1ad tagged", PASS(b_qinq_outer_ike, IKE) },
	{ "natt keepalive", DROP(b_keepalive, NATT_KEEPALIVE), check_keepalive, 1 },
	{ "natt keepalive, ethernet padding", DROP(b_keepalive_padded, NATT_KEEPALIVE),
	  check_keepalive, 2 },
	{ "natt keepalive ipv6", DROP(b_keepalive6, NATT_KEEPALIVE), check_keepalive, 1 },
	{ "esp-in-udp known spi, no socket", DROP(b_esp_udp_known, NO_WORKER) },
	{ "esp known spi, no socket", DROP(b_esp_known, NO_WORKER) },
	{ "esp with ip options, no socket", DROP(b_esp_ip_options, NO_WORKER) },
	{ "esp with DF, no socket", DROP(b_esp_df, NO_WORKER) },
	{ "esp 802.1q tagged, no socket", DROP(b_vlan_esp, NO_WORKER) },
	{ "esp ipv6 known spi, no socket", DROP(b_esp6_known, NO_WORKER) },
	{ "esp-in-udp ipv6 after hbh+dstopts", DROP(b_esp6_udp_ext, NO_WORKER) },
	{ "esp-in-udp unknown spi", DROP(b_esp_udp_unknown, ESP_UNKNOWN_SPI) },
	{ "esp unknown spi", DROP(b_esp_unknown, ESP_UNKNOWN_SPI) },
	{ "esp known spi, other daddr", DROP(b_esp_other_daddr, ESP_UNKNOWN_SPI) },
	{ "esp sa not valid", DROP(b_esp_invalid_sa, ESP_UNKNOWN_SPI) },
	{ "esp sa outbound", DROP(b_esp_out_sa, ESP_UNKNOWN_SPI) },
	{ "esp spi 0", DROP(b_esp_spi0, MALFORMED) },
	{ "esp header cut (4 bytes)", DROP(b_esp_cut, MALFORMED) },
	{ "udp/4500 7 bytes: no marker, no esp", DROP(b_natt_short, MALFORMED) },
	{ "udp/4500 1 byte not 0xff", DROP(b_natt_one_byte, MALFORMED) },
	{ "udp/4500 empty", DROP(b_natt_empty, MALFORMED) },
	{ "ipv4 fragment MF: to the kernel", PASS(b_frag_mf, PASS), check_untouched },
	{ "ipv4 fragment offset: to the kernel", PASS(b_frag_offset, PASS) },
	{ "ipv6 fragment header: to the kernel", PASS(b_esp6_frag, PASS) },
	{ "ipv6 five extension headers", PASS(b_esp6_long_chain, PASS) },
	{ "two vlan tags: not parsed", PASS(b_two_tags, PASS) },
	{ "ethernet 802.1q tag cut", DROP(b_vlan_cut, MALFORMED) },
	{ "ipv4 header cut", DROP(b_ip4_cut, MALFORMED) },
	{ "ipv4 ihl 4", DROP(b_ihl4, MALFORMED) },
	{ "ipv4 options cut (ihl 15)", DROP(b_options_cut, MALFORMED) },
	{ "ipv4 tot_len beyond packet", DROP(b_totlen_long, MALFORMED) },
	{ "ipv4 tot_len below header", DROP(b_totlen_below_hdr, MALFORMED) },
	{ "ipv4 version 6", DROP(b_ip4_version, MALFORMED) },
	{ "ipv6 header cut", DROP(b_ip6_cut, MALFORMED) },
	{ "ipv6 payload_len beyond packet", DROP(b_ip6_paylen_long, MALFORMED) },
	{ "ipv6 version 4", DROP(b_ip6_version, MALFORMED) },
	{ "ipv6 extension header cut", DROP(b_ip6_ext_cut, MALFORMED) },
	{ "ipv6 extension header beyond payload_len", DROP(b_ip6_ext_beyond_payload, MALFORMED) },
	{ "udp header cut", DROP(b_udp_cut, MALFORMED) },
	{ "udp length beyond ip payload", DROP(b_udp_len_long, MALFORMED) },
	{ "udp length short of ip payload", DROP(b_udp_len_short, MALFORMED) },
	{ "udp length 4", DROP(b_udp_len_tiny, MALFORMED) },
};

static const struct xs_case with_socket[] = {
	{ "esp-in-udp known spi -> socket", .build = b_esp_udp_known,
	  .retval = XDP_REDIRECT, .reason = XS_R_ESP_IN, check_meta_slot, SLOT_IN },
	{ "esp known spi -> socket", .build = b_esp_known,
	  .retval = XDP_REDIRECT, .reason = XS_R_ESP_IN, check_meta_slot, SLOT_IN },
	{ "esp ipv6 known spi -> socket", .build = b_esp6_known,
	  .retval = XDP_REDIRECT, .reason = XS_R_ESP_IN, check_meta_slot, SLOT_IN6 },
	{ "esp unknown spi, socket present", DROP(b_esp_unknown, ESP_UNKNOWN_SPI) },
	{ "ike with socket present", PASS(b_ike4500, IKE) },
};

/* XFRM mode (xs_cfg_mode): known-SA ESP goes to the kernel's ESP, unchanged. */
static const struct xs_case xfrm_mode[] = {
	{ "xfrm: esp-in-udp known spi -> kernel", PASS(b_esp_udp_known, ESP_IN), check_untouched },
	{ "xfrm: esp known spi -> kernel", PASS(b_esp_known, ESP_IN), check_untouched },
	{ "xfrm: esp ipv6 known spi -> kernel", PASS(b_esp6_known, ESP_IN) },
	{ "xfrm: esp 802.1q tagged -> kernel", PASS(b_vlan_esp, ESP_IN) },
	{ "xfrm: esp unknown spi", DROP(b_esp_unknown, ESP_UNKNOWN_SPI) },
	{ "xfrm: esp-in-udp unknown spi", DROP(b_esp_udp_unknown, ESP_UNKNOWN_SPI) },
	{ "xfrm: esp known spi, other daddr", DROP(b_esp_other_daddr, ESP_UNKNOWN_SPI) },
	{ "xfrm: esp sa not valid", DROP(b_esp_invalid_sa, ESP_UNKNOWN_SPI) },
	{ "xfrm: esp sa outbound", DROP(b_esp_out_sa, ESP_UNKNOWN_SPI) },
	{ "xfrm: esp spi 0", DROP(b_esp_spi0, MALFORMED) },
	{ "xfrm: ike udp/4500", PASS(b_ike4500, IKE) },
	{ "xfrm: natt keepalive", DROP(b_keepalive, NATT_KEEPALIVE), check_keepalive, 1 },
	{ "xfrm: ipv4 tcp", PASS(b_tcp, PASS) },
	{ "xfrm: ipv4 fragment", PASS(b_frag_mf, PASS) },
};

/* ---- setup ------------------------------------------------------------- */

static int sa_add(__u32 slot, __u32 spi, const char *daddr, __u8 dir, __u8 flags)
{
	struct xs_sa_info sa = { .spi = htonl(spi), .dir = dir, .flags = flags };
	struct xs_spi_key key = { .spi = htonl(spi) };
	int err;

	key.family = strchr(daddr, ':') ? XS_AF_INET6 : XS_AF_INET;
	xs_addr(key.daddr, daddr);
	err = bpf_map__update_elem(skel->maps.xs_sa_info, &slot, sizeof(slot),
				   &sa, sizeof(sa), BPF_ANY);
	if (!err)
		err = bpf_map__update_elem(skel->maps.xs_spi, &key, sizeof(key),
					   &slot, sizeof(slot), BPF_ANY);
	if (err)
		fprintf(stderr, "%s: slot %u: %s\n", __func__, slot, strerror(-err));
	return err;
}

static int sas_install(void)
{
	return sa_add(SLOT_IN, SPI_IN, OUR4, XS_DIR_IN, XS_SA_VALID | XS_SA_UDP_ENCAP) ||
	       sa_add(SLOT_INVALID, SPI_INVALID, OUR4, XS_DIR_IN, 0) ||
	       sa_add(SLOT_OUT, SPI_OUT, OUR4, XS_DIR_OUT, XS_SA_VALID) ||
	       sa_add(SLOT_IN6, SPI_IN6, OUR6, XS_DIR_IN, XS_SA_VALID);
}

/* The second table, with an AF_XDP socket in xs_xsk_up[0]. */
static int run_with_socket(const struct xs_env *env)
{
	struct xs_xsk x;
	char why[128];
	__u32 queue = 0;
	int fd, failed;

	fd = xs_xsk_open(&x, "xstup0", why, sizeof(why));
	if (fd < 0 || bpf_map__update_elem(skel->maps.xs_xsk_up, &queue, sizeof(queue),
					   &fd, sizeof(fd), BPF_ANY)) {
		printf("FAIL %-16s %-44s %s\n", "xs_uplink", "AF_XDP socket in xs_xsk_up[0]",
		       fd < 0 ? why : "map update failed");
		xs_xsk_close(&x);
		return 1;
	}
	failed = xs_run_cases(env, with_socket, ARRAY_SIZE(with_socket));
	bpf_map__delete_elem(skel->maps.xs_xsk_up, &queue, sizeof(queue), 0);
	xs_xsk_close(&x);
	return failed;
}

static int sas_install(void);

/* The third table, on a fresh object loaded with xs_cfg_mode = XFRM. */
static int run_xfrm_mode(void)
{
	struct xs_prog progs[1];
	struct xs_env env;
	int failed = 1;

	skel = uplink_bpf__open();
	if (!skel)
		return 1;
	skel->rodata->xs_cfg_mode = XS_MODE_XFRM;
	if (uplink_bpf__load(skel) || sas_install()) {
		fprintf(stderr, "test_uplink: loading uplink.bpf.o in XFRM mode failed\n");
		goto out;
	}
	progs[0] = (struct xs_prog){ "xs_uplink", bpf_program__fd(skel->progs.xs_uplink), true };
	env = (struct xs_env){ .progs = progs, .reasons_fd = bpf_map__fd(skel->maps.xs_reasons) };
	failed = xs_run_cases(&env, xfrm_mode, ARRAY_SIZE(xfrm_mode));
out:
	uplink_bpf__destroy(skel);
	skel = NULL;
	return failed;
}

int main(void)
{
	size_t total = ARRAY_SIZE(no_socket) + ARRAY_SIZE(with_socket) + ARRAY_SIZE(xfrm_mode);
	struct xs_prog progs[1];
	struct xs_env env;
	int failed = 1;

	if (geteuid()) {
		fprintf(stderr, "test_uplink: needs root (BPF_PROG_TEST_RUN, netns)\n");
		return 1;
	}
	xs_libbpf_quiet();
	if (xs_netns_enter())
		return 1;
	skel = uplink_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "test_uplink: loading uplink.bpf.o failed\n");
		return 1;
	}
	if (sas_install())
		goto out;

	progs[0] = (struct xs_prog){ "xs_uplink", bpf_program__fd(skel->progs.xs_uplink), true };
	env = (struct xs_env){ .progs = progs, .reasons_fd = bpf_map__fd(skel->maps.xs_reasons) };
	failed = xs_run_cases(&env, no_socket, ARRAY_SIZE(no_socket));
	failed += run_with_socket(&env);
	uplink_bpf__destroy(skel);
	failed += run_xfrm_mode();
	printf("test_uplink: %zu cases, %d failed\n", total, failed);
	return failed ? 1 : 0;
out:
	uplink_bpf__destroy(skel);
	return 1;
}
