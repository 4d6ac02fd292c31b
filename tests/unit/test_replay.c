// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The RFC 6479 anti-replay window and RFC 4303 A2.2 ESN inference: in-order
 * and reordered arrival, duplicates, the window's edge, jumps past the whole
 * ring, a randomised run against a plain reference model, and the high-half
 * inference on both sides of a 2^32 boundary.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "replay.h"

enum { W = ESP_REPLAY_WINDOW };

/* Checks, accepts, and checks that a second copy is refused. */
static void accept_once(struct replay_window *w, uint64_t seq)
{
	assert_true(replay_check(w, seq));
	replay_update(w, seq);
	assert_false(replay_check(w, seq));
}

static void test_seq_zero_never_accepted(void **state)
{
	struct replay_window w;

	(void)state;
	replay_init(&w);
	assert_false(replay_check(&w, 0));
	accept_once(&w, 1);
	assert_false(replay_check(&w, 0));
	accept_once(&w, 5000);
	assert_false(replay_check(&w, 0));
}

static void test_in_order(void **state)
{
	struct replay_window w;
	uint64_t seq;

	(void)state;
	replay_init(&w);
	for (seq = 1; seq <= 5 * W; seq++)
		accept_once(&w, seq);
	assert_int_equal(w.top, 5 * W);
	for (seq = 4 * W + 1; seq <= 5 * W; seq++)
		assert_false(replay_check(&w, seq));
}

static void test_reordered_within_window(void **state)
{
	static const uint64_t order[] = { 100, 50, 99, 1, 2, 101, 75, 3, 200, 150 };
	struct replay_window w;
	size_t i;

	(void)state;
	replay_init(&w);
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		accept_once(&w, order[i]);
	assert_int_equal(w.top, 200);
	/* Numbers never seen inside the window are still welcome. */
	assert_true(replay_check(&w, 4));
	assert_true(replay_check(&w, 199));
	/* Every one seen is a duplicate now. */
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		assert_false(replay_check(&w, order[i]));
}

static void test_window_edge(void **state)
{
	struct replay_window w;
	uint64_t top = 3 * W + 17;

	(void)state;
	replay_init(&w);
	accept_once(&w, top);
	/* The window is (top - W, top]: W numbers, the top included. */
	assert_true(replay_check(&w, top - (W - 1)));
	assert_false(replay_check(&w, top - W));
	assert_false(replay_check(&w, top - W - 1));
	accept_once(&w, top - (W - 1));
	/* One step of the top pushes the old edge out. */
	accept_once(&w, top + 1);
	assert_false(replay_check(&w, top - (W - 1)));
	assert_true(replay_check(&w, top - (W - 2)));
}

static void test_too_old(void **state)
{
	struct replay_window w;

	(void)state;
	replay_init(&w);
	accept_once(&w, 10 * W);
	assert_false(replay_check(&w, 100));
	assert_false(replay_check(&w, 1));
	assert_false(replay_check(&w, 9 * W));
	assert_true(replay_check(&w, 9 * W + 1));
}

static void test_duplicates(void **state)
{
	struct replay_window w;
	uint64_t seq;

	(void)state;
	replay_init(&w);
	for (seq = 1; seq <= 300; seq += 3)
		accept_once(&w, seq);
	for (seq = 1; seq <= 300; seq++)
		assert_int_equal(replay_check(&w, seq), seq % 3 != 1);
}

/* Fills a window, jumps by `jump`, and expects exactly the right history. */
static void jump_and_verify(uint64_t jump)
{
	struct replay_window w;
	uint64_t start = 7 * W + 5, top = start + jump, seq;

	replay_init(&w);
	for (seq = start - W + 1; seq <= start; seq++)
		accept_once(&w, seq);
	accept_once(&w, top);
	for (seq = top > W ? top - W + 1 : 1; seq < top; seq++)
		assert_int_equal(replay_check(&w, seq), seq > start);
	assert_false(replay_check(&w, top - W));
}

static void test_far_ahead_clears_bitmap(void **state)
{
	static const uint64_t jumps[] = {
		1, 63, 64, 65, W - 1, W, W + 1, W + 63, W + 64, W + 65, 2 * W, 100 * W,
		(uint64_t)1 << 40,
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(jumps) / sizeof(jumps[0]); i++)
		jump_and_verify(jumps[i]);
}

/* Random arrivals around a drifting top against a brute-force model. */
static void test_matches_reference_model(void **state)
{
	enum { SPACE = 1 << 16, ROUNDS = 200000 };
	bool *seen = calloc(SPACE, sizeof(*seen));
	struct replay_window w;
	uint64_t top = 0;
	unsigned int i;

	(void)state;
	assert_non_null(seen);
	replay_init(&w);
	srand(6479);
	for (i = 0; i < ROUNDS && top < SPACE - 4 * W; i++) {
		/* Mostly near the top, some behind the window, some far ahead. */
		int64_t offset = rand() % (3 * W) - 2 * W;
		uint64_t seq;
		bool expect;

		if (rand() % 1000 == 0)
			offset = rand() % (3 * W);
		seq = (int64_t)top + offset < 0 ? 0 : (uint64_t)((int64_t)top + offset);
		expect = seq != 0 && !seen[seq] && (seq > top || top - seq < W);
		assert_int_equal(replay_check(&w, seq), expect);
		if (expect) {
			replay_update(&w, seq);
			seen[seq] = true;
			if (seq > top)
				top = seq;
		}
		assert_int_equal(w.top, top);
	}
	free(seen);
}

static uint64_t infer(uint64_t top, uint32_t seq_lo)
{
	struct replay_window w;

	replay_init(&w);
	if (top)
		replay_update(&w, top);
	return replay_esn_infer(&w, seq_lo);
}

#define SEQ(hi, lo) ((uint64_t)(hi) << 32 | (uint32_t)(lo))

/* RFC 4303 A2.2, case Tl >= W - 1: the window sits inside one subspace. */
static void test_esn_infer_window_in_one_subspace(void **state)
{
	uint64_t top = SEQ(5, 5000);

	(void)state;
	assert_int_equal(infer(top, 5000 - (W - 1)), SEQ(5, 5000 - (W - 1)));	/* bottom */
	assert_int_equal(infer(top, 5000 - W), SEQ(6, 5000 - W));	/* below: next subspace */
	assert_int_equal(infer(top, 0), SEQ(6, 0));
	assert_int_equal(infer(top, 4999), SEQ(5, 4999));
	assert_int_equal(infer(top, 6000), SEQ(5, 6000));
	assert_int_equal(infer(top, UINT32_MAX), SEQ(5, UINT32_MAX));
	/* Tl = W - 1 exactly: the window is [0, W - 1], all in this subspace. */
	assert_int_equal(infer(SEQ(5, W - 1), 0), SEQ(5, 0));
	assert_int_equal(infer(SEQ(5, W - 1), UINT32_MAX), SEQ(5, UINT32_MAX));
	/* Tl = W: the bottom is 1, so only 0 is in the next subspace. */
	assert_int_equal(infer(SEQ(5, W), 0), SEQ(6, 0));
	assert_int_equal(infer(SEQ(5, W), 1), SEQ(5, 1));
	/* No subspace past the last: the top's high half stays. */
	assert_int_equal(infer(SEQ(UINT32_MAX, 5000), 3), SEQ(UINT32_MAX, 3));
}

/* RFC 4303 A2.2, case Tl < W - 1: the window straddles two subspaces. */
static void test_esn_infer_window_straddles(void **state)
{
	uint64_t top = SEQ(5, 10);
	uint32_t bottom_lo = (uint32_t)(10 - (W - 1));	/* mod 2^32 */

	(void)state;
	assert_int_equal(infer(top, bottom_lo), SEQ(4, bottom_lo));
	assert_int_equal(infer(top, UINT32_MAX), SEQ(4, UINT32_MAX));
	assert_int_equal(infer(top, bottom_lo - 1), SEQ(5, bottom_lo - 1));	/* far ahead */
	assert_int_equal(infer(top, 0), SEQ(5, 0));
	assert_int_equal(infer(top, 10), SEQ(5, 10));
	assert_int_equal(infer(top, 11), SEQ(5, 11));
	assert_int_equal(infer(SEQ(5, W - 2), UINT32_MAX), SEQ(4, UINT32_MAX));
	/* At the start there is no earlier subspace. */
	assert_int_equal(infer(0, 1), 1);
	assert_int_equal(infer(0, UINT32_MAX), UINT32_MAX);
	assert_int_equal(infer(7, UINT32_MAX - 3), UINT32_MAX - 3);
}

/* A receiver following a sender across 2^32 with late packets from before. */
static void test_esn_wrap_across_2_32(void **state)
{
	struct replay_window w;
	uint64_t seq;

	(void)state;
	replay_init(&w);
	for (seq = SEQ(0, UINT32_MAX - 20); seq <= SEQ(0, UINT32_MAX - 2); seq += 2)
		accept_once(&w, replay_esn_infer(&w, (uint32_t)seq));
	/* The sender wraps the low half; the receiver follows. */
	seq = replay_esn_infer(&w, 0);
	assert_int_equal(seq, SEQ(1, 0));
	accept_once(&w, seq);
	seq = replay_esn_infer(&w, 1);
	assert_int_equal(seq, SEQ(1, 1));
	accept_once(&w, seq);
	/* A late packet from before the wrap lands in the old subspace. */
	seq = replay_esn_infer(&w, UINT32_MAX - 1);
	assert_int_equal(seq, SEQ(0, UINT32_MAX - 1));
	accept_once(&w, seq);
	/* And a replay of one already taken is refused. */
	seq = replay_esn_infer(&w, UINT32_MAX - 2);
	assert_int_equal(seq, SEQ(0, UINT32_MAX - 2));
	assert_false(replay_check(&w, seq));
	assert_int_equal(w.top, SEQ(1, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seq_zero_never_accepted),
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_reordered_within_window),
		cmocka_unit_test(test_window_edge),
		cmocka_unit_test(test_too_old),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_far_ahead_clears_bitmap),
		cmocka_unit_test(test_matches_reference_model),
		cmocka_unit_test(test_esn_infer_window_in_one_subspace),
		cmocka_unit_test(test_esn_infer_window_straddles),
		cmocka_unit_test(test_esn_wrap_across_2_32),
	};

	return cmocka_run_group_tests_name("replay", tests, NULL, NULL);
}
