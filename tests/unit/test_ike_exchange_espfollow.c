// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Following a NAT rebinding seen first in ESP (ike_esp_follow.c), between
 * two engines (harness: ike_exchange_harness.h).  dp_fake_esp_from() plays
 * gw's data-plane worker noting an authenticated packet from a new source;
 * gw's counter poll (every dp_poll_ms, 1 s) picks it up.
 *
 *   dev 192.168.1.2:4500 --[ NAT 198.51.100.7:14500, later :24500 ]-- gw 10.77.0.1:4500
 *
 *   ESP from :24500    -->   (data plane, authenticated)
 *                      <--   INFORMATIONAL { NAT-D }  to :24500
 *   INFORMATIONAL { }  -->   from :24500: gw moves, Child SAs keep their SPIs
 *
 * Also: no answer (three sends, then on to the old port, no move), a lost
 * first send, re-checks while ESP keeps coming from there (2 s, 4 s, ...,
 * at most five; none once it stopped), gw's own DPD or Child SA rekey out already (it becomes the
 * check), an IKE rekey out (the check waits), another address (MOBIKE: not
 * gw's to move), two children with the same news, IKE there first, and dev
 * behind the NAT never following.  The engines see the data plane's
 * seen_total, so they read list_sas only on news, as with dp_bpf.
 */
#include "ike_exchange_conf.h"

#include "ike_xchg.h"

#define PSK "this-is-the-fleet-psk-0123456789"
#define NAT_PAIR(dev_extra, gw_extra) \
	pair(DEV_CONF_AT("192.168.1.2", GCM128, "aes128gcm16", PSK, dev_extra), \
	     GW_CONF(GCM128, "aes128gcm16", gw_extra), true)

enum {
	POLL_MS = 1000,
	OLD_PORT = IKE_NATT_PORT + NAT_PORT_SHIFT,	/* dev's 4500 as gw sees it */
	NEW_PORT = OLD_PORT + NAT_PORT_SHIFT,		/* ... after the NAT rebound */
	/* gw's packets to NEW_PORT once the harness NAT took NAT_PORT_SHIFT off */
	TO_NEW_AFTER_NAT = NEW_PORT - NAT_PORT_SHIFT,
};

static bool rebound;		/* the NAT maps dev's 4500 to NEW_PORT now */
static unsigned int drop_gw_create;	/* of gw's CREATE_CHILD_SA requests, lose this many */
static bool new_dead;		/* gw's packets to NEW_PORT are lost */
static bool lose_dev_answers;	/* dev's INFORMATIONAL responses are lost */
static unsigned int gw_req_new, gw_req_old, gw_req_other, dev_req;
static uint64_t gw_req_new_at[32];	/* when each of gw_req_new went */

/*
 * Counts INFORMATIONAL requests by where they go (after the harness NAT):
 * dev's new mapping, its old one, elsewhere; delivers what the NAT's
 * mappings (old before the rebinding, new after) let through.
 */
static enum verdict nat_watch(struct net *net, struct pkt *p)
{
	bool to_dev = p->from == GW && !memcmp(p->dst.addr, net->p[DEV].addr.addr, 4);
	bool to_new = to_dev && p->dst.port == TO_NEW_AFTER_NAT;
	bool to_old = to_dev && p->dst.port == IKE_NATT_PORT;

	if (p->from == DEV && pkt_is(p, IKE_INFORMATIONAL, false))
		dev_req++;
	if (p->from == DEV && pkt_is(p, IKE_INFORMATIONAL, true) && lose_dev_answers)
		return DROP;
	if (p->from == GW && pkt_is(p, IKE_INFORMATIONAL, false) && to_new &&
	    gw_req_new < sizeof(gw_req_new_at) / sizeof(gw_req_new_at[0]))
		gw_req_new_at[gw_req_new] = net->now;
	if (p->from == GW && pkt_is(p, IKE_INFORMATIONAL, false))
		(*(to_new ? &gw_req_new : to_old ? &gw_req_old : &gw_req_other))++;
	if (p->from == GW && pkt_is(p, IKE_CREATE_CHILD_SA, false) && drop_gw_create) {
		drop_gw_create--;
		return DROP;
	}
	if (p->from == DEV || (to_dev && p->dst.port == IKE_PORT)) {	/* or IKE_SA_INIT */
		if (rebound && p->src.port == OLD_PORT)
			p->src.port = NEW_PORT;
		return DELIVER;
	}
	if (to_new && rebound && !new_dead) {
		p->dst.port = IKE_NATT_PORT;	/* the NAT's new way back in */
		return DELIVER;
	}
	return to_old && !rebound ? DELIVER : DROP;
}

/* Time passes in 100 ms ticks. */
static void run(struct net *net, uint64_t ms)
{
	for (uint64_t t = 0; t < ms; t += 100)
		advance(net, 100);
}

static uint64_t spy_seen_total(struct dataplane *dp)
{
	struct dataplane *inner = spy_of(dp)->inner;

	return inner->ops->seen_total(inner);
}

/* dp_fake has no get_sa: the one SA out of list_sas. */
static int spy_get_sa(struct dataplane *dp, uint32_t slot, struct dp_sa_info *out)
{
	static struct dp_sa_info all[SPY_MAX];
	int n = spy_list_sas(dp, all, SPY_MAX);

	for (int i = 0; i < n && i < SPY_MAX; i++)
		if (all[i].slot == slot) {
			*out = all[i];
			return 0;
		}
	return -ENOENT;
}

/*
 * The spy with seen_total, so that the engines read list_sas only on news,
 * and get_sa (a re-check reads one SA), as with dp_bpf.
 */
static struct dataplane_ops spy_news_ops;

/* The pair up, through the watching NAT, gw's first counter poll behind us. */
#define nat_pair(gw_extra) nat_pair_up(NAT_PAIR("", gw_extra))

static struct net *nat_pair_up(struct net *net)
{
	spy_news_ops = spy_ops;
	spy_news_ops.seen_total = spy_seen_total;
	spy_news_ops.get_sa = spy_get_sa;
	net->p[DEV].spy.dp.ops = &spy_news_ops;
	net->p[GW].spy.dp.ops = &spy_news_ops;
	drop_gw_create = 0;
	rebound = new_dead = lose_dev_answers = false;
	gw_req_new = gw_req_old = gw_req_other = dev_req = 0;
	net->filter = nat_watch;
	initiate(net, "net");
	assert_int_equal(stats_of(net, GW).ike_sas_established, 1);
	advance(net, POLL_MS);
	return net;
}

/* The slot of a side's first SA of dir. */
static uint32_t slot_of(struct net *net, int idx, enum xs_sa_dir dir)
{
	const struct spy *s = &net->p[idx].spy;
	const struct dp_sa *sa = spy_first(s, dir);

	assert_non_null(sa);
	return (uint32_t)(sa - s->sa);
}

/* gw's data plane notes authenticated ESP on its inbound SA from addr:port. */
static int esp_from(struct net *net, int idx, const char *addr, uint16_t port)
{
	struct dp_addr a;

	assert_int_equal(addr_parse(addr, &a), 0);
	return dp_fake_esp_from(net->p[idx].spy.inner, slot_of(net, idx, XS_DIR_IN), &a, port);
}

/* More authenticated ESP on a side's inbound SA (its packet counter moves). */
static void esp_more(struct net *net, int idx)
{
	dp_fake_counters(net->p[idx].spy.inner)->sa[slot_of(net, idx, XS_DIR_IN)].packets += 10;
}

/* Time passes in 100 ms ticks, gw's inbound SA getting ESP all along. */
static void run_with_esp(struct net *net, uint64_t ms)
{
	for (uint64_t t = 0; t < ms; t += 100) {
		esp_more(net, GW);
		advance(net, 100);
	}
}

static struct ike_sa *gw_sa(struct net *net)
{
	struct ike_sa *sa = net->p[GW].e->sas;

	assert_non_null(sa);
	assert_int_equal(sa->state, IKE_SA_ESTABLISHED);
	return sa;
}

/* gw's IKE SA and both its ESP SAs at the NAT's port. */
static void check_gw_at(struct net *net, uint16_t port)
{
	const struct dp_sa *out = spy_first(&net->p[GW].spy, XS_DIR_OUT);
	const struct dp_sa *in = spy_first(&net->p[GW].spy, XS_DIR_IN);

	assert_int_equal(gw_sa(net)->remote.port, port);
	assert_int_equal(out->dport, port);
	assert_int_equal(in->sport, port);
	assert_int_equal(out->sport, IKE_NATT_PORT);
}

/*
 * The NAT rebinds; dev (no DPD) only sends ESP.  Within a poll gw checks the
 * new port, dev answers from there, gw and its Child SA move: same SPIs,
 * one address change, no request ever to the dead mapping.
 */
static void test_esp_new_port_moves(void **state)
{
	struct net *net = nat_pair("");
	uint32_t in_spi = spy_first(&net->p[GW].spy, XS_DIR_IN)->spi;
	uint32_t out_spi = spy_first(&net->p[GW].spy, XS_DIR_OUT)->spi;

	(void)state;
	check_gw_at(net, OLD_PORT);
	rebound = true;
	assert_int_equal(esp_from(net, GW, "198.51.100.7", NEW_PORT), 1);
	assert_int_equal(esp_from(net, GW, "198.51.100.7", NEW_PORT), 0);	/* noted once */
	advance(net, POLL_MS);
	assert_int_equal(gw_req_new, 1);
	assert_int_equal(gw_req_old + gw_req_other, 0);
	check_gw_at(net, NEW_PORT);
	assert_int_equal(spy_count(&net->p[GW].spy), 2);
	assert_int_equal(spy_first(&net->p[GW].spy, XS_DIR_IN)->spi, in_spi);
	assert_int_equal(spy_first(&net->p[GW].spy, XS_DIR_OUT)->spi, out_spi);
	check_sa_pairs(net);
	assert_int_equal(stats_of(net, GW).address_changes, 1);
	assert_int_equal(stats_of(net, GW).retransmits, 0);
	/* settled: the data plane's report is gone with the move, nothing more is sent */
	run(net, 10 * POLL_MS);
	assert_int_equal(gw_req_new + gw_req_old + gw_req_other, 1);
	assert_int_equal(stats_of(net, GW).ike_sas_established, 1);
	assert_int_equal(stats_of(net, DEV).ike_sas_established, 1);
	net_free(net);
}

/*
 * ESP from a port where dev is not (a packet forwarded from elsewhere):
 * three checks there go unanswered, the same request goes on to where dev
 * is, dev answers, gw stays.  The same report is not probed again.
 */
static void test_esp_probe_unanswered_stays(void **state)
{
	struct net *net = nat_pair("");
	uint64_t t0;

	(void)state;
	new_dead = true;
	assert_int_equal(esp_from(net, GW, "198.51.100.7", NEW_PORT), 1);
	advance(net, POLL_MS);
	t0 = net->now;
	assert_int_equal(gw_req_new, 1);
	assert_int_equal(gw_req_old, 0);
	while (net->now < t0 + 2 * POLL_MS && !gw_req_old)
		advance(net, 100);
	assert_int_equal(gw_req_new, 3);
	assert_int_equal(gw_req_old, 1);
	assert_true(net->now - t0 >= 1500);	/* three sends, retransmit_base_ms / 2 apart */
	check_gw_at(net, OLD_PORT);
	assert_int_equal(stats_of(net, GW).address_changes, 0);
	assert_int_equal(gw_sa(net)->req.kind, IKE_REQ_NONE);	/* dev answered */
	run(net, 10 * POLL_MS);
	assert_int_equal(gw_req_new, 3);
	assert_int_equal(gw_req_old, 1);
	assert_int_equal(esp_from(net, GW, "198.51.100.7", NEW_PORT), 0);
	run(net, 2 * POLL_MS);
	assert_int_equal(gw_req_new + gw_req_old + gw_req_other, 4);
	assert_int_equal(stats_of(net, GW).ike_sas_established, 1);
	assert_int_equal(spy_count(&net->p[GW].spy), 2);
	net_free(net);
}

/*
 * The first check to the new port is lost, the second is answered: gw
 * moves.  A liveness check of gw's own (dpd_delay) that is out when the
 * report comes becomes the check: no second request.
 */
static void test_esp_probe_retried(void **state)
{
	struct net *net = nat_pair("");

	(void)state;
	rebound = true;
	new_dead = true;
	assert_int_equal(esp_from(net, GW, "198.51.100.7", NEW_PORT), 1);
	advance(net, POLL_MS);
	assert_int_equal(gw_req_new, 1);
	new_dead = false;
	advance(net, POLL_MS / 2);
	assert_int_equal(gw_req_new, 2);
	check_gw_at(net, NEW_PORT);
	assert_int_equal(gw_req_old, 0);
	net_free(net);

	net = nat_pair("dpd_delay = 5s");
	rebound = true;
	advance(net, 5 * POLL_MS);	/* gw's DPD goes to the dead mapping */
	assert_int_equal(gw_req_old, 1);
	assert_int_equal(gw_sa(net)->req.kind, IKE_REQ_DPD);
	assert_int_equal(esp_from(net, GW, "198.51.100.7", NEW_PORT), 1);
	advance(net, POLL_MS);
	assert_int_equal(gw_req_new, 1);
	check_gw_at(net, NEW_PORT);
	assert_int_equal(gw_sa(net)->req.kind, IKE_REQ_NONE);
	assert_int_equal(stats_of(net, GW).ike_sas_established, 1);
	net_free(net);
}

/*
 * dev is at the new port, but all three of its answers to the check are
 * lost; the request goes on to the dead mapping.  ESP keeps coming from
 * the new port: 2 s later gw checks there again, dev's answer gets through
 * and gw moves, same SPIs.
 */
static void test_recheck_after_lost_answers(void **state)
{
	struct net *net = nat_pair("");
	uint32_t in_spi = spy_first(&net->p[GW].spy, XS_DIR_IN)->spi;

	(void)state;
	rebound = true;
	lose_dev_answers = true;
	assert_int_equal(esp_from(net, GW, "198.51.100.7", NEW_PORT), 1);
	run_with_esp(net, 3 * POLL_MS);
	assert_int_equal(gw_req_new, 3);
	assert_true(gw_req_old >= 1);		/* handed back to the dead mapping */
	check_gw_at(net, OLD_PORT);
	assert_int_equal(stats_of(net, GW).address_changes, 0);
	lose_dev_answers = false;
	run_with_esp(net, 2 * POLL_MS);
	assert_int_equal(gw_req_new, 4);
	assert_in_range(gw_req_new_at[3] - gw_req_new_at[2], 2400, 2800);
	check_gw_at(net, NEW_PORT);
	assert_int_equal(spy_first(&net->p[GW].spy, XS_DIR_IN)->spi, in_spi);
	check_sa_pairs(net);
	assert_int_equal(stats_of(net, GW).address_changes, 1);
	run_with_esp(net, 60 * POLL_MS);	/* settled: nothing more to check */
	assert_int_equal(gw_req_new, 4);
	assert_int_equal(stats_of(net, GW).ike_sas_established, 1);
	assert_int_equal(stats_of(net, DEV).ike_sas_established, 1);
	net_free(net);
}

/*
 * ESP from a port where dev is not, that keeps coming: the unanswered
 * check is repeated after 2, 4, 8, 16 and 32 s, five times, then never
 * again; dev answers each at the old port, gw stays.  Once the ESP from
 * there stops, no re-check goes.
 */
static void test_recheck_bounded(void **state)
{
	static const uint64_t waits[] = { 2000, 4000, 8000, 16000, 32000 };
	struct net *net = nat_pair("");

	(void)state;
	new_dead = true;
	assert_int_equal(esp_from(net, GW, "198.51.100.7", NEW_PORT), 1);
	run_with_esp(net, 100 * POLL_MS);
	assert_int_equal(gw_req_new, 3 * 6);
	assert_int_equal(gw_req_old, 6);
	for (unsigned int i = 0; i < 5; i++)	/* the last send of one check, the next */
		assert_in_range(gw_req_new_at[3 * i + 3] - gw_req_new_at[3 * i + 2],
				waits[i] + 400, waits[i] + 800);
	check_gw_at(net, OLD_PORT);
	assert_int_equal(stats_of(net, GW).address_changes, 0);
	assert_int_equal(stats_of(net, GW).ike_sas_established, 1);
	net_free(net);

	/* one re-check, then the ESP stops: none after it */
	net = nat_pair("");
	new_dead = true;
	assert_int_equal(esp_from(net, GW, "198.51.100.7", NEW_PORT), 1);
	for (uint64_t until = net->now + 10 * POLL_MS; gw_req_new < 6 && net->now < until;)
		run_with_esp(net, 100);
	assert_int_equal(gw_req_new, 6);
	run(net, 60 * POLL_MS);
	assert_int_equal(gw_req_new, 6);
	assert_int_equal(gw_req_old, 2);
	assert_int_equal(stats_of(net, GW).ike_sas_established, 1);
	net_free(net);
}

/*
 * Another address: with MOBIKE only dev moves the SA there (RFC 4555 3.8),
 * gw sends nothing; without MOBIKE gw checks it (the check is lost here).
 */
static void test_esp_new_address(void **state)
{
	struct net *net = nat_pair("");

	(void)state;
	assert_true(gw_sa(net)->mobike);
	assert_int_equal(esp_from(net, GW, "203.0.113.9", OLD_PORT), 1);
	run(net, 3 * POLL_MS);
	assert_int_equal(gw_req_new + gw_req_old + gw_req_other, 0);
	check_gw_at(net, OLD_PORT);
	net_free(net);

	net = nat_pair("mobike = no");
	assert_false(gw_sa(net)->mobike);
	assert_int_equal(esp_from(net, GW, "203.0.113.9", OLD_PORT), 1);
	advance(net, POLL_MS);
	assert_int_equal(gw_req_other, 1);
	run(net, 3 * POLL_MS);
	assert_int_equal(gw_req_other, 3);
	assert_int_equal(gw_req_old, 1);
	check_gw_at(net, OLD_PORT);
	assert_int_equal(stats_of(net, GW).address_changes, 0);
	net_free(net);
}

/*
 * The report comes while gw's IKE rekey is out (its first request lost):
 * the check waits for a later poll and then goes from the new IKE SA,
 * though the data plane noted nothing more meanwhile (seen_total).
 */
static void test_report_waits_for_ike_rekey(void **state)
{
	struct net *net = nat_pair("");
	unsigned int old_uid = gw_sa(net)->uid;
	char err[128];

	(void)state;
	new_dead = true;
	drop_gw_create = 1;
	assert_int_equal(ike_engine_rekey(net->p[GW].e, "gw", true, net->now, err, sizeof(err)),
			 1);
	pump(net);
	assert_int_equal(esp_from(net, GW, "198.51.100.7", NEW_PORT), 1);
	advance(net, POLL_MS);		/* the rekey's retransmission is answered */
	assert_int_equal(gw_req_new, 0);
	run(net, 2 * POLL_MS);
	assert_true(gw_req_new >= 1);
	assert_true(gw_sa(net)->uid != old_uid);
	net_free(net);
}

/*
 * The report comes while gw's Child SA rekey is out (lost at the dead
 * mapping): its retransmission goes to the new port, dev answers there, gw
 * moves and the new Child SA is installed there.
 */
static void test_child_rekey_redirected(void **state)
{
	struct net *net = nat_pair("");
	uint32_t old_in = spy_first(&net->p[GW].spy, XS_DIR_IN)->spi;
	char err[128];

	(void)state;
	rebound = true;
	assert_int_equal(ike_engine_rekey(net->p[GW].e, "net", false, net->now, err, sizeof(err)),
			 1);
	pump(net);
	assert_int_equal(esp_from(net, GW, "198.51.100.7", NEW_PORT), 1);
	advance(net, POLL_MS);
	assert_int_equal(gw_sa(net)->remote.port, NEW_PORT);
	assert_int_equal(stats_of(net, GW).address_changes, 1);
	run(net, 2 * POLL_MS);		/* the old pair retires */
	assert_int_equal(spy_count(&net->p[GW].spy), 2);
	assert_true(spy_first(&net->p[GW].spy, XS_DIR_IN)->spi != old_in);
	check_gw_at(net, NEW_PORT);
	check_sa_pairs(net);
	/* the old pair's Delete went to the new port too */
	assert_int_equal(gw_req_old + gw_req_other, 0);
	net_free(net);
}

/* Both of dev's Child SAs report the new port: one check, not one per child. */
static void test_two_children_one_check(void **state)
{
	struct net *net = nat_pair("");
	struct spy *gw = &net->p[GW].spy;
	struct dp_addr a;
	int reports = 0;

	(void)state;
	initiate(net, "net2");
	assert_int_equal(spy_count(gw), 4);
	new_dead = true;
	assert_int_equal(addr_parse("198.51.100.7", &a), 0);
	for (uint32_t i = 0; i < SPY_MAX; i++)
		if (gw->used[i] && gw->sa[i].dir == XS_DIR_IN)
			reports += dp_fake_esp_from(gw->inner, i, &a, NEW_PORT);
	assert_int_equal(reports, 2);
	run(net, 6 * POLL_MS);
	assert_int_equal(gw_req_new, 3);
	assert_int_equal(gw_req_old, 1);
	check_gw_at(net, OLD_PORT);
	net_free(net);
}

/*
 * dev's IKE message comes from the new port before gw's poll: gw follows it
 * (ike_natd_track), the move clears the data plane's report, no check goes out.
 */
static void test_ike_first(void **state)
{
	struct net *net = nat_pair("");

	(void)state;
	rebound = true;
	assert_int_equal(esp_from(net, GW, "198.51.100.7", NEW_PORT), 1);
	initiate(net, "net2");		/* CREATE_CHILD_SA from the new port */
	check_gw_at(net, NEW_PORT);
	assert_int_equal(spy_count(&net->p[GW].spy), 4);
	run(net, 3 * POLL_MS);
	assert_int_equal(gw_req_new + gw_req_old + gw_req_other, 0);
	assert_int_equal(stats_of(net, GW).address_changes, 1);
	net_free(net);
}

/* dev, behind the NAT, does not follow gw's ESP anywhere (RFC 7296 2.23). */
static void test_esp_behind_nat_ignored(void **state)
{
	struct net *net = nat_pair("");

	(void)state;
	assert_int_equal(esp_from(net, DEV, "10.77.0.1", IKE_NATT_PORT + 1), 1);
	run(net, 3 * POLL_MS);
	assert_int_equal(dev_req, 0);
	assert_int_equal(spy_first(&net->p[DEV].spy, XS_DIR_OUT)->dport, IKE_NATT_PORT);
	net_free(net);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_esp_new_port_moves),
		cmocka_unit_test(test_esp_probe_unanswered_stays),
		cmocka_unit_test(test_esp_probe_retried),
		cmocka_unit_test(test_recheck_after_lost_answers),
		cmocka_unit_test(test_recheck_bounded),
		cmocka_unit_test(test_esp_new_address),
		cmocka_unit_test(test_report_waits_for_ike_rekey),
		cmocka_unit_test(test_child_rekey_redirected),
		cmocka_unit_test(test_two_children_one_check),
		cmocka_unit_test(test_ike_first),
		cmocka_unit_test(test_esp_behind_nat_ignored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
