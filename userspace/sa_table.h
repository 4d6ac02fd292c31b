/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The userspace half of each SA, indexed by the same slot as the BPF maps,
 * and the table the workers read it from without locks.  The control thread
 * publishes an SA with a release store; on delete it unpublishes the slot
 * and waits until every worker has passed a quiescent point (its epoch moved
 * or it sleeps in poll) before the SA's keys are wiped and freed.
 */
#ifndef XDPSEC_SA_TABLE_H
#define XDPSEC_SA_TABLE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "dataplane.h"
#include "esp.h"
#include "packet.h"
#include "sa_seen.h"

struct xs_sa {
	uint32_t slot;
	struct dp_sa_info info;		/* what list/stats report; stats, seen_* unused */
	struct esp_sa *esp;
	/* Outbound: the outer headers to write; eth_dst follows the neighbour
	 * table and is rewritten by the control thread, hence the atomic. */
	struct outer_hdr outer;
	_Atomic uint64_t next_hop_mac;	/* bit 63: resolved; low 48 bits: MAC */
	uint32_t pmtu;			/* outer MTU toward the peer */
	uint32_t device;
	struct sa_seen seen;		/* inbound: authenticated ESP from a new source */
};

/* Per-worker quiescence state, read by the control thread. */
struct worker_epoch {
	_Atomic uint64_t epoch;
	_Atomic int sleeping;
} __attribute__((aligned(64)));

struct sa_table {
	unsigned int max;
	_Atomic(struct xs_sa *) *slots;
	struct worker_epoch *epochs;
	unsigned int n_workers;
	_Atomic uint64_t seen_total;	/* new ESP sources noted, all SAs (sa_seen.h) */
};

int sa_table_init(struct sa_table *t, unsigned int max);
void sa_table_fini(struct sa_table *t);

static inline struct xs_sa *sa_table_get(struct sa_table *t, uint32_t slot)
{
	if (slot >= t->max)
		return NULL;
	return atomic_load_explicit(&t->slots[slot], memory_order_acquire);
}

/* esp_decap, and for a packet that passed it (ICV, replay window), sa_seen_check. */
static inline int sa_decap(struct sa_table *t, struct xs_sa *sa, const struct outer_info *oi,
			   uint8_t *frame, uint8_t **inner, size_t *inner_len, uint8_t *nh)
{
	int rc = esp_decap(sa->esp, frame + oi->esp_off, oi->esp_len, inner, inner_len, nh);

	if (rc == ESP_OK)
		sa_seen_check(&sa->seen, &sa->info, oi, &t->seen_total);
	return rc;
}

void sa_table_publish(struct sa_table *t, struct xs_sa *sa);
/* Unpublishes the slot and returns once no worker can still hold it. */
struct xs_sa *sa_table_retract(struct sa_table *t, uint32_t slot);
/* Returns once every worker has passed a quiescent point. */
void sa_table_synchronize(struct sa_table *t);

static inline uint64_t mac_pack(const uint8_t mac[6])
{
	uint64_t v = 1ull << 63;

	for (int i = 0; i < 6; i++)
		v |= (uint64_t)mac[i] << (8 * (5 - i));
	return v;
}

static inline bool mac_unpack(uint64_t v, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)(v >> (8 * (5 - i)));
	return v >> 63;
}

#endif /* XDPSEC_SA_TABLE_H */
