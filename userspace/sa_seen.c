// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Noting authenticated ESP from a new source (see sa_seen.h; the workers
 * call it through sa_decap in sa_table.h, so only packets that passed the
 * ICV and replay checks are ever noted): a sequence count with one writer
 * at a time (a worker that finds another one writing skips: the next
 * packet notes it), and readers that retry.
 */
#include "sa_seen.h"

enum { READ_TRIES = 64 };

void sa_seen_note(struct sa_seen *s, const struct outer_info *oi, _Atomic uint64_t *total)
{
	uint32_t seq = atomic_load_explicit(&s->seq, memory_order_acquire);
	uint16_t port = ntohs(oi->sport);

	if (!oi->sport || (seq & 1))
		return;		/* raw ESP on a UDP SA, or another worker is writing */
	if (s->family == oi->family && s->port == port && !memcmp(s->addr, oi->saddr, 16))
		return;		/* noted already: no write per packet */
	if (!atomic_compare_exchange_strong_explicit(&s->seq, &seq, seq + 1,
						     memory_order_acquire, memory_order_relaxed))
		return;
	s->family = oi->family;
	memcpy(s->addr, oi->saddr, sizeof(s->addr));
	s->port = port;
	atomic_fetch_add_explicit(&s->changes, 1, memory_order_relaxed);
	atomic_store_explicit(&s->seq, seq + 2, memory_order_release);
	if (total)
		atomic_fetch_add_explicit(total, 1, memory_order_release);
}

void sa_seen_read(struct sa_seen *s, struct dp_sa_info *out)
{
	uint32_t before, after;

	memset(&out->seen_src, 0, sizeof(out->seen_src));
	out->seen_sport = 0;
	for (int i = 0; i < READ_TRIES; i++) {
		before = atomic_load_explicit(&s->seq, memory_order_acquire);
		if (before & 1)
			continue;
		out->seen_src.family = s->family;
		memcpy(out->seen_src.addr, s->addr, sizeof(out->seen_src.addr));
		out->seen_sport = s->port;
		atomic_thread_fence(memory_order_acquire);
		after = atomic_load_explicit(&s->seq, memory_order_relaxed);
		if (before == after)
			break;
		out->seen_src.family = 0;	/* torn: try again, or report nothing */
	}
	out->seen_changes = atomic_load_explicit(&s->changes, memory_order_relaxed);
}

void sa_seen_carry(struct sa_seen *to, struct sa_seen *from)
{
	atomic_store_explicit(&to->seq, 0, memory_order_relaxed);
	to->family = 0;
	memset(to->addr, 0, sizeof(to->addr));
	to->port = 0;
	atomic_store_explicit(&to->changes, atomic_load(&from->changes), memory_order_relaxed);
}
