/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The kernel-ESP data-plane backend: SAs and policies in the kernel's XFRM
 * tables (with NIC offload where the uplink has it), BPF maps for what the
 * XDP classifier and the TC ingress check need.  No workers, no veth.
 */
#ifndef XDPSEC_DP_XFRM_H
#define XDPSEC_DP_XFRM_H

#include "dataplane.h"
#include "loader.h"

enum dp_xfrm_offload {
	DP_XFRM_OFFLOAD_NONE,		/* software ESP */
	DP_XFRM_OFFLOAD_CRYPTO,		/* `offload dev IF dir in|out` */
	DP_XFRM_OFFLOAD_PACKET,		/* `offload packet dev IF ...` */
};

struct dp_xfrm_config {
	struct xs_bpf *bpf;
	int uplink_ifindex;
	enum dp_xfrm_offload offload;	/* requested; refused -> software */
};

struct dataplane *dp_xfrm_new(const struct dp_xfrm_config *cfg);

/*
 * Whether this kernel can do ESP: adds a dummy ESP state (AES-GCM, a
 * documentation address, a reserved-range SPI) and deletes it at once.
 * Called in the daemon's network namespace; leaves nothing behind.
 */
bool dp_xfrm_kernel_has_esp(void);

#endif /* XDPSEC_DP_XFRM_H */
