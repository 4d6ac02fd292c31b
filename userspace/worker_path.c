// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What a worker does to one packet, in place in the UMEM.
 *
 * Inbound (uplink -> kernel): find the SA from the slot the XDP program left
 * in the metadata, check it against the packet's SPI, decrypt (noting an
 * authenticated packet from a new outer source: sa_seen.h), write an
 * Ethernet header stamped with the slot in front of the inner packet and
 * queue it for the tunnel veth.
 *
 * Outbound (kernel -> uplink): find the SA from the stamp the TC program
 * wrote, check the path MTU, encrypt, write the outer headers and queue it
 * for the uplink.  Too big: IPv4 without DF is
 * fragmented before encryption (RFC 4301 8.1: each fragment its own ESP
 * packet), anything else gets ICMP "fragmentation needed" / ICMPv6 "packet
 * too big" back through the tunnel veth (RFC 4301 8.2, 8.3).
 */
#include <string.h>

#include "esp.h"
#include "packet.h"
#include "worker_int.h"

enum {
	NH_IPV4 = 4,
	NH_IPV6 = 41,
	IPV4_MF = 0x2000,
	IPV4_OFFSET_MASK = 0x1fff,
	MAX_FRAGMENTS = 4,
};

static inline void stat_add(__u64 *field, uint64_t v)
{
	__atomic_fetch_add(field, v, __ATOMIC_RELAXED);
}

static inline struct xs_sa_stats *sa_stats(struct worker *w, uint32_t slot)
{
	return &w->cfg.sa_stats[slot];
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void stamp(uint8_t *eth, const uint8_t dst[6], uint32_t slot, uint8_t family)
{
	memcpy(eth, dst, 6);
	eth[6] = XS_STAMP_MAGIC0;
	eth[7] = XS_STAMP_MAGIC1;
	eth[8] = slot >> 24;
	eth[9] = slot >> 16;
	eth[10] = slot >> 8;
	eth[11] = slot & 0xff;
	put16(eth + 12, family == XS_AF_INET ? ETH_P_IPV4 : ETH_P_IPV6_NUM);
}

static uint32_t frame_slot(const uint8_t *eth)
{
	if (eth[6] != XS_STAMP_MAGIC0 || eth[7] != XS_STAMP_MAGIC1)
		return XS_SLOT_LOCAL;
	return get32(eth + 8);
}

/* Queues the frame now starting at start; addr/data locate any byte of it. */
static void emit(struct tx_batch *b, uint64_t addr, const uint8_t *data, const uint8_t *start,
		 size_t len)
{
	if (b->n == sizeof(b->desc) / sizeof(b->desc[0]))
		return;	/* cannot happen: MAX_FRAGMENTS * BATCH fits */
	b->desc[b->n].addr = addr + (uint64_t)(start - data);
	b->desc[b->n].len = (uint32_t)len;
	b->desc[b->n].options = 0;
	b->n++;
}

static void count_decap_error(struct worker *w, uint32_t slot, int rc, size_t bytes)
{
	struct xs_sa_stats *s = sa_stats(w, slot);

	switch (rc) {
	case ESP_ERR_REPLAY:
		stat_add(&s->replay, 1);
		worker_count(w, XS_R_ESP_REPLAY, bytes);
		break;
	case ESP_ERR_AUTH:
		stat_add(&s->auth_failed, 1);
		worker_count(w, XS_R_ESP_AUTH_FAILED, bytes);
		break;
	case ESP_ERR_TRAILER:
		stat_add(&s->bad_trailer, 1);
		worker_count(w, XS_R_ESP_BAD_TRAILER, bytes);
		break;
	default:
		stat_add(&s->malformed, 1);
		worker_count(w, XS_R_MALFORMED, bytes);
		break;
	}
}

static void count_good(struct worker *w, uint32_t slot, size_t inner_len)
{
	stat_add(&sa_stats(w, slot)->packets, 1);
	stat_add(&sa_stats(w, slot)->bytes, inner_len);
	__atomic_store_n(&sa_stats(w, slot)->last_ns, worker_now_ns(), __ATOMIC_RELAXED);
}

bool worker_decap(struct worker *w, const struct xdp_desc *d)
{
	uint8_t *frame = xsk_umem__get_data(w->area, d->addr);
	const struct xs_meta *meta = (const void *)(frame - sizeof(*meta));
	struct outer_info oi;
	struct inner_info in;
	uint8_t *inner, nh;
	size_t inner_len;
	struct xs_sa *sa;
	int rc;

	if (!pkt_parse_outer(frame, d->len, &oi))
		goto malformed;
	sa = sa_table_get(w->cfg.sas, meta->slot);
	if (!sa || sa->info.dir != XS_DIR_IN || sa->info.spi != get32(frame + oi.esp_off))
		goto malformed;	/* SA deleted since the XDP lookup, or no metadata */
	/* decrypts; notes an authenticated packet from a new source (sa_seen.h) */
	rc = sa_decap(w->cfg.sas, sa, &oi, frame, &inner, &inner_len, &nh);
	if (rc != ESP_OK) {
		count_decap_error(w, sa->slot, rc, d->len);
		return false;
	}
	if (!pkt_parse_inner(inner, inner_len, &in) ||
	    (in.family == XS_AF_INET) != (nh == NH_IPV4)) {
		stat_add(&sa_stats(w, sa->slot)->malformed, 1);
		goto malformed;
	}
	stamp(inner - ETH_HDR_LEN, w->cfg.tun_kernel_mac, sa->slot, in.family);
	emit(&w->to_tun, d->addr, frame, inner - ETH_HDR_LEN, ETH_HDR_LEN + in.len);
	count_good(w, sa->slot, in.len);
	return true;
malformed:
	worker_count(w, XS_R_MALFORMED, d->len);
	return false;
}

/* Bytes an SA adds to an inner packet, at most. */
static size_t sa_overhead(const struct xs_sa *sa)
{
	return pkt_outer_len(&sa->outer) - ETH_HDR_LEN + esp_head_len(sa->esp) +
	       esp_tail_max(sa->esp);
}

/* Room in the chunk of addr for the outer headers before and the trailer after? */
static bool fits_in_frame(uint64_t addr, size_t overhead, size_t inner_len)
{
	size_t off = (size_t)(addr & ((uint64_t)FRAME_SIZE - 1));

	return off >= PKT_MAX_OUTER + ESP_MAX_HEAD && off + inner_len + overhead <= FRAME_SIZE;
}

/*
 * Encrypts the inner packet at ip (addr is its UMEM address) and queues the
 * result for the SA's uplink queue.  False if it could not be sent.
 */
static bool seal(struct worker *w, struct xs_sa *sa, uint64_t addr, uint8_t *ip, size_t len,
		 uint8_t family, uint8_t tos)
{
	struct outer_hdr outer = sa->outer;
	uint8_t *esp, *start;
	size_t esp_len;

	if (!fits_in_frame(addr, sa_overhead(sa), len))
		return false;
	if (!mac_unpack(atomic_load_explicit(&sa->next_hop_mac, memory_order_relaxed),
			outer.eth_dst))
		return false;	/* next hop not resolved (yet) */
	if (esp_encap(sa->esp, ip, len, family == XS_AF_INET ? NH_IPV4 : NH_IPV6, &esp,
		      &esp_len) != ESP_OK)
		return false;
	start = pkt_push_outer(&outer, esp, esp_len, tos, w->ip_id++);
	emit(&w->to_up, addr, ip, start, (size_t)(esp + esp_len - start));
	count_good(w, sa->slot, len);
	return true;
}

/* Rewrites an IPv4 header for one fragment: length, offset, MF, checksum. */
static void set_fragment(uint8_t *ip, size_t ihl, size_t payload, uint16_t offset8, bool more)
{
	put16(ip + 2, (uint16_t)(ihl + payload));
	put16(ip + 6, (uint16_t)((offset8 & IPV4_OFFSET_MASK) | (more ? IPV4_MF : 0)));
	put16(ip + 10, 0);
	put16(ip + 10, pkt_csum_fold(pkt_csum_add(0, ip, ihl)));
}

/*
 * IPv4 without DF, too big for the path after encapsulation: the fragments
 * after the first are copied into fresh frames, the first is cut down in
 * place, and each is encrypted on its own.  The receiver's kernel
 * reassembles after decryption.
 */
static bool encap_fragments(struct worker *w, struct xs_sa *sa, const struct xdp_desc *d,
			    uint8_t *ip, const struct inner_info *in, size_t inner_mtu)
{
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4, payload = in->len - ihl;
	size_t chunk = inner_mtu > ihl ? (inner_mtu - ihl) & ~(size_t)7 : 0;
	uint16_t frag = get16(ip + 6), base = frag & IPV4_OFFSET_MASK;
	bool last_more = frag & IPV4_MF;

	if (!chunk || (payload + chunk - 1) / chunk > MAX_FRAGMENTS)
		return false;
	for (size_t off = chunk; off < payload; off += chunk) {
		size_t len = payload - off < chunk ? payload - off : chunk;
		uint64_t base_addr = frame_alloc(w);
		uint64_t addr = base_addr + XDP_PACKET_HEADROOM + ETH_HDR_LEN;
		uint8_t *fip;

		if (base_addr == UINT64_MAX)
			return false;
		fip = xsk_umem__get_data(w->area, addr);
		memcpy(fip, ip, ihl);
		memcpy(fip + ihl, ip + ihl + off, len);
		set_fragment(fip, ihl, len, (uint16_t)(base + off / 8), off + len < payload || last_more);
		if (!seal(w, sa, addr, fip, ihl + len, XS_AF_INET, in->tos)) {
			frame_free(w, base_addr);
			return false;
		}
	}
	set_fragment(ip, ihl, chunk, base, true);
	return seal(w, sa, d->addr + ETH_HDR_LEN, ip, ihl + chunk, XS_AF_INET, in->tos);
}

/* ICMP "too big" back to the sender through the tunnel veth. */
static bool reply_too_big(struct worker *w, const struct xdp_desc *d, uint8_t *frame,
			  const struct inner_info *in, size_t inner_mtu)
{
	const uint8_t *src = in->family == XS_AF_INET ? w->cfg.icmp_src4 : w->cfg.icmp_src6;
	uint8_t *start;
	size_t len;

	start = pkt_build_too_big(frame + ETH_HDR_LEN, in, src, (uint16_t)inner_mtu, &len);
	stamp(start, w->cfg.tun_kernel_mac, XS_SLOT_LOCAL, in->family);
	emit(&w->to_tun, d->addr, frame, start, len);
	return true;
}

static bool too_big(struct worker *w, struct xs_sa *sa, const struct xdp_desc *d, uint8_t *frame,
		    const struct inner_info *in)
{
	size_t inner_mtu = sa->pmtu - sa_overhead(sa);

	if (in->family == XS_AF_INET && !in->dont_fragment) {
		if (!encap_fragments(w, sa, d, frame + ETH_HDR_LEN, in, inner_mtu))
			return false;
		worker_count(w, XS_R_ENCRYPTED, d->len);
		return true;
	}
	stat_add(&sa_stats(w, sa->slot)->mtu_exceeded, 1);
	worker_count(w, XS_R_MTU_EXCEEDED, d->len);
	return reply_too_big(w, d, frame, in, inner_mtu);
}

bool worker_encap(struct worker *w, const struct xdp_desc *d)
{
	uint8_t *frame = xsk_umem__get_data(w->area, d->addr);
	uint8_t *ip = frame + ETH_HDR_LEN;
	struct inner_info in;
	struct xs_sa *sa;

	if (d->len < ETH_HDR_LEN || !pkt_parse_inner(ip, d->len - ETH_HDR_LEN, &in))
		goto malformed;
	sa = sa_table_get(w->cfg.sas, frame_slot(frame));
	if (!sa || sa->info.dir != XS_DIR_OUT)
		goto malformed;
	if (in.len + sa_overhead(sa) > sa->pmtu) {
		if (too_big(w, sa, d, frame, &in))
			return true;
		goto tx_failed;
	}
	if (seal(w, sa, d->addr + ETH_HDR_LEN, ip, in.len, in.family, in.tos)) {
		worker_count(w, XS_R_ENCRYPTED, d->len);
		return true;
	}
tx_failed:
	stat_add(&sa_stats(w, sa->slot)->tx_failed, 1);
	worker_count(w, XS_R_TX_FAILED, d->len);
	return false;
malformed:
	worker_count(w, XS_R_MALFORMED, d->len);
	return false;
}
