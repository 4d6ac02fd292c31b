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
/*
 * What a worker does with an inbound ESP-in-UDP packet of the SA at slot
 * that passed ICV and replay checks (sa_seen.h): from src:sport (host
 * order), not the recorded peer nor the last source noted, it is noted and
 * counted (1); else 0.  -ENOENT if no inbound SA is there.
 */
int dp_fake_esp_from(struct dataplane *dp, uint32_t slot, const struct dp_addr *src,
		     uint16_t sport);
/* A device's index (1..), or -ENOENT. */
int dp_fake_device_index(struct dataplane *dp, const char *name);
/* How many policies are installed, and the i-th of them. */
unsigned int dp_fake_policy_count(struct dataplane *dp);
int dp_fake_policy_get(struct dataplane *dp, unsigned int i, struct xs_selector *sel,
		       uint32_t *out_slot);

#endif /* XDPSEC_DP_FAKE_H */
