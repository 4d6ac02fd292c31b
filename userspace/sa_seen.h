/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Where an inbound ESP-in-UDP SA's authenticated packets come from when
 * that is not the peer the SA was installed (or last moved) with: the
 * peer's NAT rebound its mapping, and the data plane sees it before any
 * IKE message comes from there.  The data plane never moves an SA on its
 * own (anyone can replay ESP from elsewhere): it only tells the daemon,
 * whose IKE engine checks the new endpoint first (ike_esp_follow.c).
 *
 *   worker, per packet that passed ICV and replay checks:
 *     sa_seen_check   one compare with the recorded peer; only a source
 *                     that differs from it and from the last one noted is
 *                     written (under a sequence count) and counted, per SA
 *                     and in the table's seen_total
 *   control thread:
 *     sa_seen_read    into dp_sa_info (get_sa / list_sas); seen_total tells
 *                     the IKE engine whether list_sas has news at all
 *     sa_seen_carry   update_sa_addrs' copy: nothing seen, count kept
 */
#ifndef XDPSEC_SA_SEEN_H
#define XDPSEC_SA_SEEN_H

#include <arpa/inet.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "dataplane.h"
#include "packet.h"

struct sa_seen {
	_Atomic uint32_t seq;		/* odd while a worker writes */
	uint8_t family;			/* 0: nothing seen */
	uint8_t addr[16];
	uint16_t port;			/* host order */
	_Atomic uint64_t changes;	/* how many times a new source was noted */
};

/*
 * The slow path of sa_seen_check: a source that is not the recorded peer.
 * total (the data plane's count over all SAs) moves with each one noted.
 */
void sa_seen_note(struct sa_seen *s, const struct outer_info *oi, _Atomic uint64_t *total);

/* peer: the SA's recorded addresses (inbound: src/sport are the peer's). */
static inline void sa_seen_check(struct sa_seen *s, const struct dp_sa_info *peer,
				 const struct outer_info *oi, _Atomic uint64_t *total)
{
	size_t alen = peer->src.family == XS_AF_INET ? 4 : 16;

	if (__builtin_expect(!peer->sport || (oi->sport == htons(peer->sport) &&
					      !memcmp(oi->saddr, peer->src.addr, alen)), 1))
		return;
	sa_seen_note(s, oi, total);
}

/* The last source noted (seen_src, seen_sport) and the count into out. */
void sa_seen_read(struct sa_seen *s, struct dp_sa_info *out);
/* to (a copy of from, not yet published) starts with nothing seen, from's count. */
void sa_seen_carry(struct sa_seen *to, struct sa_seen *from);

#endif /* XDPSEC_SA_SEEN_H */
