/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The contract between xdpsec's BPF programs and userspace: the layout of
 * every pinned map, the drop/verdict reasons and the frame stamp used on the
 * tunnel veth pair.  Included by the bpf/ programs (after vmlinux.h) and by
 * userspace; every struct has fixed-width fields, explicit padding and a size
 * assertion, so there is exactly one definition of each layout.
 *
 * Maps (pinned under /sys/fs/bpf/xdpsec/<instance>/, all with BTF):
 *   xs_spi        HASH    xs_spi_key     -> __u32 slot    inbound ESP lookup
 *   xs_sa_info    ARRAY   slot           -> xs_sa_info    per-SA metadata
 *   xs_sa_stats   ARRAY   slot           -> xs_sa_stats   per-SA counters (mmap)
 *   xs_policy     LPM     xs_policy_key  -> xs_policy     outbound selectors
 *   xs_acl        ARRAY   device         -> xs_acl        per-device allow list
 *   xs_dev_stats  ARRAY   device         -> xs_dev_stats  per-device counters
 *   xs_reasons    PERCPU  reason         -> xs_counter    BPF verdicts
 *   xs_wreasons   ARRAY   worker*R+reason-> xs_counter    worker verdicts (mmap)
 *   xs_keepalive  LRU     xs_peer_key    -> xs_peer_stats NAT-T keepalives
 *   xs_xsk_up     XSKMAP  queue          -> AF_XDP socket on the uplink
 *   xs_xsk_tun    XSKMAP  queue          -> AF_XDP socket on the tunnel veth
 * Keys never enter a map: they stay in the daemon's memory.
 */
#ifndef XDPSEC_MAPS_H
#define XDPSEC_MAPS_H

#ifndef __bpf__
#include <linux/types.h>
#endif

/* Default capacities; the daemon resizes the maps before loading. */
enum {
	XS_DEFAULT_MAX_SAS = 4096,
	XS_DEFAULT_MAX_DEVICES = 1024,
	XS_MAX_QUEUES = 64,
	XS_MAX_WORKERS = 64,
	XS_MAX_TS = 4,		/* traffic selectors per SA */
	XS_ACL_MAX_RULES = 16,	/* rules per device ACL */
	XS_DEVICE_NONE = 0,	/* device 0: "no device", never enforced */
	XS_KEEPALIVE_PEERS = 16384,
};

/*
 * Verdict reasons.  The numbers are internal; the names (xs_reason_names in
 * userspace/reasons.c) are the stable interface, used as metric labels.
 */
enum xs_reason {
	XS_R_PASS = 0,		/* not IPsec: passed to the kernel untouched */
	XS_R_IKE,		/* IKE on 500, or on 4500 with the non-ESP marker */
	XS_R_NATT_KEEPALIVE,	/* 1-byte 0xff on 4500, counted and dropped */
	XS_R_ESP_IN,		/* ESP for a known SA, steered to a worker
				   (XFRM mode: passed to the kernel) */
	XS_R_ESP_UNKNOWN_SPI,	/* ESP matching no SA: dropped */
	XS_R_ESP_REPLAY,	/* worker: replayed or too old */
	XS_R_ESP_AUTH_FAILED,	/* worker: ICV did not verify */
	XS_R_ESP_BAD_TRAILER,	/* worker: padding or next header wrong */
	XS_R_MALFORMED,		/* a header that does not parse */
	XS_R_ACL_DENIED,	/* decrypted, but the device's ACL forbids it */
	XS_R_TS_MISMATCH,	/* decrypted, inner source outside the SA's TS */
	XS_R_MTU_EXCEEDED,	/* too big after encapsulation: ICMP sent */
	XS_R_NO_POLICY,		/* plaintext to the tunnel with no policy */
	XS_R_NO_WORKER,		/* no AF_XDP socket on the queue */
	XS_R_DECRYPTED,		/* decrypted and delivered to the kernel */
	XS_R_ENCRYPTED,		/* encrypted and sent to the peer */
	XS_R_TX_FAILED,		/* worker could not queue the packet */
	XS_R_XSK_DROPPED,	/* redirected, but the AF_XDP socket had no room */
	XS_R_MAX
};

/* Who does the ESP crypto: xs_cfg_mode in uplink.bpf.c. */
enum xs_mode {
	XS_MODE_AFXDP = 0,	/* AF_XDP workers (userspace ESP) */
	XS_MODE_XFRM = 1,	/* the kernel's XFRM stack (and NIC offload) */
};

struct xs_counter {
	__u64 packets;
	__u64 bytes;
};

/* An address of either family: IPv4 in the first 4 bytes, rest zero. */
enum { XS_AF_INET = 4, XS_AF_INET6 = 6 };

/*
 * A selector: an address prefix plus optional protocol and port range.
 * Used for traffic selectors (inner source check) and ACL rules.
 * proto 0 = any; port_lo = 0, port_hi = 65535 = any port.
 */
struct xs_selector {
	__u8 family;	/* XS_AF_INET or XS_AF_INET6 */
	__u8 prefixlen;
	__u8 proto;
	__u8 pad;
	__u16 port_lo;	/* host order */
	__u16 port_hi;
	__u8 addr[16];
};

struct xs_spi_key {
	__u32 spi;	/* network order, as on the wire */
	__u8 family;
	__u8 pad[3];
	__u8 daddr[16];	/* outer destination: our own address */
};

enum xs_sa_flags {
	XS_SA_VALID = 1 << 0,
	XS_SA_UDP_ENCAP = 1 << 1,
	XS_SA_ESN = 1 << 2,
};

enum xs_sa_dir { XS_DIR_IN = 0, XS_DIR_OUT = 1 };

/* What BPF needs to know of an SA; everything else stays in userspace. */
struct xs_sa_info {
	__u32 spi;	/* network order */
	__u8 dir;	/* enum xs_sa_dir */
	__u8 flags;	/* enum xs_sa_flags */
	__u8 nts;	/* remote traffic selectors used */
	__u8 pad;
	__u32 device;	/* index into xs_acl / xs_dev_stats */
	__u32 pad2;
	struct xs_selector ts[XS_MAX_TS];	/* remote (device-side) TS */
};

/* Written by workers with atomic adds; read by the CLI and metrics. */
struct xs_sa_stats {
	__u64 packets;
	__u64 bytes;
	__u64 replay;
	__u64 auth_failed;
	__u64 bad_trailer;
	__u64 malformed;
	__u64 mtu_exceeded;
	__u64 tx_failed;
	__u64 last_ns;		/* CLOCK_MONOTONIC of the last good packet */
};

/* LPM key: prefixlen counts the family byte, so it is 8 + the prefix. */
struct xs_policy_key {
	__u32 prefixlen;
	__u8 family;
	__u8 addr[16];
	__u8 pad[3];
};

struct xs_policy {
	__u32 sa_slot;	/* outbound SA */
	__u32 device;
};

struct xs_acl {
	__u32 nrules;
	__u32 enforce;	/* 0: no ACL, the TS alone limit the device */
	struct xs_selector rules[XS_ACL_MAX_RULES];
};

struct xs_dev_stats {
	__u64 packets;		/* decrypted and accepted */
	__u64 bytes;
	__u64 acl_denied;
	__u64 ts_mismatch;
};

struct xs_peer_key {
	__u8 family;
	__u8 pad;
	__u16 port;		/* network order */
	__u8 addr[16];
};

struct xs_peer_stats {
	__u64 keepalives;
	__u64 last_ns;
};

/*
 * Frame stamp on the tunnel veth pair.  The pair carries plaintext between
 * the kernel and the workers; its Ethernet source address is ours to use:
 * bytes 0-1 are XS_STAMP_MAGIC, bytes 2-5 the SA slot (network order).
 * The TC egress program stamps the outbound SA; a worker stamps the inbound
 * SA on decrypted frames, or XS_SLOT_LOCAL on ICMP it generated itself.
 */
#define XS_STAMP_MAGIC0 0x02	/* locally administered, unicast */
#define XS_STAMP_MAGIC1 0x58	/* 'X' */
#define XS_SLOT_LOCAL 0xffffffffu

/*
 * XDP metadata in front of an ESP frame the uplink program redirects to a
 * worker (bpf_xdp_adjust_meta; AF_XDP copies it into the UMEM right before
 * the frame): the slot the SPI lookup found, so the worker needs no table
 * of its own.  The worker still checks the SA's SPI against the packet.
 */
struct xs_meta {
	__u32 slot;
};

#ifndef __bpf__
_Static_assert(sizeof(struct xs_selector) == 24, "xs_selector layout");
_Static_assert(sizeof(struct xs_spi_key) == 24, "xs_spi_key layout");
_Static_assert(sizeof(struct xs_sa_info) == 16 + 24 * XS_MAX_TS, "xs_sa_info layout");
_Static_assert(sizeof(struct xs_policy_key) == 24, "xs_policy_key layout");
_Static_assert(sizeof(struct xs_acl) == 8 + 24 * XS_ACL_MAX_RULES, "xs_acl layout");
_Static_assert(sizeof(struct xs_peer_key) == 20, "xs_peer_key layout");
#endif

#endif /* XDPSEC_MAPS_H */
