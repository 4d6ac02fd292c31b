// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Slot-indexed SA table shared by the control thread (writer) and the
 * workers (lock-free readers), with epoch-based reclamation; see sa_table.h.
 */
#include "sa_table.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>

int sa_table_init(struct sa_table *t, unsigned int max)
{
	t->max = max;
	t->slots = calloc(max, sizeof(*t->slots));
	t->epochs = NULL;
	t->n_workers = 0;
	atomic_init(&t->seen_total, 0);
	return t->slots ? 0 : -ENOMEM;
}

void sa_table_fini(struct sa_table *t)
{
	free(t->slots);
	t->slots = NULL;
}

void sa_table_publish(struct sa_table *t, struct xs_sa *sa)
{
	atomic_store_explicit(&t->slots[sa->slot], sa, memory_order_release);
}

static void wait_for_worker(struct worker_epoch *w)
{
	uint64_t seen = atomic_load(&w->epoch);
	struct timespec pause = { .tv_nsec = 50 * 1000 };

	while (!atomic_load(&w->sleeping) && atomic_load(&w->epoch) == seen)
		nanosleep(&pause, NULL);
}

void sa_table_synchronize(struct sa_table *t)
{
	for (unsigned int i = 0; i < t->n_workers; i++)
		wait_for_worker(&t->epochs[i]);
}

struct xs_sa *sa_table_retract(struct sa_table *t, uint32_t slot)
{
	struct xs_sa *sa;

	if (slot >= t->max)
		return NULL;
	sa = atomic_exchange(&t->slots[slot], NULL);
	sa_table_synchronize(t);
	return sa;
}
