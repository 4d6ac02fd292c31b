// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The workers' note of authenticated ESP from a new outer source
 * (sa_seen.h, sa_decap): only packets that pass the ICV and replay checks
 * count, only a source other than the recorded peer, each new source once;
 * update_sa_addrs' copy starts clean; readers never see half a source while
 * workers write.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "esp.h"
#include "sa_table.h"
#include "selector.h"

enum { NH_IPV4 = 4, SPI = 0x1234abcd, PEER_PORT = 14500, NEW_PORT = 24500, BUF = 512 };

struct fixture {
	struct sa_table table;		/* only its seen_total is used */
	struct xs_sa *sa;		/* inbound, from 198.51.100.7:14500 */
	struct esp_sa *tx;		/* the peer's outbound half */
	uint8_t frame[BUF];		/* the last packet sealed */
	struct outer_info oi;
};

static struct esp_sa *esp_new(enum esp_direction dir)
{
	struct esp_sa_params p = { .spi = SPI, .direction = dir, .alg = ESP_ALG_AES_GCM_128,
				   .key_len = 20 };
	char err[128];
	struct esp_sa *sa;

	memset(p.key, 0x5a, p.key_len);
	sa = esp_sa_new(&p, err, sizeof(err));
	assert_non_null(sa);
	return sa;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->sa = calloc(1, sizeof(*f->sa));
	assert_non_null(f->sa);
	f->sa->info.spi = SPI;
	f->sa->info.dir = XS_DIR_IN;
	assert_int_equal(addr_parse("198.51.100.7", &f->sa->info.src), 0);
	assert_int_equal(addr_parse("10.77.0.1", &f->sa->info.dst), 0);
	f->sa->info.sport = PEER_PORT;
	f->sa->info.dport = 4500;
	f->sa->esp = esp_new(ESP_DIR_INBOUND);
	f->tx = esp_new(ESP_DIR_OUTBOUND);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	esp_sa_free(f->sa->esp);
	esp_sa_free(f->tx);
	free(f->sa);
	free(f);
	return 0;
}

/* The peer's next packet into f->frame, as if from addr:port (0: raw ESP). */
static void seal(struct fixture *f, const char *addr, uint16_t port)
{
	uint8_t *inner = f->frame + 128, *esp;
	struct dp_addr a;
	size_t len;

	memset(inner, 0x45, 40);
	assert_int_equal(esp_encap(f->tx, inner, 40, NH_IPV4, &esp, &len), ESP_OK);
	assert_int_equal(addr_parse(addr, &a), 0);
	memset(&f->oi, 0, sizeof(f->oi));
	f->oi.family = a.family;
	memcpy(f->oi.saddr, a.addr, sizeof(f->oi.saddr));
	f->oi.sport = htons(port);
	f->oi.esp_off = (uint16_t)(esp - f->frame);
	f->oi.esp_len = (uint16_t)len;
}

/* The same packet (a copy: decryption works in place) now from addr:port. */
static void resend_from(struct fixture *f, const uint8_t *copy, const char *addr, uint16_t port)
{
	struct dp_addr a;

	memcpy(f->frame, copy, BUF);
	assert_int_equal(addr_parse(addr, &a), 0);
	memcpy(f->oi.saddr, a.addr, sizeof(f->oi.saddr));
	f->oi.sport = htons(port);
}

static int decap(struct fixture *f)
{
	uint8_t *inner, nh;
	size_t len;

	return sa_decap(&f->table, f->sa, &f->oi, f->frame, &inner, &len, &nh);
}

static struct dp_sa_info seen(struct fixture *f)
{
	struct dp_sa_info info;

	memset(&info, 0xee, sizeof(info));
	sa_seen_read(&f->sa->seen, &info);
	return info;
}

static void assert_seen(struct fixture *f, const char *addr, uint16_t port, uint64_t changes)
{
	struct dp_sa_info i = seen(f);
	char a[64];

	assert_int_equal(i.seen_changes, changes);
	assert_int_equal(atomic_load(&f->table.seen_total), changes);
	if (!addr) {
		assert_int_equal(i.seen_src.family, 0);
		return;
	}
	assert_string_equal(addr_format(&i.seen_src, a, sizeof(a)), addr);
	assert_int_equal(i.seen_sport, port);
}

/* From the recorded peer: nothing.  From a new port: noted once, however many come. */
static void test_new_port_noted_once(void **state)
{
	struct fixture *f = *state;

	seal(f, "198.51.100.7", PEER_PORT);
	assert_int_equal(decap(f), ESP_OK);
	assert_seen(f, NULL, 0, 0);
	for (int i = 0; i < 3; i++) {
		seal(f, "198.51.100.7", NEW_PORT);
		assert_int_equal(decap(f), ESP_OK);
		assert_seen(f, "198.51.100.7", NEW_PORT, 1);
	}
	/* the peer's stragglers from the old port change nothing */
	seal(f, "198.51.100.7", PEER_PORT);
	assert_int_equal(decap(f), ESP_OK);
	assert_seen(f, "198.51.100.7", NEW_PORT, 1);
	/* another address altogether */
	seal(f, "203.0.113.9", PEER_PORT);
	assert_int_equal(decap(f), ESP_OK);
	assert_seen(f, "203.0.113.9", PEER_PORT, 2);
}

/* A broken ICV or a replayed packet from elsewhere is never noted. */
static void test_unauthenticated_not_noted(void **state)
{
	struct fixture *f = *state;
	uint8_t copy[BUF];

	seal(f, "198.51.100.7", PEER_PORT);
	memcpy(copy, f->frame, BUF);
	assert_int_equal(decap(f), ESP_OK);
	/* an attacker replays it from its own address */
	resend_from(f, copy, "203.0.113.66", 40000);
	assert_int_equal(decap(f), ESP_ERR_REPLAY);
	assert_seen(f, NULL, 0, 0);
	/* or forges one (a fresh packet, its ICV broken) */
	seal(f, "203.0.113.66", 40001);
	f->frame[f->oi.esp_off + f->oi.esp_len - 1] ^= 1;
	assert_int_equal(decap(f), ESP_ERR_AUTH);
	assert_seen(f, NULL, 0, 0);
	/* or a fresh one with a wrong SPI's worth of garbage: malformed */
	seal(f, "203.0.113.66", 40002);
	f->oi.esp_len = 7;
	assert_true(decap(f) != ESP_OK);
	assert_seen(f, NULL, 0, 0);
}

/* Raw ESP, and SAs without UDP encapsulation, are not watched. */
static void test_raw_esp_ignored(void **state)
{
	struct fixture *f = *state;

	seal(f, "198.51.100.7", 0);
	assert_int_equal(decap(f), ESP_OK);
	assert_seen(f, NULL, 0, 0);
	f->sa->info.sport = f->sa->info.dport = 0;
	seal(f, "203.0.113.9", 4500);
	assert_int_equal(decap(f), ESP_OK);
	assert_seen(f, NULL, 0, 0);
}

/* update_sa_addrs' copy: the new peer recorded, nothing seen yet, the count kept. */
static void test_carry(void **state)
{
	struct fixture *f = *state;
	struct xs_sa *old = f->sa, *moved = malloc(sizeof(*moved));

	assert_non_null(moved);
	seal(f, "198.51.100.7", NEW_PORT);
	assert_int_equal(decap(f), ESP_OK);
	memcpy(moved, old, sizeof(*moved));	/* as dp_bpf.c's update_sa_addrs */
	sa_seen_carry(&moved->seen, &old->seen);
	moved->info.sport = NEW_PORT;
	f->sa = moved;
	free(old);
	assert_seen(f, NULL, 0, 1);
	seal(f, "198.51.100.7", NEW_PORT);
	assert_int_equal(decap(f), ESP_OK);
	assert_seen(f, NULL, 0, 1);
	seal(f, "198.51.100.7", PEER_PORT);	/* and back */
	assert_int_equal(decap(f), ESP_OK);
	assert_seen(f, "198.51.100.7", PEER_PORT, 2);
}

/* ---- workers writing while the daemon reads ---- */

enum { WRITERS = 2, NOTES = 20000 };

struct race {
	struct sa_seen seen;
	_Atomic uint64_t total;
};

/* Sources whose 16 address bytes and port all carry one value: a torn read shows. */
static void *writer(void *arg)
{
	struct race *r = arg;
	struct outer_info oi = { .family = XS_AF_INET6 };

	for (unsigned int i = 0; i < NOTES; i++) {
		uint8_t v = (uint8_t)(1 + i % 200);

		memset(oi.saddr, v, sizeof(oi.saddr));
		oi.sport = htons(v);
		sa_seen_note(&r->seen, &oi, &r->total);
	}
	return NULL;
}

static void test_no_torn_reads(void **state)
{
	struct race *r = calloc(1, sizeof(*r));
	pthread_t t[WRITERS];
	unsigned int reads = 0;

	(void)state;
	assert_non_null(r);
	for (int i = 0; i < WRITERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, writer, r), 0);
	for (unsigned int n = 0; n < NOTES; n++) {
		struct dp_sa_info info;

		sa_seen_read(&r->seen, &info);
		if (!info.seen_src.family)
			continue;
		reads++;
		for (int b = 0; b < 16; b++)
			assert_int_equal(info.seen_src.addr[b], info.seen_sport);
	}
	for (int i = 0; i < WRITERS; i++)
		pthread_join(t[i], NULL);
	assert_true(atomic_load(&r->seen.changes) > 0);
	assert_int_equal(atomic_load(&r->total), atomic_load(&r->seen.changes));
	assert_true(atomic_load(&r->seen.seq) % 2 == 0);
	(void)reads;
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_port_noted_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unauthenticated_not_noted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raw_esp_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_carry, setup, teardown),
		cmocka_unit_test(test_no_torn_reads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
