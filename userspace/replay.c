// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * RFC 6479 anti-replay window.  Sequence number s lives at bit s % 64 of
 * block (s / 64) % REPLAY_BLOCKS.  The window covers (top - W, top] with
 * W = ESP_REPLAY_WINDOW; those W numbers touch at most W/64 + 1 blocks, which
 * is exactly the ring's size, so no two live numbers share a bit.  Moving
 * the top forward zeroes the blocks it enters, at most the whole ring,
 * however far it jumps.
 */
#include "replay.h"

#include <string.h>

static uint64_t block_of(uint64_t seq)
{
	return seq / REPLAY_BLOCK_BITS;
}

static uint64_t *block_ptr(struct replay_window *w, uint64_t seq)
{
	return &w->bitmap[block_of(seq) % REPLAY_BLOCKS];
}

static uint64_t bit_of(uint64_t seq)
{
	return 1ULL << (seq % REPLAY_BLOCK_BITS);
}

void replay_init(struct replay_window *w)
{
	memset(w, 0, sizeof(*w));
}

void replay_reset(struct replay_window *w, uint64_t top)
{
	replay_init(w);
	if (top)
		replay_update(w, top);
}

bool replay_check(const struct replay_window *w, uint64_t seq)
{
	if (seq == 0)
		return false;
	if (seq > w->top)
		return true;
	if (w->top - seq >= ESP_REPLAY_WINDOW)
		return false;
	return !(w->bitmap[block_of(seq) % REPLAY_BLOCKS] & bit_of(seq));
}

/* Zeroes the blocks between the old top's block (exclusive) and seq's. */
static void slide_to(struct replay_window *w, uint64_t seq)
{
	uint64_t entered = block_of(seq) - block_of(w->top);
	uint64_t i;

	if (entered > REPLAY_BLOCKS)
		entered = REPLAY_BLOCKS;
	for (i = 1; i <= entered; i++)
		w->bitmap[(block_of(w->top) + i) % REPLAY_BLOCKS] = 0;
	w->top = seq;
}

void replay_update(struct replay_window *w, uint64_t seq)
{
	if (seq > w->top)
		slide_to(w, seq);
	*block_ptr(w, seq) |= bit_of(seq);
}

uint64_t replay_esn_infer(const struct replay_window *w, uint32_t seq_lo)
{
	const uint32_t win = ESP_REPLAY_WINDOW;
	uint32_t top_lo = (uint32_t)w->top;
	uint32_t top_hi = (uint32_t)(w->top >> 32);
	uint32_t bottom_lo = top_lo - win + 1;	/* the window's bottom, mod 2^32 */
	uint32_t seq_hi = top_hi;

	if (top_lo >= win - 1) {
		/* The window lies within one 2^32 subspace: a number below its
		 * bottom must come from the next subspace. */
		if (seq_lo < bottom_lo && top_hi != UINT32_MAX)
			seq_hi = top_hi + 1;
	} else {
		/* The window straddles two subspaces: a number at or above its
		 * bottom belongs to the previous one. */
		if (seq_lo >= bottom_lo && top_hi != 0)
			seq_hi = top_hi - 1;
	}
	return (uint64_t)seq_hi << 32 | seq_lo;
}
