// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Redirect (RFC 5685) and reauthentication between engines in one process
 * (harness: ike_exchange_harness.h, with a third engine gw2):
 *
 *   dev 10.77.0.2 ---+--- gw  10.77.0.1   (redirect rules, xdpsecctl redirect)
 *                    +--- gw2 10.77.0.3
 *
 *   IKE_SA_INIT { N(REDIRECT_SUPPORTED) }  --> gw
 *                      <--  IKE_SA_INIT { N(REDIRECT, 10.77.0.3, Ni) }
 *   IKE_SA_INIT { N(REDIRECTED_FROM, 10.77.0.1) }  --> gw2 ...
 *
 * The same at IKE_AUTH and by INFORMATIONAL (make before break), refused
 * without REDIRECT_SUPPORTED, with a foreign nonce, and past the loop
 * limit; reauthentication at reauth_time with new SPIs, the old IKE SA
 * gone on both sides and outbound traffic never without an SA, the
 * responder's included: it moves to a new Child SA only once the initiator
 * has it (ESP on it, or the old IKE SA's Delete).
 */
#include "ike_exchange_conf.h"

#include "ike_xchg.h"

#define PSK "this-is-the-fleet-psk-0123456789"

#define GW_AT(addr, extra) \
	"connections { gw {\n" \
	"  local_addrs = " addr "\n" \
	"  proposals = " GCM128 "\n" \
	"  local { auth = psk\n id = gw.example }\n" \
	"  remote { auth = psk\n id = *@devices.example }\n" \
	"  children {\n" \
	"    net { local_ts = 10.1.0.0/24\n remote_ts = 10.200.0.0/16\n esp_proposals = aes128gcm16 }\n" \
	"    net2 { local_ts = 10.2.0.0/24\n remote_ts = 10.201.0.0/16\n esp_proposals = aes128gcm16 }\n" \
	"  }\n" \
	"} }\n" \
	"secrets { ike-fleet { id-gw = gw.example\n id-dev = *@devices.example\n" \
	"  secret = " PSK " } }\n" extra

#define TO_GW2_AT_INIT "redirects { lb { gateway = 10.77.0.3\n remote_addrs = 10.77.0.0/24 } }\n"
#define TO_GW_AT_INIT "redirects { back { gateway = 10.77.0.1\n remote_addrs = 10.77.0.0/24 } }\n"
#define TO_GW2_AT_AUTH \
	"redirects { dev1 { gateway = 10.77.0.3\n remote_id = dev1@devices.example } }\n"

#define DEV_R(extra) DEV_CONF(GCM128, "aes128gcm16", PSK, extra)

#define trio(dev_extra, gw, gw2) trio_of(DEV_R(dev_extra), gw, gw2)

static struct net *trio_of(const char *dev, const char *gw, const char *gw2)
{
	struct net *net = net_new(dev, gw, false);

	peer_init(net, GW2, "10.77.0.3", gw2);
	return net;
}

/* Established IKE SAs of peer idx (with that peer address, if not NULL). */
static unsigned int established(struct net *net, int idx, const char *remote)
{
	const struct ike_sa *s;
	unsigned int n = 0;
	char a[ADDR_STR_MAX];

	for (s = net->p[idx].e->sas; s; s = s->next)
		if (s->state == IKE_SA_ESTABLISHED &&
		    (!remote || !strcmp(ike_ep_addr_format(&s->remote, a, sizeof(a)), remote)))
			n++;
	return n;
}

static unsigned int live_sas(struct net *net, int idx)
{
	const struct ike_sa *s;
	unsigned int n = 0;

	for (s = net->p[idx].e->sas; s; s = s->next)
		n += s->state != IKE_SA_DEAD;
	return n;
}

static unsigned int seen_redirected_from;

static enum verdict count_redirected_from(struct net *net, struct pkt *p)
{
	(void)net;
	if (pkt_is(p, IKE_SA_INIT, false) && pkt_has_notify(p, IKE_N_REDIRECTED_FROM))
		seen_redirected_from++;
	return DELIVER;
}

/* gw sends dev to gw2 at IKE_SA_INIT: dev ends up with gw2 only, Child SA included. */
static void test_redirect_at_init(void **state)
{
	struct net *net = trio("", GW_AT("10.77.0.1", TO_GW2_AT_INIT), GW_AT("10.77.0.3", ""));

	(void)state;
	seen_redirected_from = 0;
	net->filter = count_redirected_from;
	initiate(net, "net");
	assert_int_equal(established(net, DEV, "10.77.0.3"), 1);
	assert_int_equal(live_sas(net, DEV), 1);
	assert_int_equal(live_sas(net, GW), 0);
	assert_int_equal(established(net, GW2, "10.77.0.2"), 1);
	assert_int_equal(spy_count(&net->p[DEV].spy), 2);
	assert_int_equal(spy_count(&net->p[GW].spy), 0);
	assert_int_equal(spy_count(&net->p[GW2].spy), 2);
	assert_int_equal(stats_of(net, DEV).redirects, 1);
	assert_int_equal(stats_of(net, GW).redirects, 1);
	assert_int_equal(seen_redirected_from, 1);
	net_free(net);
}

/* At IKE_AUTH, by identity: the SA with gw comes up without children and goes. */
static void test_redirect_at_auth(void **state)
{
	struct net *net = trio("", GW_AT("10.77.0.1", TO_GW2_AT_AUTH), GW_AT("10.77.0.3", ""));

	(void)state;
	initiate(net, "net");
	assert_int_equal(established(net, DEV, "10.77.0.3"), 1);
	assert_int_equal(live_sas(net, DEV), 1);
	assert_int_equal(live_sas(net, GW), 0);
	assert_int_equal(established(net, GW2, NULL), 1);
	assert_int_equal(spy_count(&net->p[DEV].spy), 2);
	assert_int_equal(spy_count(&net->p[GW].spy), 0);
	assert_int_equal(spy_count(&net->p[GW2].spy), 2);
	assert_int_equal(stats_of(net, DEV).redirects, 1);
	assert_int_equal(stats_of(net, GW).redirects, 1);
	net_free(net);
}

/* dev's outbound policies, each into an SA of its own, at every data-plane change. */
struct outbound_watch {
	struct net *net;
	int idx;
	unsigned int want;	/* policies expected once up */
	bool armed;
	unsigned int gaps, checks;
};

static void outbound_check(void *arg)
{
	struct outbound_watch *w = arg;
	struct spy *me = &w->net->p[w->idx].spy;
	unsigned int n = dp_fake_policy_count(me->inner);
	struct xs_selector sel;
	uint32_t slot;

	if (!w->armed)
		return;
	w->checks++;
	if (n < w->want)
		w->gaps++;
	for (unsigned int i = 0; i < n; i++) {
		assert_int_equal(dp_fake_policy_get(me->inner, i, &sel, &slot), 0);
		if (slot >= SPY_MAX || !me->used[slot] || me->sa[slot].dir != XS_DIR_OUT)
			w->gaps++;
	}
}

static void watch(struct outbound_watch *w, struct net *net, int idx, unsigned int want)
{
	*w = (struct outbound_watch){ .net = net, .idx = idx, .want = want, .armed = true };
	net->p[idx].spy.after = outbound_check;
	net->p[idx].spy.arg = w;
}

/* The operator sends dev to gw2: make before break, dev's traffic always has an SA. */
static void test_redirect_informational(void **state)
{
	struct net *net = trio("", GW_AT("10.77.0.1", ""), GW_AT("10.77.0.3", ""));
	struct outbound_watch w;
	char err[256] = "";

	(void)state;
	initiate(net, "net");
	initiate(net, "net2");
	assert_int_equal(established(net, DEV, "10.77.0.1"), 1);
	assert_int_equal(spy_count(&net->p[DEV].spy), 4);
	watch(&w, net, DEV, 2);
	assert_int_equal(ike_engine_redirect(net->p[GW].e, NULL, "dev1@devices.example",
					     "10.77.0.3", net->now, err, sizeof(err)), 1);
	pump(net);
	assert_int_equal(established(net, DEV, "10.77.0.3"), 1);
	assert_int_equal(live_sas(net, DEV), 1);
	assert_int_equal(live_sas(net, GW), 0);
	assert_int_equal(spy_count(&net->p[DEV].spy), 4);
	assert_int_equal(spy_count(&net->p[GW].spy), 0);
	assert_int_equal(spy_count(&net->p[GW2].spy), 4);
	assert_int_equal(stats_of(net, DEV).redirects, 1);
	assert_int_equal(stats_of(net, GW).redirects, 1);
	assert_true(w.checks > 0);
	assert_int_equal(w.gaps, 0);
	/* nobody left to redirect */
	assert_int_equal(ike_engine_redirect(net->p[GW].e, "gw", NULL, "10.77.0.3", net->now, err,
					     sizeof(err)), -ENOENT);
	net_free(net);
}

/* follow_redirect = no: no REDIRECT_SUPPORTED, so neither rules nor the command apply. */
static void test_no_support_no_redirect(void **state)
{
	struct net *net = trio("follow_redirect = no", GW_AT("10.77.0.1", TO_GW2_AT_INIT),
			       GW_AT("10.77.0.3", ""));
	char err[256] = "";

	(void)state;
	initiate(net, "net");
	assert_int_equal(established(net, DEV, "10.77.0.1"), 1);
	assert_int_equal(established(net, GW, NULL), 1);
	assert_int_equal(stats_of(net, GW2).messages_in, 0);
	assert_int_equal(ike_engine_redirect(net->p[GW].e, "gw", NULL, "10.77.0.3", net->now, err,
					     sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "supports redirects"));
	assert_int_equal(stats_of(net, DEV).redirects, 0);
	assert_int_equal(stats_of(net, GW).redirects, 0);
	net_free(net);
}

/* A REDIRECT whose nonce data is not our Ni is dropped; the exchange goes on. */
static enum verdict spoil_nonce(struct net *net, struct pkt *p)
{
	(void)net;
	if (pkt_is(p, IKE_SA_INIT, true) && pkt_has_notify(p, IKE_N_REDIRECT))
		p->data[p->len - 1] ^= 0x01;	/* the nonce ends the notify, and the message */
	return DELIVER;
}

static void test_nonce_mismatch_ignored(void **state)
{
	struct net *net = trio("", GW_AT("10.77.0.1", TO_GW2_AT_INIT), GW_AT("10.77.0.3", ""));

	(void)state;
	net->filter = spoil_nonce;
	initiate(net, "net");
	assert_int_equal(stats_of(net, DEV).redirects, 0);
	assert_int_equal(stats_of(net, DEV).invalid_messages, 1);
	assert_int_equal(stats_of(net, GW2).messages_in, 0);
	assert_int_equal(established(net, DEV, NULL), 0);
	assert_int_equal(live_sas(net, DEV), 1);	/* still waiting for the real answer */
	/* the retransmission gets a genuine REDIRECT, which is followed */
	net->filter = NULL;
	advance(net, 1000);
	assert_int_equal(stats_of(net, DEV).redirects, 1);
	assert_int_equal(established(net, DEV, "10.77.0.3"), 1);
	net_free(net);
}

/* gw and gw2 send dev to each other: it follows 5 times, then gives up. */
static void test_redirect_loop_limit(void **state)
{
	struct net *net = trio("", GW_AT("10.77.0.1", TO_GW2_AT_INIT),
			       GW_AT("10.77.0.3", TO_GW_AT_INIT));

	(void)state;
	initiate(net, "net");
	assert_int_equal(stats_of(net, DEV).redirects, IKE_REDIRECT_MAX);
	assert_int_equal(stats_of(net, GW).redirects + stats_of(net, GW2).redirects,
			 IKE_REDIRECT_MAX + 1);
	assert_int_equal(live_sas(net, DEV), 0);
	/* the window passes: redirects are followed again */
	advance(net, IKE_REDIRECT_WINDOW_MS);
	initiate(net, "net");
	assert_int_equal(stats_of(net, DEV).redirects, 2 * IKE_REDIRECT_MAX);
	net_free(net);
}

/* A rule added by reload applies to the next IKE_SA_INIT. */
static void test_reload_applies_rules(void **state)
{
	struct net *net = trio("", GW_AT("10.77.0.1", ""), GW_AT("10.77.0.3", ""));
	struct ike_cfg *cfg = cfg_from(GW_AT("10.77.0.1", TO_GW2_AT_INIT));

	(void)state;
	assert_int_equal(ike_engine_reload(net->p[GW].e, cfg, net->now), 0);
	ike_cfg_free(net->p[GW].cfg);
	net->p[GW].cfg = cfg;
	initiate(net, "net");
	assert_int_equal(established(net, DEV, "10.77.0.3"), 1);
	net_free(net);
}

static void test_config_errors(void **state)
{
	struct conf_section *root;
	struct ike_cfg *cfg = NULL;
	char err[256];

	(void)state;
	assert_int_equal(conf_parse_string("redirects { r { remote_addrs = 10.0.0.0/8 } }", "t",
					   &root, err, sizeof(err)), 0);
	assert_int_equal(ike_cfg_from_conf(root, NULL, &cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "gateway"));
	conf_free(root);
	assert_int_equal(conf_parse_string("redirects { r { gateway = 192.0.2.3 } }", "t", &root,
					   err, sizeof(err)), 0);
	assert_int_equal(ike_cfg_from_conf(root, NULL, &cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "remote_addrs or remote_id"));
	conf_free(root);
	assert_int_equal(conf_parse_string("redirects { r { gateway = vpn2.example\n"
					   "remote_addrs = 10.0.0.0/8, 192.0.2.0/24\n"
					   "remote_id = *@devices.example } }", "t", &root, err,
					   sizeof(err)), 0);
	assert_int_equal(ike_cfg_from_conf(root, NULL, &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg->n_redirects, 1);
	assert_int_equal(cfg->redirects[0].n_remote_addrs, 2);
	assert_string_equal(cfg->redirects[0].gateway, "vpn2.example");
	ike_cfg_free(cfg);
	conf_free(root);
}

/* ---- reauthentication ---- */

static void out_spis(struct net *net, int idx, uint32_t *v, unsigned int *n)
{
	*n = 0;
	for (int i = 0; i < SPY_MAX; i++)
		if (net->p[idx].spy.used[i] && net->p[idx].spy.sa[i].dir == XS_DIR_OUT)
			v[(*n)++] = net->p[idx].spy.sa[i].spi;
}

static bool shares_spi(const uint32_t *a, unsigned int na, const uint32_t *b, unsigned int nb)
{
	for (unsigned int i = 0; i < na; i++)
		for (unsigned int j = 0; j < nb; j++)
			if (a[i] == b[j])
				return true;
	return false;
}

/*
 * reauth_time = 60 s: dev makes a new IKE SA with both children (net in
 * IKE_AUTH, net2 with CREATE_CHILD_SA), then deletes the old one; neither
 * side's outbound traffic is ever without an SA.
 */
static void test_reauth(void **state)
{
	struct net *net = net_new(DEV_R("reauth_time = 60s\n rand_time = 0s"), GW_AT("10.77.0.1", ""),
				  false);
	struct outbound_watch wd, wg;
	uint32_t before[SPY_MAX], after[SPY_MAX];
	unsigned int nb, na, uid0;

	(void)state;
	initiate(net, "net");
	initiate(net, "net2");
	uid0 = net->p[DEV].e->sas->uid;
	out_spis(net, DEV, before, &nb);
	assert_int_equal(nb, 2);
	watch(&wd, net, DEV, 2);
	watch(&wg, net, GW, 2);
	advance(net, 59000);
	assert_int_equal(stats_of(net, DEV).ike_sas_reauthenticated, 0);
	advance(net, 1000);
	assert_int_equal(stats_of(net, DEV).ike_sas_reauthenticated, 1);
	assert_int_equal(established(net, DEV, NULL), 1);
	assert_int_equal(live_sas(net, DEV), 1);
	assert_int_equal(live_sas(net, GW), 1);
	assert_true(net->p[DEV].e->sas->uid != uid0);
	out_spis(net, DEV, after, &na);
	assert_int_equal(na, 2);
	assert_false(shares_spi(before, nb, after, na));
	assert_int_equal(spy_count(&net->p[DEV].spy), 4);
	assert_int_equal(spy_count(&net->p[GW].spy), 4);
	assert_true(wd.checks > 0 && wg.checks > 0);
	assert_int_equal(wd.gaps, 0);
	assert_int_equal(wg.gaps, 0);
	/* and again one reauth_time later */
	advance(net, 60000);
	assert_int_equal(stats_of(net, DEV).ike_sas_reauthenticated, 2);
	assert_int_equal(live_sas(net, GW), 1);
	net_free(net);
}

static bool drop_init;

static enum verdict drop_init_requests(struct net *net, struct pkt *p)
{
	(void)net;
	return drop_init && pkt_is(p, IKE_SA_INIT, false) ? DROP : DELIVER;
}

static void advance_by_seconds(struct net *net, unsigned int s)
{
	while (s--)
		advance(net, 1000);
}

/* The gateway does not answer the reauthentication: the old SA stays, a retry later succeeds. */
static void test_reauth_retry(void **state)
{
	struct net *net = net_new(DEV_R("reauth_time = 60s\n rand_time = 0s\n over_time = 120s"),
				  GW_AT("10.77.0.1", ""), false);

	(void)state;
	net->filter = drop_init_requests;
	initiate(net, "net");
	drop_init = true;
	advance_by_seconds(net, 95);	/* reauth at 60 s, given up at 91 s */
	assert_int_equal(stats_of(net, DEV).ike_sas_reauthenticated, 0);
	assert_int_equal(live_sas(net, DEV), 1);
	assert_int_equal(established(net, DEV, NULL), 1);
	assert_int_equal(spy_count(&net->p[DEV].spy), 2);
	drop_init = false;
	advance_by_seconds(net, 30);	/* the retry, 30 s after the last check */
	assert_int_equal(stats_of(net, DEV).ike_sas_reauthenticated, 1);
	assert_int_equal(live_sas(net, DEV), 1);
	assert_int_equal(live_sas(net, GW), 1);
	net_free(net);
}

/* The responder never reauthenticates (it may not reach a device behind a NAT). */
static void test_reauth_initiator_only(void **state)
{
	struct net *net;

	(void)state;
	net = net_new(DEV_R(""), "connections { gw {\n local_addrs = 10.77.0.1\n"
		      " proposals = " GCM128 "\n reauth_time = 60s\n rand_time = 0s\n"
		      " local { auth = psk\n id = gw.example }\n"
		      " remote { auth = psk\n id = *@devices.example }\n"
		      " children { net { local_ts = 10.1.0.0/24\n remote_ts = 10.200.0.0/16\n"
		      " esp_proposals = aes128gcm16 } } } }\n"
		      "secrets { ike-fleet { id-gw = gw.example\n id-dev = *@devices.example\n"
		      " secret = " PSK " } }\n", false);
	initiate(net, "net");
	advance(net, 61000);
	assert_int_equal(stats_of(net, GW).ike_sas_reauthenticated, 0);
	assert_int_equal(stats_of(net, DEV).ike_sas_reauthenticated, 0);
	assert_int_equal(established(net, GW, NULL), 1);
	net_free(net);
}

/*
 * The responder's side of a reauthentication (one child, net):
 *
 *   dev                                           gw
 *   IKE_SA_INIT, IKE_AUTH { no INITIAL_CONTACT } -->
 *                  <--  IKE_AUTH { A' }   (A' in, gw's traffic still on A)
 *   (A' in, dev's traffic on A')
 *   INFORMATIONAL { D(IKE) } on the old SA  -->  held here
 *        ESP on A' at gw  -->  (gw's traffic moves to A'), or
 *        the Delete let through  -->  (A goes, its policy to A')
 *
 * net->watch checks at every data-plane change that each side's policy
 * routes into an SA the other side can decrypt.
 */
static uint32_t gw_spi_at_auth;
static bool hold_info;

/* gw's outbound SPI for the flow: the SA its one policy routes into. */
static uint32_t gw_flow_spi(struct net *net)
{
	struct spy *gw = &net->p[GW].spy;
	struct xs_selector sel;
	uint32_t slot;

	assert_int_equal(dp_fake_policy_count(gw->inner), 1);
	assert_int_equal(dp_fake_policy_get(gw->inner, 0, &sel, &slot), 0);
	assert_true(slot < SPY_MAX && gw->used[slot] && gw->sa[slot].dir == XS_DIR_OUT);
	return gw->sa[slot].spi;
}

static enum verdict reauth_filter(struct net *net, struct pkt *p)
{
	if (p->from == GW && pkt_is(p, IKE_AUTH, true))
		gw_spi_at_auth = gw_flow_spi(net);
	if (hold_info && p->from == DEV && pkt_is(p, IKE_INFORMATIONAL, false))
		return HOLD;
	return DELIVER;
}

/* gw's IKE SA that the peer's reauthentication made. */
static struct ike_sa *gw_new_sa(struct net *net)
{
	struct ike_sa *s;

	for (s = net->p[GW].e->sas; s; s = s->next)
		if (s->state == IKE_SA_ESTABLISHED && s->reauth_peer_of)
			return s;
	fail_msg("gw has no IKE SA made by a reauthentication");
	return NULL;
}

/* Up to the old IKE SA's Delete (held): gw's SPI for the flow before. */
static uint32_t reauth_until_delete(struct net *net)
{
	uint32_t old_spi;

	initiate(net, "net");
	old_spi = gw_flow_spi(net);
	gw_spi_at_auth = 0;
	hold_info = true;
	net->filter = reauth_filter;
	net->watch = true;
	advance(net, 60000);
	assert_int_equal(gw_spi_at_auth, old_spi);
	assert_true(net->n_held > 0);
	assert_int_equal(established(net, GW, NULL), 2);
	assert_int_equal(gw_flow_spi(net), old_spi);
	return old_spi;
}

/* Without ESP on A', gw's traffic stays on A until the Delete of the old IKE SA. */
/* The outbound SPI of gw's one Child SA once only the new IKE SA is left. */
static uint32_t gw_new_sa_spi_out(struct net *net)
{
	struct ike_sa *s = net->p[GW].e->sas;

	while (s && s->state != IKE_SA_ESTABLISHED)
		s = s->next;
	assert_non_null(s);
	assert_non_null(s->children);
	return s->children->spi_out;
}

static void test_reauth_responder_waits_for_delete(void **state)
{
	struct net *net = net_new(DEV_R("reauth_time = 60s\n rand_time = 0s"),
				  GW_AT("10.77.0.1", ""), false);
	uint32_t old_spi;

	(void)state;
	old_spi = reauth_until_delete(net);
	advance(net, 2000);	/* data-plane polls, nothing on A' */
	assert_int_equal(gw_flow_spi(net), old_spi);
	hold_info = false;
	release(net);
	assert_int_equal(stats_of(net, DEV).ike_sas_reauthenticated, 1);
	assert_int_equal(live_sas(net, GW), 1);
	assert_int_equal(gw_flow_spi(net), gw_new_sa_spi_out(net));
	assert_true(gw_flow_spi(net) != old_spi);
	assert_true(net->checks > 0);
	assert_int_equal(net->gaps, 0);
	net->watch = false;
	net_free(net);
}

/* ESP arriving on A' moves gw's traffic to it while the old IKE SA still lives. */
static void test_reauth_responder_moves_on_esp(void **state)
{
	struct net *net = net_new(DEV_R("reauth_time = 60s\n rand_time = 0s"),
				  GW_AT("10.77.0.1", ""), false);
	struct dp_fake_counters *k;
	struct ike_child *a2;
	uint32_t old_spi;

	(void)state;
	old_spi = reauth_until_delete(net);
	a2 = gw_new_sa(net)->children;
	assert_non_null(a2);
	assert_true(a2->out_pending);
	k = dp_fake_counters(net->p[GW].spy.inner);
	k->sa[a2->slot_in].packets = 1;
	k->sa[a2->slot_in].bytes = 100;
	advance(net, 1000);	/* the next data-plane poll */
	assert_int_equal(gw_flow_spi(net), a2->spi_out);
	assert_false(a2->out_pending);
	assert_int_equal(established(net, GW, NULL), 2);	/* the Delete is still held */
	hold_info = false;
	release(net);
	assert_int_equal(live_sas(net, GW), 1);
	assert_true(gw_flow_spi(net) != old_spi);
	assert_int_equal(net->gaps, 0);
	net->watch = false;
	net_free(net);
}

/*
 * Both children: net in IKE_AUTH, net2 with CREATE_CHILD_SA on the new IKE
 * SA; at every data-plane change each side's traffic goes into an SA the
 * other side can decrypt (gw waits for each new child as for the first).
 */
static void test_reauth_two_children_no_gap(void **state)
{
	struct net *net = net_new(DEV_R("reauth_time = 60s\n rand_time = 0s"),
				  GW_AT("10.77.0.1", ""), false);

	(void)state;
	initiate(net, "net");
	initiate(net, "net2");
	net->watch = true;
	advance(net, 60000);
	assert_int_equal(stats_of(net, DEV).ike_sas_reauthenticated, 1);
	assert_int_equal(live_sas(net, GW), 1);
	assert_int_equal(dp_fake_policy_count(net->p[GW].spy.inner), 2);
	assert_int_equal(spy_count(&net->p[GW].spy), 4);
	assert_true(net->checks > 0);
	assert_int_equal(net->gaps, 0);
	net->watch = false;
	net_free(net);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_redirect_at_init),
		cmocka_unit_test(test_redirect_at_auth),
		cmocka_unit_test(test_redirect_informational),
		cmocka_unit_test(test_no_support_no_redirect),
		cmocka_unit_test(test_nonce_mismatch_ignored),
		cmocka_unit_test(test_redirect_loop_limit),
		cmocka_unit_test(test_reload_applies_rules),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_reauth),
		cmocka_unit_test(test_reauth_retry),
		cmocka_unit_test(test_reauth_initiator_only),
		cmocka_unit_test(test_reauth_responder_waits_for_delete),
		cmocka_unit_test(test_reauth_responder_moves_on_esp),
		cmocka_unit_test(test_reauth_two_children_no_gap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
