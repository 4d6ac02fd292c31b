// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The life of IKE SAs between two engines in one process (harness:
 * ike_exchange_harness.h, configurations: ike_exchange_conf.h): lost,
 * duplicated and corrupted messages, deletes both ways, liveness checks
 * and dead peers, more Child SAs (CREATE_CHILD_SA), start actions,
 * devices that come back, list-sas / list-conns and reload.
 */
#include "ike_exchange_conf.h"

#include <errno.h>

#include "strbuf.h"

static unsigned int drops_left;
static uint8_t first_resp[2048];
static size_t first_resp_len;
static unsigned int auth_responses;

static enum verdict drop_auth_response(struct net *net, struct pkt *p)
{
	(void)net;
	if (pkt_is(p, IKE_AUTH, true) && drops_left) {
		drops_left--;
		memcpy(first_resp, p->data, p->len);
		first_resp_len = p->len;
		return DROP;
	}
	if (pkt_is(p, IKE_AUTH, true)) {
		auth_responses++;
		/* the cached response, byte for byte */
		assert_int_equal(p->len, first_resp_len);
		assert_memory_equal(p->data, first_resp, p->len);
	}
	return DELIVER;
}

/*
 *   IKE_AUTH { ... }  -->
 *                       <--  IKE_AUTH { ... }   (lost)
 *   IKE_AUTH { ... }  -->   (after 1 s, the same bytes)
 *                       <--  IKE_AUTH { ... }   (from the cache)
 */
static void test_retransmit_lost_response(void **state)
{
	struct net *net = pair(DEV_CONF(GCM128, "aes128gcm16", "this-is-the-fleet-psk-0123456789",
					""),
			       GW_CONF(GCM128, "aes128gcm16", ""), false);

	(void)state;
	drops_left = 1;
	auth_responses = 0;
	net->filter = drop_auth_response;
	initiate(net, "net");
	assert_int_equal(stats_of(net, DEV).ike_sas_established, 0);
	advance(net, 999);
	assert_int_equal(stats_of(net, DEV).retransmits, 0);
	advance(net, 1);
	assert_int_equal(stats_of(net, DEV).retransmits, 1);
	assert_int_equal(auth_responses, 1);
	check_established(net, 2);
	net_free(net);
}

static enum verdict hold_first_auth_response(struct net *net, struct pkt *p)
{
	if (pkt_is(p, IKE_AUTH, true) && drops_left) {
		drops_left--;
		(void)net;
		return HOLD;
	}
	return DELIVER;
}

/*
 * A delayed response: dev retransmits, gets the cached answer, and the
 * late original then finds no request waiting for it.
 */
static void test_late_response(void **state)
{
	struct net *net = pair(DEV_CONF(GCM128, "aes128gcm16", "this-is-the-fleet-psk-0123456789",
					""),
			       GW_CONF(GCM128, "aes128gcm16", ""), false);
	struct ike_engine_stats before;

	(void)state;
	drops_left = 1;
	net->filter = hold_first_auth_response;
	initiate(net, "net");
	advance(net, 1000);
	check_established(net, 2);
	before = stats_of(net, DEV);
	release(net);
	check_established(net, 2);
	assert_int_equal(stats_of(net, DEV).child_sas_installed, before.child_sas_installed);
	assert_int_equal(stats_of(net, DEV).messages_out, before.messages_out);
	net_free(net);
}

static uint8_t dup_resp[2][2048];
static size_t dup_resp_len[2];
static unsigned int n_dup_resp;

static enum verdict dup_auth_request(struct net *net, struct pkt *p)
{
	(void)net;
	if (pkt_is(p, IKE_AUTH, true) && n_dup_resp < 2) {
		memcpy(dup_resp[n_dup_resp], p->data, p->len);
		dup_resp_len[n_dup_resp++] = p->len;
	}
	return pkt_is(p, IKE_AUTH, false) ? DUPLICATE : DELIVER;
}

/* A duplicated IKE_AUTH request gets the same response twice, and one Child SA. */
static void test_duplicate_request(void **state)
{
	struct net *net = pair(DEV_CONF(GCM128, "aes128gcm16", "this-is-the-fleet-psk-0123456789",
					""),
			       GW_CONF(GCM128, "aes128gcm16", ""), false);

	(void)state;
	n_dup_resp = 0;
	net->filter = dup_auth_request;
	initiate(net, "net");
	assert_int_equal(n_dup_resp, 2);
	assert_int_equal(dup_resp_len[0], dup_resp_len[1]);
	assert_memory_equal(dup_resp[0], dup_resp[1], dup_resp_len[0]);
	check_established(net, 2);
	assert_int_equal(stats_of(net, GW).child_sas_installed, 1);
	net_free(net);
}

static unsigned int corrupt_left;

static enum verdict corrupt_auth_request(struct net *net, struct pkt *p)
{
	(void)net;
	if (pkt_is(p, IKE_AUTH, false) && corrupt_left) {
		corrupt_left--;
		p->data[p->len - 20] ^= 0x40;	/* inside the ICV or ciphertext */
	}
	return DELIVER;
}

/* A corrupted request is dropped and counted; the retransmission gets through. */
static void test_corrupted_message(void **state)
{
	struct net *net = pair(DEV_CONF(GCM128, "aes128gcm16", "this-is-the-fleet-psk-0123456789",
					""),
			       GW_CONF(GCM128, "aes128gcm16", ""), false);
	uint8_t junk[64];

	(void)state;
	corrupt_left = 1;
	net->filter = corrupt_auth_request;
	initiate(net, "net");
	assert_int_equal(stats_of(net, GW).invalid_messages, 1);
	assert_int_equal(stats_of(net, GW).ike_sas_established, 0);
	advance(net, 1000);
	check_established(net, 2);
	/* short, oversized-header and garbage datagrams: dropped, counted, no crash */
	memset(junk, 0xa5, sizeof(junk));
	ike_engine_input(net->p[GW].e, &net->p[GW].addr, &net->p[DEV].addr, junk, 10, net->now);
	ike_engine_input(net->p[GW].e, &net->p[GW].addr, &net->p[DEV].addr, junk, sizeof(junk),
			 net->now);
	assert_int_equal(stats_of(net, GW).invalid_messages, 3);
	net_free(net);
}

/*
 *   INFORMATIONAL { D(IKE) }  -->
 *                       <--  INFORMATIONAL { }
 */
static void test_terminate(void **state)
{
	struct net *net = pair(DEV_CONF(GCM128, "aes128gcm16", "this-is-the-fleet-psk-0123456789",
					""),
			       GW_CONF(GCM128, "aes128gcm16", ""), false);
	char err[128];

	(void)state;
	initiate(net, "net");
	check_established(net, 2);
	assert_int_equal(ike_engine_terminate(net->p[DEV].e, "dev", net->now, err, sizeof(err)),
			 0);
	pump(net);
	assert_int_equal(spy_count(&net->p[DEV].spy), 0);
	assert_int_equal(spy_count(&net->p[GW].spy), 0);
	assert_int_equal(dp_fake_policy_count(net->p[GW].spy.inner), 0);
	assert_int_equal(stats_of(net, DEV).ike_sas_established, 0);
	assert_int_equal(stats_of(net, GW).ike_sas_established, 0);
	assert_int_equal(stats_of(net, GW).child_sas_deleted, 1);
	assert_int_equal(ike_engine_terminate(net->p[DEV].e, "dev", net->now, err, sizeof(err)),
			 -ENOENT);
	net_free(net);
}

/* The responder deletes: the initiator answers and removes its side. */
static void test_terminate_by_responder(void **state)
{
	struct net *net = pair(DEV_CONF(GCM128, "aes128gcm16", "this-is-the-fleet-psk-0123456789",
					""),
			       GW_CONF(GCM128, "aes128gcm16", ""), false);
	char err[128];

	(void)state;
	initiate(net, "net");
	assert_int_equal(ike_engine_terminate(net->p[GW].e, "gw", net->now, err, sizeof(err)), 0);
	pump(net);
	assert_int_equal(spy_count(&net->p[DEV].spy), 0);
	assert_int_equal(spy_count(&net->p[GW].spy), 0);
	assert_int_equal(stats_of(net, DEV).ike_sas_established, 0);
	net_free(net);
}

static unsigned int informational[2];

static enum verdict count_info(struct net *net, struct pkt *p)
{
	(void)net;
	if (pkt_is(p, IKE_INFORMATIONAL, false))
		informational[0]++;
	if (pkt_is(p, IKE_INFORMATIONAL, true))
		informational[1]++;
	return DELIVER;
}

/*
 * dpd_delay = 30s on gw:
 *                       <--  INFORMATIONAL { }
 *   INFORMATIONAL { }  -->
 */
static void test_liveness(void **state)
{
	struct net *net = pair(DEV_CONF(GCM128, "aes128gcm16", "this-is-the-fleet-psk-0123456789",
					""),
			       GW_CONF(GCM128, "aes128gcm16", "dpd_delay = 30s"), false);

	(void)state;
	initiate(net, "net");
	memset(informational, 0, sizeof(informational));
	net->filter = count_info;
	assert_true(ike_engine_next_timer(net->p[GW].e) <= net->now + 30000);
	advance(net, 29000);
	assert_int_equal(informational[0], 0);
	advance(net, 1000);
	assert_int_equal(informational[0], 1);
	assert_int_equal(informational[1], 1);
	assert_int_equal(stats_of(net, GW).ike_sas_established, 1);
	advance(net, 10000);
	assert_int_equal(stats_of(net, GW).retransmits, 0);
	net_free(net);
}

static enum verdict drop_from_dev(struct net *net, struct pkt *p)
{
	(void)net;
	return p->from == DEV ? DROP : DELIVER;
}

/*
 *   INFORMATIONAL { D(ESP, dev's inbound SPI) }  -->
 *                       <--  INFORMATIONAL { D(ESP, gw's inbound SPI) }
 * and the other way round.
 */
static void test_terminate_child(void **state)
{
	struct net *net = pair(DEV_CONF(GCM128, "aes128gcm16", "this-is-the-fleet-psk-0123456789",
					""),
			       GW_CONF(GCM128, "aes128gcm16", ""), false);
	char err[128], a[64];

	(void)state;
	initiate(net, "net");
	initiate(net, "net2");
	assert_int_equal(spy_count(&net->p[GW].spy), 4);
	assert_int_equal(ike_engine_terminate(net->p[DEV].e, "net2", net->now, err, sizeof(err)),
			 0);
	pump(net);
	assert_int_equal(spy_count(&net->p[DEV].spy), 2);
	assert_int_equal(spy_count(&net->p[GW].spy), 2);
	assert_int_equal(dp_fake_policy_count(net->p[GW].spy.inner), 1);
	assert_string_equal(sel_str(&spy_first(&net->p[GW].spy, XS_DIR_IN)->local_ts[0], a,
				    sizeof(a)), "10.1.0.0/24");
	check_sa_pairs(net);
	assert_int_equal(ike_engine_terminate(net->p[GW].e, "net", net->now, err, sizeof(err)), 0);
	pump(net);
	assert_int_equal(spy_count(&net->p[DEV].spy), 0);
	assert_int_equal(spy_count(&net->p[GW].spy), 0);
	/* the IKE SA stays */
	assert_int_equal(stats_of(net, DEV).ike_sas_established, 1);
	assert_int_equal(stats_of(net, GW).ike_sas_established, 1);
	net_free(net);
}

static enum verdict drop_auth_requests(struct net *net, struct pkt *p)
{
	(void)net;
	return pkt_is(p, IKE_AUTH, false) ? DROP : DELIVER;
}

/* No IKE_AUTH ever arrives: gw forgets the half-open SA after 30 s, dev gives up after 31 s. */
static void test_half_open_timeout(void **state)
{
	struct net *net = pair(DEV_CONF(GCM128, "aes128gcm16", "this-is-the-fleet-psk-0123456789",
					""),
			       GW_CONF(GCM128, "aes128gcm16", ""), false);

	(void)state;
	net->filter = drop_auth_requests;
	initiate(net, "net");
	assert_int_equal(stats_of(net, GW).ike_sas_half_open, 1);
	for (int i = 0; i < 29; i++)
		advance(net, 1000);
	assert_int_equal(stats_of(net, GW).ike_sas_half_open, 1);
	advance(net, 1000);
	assert_int_equal(stats_of(net, GW).ike_sas_half_open, 0);
	assert_int_equal(stats_of(net, GW).ike_sas_timed_out, 1);	/* + deleted event */
	assert_int_equal(stats_of(net, DEV).handshakes_failed, 0);
	advance(net, 1000);
	assert_int_equal(stats_of(net, DEV).retransmits, 4);
	assert_int_equal(stats_of(net, DEV).handshakes_failed, 1);
	assert_int_equal(stats_of(net, DEV).ike_sas_timed_out, 1);
	assert_true(ike_engine_next_timer(net->p[DEV].e) == UINT64_MAX);
	net_free(net);
}

/* A dead peer: 5 sends of the liveness check at 1, 2, 4, 8 s, deleted after 16 more. */
static void test_dead_peer(void **state)
{
	struct net *net = pair(DEV_CONF(GCM128, "aes128gcm16", "this-is-the-fleet-psk-0123456789",
					""),
			       GW_CONF(GCM128, "aes128gcm16", "dpd_delay = 30s"), false);

	(void)state;
	initiate(net, "net");
	net->filter = drop_from_dev;
	advance(net, 30000);
	advance(net, 1000);
	advance(net, 2000);
	advance(net, 4000);
	advance(net, 8000);
	assert_int_equal(stats_of(net, GW).retransmits, 4);
	assert_int_equal(stats_of(net, GW).ike_sas_established, 1);
	advance(net, 15999);
	assert_int_equal(stats_of(net, GW).ike_sas_established, 1);
	advance(net, 1);
	assert_int_equal(stats_of(net, GW).ike_sas_established, 0);
	assert_int_equal(spy_count(&net->p[GW].spy), 0);
	net_free(net);
}

/*
 * A second child on the established IKE SA:
 *   CREATE_CHILD_SA { SA, Ni, TSi, TSr }  -->
 *                       <--  CREATE_CHILD_SA { SA, Nr, TSi, TSr }
 */
static void run_second_child(const char *esp)
{
	char dev[4096], gw[4096];
	struct net *net;
	char a[64];
	int n = 0;

	snprintf(dev, sizeof(dev), DEV_CONF(GCM128, "%s", "this-is-the-fleet-psk-0123456789", ""),
		 esp, esp);
	snprintf(gw, sizeof(gw), GW_CONF(GCM128, "%s", ""), esp, esp);
	net = pair(dev, gw, false);
	initiate(net, "net");
	initiate(net, "net2");
	assert_int_equal(spy_count(&net->p[DEV].spy), 4);
	assert_int_equal(spy_count(&net->p[GW].spy), 4);
	assert_int_equal(dp_fake_policy_count(net->p[GW].spy.inner), 2);
	for (int i = 0; i < SPY_MAX; i++) {
		const struct dp_sa *s = &net->p[GW].spy.sa[i];

		if (!net->p[GW].spy.used[i] || s->dir != XS_DIR_IN ||
		    strcmp(sel_str(&s->local_ts[0], a, sizeof(a)), "10.2.0.0/24"))
			continue;
		n++;
		assert_string_equal(sel_str(&s->remote_ts[0], a, sizeof(a)), "10.201.1.0/24");
		assert_non_null(spy_find(&net->p[DEV].spy, s->spi, XS_DIR_OUT));
		assert_memory_equal(spy_find(&net->p[DEV].spy, s->spi, XS_DIR_OUT)->crypto.key,
				    s->crypto.key, s->crypto.key_len);
	}
	assert_int_equal(n, 1);
	net_free(net);
}

static void test_create_child(void **state)
{
	(void)state;
	run_second_child("aes128gcm16");
}

/* With PFS: KEi / KEr in CREATE_CHILD_SA, none in IKE_AUTH. */
static void test_create_child_pfs(void **state)
{
	(void)state;
	run_second_child("aes128gcm16-x25519");
}

/* Both children asked for at once: the second waits for IKE_AUTH, then CREATE_CHILD_SA. */
static void test_create_child_queued(void **state)
{
	struct net *net = pair(DEV_CONF(GCM128, "aes128gcm16", "this-is-the-fleet-psk-0123456789",
					""),
			       GW_CONF(GCM128, "aes128gcm16", ""), false);
	char err[128];

	(void)state;
	assert_int_equal(ike_engine_initiate(net->p[DEV].e, "net", net->now, err, sizeof(err)), 0);
	assert_int_equal(ike_engine_initiate(net->p[DEV].e, "net2", net->now, err, sizeof(err)),
			 0);
	pump(net);
	assert_int_equal(spy_count(&net->p[DEV].spy), 4);
	assert_int_equal(spy_count(&net->p[GW].spy), 4);
	/* asking again for an established child is a no-op */
	assert_int_equal(ike_engine_initiate(net->p[DEV].e, "net", net->now, err, sizeof(err)), 0);
	pump(net);
	assert_int_equal(spy_count(&net->p[GW].spy), 4);
	assert_int_equal(ike_engine_initiate(net->p[DEV].e, "nope", net->now, err, sizeof(err)),
			 -ENOENT);
	net_free(net);
}

/*
 * dev cannot install the child gw set up (its data plane is full), so it
 * asks gw to delete it; the IKE SA stays.
 *                       <--  IKE_AUTH { IDr, AUTH, SA, TSi, TSr }
 *   INFORMATIONAL { D(ESP, dev's SPI) }  -->
 *                       <--  INFORMATIONAL { D(ESP, gw's SPI) }
 */
static void test_child_refused_locally(void **state)
{
	struct net *net = pair(DEV_CONF(GCM128, "aes128gcm16", "this-is-the-fleet-psk-0123456789",
					""),
			       GW_CONF(GCM128, "aes128gcm16", ""), false);

	(void)state;
	net->p[DEV].spy.refuse = true;
	initiate(net, "net");
	assert_int_equal(stats_of(net, DEV).ike_sas_established, 1);
	assert_int_equal(stats_of(net, GW).ike_sas_established, 1);
	assert_int_equal(spy_count(&net->p[DEV].spy), 0);
	assert_int_equal(spy_count(&net->p[GW].spy), 0);
	assert_int_equal(stats_of(net, GW).child_sas_deleted, 1);
	net_free(net);
}

/* start_action = start: the first tick initiates. */
static void test_start_action(void **state)
{
	struct net *net = pair(DEV_CONF(GCM128, "aes128gcm16", "this-is-the-fleet-psk-0123456789",
					"children { net { start_action = start } }"),
			       GW_CONF(GCM128, "aes128gcm16", ""), false);

	(void)state;
	assert_int_equal(ike_engine_next_timer(net->p[DEV].e), 0);
	advance(net, 0);
	check_established(net, 2);
	net_free(net);
}

/* dev reboots: its old engine goes without a word reaching gw, a new one starts. */
static void dev_reboots(struct net *net)
{
	net->filter = drop_from_dev;
	ike_engine_free(net->p[DEV].e);
	pump(net);
	net->filter = NULL;
	assert_int_equal(spy_count(&net->p[DEV].spy), 0);
	net->p[DEV].e = ike_engine_new(net->p[DEV].cfg, &net->p[DEV].spy.dp, &net_ops,
				       &net->p[DEV]);
}

/* A device that comes back (INITIAL_CONTACT) replaces its old SAs and takes its routes. */
static void test_reconnect_replaces(void **state)
{
	const char *gw = GW_CONF(GCM128, "aes128gcm16", "");
	struct net *net = pair(DEV_CONF(GCM128, "aes128gcm16", "this-is-the-fleet-psk-0123456789",
					""), gw, false);

	(void)state;
	initiate(net, "net");
	dev_reboots(net);
	initiate(net, "net");
	assert_int_equal(stats_of(net, GW).ike_sas_established, 1);
	assert_int_equal(spy_count(&net->p[GW].spy), 2);
	assert_int_equal(dp_fake_policy_count(net->p[GW].spy.inner), 1);
	check_sa_pairs(net);
	net_free(net);
}

/* The same after the gateway rekeyed the IKE SA, which made it the new IKE
 * SA's initiator: INITIAL_CONTACT still retires the device's old SAs. */
static void test_reconnect_after_gw_ike_rekey(void **state)
{
	const char *gw = GW_CONF(GCM128, "aes128gcm16", "");
	struct net *net = pair(DEV_CONF(GCM128, "aes128gcm16", "this-is-the-fleet-psk-0123456789",
					""), gw, false);
	char err[128] = "";

	(void)state;
	initiate(net, "net");
	assert_int_equal(ike_engine_rekey(net->p[GW].e, "gw", true, net->now, err, sizeof(err)), 1);
	advance(net, 3000);
	assert_int_equal(stats_of(net, GW).ike_sas_rekeyed, 1);
	dev_reboots(net);
	initiate(net, "net");
	assert_int_equal(stats_of(net, GW).ike_sas_established, 1);
	assert_int_equal(spy_count(&net->p[GW].spy), 2);
	check_sa_pairs(net);
	net_free(net);
}

/*
 * unique = never: the old IKE SA stays, the new Child SA takes the route;
 * when the old one dies (no answer to its liveness checks) the route stays.
 */
static void test_reconnect_unique_never(void **state)
{
	struct net *net = pair(DEV_CONF(GCM128, "aes128gcm16", "this-is-the-fleet-psk-0123456789",
					""),
			       GW_CONF(GCM128, "aes128gcm16", "unique = never\n dpd_delay = 30s"),
			       false);
	const struct dp_sa *dev_in;
	struct xs_selector sel;
	uint32_t slot;
	int out = -1;

	(void)state;
	initiate(net, "net");
	dev_reboots(net);
	advance(net, 10000);
	initiate(net, "net");
	assert_int_equal(stats_of(net, GW).ike_sas_established, 2);
	assert_int_equal(spy_count(&net->p[GW].spy), 4);
	assert_int_equal(dp_fake_policy_count(net->p[GW].spy.inner), 1);
	/* the old SA's liveness checks go unanswered: gone after 30 + 31 s */
	for (int i = 0; i < 61; i++)
		advance(net, 1000);
	assert_int_equal(stats_of(net, GW).ike_sas_established, 1);
	assert_int_equal(spy_count(&net->p[GW].spy), 2);
	assert_int_equal(dp_fake_policy_count(net->p[GW].spy.inner), 1);
	dev_in = spy_first(&net->p[DEV].spy, XS_DIR_IN);
	for (int i = 0; i < SPY_MAX; i++)
		if (net->p[GW].spy.used[i] && net->p[GW].spy.sa[i].dir == XS_DIR_OUT &&
		    net->p[GW].spy.sa[i].spi == dev_in->spi)
			out = i;
	assert_int_equal(dp_fake_policy_get(net->p[GW].spy.inner, 0, &sel, &slot), 0);
	assert_int_equal((int)slot, out);
	net_free(net);
}

/* A message for an IKE SA nobody knows: ignored, nothing sent. */
static void test_unknown_spi(void **state)
{
	struct net *net = pair(DEV_CONF(GCM128, "aes128gcm16", "this-is-the-fleet-psk-0123456789",
					""),
			       GW_CONF(GCM128, "aes128gcm16", ""), false);
	struct ike_hdr h = { .version = IKE_VERSION_2, .exchange = IKE_INFORMATIONAL,
			     .flags = IKE_FLAG_INITIATOR, .msg_id = 3, .length = IKE_HDR_LEN };
	uint8_t msg[IKE_HDR_LEN];

	(void)state;
	memset(h.spi_i, 1, 8);
	memset(h.spi_r, 2, 8);
	ike_hdr_write(msg, &h);
	ike_engine_input(net->p[GW].e, &net->p[GW].addr, &net->p[DEV].addr, msg, IKE_HDR_LEN,
			 net->now);
	assert_int_equal(net->n, 0);
	net_free(net);
}

/* list-sas and list-conns, text and JSON. */
static void test_list(void **state)
{
	struct net *net = pair(DEV_CONF(GCM128, "aes128gcm16", "this-is-the-fleet-psk-0123456789",
					""),
			       GW_CONF(GCM128, "aes128gcm16", ""), false);
	struct strbuf sb = STRBUF_INIT;
	const char *s;

	(void)state;
	initiate(net, "net");
	assert_int_equal(ike_engine_list_sas(net->p[GW].e, false, net->now + 5000, &sb), 0);
	s = strbuf_str(&sb);
	assert_non_null(strstr(s, "gw[1]: ESTABLISHED 5 seconds ago, "
				  "10.77.0.1[gw.example]...10.77.0.2[dev1@devices.example]"));
	assert_non_null(strstr(s, "AES_GCM_16_128/PRF_HMAC_SHA2_256/CURVE_25519"));
	assert_non_null(strstr(s, "net{1}: INSTALLED"));
	assert_non_null(strstr(s, "10.200.1.0/24"));
	strbuf_reset(&sb);
	assert_int_equal(ike_engine_list_sas(net->p[GW].e, true, net->now, &sb), 0);
	s = strbuf_str(&sb);
	assert_non_null(strstr(s, "\"state\":\"ESTABLISHED\""));
	assert_non_null(strstr(s, "\"remote_id\":\"dev1@devices.example\""));
	assert_non_null(strstr(s, "\"child_sas\":[{\"name\":\"net\""));
	assert_non_null(strstr(s, "\"remote_ts\":[\"10.200.1.0/24\"]"));
	assert_null(strstr(s, psk_secret));
	strbuf_reset(&sb);
	assert_int_equal(ike_engine_list_conns(net->p[GW].e, true, &sb), 0);
	assert_non_null(strstr(strbuf_str(&sb), "\"name\":\"gw\""));
	strbuf_reset(&sb);
	assert_int_equal(ike_engine_list_conns(net->p[DEV].e, false, &sb), 0);
	assert_non_null(strstr(strbuf_str(&sb), "dev: IKEv2"));
	assert_null(strstr(strbuf_str(&sb), psk_secret));
	strbuf_free(&sb);
	net_free(net);
}

/* Reload without the connection: its SAs go (with a Delete). */
static void test_reload_drops_conn(void **state)
{
	struct net *net = pair(DEV_CONF(GCM128, "aes128gcm16", "this-is-the-fleet-psk-0123456789",
					""),
			       GW_CONF(GCM128, "aes128gcm16", ""), false);
	struct ike_cfg *empty = cfg_from("connections { other { remote_addrs = 10.9.9.9 } }\n");

	(void)state;
	initiate(net, "net");
	assert_int_equal(ike_engine_reload(net->p[GW].e, empty, net->now), 0);
	ike_cfg_free(net->p[GW].cfg);
	net->p[GW].cfg = empty;
	pump(net);
	assert_int_equal(spy_count(&net->p[GW].spy), 0);
	assert_int_equal(spy_count(&net->p[DEV].spy), 0);
	net_free(net);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retransmit_lost_response),
		cmocka_unit_test(test_late_response),
		cmocka_unit_test(test_duplicate_request),
		cmocka_unit_test(test_corrupted_message),
		cmocka_unit_test(test_terminate),
		cmocka_unit_test(test_terminate_by_responder),
		cmocka_unit_test(test_terminate_child),
		cmocka_unit_test(test_half_open_timeout),
		cmocka_unit_test(test_liveness),
		cmocka_unit_test(test_dead_peer),
		cmocka_unit_test(test_create_child),
		cmocka_unit_test(test_create_child_pfs),
		cmocka_unit_test(test_create_child_queued),
		cmocka_unit_test(test_child_refused_locally),
		cmocka_unit_test(test_start_action),
		cmocka_unit_test(test_reconnect_replaces),
		cmocka_unit_test(test_reconnect_after_gw_ike_rekey),
		cmocka_unit_test(test_reconnect_unique_never),
		cmocka_unit_test(test_unknown_spi),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_reload_drops_conn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
