// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xs_uplink: XDP on the interface facing devices and the internet.  It
 * steers inbound ESP for known SAs to the AF_XDP worker on the receiving
 * queue and leaves everything else to the kernel:
 *
 *   UDP/500                         IKE            -> XDP_PASS (ike)
 *   UDP/4500, 1 byte 0xff           NAT-T keepalive-> counted, XDP_DROP
 *   UDP/4500, 4 zero bytes first    IKE            -> XDP_PASS (ike)
 *   UDP/4500, otherwise             ESP in UDP     -> SA lookup
 *   IP protocol 50                  ESP            -> SA lookup
 *   SA lookup: xs_spi{spi, family, outer daddr} -> slot -> xs_sa_info
 *     no SA, SA not valid or not inbound           -> XDP_DROP (esp_unknown_spi)
 *     no socket on this queue in xs_xsk_up         -> XDP_DROP (no_worker)
 *     else, the slot in the XDP metadata           -> XDP_REDIRECT (esp_in)
 *     (XFRM mode: known SA                         -> XDP_PASS (esp_in))
 *   anything else, non-IP, what we cannot parse    -> XDP_PASS (pass)
 *   headers that are cut short or contradict       -> XDP_DROP (malformed)
 *
 * IP fragments (IPv4 MF or offset, an IPv6 fragment header) are passed to
 * the kernel whatever they carry: ESP and IKE fragments are reassembled
 * there, and the kernel's XFRM/socket path owns them.  Workers only ever see
 * whole ESP packets.
 *
 * Every packet is counted exactly once, in xs_reasons, by xs_uplink().
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "xdpsec_maps.h"
#include "maps.bpf.h"
#include "parse.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/*
 * Who decrypts (enum xs_mode), set by the daemon before load: AF_XDP
 * workers get known-SA ESP by redirect; in XFRM mode it passes to the
 * kernel's ESP, and tunnel.bpf.c's xs_xfrm_ingress checks what comes out.
 */
const volatile __u32 xs_cfg_mode = XS_MODE_AFXDP;

/* uplink_l3(): no verdict yet, go on with the upper layer */
enum { UPLINK_CONTINUE = -1 };

/* Count a NAT-T keepalive for its sender; entries age out of the LRU. */
static __always_inline void uplink_keepalive(const struct xs_l3 *l3,
					     const struct udphdr *uh)
{
	struct xs_peer_stats *st, fresh;
	struct xs_peer_key key;
	__u64 now = bpf_ktime_get_ns();

	__builtin_memset(&key, 0, sizeof(key));
	key.family = l3->family;
	key.port = uh->source;
	__builtin_memcpy(key.addr, l3->saddr, sizeof(key.addr));

	st = bpf_map_lookup_elem(&xs_keepalive, &key);
	if (!st) {
		fresh.keepalives = 1;
		fresh.last_ns = now;
		if (!bpf_map_update_elem(&xs_keepalive, &key, &fresh,
					 BPF_NOEXIST))
			return;
		/* another CPU inserted it first: count on its entry */
		st = bpf_map_lookup_elem(&xs_keepalive, &key);
		if (!st)
			return;
	}
	__sync_fetch_and_add(&st->keepalives, 1);
	st->last_ns = now;
}

/*
 * Leave the SA slot in the XDP metadata (struct xs_meta), which AF_XDP
 * copies into the UMEM right before the frame: the worker takes the SA from
 * there instead of repeating the SPI lookup.  Invalidates packet pointers.
 */
static __always_inline int uplink_set_meta(struct xdp_md *ctx, __u32 slot)
{
	struct xs_meta *meta;
	void *data;

	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*meta)))
		return -1;
	meta = (void *)(long)ctx->data_meta;
	data = (void *)(long)ctx->data;
	if ((void *)(meta + 1) > data)
		return -1;
	meta->slot = slot;
	return 0;
}

/* An ESP packet with this SPI (network order): find its SA and its worker. */
static __always_inline int uplink_esp(struct xdp_md *ctx,
				      const struct xs_l3 *l3, __be32 spi,
				      __u32 *reason)
{
	struct xs_sa_info *sa;
	struct xs_spi_key key;
	__u32 *slot, queue;

	__builtin_memset(&key, 0, sizeof(key));
	key.spi = spi;
	key.family = l3->family;
	__builtin_memcpy(key.daddr, l3->daddr, sizeof(key.daddr));

	*reason = XS_R_ESP_UNKNOWN_SPI;
	slot = bpf_map_lookup_elem(&xs_spi, &key);
	if (!slot)
		return XDP_DROP;
	sa = bpf_map_lookup_elem(&xs_sa_info, slot);
	if (!sa || !(sa->flags & XS_SA_VALID) || sa->dir != XS_DIR_IN)
		return XDP_DROP;
	if (xs_cfg_mode == XS_MODE_XFRM) {
		*reason = XS_R_ESP_IN;
		return XDP_PASS;
	}

	queue = ctx->rx_queue_index;
	*reason = XS_R_NO_WORKER;
	if (!bpf_map_lookup_elem(&xs_xsk_up, &queue))
		return XDP_DROP;
	/* a worker cannot be handed a frame without its slot */
	if (uplink_set_meta(ctx, *slot) < 0)
		return XDP_DROP;
	/* should the socket go away right now, the redirect drops */
	*reason = XS_R_ESP_IN;
	return bpf_redirect_map(&xs_xsk_up, queue, XDP_DROP);
}

/* UDP: IKE, NAT-T keepalives and ESP in UDP (RFC 3948). */
static __always_inline int uplink_udp(struct xdp_md *ctx, struct hdr_cursor *c,
				      const struct xs_l3 *l3, __u32 *reason)
{
	__u8 *payload;
	struct udphdr *uh;
	__u32 len, marker;
	__be32 spi;
	int dport;

	*reason = XS_R_MALFORMED;
	dport = parse_udphdr(c, l3, &uh);
	if (dport < 0)
		return XDP_DROP;

	*reason = XS_R_IKE;
	if (dport == XS_PORT_IKE)
		return XDP_PASS;
	*reason = XS_R_PASS;
	if (dport != XS_PORT_NATT)
		return XDP_PASS;

	payload = c->pos;
	len = l3->l4_len - XS_UDP_HLEN;
	if (len == 1 && (void *)(payload + 1) <= c->end &&
	    payload[0] == XS_NATT_KEEPALIVE) {
		uplink_keepalive(l3, uh);
		*reason = XS_R_NATT_KEEPALIVE;
		return XDP_DROP;
	}
	if (len >= sizeof(marker) &&
	    (void *)(payload + sizeof(marker)) <= c->end) {
		__builtin_memcpy(&marker, payload, sizeof(marker));
		if (marker == 0) {	/* the non-ESP marker: IKE */
			*reason = XS_R_IKE;
			return XDP_PASS;
		}
	}
	*reason = XS_R_MALFORMED;
	if (len < XS_ESP_HLEN || (void *)(payload + XS_ESP_HLEN) > c->end)
		return XDP_DROP;
	/* nonzero: four zero bytes were the marker */
	__builtin_memcpy(&spi, payload, sizeof(spi));
	return uplink_esp(ctx, l3, spi, reason);
}

/* IP protocol 50. */
static __always_inline int uplink_raw_esp(struct xdp_md *ctx,
					  struct hdr_cursor *c,
					  const struct xs_l3 *l3,
					  __u32 *reason)
{
	__be32 spi;

	*reason = XS_R_MALFORMED;
	if (l3->l4_len < XS_ESP_HLEN || c->pos + XS_ESP_HLEN > c->end)
		return XDP_DROP;
	__builtin_memcpy(&spi, c->pos, sizeof(spi));
	if (!spi)	/* RFC 4303: SPI 0 is never on the wire */
		return XDP_DROP;
	return uplink_esp(ctx, l3, spi, reason);
}

/*
 * Ethernet and IP: fills l3 and leaves the cursor at the upper layer, or
 * returns the verdict on a packet that goes no further.
 */
static __always_inline int uplink_l3(struct hdr_cursor *c, struct xs_l3 *l3,
				     __u32 *reason)
{
	struct ethhdr *eth;
	int proto;

	*reason = XS_R_MALFORMED;
	proto = parse_ethhdr_vlan(c, &eth);
	if (proto < 0)
		return XDP_DROP;

	if (proto == ETH_P_IP) {
		if (parse_iphdr(c, l3) < 0 || !xs_l3_fits(c, l3))
			return XDP_DROP;
	} else if (proto == ETH_P_IPV6) {
		if (parse_ipv6hdr(c, l3) < 0 || !xs_l3_fits(c, l3))
			return XDP_DROP;
		/* payload length 0: a jumbogram or nothing; neither is ours */
		if (l3->l4_len == 0)
			goto pass;
		if (skip_ipv6_ext(c, l3) < 0)
			return XDP_DROP;
	} else {
		goto pass;
	}
	if (l3->frag != XS_FRAG_NONE || l3->opaque)
		goto pass;
	return UPLINK_CONTINUE;
pass:
	*reason = XS_R_PASS;
	return XDP_PASS;
}

static __always_inline int uplink_classify(struct xdp_md *ctx, __u32 *reason)
{
	struct hdr_cursor c = {
		.pos = (void *)(long)ctx->data,
		.end = (void *)(long)ctx->data_end,
	};
	struct xs_l3 l3;
	int action;

	action = uplink_l3(&c, &l3, reason);
	if (action != UPLINK_CONTINUE)
		return action;

	switch (l3.proto) {
	case IPPROTO_UDP:
		return uplink_udp(ctx, &c, &l3, reason);
	case IPPROTO_ESP:
		return uplink_raw_esp(ctx, &c, &l3, reason);
	}
	*reason = XS_R_PASS;
	return XDP_PASS;
}

SEC("xdp")
int xs_uplink(struct xdp_md *ctx)
{
	__u32 reason = XS_R_PASS;
	int action;

	action = uplink_classify(ctx, &reason);
	xs_count(reason, bpf_xdp_get_buff_len(ctx));
	return action;
}
