/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The device table of the BPF-based backends (AF_XDP and XFRM): device
 * names and reference counts here, their ACLs and counters in the BPF maps
 * xs_acl and xs_dev_stats under the same index.  Index 0 is "no device".
 */
#ifndef XDPSEC_DP_DEVICES_H
#define XDPSEC_DP_DEVICES_H

#include <stdbool.h>
#include <stdint.h>

#include "dataplane.h"

struct dp_device {
	char name[DP_NAME_MAX];
	unsigned int refs;	/* SAs and an ACL holding it */
};

struct dp_devices {
	struct dp_device *tab;
	uint32_t max;
	int fd_acl, fd_dev_stats;
};

int dp_devices_init(struct dp_devices *t, uint32_t max, int fd_acl, int fd_dev_stats);
void dp_devices_fini(struct dp_devices *t);
/* The device named name, created with zeroed counters if new, one reference
 * more; XS_DEVICE_NONE for "" or when the table is full. */
uint32_t dp_devices_get(struct dp_devices *t, const char *name);
void dp_devices_put(struct dp_devices *t, uint32_t i);
/* dataplane_ops.set_acl and list_devices for both backends. */
int dp_devices_set_acl(struct dp_devices *t, const char *device, const struct xs_selector *rules,
		       unsigned int n, bool enforce);
int dp_devices_list(const struct dp_devices *t, struct dp_device_info *out, unsigned int max);

#endif /* XDPSEC_DP_DEVICES_H */
