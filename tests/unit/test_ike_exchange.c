// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Setting up IKE SAs between two engines in one process (harness:
 * ike_exchange_harness.h, configurations: ike_exchange_conf.h): every
 * suite, failures (wrong PSK, no proposal, no selectors), the detours
 * (INVALID_KE_PAYLOAD, COOKIE), NAT traversal, and a known-answer check
 * against strongSwan's own IKE_SA_INIT request.  Comments draw the flows
 * as RFC 7296 does.  What happens once SAs are up: test_ike_exchange_life.c.
 */
#include "ike_exchange_conf.h"

#include "ike_msg_vectors.h"
#include "strbuf.h"

/*
 *   IKE_SA_INIT { SA, KEi, Ni, N(NATD_S), N(NATD_D), N(HASH_ALG) }  -->
 *                       <--  IKE_SA_INIT { SA, KEr, Nr, N(NATD_S), N(NATD_D), N(HASH_ALG) }
 *   IKE_AUTH { IDi, N(INITIAL_CONTACT), IDr, AUTH, SA, TSi, TSr }  -->
 *                       <--  IKE_AUTH { IDr, AUTH, SA, TSi, TSr }
 */
static void run_suite(const char *dev, const char *gw)
{
	struct net *net = pair(dev, gw, false);

	initiate(net, "net");
	check_established(net, 2);
	check_esp_roundtrip(net);
	/* no NAT: plain ESP */
	assert_int_equal(spy_first(&net->p[GW].spy, XS_DIR_IN)->sport, 0);
	assert_int_equal(stats_of(net, GW).handshakes_ok, 1);
	assert_int_equal(stats_of(net, DEV).handshakes_ok, 1);
	assert_int_equal(stats_of(net, GW).invalid_messages, 0);
	net_free(net);
}

static void test_psk_aes128gcm(void **state)
{
	(void)state;
	run_suite(DEV_CONF(GCM128, "aes128gcm16", "this-is-the-fleet-psk-0123456789", ""),
		  GW_CONF(GCM128, "aes128gcm16", ""));
}

static void test_psk_aes256gcm_ecp384(void **state)
{
	(void)state;
	run_suite(DEV_CONF("aes256gcm16-prfsha384-ecp384", "aes256gcm16",
			   "this-is-the-fleet-psk-0123456789", ""),
		  GW_CONF("aes256gcm16-prfsha384-ecp384", "aes256gcm16", ""));
}

static void test_psk_chacha20poly1305(void **state)
{
	(void)state;
	run_suite(DEV_CONF("chacha20poly1305-prfsha256-x25519", "chacha20poly1305",
			   "this-is-the-fleet-psk-0123456789", ""),
		  GW_CONF("chacha20poly1305-prfsha256-x25519", "chacha20poly1305", ""));
}

static void test_psk_aes256_sha256_modp2048(void **state)
{
	(void)state;
	run_suite(DEV_CONF("aes256-sha256-modp2048", "aes256-sha256",
			   "this-is-the-fleet-psk-0123456789", ""),
		  GW_CONF("aes256-sha256-modp2048", "aes256-sha256", ""));
}

/*
 *   IKE_AUTH { IDi, AUTH (wrong key), SA, TSi, TSr }  -->
 *                       <--  IKE_AUTH { N(AUTHENTICATION_FAILED) }
 */
static void test_wrong_psk(void **state)
{
	struct net *net = pair(DEV_CONF(GCM128, "aes128gcm16", "not-the-right-secret-at-all", ""),
			       GW_CONF(GCM128, "aes128gcm16", ""), false);

	(void)state;
	initiate(net, "net");
	assert_int_equal(stats_of(net, GW).auth_failures, 1);
	assert_int_equal(stats_of(net, DEV).auth_failures, 1);
	assert_int_equal(stats_of(net, GW).ike_sas_established, 0);
	assert_int_equal(stats_of(net, DEV).ike_sas_established, 0);
	assert_int_equal(spy_count(&net->p[DEV].spy), 0);
	assert_int_equal(spy_count(&net->p[GW].spy), 0);
	/* nothing left to retransmit */
	advance(net, 60000);
	assert_int_equal(stats_of(net, DEV).retransmits, 0);
	net_free(net);
}

static unsigned int seen_notify;

static enum verdict see_no_proposal(struct net *net, struct pkt *p)
{
	(void)net;
	if (pkt_is(p, IKE_SA_INIT, true) && pkt_has_notify(p, IKE_N_NO_PROPOSAL_CHOSEN))
		seen_notify++;
	return DELIVER;
}

/*
 *   IKE_SA_INIT { SA (aes128gcm16...), KEi, Ni ... }  -->
 *                       <--  IKE_SA_INIT { N(NO_PROPOSAL_CHOSEN) }
 */
static void test_no_proposal_chosen(void **state)
{
	struct net *net = pair(DEV_CONF(GCM128, "aes128gcm16", "this-is-the-fleet-psk-0123456789",
					""),
			       GW_CONF("aes256-sha256-modp2048", "aes256-sha256", ""), false);

	(void)state;
	seen_notify = 0;
	net->filter = see_no_proposal;
	initiate(net, "net");
	assert_int_equal(seen_notify, 1);
	assert_int_equal(stats_of(net, DEV).handshakes_failed, 1);
	assert_int_equal(stats_of(net, GW).ike_sas_half_open, 0);
	assert_int_equal(stats_of(net, DEV).ike_sas_established, 0);
	net_free(net);
}

/*
 * IKE proposals agree, ESP proposals do not: the IKE SA is established
 * without the Child SA (RFC 7296 1.2).
 *                       <--  IKE_AUTH { IDr, AUTH, N(NO_PROPOSAL_CHOSEN) }
 */
static void test_child_no_proposal(void **state)
{
	struct net *net = pair(DEV_CONF(GCM128, "aes128gcm16", "this-is-the-fleet-psk-0123456789",
					""),
			       GW_CONF(GCM128, "chacha20poly1305", ""), false);

	(void)state;
	initiate(net, "net");
	assert_int_equal(stats_of(net, DEV).ike_sas_established, 1);
	assert_int_equal(stats_of(net, GW).ike_sas_established, 1);
	assert_int_equal(spy_count(&net->p[DEV].spy), 0);
	assert_int_equal(spy_count(&net->p[GW].spy), 0);
	net_free(net);
}

/* Selectors that do not intersect: TS_UNACCEPTABLE, IKE SA up anyway. */
static void test_ts_unacceptable(void **state)
{
	struct net *net = pair(DEV_CONF_AT("10.77.0.2", GCM128, "aes128gcm16",
					   "this-is-the-fleet-psk-0123456789", ""),
			       "connections { gw {\n local_addrs = 10.77.0.1\n proposals = "
			       GCM128 "\n local { auth = psk\n id = gw.example }\n"
			       " remote { auth = psk\n id = *@devices.example }\n"
			       " children { net { local_ts = 10.9.0.0/24\n remote_ts = 10.200.0.0/16 } }"
			       "} }\n secrets { ike-any { secret = this-is-the-fleet-psk-0123456789 } }\n",
			       false);

	(void)state;
	initiate(net, "net");
	assert_int_equal(stats_of(net, DEV).ike_sas_established, 1);
	assert_int_equal(stats_of(net, GW).ike_sas_established, 1);
	assert_int_equal(spy_count(&net->p[GW].spy), 0);
	assert_int_equal(spy_count(&net->p[DEV].spy), 0);
	net_free(net);
}

static unsigned int init_requests;

static enum verdict count_init(struct net *net, struct pkt *p)
{
	(void)net;
	if (pkt_is(p, IKE_SA_INIT, false))
		init_requests++;
	if (pkt_is(p, IKE_SA_INIT, true) && pkt_has_notify(p, IKE_N_INVALID_KE_PAYLOAD))
		seen_notify++;
	if (pkt_is(p, IKE_SA_INIT, true) && pkt_has_notify(p, IKE_N_COOKIE))
		seen_notify++;
	return DELIVER;
}

/*
 *   IKE_SA_INIT { SA (x25519, ecp256), KEi (x25519), Ni }  -->
 *                       <--  IKE_SA_INIT { N(INVALID_KE_PAYLOAD: 19) }
 *   IKE_SA_INIT { SA, KEi (ecp256), Ni }  -->
 *                       <--  IKE_SA_INIT { SA, KEr, Nr }
 */
static void test_invalid_ke_retry(void **state)
{
	struct net *net = pair(DEV_CONF("aes128gcm16-prfsha256-x25519-ecp256", "aes128gcm16",
					"this-is-the-fleet-psk-0123456789", ""),
			       GW_CONF("aes128gcm16-prfsha256-ecp256", "aes128gcm16", ""), false);

	(void)state;
	init_requests = seen_notify = 0;
	net->filter = count_init;
	initiate(net, "net");
	assert_int_equal(init_requests, 2);
	assert_int_equal(seen_notify, 1);
	check_established(net, 2);
	net_free(net);
}

/*
 *   IKE_SA_INIT { SA, KEi, Ni }  -->
 *                       <--  IKE_SA_INIT { N(COOKIE) }
 *   IKE_SA_INIT { N(COOKIE), SA, KEi, Ni }  -->
 *                       <--  IKE_SA_INIT { SA, KEr, Nr }
 */
static void test_cookie(void **state)
{
	struct net *net = pair(DEV_CONF(GCM128, "aes128gcm16", "this-is-the-fleet-psk-0123456789",
					""),
			       GW_CONF(GCM128, "aes128gcm16", ""), false);
	struct ike_engine_params p;

	(void)state;
	ike_engine_params_default(&p);
	p.cookie_threshold = 0;
	assert_int_equal(ike_engine_set_params(net->p[GW].e, &p), 0);
	init_requests = seen_notify = 0;
	net->filter = count_init;
	initiate(net, "net");
	assert_int_equal(init_requests, 2);
	assert_int_equal(seen_notify, 1);
	check_established(net, 2);
	net_free(net);
}

static struct pkt first_init;

static enum verdict keep_first_init(struct net *net, struct pkt *p)
{
	(void)net;
	if (pkt_is(p, IKE_SA_INIT, false) && !first_init.len)
		first_init = *p;
	return DELIVER;
}

/*
 * dev 192.168.1.2 behind a NAT (198.51.100.7, port p -> p + 10000):
 *   IKE_SA_INIT 192.168.1.2:500 -> 10.77.0.1:500 (seen from 198.51.100.7:10500)
 *   IKE_AUTH    192.168.1.2:4500 -> 10.77.0.1:4500 (seen from 198.51.100.7:14500)
 * Both detect the NAT, ESP goes in UDP between the NAT-T ports.
 */
static void test_nat(void **state)
{
	struct net *net = pair(DEV_CONF_AT("192.168.1.2", GCM128, "aes128gcm16",
					   "this-is-the-fleet-psk-0123456789", ""),
			       GW_CONF(GCM128, "aes128gcm16", ""), true);
	const struct dp_sa *gin, *gout, *din;
	char a[64];

	(void)state;
	first_init.len = 0;
	net->filter = keep_first_init;
	initiate(net, "net");
	assert_int_equal(stats_of(net, GW).ike_sas_established, 1);
	assert_int_equal(spy_count(&net->p[GW].spy), 2);
	check_sa_pairs(net);
	gin = spy_first(&net->p[GW].spy, XS_DIR_IN);
	gout = spy_first(&net->p[GW].spy, XS_DIR_OUT);
	assert_string_equal(addr_format(&gin->src, a, sizeof(a)), "198.51.100.7");
	assert_int_equal(gin->sport, IKE_NATT_PORT + NAT_PORT_SHIFT);
	assert_int_equal(gin->dport, IKE_NATT_PORT);
	assert_string_equal(addr_format(&gout->dst, a, sizeof(a)), "198.51.100.7");
	assert_int_equal(gout->dport, IKE_NATT_PORT + NAT_PORT_SHIFT);
	assert_int_equal(gout->sport, IKE_NATT_PORT);
	din = spy_first(&net->p[DEV].spy, XS_DIR_IN);
	assert_string_equal(addr_format(&din->src, a, sizeof(a)), "10.77.0.1");
	assert_string_equal(addr_format(&din->dst, a, sizeof(a)), "192.168.1.2");
	assert_int_equal(din->sport, IKE_NATT_PORT);
	assert_int_equal(din->dport, IKE_NATT_PORT);
	/*
	 * gw now talks to 198.51.100.7:14500, but found the half-open SA by
	 * 198.51.100.7:10500: after the SA is gone, the old IKE_SA_INIT again
	 * is a new request, not a lookup of freed memory.
	 */
	assert_int_equal(ike_engine_terminate(net->p[DEV].e, "dev", net->now, a, sizeof(a)), 0);
	pump(net);
	assert_int_equal(stats_of(net, GW).ike_sas_established, 0);
	ike_engine_input(net->p[GW].e, &first_init.dst, &first_init.src, first_init.data,
			 first_init.len, net->now);
	assert_int_equal(stats_of(net, GW).ike_sas_half_open, 1);
	net_free(net);
}

/* encap = yes without a NAT: faked NAT detection, ESP in UDP all the same. */
static void test_encap_forced(void **state)
{
	struct net *net = pair(DEV_CONF(GCM128, "aes128gcm16", "this-is-the-fleet-psk-0123456789",
					"encap = yes"),
			       GW_CONF(GCM128, "aes128gcm16", ""), false);
	const struct dp_sa *gin;

	(void)state;
	initiate(net, "net");
	check_established(net, 2);
	gin = spy_first(&net->p[GW].spy, XS_DIR_IN);
	assert_int_equal(gin->sport, IKE_NATT_PORT);
	assert_int_equal(gin->dport, IKE_NATT_PORT);
	net_free(net);
}

/*
 * Known answer: strongSwan 5.9.8's IKE_SA_INIT request (ikev2-psk-nat,
 * 192.168.77.2:500 NATed to 10.77.0.2:192) to our responder.
 */
static size_t unhex(const char *hex, uint8_t *out, size_t max)
{
	size_t n = strlen(hex) / 2;

	assert_true(n <= max);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(sscanf(hex + 2 * i, "%2hhx", &out[i]), 1);
	return n;
}

static struct pkt *kat_resp;

static struct ike_engine_stats stats_of_engine(struct ike_engine *e)
{
	struct ike_engine_stats st;

	ike_engine_get_stats(e, &st);
	return st;
}

static int kat_send(void *ctx, const struct ike_endpoint *local, const struct ike_endpoint *remote,
		    const uint8_t *msg, size_t len)
{
	(void)ctx;
	kat_resp = calloc(1, sizeof(*kat_resp));
	kat_resp->src = *local;
	kat_resp->dst = *remote;
	kat_resp->len = len;
	memcpy(kat_resp->data, msg, len);
	return 0;
}

static void test_kat_strongswan_init_request(void **state)
{
	struct ike_cfg *cfg = cfg_from(
		"connections { dev {\n local_addrs = 10.77.0.1\n proposals = " GCM128 "\n"
		" local { auth = psk\n id = gw.ss-anchor.test }\n"
		" remote { auth = psk\n id = dev1@ss-anchor.test }\n"
		" children { net { local_ts = 10.77.1.0/24\n esp_proposals = aes128gcm16 } }\n"
		"} }\n");
	struct ike_engine_ops ops = { .send = kat_send };
	struct dataplane *dp = dp_fake_new(8);
	struct ike_endpoint gw, dev;
	struct ike_pl_sa sa;
	struct ike_pl_ke ke;
	struct ike_msg m;
	struct ike_engine *e;
	uint8_t req[512], spi_i[8];
	struct strbuf sb = STRBUF_INIT;
	struct pkt *first;
	size_t len;
	int i;

	(void)state;
	e = ike_engine_new(cfg, dp, &ops, NULL);
	ep4(&gw, GW_ADDR, 500);
	ep4(&dev, DEV_NATTED_ADDR, PSK_NAT_NATTED_PORT);
	len = unhex(psk_nat_init_req, req, sizeof(req));
	unhex(PSK_NAT_SPI_I, spi_i, sizeof(spi_i));
	kat_resp = NULL;
	ike_engine_input(e, &gw, &dev, req, len, 1000);
	assert_non_null(kat_resp);
	assert_int_equal(kat_resp->dst.port, PSK_NAT_NATTED_PORT);
	assert_int_equal(ike_msg_parse(kat_resp->data, kat_resp->len, &m, NULL), IKE_PARSE_OK);
	assert_memory_equal(m.hdr.spi_i, spi_i, 8);
	assert_int_equal(m.hdr.exchange, IKE_SA_INIT);
	assert_int_equal(m.hdr.flags, IKE_FLAG_RESPONSE);
	assert_int_equal(m.hdr.msg_id, 0);
	i = ike_chain_find(&m.chain, IKE_PL_SA, 0);
	assert_true(i >= 0);
	assert_int_equal(ike_pl_sa_decode(m.chain.pl[i].body, m.chain.pl[i].len, &sa), 0);
	assert_int_equal(sa.n_prop, 1);
	assert_int_equal(sa.prop[0].n_trans, 3);
	assert_int_equal(sa.prop[0].trans[0].id, IKE_ENCR_AES_GCM_16);
	assert_int_equal(sa.prop[0].trans[0].key_len, 128);
	assert_int_equal(sa.prop[0].trans[1].id, IKE_PRF_HMAC_SHA2_256);
	assert_int_equal(sa.prop[0].trans[2].id, IKE_DH_CURVE25519);
	i = ike_chain_find(&m.chain, IKE_PL_KE, 0);
	assert_int_equal(ike_pl_ke_decode(m.chain.pl[i].body, m.chain.pl[i].len, &ke), 0);
	assert_int_equal(ke.group, IKE_DH_CURVE25519);
	assert_int_equal(ke.len, 32);
	i = ike_chain_find(&m.chain, IKE_PL_NONCE, 0);
	assert_int_equal(m.chain.pl[i].len, 32);
	assert_true(pkt_has_notify(kat_resp, IKE_N_NAT_DETECTION_SOURCE_IP));
	assert_true(pkt_has_notify(kat_resp, IKE_N_NAT_DETECTION_DESTINATION_IP));
	assert_true(pkt_has_notify(kat_resp, IKE_N_SIGNATURE_HASH_ALGORITHMS));
	/* the NAT in front of the initiator was seen */
	assert_int_equal(ike_engine_list_sas(e, true, 1000, &sb), 0);
	assert_non_null(strstr(strbuf_str(&sb), "\"nat_remote\":true"));
	assert_non_null(strstr(strbuf_str(&sb), "\"nat_local\":false"));
	strbuf_free(&sb);
	/* the same request again: the same response */
	first = kat_resp;
	kat_resp = NULL;
	ike_engine_input(e, &gw, &dev, req, len, 1001);
	assert_non_null(kat_resp);
	assert_int_equal(kat_resp->len, first->len);
	assert_memory_equal(kat_resp->data, first->data, first->len);
	free(first);
	free(kat_resp);
	ike_engine_free(e);
	dp->ops->destroy(dp);
	ike_cfg_free(cfg);
}

/* An engine that answers into kat_resp, for the requests below. */
static struct ike_engine *kat_engine(struct ike_cfg **cfg, struct dataplane **dp)
{
	static const struct ike_engine_ops ops = { .send = kat_send };

	*cfg = cfg_from("connections { dev {\n local_addrs = 10.77.0.1\n proposals = " GCM128
			"\n local { auth = psk\n id = gw.ss-anchor.test }\n"
			" remote { auth = psk\n id = dev1@ss-anchor.test }\n} }\n"
			"secrets { ike-x { secret = ss-anchor-test-psk-0123456789abcdef } }\n");
	*dp = dp_fake_new(8);
	return ike_engine_new(*cfg, *dp, &ops, NULL);
}

/*
 * strongSwan's request with a payload of unknown type 200 marked critical
 * appended:
 *   IKE_SA_INIT { SA, KEi, Ni, N(...), [200 critical] }  -->
 *                       <--  IKE_SA_INIT { N(UNSUPPORTED_CRITICAL_PAYLOAD: 200) }
 */
static void test_unsupported_critical(void **state)
{
	struct ike_endpoint gw, dev;
	struct ike_cfg *cfg;
	struct dataplane *dp;
	struct ike_engine *e = kat_engine(&cfg, &dp);
	uint8_t req[512];
	size_t len, off = IKE_HDR_LEN, last = 16;

	(void)state;
	ep4(&gw, GW_ADDR, 500);
	ep4(&dev, DEV_NATTED_ADDR, PSK_NAT_NATTED_PORT);
	len = unhex(psk_nat_init_req, req, sizeof(req));
	while (off < len) {	/* find the last payload's Next Payload octet */
		last = off;
		off += (size_t)(req[off + 2] << 8 | req[off + 3]);
	}
	req[last] = 200;
	memcpy(req + len, (uint8_t[]){ 0, 0x80, 0, 4 }, 4);
	len += 4;
	ike_put32(req + 24, (uint32_t)len);
	kat_resp = NULL;
	ike_engine_input(e, &gw, &dev, req, len, 1000);
	assert_non_null(kat_resp);
	assert_true(pkt_has_notify(kat_resp, IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD));
	assert_int_equal(stats_of_engine(e).ike_sas_half_open, 0);
	free(kat_resp);
	ike_engine_free(e);
	dp->ops->destroy(dp);
	ike_cfg_free(cfg);
}

/* Every bit flip and truncation of strongSwan's request: answered or dropped, never a crash. */
static void test_mutated_init_requests(void **state)
{
	struct ike_endpoint gw, dev;
	struct ike_cfg *cfg;
	struct dataplane *dp;
	struct ike_engine *e = kat_engine(&cfg, &dp);
	struct ike_engine_params p;
	uint8_t orig[512], req[512];
	uint64_t now = 1000, half_open;
	size_t len, i;

	(void)state;
	ike_engine_params_default(&p);
	p.half_open_max_ip = p.cookie_threshold_ip = 1000000;
	p.cookie_threshold = p.half_open_max = 1000000;
	assert_int_equal(ike_engine_set_params(e, &p), 0);
	ep4(&gw, GW_ADDR, 500);
	ep4(&dev, DEV_NATTED_ADDR, PSK_NAT_NATTED_PORT);
	len = unhex(psk_nat_init_req, orig, sizeof(orig));
	for (i = 0; i < len * 8; i++) {
		memcpy(req, orig, len);
		req[i / 8] ^= (uint8_t)(1u << (i % 8));
		dev.port = (uint16_t)(1024 + i);	/* not a retransmission of the last one */
		ike_engine_input(e, &gw, &dev, req, len, now++);
		free(kat_resp);
		kat_resp = NULL;
	}
	half_open = stats_of_engine(e).ike_sas_half_open;
	assert_true(half_open > 100 && half_open < len * 8);
	for (i = 0; i < len; i++) {
		ike_engine_input(e, &gw, &dev, orig, i, now++);
		free(kat_resp);
		kat_resp = NULL;
	}
	assert_true(stats_of_engine(e).invalid_messages > len);
	ike_engine_tick(e, now + 60000);	/* every half-open SA times out */
	assert_int_equal(stats_of_engine(e).ike_sas_half_open, 0);
	ike_engine_free(e);
	dp->ops->destroy(dp);
	ike_cfg_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_psk_aes128gcm),
		cmocka_unit_test(test_psk_aes256gcm_ecp384),
		cmocka_unit_test(test_psk_chacha20poly1305),
		cmocka_unit_test(test_psk_aes256_sha256_modp2048),
		cmocka_unit_test(test_wrong_psk),
		cmocka_unit_test(test_no_proposal_chosen),
		cmocka_unit_test(test_child_no_proposal),
		cmocka_unit_test(test_ts_unacceptable),
		cmocka_unit_test(test_invalid_ke_retry),
		cmocka_unit_test(test_cookie),
		cmocka_unit_test(test_nat),
		cmocka_unit_test(test_encap_forced),
		cmocka_unit_test(test_kat_strongswan_init_request),
		cmocka_unit_test(test_unsupported_critical),
		cmocka_unit_test(test_mutated_init_requests),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
