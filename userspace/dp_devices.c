// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Device names, references and ACLs shared by dp_bpf.c and dp_xfrm.c. */
#include "dp_devices.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

int dp_devices_init(struct dp_devices *t, uint32_t max, int fd_acl, int fd_dev_stats)
{
	t->tab = calloc(max, sizeof(*t->tab));
	t->max = max;
	t->fd_acl = fd_acl;
	t->fd_dev_stats = fd_dev_stats;
	return t->tab ? 0 : -ENOMEM;
}

void dp_devices_fini(struct dp_devices *t)
{
	free(t->tab);
	t->tab = NULL;
}

uint32_t dp_devices_get(struct dp_devices *t, const char *name)
{
	uint32_t i, unused = 0;

	if (!name[0])
		return XS_DEVICE_NONE;
	for (i = 1; i < t->max; i++) {
		if (t->tab[i].refs && !strcmp(t->tab[i].name, name))
			break;
		if (!t->tab[i].refs && !unused)
			unused = i;
	}
	if (i == t->max) {
		struct xs_dev_stats zero = { 0 };

		if (!unused)
			return XS_DEVICE_NONE;
		i = unused;
		snprintf(t->tab[i].name, sizeof(t->tab[i].name), "%s", name);
		bpf_map_update_elem(t->fd_dev_stats, &i, &zero, BPF_ANY);
	}
	t->tab[i].refs++;
	return i;
}

void dp_devices_put(struct dp_devices *t, uint32_t i)
{
	if (i != XS_DEVICE_NONE && i < t->max && t->tab[i].refs)
		t->tab[i].refs--;
}

int dp_devices_set_acl(struct dp_devices *t, const char *device, const struct xs_selector *rules,
		       unsigned int n, bool enforce)
{
	struct xs_acl acl = { .nrules = n, .enforce = enforce };
	struct xs_acl old;
	uint32_t i;

	if (n > XS_ACL_MAX_RULES || !device[0])
		return -EINVAL;
	i = dp_devices_get(t, device);
	if (i == XS_DEVICE_NONE)
		return -ENOSPC;
	memcpy(acl.rules, rules, n * sizeof(*rules));
	if (bpf_map_lookup_elem(t->fd_acl, &i, &old) == 0 && old.enforce)
		dp_devices_put(t, i);	/* the previous ACL's reference */
	if (bpf_map_update_elem(t->fd_acl, &i, &acl, BPF_ANY)) {
		dp_devices_put(t, i);
		return -errno;
	}
	if (!enforce)
		dp_devices_put(t, i);
	return 0;
}

int dp_devices_list(const struct dp_devices *t, struct dp_device_info *out, unsigned int max)
{
	unsigned int n = 0;

	for (uint32_t i = 1; i < t->max; i++) {
		if (!t->tab[i].refs)
			continue;
		if (n < max) {
			memset(&out[n], 0, sizeof(out[n]));
			snprintf(out[n].name, sizeof(out[n].name), "%s", t->tab[i].name);
			bpf_map_lookup_elem(t->fd_dev_stats, &i, &out[n].stats);
			bpf_map_lookup_elem(t->fd_acl, &i, &out[n].acl);
		}
		n++;
	}
	return (int)n;
}
