/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Inside a worker: the state worker.c (sockets, rings, thread) and
 * worker_path.c (what happens to one packet) share.  Not for other modules.
 */
#ifndef XDPSEC_WORKER_INT_H
#define XDPSEC_WORKER_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include <linux/if_xdp.h>
#include <xdp/xsk.h>

#include "worker.h"

enum {
	FRAME_SIZE = XSK_UMEM__DEFAULT_FRAME_SIZE,
	RING_SIZE = 1024,
	BATCH = 64,
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

/* Descriptors produced while draining one rx batch, per destination socket.
 * A packet can become several (IPv4 fragments), hence the headroom. */
struct tx_batch {
	struct xdp_desc desc[4 * BATCH];
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
	struct tx_batch to_up, to_tun;
	uint64_t *free_frames;		/* cfg.umem_frames entries */
	unsigned int n_free;
	uint16_t ip_id;
	/* Time not spent asleep in poll, CLOCK_MONOTONIC_COARSE ns: written by
	 * the worker once per loop, read by the metrics (worker_busy_ns). */
	_Atomic uint64_t busy_ns;
	uint64_t busy_mark;		/* worker only: when the busy span began */
};

static inline uint64_t worker_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline uint64_t worker_coarse_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline void worker_count(struct worker *w, enum xs_reason r, size_t bytes)
{
	w->cfg.reasons[r].packets++;
	w->cfg.reasons[r].bytes += bytes;
}

static inline void frame_free(struct worker *w, uint64_t addr)
{
	w->free_frames[w->n_free++] = addr & ~((uint64_t)FRAME_SIZE - 1);
}

/* A free frame's chunk address, or UINT64_MAX when the pool is empty. */
static inline uint64_t frame_alloc(struct worker *w)
{
	return w->n_free ? w->free_frames[--w->n_free] : UINT64_MAX;
}

/* Decrypts an ESP frame from the uplink; false: the caller frees it. */
bool worker_decap(struct worker *w, const struct xdp_desc *d);
/* Encrypts a plaintext frame from the tunnel veth; false: the caller frees it. */
bool worker_encap(struct worker *w, const struct xdp_desc *d);

#endif /* XDPSEC_WORKER_INT_H */
