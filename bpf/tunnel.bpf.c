// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The tunnel veth pair between the kernel and the workers:
 *
 *     kernel routing                                     AF_XDP workers
 *          |                                                   |
 *   [xs-<inst>] ---------------- veth ---------------- [xs-<inst>w]
 *    tc egress:  xs_tun_egress   -- plaintext, stamped -->  xdp: xs_tun_to_worker
 *    xdp:        xs_tun_decrypted <-- decrypted, stamped --   (worker TX)
 *
 * xs_tun_egress finds the outbound SA for what the kernel routes into the
 * tunnel (xs_policy, longest prefix on the inner destination) and stamps
 * its slot into the Ethernet source address; xs_tun_to_worker hands stamped
 * frames to the worker socket of the queue.  Workers stamp decrypted frames
 * with the inbound SA's slot, and xs_tun_decrypted checks them before the
 * kernel routes them to the LAN: the inner source against the SA's traffic
 * selectors (RFC 4301 section 5.2), then the inner destination against the
 * device's ACL.
 *
 * The kernel side is expected to be NOARP: ARP and neighbour discovery have
 * no business crossing the pair and are shot as no_policy.
 *
 * Counted here: every drop, and decrypted frames delivered.  Not counted:
 * frames stamped or redirected to a worker (the worker counts `encrypted`),
 * and XS_SLOT_LOCAL frames (the worker counted `mtu_exceeded`).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "xdpsec_maps.h"
#include "maps.bpf.h"
#include "parse.h"
#include "selector.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Queues of the tunnel veth, one per worker; set by the daemon before load. */
const volatile __u32 xs_cfg_tun_queues = 1;

/* All the egress program reads: Ethernet and a fixed IPv6 header at most. */
#define TUN_EGRESS_PULL (ETH_HLEN + sizeof(struct ipv6hdr))

static __always_inline struct xs_sa_info *sa_get(__u32 slot, __u8 dir)
{
	struct xs_sa_info *sa;

	sa = bpf_map_lookup_elem(&xs_sa_info, &slot);
	if (!sa || !(sa->flags & XS_SA_VALID) || sa->dir != dir)
		return NULL;
	return sa;
}

/*
 * The outbound SA for this skb: returns XS_R_NONE and the slot, or the
 * reason to shoot it.  Only header fields are read, never lengths: egress
 * sees GSO skbs whose IP length is larger than the linear data.
 */
static __always_inline __u32 tun_egress_lookup(struct __sk_buff *skb,
					       __u32 *slot)
{
	struct xs_policy_key key;
	struct xs_policy *pol;
	struct hdr_cursor c;
	struct ethhdr *eth;
	struct xs_l3 l3;
	int proto, err;

	if ((void *)(long)skb->data + TUN_EGRESS_PULL >
	    (void *)(long)skb->data_end)
		bpf_skb_pull_data(skb, skb->len < TUN_EGRESS_PULL ?
				  skb->len : TUN_EGRESS_PULL);
	/* keep clang from reusing ctx+offset pointers, which the verifier rejects */
	asm volatile("" : "+r"(skb));
	c.pos = (void *)(long)skb->data;
	c.end = (void *)(long)skb->data_end;

	proto = parse_ethhdr(&c, &eth);
	if (proto == ETH_P_IP)
		err = parse_iphdr(&c, &l3);
	else if (proto == ETH_P_IPV6)
		err = parse_ipv6hdr(&c, &l3);
	else
		return proto < 0 ? XS_R_MALFORMED : XS_R_NO_POLICY;
	if (err < 0)
		return XS_R_MALFORMED;

	__builtin_memset(&key, 0, sizeof(key));
	key.prefixlen = 8 + (l3.family == XS_AF_INET ? 32 : 128);
	key.family = l3.family;
	__builtin_memcpy(key.addr, l3.daddr, sizeof(key.addr));
	pol = bpf_map_lookup_elem(&xs_policy, &key);
	if (!pol || !sa_get(pol->sa_slot, XS_DIR_OUT))
		return XS_R_NO_POLICY;
	*slot = pol->sa_slot;
	return XS_R_NONE;
}

SEC("tc")
int xs_tun_egress(struct __sk_buff *skb)
{
	__u8 stamp[ETH_ALEN];
	__u32 reason, slot = 0;

	reason = tun_egress_lookup(skb, &slot);
	if (reason == XS_R_NONE) {
		xs_stamp_make(stamp, slot);
		if (!bpf_skb_store_bytes(skb, ETH_ALEN, stamp, ETH_ALEN, 0)) {
			/*
			 * One SA, one worker: its sequence numbers then leave
			 * in order on one uplink queue, which on veth is also
			 * the queue (and worker) at the receiving end.  For a
			 * forwarded skb the kernel derives the TX queue from a
			 * recorded RX queue, queue_mapping - 1.
			 */
			if (xs_cfg_tun_queues > 1)
				skb->queue_mapping = slot % xs_cfg_tun_queues + 1;
			return TC_ACT_OK;
		}
		/* an unwritable skb: it cannot go out unstamped */
		reason = XS_R_TX_FAILED;
	}
	xs_count(reason, skb->len);
	return TC_ACT_SHOT;
}

SEC("xdp")
int xs_tun_to_worker(struct xdp_md *ctx)
{
	struct hdr_cursor c = {
		.pos = (void *)(long)ctx->data,
		.end = (void *)(long)ctx->data_end,
	};
	__u32 slot, queue = ctx->rx_queue_index;
	struct ethhdr *eth;

	if (parse_ethhdr(&c, &eth) < 0 || !xs_stamp_read(eth, &slot)) {
		xs_count(XS_R_MALFORMED, bpf_xdp_get_buff_len(ctx));
		return XDP_DROP;
	}
	if (!bpf_map_lookup_elem(&xs_xsk_tun, &queue)) {
		xs_count(XS_R_NO_WORKER, bpf_xdp_get_buff_len(ctx));
		return XDP_DROP;
	}
	return bpf_redirect_map(&xs_xsk_tun, queue, XDP_DROP);
}

static __always_inline void dev_count(__u32 device, __u32 reason, __u64 bytes)
{
	struct xs_dev_stats *st;

	st = bpf_map_lookup_elem(&xs_dev_stats, &device);
	if (!st)
		return;
	switch (reason) {
	case XS_R_TS_MISMATCH:
		__sync_fetch_and_add(&st->ts_mismatch, 1);
		break;
	case XS_R_ACL_DENIED:
		__sync_fetch_and_add(&st->acl_denied, 1);
		break;
	case XS_R_DECRYPTED:
		/* IP bytes, as the SA counters: the Ethernet header is ours */
		__sync_fetch_and_add(&st->packets, 1);
		__sync_fetch_and_add(&st->bytes, bytes - sizeof(struct ethhdr));
		break;
	}
}

/*
 * The inner packet: IPv4 or IPv6 with its extension headers, whole, and
 * the ports when it has them.  Returns has_port (0 or 1) or PARSE_MALFORMED.
 */
static __always_inline int tun_parse_inner(struct hdr_cursor *c, int proto,
					   struct xs_l3 *l3, __u16 *sport,
					   __u16 *dport)
{
	if (proto == ETH_P_IP) {
		if (parse_iphdr(c, l3) < 0 || !xs_l3_fits(c, l3))
			return PARSE_MALFORMED;
	} else if (proto == ETH_P_IPV6) {
		if (parse_ipv6hdr(c, l3) < 0 || !xs_l3_fits(c, l3) ||
		    skip_ipv6_ext(c, l3) < 0)
			return PARSE_MALFORMED;
	} else {
		return PARSE_MALFORMED;
	}
	return parse_ports(c, l3, sport, dport);
}

/* Device 0 has no ACL; a device beyond the map fails closed. */
static __always_inline bool tun_acl_allows(__u32 device, const struct xs_l3 *l3,
					   int has_port, __u16 dport)
{
	struct xs_acl *acl;

	if (device == XS_DEVICE_NONE)
		return true;
	acl = bpf_map_lookup_elem(&xs_acl, &device);
	if (!acl)
		return false;
	if (!acl->enforce)
		return true;
	return xs_acl_match(acl, l3, has_port, dport);
}

/* The verdict on a decrypted frame; the caller counts the reason. */
static __always_inline int tun_decrypted_verdict(struct xdp_md *ctx,
						 __u32 *reason, __u64 bytes)
{
	struct hdr_cursor c = {
		.pos = (void *)(long)ctx->data,
		.end = (void *)(long)ctx->data_end,
	};
	__u16 sport, dport;
	struct xs_sa_info *sa;
	struct ethhdr *eth;
	struct xs_l3 l3;
	int proto, has_port;
	__u32 slot;

	*reason = XS_R_MALFORMED;
	proto = parse_ethhdr(&c, &eth);
	if (proto < 0 || !xs_stamp_read(eth, &slot))
		return XDP_DROP;
	if (slot == XS_SLOT_LOCAL) {
		*reason = XS_R_NONE;
		goto deliver;
	}
	sa = sa_get(slot, XS_DIR_IN);
	if (!sa)
		return XDP_DROP;
	has_port = tun_parse_inner(&c, proto, &l3, &sport, &dport);
	if (has_port < 0)
		return XDP_DROP;

	if (!xs_ts_match(sa, &l3, has_port, sport))
		*reason = XS_R_TS_MISMATCH;
	else if (!tun_acl_allows(sa->device, &l3, has_port, dport))
		*reason = XS_R_ACL_DENIED;
	else
		*reason = XS_R_DECRYPTED;
	dev_count(sa->device, *reason, bytes);
	if (*reason != XS_R_DECRYPTED)
		return XDP_DROP;
deliver:
	/*
	 * A stamp means "in flight on the pair": wipe it before the kernel
	 * sees the frame, so nothing after this point (a tc hook, a packet
	 * socket) can take a delivered frame for one still to be handled.
	 * The destination address is a neutral, valid unicast replacement.
	 */
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	return XDP_PASS;
}

SEC("xdp")
int xs_tun_decrypted(struct xdp_md *ctx)
{
	__u64 bytes = bpf_xdp_get_buff_len(ctx);
	__u32 reason = XS_R_MALFORMED;
	int action;

	action = tun_decrypted_verdict(ctx, &reason, bytes);
	xs_count(reason, bytes);
	return action;
}

/*
 * XFRM mode (kernel ESP, xs_cfg_mode in uplink.bpf.c): no veth pair, no
 * workers.  The uplink's XDP program passes ESP for known SAs to the
 * kernel, which decrypts it and feeds the inner packet back into the
 * uplink's receive path with the state attached (the skb's secpath).  This
 * TC ingress program on the uplink gives those packets the checks
 * xs_tun_decrypted gives worker output: inner source against the SA's
 * traffic selectors, inner destination against the device's ACL, counted
 * per reason and per device.
 *
 * The SA comes from bpf_skb_get_xfrm_state(): dp_xfrm.c gives every state
 * reqid = slot + 1, so the slot needs no map of its own, and the SPI the
 * helper reports must be the one in xs_sa_info[slot], which rules out a
 * state we do not know or a slot reused since.  Packets without a secpath
 * (everything the kernel did not decrypt) pass untouched and uncounted: the
 * XDP program counted them already.
 */
#define XFRM_INGRESS_PULL (ETH_HLEN + 128)

static __always_inline int xfrm_ingress_verdict(struct __sk_buff *skb,
						const struct bpf_xfrm_state *x,
						__u32 *reason)
{
	struct hdr_cursor c;
	struct xs_sa_info *sa;
	struct ethhdr *eth;
	struct xs_l3 l3;
	__u16 sport, dport;
	int proto, has_port;
	__u32 slot = x->reqid - 1;

	*reason = XS_R_ESP_UNKNOWN_SPI;
	sa = sa_get(slot, XS_DIR_IN);
	if (!sa || sa->spi != x->spi)
		return TC_ACT_SHOT;

	if ((void *)(long)skb->data + XFRM_INGRESS_PULL >
	    (void *)(long)skb->data_end)
		bpf_skb_pull_data(skb, skb->len < XFRM_INGRESS_PULL ?
				  skb->len : XFRM_INGRESS_PULL);
	asm volatile("" : "+r"(skb));
	c.pos = (void *)(long)skb->data;
	c.end = (void *)(long)skb->data_end;

	*reason = XS_R_MALFORMED;
	proto = parse_ethhdr(&c, &eth);
	if (proto == ETH_P_IP) {
		if (parse_iphdr(&c, &l3) < 0)
			return TC_ACT_SHOT;
	} else if (proto == ETH_P_IPV6) {
		if (parse_ipv6hdr(&c, &l3) < 0 || skip_ipv6_ext(&c, &l3) < 0)
			return TC_ACT_SHOT;
	} else {
		return TC_ACT_SHOT;
	}
	has_port = parse_ports(&c, &l3, &sport, &dport);
	if (has_port < 0)
		return TC_ACT_SHOT;

	if (!xs_ts_match(sa, &l3, has_port, sport))
		*reason = XS_R_TS_MISMATCH;
	else if (!tun_acl_allows(sa->device, &l3, has_port, dport))
		*reason = XS_R_ACL_DENIED;
	else
		*reason = XS_R_DECRYPTED;
	dev_count(sa->device, *reason, skb->len);
	return *reason == XS_R_DECRYPTED ? TC_ACT_OK : TC_ACT_SHOT;
}

SEC("tc")
int xs_xfrm_ingress(struct __sk_buff *skb)
{
	struct bpf_xfrm_state x;
	__u32 reason = XS_R_MALFORMED;
	__u64 bytes = skb->len;
	int verdict;

	if (bpf_skb_get_xfrm_state(skb, 0, &x, sizeof(x), 0))
		return TC_ACT_OK;
	verdict = xfrm_ingress_verdict(skb, &x, &reason);
	xs_count(reason, bytes);
	return verdict;
}
