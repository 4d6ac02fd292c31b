/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Loading, pinning and attaching xdpsec's BPF programs: the uplink XDP
 * classifier and the three tunnel-veth programs, which share one set of
 * maps.  Everything else talks to the maps through the fds kept here.
 */
#ifndef XDPSEC_LOADER_H
#define XDPSEC_LOADER_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xdpsec_maps.h"

struct uplink_bpf;
struct tunnel_bpf;
struct xdp_program;
struct bpf_object;

struct xs_bpf {
	struct uplink_bpf *up;
	struct tunnel_bpf *tun;
	unsigned int max_sas, max_devices;
	int fd_spi, fd_sa_info, fd_policy, fd_acl, fd_dev_stats, fd_reasons, fd_keepalive;
	int fd_xsk_up, fd_xsk_tun;
	struct xs_sa_stats *sa_stats;	/* mmap of xs_sa_stats */
	struct xs_counter *wreasons;	/* mmap of xs_wreasons */
	size_t sa_stats_len, wreasons_len;
	char pin_dir[PATH_MAX];
	/* What is attached, for a clean detach. */
	int uplink_ifindex, uplink_prog_fd;
	uint32_t uplink_xdp_flags;
	/* through libxdp (loader_libxdp.c): a copy loaded as an extension */
	struct xdp_program *up_xdp;
	struct bpf_object *up_ext_obj;
	int up_xdp_mode;		/* enum xdp_attach_mode */
	bool up_xdp_dir_ours;		/* libxdp's bpffs directory: created for us */
	int tun_ifindex, tunw_ifindex;
	uint32_t tun_xdp_flags, tunw_xdp_flags;
	bool tc_attached;
	/* XFRM mode: TC ingress on the uplink (xs_xfrm_ingress) */
	int xfrm_ifindex;
	uint32_t xfrm_handle, xfrm_priority;
	bool xfrm_hook_created;
};

/* tun_queues: queues of the tunnel veth (one per worker). */
int xs_bpf_load(struct xs_bpf *b, unsigned int max_sas, unsigned int max_devices,
		unsigned int tun_queues, char *err, size_t errlen);
/* The same with the uplink program's mode (enum xs_mode) set. */
int xs_bpf_load_mode(struct xs_bpf *b, unsigned int max_sas, unsigned int max_devices,
		     unsigned int tun_queues, enum xs_mode mode, char *err, size_t errlen);
/* XFRM mode: xs_xfrm_ingress at TC ingress on the uplink. */
int xs_bpf_attach_xfrm_ingress(struct xs_bpf *b, int ifindex, char *err, size_t errlen);
/* Pins every map under dir (created if needed; stale pins replaced). */
int xs_bpf_pin(struct xs_bpf *b, const char *dir, char *err, size_t errlen);
/*
 * Through libxdp's dispatcher, so that other XDP programs can share the
 * uplink (loader_libxdp.c); directly when libxdp cannot.  Native XDP where
 * the driver has it, generic otherwise (with a warning).  An uplink with a
 * program libxdp did not attach, or with another xs_uplink, is refused.
 */
int xs_bpf_attach_uplink(struct xs_bpf *b, int ifindex, bool force_generic, char *err,
			 size_t errlen);
int xs_bpf_attach_tunnel(struct xs_bpf *b, int tun_ifindex, int tunw_ifindex, char *err,
			 size_t errlen);
/* Detaches every program attached; the maps stay. */
void xs_bpf_detach(struct xs_bpf *b);
/* Detaches whatever is still attached, unpins, unmaps, frees. */
void xs_bpf_close(struct xs_bpf *b);

/* Sums a per-CPU xs_counter map entry over all CPUs. */
int xs_bpf_read_percpu(int fd, uint32_t key, struct xs_counter *sum);

#endif /* XDPSEC_LOADER_H */
