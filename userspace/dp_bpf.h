/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The real data-plane backend: BPF maps for classification, policy and
 * ACLs, the sa_table for the AF_XDP workers' keys and headers, kernel routes
 * that steer the remote traffic selectors into the tunnel veth.
 */
#ifndef XDPSEC_DP_BPF_H
#define XDPSEC_DP_BPF_H

#include "dataplane.h"
#include "loader.h"
#include "sa_table.h"

struct dp_bpf_config {
	struct xs_bpf *bpf;
	struct sa_table *sas;
	unsigned int n_workers;
	int tun_ifindex;		/* kernel side of the tunnel veth: routes go here */
	int uplink_ifindex;
	uint8_t uplink_mac[6];
	uint32_t uplink_mtu;
};

struct dataplane *dp_bpf_new(const struct dp_bpf_config *cfg);
/* Re-resolves the next hops of outbound SAs; called about once a second. */
void dp_bpf_refresh_next_hops(struct dataplane *dp);

#endif /* XDPSEC_DP_BPF_H */
