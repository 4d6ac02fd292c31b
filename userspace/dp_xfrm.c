// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The kernel XFRM data-plane backend (see dataplane.h, dp_xfrm.h).
 *
 * An SA lives under one slot number in three places: the kernel's SA table
 * (keys, sequence numbers, counters), xs_sa_info (what BPF needs: SPI,
 * direction, device, remote traffic selectors) and, inbound, xs_spi, so
 * that the uplink XDP program passes its ESP to the kernel and drops every
 * other SPI.  Each state carries reqid = slot + 1: outbound policies name
 * their SA by it, and the TC ingress program (tunnel.bpf.c) finds the slot
 * of the state that decrypted a packet by it.
 *
 * Policies.  add_policy() installs "out" policies (local TS -> remote
 * selector) whose template names the outbound SA's reqid.  Inbound SAs
 * bring their own "in" and "fwd" policies (remote TS -> local TS), without
 * a reqid and with any source address: the kernel only has to accept
 * tunnel-mode ESP for those selectors, because the exact per-SA check (this
 * SA's TS, this device's ACL) is xs_xfrm_ingress's.  Two inbound SAs with
 * the same selectors (a rekey) share those policies by reference count.
 *
 * Keys stay in this process as well as in the kernel: an address change
 * is a new kernel SA carrying the replay state over (the policies'
 * templates follow with UPDPOLICY), and a refused offload is retried in
 * software.
 */
#include "dp_xfrm.h"
#include "dp_devices.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <openssl/crypto.h>

#include "log.h"
#include "netdev.h"
#include "xfrm_nl.h"

enum {
	REPLAY_WINDOW = ESP_REPLAY_WINDOW,
	POLICY_PRIO_BASE = 1000,	/* minus prefix lengths: longer wins */
	PROBE_SPI = 0x000000fe,		/* reserved range: never a real SA */
};

struct xsa {
	bool used;
	bool offloaded;
	uint32_t device;
	struct dp_sa sa;		/* keys included: for re-adds */
};

/* One kernel policy, with what created it. */
struct xpol {
	bool used;
	struct xfrm_nl_policy p;
	struct xs_selector key;		/* add_policy's selector (out only) */
	uint32_t refs;			/* inbound SAs sharing it (in, fwd) */
};

struct dp_xfrm {
	struct dataplane base;
	struct dp_xfrm_config cfg;
	struct xsa *sas;
	struct xpol *pols;
	unsigned int n_pols;
	struct dp_devices devices;
	struct xs_counter retired_out;	/* deleted outbound SAs' last counts */
	bool offload_refusal_logged;
};

static struct dp_xfrm *to_x(struct dataplane *dp)
{
	return (struct dp_xfrm *)dp;
}

static int xfrm_send(struct nl_msg *m)
{
	return nl_request_proto(NETLINK_XFRM, m, NULL, NULL);
}

static bool addr_equal(const struct dp_addr *a, const struct dp_addr *b)
{
	return a->family == b->family && !memcmp(a->addr, b->addr, sizeof(a->addr));
}

static bool sel_equal(const struct xs_selector *a, const struct xs_selector *b)
{
	return !memcmp(a, b, sizeof(*a));
}

/* ---- policies ---------------------------------------------------------- */

static uint32_t policy_prio(const struct xs_selector *src, const struct xs_selector *dst)
{
	return POLICY_PRIO_BASE - src->prefixlen - dst->prefixlen;
}

static struct xpol *pol_find(struct dp_xfrm *d, uint8_t dir, const struct xs_selector *src,
			     const struct xs_selector *dst)
{
	for (unsigned int i = 0; i < d->n_pols; i++) {
		struct xpol *x = &d->pols[i];

		if (x->used && x->p.dir == dir && sel_equal(&x->p.src, src) &&
		    sel_equal(&x->p.dst, dst))
			return x;
	}
	return NULL;
}

static struct xpol *pol_slot(struct dp_xfrm *d)
{
	struct xpol *grown;

	for (unsigned int i = 0; i < d->n_pols; i++)
		if (!d->pols[i].used)
			return &d->pols[i];
	grown = realloc(d->pols, (d->n_pols + 16) * sizeof(*grown));
	if (!grown)
		return NULL;
	memset(grown + d->n_pols, 0, 16 * sizeof(*grown));
	d->pols = grown;
	d->n_pols += 16;
	return &d->pols[d->n_pols - 16];
}

static int pol_install(struct dp_xfrm *d, const struct xfrm_nl_policy *p,
		       const struct xs_selector *key)
{
	struct xpol *x = pol_slot(d);
	struct nl_msg m;
	int rc;

	if (!x)
		return -ENOMEM;
	rc = xfrm_nl_policy(&m, XFRM_MSG_NEWPOLICY, p);
	if (!rc)
		rc = xfrm_send(&m);
	if (rc)
		return rc;
	x->used = true;
	x->p = *p;
	x->refs = 1;
	if (key)
		x->key = *key;
	return 0;
}

static void pol_remove(struct xpol *x)
{
	struct nl_msg m;

	if (!xfrm_nl_policy_del(&m, &x->p))
		xfrm_send(&m);
	memset(x, 0, sizeof(*x));
}

static struct xs_selector sel_any(uint8_t family)
{
	struct xs_selector s = { .family = family, .port_hi = 65535 };

	return s;
}

/* in and fwd for one (remote, local) pair of an inbound SA; shared. */
static int in_pair_get(struct dp_xfrm *d, const struct dp_sa *sa, const struct xs_selector *r,
		       const struct xs_selector *l)
{
	static const uint8_t dirs[] = { XFRM_POLICY_IN, XFRM_POLICY_FWD };
	struct xfrm_nl_policy p = { .src = *r, .dst = *l, .tmpl_dst = sa->dst };
	int rc;

	p.priority = policy_prio(r, l);
	for (unsigned int i = 0; i < sizeof(dirs); i++) {
		struct xpol *x = pol_find(d, dirs[i], r, l);

		p.dir = dirs[i];
		if (x) {
			x->refs++;
			continue;
		}
		rc = pol_install(d, &p, NULL);
		if (rc)
			return rc;
	}
	return 0;
}

static void in_pair_put(struct dp_xfrm *d, const struct xs_selector *r,
			const struct xs_selector *l)
{
	static const uint8_t dirs[] = { XFRM_POLICY_IN, XFRM_POLICY_FWD };

	for (unsigned int i = 0; i < sizeof(dirs); i++) {
		struct xpol *x = pol_find(d, dirs[i], r, l);

		if (x && !--x->refs)
			pol_remove(x);
	}
}

/* sa's outer addresses moved: its in and fwd policies' templates follow. */
static void in_pair_move(struct dp_xfrm *d, const struct dp_sa *sa, const struct xs_selector *r,
			 const struct xs_selector *l)
{
	static const uint8_t dirs[] = { XFRM_POLICY_IN, XFRM_POLICY_FWD };
	struct nl_msg m;

	for (unsigned int i = 0; i < sizeof(dirs); i++) {
		struct xpol *x = pol_find(d, dirs[i], r, l);

		if (x && xfrm_nl_policy_move(&m, &x->p, &sa->dst, &sa->src) > 0)
			xfrm_send(&m);
	}
}

enum pair_op { PAIR_GET, PAIR_PUT, PAIR_MOVE };

static int in_pair_op(struct dp_xfrm *d, const struct dp_sa *sa, const struct xs_selector *r,
		      const struct xs_selector *l, enum pair_op op)
{
	if (op == PAIR_GET)
		return in_pair_get(d, sa, r, l);
	if (op == PAIR_PUT)
		in_pair_put(d, r, l);
	else
		in_pair_move(d, sa, r, l);
	return 0;
}

/* op on every same-family (remote TS, local TS) pair of sa; a side
 * without selectors of that family counts as "any". */
static int in_pairs(struct dp_xfrm *d, const struct dp_sa *sa, enum pair_op op)
{
	unsigned int nr = sa->n_remote_ts ? sa->n_remote_ts : 1;
	int rc = 0;

	for (unsigned int i = 0; i < nr && !rc; i++) {
		struct xs_selector r = sa->n_remote_ts ? sa->remote_ts[i] : sel_any(sa->dst.family);
		bool any_local = true;

		for (unsigned int j = 0; j < sa->n_local_ts && !rc; j++) {
			if (sa->local_ts[j].family != r.family)
				continue;
			any_local = false;
			rc = in_pair_op(d, sa, &r, &sa->local_ts[j], op);
		}
		if (any_local && !rc) {
			struct xs_selector l = sel_any(r.family);

			rc = in_pair_op(d, sa, &r, &l, op);
		}
	}
	return rc;
}

/* ---- SAs --------------------------------------------------------------- */

static void spi_key(const struct dp_sa *sa, struct xs_spi_key *k)
{
	memset(k, 0, sizeof(*k));
	k->spi = htonl(sa->spi);
	k->family = sa->dst.family;
	memcpy(k->daddr, sa->dst.addr, sizeof(k->daddr));
}

static int publish(struct dp_xfrm *d, uint32_t slot)
{
	struct xsa *x = &d->sas[slot];
	struct xs_sa_info bi = { 0 };
	struct xs_spi_key key;

	bi.spi = htonl(x->sa.spi);
	bi.dir = (uint8_t)x->sa.dir;
	bi.flags = XS_SA_VALID | (x->sa.dport ? XS_SA_UDP_ENCAP : 0) |
		   (x->sa.crypto.esn ? XS_SA_ESN : 0);
	bi.nts = (uint8_t)x->sa.n_remote_ts;
	bi.device = x->device;
	memcpy(bi.ts, x->sa.remote_ts, sizeof(bi.ts));
	if (bpf_map_update_elem(d->cfg.bpf->fd_sa_info, &slot, &bi, BPF_ANY))
		return -errno;
	if (x->sa.dir != XS_DIR_IN)
		return 0;
	spi_key(&x->sa, &key);
	return bpf_map_update_elem(d->cfg.bpf->fd_spi, &key, &slot, BPF_NOEXIST) ? -errno : 0;
}

/* The XDP program stops passing ESP for sa's (daddr, SPI) to the kernel. */
static void spi_unmap(struct dp_xfrm *d, const struct dp_sa *sa)
{
	struct xs_spi_key key;

	if (sa->dir != XS_DIR_IN)
		return;
	spi_key(sa, &key);
	bpf_map_delete_elem(d->cfg.bpf->fd_spi, &key);
}

static void unpublish(struct dp_xfrm *d, uint32_t slot)
{
	struct xs_sa_info zero = { 0 };

	spi_unmap(d, &d->sas[slot].sa);
	bpf_map_update_elem(d->cfg.bpf->fd_sa_info, &slot, &zero, BPF_ANY);
}

static bool offload_refused(int rc)
{
	return rc == -EOPNOTSUPP || rc == -EINVAL || rc == -ENODEV;
}

/*
 * NEWSA (or UPDSA), with offload on the uplink when configured; a kernel
 * or device that refuses it gets the SA in software, said once.
 */
static int sa_send(struct dp_xfrm *d, uint16_t type, uint32_t slot,
		   const struct xfrm_replay_state_esn *replay)
{
	struct xsa *x = &d->sas[slot];
	struct xfrm_nl_sa_opts o = {
		.reqid = slot + 1,
		.replay_window = REPLAY_WINDOW,
		.replay = replay,
	};
	struct nl_msg m;
	int rc;

	if (d->cfg.offload != DP_XFRM_OFFLOAD_NONE) {
		o.offload_ifindex = d->cfg.uplink_ifindex;
		o.offload_packet = d->cfg.offload == DP_XFRM_OFFLOAD_PACKET;
		rc = xfrm_nl_sa(&m, type, &x->sa, &o);
		if (!rc)
			rc = xfrm_send(&m);
		OPENSSL_cleanse(&m, sizeof(m));
		x->offloaded = !rc;
		if (!rc || !offload_refused(rc))
			return rc;
		if (!d->offload_refusal_logged)
			xs_info("%s: the kernel refused ESP offload on ifindex %d (%s): SAs it "
				"refuses run in software", __func__, d->cfg.uplink_ifindex,
				strerror(-rc));
		d->offload_refusal_logged = true;
		o.offload_ifindex = 0;
		o.offload_packet = false;
	}
	rc = xfrm_nl_sa(&m, type, &x->sa, &o);
	if (!rc)
		rc = xfrm_send(&m);
	OPENSSL_cleanse(&m, sizeof(m));
	return rc;
}

static void sa_kernel_del(const struct dp_sa *sa)
{
	struct nl_msg m;

	xfrm_nl_sa_id(&m, XFRM_MSG_DELSA, &sa->dst, sa->spi);
	xfrm_send(&m);
}

/* Anything but the SA itself (there is nothing else) is skipped. */
static int getsa_reply(const struct nlmsghdr *nh, void *arg)
{
	xfrm_nl_parse_sa(nh, arg);
	return 0;
}

static int sa_kernel_get(const struct dp_sa *sa, struct xfrm_nl_sa_state *st)
{
	struct nl_msg m;

	memset(st, 0, sizeof(*st));
	xfrm_nl_sa_id(&m, XFRM_MSG_GETSA, &sa->dst, sa->spi);
	return nl_request_proto(NETLINK_XFRM, &m, getsa_reply, st);
}

/* `encrypted` sums the outbound SAs' kernel counters: keep what one had
 * when it goes, or the counter would fall at every rekey. */
static void out_counters_retire(struct dp_xfrm *d, const struct dp_sa *sa)
{
	struct xfrm_nl_sa_state *st;

	if (sa->dir != XS_DIR_OUT)
		return;
	st = calloc(1, sizeof(*st));
	if (st && !sa_kernel_get(sa, st)) {
		d->retired_out.packets += st->packets;
		d->retired_out.bytes += st->bytes;
	}
	free(st);
}

static int find_sa(struct dataplane *dp, uint32_t spi, enum xs_sa_dir dir,
		   const struct dp_addr *dst)
{
	struct dp_xfrm *d = to_x(dp);
	int found = -ENOENT;

	for (uint32_t s = 0; s < d->cfg.bpf->max_sas; s++) {
		const struct xsa *x = &d->sas[s];

		if (!x->used || x->sa.spi != spi || x->sa.dir != dir)
			continue;
		if (dst && !addr_equal(dst, &x->sa.dst))
			continue;
		if (found >= 0)
			return -EEXIST;
		found = (int)s;
	}
	return found;
}

static int free_slot(struct dp_xfrm *d)
{
	for (uint32_t s = 0; s < d->cfg.bpf->max_sas; s++)
		if (!d->sas[s].used)
			return (int)s;
	return -ENOSPC;
}

static void slot_wipe(struct dp_xfrm *d, uint32_t slot)
{
	dp_devices_put(&d->devices, d->sas[slot].device);
	OPENSSL_cleanse(&d->sas[slot], sizeof(d->sas[slot]));
}

static int add_sa(struct dataplane *dp, const struct dp_sa *p, char *err, size_t errlen)
{
	struct dp_xfrm *d = to_x(dp);
	int slot, rc;

	if (find_sa(dp, p->spi, p->dir, &p->dst) >= 0) {
		snprintf(err, errlen, "an SA with SPI 0x%08x, this direction and destination "
			 "exists", p->spi);
		return -EEXIST;
	}
	slot = free_slot(d);
	if (slot < 0) {
		snprintf(err, errlen, "all %u SA slots are in use (raise max_sas)",
			 d->cfg.bpf->max_sas);
		return slot;
	}
	d->sas[slot].used = true;
	d->sas[slot].sa = *p;
	d->sas[slot].device = dp_devices_get(&d->devices, p->device);
	rc = sa_send(d, XFRM_MSG_NEWSA, (uint32_t)slot, NULL);
	if (rc) {
		snprintf(err, errlen, "the kernel refused the SA: %s", strerror(-rc));
		goto fail_slot;
	}
	if (p->dir == XS_DIR_IN && (rc = in_pairs(d, p, PAIR_GET))) {
		snprintf(err, errlen, "the kernel refused the SA's inbound policies: %s",
			 strerror(-rc));
		goto fail_kernel;
	}
	rc = publish(d, (uint32_t)slot);
	if (rc) {
		snprintf(err, errlen, "cannot write the SA into the BPF maps: %s", strerror(-rc));
		unpublish(d, (uint32_t)slot);
		goto fail_policies;
	}
	return slot;
fail_policies:
	if (p->dir == XS_DIR_IN)
		in_pairs(d, p, PAIR_PUT);
fail_kernel:
	sa_kernel_del(p);
fail_slot:
	slot_wipe(d, (uint32_t)slot);
	return rc;
}

static bool slot_ok(struct dp_xfrm *d, uint32_t slot)
{
	return slot < d->cfg.bpf->max_sas && d->sas[slot].used;
}

/* Out policies naming an SA go with it, as dp_bpf's LPM entries would
 * point at nothing; IKE deletes them first anyway. */
static int del_sa(struct dataplane *dp, uint32_t slot)
{
	struct dp_xfrm *d = to_x(dp);
	struct xsa *x;

	if (!slot_ok(d, slot))
		return -ENOENT;
	x = &d->sas[slot];
	unpublish(d, slot);
	if (x->sa.dir == XS_DIR_IN)
		in_pairs(d, &x->sa, PAIR_PUT);
	out_counters_retire(d, &x->sa);
	sa_kernel_del(&x->sa);
	slot_wipe(d, slot);
	return 0;
}

/* The out policies naming slot's SA: their templates take its addresses. */
static void out_policies_move(struct dp_xfrm *d, uint32_t slot)
{
	const struct dp_sa *sa = &d->sas[slot].sa;
	struct nl_msg m;

	for (unsigned int i = 0; i < d->n_pols; i++) {
		struct xpol *x = &d->pols[i];

		if (x->used && x->p.dir == XFRM_POLICY_OUT && x->p.reqid == slot + 1 &&
		    xfrm_nl_policy_move(&m, &x->p, &sa->src, &sa->dst) > 0)
			xfrm_send(&m);
	}
}

/* The replay state of old's kernel SA, for its successor, into *out (NULL: none). */
static int replay_of(struct dp_xfrm *d, const struct dp_sa *old,
		     struct xfrm_replay_state_esn **out)
{
	struct xfrm_nl_sa_state *st = calloc(1, sizeof(*st));
	int rc;

	*out = NULL;
	if (!st)
		return -ENOMEM;
	rc = sa_kernel_get(old, st);
	if (!rc && old->dir == XS_DIR_OUT) {
		d->retired_out.packets += st->packets;
		d->retired_out.bytes += st->bytes;
	}
	if (!rc && st->have_replay) {
		*out = calloc(1, sizeof(**out) + sizeof(st->bitmap));
		if (*out) {
			memcpy(*out, &st->replay, sizeof(**out));
			memcpy((*out)->bmp, st->bitmap, sizeof(st->bitmap));
		} else {
			rc = -ENOMEM;
		}
	}
	free(st);
	return rc;
}

/* The kernel still has old as it was: so does d->sas. */
static void addrs_restore(struct dp_sa *sa, const struct dp_sa *old)
{
	sa->src = old->src;
	sa->dst = old->dst;
	sa->sport = old->sport;
	sa->dport = old->dport;
}

/*
 * slot's SA (new addresses already in d->sas) as a new kernel SA that
 * carries old's replay state.  Where the name (daddr, SPI) changes it is
 * make before break: the new state, the XDP SPI entry and the policies'
 * templates first, the old state last.  Where it stays (only the source
 * moved) the old state must go first.
 */
static int sa_readd(struct dp_xfrm *d, uint32_t slot, const struct dp_sa *old)
{
	struct dp_sa *sa = &d->sas[slot].sa;
	bool same_name = addr_equal(&old->dst, &sa->dst);
	struct xfrm_replay_state_esn *rs;
	int rc = replay_of(d, old, &rs);

	if (rc) {
		addrs_restore(sa, old);
		return rc;
	}
	if (same_name)
		sa_kernel_del(old);
	rc = sa_send(d, XFRM_MSG_NEWSA, slot, rs);
	free(rs);
	if (rc && !same_name)
		addrs_restore(sa, old);
	if (rc)
		return rc;
	if (sa->dir == XS_DIR_IN && !same_name)
		rc = publish(d, slot);
	if (sa->dir == XS_DIR_IN)
		in_pairs(d, sa, PAIR_MOVE);
	else
		out_policies_move(d, slot);
	if (!same_name) {
		spi_unmap(d, old);
		sa_kernel_del(old);
	}
	return rc;
}

/*
 * NAT rebinding, MOBIKE.  Only the ports: UPDSA changes the encapsulation
 * in place.  An address: a new kernel SA (xfrm_nl_sa_moves_in_place says
 * why), and the policies follow.
 */
static int update_sa_addrs(struct dataplane *dp, uint32_t slot, const struct dp_addr *src,
			   const struct dp_addr *dst, uint16_t sport, uint16_t dport)
{
	struct dp_xfrm *d = to_x(dp);
	struct dp_sa old;
	int rc;

	if (!slot_ok(d, slot))
		return -ENOENT;
	old = d->sas[slot].sa;
	d->sas[slot].sa.src = *src;
	d->sas[slot].sa.dst = *dst;
	d->sas[slot].sa.sport = sport;
	d->sas[slot].sa.dport = dport;
	if (xfrm_nl_sa_moves_in_place(&old, src, dst))
		rc = sa_send(d, XFRM_MSG_UPDSA, slot, NULL);
	else
		rc = sa_readd(d, slot, &old);
	OPENSSL_cleanse(&old, sizeof(old));
	return rc;
}

/* The source the kernel picks for traffic it originates into the tunnel
 * (see dp_bpf.c): an address of ours inside a local selector. */
static const uint8_t *route_source(const struct dp_sa *sa, uint8_t family)
{
	static uint8_t addr[NETDEV_ADDR_MAX];

	for (unsigned int i = 0; i < sa->n_local_ts; i++) {
		const struct xs_selector *ts = &sa->local_ts[i];

		if (ts->family == family &&
		    !netdev_addr_in_prefix(family == XS_AF_INET ? AF_INET : AF_INET6, ts->addr,
					   ts->prefixlen, addr))
			return addr;
	}
	return NULL;
}

static bool out_policy_exists(struct dp_xfrm *d, const struct xs_selector *sel)
{
	for (unsigned int i = 0; i < d->n_pols; i++)
		if (d->pols[i].used && d->pols[i].p.dir == XFRM_POLICY_OUT &&
		    sel_equal(&d->pols[i].key, sel))
			return true;
	return false;
}

static int del_policy(struct dataplane *dp, const struct xs_selector *sel);

/* One out policy per local TS of the SA's family (or from anywhere). */
static int add_policy(struct dataplane *dp, const struct xs_selector *sel, uint32_t out_slot)
{
	struct dp_xfrm *d = to_x(dp);
	struct xfrm_nl_policy p = { .dir = XFRM_POLICY_OUT, .dst = *sel };
	const struct dp_sa *sa;
	bool any = true;
	int rc = 0;

	if (!slot_ok(d, out_slot) || d->sas[out_slot].sa.dir != XS_DIR_OUT)
		return -EINVAL;
	if (out_policy_exists(d, sel))
		return -EEXIST;
	sa = &d->sas[out_slot].sa;
	p.tmpl_src = sa->src;
	p.tmpl_dst = sa->dst;
	p.reqid = out_slot + 1;
	for (unsigned int i = 0; i <= sa->n_local_ts && !rc; i++) {
		if (i == sa->n_local_ts) {
			if (!any)
				break;
			p.src = sel_any(sel->family);
		} else if (sa->local_ts[i].family == sel->family) {
			p.src = sa->local_ts[i];
			any = false;
		} else {
			continue;
		}
		p.priority = policy_prio(&p.src, sel);
		rc = pol_install(d, &p, sel);
	}
	if (!rc)
		rc = netdev_route_replace(sel->family == XS_AF_INET ? AF_INET : AF_INET6,
					  sel->addr, sel->prefixlen, d->cfg.uplink_ifindex,
					  route_source(sa, sel->family));
	if (rc)
		del_policy(dp, sel);
	return rc;
}

static int del_policy(struct dataplane *dp, const struct xs_selector *sel)
{
	struct dp_xfrm *d = to_x(dp);
	bool found = false;

	for (unsigned int i = 0; i < d->n_pols; i++) {
		struct xpol *x = &d->pols[i];

		if (!x->used || x->p.dir != XFRM_POLICY_OUT || !sel_equal(&x->key, sel))
			continue;
		pol_remove(x);
		found = true;
	}
	if (!found)
		return -ENOENT;
	netdev_route_delete(sel->family == XS_AF_INET ? AF_INET : AF_INET6, sel->addr,
			    sel->prefixlen, d->cfg.uplink_ifindex);
	return 0;
}

/*
 * UPDPOLICY re-points each out policy of sel at the new SA's reqid in
 * place (a rekey keeps the selectors); the kernel never lacks one.
 */
static int replace_policy(struct dataplane *dp, const struct xs_selector *sel, uint32_t out_slot)
{
	struct dp_xfrm *d = to_x(dp);
	bool found = false;
	struct nl_msg m;
	int rc = 0;

	if (!slot_ok(d, out_slot) || d->sas[out_slot].sa.dir != XS_DIR_OUT)
		return -EINVAL;
	for (unsigned int i = 0; i < d->n_pols && !rc; i++) {
		struct xpol *x = &d->pols[i];

		if (!x->used || x->p.dir != XFRM_POLICY_OUT || !sel_equal(&x->key, sel))
			continue;
		found = true;
		x->p.tmpl_src = d->sas[out_slot].sa.src;
		x->p.tmpl_dst = d->sas[out_slot].sa.dst;
		x->p.reqid = out_slot + 1;
		rc = xfrm_nl_policy(&m, XFRM_MSG_UPDPOLICY, &x->p);
		if (!rc)
			rc = xfrm_send(&m);
	}
	if (!found)
		return -ENOENT;
	if (!rc)
		rc = netdev_route_replace(sel->family == XS_AF_INET ? AF_INET : AF_INET6,
					  sel->addr, sel->prefixlen, d->cfg.uplink_ifindex,
					  route_source(&d->sas[out_slot].sa, sel->family));
	return rc;
}

static int set_acl(struct dataplane *dp, const char *device, const struct xs_selector *rules,
		   unsigned int n, bool enforce)
{
	return dp_devices_set_acl(&to_x(dp)->devices, device, rules, n, enforce);
}

static void sa_info_fill(struct dp_xfrm *d, uint32_t s, struct dp_sa_info *o)
{
	const struct dp_sa *sa = &d->sas[s].sa;
	struct xfrm_nl_sa_state *st = calloc(1, sizeof(*st));

	memset(o, 0, sizeof(*o));
	o->slot = s;
	o->spi = sa->spi;
	o->dir = sa->dir;
	o->alg = sa->crypto.alg;
	o->esn = sa->crypto.esn;
	o->src = sa->src;
	o->dst = sa->dst;
	o->sport = sa->sport;
	o->dport = sa->dport;
	memcpy(o->remote_ts, sa->remote_ts, sizeof(o->remote_ts));
	o->n_remote_ts = sa->n_remote_ts;
	memcpy(o->local_ts, sa->local_ts, sizeof(o->local_ts));
	o->n_local_ts = sa->n_local_ts;
	snprintf(o->device, sizeof(o->device), "%s", sa->device);
	/* the kernel's counters (ESP payload bytes, as the workers count) */
	if (st && !sa_kernel_get(sa, st)) {
		o->stats.packets = st->packets;
		o->stats.bytes = st->bytes;
	}
	free(st);
}

static int list_sas(struct dataplane *dp, struct dp_sa_info *out, unsigned int max)
{
	struct dp_xfrm *d = to_x(dp);
	unsigned int n = 0;

	for (uint32_t s = 0; s < d->cfg.bpf->max_sas; s++) {
		if (!d->sas[s].used)
			continue;
		if (n < max)
			sa_info_fill(d, s, &out[n]);
		n++;
	}
	return (int)n;
}

static int list_devices(struct dataplane *dp, struct dp_device_info *out, unsigned int max)
{
	return dp_devices_list(&to_x(dp)->devices, out, max);
}

/* The kernel's own ESP verdicts for this network namespace. */
static void xfrm_stat_read(struct xs_counter out[XS_R_MAX])
{
	FILE *f = fopen("/proc/net/xfrm_stat", "r");
	char name[64];
	unsigned long long v;

	if (!f)
		return;
	while (fscanf(f, "%63s %llu", name, &v) == 2) {
		if (!strcmp(name, "XfrmInStateSeqError"))
			out[XS_R_ESP_REPLAY].packets += v;
		else if (!strcmp(name, "XfrmInStateProtoError"))
			out[XS_R_ESP_AUTH_FAILED].packets += v;
	}
	fclose(f);
}

/* BPF verdicts (XDP classifier, TC ingress check), the kernel's ESP errors,
 * and `encrypted` as the sum of the outbound SAs' kernel counters. */
static int read_reasons(struct dataplane *dp, struct xs_counter out[XS_R_MAX])
{
	struct dp_xfrm *d = to_x(dp);
	struct xfrm_nl_sa_state *st;

	for (uint32_t r = 0; r < XS_R_MAX; r++) {
		int rc = xs_bpf_read_percpu(d->cfg.bpf->fd_reasons, r, &out[r]);

		if (rc)
			return rc;
	}
	xfrm_stat_read(out);
	out[XS_R_ENCRYPTED].packets += d->retired_out.packets;
	out[XS_R_ENCRYPTED].bytes += d->retired_out.bytes;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	for (uint32_t s = 0; s < d->cfg.bpf->max_sas; s++) {
		if (!d->sas[s].used || d->sas[s].sa.dir != XS_DIR_OUT ||
		    sa_kernel_get(&d->sas[s].sa, st))
			continue;
		out[XS_R_ENCRYPTED].packets += st->packets;
		out[XS_R_ENCRYPTED].bytes += st->bytes;
	}
	free(st);
	return 0;
}

static void destroy(struct dataplane *dp)
{
	struct dp_xfrm *d = to_x(dp);

	for (unsigned int i = 0; d->pols && i < d->n_pols; i++)
		if (d->pols[i].used && d->pols[i].p.dir == XFRM_POLICY_OUT)
			del_policy(dp, &d->pols[i].key);
	for (uint32_t s = 0; d->sas && s < d->cfg.bpf->max_sas; s++)
		if (d->sas[s].used)
			del_sa(dp, s);
	free(d->sas);
	free(d->pols);
	dp_devices_fini(&d->devices);
	free(d);
}

static const struct dataplane_ops dp_xfrm_ops = {
	.name = "xfrm",
	.add_sa = add_sa,
	.del_sa = del_sa,
	.update_sa_addrs = update_sa_addrs,
	.add_policy = add_policy,
	.del_policy = del_policy,
	.replace_policy = replace_policy,
	.set_acl = set_acl,
	.find_sa = find_sa,
	.list_sas = list_sas,
	.list_devices = list_devices,
	.read_reasons = read_reasons,
	.destroy = destroy,
};

struct dataplane *dp_xfrm_new(const struct dp_xfrm_config *cfg)
{
	struct dp_xfrm *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->base.ops = &dp_xfrm_ops;
	d->cfg = *cfg;
	d->sas = calloc(cfg->bpf->max_sas, sizeof(*d->sas));
	if (!d->sas || dp_devices_init(&d->devices, cfg->bpf->max_devices, cfg->bpf->fd_acl,
					cfg->bpf->fd_dev_stats)) {
		destroy(&d->base);
		return NULL;
	}
	return &d->base;
}

bool dp_xfrm_kernel_has_esp(void)
{
	struct dp_sa sa = {
		.spi = PROBE_SPI,
		.dir = XS_DIR_IN,
		.src = { .family = XS_AF_INET, .addr = { 192, 0, 2, 253 } },
		.dst = { .family = XS_AF_INET, .addr = { 192, 0, 2, 254 } },
		.crypto = { .alg = ESP_ALG_AES_GCM_128, .key_len = 20 },
	};
	struct xfrm_nl_sa_opts o = { .replay_window = 32 };
	struct nl_msg m;
	int rc = xfrm_nl_sa(&m, XFRM_MSG_NEWSA, &sa, &o);

	if (!rc)
		rc = xfrm_send(&m);
	if (!rc)
		sa_kernel_del(&sa);
	return rc == 0;
}
