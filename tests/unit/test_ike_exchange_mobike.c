// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * MOBIKE (RFC 4555) between two engines in one process (harness:
 * ike_exchange_harness.h): the device changes address, its IKE SA and
 * Child SAs move to the new one on both sides without a rekey.
 *
 *   dev 10.77.0.2:4500 ----------------------------- gw 10.77.0.1:4500
 *       then 10.77.0.3, or 192.168.1.2 --[ NAT 198.51.100.7 ]--
 *
 *   INFORMATIONAL { N(UPDATE_SA_ADDRESSES), NAT-D, N(COOKIE2) }  -->  (from the new address)
 *                         <--  INFORMATIONAL { NAT-D, N(COOKIE2) }
 *
 * dev's engine gets a source_for callback (what the kernel would pick to
 * reach gw): its current address in the test network, or no route.
 */
#include "ike_exchange_conf.h"

#include "ike_xchg.h"	/* the SAs' endpoints and MOBIKE state */

#define PSK "this-is-the-fleet-psk-0123456789"
#define LOCALS "10.77.0.0/24, 192.168.0.0/16"
#define MOBIKE_PAIR_NAT(dev_extra, gw_extra, nat) \
	mobike_pair(DEV_CONF_AT(LOCALS, GCM128, "aes128gcm16", PSK, dev_extra), \
		    GW_CONF(GCM128, "aes128gcm16", gw_extra), nat)
#define MOBIKE_PAIR(dev_extra, gw_extra) MOBIKE_PAIR_NAT(dev_extra, gw_extra, false)

static bool no_route;			/* source_for fails */
static unsigned int updates;		/* INFORMATIONAL requests dev sent */
static unsigned int drop_updates;	/* of those, lose this many */

static int dev_source_for(void *ctx, const struct ike_endpoint *remote, struct ike_endpoint *src)
{
	struct peer *p = ctx;

	(void)remote;
	if (no_route)
		return -ENETUNREACH;
	*src = p->addr;
	return 0;
}

static int dev_local_addrs(void *ctx, struct ike_endpoint *out, unsigned int max)
{
	struct peer *p = ctx;

	if (!max)
		return 0;
	out[0] = p->addr;
	return 1;
}

static const struct ike_engine_ops dev_ops = {
	.send = net_send,
	.send_keepalive = net_keepalive,
	.local_addrs = dev_local_addrs,
	.source_for = dev_source_for,
};

static enum verdict count_updates(struct net *net, struct pkt *p)
{
	(void)net;
	if (p->from != DEV || !pkt_is(p, IKE_INFORMATIONAL, false))
		return DELIVER;
	updates++;
	if (drop_updates) {
		drop_updates--;
		return DROP;
	}
	return DELIVER;
}

/* dev with the MOBIKE callbacks, gw as usual; the IKE SA up with child "net". */
static struct net *mobike_pair(const char *dev_conf, const char *gw_conf, bool nat)
{
	struct net *net = pair(dev_conf, gw_conf, nat);
	struct peer *dev = &net->p[DEV];

	ike_engine_free(dev->e);
	dev->e = ike_engine_new(dev->cfg, &dev->spy.dp, &dev_ops, dev);
	assert_non_null(dev->e);
	no_route = false;
	updates = drop_updates = 0;
	net->filter = count_updates;
	initiate(net, "net");
	assert_int_equal(stats_of(net, DEV).ike_sas_established, 1);
	return net;
}

/* The side's one established IKE SA. */
static struct ike_sa *sa_of(struct net *net, int idx)
{
	struct ike_sa *sa, *found = NULL;

	for (sa = net->p[idx].e->sas; sa; sa = sa->next)
		if (sa->state == IKE_SA_ESTABLISHED && !sa->rekeyed) {
			assert_null(found);
			found = sa;
		}
	assert_non_null(found);
	return found;
}

static const char *ep_str(const struct ike_endpoint *ep)
{
	static char buf[4][64];
	static unsigned int i;

	return ike_ep_format(ep, buf[i++ % 4], sizeof(buf[0]));
}

static const char *dp_str(const struct dp_addr *a)
{
	static char buf[4][64];
	static unsigned int i;

	return addr_format(a, buf[i++ % 4], sizeof(buf[0]));
}

static void move_dev(struct net *net, const char *addr)
{
	ep4(&net->p[DEV].addr, addr, 0);
	ike_engine_addresses_changed(net->p[DEV].e, net->now);
	pump(net);
}

struct spis {
	uint32_t dev_in, dev_out;
};

static struct spis spis_of(struct net *net)
{
	const struct dp_sa *in = spy_first(&net->p[DEV].spy, XS_DIR_IN);
	const struct dp_sa *out = spy_first(&net->p[DEV].spy, XS_DIR_OUT);

	assert_non_null(in);
	assert_non_null(out);
	return (struct spis){ .dev_in = in->spi, .dev_out = out->spi };
}

/* Both data planes: the same SPIs as before, the outer addresses and ports given. */
static void check_dp(struct net *net, struct spis was, const char *dev_addr, uint16_t dev_port,
		     uint16_t gw_port)
{
	const struct dp_sa *dev_out = spy_find(&net->p[DEV].spy, was.dev_out, XS_DIR_OUT);
	const struct dp_sa *dev_in = spy_find(&net->p[DEV].spy, was.dev_in, XS_DIR_IN);
	const struct dp_sa *gw_in = spy_find(&net->p[GW].spy, was.dev_out, XS_DIR_IN);
	const struct dp_sa *gw_out = spy_find(&net->p[GW].spy, was.dev_in, XS_DIR_OUT);

	assert_non_null(dev_out);
	assert_non_null(dev_in);
	assert_non_null(gw_in);
	assert_non_null(gw_out);
	assert_int_equal(spy_count(&net->p[DEV].spy), 2);
	assert_int_equal(spy_count(&net->p[GW].spy), 2);
	assert_string_equal(dp_str(&dev_out->src), "10.77.0.3");
	assert_string_equal(dp_str(&dev_in->dst), "10.77.0.3");
	assert_string_equal(dp_str(&gw_in->src), dev_addr);
	assert_string_equal(dp_str(&gw_out->dst), dev_addr);
	assert_int_equal(gw_out->dport, dev_port);
	assert_int_equal(gw_in->sport, dev_port);
	assert_int_equal(gw_out->sport, gw_port);
	assert_int_equal(dev_out->dport, gw_port);
}

/* ---- the device moves ---- */

/*
 * No NAT before or after: both sides agreed on MOBIKE in IKE_AUTH, dev
 * went to 4500 all the same; it moves to 10.77.0.3, gw follows, ESP stays
 * unencapsulated, the same SPIs (no rekey), one address_changed on each side.
 */
static void test_move(void **state)
{
	struct net *net = MOBIKE_PAIR("", "");
	struct spis was = spis_of(net);
	struct ike_sa *dev, *gw;

	(void)state;
	dev = sa_of(net, DEV);
	gw = sa_of(net, GW);
	assert_true(dev->mobike);
	assert_true(gw->mobike);
	assert_string_equal(ep_str(&dev->local), "10.77.0.2:4500");
	assert_string_equal(ep_str(&dev->remote), "10.77.0.1:4500");
	assert_false(dev->natt);
	move_dev(net, "10.77.0.3");
	assert_int_equal(updates, 1);
	assert_string_equal(ep_str(&dev->local), "10.77.0.3:4500");
	assert_string_equal(ep_str(&gw->remote), "10.77.0.3:4500");
	assert_string_equal(ep_str(&gw->local), "10.77.0.1:4500");
	assert_false(gw->natt);
	check_dp(net, was, "10.77.0.3", 0, 0);
	assert_int_equal(stats_of(net, DEV).address_changes, 1);
	assert_int_equal(stats_of(net, GW).address_changes, 1);
	assert_int_equal(stats_of(net, DEV).child_sas_rekeyed, 0);
	assert_int_equal(stats_of(net, GW).child_sas_rekeyed + stats_of(net, GW).ike_sas_rekeyed, 0);
	assert_int_equal(stats_of(net, DEV).child_sas_installed, 1);
	/* nothing changed: no update */
	ike_engine_addresses_changed(net->p[DEV].e, net->now);
	pump(net);
	assert_int_equal(updates, 1);
	net_free(net);
}

/* The first update is lost: retransmitted from the new address, then the move. */
static void test_move_retransmitted(void **state)
{
	struct net *net = MOBIKE_PAIR("", "");
	struct spis was = spis_of(net);

	(void)state;
	drop_updates = 1;
	move_dev(net, "10.77.0.3");
	assert_int_equal(updates, 1);
	assert_int_equal(stats_of(net, GW).address_changes, 0);
	advance(net, 1000);
	assert_int_equal(updates, 2);
	assert_int_equal(stats_of(net, DEV).retransmits, 1);
	assert_string_equal(ep_str(&sa_of(net, GW)->remote), "10.77.0.3:4500");
	check_dp(net, was, "10.77.0.3", 0, 0);
	assert_int_equal(stats_of(net, DEV).address_changes, 1);
	assert_int_equal(stats_of(net, GW).address_changes, 1);
	net_free(net);
}

/*
 * dev moves behind a NAT: gw sees the update from 198.51.100.7:14500 and
 * NAT-D says so; both sides put ESP in UDP from then on, dev (behind the
 * NAT) starts keepalives.
 */
static void test_nat_on_new_path(void **state)
{
	struct net *net = MOBIKE_PAIR("", "");
	struct spis was = spis_of(net);
	struct ike_sa *dev, *gw;

	(void)state;
	net->nat = true;
	move_dev(net, "192.168.1.2");
	dev = sa_of(net, DEV);
	gw = sa_of(net, GW);
	assert_string_equal(ep_str(&gw->remote), "198.51.100.7:14500");
	assert_true(gw->nat_remote && gw->natt && !gw->nat_local);
	assert_true(dev->nat_local && dev->natt);
	assert_int_equal(spy_count(&net->p[GW].spy), 2);
	assert_string_equal(dp_str(&spy_find(&net->p[GW].spy, was.dev_in, XS_DIR_OUT)->dst),
			    "198.51.100.7");
	assert_int_equal(spy_find(&net->p[GW].spy, was.dev_in, XS_DIR_OUT)->dport, 14500);
	assert_int_equal(spy_find(&net->p[GW].spy, was.dev_in, XS_DIR_OUT)->sport, 4500);
	assert_string_equal(dp_str(&spy_find(&net->p[DEV].spy, was.dev_out, XS_DIR_OUT)->src),
			    "192.168.1.2");
	assert_int_equal(spy_find(&net->p[DEV].spy, was.dev_out, XS_DIR_OUT)->sport, 4500);
	assert_int_equal(spy_find(&net->p[DEV].spy, was.dev_out, XS_DIR_OUT)->dport, 4500);
	advance(net, 20000);
	assert_true(net->p[DEV].keepalives >= 1);
	assert_int_equal(net->p[GW].keepalives, 0);
	net_free(net);
}

/* No route to gw: nothing sent, the SA waits; the next change moves it. */
static void test_no_address_waits(void **state)
{
	struct net *net = MOBIKE_PAIR("", "");
	struct spis was = spis_of(net);

	(void)state;
	no_route = true;
	move_dev(net, "10.77.0.3");
	assert_int_equal(updates, 0);
	assert_string_equal(ep_str(&sa_of(net, DEV)->local), "10.77.0.2:4500");
	no_route = false;
	ike_engine_addresses_changed(net->p[DEV].e, net->now);
	pump(net);
	assert_int_equal(updates, 1);
	check_dp(net, was, "10.77.0.3", 0, 0);
	net_free(net);
}

/* An address outside local_addrs is not moved to. */
static void test_outside_local_addrs(void **state)
{
	struct net *net = MOBIKE_PAIR("", "");

	(void)state;
	move_dev(net, "10.99.0.3");
	assert_int_equal(updates, 0);
	assert_string_equal(ep_str(&sa_of(net, DEV)->local), "10.77.0.2:4500");
	net_free(net);
}

/* mobike = no on gw: dev does not send the update; gw stays where it was. */
static void test_not_negotiated(void **state)
{
	struct net *net = MOBIKE_PAIR("", "mobike = no");

	(void)state;
	assert_false(sa_of(net, DEV)->mobike);
	assert_false(sa_of(net, GW)->mobike);
	move_dev(net, "10.77.0.3");
	assert_int_equal(updates, 0);
	assert_string_equal(ep_str(&sa_of(net, GW)->remote), "10.77.0.2:500");
	assert_int_equal(stats_of(net, GW).address_changes, 0);
	net_free(net);
}

/*
 * gw did not agree to MOBIKE but dev thinks so (forced here): gw answers
 * the INFORMATIONAL as any other and does not move; dev sees no COOKIE2
 * echoed and does not take its data plane anywhere either.
 */
static void test_responder_ignores_without_mobike(void **state)
{
	struct net *net = MOBIKE_PAIR("", "mobike = no");
	struct spis was = spis_of(net);

	(void)state;
	sa_of(net, DEV)->mobike = true;
	sa_of(net, DEV)->mobike_mover = true;
	move_dev(net, "10.77.0.3");
	assert_int_equal(updates, 1);
	assert_string_equal(ep_str(&sa_of(net, GW)->remote), "10.77.0.2:500");
	assert_string_equal(dp_str(&spy_find(&net->p[GW].spy, was.dev_in, XS_DIR_OUT)->dst),
			    "10.77.0.2");
	assert_int_equal(stats_of(net, GW).address_changes, 0);
	assert_int_equal(stats_of(net, DEV).address_changes, 0);
	assert_int_equal(stats_of(net, DEV).ike_sas_established, 1);
	net_free(net);
}

static int elsewhere(void *ctx, const struct ike_endpoint *remote, struct ike_endpoint *src)
{
	(void)ctx;
	(void)remote;
	ep4(src, "10.77.0.9", 0);
	return 0;
}

/* Only the original initiator moves an SA (RFC 4555 3.11): gw, given a new source, sends nothing. */
static void test_responder_does_not_roam(void **state)
{
	struct net *net = MOBIKE_PAIR("", "");

	(void)state;
	net->p[GW].e->ops.source_for = elsewhere;
	ike_engine_addresses_changed(net->p[GW].e, net->now);
	pump(net);
	assert_int_equal(net->n, 0);
	assert_int_equal(updates, 0);
	net_free(net);
}

static bool other_nat_addr;	/* dev's INFORMATIONAL requests leave from 198.51.100.8 */

/* A second NAT address for dev's path checks: 198.51.100.8:24500, and the way back. */
static enum verdict second_mapping(struct net *net, struct pkt *p)
{
	static const uint8_t other[4] = { 198, 51, 100, 8 };

	if (!other_nat_addr)
		return DELIVER;
	if (p->from == DEV && pkt_is(p, IKE_INFORMATIONAL, false)) {
		memcpy(p->src.addr, other, 4);
		p->src.port = IKE_NATT_PORT + 2 * NAT_PORT_SHIFT;
	} else if (p->from == GW && !memcmp(p->dst.addr, other, 4)) {
		memcpy(p->dst.addr, net->p[DEV].addr.addr, 4);
		p->dst.port = IKE_NATT_PORT;
	}
	return DELIVER;
}

/*
 * A path check (RFC 4555 3.8) from another address, behind a NAT that gw
 * would otherwise follow (RFC 7296 2.23): answered there, with NAT-D and
 * COOKIE2, but the SA stays where it is.
 *   INFORMATIONAL { NAT-D, N(COOKIE2) }  -->   from 198.51.100.8:24500
 *                 <--  INFORMATIONAL { NAT-D, N(COOKIE2) }
 */
static void test_path_check_does_not_move(void **state)
{
	struct net *net = MOBIKE_PAIR_NAT("", "", true);
	struct ike_sa *dev = sa_of(net, DEV), *gw = sa_of(net, GW);
	unsigned int delivered;
	struct ike_builder b;

	(void)state;
	assert_true(gw->natt && gw->nat_remote);
	assert_string_equal(ep_str(&gw->remote), "198.51.100.7:14500");
	other_nat_addr = true;
	net->filter = second_mapping;
	ike_msg_begin(dev, &b, IKE_INFORMATIONAL, NULL);
	ike_natd_build(dev, &b);
	ike_build_notify_simple(&b, IKE_N_COOKIE2, "cookie-2", 8);
	assert_int_equal(ike_request_send(dev, &b, IKE_REQ_DPD, NULL), 0);
	delivered = net->delivered;
	dev->nat_local = false;		/* not to take the answer for a rebinding NAT */
	pump(net);
	dev->nat_local = true;
	assert_int_equal(net->delivered, delivered + 2);	/* the check and its answer */
	assert_int_equal(dev->req.kind, IKE_REQ_NONE);
	assert_string_equal(ep_str(&gw->remote), "198.51.100.7:14500");
	assert_int_equal(stats_of(net, GW).address_changes, 0);
	assert_int_equal(spy_first(&net->p[GW].spy, XS_DIR_OUT)->dport, 14500);
	other_nat_addr = false;
	net_free(net);
}

/*
 * With MOBIKE gw does not follow dev to another address by itself (a new
 * port of the same address it would, as a rebinding NAT).  dev, behind
 * the NAT, puts NAT-D in its liveness checks and updates when gw's answer
 * shows it elsewhere (RFC 4555 3.10):
 *   INFORMATIONAL { NAT-D }  -->   from 198.51.100.8:24500: answered, not followed
 *                       <--  INFORMATIONAL { NAT-D }   (198.51.100.8:24500 it says)
 *   INFORMATIONAL { N(UPDATE_SA_ADDRESSES), NAT-D, N(COOKIE2) }  -->   gw moves
 */
static void test_nat_rebinding_found_by_dpd(void **state)
{
	struct net *net = MOBIKE_PAIR_NAT("dpd_delay = 30s", "", true);
	struct ike_sa *gw = sa_of(net, GW);

	(void)state;
	net->filter = second_mapping;
	advance(net, 30000);	/* the first check notes how gw sees dev */
	assert_string_equal(ep_str(&gw->remote), "198.51.100.7:14500");
	assert_int_equal(stats_of(net, GW).address_changes, 0);
	other_nat_addr = true;
	advance(net, 30000);
	assert_string_equal(ep_str(&gw->remote), "198.51.100.8:24500");
	assert_int_equal(spy_first(&net->p[GW].spy, XS_DIR_OUT)->dport, 24500);
	assert_int_equal(stats_of(net, GW).address_changes, 1);
	assert_int_equal(stats_of(net, DEV).address_changes, 0);	/* dev did not move */
	assert_int_equal(stats_of(net, DEV).ike_sas_established, 1);
	advance(net, 30000);	/* the same mapping: no more updates */
	assert_int_equal(stats_of(net, GW).address_changes, 1);
	other_nat_addr = false;
	net_free(net);
}

/* gw rekeyed the IKE SA (it is the new SA's initiator): dev still moves it. */
static void test_move_after_gw_rekeyed_ike(void **state)
{
	struct net *net = MOBIKE_PAIR("", "");
	struct spis was = spis_of(net);
	char err[128];

	(void)state;
	assert_int_equal(ike_engine_rekey(net->p[GW].e, "gw", true, net->now, err, sizeof(err)), 1);
	pump(net);
	advance(net, 2000);
	assert_int_equal(stats_of(net, GW).ike_sas_rekeyed, 1);
	assert_true(sa_of(net, GW)->initiator);
	move_dev(net, "10.77.0.3");
	assert_int_equal(updates, 1);
	assert_string_equal(ep_str(&sa_of(net, GW)->remote), "10.77.0.3:4500");
	check_dp(net, was, "10.77.0.3", 0, 0);
	assert_int_equal(stats_of(net, GW).address_changes, 1);
	net_free(net);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_move),
		cmocka_unit_test(test_move_retransmitted),
		cmocka_unit_test(test_nat_on_new_path),
		cmocka_unit_test(test_no_address_waits),
		cmocka_unit_test(test_outside_local_addrs),
		cmocka_unit_test(test_not_negotiated),
		cmocka_unit_test(test_responder_ignores_without_mobike),
		cmocka_unit_test(test_responder_does_not_roam),
		cmocka_unit_test(test_path_check_does_not_move),
		cmocka_unit_test(test_nat_rebinding_found_by_dpd),
		cmocka_unit_test(test_move_after_gw_rekeyed_ike),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
