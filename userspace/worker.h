/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * AF_XDP worker threads: one per queue, each with one UMEM shared by two
 * sockets, one on the uplink queue (ESP in and out) and one on the same
 * queue of the tunnel veth (plaintext to and from the kernel).
 */
#ifndef XDPSEC_WORKER_H
#define XDPSEC_WORKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sa_table.h"
#include "xdpsec_maps.h"

enum { WORKER_DEFAULT_FRAMES = 4096 };	/* 16 MiB of 4 KiB frames */

struct worker_config {
	unsigned int id;		/* worker index = queue on both devices */
	unsigned int umem_frames;	/* frames of FRAME_SIZE in this worker's UMEM */
	const char *uplink;		/* interface names */
	const char *tun;		/* worker side of the tunnel veth pair */
	uint8_t uplink_mac[6];
	uint8_t tun_kernel_mac[6];	/* kernel side: destination of decrypted frames */
	uint8_t icmp_src4[4];		/* our addresses, sources of ICMP "too big" */
	uint8_t icmp_src6[16];
	int xsk_up_map_fd, xsk_tun_map_fd;
	bool force_copy;		/* skip the zero-copy attempt */
	struct sa_table *sas;
	struct xs_sa_stats *sa_stats;	/* mmap of xs_sa_stats */
	struct xs_counter *reasons;	/* this worker's row of xs_wreasons */
	struct worker_epoch *epoch;
};

struct worker;

struct worker *worker_start(const struct worker_config *cfg, char *err, size_t errlen);
/* Stops the thread, removes the sockets from the XSKMAPs, frees the UMEM. */
void worker_stop(struct worker *w);
bool worker_zerocopy(const struct worker *w);
/* Nanoseconds the thread has spent outside its idle poll (any thread may ask). */
uint64_t worker_busy_ns(const struct worker *w);

#endif /* XDPSEC_WORKER_H */
