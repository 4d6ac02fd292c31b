// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * IKE fragmentation (RFC 7383) between two engines (harness:
 * ike_exchange_harness.h), IKE_AUTH with certificates from tests/unit/pki
 * and a fragment size of 400 octets, so that both IKE_AUTH messages go in
 * pieces:
 *
 *   IKE_SA_INIT { SA, KEi, Ni, N(NAT_D)x2, N(HASH_ALG), N(FRAG_SUPPORTED) }  -->
 *                <--  IKE_SA_INIT { SA, KEr, Nr, N(NAT_D)x2, CERTREQ, N(HASH_ALG), N(FRAG_SUPPORTED) }
 *   IKE_AUTH SKF(1/n) { IDi, CERT(rsa2048), ... }  SKF(2/n) ... SKF(n/n)  -->
 *                <--  IKE_AUTH SKF(1/m) { IDr, CERT(p256), AUTH, ... } ... SKF(m/m)
 *
 * Lost, duplicated, reordered and corrupted fragments; fragmentation = no
 * and accept on either side; an intermediate CA certificate sent along.
 */
#include "ike_exchange_harness.h"

enum { FRAG_SIZE = 400, IKE_ROOM = FRAG_SIZE - 20 - 8 };

TEST_PKI_GROUP("ike_exchange_frag", "ee-p256", "ee-rsa2048", "ee-p384")

static void gw_conf(char *buf, size_t len, const char *extra)
{
	test_pki_gw_conf(buf, len, &pki,
			 "aes128gcm16-prfsha256-x25519, aes128-sha256-prfsha256-x25519", extra,
			 "ee-p256", "ee-p256", "ca");
}

/* dev's IKE proposal: AES-CBC (padding in every fragment) unless a test says otherwise */
static const char *dev_prop = "aes128-sha256-prfsha256-x25519";

static void dev_conf(char *buf, size_t len, const char *extra)
{
	test_pki_dev_conf(buf, len, &pki, dev_prop, extra, "ee-rsa2048", "rsa2048@xdpsec.test",
			  "ca");
}

/* What went over the wire, and what the filter does to it. */
struct wire {
	unsigned int skf[2], sk[2];		/* IKE_AUTH datagrams, by sender */
	unsigned int frag_notify[2];		/* IKE_SA_INIT with N(FRAG_SUPPORTED) */
	size_t largest[2];			/* IKE_AUTH datagram */
	/* one-shot faults on IKE_AUTH fragments: sender, Fragment Number */
	int drop_from, drop_num;
	int dup_from, dup_num;
	int hold_from, hold_num;
	int flip_from, flip_num;
};

static struct wire w;

static unsigned int frag_num(const struct pkt *p)
{
	return p->len >= 36 && p->data[16] == IKE_PL_SKF ? ike_get16(p->data + 32) : 0;
}

static bool once(int *from, int *num, const struct pkt *p)
{
	if (*from != p->from || (unsigned int)*num != frag_num(p))
		return false;
	*from = -1;
	return true;
}

static enum verdict watch(struct net *net, struct pkt *p)
{
	(void)net;
	if (p->data[18] == IKE_SA_INIT && pkt_has_notify(p, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED))
		w.frag_notify[p->from]++;
	if (p->data[18] != IKE_AUTH)
		return DELIVER;
	if (frag_num(p))
		w.skf[p->from]++;
	else
		w.sk[p->from]++;
	if (p->len > w.largest[p->from])
		w.largest[p->from] = p->len;
	if (once(&w.drop_from, &w.drop_num, p))
		return DROP;
	if (once(&w.dup_from, &w.dup_num, p))
		return DUPLICATE;
	if (once(&w.hold_from, &w.hold_num, p))
		return HOLD;
	if (once(&w.flip_from, &w.flip_num, p))
		p->data[p->len - 3] ^= 0x40;	/* inside the ICV */
	return DELIVER;
}

static struct net *pair(const char *dev_extra, const char *gw_extra)
{
	char dev[2048], gw[2048];
	struct ike_engine_params prm;
	struct net *net;

	dev_conf(dev, sizeof(dev), dev_extra);
	gw_conf(gw, sizeof(gw), gw_extra);
	net = net_new(dev, gw, false);
	ike_engine_params_default(&prm);
	prm.fragment_size = FRAG_SIZE;
	assert_int_equal(ike_engine_set_params(net->p[DEV].e, &prm), 0);
	assert_int_equal(ike_engine_set_params(net->p[GW].e, &prm), 0);
	memset(&w, 0, sizeof(w));
	w.drop_from = w.dup_from = w.hold_from = w.flip_from = -1;
	net->filter = watch;
	return net;
}

/* Both IKE_AUTH messages in fragments, none larger than the fragment size allows. */
static void test_fragments_both_ways(void **state)
{
	struct net *net = pair("", "");

	(void)state;
	initiate(net, "net");
	test_pki_check_up(net);
	print_message("      IKE_AUTH request in %u fragments, response in %u (largest %zu, %zu)\n",
		      w.skf[DEV], w.skf[GW], w.largest[DEV], w.largest[GW]);
	assert_int_equal(w.frag_notify[DEV], 1);
	assert_int_equal(w.frag_notify[GW], 1);
	assert_true(w.skf[DEV] >= 3);		/* an RSA 2048 certificate and signature */
	assert_true(w.skf[GW] >= 2);
	assert_int_equal(w.sk[DEV] + w.sk[GW], 0);
	assert_true(w.largest[DEV] <= IKE_ROOM);
	assert_true(w.largest[GW] <= IKE_ROOM);
	assert_int_equal(stats_of(net, DEV).invalid_messages, 0);
	assert_int_equal(stats_of(net, GW).invalid_messages, 0);
	assert_int_equal(stats_of(net, DEV).retransmits, 0);
	net_free(net);
}

/* The same with AES-GCM. */
static void test_fragments_gcm(void **state)
{
	struct net *net;

	(void)state;
	dev_prop = "aes128gcm16-prfsha256-x25519";
	net = pair("", "");
	dev_prop = "aes128-sha256-prfsha256-x25519";
	initiate(net, "net");
	test_pki_check_up(net);
	assert_true(w.skf[DEV] >= 3);
	assert_true(w.skf[GW] >= 2);
	assert_true(w.largest[DEV] <= IKE_ROOM && w.largest[GW] <= IKE_ROOM);
	net_free(net);
}

/* A request fragment lost: the retransmission (every fragment again) completes. */
static void test_lost_request_fragment(void **state)
{
	struct net *net = pair("", "");
	unsigned int first;

	(void)state;
	w.drop_from = DEV;
	w.drop_num = 2;
	initiate(net, "net");
	assert_int_equal(stats_of(net, DEV).ike_sas_established, 0);
	first = w.skf[DEV];
	advance(net, 1000);
	test_pki_check_up(net);
	assert_int_equal(stats_of(net, DEV).retransmits, 1);
	assert_int_equal(w.skf[DEV], 2 * first);
	assert_int_equal(stats_of(net, GW).invalid_messages, 0);
	net_free(net);
}

/*
 * A response fragment lost: dev retransmits; gw answers fragment 1 of the
 * repeated request with its cached response, all fragments, and ignores
 * the other fragments (RFC 7383 2.6.1) without counting them invalid.
 */
static void test_lost_response_fragment(void **state)
{
	struct net *net = pair("", "");
	unsigned int first;

	(void)state;
	w.drop_from = GW;
	w.drop_num = 1;
	initiate(net, "net");
	assert_int_equal(stats_of(net, DEV).ike_sas_established, 0);
	assert_int_equal(stats_of(net, GW).ike_sas_established, 1);
	first = w.skf[GW];
	advance(net, 1000);
	test_pki_check_up(net);
	assert_int_equal(w.skf[GW], 2 * first);
	assert_int_equal(stats_of(net, GW).invalid_messages, 0);
	assert_int_equal(stats_of(net, DEV).invalid_messages, 0);
	net_free(net);
}

/* Fragment 2 twice, fragment 1 last: reassembled without a retransmission. */
static void test_duplicate_and_reordered(void **state)
{
	struct net *net = pair("", "");

	(void)state;
	w.dup_from = DEV;
	w.dup_num = 2;
	w.hold_from = DEV;
	w.hold_num = 1;
	initiate(net, "net");
	assert_int_equal(stats_of(net, GW).ike_sas_established, 0);
	release(net);
	test_pki_check_up(net);
	assert_int_equal(stats_of(net, DEV).retransmits, 0);
	assert_int_equal(stats_of(net, GW).invalid_messages, 0);
	net_free(net);
}

/* A fragment that fails its ICV is dropped and counted; the retransmission completes. */
static void test_corrupted_fragment(void **state)
{
	struct net *net = pair("", "");

	(void)state;
	w.flip_from = DEV;
	w.flip_num = 2;
	initiate(net, "net");
	assert_int_equal(stats_of(net, GW).ike_sas_established, 0);
	assert_int_equal(stats_of(net, GW).invalid_messages, 1);
	advance(net, 1000);
	test_pki_check_up(net);
	assert_int_equal(stats_of(net, GW).invalid_messages, 1);
	net_free(net);
}

/* fragmentation = no on dev: not announced, gw does not answer it, nobody fragments. */
static void test_no_on_initiator(void **state)
{
	struct net *net = pair("fragmentation = no", "");

	(void)state;
	initiate(net, "net");
	test_pki_check_up(net);
	assert_int_equal(w.frag_notify[DEV] + w.frag_notify[GW], 0);
	assert_int_equal(w.skf[DEV] + w.skf[GW], 0);
	assert_int_equal(w.sk[DEV], 1);
	assert_true(w.largest[DEV] > IKE_ROOM);
	net_free(net);
}

/* fragmentation = no on gw: dev announces, gw stays silent, nobody fragments. */
static void test_no_on_responder(void **state)
{
	struct net *net = pair("", "fragmentation = no");

	(void)state;
	initiate(net, "net");
	test_pki_check_up(net);
	assert_int_equal(w.frag_notify[DEV], 1);
	assert_int_equal(w.frag_notify[GW], 0);
	assert_int_equal(w.skf[DEV] + w.skf[GW], 0);
	net_free(net);
}

/* accept on dev: announced, so gw fragments, but dev sends whole messages. */
static void test_accept(void **state)
{
	struct net *net = pair("fragmentation = accept", "");

	(void)state;
	initiate(net, "net");
	test_pki_check_up(net);
	assert_int_equal(w.frag_notify[DEV], 1);
	assert_int_equal(w.frag_notify[GW], 1);
	assert_int_equal(w.skf[DEV], 0);
	assert_true(w.skf[GW] >= 2);
	net_free(net);
}

/* Small messages stay whole even when fragmentation was negotiated. */
static void test_small_messages_whole(void **state)
{
	struct net *net = pair("", "");
	char err[128];

	(void)state;
	initiate(net, "net");
	test_pki_check_up(net);
	memset(&w, 0, sizeof(w));
	w.drop_from = w.dup_from = w.hold_from = w.flip_from = -1;
	assert_int_equal(ike_engine_terminate(net->p[DEV].e, "dev", net->now, err, sizeof(err)),
			 0);
	pump(net);
	assert_int_equal(stats_of(net, GW).ike_sas_established, 0);
	assert_int_equal(w.skf[DEV] + w.skf[GW], 0);
	net_free(net);
}

/*
 * dev's certificate comes from the intermediate CA sub, which dev loaded
 * as a CA; gw trusts only the root.  dev sends its certificate and sub
 * (in fragments), so gw can build the chain.
 */
static void test_intermediate_sent(void **state)
{
	char dev[2048], gw[2048];
	struct ike_engine_params prm;
	struct net *net;
	int n;

	(void)state;
	n = snprintf(dev, sizeof(dev),
		 "connections { dev {\n local_addrs = 10.77.0.2\n remote_addrs = 10.77.0.1\n"
		 " proposals = aes128gcm16-prfsha256-x25519\n"
		 " local { auth = pubkey\n certs = %s/ee-p384.crt\n id = p384.xdpsec.test }\n"
		 " remote { auth = pubkey\n id = gw.xdpsec.test\n"
		 " cacerts = %s/ca.crt, %s/sub.crt }\n"
		 PKI_CHILD_NET("10.200.1.0/24", "10.1.0.0/16")
		 "} }\n secrets { private-dev { file = %s/ee-p384.key } }\n",
		 pki.dir, pki.dir, pki.dir, pki.keys);
	assert_true(n > 0 && (size_t)n < sizeof(dev));
	n = snprintf(gw, sizeof(gw),
		 "connections { gw {\n local_addrs = 10.77.0.1\n"
		 " proposals = aes128gcm16-prfsha256-x25519\n"
		 " local { auth = pubkey\n certs = %s/ee-p256.crt\n id = gw.xdpsec.test }\n"
		 " remote { auth = pubkey\n id = %%any\n cacerts = %s/ca.crt }\n"
		 PKI_CHILD_NET("10.1.0.0/24", "10.200.0.0/16")
		 "} }\n secrets { private-gw { file = %s/ee-p256.key } }\n",
		 pki.dir, pki.dir, pki.keys);
	assert_true(n > 0 && (size_t)n < sizeof(gw));
	net = net_new(dev, gw, false);
	ike_engine_params_default(&prm);
	prm.fragment_size = FRAG_SIZE;
	assert_int_equal(ike_engine_set_params(net->p[DEV].e, &prm), 0);
	memset(&w, 0, sizeof(w));
	w.drop_from = w.dup_from = w.hold_from = w.flip_from = -1;
	net->filter = watch;
	initiate(net, "net");
	assert_int_equal(stats_of(net, GW).ike_sas_established, 1);
	assert_int_equal(stats_of(net, DEV).ike_sas_established, 1);
	assert_string_equal(spy_first(&net->p[GW].spy, XS_DIR_IN)->device, "p384.xdpsec.test");
	assert_true(w.skf[DEV] >= 2);
	net_free(net);
}

static void test_fragment_size_checked(void **state)
{
	struct net *net = pair("", "");
	struct ike_engine_params prm;

	(void)state;
	ike_engine_params_default(&prm);
	assert_int_equal(prm.fragment_size, 0);
	prm.fragment_size = IKE_FRAGMENT_SIZE_MIN - 1;
	assert_int_equal(ike_engine_set_params(net->p[DEV].e, &prm), -EINVAL);
	prm.fragment_size = IKE_FRAGMENT_SIZE_MIN;
	assert_int_equal(ike_engine_set_params(net->p[DEV].e, &prm), 0);
	net_free(net);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fragments_both_ways),
		cmocka_unit_test(test_fragments_gcm),
		cmocka_unit_test(test_lost_request_fragment),
		cmocka_unit_test(test_lost_response_fragment),
		cmocka_unit_test(test_duplicate_and_reordered),
		cmocka_unit_test(test_corrupted_fragment),
		cmocka_unit_test(test_no_on_initiator),
		cmocka_unit_test(test_no_on_responder),
		cmocka_unit_test(test_accept),
		cmocka_unit_test(test_small_messages_whole),
		cmocka_unit_test(test_intermediate_sent),
		cmocka_unit_test(test_fragment_size_checked),
	};

	return cmocka_run_group_tests(tests, pki_setup, pki_teardown);
}
