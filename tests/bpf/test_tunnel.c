// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The three tunnel-pair programs through BPF_PROG_TEST_RUN:
 *   xs_tun_egress     policy lookup and stamp (checked in data_out)
 *   xs_tun_to_worker  stamped frames to the worker socket
 *   xs_tun_decrypted  TS check, device ACL, xs_dev_stats
 *
 * The SAs, policies and ACLs below are installed once; each case names the
 * reason it must count and, for decrypted frames, the xs_dev_stats counter
 * that must move.  The to_worker redirect runs with a real AF_XDP socket:
 *
 *   this process, in a network namespace of its own (gone when it exits)
 *     [xstun0] ====veth==== [xstun0p]
 *        `-- AF_XDP socket, queue 0, copy mode -> xs_xsk_tun[0]
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
#include <linux/icmp.h>
#include <linux/pkt_cls.h>

#include "pkt.h"
#include "tunnel.skel.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum { P_EGRESS, P_WORKER, P_DECRYPTED };

/* Outbound slots, found by xs_tun_egress through xs_policy. */
enum {
	SLOT_OUT4 = 1,		/* 10.1.0.0/16 */
	SLOT_OUT_INVALID = 2,	/* 10.2.0.0/16, SA not valid */
	SLOT_IN_AS_OUT = 3,	/* 10.3.0.0/16, SA inbound */
	SLOT_OUT6 = 4,		/* fd00:1::/32, fd00:3:4:5::/64 */
	SLOT_OUT_LPM = 5,	/* 10.1.2.0/24, inside 10.1.0.0/16 */
};

/* Inbound slots, stamped by the worker on decrypted frames. */
enum {
	SLOT_DEV = 10,		/* device DEV_ACL; TS 192.168.50/24, 192.168.60/24 udp 1000-2000 */
	SLOT_NODEV = 11,	/* device 0 (its xs_acl says enforce); TS 192.168.70/24 */
	SLOT_ACL_OFF = 12,	/* device DEV_OPEN (ACL not enforced); TS 192.168.80/24 */
	SLOT_DEC_OUT = 13,	/* outbound: wrong on decrypted frames */
	SLOT_DEC_INVALID = 14,	/* inbound, not valid */
	SLOT_DEV6 = 15,		/* device DEV6; TS fd00:70::/64 */
	SLOT_NO_TS = 16,	/* no TS at all */
	SLOT_DEV_BEYOND = 17,	/* device beyond xs_acl; TS 0.0.0.0/0 */
	SLOT_BEYOND = 100000,	/* beyond xs_sa_info */
};

enum { DEV_NONE = 0, DEV_ACL = 5, DEV_OPEN = 6, DEV6 = 7, DEV_BEYOND = 5000, NDEV = 8 };

#define LAN4 "10.0.0.5"
#define PEER6_IN "fd00:70::5"

static struct tunnel_bpf *skel;

/* ---- packets ----------------------------------------------------------- */

static void inner4(struct pkt *p, uint32_t slot, const char *src, const char *dst,
		   uint8_t proto)
{
	pkt_eth_stamped(p, ETH_P_IP, slot);
	pkt_ipv4(p, src, dst, proto);
}

static void tcp4(struct pkt *p, uint32_t slot, const char *src, uint16_t sport,
		 const char *dst, uint16_t dport)
{
	inner4(p, slot, src, dst, IPPROTO_TCP);
	pkt_tcp(p, sport, dport);
	pkt_done(p);
}

static void udp4(struct pkt *p, uint32_t slot, const char *src, uint16_t sport,
		 const char *dst, uint16_t dport)
{
	inner4(p, slot, src, dst, IPPROTO_UDP);
	pkt_udp(p, sport, dport);
	pkt_fill(p, 0x42, 16);
	pkt_done(p);
}

static void icmp4(struct pkt *p, uint32_t slot, const char *src, const char *dst)
{
	inner4(p, slot, src, dst, IPPROTO_ICMP);
	pkt_icmp(p, ICMP_ECHO, 0);
	pkt_done(p);
}

static void udp6(struct pkt *p, uint32_t slot, const char *src, const char *dst,
		 uint16_t dport)
{
	pkt_eth_stamped(p, ETH_P_IPV6, slot);
	pkt_ipv6(p, src, dst, IPPROTO_UDP);
	pkt_udp(p, 40000, dport);
	pkt_fill(p, 0x42, 16);
	pkt_done(p);
}

/* egress: what the kernel routes into xs-<inst>, unstamped */
static void plain4(struct pkt *p, const char *dst)
{
	pkt_eth(p, ETH_P_IP);
	pkt_ipv4(p, "192.168.1.10", dst, IPPROTO_TCP);
	pkt_tcp(p, 40000, 443);
	pkt_done(p);
}

static void plain6(struct pkt *p, const char *dst)
{
	pkt_eth(p, ETH_P_IPV6);
	pkt_ipv6(p, "2001:db8:1::10", dst, IPPROTO_TCP);
	pkt_tcp(p, 40000, 443);
	pkt_done(p);
}

static void e_hit(struct pkt *p) { plain4(p, "10.1.9.9"); }
static void e_lpm(struct pkt *p) { plain4(p, "10.1.2.3"); }
static void e_hit6(struct pkt *p) { plain6(p, "fd00:1:2::3"); }
static void e_hit6_64(struct pkt *p) { plain6(p, "fd00:3:4:5::9"); }
static void e_miss6_64(struct pkt *p) { plain6(p, "fd00:3:4:6::9"); }
static void e_miss(struct pkt *p) { plain4(p, "10.200.0.1"); }
static void e_miss6(struct pkt *p) { plain6(p, "fd00:2::1"); }
static void e_invalid(struct pkt *p) { plain4(p, "10.2.0.1"); }
static void e_inbound(struct pkt *p) { plain4(p, "10.3.0.1"); }

static void e_arp(struct pkt *p)
{
	pkt_eth(p, ETH_P_ARP);
	pkt_arp(p);
}

/* (a cut IP header cannot be tested: BPF_PROG_TEST_RUN refuses it for skbs) */
static void e_ihl4(struct pkt *p)
{
	e_hit(p);
	pkt_ip4(p)->ihl = 4;
}

static void e_ip6_version(struct pkt *p)
{
	e_hit6(p);
	pkt_ip6(p)->version = 4;
}

/* a GSO skb: the IP length covers more than the linear data */
static void e_gso(struct pkt *p)
{
	e_hit(p);
	pkt_ip4(p)->tot_len = htons(60000);
}

static void w_unstamped(struct pkt *p) { plain4(p, "10.1.9.9"); }
static void w_stamped(struct pkt *p) { tcp4(p, SLOT_OUT4, "192.168.1.10", 40000, "10.1.9.9", 443); }

static void d_pass(struct pkt *p) { tcp4(p, SLOT_DEV, "192.168.50.7", 40000, LAN4, 22); }
static void d_ts_miss(struct pkt *p) { tcp4(p, SLOT_DEV, "192.168.51.7", 40000, LAN4, 22); }
static void d_ts_port(struct pkt *p) { udp4(p, SLOT_DEV, "192.168.60.9", 1500, LAN4, 9); }
static void d_ts_port_out(struct pkt *p) { udp4(p, SLOT_DEV, "192.168.60.9", 3000, LAN4, 9); }
static void d_ts_proto(struct pkt *p) { tcp4(p, SLOT_DEV, "192.168.60.9", 1500, LAN4, 9); }
static void d_ts_icmp(struct pkt *p) { icmp4(p, SLOT_DEV, "192.168.60.9", LAN4); }
static void d_acl_addr(struct pkt *p) { tcp4(p, SLOT_DEV, "192.168.50.7", 40000, "10.9.9.9", 22); }
static void d_acl_443(struct pkt *p) { tcp4(p, SLOT_DEV, "192.168.50.7", 40000, "10.0.1.10", 443); }
static void d_acl_443_next(struct pkt *p) { tcp4(p, SLOT_DEV, "192.168.50.7", 40000, "10.0.1.11", 443); }
static void d_acl_443_octet1(struct pkt *p) { tcp4(p, SLOT_DEV, "192.168.50.7", 40000, "11.0.1.10", 443); }
static void d_acl_80(struct pkt *p) { tcp4(p, SLOT_DEV, "192.168.50.7", 40000, "10.0.1.10", 80); }
static void d_acl_udp443(struct pkt *p) { udp4(p, SLOT_DEV, "192.168.50.7", 40000, "10.0.1.10", 443); }
static void d_acl_dns(struct pkt *p) { udp4(p, SLOT_DEV, "192.168.50.7", 40000, "10.0.2.1", 53); }
static void d_acl_icmp(struct pkt *p) { icmp4(p, SLOT_DEV, "192.168.50.7", "10.0.3.1"); }
static void d_acl_icmp_portrule(struct pkt *p) { icmp4(p, SLOT_DEV, "192.168.50.7", "10.0.4.1"); }
static void d_acl_tcp_portrule(struct pkt *p) { tcp4(p, SLOT_DEV, "192.168.50.7", 40000, "10.0.4.1", 80); }
static void d_nodev(struct pkt *p) { tcp4(p, SLOT_NODEV, "192.168.70.1", 40000, "10.9.9.9", 22); }
static void d_ts_prefix_33(struct pkt *p) { tcp4(p, SLOT_NODEV, "192.168.71.1", 40000, "10.9.9.9", 22); }
static void d_acl_off(struct pkt *p) { tcp4(p, SLOT_ACL_OFF, "192.168.80.1", 40000, "10.9.9.9", 22); }
static void d_dev_beyond(struct pkt *p) { tcp4(p, SLOT_DEV_BEYOND, "192.168.1.1", 40000, LAN4, 22); }
static void d_no_ts(struct pkt *p) { tcp4(p, SLOT_NO_TS, "192.168.50.7", 40000, LAN4, 22); }
static void d_v6(struct pkt *p) { udp6(p, SLOT_DEV6, PEER6_IN, "fd00:99::1", 4500); }
static void d_v6_port(struct pkt *p) { udp6(p, SLOT_DEV6, PEER6_IN, "fd00:99::1", 3000); }
static void d_v6_port_lo(struct pkt *p) { udp6(p, SLOT_DEV6, PEER6_IN, "fd00:99::1", 4000); }
static void d_v6_port_hi(struct pkt *p) { udp6(p, SLOT_DEV6, PEER6_IN, "fd00:99::1", 5000); }
static void d_v6_port_above(struct pkt *p) { udp6(p, SLOT_DEV6, PEER6_IN, "fd00:99::1", 5001); }
static void d_v6_prefix_out(struct pkt *p) { udp6(p, SLOT_DEV6, PEER6_IN, "fd00:99:0:1::1", 4500); }
static void d_v6_ts(struct pkt *p) { udp6(p, SLOT_DEV6, "fd00:71::5", "fd00:99::1", 4500); }
static void d_v4_on_v6_sa(struct pkt *p) { tcp4(p, SLOT_DEV6, "192.168.50.7", 40000, LAN4, 22); }
static void d_out_sa(struct pkt *p) { tcp4(p, SLOT_DEC_OUT, "192.168.50.7", 40000, LAN4, 22); }
static void d_invalid_sa(struct pkt *p) { tcp4(p, SLOT_DEC_INVALID, "192.168.50.7", 40000, LAN4, 22); }
static void d_slot_beyond(struct pkt *p) { tcp4(p, SLOT_BEYOND, "192.168.50.7", 40000, LAN4, 22); }
static void d_local(struct pkt *p) { icmp4(p, XS_SLOT_LOCAL, "192.0.2.1", "192.168.50.7"); }

static void d_v6_ext(struct pkt *p)
{
	pkt_eth_stamped(p, ETH_P_IPV6, SLOT_DEV6);
	pkt_ipv6(p, PEER6_IN, "fd00:99::1", 0);
	pkt_ipv6_opts(p, IPPROTO_UDP, 8);
	pkt_udp(p, 40000, 4500);
	pkt_fill(p, 0x42, 16);
	pkt_done(p);
}

static void d_frag_portrule(struct pkt *p)
{
	d_acl_443(p);
	pkt_ip4(p)->frag_off = htons(100);	/* no ports in this one */
}

static void d_frag_anyport(struct pkt *p)
{
	d_pass(p);
	pkt_ip4(p)->frag_off = htons(100);
}

static void d_first_frag(struct pkt *p)
{
	d_acl_443(p);
	pkt_ip4(p)->frag_off = htons(0x2000);	/* MF, offset 0: ports present */
}

static void d_unstamped(struct pkt *p)
{
	pkt_eth(p, ETH_P_IP);
	pkt_ipv4(p, "192.168.50.7", LAN4, IPPROTO_TCP);
	pkt_tcp(p, 40000, 22);
	pkt_done(p);
}

static void d_arp(struct pkt *p)
{
	pkt_eth_stamped(p, ETH_P_ARP, SLOT_DEV);
	pkt_arp(p);
}

static void d_ip_cut(struct pkt *p)
{
	pkt_eth_stamped(p, ETH_P_IP, SLOT_DEV);
	pkt_fill(p, 0x45, 12);
}

static void d_totlen_long(struct pkt *p)
{
	d_pass(p);
	pkt_ip4(p)->tot_len = htons(ntohs(pkt_ip4(p)->tot_len) + 4);
}

static void d_ports_cut(struct pkt *p)
{
	inner4(p, SLOT_DEV, "192.168.50.7", LAN4, IPPROTO_TCP);
	pkt_fill(p, 0x11, 2);	/* half a source port */
	pkt_done(p);
}

/* ---- checks ------------------------------------------------------------ */

static const char *check_stamp(const struct xs_case *tc, const struct pkt *in,
			       const struct xs_result *res)
{
	struct pkt want = *in;
	uint32_t slot = htonl((uint32_t)tc->arg);

	want.data[6] = XS_STAMP_MAGIC0;
	want.data[7] = XS_STAMP_MAGIC1;
	memcpy(want.data + 8, &slot, sizeof(slot));
	if (res->out.len != in->len || memcmp(res->out.data, want.data, in->len))
		return xs_why("frame not stamped with slot %ld (src %02x:%02x:%02x:%02x:%02x:%02x)",
			      tc->arg, res->out.data[6], res->out.data[7], res->out.data[8],
			      res->out.data[9], res->out.data[10], res->out.data[11]);
	return NULL;
}

static const char *check_unstamped(const struct xs_case *tc, const struct pkt *in,
				   const struct xs_result *res)
{
	(void)tc;
	if (res->out.len != in->len || memcmp(res->out.data, in->data, in->len))
		return "the frame was modified";
	return NULL;
}

/* xs_dev_stats of devices 0..NDEV-1 before each case */
static struct xs_dev_stats dev_before[NDEV];

static void dev_snapshot_into(struct xs_dev_stats *out)
{
	__u32 dev;

	for (dev = 0; dev < NDEV; dev++)
		if (bpf_map__lookup_elem(skel->maps.xs_dev_stats, &dev, sizeof(dev),
					 &out[dev], sizeof(out[dev]), 0))
			memset(&out[dev], 0xff, sizeof(out[dev]));
}

static void dev_snapshot(void)
{
	dev_snapshot_into(dev_before);
}

enum { DS_NONE, DS_PACKETS, DS_ACL, DS_TS };
#define DEV(dev, field) ((dev) * 16 + (field))

/*
 * Exactly the named counter of the named device moved (packets also by the
 * frame's bytes), nothing else did; a delivered frame carries no stamp.
 */
static const char *check_dev(const struct xs_case *tc, const struct pkt *in,
			     const struct xs_result *res)
{
	struct xs_dev_stats after[NDEV], want[NDEV];
	long dev = tc->arg / 16, field = tc->arg % 16;
	__u32 d;

	dev_snapshot_into(after);
	memcpy(want, dev_before, sizeof(want));
	if (field == DS_PACKETS) {
		want[dev].packets += 1;
		want[dev].bytes += in->len - ETH_HLEN;	/* IP bytes */
	} else if (field == DS_ACL) {
		want[dev].acl_denied += 1;
	} else if (field == DS_TS) {
		want[dev].ts_mismatch += 1;
	}
	for (d = 0; d < NDEV; d++)
		if (memcmp(&after[d], &want[d], sizeof(want[d])))
			return xs_why("xs_dev_stats[%u] = {%llu, %llu, acl %llu, ts %llu}, want {%llu, %llu, acl %llu, ts %llu}",
				      d, after[d].packets, after[d].bytes, after[d].acl_denied,
				      after[d].ts_mismatch, want[d].packets, want[d].bytes,
				      want[d].acl_denied, want[d].ts_mismatch);
	if (res->retval == XDP_PASS &&
	    memcmp(res->out.data + ETH_ALEN, in->data, ETH_ALEN))
		return "source address still stamped, want the destination's";
	return NULL;
}

/* ---- the tables -------------------------------------------------------- */

#define EGRESS(b, v, r) .prog = P_EGRESS, .build = b, .retval = TC_ACT_##v, .reason = r
#define WORKER(b, v, r) .prog = P_WORKER, .build = b, .retval = XDP_##v, .reason = r
#define DECRYPTED(b, v, r, dev, field) .prog = P_DECRYPTED, .build = b, \
	.retval = XDP_##v, .reason = r, .check = check_dev, .arg = DEV(dev, field)
#define NONE XS_R_NONE_EXPECTED

static const struct xs_case cases[] = {
	{ "ipv4 policy hit: stamped", EGRESS(e_hit, OK, NONE), check_stamp, SLOT_OUT4 },
	{ "ipv4 longest prefix wins", EGRESS(e_lpm, OK, NONE), check_stamp, SLOT_OUT_LPM },
	{ "ipv6 policy hit: stamped", EGRESS(e_hit6, OK, NONE), check_stamp, SLOT_OUT6 },
	{ "gso: ip length beyond linear data", EGRESS(e_gso, OK, NONE), check_stamp, SLOT_OUT4 },
	{ "ipv4 no policy", EGRESS(e_miss, SHOT, XS_R_NO_POLICY) },
	{ "ipv6 /64 policy hit", EGRESS(e_hit6_64, OK, NONE), check_stamp, SLOT_OUT6 },
	{ "ipv6 no policy", EGRESS(e_miss6, SHOT, XS_R_NO_POLICY) },
	{ "ipv6 next /64: no policy", EGRESS(e_miss6_64, SHOT, XS_R_NO_POLICY) },
	{ "policy to an invalid sa", EGRESS(e_invalid, SHOT, XS_R_NO_POLICY) },
	{ "policy to an inbound sa", EGRESS(e_inbound, SHOT, XS_R_NO_POLICY) },
	{ "arp", EGRESS(e_arp, SHOT, XS_R_NO_POLICY) },
	{ "ipv4 ihl 4", EGRESS(e_ihl4, SHOT, XS_R_MALFORMED) },
	{ "ipv6 version 4", EGRESS(e_ip6_version, SHOT, XS_R_MALFORMED) },

	{ "unstamped", WORKER(w_unstamped, DROP, XS_R_MALFORMED) },
	{ "stamped, no socket", WORKER(w_stamped, DROP, XS_R_NO_WORKER) },

	{ "ts match, acl any-port rule", DECRYPTED(d_pass, PASS, XS_R_DECRYPTED, DEV_ACL, DS_PACKETS) },
	{ "ts mismatch (ts[2] beyond nts)", DECRYPTED(d_ts_miss, DROP, XS_R_TS_MISMATCH, DEV_ACL, DS_TS) },
	{ "ts udp sport in range", DECRYPTED(d_ts_port, PASS, XS_R_DECRYPTED, DEV_ACL, DS_PACKETS) },
	{ "ts udp sport out of range", DECRYPTED(d_ts_port_out, DROP, XS_R_TS_MISMATCH, DEV_ACL, DS_TS) },
	{ "ts udp selector, tcp packet", DECRYPTED(d_ts_proto, DROP, XS_R_TS_MISMATCH, DEV_ACL, DS_TS) },
	{ "ts port selector, icmp packet", DECRYPTED(d_ts_icmp, DROP, XS_R_TS_MISMATCH, DEV_ACL, DS_TS) },
	{ "sa without ts", DECRYPTED(d_no_ts, DROP, XS_R_TS_MISMATCH, DEV_NONE, DS_TS) },
	{ "acl deny by address (rule beyond nrules)", DECRYPTED(d_acl_addr, DROP, XS_R_ACL_DENIED, DEV_ACL, DS_ACL) },
	{ "acl allow tcp/443", DECRYPTED(d_acl_443, PASS, XS_R_DECRYPTED, DEV_ACL, DS_PACKETS) },
	{ "acl /32 rule, next address", DECRYPTED(d_acl_443_next, DROP, XS_R_ACL_DENIED, DEV_ACL, DS_ACL) },
	{ "acl /32 rule, first octet differs", DECRYPTED(d_acl_443_octet1, DROP, XS_R_ACL_DENIED, DEV_ACL, DS_ACL) },
	{ "acl deny by port (tcp/80)", DECRYPTED(d_acl_80, DROP, XS_R_ACL_DENIED, DEV_ACL, DS_ACL) },
	{ "acl deny by proto (udp/443)", DECRYPTED(d_acl_udp443, DROP, XS_R_ACL_DENIED, DEV_ACL, DS_ACL) },
	{ "acl allow udp/53", DECRYPTED(d_acl_dns, PASS, XS_R_DECRYPTED, DEV_ACL, DS_PACKETS) },
	{ "acl allow icmp rule", DECRYPTED(d_acl_icmp, PASS, XS_R_DECRYPTED, DEV_ACL, DS_PACKETS) },
	{ "acl port rule, icmp: no match", DECRYPTED(d_acl_icmp_portrule, DROP, XS_R_ACL_DENIED, DEV_ACL, DS_ACL) },
	{ "acl proto-any port rule, tcp/80", DECRYPTED(d_acl_tcp_portrule, PASS, XS_R_DECRYPTED, DEV_ACL, DS_PACKETS) },
	{ "later fragment, port rule: no match", DECRYPTED(d_frag_portrule, DROP, XS_R_ACL_DENIED, DEV_ACL, DS_ACL) },
	{ "later fragment, any-port rule", DECRYPTED(d_frag_anyport, PASS, XS_R_DECRYPTED, DEV_ACL, DS_PACKETS) },
	{ "first fragment, port rule", DECRYPTED(d_first_frag, PASS, XS_R_DECRYPTED, DEV_ACL, DS_PACKETS) },
	{ "device 0: no acl", DECRYPTED(d_nodev, PASS, XS_R_DECRYPTED, DEV_NONE, DS_PACKETS) },
	{ "ts with ipv4 prefix 33 matches nothing", DECRYPTED(d_ts_prefix_33, DROP, XS_R_TS_MISMATCH, DEV_NONE, DS_TS) },
	{ "device acl not enforced", DECRYPTED(d_acl_off, PASS, XS_R_DECRYPTED, DEV_OPEN, DS_PACKETS) },
	{ "device beyond xs_acl: fails closed", DECRYPTED(d_dev_beyond, DROP, XS_R_ACL_DENIED, DEV_NONE, DS_NONE) },
	{ "ipv6 ts + acl udp 4000-5000", DECRYPTED(d_v6, PASS, XS_R_DECRYPTED, DEV6, DS_PACKETS) },
	{ "ipv6 after hop-by-hop", DECRYPTED(d_v6_ext, PASS, XS_R_DECRYPTED, DEV6, DS_PACKETS) },
	{ "ipv6 acl deny by port", DECRYPTED(d_v6_port, DROP, XS_R_ACL_DENIED, DEV6, DS_ACL) },
	{ "ipv6 acl port range low edge", DECRYPTED(d_v6_port_lo, PASS, XS_R_DECRYPTED, DEV6, DS_PACKETS) },
	{ "ipv6 acl port range high edge", DECRYPTED(d_v6_port_hi, PASS, XS_R_DECRYPTED, DEV6, DS_PACKETS) },
	{ "ipv6 acl deny just above range", DECRYPTED(d_v6_port_above, DROP, XS_R_ACL_DENIED, DEV6, DS_ACL) },
	{ "ipv6 acl deny outside /64", DECRYPTED(d_v6_prefix_out, DROP, XS_R_ACL_DENIED, DEV6, DS_ACL) },
	{ "ipv6 ts mismatch", DECRYPTED(d_v6_ts, DROP, XS_R_TS_MISMATCH, DEV6, DS_TS) },
	{ "ipv4 inner, ipv6 ts", DECRYPTED(d_v4_on_v6_sa, DROP, XS_R_TS_MISMATCH, DEV6, DS_TS) },
	{ "XS_SLOT_LOCAL: icmp from xdpsec", DECRYPTED(d_local, PASS, NONE, DEV_NONE, DS_NONE) },
	{ "unstamped", DECRYPTED(d_unstamped, DROP, XS_R_MALFORMED, DEV_NONE, DS_NONE) },
	{ "stamped with an outbound sa", DECRYPTED(d_out_sa, DROP, XS_R_MALFORMED, DEV_NONE, DS_NONE) },
	{ "stamped with an invalid sa", DECRYPTED(d_invalid_sa, DROP, XS_R_MALFORMED, DEV_NONE, DS_NONE) },
	{ "slot beyond xs_sa_info", DECRYPTED(d_slot_beyond, DROP, XS_R_MALFORMED, DEV_NONE, DS_NONE) },
	{ "not ip", DECRYPTED(d_arp, DROP, XS_R_MALFORMED, DEV_NONE, DS_NONE) },
	{ "inner ipv4 header cut", DECRYPTED(d_ip_cut, DROP, XS_R_MALFORMED, DEV_NONE, DS_NONE) },
	{ "inner tot_len beyond frame", DECRYPTED(d_totlen_long, DROP, XS_R_MALFORMED, DEV_NONE, DS_NONE) },
	{ "inner tcp ports cut", DECRYPTED(d_ports_cut, DROP, XS_R_MALFORMED, DEV_NONE, DS_NONE) },
};

static const struct xs_case with_socket[] = {
	{ "stamped -> socket", WORKER(w_stamped, REDIRECT, NONE), check_unstamped },
	{ "unstamped, socket present", WORKER(w_unstamped, DROP, XS_R_MALFORMED) },
};

/* ---- setup ------------------------------------------------------------- */

static struct xs_selector sel(const char *addr, __u8 prefixlen, __u8 proto,
			      __u16 lo, __u16 hi)
{
	struct xs_selector s = {
		.family = strchr(addr, ':') ? XS_AF_INET6 : XS_AF_INET,
		.prefixlen = prefixlen,
		.proto = proto,
		.port_lo = lo,
		.port_hi = hi,
	};

	xs_addr(s.addr, addr);
	return s;
}

#define ANY 0, 65535

static int update(struct bpf_map *map, const void *key, size_t ksz,
		  const void *val, size_t vsz)
{
	int err = bpf_map__update_elem(map, key, ksz, val, vsz, BPF_ANY);

	if (err)
		fprintf(stderr, "update %s: %s\n", bpf_map__name(map), strerror(-err));
	return err;
}

static int sa_add(__u32 slot, __u8 dir, __u8 flags, __u32 device, unsigned int nts,
		  const struct xs_selector *ts)
{
	struct xs_sa_info sa = { .spi = htonl(0x2000 + slot), .dir = dir,
				 .flags = flags, .nts = nts, .device = device };

	memcpy(sa.ts, ts, sizeof(sa.ts));
	return update(skel->maps.xs_sa_info, &slot, sizeof(slot), &sa, sizeof(sa));
}

static int policy_add(const char *addr, __u8 prefixlen, __u32 slot)
{
	struct xs_policy_key key = { .prefixlen = 8 + prefixlen };
	struct xs_policy pol = { .sa_slot = slot };

	key.family = strchr(addr, ':') ? XS_AF_INET6 : XS_AF_INET;
	xs_addr(key.addr, addr);
	return update(skel->maps.xs_policy, &key, sizeof(key), &pol, sizeof(pol));
}

static int acl_add(__u32 device, __u32 enforce, __u32 nrules,
		   const struct xs_selector *rules, size_t n)
{
	struct xs_acl acl = { .nrules = nrules, .enforce = enforce };

	memcpy(acl.rules, rules, n * sizeof(*rules));
	return update(skel->maps.xs_acl, &device, sizeof(device), &acl, sizeof(acl));
}

static int install(void)
{
	const struct xs_selector none[XS_MAX_TS] = {};
	const struct xs_selector ts_dev[XS_MAX_TS] = {
		sel("192.168.50.0", 24, 0, ANY),
		sel("192.168.60.0", 24, IPPROTO_UDP, 1000, 2000),
		sel("0.0.0.0", 0, 0, ANY),	/* beyond nts: ignored */
	};
	const struct xs_selector ts_nodev[XS_MAX_TS] = {
		sel("192.168.70.0", 24, 0, ANY),
		sel("192.168.71.1", 33, 0, ANY),	/* too long: matches nothing */
	};
	const struct xs_selector ts_open[XS_MAX_TS] = { sel("192.168.80.0", 24, 0, ANY) };
	const struct xs_selector ts_v6[XS_MAX_TS] = { sel("fd00:70::", 64, 0, ANY) };
	const struct xs_selector ts_all[XS_MAX_TS] = { sel("0.0.0.0", 0, 0, ANY) };
	const struct xs_selector acl_dev[] = {
		sel("10.0.0.0", 24, 0, ANY),
		sel("10.0.1.10", 32, IPPROTO_TCP, 443, 443),
		sel("10.0.2.0", 24, IPPROTO_UDP, 53, 53),
		sel("10.0.3.0", 24, IPPROTO_ICMP, ANY),
		sel("10.0.4.0", 24, 0, 80, 80),
		sel("0.0.0.0", 0, 0, ANY),	/* beyond nrules: ignored */
	};
	const struct xs_selector acl_v6[] = { sel("fd00:99::", 64, IPPROTO_UDP, 4000, 5000) };
	const __u8 in = XS_DIR_IN, out = XS_DIR_OUT, valid = XS_SA_VALID;

	return sa_add(SLOT_OUT4, out, valid, 0, 0, none) ||
	       sa_add(SLOT_OUT_INVALID, out, 0, 0, 0, none) ||
	       sa_add(SLOT_IN_AS_OUT, in, valid, 0, 0, none) ||
	       sa_add(SLOT_OUT6, out, valid, 0, 0, none) ||
	       sa_add(SLOT_OUT_LPM, out, valid, 0, 0, none) ||
	       policy_add("10.1.0.0", 16, SLOT_OUT4) ||
	       policy_add("10.1.2.0", 24, SLOT_OUT_LPM) ||
	       policy_add("10.2.0.0", 16, SLOT_OUT_INVALID) ||
	       policy_add("10.3.0.0", 16, SLOT_IN_AS_OUT) ||
	       policy_add("fd00:1::", 32, SLOT_OUT6) ||
	       policy_add("fd00:3:4:5::", 64, SLOT_OUT6) ||
	       sa_add(SLOT_DEV, in, valid, DEV_ACL, 2, ts_dev) ||
	       sa_add(SLOT_NODEV, in, valid, DEV_NONE, 2, ts_nodev) ||
	       sa_add(SLOT_ACL_OFF, in, valid, DEV_OPEN, 1, ts_open) ||
	       sa_add(SLOT_DEC_OUT, out, valid, DEV_ACL, 1, ts_dev) ||
	       sa_add(SLOT_DEC_INVALID, in, 0, DEV_ACL, 1, ts_dev) ||
	       sa_add(SLOT_DEV6, in, valid, DEV6, 1, ts_v6) ||
	       sa_add(SLOT_NO_TS, in, valid, DEV_NONE, 0, ts_all) ||
	       sa_add(SLOT_DEV_BEYOND, in, valid, DEV_BEYOND, 1, ts_all) ||
	       acl_add(DEV_ACL, 1, 5, acl_dev, ARRAY_SIZE(acl_dev)) ||
	       acl_add(DEV_NONE, 1, 0, NULL, 0) ||	/* never enforced */
	       acl_add(DEV_OPEN, 0, 0, NULL, 0) ||
	       acl_add(DEV6, 1, 1, acl_v6, ARRAY_SIZE(acl_v6));
}

/* The to_worker redirect, with an AF_XDP socket in xs_xsk_tun[0]. */
static int run_with_socket(const struct xs_env *env)
{
	struct xs_xsk x;
	char why[128];
	__u32 queue = 0;
	int fd, failed;

	fd = xs_xsk_open(&x, "xstun0", why, sizeof(why));
	if (fd < 0 || bpf_map__update_elem(skel->maps.xs_xsk_tun, &queue, sizeof(queue),
					   &fd, sizeof(fd), BPF_ANY)) {
		printf("FAIL %-16s %-44s %s\n", "xs_tun_to_worker", "AF_XDP socket in xs_xsk_tun[0]",
		       fd < 0 ? why : "map update failed");
		xs_xsk_close(&x);
		return 1;
	}
	failed = xs_run_cases(env, with_socket, ARRAY_SIZE(with_socket));
	bpf_map__delete_elem(skel->maps.xs_xsk_tun, &queue, sizeof(queue), 0);
	xs_xsk_close(&x);
	return failed;
}

int main(void)
{
	size_t total = ARRAY_SIZE(cases) + ARRAY_SIZE(with_socket);
	struct xs_prog progs[3];
	struct xs_env env;
	int failed = 1;

	if (geteuid()) {
		fprintf(stderr, "test_tunnel: needs root (BPF_PROG_TEST_RUN, netns)\n");
		return 1;
	}
	xs_libbpf_quiet();
	if (xs_netns_enter())
		return 1;
	skel = tunnel_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "test_tunnel: loading tunnel.bpf.o failed\n");
		return 1;
	}
	if (install())
		goto out;

	progs[P_EGRESS] = (struct xs_prog){ "xs_tun_egress",
		bpf_program__fd(skel->progs.xs_tun_egress), false };
	progs[P_WORKER] = (struct xs_prog){ "xs_tun_to_worker",
		bpf_program__fd(skel->progs.xs_tun_to_worker), true };
	progs[P_DECRYPTED] = (struct xs_prog){ "xs_tun_decrypted",
		bpf_program__fd(skel->progs.xs_tun_decrypted), true };
	env = (struct xs_env){ .progs = progs, .before = dev_snapshot,
			       .reasons_fd = bpf_map__fd(skel->maps.xs_reasons) };
	failed = xs_run_cases(&env, cases, ARRAY_SIZE(cases));
	failed += run_with_socket(&env);
	printf("test_tunnel: %zu cases, %d failed\n", total, failed);
out:
	tunnel_bpf__destroy(skel);
	return failed ? 1 : 0;
}
