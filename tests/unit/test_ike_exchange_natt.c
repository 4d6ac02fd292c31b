// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * NAT traversal between two engines in one process (harness:
 * ike_exchange_harness.h, configurations: ike_exchange_conf.h): keepalives
 * from the side behind the NAT (RFC 3948 4), a NAT mapping that changes
 * under an established IKE SA (RFC 7296 2.23), and INVALID_SPI from a peer
 * that lost a Child SA (RFC 7296 1.5).
 *
 *   dev 192.168.1.2:4500 --[ NAT 198.51.100.7:14500, later :24500 ]-- gw 10.77.0.1:4500
 */
#include "ike_exchange_conf.h"

#include "ike_xchg.h"	/* INVALID_SPI: the test speaks for gw through gw's own SA */
#include "strbuf.h"

#define PSK "this-is-the-fleet-psk-0123456789"
#define NAT_PAIR(dev_extra, gw_extra) \
	pair(DEV_CONF_AT("192.168.1.2", GCM128, "aes128gcm16", PSK, dev_extra), \
	     GW_CONF(GCM128, "aes128gcm16", gw_extra), true)

enum {
	KEEPALIVE_MS = 20000,
	OLD_PORT = IKE_NATT_PORT + NAT_PORT_SHIFT,	/* dev's 4500 as gw sees it */
	NEW_PORT = OLD_PORT + NAT_PORT_SHIFT,		/* ... after the NAT rebound */
};

static bool json_has(struct net *net, int idx, const char *what)
{
	struct strbuf sb;
	bool found;

	strbuf_init(&sb);
	assert_int_equal(ike_engine_list_sas(net->p[idx].e, true, net->now, &sb), 0);
	found = strstr(strbuf_str(&sb), what) != NULL;
	strbuf_free(&sb);
	return found;
}

/* ---- keepalives ---- */

/*
 * dev is behind the NAT: after 20 s without sending gw anything, one 0xFF
 * byte from its NAT-T port to gw's, and again 20 s later; gw, not behind
 * one, sends none.  None once the IKE SA is gone.
 */
static void test_keepalive_behind_nat(void **state)
{
	struct net *net = NAT_PAIR("", "");
	struct peer *dev = &net->p[DEV];
	char a[64];

	(void)state;
	initiate(net, "net");
	assert_int_equal(stats_of(net, DEV).ike_sas_established, 1);
	assert_true(ike_engine_next_timer(dev->e) <= net->now + KEEPALIVE_MS);
	advance(net, KEEPALIVE_MS - 1);
	assert_int_equal(dev->keepalives, 0);
	advance(net, 1);
	assert_int_equal(dev->keepalives, 1);
	assert_string_equal(ike_ep_format(&dev->ka_from, a, sizeof(a)), "192.168.1.2:4500");
	assert_string_equal(ike_ep_format(&dev->ka_to, a, sizeof(a)), "10.77.0.1:4500");
	advance(net, KEEPALIVE_MS);
	assert_int_equal(dev->keepalives, 2);
	assert_int_equal(net->p[GW].keepalives, 0);
	assert_int_equal(ike_engine_terminate(dev->e, "dev", net->now, a, sizeof(a)), 0);
	pump(net);
	advance(net, 3 * KEEPALIVE_MS);
	assert_int_equal(dev->keepalives, 2);
	net_free(net);
}

/* Whatever dev sends restarts the wait: a CREATE_CHILD_SA at 10 s puts it at 30 s. */
static void test_keepalive_waits_for_quiet(void **state)
{
	struct net *net = NAT_PAIR("", "");

	(void)state;
	initiate(net, "net");
	advance(net, KEEPALIVE_MS / 2);
	initiate(net, "net2");
	assert_int_equal(spy_count(&net->p[DEV].spy), 4);
	advance(net, KEEPALIVE_MS / 2);
	assert_int_equal(net->p[DEV].keepalives, 0);
	advance(net, KEEPALIVE_MS / 2);
	assert_int_equal(net->p[DEV].keepalives, 1);
	net_free(net);
}

/* No NAT, no keepalives; nor with keepalive_ms = 0. */
static void test_keepalive_off(void **state)
{
	struct net *net = pair(DEV_CONF(GCM128, "aes128gcm16", PSK, ""),
			       GW_CONF(GCM128, "aes128gcm16", ""), false);
	struct ike_engine_params p;

	(void)state;
	initiate(net, "net");
	advance(net, 3 * KEEPALIVE_MS);
	assert_int_equal(net->p[DEV].keepalives + net->p[GW].keepalives, 0);
	net_free(net);

	net = NAT_PAIR("", "");
	ike_engine_params_default(&p);
	p.keepalive_ms = 0;
	assert_int_equal(ike_engine_set_params(net->p[DEV].e, &p), 0);
	initiate(net, "net");
	advance(net, 3 * KEEPALIVE_MS);
	assert_int_equal(net->p[DEV].keepalives, 0);
	net_free(net);
}

/* ---- NAT rebinding ---- */

static bool rebound;		/* the NAT maps dev's 4500 to NEW_PORT now */
static unsigned int corrupt;	/* of dev's next messages, break this many */

static enum verdict nat_rebinds(struct net *net, struct pkt *p)
{
	(void)net;
	if (!rebound)
		return DELIVER;
	if (p->from == DEV && p->src.port == OLD_PORT) {
		p->src.port = NEW_PORT;
		if (corrupt) {
			corrupt--;
			p->data[p->len - 1] ^= 0x01;	/* the ICV */
		}
	} else if (p->from == GW && p->dst.port == NEW_PORT - NAT_PORT_SHIFT) {
		p->dst.port = IKE_NATT_PORT;	/* the NAT's way back in */
	}
	return DELIVER;
}

static void check_gw_sends_to(struct net *net, uint16_t port)
{
	const struct dp_sa *out = spy_first(&net->p[GW].spy, XS_DIR_OUT);
	const struct dp_sa *in = spy_first(&net->p[GW].spy, XS_DIR_IN);
	char a[64], want[32];

	assert_string_equal(addr_format(&out->dst, a, sizeof(a)), "198.51.100.7");
	assert_int_equal(out->sport, IKE_NATT_PORT);
	assert_int_equal(out->dport, port);
	assert_int_equal(in->sport, port);
	assert_int_equal(in->dport, IKE_NATT_PORT);
	snprintf(want, sizeof(want), "\"remote_port\":%u", port);
	assert_true(json_has(net, GW, want));
}

/*
 * The NAT drops dev's mapping and makes a new one; dev's next liveness
 * check arrives from there:
 *   INFORMATIONAL { }  -->   from 198.51.100.7:24500, ICV broken: ignored
 *   INFORMATIONAL { }  -->   retransmitted: gw moves the IKE SA and ESP there
 *                      <--  INFORMATIONAL { }   to 198.51.100.7:24500
 */
static void test_rebind_on_request(void **state)
{
	struct net *net = NAT_PAIR("dpd_delay = 30s", "");

	(void)state;
	initiate(net, "net");
	check_gw_sends_to(net, OLD_PORT);
	rebound = true;
	corrupt = 1;
	net->filter = nat_rebinds;
	advance(net, 30000);
	assert_int_equal(stats_of(net, GW).invalid_messages, 1);
	check_gw_sends_to(net, OLD_PORT);
	advance(net, 1000);
	assert_int_equal(stats_of(net, DEV).retransmits, 1);
	check_gw_sends_to(net, NEW_PORT);
	advance(net, 10000);	/* answered: no more retransmits */
	assert_int_equal(stats_of(net, DEV).retransmits, 1);
	assert_int_equal(stats_of(net, DEV).ike_sas_established, 1);
	rebound = false;
	net_free(net);
}

/*
 *                       <--  INFORMATIONAL { }   gw's liveness check
 *   INFORMATIONAL { }  -->   from 198.51.100.7:24500: gw follows a response too
 */
static void test_rebind_on_response(void **state)
{
	struct net *net = NAT_PAIR("", "dpd_delay = 30s");

	(void)state;
	initiate(net, "net");
	rebound = true;
	corrupt = 0;
	net->filter = nat_rebinds;
	advance(net, 30000);
	assert_int_equal(stats_of(net, GW).retransmits, 0);
	check_gw_sends_to(net, NEW_PORT);
	rebound = false;
	net_free(net);
}

static enum verdict gw_port_moves(struct net *net, struct pkt *p)
{
	(void)net;
	if (p->from == GW)
		p->src.port = IKE_NATT_PORT + 1;
	return DELIVER;
}

/*
 * dev, behind the NAT, does not follow gw to another port (RFC 7296 2.23:
 * SHOULD NOT), even when gw looks NATed too (encap = yes fakes its hash, as
 * strongSwan's kernel-libipsec does).
 */
static void test_no_rebind_behind_nat(void **state)
{
	struct net *net = NAT_PAIR("dpd_delay = 30s", "encap = yes");
	const struct dp_sa *out;

	(void)state;
	initiate(net, "net");
	net->filter = gw_port_moves;
	advance(net, 30000);
	assert_int_equal(stats_of(net, DEV).retransmits, 0);	/* the answer counted */
	out = spy_first(&net->p[DEV].spy, XS_DIR_OUT);
	assert_int_equal(out->dport, IKE_NATT_PORT);
	assert_true(json_has(net, DEV, "\"nat_remote\":true"));
	assert_true(json_has(net, DEV, "\"remote_port\":4500"));
	net_free(net);
}

/* ---- INVALID_SPI ---- */

static unsigned int dev_info_requests;

static enum verdict count_dev_info(struct net *net, struct pkt *p)
{
	(void)net;
	if (p->from == DEV && pkt_is(p, IKE_INFORMATIONAL, false))
		dev_info_requests++;
	return DELIVER;
}

/* gw says it got ESP it has no SA for: INFORMATIONAL { N(INVALID_SPI, data) x n }. */
static void gw_reports_invalid_spi(struct net *net, const uint8_t *data, size_t len,
				   unsigned int n)
{
	struct ike_sa *sa = net->p[GW].e->sas;
	struct ike_builder b;

	ike_msg_begin(sa, &b, IKE_INFORMATIONAL, NULL);
	while (n--)
		ike_build_notify_simple(&b, IKE_N_INVALID_SPI, data, len);
	assert_int_equal(ike_request_send(sa, &b, IKE_REQ_DPD, NULL), 0);
	pump(net);
}

/*
 * gw lost its inbound SA of one of dev's two children:
 *                       <--  INFORMATIONAL { N(INVALID_SPI, dev's outbound SPI) } (twice)
 *   INFORMATIONAL { }  -->   that child leaves dev's data plane
 *   INFORMATIONAL { D(ESP, dev's inbound SPI) }  -->   (once)
 *                       <--  INFORMATIONAL { D(ESP, gw's inbound SPI) }
 * An SPI dev does not have, or one of the wrong length, changes nothing.
 */
static void test_invalid_spi(void **state)
{
	struct net *net = pair(DEV_CONF(GCM128, "aes128gcm16", PSK, ""),
			       GW_CONF(GCM128, "aes128gcm16", ""), false);
	uint8_t spi[IKE_ESP_SPI_LEN];
	uint32_t lost;

	(void)state;
	initiate(net, "net");
	initiate(net, "net2");
	assert_int_equal(spy_count(&net->p[DEV].spy), 4);
	lost = spy_first(&net->p[DEV].spy, XS_DIR_OUT)->spi;
	ike_put32(spi, 1);	/* reserved: nobody's */
	gw_reports_invalid_spi(net, spi, sizeof(spi), 1);
	gw_reports_invalid_spi(net, spi, 3, 1);
	advance(net, 0);
	assert_int_equal(spy_count(&net->p[DEV].spy), 4);

	dev_info_requests = 0;
	net->filter = count_dev_info;
	ike_put32(spi, lost);
	gw_reports_invalid_spi(net, spi, sizeof(spi), 2);
	assert_int_equal(spy_count(&net->p[DEV].spy), 2);
	assert_null(spy_find(&net->p[DEV].spy, lost, XS_DIR_OUT));
	advance(net, 0);
	assert_int_equal(dev_info_requests, 1);
	assert_int_equal(spy_count(&net->p[GW].spy), 2);
	assert_null(spy_find(&net->p[GW].spy, lost, XS_DIR_IN));
	assert_int_equal(stats_of(net, DEV).child_sas_deleted, 1);
	assert_int_equal(stats_of(net, DEV).ike_sas_established, 1);
	assert_int_equal(stats_of(net, GW).ike_sas_established, 1);
	/* the same again: that child is gone, nothing more happens */
	gw_reports_invalid_spi(net, spi, sizeof(spi), 1);
	advance(net, 0);
	assert_int_equal(dev_info_requests, 1);
	assert_int_equal(spy_count(&net->p[DEV].spy), 2);
	net_free(net);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keepalive_behind_nat),
		cmocka_unit_test(test_keepalive_waits_for_quiet),
		cmocka_unit_test(test_keepalive_off),
		cmocka_unit_test(test_rebind_on_request),
		cmocka_unit_test(test_rebind_on_response),
		cmocka_unit_test(test_no_rebind_behind_nat),
		cmocka_unit_test(test_invalid_spi),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
