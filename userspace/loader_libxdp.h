/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The uplink XDP program through libxdp's dispatcher (loader_libxdp.c), so
 * that other XDP programs can share the uplink; loader.c falls back to a
 * direct attach when libxdp cannot do it.
 */
#ifndef XDPSEC_LOADER_LIBXDP_H
#define XDPSEC_LOADER_LIBXDP_H

#include <stdbool.h>
#include <stddef.h>

struct xs_bpf;

/* What is on the uplink before we attach. */
struct xs_uplink_state {
	bool dispatcher;	/* libxdp's dispatcher with other programs */
	int mode;		/* its enum xdp_attach_mode */
	int n_progs;
	char progs[256];	/* "name (id N), ..." */
};

/*
 * 0 when the uplink is free or holds a libxdp dispatcher we may join;
 * -EBUSY with a message when it holds a program libxdp did not attach, or
 * a dispatcher that already has an xs_uplink (another instance).
 */
int xs_uplink_occupant(int ifindex, struct xs_uplink_state *st, char *err, size_t errlen);
int xs_bpf_attach_uplink_libxdp(struct xs_bpf *b, int ifindex, bool force_generic,
				const struct xs_uplink_state *st, char *err, size_t errlen);
/* true: attached through a dispatcher; others lists its programs. */
bool xs_uplink_shared(int ifindex, char *others, size_t len);
/* ifindex 0: only release what the attach left behind. */
void xs_bpf_detach_uplink_libxdp(struct xs_bpf *b, int ifindex);

#endif /* XDPSEC_LOADER_LIBXDP_H */
