/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * XFRM netlink (NETLINK_XFRM) messages for the kernel-ESP backend: pure
 * encoders that fill a struct nl_msg (netlink.h) and parsers for what the
 * kernel sends back (an SA with its counters, an expire event).  No sockets
 * here: dp_xfrm.c sends with nl_request_proto(NETLINK_XFRM, ...), and the
 * unit tests compare the bytes field by field.
 *
 * Every SA is ESP in tunnel mode.  The replay state always travels as
 * XFRMA_REPLAY_ESN_VAL (the kernel then wants usersa_info.replay_window 0),
 * so windows beyond 32 packets work with and without ESN.  Lifetimes are
 * left infinite: the IKE engine rekeys on its own clock.
 */
#ifndef XDPSEC_XFRM_NL_H
#define XDPSEC_XFRM_NL_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/xfrm.h>

#include "dataplane.h"
#include "netlink.h"

enum {
	XFRM_NL_ICV_BITS = 128,		/* GCM, ChaCha20-Poly1305, HMAC-SHA256-128 */
	XFRM_NL_REPLAY_MAX = 4096,	/* packets: 128 bitmap words */
};

#define XFRM_NL_AEAD_GCM "rfc4106(gcm(aes))"
#define XFRM_NL_AEAD_CHACHA "rfc7539esp(chacha20,poly1305)"
#define XFRM_NL_ENC_CBC "cbc(aes)"
#define XFRM_NL_AUTH_SHA256 "hmac(sha256)"

/* What a NEWSA/UPDSA needs beyond the SA itself. */
struct xfrm_nl_sa_opts {
	uint32_t reqid;			/* ties the SA to policy templates */
	uint32_t replay_window;		/* packets, a multiple of 32, <= XFRM_NL_REPLAY_MAX */
	int offload_ifindex;		/* > 0: XFRMA_OFFLOAD_DEV on this device */
	bool offload_packet;		/* full packet offload, not just crypto */
	/* Replay/sequence state to carry over (update by delete + add); NULL:
	 * a fresh SA. */
	const struct xfrm_replay_state_esn *replay;
};

/* NEWSA or UPDSA; -EINVAL for an algorithm or window the kernel cannot take. */
int xfrm_nl_sa(struct nl_msg *m, uint16_t type, const struct dp_sa *sa,
	       const struct xfrm_nl_sa_opts *o);
/* DELSA and GETSA: an SA is named by (daddr, SPI, ESP). */
void xfrm_nl_sa_id(struct nl_msg *m, uint16_t type, const struct dp_addr *dst, uint32_t spi);

struct xfrm_nl_policy {
	uint8_t dir;			/* XFRM_POLICY_IN, _OUT or _FWD */
	struct xs_selector src, dst;	/* inner traffic */
	uint32_t priority;
	/* The template: the tunnel's outer addresses (tmpl_src family 0:
	 * any source) and the SA's reqid (0: any). */
	struct dp_addr tmpl_src, tmpl_dst;
	uint32_t reqid;
};

/* NEWPOLICY (or UPDPOLICY) with its template; -EINVAL for a port range
 * XFRM cannot express (port/mask) or selectors of two families. */
int xfrm_nl_policy(struct nl_msg *m, uint16_t type, const struct xfrm_nl_policy *p);
/* DELPOLICY: selector and direction. */
int xfrm_nl_policy_del(struct nl_msg *m, const struct xfrm_nl_policy *p);

/*
 * The tunnel moved (MOBIKE, a NAT): p's template takes the SA's new outer
 * addresses and m the UPDPOLICY that tells the kernel.  An out policy's
 * template names both ends (the kernel resolves it to the state with those
 * addresses); an in or fwd policy's only ours, its source staying any.
 * 1: m is ready; 0: the template already had them, nothing to send;
 * -errno as xfrm_nl_policy.
 */
int xfrm_nl_policy_move(struct nl_msg *m, struct xfrm_nl_policy *p, const struct dp_addr *local,
			const struct dp_addr *remote);
/*
 * Can UPDSA take sa to these outer addresses?  Only if they stay: the
 * kernel's xfrm_state_update copies the encapsulation (ports) but never an
 * address, and a state is named by its destination.  Else the SA is added
 * anew (with its replay state) and the old one deleted.
 */
bool xfrm_nl_sa_moves_in_place(const struct dp_sa *sa, const struct dp_addr *src,
			       const struct dp_addr *dst);

/* An SA as the kernel reports it (GETSA reply, NEWSA/EXPIRE events). */
struct xfrm_nl_sa_state {
	uint32_t spi;			/* host order */
	uint32_t reqid;
	struct dp_addr src, dst;
	uint64_t bytes, packets;	/* curlft */
	uint64_t add_time, use_time;	/* seconds since the epoch */
	bool have_replay;
	struct xfrm_replay_state_esn replay;	/* without the bitmap */
	uint32_t bitmap[XFRM_NL_REPLAY_MAX / 32];
};

/* Parse an XFRM_MSG_NEWSA message; -EBADMSG when short or not an SA. */
int xfrm_nl_parse_sa(const struct nlmsghdr *nh, struct xfrm_nl_sa_state *out);

struct xfrm_nl_expire {
	struct xfrm_nl_sa_state sa;
	bool hard;			/* hard: the kernel deleted the SA */
};

int xfrm_nl_parse_expire(const struct nlmsghdr *nh, struct xfrm_nl_expire *out);

#endif /* XDPSEC_XFRM_NL_H */
