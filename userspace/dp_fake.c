// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The in-memory data plane for unit tests: the same rules as the BPF
 * backend (slots, one SA per SPI+direction+destination, exact-selector
 * policies that must point at outbound SAs, devices created on first use
 * with index 0 meaning "none") with plain arrays and no packets.  Counters
 * stay zero unless a test sets them through dp_fake_counters(), and no SA
 * sees ESP from a new source unless dp_fake_esp_from() says so.
 */
#include "dp_fake.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "selector.h"

struct fake_sa {
	bool used;
	uint32_t device;
	struct dp_sa sa;
	struct dp_addr seen_src;	/* dp_fake_esp_from: what a worker would note */
	uint16_t seen_sport;
	uint64_t seen_changes;
};

struct fake_policy {
	struct xs_selector sel;
	uint32_t slot;
};

struct fake_device {
	char name[DP_NAME_MAX];
	struct xs_acl acl;
};

struct dp_fake {
	struct dataplane dp;
	unsigned int max_sas;
	struct fake_sa *sas;
	struct fake_policy *policies;
	unsigned int npolicies, max_policies;
	struct fake_device *devices;	/* [0] is "none" */
	unsigned int ndevices;		/* including [0] */
	struct dp_fake_counters counters;
	uint64_t seen_total;		/* dp_fake_esp_from's notes, all SAs */
};

static const struct dataplane_ops fake_ops;

static struct dp_fake *to_fake(struct dataplane *dp)
{
	return (struct dp_fake *)((char *)dp - offsetof(struct dp_fake, dp));
}

static struct fake_sa *fake_sa_get(struct dp_fake *f, uint32_t slot)
{
	if (slot >= f->max_sas || !f->sas[slot].used)
		return NULL;
	return &f->sas[slot];
}

/* The device's index, created if new; -ENOSPC when the table is full. */
static int fake_device(struct dp_fake *f, const char *name)
{
	unsigned int i;

	for (i = 1; i < f->ndevices; i++)
		if (!strcmp(f->devices[i].name, name))
			return (int)i;
	if (f->ndevices == XS_DEFAULT_MAX_DEVICES)
		return -ENOSPC;
	snprintf(f->devices[i].name, sizeof(f->devices[i].name), "%s", name);
	return (int)f->ndevices++;
}

static bool addr_equal(const struct dp_addr *a, const struct dp_addr *b)
{
	return a->family == b->family && !memcmp(a->addr, b->addr, sizeof(a->addr));
}

static int fake_check_sa(const struct dp_sa *sa, char *err, size_t errlen)
{
	enum esp_alg alg = sa->crypto.alg;

	if (sa->src.family != sa->dst.family ||
	    (sa->src.family != XS_AF_INET && sa->src.family != XS_AF_INET6)) {
		snprintf(err, errlen, "outer addresses must be of one family");
		return -EINVAL;
	}
	if (sa->n_remote_ts > XS_MAX_TS || sa->n_local_ts > XS_MAX_TS ||
	    (sa->dir != XS_DIR_IN && sa->dir != XS_DIR_OUT)) {
		snprintf(err, errlen, "bad direction or too many traffic selectors");
		return -EINVAL;
	}
	if (sa->crypto.key_len != esp_alg_key_len(alg) ||
	    (!esp_alg_is_aead(alg) && sa->crypto.integ_key_len != esp_alg_integ_key_len(alg))) {
		snprintf(err, errlen, "wrong key length for %s", esp_alg_name(alg));
		return -EINVAL;
	}
	return 0;
}

static int fake_find_dup(struct dp_fake *f, const struct dp_sa *sa, char *err, size_t errlen)
{
	char dst[ADDR_STR_MAX];
	unsigned int i;

	for (i = 0; i < f->max_sas; i++) {
		const struct dp_sa *o = &f->sas[i].sa;

		if (!f->sas[i].used || o->spi != sa->spi || o->dir != sa->dir ||
		    !addr_equal(&o->dst, &sa->dst))
			continue;
		snprintf(err, errlen, "an SA with SPI 0x%08x dir %s dst %s exists (slot %u)",
			 sa->spi, sa->dir == XS_DIR_IN ? "in" : "out",
			 addr_format(&sa->dst, dst, sizeof(dst)), i);
		return -EEXIST;
	}
	return 0;
}

static int fake_add_sa(struct dataplane *dp, const struct dp_sa *sa, char *err, size_t errlen)
{
	struct dp_fake *f = to_fake(dp);
	unsigned int slot;
	int ret, dev = XS_DEVICE_NONE;

	ret = fake_check_sa(sa, err, errlen);
	if (!ret)
		ret = fake_find_dup(f, sa, err, errlen);
	if (ret)
		return ret;
	for (slot = 0; slot < f->max_sas && f->sas[slot].used; slot++)
		;
	if (slot == f->max_sas) {
		snprintf(err, errlen, "no free SA slot (max_sas %u)", f->max_sas);
		return -ENOSPC;
	}
	if (sa->device[0])
		dev = fake_device(f, sa->device);
	if (dev < 0) {
		snprintf(err, errlen, "too many devices (at most %d)", XS_DEFAULT_MAX_DEVICES - 1);
		return dev;
	}
	memset(&f->sas[slot], 0, sizeof(f->sas[slot]));
	f->sas[slot].sa = *sa;
	f->sas[slot].device = (uint32_t)dev;
	f->sas[slot].used = true;
	memset(&f->counters.sa[slot], 0, sizeof(f->counters.sa[slot]));
	return (int)slot;
}

static int fake_del_sa(struct dataplane *dp, uint32_t slot)
{
	struct fake_sa *s = fake_sa_get(to_fake(dp), slot);

	if (!s)
		return -ENOENT;
	OPENSSL_cleanse(s, sizeof(*s));
	return 0;
}

static int fake_update_sa_addrs(struct dataplane *dp, uint32_t slot, const struct dp_addr *src,
				const struct dp_addr *dst, uint16_t sport, uint16_t dport)
{
	struct fake_sa *s = fake_sa_get(to_fake(dp), slot);

	if (!s)
		return -ENOENT;
	if (src->family != dst->family || src->family != s->sa.src.family || !sport != !dport)
		return -EINVAL;
	s->sa.src = *src;
	s->sa.dst = *dst;
	s->sa.sport = sport;
	s->sa.dport = dport;
	memset(&s->seen_src, 0, sizeof(s->seen_src));	/* as sa_seen_carry */
	s->seen_sport = 0;
	return 0;
}

static int fake_policy_find(struct dp_fake *f, const struct xs_selector *sel)
{
	unsigned int i;

	for (i = 0; i < f->npolicies; i++)
		if (selector_equal(&f->policies[i].sel, sel))
			return (int)i;
	return -ENOENT;
}

static int fake_add_policy(struct dataplane *dp, const struct xs_selector *sel, uint32_t out_slot)
{
	struct dp_fake *f = to_fake(dp);
	struct fake_sa *s = fake_sa_get(f, out_slot);

	if (!s || s->sa.dir != XS_DIR_OUT)
		return -EINVAL;
	if (fake_policy_find(f, sel) >= 0)
		return -EEXIST;
	if (f->npolicies == f->max_policies)
		return -ENOSPC;
	f->policies[f->npolicies].sel = *sel;
	f->policies[f->npolicies].slot = out_slot;
	f->npolicies++;
	return 0;
}

static int fake_replace_policy(struct dataplane *dp, const struct xs_selector *sel,
			       uint32_t out_slot)
{
	struct dp_fake *f = to_fake(dp);
	struct fake_sa *s = fake_sa_get(f, out_slot);
	int i = fake_policy_find(f, sel);

	if (!s || s->sa.dir != XS_DIR_OUT)
		return -EINVAL;
	if (i < 0)
		return i;
	f->policies[i].slot = out_slot;
	return 0;
}

static int fake_del_policy(struct dataplane *dp, const struct xs_selector *sel)
{
	struct dp_fake *f = to_fake(dp);
	int i = fake_policy_find(f, sel);

	if (i < 0)
		return i;
	f->npolicies--;
	memmove(&f->policies[i], &f->policies[i + 1],
		(f->npolicies - (unsigned int)i) * sizeof(f->policies[0]));
	return 0;
}

static int fake_set_acl(struct dataplane *dp, const char *device, const struct xs_selector *rules,
			unsigned int n, bool enforce)
{
	struct dp_fake *f = to_fake(dp);
	struct xs_acl *acl;
	int dev;

	if (n > XS_ACL_MAX_RULES)
		return -E2BIG;
	if (!device[0] || strlen(device) >= DP_NAME_MAX)
		return -EINVAL;
	dev = fake_device(f, device);
	if (dev < 0)
		return dev;
	acl = &f->devices[dev].acl;
	memset(acl, 0, sizeof(*acl));
	if (n)
		memcpy(acl->rules, rules, n * sizeof(rules[0]));
	acl->nrules = n;
	acl->enforce = enforce;
	return 0;
}

static int fake_find_sa(struct dataplane *dp, uint32_t spi, enum xs_sa_dir dir,
			const struct dp_addr *dst)
{
	struct dp_fake *f = to_fake(dp);
	int found = -ENOENT;
	unsigned int i;

	for (i = 0; i < f->max_sas; i++) {
		const struct dp_sa *sa = &f->sas[i].sa;

		if (!f->sas[i].used || sa->spi != spi || sa->dir != dir ||
		    (dst && !addr_equal(&sa->dst, dst)))
			continue;
		if (found >= 0)
			return -ENOTUNIQ;	/* ambiguous without dst */
		found = (int)i;
	}
	return found;
}

static void fake_sa_info(struct dp_fake *f, uint32_t slot, struct dp_sa_info *out)
{
	const struct fake_sa *s = &f->sas[slot];

	memset(out, 0, sizeof(*out));
	out->slot = slot;
	out->spi = s->sa.spi;
	out->dir = s->sa.dir;
	out->alg = s->sa.crypto.alg;
	out->esn = s->sa.crypto.esn;
	out->src = s->sa.src;
	out->dst = s->sa.dst;
	out->sport = s->sa.sport;
	out->dport = s->sa.dport;
	memcpy(out->remote_ts, s->sa.remote_ts, sizeof(out->remote_ts));
	out->n_remote_ts = s->sa.n_remote_ts;
	memcpy(out->local_ts, s->sa.local_ts, sizeof(out->local_ts));
	out->n_local_ts = s->sa.n_local_ts;
	memcpy(out->device, s->sa.device, sizeof(out->device));
	out->stats = f->counters.sa[slot];
	out->seen_src = s->seen_src;
	out->seen_sport = s->seen_sport;
	out->seen_changes = s->seen_changes;
}

static int fake_list_sas(struct dataplane *dp, struct dp_sa_info *out, unsigned int max)
{
	struct dp_fake *f = to_fake(dp);
	unsigned int i, n = 0;

	for (i = 0; i < f->max_sas; i++) {
		if (!f->sas[i].used)
			continue;
		if (n < max)
			fake_sa_info(f, i, &out[n]);
		n++;
	}
	return (int)n;
}

static uint64_t fake_seen_total(struct dataplane *dp)
{
	return to_fake(dp)->seen_total;
}

static int fake_list_devices(struct dataplane *dp, struct dp_device_info *out, unsigned int max)
{
	struct dp_fake *f = to_fake(dp);
	unsigned int i;

	for (i = 1; i < f->ndevices && i - 1 < max; i++) {
		memcpy(out[i - 1].name, f->devices[i].name, sizeof(out[i - 1].name));
		out[i - 1].stats = f->counters.dev[i];
		out[i - 1].acl = f->devices[i].acl;
	}
	return (int)f->ndevices - 1;
}

static int fake_read_reasons(struct dataplane *dp, struct xs_counter out[XS_R_MAX])
{
	memcpy(out, to_fake(dp)->counters.reasons, sizeof(struct xs_counter) * XS_R_MAX);
	return 0;
}

static int fake_export_sa_keys(struct dataplane *dp, uint32_t slot, struct esp_sa_params *out)
{
	struct fake_sa *sa = fake_sa_get(to_fake(dp), slot);

	if (!sa)
		return -ENOENT;
	*out = sa->sa.crypto;
	return 0;
}

static void fake_destroy(struct dataplane *dp)
{
	struct dp_fake *f;

	if (!dp)
		return;
	f = to_fake(dp);
	if (f->sas)
		OPENSSL_cleanse(f->sas, sizeof(f->sas[0]) * f->max_sas);
	free(f->sas);
	free(f->policies);
	free(f->devices);
	free(f->counters.sa);
	free(f->counters.dev);
	free(f);
}

static const struct dataplane_ops fake_ops = {
	.name = "fake",
	.add_sa = fake_add_sa,
	.del_sa = fake_del_sa,
	.update_sa_addrs = fake_update_sa_addrs,
	.add_policy = fake_add_policy,
	.del_policy = fake_del_policy,
	.replace_policy = fake_replace_policy,
	.set_acl = fake_set_acl,
	.find_sa = fake_find_sa,
	.list_sas = fake_list_sas,
	.seen_total = fake_seen_total,
	.list_devices = fake_list_devices,
	.read_reasons = fake_read_reasons,
	.export_sa_keys = fake_export_sa_keys,
	.destroy = fake_destroy,
};

struct dataplane *dp_fake_new(unsigned int max_sas)
{
	struct dp_fake *f;

	if (!max_sas)
		return NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->dp.ops = &fake_ops;
	f->max_sas = max_sas;
	f->max_policies = max_sas * XS_MAX_TS;
	f->ndevices = 1;
	f->sas = calloc(max_sas, sizeof(*f->sas));
	f->policies = calloc(f->max_policies, sizeof(*f->policies));
	f->devices = calloc(XS_DEFAULT_MAX_DEVICES, sizeof(*f->devices));
	f->counters.sa = calloc(max_sas, sizeof(*f->counters.sa));
	f->counters.dev = calloc(XS_DEFAULT_MAX_DEVICES, sizeof(*f->counters.dev));
	if (!f->sas || !f->policies || !f->devices || !f->counters.sa || !f->counters.dev) {
		fake_destroy(&f->dp);
		return NULL;
	}
	snprintf(f->devices[0].name, sizeof(f->devices[0].name), "none");
	return &f->dp;
}

struct dp_fake_counters *dp_fake_counters(struct dataplane *dp)
{
	return dp->ops == &fake_ops ? &to_fake(dp)->counters : NULL;
}

int dp_fake_esp_from(struct dataplane *dp, uint32_t slot, const struct dp_addr *src,
		     uint16_t sport)
{
	struct fake_sa *s = fake_sa_get(to_fake(dp), slot);

	if (!s || s->sa.dir != XS_DIR_IN)
		return -ENOENT;
	if (!s->sa.sport || !sport || (addr_equal(src, &s->sa.src) && sport == s->sa.sport))
		return 0;	/* raw ESP, or from the recorded peer */
	if (addr_equal(src, &s->seen_src) && sport == s->seen_sport)
		return 0;	/* noted already */
	s->seen_src = *src;
	s->seen_sport = sport;
	s->seen_changes++;
	to_fake(dp)->seen_total++;
	return 1;
}

int dp_fake_device_index(struct dataplane *dp, const char *name)
{
	struct dp_fake *f = to_fake(dp);
	unsigned int i;

	for (i = 1; i < f->ndevices; i++)
		if (!strcmp(f->devices[i].name, name))
			return (int)i;
	return -ENOENT;
}

unsigned int dp_fake_policy_count(struct dataplane *dp)
{
	return to_fake(dp)->npolicies;
}

int dp_fake_policy_get(struct dataplane *dp, unsigned int i, struct xs_selector *sel,
		       uint32_t *out_slot)
{
	struct dp_fake *f = to_fake(dp);

	if (i >= f->npolicies)
		return -ENOENT;
	*sel = f->policies[i].sel;
	*out_slot = f->policies[i].slot;
	return 0;
}
