// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * An AF_XDP worker: the ESP fast path.
 *
 *            uplink queue q                      tunnel veth queue q
 *   ESP in  --> [up rx] --decap--> [tun tx] --> kernel ("xs-<inst>", XDP ACL)
 *   ESP out <-- [up tx] <--encap-- [tun rx] <-- kernel routes to "xs-<inst>"
 *                                  [tun tx] --> ICMP "too big" to the sender
 *
 * Both sockets share one UMEM, so a frame received on one side is sent on
 * the other in place: no copies beyond what copy-mode AF_XDP does itself,
 * and no system calls but the wake-ups (poll when idle, sendto to kick TX in
 * copy mode).  Frames cycle: free pool -> fill ring -> rx -> tx -> completion
 * -> free pool.  The uplink XDP program leaves the SA slot in the frame's
 * metadata; the tunnel TC program stamps it into the Ethernet source address.
 * The SA itself is read lock-free from the sa_table; the worker bumps its
 * epoch once per loop so the control thread knows when a retracted SA is no
 * longer in use.
 */
#include "worker.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/if_xdp.h>
#include <xdp/xsk.h>

#include "esp.h"
#include "log.h"
#include "packet.h"

enum {
	NUM_FRAMES = 4096,
	FRAME_SIZE = XSK_UMEM__DEFAULT_FRAME_SIZE,
	RING_SIZE = 1024,
	BATCH = 64,
	IDLE_POLL_MS = 100,
	NH_IPV4 = 4,
	NH_IPV6 = 41,
};

/* One AF_XDP socket and its rings; fill/comp are per socket (shared UMEM). */
struct xsk_side {
	struct xsk_socket *xsk;
	struct xsk_ring_cons rx;
	struct xsk_ring_prod tx;
	struct xsk_ring_prod fill;
	struct xsk_ring_cons comp;
	unsigned int tx_pending;	/* submitted, not yet kicked */
};

/* Descriptors produced by one batch, per destination socket. */
struct tx_batch {
	struct xdp_desc desc[BATCH];
	unsigned int n;
};

struct worker {
	struct worker_config cfg;
	pthread_t thread;
	atomic_bool stop;
	bool zerocopy;
	void *area;
	struct xsk_umem *umem;
	struct xsk_side up, tun;
	uint64_t free_frames[NUM_FRAMES];
	unsigned int n_free;
	uint16_t ip_id;
};

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline void count(struct worker *w, enum xs_reason r, size_t bytes)
{
	w->cfg.reasons[r].packets++;
	w->cfg.reasons[r].bytes += bytes;
}

static inline void stat_add(__u64 *field, uint64_t v)
{
	__atomic_fetch_add(field, v, __ATOMIC_RELAXED);
}

static inline struct xs_sa_stats *sa_stats(struct worker *w, uint32_t slot)
{
	return &w->cfg.sa_stats[slot];
}

static inline void frame_free(struct worker *w, uint64_t addr)
{
	w->free_frames[w->n_free++] = addr & ~((uint64_t)FRAME_SIZE - 1);
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
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
	eth[12] = family == XS_AF_INET ? 0x08 : 0x86;
	eth[13] = family == XS_AF_INET ? 0x00 : 0xdd;
}

/* Adds a frame to a batch, its address derived from where it now starts. */
static void emit(struct tx_batch *b, uint64_t rx_addr, const uint8_t *rx_data,
		 const uint8_t *start, size_t len)
{
	b->desc[b->n].addr = rx_addr + (uint64_t)(start - rx_data);
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
		count(w, XS_R_ESP_REPLAY, bytes);
		break;
	case ESP_ERR_AUTH:
		stat_add(&s->auth_failed, 1);
		count(w, XS_R_ESP_AUTH_FAILED, bytes);
		break;
	case ESP_ERR_TRAILER:
		stat_add(&s->bad_trailer, 1);
		count(w, XS_R_ESP_BAD_TRAILER, bytes);
		break;
	default:
		stat_add(&s->malformed, 1);
		count(w, XS_R_MALFORMED, bytes);
		break;
	}
}

/* ESP from the uplink -> plaintext into the kernel.  False: drop the frame. */
static bool decap_one(struct worker *w, const struct xdp_desc *d, struct tx_batch *to_tun)
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
	rc = esp_decap(sa->esp, frame + oi.esp_off, oi.esp_len, &inner, &inner_len, &nh);
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
	emit(to_tun, d->addr, frame, inner - ETH_HDR_LEN, ETH_HDR_LEN + in.len);
	stat_add(&sa_stats(w, sa->slot)->packets, 1);
	stat_add(&sa_stats(w, sa->slot)->bytes, in.len);
	__atomic_store_n(&sa_stats(w, sa->slot)->last_ns, now_ns(), __ATOMIC_RELAXED);
	return true;
malformed:
	count(w, XS_R_MALFORMED, d->len);
	return false;
}

static uint32_t frame_slot(const uint8_t *eth)
{
	if (eth[6] != XS_STAMP_MAGIC0 || eth[7] != XS_STAMP_MAGIC1)
		return XS_SLOT_LOCAL;
	return get32(eth + 8);
}

/* Answers an oversized packet with ICMP "too big"; true if a reply was built. */
static bool reply_too_big(struct worker *w, struct xs_sa *sa, const struct xdp_desc *d,
			  uint8_t *frame, const struct inner_info *in, size_t overhead,
			  struct tx_batch *to_tun)
{
	const uint8_t *src = in->family == XS_AF_INET ? w->cfg.icmp_src4 : w->cfg.icmp_src6;
	uint8_t *start;
	size_t len;

	stat_add(&sa_stats(w, sa->slot)->mtu_exceeded, 1);
	count(w, XS_R_MTU_EXCEEDED, d->len);
	if (!in->dont_fragment)
		return false;	/* TODO: fragment non-DF IPv4 before encapsulation */
	start = pkt_build_too_big(frame + ETH_HDR_LEN, in, src, (uint16_t)(sa->pmtu - overhead),
				  &len);
	stamp(start, w->cfg.tun_kernel_mac, XS_SLOT_LOCAL, in->family);
	emit(to_tun, d->addr, frame, start, len);
	return true;
}

/* Room in the frame's chunk for the outer headers before and the trailer after? */
static bool fits_in_frame(uint64_t addr, size_t eth_len, size_t overhead, size_t inner_len)
{
	size_t off = (size_t)(addr & ((uint64_t)FRAME_SIZE - 1)) + eth_len;

	return off >= PKT_MAX_OUTER + ESP_MAX_HEAD && off + inner_len + overhead <= FRAME_SIZE;
}

/* Plaintext from the kernel -> ESP to the peer, or ICMP back to the sender. */
static bool encap_one(struct worker *w, const struct xdp_desc *d, struct tx_batch *to_up,
		      struct tx_batch *to_tun)
{
	uint8_t *frame = xsk_umem__get_data(w->area, d->addr);
	uint8_t *inner = frame + ETH_HDR_LEN, *esp, *start;
	struct inner_info in;
	struct outer_hdr outer;
	size_t esp_len, overhead;
	struct xs_sa *sa;

	if (d->len < ETH_HDR_LEN || !pkt_parse_inner(inner, d->len - ETH_HDR_LEN, &in))
		goto malformed;
	sa = sa_table_get(w->cfg.sas, frame_slot(frame));
	if (!sa || sa->info.dir != XS_DIR_OUT)
		goto malformed;
	overhead = pkt_outer_len(&sa->outer) - ETH_HDR_LEN + esp_head_len(sa->esp) +
		   esp_tail_max(sa->esp);
	if (in.len + overhead > sa->pmtu)
		return reply_too_big(w, sa, d, frame, &in, overhead, to_tun);
	if (!fits_in_frame(d->addr, ETH_HDR_LEN, overhead, in.len))
		goto malformed;
	outer = sa->outer;
	if (!mac_unpack(atomic_load_explicit(&sa->next_hop_mac, memory_order_relaxed), outer.eth_dst))
		goto tx_failed;	/* next hop not resolved (yet) */
	if (esp_encap(sa->esp, inner, in.len, in.family == XS_AF_INET ? NH_IPV4 : NH_IPV6, &esp,
		      &esp_len) != ESP_OK)
		goto tx_failed;
	start = pkt_push_outer(&outer, esp, esp_len, in.tos, w->ip_id++);
	emit(to_up, d->addr, frame, start, (size_t)(esp + esp_len - start));
	count(w, XS_R_ENCRYPTED, d->len);
	stat_add(&sa_stats(w, sa->slot)->packets, 1);
	stat_add(&sa_stats(w, sa->slot)->bytes, in.len);
	__atomic_store_n(&sa_stats(w, sa->slot)->last_ns, now_ns(), __ATOMIC_RELAXED);
	return true;
tx_failed:
	stat_add(&sa_stats(w, sa->slot)->tx_failed, 1);
	count(w, XS_R_TX_FAILED, d->len);
	return false;
malformed:
	count(w, XS_R_MALFORMED, d->len);
	return false;
}

static void submit(struct worker *w, struct xsk_side *s, struct tx_batch *b)
{
	unsigned int i, n;
	uint32_t idx;

	n = xsk_ring_prod__reserve(&s->tx, b->n, &idx);
	for (i = 0; i < n; i++)
		*xsk_ring_prod__tx_desc(&s->tx, idx + i) = b->desc[i];
	xsk_ring_prod__submit(&s->tx, n);
	s->tx_pending += n;
	for (i = n; i < b->n; i++) {	/* TX ring full: drop, count */
		frame_free(w, b->desc[i].addr);
		count(w, XS_R_TX_FAILED, b->desc[i].len);
	}
	b->n = 0;
}

/* One batch from a socket's rx ring; returns how many frames it took. */
static unsigned int drain_rx(struct worker *w, struct xsk_side *from, bool from_uplink)
{
	struct tx_batch to_up = { .n = 0 }, to_tun = { .n = 0 };
	unsigned int i, n;
	uint32_t idx;

	n = xsk_ring_cons__peek(&from->rx, BATCH, &idx);
	for (i = 0; i < n; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&from->rx, idx + i);
		bool kept = from_uplink ? decap_one(w, d, &to_tun) : encap_one(w, d, &to_up, &to_tun);

		if (!kept)
			frame_free(w, d->addr);
	}
	xsk_ring_cons__release(&from->rx, n);
	if (to_up.n)
		submit(w, &w->up, &to_up);
	if (to_tun.n)
		submit(w, &w->tun, &to_tun);
	return n;
}

static void reap_completions(struct worker *w, struct xsk_side *s)
{
	uint32_t idx;
	unsigned int i, n = xsk_ring_cons__peek(&s->comp, RING_SIZE, &idx);

	for (i = 0; i < n; i++)
		frame_free(w, *xsk_ring_cons__comp_addr(&s->comp, idx + i));
	xsk_ring_cons__release(&s->comp, n);
}

static void refill(struct worker *w, struct xsk_side *s)
{
	unsigned int i, want = xsk_prod_nb_free(&s->fill, RING_SIZE);
	uint32_t idx;

	/* Keep half the pool for frames in flight to the other side. */
	if (want > w->n_free / 2)
		want = w->n_free / 2;
	if (!want || xsk_ring_prod__reserve(&s->fill, want, &idx) != want)
		return;
	for (i = 0; i < want; i++)
		*xsk_ring_prod__fill_addr(&s->fill, idx + i) = w->free_frames[--w->n_free];
	xsk_ring_prod__submit(&s->fill, want);
}

static void kick_tx(struct xsk_side *s)
{
	if (!s->tx_pending)
		return;
	if (xsk_ring_prod__needs_wakeup(&s->tx))
		sendto(xsk_socket__fd(s->xsk), NULL, 0, MSG_DONTWAIT, NULL, 0);
	s->tx_pending = 0;
}

static void sleep_until_traffic(struct worker *w)
{
	struct pollfd fds[2] = {
		{ .fd = xsk_socket__fd(w->up.xsk), .events = POLLIN },
		{ .fd = xsk_socket__fd(w->tun.xsk), .events = POLLIN },
	};

	atomic_store(&w->cfg.epoch->sleeping, 1);
	poll(fds, 2, IDLE_POLL_MS);
	atomic_store(&w->cfg.epoch->sleeping, 0);
}

static void *worker_loop(void *arg)
{
	struct worker *w = arg;
	unsigned int got;

	while (!atomic_load_explicit(&w->stop, memory_order_relaxed)) {
		atomic_fetch_add_explicit(&w->cfg.epoch->epoch, 1, memory_order_seq_cst);
		got = drain_rx(w, &w->up, true);
		got += drain_rx(w, &w->tun, false);
		kick_tx(&w->up);
		kick_tx(&w->tun);
		reap_completions(w, &w->up);
		reap_completions(w, &w->tun);
		refill(w, &w->up);
		refill(w, &w->tun);
		if (!got)
			sleep_until_traffic(w);
	}
	atomic_store(&w->cfg.epoch->sleeping, 1);
	return NULL;
}

static int create_umem(struct worker *w)
{
	struct xsk_umem_config cfg = {
		.fill_size = RING_SIZE,
		.comp_size = RING_SIZE,
		.frame_size = FRAME_SIZE,
		.frame_headroom = 0,
	};
	size_t size = (size_t)NUM_FRAMES * FRAME_SIZE;

	w->area = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (w->area == MAP_FAILED) {
		w->area = NULL;
		return -errno;
	}
	for (unsigned int i = 0; i < NUM_FRAMES; i++)
		w->free_frames[i] = (uint64_t)i * FRAME_SIZE;
	w->n_free = NUM_FRAMES;
	return xsk_umem__create(&w->umem, w->area, size, &w->up.fill, &w->up.comp, &cfg);
}

static int create_sockets(struct worker *w, uint16_t mode)
{
	struct xsk_socket_config cfg = {
		.rx_size = RING_SIZE,
		.tx_size = RING_SIZE,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = mode | XDP_USE_NEED_WAKEUP,
	};
	int rc;

	rc = xsk_socket__create(&w->up.xsk, w->cfg.uplink, w->cfg.id, w->umem, &w->up.rx,
				&w->up.tx, &cfg);
	if (rc)
		return rc;
	/* The kernel takes the second socket's mode from the first one. */
	rc = xsk_socket__create_shared(&w->tun.xsk, w->cfg.tun, w->cfg.id, w->umem, &w->tun.rx,
				       &w->tun.tx, &w->tun.fill, &w->tun.comp, &cfg);
	if (rc) {
		xsk_socket__delete(w->up.xsk);
		w->up.xsk = NULL;
	}
	return rc;
}

static int register_sockets(struct worker *w)
{
	int rc = xsk_socket__update_xskmap(w->up.xsk, w->cfg.xsk_up_map_fd);

	return rc ? rc : xsk_socket__update_xskmap(w->tun.xsk, w->cfg.xsk_tun_map_fd);
}

static void destroy(struct worker *w)
{
	uint32_t key = w->cfg.id;

	bpf_map_delete_elem(w->cfg.xsk_up_map_fd, &key);
	bpf_map_delete_elem(w->cfg.xsk_tun_map_fd, &key);
	if (w->tun.xsk)
		xsk_socket__delete(w->tun.xsk);
	if (w->up.xsk)
		xsk_socket__delete(w->up.xsk);
	if (w->umem)
		xsk_umem__delete(w->umem);
	if (w->area)
		munmap(w->area, (size_t)NUM_FRAMES * FRAME_SIZE);
	free(w);
}

struct worker *worker_start(const struct worker_config *cfg, char *err, size_t errlen)
{
	struct worker *w = calloc(1, sizeof(*w));
	int rc;

	if (!w) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->cfg = *cfg;
	rc = create_umem(w);
	if (rc) {
		snprintf(err, errlen, "worker %u: UMEM: %s", cfg->id, strerror(-rc));
		goto fail;
	}
	w->zerocopy = !cfg->force_copy && !create_sockets(w, XDP_ZEROCOPY);
	if (!w->zerocopy && (rc = create_sockets(w, XDP_COPY))) {
		snprintf(err, errlen, "worker %u: AF_XDP sockets on %s/%s queue %u: %s", cfg->id,
			 cfg->uplink, cfg->tun, cfg->id, strerror(-rc));
		goto fail;
	}
	rc = register_sockets(w);
	if (rc) {
		snprintf(err, errlen, "worker %u: XSKMAP update: %s", cfg->id, strerror(-rc));
		goto fail;
	}
	refill(w, &w->up);
	refill(w, &w->tun);
	rc = pthread_create(&w->thread, NULL, worker_loop, w);
	if (rc) {
		snprintf(err, errlen, "worker %u: thread: %s", cfg->id, strerror(rc));
		goto fail;
	}
	return w;
fail:
	destroy(w);
	return NULL;
}

void worker_stop(struct worker *w)
{
	if (!w)
		return;
	atomic_store(&w->stop, true);
	pthread_join(w->thread, NULL);
	destroy(w);
}

bool worker_zerocopy(const struct worker *w)
{
	return w->zerocopy;
}
