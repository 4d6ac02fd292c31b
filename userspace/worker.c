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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "log.h"
#include "worker_int.h"

enum { IDLE_POLL_MS = 100, KICK_ROUNDS = 64, STATS_EVERY = 4096 };

static void submit(struct worker *w, struct xsk_side *s, struct tx_batch *b)
{
	unsigned int i, n;
	uint32_t idx;

	if (!b->n)
		return;
	n = xsk_ring_prod__reserve(&s->tx, b->n, &idx);
	for (i = 0; i < n; i++)
		*xsk_ring_prod__tx_desc(&s->tx, idx + i) = b->desc[i];
	xsk_ring_prod__submit(&s->tx, n);
	s->tx_pending += n;
	for (i = n; i < b->n; i++) {	/* TX ring full: drop, count */
		frame_free(w, b->desc[i].addr);
		worker_count(w, XS_R_TX_FAILED, b->desc[i].len);
	}
	b->n = 0;
}

static void submit_all(struct worker *w)
{
	submit(w, &w->up, &w->to_up);
	submit(w, &w->tun, &w->to_tun);
}

/* One batch from a socket's rx ring; returns how many frames it took. */
static unsigned int drain_rx(struct worker *w, struct xsk_side *from, bool from_uplink)
{
	unsigned int i, n;
	uint32_t idx;

	n = xsk_ring_cons__peek(&from->rx, BATCH, &idx);
	for (i = 0; i < n; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&from->rx, idx + i);
		bool kept = from_uplink ? worker_decap(w, d) : worker_encap(w, d);

		if (!kept)
			frame_free(w, d->addr);
	}
	xsk_ring_cons__release(&from->rx, n);
	submit_all(w);
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

/*
 * Tops a fill ring up to a quarter of the UMEM (at most the ring): the two
 * fill rings then hold half the frames and the other half is free for
 * frames in flight.  A fixed share matters with small UMEMs: filling each
 * ring as far as it goes let the quiet side's ring hoard the frames the busy
 * side needed, and the busy socket dropped.
 */
static void refill(struct worker *w, struct xsk_side *s)
{
	unsigned int target = w->cfg.umem_frames / 4 < RING_SIZE ? w->cfg.umem_frames / 4
								    : RING_SIZE;
	unsigned int held = RING_SIZE - xsk_prod_nb_free(&s->fill, RING_SIZE);
	unsigned int i, want = held < target ? target - held : 0;
	uint32_t idx;

	if (want > w->n_free)
		want = w->n_free;
	if (!want || xsk_ring_prod__reserve(&s->fill, want, &idx) != want)
		return;
	for (i = 0; i < want; i++)
		*xsk_ring_prod__fill_addr(&s->fill, idx + i) = w->free_frames[--w->n_free];
	xsk_ring_prod__submit(&s->fill, want);
}

/*
 * Copy-mode TX runs inside sendto, a few dozen frames per call (and
 * EAGAIN while more are queued): call it until the ring is drained.
 */
static void kick_tx(struct xsk_side *s)
{
	if (!s->tx_pending)
		return;
	for (int i = 0; i < KICK_ROUNDS && xsk_ring_prod__needs_wakeup(&s->tx); i++)
		if (sendto(xsk_socket__fd(s->xsk), NULL, 0, MSG_DONTWAIT, NULL, 0) >= 0 ||
		    (errno != EAGAIN && errno != EBUSY))
			break;
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

/*
 * Busy time is everything but the sleep in poll: the span since busy_mark
 * is added once per loop (a vDSO read of the coarse clock, not a system
 * call), and the mark moves past each sleep.  The coarse clock's ticks
 * (~4 ms) make single spans inexact but the sum unbiased.
 */
static void account_busy(struct worker *w, uint64_t now)
{
	uint64_t busy = atomic_load_explicit(&w->busy_ns, memory_order_relaxed);

	atomic_store_explicit(&w->busy_ns, busy + (now - w->busy_mark), memory_order_relaxed);
	w->busy_mark = now;
}

/*
 * What the kernel dropped at our sockets after XDP had redirected it there
 * (rx ring full, no fill buffer): a system call, so read when going idle and
 * every STATS_EVERY loops, not per packet.  The row is this worker's own.
 */
static void count_socket_drops(struct worker *w)
{
	struct xsk_side *sides[2] = { &w->up, &w->tun };
	uint64_t dropped = 0;

	for (int i = 0; i < 2; i++) {
		struct xdp_statistics st;
		socklen_t len = sizeof(st);

		if (!getsockopt(xsk_socket__fd(sides[i]->xsk), SOL_XDP, XDP_STATISTICS, &st, &len))
			dropped += st.rx_dropped + st.rx_ring_full;
	}
	w->cfg.reasons[XS_R_XSK_DROPPED].packets = dropped;
}

static void *worker_loop(void *arg)
{
	struct worker *w = arg;
	unsigned int got, loops = 0;

	w->busy_mark = worker_coarse_ns();
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
		account_busy(w, worker_coarse_ns());
		if (!got || ++loops % STATS_EVERY == 0)
			count_socket_drops(w);
		if (!got) {
			sleep_until_traffic(w);
			w->busy_mark = worker_coarse_ns();
		}
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
	size_t size = (size_t)w->cfg.umem_frames * FRAME_SIZE;

	w->free_frames = calloc(w->cfg.umem_frames, sizeof(*w->free_frames));
	if (!w->free_frames)
		return -ENOMEM;
	w->area = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (w->area == MAP_FAILED) {
		w->area = NULL;
		return -errno;
	}
	for (unsigned int i = 0; i < w->cfg.umem_frames; i++)
		w->free_frames[i] = (uint64_t)i * FRAME_SIZE;
	w->n_free = w->cfg.umem_frames;
	return xsk_umem__create(&w->umem, w->area, size, &w->up.fill, &w->up.comp, &cfg);
}

static void delete_sockets(struct worker *w)
{
	if (w->tun.xsk)
		xsk_socket__delete(w->tun.xsk);
	if (w->up.xsk)
		xsk_socket__delete(w->up.xsk);
	w->tun.xsk = w->up.xsk = NULL;
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
	if (rc)
		delete_sockets(w);
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
	delete_sockets(w);
	if (w->umem)
		xsk_umem__delete(w->umem);
	if (w->area)
		munmap(w->area, (size_t)w->cfg.umem_frames * FRAME_SIZE);
	free(w->free_frames);
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
	if (!w->cfg.umem_frames)
		w->cfg.umem_frames = WORKER_DEFAULT_FRAMES;
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

uint64_t worker_busy_ns(const struct worker *w)
{
	return atomic_load_explicit(&w->busy_ns, memory_order_relaxed);
}
