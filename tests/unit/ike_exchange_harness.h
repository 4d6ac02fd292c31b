/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Two IKE engines in one process for test_ike_exchange.c:
 *
 *    dev (initiator)                                   gw (responder)
 *    10.77.0.2 or 192.168.1.2 --[ NAT 198.51.100.7 ]-- 10.77.0.1
 *    spy -> dp_fake                                    spy -> dp_fake
 *
 * The transport is a queue: an engine's send() appends, pump() delivers in
 * order, through a filter the test may set (drop, duplicate, corrupt,
 * inspect) and, when on, a NAT that rewrites dev's address and maps port
 * p to p + 10000.  NAT-T keepalives are only counted (the daemon, not the
 * engine, would receive them).  The clock is the test's: advance() ticks
 * both engines.
 * A spy data plane forwards to dp_fake and keeps a copy of every SA added,
 * keys included, so the two sides' SAs can be compared.  With net->watch
 * on, every change to either data plane is followed by a check that each
 * side's policies route into an SA the other side has an inbound SA for
 * (make before break: a rekey never leaves a flow without one); each
 * failure counts in net->gaps.
 * For certificate tests, TEST_PKI_GROUP() gives the group fixtures that find
 * tests/unit/pki and copy the private keys a test names into a temporary
 * directory with mode 0600 (git keeps 0644, which the key loader refuses),
 * and test_pki_gw_conf() / test_pki_dev_conf() write the two ends' confs.
 */
#ifndef XDPSEC_TEST_IKE_EXCHANGE_HARNESS_H
#define XDPSEC_TEST_IKE_EXCHANGE_HARNESS_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "conf.h"
#include "dataplane.h"
#include "dp_fake.h"
#include "ike_config.h"
#include "ike_engine.h"
#include "ike_msg.h"
#include "ike_payload.h"
#include "selector.h"

enum { SPY_MAX = 32, NET_MAX_PKTS = 256, NAT_PORT_SHIFT = 10000, DEV = 0, GW = 1 };
/* An optional third engine (peer_init(net, GW2, ...)): dev reaches it by its address. */
enum { GW2 = 2, NET_PEERS = 3 };

/* ---- spy data plane ---- */

struct spy {
	struct dataplane dp;
	struct dataplane *inner;
	struct dp_sa sa[SPY_MAX];	/* by slot, as added */
	bool used[SPY_MAX];
	bool refuse;			/* add_sa fails: a full data plane */
	void (*after)(void *arg);	/* called after every change */
	void *arg;
};

static inline void spy_changed(struct dataplane *dp)
{
	struct spy *s = (struct spy *)dp;

	if (s->after)
		s->after(s->arg);
}

static inline struct spy *spy_of(struct dataplane *dp)
{
	return (struct spy *)dp;
}

static inline int spy_add_sa(struct dataplane *dp, const struct dp_sa *sa, char *err, size_t errlen)
{
	struct spy *s = spy_of(dp);
	int slot;

	if (s->refuse) {
		snprintf(err, errlen, "refused by the test");
		return -ENOSPC;
	}
	slot = s->inner->ops->add_sa(s->inner, sa, err, errlen);

	if (slot >= 0 && slot < SPY_MAX) {
		s->sa[slot] = *sa;
		s->used[slot] = true;
	}
	spy_changed(dp);
	return slot;
}

static inline int spy_del_sa(struct dataplane *dp, uint32_t slot)
{
	struct spy *s = spy_of(dp);

	int ret;

	if (slot < SPY_MAX)
		s->used[slot] = false;
	ret = s->inner->ops->del_sa(s->inner, slot);
	spy_changed(dp);
	return ret;
}

static inline int spy_update(struct dataplane *dp, uint32_t slot, const struct dp_addr *src,
		      const struct dp_addr *dst, uint16_t sport, uint16_t dport)
{
	struct spy *s = spy_of(dp);
	int ret = s->inner->ops->update_sa_addrs(s->inner, slot, src, dst, sport, dport);

	if (!ret && slot < SPY_MAX) {
		s->sa[slot].src = *src;
		s->sa[slot].dst = *dst;
		s->sa[slot].sport = sport;
		s->sa[slot].dport = dport;
	}
	return ret;
}

static inline int spy_add_policy(struct dataplane *dp, const struct xs_selector *sel, uint32_t slot)
{
	int ret = spy_of(dp)->inner->ops->add_policy(spy_of(dp)->inner, sel, slot);

	spy_changed(dp);
	return ret;
}

static inline int spy_del_policy(struct dataplane *dp, const struct xs_selector *sel)
{
	int ret = spy_of(dp)->inner->ops->del_policy(spy_of(dp)->inner, sel);

	spy_changed(dp);
	return ret;
}

static inline int spy_replace_policy(struct dataplane *dp, const struct xs_selector *sel,
				     uint32_t slot)
{
	int ret = spy_of(dp)->inner->ops->replace_policy(spy_of(dp)->inner, sel, slot);

	spy_changed(dp);
	return ret;
}

static inline int spy_find_sa(struct dataplane *dp, uint32_t spi, enum xs_sa_dir dir,
		       const struct dp_addr *dst)
{
	return spy_of(dp)->inner->ops->find_sa(spy_of(dp)->inner, spi, dir, dst);
}

static inline int spy_list_sas(struct dataplane *dp, struct dp_sa_info *out, unsigned int max)
{
	return spy_of(dp)->inner->ops->list_sas(spy_of(dp)->inner, out, max);
}

static const struct dataplane_ops spy_ops = {
	.name = "spy",
	.add_sa = spy_add_sa,
	.del_sa = spy_del_sa,
	.update_sa_addrs = spy_update,
	.add_policy = spy_add_policy,
	.del_policy = spy_del_policy,
	.replace_policy = spy_replace_policy,
	.find_sa = spy_find_sa,
	.list_sas = spy_list_sas,
};

/* The SA with this SPI and direction, or NULL. */
static inline const struct dp_sa *spy_find(const struct spy *s, uint32_t spi, enum xs_sa_dir dir)
{
	for (int i = 0; i < SPY_MAX; i++)
		if (s->used[i] && s->sa[i].spi == spi && s->sa[i].dir == dir)
			return &s->sa[i];
	return NULL;
}

static inline const struct dp_sa *spy_first(const struct spy *s, enum xs_sa_dir dir)
{
	for (int i = 0; i < SPY_MAX; i++)
		if (s->used[i] && s->sa[i].dir == dir)
			return &s->sa[i];
	return NULL;
}

static inline int spy_count(const struct spy *s)
{
	return s->inner->ops->list_sas(s->inner, NULL, 0);
}

/* ---- transport ---- */

struct pkt {
	int from;
	struct ike_endpoint src, dst;
	size_t len;
	uint8_t data[IKE_MAX_MSG];
};

enum verdict { DELIVER, DROP, DUPLICATE, HOLD };	/* HOLD: into net->held, for later */

struct peer {
	struct ike_engine *e;
	struct spy spy;
	struct ike_cfg *cfg;
	struct ike_endpoint addr;	/* port 0: any */
	struct net *net;
	int idx;
	unsigned int keepalives;	/* sent */
	struct ike_endpoint ka_from, ka_to;	/* of the last one */
};

struct net {
	struct peer p[NET_PEERS];
	struct pkt *q[NET_MAX_PKTS];
	unsigned int n;
	bool nat;
	uint8_t nat_addr[4];
	uint64_t now;
	/* May change the packet (already NATed); called once per delivery. */
	enum verdict (*filter)(struct net *net, struct pkt *p);
	void *arg;
	unsigned int delivered;
	struct pkt *held[8];	/* delayed packets; release() delivers them */
	unsigned int n_held;
	bool watch;		/* check the flows after every data-plane change */
	unsigned int gaps;	/* moments a flow had no SA to go to */
	unsigned int checks;
};

/* Does every policy of each side route into an SA the other side can decrypt? */
static inline void flow_check(void *arg)
{
	struct net *net = arg;
	struct xs_selector sel;
	uint32_t slot;

	if (!net->watch)
		return;
	net->checks++;
	for (int x = 0; x < 2; x++) {
		struct spy *me = &net->p[x].spy, *other = &net->p[1 - x].spy;
		unsigned int n = dp_fake_policy_count(me->inner);

		if (!n)
			net->gaps++;
		for (unsigned int i = 0; i < n; i++) {
			assert_int_equal(dp_fake_policy_get(me->inner, i, &sel, &slot), 0);
			if (slot >= SPY_MAX || !me->used[slot] ||
			    !spy_find(other, me->sa[slot].spi, XS_DIR_IN))
				net->gaps++;
		}
	}
}

static inline void ep4(struct ike_endpoint *ep, const char *addr, uint16_t port)
{
	struct dp_addr a;

	assert_int_equal(addr_parse(addr, &a), 0);
	memset(ep, 0, sizeof(*ep));
	ep->family = XS_AF_INET;
	memcpy(ep->addr, a.addr, 16);
	ep->port = port;
}

static inline int net_send(void *ctx, const struct ike_endpoint *local, const struct ike_endpoint *remote,
		    const uint8_t *msg, size_t len)
{
	struct peer *peer = ctx;
	struct net *net = peer->net;
	struct pkt *p;

	assert_true(net->n < NET_MAX_PKTS);
	assert_true(len <= IKE_MAX_MSG);
	p = calloc(1, sizeof(*p));
	assert_non_null(p);
	p->from = peer->idx;
	p->src = *local;
	p->dst = *remote;
	p->len = len;
	memcpy(p->data, msg, len);
	net->q[net->n++] = p;
	return 0;
}

static inline struct pkt *net_pop(struct net *net)
{
	struct pkt *p;

	if (!net->n)
		return NULL;
	p = net->q[0];
	memmove(net->q, net->q + 1, --net->n * sizeof(p));
	return p;
}

static inline bool is_nat_addr(const struct net *net, const struct ike_endpoint *ep)
{
	return net->nat && !memcmp(ep->addr, net->nat_addr, 4);
}

static inline void nat(struct net *net, struct pkt *p)
{
	if (!net->nat)
		return;
	if (p->from == DEV) {
		memcpy(p->src.addr, net->nat_addr, 4);
		p->src.port += NAT_PORT_SHIFT;
	} else if (is_nat_addr(net, &p->dst)) {
		memcpy(p->dst.addr, net->p[DEV].addr.addr, 4);
		p->dst.port -= NAT_PORT_SHIFT;
	}
}

static inline void deliver(struct net *net, struct pkt *p)
{
	struct peer *to = &net->p[p->from == DEV ? GW : DEV];

	if (p->from == DEV && net->p[GW2].e && !memcmp(p->dst.addr, net->p[GW2].addr.addr, 4))
		to = &net->p[GW2];

	assert_memory_equal(p->dst.addr, to->addr.addr, 4);
	assert_true(p->dst.port == IKE_PORT || p->dst.port == IKE_NATT_PORT);
	net->delivered++;
	ike_engine_input(to->e, &p->dst, &p->src, p->data, p->len, net->now);
}

/* Delivers until the queue is empty (bounded: a loop is a bug). */
static inline void pump(struct net *net)
{
	unsigned int rounds = 0;
	struct pkt *p;

	while ((p = net_pop(net))) {
		assert_true(++rounds < 1000);
		nat(net, p);
		switch (net->filter ? net->filter(net, p) : DELIVER) {
		case DUPLICATE:
			deliver(net, p);
			/* fall through */
		case DELIVER:
			deliver(net, p);
			break;
		case HOLD:
			assert_true(net->n_held < 8);
			net->held[net->n_held++] = p;
			continue;
		case DROP:
			break;
		}
		free(p);
	}
}

/* Delivers the held packets, late, bypassing the filter. */
static inline void release(struct net *net)
{
	for (unsigned int i = 0; i < net->n_held; i++) {
		deliver(net, net->held[i]);
		free(net->held[i]);
	}
	net->n_held = 0;
	pump(net);
}

static inline void advance(struct net *net, uint64_t ms)
{
	net->now += ms;
	ike_engine_tick(net->p[DEV].e, net->now);
	ike_engine_tick(net->p[GW].e, net->now);
	if (net->p[GW2].e)
		ike_engine_tick(net->p[GW2].e, net->now);
	pump(net);
}

/* ---- set-up ---- */

static inline struct ike_cfg *cfg_from(const char *text)
{
	struct conf_section *root;
	struct ike_cfg *cfg;
	char err[256];

	if (conf_parse_string(text, "test.conf", &root, err, sizeof(err))) {
		fail_msg("conf: %s", err);
		return NULL;
	}
	if (ike_cfg_from_conf(root, NULL, &cfg, err, sizeof(err))) {
		conf_free(root);
		fail_msg("ike_cfg: %s", err);
		return NULL;
	}
	conf_free(root);
	return cfg;
}

static inline int net_keepalive(void *ctx, const struct ike_endpoint *local,
				const struct ike_endpoint *remote)
{
	struct peer *peer = ctx;

	peer->keepalives++;
	peer->ka_from = *local;
	peer->ka_to = *remote;
	return 0;
}

static const struct ike_engine_ops net_ops = { .send = net_send, .send_keepalive = net_keepalive };

static inline void peer_init(struct net *net, int idx, const char *addr, const char *conf)
{
	struct peer *p = &net->p[idx];

	p->net = net;
	p->idx = idx;
	ep4(&p->addr, addr, 0);
	p->spy.dp.ops = &spy_ops;
	p->spy.after = flow_check;
	p->spy.arg = net;
	p->spy.inner = dp_fake_new(64);
	assert_non_null(p->spy.inner);
	p->cfg = cfg_from(conf);
	assert_non_null(p->cfg);
	p->e = ike_engine_new(p->cfg, &p->spy.dp, &net_ops, p);
	assert_non_null(p->e);
}

static inline struct net *net_new(const char *dev_conf, const char *gw_conf, bool with_nat)
{
	struct net *net = calloc(1, sizeof(*net));

	assert_non_null(net);
	net->nat = with_nat;
	memcpy(net->nat_addr, (uint8_t[]){ 198, 51, 100, 7 }, 4);
	net->now = 1000000;
	peer_init(net, DEV, with_nat ? "192.168.1.2" : "10.77.0.2", dev_conf);
	peer_init(net, GW, "10.77.0.1", gw_conf);
	return net;
}

static inline void net_free(struct net *net)
{
	struct pkt *p;

	for (int i = 0; i < NET_PEERS; i++) {
		if (!net->p[i].e)
			continue;
		ike_engine_free(net->p[i].e);
		net->p[i].spy.inner->ops->destroy(net->p[i].spy.inner);
		ike_cfg_free(net->p[i].cfg);
	}
	while ((p = net_pop(net)))
		free(p);
	for (unsigned int i = 0; i < net->n_held; i++)
		free(net->held[i]);
	free(net);
}

static inline struct ike_engine_stats stats_of(struct net *net, int idx)
{
	struct ike_engine_stats s;

	ike_engine_get_stats(net->p[idx].e, &s);
	return s;
}

static inline void initiate(struct net *net, const char *child)
{
	char err[256] = "";

	assert_int_equal(ike_engine_initiate(net->p[DEV].e, child, net->now, err, sizeof(err)),
			 0);
	pump(net);
}

/* ---- looking into packets ---- */

/* The exchange type and flags of a queued or delivered packet. */
static inline bool pkt_is(const struct pkt *p, uint8_t exchange, bool response)
{
	return p->len >= IKE_HDR_LEN && p->data[18] == exchange &&
	       !!(p->data[19] & IKE_FLAG_RESPONSE) == response;
}

/* Does a cleartext message carry a notify of type? */
static inline bool pkt_has_notify(const struct pkt *p, uint16_t type)
{
	struct ike_pl_notify n;
	struct ike_msg m;

	if (ike_msg_parse(p->data, p->len, &m, NULL))
		return false;
	for (unsigned int i = 0; i < m.chain.n; i++)
		if (m.chain.pl[i].type == IKE_PL_NOTIFY &&
		    !ike_pl_notify_decode(m.chain.pl[i].body, m.chain.pl[i].len, &n) &&
		    n.type == type)
			return true;
	return false;
}

/* ---- certificates and keys ---- */

struct test_pki {
	char dir[512];		/* tests/unit/pki (the tests run from the top directory) */
	char keys[64];		/* copies of the keys with mode 0600 */
	const char *const *names;
	size_t n;
};

/* One child "net" with these selectors, for connections written with snprintf. */
#define PKI_CHILD_NET(l, r) \
	"  children { net { local_ts = " l "\n remote_ts = " r "\n esp_proposals = aes128gcm16 } }\n"

static inline void test_pki_copy_key(const struct test_pki *pki, const char *name)
{
	char src[600], dst[128], buf[8192];
	size_t n;
	FILE *in, *out;

	snprintf(src, sizeof(src), "%s/%s.key", pki->dir, name);
	snprintf(dst, sizeof(dst), "%s/%s.key", pki->keys, name);
	in = fopen(src, "r");
	assert_non_null(in);
	n = fread(buf, 1, sizeof(buf), in);
	fclose(in);
	out = fopen(dst, "w");
	assert_non_null(out);
	assert_int_equal(fchmod(fileno(out), 0600), 0);
	assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(out);
}

/* tag names the temporary directory, names[n] the keys to copy. */
static inline int test_pki_setup(struct test_pki *pki, const char *tag,
				 const char *const *names, size_t n)
{
	if (!getcwd(pki->dir, sizeof(pki->dir) - 32))
		return -1;
	strcat(pki->dir, "/tests/unit/pki");
	snprintf(pki->keys, sizeof(pki->keys), "/tmp/%s.XXXXXX", tag);
	if (!mkdtemp(pki->keys))
		return -1;
	pki->names = names;
	pki->n = n;
	for (size_t i = 0; i < n; i++)
		test_pki_copy_key(pki, names[i]);
	return 0;
}

static inline int test_pki_teardown(struct test_pki *pki)
{
	char path[128];

	for (size_t i = 0; i < pki->n; i++) {
		snprintf(path, sizeof(path), "%s/%s.key", pki->keys, pki->names[i]);
		unlink(path);
	}
	rmdir(pki->keys);
	return 0;
}

/* One IKE SA and one Child SA pair on each side; gw knows dev as rsa2048@xdpsec.test. */
static inline void test_pki_check_up(struct net *net)
{
	assert_int_equal(stats_of(net, DEV).ike_sas_established, 1);
	assert_int_equal(stats_of(net, GW).ike_sas_established, 1);
	assert_int_equal(spy_count(&net->p[DEV].spy), 2);
	assert_int_equal(spy_count(&net->p[GW].spy), 2);
	assert_string_equal(spy_first(&net->p[GW].spy, XS_DIR_IN)->device, "rsa2048@xdpsec.test");
}

/*
 * A test file's certificates: the struct test_pki "pki" and the group
 * fixtures pki_setup and pki_teardown (for cmocka_run_group_tests) that
 * copy the keys named and remove the copies.
 */
#define TEST_PKI_GROUP(tag, ...)							\
	static struct test_pki pki;							\
	static const char *const pki_key_names[] = { __VA_ARGS__ };			\
	static int pki_setup(void **state)						\
	{										\
		(void)state;								\
		return test_pki_setup(&pki, tag, pki_key_names,			\
				      sizeof(pki_key_names) / sizeof(pki_key_names[0]));	\
	}										\
	static int pki_teardown(void **state)						\
	{										\
		(void)state;								\
		return test_pki_teardown(&pki);						\
	}

/* gw (10.77.0.1): certificate and key by name, devices *@xdpsec.test from ca. */
static inline void test_pki_gw_conf(char *buf, size_t len, const struct test_pki *pki,
				    const char *proposals, const char *extra, const char *cert,
				    const char *key, const char *ca)
{
	int n = snprintf(buf, len,
		 "connections { gw {\n local_addrs = 10.77.0.1\n"
		 " proposals = %s\n %s\n"
		 " local { auth = pubkey\n certs = %s/%s.crt\n id = gw.xdpsec.test }\n"
		 " remote { auth = pubkey\n id = *@xdpsec.test\n cacerts = %s/%s.crt }\n"
		 PKI_CHILD_NET("10.1.0.0/24", "10.200.0.0/16")
		 "} }\n secrets { private-gw { file = %s/%s.key } }\n",
		 proposals, extra, pki->dir, cert, pki->dir, ca, pki->keys, key);

	assert_true(n > 0 && (size_t)n < len);
}

/* dev (10.77.0.2) to gw: certificate and key of one name, identity id, gw from ca. */
static inline void test_pki_dev_conf(char *buf, size_t len, const struct test_pki *pki,
				     const char *proposals, const char *extra, const char *cert,
				     const char *id, const char *ca)
{
	int n = snprintf(buf, len,
		 "connections { dev {\n local_addrs = 10.77.0.2\n remote_addrs = 10.77.0.1\n"
		 " proposals = %s\n %s\n"
		 " local { auth = pubkey\n certs = %s/%s.crt\n id = %s }\n"
		 " remote { auth = pubkey\n id = gw.xdpsec.test\n cacerts = %s/%s.crt }\n"
		 PKI_CHILD_NET("10.200.1.0/24", "10.1.0.0/16")
		 "} }\n secrets { private-dev { file = %s/%s.key } }\n",
		 proposals, extra, pki->dir, cert, id, pki->dir, ca, pki->keys, cert);

	assert_true(n > 0 && (size_t)n < len);
}

#endif /* XDPSEC_TEST_IKE_EXCHANGE_HARNESS_H */
