// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The BPF + AF_XDP data-plane backend (see dataplane.h).
 *
 * An SA lives in three places under one slot number: the sa_table (keys,
 * outer headers: what the workers need), xs_sa_info (what BPF needs: SPI,
 * direction, device, remote traffic selectors) and, for inbound SAs, an
 * xs_spi entry.  Adding writes the sa_table first and the SPI entry last, so
 * BPF never steers a packet to a slot the workers cannot resolve; deleting
 * runs in the opposite order and waits for the workers before wiping keys.
 * A userspace hash over (SPI, direction) finds SAs for the control commands.
 */
#include "dp_bpf.h"
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

enum { NO_SLOT = UINT32_MAX, NEXT_HOP_TIMEOUT_MS = 1000 };

struct dp_bpf {
	struct dataplane base;
	struct dp_bpf_config cfg;
	uint32_t *free_slots;
	unsigned int n_free;
	uint32_t *bucket, *chain, n_buckets;	/* hash over (spi, dir) */
	struct dp_devices devices;
	unsigned int refresh_calls;
};

static struct dp_bpf *to_bpf(struct dataplane *dp)
{
	return (struct dp_bpf *)dp;
}

static uint32_t bucket_of(struct dp_bpf *d, uint32_t spi, enum xs_sa_dir dir)
{
	return (spi * 2654435761u ^ (uint32_t)dir) & (d->n_buckets - 1);
}

static void hash_insert(struct dp_bpf *d, struct xs_sa *sa)
{
	uint32_t b = bucket_of(d, sa->info.spi, sa->info.dir);

	d->chain[sa->slot] = d->bucket[b];
	d->bucket[b] = sa->slot;
}

static void hash_remove(struct dp_bpf *d, struct xs_sa *sa)
{
	uint32_t *p = &d->bucket[bucket_of(d, sa->info.spi, sa->info.dir)];

	while (*p != NO_SLOT && *p != sa->slot)
		p = &d->chain[*p];
	if (*p == sa->slot)
		*p = d->chain[sa->slot];
}

static bool addr_equal(const struct dp_addr *a, const struct dp_addr *b)
{
	return a->family == b->family && !memcmp(a->addr, b->addr, sizeof(a->addr));
}

static int find_sa(struct dataplane *dp, uint32_t spi, enum xs_sa_dir dir,
		   const struct dp_addr *dst)
{
	struct dp_bpf *d = to_bpf(dp);
	uint32_t s, found = NO_SLOT;

	for (s = d->bucket[bucket_of(d, spi, dir)]; s != NO_SLOT; s = d->chain[s]) {
		struct xs_sa *sa = sa_table_get(d->cfg.sas, s);

		if (sa->info.spi != spi || sa->info.dir != dir)
			continue;
		if (dst && !addr_equal(dst, &sa->info.dst))
			continue;
		if (found != NO_SLOT)
			return -EEXIST;	/* ambiguous without a destination */
		found = s;
	}
	return found == NO_SLOT ? -ENOENT : (int)found;
}

static void spi_key(const struct xs_sa *sa, struct xs_spi_key *k)
{
	memset(k, 0, sizeof(*k));
	k->spi = htonl(sa->info.spi);
	k->family = sa->info.dst.family;
	memcpy(k->daddr, sa->info.dst.addr, sizeof(k->daddr));
}

static void fill_sa_info(const struct xs_sa *sa, struct xs_sa_info *bi)
{
	memset(bi, 0, sizeof(*bi));
	bi->spi = htonl(sa->info.spi);
	bi->dir = (uint8_t)sa->info.dir;
	bi->flags = XS_SA_VALID | (sa->info.dport ? XS_SA_UDP_ENCAP : 0) |
		    (sa->info.esn ? XS_SA_ESN : 0);
	bi->nts = (uint8_t)sa->info.n_remote_ts;
	bi->device = sa->device;
	memcpy(bi->ts, sa->info.remote_ts, sizeof(bi->ts));
}

static void resolve_next_hop(struct dp_bpf *d, struct xs_sa *sa, int timeout_ms)
{
	uint8_t mac[6];
	int oif = 0;

	if (netdev_resolve_nexthop(sa->info.dst.family == XS_AF_INET ? AF_INET : AF_INET6,
				   sa->info.dst.addr, &oif, mac, timeout_ms))
		return;
	if (oif != d->cfg.uplink_ifindex)
		xs_warn("SA 0x%08x: the route to its peer leaves through ifindex %d, not the "
			"uplink", sa->info.spi, oif);
	atomic_store(&sa->next_hop_mac, mac_pack(mac));
}

static void fill_outer(struct dp_bpf *d, struct xs_sa *sa)
{
	struct outer_hdr *o = &sa->outer;

	o->family = sa->info.src.family;
	memcpy(o->src, sa->info.src.addr, sizeof(o->src));
	memcpy(o->dst, sa->info.dst.addr, sizeof(o->dst));
	o->sport = sa->info.sport;
	o->dport = sa->info.dport;
	memcpy(o->eth_src, d->cfg.uplink_mac, 6);
	sa->pmtu = d->cfg.uplink_mtu;
}

static struct xs_sa *sa_create(struct dp_bpf *d, const struct dp_sa *p, char *err, size_t errlen)
{
	struct xs_sa *sa = calloc(1, sizeof(*sa));

	if (!sa) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	struct esp_sa_params crypto = p->crypto;

	crypto.direction = p->dir == XS_DIR_OUT ? ESP_DIR_OUTBOUND : ESP_DIR_INBOUND;
	sa->esp = esp_sa_new(&crypto, err, errlen);
	OPENSSL_cleanse(&crypto, sizeof(crypto));
	if (!sa->esp) {
		free(sa);
		return NULL;
	}
	sa->info.spi = p->spi;
	sa->info.dir = p->dir;
	sa->info.alg = p->crypto.alg;
	sa->info.esn = p->crypto.esn;
	sa->info.src = p->src;
	sa->info.dst = p->dst;
	sa->info.sport = p->sport;
	sa->info.dport = p->dport;
	memcpy(sa->info.remote_ts, p->remote_ts, sizeof(p->remote_ts));
	sa->info.n_remote_ts = p->n_remote_ts;
	memcpy(sa->info.local_ts, p->local_ts, sizeof(p->local_ts));
	sa->info.n_local_ts = p->n_local_ts;
	snprintf(sa->info.device, sizeof(sa->info.device), "%s", p->device);
	if (p->dir == XS_DIR_OUT)
		fill_outer(d, sa);
	return sa;
}

static int publish(struct dp_bpf *d, struct xs_sa *sa)
{
	struct xs_sa_info bi;
	struct xs_spi_key key;

	memset(&d->cfg.bpf->sa_stats[sa->slot], 0, sizeof(struct xs_sa_stats));
	sa_table_publish(d->cfg.sas, sa);
	fill_sa_info(sa, &bi);
	if (bpf_map_update_elem(d->cfg.bpf->fd_sa_info, &sa->slot, &bi, BPF_ANY))
		return -errno;
	if (sa->info.dir != XS_DIR_IN)
		return 0;
	spi_key(sa, &key);
	return bpf_map_update_elem(d->cfg.bpf->fd_spi, &key, &sa->slot, BPF_NOEXIST) ? -errno : 0;
}

static void unpublish(struct dp_bpf *d, struct xs_sa *sa)
{
	struct xs_sa_info zero = { 0 };
	struct xs_spi_key key;

	if (sa->info.dir == XS_DIR_IN) {
		spi_key(sa, &key);
		bpf_map_delete_elem(d->cfg.bpf->fd_spi, &key);
	}
	bpf_map_update_elem(d->cfg.bpf->fd_sa_info, &sa->slot, &zero, BPF_ANY);
	sa_table_retract(d->cfg.sas, sa->slot);
}

static void sa_destroy(struct dp_bpf *d, struct xs_sa *sa)
{
	dp_devices_put(&d->devices, sa->device);
	esp_sa_free(sa->esp);
	OPENSSL_cleanse(sa, sizeof(*sa));
	free(sa);
}

static int add_sa(struct dataplane *dp, const struct dp_sa *p, char *err, size_t errlen)
{
	struct dp_bpf *d = to_bpf(dp);
	struct xs_sa *sa;
	int rc;

	if (find_sa(dp, p->spi, p->dir, &p->dst) >= 0) {
		snprintf(err, errlen, "an SA with SPI 0x%08x, this direction and destination "
			 "exists", p->spi);
		return -EEXIST;
	}
	if (!d->n_free) {
		snprintf(err, errlen, "all %u SA slots are in use (raise max_sas)",
			 d->cfg.bpf->max_sas);
		return -ENOSPC;
	}
	sa = sa_create(d, p, err, errlen);
	if (!sa)
		return -EINVAL;
	sa->slot = d->free_slots[--d->n_free];
	sa->device = dp_devices_get(&d->devices, p->device);
	if (p->dir == XS_DIR_OUT)
		resolve_next_hop(d, sa, NEXT_HOP_TIMEOUT_MS);
	rc = publish(d, sa);
	if (rc) {
		snprintf(err, errlen, "cannot write the SA into the BPF maps: %s", strerror(-rc));
		unpublish(d, sa);
		d->free_slots[d->n_free++] = sa->slot;
		sa_destroy(d, sa);
		return rc;
	}
	hash_insert(d, sa);
	return (int)sa->slot;
}

static int del_sa(struct dataplane *dp, uint32_t slot)
{
	struct dp_bpf *d = to_bpf(dp);
	struct xs_sa *sa = sa_table_get(d->cfg.sas, slot);

	if (!sa)
		return -ENOENT;
	hash_remove(d, sa);
	unpublish(d, sa);
	sa_destroy(d, sa);
	d->free_slots[d->n_free++] = slot;
	return 0;
}

/* Copy, change, publish the copy, retire the original: workers never see a
 * half-written header.  The ESP state (sequence, window) moves across. */
static int update_sa_addrs(struct dataplane *dp, uint32_t slot, const struct dp_addr *src,
			   const struct dp_addr *dst, uint16_t sport, uint16_t dport)
{
	struct dp_bpf *d = to_bpf(dp);
	struct xs_sa *old = sa_table_get(d->cfg.sas, slot), *sa;
	struct xs_spi_key key;

	if (!old)
		return -ENOENT;
	sa = malloc(sizeof(*sa));
	if (!sa)
		return -ENOMEM;
	memcpy(sa, old, sizeof(*sa));
	sa_seen_carry(&sa->seen, &old->seen);	/* the new peer is the recorded one */
	sa->info.src = *src;
	sa->info.dst = *dst;
	sa->info.sport = sport;
	sa->info.dport = dport;
	if (sa->info.dir == XS_DIR_OUT) {
		fill_outer(d, sa);
		resolve_next_hop(d, sa, NEXT_HOP_TIMEOUT_MS);
	} else {
		spi_key(sa, &key);
		bpf_map_update_elem(d->cfg.bpf->fd_spi, &key, &slot, BPF_ANY);
		if (!addr_equal(&old->info.dst, dst)) {
			spi_key(old, &key);
			bpf_map_delete_elem(d->cfg.bpf->fd_spi, &key);
		}
	}
	sa_table_publish(d->cfg.sas, sa);
	sa_table_synchronize(d->cfg.sas);
	free(old);
	return 0;
}

static void policy_key(const struct xs_selector *sel, struct xs_policy_key *k)
{
	memset(k, 0, sizeof(*k));
	k->prefixlen = 8 + sel->prefixlen;
	k->family = sel->family;
	memcpy(k->addr, sel->addr, sizeof(k->addr));
}

/*
 * The source the kernel should pick for traffic it originates into the
 * tunnel: one of our addresses inside the SA's local selectors, as strongSwan
 * does, or none (the kernel's choice) when we have no such address.
 */
static const uint8_t *route_source(struct xs_sa *sa, uint8_t family)
{
	static uint8_t addr[NETDEV_ADDR_MAX];

	for (unsigned int i = 0; i < sa->info.n_local_ts; i++) {
		const struct xs_selector *ts = &sa->info.local_ts[i];

		if (ts->family == family &&
		    !netdev_addr_in_prefix(family == XS_AF_INET ? AF_INET : AF_INET6, ts->addr,
					   ts->prefixlen, addr))
			return addr;
	}
	return NULL;
}

/* The policy entry and the route into the tunnel veth; flags: BPF_NOEXIST or BPF_EXIST. */
static int put_policy(struct dataplane *dp, const struct xs_selector *sel, uint32_t out_slot,
		      uint64_t flags)
{
	struct dp_bpf *d = to_bpf(dp);
	struct xs_sa *sa = sa_table_get(d->cfg.sas, out_slot);
	struct xs_policy_key k;
	struct xs_policy v;

	if (!sa || sa->info.dir != XS_DIR_OUT)
		return -EINVAL;
	policy_key(sel, &k);
	v.sa_slot = out_slot;
	v.device = sa->device;
	if (bpf_map_update_elem(d->cfg.bpf->fd_policy, &k, &v, flags))
		return -errno;
	return netdev_route_replace(sel->family == XS_AF_INET ? AF_INET : AF_INET6, sel->addr,
				    sel->prefixlen, d->cfg.tun_ifindex, route_source(sa, sel->family));
}

static int add_policy(struct dataplane *dp, const struct xs_selector *sel, uint32_t out_slot)
{
	return put_policy(dp, sel, out_slot, BPF_NOEXIST);
}

/* BPF_EXIST: the LPM trie swaps the entry under RCU, never absent. */
static int replace_policy(struct dataplane *dp, const struct xs_selector *sel, uint32_t out_slot)
{
	return put_policy(dp, sel, out_slot, BPF_EXIST);
}

static int del_policy(struct dataplane *dp, const struct xs_selector *sel)
{
	struct dp_bpf *d = to_bpf(dp);
	struct xs_policy_key k;

	policy_key(sel, &k);
	if (bpf_map_delete_elem(d->cfg.bpf->fd_policy, &k))
		return -errno;
	netdev_route_delete(sel->family == XS_AF_INET ? AF_INET : AF_INET6, sel->addr,
			    sel->prefixlen, d->cfg.tun_ifindex);
	return 0;
}

static int set_acl(struct dataplane *dp, const char *device, const struct xs_selector *rules,
		   unsigned int n, bool enforce)
{
	return dp_devices_set_acl(&to_bpf(dp)->devices, device, rules, n, enforce);
}

static int get_sa(struct dataplane *dp, uint32_t slot, struct dp_sa_info *out)
{
	struct dp_bpf *d = to_bpf(dp);
	struct xs_sa *sa = sa_table_get(d->cfg.sas, slot);

	if (!sa)
		return -ENOENT;
	*out = sa->info;
	out->slot = slot;
	memcpy(&out->stats, &d->cfg.bpf->sa_stats[slot], sizeof(out->stats));
	sa_seen_read(&sa->seen, out);
	return 0;
}

static int list_sas(struct dataplane *dp, struct dp_sa_info *out, unsigned int max)
{
	struct dp_bpf *d = to_bpf(dp);
	unsigned int n = 0;

	for (uint32_t s = 0; s < d->cfg.bpf->max_sas; s++) {
		struct xs_sa *sa = sa_table_get(d->cfg.sas, s);

		if (!sa)
			continue;
		if (n < max) {
			out[n] = sa->info;
			out[n].slot = s;
			memcpy(&out[n].stats, &d->cfg.bpf->sa_stats[s], sizeof(out[n].stats));
			sa_seen_read(&sa->seen, &out[n]);
		}
		n++;
	}
	return (int)n;
}

static uint64_t seen_total(struct dataplane *dp)
{
	return atomic_load_explicit(&to_bpf(dp)->cfg.sas->seen_total, memory_order_acquire);
}

static int list_devices(struct dataplane *dp, struct dp_device_info *out, unsigned int max)
{
	return dp_devices_list(&to_bpf(dp)->devices, out, max);
}

static int read_reasons(struct dataplane *dp, struct xs_counter out[XS_R_MAX])
{
	struct dp_bpf *d = to_bpf(dp);

	for (uint32_t r = 0; r < XS_R_MAX; r++) {
		int rc = xs_bpf_read_percpu(d->cfg.bpf->fd_reasons, r, &out[r]);

		if (rc)
			return rc;
		for (unsigned int w = 0; w < d->cfg.n_workers; w++) {
			const struct xs_counter *c = &d->cfg.bpf->wreasons[w * XS_R_MAX + r];

			out[r].packets += __atomic_load_n(&c->packets, __ATOMIC_RELAXED);
			out[r].bytes += __atomic_load_n(&c->bytes, __ATOMIC_RELAXED);
		}
	}
	return 0;
}

static int export_sa_keys(struct dataplane *dp, uint32_t slot, struct esp_sa_params *out)
{
	struct xs_sa *sa = sa_table_get(to_bpf(dp)->cfg.sas, slot);

	/* Only the control thread frees an SA: it cannot go while we copy. */
	if (!sa)
		return -ENOENT;
	esp_sa_export_keys(sa->esp, out);
	return 0;
}

static void destroy(struct dataplane *dp)
{
	struct dp_bpf *d = to_bpf(dp);

	for (uint32_t s = 0; s < d->cfg.bpf->max_sas; s++)
		if (sa_table_get(d->cfg.sas, s))
			del_sa(dp, s);
	free(d->free_slots);
	free(d->bucket);
	free(d->chain);
	dp_devices_fini(&d->devices);
	free(d);
}

static const struct dataplane_ops dp_bpf_ops = {
	.name = "afxdp",
	.add_sa = add_sa,
	.del_sa = del_sa,
	.update_sa_addrs = update_sa_addrs,
	.add_policy = add_policy,
	.del_policy = del_policy,
	.replace_policy = replace_policy,
	.set_acl = set_acl,
	.find_sa = find_sa,
	.get_sa = get_sa,
	.list_sas = list_sas,
	.seen_total = seen_total,
	.list_devices = list_devices,
	.read_reasons = read_reasons,
	.export_sa_keys = export_sa_keys,
	.destroy = destroy,
};

struct dataplane *dp_bpf_new(const struct dp_bpf_config *cfg)
{
	struct dp_bpf *d = calloc(1, sizeof(*d));
	unsigned int max = cfg->bpf->max_sas;

	if (!d)
		return NULL;
	d->base.ops = &dp_bpf_ops;
	d->cfg = *cfg;
	for (d->n_buckets = 64; d->n_buckets < max; d->n_buckets <<= 1)
		;
	d->free_slots = malloc(max * sizeof(*d->free_slots));
	d->bucket = malloc(d->n_buckets * sizeof(*d->bucket));
	d->chain = malloc(max * sizeof(*d->chain));
	if (!d->free_slots || !d->bucket || !d->chain ||
	    dp_devices_init(&d->devices, cfg->bpf->max_devices, cfg->bpf->fd_acl,
			    cfg->bpf->fd_dev_stats)) {
		destroy(&d->base);
		return NULL;
	}
	memset(d->bucket, 0xff, d->n_buckets * sizeof(*d->bucket));
	for (unsigned int i = 0; i < max; i++)
		d->free_slots[i] = max - 1 - i;	/* hand out slot 0 first */
	d->n_free = max;
	return &d->base;
}

void dp_bpf_refresh_next_hops(struct dataplane *dp)
{
	struct dp_bpf *d = to_bpf(dp);
	/* Unresolved next hops every call, all of them every tenth call. */
	bool all = ++d->refresh_calls % 10 == 0;

	for (uint32_t s = 0; s < d->cfg.bpf->max_sas; s++) {
		struct xs_sa *sa = sa_table_get(d->cfg.sas, s);

		if (!sa || sa->info.dir != XS_DIR_OUT)
			continue;
		if (all || !(atomic_load(&sa->next_hop_mac) >> 63))
			resolve_next_hop(d, sa, 0);
	}
}
