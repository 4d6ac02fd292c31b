// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the IKE engine behind the SK payload: the exchange
 * handlers (ike_x_*.c, ike_mobike.c, ike_redirect.c, ike_frag.c,
 * ike_esp_follow.c, ike_reauth.c, ike_x_rekey.c) that read what an
 * authenticated peer sends.  A codec fuzzer never gets there, since the
 * messages that reach them passed the ICV check first.
 *
 * Two engines in this process, a device "dev" (initiator) and a gateway
 * "gw", talk through a queue (dp_fake data planes, PSK, AES-GCM-16); the
 * IKE SA and Child SA "net" are brought up once and kept across inputs.
 * Each input becomes one message of the peer's, encrypted with the peer
 * SA's own outbound SK context (ike_sk.c), so the victim engine decrypts
 * it, and goes into ike_engine_input; then the queue is pumped and the
 * clock runs a little.  Two worlds: without and with a NAT in front of dev
 * (ESP-follow, NAT-T); the input picks one.  A world is made afresh every
 * FUZZ_ENGINE_RESET inputs (default 200; 1 to reproduce an input alone) or
 * when its IKE SA died.  Freeing a world must leave its data planes empty,
 * and then (at most once a second) LeakSanitizer looks for memory nobody
 * points to any more.  The state kept across inputs would make libFuzzer's
 * own leak check (after any input that allocates more than it frees) run
 * nearly every time, so run with -detect_leaks=0 (the Makefile does).
 *
 * Input:  ctl  act  first  inner...
 *   ctl  bit 0    victim: 0 gw (the message is dev's), 1 dev
 *        bit 1    response (else request)
 *        bits 2-3 exchange: INFORMATIONAL, CREATE_CHILD_SA, IKE_AUTH, INFORMATIONAL
 *        bits 4-5 Message ID: the expected one, one less, one more, two more
 *        bit 6    sent as SKF fragments (RFC 7383), 2 + (act & 3) of them
 *        bit 7    world: 0 no NAT, 1 dev behind a NAT
 *   act  bits 4-7 what the victim starts first (enum act), whose request
 *                 a response input answers (the real request is dropped);
 *                 a request input then crosses it (collisions)
 *        bits 2-3 then the clock runs 0, 100 ms, 1 s or 20 s
 *        bits 0-1 SKF: how many fragments; else where it comes from: the
 *                 peer's endpoint, its port + 1 (a new NAT mapping),
 *                 another address, or where ESP-follow's check went
 *   first         the type of the first inner payload
 *   inner         the inner payload chain; the octets fe ed 5a 0N stand
 *                 for an SPI of the victim's N/2-th Child SA (any state):
 *                 its outbound one (what the peer names) for even N,
 *                 its inbound one for odd N
 *
 * FUZZ_ENGINE_SEEDS=dir: writes seeds (real inner chains of DPD, Delete,
 * CREATE_CHILD_SA, rekeys, UPDATE_SA_ADDRESSES, REDIRECT, captured between
 * the two engines) into dir and exits (tests/fuzz/seeds_engine/).
 * FUZZ_ENGINE_STATS=1: how many inputs and worlds, at exit.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sanitizer/lsan_interface.h>

#include "conf.h"
#include "dataplane.h"
#include "dp_fake.h"
#include "ike_config.h"
#include "ike_engine.h"
#include "ike_msg.h"
#include "ike_sa.h"
#include "ike_sk.h"
#include "ike_xchg.h"
#include "log.h"
#include "selector.h"

#define FUZZ_DIE(...)								\
	do {									\
		fprintf(stderr, "fuzz_ike_engine: " __VA_ARGS__);		\
		fputc('\n', stderr);						\
		abort();							\
	} while (0)

#define PSK "this-is-the-fleet-psk-0123456789"

static const char gw_conf[] =
	"connections { gw {\n local_addrs = 10.77.0.1\n"
	" proposals = aes128gcm16-prfsha256-x25519\n"
	" local { auth = psk\n id = gw.example }\n"
	" remote { auth = psk\n id = *@devices.example }\n"
	" children {\n"
	"  net { local_ts = 10.1.0.0/24\n remote_ts = 10.200.0.0/16\n"
	"        esp_proposals = aes128gcm16 }\n"
	"  net2 { local_ts = 10.2.0.0/24\n remote_ts = 10.201.0.0/16\n"
	"         esp_proposals = aes128gcm16-x25519 }\n"
	" }\n} }\n"
	"secrets { ike-fleet { id-gw = gw.example\n id-dev = *@devices.example\n"
	" secret = " PSK " } }\n";

/* %s, %s: dev's address and where MOBIKE moves it */
static const char dev_conf[] =
	"connections { dev {\n local_addrs = %s, %s\n remote_addrs = 10.77.0.1\n"
	" proposals = aes128gcm16-prfsha256-x25519\n"
	" local { auth = psk\n id = dev1@devices.example }\n"
	" remote { auth = psk\n id = gw.example }\n"
	" children {\n"
	"  net { local_ts = 10.200.1.0/24\n remote_ts = 10.1.0.0/16\n"
	"        esp_proposals = aes128gcm16 }\n"
	"  net2 { local_ts = 10.201.1.0/24\n remote_ts = 10.2.0.0/24\n"
	"         esp_proposals = aes128gcm16-x25519 }\n"
	" }\n} }\n"
	"secrets { ike-dev { id = dev1@devices.example\n secret = " PSK " } }\n";

enum { DEV = 0, GW = 1, QUEUE_MAX = 256, PUMP_MAX = 512, NAT_SHIFT = 10000 };

/* What the victim starts before the message (the act octet's high nibble). */
enum act {
	ACT_NONE,
	ACT_DPD,		/* an empty INFORMATIONAL */
	ACT_REKEY_CHILD,	/* ike_engine_rekey of its first installed child */
	ACT_REKEY_IKE,
	ACT_DELETE_CHILD,	/* ike_engine_terminate of that child's name */
	ACT_CREATE_CHILD,	/* CREATE_CHILD_SA for net2 */
	ACT_MOBIKE,		/* dev: its source address changes */
	ACT_REDIRECT,		/* gw: ike_engine_redirect to 10.77.0.3 */
	ACT_DELETE_IKE,
	ACT_ESP_MOVED,		/* gw, NAT world: ESP from a new NAT mapping */
	ACT_OLD_SA,		/* nothing; the message goes to an IKE SA rekeyed away, if any */
};

struct pkt {
	int from;
	struct ike_endpoint src, dst;
	size_t len;
	uint8_t data[];
};

struct world;

struct peer {
	struct world *w;
	int idx;
	struct ike_engine *e;
	struct dataplane *dp;
	struct ike_cfg *cfg;
	uint8_t addr[4];
	struct ike_endpoint src;	/* dev: what source_for answers */
};

struct capture;

struct world {
	bool nat;
	struct peer p[2];
	struct pkt *q[QUEUE_MAX];
	unsigned int n;
	uint64_t now;
	unsigned int inputs;		/* since it was made */
	struct capture *cap;		/* seed writing */
};

static struct world *worlds[2];
static unsigned int reset_every = 200;
static unsigned long worlds_made[2], inputs_seen;	/* FUZZ_ENGINE_STATS=1: at exit */

static const uint8_t nat_addr[4] = { 198, 51, 100, 7 };

static void ep4(struct ike_endpoint *ep, const uint8_t a[4], uint16_t port)
{
	memset(ep, 0, sizeof(*ep));
	ep->family = XS_AF_INET;
	memcpy(ep->addr, a, 4);
	ep->port = port;
}

/* ---- transport ---- */

static int net_send(void *ctx, const struct ike_endpoint *local, const struct ike_endpoint *remote,
		    const uint8_t *msg, size_t len)
{
	struct peer *peer = ctx;
	struct world *w = peer->w;
	struct pkt *p;

	if (w->n == QUEUE_MAX)
		return 0;		/* lost */
	p = malloc(sizeof(*p) + len);
	if (!p)
		FUZZ_DIE("out of memory");
	p->from = peer->idx;
	p->src = *local;
	p->dst = *remote;
	p->len = len;
	memcpy(p->data, msg, len);
	w->q[w->n++] = p;
	return 0;
}

static int net_source_for(void *ctx, const struct ike_endpoint *remote, struct ike_endpoint *src)
{
	struct peer *peer = ctx;

	(void)remote;
	*src = peer->src;
	return 0;
}

static const struct ike_engine_ops net_ops = {
	.send = net_send,
	.source_for = net_source_for,
};

static struct pkt *net_pop(struct world *w)
{
	struct pkt *p;

	if (!w->n)
		return NULL;
	p = w->q[0];
	memmove(w->q, w->q + 1, --w->n * sizeof(p));
	return p;
}

/*
 * The NAT in front of dev: dev's port p leaves as 198.51.100.7 port
 * p + 10000; whatever comes to 198.51.100.0/24 goes to dev's port 500 if
 * to 10500, else 4500 (a new mapping of ESP-follow's lands there too).
 */
static void nat(struct world *w, struct pkt *p)
{
	if (!w->nat)
		return;
	if (p->from == DEV) {
		memcpy(p->src.addr, nat_addr, 4);
		p->src.port = (uint16_t)(p->src.port + NAT_SHIFT);
	} else if (!memcmp(p->dst.addr, nat_addr, 3)) {
		memcpy(p->dst.addr, w->p[DEV].src.addr, 4);	/* moved by MOBIKE or not */
		p->dst.port = p->dst.port == IKE_PORT + NAT_SHIFT ? IKE_PORT : IKE_NATT_PORT;
	}
}

static void capture_pkt(struct world *w, const struct pkt *p);

static void deliver(struct world *w, struct pkt *p)
{
	struct peer *to = &w->p[p->from == DEV ? GW : DEV];

	if (w->cap)
		capture_pkt(w, p);
	ike_engine_input(to->e, &p->dst, &p->src, p->data, p->len, w->now);
}

/* Delivers what is queued (bounded: two engines may talk forever). */
static void pump(struct world *w)
{
	unsigned int rounds = 0;
	struct pkt *p;

	while ((p = net_pop(w))) {
		if (++rounds <= PUMP_MAX) {
			nat(w, p);
			deliver(w, p);
		}
		free(p);
	}
}

static void advance(struct world *w, uint64_t ms)
{
	w->now += ms;
	ike_engine_tick(w->p[DEV].e, w->now);
	ike_engine_tick(w->p[GW].e, w->now);
	pump(w);
}

/* ---- worlds ---- */

static struct ike_cfg *cfg_from(const char *text)
{
	struct conf_section *root;
	struct ike_cfg *cfg;
	char err[256];

	if (conf_parse_string(text, "fuzz.conf", &root, err, sizeof(err)))
		FUZZ_DIE("conf: %s", err);
	if (ike_cfg_from_conf(root, NULL, &cfg, err, sizeof(err)))
		FUZZ_DIE("ike_cfg: %s", err);
	conf_free(root);
	return cfg;
}

static void peer_init(struct world *w, int idx, const uint8_t addr[4], const char *conf)
{
	struct peer *p = &w->p[idx];

	p->w = w;
	p->idx = idx;
	memcpy(p->addr, addr, 4);
	ep4(&p->src, addr, 0);
	p->dp = dp_fake_new(64);
	if (!p->dp)
		FUZZ_DIE("dp_fake_new");
	p->cfg = cfg_from(conf);
	p->e = ike_engine_new(p->cfg, p->dp, &net_ops, p);
	if (!p->e)
		FUZZ_DIE("ike_engine_new");
}

static void world_free(struct world *w)
{
	struct pkt *p;

	for (int i = 0; i < 2; i++) {
		struct peer *peer = &w->p[i];
		int left;

		ike_engine_free(peer->e);
		/* every SA gone: nothing may stay in the data plane */
		left = peer->dp->ops->list_sas(peer->dp, NULL, 0);
		if (left || dp_fake_policy_count(peer->dp))
			FUZZ_DIE("%s's data plane keeps %d SAs and %u policies after "
				 "ike_engine_free", i == DEV ? "dev" : "gw", left,
				 dp_fake_policy_count(peer->dp));
		peer->dp->ops->destroy(peer->dp);
		ike_cfg_free(peer->cfg);
	}
	while ((p = net_pop(w)))
		free(p);
	free(w);
}

static struct ike_sa *sa_by_spis(struct ike_engine *e, const uint8_t *spi_i, const uint8_t *spi_r)
{
	struct ike_sa *s;

	for (s = e->sas; s; s = s->next)
		if (s->state != IKE_SA_DEAD && !memcmp(s->spi_i, spi_i, IKE_SPI_LEN) &&
		    !memcmp(s->spi_r, spi_r, IKE_SPI_LEN))
			return s;
	return NULL;
}

/*
 * dev's newest established IKE SA (rekeyed: one replaced by a newer one)
 * and gw's half of it, both established; false if none.
 */
static bool pair_of(struct world *w, bool rekeyed, struct ike_sa **dev, struct ike_sa **gw)
{
	struct ike_sa *s, *d = NULL, *g;

	for (s = w->p[DEV].e->sas; s; s = s->next)
		if (s->state == IKE_SA_ESTABLISHED && s->rekeyed == rekeyed && s->have_keys &&
		    (!d || s->uid > d->uid))
			d = s;
	if (!d)
		return false;
	g = sa_by_spis(w->p[GW].e, d->spi_i, d->spi_r);
	if (!g || g->state != IKE_SA_ESTABLISHED || !g->have_keys)
		return false;
	*dev = d;
	*gw = g;
	return true;
}

static bool current_pair(struct world *w, struct ike_sa **dev, struct ike_sa **gw)
{
	return pair_of(w, false, dev, gw);
}

static struct world *world_new(bool with_nat)
{
	static const uint8_t dev_plain[4] = { 10, 77, 0, 2 }, dev_natted[4] = { 192, 168, 1, 2 };
	static const uint8_t gw_addr[4] = { 10, 77, 0, 1 };
	struct world *w = calloc(1, sizeof(*w));
	const uint8_t *dev_addr = with_nat ? dev_natted : dev_plain;
	char conf[2048], addr[32], moved[32], err[256];
	struct ike_sa *d, *g;

	if (!w)
		FUZZ_DIE("out of memory");
	w->nat = with_nat;
	w->now = 1000000;
	snprintf(addr, sizeof(addr), "%u.%u.%u.%u", dev_addr[0], dev_addr[1], dev_addr[2],
		 dev_addr[3]);
	snprintf(moved, sizeof(moved), "%u.%u.%u.9", dev_addr[0], dev_addr[1], dev_addr[2]);
	snprintf(conf, sizeof(conf), dev_conf, addr, moved);
	peer_init(w, DEV, dev_addr, conf);
	peer_init(w, GW, gw_addr, gw_conf);
	if (ike_engine_initiate(w->p[DEV].e, "net", w->now, err, sizeof(err)))
		FUZZ_DIE("initiate: %s", err);
	pump(w);
	if (!current_pair(w, &d, &g) || !d->children || !g->children)
		FUZZ_DIE("the IKE SA did not come up");
	return w;
}

/*
 * What the engines lost track of since the last check (see the top): a
 * scan of the whole heap, at most once a second, else it would take most
 * of the time when IKE SAs die often.
 */
static void leak_check(void)
{
	static time_t last;
	time_t now = time(NULL);

	if (now == last)
		return;
	last = now;
	if (__lsan_do_recoverable_leak_check())
		FUZZ_DIE("memory leaked");
}

/* The world of ctl, fresh if due or if its IKE SA is gone. */
static struct world *world_get(unsigned int idx)
{
	struct world *w = worlds[idx];
	struct ike_sa *d, *g;

	if (w && (w->inputs >= reset_every || !current_pair(w, &d, &g))) {
		world_free(w);
		w = NULL;
		leak_check();
	}
	if (!w) {
		w = worlds[idx] = world_new(idx == 1);
		worlds_made[idx]++;
	}
	w->inputs++;
	return w;
}

/* ---- SPI tokens ---- */

static const uint8_t token[3] = { 0xfe, 0xed, 0x5a };
enum { TOKEN_CHILDREN = 4 };

/* sa's children (installed ones only: only_installed), in list order, at most max. */
static unsigned int children(struct ike_sa *sa, bool only_installed, struct ike_child **out,
			     unsigned int max)
{
	unsigned int n = 0;

	for (struct ike_child *c = sa->children; c && n < max; c = c->next)
		if (!only_installed || c->state == IKE_CHILD_INSTALLED)
			out[n++] = c;
	return n;
}

static unsigned int installed(struct ike_sa *sa, struct ike_child **out, unsigned int max)
{
	return children(sa, true, out, max);
}

static uint32_t token_spi(struct ike_child *c, unsigned int t)
{
	return t & 1 ? c->spi_in : c->spi_out;
}

/* Tokens in buf[0 .. len) become the victim's SPIs. */
static void detokenize(struct ike_sa *victim, uint8_t *buf, size_t len)
{
	struct ike_child *c[TOKEN_CHILDREN];
	unsigned int n = children(victim, false, c, TOKEN_CHILDREN);

	for (size_t i = 0; i + 4 <= len; i++) {
		unsigned int t = buf[i + 3];

		if (memcmp(buf + i, token, 3) || t >= 2 * n)
			continue;
		ike_put32(buf + i, token_spi(c[t / 2], t));
		i += 3;
	}
}

/* The victim's SPIs in buf become tokens (for seeds). */
static void tokenize(struct ike_sa *victim, uint8_t *buf, size_t len)
{
	struct ike_child *c[TOKEN_CHILDREN];
	unsigned int n = children(victim, false, c, TOKEN_CHILDREN);

	for (size_t i = 0; i + 4 <= len; i++)
		for (unsigned int t = 0; t < 2 * n; t++)
			if (ike_get32(buf + i) == token_spi(c[t / 2], t)) {
				memcpy(buf + i, token, 3);
				buf[i + 3] = (uint8_t)t;
				i += 3;
				break;
			}
}

/* ---- what the victim starts ---- */

static const struct ike_cfg_child *child_cfg(const struct ike_sa *sa, const char *name)
{
	for (unsigned int i = 0; sa->conn && i < sa->conn->n_children; i++)
		if (!strcmp(sa->conn->children[i].name, name))
			return &sa->conn->children[i];
	return NULL;
}

/* A task as the engine's timers would queue it, started now. */
static void queue_task(struct ike_sa *sa, enum ike_task_kind kind, const struct ike_cfg_child *cc)
{
	if (ike_sa_queue(sa, kind, cc))
		return;
	ike_sa_run_tasks(sa);
	sa->e->timers_stale = true;
	ike_sa_reap(sa->e);
}

static void start(struct world *w, int victim, struct ike_sa *sa, enum act a)
{
	struct ike_engine *e = w->p[victim].e;
	struct ike_child *c[1];
	const struct ike_cfg_child *cc;
	char err[256], name[IKE_SA_NAME_MAX];

	switch (a) {
	case ACT_DPD:
		queue_task(sa, IKE_TASK_DPD, NULL);
		break;
	case ACT_REKEY_CHILD:
		if (installed(sa, c, 1)) {
			snprintf(name, sizeof(name), "%s", c[0]->name);	/* c may go */
			ike_engine_rekey(e, name, false, w->now, err, sizeof(err));
		}
		break;
	case ACT_REKEY_IKE:
		if (sa->conn)
			ike_engine_rekey(e, sa->conn->name, true, w->now, err, sizeof(err));
		break;
	case ACT_DELETE_CHILD:
		if (installed(sa, c, 1)) {
			snprintf(name, sizeof(name), "%s", c[0]->name);
			ike_engine_terminate(e, name, w->now, err, sizeof(err));
		}
		break;
	case ACT_CREATE_CHILD:
		cc = child_cfg(sa, "net2");
		if (cc)
			queue_task(sa, IKE_TASK_CHILD, cc);
		break;
	case ACT_MOBIKE:
		if (victim != DEV)
			break;
		w->p[DEV].src.addr[3] ^= 0x02 ^ 0x09;	/* .2 <-> .9 */
		ike_engine_addresses_changed(e, w->now);
		break;
	case ACT_REDIRECT:
		if (victim == GW)
			ike_engine_redirect(e, "gw", NULL, "10.77.0.3", w->now, err, sizeof(err));
		break;
	case ACT_DELETE_IKE:
		queue_task(sa, IKE_TASK_DELETE, NULL);
		break;
	case ACT_ESP_MOVED:
		if (victim == GW && w->nat && installed(sa, c, 1) && c[0]->slot_in >= 0) {
			struct dp_addr src = { .family = XS_AF_INET };

			memcpy(src.addr, nat_addr, 4);	/* a new port: MOBIKE moves addresses */
			dp_fake_esp_from(w->p[GW].dp, (uint32_t)c[0]->slot_in, &src,
					 (uint16_t)(sa->remote.port + 1));
			/* the next counter poll reads it: the liveness check goes out */
			w->now += w->p[GW].e->params.dp_poll_ms;
			ike_engine_tick(e, w->now);
		}
		break;
	case ACT_NONE:
	default:
		break;
	}
}

/* Drops the victim's queued request of Message ID id (a response input answers it). */
static void drop_request(struct world *w, int victim, uint32_t id)
{
	unsigned int i = 0;

	while (i < w->n) {
		struct pkt *p = w->q[i];

		if (p->from == victim && p->len >= IKE_HDR_LEN && !(p->data[19] & IKE_FLAG_RESPONSE) &&
		    ike_get32(p->data + 20) == id) {
			free(p);
			memmove(w->q + i, w->q + i + 1, (--w->n - i) * sizeof(p));
			continue;
		}
		i++;
	}
}

/* ---- the message ---- */

static uint8_t msg[IKE_MAX_MSG], plain[IKE_MAX_MSG];

static const uint8_t exchanges[4] = { IKE_INFORMATIONAL, IKE_CREATE_CHILD_SA, IKE_AUTH,
				      IKE_INFORMATIONAL };

/* from's message: header, SK or SKF (num of total), plain text; its length or 0. */
static size_t protect(struct ike_sa *from, const struct ike_hdr *hdr, bool skf, uint16_t num,
		      uint16_t total, uint8_t first, const uint8_t *pt, size_t pt_len)
{
	struct ike_hdr h = *hdr;
	size_t sk_off = IKE_HDR_LEN, pt_off, len;
	int ret;

	h.next_payload = skf ? IKE_PL_SKF : IKE_PL_SK;
	ike_hdr_write(msg, &h);
	msg[sk_off] = first;
	msg[sk_off + 1] = 0;
	pt_off = sk_off + IKE_GENERIC_HDR_LEN + ike_sk_iv_len(&from->sk_out);
	if (skf) {
		ike_put16(msg + sk_off + IKE_GENERIC_HDR_LEN, num);
		ike_put16(msg + sk_off + IKE_GENERIC_HDR_LEN + 2, total);
		pt_off += IKE_SKF_FRAG_LEN;
	}
	if (pt_off + pt_len + IKE_SK_MAX_OVERHEAD > sizeof(msg))
		return 0;
	memcpy(msg + pt_off, pt, pt_len);
	ret = skf ? ike_sk_encrypt_frag(&from->sk_out, msg, sizeof(msg), sk_off, pt_len, &len) :
		    ike_sk_encrypt(&from->sk_out, msg, sizeof(msg), sk_off, pt_len, &len);
	return ret ? 0 : len;
}

/* Where a message to sa comes from (the act octet's low bits). */
static void pick_remote(const struct ike_sa *sa, unsigned int how, struct ike_endpoint *out)
{
	*out = sa->remote;
	switch (how) {
	case 1:
		out->port = (uint16_t)(out->port + 1);	/* a new NAT mapping */
		break;
	case 2:
		out->addr[3] ^= 0x08;			/* another address */
		break;
	case 3:
		if (sa->esp_probe_to.family)
			*out = sa->esp_probe_to;	/* the answer ESP-follow waits for */
		break;
	default:
		break;
	}
}

static void input(struct world *w, int victim, const struct ike_sa *sa, unsigned int from,
		  const uint8_t *m, size_t len)
{
	struct ike_endpoint remote;

	pick_remote(sa, from, &remote);
	ike_engine_input(w->p[victim].e, &sa->local, &remote, m, len, w->now);
}

static void fuzz_one(const uint8_t *data, size_t size)
{
	static const uint64_t ticks[4] = { 0, 100, 1000, 20000 };
	uint8_t ctl = data[0], act = data[1], first = data[2], spi_i[8], spi_r[8];
	struct world *w = world_get(ctl >> 7);
	int victim = ctl & 1 ? DEV : GW;
	bool response = ctl & 2, skf = ctl & 0x40;
	struct ike_sa *d, *g, *vsa, *psa;
	size_t pt_len = size - 3;
	struct ike_hdr h = { .version = IKE_VERSION_2 };
	uint32_t expected;

	if (!current_pair(w, &d, &g))
		return;
	vsa = victim == DEV ? d : g;
	start(w, victim, vsa, (enum act)(act >> 4));
	if (!current_pair(w, &d, &g))
		goto run;
	if (act >> 4 == ACT_OLD_SA)
		pair_of(w, true, &d, &g);	/* else the current pair stays */
	vsa = victim == DEV ? d : g;
	psa = victim == DEV ? g : d;
	if (response) {
		expected = vsa->req.kind != IKE_REQ_NONE ? vsa->req.msg_id : vsa->next_req_id - 1;
		drop_request(w, victim, expected);
	} else {
		expected = vsa->peer_req_id;
	}
	memcpy(spi_i, vsa->spi_i, sizeof(spi_i));
	memcpy(spi_r, vsa->spi_r, sizeof(spi_r));
	memcpy(h.spi_i, spi_i, IKE_SPI_LEN);
	memcpy(h.spi_r, spi_r, IKE_SPI_LEN);
	h.exchange = exchanges[(ctl >> 2) & 3];
	h.flags = (uint8_t)((psa->initiator ? IKE_FLAG_INITIATOR : 0) |
			    (response ? IKE_FLAG_RESPONSE : 0));
	h.msg_id = expected + (uint32_t[]){ 0, (uint32_t)-1, 1, 2 }[(ctl >> 4) & 3];
	memcpy(plain, data + 3, pt_len);
	detokenize(vsa, plain, pt_len);
	if (!skf) {
		size_t len = protect(psa, &h, false, 0, 0, first, plain, pt_len);

		if (len)
			input(w, victim, vsa, act & 3, msg, len);
	} else {
		uint16_t total = (uint16_t)(2 + (act & 3));
		size_t per = (pt_len + total - 1) / total, off = 0;

		for (uint16_t num = 1; num <= total; num++) {
			size_t n = pt_len - off < per ? pt_len - off : per;
			size_t len = protect(psa, &h, true, num, total, num == 1 ? first : 0,
					     plain + off, n);

			off += n;
			/* the victim may die of an earlier fragment's message */
			vsa = sa_by_spis(w->p[victim].e, spi_i, spi_r);
			if (!len || !vsa)
				break;
			input(w, victim, vsa, 0, msg, len);
		}
	}
	/*
	 * Keep the Message IDs of the real peer in step with what the victim
	 * took from the forged one, so that the two still talk afterwards.
	 */
	vsa = sa_by_spis(w->p[victim].e, spi_i, spi_r);
	psa = sa_by_spis(w->p[victim == DEV ? GW : DEV].e, spi_i, spi_r);
	if (vsa && psa && !response && psa->req.kind == IKE_REQ_NONE &&
	    vsa->peer_req_id > psa->next_req_id)
		psa->next_req_id = vsa->peer_req_id;
	if (vsa && psa && response) {
		uint32_t open = vsa->req.kind != IKE_REQ_NONE ? vsa->req.msg_id : vsa->next_req_id;

		if (open > psa->peer_req_id)
			psa->peer_req_id = open;
	}
run:
	pump(w);
	advance(w, ticks[(act >> 2) & 3]);
}

/* ---- seeds ---- */

struct capture {
	const char *dir, *name;
	enum act act;
	bool got_req, got_resp;
	bool frag_copy;		/* also an SKF variant of the request */
};

static void write_seed(const char *dir, const char *name, const char *kind, const uint8_t *buf,
		       size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s-%s", dir, name, kind);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f))
		FUZZ_DIE("cannot write %s", path);
}

/* A delivered message of the scenario's first exchange as a seed for its receiver. */
static void capture_pkt(struct world *w, const struct pkt *p)
{
	static uint8_t copy[IKE_MAX_MSG], seed[IKE_MAX_MSG];
	struct capture *cap = w->cap;
	int to = p->from == DEV ? GW : DEV;
	struct ike_msg m;
	struct ike_sa *sa;
	size_t off, len;
	bool resp;
	unsigned int ex;

	memcpy(copy, p->data, p->len);
	if (ike_msg_parse(copy, p->len, &m, NULL) || !m.has_sk || m.sk.type != IKE_PL_SK)
		return;
	resp = m.hdr.flags & IKE_FLAG_RESPONSE;
	if (resp ? cap->got_resp : cap->got_req)
		return;
	sa = sa_by_spis(w->p[to].e, m.hdr.spi_i, m.hdr.spi_r);
	if (!sa || ike_sk_decrypt(&sa->sk_in, copy, p->len, m.sk.off, &off, &len))
		return;
	ex = m.hdr.exchange == IKE_CREATE_CHILD_SA ? 1 : m.hdr.exchange == IKE_AUTH ? 2 : 0;
	seed[0] = (uint8_t)((to == DEV ? 1 : 0) | (resp ? 2 : 0) | ex << 2 | (w->nat ? 0x80 : 0));
	seed[1] = (uint8_t)(resp ? cap->act << 4 : 0);
	seed[2] = copy[m.sk.off];
	memcpy(seed + 3, copy + off, len);
	tokenize(sa, seed + 3, len);
	write_seed(cap->dir, cap->name, resp ? "response" : "request", seed, len + 3);
	if (!resp && cap->frag_copy) {
		seed[0] |= 0x40;
		seed[1] |= 1;			/* three fragments */
		write_seed(cap->dir, cap->name, "request-skf", seed, len + 3);
	}
	if (resp)
		cap->got_resp = true;
	else
		cap->got_req = true;
}

static void write_seeds(const char *dir)
{
	static const struct {
		const char *name;
		enum act act;
		int side;		/* who starts it */
		bool nat, frag_copy;
	} scen[] = {
		{ "dpd", ACT_DPD, DEV, false, true },
		{ "dpd-gw", ACT_DPD, GW, false, false },
		{ "rekey-child", ACT_REKEY_CHILD, DEV, false, true },
		{ "rekey-child-gw", ACT_REKEY_CHILD, GW, false, false },
		{ "rekey-ike", ACT_REKEY_IKE, DEV, false, false },
		{ "rekey-ike-gw", ACT_REKEY_IKE, GW, false, false },
		{ "delete-child", ACT_DELETE_CHILD, DEV, false, false },
		{ "create-child", ACT_CREATE_CHILD, DEV, false, true },
		{ "mobike-update", ACT_MOBIKE, DEV, false, true },
		{ "mobike-update-nat", ACT_MOBIKE, DEV, true, false },
		{ "redirect", ACT_REDIRECT, GW, false, true },
		{ "delete-ike", ACT_DELETE_IKE, DEV, false, false },
		{ "esp-moved-nat", ACT_ESP_MOVED, GW, true, false },
	};

	for (size_t i = 0; i < sizeof(scen) / sizeof(scen[0]); i++) {
		struct capture cap = { .dir = dir, .name = scen[i].name, .act = scen[i].act,
				       .frag_copy = scen[i].frag_copy };
		struct world *w = world_new(scen[i].nat);
		struct ike_sa *d, *g;

		if (!current_pair(w, &d, &g))
			FUZZ_DIE("no IKE SA");
		w->cap = &cap;
		start(w, scen[i].side, scen[i].side == DEV ? d : g, scen[i].act);
		pump(w);
		for (int t = 0; t < 3 && !(cap.got_req && cap.got_resp); t++)
			advance(w, 2000);
		if (!cap.got_req || !cap.got_resp)
			fprintf(stderr, "seed %s: request %d, response %d\n", scen[i].name,
				cap.got_req, cap.got_resp);
		w->cap = NULL;
		world_free(w);
	}
}

/* ---- libFuzzer ---- */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void print_stats(void)
{
	fprintf(stderr, "fuzz_ike_engine: %lu inputs, worlds made: %lu without NAT, %lu with\n",
		inputs_seen, worlds_made[0], worlds_made[1]);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *s;

	(void)argc;
	(void)argv;
	log_set_level(LOG_LVL_ERR);
	s = getenv("FUZZ_ENGINE_RESET");
	if (s && atoi(s) > 0)
		reset_every = (unsigned int)atoi(s);
	if (getenv("FUZZ_ENGINE_STATS"))
		atexit(print_stats);
	s = getenv("FUZZ_ENGINE_SEEDS");
	if (s) {
		write_seeds(s);
		exit(0);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3 || size > IKE_MAX_MSG - 256)
		return 0;
	inputs_seen++;
	fuzz_one(data, size);
	return 0;
}
