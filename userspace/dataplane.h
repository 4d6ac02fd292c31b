/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The data-plane interface: the one narrow set of calls through which the
 * CLI's control commands (and later the IKE daemon) install and remove SAs,
 * policies and device ACLs, and read counters.  Backends:
 *   dp_bpf.c   BPF maps + AF_XDP workers (the real thing)
 *   dp_fake.c  in-memory, for unit tests
 * All calls are made from the daemon's control thread; backends make them
 * safe against their own workers.
 */
#ifndef XDPSEC_DATAPLANE_H
#define XDPSEC_DATAPLANE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp.h"
#include "xdpsec_maps.h"

enum { DP_NAME_MAX = 64, DP_ERR_MAX = 256 };

struct dp_addr {
	uint8_t family;		/* XS_AF_INET or XS_AF_INET6 */
	uint8_t addr[16];	/* IPv4 in the first 4 bytes */
};

struct dp_sa {
	uint32_t spi;		/* host order */
	enum xs_sa_dir dir;
	struct dp_addr src, dst;	/* outer addresses, as on the wire */
	uint16_t sport, dport;	/* UDP encapsulation (RFC 3948) when both set */
	struct esp_sa_params crypto;
	/* Remote (device-side) selectors: the inner source of inbound traffic
	 * must match one; outbound, the destinations routed into this SA. */
	struct xs_selector remote_ts[XS_MAX_TS];
	unsigned int n_remote_ts;
	struct xs_selector local_ts[XS_MAX_TS];
	unsigned int n_local_ts;
	char device[DP_NAME_MAX];	/* "" = no device */
};

/* What dp_list_sas reports of an SA (no keys). */
struct dp_sa_info {
	uint32_t slot;
	uint32_t spi;
	enum xs_sa_dir dir;
	enum esp_alg alg;
	bool esn;
	struct dp_addr src, dst;
	uint16_t sport, dport;
	struct xs_selector remote_ts[XS_MAX_TS];
	unsigned int n_remote_ts;
	struct xs_selector local_ts[XS_MAX_TS];
	unsigned int n_local_ts;
	char device[DP_NAME_MAX];
	struct xs_sa_stats stats;
	/*
	 * Inbound ESP in UDP: the source of the last packet that passed the
	 * ICV and replay checks from somewhere other than src:sport (the
	 * peer's NAT rebound); family 0: none since the SA was added or last
	 * moved (update_sa_addrs).  seen_changes counts the new sources noted
	 * over the SA's life (written only on a change, never per packet).
	 * The IKE engine decides whether to move (ike_esp_follow.c).
	 */
	struct dp_addr seen_src;
	uint16_t seen_sport;
	uint64_t seen_changes;
};

struct dp_device_info {
	char name[DP_NAME_MAX];
	struct xs_dev_stats stats;
	struct xs_acl acl;
};

struct dataplane;

struct dataplane_ops {
	const char *name;
	/* Returns the new SA's slot (>= 0) or -errno, with a reason in err. */
	int (*add_sa)(struct dataplane *dp, const struct dp_sa *sa, char *err, size_t errlen);
	int (*del_sa)(struct dataplane *dp, uint32_t slot);
	/* NAT rebinding / MOBIKE: new outer addresses and ports for an SA. */
	int (*update_sa_addrs)(struct dataplane *dp, uint32_t slot, const struct dp_addr *src,
			       const struct dp_addr *dst, uint16_t sport, uint16_t dport);
	/* Routes destinations matching sel into the outbound SA at out_slot. */
	int (*add_policy)(struct dataplane *dp, const struct xs_selector *sel, uint32_t out_slot);
	int (*del_policy)(struct dataplane *dp, const struct xs_selector *sel);
	/*
	 * Points the existing policy for sel at the outbound SA at out_slot in
	 * one step, so that no packet finds the selector without a policy (a
	 * Child SA rekey moves its traffic to the new SA).  -ENOENT if there
	 * is no such policy.  May be NULL: callers then delete and add.
	 */
	int (*replace_policy)(struct dataplane *dp, const struct xs_selector *sel,
			      uint32_t out_slot);
	/* Replaces a device's ACL; n == 0 with enforce false removes it. */
	int (*set_acl)(struct dataplane *dp, const char *device, const struct xs_selector *rules,
		       unsigned int n, bool enforce);
	/* Finds an SA by SPI and direction (and outer dst, when given). */
	int (*find_sa)(struct dataplane *dp, uint32_t spi, enum xs_sa_dir dir,
		       const struct dp_addr *dst);
	/* One SA by slot (what list_sas gives for it); -ENOENT if none. */
	int (*get_sa)(struct dataplane *dp, uint32_t slot, struct dp_sa_info *out);
	/* Fills up to max entries; returns how many SAs exist. */
	int (*list_sas)(struct dataplane *dp, struct dp_sa_info *out, unsigned int max);
	/*
	 * New ESP sources noted so far over all SAs (each moves some SA's
	 * seen_changes; never decreases), so that a caller reads list_sas for
	 * them only when this moved.  May be NULL: ask list_sas every time.
	 */
	uint64_t (*seen_total)(struct dataplane *dp);
	int (*list_devices)(struct dataplane *dp, struct dp_device_info *out, unsigned int max);
	/* Sums BPF and worker verdict counters per reason. */
	int (*read_reasons)(struct dataplane *dp, struct xs_counter out[XS_R_MAX]);
	/*
	 * For `xdpsecctl export-keys` only: the crypto parameters, keys
	 * included, of the SA at slot (the caller wipes *out).  May be NULL
	 * in a backend that cannot give keys back (-EOPNOTSUPP).
	 */
	int (*export_sa_keys)(struct dataplane *dp, uint32_t slot, struct esp_sa_params *out);
	void (*destroy)(struct dataplane *dp);
};

struct dataplane {
	const struct dataplane_ops *ops;
};

/* The in-memory backend used by unit tests. */
struct dataplane *dp_fake_new(unsigned int max_sas);

#endif /* XDPSEC_DATAPLANE_H */
