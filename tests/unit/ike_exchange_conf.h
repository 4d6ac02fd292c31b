/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The configurations and checks the IKE exchange tests share: a gateway
 * "gw" (10.77.0.1, devices *@devices.example, children net and net2) and a
 * device "dev" (dev1@devices.example) that initiates to it, both with one
 * PSK; and the checks that the two data planes hold matching SAs.
 */
#ifndef XDPSEC_TEST_IKE_EXCHANGE_CONF_H
#define XDPSEC_TEST_IKE_EXCHANGE_CONF_H

#include "ike_exchange_harness.h"

#include "esp.h"

static const char psk_secret[] __attribute__((unused)) = "this-is-the-fleet-psk-0123456789";

#define GW_CONF(props, esp, extra) \
	"connections { gw {\n" \
	"  local_addrs = 10.77.0.1\n" \
	"  proposals = " props "\n" \
	"  " extra "\n" \
	"  local { auth = psk\n id = gw.example }\n" \
	"  remote { auth = psk\n id = *@devices.example }\n" \
	"  children {\n" \
	"    net { local_ts = 10.1.0.0/24\n remote_ts = 10.200.0.0/16\n esp_proposals = " esp " }\n" \
	"    net2 { local_ts = 10.2.0.0/24\n remote_ts = 10.201.0.0/16\n esp_proposals = " esp " }\n" \
	"  }\n" \
	"} }\n" \
	"secrets { ike-fleet { id-gw = gw.example\n id-dev = *@devices.example\n" \
	"  secret = this-is-the-fleet-psk-0123456789 } }\n"

#define DEV_CONF_AT(local, props, esp, secret, extra) \
	"connections { dev {\n" \
	"  local_addrs = " local "\n" \
	"  remote_addrs = 10.77.0.1\n" \
	"  proposals = " props "\n" \
	"  " extra "\n" \
	"  local { auth = psk\n id = dev1@devices.example }\n" \
	"  remote { auth = psk\n id = gw.example }\n" \
	"  children {\n" \
	"    net { local_ts = 10.200.1.0/24\n remote_ts = 10.1.0.0/16\n esp_proposals = " esp " }\n" \
	"    net2 { local_ts = 10.201.1.0/24\n remote_ts = 10.2.0.0/24\n esp_proposals = " esp " }\n" \
	"  }\n" \
	"} }\n" \
	"secrets { ike-dev { id = dev1@devices.example\n secret = " secret " } }\n"

#define DEV_CONF(props, esp, secret, extra) DEV_CONF_AT("10.77.0.2", props, esp, secret, extra)

#define GCM128 "aes128gcm16-prfsha256-x25519"

static inline struct net *pair(const char *dev, const char *gw, bool nat)
{
	return net_new(dev, gw, nat);
}

/* A selector as "10.1.0.0/24". */
static inline const char *sel_str(const struct xs_selector *s, char *buf, size_t len)
{
	return selector_format_prefix(s, buf, len);
}

/* dev's outbound SA is gw's inbound one: same SPI, algorithm and keys; and back. */
static inline void check_sa_pairs(struct net *net)
{
	const struct dp_sa *dev_out = spy_first(&net->p[DEV].spy, XS_DIR_OUT);
	const struct dp_sa *dev_in = spy_first(&net->p[DEV].spy, XS_DIR_IN);
	const struct dp_sa *gw_in, *gw_out;

	assert_non_null(dev_out);
	assert_non_null(dev_in);
	gw_in = spy_find(&net->p[GW].spy, dev_out->spi, XS_DIR_IN);
	gw_out = spy_find(&net->p[GW].spy, dev_in->spi, XS_DIR_OUT);
	assert_non_null(gw_in);
	assert_non_null(gw_out);
	assert_true(dev_out->spi >= 256 && dev_in->spi >= 256);
	assert_int_equal(dev_out->crypto.alg, gw_in->crypto.alg);
	assert_int_equal(dev_out->crypto.key_len, gw_in->crypto.key_len);
	assert_memory_equal(dev_out->crypto.key, gw_in->crypto.key, dev_out->crypto.key_len);
	assert_int_equal(dev_out->crypto.integ_key_len, gw_in->crypto.integ_key_len);
	assert_memory_equal(dev_out->crypto.integ_key, gw_in->crypto.integ_key,
			    dev_out->crypto.integ_key_len);
	assert_memory_equal(dev_in->crypto.key, gw_out->crypto.key, dev_in->crypto.key_len);
	/* the two directions have different keys */
	assert_memory_not_equal(dev_out->crypto.key, dev_in->crypto.key, dev_in->crypto.key_len);
}

/* An ESP packet sealed with dev's outbound SA opens with gw's inbound SA. */
static inline void check_esp_roundtrip(struct net *net)
{
	const struct dp_sa *o = spy_first(&net->p[DEV].spy, XS_DIR_OUT);
	const struct dp_sa *i = spy_find(&net->p[GW].spy, o->spi, XS_DIR_IN);
	uint8_t buf[256], *esp, *inner;
	struct esp_sa *tx, *rx;
	size_t len, ilen;
	uint8_t nh;
	char err[128];

	tx = esp_sa_new(&o->crypto, err, sizeof(err));
	rx = esp_sa_new(&i->crypto, err, sizeof(err));
	assert_non_null(tx);
	assert_non_null(rx);
	memset(buf, 0x45, sizeof(buf));
	assert_int_equal(esp_encap(tx, buf + 64, 40, 4, &esp, &len), 0);
	assert_int_equal(esp_decap(rx, esp, len, &inner, &ilen, &nh), 0);
	assert_int_equal(ilen, 40);
	esp_sa_free(tx);
	esp_sa_free(rx);
}

static inline void check_established(struct net *net, int n_sas)
{
	char a[64], b[64];
	const struct dp_sa *in;

	assert_int_equal(stats_of(net, DEV).ike_sas_established, 1);
	assert_int_equal(stats_of(net, GW).ike_sas_established, 1);
	assert_int_equal(spy_count(&net->p[DEV].spy), n_sas);
	assert_int_equal(spy_count(&net->p[GW].spy), n_sas);
	check_sa_pairs(net);
	/* narrowed: gw's 10.1.0.0/24 against dev's /16, dev's /24 against gw's /16 */
	in = spy_first(&net->p[GW].spy, XS_DIR_IN);
	assert_int_equal(in->n_remote_ts, 1);
	assert_int_equal(in->n_local_ts, 1);
	assert_string_equal(sel_str(&in->remote_ts[0], a, sizeof(a)), "10.200.1.0/24");
	assert_string_equal(sel_str(&in->local_ts[0], b, sizeof(b)), "10.1.0.0/24");
	assert_string_equal(in->device, "dev1@devices.example");
	in = spy_first(&net->p[DEV].spy, XS_DIR_IN);
	assert_string_equal(sel_str(&in->remote_ts[0], a, sizeof(a)), "10.1.0.0/24");
	assert_string_equal(in->device, "gw.example");
	assert_int_equal(dp_fake_policy_count(net->p[GW].spy.inner), n_sas / 2);
}

#endif /* XDPSEC_TEST_IKE_EXCHANGE_CONF_H */
