// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Hostile input to the IKE lifecycle code (harness: ike_exchange_harness.h):
 * malformed and unsolicited REDIRECT (ike_redirect.c), SKF fragments with
 * impossible numbers, totals and message IDs (ike_frag.c), MOBIKE notifies
 * of bad lengths or from the wrong side (ike_mobike.c), and rtnetlink
 * datagrams of any shape (addr_watch.c); and the roles an IKE rekey by
 * the gateway must not swap (who follows a REDIRECT, who reauthenticates).
 * Each must be dropped (counted in invalid_messages where it is a
 * malformed message) and leave the SA as it was; nothing may read past a
 * buffer (ASan) or look an unauthenticated peer's name up.
 *
 *   dev 10.77.0.2 (initiator) <------------> gw 10.77.0.1 (responder)
 *        forged answers, fragments and requests are put on the wire
 *        between them, or built with an SA's own keys (authentic but bad)
 */
#include "ike_exchange_conf.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netdb.h>

#include "addr_watch.h"
#include "ike_sk.h"
#include "ike_xchg.h"

#define PSK "this-is-the-fleet-psk-0123456789"
#define DEV_X(extra) DEV_CONF(GCM128, "aes128gcm16", PSK, extra)
#define GW_X(extra) GW_CONF(GCM128, "aes128gcm16", extra)

enum { GW_IPV4 = 1, GW_IPV6 = 2, GW_FQDN = 3 };

/* Name lookups the engine asked for: only an authenticated REDIRECT may. */
static unsigned int dns_lookups;

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		struct addrinfo **res)
{
	(void)node;
	(void)service;
	(void)hints;
	(void)res;
	dns_lookups++;
	return EAI_NONAME;
}

static unsigned int live_sas(struct net *net, int idx)
{
	const struct ike_sa *s;
	unsigned int n = 0;

	for (s = net->p[idx].e->sas; s; s = s->next)
		n += s->state != IKE_SA_DEAD;
	return n;
}

/* The side's one live IKE SA. */
static struct ike_sa *only_sa(struct net *net, int idx)
{
	struct ike_sa *s, *found = NULL;

	for (s = net->p[idx].e->sas; s; s = s->next)
		if (s->state != IKE_SA_DEAD) {
			assert_null(found);
			found = s;
		}
	assert_non_null(found);
	return found;
}

static const char *remote_str(const struct ike_sa *sa)
{
	static char buf[64];

	return ike_ep_format(&sa->remote, buf, sizeof(buf));
}

/* dev and gw (extras: string literals) with the IKE SA and child "net" up. */
#define up_pair(dev_extra, gw_extra) up(pair(DEV_X(dev_extra), GW_X(gw_extra), false))

static struct net *up(struct net *net)
{
	initiate(net, "net");
	assert_int_equal(stats_of(net, DEV).ike_sas_established, 1);
	assert_int_equal(stats_of(net, GW).ike_sas_established, 1);
	return net;
}

/* ---- REDIRECT in the IKE_SA_INIT response (unauthenticated) ---- */

enum nonce_mode { NONCE_NONE, NONCE_OURS, NONCE_SHORT, NONCE_FLIPPED, NONCE_LONG };

struct gw_case {
	const char *what;
	uint8_t gw[24];		/* type, length, identity as sent */
	size_t len;
	enum nonce_mode nonce;
};

static const struct gw_case *forge;	/* replaces gw's next IKE_SA_INIT response */

/* The notify data: the case's GW octets, then (some of) dev's Ni. */
static size_t forge_data(struct net *net, const struct gw_case *c, uint8_t *out)
{
	const struct ike_sa *dev = only_sa(net, DEV);
	size_t len = c->len;

	memcpy(out, c->gw, c->len);
	if (c->nonce == NONCE_NONE)
		return len;
	memcpy(out + len, dev->ni, dev->ni_len);
	len += dev->ni_len;
	if (c->nonce == NONCE_SHORT)
		len--;
	if (c->nonce == NONCE_FLIPPED)
		out[len - 1] ^= 0x80;
	if (c->nonce == NONCE_LONG)
		out[len++] = 0;
	return len;
}

/* HDR(SPIi, 0), N(REDIRECT, data) in place of p. */
static void put_init_redirect(struct pkt *p, const uint8_t *data, size_t len)
{
	struct ike_hdr h = { .version = IKE_VERSION_2, .exchange = IKE_SA_INIT,
			     .flags = IKE_FLAG_RESPONSE };
	uint8_t buf[1024];
	struct ike_builder b;

	memcpy(h.spi_i, p->data, IKE_SPI_LEN);
	ike_build_begin(&b, buf, sizeof(buf), &h);
	ike_build_notify_simple(&b, IKE_N_REDIRECT, data, len);
	assert_int_equal(ike_build_finish(&b, &p->len), 0);
	memcpy(p->data, buf, p->len);
}

static enum verdict forge_redirect(struct net *net, struct pkt *p)
{
	uint8_t data[600];

	if (forge && p->from == GW && pkt_is(p, IKE_SA_INIT, true)) {
		put_init_redirect(p, data, forge_data(net, forge, data));
		forge = NULL;
	}
	return DELIVER;
}

static const struct gw_case bad_gw[] = {
	{ "IPv4, length 3", { GW_IPV4, 3, 10, 77, 0 }, 5, NONCE_OURS },
	{ "IPv4, length 16", { GW_IPV4, 16, 10, 77, 0, 3 }, 18, NONCE_OURS },
	{ "IPv6, length 4", { GW_IPV6, 4, 10, 77, 0, 3 }, 6, NONCE_OURS },
	{ "IPv6, length 15", { GW_IPV6, 15, 0x20, 1 }, 17, NONCE_OURS },
	{ "FQDN, length 0", { GW_FQDN, 0 }, 2, NONCE_OURS },
	{ "FQDN with a NUL", { GW_FQDN, 5, 'a', 0, 'b', 'c', 'd' }, 7, NONCE_OURS },
	{ "FQDN with a newline", { GW_FQDN, 5, 'a', '\n', 'b', 'c', 'd' }, 7, NONCE_OURS },
	{ "FQDN with a space", { GW_FQDN, 5, 'a', ' ', 'b', 'c', 'd' }, 7, NONCE_OURS },
	{ "unknown type", { 9, 4, 10, 77, 0, 3 }, 6, NONCE_OURS },
	{ "type 0", { 0, 4, 10, 77, 0, 3 }, 6, NONCE_OURS },
	{ "IPv4 0.0.0.0", { GW_IPV4, 4, 0, 0, 0, 0 }, 6, NONCE_OURS },
	{ "length past the end", { GW_IPV4, 200, 10, 77, 0, 3 }, 6, NONCE_NONE },
	{ "length past the nonce", { GW_IPV4, 250, 10, 77, 0, 3 }, 6, NONCE_OURS },
	{ "no data", { 0 }, 0, NONCE_NONE },
	{ "type only", { GW_IPV4 }, 1, NONCE_NONE },
	{ "no nonce", { GW_IPV4, 4, 10, 77, 0, 3 }, 6, NONCE_NONE },
	{ "nonce one short", { GW_IPV4, 4, 10, 77, 0, 3 }, 6, NONCE_SHORT },
	{ "nonce one long", { GW_IPV4, 4, 10, 77, 0, 3 }, 6, NONCE_LONG },
	{ "wrong nonce", { GW_IPV4, 4, 10, 77, 0, 3 }, 6, NONCE_FLIPPED },
	{ "FQDN, wrong nonce", { GW_FQDN, 4, 'e', 'v', 'i', 'l' }, 6, NONCE_FLIPPED },
};

/*
 * A REDIRECT dev cannot use is dropped and counted as if never received:
 * dev's request stays out, its retransmission gets gw's real answer and
 * the SA comes up with gw.  Nothing is looked up, nobody else is tried.
 */
static void expect_dropped_then_up(struct net *net)
{
	struct ike_sa *dev = only_sa(net, DEV);

	assert_int_equal(stats_of(net, DEV).invalid_messages, 1);
	assert_int_equal(stats_of(net, DEV).redirects, 0);
	assert_int_equal(dev->state, IKE_SA_CONNECTING);
	assert_int_equal(dev->req.kind, IKE_REQ_INIT);
	assert_int_equal(dns_lookups, 0);
	advance(net, 1000);
	assert_int_equal(stats_of(net, DEV).ike_sas_established, 1);
	dev = only_sa(net, DEV);
	assert_int_equal(dev->state, IKE_SA_ESTABLISHED);
	assert_string_equal(remote_str(dev), "10.77.0.1:4500");
	assert_int_equal(stats_of(net, DEV).invalid_messages, 1);
	assert_int_equal(stats_of(net, DEV).redirects, 0);
}

static void test_init_redirect_malformed(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_gw) / sizeof(bad_gw[0]); i++) {
		struct net *net = pair(DEV_X(""), GW_X(""), false);

		print_message("REDIRECT: %s\n", bad_gw[i].what);
		dns_lookups = 0;
		forge = &bad_gw[i];
		net->filter = forge_redirect;
		initiate(net, "net");
		assert_null(forge);
		expect_dropped_then_up(net);
		net_free(net);
	}
}

/* follow_redirect = no: no REDIRECT_SUPPORTED went out, so even a well-made REDIRECT is dropped. */
static void test_init_redirect_unsolicited(void **state)
{
	static const struct gw_case good = { "to 10.77.0.3", { GW_IPV4, 4, 10, 77, 0, 3 }, 6,
					     NONCE_OURS };
	struct net *net = pair(DEV_X("follow_redirect = no"), GW_X(""), false);

	(void)state;
	dns_lookups = 0;
	forge = &good;
	net->filter = forge_redirect;
	initiate(net, "net");
	assert_null(forge);
	expect_dropped_then_up(net);
	net_free(net);
}

/* ---- REDIRECT to an established SA ---- */

/* Sends a REDIRECT from gw's SA, as `xdpsecctl redirect` would, with these GW octets. */
static void gw_sends_redirect(struct net *net, const uint8_t *data, size_t len)
{
	struct ike_sa *gw = only_sa(net, GW);
	struct ike_builder b;

	ike_msg_begin(gw, &b, IKE_INFORMATIONAL, NULL);
	ike_build_notify_simple(&b, IKE_N_REDIRECT, data, len);
	assert_int_equal(ike_request_send(gw, &b, IKE_REQ_REDIRECT, NULL), 0);
	pump(net);
}

static void expect_dev_stays(struct net *net)
{
	struct ike_sa *dev = only_sa(net, DEV);

	assert_int_equal(dev->state, IKE_SA_ESTABLISHED);
	assert_string_equal(remote_str(dev), "10.77.0.1:4500");
	assert_false(ike_reauth_pending(dev));
	assert_int_equal(stats_of(net, DEV).redirects, 0);
	assert_int_equal(spy_count(&net->p[DEV].spy), 2);
	assert_int_equal(live_sas(net, GW), 1);
}

/*
 * Nobody can move an established SA with REDIRECT: not in an IKE_SA_INIT
 * response (even with the right nonce), not in a cleartext INFORMATIONAL,
 * not in an authenticated one with a malformed GW; and the device cannot
 * redirect the gateway.
 */
static void test_redirect_cannot_hijack(void **state)
{
	struct net *net = up_pair("", "");
	struct ike_sa *dev = only_sa(net, DEV), *gw = only_sa(net, GW);
	uint8_t data[600], msg[1024];
	struct ike_endpoint gw_ep, dev_ep;
	struct ike_builder b;
	struct ike_hdr h = { .version = IKE_VERSION_2, .exchange = IKE_SA_INIT,
			     .flags = IKE_FLAG_RESPONSE };
	size_t len;

	(void)state;
	dns_lookups = 0;
	gw_ep = dev->remote;
	dev_ep = dev->local;
	/* IKE_SA_INIT response with a REDIRECT and dev's very nonce */
	memcpy(data, (uint8_t[]){ GW_IPV4, 4, 10, 77, 0, 3 }, 6);
	memcpy(data + 6, dev->ni, dev->ni_len);
	memcpy(h.spi_i, dev->spi_i, IKE_SPI_LEN);
	memcpy(h.spi_r, dev->spi_r, IKE_SPI_LEN);
	ike_build_begin(&b, msg, sizeof(msg), &h);
	ike_build_notify_simple(&b, IKE_N_REDIRECT, data, 6 + dev->ni_len);
	assert_int_equal(ike_build_finish(&b, &len), 0);
	ike_engine_input(net->p[DEV].e, &dev_ep, &gw_ep, msg, len, net->now);
	expect_dev_stays(net);
	/* the same as a cleartext INFORMATIONAL request of gw's */
	h.exchange = IKE_INFORMATIONAL;
	h.flags = 0;
	h.msg_id = dev->peer_req_id;
	ike_build_begin(&b, msg, sizeof(msg), &h);
	ike_build_notify_simple(&b, IKE_N_REDIRECT, data, 6);
	assert_int_equal(ike_build_finish(&b, &len), 0);
	ike_engine_input(net->p[DEV].e, &dev_ep, &gw_ep, msg, len, net->now);
	expect_dev_stays(net);
	assert_int_equal(stats_of(net, DEV).invalid_messages, 1);
	/* authenticated, but malformed: counted, answered, ignored */
	gw_sends_redirect(net, (uint8_t[]){ GW_IPV4, 16, 10, 77, 0, 3 }, 6);
	expect_dev_stays(net);
	assert_int_equal(stats_of(net, DEV).invalid_messages, 2);
	assert_int_equal(gw->req.kind, IKE_REQ_NONE);	/* answered */
	gw_sends_redirect(net, (uint8_t[]){ GW_IPV4, 4, 10, 77, 0, 3, 1, 2, 3, 4 }, 10);
	expect_dev_stays(net);
	assert_int_equal(stats_of(net, DEV).invalid_messages, 3);
	/* an FQDN from the authenticated gateway is looked up (here: fails) */
	gw_sends_redirect(net, (uint8_t[]){ GW_FQDN, 4, 'n', 'o', 'n', 'e' }, 6);
	expect_dev_stays(net);
	assert_int_equal(dns_lookups, 1);
	/* the device cannot send the gateway away */
	ike_msg_begin(dev, &b, IKE_INFORMATIONAL, NULL);
	ike_build_notify_simple(&b, IKE_N_REDIRECT, (uint8_t[]){ GW_IPV4, 4, 10, 77, 0, 3 }, 6);
	assert_int_equal(ike_request_send(dev, &b, IKE_REQ_DPD, NULL), 0);
	pump(net);
	assert_int_equal(only_sa(net, GW)->state, IKE_SA_ESTABLISHED);
	assert_string_equal(remote_str(only_sa(net, GW)), "10.77.0.2:4500");
	assert_int_equal(stats_of(net, GW).redirects, 0);
	assert_int_equal(live_sas(net, GW), 1);
	assert_int_equal(live_sas(net, DEV), 1);
	net_free(net);
}

/* The established IKE SA of side idx that is not rekeyed (the newest). */
static struct ike_sa *current_sa(struct net *net, int idx)
{
	struct ike_sa *s, *found = NULL;

	for (s = net->p[idx].e->sas; s; s = s->next)
		if (s->state == IKE_SA_ESTABLISHED && !s->rekeyed) {
			assert_null(found);
			found = s;
		}
	assert_non_null(found);
	return found;
}

/*
 * Roles after gw rekeys the IKE SA: gw is the new SA's initiator (RFC 7296
 * 2.18), but still the gateway.  The device still follows gw's REDIRECT,
 * gw still may send one, and the device cannot send gw away.
 */
static void test_redirect_roles_survive_ike_rekey(void **state)
{
	struct net *net = up_pair("", "");
	struct ike_sa *dev, *gw;
	struct ike_builder b;
	char err[256] = "";

	(void)state;
	dns_lookups = 0;
	assert_int_equal(ike_rekey_ike_start(current_sa(net, GW)), 0);
	pump(net);
	advance(net, 10000);
	gw = current_sa(net, GW);
	dev = current_sa(net, DEV);
	assert_true(gw->initiator);
	assert_false(dev->initiator);
	/* the device tries to send the gateway to 10.77.0.3 */
	ike_msg_begin(dev, &b, IKE_INFORMATIONAL, NULL);
	ike_build_notify_simple(&b, IKE_N_REDIRECT, (uint8_t[]){ GW_IPV4, 4, 10, 77, 0, 3 }, 6);
	assert_int_equal(ike_request_send(dev, &b, IKE_REQ_DPD, NULL), 0);
	pump(net);
	assert_int_equal(dev->req.kind, IKE_REQ_NONE);
	assert_int_equal(stats_of(net, GW).redirects, 0);
	assert_false(ike_reauth_pending(gw));
	assert_int_equal(live_sas(net, GW), 1);
	assert_string_equal(remote_str(current_sa(net, GW)), "10.77.0.2:4500");
	/* the operator can still redirect the device (to an FQDN the stub does not resolve) */
	assert_int_equal(ike_engine_redirect(net->p[GW].e, "gw", NULL, "gw2.example", net->now,
					     err, sizeof(err)), 1);
	pump(net);
	assert_int_equal(stats_of(net, GW).redirects, 1);
	assert_int_equal(dns_lookups, 1);	/* the device took it up */
	net_free(net);
}

/* The device still reauthenticates after gw rekeyed the IKE SA, and gw never does. */
static void test_reauth_role_survives_ike_rekey(void **state)
{
	struct net *net = up_pair("reauth_time = 60s\n rand_time = 0s",
				  "reauth_time = 60s\n rand_time = 0s");

	(void)state;
	assert_int_equal(ike_rekey_ike_start(current_sa(net, GW)), 0);
	pump(net);
	assert_true(current_sa(net, GW)->initiator);
	assert_int_equal(current_sa(net, GW)->reauth_ms, 0);
	for (int s = 0; s < 65; s++)
		advance(net, 1000);
	assert_int_equal(stats_of(net, DEV).ike_sas_reauthenticated, 1);
	assert_int_equal(stats_of(net, GW).ike_sas_reauthenticated, 0);
	assert_int_equal(live_sas(net, DEV), 1);
	assert_int_equal(live_sas(net, GW), 1);
	net_free(net);
}

/* ---- REDIRECTED_FROM in an IKE_SA_INIT request (unauthenticated) ---- */

static const uint8_t *extra_from;	/* added to dev's next IKE_SA_INIT request */
static size_t extra_from_len;

/* p again, with N(REDIRECTED_FROM, extra_from) at its end. */
static void add_redirected_from(struct pkt *p)
{
	static uint8_t buf[IKE_MAX_MSG];
	struct ike_builder b;
	struct ike_msg m;

	assert_int_equal(ike_msg_parse(p->data, p->len, &m, NULL), 0);
	ike_build_begin(&b, buf, sizeof(buf), &m.hdr);
	for (unsigned int i = 0; i < m.chain.n; i++)
		ike_build_raw(&b, m.chain.pl[i].type, m.chain.pl[i].critical, m.chain.pl[i].body,
			      m.chain.pl[i].len);
	ike_build_notify_simple(&b, IKE_N_REDIRECTED_FROM, extra_from, extra_from_len);
	assert_int_equal(ike_build_finish(&b, &p->len), 0);
	memcpy(p->data, buf, p->len);
}

static enum verdict forge_redirected_from(struct net *net, struct pkt *p)
{
	(void)net;
	if (p->from == DEV && pkt_is(p, IKE_AUTH, false))
		return DROP;	/* gw's half-open SA stays to be looked at */
	if (extra_from && p->from == DEV && pkt_is(p, IKE_SA_INIT, false)) {
		add_redirected_from(p);
		extra_from = NULL;
	}
	return DELIVER;
}

/*
 * Anyone may claim to be redirected from an FQDN: the gateway logs the
 * name but must not look it up (a blocking DNS query per unauthenticated
 * packet); malformed ones are only not logged.
 */
static void test_redirected_from_not_resolved(void **state)
{
	static const struct { const uint8_t *data; size_t len; } cases[] = {
		{ (const uint8_t *)"\x03\x0c" "evil.example", 14 },
		{ (const uint8_t *)"\x03\xff" "evil", 6 },
		{ (const uint8_t *)"\x01\x04\x0a\x4d\x00\x03\x00", 7 },
		{ (const uint8_t *)"\x02", 1 },
		{ (const uint8_t *)"", 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct net *net = pair(DEV_X(""), GW_X(""), false);
		struct ike_sa *gw;

		dns_lookups = 0;
		extra_from = cases[i].data;
		extra_from_len = cases[i].len;
		net->filter = forge_redirected_from;
		ike_engine_initiate(net->p[DEV].e, "net", net->now, NULL, 0);
		pump(net);
		assert_null(extra_from);
		assert_int_equal(dns_lookups, 0);
		gw = net->p[GW].e->sas;
		assert_non_null(gw);	/* answered: the half-open SA is there */
		assert_true(gw->peer_redirect_ok);
		net_free(net);
	}
}

/* ---- SKF fragments ---- */

/* Message ID, Fragment Number, Total Fragments and inner octets of one fragment. */
struct frag {
	uint32_t msg_id;
	uint16_t num, total;
	uint8_t next;
	const uint8_t *data;
	size_t len;
};

/* A fragment of from's SA, protected with its keys, into out; its length. */
static size_t skf_build(struct ike_sa *from, const struct frag *f, uint8_t *out, size_t cap)
{
	struct ike_hdr h = { .next_payload = IKE_PL_SKF, .version = IKE_VERSION_2,
			     .exchange = IKE_INFORMATIONAL, .msg_id = f->msg_id };
	size_t pt_off = IKE_HDR_LEN + IKE_GENERIC_HDR_LEN + IKE_SKF_FRAG_LEN +
			ike_sk_iv_len(&from->sk_out), len;

	h.flags = from->initiator ? IKE_FLAG_INITIATOR : 0;
	memcpy(h.spi_i, from->spi_i, IKE_SPI_LEN);
	memcpy(h.spi_r, from->spi_r, IKE_SPI_LEN);
	ike_hdr_write(out, &h);
	out[IKE_HDR_LEN] = f->next;
	out[IKE_HDR_LEN + 1] = 0;
	ike_put16(out + IKE_HDR_LEN + IKE_GENERIC_HDR_LEN, f->num);
	ike_put16(out + IKE_HDR_LEN + IKE_GENERIC_HDR_LEN + 2, f->total);
	assert_true(pt_off + f->len < cap);
	memcpy(out + pt_off, f->data, f->len);
	assert_int_equal(ike_sk_encrypt_frag(&from->sk_out, out, cap, IKE_HDR_LEN, f->len, &len), 0);
	return len;
}

/* A datagram as if from dev's SA, straight into gw's engine. */
static void dev_to_gw(struct net *net, const uint8_t *msg, size_t len)
{
	struct ike_sa *dev = only_sa(net, DEV);

	ike_engine_input(net->p[GW].e, &dev->remote, &dev->local, msg, len, net->now);
}

/* dev's fragment f into gw (flip: one ICV octet changed). */
static void skf_to_gw(struct net *net, const struct frag *f, bool flip)
{
	static uint8_t buf[IKE_MAX_MSG];
	size_t len = skf_build(only_sa(net, DEV), f, buf, sizeof(buf));

	if (flip)
		buf[len - 1] ^= 0x01;
	dev_to_gw(net, buf, len);
}

/* An INFORMATIONAL request's inner chain: one status notify, 8 + 40 octets. */
static const uint8_t inner[48] = { 0, 0, 0, 48, 0, 0, 0x9c, 0x40 /* 40000 */, 1, 2, 3 };

/* Fragment num of total of inner, cut into total equal-ish pieces. */
static struct frag piece(uint32_t msg_id, uint16_t num, uint16_t total)
{
	size_t per = (sizeof(inner) + total - 1) / total, off = (num - 1) * per;
	size_t len = off >= sizeof(inner) ? 0 :
		     sizeof(inner) - off < per ? sizeof(inner) - off : per;

	return (struct frag){ .msg_id = msg_id, .num = num, .total = total,
			      .next = num == 1 ? IKE_PL_NOTIFY : IKE_PL_NONE,
			      .data = inner + (off < sizeof(inner) ? off : 0), .len = len };
}

static void send_piece(struct net *net, uint32_t msg_id, uint16_t num, uint16_t total, bool flip)
{
	struct frag f = piece(msg_id, num, total);

	skf_to_gw(net, &f, flip);
}

/* Did gw take a whole request (its next expected ID moved on, an answer queued)? */
static bool gw_took_request(struct net *net, uint32_t id_before)
{
	return only_sa(net, GW)->peer_req_id == id_before + 1;
}

/* Fragments the codec refuses: counted, no state. */
static void test_skf_bad_numbers(void **state)
{
	struct net *net = up_pair("", "");
	uint32_t id = only_sa(net, GW)->peer_req_id;
	static const uint16_t nums[][2] = {
		{ 0, 2 }, { 3, 2 }, { 0, 0 }, { 1, 0 }, { 1, 33 }, { 33, 33 },
		{ 65535, 65535 }, { 1, 65535 }, { 65535, 1 },
	};
	uint64_t invalid = stats_of(net, GW).invalid_messages;

	(void)state;
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		struct frag f = piece(id, 1, 2);

		f.num = nums[i][0];
		f.total = nums[i][1];
		skf_to_gw(net, &f, false);
		assert_int_equal(stats_of(net, GW).invalid_messages, invalid + i + 1);
		assert_int_equal(only_sa(net, GW)->peer_req_id, id);
		assert_int_equal(net->n, 0);	/* nothing answered */
	}
	assert_int_equal(only_sa(net, GW)->state, IKE_SA_ESTABLISHED);
	/* a whole message after all that still goes through */
	send_piece(net, id, 1, 2, false);
	send_piece(net, id, 2, 2, false);
	assert_true(gw_took_request(net, id));
	net_free(net);
}

/* Fragments for another message ID than the window's, or forged, are not kept. */
static void test_skf_wrong_id_and_forged(void **state)
{
	static uint8_t f1_raw[IKE_MAX_MSG];
	struct net *net = up_pair("", "");
	uint32_t id = only_sa(net, GW)->peer_req_id;
	uint64_t invalid = stats_of(net, GW).invalid_messages;
	struct frag f1;
	size_t f1_len;

	(void)state;
	send_piece(net, id + 1, 1, 2, false);
	send_piece(net, id + 1, 2, 2, false);
	send_piece(net, id + 1000, 1, 1, false);
	assert_int_equal(only_sa(net, GW)->peer_req_id, id);
	assert_int_equal(net->n, 0);
	/* a forged fragment 2 neither completes nor blocks the real one */
	f1 = piece(id, 1, 2);
	f1_len = skf_build(only_sa(net, DEV), &f1, f1_raw, sizeof(f1_raw));
	dev_to_gw(net, f1_raw, f1_len);
	send_piece(net, id, 2, 2, true);
	assert_int_equal(stats_of(net, GW).invalid_messages, invalid + 1);
	assert_int_equal(only_sa(net, GW)->peer_req_id, id);
	send_piece(net, id, 2, 2, false);
	assert_true(gw_took_request(net, id));
	/* fragments of the message just taken: fragment 1 is answered from the cache, 2 ignored */
	pump(net);
	send_piece(net, id, 2, 2, false);
	assert_int_equal(net->n, 0);
	dev_to_gw(net, f1_raw, f1_len);
	assert_int_equal(net->n, 1);
	assert_int_equal(stats_of(net, GW).invalid_messages, invalid + 1);
	/* a fragment 1 that is not the one taken (here: another IV) is no retransmission */
	send_piece(net, id, 1, 2, false);
	assert_int_equal(net->n, 1);
	assert_int_equal(stats_of(net, GW).invalid_messages, invalid + 2);
	net_free(net);
}

/*
 * Inconsistent totals (RFC 7383 2.6): a smaller total than the set's is
 * ignored, a larger one restarts it; duplicates are ignored; the message
 * is taken once, whole.
 */
static void test_skf_inconsistent_totals(void **state)
{
	struct net *net = up_pair("", "");
	uint32_t id = only_sa(net, GW)->peer_req_id;
	uint64_t invalid = stats_of(net, GW).invalid_messages;

	(void)state;
	send_piece(net, id, 1, 3, false);
	send_piece(net, id, 1, 3, false);
	send_piece(net, id, 2, 2, false);	/* older: ignored */
	send_piece(net, id, 2, 3, false);
	assert_int_equal(only_sa(net, GW)->peer_req_id, id);
	send_piece(net, id, 4, 4, false);	/* newer: restarts */
	send_piece(net, id, 3, 3, false);	/* older now */
	assert_int_equal(only_sa(net, GW)->peer_req_id, id);
	send_piece(net, id, 2, 4, false);
	send_piece(net, id, 1, 4, false);
	send_piece(net, id, 3, 4, false);
	assert_true(gw_took_request(net, id));
	assert_int_equal(stats_of(net, GW).invalid_messages, invalid);
	/* the whole request has not two totals' worth of pieces: a valid chain, answered */
	assert_int_equal(net->n, 1);
	net_free(net);
}

/* The plaintext of all fragments is bounded by IKE_MAX_MSG; past it the set goes. */
static void test_skf_too_large(void **state)
{
	static uint8_t big[40000];
	struct net *net = up_pair("", "");
	uint32_t id = only_sa(net, GW)->peer_req_id;
	uint64_t invalid = stats_of(net, GW).invalid_messages;
	struct frag f = { .msg_id = id, .total = 2, .data = big, .len = sizeof(big) };

	(void)state;
	f.num = 1;
	f.next = IKE_PL_NOTIFY;
	skf_to_gw(net, &f, false);
	f.num = 2;
	f.next = IKE_PL_NONE;
	skf_to_gw(net, &f, false);
	assert_int_equal(stats_of(net, GW).invalid_messages, invalid + 1);
	assert_int_equal(only_sa(net, GW)->peer_req_id, id);
	assert_int_equal(only_sa(net, GW)->state, IKE_SA_ESTABLISHED);
	net_free(net);
}

/* Reassembled, but the inner chain is garbage: INVALID_SYNTAX, the established SA stays. */
static void test_skf_garbage_inside(void **state)
{
	static const uint8_t junk[] = { 0, 0, 0, 200, 1, 2, 3, 4, 5, 6, 7, 8 };
	struct net *net = up_pair("", "");
	uint32_t id = only_sa(net, GW)->peer_req_id;

	(void)state;
	skf_to_gw(net, &(struct frag){ .msg_id = id, .num = 1, .total = 2, .next = IKE_PL_NOTIFY,
				       .data = junk, .len = 6 }, false);
	skf_to_gw(net, &(struct frag){ .msg_id = id, .num = 2, .total = 2,
				       .data = junk + 6, .len = 6 }, false);
	assert_true(gw_took_request(net, id));
	assert_int_equal(net->n, 1);		/* the INVALID_SYNTAX answer */
	assert_int_equal(only_sa(net, GW)->state, IKE_SA_ESTABLISHED);
	net_free(net);
}

static bool hold_init_answer = true;

static enum verdict hold_init(struct net *net, struct pkt *p)
{
	(void)net;
	return hold_init_answer && p->from == GW && pkt_is(p, IKE_SA_INIT, true) ? HOLD : DELIVER;
}

/* A fragment for dev before it has keys: counted, dropped; the handshake goes on. */
static void test_skf_before_keys(void **state)
{
	struct net *net = pair(DEV_X(""), GW_X(""), false);
	uint8_t msg[128] = { 0 };
	struct ike_hdr h = { .next_payload = IKE_PL_SKF, .version = IKE_VERSION_2,
			     .exchange = IKE_AUTH, .msg_id = 0, .length = 0 };
	struct ike_endpoint gw_ep, dev_ep;
	struct ike_sa *dev;

	(void)state;
	hold_init_answer = true;
	net->filter = hold_init;
	initiate(net, "net");
	dev = only_sa(net, DEV);
	assert_false(dev->have_keys);
	memcpy(h.spi_i, dev->spi_i, IKE_SPI_LEN);
	memset(h.spi_r, 0x5a, IKE_SPI_LEN);
	for (int response = 0; response < 2; response++) {
		h.flags = response ? IKE_FLAG_RESPONSE : 0;
		h.exchange = response ? IKE_SA_INIT : IKE_AUTH;
		ike_hdr_write(msg, &h);
		ike_put32(msg + 24, 28 + 40);
		msg[IKE_HDR_LEN] = IKE_PL_IDI;
		ike_put16(msg + IKE_HDR_LEN + 2, 40);
		ike_put16(msg + IKE_HDR_LEN + 4, 1);
		ike_put16(msg + IKE_HDR_LEN + 6, 2);
		gw_ep = dev->remote;
		dev_ep = dev->local;
		ike_engine_input(net->p[DEV].e, &dev_ep, &gw_ep, msg, 28 + 40, net->now);
	}
	assert_true(stats_of(net, DEV).invalid_messages >= 1);
	assert_int_equal(only_sa(net, DEV)->state, IKE_SA_CONNECTING);
	hold_init_answer = false;
	release(net);
	assert_int_equal(stats_of(net, DEV).ike_sas_established, 1);
	net_free(net);
}

/* ---- MOBIKE ---- */

/* Requests of side from leave from fake_src instead; the answers come back. */
static int fake_from = -1;
static uint8_t fake_src[4];

static enum verdict move_src(struct net *net, struct pkt *p)
{
	if (p->from == fake_from && pkt_is(p, IKE_INFORMATIONAL, false))
		memcpy(p->src.addr, fake_src, 4);
	else if (p->from != fake_from && !memcmp(p->dst.addr, fake_src, 4))
		memcpy(p->dst.addr, net->p[fake_from].addr.addr, 4);
	return DELIVER;
}

/* An INFORMATIONAL request of side idx's SA with these notifies, from 10.77.0.9. */
static void mobike_request(struct net *net, int idx, bool update, const void *cookie2,
			   size_t cookie2_len, const void *no_nats, size_t no_nats_len)
{
	struct ike_sa *sa = only_sa(net, idx);
	struct ike_builder b;

	fake_from = idx;
	memcpy(fake_src, (uint8_t[]){ 10, 77, 0, 9 }, 4);
	net->filter = move_src;
	ike_msg_begin(sa, &b, IKE_INFORMATIONAL, NULL);
	if (update)
		ike_build_notify_simple(&b, IKE_N_UPDATE_SA_ADDRESSES, NULL, 0);
	if (no_nats)
		ike_build_notify_simple(&b, IKE_N_NO_NATS_ALLOWED, no_nats, no_nats_len);
	if (cookie2)
		ike_build_notify_simple(&b, IKE_N_COOKIE2, cookie2, cookie2_len);
	assert_int_equal(ike_request_send(sa, &b, IKE_REQ_DPD, NULL), 0);
	pump(net);
	assert_int_equal(sa->req.kind, IKE_REQ_NONE);	/* answered */
	net->filter = NULL;
}

static void expect_gw_unmoved(struct net *net, const char *remote)
{
	const struct dp_sa *out = spy_first(&net->p[GW].spy, XS_DIR_OUT);
	char a[64];

	assert_string_equal(remote_str(only_sa(net, GW)), remote);
	assert_string_equal(addr_format(&out->dst, a, sizeof(a)), "10.77.0.2");
	assert_int_equal(stats_of(net, GW).address_changes, 0);
}

/* The control: a well-formed update from 10.77.0.9 does move gw (the harness sees moves). */
static void test_mobike_update_moves(void **state)
{
	struct net *net = up_pair("", "");

	(void)state;
	mobike_request(net, DEV, true, "cookie-2", 8, NULL, 0);
	assert_string_equal(remote_str(only_sa(net, GW)), "10.77.0.9:4500");
	assert_int_equal(stats_of(net, GW).invalid_messages, 0);
	net_free(net);
}

/* MOBIKE not negotiated (gw says mobike = no): UPDATE_SA_ADDRESSES moves nothing. */
static void test_mobike_update_not_negotiated(void **state)
{
	struct net *net = up_pair("", "mobike = no");

	(void)state;
	assert_false(only_sa(net, GW)->mobike);
	mobike_request(net, DEV, true, "cookie-2", 8, NULL, 0);
	expect_gw_unmoved(net, "10.77.0.2:500");
	net_free(net);
}

/* Only the original initiator moves an SA: gw's UPDATE_SA_ADDRESSES does not move dev's. */
static void test_mobike_update_from_responder(void **state)
{
	struct net *net = up_pair("", "");

	(void)state;
	mobike_request(net, GW, true, "cookie-2", 8, NULL, 0);
	assert_string_equal(remote_str(only_sa(net, DEV)), "10.77.0.1:4500");
	assert_int_equal(stats_of(net, DEV).address_changes, 0);
	net_free(net);
}

/* COOKIE2 outside 8..64 octets and NO_NATS_ALLOWED of a wrong length: counted, no move. */
static void test_mobike_bad_lengths(void **state)
{
	static const uint8_t junk[80];
	struct net *net = up_pair("", "");

	(void)state;
	mobike_request(net, DEV, true, junk, 4, NULL, 0);
	expect_gw_unmoved(net, "10.77.0.2:4500");
	assert_int_equal(stats_of(net, GW).invalid_messages, 1);
	mobike_request(net, DEV, true, junk, 65, NULL, 0);
	expect_gw_unmoved(net, "10.77.0.2:4500");
	assert_int_equal(stats_of(net, GW).invalid_messages, 2);
	mobike_request(net, DEV, false, junk, 0, NULL, 0);	/* a path check */
	assert_int_equal(stats_of(net, GW).invalid_messages, 3);
	mobike_request(net, DEV, true, "cookie-2", 8, junk, 5);
	expect_gw_unmoved(net, "10.77.0.2:4500");
	assert_int_equal(stats_of(net, GW).invalid_messages, 4);
	mobike_request(net, DEV, true, "cookie-2", 8, junk, 36);	/* IPv6's, on IPv4 */
	expect_gw_unmoved(net, "10.77.0.2:4500");
	assert_int_equal(stats_of(net, GW).invalid_messages, 5);
	mobike_request(net, DEV, true, "cookie-2", 8, junk, 0);
	expect_gw_unmoved(net, "10.77.0.2:4500");
	assert_int_equal(stats_of(net, GW).invalid_messages, 6);
	assert_int_equal(only_sa(net, GW)->state, IKE_SA_ESTABLISHED);
	net_free(net);
}

/* ---- rtnetlink (addr_watch.c) ---- */

/* buf as a heap block of exactly len octets, so that ASan sees any read past it. */
static bool parse_exact(const void *buf, size_t len)
{
	void *copy = malloc(len ? len : 1);
	bool ret;

	assert_non_null(copy);
	memcpy(copy, buf, len);
	ret = addr_watch_parse(copy, len);
	free(copy);
	return ret;
}

static void put_nlmsg(uint8_t *at, uint32_t len, uint16_t type)
{
	struct nlmsghdr h = { .nlmsg_len = len, .nlmsg_type = type };

	memcpy(at, &h, sizeof(h));
}

static void test_addr_watch_parse(void **state)
{
	uint8_t buf[256] __attribute__((aligned(4))) = { 0 };
	uint64_t rng = 0x9e3779b97f4a7c15ull;

	(void)state;
	assert_false(parse_exact(buf, 0));
	put_nlmsg(buf, 16, RTM_NEWADDR);
	assert_false(parse_exact(buf, 15));		/* shorter than a header */
	assert_true(parse_exact(buf, 16));
	put_nlmsg(buf, 17, RTM_NEWLINK);		/* unaligned, the last one */
	assert_false(parse_exact(buf, 17));
	put_nlmsg(buf, 17, RTM_DELROUTE);
	assert_true(parse_exact(buf, 17));
	put_nlmsg(buf, 18, RTM_NEWLINK);
	assert_false(parse_exact(buf, 19));
	put_nlmsg(buf, 0, RTM_NEWADDR);			/* length 0: no progress */
	assert_false(parse_exact(buf, 64));
	put_nlmsg(buf, 100, RTM_NEWADDR);		/* longer than the datagram */
	assert_false(parse_exact(buf, 64));
	put_nlmsg(buf, 20, RTM_NEWLINK);
	put_nlmsg(buf + 20, 16, RTM_NEWROUTE);
	assert_true(parse_exact(buf, 36));
	assert_false(parse_exact(buf, 35));
	put_nlmsg(buf + 20, 0xffffffff, RTM_NEWROUTE);
	assert_false(parse_exact(buf, 200));
	for (int i = 0; i < 5000; i++) {
		size_t len;

		for (size_t j = 0; j < sizeof(buf); j++) {
			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			buf[j] = (uint8_t)rng;
		}
		if (i & 1)
			put_nlmsg(buf, (uint32_t)(rng >> 40) % 64, (uint16_t)(rng >> 8) % 40);
		len = (size_t)(rng >> 20) % sizeof(buf);
		parse_exact(buf, len);
	}
}

/* ---- found by tests/fuzz/fuzz_ike_engine.c ---- */

/* Holds every INFORMATIONAL request, either way. */
static enum verdict hold_info_requests(struct net *net, struct pkt *p)
{
	(void)net;
	return pkt_is(p, IKE_INFORMATIONAL, false) ? HOLD : DELIVER;
}

/*
 * dev's Delete of its Child SA is out when gw rekeys the IKE SA: the child
 * moves to dev's new IKE SA (sa_adopt), the answer comes on the old one
 * and frees the child through it.  It must leave the new SA's list too (it
 * stayed there, freed, and the next walk of the list read freed memory).
 */
static void test_child_delete_across_ike_rekey(void **state)
{
	struct net *net = up_pair("", "");
	struct ike_sa *dev = only_sa(net, DEV);

	(void)state;
	net->filter = hold_info_requests;
	assert_int_equal(ike_info_delete_child_start(dev, dev->children), 0);
	pump(net);
	assert_int_equal(net->n_held, 1);
	assert_int_equal(ike_rekey_ike_start(only_sa(net, GW)), 0);
	pump(net);
	assert_int_equal(stats_of(net, DEV).ike_sas_rekeyed, 1);
	assert_non_null(current_sa(net, DEV)->children);	/* moved to the new SA */
	assert_int_equal(net->n_held, 2);	/* dev's Delete(ESP), gw's Delete(IKE) */
	net->filter = NULL;
	deliver(net, net->held[0]);		/* gw answers it on the old SA */
	free(net->held[0]);
	net->held[0] = net->held[1];
	net->n_held = 1;
	pump(net);
	assert_null(current_sa(net, DEV)->children);
	assert_int_equal(spy_count(&net->p[DEV].spy), 0);
	release(net);				/* the old IKE SA goes */
	assert_int_equal(live_sas(net, DEV), 1);
	assert_null(current_sa(net, DEV)->children);
	net_free(net);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_redirect_malformed),
		cmocka_unit_test(test_init_redirect_unsolicited),
		cmocka_unit_test(test_redirect_cannot_hijack),
		cmocka_unit_test(test_redirect_roles_survive_ike_rekey),
		cmocka_unit_test(test_reauth_role_survives_ike_rekey),
		cmocka_unit_test(test_redirected_from_not_resolved),
		cmocka_unit_test(test_skf_bad_numbers),
		cmocka_unit_test(test_skf_wrong_id_and_forged),
		cmocka_unit_test(test_skf_inconsistent_totals),
		cmocka_unit_test(test_skf_too_large),
		cmocka_unit_test(test_skf_garbage_inside),
		cmocka_unit_test(test_skf_before_keys),
		cmocka_unit_test(test_mobike_update_moves),
		cmocka_unit_test(test_mobike_update_not_negotiated),
		cmocka_unit_test(test_mobike_update_from_responder),
		cmocka_unit_test(test_mobike_bad_lengths),
		cmocka_unit_test(test_addr_watch_parse),
		cmocka_unit_test(test_child_delete_across_ike_rekey),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
