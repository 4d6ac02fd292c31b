/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Test hooks into the in-memory data plane (dp_fake_new() in dataplane.h):
 * counters a test can set, and a view of the installed policies.
 */
#ifndef XDPSEC_DP_FAKE_H
#define XDPSEC_DP_FAKE_H

#include "dataplane.h"

struct dp_fake_counters {
	struct xs_counter reasons[XS_R_MAX];
	struct xs_sa_stats *sa;		/* [max_sas], by slot */
	struct xs_dev_stats *dev;	/* [XS_DEFAULT_MAX_DEVICES], by device index */
};

/* dp must come from dp_fake_new(). */
struct dp_fake_counters *dp_fake_counters(struct dataplane *dp);
/* A device's index (1..), or -ENOENT. */
int dp_fake_device_index(struct dataplane *dp, const char *name);
/* How many policies are installed, and the i-th of them. */
unsigned int dp_fake_policy_count(struct dataplane *dp);
int dp_fake_policy_get(struct dataplane *dp, unsigned int i, struct xs_selector *sel,
		       uint32_t *out_slot);

#endif /* XDPSEC_DP_FAKE_H */
