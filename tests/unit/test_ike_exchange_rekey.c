// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Lifetimes between two engines in one process (harness:
 * ike_exchange_harness.h): Child SA rekeys from either side with and
 * without PFS, IKE SA rekeys, simultaneous rekeys (RFC 7296 2.8.1), a rekey
 * crossing a delete (2.25), hard lifetimes, byte limits from the data-plane
 * counters, the jitter that spreads a fleet's rekeys, and DPD that probes
 * idle tunnels only.  net->watch checks after every data-plane change that
 * each side's traffic goes into an SA the other side can decrypt.
 */
#include "ike_exchange_conf.h"

#include "ike_xchg.h"

#define PSK "this-is-the-fleet-psk-0123456789"

#define R_GW(esp, conn_extra, child_extra) \
	"connections { gw {\n" \
	"  local_addrs = 10.77.0.1\n" \
	"  proposals = " GCM128 "\n" \
	"  " conn_extra "\n" \
	"  local { auth = psk\n id = gw.example }\n" \
	"  remote { auth = psk\n id = *@devices.example }\n" \
	"  children {\n" \
	"    net { local_ts = 10.1.0.0/24\n remote_ts = 10.200.0.0/16\n esp_proposals = " esp "\n" \
	"          " child_extra " }\n" \
	"  }\n" \
	"} }\n" \
	"secrets { ike-fleet { id-gw = gw.example\n id-dev = *@devices.example\n" \
	"  secret = " PSK " } }\n"

#define R_DEV(esp, conn_extra, child_extra) \
	"connections { dev {\n" \
	"  local_addrs = 10.77.0.2\n" \
	"  remote_addrs = 10.77.0.1\n" \
	"  proposals = " GCM128 "\n" \
	"  " conn_extra "\n" \
	"  local { auth = psk\n id = dev1@devices.example }\n" \
	"  remote { auth = psk\n id = gw.example }\n" \
	"  children {\n" \
	"    net { local_ts = 10.200.1.0/24\n remote_ts = 10.1.0.0/16\n esp_proposals = " esp "\n" \
	"          " child_extra " }\n" \
	"  }\n" \
	"} }\n" \
	"secrets { ike-dev { id = dev1@devices.example\n secret = " PSK " } }\n"

#define NO_REKEY "rekey_time = 0s\n life_time = 0s"
#define REKEY_10 "rekey_time = 10s\n life_time = 15s\n rand_time = 0s"
#define IKE_NO_REKEY "rekey_time = 0s"
#define IKE_REKEY_10 "rekey_time = 10s\n over_time = 5s\n rand_time = 0s"

/* Time passes in 100 ms ticks. */
static void run_for(struct net *net, uint64_t ms)
{
	for (uint64_t t = 0; t < ms; t += 100)
		advance(net, 100);
}

static struct net *up(const char *dev, const char *gw)
{
	struct net *net = pair(dev, gw, false);

	initiate(net, "net");
	check_established(net, 2);
	net->watch = true;
	return net;
}

/* Exactly one SA pair on each side, matching, traffic routed into it. */
static void check_one_pair(struct net *net)
{
	assert_int_equal(spy_count(&net->p[DEV].spy), 2);
	assert_int_equal(spy_count(&net->p[GW].spy), 2);
	check_sa_pairs(net);
	assert_int_equal(net->gaps, 0);
	for (int i = 0; i < 2; i++) {
		struct xs_selector sel;
		uint32_t slot;

		assert_int_equal(dp_fake_policy_count(net->p[i].spy.inner), 1);
		assert_int_equal(dp_fake_policy_get(net->p[i].spy.inner, 0, &sel, &slot), 0);
		assert_ptr_equal(&net->p[i].spy.sa[slot], spy_first(&net->p[i].spy, XS_DIR_OUT));
	}
}

static void done(struct net *net)
{
	net->watch = false;
	net_free(net);
}

/* Each side has one IKE SA. */
static void check_one_ike_sa(struct net *net)
{
	assert_int_equal(stats_of(net, DEV).ike_sas_established, 1);
	assert_int_equal(stats_of(net, GW).ike_sas_established, 1);
}

/* Each side saw one rekey collision. */
static void check_collided(struct net *net)
{
	assert_int_equal(stats_of(net, DEV).rekey_collisions, 1);
	assert_int_equal(stats_of(net, GW).rekey_collisions, 1);
}

/* xdpsecctl rekey on side: the Child SA (or with ike, the IKE SA) name; it starts. */
static void operator_rekey(struct net *net, int side, const char *name, bool ike)
{
	char err[128] = "";

	assert_int_equal(ike_engine_rekey(net->p[side].e, name, ike, net->now, err, sizeof(err)),
			 1);
}

/*
 *   CREATE_CHILD_SA { N(REKEY_SA), SA, Ni, [KEi], TSi, TSr }  -->
 *                      <--  CREATE_CHILD_SA { SA, Nr, [KEr], TSi, TSr }
 *   (1 s later)  INFORMATIONAL { D(ESP, old) }  -->
 *                      <--  INFORMATIONAL { D(ESP, old) }
 */
static void child_rekey(const char *dev, const char *gw, int initiator)
{
	struct net *net = up(dev, gw);
	uint32_t old_in = spy_first(&net->p[DEV].spy, XS_DIR_IN)->spi;

	run_for(net, 9900);
	assert_int_equal(stats_of(net, initiator).child_sas_rekeyed, 0);
	run_for(net, 200);
	assert_int_equal(stats_of(net, DEV).child_sas_rekeyed, 1);
	assert_int_equal(stats_of(net, GW).child_sas_rekeyed, 1);
	/* both pairs in while the old one drains */
	assert_int_equal(spy_count(&net->p[initiator].spy), 4);
	run_for(net, 1500);
	check_one_pair(net);
	assert_true(net->checks > 10);	/* the flows were watched through it */
	assert_int_not_equal(spy_first(&net->p[DEV].spy, XS_DIR_IN)->spi, old_in);
	/* and again, and again: the new pair has its own lifetime */
	run_for(net, 20000);
	assert_int_equal(stats_of(net, DEV).child_sas_rekeyed, 3);
	check_one_pair(net);
	assert_int_equal(stats_of(net, DEV).child_sas_expired, 0);
	assert_int_equal(stats_of(net, GW).rekey_collisions, 0);
	assert_int_equal(stats_of(net, DEV).ike_sas_established, 1);
	done(net);
}

static void test_child_rekey_by_dev(void **state)
{
	(void)state;
	child_rekey(R_DEV("aes128gcm16", IKE_NO_REKEY, REKEY_10),
		    R_GW("aes128gcm16", IKE_NO_REKEY, NO_REKEY), DEV);
}

static void test_child_rekey_by_gw(void **state)
{
	(void)state;
	child_rekey(R_DEV("aes128gcm16", IKE_NO_REKEY, NO_REKEY),
		    R_GW("aes128gcm16", IKE_NO_REKEY, REKEY_10), GW);
}

static void test_child_rekey_pfs_by_dev(void **state)
{
	(void)state;
	child_rekey(R_DEV("aes128gcm16-x25519", IKE_NO_REKEY, REKEY_10),
		    R_GW("aes128gcm16-x25519", IKE_NO_REKEY, NO_REKEY), DEV);
}

static void test_child_rekey_pfs_by_gw(void **state)
{
	(void)state;
	child_rekey(R_DEV("aes128gcm16-modp3072", IKE_NO_REKEY, NO_REKEY),
		    R_GW("aes128gcm16-modp3072", IKE_NO_REKEY, REKEY_10), GW);
}

/*
 *   CREATE_CHILD_SA { SA(IKE, SPIi'), Ni, KEi }  -->
 *                      <--  CREATE_CHILD_SA { SA(IKE, SPIr'), Nr, KEr }
 *   INFORMATIONAL { D(IKE) } (old SA)  -->
 *                      <--  INFORMATIONAL { }
 */
static void ike_rekey(const char *dev, const char *gw, int initiator)
{
	struct net *net = up(dev, gw);
	char err[128];

	run_for(net, 9900);
	assert_int_equal(stats_of(net, initiator).ike_sas_rekeyed, 0);
	run_for(net, 200);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(stats_of(net, i).ike_sas_rekeyed, 1);
		assert_int_equal(stats_of(net, i).ike_sas_established, 1);
	}
	check_one_pair(net);
	/* the children live on in the new IKE SA: it can delete them */
	run_for(net, 25000);
	assert_int_equal(stats_of(net, DEV).ike_sas_rekeyed, 3);
	check_one_ike_sa(net);
	check_one_pair(net);
	net->watch = false;
	assert_int_equal(ike_engine_terminate(net->p[DEV].e, "dev", net->now, err, sizeof(err)), 0);
	pump(net);
	assert_int_equal(spy_count(&net->p[DEV].spy), 0);
	assert_int_equal(spy_count(&net->p[GW].spy), 0);
	assert_int_equal(stats_of(net, GW).ike_sas_established, 0);
	done(net);
}

static void test_ike_rekey_by_dev(void **state)
{
	(void)state;
	ike_rekey(R_DEV("aes128gcm16", IKE_REKEY_10, NO_REKEY),
		  R_GW("aes128gcm16", IKE_NO_REKEY, NO_REKEY), DEV);
}

static void test_ike_rekey_by_gw(void **state)
{
	(void)state;
	ike_rekey(R_DEV("aes128gcm16", IKE_NO_REKEY, NO_REKEY),
		  R_GW("aes128gcm16", IKE_REKEY_10, NO_REKEY), GW);
}

/* Both ends rekey the Child SA in the same tick: one new pair survives. */
static void test_child_rekey_simultaneous(void **state)
{
	struct net *net = up(R_DEV("aes128gcm16", IKE_NO_REKEY, REKEY_10),
			     R_GW("aes128gcm16", IKE_NO_REKEY, REKEY_10));

	(void)state;
	run_for(net, 10000);
	check_collided(net);
	run_for(net, 2000);
	check_one_pair(net);
	/* and the survivor rekeys normally later (both again at once) */
	run_for(net, 10000);
	check_one_pair(net);
	assert_int_equal(stats_of(net, DEV).child_sas_expired, 0);
	done(net);
}

/* Both ends rekey the IKE SA at once: one IKE SA survives, the children with it. */
static void test_ike_rekey_simultaneous(void **state)
{
	struct net *net = up(R_DEV("aes128gcm16", IKE_REKEY_10, NO_REKEY),
			     R_GW("aes128gcm16", IKE_REKEY_10, NO_REKEY));

	(void)state;
	run_for(net, 10000);
	check_collided(net);
	run_for(net, 2000);
	check_one_ike_sa(net);
	check_one_pair(net);
	done(net);
}

/*
 * dev rekeys as gw deletes (2.25):
 *   CREATE_CHILD_SA { N(REKEY_SA) ... }  -->  <--  INFORMATIONAL { D(ESP) }
 *   <--  N(CHILD_SA_NOT_FOUND)                INFORMATIONAL { D(ESP) }  -->
 */
static void test_rekey_delete_race(void **state)
{
	struct net *net = up(R_DEV("aes128gcm16", IKE_NO_REKEY, REKEY_10),
			     R_GW("aes128gcm16", IKE_NO_REKEY, NO_REKEY));
	char err[128];

	(void)state;
	run_for(net, 9900);
	net->watch = false;	/* the flow goes away on purpose */
	net->now += 200;
	ike_engine_tick(net->p[DEV].e, net->now);
	assert_int_equal(net->n, 1);	/* the rekey request, not delivered yet */
	assert_int_equal(ike_engine_terminate(net->p[GW].e, "net", net->now, err, sizeof(err)), 0);
	pump(net);
	run_for(net, 3000);
	assert_int_equal(spy_count(&net->p[DEV].spy), 0);
	assert_int_equal(spy_count(&net->p[GW].spy), 0);
	check_one_ike_sa(net);
	assert_int_equal(stats_of(net, DEV).child_sas_rekeyed, 0);
	done(net);
}

/* No rekey: the Child SA goes at its hard lifetime, on both sides. */
static void test_hard_lifetime(void **state)
{
	struct net *net = up(R_DEV("aes128gcm16", IKE_NO_REKEY, "rekey_time = 0s\n life_time = 12s"),
			     R_GW("aes128gcm16", IKE_NO_REKEY, NO_REKEY));

	(void)state;
	net->watch = false;
	run_for(net, 11900);
	assert_int_equal(spy_count(&net->p[GW].spy), 2);
	run_for(net, 200);
	assert_int_equal(stats_of(net, DEV).child_sas_expired, 1);
	assert_int_equal(spy_count(&net->p[DEV].spy), 0);
	assert_int_equal(spy_count(&net->p[GW].spy), 0);
	assert_int_equal(stats_of(net, DEV).ike_sas_established, 1);
	done(net);
}

static int slot_of(struct net *net, int side, enum xs_sa_dir dir)
{
	struct dp_sa_info v[8];
	int n = spy_list_sas(&net->p[side].spy.dp, v, 8);

	for (int i = 0; i < n && i < 8; i++)
		if (v[i].dir == dir)
			return (int)v[i].slot;
	return -1;
}

/* rekey_bytes: the data plane's counters start the rekey. */
static void test_rekey_bytes(void **state)
{
	struct net *net = up(R_DEV("aes128gcm16", IKE_NO_REKEY,
				   "rekey_time = 0s\n life_time = 0s\n rekey_bytes = 1000000\n"
				   "rand_bytes = 0"),
			     R_GW("aes128gcm16", IKE_NO_REKEY, NO_REKEY));
	struct dp_fake_counters *k = dp_fake_counters(net->p[DEV].spy.inner);
	int slot = slot_of(net, DEV, XS_DIR_OUT);

	(void)state;
	assert_true(slot >= 0);
	k->sa[slot].bytes = 999999;
	run_for(net, 3000);
	assert_int_equal(stats_of(net, DEV).child_sas_rekeyed, 0);
	k->sa[slot].bytes = 1000001;
	run_for(net, 1100);
	assert_int_equal(stats_of(net, DEV).child_sas_rekeyed, 1);
	run_for(net, 1500);
	check_one_pair(net);
	/* the new pair starts counting from zero */
	run_for(net, 5000);
	assert_int_equal(stats_of(net, DEV).child_sas_rekeyed, 1);
	done(net);
}

/*
 * rekey_packets = 50 and the default life_packets (+10 %, 55): both crossed
 * between two counter reads.  The SA is rekeyed, not deleted without one.
 */
static void test_hard_volume_before_rekey(void **state)
{
	struct net *net = up(R_DEV("aes128gcm16", IKE_NO_REKEY,
				   "rekey_time = 0s\n life_time = 0s\n rekey_packets = 50\n"
				   "rand_packets = 0"),
			     R_GW("aes128gcm16", IKE_NO_REKEY, NO_REKEY));
	struct dp_fake_counters *k = dp_fake_counters(net->p[DEV].spy.inner);
	int slot = slot_of(net, DEV, XS_DIR_OUT);

	(void)state;
	assert_true(slot >= 0);
	k->sa[slot].packets = 60;
	run_for(net, 1100);
	run_for(net, 2500);
	assert_int_equal(stats_of(net, DEV).child_sas_rekeyed, 1);
	assert_int_equal(stats_of(net, DEV).child_sas_expired, 0);
	check_one_pair(net);
	done(net);
}

/* SPREAD_N draws that must fall in [base, base + window], in ten bins. */
enum { SPREAD_N = 1000, SPREAD_BINS = 10 };

struct spread {
	uint64_t base, window, lo, hi;
	unsigned int bins[SPREAD_BINS];
};

static void spread_add(struct spread *s, uint64_t v)
{
	assert_true(v >= s->base && v <= s->base + s->window);
	s->bins[(v - s->base) * SPREAD_BINS / (s->window + 1)]++;
	s->lo = v < s->lo ? v : s->lo;
	s->hi = v > s->hi ? v : s->hi;
}

/* Each tenth of the window holds 100 +- 40 (far outside chance at this N),
 * and the draws cover 90 % of it. */
static void check_spread(const struct spread *s)
{
	for (int i = 0; i < SPREAD_BINS; i++)
		assert_true(s->bins[i] >= 60 && s->bins[i] <= 140);
	assert_true(s->hi - s->lo > s->window * 9 / 10);
}

/* rand_time: 1000 SAs configured alike rekey spread evenly over the window. */
static void test_jitter_spreads(void **state)
{
	enum { REKEY = 3600, RAND = 360 };
	struct spread s = { .base = (REKEY - RAND) * 1000ULL, .window = RAND * 1000ULL,
			    .lo = UINT64_MAX };
	uint64_t rng = 0x5eed;

	(void)state;
	for (int i = 0; i < SPREAD_N; i++)
		spread_add(&s, ike_life_soft_ms(&rng, 0, REKEY, RAND));
	check_spread(&s);
	assert_int_equal(ike_life_soft_ms(&rng, 5, 0, RAND), 0);	/* rekey off */
	assert_int_equal(ike_life_soft_ms(&rng, 5, 10, 0), 10005);	/* no jitter */
}

/* Two SAs of one engine, configured alike, get different rekey times. */
static void test_jitter_per_sa(void **state)
{
	struct net *net = up(R_DEV("aes128gcm16", IKE_NO_REKEY,
				   "rekey_time = 100s\n life_time = 200s\n rand_time = 50s"),
			     R_GW("aes128gcm16", IKE_NO_REKEY, NO_REKEY));
	uint64_t first, t;

	(void)state;
	run_for(net, 49000);
	assert_int_equal(stats_of(net, DEV).child_sas_rekeyed, 0);
	for (t = 49000; t < 101000 && !stats_of(net, DEV).child_sas_rekeyed; t += 100)
		advance(net, 100);
	first = t;
	assert_true(first >= 50000 && first <= 100100);
	for (; t < first + 101000 && stats_of(net, DEV).child_sas_rekeyed < 2; t += 100)
		advance(net, 100);
	/* the second interval is drawn afresh: 50..100 s after the first */
	assert_true(t - first >= 50000 && t - first <= 100100);
	run_for(net, 1500);
	check_one_pair(net);
	done(net);
}

/* rand_bytes / rand_packets: the soft volume is rekey - uniform [0, rand], per SA. */
static void test_jitter_volume(void **state)
{
	enum { REKEY = 1000000, RAND = 200000 };
	struct spread s = { .base = REKEY - RAND, .window = RAND, .lo = UINT64_MAX };
	uint64_t rng = 0xb17e5;

	(void)state;
	for (int i = 0; i < SPREAD_N; i++)
		spread_add(&s, ike_life_soft_volume(&rng, REKEY, RAND));
	check_spread(&s);
	assert_int_equal(ike_life_soft_volume(&rng, 0, RAND), 0);	/* rekey off */
	assert_int_equal(ike_life_soft_volume(&rng, 500, 0), 500);	/* no jitter */
	for (int i = 0; i < 100; i++)	/* rand >= rekey: never 0 (that is "off") */
		assert_true(ike_life_soft_volume(&rng, 10, 50) >= 1);
}

/* rekey_packets = 1000, rand_packets = 500: the rekey starts between 500 and 1000 packets. */
static void test_rand_packets(void **state)
{
	struct net *net = up(R_DEV("aes128gcm16", IKE_NO_REKEY,
				   "rekey_time = 0s\n life_time = 0s\n rekey_packets = 1000\n"
				   "rand_packets = 500"),
			     R_GW("aes128gcm16", IKE_NO_REKEY, NO_REKEY));
	struct dp_fake_counters *k = dp_fake_counters(net->p[DEV].spy.inner);
	int slot = slot_of(net, DEV, XS_DIR_OUT);
	uint64_t pkts;

	(void)state;
	assert_true(slot >= 0);
	k->sa[slot].packets = 499;
	run_for(net, 3000);
	assert_int_equal(stats_of(net, DEV).child_sas_rekeyed, 0);
	for (pkts = 500; pkts <= 1000 && !stats_of(net, DEV).child_sas_rekeyed; pkts += 10) {
		k->sa[slot].packets = pkts;
		run_for(net, 1100);
	}
	assert_int_equal(stats_of(net, DEV).child_sas_rekeyed, 1);
	run_for(net, 1500);
	check_one_pair(net);
	done(net);
}

/* rand_packets differs per SA: 20 SAs alike do not all rekey at one count. */
static void test_rand_packets_per_sa(void **state)
{
	uint64_t rng = 42, first, v;
	bool differ = false;

	(void)state;
	first = ike_life_soft_volume(&rng, 1000, 500);
	for (int i = 0; i < 20; i++) {
		v = ike_life_soft_volume(&rng, 1000, 500);
		differ |= v != first;
	}
	assert_true(differ);
}

/* A pair up, nothing rekeyed by lifetime: the operator's turn. */
static struct net *up_no_rekey(void)
{
	return up(R_DEV("aes128gcm16", IKE_NO_REKEY, NO_REKEY),
		  R_GW("aes128gcm16", IKE_NO_REKEY, NO_REKEY));
}

/* xdpsecctl rekey --child: the operator rekeys now; no Child SA of that name: -ENOENT. */
static void test_operator_rekey_child(void **state)
{
	struct net *net = up_no_rekey();
	uint32_t old_in = spy_first(&net->p[GW].spy, XS_DIR_IN)->spi;
	char err[128] = "";

	(void)state;
	assert_int_equal(ike_engine_rekey(net->p[GW].e, "nope", false, net->now, err,
					  sizeof(err)), -ENOENT);
	assert_true(err[0]);
	operator_rekey(net, GW, "net", false);
	pump(net);
	assert_int_equal(stats_of(net, GW).child_sas_rekeyed, 1);
	assert_int_equal(stats_of(net, DEV).child_sas_rekeyed, 1);
	run_for(net, 1500);
	check_one_pair(net);
	assert_int_not_equal(spy_first(&net->p[GW].spy, XS_DIR_IN)->spi, old_in);
	done(net);
}

/* Both operators rekey at the same moment: a collision, one survivor. */
static void operator_rekey_both(struct net *net, bool ike)
{
	operator_rekey(net, GW, ike ? "gw" : "net", ike);
	operator_rekey(net, DEV, ike ? "dev" : "net", ike);
	pump(net);
	check_collided(net);
	run_for(net, 2000);
	if (ike)
		check_one_ike_sa(net);
	check_one_pair(net);
	done(net);
}

static void test_operator_rekey_child_both(void **state)
{
	(void)state;
	operator_rekey_both(up_no_rekey(), false);
}

/* xdpsecctl rekey --ike: both at once, one IKE SA survives with its child.
 * An IKE SA goes by its connection's name: gw's is not "dev". */
static void test_operator_rekey_ike_both(void **state)
{
	struct net *net = up_no_rekey();
	char err[128];

	(void)state;
	assert_int_equal(ike_engine_rekey(net->p[GW].e, "dev", true, net->now, err,
					  sizeof(err)), -ENOENT);
	operator_rekey_both(net, true);
}

/*
 * Crossing IKE rekeys where dev completes both exchanges first (gw's
 * answer to its own request held back), as a NAT's hold does it in
 * test_ike_lifecycle.sh:
 *
 *   CREATE_CHILD_SA { SA(IKE) }  <-->  both ways, both answered
 *   dev decides at once; gw's answer to dev is held
 *
 * A strongSwan peer knows the SA our request made only once its own
 * exchange completes: dev's Deletes on its new SA are dropped here.
 */
static uint8_t old_spi_i[8];
static bool dev_new_sa_ignored;

static enum verdict dev_first_filter(struct net *net, struct pkt *p)
{
	(void)net;
	if (p->from == DEV && pkt_is(p, IKE_CREATE_CHILD_SA, true))
		return HOLD;
	if (dev_new_sa_ignored && p->from == DEV && pkt_is(p, IKE_INFORMATIONAL, false) &&
	    memcmp(p->data, old_spi_i, 8))
		return DROP;
	return DELIVER;
}

static unsigned int live_sas(struct net *net, int side)
{
	unsigned int n = 0;

	for (const struct ike_sa *s = net->p[side].e->sas; s; s = s->next)
		n += s->state != IKE_SA_DEAD;
	return n;
}

/* dev lost: its redundant SA is the one that has the old one to wait for. */
static bool dev_lost(struct net *net)
{
	for (const struct ike_sa *s = net->p[DEV].e->sas; s; s = s->next)
		if (s->state == IKE_SA_DELETING && s->rekey_old)
			return true;
	return false;
}

/* The crossing, until dev lost (want_lost) or won: nonces are random, so tries. */
static struct net *collide_dev_first(bool want_lost)
{
	for (int tries = 0; tries < 64; tries++) {
		struct net *net = up_no_rekey();

		memcpy(old_spi_i, net->p[DEV].e->sas->spi_i, 8);
		dev_new_sa_ignored = true;
		net->filter = dev_first_filter;
		operator_rekey(net, GW, "gw", true);
		operator_rekey(net, DEV, "dev", true);
		pump(net);
		assert_int_equal(stats_of(net, DEV).rekey_collisions, 1);
		assert_int_equal(net->n_held, 1);
		if (dev_lost(net) == want_lost)
			return net;
		done(net);
	}
	fail_msg("64 collisions, dev never %s", want_lost ? "lost" : "won");
	return NULL;
}

/*
 * dev lost and deletes its redundant SA, unheard.  gw completes, wins and
 * deletes the old SA: dev sends its Delete once more and drops the
 * redundant SA then, not 31 s of retransmissions later.
 */
static void test_ike_collision_lost_redundant_goes(void **state)
{
	struct net *net = collide_dev_first(true);

	(void)state;
	assert_int_equal(live_sas(net, DEV), 3);	/* old, the peer's new one, ours */
	release(net);
	assert_int_equal(stats_of(net, GW).rekey_collisions, 1);
	assert_int_equal(live_sas(net, DEV), 1);
	run_for(net, 6000);	/* gw's wait for the Delete it never gets */
	assert_int_equal(live_sas(net, GW), 1);
	check_one_ike_sa(net);
	check_one_pair(net);
	done(net);
}

/*
 * dev won and deletes the old SA while gw's own exchange is still out: gw
 * hands the Child SAs to dev's new SA instead of losing them with the old.
 */
static void test_ike_collision_old_deleted_first(void **state)
{
	struct net *net = collide_dev_first(false);

	(void)state;
	assert_int_equal(live_sas(net, GW), 1);	/* dev's new SA, the children in it */
	assert_int_equal(stats_of(net, GW).ike_sas_rekeyed, 1);
	release(net);	/* gw's answer, for an SA gone */
	run_for(net, 6000);	/* dev's wait for gw's half that never completed */
	assert_int_equal(live_sas(net, DEV), 1);
	check_one_ike_sa(net);
	check_one_pair(net);
	done(net);
}

static unsigned int dpd_probes;

static enum verdict count_dpd(struct net *net, struct pkt *p)
{
	(void)net;
	if (p->from == DEV && pkt_is(p, IKE_INFORMATIONAL, false))
		dpd_probes++;
	return DELIVER;
}

static enum verdict gw_dead(struct net *net, struct pkt *p)
{
	(void)net;
	return p->from == GW ? DROP : DELIVER;
}

/* dpd_delay = 5s: an idle tunnel is probed, a busy one is not; a dead peer is cleared. */
static void test_dpd_idle_busy(void **state)
{
	struct net *net = up(R_DEV("aes128gcm16", "rekey_time = 0s\n dpd_delay = 5s", NO_REKEY),
			     R_GW("aes128gcm16", IKE_NO_REKEY, NO_REKEY));
	struct dp_fake_counters *k = dp_fake_counters(net->p[DEV].spy.inner);
	int slot = slot_of(net, DEV, XS_DIR_IN);

	(void)state;
	dpd_probes = 0;
	net->filter = count_dpd;
	/* busy: ESP arrives every second */
	for (int i = 0; i < 20; i++) {
		k->sa[slot].packets += 10;
		run_for(net, 1000);
	}
	assert_int_equal(dpd_probes, 0);
	/* idle: probed once per dpd_delay */
	run_for(net, 5100);
	assert_int_equal(dpd_probes, 1);
	run_for(net, 5000);
	assert_int_equal(dpd_probes, 2);
	/* dead: the probe's retransmissions go unanswered -> clear */
	net->filter = gw_dead;
	net->watch = false;
	run_for(net, 40000);
	assert_int_equal(stats_of(net, DEV).dpd_timeouts, 1);
	assert_int_equal(stats_of(net, DEV).ike_sas_established, 0);
	assert_int_equal(spy_count(&net->p[DEV].spy), 0);
	done(net);
}

/* dpd_action = restart: the device dials again after the timeout. */
static void test_dpd_restart(void **state)
{
	struct net *net = up(R_DEV("aes128gcm16", "rekey_time = 0s\n dpd_delay = 5s",
				   "rekey_time = 0s\n dpd_action = restart"),
			     R_GW("aes128gcm16", IKE_NO_REKEY, NO_REKEY));

	(void)state;
	net->watch = false;
	net->filter = gw_dead;
	run_for(net, 5000 + 31000 + 500);
	assert_int_equal(stats_of(net, DEV).dpd_timeouts, 1);
	net->filter = NULL;
	run_for(net, 2000);
	assert_int_equal(stats_of(net, DEV).ike_sas_established, 1);
	assert_int_equal(spy_count(&net->p[DEV].spy), 2);
	done(net);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_child_rekey_by_dev),
		cmocka_unit_test(test_child_rekey_by_gw),
		cmocka_unit_test(test_child_rekey_pfs_by_dev),
		cmocka_unit_test(test_child_rekey_pfs_by_gw),
		cmocka_unit_test(test_ike_rekey_by_dev),
		cmocka_unit_test(test_ike_rekey_by_gw),
		cmocka_unit_test(test_child_rekey_simultaneous),
		cmocka_unit_test(test_ike_rekey_simultaneous),
		cmocka_unit_test(test_rekey_delete_race),
		cmocka_unit_test(test_hard_lifetime),
		cmocka_unit_test(test_rekey_bytes),
		cmocka_unit_test(test_hard_volume_before_rekey),
		cmocka_unit_test(test_jitter_spreads),
		cmocka_unit_test(test_jitter_per_sa),
		cmocka_unit_test(test_jitter_volume),
		cmocka_unit_test(test_rand_packets),
		cmocka_unit_test(test_rand_packets_per_sa),
		cmocka_unit_test(test_operator_rekey_child),
		cmocka_unit_test(test_operator_rekey_child_both),
		cmocka_unit_test(test_operator_rekey_ike_both),
		cmocka_unit_test(test_ike_collision_lost_redundant_goes),
		cmocka_unit_test(test_ike_collision_old_deleted_first),
		cmocka_unit_test(test_dpd_idle_busy),
		cmocka_unit_test(test_dpd_restart),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
