// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * IKE_AUTH with certificates and RFC 7427 signatures between two engines
 * (harness: ike_exchange_harness.h), using the test PKI in tests/unit/pki:
 *
 *   ca.crt ─┬─ ee-p256.crt     gw.xdpsec.test (ECDSA P-256)      gw
 *           ├─ ee-rsa2048.crt  rsa2048@xdpsec.test (RSA 2048)    dev
 *           └─ ee-ed25519.crt  ed25519.xdpsec.test (Ed25519)
 *   other-ca.crt ── other-ee.crt  gw.xdpsec.test (an impostor)
 *
 *   IKE_SA_INIT { SA, KEi, Ni, N(HASH_ALG) }  -->
 *                <--  IKE_SA_INIT { SA, KEr, Nr, CERTREQ(ca), N(HASH_ALG) }
 *   IKE_AUTH { IDi, CERT, N(INITIAL_CONTACT), CERTREQ(ca), IDr, AUTH(14), SA, TSi, TSr }  -->
 *                <--  IKE_AUTH { IDr, CERT, AUTH(14), SA, TSi, TSr }
 */
#include "ike_exchange_harness.h"

TEST_PKI_GROUP("ike_exchange_pk", "ee-p256", "ee-rsa2048", "other-ee")

/* gw: ECDSA P-256 certificate, devices by certificate from ca. */
static void gw_conf(char *buf, size_t len, const char *cert, const char *key, const char *ca)
{
	test_pki_gw_conf(buf, len, &pki, "aes128gcm16-prfsha256-x25519", "", cert, key, ca);
}

static void dev_conf(char *buf, size_t len, const char *cert, const char *id, const char *ca,
		     const char *extra)
{
	test_pki_dev_conf(buf, len, &pki, "aes128gcm16-prfsha256-x25519", extra, cert, id, ca);
}

static struct net *run(const char *dev, const char *gw)
{
	struct net *net = net_new(dev, gw, false);

	initiate(net, "net");
	return net;
}

static void check_up(struct net *net)
{
	test_pki_check_up(net);
	assert_string_equal(spy_first(&net->p[DEV].spy, XS_DIR_IN)->device, "gw.xdpsec.test");
}

static void check_refused(struct net *net)
{
	assert_int_equal(stats_of(net, GW).ike_sas_established, 0);
	assert_int_equal(stats_of(net, DEV).ike_sas_established, 0);
	assert_int_equal(spy_count(&net->p[DEV].spy), 0);
	assert_int_equal(spy_count(&net->p[GW].spy), 0);
}

static unsigned int certreqs_sent;

static enum verdict count_certreq(struct net *net, struct pkt *p)
{
	struct ike_msg m;

	(void)net;
	if (pkt_is(p, IKE_SA_INIT, true) && !ike_msg_parse(p->data, p->len, &m, NULL) &&
	    ike_chain_find(&m.chain, IKE_PL_CERTREQ, 0) >= 0)
		certreqs_sent++;
	return DELIVER;
}

static void test_ecdsa_and_rsa(void **state)
{
	char gw[4096], dev[4096];
	struct net *net;

	(void)state;
	gw_conf(gw, sizeof(gw), "ee-p256", "ee-p256", "ca");
	dev_conf(dev, sizeof(dev), "ee-rsa2048", "rsa2048@xdpsec.test", "ca", "");
	net = net_new(dev, gw, false);
	certreqs_sent = 0;
	net->filter = count_certreq;
	initiate(net, "net");
	assert_int_equal(certreqs_sent, 1);
	check_up(net);
	assert_int_equal(stats_of(net, GW).auth_failures, 0);
	net_free(net);
}

/* gw's certificate from another CA: dev refuses it and tells gw. */
static void test_untrusted_gw(void **state)
{
	char gw[4096], dev[4096];
	struct net *net;

	(void)state;
	gw_conf(gw, sizeof(gw), "other-ee", "other-ee", "ca");
	dev_conf(dev, sizeof(dev), "ee-rsa2048", "rsa2048@xdpsec.test", "ca", "");
	net = run(dev, gw);
	check_refused(net);
	assert_int_equal(stats_of(net, DEV).auth_failures, 1);
	net_free(net);
}

/* dev claims an identity its certificate does not carry. */
static void test_identity_not_in_cert(void **state)
{
	char gw[4096], dev[4096];
	struct net *net;

	(void)state;
	gw_conf(gw, sizeof(gw), "ee-p256", "ee-p256", "ca");
	dev_conf(dev, sizeof(dev), "ee-rsa2048", "mallory@xdpsec.test", "ca", "");
	net = run(dev, gw);
	check_refused(net);
	assert_int_equal(stats_of(net, GW).auth_failures, 1);
	net_free(net);
}

/* gw trusts only other-ca: dev's certificate does not chain. */
static void test_untrusted_dev(void **state)
{
	char gw[4096], dev[4096];
	struct net *net;

	(void)state;
	gw_conf(gw, sizeof(gw), "ee-p256", "ee-p256", "other-ca");
	dev_conf(dev, sizeof(dev), "ee-rsa2048", "rsa2048@xdpsec.test", "ca", "");
	net = run(dev, gw);
	check_refused(net);
	assert_int_equal(stats_of(net, GW).auth_failures, 1);
	net_free(net);
}

/* send_cert = never on dev: gw has no certificate to check. */
static void test_no_cert_sent(void **state)
{
	char gw[4096], dev[4096];
	struct net *net;

	(void)state;
	gw_conf(gw, sizeof(gw), "ee-p256", "ee-p256", "ca");
	dev_conf(dev, sizeof(dev), "ee-rsa2048", "rsa2048@xdpsec.test", "ca",
		 "send_cert = never");
	net = run(dev, gw);
	check_refused(net);
	net_free(net);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ecdsa_and_rsa),
		cmocka_unit_test(test_untrusted_gw),
		cmocka_unit_test(test_identity_not_in_cert),
		cmocka_unit_test(test_untrusted_dev),
		cmocka_unit_test(test_no_cert_sent),
	};

	return cmocka_run_group_tests(tests, pki_setup, pki_teardown);
}
