/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Inbound anti-replay window (RFC 4303 3.4.3) over 64-bit sequence numbers,
 * kept as an RFC 6479 ring of 64-bit blocks: ESP_REPLAY_WINDOW bits of
 * history plus one spare block, so that sliding the window only ever zeroes
 * whole blocks and never shifts bits.  Also infers the high half of an
 * extended sequence number from the low half on the wire (RFC 4303 A2.2).
 *
 * Not locked: the owner (one SA's decap path) serialises access.  The
 * caller checks before verifying the ICV and updates only after it verified,
 * so a forged packet never moves the window.
 */
#ifndef XDPSEC_REPLAY_H
#define XDPSEC_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "esp.h"

enum {
	REPLAY_BLOCK_BITS = 64,
	REPLAY_BLOCKS = ESP_REPLAY_WINDOW / REPLAY_BLOCK_BITS + 1,
};

_Static_assert(ESP_REPLAY_WINDOW % REPLAY_BLOCK_BITS == 0,
	       "the replay window must be a whole number of blocks");

struct replay_window {
	uint64_t top;			/* highest number accepted; 0 = none */
	/* seq is bit seq % 64 of bitmap[(seq / 64) % REPLAY_BLOCKS] */
	uint64_t bitmap[REPLAY_BLOCKS];
};

/* Empties the window: nothing seen, top = 0. */
void replay_init(struct replay_window *w);

/* Restarts the window at top: top counts as seen, nothing else does. */
void replay_reset(struct replay_window *w, uint64_t top);

/*
 * True if seq may be accepted: not 0, not seen before, and not older than
 * the window (top - seq < ESP_REPLAY_WINDOW).  Changes nothing.
 */
bool replay_check(const struct replay_window *w, uint64_t seq);

/* Marks seq as received, sliding the window if seq is past the top.  Call
 * only after replay_check(w, seq) passed and the packet's ICV verified. */
void replay_update(struct replay_window *w, uint64_t seq);

/*
 * The full 64-bit sequence number that seq_lo most likely stands for, given
 * the window's top (RFC 4303 Appendix A2.2, window size ESP_REPLAY_WINDOW).
 * A number that would fall before 0 or past 2^64 - 1 keeps the top's high
 * half; such a packet then fails the replay check or the ICV.
 */
uint64_t replay_esn_infer(const struct replay_window *w, uint32_t seq_lo);

#endif /* XDPSEC_REPLAY_H */
